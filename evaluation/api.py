"""The evaluation API: rounds with participation counts and (closed) results, and the
deputy's ballot. Results are counts per unit; no endpoint lists a ballot or a voter."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import RateSerializer
from suggestions import access

from . import selectors, services


class ResultSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    satisfied = serializers.IntegerField()
    basically = serializers.IntegerField()
    dissatisfied = serializers.IntegerField()
    satisfied_rate = RateSerializer()
    content_rate = RateSerializer(help_text="满意和基本满意率")
    dissatisfied_rate = RateSerializer()
    rank = serializers.IntegerField(allow_null=True)


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    title = serializers.CharField()
    method = serializers.CharField()
    meeting = serializers.CharField()
    state = serializers.CharField()
    opened_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)


class RoundOutputSerializer(RoundSerializer):
    """The shape answered: participation for staff and leaders, results once closed."""

    invited = serializers.IntegerField(required=False, help_text="受邀代表数(工作人员、领导)")
    voted = serializers.IntegerField(required=False, help_text="已参加人数(工作人员、领导)")
    results = ResultSerializer(many=True, required=False, help_text="结束后;承办单位只见本单位")


class BallotInput(serializers.Serializer):
    verdicts = serializers.DictField(
        child=serializers.CharField(), help_text="单位 id → satisfied / basically / dissatisfied"
    )


def _round_data(user, r, *, with_results: bool) -> dict:
    data = RoundSerializer(r).data
    if access.can_see_all(user):
        turnout = selectors.turnout(r)
        data["invited"], data["voted"] = turnout.invited, turnout.voted
    if with_results and r.is_closed:
        results = selectors.results_of([r])[r.pk]
        if not access.can_see_all(user):  # a unit reads its own row only
            results = [x for x in results if x.unit_id == user.unit_id]
        data["results"] = ResultSerializer(results, many=True).data
    return data


@extend_schema(tags=["单位测评"])
class RoundList(APIView):
    @extend_schema(
        summary="测评列表",
        operation_id="evaluation_rounds_list",
        responses=RoundOutputSerializer(many=True),
    )
    def get(self, request):
        rounds = access.evaluation_rounds_visible_to(request.user).order_by("-year", "-id")
        return Response([_round_data(request.user, r, with_results=False) for r in rounds])


@extend_schema(tags=["单位测评"])
class RoundDetail(APIView):
    @extend_schema(
        summary="测评详情与结果(结束后)",
        operation_id="evaluation_round_retrieve",
        responses=RoundOutputSerializer,
    )
    def get(self, request, pk: int):
        r = access.evaluation_round_for_user(request.user, pk)
        return Response(_round_data(request.user, r, with_results=True))


@extend_schema(
    tags=["单位测评"],
    summary="代表网上测评",
    description="受邀代表对每个测评单位作出评价,每人一次;无记名:只记录已参加,评价不与代表关联。",
    request=BallotInput,
    responses={201: inline_serializer("BallotCast", {"voted": serializers.BooleanField()})},
)
class RoundBallot(APIView):
    def post(self, request, pk: int):
        r = access.evaluation_round_for_user(request.user, pk)
        access.invited_deputy(request.user, r)
        serializer = BallotInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        verdicts = serializer.validated_data["verdicts"]
        try:
            verdicts = {int(k): v for k, v in verdicts.items()}
        except ValueError:
            verdicts = {}
        services.ballot_cast(actor=request.user, evaluation_round=r, verdicts=verdicts)
        return Response({"voted": True}, status=status.HTTP_201_CREATED)
