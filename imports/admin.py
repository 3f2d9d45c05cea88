from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are created and run from the import pages."""

    list_display = ["created_at", "kind", "original_name", "state", "total_rows", "created_by"]
    list_filter = ["kind", "state"]
    list_select_related = ["created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
