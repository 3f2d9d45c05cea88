"""The supervision API (/api/v1/topics/, /api/v1/supervision-actions/): reads for whoever
may see (supervision.access), creation for staff (topics) and for leaders and committee
staff (actions), a unit's acknowledgement. Refusals are the workflow's errors, so they take
the API's one error shape (api.exceptions: 403 NotPermitted, 409 InvalidTransition)."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import RefSerializer, SuggestionRefSerializer, UserRefSerializer
from deputies.models import Term
from suggestions import access
from suggestions.models import Suggestion
from units.models import Unit

from . import access as supervision_access
from . import services
from .models import (
    Acknowledgement,
    ActionKind,
    Committee,
    KeyTopic,
    Milestone,
    MilestoneKind,
    SupervisionAction,
)

TAGS = ["督办"]


# --- shapes ----------------------------------------------------------------------------------


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "kind", "planned_on", "done_on", "note"]


class TopicSerializer(serializers.ModelSerializer):
    term = RefSerializer()
    committee = RefSerializer(allow_null=True)
    leaders = UserRefSerializer(many=True)
    lead_unit = RefSerializer(allow_null=True)
    co_units = RefSerializer(many=True)
    milestones = MilestoneSerializer(many=True)
    suggestions = serializers.SerializerMethodField()

    class Meta:
        model = KeyTopic
        fields = [
            "id",
            "year",
            "term",
            "title",
            "description",
            "committee",
            "leaders",
            "lead_unit",
            "co_units",
            "state",
            "closed_on",
            "closing_summary",
            "milestones",
            "suggestions",
        ]

    @extend_schema_field(SuggestionRefSerializer(many=True))
    def get_suggestions(self, topic) -> list[dict]:
        # Prefetched as the user may see them (topic_queryset).
        return SuggestionRefSerializer(topic.visible_suggestions, many=True).data


class AcknowledgementSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="assignment.unit.name")

    class Meta:
        model = Acknowledgement
        fields = ["id", "assignment", "unit", "due_on", "acknowledged_on", "note"]


class ActionSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer()
    suggestions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    acknowledgements = AcknowledgementSerializer(many=True)

    class Meta:
        model = SupervisionAction
        fields = [
            "id",
            "kind",
            "topic",
            "suggestion",
            "suggestions",
            "content",
            "happened_on",
            "participants",
            "actor",
            "acknowledgements",
        ]


class TopicCreateInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    term = serializers.PrimaryKeyRelatedField(queryset=Term.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    committee = serializers.PrimaryKeyRelatedField(
        queryset=Committee.objects.all(), required=False, allow_null=True, default=None
    )
    leaders = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), many=True)
    suggestions = serializers.PrimaryKeyRelatedField(
        queryset=Suggestion.objects.all(), many=True, required=False, default=list
    )
    lead_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, default=None
    )
    co_units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), many=True, required=False, default=list
    )

    def validate_suggestions(self, value):
        if len(value) > services.MAX_TOPIC_SUGGESTIONS:
            raise serializers.ValidationError(
                f"一个专题最多包含{services.MAX_TOPIC_SUGGESTIONS}件建议"
            )
        return value


class ActionCreateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    topic = serializers.IntegerField(required=False, allow_null=True, default=None)
    suggestion = serializers.IntegerField(required=False, allow_null=True, default=None)
    content = serializers.CharField(max_length=5000)
    happened_on = serializers.DateField(required=False, allow_null=True, default=None)
    participants = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


class MilestoneInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    planned_on = serializers.DateField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AcknowledgeInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    acknowledged_on = serializers.DateField(required=False, allow_null=True, default=None)


class ActionFilters(serializers.Serializer):
    topic = serializers.IntegerField(required=False, min_value=1, max_value=2147483647)
    suggestion = serializers.IntegerField(required=False, min_value=1, max_value=2147483647)
    kind = serializers.ChoiceField(choices=ActionKind.choices, required=False)


# --- reads -----------------------------------------------------------------------------------


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def topic_queryset(user):
    return (
        supervision_access.topics_visible_to(user)
        .select_related("term", "committee", "lead_unit")
        .prefetch_related(
            "leaders",
            "co_units",
            Prefetch("milestones", queryset=Milestone.objects.order_by("planned_on", "id")),
            Prefetch(
                "suggestions",
                queryset=access.suggestions_visible_to(user).order_by("number", "id"),
                to_attr="visible_suggestions",
            ),
        )
        .order_by("-year", "id")
    )


def action_queryset(user):
    return (
        supervision_access.actions_visible_to(user)
        .select_related("actor")
        .prefetch_related(
            # Only the suggestions the user may see of those the action concerns.
            Prefetch("suggestions", queryset=access.suggestions_visible_to(user)),
            Prefetch(
                "acknowledgements",
                queryset=Acknowledgement.objects.filter(
                    assignment__in=access.assignments_visible_to(user).values("pk")
                )
                .select_related("assignment__unit")
                .order_by("id"),
            ),
        )
        .order_by("-happened_on", "-id")
    )


def _topic(request, pk, code=status.HTTP_200_OK) -> Response:
    topic = supervision_access.topic_for_user(request.user, pk, topic_queryset(request.user))
    return Response(TopicSerializer(topic).data, status=code)


@extend_schema(tags=TAGS)
class TopicList(generics.ListAPIView):
    """重点督办专题:工作人员和领导看全部;承办单位、代表看包含本单位交办或本人建议的专题(只列出其可见的建议)。"""

    serializer_class = TopicSerializer

    def get_queryset(self):
        return topic_queryset(self.request.user)

    @extend_schema(
        summary="新建重点督办专题(工作人员)",
        request=TopicCreateInput,
        responses={201: TopicSerializer},
    )
    def post(self, request):
        data = _valid(TopicCreateInput, request.data)
        topic = services.topic_create(actor=request.user, **data)
        return _topic(request, topic.pk, status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class TopicDetail(APIView):
    @extend_schema(responses=TopicSerializer)
    def get(self, request, pk: int):
        return _topic(request, pk)


@extend_schema(tags=TAGS)
class TopicMilestone(APIView):
    @extend_schema(
        summary="添加工作环节(工作人员)", request=MilestoneInput, responses={201: TopicSerializer}
    )
    def post(self, request, pk: int):
        topic = supervision_access.topic_for_user(request.user, pk)
        data = _valid(MilestoneInput, request.data)
        services.milestone_add(actor=request.user, topic=topic, **data)
        return _topic(request, pk, status.HTTP_201_CREATED)


@extend_schema(tags=TAGS, parameters=[ActionFilters])
class ActionList(generics.ListAPIView):
    """督办意见、催办、视察座谈:工作人员和领导看全部,其他人看涉及其可见建议的记录。"""

    serializer_class = ActionSerializer

    def get_queryset(self):
        filters = _valid(ActionFilters, self.request.query_params)
        qs = action_queryset(self.request.user)
        if "topic" in filters:
            qs = qs.filter(topic_id=filters["topic"])
        if "suggestion" in filters:
            qs = qs.filter(suggestions=filters["suggestion"])
        if "kind" in filters:
            qs = qs.filter(kind=filters["kind"])
        return qs

    @extend_schema(
        summary="督办、催办或记录视察座谈(领导、工作人员)",
        description="topic 与 suggestion 二选一。督办意见须由各承办单位签收。",
        request=ActionCreateInput,
        responses={201: ActionSerializer},
    )
    def post(self, request):
        data = _valid(ActionCreateInput, request.data)
        topic_id, suggestion_id = data.pop("topic"), data.pop("suggestion")
        topic = supervision_access.topic_for_user(request.user, topic_id) if topic_id else None
        suggestion = (
            access.suggestion_for_user(request.user, suggestion_id) if suggestion_id else None
        )
        action = services.action_record(
            actor=request.user, topic=topic, suggestion=suggestion, **data
        )
        row = action_queryset(request.user).get(pk=action.pk)
        return Response(ActionSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class ActionDetail(APIView):
    @extend_schema(responses=ActionSerializer)
    def get(self, request, pk: int):
        row = supervision_access.action_for_user(request.user, pk, action_queryset(request.user))
        return Response(ActionSerializer(row).data)


@extend_schema(tags=TAGS)
class Acknowledge(APIView):
    @extend_schema(
        summary="签收督办意见(承办单位)",
        request=AcknowledgeInput,
        responses=AcknowledgementSerializer,
    )
    def post(self, request, pk: int):
        ack = supervision_access.acknowledgement_for_user(request.user, pk)
        data = _valid(AcknowledgeInput, request.data)
        ack = services.instruction_acknowledge(actor=request.user, acknowledgement=ack, **data)
        ack = Acknowledgement.objects.select_related("assignment__unit").get(pk=ack.pk)
        return Response(AcknowledgementSerializer(ack).data)
