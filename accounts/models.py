from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from congresses.fields import owner
from congresses.managers import ActingCongressManager


class User(AbstractUser):
    """A portal user. Roles are flags because one person may hold several."""

    name = models.CharField("姓名", max_length=50, blank=True)
    # The congress the user acts in now (DESIGN.md §11).
    congress = owner("当前人大")
    is_committee_staff = models.BooleanField("工作人员", default=False)
    is_unit_user = models.BooleanField("承办单位用户", default=False)
    is_deputy = models.BooleanField("代表", default=False)
    is_leader = models.BooleanField("领导", default=False)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # 督查室: sees the government system's assignments read-only and reviews their replies
    # before release (DESIGN.md §8).
    is_inspector = models.BooleanField(
        "督查室", default=False, help_text="只读查看政府系统的交办,审核其答复"
    )
    can_sign_replies = models.BooleanField(
        "可签发答复", default=False, help_text="单位负责人可签发答复函"
    )
    phone = models.CharField("联系电话", max_length=50, blank=True)
    # Text messages (notifications.sms) go only to users who said yes, at a mobile `phone`.
    sms_opt_in = models.BooleanField(
        "接收短信提醒", default=False, help_text="到期提醒和答复通知同时以短信发送到手机号码"
    )
    # The users of the congress acted in, for choice lists (督办领导, token owners); `objects`
    # stays unscoped: a person signs in whichever congress they act in.
    in_congress = ActingCongressManager()

    class Meta:
        default_manager_name = "objects"
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # A unit user without a unit would see nothing, or worse, everything.
            models.CheckConstraint(
                condition=models.Q(is_unit_user=False) | models.Q(unit__isnull=False),
                name="unit_user_has_unit",
            ),
        ]

    def __str__(self):
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def role_labels(self) -> list[str]:
        labels = []
        for flag, label in (
            ("is_committee_staff", "工作人员"),
            ("is_unit_user", "承办单位"),
            ("is_deputy", "代表"),
            ("is_leader", "领导"),
            ("is_inspector", "督查室"),
        ):
            if getattr(self, flag):
                labels.append(label)
        return labels


# The roles a person holds in a congress (DESIGN.md §11). The user row's role fields and unit
# are those of the congress acted in now, so every query and check reads them as before;
# switching stores them here and loads the target congress's (congresses.services).
ROLE_FIELDS = (
    "is_committee_staff",
    "is_unit_user",
    "is_deputy",
    "is_leader",
    "is_inspector",
    "can_sign_replies",
)


class Membership(models.Model):
    """One person's roles in one congress: the one they act in when acting there."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    congress = models.ForeignKey(
        "congresses.Congress",
        verbose_name="人大",
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_committee_staff = models.BooleanField("工作人员", default=False)
    is_unit_user = models.BooleanField("承办单位用户", default=False)
    is_deputy = models.BooleanField("代表", default=False)
    is_leader = models.BooleanField("领导", default=False)
    is_inspector = models.BooleanField("督查室", default=False)
    can_sign_replies = models.BooleanField("可签发答复", default=False)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )

    class Meta:
        verbose_name = "人大职务"
        verbose_name_plural = "人大职务"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "congress"], name="membership_one_per_congress"
            ),
            models.CheckConstraint(
                condition=models.Q(is_unit_user=False) | models.Q(unit__isnull=False),
                name="membership_unit_user_has_unit",
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.congress_id}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.is_unit_user and not self.unit_id:
            raise ValidationError({"unit": "承办单位用户必须选择所属单位"})
        if self.unit_id and self.unit.congress_id != self.congress_id:
            raise ValidationError({"unit": "所属单位不属于该人大"})


class LoginFailure(models.Model):
    """A failed login, kept to lock out password guessing (accounts.services)."""

    username = models.CharField("用户名", max_length=150)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        indexes = [
            # The lockout check: recent failures of one account, and of one address.
            models.Index(fields=["username", "at"], name="loginfailure_username_at_idx"),
            models.Index(fields=["ip", "at"], name="loginfailure_ip_at_idx"),
        ]

    def __str__(self):
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"
