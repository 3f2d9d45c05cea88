"""The account pages of the portal beside Django's login and logout: changing one's password
and one's SMS settings."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from . import services
from .forms import PortalPasswordChangeForm, SmsSettingsForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Old password, then the new one twice, checked by AUTH_PASSWORD_VALIDATORS (Chinese
    messages); the session stays logged in and others of the user's sessions end."""

    form_class = PortalPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改,下次登录请使用新密码。")
        return response


@login_required
def sms_settings(request):
    user = request.user
    initial = {"phone": user.phone, "sms_opt_in": user.sms_opt_in}
    form = SmsSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        services.user_set_sms(
            user=user, phone=form.cleaned_data["phone"], sms_opt_in=form.cleaned_data["sms_opt_in"]
        )
        messages.success(request, "短信提醒设置已保存。")
        return redirect("sms_settings")
    return render(request, "accounts/sms_settings.html", {"form": form})
