"""Uploaded files on S3-compatible object storage (PORTAL_STORAGE=s3, MinIO in compose): the
same pages store them in the bucket and serve them back only to those who may see them.

A real S3 HTTP endpoint runs on loopback (moto's server, shared/STACK.md); the portal talks to
it through django-storages and boto3 exactly as it talks to MinIO, with the storage options
the settings build (congress.storage.s3_storage_options).
"""

import io
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from commitments import services as commitments
from commitments.models import Evidence
from imports import excel
from suggestions.models import Attachment, Reply

from .factories import pdf_upload, release_reply
from .test_pages import login
from .xlsx import confirm, latest_job, upload, workbook


def test_a_reply_attachment_uploaded_on_the_page_lands_in_the_bucket_and_only_readers_get_it(
    client, people, journey, s3_bucket, tmp_path
):
    _, assignment = journey.accepted()
    letter = pdf_upload("答复函.pdf")
    body = letter.read()
    letter.seek(0)
    login(client, people.unit_user)
    client.post(
        f"/inbox/{assignment.pk}/reply/",
        {
            "reply-text": "答复内容",
            "reply-result": "A",
            "reply-publication": "public",
            "reply-attachments": [letter],
        },
    )
    client.post(f"/inbox/{assignment.pk}/sign/", {})

    attachment = Attachment.objects.get()
    assert Reply.objects.get().attachments.get() == attachment  # released to the deputy
    # In the bucket under its random name, not on the disk.
    assert s3_bucket.keys() == [attachment.file.name]
    assert attachment.file.name.startswith("attachments/") and "答复函" not in attachment.file.name
    assert s3_bucket.body(attachment.file.name) == body
    assert not (tmp_path / "media").exists()

    url = f"/files/attachments/{attachment.pk}/"
    login(client, people.deputy_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == body
    for outsider in (people.other_unit_user, people.other_deputy_user, people.nobody):
        login(client, outsider)
        assert client.get(url).status_code == 404


def test_commitment_evidence_goes_to_the_bucket_and_back(client, people, journey, s3_bucket):
    _, assignment = journey.accepted()
    reply = release_reply(
        actor=people.unit_user,
        assignment=assignment,
        text="正在解决,列入明年计划。",
        result="B",
        is_public=True,
    )
    commitment = commitments.commitment_add(
        actor=people.unit_user,
        reply=reply,
        what="年底前完成道路改造",
        due_on=reply.replied_on.replace(year=reply.replied_on.year + 1),
        responsible="建设科 王科长",
    )
    report = pdf_upload("验收.pdf")
    body = report.read()
    report.seek(0)
    login(client, people.unit_user)
    response = client.post(
        f"/inbox/ledger/{commitment.pk}/complete/",
        {
            "complete-note": "已完工",
            "complete-completed_on": reply.replied_on.isoformat(),
            "complete-evidence": [report],
        },
    )
    assert response.status_code == 302

    evidence = Evidence.objects.get()
    assert s3_bucket.keys() == [evidence.file.name]
    download = client.get(f"/inbox/ledger/evidence/{evidence.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == body
    login(client, people.other_unit_user)
    assert client.get(f"/inbox/ledger/evidence/{evidence.pk}/").status_code == 404


def unit_row(name: str) -> list:
    row = dict.fromkeys((c.key for c in excel.UNITS.columns), "")
    row.update(name=name, system="政府")
    return [row[c.key] for c in excel.UNITS.columns]


def test_an_excel_import_is_read_back_from_the_bucket(client, people, s3_bucket):
    # The workbook and its parsed rows are stored, then read again by the check and the
    # import (which a Celery worker on another machine does for large files).
    login(client, people.staff)
    upload(client, "units", workbook(excel.UNITS, [unit_row("市住房和城乡建设局")]))
    job = latest_job()
    assert s3_bucket.keys() == sorted([job.file.name, f"{job.file.name}.rows.json"])

    page = confirm(client, job).content.decode()

    assert "导入完成:承办单位 1" in page


def test_export_media_and_import_media_copy_every_object_of_the_bucket(s3_bucket, settings):
    default_storage.save("attachments/2026/11/a", ContentFile(b"%PDF-1.4 first"))
    default_storage.save("imports/units.xlsx", ContentFile(b"PK workbook"))
    archive = settings.MEDIA_ROOT.parent / "media.tar.gz"

    call_command("export_media", str(archive))

    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["attachments/2026/11/a", "imports/units.xlsx"]
        assert tar.extractfile("attachments/2026/11/a").read() == b"%PDF-1.4 first"

    # Into an empty bucket (a restore), and again over the same files: same names and bytes.
    for key in s3_bucket.keys():
        s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=key)
    out = io.StringIO()
    call_command("import_media", str(archive), stdout=out)
    call_command("import_media", str(archive), stdout=io.StringIO())

    assert out.getvalue().strip() == "imported 2 files"
    assert s3_bucket.keys() == ["attachments/2026/11/a", "imports/units.xlsx"]
    assert s3_bucket.body("imports/units.xlsx") == b"PK workbook"


def test_import_media_refuses_names_outside_the_storage(s3_bucket, settings):
    archive = settings.MEDIA_ROOT.parent / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        member = tarfile.TarInfo("../outside")
        member.size = 1
        tar.addfile(member, io.BytesIO(b"x"))

    with pytest.raises(Exception, match="outside the storage"):
        call_command("import_media", str(archive), stdout=io.StringIO())
    assert s3_bucket.keys() == []


def test_export_media_and_import_media_work_on_media_root_too(settings, tmp_path):
    archive = tmp_path / "media.tar.gz"
    call_command("export_media", str(archive))  # before the first upload: no folder yet
    with tarfile.open(archive) as tar:
        assert tar.getnames() == []

    default_storage.save("attachments/2026/11/a", ContentFile(b"%PDF-1.4 first"))
    call_command("export_media", str(archive))
    settings.MEDIA_ROOT = tmp_path / "restored"
    call_command("import_media", str(archive), stdout=io.StringIO())

    assert (tmp_path / "restored" / "attachments" / "2026" / "11" / "a").read_bytes() == (
        b"%PDF-1.4 first"
    )
