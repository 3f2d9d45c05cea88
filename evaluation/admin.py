"""The admin shows rounds and their vote counts. Ballots and participations are not
registered at all: the admin offers no list of who voted beside what was voted, and no
page from a verdict to a voter. Writes go through the portal's pages (evaluation.services);
the admin is read-only for a closed round (a database trigger refuses changes as well)."""

from django.contrib import admin

from .models import EvaluationRound, VoteCount


class VoteCountInline(admin.TabularInline):
    model = VoteCount
    extra = 0
    fields = ["unit", "satisfied", "basically", "dissatisfied"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "method", "state", "opened_on", "closed_on"]
    list_filter = ["method", "state", "year"]
    search_fields = ["title"]
    readonly_fields = ["state", "opened_on", "closed_on", "created_by", "voters"]
    filter_horizontal = ["units", "invited"]
    inlines = [VoteCountInline]

    @admin.display(description="已参加人数")
    def voters(self, obj):
        return obj.participations.count() if obj.pk else 0

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_closed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.state != EvaluationRound.State.DRAFT:
            return False
        return super().has_delete_permission(request, obj)
