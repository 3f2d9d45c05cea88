"""Helpers for the Excel import tests: build a workbook in memory, upload it, read one back."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from imports import excel
from imports.models import ImportJob

XLSX = excel.XLSX_CONTENT_TYPE


def workbook(spec, rows, headers=None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(spec.title)
    sheet.append(headers or spec.headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def suggestion_row(**values) -> list:
    """A row of the suggestions sheet in header order; defaults make a valid row."""
    row = {
        "term": "市第13届",
        "meeting": "",
        "number": None,
        "kind": "建议、批评和意见",
        "channel": "大会期间",
        "category": "城乡建设",
        "title": "关于增设公交站点的建议",
        "content": "建议在新区增设公交站点。",
        "lead_deputy": "张伟",
        "co_signers": "",
        "submitted_on": "2026-03-01",
        "registered_on": "",
        "external_source": "",
        "external_ticket": "",
    }
    row.update(values)
    return [row[c.key] for c in excel.SUGGESTIONS.columns]


def upload(client, kind, content: bytes, register=True, name="导入.xlsx"):
    """Upload as the logged-in user and follow to the job page."""
    data = {
        "kind": kind,
        "register": "1" if register else "0",
        "file": SimpleUploadedFile(name, content, content_type=XLSX),
    }
    return client.post("/imports/upload/", data, follow=True)


def latest_job() -> ImportJob:
    return ImportJob.objects.order_by("-pk").first()


def confirm(client, job):
    return client.post(f"/imports/jobs/{job.pk}/confirm/", follow=True)


def read_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
