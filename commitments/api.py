"""The ledger API: the commitments the user may see (a unit its own), with their state."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from suggestions import access, dates


class CommitmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reply = serializers.IntegerField(source="reply_id")
    assignment = serializers.IntegerField(source="reply.assignment_id")
    unit = serializers.IntegerField(source="reply.assignment.unit_id")
    what = serializers.CharField()
    due_on = serializers.DateField()
    responsible = serializers.CharField()
    completed_on = serializers.DateField(allow_null=True)
    status = serializers.SerializerMethodField()

    def get_status(self, obj) -> str:
        return obj.status(dates.today())


@extend_schema(tags=["承诺事项"], summary="承诺事项台账", responses=CommitmentSerializer(many=True))
class CommitmentList(APIView):
    def get(self, request):
        access.require_ledger(request.user)
        qs = access.commitments_visible_to(request.user).select_related("reply__assignment")
        return Response(CommitmentSerializer(qs.order_by("due_on", "id")[:1000], many=True).data)
