"""The Django admin: master data editable, handling history read-only.

Every state change made from here goes through `suggestions.workflow` (the changelist actions);
history rows (assignments, deadline changes, replies, feedback, requests, audit events) can be
viewed but never added, changed or deleted here.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.db.models.functions import ExtractYear
from django.utils.html import format_html_join

from . import deadlines, workflow
from .dates import validate_past_day
from .models import (
    AUDIT_ACTION_LABELS,
    Assignment,
    AssignmentState,
    Attachment,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    Category,
    ChannelRule,
    Contact,
    CoSignature,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    Forwarding,
    Opinion,
    ReassignmentRequest,
    Reply,
    ReplyDraft,
    Suggestion,
    SuggestionStatus,
)
from .ranges import ColumnRanges

# --- shared pieces -------------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """History: viewable by whoever may view it, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline:
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _apply(request, run, verb) -> int | None:
    """Run a bulk workflow call; on a refusal nothing has changed, and the message says so
    and lists every refusal. Returns how many were done, or None when refused."""
    try:
        return run()
    except workflow.BulkRefused as refused:
        listed = ";".join(refused.failures[:50])  # the count in the message says how many
        messages.error(request, f"未能{verb}:{refused.message}:{listed}")
    except workflow.WorkflowError as exc:
        messages.error(request, f"未能{verb}:{exc.message}")
    return None


class WorkflowActions:
    """Changelist actions that call the workflow are offered to committee staff only; the
    workflow checks the same right again."""

    def has_workflow_permission(self, request):
        return getattr(request.user, "is_committee_staff", False)

    def event_day(self, request):
        """The action form's 发生日期 (DESIGN.md §7): the day the step happened, None for
        today; a malformed day is refused with a message and no action runs."""
        try:
            return EventDayForm.base_fields["happened_on"].clean(request.POST.get("happened_on"))
        except ValidationError:
            messages.error(request, "发生日期格式不正确,应写成 2026-03-01")
            raise _Refused from None


class _Refused(Exception):
    """An admin action refused before it started (its message is already shown)."""


class EventDayForm(helpers.ActionForm):
    happened_on = forms.DateField(
        label="发生日期",
        required=False,
        help_text="补录时填写实际发生的日期;空则为今天",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


ASSIGNMENT_PATH = ("assignment__suggestion", "assignment__unit")


class OfAssignment:
    """Columns for rows that hang off an assignment; the changelist joins what they read."""

    list_select_related = ASSIGNMENT_PATH

    @admin.display(description="建议", ordering="assignment__suggestion__number")
    def suggestion(self, obj):
        return obj.assignment.suggestion

    @admin.display(description="承办单位", ordering="assignment__unit__name")
    def unit(self, obj):
        return obj.assignment.unit


def _action_label(event: AuditEvent) -> str:
    return event.action_label


class ActionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(AUDIT_ACTION_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


def _state_label(event: AuditEvent, code: str) -> str:
    """An audit event's states are an assignment's when it names one, else the suggestion's."""
    if not code:
        return ""
    choices = AssignmentState if event.assignment_id else SuggestionStatus
    return choices(code).label if code in choices.values else code


class AuditColumns:
    """An audit event's columns in words; the queryset joins the assignment's unit."""

    @admin.display(description="操作")
    def action_label(self, obj):
        return _action_label(obj)

    @admin.display(description="承办单位")
    def unit(self, obj):
        return obj.assignment.unit if obj.assignment_id else ""

    @admin.display(description="原状态")
    def from_label(self, obj):
        return _state_label(obj, obj.from_state)

    @admin.display(description="新状态")
    def to_label(self, obj):
        return _state_label(obj, obj.to_state)


# --- reference data ------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(ColumnRanges, admin.ModelAdmin):
    list_display = ("name", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    ordering = ("order", "name")


@admin.register(ChannelRule)
class ChannelRuleAdmin(ColumnRanges, admin.ModelAdmin):
    """The deadline defaults staff edit. Each assignment freezes the rules in force when it is
    made, so an edit here applies to new assignments only."""

    NUMBERS = (
        "reply_months",
        "reply_days",
        "max_total_months",
        "reassign_window_days",
        "co_opinion_months",
        "rehandle_months",
    )
    list_display = ("channel", *NUMBERS)
    list_editable = NUMBERS
    ordering = ("channel",)


class CalendarChangeMovesDeadlines:
    """A change to the official calendar recomputes open deadlines (DESIGN.md §4). The call
    runs inside the request's transaction (ATOMIC_REQUESTS), so both commit or neither."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recompute(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._recompute(request)

    def _recompute(self, request):
        moved = workflow.deadlines_recompute_for_calendar(actor=request.user)
        messages.success(request, f"已按新日历重新计算 {moved} 个未到期期限")


@admin.register(CalendarYear)
class CalendarYearAdmin(ColumnRanges, CalendarChangeMovesDeadlines, admin.ModelAdmin):
    list_display = ("year", "source", "entered_at")
    search_fields = ("=year", "source")
    ordering = ("-year",)


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarChangeMovesDeadlines, admin.ModelAdmin):
    list_display = ("date", "weekday", "is_workday", "name", "year_entered")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    search_fields = ("name",)
    ordering = ("-date",)

    def get_queryset(self, request):
        entered = CalendarYear.objects.filter(year=ExtractYear(OuterRef("date")))
        return super().get_queryset(request).annotate(year_entered=Exists(entered))

    @admin.display(description="星期")
    def weekday(self, obj):
        return f"星期{deadlines.WEEKDAY_NAMES[obj.date.weekday()]}"

    @admin.display(description="年份已登记", boolean=True, ordering="year_entered")
    def year_entered(self, obj):
        # Exceptions count only in years entered under 已录入日历年份.
        return obj.year_entered


# --- suggestions ---------------------------------------------------------------------------


class AssignmentInline(ReadOnlyInline, admin.TabularInline):
    model = Assignment
    fields = ("unit", "role", "state", "assigned_on", "deadline", "round", "ended_on")
    readonly_fields = fields
    ordering = ("assigned_on", "id")
    verbose_name_plural = "交办情况"

    def get_queryset(self, request):
        # The row header is the assignment's __str__, which names the suggestion.
        return super().get_queryset(request).select_related("suggestion", "unit")


class AuditEventInline(AuditColumns, ReadOnlyInline, admin.TabularInline):
    model = AuditEvent
    fields = ("at", "action_label", "unit", "from_label", "to_label", "actor", "reason")
    readonly_fields = fields
    ordering = ("at", "id")
    show_change_link = False
    verbose_name_plural = "办理过程"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "assignment__unit")


class CoSignatureInline(ReadOnlyInline, admin.TabularInline):
    model = CoSignature
    fields = ("deputy", "state", "on_behalf", "decided_on", "decided_by")
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = "附议代表(确认状态)"


class ForwardingInline(ReadOnlyInline, admin.TabularInline):
    """分级处理: where the suggestion was forwarded and what came back."""

    model = Forwarding
    fk_name = "original"
    fields = (
        "to_congress",
        "forwarded_on",
        "forwarded_by",
        "note",
        "state",
        "result",
        "replied_on",
        "closed_on",
    )
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = "转交下级人大办理"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("to_congress", "forwarded_by")


class SuggestionForm(forms.ModelForm):
    """The admin supplies the model and the editable fields."""

    # The version the editor saw; an edit based on an older one is refused (optimistic lock).
    loaded_version = forms.IntegerField(
        label="打开时的版本", widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version

    def clean_submitted_on(self):
        day = self.cleaned_data.get("submitted_on")
        return day and validate_past_day(day, field_label="提出日期")

    def clean(self):
        cleaned = super().clean()
        changes = {
            n: cleaned[n]
            for n in self.changed_data
            if n in workflow.EDITABLE_FIELDS and n in cleaned
        }
        try:
            workflow.suggestion_check_update(
                suggestion=self.instance,
                expected_version=cleaned.get("loaded_version") or self.instance.version,
                changes=changes,
            )
        except workflow.WorkflowError as exc:
            raise ValidationError(exc.message) from exc
        return cleaned


@admin.register(Suggestion)
class SuggestionAdmin(WorkflowActions, admin.ModelAdmin):
    """Suggestions are logged in the portal through `workflow.suggestion_create`, not here
    (adding is disabled). Staff may correct the descriptive fields; everything the workflow
    owns is read-only, and state changes are the 立案 / 办结 actions."""

    form = SuggestionForm
    action_form = EventDayForm
    list_display = (
        "numbered",
        "title",
        "term",
        "channel",
        "category",
        "lead_deputy",
        "status",
        "is_key",
        "submitted_on",
    )
    list_display_links = ("numbered", "title")
    list_filter = ("status", "channel", "kind", "term", "category", "is_key")
    list_select_related = ("term", "category", "lead_deputy")
    search_fields = ("title", "number__exact", "lead_deputy__name")
    date_hierarchy = "submitted_on"
    ordering = ("-term__number", "-number")
    autocomplete_fields = ("meeting", "category", "lead_deputy")
    WORKFLOW_FIELDS = (
        "status",
        "registered_on",
        "reject_reason",
        "status_note",
        "merged_into",
        "closed_on",
        "is_key",
        "supervisor",
    )
    readonly_fields = (
        "term",
        "number",
        "proposers",
        *WORKFLOW_FIELDS,
        "version",
        "created_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("term", "number"),
                    "kind",
                    "channel",
                    "meeting",
                    "category",
                    "title",
                    "content",
                    "loaded_version",
                )
            },
        ),
        # Co-signers are edited on the portal's edit page, where their confirmation
        # (附议确认) is decided; here they are listed read-only (CoSignatureInline).
        ("代表", {"fields": ("lead_deputy", "proposers", "submitted_on")}),
        ("办理状态(由办理流程维护)", {"fields": WORKFLOW_FIELDS}),
        ("记录", {"fields": ("version", "created_by", "created_at", "updated_at")}),
    )
    inlines = (CoSignatureInline, AssignmentInline, ForwardingInline, AuditEventInline)
    actions = ("register", "close")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            # Hold the row until the request commits, so no transition slips in between the
            # version check and the save (changeform_view runs in a transaction).
            obj = Suggestion.objects.select_for_update().get(pk=obj.pk)
        return obj

    def save_model(self, request, obj, form, change):
        # The workflow writes the edit: it re-checks the version the editor saw, writes only
        # the edited fields and records the change in the suggestion's audit trail.
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in workflow.EDITABLE_FIELDS
        }
        # clean() ran the same checks under the row lock taken in get_object.
        workflow.suggestion_update(
            actor=request.user,
            suggestion=obj,
            expected_version=form.cleaned_data.get("loaded_version") or obj.version,
            changes=changes,
        )

    def save_related(self, request, form, formsets, change):
        # co_signers was written by the workflow in save_model: skip form.save_m2m().
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(description="编号", ordering="number")
    def numbered(self, obj):
        return obj.display_number

    @admin.action(description="立案", permissions=["workflow"])
    def register(self, request, queryset):
        self._transition(request, queryset, workflow.suggestion_register, "立案", "registered_on")

    @admin.action(description="办结", permissions=["workflow"])
    def close(self, request, queryset):
        self._transition(request, queryset, workflow.suggestion_close, "办结", "closed_on")

    def _transition(self, request, queryset, transition, verb, day_argument):
        try:
            day = self.event_day(request)
        except _Refused:
            return
        # All or nothing, as the list page's bulk actions: one refusal changes nothing.
        done = _apply(
            request,
            lambda: workflow.suggestions_apply(
                suggestions=queryset.order_by("term__number", "number"),
                step=lambda suggestion: transition(
                    actor=request.user, suggestion=suggestion, **{day_argument: day}
                ),
            ),
            verb,
        )
        if done is not None:
            messages.success(request, f"已{verb} {done} 件建议")


# --- handling history (read-only) ---------------------------------------------------------


class DeadlineChangeInline(ReadOnlyInline, admin.TabularInline):
    model = DeadlineChange
    fields = ("kind", "effective_on", "old_deadline", "new_deadline", "reason", "created_by")
    readonly_fields = fields
    ordering = ("created_at", "id")
    verbose_name_plural = "期限变更记录"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = (
        "suggestion",
        "unit",
        "role",
        "state",
        "assigned_on",
        "deadline",
        "round",
        "ended_on",
    )
    list_filter = ("state", "role", "unit")
    list_select_related = ("suggestion", "unit")
    search_fields = ("suggestion__title", "suggestion__number__exact", "unit__name")
    date_hierarchy = "deadline"
    ordering = ("-assigned_on", "-id")
    inlines = (DeadlineChangeInline,)


@admin.register(DeadlineChange)
class DeadlineChangeAdmin(OfAssignment, ReadOnlyAdmin):
    list_display = (
        "suggestion",
        "unit",
        "kind",
        "effective_on",
        "old_deadline",
        "new_deadline",
        "reason",
    )
    list_filter = ("kind", "effective_on")
    search_fields = ("assignment__suggestion__title", "assignment__unit__name", "reason")
    ordering = ("-created_at", "-id")
    fields = (
        "assignment",
        "kind",
        "effective_on",
        "old_deadline",
        "base_date",
        "new_deadline",
        "explained",
        "reason",
        "created_by",
        "created_at",
    )
    readonly_fields = ("explained", "created_at")

    @admin.display(description="说明")
    def explained(self, obj):
        lines = deadlines.explanation_lines(obj.explanation) if obj.explanation else []
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines))


@admin.register(Contact)
class ContactAdmin(OfAssignment, ReadOnlyAdmin):
    list_display = ("suggestion", "unit", "kind", "contacted_on", "participants")
    list_filter = ("kind", "contacted_on")
    search_fields = ("assignment__suggestion__title", "assignment__unit__name", "participants")
    ordering = ("-contacted_on", "-id")


@admin.register(Opinion)
class OpinionAdmin(OfAssignment, ReadOnlyAdmin):
    list_display = ("suggestion", "unit", "sent_on")
    list_filter = ("sent_on",)
    search_fields = ("assignment__suggestion__title", "assignment__unit__name", "text")
    ordering = ("-sent_on", "-id")


@admin.register(Reply)
class ReplyAdmin(OfAssignment, ReadOnlyAdmin):
    list_display = (
        "suggestion",
        "unit",
        "round",
        "result",
        "signer",
        "replied_on",
        "is_public",
        "superseded",
    )
    list_filter = ("result", "publication", "superseded", "replied_on")
    search_fields = (
        "assignment__suggestion__title",
        "assignment__unit__name",
        "signer",
        "doc_number",
    )
    ordering = ("-replied_on", "-id")


@admin.register(ReplyDraft)
class ReplyDraftAdmin(OfAssignment, ReadOnlyAdmin):
    """Letters in preparation, read-only: they are drafted, signed and reviewed in the portal
    (suggestions.signing), never edited here."""

    list_display = (
        "suggestion",
        "unit",
        "round",
        "stage",
        "version",
        "result",
        "doc_number",
        "signed_by",
        "signed_on",
    )
    list_filter = ("stage", "result", "publication")
    search_fields = ("assignment__suggestion__title", "assignment__unit__name", "doc_number")
    ordering = ("-id",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    # The file itself is not linked here: it is served only by the portal's access-checked
    # download view, never from MEDIA_URL.
    list_display = ("name", "kind", "size", "reply", "created_at")
    # Nullable since drafts hold files too: the admin joins only non-null keys by itself.
    list_select_related = ("reply",)
    list_filter = ("kind",)
    search_fields = ("name", "reply__assignment__suggestion__title")
    exclude = ("file",)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = (
        "suggestion",
        "deputy",
        "result_verdict",
        "work_verdict",
        "given_on",
        "on_behalf",
    )
    list_filter = ("result_verdict", "work_verdict", "on_behalf", "given_on")
    list_select_related = ("reply__assignment__suggestion", "deputy")
    search_fields = ("reply__assignment__suggestion__title", "deputy__name", "remarks")
    ordering = ("-given_on", "-id")

    @admin.display(description="建议", ordering="reply__assignment__suggestion__number")
    def suggestion(self, obj):
        return obj.reply.assignment.suggestion


class DecisionForm(EventDayForm):
    note = forms.CharField(
        label="审核意见",
        required=False,
        help_text="不同意时必填",
        widget=forms.TextInput(attrs={"size": 40}),
    )


class UnitRequestAdmin(OfAssignment, WorkflowActions, ReadOnlyAdmin):
    """Pending requests are decided with the 同意 / 不同意 actions (the note goes with them)."""

    list_filter = ("state", "requested_on")
    search_fields = ("assignment__suggestion__title", "assignment__unit__name", "reason")
    ordering = ("-requested_on", "-id")
    action_form = DecisionForm
    actions = ("approve", "reject")

    @admin.action(description="同意", permissions=["workflow"])
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description="不同意", permissions=["workflow"])
    def reject(self, request, queryset):
        self._decide(request, queryset, approve=False)

    def _decide(self, request, queryset, *, approve):
        note = request.POST.get("note", "")
        try:
            day = self.event_day(request)
        except _Refused:
            return
        verb = "同意" if approve else "不同意"
        done = _apply(
            request,
            lambda: workflow.unit_requests_apply(
                requests=queryset.order_by("requested_on", "id"),
                step=lambda row: self.decide(
                    request.user, row, approve=approve, note=note, day=day
                ),
            ),
            verb,
        )
        if done is not None:
            messages.success(request, f"已{verb} {done} 项申请")

    def decide(self, actor, unit_request, *, approve, note, day):
        raise NotImplementedError


@admin.register(ReassignmentRequest)
class ReassignmentRequestAdmin(UnitRequestAdmin):
    list_display = (
        "suggestion",
        "unit",
        "suggested_unit",
        "requested_on",
        "state",
        "decided_on",
    )
    list_select_related = (*ASSIGNMENT_PATH, "suggested_unit")

    def decide(self, actor, unit_request, *, approve, note, day):
        workflow.reassignment_decide(
            actor=actor, request=unit_request, approve=approve, note=note, decided_on=day
        )


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(UnitRequestAdmin):
    list_display = (
        "suggestion",
        "unit",
        "requested_deadline",
        "deputy_informed",
        "requested_on",
        "state",
        "decided_on",
    )

    def decide(self, actor, unit_request, *, approve, note, day):
        workflow.extension_decide(
            actor=actor, request=unit_request, approve=approve, note=note, decided_on=day
        )


@admin.register(AuditEvent)
class AuditEventAdmin(AuditColumns, ReadOnlyAdmin):
    list_display = (
        "at",
        "day",
        "suggestion",
        "unit",
        "action_label",
        "from_label",
        "to_label",
        "actor",
    )
    list_filter = (ActionFilter,)
    list_select_related = ("suggestion", "assignment__unit", "actor")
    search_fields = ("suggestion__title", "suggestion__number__exact", "action", "reason")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    fields = (
        "at",
        "day",
        "actor",
        "suggestion",
        "assignment",
        "action_label",
        "from_label",
        "to_label",
        "reason",
        "data",
    )
    readonly_fields = ("day", "action_label", "from_label", "to_label")

    @admin.display(description="发生日期", ordering="happened_on")
    def day(self, obj):
        return obj.day
