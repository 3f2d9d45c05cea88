"""The account pages of the portal beside Django's login and logout: changing one's password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from .forms import PortalPasswordChangeForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Old password, then the new one twice, checked by AUTH_PASSWORD_VALIDATORS (Chinese
    messages); the session stays logged in and others of the user's sessions end."""

    form_class = PortalPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改,下次登录请使用新密码。")
        return response
