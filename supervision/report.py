"""A topic's closing report (专题办理情况报告): HTML to print and .docx as the handling
report writes it (dashboards/report.py: GB/T 9704 page, fonts), from the topic page's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from dashboards import report as handling_report

from .models import ActionKind
from .selectors import TopicPage


@dataclass
class TopicReport:
    title: str
    draft: bool
    facts: list[tuple[str, str]]
    paragraphs: list[str]
    milestone_rows: list[list[str]]
    suggestion_rows: list[list[str]]
    action_rows: list[list[str]]

    milestone_headers = ["环节", "计划日期", "完成日期", "情况说明"]
    suggestion_headers = ["编号", "标题", "领衔代表", "承办单位", "状态"]
    action_headers = ["日期", "类型", "督办人", "内容", "参加人员"]


def _day(d: date | None) -> str:
    return handling_report.chinese_date(d) if d else "—"


def topic_report(page: TopicPage, *, leaders: list, today: date) -> TopicReport:
    topic, progress, units = page.topic, page.progress, page.units
    counts = {k: 0 for k in ActionKind.values}
    for a in page.actions:
        counts[a.kind] += 1
    facts = [
        ("年度", f"{topic.year}年"),
        ("领办领导", "、".join(u.display_name for u in leaders) or "—"),
        ("督办委员会", topic.committee.name if topic.committee else "—"),
        ("牵头单位", "、".join(u.name for u in units.lead) or "—"),
        ("协同单位", "、".join(u.name for u in units.co) or "—"),
        ("状态", topic.get_state_display()),
        ("完成日期", _day(topic.closed_on)),
    ]
    paragraphs = []
    if topic.closing_summary:
        paragraphs.append(topic.closing_summary)
    elif topic.description:
        paragraphs.append(topic.description)
    paragraphs.append(
        f"本专题包括代表建议{progress.suggestions}件,已答复{progress.replied}件,"
        f"已办结{progress.closed}件。计划开展调研、座谈、视察等环节{progress.milestones_planned}项,"
        f"已完成{progress.milestones_done}项"
        + (f",{progress.milestones_late}项未按计划完成" if progress.milestones_late else "")
        + "。"
    )
    paragraphs.append(
        f"督办过程中,提出督办意见{counts[ActionKind.INSTRUCTION]}次、"
        f"催办{counts[ActionKind.URGE]}次、开展视察座谈{counts[ActionKind.VISIT]}次。"
    )
    return TopicReport(
        title=f"关于“{topic.title}”重点督办专题办理情况的报告",
        draft=topic.is_open,
        facts=facts,
        paragraphs=paragraphs,
        milestone_rows=[
            [m.get_kind_display(), _day(m.planned_on), _day(m.done_on), m.note or ""]
            for m in page.milestones
        ],
        suggestion_rows=[
            [
                s.display_number,
                s.title,
                s.lead_name,
                "、".join(f"{a.unit.name}({a.get_role_display()})" for a in s.current_assignments)
                or "—",
                s.get_status_display(),
            ]
            for s in page.suggestions
        ],
        action_rows=[
            [
                _day(a.happened_on),
                a.get_kind_display(),
                a.actor.display_name,
                a.content,
                a.participants or "",
            ]
            for a in reversed(page.actions)
        ],
    )


def topic_report_docx(report: TopicReport) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    r = handling_report
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(r.PAGE_MM[0]), Mm(r.PAGE_MM[1])
    section.top_margin = Mm(r.MARGINS_MM["top"])
    section.bottom_margin = Mm(r.MARGINS_MM["bottom"])
    section.left_margin = Mm(r.MARGINS_MM["left"])
    section.right_margin = Mm(r.MARGINS_MM["right"])
    normal = document.styles["Normal"]
    r._fonts(normal, east_asia=r.BODY_FONT, latin=r.BODY_FALLBACK, size_pt=16)
    normal.paragraph_format.first_line_indent = Pt(32)
    normal.paragraph_format.line_spacing = Pt(28)
    heading = document.styles["Heading 2"]
    r._fonts(heading, east_asia=r.HEADING_FONT, latin=r.TITLE_FALLBACK, size_pt=16, bold=False)
    heading.font.color.rgb = None
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    text = report.title + ("(草稿)" if report.draft else "")
    r._fonts(title.add_run(text), east_asia=r.TITLE_FONT, latin=r.TITLE_FALLBACK, size_pt=22)
    for paragraph in report.paragraphs:
        document.add_paragraph(paragraph)
    tables = []
    for heading_text, headers, rows in (
        ("基本情况", ["项目", "内容"], [list(f) for f in report.facts]),
        ("工作环节", report.milestone_headers, report.milestone_rows),
        ("督办记录", report.action_headers, report.action_rows),
        ("专题所含建议", report.suggestion_headers, report.suggestion_rows),
    ):
        document.add_heading(heading_text, level=2)
        table = document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        for cell, header in zip(table.rows[0].cells, headers, strict=True):
            cell.text = header
        for values in rows:
            for cell, value in zip(table.add_row().cells, values, strict=True):
                cell.text = value
        tables.append(table)
    for t in tables:
        for row in t.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.first_line_indent = Pt(0)
                    for run in paragraph.runs:
                        run.font.size = Pt(12)
    out = BytesIO()
    document.save(out)
    return out.getvalue()
