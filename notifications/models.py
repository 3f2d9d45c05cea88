"""The in-portal inbox and the record of every deadline reminder (DESIGN.md §4).

`ReminderDelivery` is both the claim and the log: its unique (assignment, kind, deadline)
makes a reminder happen at most once however often or concurrently the job runs, and its
state says whether the e-mail went out.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from congresses.fields import owner
from congresses.managers import ActingCongressManager


class Notification(models.Model):
    """One message in one user's inbox, in the congress it is about: the inbox lists the
    congress acted in only."""

    congress = owner()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=40)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    suggestion = models.ForeignKey(
        "suggestions.Suggestion",
        verbose_name="建议",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    assignment = models.ForeignKey(
        "suggestions.Assignment",
        verbose_name="交办",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", default=timezone.now, editable=False)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox page: a user's notifications, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The unread count in the nav, on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ReminderKind(models.TextChoices):
    # Before the deadline, to the unit (the offsets are settings.PORTAL REMINDER_DAYS_BEFORE).
    BEFORE = "before", "到期前提醒"
    # The day after the deadline and then weekly, to the unit; `week` numbers them.
    OVERDUE = "overdue", "逾期提醒"
    # Overdue beyond the threshold: to the supervising leader and to staff.
    ESCALATION = "escalation", "逾期督办"
    # A leader's 督办意见 the unit has not acknowledged in time (supervision), once.
    INSTRUCTION = "instruction", "督办意见签收提醒"


# A co-handler's ladder on its opinion deadline has the same stages under this prefix
# ("opinion_before:14", "opinion_overdue:0", "opinion_escalation"): its lateness is
# 协办意见逾期, never 逾期, in the log as everywhere else.
OPINION_PREFIX = "opinion_"


def split_kind(kind: str) -> tuple[str, str, bool]:
    """A stage such as "opinion_overdue:2" → ("overdue", "2", True): the ReminderKind, its
    number (days before, or week overdue; "" for escalation), and whether it is a
    co-handler's opinion reminder."""
    opinion = kind.startswith(OPINION_PREFIX)
    stage, _, number = kind.removeprefix(OPINION_PREFIX).partition(":")
    return stage, number, opinion


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class ReminderDelivery(models.Model):
    """One reminder for one assignment, kind and deadline: claimed by inserting this row.
    Its congress is the assignment's suggestion's."""

    Kind = ReminderKind
    State = DeliveryState

    congress = owner()
    assignment = models.ForeignKey(
        "suggestions.Assignment",
        verbose_name="交办",
        on_delete=models.CASCADE,
        related_name="reminder_deliveries",
    )
    # A stage such as "before:14", "overdue:2" or "escalation", "opinion_"-prefixed for a
    # co-handler's opinion deadline (see notifications.reminders).
    kind = models.CharField("提醒类型", max_length=30)
    deadline = models.DateField("答复期限")
    due_on = models.DateField("提醒日期")
    recipients = models.JSONField("收件人", default=list)  # [[user id, e-mail], …]
    state = models.CharField(
        "状态", max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    # An e-mail attempt owns the row until this time; a worker that died releases it by expiry.
    sending_until = models.DateTimeField("发送占用至", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次重试", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "提醒发送记录"
        verbose_name_plural = "提醒发送记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "deadline"], name="reminder_once_per_deadline"
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="reminderdelivery_state_valid"
            ),
        ]
        indexes = [
            # The reminder job's sweep of e-mails still to send.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="reminder_pending_idx",
            ),
            # The staff page, newest first, optionally by state.
            models.Index(fields=["state", "-created_at"], name="reminder_state_created_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.deadline:%Y-%m-%d}"

    @property
    def kind_label(self) -> str:
        stage, number, opinion = split_kind(self.kind)
        what = "协办意见" if opinion else ""
        if stage == ReminderKind.BEFORE:
            return f"{what}到期前{number}天提醒"
        if stage == ReminderKind.OVERDUE:
            return f"{what}逾期提醒" if number == "0" else f"{what}逾期第{number}周提醒"
        if stage == ReminderKind.INSTRUCTION:
            return ReminderKind.INSTRUCTION.label
        return what + ReminderKind.ESCALATION.label


class SmsMessage(models.Model):
    """One text message to one phone (notifications.sms): the outbox row and its record."""

    State = DeliveryState

    congress = owner()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="sms_messages",
    )
    phone = models.CharField("手机号码", max_length=20)
    # The notification kind, which picks the gateway's template (settings.SMS_TEMPLATES).
    kind = models.CharField("类型", max_length=40)
    text = models.CharField("内容", max_length=500)
    params = models.JSONField("模板参数", default=dict)
    # The reminder it belongs to, if any: one message per reminder and recipient.
    delivery = models.ForeignKey(
        ReminderDelivery,
        verbose_name="提醒",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sms_messages",
    )
    state = models.CharField(
        "状态", max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    sending_until = models.DateTimeField("发送占用至", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次发送", null=True, blank=True)
    gateway_id = models.CharField("短信平台回执", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "短信发送记录"
        verbose_name_plural = "短信发送记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "recipient"],
                condition=Q(delivery__isnull=False),
                name="sms_once_per_reminder_and_recipient",
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="smsmessage_state_valid"
            ),
        ]
        indexes = [
            # The sweep of messages still to send (notifications.sms.sms_send_pending).
            models.Index(
                fields=["next_attempt_at"], condition=Q(state="pending"), name="sms_pending_idx"
            ),
            # The per-phone rate limit: messages sent to one phone recently.
            models.Index(fields=["phone", "sent_at"], name="sms_phone_sent_idx"),
        ]

    def __str__(self):
        return f"{self.masked_phone} {self.kind}"

    @property
    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}" if len(self.phone) == 11 else self.phone


class ClaimKind(models.TextChoices):
    # 闭会期间超期未交办 (DESIGN.md §4, §9): once per suggestion, to committee staff.
    ASSIGN_LATE = "assign_late", "闭会期间超期未交办提醒"
    # 预交办: the working day before a plan's window closes, once per plan and unit that has
    # not answered, to that unit.
    PLAN_WINDOW = "plan_window", "预交办意见即将截止提醒"


class ReminderClaim(models.Model):
    """A reminder that is not about an assignment's deadline, claimed once by inserting this
    row: its unique (kind, key) makes a concurrent or repeated run's insert fail. The inbox
    rows and e-mails (notifications.services.notify) are written in the same transaction."""

    Kind = ClaimKind

    congress = owner()
    kind = models.CharField("提醒类型", max_length=20, choices=ClaimKind.choices)
    # "suggestion:<id>" or "plan:<id>:unit:<id>" (notifications.reminders).
    key = models.CharField("提醒对象", max_length=60)
    suggestion = models.ForeignKey(
        "suggestions.Suggestion",
        verbose_name="建议",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    due_on = models.DateField("提醒日期")
    recipients = models.PositiveIntegerField("接收人数", default=0)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "其他提醒记录"
        verbose_name_plural = "其他提醒记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            # Per congress: the key names global ids, so this is as strict as (kind, key), and
            # a run's insert only ever conflicts with a row of the congress it acts in.
            models.UniqueConstraint(
                fields=["congress", "kind", "key"], name="reminderclaim_once_in_congress"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ClaimKind.values), name="reminderclaim_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.key}"
