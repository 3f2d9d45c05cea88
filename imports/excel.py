"""The Excel sheets: one column spec per kind, used by the template download, the importer and
the exporter, so every header lives here and nowhere else. Plus reading and writing .xlsx."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.manifest import Manifest
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.constants import WORKSHEET_TYPE
from openpyxl.xml.functions import fromstring

from deputies.models import Deputy
from suggestions.models import Channel, SuggestionKind
from units.models import UnitSystem

from .models import ImportKind

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES, NO = "是", "否"
# Co-signers are written separated by 、; people also type commas or semicolons.
NAME_SEPARATORS = "\u3001,\uff0c;\uff1b\n"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    note: str = ""
    # A fixed list offered as a drop-down in the template.
    choices: tuple[str, ...] = ()
    width: int = 14
    # The example values the note gives ("如 …"): each one passes the check
    # (tests/test_imports_examples.py feeds them to the validator).
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str
    columns: tuple[Column, ...]
    # Shown to staff in exports after the import columns; the importer ignores them.
    export_only: tuple[Column, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def export_headers(self) -> list[str]:
        return self.headers + [c.header for c in self.export_only]

    @cached_property
    def _by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns + self.export_only}

    def column(self, key: str) -> Column:
        return self._by_key[key]

    def header(self, key: str) -> str:
        return self.column(key).header


YES_NO = (YES, NO)
TERM_NOTE = "届的名称,或写作“第13届”“市第13届”,或届次数字(如 13)"
TERM_EXAMPLES = ("第13届", "市第13届", "13")

SUGGESTIONS = SheetSpec(
    kind=ImportKind.SUGGESTIONS,
    title="代表建议",
    columns=(
        Column("届次", "term", True, TERM_NOTE, width=12, examples=TERM_EXAMPLES),
        Column(
            "会议",
            "meeting",
            False,
            "本届会议名称(如“第3次会议”,或“填写说明”所列的全称)或次数(如 3);闭会期间可空",
            examples=("第3次会议", "3"),
        ),
        Column("编号", "number", False, "本届内的编号(正整数);空则自动编号", width=8),
        Column(
            "类别",
            "kind",
            False,
            "建议、批评和意见 / 议案;空则为建议",
            choices=tuple(SuggestionKind.labels),
        ),
        Column("来源", "channel", True, "、".join(Channel.labels), choices=tuple(Channel.labels)),
        Column("分类", "category", False, "分类名称,见“填写说明”;导入后直接立案时必填"),
        Column("标题", "title", True, "不超过200字", width=40),
        Column("内容", "content", True, "", width=60),
        Column(
            "领衔代表",
            "lead_deputy",
            True,
            "本届代表姓名;同名时写成“姓名(代表团)”",
        ),
        Column("附议代表", "co_signers", False, "本届代表姓名,以“、”分隔", width=30),
        Column(
            "提出日期",
            "submitted_on",
            False,
            "如 2026-03-01;空则为导入当天",
            width=12,
            examples=("2026-03-01",),
        ),
        Column(
            "立案日期",
            "registered_on",
            False,
            "导入后直接立案时:纸质立案的日期,不早于提出日期;空则为导入当天",
            width=12,
        ),
        Column(
            "外部系统",
            "external_source",
            False,
            "工单来自的外部系统;填写外部编号而此处为空时为 12345",
            width=10,
        ),
        Column(
            "外部编号",
            "external_ticket",
            False,
            "外部系统的工单编号;已录入过的编号不再重复导入",
            width=16,
        ),
    ),
    export_only=(
        Column("状态", "status", width=10),
        Column("承办单位", "units", width=30),
        Column("答复期限", "deadlines", width=12),
        Column("重点", "is_key", width=6),
        # Assignment.is_overdue, the one meaning of 逾期 (a lead assignment past its deadline).
        Column("逾期", "overdue", width=6),
        # The verdicts on the replies in force: the lead deputy's (the figures') first, then
        # each merged suggestion's deputy's, marked 并案 (DESIGN.md §8).
        Column("代表反馈", "feedback", width=30),
        # 五定 named at 签收: each running assignment's 分管领导 and 经办人 (未填写 if none).
        Column("分管领导及经办人", "five_fixed", width=40),
    ),
)

# A unit's own assignments (the inbox's 导出): export only, never imported.
UNIT_ASSIGNMENTS = SheetSpec(
    kind="unit_assignments",
    title="本单位承办建议",
    columns=(),
    export_only=(
        Column("届次", "term", width=12),
        Column("编号", "number", width=8),
        Column("标题", "title", width=40),
        Column("领衔代表", "lead_deputy", width=12),
        Column("办理方式", "role", width=8),
        Column("状态", "state", width=10),
        Column("交办日期", "assigned_on", width=12),
        Column("答复期限", "deadline", width=12),
        Column("签收日期", "accepted_on", width=12),
        Column("分管领导", "responsible_leader", width=12),
        Column("经办人", "handler_name", width=12),
        Column("经办人电话", "handler_phone", width=16),
        Column("逾期", "overdue", width=6),
    ),
)

DEPUTIES = SheetSpec(
    kind=ImportKind.DEPUTIES,
    title="代表",
    columns=(
        Column("届次", "term", True, TERM_NOTE, width=12, examples=TERM_EXAMPLES),
        Column("姓名", "name", True, "同一届同一代表团内不能重名", width=10),
        Column("性别", "gender", False, "男 / 女", choices=tuple(Deputy.Gender.labels), width=6),
        Column("代表团", "delegation", False, "本届代表团名称;新名称将新建代表团"),
        Column("工作单位及职务", "occupation", False, "", width=30),
        Column("代表小组/联络站", "group", False, ""),
        Column("联系电话", "phone", False, ""),
        Column("电子邮箱", "email", False, ""),
        Column("通讯地址", "address", False, "", width=30),
        Column("身份保密", "identity_confidential", False, "是 / 否;空为否", YES_NO, 8),
        Column("在任", "is_active", False, "是 / 否;空为是", YES_NO, 6),
    ),
)

UNITS = SheetSpec(
    kind=ImportKind.UNITS,
    title="承办单位",
    columns=(
        Column("名称", "name", True, "全称,不能与已有单位重名", width=30),
        Column("简称", "short_name", False, ""),
        Column(
            "系统",
            "system",
            False,
            "、".join(UnitSystem.labels) + ";空为政府",
            tuple(UnitSystem.labels),
            10,
        ),
        Column("上级单位", "parent", False, "已有单位或本文件中单位的名称", width=30),
        Column("联系人", "contact_person", False, ""),
        Column("联系电话", "contact_phone", False, ""),
        Column("电子邮箱", "email", False, ""),
        Column("启用", "is_active", False, "是 / 否;空为是", YES_NO, 6),
    ),
)

SHEETS: dict[str, SheetSpec] = {s.kind: s for s in (SUGGESTIONS, DEPUTIES, UNITS)}


# --- writing ------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FDE2E1")
_TEMPLATE_ROWS = 10_000  # drop-downs cover this many data rows
NOTICE_SHEET = "提示"


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Text starting with one of these is a formula to Excel or LibreOffice once typed or pasted
# (the OWASP CSV-injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(sheet, value):
    """How the portal writes one value, in every workbook it makes: text is always a text
    cell, never a formula, whatever it starts with. openpyxl makes any str starting with "="
    a formula (and "#N/A" an error), so the type is forced to string; text that looks like a
    formula also gets Excel's quote prefix, so editing the cell does not turn it into one.
    The text itself is kept as it was, so an export imports again as the same text.
    Numbers, dates and None stay what they are."""
    if not isinstance(value, str):
        return value
    # Control characters Excel refuses (a paste from Word brings some) would fail the file.
    text_value = ILLEGAL_CHARACTERS_RE.sub("", value)
    written = WriteOnlyCell(sheet, value=text_value)
    written.data_type = "s"
    if text_value.startswith(FORMULA_STARTS):
        written.quotePrefix = True
    return written


def append_row(sheet, values: Iterable) -> None:
    """Append one row through `cell`: every writer of .xlsx uses this, never sheet.append."""
    sheet.append([cell(sheet, value) for value in values])


def template_workbook(spec: SheetSpec, notes: Sequence[tuple[str, Sequence[str]]] = ()) -> bytes:
    """An empty sheet with the headers (required ones shaded), drop-downs for fixed lists, and
    a 填写说明 sheet; `notes` adds lists that live in the database (e.g. categories)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.title
    append_row(sheet, spec.headers)
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index)
        header.font = _HEADER_FONT
        if column.required:
            header.fill = _REQUIRED_FILL
        sheet.column_dimensions[letter].width = column.width
        if column.choices:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
            )
            validation.error = "请从下拉列表中选择"
            validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet("填写说明")
    append_row(help_sheet, ["列名", "必填", "说明"])
    for column in spec.columns:
        append_row(help_sheet, [column.header, YES if column.required else "", column.note])
    for title, values in notes:
        append_row(help_sheet, [])
        append_row(help_sheet, [title, "", "、".join(values)])
    append_row(help_sheet, [])
    append_row(
        help_sheet,
        ["说明", "", "第一行为列名,请勿修改;从第二行起每行一条。导入前会先检查全部数据。"],
    )
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["C"].width = 80
    return _save(workbook)


def rows_workbook(spec: SheetSpec, rows: Iterable[Sequence], notice: str = "") -> bytes:
    """An export: the headers, then one row per item (write-only mode, fast for big lists).
    A `notice` (e.g. that the file holds confidential names) comes first, on a sheet of its
    own that Excel opens on, and in the printed page header of the data sheet; the data sheet
    keeps its title and header row, so the file still imports."""
    workbook = Workbook(write_only=True)
    if notice:
        notice_sheet = workbook.create_sheet(NOTICE_SHEET)
        notice_sheet.column_dimensions["A"].width = 100
        append_row(notice_sheet, [notice])
    sheet = workbook.create_sheet(spec.title)
    for index, header in enumerate(spec.export_headers, start=1):
        column = next(c for c in spec.columns + spec.export_only if c.header == header)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    if notice:
        sheet.oddHeader.center.text = notice
    append_row(sheet, spec.export_headers)
    for row in rows:
        append_row(sheet, row)
    return _save(workbook)


def errors_workbook(errors: Sequence[dict]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误清单")
    append_row(sheet, ["工作表", "行号", "列", "错误原因"])
    for error in errors:
        append_row(sheet, [error["sheet"], error["row"], error["column"], error["message"]])
    return _save(workbook)


# --- reading ------------------------------------------------------------------------------


class FileUnreadable(Exception):
    """Not an .xlsx workbook openpyxl can open, or one the portal will not open; the message
    is Chinese."""


class FileTooLarge(FileUnreadable):
    """More rows, or more unpacked XML, than one import may hold (PORTAL["IMPORT_MAX_*"])."""


UNREADABLE = "文件无法读取:请上传 Excel 2007 及以上版本的 .xlsx 文件"
_MB = 1024 * 1024


def max_rows() -> int:
    return settings.PORTAL["IMPORT_MAX_ROWS"]


def _mb(size: int) -> str:
    return f"{size / _MB:.0f} MB" if size >= _MB else f"{size / 1024:.0f} KB"


def check_package(source) -> None:
    """Refuse, before any XML is parsed, a workbook that unpacks to more than the limits:
    the whole package, and each part openpyxl reads whole into memory (everything but the
    worksheets, which are streamed; the shared strings above all). The sizes are those the
    zip declares; Python's zipfile never inflates a member past its declared size."""
    try:
        with zipfile.ZipFile(source) as package:
            members = package.infolist()
            total = sum(m.file_size for m in members)
            limit = settings.PORTAL["IMPORT_MAX_UNPACKED_MB"] * _MB
            if total > limit:
                raise FileTooLarge(
                    f"文件解压后有 {_mb(total)},超过导入上限 {_mb(limit)},请分成多个文件导入"
                )
            whole_limit = settings.PORTAL["IMPORT_MAX_SHARED_STRINGS_MB"] * _MB
            sizes = {m.filename: m.file_size for m in members}
            manifest_size = sizes.get("[Content_Types].xml", 0)
            if manifest_size > whole_limit:
                raise FileTooLarge(f"文件的 [Content_Types].xml 有 {_mb(manifest_size)},无法导入")
            manifest = Manifest.from_tree(fromstring(package.read("[Content_Types].xml")))
    except FileUnreadable:
        raise
    except Exception as exc:  # not a zip, no manifest, bad XML: not a workbook
        raise FileUnreadable(UNREADABLE) from exc
    worksheets = {
        o.PartName.lstrip("/") for o in manifest.Override if o.ContentType == WORKSHEET_TYPE
    }
    for name, size in sizes.items():
        if name not in worksheets and size > whole_limit:
            part = "共享字符串(sharedStrings.xml)" if name.endswith("sharedStrings.xml") else name
            raise FileTooLarge(
                f"文件中的{part}解压后有 {_mb(size)},超过上限 {_mb(whole_limit)},"
                "请删去无关内容或分成多个文件导入"
            )


@dataclass
class Table:
    sheet: str
    columns: dict[str, int]  # header → index in the row tuple
    rows: Iterator[tuple[int, tuple]]  # (row number as Excel shows it, values)
    worksheet: object
    workbook: object

    def index(self, spec: SheetSpec) -> dict[str, int]:
        """Column key → position in the row tuple, for the columns the file has."""
        return {c.key: self.columns[c.header] for c in spec.columns if c.header in self.columns}

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()


def _clean_header(value) -> str:
    return str(value).strip().rstrip("*").strip() if value is not None else ""


def open_table(source, spec: SheetSpec) -> Table:
    """Open the sheet for `spec` (by its title, else the first sheet) in read-only mode.

    The package is checked first (`check_package`). Rows are read as the sheet holds them,
    not as far as its recorded <dimension> says: read-only mode trusts that element, and a
    file whose dimension is smaller than its data would lose rows without a word. More data
    rows than `max_rows()` raise FileTooLarge while reading."""
    check_package(source)
    source.seek(0)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean "not a workbook"
        raise FileUnreadable(UNREADABLE) from exc
    sheet = workbook[spec.title] if spec.title in workbook.sheetnames else workbook.worksheets[0]
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, ())
    columns: dict[str, int] = {}
    for index, value in enumerate(header_row):
        header = _clean_header(value)
        if header and header not in columns:
            columns[header] = index

    def numbered() -> Iterator[tuple[int, tuple]]:
        for number, values in enumerate(rows, start=2):
            if any(v is not None and str(v).strip() for v in values):
                yield number, values

    return Table(sheet.title, columns, _within_cap(numbered()), sheet, workbook)


def _within_cap(rows: Iterator[tuple[int, tuple]]) -> Iterator[tuple[int, tuple]]:
    """The data rows, raising FileTooLarge on the first one past `max_rows()`."""
    cap = max_rows()
    for count, row in enumerate(rows, start=1):
        if count > cap:
            raise FileTooLarge(f"文件超过 {cap} 行数据(单次导入的上限),请分成多个文件导入")
        yield row


# --- the rows of an upload, parsed once ---------------------------------------------------
# Parsing the XML is most of an import's reading time (a 10,000-row sheet takes seconds, and
# openpyxl reads a sheet without a <dimension> twice). The upload parses the sheet once, with
# the checks of `open_table`, and keeps its rows as JSON beside the file; the check and the
# import read them back instead of parsing the workbook again.


def _encode(value):
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"timedelta": value.total_seconds()}
    return value  # str, int, float, bool or None: JSON keeps them as they are


def _decode(value):
    if isinstance(value, dict):
        (kind, text), *_ = value.items()
        if kind == "datetime":
            return datetime.fromisoformat(text)
        if kind == "date":
            return date.fromisoformat(text)
        if kind == "time":
            return time.fromisoformat(text)
        return timedelta(seconds=text)
    return value


def parse_rows(source, spec: SheetSpec) -> tuple[bytes, int]:
    """Read the sheet for `spec` once (`open_table`: package check, real rows, row cap) and
    return its header and data rows as JSON, for `stored_table`, with the number of data rows.
    FileUnreadable or FileTooLarge as `open_table` raises them."""
    table = open_table(source, spec)
    try:
        rows = [[number, [_encode(v) for v in values]] for number, values in table.rows]
    finally:
        table.close()
    data = json.dumps(
        {"sheet": table.sheet, "columns": table.columns, "rows": rows},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return data, len(rows)


def stored_table(data: bytes) -> Table:
    """The Table `parse_rows` kept: the same sheet name, columns, row numbers and values,
    within the row cap as it is now."""
    stored = json.loads(data)
    rows = ((number, tuple(_decode(v) for v in values)) for number, values in stored["rows"])
    return Table(stored["sheet"], stored["columns"], _within_cap(rows), None, None)


# --- cell values --------------------------------------------------------------------------


class CellError(ValueError):
    """A cell that cannot be read as what its column needs; the message is Chinese."""


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def positive_int(value) -> int | None:
    if value is None or text(value) == "":
        return None
    if isinstance(value, bool):
        raise CellError("应为正整数")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        raw = text(value)
        if not raw.isdigit():
            raise CellError(f"“{raw}”不是正整数")
        number = int(raw)
    if number < 1:
        raise CellError("应为正整数")
    return number


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def day(value) -> date | None:
    if value is None or text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    if _ISO_DAY.fullmatch(raw):  # the common case, without strptime's cost
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass  # e.g. 2026-02-30: refused below with the usual message
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise CellError(f"日期“{raw}”格式不正确,应写成 2026-03-01")


def yes_no(value, default: bool) -> bool:
    raw = text(value)
    if raw == "":
        return default
    if isinstance(value, bool):
        return value
    if raw in (YES, "Y", "y", "1", "TRUE", "true"):
        return True
    if raw in (NO, "N", "n", "0", "FALSE", "false"):
        return False
    raise CellError(f"“{raw}”应填写“是”或“否”")


def choice(value, labels: dict[str, str], default: str | None = None) -> str | None:
    """A value from its Chinese label (or the stored value itself)."""
    raw = text(value)
    if raw == "":
        return default
    if raw in labels:
        return labels[raw]
    if raw in labels.values():
        return raw
    shown = [label for label in labels if not label.isascii()]
    raise CellError(f"“{raw}”不正确,应为:{'、'.join(dict.fromkeys(shown))}")


def names(value) -> list[str]:
    raw = text(value)
    for separator in NAME_SEPARATORS[1:]:
        raw = raw.replace(separator, NAME_SEPARATORS[0])
    return [n.strip() for n in raw.split(NAME_SEPARATORS[0]) if n.strip()]


def yes_no_text(value: bool) -> str:
    return YES if value else NO
