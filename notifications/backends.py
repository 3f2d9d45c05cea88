from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Notification


class ModelBackendWithUnreadCount(ModelBackend):
    """Django's ModelBackend, but the user of each request comes with the unread count of
    their inbox in the same query: the nav badge on every page costs no query of its own."""

    def get_user(self, user_id):
        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
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
