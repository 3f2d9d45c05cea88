"""What an attachment may be: the file's content decides its type, never its name."""

import hashlib
import zipfile
from dataclasses import dataclass

from django.conf import settings

from .models import AttachmentKind

ACCEPTED = "PDF、Word(DOCX)、PNG 或 JPEG"


class AttachmentRefused(Exception):
    """`message` is Chinese for the UI; `code` English for logs."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Checked:
    name: str
    kind: str
    size: int
    sha256: str


def max_bytes() -> int:
    return settings.PORTAL["ATTACHMENT_MAX_MB"] * 1024 * 1024


def check_batch(uploads) -> None:
    """Refuse more files, or more bytes together, than one reply may carry."""
    portal = settings.PORTAL
    if len(uploads) > portal["ATTACHMENT_MAX_COUNT"]:
        raise AttachmentRefused(
            f"一次答复最多上传 {portal['ATTACHMENT_MAX_COUNT']} 个附件,"
            f"本次选择了 {len(uploads)} 个,请合并或删减后再提交",
            "too_many",
        )
    total = sum(upload.size for upload in uploads)
    if total > portal["ATTACHMENT_MAX_TOTAL_MB"] * 1024 * 1024:
        raise AttachmentRefused(
            f"附件合计 {total / (1024 * 1024):.1f} MB,"
            f"超过每次答复 {portal['ATTACHMENT_MAX_TOTAL_MB']} MB 的合计上限",
            "too_large_together",
        )


def sniff(head: bytes, upload) -> str | None:
    """The file's real type from its first bytes (and, for DOCX, its zip directory)."""
    if head.startswith(b"%PDF-"):
        return AttachmentKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return AttachmentKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return AttachmentKind.JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return AttachmentKind.DOCX
    return None


def check(upload) -> Checked:
    """Refuse anything that is not, by content, one of the accepted types, or is too big."""
    name = (getattr(upload, "name", "") or "附件").rsplit("/", 1)[-1][:200]
    size = upload.size
    if size == 0:
        raise AttachmentRefused(f"“{name}”是空文件", "empty")
    if size > max_bytes():
        raise AttachmentRefused(
            f"“{name}”超过 {settings.PORTAL['ATTACHMENT_MAX_MB']} MB 的大小限制", "too_large"
        )
    upload.seek(0)
    head = upload.read(16)
    kind = sniff(head, upload)
    if kind is None:
        raise AttachmentRefused(
            f"“{name}”的内容不是 {ACCEPTED} 文件,不能上传(按文件内容检查,与扩展名无关)",
            "bad_type",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Checked(name=name, kind=kind, size=size, sha256=digest.hexdigest())
