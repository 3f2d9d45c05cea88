from django import forms
from django.contrib import admin

from suggestions.ranges import ColumnRanges

from .models import Delegation, Deputy, Meeting, Term


class MeetingInline(ColumnRanges, admin.TabularInline):
    model = Meeting
    fields = ("number", "name", "start_date", "end_date")
    ordering = ("number",)
    extra = 0


@admin.register(Term)
class TermAdmin(ColumnRanges, admin.ModelAdmin):
    list_display = ("name", "number", "start_date", "end_date", "is_current")
    list_filter = ("is_current",)
    search_fields = ("name",)
    ordering = ("-number",)
    inlines = (MeetingInline,)


@admin.register(Meeting)
class MeetingAdmin(ColumnRanges, admin.ModelAdmin):
    list_display = ("name", "term", "number", "start_date", "end_date")
    list_filter = ("term",)
    list_select_related = ("term",)
    search_fields = ("name", "term__name")
    ordering = ("-term__number", "-number")

    def get_queryset(self, request):
        # Meeting.__str__ reads the term: autocomplete lists need it joined too.
        return super().get_queryset(request).select_related("term")


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("name", "term")
    list_filter = ("term",)
    list_select_related = ("term",)
    search_fields = ("name",)
    ordering = ("-term__number", "name")


class DeputyForm(forms.ModelForm):
    """The admin supplies the model and fields."""

    def clean(self):
        cleaned = super().clean()
        term, delegation = cleaned.get("term"), cleaned.get("delegation")
        if term and delegation and delegation.term_id != term.pk:
            self.add_error("delegation", "所选代表团不属于该届")
        return cleaned


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    form = DeputyForm
    list_display = (
        "name",
        "term",
        "delegation",
        "occupation",
        "phone",
        "identity_confidential",
        "user",
        "is_active",
    )
    list_filter = ("term", "delegation", "identity_confidential", "is_active")
    list_select_related = ("term", "delegation", "user")
    search_fields = ("name", "phone", "occupation")
    ordering = ("-term__number", "name")
    autocomplete_fields = ("user", "delegation")
    fieldsets = (
        (None, {"fields": ("term", "delegation", "name", "gender", "occupation", "group")}),
        ("联系方式", {"fields": ("phone", "email", "address")}),
        ("账户与状态", {"fields": ("user", "identity_confidential", "is_active")}),
    )
