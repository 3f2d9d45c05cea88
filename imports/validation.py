"""Checking an uploaded sheet: every error at once, as (sheet, row, column, Chinese reason),
and, when there is none, the plan of what to create. Nothing here writes.

Reference data (terms, meetings, categories, deputies, units, taken numbers) is read once per
check, not per row, so 10,000 rows cost a handful of queries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from deputies.models import Delegation, Deputy, Meeting, Term
from suggestions import access, dates, ranges, workflow
from suggestions.models import Category, Channel, Suggestion, SuggestionKind
from units.models import Unit, UnitSystem

from . import excel
from .excel import CellError, SheetSpec, Table

PROGRESS_EVERY = 500

Progress = Callable[[int], None]


@dataclass
class Plan:
    """The outcome of a check: errors, or the items to create and a summary for the page."""

    kind: str
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    items: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)


class Row:
    """One data row: typed cell access that records each problem against its column."""

    def __init__(
        self, spec: SheetSpec, table: Table, index: dict, number: int, values: tuple, plan: Plan
    ):
        self.spec, self.table, self.index = spec, table, index
        self.number, self.values, self.plan = number, values, plan
        self.failed: set[str] = set()

    def raw(self, key: str):
        index = self.index.get(key)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def error(self, key: str, message: str) -> None:
        self.failed.add(key)
        self.plan.errors.append(
            {
                "sheet": self.table.sheet,
                "row": self.number,
                "column": self.spec.header(key),
                "message": message,
            }
        )

    def read(self, key: str, parse: Callable, *args):
        """The parsed cell, or None with the error recorded; blank required cells too."""
        try:
            value = parse(self.raw(key), *args)
        except CellError as exc:
            self.error(key, str(exc))
            return None
        column = self.spec.column(key)
        if column.required and value in (None, ""):
            self.error(key, f"请填写{column.header}")
            return None
        return value

    def text(self, key: str, model=None, field_name: str = "") -> str:
        """Text, within the model field's max_length (the field named like the column)."""
        value = self.read(key, excel.text) or ""
        if model is not None and value:
            limit = model._meta.get_field(field_name or key).max_length
            if limit and len(value) > limit:
                self.error(key, f"不能超过{limit}个字(现有{len(value)}个字)")
        return value

    def integer(self, key: str, model, field_name: str = "") -> int | None:
        """A positive integer that the model field's column can hold."""
        value = self.read(key, excel.positive_int)
        if value is not None:
            reason = ranges.out_of_range(model, field_name or key, value)
            if reason:
                self.error(key, f"{self.spec.column(key).header}{reason}")
                return None
        return value

    def past_day(self, key: str, earliest: date, today: date | None = None) -> date | None:
        """A day that records the past (suggestions.dates), `earliest` and `today` read once
        per check."""
        value = self.read(key, excel.day)
        if value is not None:
            try:
                dates.validate_past_day(
                    value, field_label=self.spec.column(key).header, earliest=earliest, on=today
                )
            except ValidationError as exc:
                self.error(key, exc.messages[0])
                return None
        return value

    def email(self, key: str) -> str:
        value = self.text(key)
        if value:
            try:
                validate_email(value)
            except ValidationError:
                self.error(key, f"“{value}”不是有效的电子邮箱")
        return value


def _rows(table: Table, spec: SheetSpec, plan: Plan, progress: Progress | None):
    """Data rows as `Row`s, reporting progress; header problems are errors on row 1."""
    for column in spec.columns:
        if column.required and column.header not in table.columns:
            plan.errors.append(
                {
                    "sheet": table.sheet,
                    "row": 1,
                    "column": column.header,
                    "message": f"缺少“{column.header}”列,请使用下载的模板",
                }
            )
    if plan.errors:
        return
    index = table.index(spec)
    for number, values in table.rows:
        plan.rows += 1
        if progress and plan.rows % PROGRESS_EVERY == 0:
            progress(plan.rows)
        yield Row(spec, table, index, number, values, plan)
    if plan.rows == 0:
        plan.errors.append(
            {"sheet": table.sheet, "row": 2, "column": "", "message": "文件中没有数据行"}
        )


def _sort(plan: Plan, spec: SheetSpec) -> None:
    """File order: by row, then by column as the sheet shows them."""
    order = {header: index for index, header in enumerate(spec.headers)}
    plan.errors.sort(key=lambda e: (e["row"], order.get(e["column"], -1)))


_CHINESE_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"两": 2}


def ordinal(written: str) -> int | None:
    """13 from "13", "十三" or "一三"; None for anything else (numbers up to 99)."""
    if written.isdigit():
        return int(written)
    if not written or any(c not in _CHINESE_DIGITS and c != "十" for c in written):
        return None
    if "十" not in written:
        return int("".join(str(_CHINESE_DIGITS[c]) for c in written))
    tens, _, ones = written.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[ones] if ones else 0)


# How the 填写说明 sheet lets people write a term and a meeting: "市第13届", "第十三届", "13届";
# "第3次会议", "第三次", "3".
_TERM_WRITTEN = re.compile(r"^\D*?第?([0-9]+|[〇一二两三四五六七八九十]+)届$")
_MEETING_WRITTEN = re.compile(r"^第?([0-9]+|[〇一二两三四五六七八九十]+)次(?:会议)?$")


def _terms() -> dict[str, Term]:
    terms = {}
    for term in Term.objects.all():
        terms[term.name] = term
        terms[str(term.number)] = term
    return terms


def _term(row: Row, terms: dict[str, Term]) -> Term | None:
    key = row.read("term", excel.text)
    if not key:
        return None
    term = terms.get(key)
    match = _TERM_WRITTEN.match(key)
    if term is None and match:
        number = ordinal(match.group(1))
        term = terms.get(str(number)) if number is not None else None
    if term is None:
        row.error("term", f"未找到届次“{key}”,请先在管理后台录入")
    return term


def _meetings() -> dict[tuple[int, str], Meeting]:
    """A term's meetings by name, by number, and by the full name the 填写说明 sheet lists
    (the term's name followed by the meeting's)."""
    meetings = {}
    for meeting in Meeting.objects.select_related("term"):
        for written in (meeting.name, str(meeting.number), str(meeting)):
            meetings[(meeting.term_id, written)] = meeting
    return meetings


def _meeting(meetings: dict, term: Term, written: str) -> Meeting | None:
    meeting = meetings.get((term.pk, written))
    match = _MEETING_WRITTEN.match(written)
    if meeting is None and match:
        number = ordinal(match.group(1))
        meeting = meetings.get((term.pk, str(number))) if number is not None else None
    return meeting


# --- deputies by name ---------------------------------------------------------------------

_NAME_WITH_DELEGATION = re.compile(r"^(.+?)\s*[(\uff08](.+?)[)\uff09]$")


# An export without confidential names writes 不公开 in their place: not a name to import.
HIDDEN_NAME = (
    f"“{access.CONFIDENTIAL_NAME}”是导出时隐去的身份保密代表姓名,请填写代表的真实姓名"
    "(或使用包含保密代表姓名的导出文件)"
)


class DeputyNames:
    """Deputies of each term by name; `张伟(第一代表团)` tells namesakes apart."""

    def __init__(self):
        self.by_name: dict[tuple[int, str], list[Deputy]] = defaultdict(list)
        for deputy in Deputy.objects.select_related("delegation"):
            self.by_name[(deputy.term_id, deputy.name)].append(deputy)

    def find(self, term: Term, written: str) -> Deputy:
        """The deputy, or CellError saying why not."""
        if written == access.CONFIDENTIAL_NAME:
            raise CellError(HIDDEN_NAME)
        found = self.by_name.get((term.pk, written), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            delegations = "、".join(
                f"{written}({d.delegation.name if d.delegation else '无代表团'})" for d in found
            )
            raise CellError(
                f"本届有{len(found)}位代表名为“{written}”,请写明代表团,如:{delegations}"
            )
        match = _NAME_WITH_DELEGATION.match(written)
        if match:
            name, delegation = match.groups()
            found = [
                d
                for d in self.by_name.get((term.pk, name), [])
                if d.delegation and d.delegation.name == delegation
            ]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise CellError(f"本届{delegation}有多位代表名为“{name}”,无法区分")
        raise CellError(f"本届没有名为“{written}”的代表")

    @staticmethod
    def written(deputy: Deputy, namesakes: set[tuple[int, str]]) -> str:
        """How an export writes a deputy so that an import finds the same one again."""
        if (deputy.term_id, deputy.name) in namesakes and deputy.delegation_id:
            return f"{deputy.name}({deputy.delegation.name})"
        return deputy.name


# --- suggestions --------------------------------------------------------------------------

KIND_LABELS = {label: value for value, label in SuggestionKind.choices} | {
    "建议": SuggestionKind.SUGGESTION
}
CHANNEL_LABELS = {label: value for value, label in Channel.choices}


def check_suggestions(table: Table, *, register: bool, progress: Progress | None = None) -> Plan:
    spec = excel.SUGGESTIONS
    plan = Plan(kind=spec.kind)
    terms = _terms()
    meetings = _meetings()
    categories = {c.name: c for c in Category.objects.all()}
    deputies = DeputyNames()
    earliest = dates.earliest_day()
    today = dates.today()  # the one clock, for the workflow's rules and 提出日期 alike

    parsed = []
    for row in _rows(table, spec, plan, progress):
        term = _term(row, terms)
        meeting = None
        meeting_key = row.read("meeting", excel.text)
        if meeting_key and term is not None:
            meeting = _meeting(meetings, term, meeting_key)
            if meeting is None:
                row.error("meeting", f"{term.name}没有会议“{meeting_key}”")
        category = None
        category_key = row.read("category", excel.text)
        if category_key:
            category = categories.get(category_key)
            if category is None:
                row.error("category", f"未找到分类“{category_key}”,可选:{'、'.join(categories)}")
        lead, co_signers = None, []
        lead_name = row.read("lead_deputy", excel.text)
        if lead_name and term is not None:
            try:
                lead = deputies.find(term, lead_name)
            except CellError as exc:
                row.error("lead_deputy", str(exc))
        if term is not None:
            for name in row.read("co_signers", excel.names) or []:
                try:
                    co_signers.append(deputies.find(term, name))
                except CellError as exc:
                    row.error("co_signers", str(exc))
        values = dict(
            term=term,
            meeting=meeting,
            number=row.integer("number", Suggestion),
            kind=row.read("kind", excel.choice, KIND_LABELS, SuggestionKind.SUGGESTION),
            channel=row.read("channel", excel.choice, CHANNEL_LABELS),
            category=category,
            title=row.text("title", Suggestion),
            content=row.text("content"),
            lead_deputy=lead,
            co_signers=co_signers,
            submitted_on=row.past_day("submitted_on", earliest, today),
            registered_on=row.read("registered_on", excel.day) if register else None,
            external_ticket=row.text("external_ticket", Suggestion),
            external_source=row.text("external_source", Suggestion),
        )
        if values["external_ticket"]:
            values["external_source"] = (
                values["external_source"] or workflow.DEFAULT_EXTERNAL_SOURCE
            )
        # The workflow's own rules for a new suggestion, on the cells not already wrong.
        rules = {
            k: v
            for k, v in values.items()
            if k not in ("number", "external_ticket", "external_source")
        }
        for field_name, error in workflow.suggestion_check_new(
            **rules, registering=register, today=today
        ):
            if field_name not in row.failed:
                row.error(field_name, error.message)
        parsed.append((row.number, values))
    if progress:
        progress(plan.rows)

    # Numbers: unique within the file and free in the database, per term.
    term_ids = {values["term"].pk for _, values in parsed if values["term"] is not None}
    taken = set(
        Suggestion.objects.filter(term_id__in=term_ids, number__isnull=False).values_list(
            "term_id", "number"
        )
    )
    seen: dict[tuple[int, int], int] = {}
    for number, values in parsed:
        if values["term"] is None or values["number"] is None:
            continue
        key = (values["term"].pk, values["number"])
        header = spec.header("number")
        if key in seen:
            plan.errors.append(
                {
                    "sheet": table.sheet,
                    "row": number,
                    "column": header,
                    "message": f"编号{values['number']}与第{seen[key]}行重复",
                }
            )
        elif key in taken:
            plan.errors.append(
                {
                    "sheet": table.sheet,
                    "row": number,
                    "column": header,
                    "message": f"编号 第{values['number']:04d}号 已被使用",
                }
            )
        seen.setdefault(key, number)

    # External ticket numbers (idempotent intake, DESIGN.md §8): a number already recorded
    # is reported and skipped, never imported twice; the same number twice in the file is
    # an error, as a repeated 编号 is.
    tickets = {
        (values["external_source"], values["external_ticket"]): number
        for number, values in parsed
        if values["external_ticket"]
    }
    recorded = {}
    if tickets:
        for source, ticket, pk, term_name, sequence in Suggestion.objects.filter(
            external_ticket__in={t for _, t in tickets}
        ).values_list("external_source", "external_ticket", "pk", "term__name", "number"):
            recorded[(source, ticket)] = f"{term_name}第{sequence:04d}号" if sequence else f"#{pk}"
    first_ticket_row: dict[tuple[str, str], int] = {}
    present = []
    for number, values in parsed:
        if not values["external_ticket"]:
            continue
        key = (values["external_source"], values["external_ticket"])
        if key in first_ticket_row:
            plan.errors.append(
                {
                    "sheet": table.sheet,
                    "row": number,
                    "column": spec.header("external_ticket"),
                    "message": f"外部编号{key[1]}与第{first_ticket_row[key]}行重复",
                }
            )
        first_ticket_row.setdefault(key, number)
        if key in recorded:
            present.append((number, key[1], recorded[key]))
    _sort(plan, spec)
    if plan.errors:
        return plan

    already = {number for number, _, _ in present}
    plan.items = [
        workflow.NewSuggestion(**values) for number, values in parsed if number not in already
    ]
    by_term: dict[str, int] = defaultdict(int)
    for item in plan.items:
        by_term[item.term.name] += 1
    unnumbered = sum(1 for item in plan.items if item.number is None)
    lines = [f"将导入 {len(plan.items)} 件代表建议"]
    lines += [f"{name}:{count} 件" for name, count in by_term.items()]
    if unnumbered:
        lines.append(f"其中 {unnumbered} 件未填编号,将接着本届最大编号自动编号")
    lines.append("导入后状态:" + ("已立案" if register else "已提交(待立案)"))
    if present:
        lines.append(f"另有 {len(present)} 行的外部编号已录入过,不再重复导入:")
        lines += [f"第{row}行 外部编号{ticket}:已有{where}" for row, ticket, where in present]
    plan.summary = {"lines": lines, "already_present": len(present)}
    return plan


# --- deputies -----------------------------------------------------------------------------

GENDER_LABELS = {label: value for value, label in Deputy.Gender.choices}


def check_deputies(table: Table, *, progress: Progress | None = None, **_) -> Plan:
    spec = excel.DEPUTIES
    plan = Plan(kind=spec.kind)
    terms = _terms()
    delegations = {(d.term_id, d.name): d for d in Delegation.objects.all()}
    existing = set(Deputy.objects.values_list("term_id", "name", "delegation__name").iterator())
    seen: dict[tuple, int] = {}
    new_delegations: dict[tuple[int, str], str] = {}
    for row in _rows(table, spec, plan, progress):
        term = _term(row, terms)
        name = row.text("name", Deputy)
        delegation_name = row.text("delegation", Delegation, "name")
        values = dict(
            term=term,
            name=name,
            gender=row.read("gender", excel.choice, GENDER_LABELS, "") or "",
            delegation_name=delegation_name,
            occupation=row.text("occupation", Deputy),
            group=row.text("group", Deputy),
            phone=row.text("phone", Deputy),
            email=row.email("email"),
            address=row.text("address", Deputy),
            identity_confidential=row.read("identity_confidential", excel.yes_no, False),
            is_active=row.read("is_active", excel.yes_no, True),
        )
        if name == access.CONFIDENTIAL_NAME:
            row.error("name", HIDDEN_NAME)
        elif term is not None and name:
            key = (term.pk, name, delegation_name or None)
            where = f"{term.name}{delegation_name or ''}"
            if key in seen:
                row.error("name", f"与第{seen[key]}行重复({where}已有“{name}”)")
            elif key in existing:
                row.error("name", f"{where}已有代表“{name}”")
            seen.setdefault(key, row.number)
            if delegation_name and (term.pk, delegation_name) not in delegations:
                new_delegations[(term.pk, delegation_name)] = term.name
        plan.items.append(values)
    if progress:
        progress(plan.rows)
    if plan.errors:
        plan.items = []
        return plan
    plan.summary = {
        "lines": [f"将导入 {len(plan.items)} 位代表"]
        + (
            [
                "将新建代表团:"
                + "、".join(f"{term}{name}" for (_, name), term in new_delegations.items())
            ]
            if new_delegations
            else []
        )
    }
    return plan


# --- units --------------------------------------------------------------------------------

SYSTEM_LABELS = {label: value for value, label in UnitSystem.choices}


def check_units(table: Table, *, progress: Progress | None = None, **_) -> Plan:
    spec = excel.UNITS
    plan = Plan(kind=spec.kind)
    existing = set(Unit.objects.values_list("name", flat=True))
    parsed = []
    for row in _rows(table, spec, plan, progress):
        values = dict(
            name=row.text("name", Unit),
            short_name=row.text("short_name", Unit),
            system=row.read("system", excel.choice, SYSTEM_LABELS, UnitSystem.GOVERNMENT),
            parent=row.text("parent"),
            contact_person=row.text("contact_person", Unit),
            contact_phone=row.text("contact_phone", Unit),
            email=row.email("email"),
            is_active=row.read("is_active", excel.yes_no, True),
        )
        parsed.append((row, values))
    if progress:
        progress(plan.rows)

    first_row: dict[str, int] = {}
    parents = {values["name"]: values["parent"] for _, values in parsed if values["name"]}
    for row, values in parsed:
        name, parent = values["name"], values["parent"]
        if name in first_row:
            row.error("name", f"与第{first_row[name]}行重复")
        elif name in existing:
            row.error("name", f"已有名为“{name}”的承办单位")
        if name:
            first_row.setdefault(name, row.number)
        if parent:
            if parent == name:
                row.error("parent", "上级单位不能是本单位")
            elif parent not in existing and parent not in parents:
                row.error("parent", f"未找到上级单位“{parent}”")
            elif _loops(name, parents):
                row.error("parent", "上级单位关系形成循环")
        plan.items.append(values)
    _sort(plan, spec)
    if plan.errors:
        plan.items = []
        return plan
    plan.summary = {"lines": [f"将导入 {len(plan.items)} 个承办单位"]}
    return plan


def _loops(name: str, parents: dict[str, str]) -> bool:
    seen, current = {name}, parents.get(name)
    while current in parents:
        if current in seen:
            return True
        seen.add(current)
        current = parents[current]
    return False


CHECKERS = {
    excel.SUGGESTIONS.kind: check_suggestions,
    excel.DEPUTIES.kind: check_deputies,
    excel.UNITS.kind: check_units,
}
