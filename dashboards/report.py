"""The handling report of DESIGN.md §6, drafted from `suggestions.figures` numbers (stored when
the rollups hold the scope, live otherwise) and exported as .docx and .xlsx.

Wording follows the published reports: counts with percentages of one decimal, by category,
by channel (with 办结率) and by result class, then satisfaction; a table by unit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO

from imports.excel import append_row  # every .xlsx writes its text cells as text
from rollups.models import Rollup, ScopeKind
from rollups.scopes import figures_from_json, scope_for
from suggestions import figures
from suggestions.models import Channel

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
UNIT_HEADERS = [
    "承办单位",
    "交办",
    "已答复",
    "按期答复率",
    "逾期",
    "解决率(A类占比)",
    "满意和基本满意率",
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
    source: selectors.Source

    @property
    def unit_table(self) -> list[list[str]]:
        return [
            [
                r.unit_name,
                str(r.assigned),
                str(r.replied),
                str(r.on_time_rate),
                str(r.overdue),
                str(r.solved_rate),
                str(r.content_rate),
            ]
            for r in self.unit_rows
        ]


def _channel_figures(filters: Filters, source: selectors.Source) -> dict:
    """Figures per channel: the stored channel rows of the term (one query) when the scope is
    the whole term and stored, else live for each channel (six queries each, four channels)."""
    if not source.live and not filters.narrowed():
        rows = Rollup.objects.filter(
            term_id=filters.term.pk, day=filters.as_of, scope_kind=ScopeKind.CHANNEL
        ).only("scope_key", "figures")
        found = {}
        for row in rows:
            scope = scope_for(ScopeKind.CHANNEL, row.scope_key)
            found[scope.channel] = figures_from_json(row.figures, scope=scope, day=filters.as_of)
        return found
    channels = [filters.channel] if filters.channel else CHANNEL_ORDER
    return {
        c: figures.compute(scope=replace(filters, channel=c).scope, as_of=filters.as_of)
        for c in channels
    }


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
    if filters.key_only:
        parts.append("重点建议")
    return "".join(parts[:1]) + ("(" + "、".join(parts[1:]) + ")" if parts[1:] else "")


def report_draft(*, filters: Filters) -> Report:
    f, source, unit_row = selectors.scope_figures(filters)
    units, _ = selectors.unit_rows(filters, source, unit_row)
    ranked, apart = selectors.ranked_units(units, "on_time")
    by_channel = _channel_figures(filters, source)
    day = chinese_date(filters.as_of)

    overview = f"截至{day},共提出建议{f.submitted}件,交由承办单位办理{f.assigned}件,占总数的{f.assigned_share}。"
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
        if c in by_channel and by_channel[c].assigned
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
        f"代表反馈{f.with_feedback}件,满意率和基本满意率达到{f.content_rate},其中满意率{f.satisfied_rate};"
        f"初次满意和基本满意率{f.first_content_rate}。答复前面商率{f.face_to_face_rate}。"
        f"截至{day},逾期未答复的交办{f.overdue}项。"
    )
    return Report(
        title=f"{_scope_label(filters)}代表建议办理情况",
        scope_label=_scope_label(filters),
        as_of=filters.as_of,
        paragraphs=[p for p in (overview, channels, handling, satisfaction) if p],
        unit_rows=ranked + apart,
        source=source,
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
    units = book.create_sheet("各承办单位")
    append_row(units, UNIT_HEADERS)
    for values in report.unit_table:
        # Counts as numbers so they add up in Excel; rates stay as shown ("82.6%", "—").
        append_row(units, [values[0], *(int(v) if v.isdigit() else v for v in values[1:])])
    sheet.column_dimensions["A"].width = 120
    units.column_dimensions["A"].width = 30
    out = BytesIO()
    book.save(out)
    return out.getvalue()
