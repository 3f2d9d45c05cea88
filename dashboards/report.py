"""The handling report of DESIGN.md §6, drafted from the figures the one door gives
(`rollups.selectors.figure_set`: stored or live, complete) and exported as .docx and .xlsx.

Wording follows the published reports: counts with percentages of one decimal, by unit
system ("交由政府系统办理201件,占总数的99.0%"), by category, by channel (with 办结率) and by
result class, then every satisfaction figure; a table of the main figures and one by unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from evaluation import selectors as evaluation_selectors
from imports.excel import append_row  # every .xlsx writes its text cells as text
from rollups.selectors import Provenance
from suggestions import figures
from suggestions.models import Channel
from units.models import Unit, UnitSystem

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
EVALUATION_HEADERS = [
    "名次",
    "单位",
    "满意",
    "基本满意",
    "不满意",
    "满意率",
    "满意和基本满意率",
    "不满意率",
]


def main_figures(f: figures.Figures) -> list[tuple[str, object, str]]:
    """(label, value, numerator / denominator) of the report's table of main figures; the
    value is a count (int) or a `figures.Rate` (shown as "82.6%", a number in Excel)."""

    def rate(label, r):
        return (label, r, f"{r.numerator} / {r.denominator}")

    return [
        ("提出", f.submitted, "件"),
        ("交办", f.assigned, "件"),
        ("已答复", f.replied, "件"),
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
        ("逾期", f.overdue, "项交办"),
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
    # 承诺兑现率 of the scope and per unit (a separate section, DESIGN.md §10).
    commitment_rate: figures.Rate | None = None
    commitment_units: list = field(default_factory=list)  # (unit name, Rate)
    # Closed evaluation rounds (closed on or before the as-of day) with ranked results.
    evaluation_blocks: list = field(default_factory=list)

    unit_headers = UNIT_HEADERS
    evaluation_headers = EVALUATION_HEADERS

    @property
    def evaluation_tables(self) -> list:
        """(round title line, rows of display strings, rows of values) per closed round."""
        out = []
        for block in self.evaluation_blocks:
            r = block.round
            values = [
                [
                    x.rank or "—",
                    x.unit_name,
                    x.satisfied,
                    x.basically,
                    x.dissatisfied,
                    x.satisfied_rate,
                    x.content_rate,
                    x.dissatisfied_rate,
                ]
                for x in block.results
            ]
            label = f"{r.year}年 {r.title}({r.get_method_display()}{'·' + r.meeting if r.meeting else ''})"
            out.append((label, [[str(v) for v in row] for row in values], values))
        return out

    @property
    def unit_table(self) -> list[list[str]]:
        return [[r.unit_name, *(c.text(r) for c in figures.UNIT_TABLE)] for r in self.unit_rows]

    @property
    def unit_values(self) -> list[list]:
        """The unit table with counts as ints and rates as `figures.Rate` (for Excel)."""
        return [[r.unit_name, *(c.value(r) for c in figures.UNIT_TABLE)] for r in self.unit_rows]


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
    # Supervision acts on the scope's suggestions up to the day (DESIGN.md §9): counted from
    # the audit trail by figures.supervision_counts, always as of the same day.
    acts = figures.supervision_counts(scope=filters.scope, as_of=filters.as_of)
    supervision_rows = [
        (f"{label}次数", acts[code], "次") for code, label in figures.SUPERVISION_COUNTS
    ]
    supervision = (
        f"截至{day},领导和有关委员会对上述建议"
        + "、".join(f"{label}{acts[code]}次" for code, label in figures.SUPERVISION_COUNTS)
        + "。"
    )
    commitment_rate = figures.commitment_fulfilment(as_of=filters.as_of, scope=filters.scope)
    by_unit = figures.commitment_fulfilment_by_unit(as_of=filters.as_of, scope=filters.scope)
    names = dict(Unit.objects.filter(pk__in=by_unit).values_list("pk", "name"))
    commitments = (
        f"截至{day},B类、C类答复中承诺事项到期{commitment_rate.denominator}项,"
        f"按期兑现{commitment_rate.numerator}项,承诺兑现率{commitment_rate}。"
    )
    return Report(
        commitment_rate=commitment_rate,
        commitment_units=sorted(
            ((names.get(pk, ""), rate) for pk, rate in by_unit.items() if rate.denominator),
            key=lambda pair: pair[0],
        ),
        evaluation_blocks=evaluation_selectors.latest_blocks(as_of=filters.as_of, limit=5),
        title=f"{_scope_label(filters)}代表建议办理情况",
        scope_label=_scope_label(filters),
        as_of=filters.as_of,
        paragraphs=[
            p for p in (overview, channels, handling, satisfaction, supervision, commitments) if p
        ],
        unit_rows=data.units,
        source=data.provenance,
        figures=main_figures(f) + supervision_rows,
    )


# --- exports ---------------------------------------------------------------------------------


# GB/T 9704 (党政机关公文格式): A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm;
# the title in 方正小标宋 (黑体 where it is missing), body text in 仿宋_GB2312, 三号 (16 pt),
# headings in 黑体. Word reads Chinese text's font from rFonts' eastAsia attribute.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK = "SimHei"
BODY_FONT = "仿宋_GB2312"
BODY_FALLBACK = "FangSong"
HEADING_FONT = "黑体"


def _fonts(target, *, east_asia: str, latin: str, size_pt: float | None = None, bold=None):
    """Set a style's or run's fonts: Latin text in `latin`, Chinese text in `east_asia`."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = target.font
    font.name = latin
    if size_pt:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold
    element = target.element
    r_pr = element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, r_fonts)
    for attribute in ("w:ascii", "w:hAnsi"):
        r_fonts.set(qn(attribute), latin)
    r_fonts.set(qn("w:eastAsia"), east_asia)
    # Without these Word prefers the theme's fonts to the names above.
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        r_fonts.attrib.pop(qn(theme), None)


def report_docx(report: Report) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    normal = document.styles["Normal"]
    _fonts(normal, east_asia=BODY_FONT, latin=BODY_FALLBACK, size_pt=16)
    normal.paragraph_format.first_line_indent = Pt(32)  # two characters
    normal.paragraph_format.line_spacing = Pt(28)
    for name in ("Heading 2",):
        heading = document.styles[name]
        _fonts(heading, east_asia=HEADING_FONT, latin=TITLE_FALLBACK, size_pt=16, bold=False)
        heading.font.color.rgb = None
        heading.paragraph_format.first_line_indent = Pt(32)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    _fonts(title.add_run(report.title), east_asia=TITLE_FONT, latin=TITLE_FALLBACK, size_pt=22)
    for text in report.paragraphs:
        document.add_paragraph(text)
    document.add_paragraph(report.source.label)
    document.add_heading("主要指标", level=2)
    main = document.add_table(rows=1, cols=3)
    main.style = "Table Grid"
    for cell, header in zip(main.rows[0].cells, ("指标", "数值", "计算"), strict=True):
        cell.text = header
    for label, value, detail in report.figures:
        for cell, text in zip(main.add_row().cells, (label, str(value), detail), strict=True):
            cell.text = text
    document.add_heading("各承办单位办理情况", level=2)
    table = document.add_table(rows=1, cols=len(UNIT_HEADERS))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, UNIT_HEADERS, strict=True):
        cell.text = header
    for values in report.unit_table:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    extra = []
    if report.commitment_units:
        document.add_heading("承诺事项兑现情况", level=2)
        t = document.add_table(rows=1, cols=2)
        t.style = "Table Grid"
        for cell, header in zip(t.rows[0].cells, ("承办单位", "承诺兑现率"), strict=True):
            cell.text = header
        for name, rate in report.commitment_units:
            for cell, text in zip(
                t.add_row().cells,
                (name, f"{rate}({rate.numerator} / {rate.denominator})"),
                strict=True,
            ):
                cell.text = text
        extra.append(t)
    if report.evaluation_tables:
        document.add_heading("承办单位测评结果", level=2)
        for label, rows, _ in report.evaluation_tables:
            document.add_paragraph(label)
            t = document.add_table(rows=1, cols=len(EVALUATION_HEADERS))
            t.style = "Table Grid"
            for cell, header in zip(t.rows[0].cells, EVALUATION_HEADERS, strict=True):
                cell.text = header
            for row in rows:
                for cell, text in zip(t.add_row().cells, row, strict=True):
                    cell.text = text
            extra.append(t)
    # Tables in the body size would not fit 7 columns; 四号 keeps them to the page.
    for t in (main, table, *extra):
        for row in t.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.first_line_indent = Pt(0)
                    for run in paragraph.runs:
                        run.font.size = Pt(12)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


PERCENT_FORMAT = "0.0%"


def _excel_value(value):
    """A count stays an int; a rate becomes its fraction (82.6% → 0.826, shown with
    PERCENT_FORMAT), "—" without a denominator."""
    if isinstance(value, figures.Rate):
        return "—" if value.percent is None else float(value.percent / 100)
    return value


def _append_values(sheet, values: list) -> None:
    append_row(sheet, [_excel_value(v) for v in values])
    for column, value in enumerate(values, start=1):
        if isinstance(value, figures.Rate) and value.percent is not None:
            sheet.cell(row=sheet.max_row, column=column).number_format = PERCENT_FORMAT


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
        _append_values(main, [label, value, detail])
    units = book.create_sheet("各承办单位")
    append_row(units, UNIT_HEADERS)
    # Counts and rates are numbers, so they add up and sort in Excel; rates show as 82.6%.
    for values in report.unit_values:
        _append_values(units, values)
    commitments = book.create_sheet("承诺兑现")
    append_row(commitments, ["承办单位", "承诺兑现率", "按期兑现", "到期承诺"])
    if report.commitment_rate is not None:
        _append_values(
            commitments,
            [
                "合计",
                report.commitment_rate,
                report.commitment_rate.numerator,
                report.commitment_rate.denominator,
            ],
        )
    for name, rate in report.commitment_units:
        _append_values(commitments, [name, rate, rate.numerator, rate.denominator])
    evaluation = book.create_sheet("单位测评")
    for label, _, values in report.evaluation_tables:
        append_row(evaluation, [label])
        append_row(evaluation, EVALUATION_HEADERS)
        for row in values:
            _append_values(evaluation, row)
        append_row(evaluation, [""])
    sheet.column_dimensions["A"].width = 120
    main.column_dimensions["A"].width = 24
    units.column_dimensions["A"].width = 30
    out = BytesIO()
    book.save(out)
    return out.getvalue()
