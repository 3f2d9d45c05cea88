from django.contrib import admin

from .models import Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "short_name",
        "system",
        "parent",
        "contact_person",
        "contact_phone",
        "is_active",
    )
    list_filter = ("system", "is_active")
    list_select_related = ("parent",)
    search_fields = ("name", "short_name")
    ordering = ("system", "name")
    autocomplete_fields = ("parent",)
    fieldsets = (
        (None, {"fields": ("name", "short_name", "system", "parent", "is_active")}),
        ("答复函", {"fields": ("doc_number_pattern",)}),
        ("联系方式", {"fields": ("contact_person", "contact_phone", "email")}),
    )
