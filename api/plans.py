"""预交办 in the API (DESIGN.md §9): the same gateway (suggestions.access) and the same
services (planning.services) as the pages. Staff create, propose, publish and 交办 plans;
leaders read them; each unit reads and answers its own proposals."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from planning import services
from planning.models import AssignmentPlan, PlanItem, PlanUnit
from suggestions import access
from suggestions.models import Suggestion

from .serializers import (
    PrimaryKeyList,
    RefSerializer,
    SuggestionRefSerializer,
    UserRefSerializer,
    _event_day,
    _units,
)

TAG = ["预交办"]


class PlanUnitSerializer(serializers.ModelSerializer):
    unit = RefSerializer()
    suggestion = SuggestionRefSerializer(source="item.suggestion")
    plan = serializers.IntegerField(source="item.plan_id")
    answer_by = serializers.DateField(source="item.plan.answer_by", allow_null=True)
    answered_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = PlanUnit
        fields = [
            "id",
            "plan",
            "suggestion",
            "unit",
            "role",
            "is_current",
            "decision",
            "reason",
            "answered_by",
            "answered_on",
            "answer_by",
        ]


class PlanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    suggestion = SuggestionRefSerializer()
    units = PlanUnitSerializer(many=True, source="current", help_text="现行方案的拟承办单位")


class PlanSerializer(serializers.ModelSerializer):
    items = PlanItemSerializer(many=True, source="item_rows")

    class Meta:
        model = AssignmentPlan
        fields = ["id", "title", "state", "published_on", "answer_by", "assigned_on", "items"]


class PlanCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    suggestions = PrimaryKeyList(Suggestion.objects.all(), kind="bulk", allow_empty=False)


class PlanUnitsInput(serializers.Serializer):
    units = _units()


class PlanAssignInput(serializers.Serializer):
    assigned_on = _event_day("交办日期")


class PlanAnswerInput(serializers.Serializer):
    decision = serializers.ChoiceField(PlanUnit.Decision.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


_UNITS = PlanUnit.objects.select_related(
    "unit", "answered_by", "item__plan", "item__suggestion"
).order_by(PlanUnit.role_order(), "id")


def _plans(user):
    return access.plans_visible_to(user).prefetch_related(
        Prefetch(
            "items",
            queryset=_item_rows(),
            to_attr="item_rows",
        )
    )


def _item_rows():
    return (
        PlanItem.objects.select_related("suggestion")
        .prefetch_related(
            Prefetch("units", queryset=_UNITS.filter(is_current=True), to_attr="current")
        )
        .order_by("suggestion__number", "id")
    )


def _plan(request, pk, code=200) -> Response:
    plan = access.plan_for_user(request.user, pk, _plans(request.user))
    return Response(PlanSerializer(plan).data, status=code)


@extend_schema(tags=TAG)
class PlanList(generics.ListAPIView):
    """预交办方案:工作人员和领导可见;承办单位只看本单位的拟交办建议(plan-proposals)。"""

    serializer_class = PlanSerializer

    def get_queryset(self):
        return _plans(self.request.user).order_by("-id")

    @extend_schema(
        summary="新建预交办方案", request=PlanCreateInput, responses={201: PlanSerializer}
    )
    def post(self, request):
        access.require_staff(request.user)
        data = _valid(PlanCreateInput, request.data)
        plan = services.plan_create(actor=request.user, **data)
        return _plan(request, plan.pk, 201)


@extend_schema(tags=TAG)
class PlanDetail(APIView):
    @extend_schema(responses=PlanSerializer)
    def get(self, request, pk: int):
        return _plan(request, pk)


def _staff_plan(request, pk) -> AssignmentPlan:
    plan = access.plan_for_user(request.user, pk)
    access.require_staff(request.user)
    return plan


@extend_schema(
    tags=TAG,
    summary="拟定一件建议的承办单位",
    description="与交办相同的规则(一个主办或多个分办,协办可选);已发布的方案可调整。",
    request=PlanUnitsInput,
    responses=PlanSerializer,
)
class PlanItemUnits(APIView):
    def post(self, request, pk: int, item_pk: int):
        plan = _staff_plan(request, pk)
        item = plan.items.filter(pk=item_pk).first()
        if item is None:
            raise Http404("no such item in this plan")
        data = _valid(PlanUnitsInput, request.data)
        units = [(row["unit"], row["role"]) for row in data["units"]]
        services.plan_set_units(actor=request.user, item=item, units=units)
        return _plan(request, pk)


@extend_schema(
    tags=TAG,
    summary="发布方案",
    description="发布后拟承办单位在反馈期(默认3个工作日)内同意或提出异议。",
    request=None,
    responses=PlanSerializer,
)
class PlanPublish(APIView):
    def post(self, request, pk: int):
        services.plan_publish(actor=request.user, plan=_staff_plan(request, pk))
        return _plan(request, pk)


@extend_schema(
    tags=TAG,
    summary="整批交办",
    description="按现行方案一次交办全部建议;任何一件不能交办则全部不交办(409,列出每件的原因)。",
    request=PlanAssignInput,
    responses=PlanSerializer,
)
class PlanAssign(APIView):
    def post(self, request, pk: int):
        plan = _staff_plan(request, pk)
        data = _valid(PlanAssignInput, request.data)
        services.plan_assign(actor=request.user, plan=plan, assigned_on=data.get("assigned_on"))
        return _plan(request, pk)


@extend_schema(tags=TAG)
class PlanProposalList(generics.ListAPIView):
    """拟交办给本单位的建议(承办单位),或全部方案的拟承办单位(工作人员、领导)。"""

    serializer_class = PlanUnitSerializer

    def get_queryset(self):
        return access.plan_units_visible_to(self.request.user, _UNITS).order_by(
            "-item__plan_id", "id"
        )


@extend_schema(
    tags=TAG,
    summary="同意或提出异议",
    description="拟承办单位在反馈期内反馈一次;异议须说明理由;截止后或方案已交办时 409。",
    request=PlanAnswerInput,
    responses=PlanUnitSerializer,
)
class PlanProposalAnswer(APIView):
    def post(self, request, pk: int):
        plan_unit = access.plan_unit_for_user(request.user, pk)
        access.require_unit_of_plan_unit(request.user, plan_unit)
        data = _valid(PlanAnswerInput, request.data)
        services.plan_answer(actor=request.user, plan_unit=plan_unit, **data)
        return Response(PlanUnitSerializer(_UNITS.get(pk=plan_unit.pk)).data)
