"""Input validation and output shapes. No rules live here: the workflow decides and writes,
`suggestions.access` decides who sees what."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from deputies.models import Delegation, Deputy, Meeting, Term
from suggestions import deadlines, limits, ranges
from suggestions.dates import PastDay
from suggestions.models import (
    Assignment,
    Category,
    Channel,
    Contact,
    CoSignature,
    DeadlineChange,
    DeadlineStatus,
    ExtensionRequest,
    Feedback,
    Opinion,
    ReassignmentRequest,
    Reply,
    ReplyDelivery,
    ReplyDraft,
    Suggestion,
    Verdict,
)
from suggestions.selectors import CO_OPINION_STATES, SORTS, co_handlers
from units.models import Unit

MAX_INT = 2**31 - 1  # ids in query parameters: what a client may ask for
MAX_ID = 2**63 - 1  # ids are 64-bit

# Days that record the past: between the first term's start and today (suggestions.dates).
SUBMITTED_ON = PastDay("提出日期")
ASSIGNED_ON = PastDay("交办日期")

# --- errors (documented in the schema for every operation) -----------------------------------


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="出错的字段;与字段无关时为 null")
    code = serializers.CharField(help_text="英文错误代码,供程序判断")
    message = serializers.CharField(help_text="中文说明")


class ErrorBodySerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


# --- references ------------------------------------------------------------------------------


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class SuggestionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suggestion
        fields = ["id", "display_number", "title", "channel", "status"]


# --- master data -----------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "order", "is_active"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "system",
            "parent",
            "contact_person",
            "contact_phone",
            "email",
            "is_active",
        ]


class DeputySerializer(serializers.ModelSerializer):
    """What any signed-in user may see of a deputy: no personal contact data."""

    term = RefSerializer()
    delegation = RefSerializer(allow_null=True)

    class Meta:
        model = Deputy
        fields = ["id", "term", "delegation", "name", "gender", "occupation", "group", "is_active"]


class DeputyWithContactSerializer(DeputySerializer):
    """With the contact data where `access.deputy_contact_q` allows it (the `contact_visible`
    flag of api.selectors.deputies): staff, the deputy themself, the units handling their
    suggestions. Elsewhere the three fields are left out."""

    CONTACT_FIELDS = ("phone", "email", "address")
    phone = serializers.CharField(required=False, help_text="仅对有权查看者提供")
    email = serializers.CharField(required=False, help_text="仅对有权查看者提供")
    address = serializers.CharField(required=False, help_text="仅对有权查看者提供")

    class Meta(DeputySerializer.Meta):
        fields = [*DeputySerializer.Meta.fields, "phone", "email", "address"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "contact_visible", False):
            for name in self.CONTACT_FIELDS:
                data.pop(name, None)
        return data


# --- suggestions -----------------------------------------------------------------------------


class AssignmentBriefSerializer(serializers.ModelSerializer):
    unit = RefSerializer()

    class Meta:
        model = Assignment
        fields = ["id", "unit", "role", "state", "assigned_on", "deadline", "round"]


class CoSignatureSerializer(serializers.ModelSerializer):
    deputy = RefSerializer()

    class Meta:
        model = CoSignature
        fields = ["id", "deputy", "state", "on_behalf", "decided_on"]


class SuggestionSerializer(serializers.ModelSerializer):
    term = RefSerializer()
    meeting = serializers.SerializerMethodField()
    category = RefSerializer(allow_null=True)
    lead_deputy = RefSerializer(
        allow_null=True, help_text="领衔代表;上级人大转来的建议为空,见 proposers"
    )
    co_signers = serializers.SerializerMethodField(
        help_text="附议代表:已确认附议的代表(待确认、已拒绝的见 co_signatures)"
    )
    co_signatures = CoSignatureSerializer(
        many=True,
        help_text="列为附议代表的每一位及其确认状态:pending 待确认(不送达答复)、"
        "confirmed 已确认(on_behalf 为工作人员据纸质件代为确认)、declined 已拒绝",
    )
    supervisor = UserRefSerializer(allow_null=True)
    next_deadline = serializers.DateField(
        allow_null=True,
        read_only=True,
        help_text="未答复的主办/分办交办中最近的答复期限(只计您可见的交办)",
    )
    assignments = AssignmentBriefSerializer(
        many=True,
        source="current_assignments",
        help_text="未终止的交办,主办/分办在前;承办单位只看到本单位的交办",
    )

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "term",
            "meeting",
            "number",
            "display_number",
            "kind",
            "channel",
            "category",
            "title",
            "content",
            "lead_deputy",
            "proposers",
            "co_signers",
            "co_signatures",
            "submitted_on",
            "registered_on",
            "closed_on",
            "is_key",
            "supervisor",
            "status",
            "reject_reason",
            "status_note",
            "merged_into",
            "external_source",
            "external_ticket",
            "version",
            "next_deadline",
            "assignments",
            "updated_at",
        ]

    @extend_schema_field(RefSerializer(many=True))
    def get_co_signers(self, obj):
        return [
            {"id": c.deputy.pk, "name": c.deputy.name}
            for c in obj.co_signatures.all()
            if c.state in CoSignature.COUNTED
        ]

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_meeting(self, obj):
        return {"id": obj.meeting.pk, "name": str(obj.meeting)} if obj.meeting_id else None


# --- assignments and what hangs off them -----------------------------------------------------


class DeadlineChangeSerializer(serializers.ModelSerializer):
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = DeadlineChange
        fields = ["kind", "effective_on", "old_deadline", "new_deadline", "reason", "explanation"]

    def get_explanation(self, obj) -> list[str]:
        return deadlines.explanation_lines(obj.explanation) if obj.explanation else []


class AssignmentSerializer(serializers.ModelSerializer):
    suggestion = SuggestionRefSerializer()
    unit = RefSerializer()
    has_pending_reassignment = serializers.BooleanField(read_only=True)
    has_pending_extension = serializers.BooleanField(read_only=True)
    deadline_status = serializers.SerializerMethodField(
        help_text="今天的期限状态:done 已答复或已结束,ok 未到期,due_soon 即将到期,"
        "overdue 逾期(主办/分办),opinion_overdue 协办意见逾期"
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "suggestion",
            "unit",
            "role",
            "state",
            "assigned_on",
            "deadline",
            "round",
            "accepted_on",
            "responsible_leader",
            "handler_name",
            "handler_phone",
            "ended_on",
            "end_reason",
            "replaced_by",
            "has_pending_reassignment",
            "has_pending_extension",
            "deadline_status",
            "opinion_waived_on",
            "opinion_waiver_reason",
        ]

    @extend_schema_field(serializers.ChoiceField(DeadlineStatus.choices))
    def get_deadline_status(self, obj) -> str:
        return obj.get_deadline_status(timezone.localdate())


class CoHandlerSerializer(serializers.Serializer):
    """A co-handler of a lead assignment's suggestion and its opinion (selectors.co_handlers)."""

    unit = RefSerializer()
    state = serializers.ChoiceField(
        list(CO_OPINION_STATES.items()),
        help_text="sent 已提交,missing 未提交(主办单位暂不能签发答复),waived 已豁免",
    )
    deadline = serializers.DateField(source="assignment.deadline", help_text="协办意见期限")
    opinion = serializers.CharField(source="opinion.text", allow_null=True, default=None)
    sent_on = serializers.DateField(source="opinion.sent_on", allow_null=True, default=None)
    waived_on = serializers.DateField(source="assignment.opinion_waived_on", allow_null=True)
    waiver_reason = serializers.CharField(source="reason")


class AssignmentDetailSerializer(AssignmentSerializer):
    deadline_changes = DeadlineChangeSerializer(many=True)
    co_handlers = serializers.SerializerMethodField(
        help_text="主办、分办单位:本建议在办的协办单位及其意见;协办单位本身为空"
    )

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "deadline_changes", "co_handlers"]

    @extend_schema_field(CoHandlerSerializer(many=True))
    def get_co_handlers(self, obj) -> list:
        return CoHandlerSerializer(co_handlers(assignment=obj), many=True).data


class ContactSerializer(serializers.ModelSerializer):
    suggestion = serializers.IntegerField(source="assignment.suggestion_id", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "assignment",
            "suggestion",
            "kind",
            "contacted_on",
            "participants",
            "summary",
            "created_at",
        ]


class OpinionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Opinion
        fields = ["id", "assignment", "text", "sent_on", "created_at"]


class FeedbackSerializer(serializers.ModelSerializer):
    suggestion = serializers.IntegerField(source="reply.assignment.suggestion_id", read_only=True)
    deputy = RefSerializer()
    entered_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = Feedback
        fields = [
            "id",
            "reply",
            "suggestion",
            "result_verdict",
            "work_verdict",
            "remarks",
            "given_on",
            "deputy",
            "entered_by",
            "on_behalf",
            "created_at",
        ]


class ReplyFeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = ["id", "result_verdict", "work_verdict", "remarks", "given_on", "on_behalf"]


class DeliverySerializer(serializers.ModelSerializer):
    deputy = RefSerializer()
    via = serializers.IntegerField(
        source="via_id", read_only=True, help_text="该代表本人的建议(并案时为已并入的建议)"
    )
    awaiting_feedback = serializers.BooleanField(
        source="awaits_feedback", read_only=True, help_text="并案代表尚待反馈"
    )

    class Meta:
        model = ReplyDelivery
        fields = [
            "id",
            "deputy",
            "role",
            "via",
            "sent_on",
            "result_verdict",
            "work_verdict",
            "remarks",
            "given_on",
            "on_behalf",
            "awaiting_feedback",
        ]


class ReplySerializer(serializers.ModelSerializer):
    suggestion = serializers.IntegerField(source="assignment.suggestion_id", read_only=True)
    unit = RefSerializer(source="assignment.unit")
    feedback = serializers.SerializerMethodField()
    deliveries = DeliverySerializer(
        many=True,
        source="sent_to",
        read_only=True,
        help_text="送达的代表:lead 领衔(其反馈即 feedback,计入统计)、co_signer 联名、"
        "merged 并案(各自反馈,列在旁边,不计入统计)",
    )
    awaiting_feedback = serializers.BooleanField(
        source="awaits_feedback", read_only=True, help_text="当前有效的答复,尚待代表反馈"
    )

    class Meta:
        model = Reply
        fields = [
            "id",
            "assignment",
            "suggestion",
            "unit",
            "round",
            "text",
            "result",
            "signer",
            "signed_on",
            "doc_number",
            "contact_person",
            "contact_phone",
            "replied_on",
            "is_public",
            "publication",
            "summary",
            "not_public_reason",
            "publish_on",
            "publish_by",
            "superseded",
            "feedback",
            "awaiting_feedback",
            "deliveries",
        ]

    @extend_schema_field(ReplyFeedbackSerializer(allow_null=True))
    def get_feedback(self, obj):
        feedback = getattr(obj, "feedback", None)  # reverse one-to-one: absent until given
        return ReplyFeedbackSerializer(feedback).data if feedback else None


class UnitRequestSerializer(serializers.ModelSerializer):
    assignment = AssignmentBriefSerializer()
    suggestion = SuggestionRefSerializer(source="assignment.suggestion")
    requested_by = UserRefSerializer(allow_null=True)
    decided_by = UserRefSerializer(allow_null=True)

    class Meta:
        fields = [
            "id",
            "assignment",
            "suggestion",
            "reason",
            "requested_on",
            "state",
            "requested_by",
            "decided_by",
            "decided_on",
            "decision_note",
        ]


class ReassignmentRequestSerializer(UnitRequestSerializer):
    suggested_unit = RefSerializer(allow_null=True)

    class Meta(UnitRequestSerializer.Meta):
        model = ReassignmentRequest
        fields = [*UnitRequestSerializer.Meta.fields, "suggested_unit"]


class ExtensionRequestSerializer(UnitRequestSerializer):
    class Meta(UnitRequestSerializer.Meta):
        model = ExtensionRequest
        fields = [*UnitRequestSerializer.Meta.fields, "requested_deadline", "deputy_informed"]


# --- input: suggestions ----------------------------------------------------------------------


def _text(max_length=None, **kwargs):
    return serializers.CharField(max_length=max_length, **kwargs)


def _optional_text(max_length=None):
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True)


def _pk(queryset, **kwargs):
    return serializers.PrimaryKeyRelatedField(queryset=queryset, **kwargs)


def _does_not_exist(pk) -> str:
    # The wording DRF's related fields use, in the active language.
    message = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
    return str(message).format(pk_value=pk)


class PrimaryKeyList(serializers.ListField):
    """Ids of objects in `queryset`, at most the limit of `kind` (suggestions.limits): the
    length is checked first, then every id is looked up in one query (a related field per
    item would cost a query each). Gives the objects in the order sent, each once."""

    def __init__(self, queryset, *, kind: str, **kwargs):
        self.queryset, self.kind = queryset, kind
        kwargs.setdefault("child", serializers.IntegerField(min_value=1, max_value=MAX_ID))
        super().__init__(max_length=limits.limit(kind), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and (too_many := limits.too_many(self.kind, len(data))):
            raise serializers.ValidationError(too_many, code=limits.CODE)
        sent = super().to_internal_value(data)
        found = {obj.pk: obj for obj in self.queryset.filter(pk__in=set(sent))}
        missing = {index: [_does_not_exist(pk)] for index, pk in enumerate(sent) if pk not in found}
        if missing:
            raise serializers.ValidationError(missing, code="does_not_exist")
        return [found[pk] for pk in dict.fromkeys(sent)]


def _current_term():
    return Term.objects.filter(is_current=True).first()


class SuggestionCreateInput(serializers.Serializer):
    term = _pk(Term.objects.all(), required=False, help_text="默认为本届")
    meeting = _pk(Meeting.objects.all(), required=False, allow_null=True)
    kind = serializers.ChoiceField(Suggestion.Kind.choices, default=Suggestion.Kind.SUGGESTION)
    channel = serializers.ChoiceField(Channel.choices)
    category = _pk(Category.objects.all(), required=False, allow_null=True)
    title = _text(200)
    content = _text(20000)
    lead_deputy = _pk(Deputy.objects.all())
    co_signers = PrimaryKeyList(Deputy.objects.all(), kind="co_signers", required=False)
    submitted_on = serializers.DateField(required=False, allow_null=True, validators=[SUBMITTED_ON])
    number = ranges.serializer_field(
        Suggestion, "number", min_value=1, required=False, allow_null=True, help_text="工作人员录入"
    )
    co_signers_confirmed = serializers.BooleanField(
        default=True,
        help_text="工作人员录入:附议代表已在纸质件上签名,代为确认;false 时各自在线确认。"
        "代表起草时附议代表一律待确认",
    )

    def validate(self, data):
        if not data.get("term"):
            term = _current_term()
            if term is None:
                raise serializers.ValidationError({"term": "没有本届,请指定届次"})
            data["term"] = term
        return data


class SuggestionUpdateInput(serializers.Serializer):
    version = ranges.serializer_field(
        Suggestion, "version", min_value=1, help_text="修改所依据的版本;他人已修改时拒绝"
    )
    kind = serializers.ChoiceField(Suggestion.Kind.choices, required=False)
    channel = serializers.ChoiceField(Channel.choices, required=False)
    meeting = _pk(Meeting.objects.all(), required=False, allow_null=True)
    category = _pk(Category.objects.all(), required=False, allow_null=True)
    title = _text(200, required=False)
    content = _text(20000, required=False)
    lead_deputy = _pk(Deputy.objects.all(), required=False)
    submitted_on = serializers.DateField(required=False, allow_null=True, validators=[SUBMITTED_ON])
    co_signers = PrimaryKeyList(Deputy.objects.all(), kind="co_signers", required=False)


class WithdrawInput(serializers.Serializer):
    reason = _text(2000)


def _event_day(help_text: str = ""):
    """The day a step happened when it is recorded later (DESIGN.md §7)."""
    return serializers.DateField(
        required=False,
        allow_null=True,
        help_text=(help_text or "实际发生的日期")
        + ";默认为今天。不能晚于今天,也不能早于它所跟随的步骤(否则 409)",
    )


class RegisterInput(serializers.Serializer):
    category = _pk(Category.objects.all(), required=False, allow_null=True)
    registered_on = _event_day("立案日期,不早于提出日期")


class RejectInput(serializers.Serializer):
    reason = serializers.ChoiceField(Suggestion.RejectReason.choices)
    note = _optional_text(2000)


class MergeInput(serializers.Serializer):
    into = _pk(Suggestion.objects.all())
    note = _optional_text(2000)


class UnitRoleList(serializers.ListSerializer):
    """At most the units one assignment may name (suggestions.limits), checked before
    anything else; then all of them looked up in one query."""

    def to_internal_value(self, data):
        if isinstance(data, list) and (too_many := limits.too_many("units", len(data))):
            raise serializers.ValidationError(too_many, code=limits.CODE)
        items = super().to_internal_value(data)
        units = {u.pk: u for u in Unit.objects.filter(pk__in={i["unit"] for i in items})}
        errors = [
            {} if item["unit"] in units else {"unit": [_does_not_exist(item["unit"])]}
            for item in items
        ]
        if any(errors):
            raise serializers.ValidationError(errors, code="does_not_exist")
        return [{**item, "unit": units[item["unit"]]} for item in items]


class UnitRoleInput(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="承办单位 id")
    role = serializers.ChoiceField(Assignment.Role.choices)

    class Meta:
        list_serializer_class = UnitRoleList


def _units():
    return UnitRoleInput(many=True, allow_empty=False, max_length=limits.limit("units"))


class AssignInput(serializers.Serializer):
    units = _units()
    assigned_on = serializers.DateField(
        required=False, allow_null=True, validators=[ASSIGNED_ON], help_text="默认为今天"
    )


class KeyInput(serializers.Serializer):
    is_key = serializers.BooleanField()
    supervisor = _pk(User.objects.all(), required=False, allow_null=True)


class CloseInput(serializers.Serializer):
    note = _optional_text(2000)
    closed_on = _event_day("办结日期,不早于最后一次答复或反馈")


class ForwardInput(serializers.Serializer):
    to_congress = serializers.IntegerField(
        min_value=1, help_text="下级人大的 id:本级人大的直接下级、已启用"
    )
    note = _optional_text(2000)
    forwarded_on = _event_day("转办日期,不早于提出日期")


class ExpressInput(serializers.Serializer):
    term = _pk(Term.objects.all(), required=False, help_text="默认为本届")
    category = _pk(Category.objects.all())
    title = _text(200)
    content = _text(20000)
    lead_deputy = _pk(Deputy.objects.all())
    co_signers = PrimaryKeyList(Deputy.objects.all(), kind="co_signers", required=False)
    submitted_on = serializers.DateField(required=False, allow_null=True, validators=[SUBMITTED_ON])
    units = _units()
    assigned_on = serializers.DateField(
        required=False, allow_null=True, validators=[ASSIGNED_ON], help_text="默认为今天"
    )
    external_source = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="外部系统,默认 12345"
    )
    external_ticket = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="外部系统的工单编号:同一系统的同一编号只录入一次,再次调用返回已有的建议(200)",
    )

    validate = SuggestionCreateInput.validate


# --- input: assignments ----------------------------------------------------------------------


class AcceptInput(serializers.Serializer):
    """签收 with 五定 (DESIGN.md §9): the three names are required of 主办/分办 units and
    optional for 协办 (the workflow decides and answers 409 when missing or malformed)."""

    accepted_on = _event_day("签收日期,不早于交办日期")
    responsible_leader = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="分管领导姓名(主办、分办必填)"
    )
    handler_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="经办人姓名(主办、分办必填)"
    )
    handler_phone = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="经办人电话:11位手机号码或带区号的固定电话(主办、分办必填)",
    )


class ReassignmentRequestInput(serializers.Serializer):
    reason = _text(2000)
    suggested_unit = _pk(Unit.objects.all(), required=False, allow_null=True)


class ExtensionRequestInput(serializers.Serializer):
    requested_deadline = serializers.DateField()
    reason = _text(2000)
    deputy_informed = serializers.BooleanField(help_text="已向代表说明延期理由")


class OpinionInput(serializers.Serializer):
    text = _text(20000)
    sent_on = _event_day("送达主办单位的日期,不早于交办日期")


class OpinionWaiverInput(serializers.Serializer):
    reason = _text(500, help_text="豁免理由(必填)")


class ContactInput(serializers.Serializer):
    kind = serializers.ChoiceField(Contact.Kind.choices)
    contacted_on = _event_day("沟通日期,不早于交办日期")
    participants = _text(300)
    summary = _text(20000)


class ReplyInput(serializers.Serializer):
    """The letter as the clerk drafts it: a draft, not yet a reply (签发 and review follow)."""

    text = _text(50000)
    result = serializers.ChoiceField(Reply.Result.choices)
    publication = serializers.ChoiceField(
        ReplyDraft.Publication.choices,
        default=ReplyDraft.Publication.PUBLIC,
        help_text="public 全文公开 / summary 摘要公开(须填 summary) / private 不公开(须填理由)",
    )
    summary = _optional_text(5000)
    not_public_reason = _optional_text(200)
    publish_later = serializers.BooleanField(
        default=False, help_text="暂缓公开:工作人员确定公开日期,最迟发布后20个工作日"
    )
    contact_person = _optional_text(50)
    contact_phone = _optional_text(50)


class FollowUpInput(serializers.Serializer):
    text = _text(50000)
    result = serializers.ChoiceField(Reply.Result.choices)
    publication = serializers.ChoiceField(
        ReplyDraft.Publication.choices, default=ReplyDraft.Publication.PUBLIC
    )
    summary = _optional_text(5000)
    not_public_reason = _optional_text(200)
    publish_later = serializers.BooleanField(default=False)


class SignInput(serializers.Serializer):
    signed_on = _event_day("签发日期,不早于交办日期(重新办理时不早于不满意反馈的日期)")


class ReleaseInput(serializers.Serializer):
    result = serializers.ChoiceField(
        Reply.Result.choices, required=False, help_text="调整答复类别时填写,须同时填 reason"
    )
    reason = _optional_text(500)
    released_on = _event_day("发布日期,不早于签发日期;答复自该日起算")


class ReturnInput(serializers.Serializer):
    reason = _text(2000)


class PublishDayInput(serializers.Serializer):
    publish_on = serializers.DateField(
        required=False, help_text="公开日期,不早于发布日,不晚于最迟公开日期;空则为今天"
    )


class ReplyDraftSerializer(serializers.ModelSerializer):
    """答复函草稿: seen by its unit, and by reviewers once signed."""

    suggestion = serializers.IntegerField(source="assignment.suggestion_id", read_only=True)
    signed_by = serializers.CharField(
        source="signed_by.display_name", read_only=True, allow_null=True, default=None
    )
    reply = serializers.IntegerField(source="reply_id", read_only=True, allow_null=True)

    class Meta:
        model = ReplyDraft
        fields = [
            "id",
            "assignment",
            "suggestion",
            "round",
            "replaces",
            "stage",
            "version",
            "text",
            "result",
            "publication",
            "summary",
            "not_public_reason",
            "publish_later",
            "contact_person",
            "contact_phone",
            "signed_by",
            "signed_on",
            "doc_number",
            "needs_review",
            "review_note",
            "reply",
        ]


class CoSignatureDecisionInput(serializers.Serializer):
    reason = _optional_text(2000)


class FeedbackInput(serializers.Serializer):
    result_verdict = serializers.ChoiceField(Verdict.choices)
    work_verdict = serializers.ChoiceField(Verdict.choices)
    remarks = _optional_text(5000)
    given_on = _event_day(
        "反馈日期(纸质反馈表上的日期),不早于答复日期;不满意时重新办理期限自该日起算"
    )


class DecideInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = _optional_text(2000)
    decided_on = _event_day("审核日期,不早于申请日期;新期限(或新交办)自该日起算")


class ReassignmentDecideInput(DecideInput):
    new_unit = _pk(Unit.objects.all(), required=False, allow_null=True)


# --- list filters (query parameters) ---------------------------------------------------------


class SuggestionFilters(serializers.Serializer):
    """The same filters as the staff list page (suggestions.selectors.suggestion_list)."""

    q = _optional_text(100)
    term = _pk(Term.objects.all(), required=False)
    meeting = _pk(Meeting.objects.all(), required=False)
    channel = serializers.ChoiceField(Channel.choices, required=False)
    category = _pk(Category.objects.all(), required=False)
    status = serializers.ChoiceField(Suggestion.Status.choices, required=False)
    unit = _pk(Unit.objects.all(), required=False)
    deputy = _optional_text(50)
    key = serializers.BooleanField(required=False, help_text="仅重点建议")
    overdue = serializers.BooleanField(required=False, help_text="仅有逾期交办的建议")
    ordering = serializers.ChoiceField(
        [(k, v[0]) for k, v in SORTS.items()], required=False, help_text="排序,默认 -number"
    )


def _ordering(*keys):
    return serializers.ChoiceField([k for key in keys for k in (key, "-" + key)], required=False)


class AssignmentFilters(serializers.Serializer):
    suggestion = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    unit = _pk(Unit.objects.all(), required=False)
    state = serializers.ChoiceField(Assignment.State.choices, required=False)
    role = serializers.ChoiceField(Assignment.Role.choices, required=False)
    overdue = serializers.BooleanField(
        required=False, help_text="仅逾期的交办:主办/分办未答复且已过答复期限"
    )
    opinion_overdue = serializers.BooleanField(
        required=False, help_text="仅协办意见逾期的交办(协办单位未提交意见且已过期限)"
    )
    due_soon = serializers.BooleanField(
        required=False, help_text="仅即将到期的交办(未答复,期限在今天起 PORTAL_DUE_SOON_DAYS 日内)"
    )
    ordering = _ordering("deadline", "assigned_on", "id")


class ContactFilters(serializers.Serializer):
    suggestion = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    assignment = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    kind = serializers.ChoiceField(Contact.Kind.choices, required=False)
    ordering = _ordering("contacted_on", "id")


class ReplyFilters(serializers.Serializer):
    suggestion = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    assignment = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    result = serializers.ChoiceField(Reply.Result.choices, required=False)
    is_public = serializers.BooleanField(required=False, allow_null=True, default=None)
    awaiting_feedback = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="是否尚待代表反馈"
    )
    ordering = _ordering("replied_on", "id")


class FeedbackFilters(serializers.Serializer):
    suggestion = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    result_verdict = serializers.ChoiceField(Verdict.choices, required=False)
    ordering = _ordering("given_on", "id")


class RequestFilters(serializers.Serializer):
    state = serializers.ChoiceField(
        ReassignmentRequest._meta.get_field("state").choices, required=False
    )
    ordering = _ordering("requested_on", "id")


class DeputyFilters(serializers.Serializer):
    q = _optional_text(50)
    term = _pk(Term.objects.all(), required=False)
    delegation = _pk(Delegation.objects.all(), required=False)
    ordering = _ordering("name", "id")


class UnitFilters(serializers.Serializer):
    q = _optional_text(100)
    system = serializers.ChoiceField(Unit.System.choices, required=False)
    ordering = _ordering("name", "id")


class CategoryFilters(serializers.Serializer):
    ordering = _ordering("order", "name", "id")


# --- figures ---------------------------------------------------------------------------------


class FiguresQuery(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, validators=[PastDay("统计截至日期")], help_text="截至日期 D,默认为今天"
    )
    term = _pk(Term.objects.all(), required=False)
    meeting = _pk(Meeting.objects.all(), required=False)
    channel = serializers.ChoiceField(Channel.choices, required=False)
    category = _pk(Category.objects.all(), required=False)
    unit = _pk(Unit.objects.all(), required=False)
    system = serializers.ChoiceField(
        Unit.System.choices,
        required=False,
        help_text="承办单位系统:" + "、".join(f"{v} {label}" for v, label in Unit.System.choices),
        error_messages={
            "invalid_choice": "未知的单位系统“{input}”,可选:"
            + "、".join(f"{v}({label})" for v, label in Unit.System.choices)
        },
    )
    key_only = serializers.BooleanField(required=False)

    def validate(self, data):
        data.setdefault("as_of", timezone.localdate())
        return data


class ProvenanceSerializer(serializers.Serializer):
    stored = serializers.BooleanField(help_text="true:来自已存储的统计汇总;false:实时计算")
    at = serializers.DateTimeField(help_text="已存储:汇总截至此时录入的全部变更;实时:计算时间")
    reason = serializers.CharField(help_text="实时计算的原因(已存储时为空)")
    label = serializers.CharField(help_text="页面上显示的说明")


class RateSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="分母为0时为 null"
    )
    display = serializers.CharField(source="__str__", help_text="如 82.6%;分母为0时为 —")


class CategoryShareSerializer(serializers.Serializer):
    category = serializers.CharField(allow_null=True)
    assigned = serializers.IntegerField()
    share = RateSerializer()


class ResultCountsSerializer(serializers.Serializer):
    A = serializers.IntegerField()
    B = serializers.IntegerField()
    C = serializers.IntegerField()
    D = serializers.IntegerField()


class VerdictCountsSerializer(serializers.Serializer):
    satisfied = serializers.IntegerField(help_text="满意")
    basically = serializers.IntegerField(help_text="基本满意")
    dissatisfied = serializers.IntegerField(help_text="不满意")


class ResultSharesSerializer(serializers.Serializer):
    A = RateSerializer()
    B = RateSerializer()
    C = RateSerializer()
    D = RateSerializer()


class FigureCountsSerializer(serializers.Serializer):
    """suggestions.figures.Figures as it is: every count and rate defined there (DESIGN.md §5)."""

    as_of = serializers.DateField()
    submitted = serializers.IntegerField(help_text="提出数")
    assigned = serializers.IntegerField(help_text="交办数")
    replied = serializers.IntegerField(help_text="答复数")
    on_time = serializers.IntegerField(help_text="按期答复数")
    closed = serializers.IntegerField(help_text="办结数")
    overdue = serializers.IntegerField(help_text="逾期数(交办)")
    results = ResultCountsSerializer(help_text="已答复建议按类别")
    with_feedback = serializers.IntegerField()
    verdicts = VerdictCountsSerializer(help_text="最近一次反馈")
    with_first_feedback = serializers.IntegerField()
    first_verdicts = VerdictCountsSerializer(help_text="初次反馈")
    replied_with_feedback = serializers.IntegerField()
    face_to_face = serializers.IntegerField()
    assigned_share = RateSerializer(help_text="交由办理占提出")
    on_time_rate = RateSerializer(help_text="按期答复率")
    completion_rate = RateSerializer(help_text="办结率")
    solved_rate = RateSerializer(help_text="解决率(A类占比)")
    solved_or_solving_rate = RateSerializer(help_text="解决和正在解决率(A+B)")
    result_shares = serializers.SerializerMethodField()
    satisfied_rate = RateSerializer(help_text="满意率")
    basically_satisfied_rate = RateSerializer(help_text="基本满意率")
    content_rate = RateSerializer(help_text="满意和基本满意率")
    first_satisfied_rate = RateSerializer(help_text="初次满意率")
    first_content_rate = RateSerializer(help_text="初次满意和基本满意率")
    feedback_rate = RateSerializer(help_text="反馈率")
    face_to_face_rate = RateSerializer(help_text="面商率")
    by_category = CategoryShareSerializer(many=True)

    @extend_schema_field(ResultSharesSerializer)
    def get_result_shares(self, obj):
        return {x: RateSerializer(obj.result_rate(x)).data for x in ("A", "B", "C", "D")}


class FiguresSerializer(FigureCountsSerializer):
    source = ProvenanceSerializer(help_text="数据来源:已存储的统计汇总或实时计算")


class LowerFiguresQuery(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, validators=[PastDay("统计截至日期")], help_text="截至日期 D,默认为今天"
    )


class CongressBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField(help_text="province 省、city 市、county 县、township 乡镇")
    parent_code = serializers.CharField(source="parent.code", allow_null=True, default=None)


class CongressFiguresSerializer(serializers.Serializer):
    congress = CongressBriefSerializer()
    term = serializers.CharField(source="term.name", allow_null=True, default=None)
    figures = FigureCountsSerializer()
    source = ProvenanceSerializer(
        source="provenance", allow_null=True, help_text="无当前届次时为 null"
    )


class UpwardViewSerializer(serializers.Serializer):
    """下级人大统计: the congress's own figures, each lower congress's and their sums."""

    as_of = serializers.DateField(source="own.figures.as_of")
    own = CongressFiguresSerializer()
    lower = CongressFiguresSerializer(many=True)
    lower_total = FigureCountsSerializer(help_text="下级合计:件数相加,比率按相加后的件数计算")
    total = FigureCountsSerializer(help_text="本级和下级合计")


class UnitFiguresSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    unit_system = serializers.CharField(help_text="单位系统")
    assigned = serializers.IntegerField()
    replied = serializers.IntegerField()
    on_time = serializers.IntegerField()
    overdue = serializers.IntegerField()
    results = ResultCountsSerializer(help_text="已答复的承办任务按类别")
    solved = serializers.IntegerField()
    with_feedback = serializers.IntegerField()
    content = serializers.IntegerField()
    ranked = serializers.BooleanField(help_text="交办数达到排名最低数")
    on_time_rate = RateSerializer()
    solved_rate = RateSerializer()
    content_rate = RateSerializer()
