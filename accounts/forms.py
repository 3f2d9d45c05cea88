"""The login forms of the portal and the admin, with the lockout of accounts.services, and the
password change form."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils import timezone

from . import services


class LockoutMixin:
    """Refuse a locked account or address before checking the password; count failures."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = services.client_ip(self.request) if self.request else None
        until = services.login_locked_until(username=username, ip=ip)
        if until is not None:
            raise forms.ValidationError(
                "登录失败次数过多,已暂时锁定。请于 %(until)s 后再试,或联系管理员。",
                code="locked",
                params={"until": timezone.localtime(until).strftime("%H:%M")},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failed(username=username, ip=ip)
            raise
        services.login_succeeded(username=username)
        return cleaned


class PortalLoginForm(LockoutMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确,请重新输入。",
        "inactive": "该账户已停用,请联系管理员。",
    }


class PortalAdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    pass


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's form; the rules (accounts.validators and settings) shown as one line of text.

    A wrong old password is a failed login: otherwise a stolen session could guess the
    password here without ever meeting the lockout."""

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = "".join(password_validators_help_texts())

    def clean_old_password(self):
        username = self.user.get_username()
        ip = services.client_ip(self.request) if self.request else None
        until = services.login_locked_until(username=username, ip=ip)
        if until is not None:
            raise forms.ValidationError(
                "密码错误次数过多,已暂时锁定。请于 %(until)s 后再试,或联系管理员。",
                code="locked",
                params={"until": timezone.localtime(until).strftime("%H:%M")},
            )
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            services.login_failed(username=username, ip=ip)
            raise


class SmsSettingsForm(forms.Form):
    """A user's own mobile number and whether reminders and reply notices also come by SMS."""

    phone = forms.CharField(
        label="手机号码", max_length=20, required=False, help_text="中国大陆手机号码,11位"
    )
    sms_opt_in = forms.BooleanField(label="接收短信提醒(到期提醒、答复送达通知)", required=False)

    def clean(self):
        from notifications.sms import normalise_phone

        data = super().clean()
        phone = (data.get("phone") or "").strip()
        if phone and not normalise_phone(phone):
            self.add_error("phone", "请输入正确的11位手机号码")
        elif data.get("sms_opt_in") and not phone:
            self.add_error("phone", "接收短信提醒需要填写手机号码")
        data["phone"] = normalise_phone(phone) or phone
        return data
