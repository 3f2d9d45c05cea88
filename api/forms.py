from django import forms

from accounts.models import User


class TokenIssueForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="如:12345热线直通车")
    owner = forms.ModelChoiceField(
        User.in_congress.filter(is_active=True).order_by("username"),
        label="所属用户",
        help_text="令牌以该用户的身份和权限访问接口;直通车等录入接口需工作人员账户",
    )
