from django.contrib import admin

from .models import Congress


@admin.register(Congress)
class CongressAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code"]
