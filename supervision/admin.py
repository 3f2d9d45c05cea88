"""Committees are master data (admin); topics and actions are kept in the portal's pages,
so the admin shows them read-only (their rules live in supervision.services)."""

from django.contrib import admin

from .models import Acknowledgement, Committee, KeyTopic, SupervisionAction


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KeyTopic)
class KeyTopicAdmin(_ReadOnly):
    list_display = ["title", "year", "committee", "state", "closed_on"]
    list_filter = ["year", "state"]
    search_fields = ["title"]


@admin.register(SupervisionAction)
class SupervisionActionAdmin(_ReadOnly):
    list_display = ["kind", "happened_on", "actor", "topic", "suggestion"]
    list_filter = ["kind"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(_ReadOnly):
    list_display = ["action", "assignment", "due_on", "acknowledged_on"]
