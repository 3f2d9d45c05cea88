"""Excel exports with the columns staff see. The import columns come first, in the order of
imports.excel, so an export can be imported again; read-only columns follow.

Each export decides its own select_related/prefetch_related: a constant number of queries
whatever the number of rows (pinned in tests/test_imports_export.py).

Confidential deputies (DESIGN.md §4a) are written as 不公开 unless the caller passes
`reveal_confidential`, which only suggestions.access.export_reveals_confidential grants; such a
file then says so on its first sheet and in its page header.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from deputies.models import Deputy
from suggestions import access
from suggestions.models import Assignment, CoSignature, Reply, ReplyDelivery
from units.models import Unit

from . import excel
from .validation import DeputyNames


def _namesakes() -> set[tuple[int, str]]:
    """(term, name) pairs shared by several deputies: exports then add the delegation."""
    return set(
        Deputy.objects.values("term_id", "name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("term_id", "name")
    )


def _join_dates(dates) -> str:
    return "、".join(sorted({d.isoformat() for d in dates}))


def _notice(reveal: bool) -> str:
    return access.CONFIDENTIAL_NOTICE if reveal else ""


def suggestion_rows(
    queryset: QuerySet, *, reveal_confidential: bool = False, today: date | None = None
) -> list[list]:
    today = today or timezone.localdate()
    queryset = (
        queryset.select_related("term", "meeting", "category", "lead_deputy__delegation")
        .prefetch_related(
            # 附议代表 are the confirmed co-signers (CoSignature.COUNTED): the import reads
            # them back as confirmed by staff.
            Prefetch(
                "co_signatures",
                queryset=CoSignature.objects.filter(state__in=CoSignature.COUNTED).select_related(
                    "deputy__delegation"
                ),
                to_attr="counted_co_signatures",
            ),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.exclude(state=Assignment.State.ENDED)
                .select_related("unit")
                .prefetch_related(
                    Prefetch(
                        "replies",
                        queryset=Reply.objects.filter(superseded=False)
                        .select_related("feedback")
                        .prefetch_related(
                            Prefetch(
                                "deliveries",
                                queryset=ReplyDelivery.objects.filter(role="merged")
                                .select_related("deputy__delegation")
                                .order_by("id"),
                                to_attr="sent_to",
                            )
                        )
                        .order_by("round", "id"),
                        to_attr="replies_in_force",
                    )
                )
                .order_by("role", "id"),
                to_attr="open_assignments",
            ),
        )
        .order_by("term__number", "number", "pk")
    )
    namesakes = _namesakes()

    def written(deputy: Deputy) -> str:
        if access.deputy_hidden_in_export(deputy, reveal=reveal_confidential):
            return access.CONFIDENTIAL_NAME
        return DeputyNames.written(deputy, namesakes)

    rows = []
    for s in queryset:
        co_signers = sorted(written(c.deputy) for c in s.counted_co_signatures)
        answering = [a for a in s.open_assignments if a.answers_deputy]
        rows.append(
            [
                s.term.name,
                s.meeting.name if s.meeting else "",
                s.number,
                s.get_kind_display(),
                s.get_channel_display(),
                s.category.name if s.category else "",
                s.title,
                s.content,
                written(s.lead_deputy) if s.lead_deputy_id else s.proposers,
                "、".join(co_signers),
                s.submitted_on,
                s.registered_on,
                s.external_source,
                s.external_ticket,
                s.get_status_display(),
                "、".join(f"{a.unit.name}({a.get_role_display()})" for a in s.open_assignments),
                _join_dates(a.deadline for a in answering),
                excel.yes_no_text(s.is_key),
                excel.yes_no_text(any(a.is_overdue(today) for a in answering)),
                _verdicts(s, written),
                "\n".join(
                    f"{a.unit.name}:{a.five_fixed_text if a.accepted_on else '未签收'}"
                    for a in s.open_assignments
                ),
            ]
        )
    return rows


def _verdicts(suggestion, written) -> str:
    """The verdicts on the suggestion's replies in force: the lead deputy's Feedback (the
    one the figures count) and each merged suggestion's deputy's, marked 并案."""
    parts = []
    for assignment in suggestion.open_assignments:
        for reply in assignment.replies_in_force:
            feedback = getattr(reply, "feedback", None)
            if feedback is not None:
                parts.append(
                    f"{written(suggestion.lead_deputy)}:{feedback.get_result_verdict_display()}"
                )
            for delivery in reply.sent_to:
                if delivery.has_verdict:
                    parts.append(
                        f"{written(delivery.deputy)}(并案):{delivery.get_result_verdict_display()}"
                    )
    return ";".join(parts)


class ExportTooLarge(Exception):
    """More suggestions than one export may hold (PORTAL["EXPORT_MAX_ROWS"]); the message is
    Chinese, for the page."""


def export_suggestions(queryset: QuerySet, *, reveal_confidential: bool = False) -> bytes:
    """The suggestions of `queryset` (already filtered and scoped by the caller) as .xlsx.
    A selection above the export limit is refused first, counted no further than the limit."""
    most = settings.PORTAL["EXPORT_MAX_ROWS"]
    if queryset.order_by()[: most + 1].count() > most:
        raise ExportTooLarge(f"一次最多导出{most}件建议,请用筛选条件缩小范围后分批导出")
    rows = suggestion_rows(queryset, reveal_confidential=reveal_confidential)
    return excel.rows_workbook(excel.SUGGESTIONS, rows, notice=_notice(reveal_confidential))


def export_unit_assignments(queryset: QuerySet, *, today: date | None = None) -> bytes:
    """A unit's own assignments (already scoped by the caller to one unit) with their 五定,
    written through excel.append_row like every export. Two queries whatever the rows."""
    today = today or timezone.localdate()
    missing = Assignment.FIVE_FIXED_MISSING
    rows = []
    for a in queryset.select_related("suggestion__term", "suggestion__lead_deputy").order_by(
        "suggestion__term__number", "suggestion__number", "pk"
    ):
        s = a.suggestion
        named = a.accepted_on is not None
        rows.append(
            [
                s.term.name,
                s.number,
                s.title,
                access.CONFIDENTIAL_NAME
                if access.deputy_hidden_in_export(s.lead_deputy, reveal=False)
                else s.lead_name,
                a.get_role_display(),
                a.get_state_display(),
                a.assigned_on,
                a.deadline,
                a.accepted_on,
                (a.responsible_leader or missing) if named else "",
                (a.handler_name or missing) if named else "",
                (a.handler_phone or missing) if named else "",
                excel.yes_no_text(a.is_overdue(today)),
            ]
        )
    return excel.rows_workbook(excel.UNIT_ASSIGNMENTS, rows)


def _deputy_row(d: Deputy, reveal: bool) -> list:
    # A hidden deputy keeps the facts of the seat, not what names or reaches the person.
    hidden = access.deputy_hidden_in_export(d, reveal=reveal)
    return [
        d.term.name,
        access.CONFIDENTIAL_NAME if hidden else d.name,
        d.get_gender_display(),
        d.delegation.name if d.delegation else "",
        "" if hidden else d.occupation,
        d.group,
        "" if hidden else d.phone,
        "" if hidden else d.email,
        "" if hidden else d.address,
        excel.yes_no_text(d.identity_confidential),
        excel.yes_no_text(d.is_active),
    ]


def export_deputies(
    queryset: QuerySet | None = None, *, reveal_confidential: bool = False
) -> bytes:
    queryset = Deputy.objects.all() if queryset is None else queryset
    rows = [
        _deputy_row(d, reveal_confidential)
        for d in queryset.select_related("term", "delegation").order_by(
            "term__number", "delegation__name", "name", "pk"
        )
    ]
    return excel.rows_workbook(excel.DEPUTIES, rows, notice=_notice(reveal_confidential))


def export_units(queryset: QuerySet | None = None) -> bytes:
    queryset = Unit.objects.all() if queryset is None else queryset
    rows = [
        [
            u.name,
            u.short_name,
            u.get_system_display(),
            u.parent.name if u.parent else "",
            u.contact_person,
            u.contact_phone,
            u.email,
            excel.yes_no_text(u.is_active),
        ]
        for u in queryset.select_related("parent").order_by("system", "name")
    ]
    return excel.rows_workbook(excel.UNITS, rows)
