from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import LoginFailure, Membership, User

ROLE_FIELDS = ("is_committee_staff", "is_unit_user", "is_deputy", "is_leader", "is_inspector")


class UnitUserNeedsUnit:
    """The model's check constraint, said in Chinese and on the field that is missing."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_unit_user") and not cleaned.get("unit"):
            self.add_error("unit", "承办单位用户必须选择所属单位")
        return cleaned


class PortalUserChangeForm(UnitUserNeedsUnit, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class PortalUserCreationForm(UnitUserNeedsUnit, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User


class MembershipInline(admin.TabularInline):
    """Roles in other congresses (DESIGN.md §11). The roles above are those of the congress the
    user acts in now; switching stores them here and loads the target congress's."""

    model = Membership
    extra = 0
    fields = ("congress", *ROLE_FIELDS, "can_sign_replies", "unit")
    verbose_name = "在其他人大的职务"
    verbose_name_plural = "在其他人大的职务(当前人大的职务以上方“角色与单位”为准)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            # Any congress's units: the scoped default manager would offer only the admin's own.
            from units.models import Unit

            kwargs["queryset"] = Unit._base_manager.order_by("congress_id", "name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = (MembershipInline,)
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "email", "phone", "sms_opt_in")}),
        ("角色与单位", {"fields": (*ROLE_FIELDS, "unit", "can_sign_replies")}),
        (
            "后台权限",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        ("个人信息", {"classes": ("wide",), "fields": ("name", "email", "phone")}),
        (
            "角色与单位",
            {"classes": ("wide",), "fields": (*ROLE_FIELDS, "unit", "can_sign_replies")},
        ),
    )
    list_display = ("username", "name", "roles", "unit", "email", "is_staff", "is_active")
    list_filter = (
        *ROLE_FIELDS,
        "unit",
        "can_sign_replies",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    list_select_related = ("unit",)
    search_fields = ("username", "name", "email")
    ordering = ("username",)
    autocomplete_fields = ("unit",)

    @admin.display(description="角色")
    def roles(self, obj):
        return "、".join(obj.role_labels) or "—"


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Recent wrong passwords. Deleting an account's rows lifts its lockout at once."""

    list_display = ("username", "ip", "at")
    search_fields = ("username", "ip")
    list_filter = ("at",)
    readonly_fields = ("username", "ip", "at")

    def has_add_permission(self, request):
        return False
