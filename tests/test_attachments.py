"""Reply attachments: the content decides the type, the size is capped, downloads are guarded."""

import io
import zipfile

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from suggestions.models import Attachment, Reply

from .factories import pdf_upload


def as_user(client, user):
    client.force_login(user)
    return client


def _reply(client, people, assignment, *files):
    return as_user(client, people.unit_user).post(
        f"/inbox/{assignment.pk}/reply/",
        {
            "reply-text": "答复内容",
            "reply-result": "A",
            "reply-publication": "public",
            "reply-attachments": list(files),
        },
    )


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "body", "kind"),
    [
        ("答复函.pdf", b"%PDF-1.7\n...", "pdf"),
        ("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "png"),
        ("现场照片.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 32, "jpeg"),
        ("办理方案.docx", None, "docx"),
        ("名字不对.txt", b"%PDF-1.4\n", "pdf"),  # the content decides, not the name
    ],
)
def test_accepted_types_are_recognised_by_content(client, people, journey, name, body, kind):
    _, assignment = journey.accepted()
    upload = SimpleUploadedFile(name, body if body is not None else _docx())
    _reply(client, people, assignment, upload)
    assert Attachment.objects.get().kind == kind


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("答复函.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 64),  # a Windows executable
        ("答复函.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 64),  # a Linux executable
        ("答复函.docx", b"PK\x03\x04not really a zip"),
        ("页面.pdf", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_an_executable_renamed_to_pdf_is_refused_and_nothing_is_saved(
    client, people, journey, name, body
):
    suggestion, assignment = journey.accepted()
    response = _reply(
        client, people, assignment, pdf_upload("正常.pdf"), SimpleUploadedFile(name, body)
    )
    page = response.content.decode()
    assert f"“{name}”的内容不是 PDF、Word(DOCX)、PNG 或 JPEG 文件" in page
    assert not Reply.objects.exists() and not Attachment.objects.exists()
    assignment.refresh_from_db()
    assert assignment.state == "accepted"


def test_files_over_the_size_limit_are_refused(client, people, journey, settings):
    settings.PORTAL = {**settings.PORTAL, "ATTACHMENT_MAX_MB": 1}
    _, assignment = journey.accepted()
    big = SimpleUploadedFile("大文件.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    response = _reply(client, people, assignment, big)
    assert "“大文件.pdf”超过 1 MB 的大小限制" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_file_is_stored_outside_the_web_root_under_a_random_name(people, journey, settings):
    _, reply = journey.replied(attachments=[pdf_upload("答复函.pdf")])
    attachment = reply.attachments.get()
    # Through the storage API only (a bucket has no paths): the stored name is random, and
    # the default storage is the private media storage, not the static files.
    name = attachment.file.name
    assert name.startswith("attachments/") and "答复函" not in name
    assert attachment.file.storage is default_storage
    assert default_storage.exists(name)
    assert not staticfiles_storage.exists(name)
    with default_storage.open(name, "rb") as stored:
        assert stored.read().startswith(b"%PDF-")
    assert str(default_storage.base_location) == str(settings.MEDIA_ROOT)  # embedded mode


def test_download_is_an_attachment_never_inline(client, people, journey):
    _, reply = journey.replied(attachments=[pdf_upload("答复函.pdf")])
    attachment = reply.attachments.get()
    response = as_user(client, people.deputy_user).get(f"/files/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("who", ["other_unit_user", "other_deputy_user", "nobody"])
def test_others_get_404_for_the_file(client, people, journey, who):
    _, reply = journey.replied(attachments=[pdf_upload()])
    attachment = reply.attachments.get()
    response = as_user(client, getattr(people, who)).get(f"/files/attachments/{attachment.pk}/")
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_login_for_a_file(client, people, journey):
    _, reply = journey.replied(attachments=[pdf_upload()])
    response = client.get(f"/files/attachments/{reply.attachments.get().pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
