"""The ledger in the admin, read-only: units write through their pages (commitments.services)."""

from django.contrib import admin

from .models import Commitment, CommitmentNote, Evidence


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoteInline(_ReadOnly, admin.TabularInline):
    model = CommitmentNote
    extra = 0
    fields = ["noted_on", "text", "created_by"]
    readonly_fields = fields


class EvidenceInline(_ReadOnly, admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["name", "kind", "size"]
    readonly_fields = fields


@admin.register(Commitment)
class CommitmentAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["what", "due_on", "responsible", "completed_on", "entered_on"]
    list_filter = ["due_on", "completed_on"]
    search_fields = ["what", "responsible"]
    list_select_related = ["reply"]
    inlines = [NoteInline, EvidenceInline]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
