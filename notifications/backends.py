from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Notification


class ModelBackendWithUnreadCount(ModelBackend):
    """Django's ModelBackend, but the user of each request comes with the unread count of
    their inbox in the same query: the nav badge on every page costs no query of its own."""

    def get_user(self, user_id):
        # The user's current congress's inbox, the one the request then acts in
        # (congresses.middleware reads the user before it acts in any congress).
        unread = (
            Notification._base_manager.filter(
                recipient=OuterRef("pk"), congress_id=OuterRef("congress_id"), read_at__isnull=True
            )
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        try:
            user = (
                get_user_model()
                ._default_manager.annotate(
                    unread_notifications_count=Coalesce(
                        Subquery(unread, output_field=IntegerField()), Value(0)
                    )
                )
                .get(pk=user_id)
            )
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """As ModelBackend's, in one query rather than two (the user's own permissions, then
        their groups'): the list page asks on every view whether staff may export names."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                perms = perms.filter(Q(user=user_obj) | Q(group__user=user_obj))
            names = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in names}
        return user_obj._perm_cache
