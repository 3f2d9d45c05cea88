"""The handling report of DESIGN.md §6, drafted from the figures the one door gives
(`rollups.selectors.figure_set`: stored or live, complete) and exported as .docx and .xlsx.

Wording follows the published reports: counts with percentages of one decimal, by unit
system ("交由政府系统办理201件,占总数的99.0%"), by category, by channel (with 办结率) and by
result class, then every satisfaction figure; a table of the main figures and one by unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from imports.excel import append_row  # every .xlsx writes its text cells as text
from rollups.selectors import Provenance
from suggestions import figures
from suggestions.models import Channel
from units.models import UnitSystem

from . import selectors
from .forms import Filters

CHANNEL_ORDER = [value for value, _ in Channel.choices]
CHANNEL_LABELS = dict(Channel.choices)
RESULT_PHRASES = {
    "A": "已解决或采纳",
    "B": "正在解决或列入计划解决的",
    "C": "受客观条件限制留待解决的",
    "D": "留作参考的",
}
UNIT_HEADERS = ["承办单位", *(c.label for c in figures.UNIT_TABLE)]
# How the published reports name each system: "交由政府系统办理…".
SYSTEM_PHRASES = {
    UnitSystem.GOVERNMENT: "政府系统",
    UnitSystem.COURT: "法院系统",
    UnitSystem.PROCURATORATE: "检察院系统",
    UnitSystem.CONGRESS: "人大机关",
    UnitSystem.OTHER: "其他单位",
}
SYSTEM_ORDER = [value for value, _ in UnitSystem.choices]


def main_figures(f: figures.Figures) -> list[tuple[str, str, str]]:
    """(label, value, numerator / denominator) of the report's table of main figures."""

    def rate(label, r):
        return (label, str(r), f"{r.numerator} / {r.denominator}")

    return [
        ("提出", str(f.submitted), "件"),
        ("交办", str(f.assigned), "件"),
        ("已答复", str(f.replied), "件"),
        rate("按期答复率", f.on_time_rate),
        rate("办结率", f.completion_rate),
        rate("解决率(A类占比)", f.solved_rate),
        rate("解决和正在解决率", f.solved_or_solving_rate),
        rate("满意率", f.satisfied_rate),
        rate("基本满意率", f.basically_satisfied_rate),
        rate("满意和基本满意率", f.content_rate),
        rate("初次满意率", f.first_satisfied_rate),
        rate("初次满意和基本满意率", f.first_content_rate),
        rate("反馈率", f.feedback_rate),
        rate("面商率", f.face_to_face_rate),
        ("逾期", str(f.overdue), "项交办"),
    ]


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class Report:
    title: str
    scope_label: str
    as_of: date
    paragraphs: list[str]
    unit_rows: list  # UnitRow, ranked first
    source: Provenance
    figures: list  # main_figures

    unit_headers = UNIT_HEADERS

    @property
    def unit_table(self) -> list[list[str]]:
        return [[r.unit_name, *(c.text(r) for c in figures.UNIT_TABLE)] for r in self.unit_rows]


def _scope_label(filters: Filters) -> str:
    parts = [filters.term.name if filters.term else "全部届次"]
    if filters.meeting:
        parts.append(filters.meeting.name)
    if filters.channel:
        parts.append(CHANNEL_LABELS[filters.channel])
    if filters.category:
        parts.append(filters.category.name)
    if filters.unit:
        parts.append(filters.unit.name)
    if filters.system:
        parts.append(SYSTEM_PHRASES[filters.system])
    if filters.key_only:
        parts.append("重点建议")
    return "".join(parts[:1]) + ("(" + "、".join(parts[1:]) + ")" if parts[1:] else "")


def _systems_sentence(f: figures.Figures, by_system: dict) -> str:
    """ "交由政府系统办理201件,占总数的99.0%" — each system with assignments, of 提出."""
    parts = []
    for system in SYSTEM_ORDER:
        n = by_system[system].assigned
        if n:
            share = figures.Rate(n, f.submitted)
            parts.append(
                f"交由{SYSTEM_PHRASES[system]}办理{n}件,占{'总数的' if not parts else ''}{share}"
            )
    if not parts:
        return f"交由承办单位办理{f.assigned}件,占总数的{f.assigned_share}"
    if len(parts) == 1:
        return parts[0]
    return f"交由承办单位办理{f.assigned}件,占总数的{f.assigned_share},其中" + ",".join(
        p.replace("占总数的", "占") for p in parts
    )


def report_draft(*, filters: Filters) -> Report:
    data = selectors.report(filters=filters)
    f, by_channel = data.figures, data.by_channel
    day = chinese_date(filters.as_of)

    overview = f"截至{day},共提出建议{f.submitted}件,{_systems_sentence(f, data.by_system)}。"
    if f.by_category:
        overview += (
            "其中,"
            + ",".join(
                f"{c.category or '未分类'}方面{c.assigned}件、占{c.share}" for c in f.by_category
            )
            + "。"
        )

    channel_parts = [
        f"{CHANNEL_LABELS[c]}的代表建议{by_channel[c].assigned}件,办结率{by_channel[c].completion_rate}"
        for c in CHANNEL_ORDER
        if by_channel[c].assigned
    ]
    channels = ("交办" + ";".join(channel_parts) + "。") if channel_parts else ""

    results = [
        f"{RESULT_PHRASES[x]}{f.results[x]}件,占{'总数的' if i == 0 else ''}{f.result_rate(x)}"
        for i, x in enumerate(figures.RESULTS)
        if i == 0 or f.results[x]
    ]
    handling = (
        f"已答复{f.replied}件,其中按期答复{f.on_time}件,按期答复率{f.on_time_rate};"
        f"办结{f.closed}件,办结率{f.completion_rate}。"
        f"在已答复的建议中," + ";".join(results) + f"。解决和正在解决率{f.solved_or_solving_rate}。"
    )
    satisfaction = (
        f"代表反馈{f.with_feedback}件,满意率和基本满意率达到{f.content_rate},"
        f"其中满意率{f.satisfied_rate}、基本满意率{f.basically_satisfied_rate};"
        f"初次满意率{f.first_satisfied_rate},初次满意和基本满意率{f.first_content_rate}。"
        f"答复前面商率{f.face_to_face_rate}。"
        f"截至{day},逾期未答复的交办{f.overdue}项。"
    )
    return Report(
        title=f"{_scope_label(filters)}代表建议办理情况",
        scope_label=_scope_label(filters),
        as_of=filters.as_of,
        paragraphs=[p for p in (overview, channels, handling, satisfaction) if p],
        unit_rows=data.units,
        source=data.provenance,
        figures=main_figures(f),
    )


# --- exports ---------------------------------------------------------------------------------


def report_docx(report: Report) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "宋体"
    # East Asian text takes the eastAsia font, not `font.name`.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    document.add_heading(report.title, level=1)
    for text in report.paragraphs:
        document.add_paragraph(text)
    document.add_paragraph(report.source.label)
    document.add_heading("主要指标", level=2)
    main = document.add_table(rows=1, cols=3)
    main.style = "Table Grid"
    for cell, header in zip(main.rows[0].cells, ("指标", "数值", "计算"), strict=True):
        cell.text = header
    for values in report.figures:
        for cell, value in zip(main.add_row().cells, values, strict=True):
            cell.text = value
    document.add_heading("各承办单位办理情况", level=2)
    table = document.add_table(rows=1, cols=len(UNIT_HEADERS))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, UNIT_HEADERS, strict=True):
        cell.text = header
    for values in report.unit_table:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "办理情况"
    append_row(sheet, [report.title])
    append_row(sheet, [f"截至{chinese_date(report.as_of)}"])
    for text in report.paragraphs:
        append_row(sheet, [text])
    append_row(sheet, [report.source.label])
    main = book.create_sheet("主要指标")
    append_row(main, ["指标", "数值", "计算"])
    for label, value, detail in report.figures:
        append_row(main, [label, int(value) if value.isdigit() else value, detail])
    units = book.create_sheet("各承办单位")
    append_row(units, UNIT_HEADERS)
    numbers = [c.number for c in figures.UNIT_TABLE]
    for values in report.unit_table:
        # Counts as numbers so they add up in Excel; rates stay as shown ("82.6%", "—").
        append_row(
            units,
            [values[0], *(int(v) if n else v for v, n in zip(values[1:], numbers, strict=True))],
        )
    sheet.column_dimensions["A"].width = 120
    main.column_dimensions["A"].width = 24
    units.column_dimensions["A"].width = 30
    out = BytesIO()
    book.save(out)
    return out.getvalue()
