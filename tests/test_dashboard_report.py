"""The handling report (DESIGN.md §6) for the published example: 203 submitted, 201 assigned,
seven categories, results 166 / 24 / 11; on the page, in .docx and in .xlsx."""

import datetime as dt
from io import BytesIO

import pytest
from docx import Document
from openpyxl import load_workbook

from rollups import services
from suggestions.models import Assignment, Feedback, Reply, Suggestion

from .factories import category
from .test_figures import D

CATEGORIES = [
    ("财政经济", 14),
    ("城乡建设", 55),
    ("科教文卫", 48),
    ("行政司法", 30),
    ("农业与农村", 25),
    ("环境资源保护", 20),
    ("旅游", 9),
]


def build_published_example(people, *, as_of):
    """203 submitted, 201 assigned to `people.unit`: 83 大会期间 (58 closed), 23 闭会期间 (all
    closed), 95 代表之声; results A 166, B 24, C 11; closed ones have feedback 满意."""
    d = as_of
    channels = ["session"] * 83 + ["recess"] * 23 + ["voice"] * 95
    closed = set(range(58)) | set(range(83, 106))
    results = ["A"] * 166 + ["B"] * 24 + ["C"] * 11
    cats = [category(name) for name, n in CATEGORIES for _ in range(n)]
    suggestions = Suggestion.objects.bulk_create(
        Suggestion(
            term=people.term,
            number=i + 1,
            channel=channels[i] if i < 201 else "session",
            category=cats[i] if i < 201 else cats[0],
            title=f"建议{i + 1}",
            content="内容",
            lead_deputy=people.deputy,
            submitted_on=d - dt.timedelta(120),
            status=("closed" if i in closed else "replied") if i < 201 else "submitted",
            closed_on=d - dt.timedelta(1) if i in closed else None,
        )
        for i in range(203)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            suggestion=s,
            unit=people.unit,
            role="lead",
            state="replied",
            assigned_on=d - dt.timedelta(100),
            rules={},
            deadline=d - dt.timedelta(10),
        )
        for s in suggestions[:201]
    )
    replies = Reply.objects.bulk_create(
        Reply(
            assignment=a,
            round=1,
            text="答复",
            result=results[i],
            signer="王局长",
            replied_on=d - dt.timedelta(20),
            is_public=True,
        )
        for i, a in enumerate(assignments)
    )
    Feedback.objects.bulk_create(
        Feedback(
            reply=replies[i],
            result_verdict="satisfied",
            work_verdict="satisfied",
            given_on=d - dt.timedelta(2),
            deputy=people.deputy,
        )
        for i in sorted(closed)
    )


def chinese(day):
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def published(people):
    build_published_example(people, as_of=D)
    services.rollups_compute_all(as_of=D)
    return {"term": people.term.pk, "as_of": D.isoformat()}


def expected_phrases():
    return [
        f"截至{chinese(D)},共提出建议203件,交由政府系统办理201件,占总数的99.0%。",
        "其中,城乡建设方面55件、占27.4%,科教文卫方面48件、占23.9%,行政司法方面30件、占14.9%,"
        "农业与农村方面25件、占12.4%,环境资源保护方面20件、占10.0%,财政经济方面14件、占7.0%,"
        "旅游方面9件、占4.5%。",
        "交办大会期间的代表建议83件,办结率69.9%;闭会期间的代表建议23件,办结率100.0%;"
        "代表之声的代表建议95件,办结率0.0%。",
        "已解决或采纳166件,占总数的82.6%;正在解决或列入计划解决的24件,占11.9%;"
        "受客观条件限制留待解决的11件,占5.5%。",
        "满意率和基本满意率达到100.0%,其中满意率100.0%、基本满意率0.0%;"
        "初次满意率100.0%,初次满意和基本满意率100.0%。",
    ]


def test_the_report_reads_with_the_published_numbers(client, people, published):
    client.force_login(people.staff)
    response = client.get("/dashboard/report/", published)
    text = " ".join(response.context["report"].paragraphs)
    for phrase in expected_phrases():
        assert phrase in text
    html = response.content.decode()
    assert "数据来自已存储的统计汇总(截至" in html and "<td>201</td>" in html


def test_the_docx_holds_the_same_paragraphs_and_the_unit_table(client, people, published):
    client.force_login(people.leader)
    response = client.get("/dashboard/report.docx", published)
    assert response["Content-Disposition"].startswith("attachment;")
    document = Document(BytesIO(response.content))
    text = " ".join(p.text for p in document.paragraphs)
    for phrase in expected_phrases():
        assert phrase in text
    main = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows[1:]}
    assert {k: main[k] for k in ("满意率", "基本满意率", "满意和基本满意率", "初次满意率")} == {
        "满意率": "100.0%",
        "基本满意率": "0.0%",
        "满意和基本满意率": "100.0%",
        "初次满意率": "100.0%",
    }
    table = document.tables[-1]
    assert [c.text for c in table.rows[1].cells] == [
        people.unit.name,
        "201",
        "201",
        "100.0%",
        "0",
        "82.6%",
        "100.0%",
    ]


def test_the_xlsx_holds_the_paragraphs_and_the_unit_table(client, people, published):
    client.force_login(people.leader)
    response = client.get("/dashboard/report.xlsx", published)
    book = load_workbook(BytesIO(response.content))
    text = " ".join(str(row[0]) for row in book["办理情况"].iter_rows(values_only=True))
    for phrase in expected_phrases():
        assert phrase in text
    # Rates are numbers shown as percentages, so they sort and add up in Excel.
    rows = list(book["各承办单位"].iter_rows(values_only=True))
    assert rows[1] == (people.unit.name, 201, 201, 1.0, 0, 0.826, 1.0)
    formats = [c.number_format for c in book["各承办单位"][2]]
    assert formats[3] == formats[5] == formats[6] == "0.0%"
    main = {label: value for label, value, _ in book["主要指标"].iter_rows(values_only=True)}
    assert (main["提出"], main["交办"]) == (203, 201)
    assert {k: main[k] for k in ("满意率", "基本满意率", "满意和基本满意率", "初次满意率")} == {
        "满意率": 1.0,
        "基本满意率": 0.0,
        "满意和基本满意率": 1.0,
        "初次满意率": 1.0,
    }
    cells = {row[0].value: row[1] for row in book["主要指标"].iter_rows(min_row=2)}
    assert cells["解决率(A类占比)"].value == 0.826
    assert cells["解决率(A类占比)"].number_format == "0.0%"
    assert cells["交办"].number_format == "General"


@pytest.mark.parametrize(
    "path", ["/dashboard/report/", "/dashboard/report.docx", "/dashboard/report.xlsx"]
)
def test_units_and_deputies_may_not_draft_it(client, people, path):
    for user in (people.unit_user, people.deputy_user):
        client.force_login(user)
        assert client.get(path).status_code == 403
    client.logout()
    assert "/accounts/login/" in client.get(path)["Location"]


def test_the_docx_is_a4_with_official_document_margins_and_fonts(client, people, published):
    from docx.oxml.ns import qn

    client.force_login(people.leader)
    document = Document(BytesIO(client.get("/dashboard/report.docx", published).content))
    section = document.sections[0]
    # Word stores lengths in twentieths of a point: compare in whole millimetres.
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    body = document.styles["Normal"].element.rPr.rFonts
    assert body.get(qn("w:eastAsia")) == "仿宋_GB2312"
    title_run = document.paragraphs[0].runs[0]
    assert title_run.text.endswith("代表建议办理情况")
    assert title_run.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
