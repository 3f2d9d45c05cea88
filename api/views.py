"""The API views. Each one: the access gateway (404 for what the user may not see, 403 for
what they may see but not do), an input serializer, one workflow or service call, and the
object read back in its output shape. Errors take the shape of api.exceptions."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from congresses.models import Congress
from dashboards import selectors as dashboard_selectors
from rollups import selectors as door
from suggestions import access, figures, signing, workflow
from suggestions.models import ExtensionRequest, ReassignmentRequest, ReplyDraft

from . import selectors, serializers, services

S = serializers


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _List(generics.ListAPIView):
    """A list whose query parameters are checked by `filters_class` (400 naming the field)."""

    filters_class = None

    def filters(self) -> dict:
        return _valid(self.filters_class, self.request.query_params)


# --- suggestions -----------------------------------------------------------------------------


def _suggestion(request, pk, code=status.HTTP_200_OK) -> Response:
    data = S.SuggestionSerializer(selectors.suggestion(user=request.user, pk=pk)).data
    return Response(data, status=code)


@extend_schema(tags=["建议"])
class SuggestionList(_List):
    """建议列表:工作人员和领导看全部,承办单位看交办给本单位的,代表看本人领衔或附议的。"""

    serializer_class = S.SuggestionSerializer
    filters_class = S.SuggestionFilters

    def get_queryset(self):
        return selectors.suggestions(user=self.request.user, filters=self.filters())

    @extend_schema(parameters=[S.SuggestionFilters])
    def get(self, request):
        return super().get(request)

    @extend_schema(
        summary="录入建议",
        description="工作人员录入即为已提交(编号);代表只能以本人为领衔代表起草(草稿)。",
        request=S.SuggestionCreateInput,
        responses={201: S.SuggestionSerializer},
    )
    def post(self, request):
        data = _valid(S.SuggestionCreateInput, request.data)
        created = workflow.suggestion_create(actor=request.user, **data)
        return _suggestion(request, created.pk, status.HTTP_201_CREATED)


@extend_schema(tags=["建议"])
class SuggestionDetail(APIView):
    @extend_schema(responses=S.SuggestionSerializer)
    def get(self, request, pk: int):
        return _suggestion(request, pk)

    @extend_schema(
        summary="修改建议",
        description="工作人员修改,或代表修改自己的草稿。须带上所依据的 version。",
        request=S.SuggestionUpdateInput,
        responses=S.SuggestionSerializer,
    )
    def patch(self, request, pk: int):
        suggestion = access.suggestion_for_user(request.user, pk)
        data = dict(_valid(S.SuggestionUpdateInput, request.data))
        version = data.pop("version")
        workflow.suggestion_update(
            actor=request.user, suggestion=suggestion, expected_version=version, changes=data
        )
        return _suggestion(request, pk)


class _SuggestionAction(APIView):
    """POST /suggestions/{id}/<action>/: staff-only unless `staff_only` is False."""

    input_class = None
    staff_only = True

    def post(self, request, pk: int):
        suggestion = access.suggestion_for_user(request.user, pk)
        if self.staff_only:
            access.require_staff(request.user)
        data = _valid(self.input_class, request.data) if self.input_class else {}
        self.act(request.user, suggestion, data)
        return _suggestion(request, pk)


def _action_schema(summary, input_class=None, description=""):
    return extend_schema(
        tags=["建议"],
        summary=summary,
        description=description,
        request=input_class,
        responses=S.SuggestionSerializer,
    )


@_action_schema("提交草稿", description="领衔代表或工作人员。")
class SuggestionSubmit(_SuggestionAction):
    staff_only = False

    def act(self, user, suggestion, data):
        workflow.suggestion_submit(actor=user, suggestion=suggestion)


@_action_schema("撤回", S.WithdrawInput, "领衔代表在立案前撤回;之后由工作人员登记书面撤回。")
class SuggestionWithdraw(_SuggestionAction):
    input_class = S.WithdrawInput
    staff_only = False

    def act(self, user, suggestion, data):
        workflow.suggestion_withdraw(actor=user, suggestion=suggestion, **data)


@_action_schema("立案", S.RegisterInput)
class SuggestionRegister(_SuggestionAction):
    input_class = S.RegisterInput

    def act(self, user, suggestion, data):
        workflow.suggestion_register(actor=user, suggestion=suggestion, **data)


@_action_schema("不予立案", S.RejectInput)
class SuggestionReject(_SuggestionAction):
    input_class = S.RejectInput

    def act(self, user, suggestion, data):
        workflow.suggestion_reject(actor=user, suggestion=suggestion, **data)


@_action_schema("并案", S.MergeInput)
class SuggestionMerge(_SuggestionAction):
    input_class = S.MergeInput

    def act(self, user, suggestion, data):
        workflow.suggestion_merge(actor=user, suggestion=suggestion, **data)


@_action_schema("设为或取消重点建议", S.KeyInput)
class SuggestionKey(_SuggestionAction):
    input_class = S.KeyInput

    def act(self, user, suggestion, data):
        workflow.suggestion_mark_key(actor=user, suggestion=suggestion, **data)


@_action_schema("办结", S.CloseInput)
class SuggestionClose(_SuggestionAction):
    input_class = S.CloseInput

    def act(self, user, suggestion, data):
        workflow.suggestion_close(actor=user, suggestion=suggestion, **data)


@_action_schema(
    "转交下级人大办理(分级处理)",
    S.ForwardInput,
    description="尚未交办的建议转交本级人大的直接下级人大,由其按本级建议立案、交办;"
    "办理结果返回本件的办理过程。",
)
class SuggestionForward(_SuggestionAction):
    input_class = S.ForwardInput

    def act(self, user, suggestion, data):
        workflow.suggestion_forward_down(actor=user, suggestion=suggestion, **data)


@extend_schema(
    tags=["建议"],
    summary="交办",
    description="交给一个或多个承办单位(主办/协办/分办);期限按来源规则计算并遇节假日顺延。",
    request=S.AssignInput,
    responses={201: S.AssignmentSerializer(many=True)},
)
class SuggestionAssign(APIView):
    def post(self, request, pk: int):
        suggestion = access.suggestion_for_user(request.user, pk)
        access.require_staff(request.user)
        data = _valid(S.AssignInput, request.data)
        created = workflow.suggestion_assign(
            actor=request.user,
            suggestion=suggestion,
            units=[(item["unit"], item["role"]) for item in data["units"]],
            assigned_on=data.get("assigned_on"),
        )
        rows = (
            selectors.assignments(user=request.user, filters={})
            .filter(pk__in=[a.pk for a in created])
            .order_by("id")
        )
        return Response(S.AssignmentSerializer(rows, many=True).data, status=201)


@extend_schema(
    tags=["建议"],
    summary="直通车:录入、立案并交办",
    description=(
        "12345热线直通车件一次完成录入、立案和交办(三个工作流步骤在同一事务中),"
        "答复期限按“直通车”规则(默认7日,遇节假日顺延)。工作人员或其令牌。"
    ),
    request=S.ExpressInput,
    responses={
        201: S.SuggestionSerializer,
        200: OpenApiResponse(
            S.SuggestionSerializer, description="该外部编号已录入:返回已有的建议,不再新建"
        ),
    },
)
class SuggestionExpress(APIView):
    def post(self, request):
        access.require_staff(request.user)
        data = dict(_valid(S.ExpressInput, request.data))
        data["units"] = [(item["unit"], item["role"]) for item in data["units"]]
        suggestion, created = services.express_create(actor=request.user, **data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return _suggestion(request, suggestion.pk, code)


# --- assignments -----------------------------------------------------------------------------


@extend_schema(tags=["交办"])
class AssignmentList(_List):
    """交办列表:承办单位只看本单位的。"""

    serializer_class = S.AssignmentSerializer
    filters_class = S.AssignmentFilters

    def get_queryset(self):
        return selectors.assignments(user=self.request.user, filters=self.filters())

    @extend_schema(parameters=[S.AssignmentFilters])
    def get(self, request):
        return super().get(request)


@extend_schema(tags=["交办"])
class AssignmentDetail(APIView):
    @extend_schema(responses=S.AssignmentDetailSerializer)
    def get(self, request, pk: int):
        assignment = selectors.assignment(user=request.user, pk=pk)
        return Response(S.AssignmentDetailSerializer(assignment).data)


class _UnitAction(APIView):
    """POST /assignments/{id}/<action>/: only the assigned unit's users."""

    input_class = None
    output_class = None

    def post(self, request, pk: int):
        assignment = access.assignment_for_user(request.user, pk)
        access.require_unit_of(request.user, assignment)
        data = _valid(self.input_class, request.data) if self.input_class else {}
        result = self.act(request.user, assignment, data)
        return Response(self.output_class(result).data, status=self.status_code)


def _unit_schema(summary, input_class, output_class, code=201, description=""):
    return extend_schema(
        tags=["交办"],
        summary=summary,
        description=description,
        request=input_class,
        responses={code: output_class},
    )


@_unit_schema("签收", S.AcceptInput, S.AssignmentSerializer, 200)
class AssignmentAccept(_UnitAction):
    input_class = S.AcceptInput
    output_class = S.AssignmentSerializer
    status_code = 200

    def act(self, user, assignment, data):
        workflow.assignment_accept(actor=user, assignment=assignment, **data)
        return selectors.assignment(user=user, pk=assignment.pk)


@_unit_schema("申请调整", S.ReassignmentRequestInput, S.ReassignmentRequestSerializer)
class AssignmentRequestReassignment(_UnitAction):
    input_class = S.ReassignmentRequestInput
    output_class = S.ReassignmentRequestSerializer
    status_code = 201

    def act(self, user, assignment, data):
        return workflow.assignment_request_reassignment(actor=user, assignment=assignment, **data)


@_unit_schema("申请延期", S.ExtensionRequestInput, S.ExtensionRequestSerializer)
class AssignmentRequestExtension(_UnitAction):
    input_class = S.ExtensionRequestInput
    output_class = S.ExtensionRequestSerializer
    status_code = 201

    def act(self, user, assignment, data):
        return workflow.assignment_request_extension(actor=user, assignment=assignment, **data)


@_unit_schema("提交协办意见", S.OpinionInput, S.OpinionSerializer)
class AssignmentOpinion(_UnitAction):
    input_class = S.OpinionInput
    output_class = S.OpinionSerializer
    status_code = 201

    def act(self, user, assignment, data):
        return workflow.assignment_send_opinion(actor=user, assignment=assignment, **data)


@extend_schema(
    tags=["交办"],
    summary="豁免协办意见",
    description=(
        "工作人员说明理由后,主办单位可不待该协办单位的意见答复代表;"
        "该协办单位不再有意见期限,也不再收到提醒。只适用于尚未提交意见的在办协办交办。"
    ),
    request=S.OpinionWaiverInput,
    responses={201: S.AssignmentSerializer},
)
class AssignmentOpinionWaiver(APIView):
    def post(self, request, pk: int):
        assignment = access.assignment_for_user(request.user, pk)
        access.require_staff(request.user)
        data = _valid(S.OpinionWaiverInput, request.data)
        workflow.co_opinion_waive(actor=request.user, assignment=assignment, **data)
        row = selectors.assignment(user=request.user, pk=assignment.pk)
        return Response(S.AssignmentSerializer(row).data, status=status.HTTP_201_CREATED)


@_unit_schema("记录沟通(面商)", S.ContactInput, S.ContactSerializer)
class AssignmentContact(_UnitAction):
    input_class = S.ContactInput
    output_class = S.ContactSerializer
    status_code = 201

    def act(self, user, assignment, data):
        return workflow.assignment_record_contact(actor=user, assignment=assignment, **data)


@_unit_schema(
    "起草答复",
    S.ReplyInput,
    S.ReplyDraftSerializer,
    description=(
        "主办或分办单位,签收后。写入(或修改)本交办的答复函草稿,不送达代表:"
        "须由本单位有签发权的用户签发(POST /reply-drafts/{id}/sign/),"
        "需审核的再由工作人员或督查室发布(/release/)后,才成为答复(/replies/)。"
    ),
)
class AssignmentReply(_UnitAction):
    input_class = S.ReplyInput
    output_class = S.ReplyDraftSerializer
    status_code = 201

    def act(self, user, assignment, data):
        return signing.reply_draft_save(actor=user, assignment=assignment, **data)


# --- reply drafts: 签发, review, release (DESIGN.md §8) --------------------------------------


@extend_schema(tags=["答复与反馈"])
class ReplyDraftList(generics.ListAPIView):
    """答复函草稿:本单位的全部草稿;工作人员和督查室看已签发的(待审核、退回、已发布)。"""

    serializer_class = S.ReplyDraftSerializer

    def get_queryset(self):
        return (
            access.drafts_visible_to(self.request.user)
            .select_related("assignment", "signed_by")
            .order_by("id")
        )


def _draft(request, pk):
    return access.draft_for_user(
        request.user, pk, ReplyDraft.objects.select_related("assignment__unit", "signed_by")
    )


def _draft_response(request, pk, code=200) -> Response:
    return Response(S.ReplyDraftSerializer(_draft(request, pk)).data, status=code)


@extend_schema(tags=["答复与反馈"])
class ReplyDraftDetail(APIView):
    @extend_schema(responses=S.ReplyDraftSerializer)
    def get(self, request, pk: int):
        return _draft_response(request, pk)


@extend_schema(
    tags=["答复与反馈"],
    summary="签发答复",
    description="本单位有签发权的用户;取得文号。无须审核的即发布给代表(成为答复)。"
    "无签发权、其他单位为 403,已签发为 409。",
    request=S.SignInput,
    responses={200: S.ReplyDraftSerializer},
)
class ReplyDraftSign(APIView):
    def post(self, request, pk: int):
        draft = _draft(request, pk)
        data = _valid(S.SignInput, request.data)
        signing.reply_sign(actor=request.user, draft=draft, **data)
        return _draft_response(request, pk)


@extend_schema(
    tags=["答复与反馈"],
    summary="审核发布答复",
    description="工作人员,或督查室(政府系统单位);可调整类别(须填理由)。非审核人 403。",
    request=S.ReleaseInput,
    responses={201: S.ReplySerializer},
)
class ReplyDraftRelease(APIView):
    def post(self, request, pk: int):
        draft = _draft(request, pk)
        data = _valid(S.ReleaseInput, request.data)
        reply = signing.reply_release(actor=request.user, draft=draft, **data)
        return Response(
            S.ReplySerializer(selectors.reply(user=request.user, pk=reply.pk)).data, 201
        )


@extend_schema(
    tags=["答复与反馈"],
    summary="退回重办",
    description="工作人员或督查室退回已签发的答复,须填理由;退回的答复不送达代表、不公开。",
    request=S.ReturnInput,
    responses={200: S.ReplyDraftSerializer},
)
class ReplyDraftReturn(APIView):
    def post(self, request, pk: int):
        draft = _draft(request, pk)
        data = _valid(S.ReturnInput, request.data)
        signing.reply_return(actor=request.user, draft=draft, **data)
        return _draft_response(request, pk)


@extend_schema(
    tags=["答复与反馈"],
    summary="确定公开日期",
    description="工作人员;不早于发布日,不晚于最迟公开日期(发布后20个工作日)。",
    request=S.PublishDayInput,
    responses={200: S.ReplySerializer},
)
class ReplyPublishDay(APIView):
    def post(self, request, pk: int):
        reply = selectors.reply(user=request.user, pk=pk)
        data = _valid(S.PublishDayInput, request.data)
        signing.reply_set_publish_day(actor=request.user, reply=reply, **data)
        return Response(S.ReplySerializer(selectors.reply(user=request.user, pk=pk)).data)


# --- replies, contacts, feedback ------------------------------------------------------------


@extend_schema(tags=["答复与反馈"])
class ReplyList(_List):
    serializer_class = S.ReplySerializer
    filters_class = S.ReplyFilters

    def get_queryset(self):
        return selectors.replies(user=self.request.user, filters=self.filters())

    @extend_schema(parameters=[S.ReplyFilters])
    def get(self, request):
        return super().get(request)


@extend_schema(tags=["答复与反馈"])
class ReplyDetail(APIView):
    @extend_schema(responses=S.ReplySerializer)
    def get(self, request, pk: int):
        return Response(S.ReplySerializer(selectors.reply(user=request.user, pk=pk)).data)


@extend_schema(
    tags=["答复与反馈"],
    summary="起草跟踪答复(B类办结后再次答复)",
    description="写入跟踪答复的草稿;与答复一样签发、审核后才替代原答复。",
    request=S.FollowUpInput,
    responses={201: S.ReplyDraftSerializer},
)
class ReplyFollowUp(APIView):
    def post(self, request, pk: int):
        reply = selectors.reply(user=request.user, pk=pk)
        access.require_unit_of(request.user, reply.assignment)
        data = _valid(S.FollowUpInput, request.data)
        draft = signing.reply_follow_up_draft(actor=request.user, reply=reply, **data)
        return _draft_response(request, draft.pk, 201)


@extend_schema(
    tags=["答复与反馈"],
    summary="反馈",
    description="领衔代表对答复的意见;工作人员可根据纸质反馈表代为录入。不满意即重新办理。",
    request=S.FeedbackInput,
    responses={201: S.FeedbackSerializer},
)
class ReplyFeedback(APIView):
    def post(self, request, pk: int):
        reply = selectors.reply(user=request.user, pk=pk)
        data = _valid(S.FeedbackInput, request.data)
        feedback = workflow.feedback_record(actor=request.user, reply=reply, **data)
        row = selectors.feedback(user=request.user, filters={}).get(pk=feedback.pk)
        return Response(S.FeedbackSerializer(row).data, status=201)


@extend_schema(
    tags=["答复与反馈"],
    summary="并案代表反馈",
    description=(
        "建议被并入其他建议办理的领衔代表,对送达本人的答复提出意见(或工作人员代录)。"
        "与领衔代表的反馈并列显示,不计入统计;不满意不启动重新办理。"
    ),
    request=S.FeedbackInput,
    responses={201: S.DeliverySerializer},
)
class DeliveryFeedback(APIView):
    def post(self, request, pk: int):
        delivery = access.delivery_for_user(request.user, pk)
        data = _valid(S.FeedbackInput, request.data)
        done = workflow.delivery_feedback_record(actor=request.user, delivery=delivery, **data)
        return Response(S.DeliverySerializer(done).data, status=201)


class _CoSignatureDecision(APIView):
    def post(self, request, pk: int):
        co_signature = access.co_signature_for_user(request.user, pk)
        data = _valid(S.CoSignatureDecisionInput, request.data)
        decided = self.decide(request.user, co_signature, data)
        decided = type(decided).objects.select_related("deputy").get(pk=decided.pk)
        return Response(S.CoSignatureSerializer(decided).data)


@extend_schema(
    tags=["建议"],
    summary="确认附议",
    description="被列为附议代表的本人在线确认,或工作人员据纸质件代为确认。",
    request=S.CoSignatureDecisionInput,
    responses=S.CoSignatureSerializer,
)
class CoSignatureConfirm(_CoSignatureDecision):
    def decide(self, user, co_signature, data):
        return workflow.co_signature_confirm(actor=user, co_signature=co_signature)


@extend_schema(
    tags=["建议"],
    summary="拒绝附议",
    description="被列为附议代表的本人表示未曾附议:不再计为附议代表。",
    request=S.CoSignatureDecisionInput,
    responses=S.CoSignatureSerializer,
)
class CoSignatureDecline(_CoSignatureDecision):
    def decide(self, user, co_signature, data):
        return workflow.co_signature_decline(actor=user, co_signature=co_signature, **data)


@extend_schema(tags=["答复与反馈"], parameters=[S.FeedbackFilters])
class FeedbackList(_List):
    serializer_class = S.FeedbackSerializer
    filters_class = S.FeedbackFilters

    def get_queryset(self):
        return selectors.feedback(user=self.request.user, filters=self.filters())


@extend_schema(tags=["交办"], parameters=[S.ContactFilters])
class ContactList(_List):
    serializer_class = S.ContactSerializer
    filters_class = S.ContactFilters

    def get_queryset(self):
        return selectors.contacts(user=self.request.user, filters=self.filters())


# --- unit requests ---------------------------------------------------------------------------


@extend_schema(tags=["申请"], parameters=[S.RequestFilters])
class ReassignmentRequestList(_List):
    serializer_class = S.ReassignmentRequestSerializer
    filters_class = S.RequestFilters

    def get_queryset(self):
        return selectors.unit_requests(
            user=self.request.user, model=ReassignmentRequest, filters=self.filters()
        )


@extend_schema(tags=["申请"], parameters=[S.RequestFilters])
class ExtensionRequestList(_List):
    serializer_class = S.ExtensionRequestSerializer
    filters_class = S.RequestFilters

    def get_queryset(self):
        return selectors.unit_requests(
            user=self.request.user, model=ExtensionRequest, filters=self.filters()
        )


@extend_schema(
    tags=["申请"],
    summary="审核调整申请",
    description="同意则原交办终止、新单位重新计算期限;不同意须填写审核意见。",
    request=S.ReassignmentDecideInput,
    responses=S.ReassignmentRequestSerializer,
)
class ReassignmentDecide(APIView):
    def post(self, request, pk: int):
        row = selectors.unit_request(user=request.user, model=ReassignmentRequest, pk=pk)
        access.require_staff(request.user)
        data = _valid(S.ReassignmentDecideInput, request.data)
        workflow.reassignment_decide(actor=request.user, request=row, **data)
        row = selectors.unit_request(user=request.user, model=ReassignmentRequest, pk=pk)
        return Response(S.ReassignmentRequestSerializer(row).data)


@extend_schema(
    tags=["申请"],
    summary="审核延期申请",
    request=S.DecideInput,
    responses=S.ExtensionRequestSerializer,
)
class ExtensionDecide(APIView):
    def post(self, request, pk: int):
        row = selectors.unit_request(user=request.user, model=ExtensionRequest, pk=pk)
        access.require_staff(request.user)
        data = _valid(S.DecideInput, request.data)
        workflow.extension_decide(actor=request.user, request=row, **data)
        row = selectors.unit_request(user=request.user, model=ExtensionRequest, pk=pk)
        return Response(S.ExtensionRequestSerializer(row).data)


# --- master data -----------------------------------------------------------------------------


@extend_schema(tags=["基础数据"], parameters=[S.DeputyFilters])
class DeputyList(_List):
    """代表。联系电话、电子邮箱、通讯地址只对工作人员、代表本人和办理其领衔建议的承办单位提供。"""

    serializer_class = S.DeputyWithContactSerializer
    filters_class = S.DeputyFilters

    def get_queryset(self):
        return selectors.deputies(user=self.request.user, filters=self.filters())


@extend_schema(tags=["基础数据"])
class DeputyDetail(APIView):
    @extend_schema(
        responses=S.DeputyWithContactSerializer,
        description="联系电话、电子邮箱、通讯地址只对工作人员、代表本人和办理其领衔建议的承办单位提供。",
    )
    def get(self, request, pk: int):
        deputy = selectors.get_or_404(selectors.deputies(user=request.user, filters={}), pk)
        return Response(S.DeputyWithContactSerializer(deputy).data)


@extend_schema(tags=["基础数据"], parameters=[S.UnitFilters])
class UnitList(_List):
    serializer_class = S.UnitSerializer
    filters_class = S.UnitFilters

    def get_queryset(self):
        return selectors.units(filters=self.filters())


@extend_schema(tags=["基础数据"])
class UnitDetail(APIView):
    @extend_schema(responses=S.UnitSerializer)
    def get(self, request, pk: int):
        unit = selectors.get_or_404(selectors.units(filters={}), pk)
        return Response(S.UnitSerializer(unit).data)


@extend_schema(tags=["基础数据"], parameters=[S.CategoryFilters])
class CategoryList(_List):
    serializer_class = S.CategorySerializer
    filters_class = S.CategoryFilters

    def get_queryset(self):
        return selectors.categories(filters=self.filters())


# --- figures ---------------------------------------------------------------------------------


def _scope(data) -> figures.Scope:
    return figures.Scope(
        term=data.get("term"),
        meeting=data.get("meeting"),
        channel=data.get("channel") or None,
        category=data.get("category"),
        unit=data.get("unit"),
        key_only=bool(data.get("key_only")),
        system=data.get("system") or None,
    )


class _FigureSource:
    """A door `FigureSet` read as the Figures the serializer shows, plus its provenance."""

    def __init__(self, found):
        self._figures = found.figures
        self.source = found.provenance

    def __getattr__(self, name):
        return getattr(self._figures, name)


@extend_schema(
    tags=["统计"],
    summary="办理统计(DESIGN.md §5 的全部指标)",
    description="工作人员和领导。按范围和截至日期,与页面、报表同一定义、同一来源:"
    "该日完整且未过期的已存储统计汇总,否则实时计算(见 source)。",
    parameters=[S.FiguresQuery],
    responses=S.FiguresSerializer,
)
class Figures(APIView):
    def get(self, request):
        access.require_overview(request.user)
        data = _valid(S.FiguresQuery, request.query_params)
        scope = _scope(data)
        found = door.figure_set(scope=scope, as_of=data["as_of"])
        payload = S.FiguresSerializer(_FigureSource(found)).data
        # 承诺兑现率 (DESIGN.md §10), beside the §5 figures.
        rate = figures.commitment_fulfilment(as_of=data["as_of"], scope=scope)
        payload["commitment_fulfilment"] = S.RateSerializer(rate).data
        return Response(payload)


@extend_schema(
    tags=["统计"],
    summary="下级人大统计",
    description="工作人员和领导。本级和每个下级人大(各按其当前届次)截至 D 的全部指标,与页面"
    "同一定义;合计由件数相加后重新计算比率。不含任何代表信息。",
    parameters=[S.LowerFiguresQuery],
    responses=S.UpwardViewSerializer,
)
class LowerFigures(APIView):
    def get(self, request):
        access.require_overview(request.user)
        data = _valid(S.LowerFiguresQuery, request.query_params)
        as_of = data.get("as_of") or timezone.localdate()
        # The user's congress: a token's own, whichever congress its owner acts in now.
        congress = Congress.objects.get(pk=request.user.congress_id)
        view = dashboard_selectors.upward_view(congress=congress, as_of=as_of)
        return Response(S.UpwardViewSerializer(view).data)


@extend_schema(
    tags=["统计"],
    summary="承办单位统计",
    description="每个承办单位一行,按排名顺序(与页面同一排序):交办数不足排名最低数的单位 "
    "ranked=false,按名称排在后面。响应头 X-Figures-Source 为 stored(已存储的统计汇总)或 live"
    "(实时计算)。",
    parameters=[S.FiguresQuery],
    responses=S.UnitFiguresSerializer(many=True),
)
class UnitFigures(APIView):
    def get(self, request):
        access.require_overview(request.user)
        data = _valid(S.FiguresQuery, request.query_params)
        scope = _scope(data)
        found = door.figure_set(scope=scope, as_of=data["as_of"], units=True)
        rows = S.UnitFiguresSerializer(found.units, many=True).data
        rates = figures.commitment_fulfilment_by_unit(as_of=data["as_of"], scope=scope)
        for row in rows:
            rate = rates.get(row["unit_id"], figures.Rate(0, 0))
            row["commitment_fulfilment"] = S.RateSerializer(rate).data
        response = Response(rows)
        response["X-Figures-Source"] = "stored" if found.provenance.stored else "live"
        return response
