"""Suggestions and their handling (DESIGN.md §1, §3, §4).

Models hold fields, choices, constraints and one-row facts. Every state change goes through
`suggestions.workflow`; every deadline comes from `suggestions.deadlines`.
"""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from congresses.fields import owner
from congresses.managers import ActingCongressManager


def _choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": [c[0] for c in choices]}), name=name
    )


class Recorded(models.Model):
    """Who entered a row and when; history keeps the real time (a default, not auto_now_add)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now, editable=False)

    class Meta:
        abstract = True


class Category(models.Model):
    """分类: subject of a suggestion. The seven defaults come from a data migration."""

    congress = owner()
    name = models.CharField("名称", max_length=50)
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "分类"
        verbose_name_plural = "分类"
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "name"], name="category_name_in_congress"),
        ]

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    SESSION = "session", "大会期间"
    RECESS = "recess", "闭会期间"
    VOICE = "voice", "代表之声"
    EXPRESS = "express", "直通车"


class ChannelRule(models.Model):
    """Deadline rules per channel, editable by staff. Frozen onto each assignment when made.
    Each congress sets its own; one without a row for a channel has the defaults
    (suggestions.deadlines.DEFAULT_RULES)."""

    congress = owner()
    channel = models.CharField("来源", max_length=20, choices=Channel.choices)
    reply_months = models.PositiveSmallIntegerField("答复期限(月)", default=0)
    reply_days = models.PositiveSmallIntegerField("答复期限(日)", default=0)
    max_total_months = models.PositiveSmallIntegerField("延期后最长(月,自交办起)", default=6)
    reassign_window_days = models.PositiveSmallIntegerField("申请调整期限(日)", default=10)
    co_opinion_months = models.PositiveSmallIntegerField("协办意见期限(月)", default=1)
    rehandle_months = models.PositiveSmallIntegerField("重新办理期限(月)", default=1)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "办理期限规则"
        verbose_name_plural = "办理期限规则"
        ordering = ["channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "channel"], name="channelrule_channel_in_congress"
            ),
            _choices_check("channel", Channel.choices, "channelrule_channel_valid"),
            models.CheckConstraint(
                condition=Q(reply_months__gt=0) | Q(reply_days__gt=0),
                name="channelrule_has_duration",
            ),
        ]

    def __str__(self):
        return self.get_channel_display()


class CalendarYear(models.Model):
    """A year whose official calendar (rest days and 调休 working days) has been entered.

    For a year without a row here the deadline calculator falls back to Monday–Friday and the
    pages warn that the calendar must be entered.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=100, blank=True, help_text="如:国务院办公厅通知")
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "已录入日历年份"
        verbose_name_plural = "已录入日历年份"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年"


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a weekday rest day (holiday) or a weekend working day (调休)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField(
        "上班", help_text="勾选表示调休上班日;不勾选表示法定节假日休息"
    )
    name = models.CharField("名称", max_length=50, blank=True, help_text="如:国庆节、调休上班")

    class Meta:
        verbose_name = "日历例外日"
        verbose_name_plural = "日历例外日"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class SuggestionKind(models.TextChoices):
    SUGGESTION = "suggestion", "建议、批评和意见"
    MOTION = "motion", "议案"


class SuggestionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    REGISTERED = "registered", "已立案"
    ASSIGNED = "assigned", "已交办"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"
    REJECTED = "rejected", "不予立案"
    MERGED = "merged", "已并案"
    WITHDRAWN = "withdrawn", "已撤回"
    # 分级处理 (DESIGN.md §11): handed to a lower congress, which handles a copy of its own
    # (Forwarding). Neither state is 交办/答复/办结 of the sender: it never assigns it.
    FORWARDED = "forwarded", "已转下级办理"
    FORWARD_DONE = "forward_done", "下级已办结"


class RejectReason(models.TextChoices):
    PERSONAL = "personal", "代表个人事务"
    LETTER = "letter", "代转来信"
    PROMOTION = "promotion", "学术论文或产品推介"
    NO_CONTENT = "no_content", "无具体内容"
    JUDICIAL = "judicial", "涉及司法程序中的事项"
    OTHER = "other", "其他"


class Suggestion(Recorded):
    Kind = SuggestionKind

    Status = SuggestionStatus

    RejectReason = RejectReason

    congress = owner()
    term = models.ForeignKey(
        "deputies.Term", verbose_name="届", on_delete=models.PROTECT, related_name="suggestions"
    )
    meeting = models.ForeignKey(
        "deputies.Meeting",
        verbose_name="会议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    number = models.PositiveIntegerField("编号", null=True, blank=True)
    kind = models.CharField(
        "类别", max_length=20, choices=SuggestionKind.choices, default=SuggestionKind.SUGGESTION
    )
    channel = models.CharField("来源", max_length=20, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        verbose_name="分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    title = models.CharField("标题", max_length=200)
    content = models.TextField("内容")
    # Empty only on a copy forwarded from an upper congress (Forwarding.copy): its deputies
    # hold no seat here and are named in `proposers` instead.
    lead_deputy = models.ForeignKey(
        "deputies.Deputy",
        verbose_name="领衔代表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_suggestions",
    )
    proposers = models.CharField(
        "提出代表(上级人大)",
        max_length=500,
        blank=True,
        help_text="上级人大转来的建议:原提出代表的姓名(在本级无代表席位)",
    )
    # Every deputy named as co-signer, with whether they confirmed (CoSignature.state): only
    # confirmed ones count as 附议代表 and are sent the reply (see CoSignature).
    co_signers = models.ManyToManyField(
        "deputies.Deputy",
        verbose_name="附议代表",
        blank=True,
        related_name="co_signed_suggestions",
        through="CoSignature",
    )
    submitted_on = models.DateField("提出日期", null=True, blank=True)
    registered_on = models.DateField("立案日期", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    is_key = models.BooleanField("重点建议", default=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="督办领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_suggestions",
    )
    status = models.CharField(
        "状态", max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.DRAFT
    )
    reject_reason = models.CharField(
        "不予立案理由", max_length=20, choices=RejectReason.choices, blank=True
    )
    status_note = models.TextField("状态说明", blank=True, help_text="不予立案、并案或撤回的说明")
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    # An external system's own number for the item (12345 直通车): the same number from the
    # same system is one suggestion, never a second (DESIGN.md §8; workflow.suggestion_create).
    external_source = models.CharField("外部系统", max_length=50, blank=True)
    external_ticket = models.CharField("外部编号", max_length=100, blank=True)
    # Optimistic locking: an edit based on an old version is refused, never silently applied.
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # The latest AuditEvent's moment and action (its "-at", "-id" first), kept here so the key
    # board orders and shows 4,000 rows without a subquery per row. Written in the same
    # transaction as each event (suggestions.activity); never edited by hand.
    latest_at = models.DateTimeField("最新动态时间", null=True, blank=True, editable=False)
    latest_action = models.CharField("最新动态", max_length=50, blank=True, editable=False)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "代表建议"
        verbose_name_plural = "代表建议"
        ordering = ["-term__number", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "number"], name="suggestion_number_unique_in_term"
            ),
            _choices_check("status", SuggestionStatus.choices, "suggestion_status_valid"),
            _choices_check("kind", SuggestionKind.choices, "suggestion_kind_valid"),
            _choices_check("channel", Channel.choices, "suggestion_channel_valid"),
            # Numbers are given on submission; a draft withdrawn by its deputy never had one.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"]) | Q(number__isnull=False),
                name="suggestion_numbered_once_submitted",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="suggestion_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="suggestion_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="suggestion_not_merged_into_self"
            ),
            models.CheckConstraint(
                condition=Q(lead_deputy__isnull=False) | ~Q(proposers=""),
                name="suggestion_has_proposer",
            ),
            # Idempotent intake: also holds under two concurrent identical calls.
            models.UniqueConstraint(
                fields=["external_source", "external_ticket"],
                condition=~Q(external_ticket=""),
                name="suggestion_external_ticket_unique",
            ),
            models.CheckConstraint(
                condition=Q(external_ticket="") | ~Q(external_source=""),
                name="suggestion_ticket_has_source",
            ),
        ]
        indexes = [
            # Every hot index leads with the congress (DESIGN.md §11): each query of a scoped
            # manager names it, and one congress's rows lie together whatever the others hold.
            # Staff lists and figures filter by status within a term.
            models.Index(fields=["congress", "term", "status"], name="suggestion_cgr_status_idx"),
            # Live figures of key suggestions (figures.Scope.suggestions with key_only, any
            # channel) and the key board (dashboards.selectors.key_suggestions, per term).
            models.Index(
                fields=["congress", "term", "channel"],
                condition=Q(is_key=True),
                name="suggestion_cgr_key_idx",
            ),
            # The key board picks its first rows per term from this index alone (index-only:
            # latest activity and id; dashboards.selectors.key_suggestions).
            models.Index(
                fields=["congress", "term", "-latest_at", "id"],
                condition=Q(is_key=True),
                name="suggestion_key_latest_idx",
            ),
            # Live figures of a channel within a term, with or without a second filter
            # (figures.Scope.suggestions: the six loads select the scope's ids through it).
            models.Index(fields=["congress", "term", "channel"], name="suggestion_cgr_channel_idx"),
            # The list in its default order (term, number, newest first) within the congress:
            # without it, the (term, number) unique index is walked past every other
            # congress's rows (the demo city's list at 120 x 1,000,000: 545 ms, with it 6 ms).
            models.Index(fields=["congress", "term", "number"], name="suggestion_cgr_number_idx"),
            # The list filtered by status in its default order: suggestion_status_number_idx
            # on (congress, status, term, number), PostgreSQL only (migrations 0015 and 0021,
            # with INCLUDE columns).
        ]

    def __str__(self):
        return f"{self.display_number} {self.title}"

    # Not yet assigned: what staff still owe a suggestion before 交办.
    AWAITING_ASSIGNMENT = (SuggestionStatus.SUBMITTED, SuggestionStatus.REGISTERED)

    @classmethod
    def assignment_late_q(cls, received_by: date) -> Q:
        """闭会期间超期未交办 (DESIGN.md §4, §9): received between meetings on or before
        `received_by` (`deadlines.staff_assignment_late_cutoff`: its limit of
        PORTAL STAFF_ASSIGN_WORKING_DAYS working days has passed) and not yet assigned."""
        return Q(
            channel=Channel.RECESS,
            status__in=cls.AWAITING_ASSIGNMENT,
            submitted_on__lte=received_by,
        )

    @property
    def display_number(self) -> str:
        return f"第{self.number:04d}号" if self.number is not None else "(未编号)"

    @property
    def lead_name(self) -> str:
        """The lead deputy's name, or the upper congress's deputies of a forwarded copy."""
        return self.lead_deputy.name if self.lead_deputy_id else self.proposers


class CoSignatureState(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    DECLINED = "declined", "已拒绝"


class CoSignature(models.Model):
    """附议: a deputy named as co-signer of a suggestion (DESIGN.md §8, 附议确认).

    Named by another deputy (the lead on /my/new/ or the API) the co-signer is 待确认 until
    they confirm online; staff entering a paper form confirm on their behalf (`on_behalf`).
    Only confirmed co-signers count: they are the 附议代表 of pages, the API and exports, and
    are sent the reply. A pending one is shown as 待确认 and sees the suggestion (to decide);
    a declined one is kept for the record, counts nowhere and no longer sees it.
    The table is the former automatic one of `Suggestion.co_signers` (migration 0011)."""

    State = CoSignatureState

    suggestion = models.ForeignKey(
        Suggestion, verbose_name="建议", on_delete=models.CASCADE, related_name="co_signatures"
    )
    deputy = models.ForeignKey(
        "deputies.Deputy",
        verbose_name="附议代表",
        on_delete=models.CASCADE,
        related_name="co_signatures",
    )
    # Rows written in bulk (imports, demo data) are paper forms staff entered: confirmed.
    state = models.CharField(
        "确认状态",
        max_length=10,
        choices=CoSignatureState.choices,
        default=CoSignatureState.CONFIRMED,
    )
    on_behalf = models.BooleanField("工作人员代为确认", default=False)
    decided_on = models.DateField("确认日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "附议"
        verbose_name_plural = "附议"
        db_table = "suggestions_suggestion_co_signers"
        # The automatic table's own unique index, kept as it is.
        unique_together = [("suggestion", "deputy")]
        constraints = [
            _choices_check("state", CoSignatureState.choices, "cosignature_state_valid"),
        ]

    def __str__(self):
        return f"{self.deputy_id} {self.get_state_display()}"

    # The co-signatures that count (pages, API, exports, deliveries) and those still open.
    COUNTED = (CoSignatureState.CONFIRMED,)
    NAMED = (CoSignatureState.PENDING, CoSignatureState.CONFIRMED)


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO = "co", "协办"
    SPLIT = "split", "分办"


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", "待签收"
    ACCEPTED = "accepted", "办理中"
    REPLIED = "replied", "已答复"
    ENDED = "ended", "已终止"


class DeadlineStatus(models.TextChoices):
    """Where an assignment stands against its deadline on a day: the one meaning of 逾期,
    即将到期 and 协办意见逾期 (`deadline_status`; the conditions on `Assignment` agree)."""

    DONE = "done", "已答复或已结束"
    OK = "ok", "未到期"
    DUE_SOON = "due_soon", "即将到期"
    # DESIGN.md §5: 逾期 is a lead (主办/分办) assignment without a reply past its deadline.
    OVERDUE = "overdue", "逾期"
    # A co-handler (协办) past its 1-month deadline without sending its opinion to the lead:
    # late, but not 逾期 — no figure, reminder or list filter counts it as overdue.
    OPINION_OVERDUE = "opinion_overdue", "协办意见逾期"


def due_soon_until(today: date) -> date:
    """The last day a deadline counts as 即将到期 (settings.PORTAL DUE_SOON_DAYS ahead)."""
    return today + timedelta(days=settings.PORTAL["DUE_SOON_DAYS"])


def deadline_status(
    deadline: date, today: date, *, is_open: bool = True, answers_deputy: bool = True
) -> str:
    """The DeadlineStatus of a deadline on `today`; the deadline day itself is due soon."""
    if not is_open:
        return DeadlineStatus.DONE
    if deadline < today:
        return DeadlineStatus.OVERDUE if answers_deputy else DeadlineStatus.OPINION_OVERDUE
    if deadline <= due_soon_until(today):
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.OK


class Assignment(Recorded):
    """交办: a suggestion handed to one unit in one role."""

    Role = AssignmentRole

    State = AssignmentState

    ANSWERING_ROLES = (AssignmentRole.LEAD, AssignmentRole.SPLIT)
    # Still being handled: the unit owes a reply (or an opinion). Every "open" and "overdue"
    # in lists, inboxes, reminders and the API means these states.
    OPEN_STATES = (AssignmentState.ASSIGNED, AssignmentState.ACCEPTED)

    suggestion = models.ForeignKey(
        Suggestion, verbose_name="建议", on_delete=models.PROTECT, related_name="assignments"
    )
    # Its suggestion's congress, copied when made (suggestions.workflow): the reminder scan
    # and the inboxes find one congress's open assignments without joining the suggestion.
    congress = owner()
    unit = models.ForeignKey(
        "units.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField("办理方式", max_length=10, choices=AssignmentRole.choices)
    state = models.CharField(
        "状态", max_length=10, choices=AssignmentState.choices, default=AssignmentState.ASSIGNED
    )
    assigned_on = models.DateField("交办日期")
    # The rules in force when assigned (DESIGN.md §4): a later change of settings never
    # moves a running clock. Shape: suggestions.deadlines.Rules.as_dict().
    rules = models.JSONField("交办时规则")
    deadline = models.DateField("答复期限")
    round = models.PositiveSmallIntegerField(
        "办理轮次", default=1, help_text="不满意重新办理时加一"
    )
    accepted_on = models.DateField("签收日期", null=True, blank=True)
    # 五定 (DESIGN.md §9), named at 签收 (workflow.assignment_accept): required of the units
    # answering the deputy (主办/分办), optional for co-handlers. Blank on rows accepted
    # before the rule; pages and exports then say 未填写 (`five_fixed_text`).
    responsible_leader = models.CharField("分管领导", max_length=50, blank=True)
    handler_name = models.CharField("经办人", max_length=50, blank=True)
    handler_phone = models.CharField("经办人电话", max_length=30, blank=True)
    ended_on = models.DateField("终止日期", null=True, blank=True)
    end_reason = models.CharField("终止原因", max_length=200, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name="调整后交办",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    # Staff let the lead reply without this co-handler's opinion (DESIGN.md §4a, §8): set
    # once by `workflow.co_opinion_waive`, never changed; the co-handler then owes nothing.
    opinion_waived_on = models.DateField("协办意见豁免日期", null=True, blank=True)
    opinion_waiver_reason = models.CharField("协办意见豁免理由", max_length=500, blank=True)
    opinion_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="豁免人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "交办"
        verbose_name_plural = "交办"
        ordering = ["suggestion", "role", "id"]
        constraints = [
            _choices_check("role", AssignmentRole.choices, "assignment_role_valid"),
            _choices_check("state", AssignmentState.choices, "assignment_state_valid"),
            # One running assignment per unit and suggestion; ended ones stay as history.
            models.UniqueConstraint(
                fields=["suggestion", "unit"],
                condition=~Q(state="ended"),
                name="assignment_one_open_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("assigned_on")),
                name="assignment_deadline_after_start",
            ),
            # Only a co-handler's opinion can be waived, and never without a reason.
            models.CheckConstraint(
                condition=Q(opinion_waived_on__isnull=True)
                | (Q(role="co") & ~Q(opinion_waiver_reason="")),
                name="assignment_waiver_of_co_with_reason",
            ),
        ]
        indexes = [
            # Unit inbox and the reminder scan: one congress's open assignments by deadline.
            models.Index(
                fields=["congress", "state", "deadline"], name="assignment_state_deadline_idx"
            ),
            # A unit's inbox: its tabs' counts read from the index alone (PostgreSQL's
            # INCLUDE; elsewhere a plain (unit, state) index), not from 10,000 heap pages.
            models.Index(
                fields=["unit", "state"],
                include=["id", "role", "deadline", "opinion_waived_on"],
                name="assignment_unit_inbox_idx",
            ),
            # The key board's nearest open deadline per suggestion
            # (dashboards.selectors.key_suggestions).
            models.Index(
                fields=["suggestion", "deadline"],
                condition=Q(state__in=["assigned", "accepted"], role__in=["lead", "split"]),
                name="assignment_open_deadline_idx",
            ),
        ]

    def __str__(self):
        return f"{self.suggestion.display_number} → {self.unit} ({self.get_role_display()})"

    FIVE_FIXED_MISSING = "未填写"

    @property
    def five_fixed_named(self) -> bool:
        return bool(self.responsible_leader or self.handler_name or self.handler_phone)

    @property
    def five_fixed_text(self) -> str:
        """分管领导 and 经办人 as one line for pages and exports; 未填写 when none was named."""
        if not self.five_fixed_named:
            return self.FIVE_FIXED_MISSING
        handler = " ".join(p for p in (self.handler_name, self.handler_phone) if p)
        return (
            f"分管领导:{self.responsible_leader or self.FIVE_FIXED_MISSING};"
            f"经办人:{handler or self.FIVE_FIXED_MISSING}"
        )

    @property
    def answers_deputy(self) -> bool:
        return self.role in self.ANSWERING_ROLES

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def opinion_waived(self) -> bool:
        return self.opinion_waived_on is not None

    @property
    def owes_work(self) -> bool:
        """Open, and not a co-handler whose opinion staff waived: its deadline still runs."""
        return self.is_open and not self.opinion_waived

    @classmethod
    def open_q(cls, prefix: str = "") -> Q:
        """Open assignments, as a condition (`prefix` for a related lookup, e.g. "assignments__")."""
        return Q(**{f"{prefix}state__in": cls.OPEN_STATES})

    @classmethod
    def owes_work_q(cls, prefix: str = "") -> Q:
        """`owes_work` as a condition: open and not waived (the deadline conditions below)."""
        return cls.open_q(prefix) & Q(**{f"{prefix}opinion_waived_on__isnull": True})

    def get_deadline_status(self, today: date) -> str:
        """This assignment's DeadlineStatus on `today` (pages, chips, API, exports ask this)."""
        return deadline_status(
            self.deadline, today, is_open=self.owes_work, answers_deputy=self.answers_deputy
        )

    def is_overdue(self, today: date) -> bool:
        return self.get_deadline_status(today) == DeadlineStatus.OVERDUE

    # The same meanings as conditions, for counts and lists (`prefix` for a related lookup).

    @classmethod
    def awaiting_reply_q(cls, prefix: str = "") -> Q:
        """Open lead (主办/分办) assignments: the unit still owes the deputy a reply."""
        return cls.open_q(prefix) & Q(**{f"{prefix}role__in": cls.ANSWERING_ROLES})

    @classmethod
    def overdue_q(cls, today, prefix: str = "") -> Q:
        """逾期 today (DESIGN.md §5): a lead assignment without a reply, its deadline passed.
        Figures count the same assignments as of a day D (`figures._AssignmentFacts.overdue`)."""
        return cls.awaiting_reply_q(prefix) & Q(**{f"{prefix}deadline__lt": today})

    @classmethod
    def owes_opinion_q(cls, prefix: str = "") -> Q:
        """A co-handler (协办) that still owes the lead its opinion: open and not waived (the
        inbox's 协办意见待提交, the opinion reminders)."""
        return cls.owes_work_q(prefix) & Q(**{f"{prefix}role": AssignmentRole.CO})

    @classmethod
    def opinion_overdue_q(cls, today, prefix: str = "") -> Q:
        """协办意见逾期 today: a co-handler owing its opinion past its deadline."""
        return cls.owes_opinion_q(prefix) & Q(**{f"{prefix}deadline__lt": today})

    @classmethod
    def due_soon_q(cls, today, prefix: str = "") -> Q:
        """即将到期: owing its reply or opinion, its deadline from today to DUE_SOON_DAYS ahead
        (any role)."""
        return cls.owes_work_q(prefix) & Q(
            **{f"{prefix}deadline__gte": today, f"{prefix}deadline__lte": due_soon_until(today)}
        )


class DeadlineChangeKind(models.TextChoices):
    INITIAL = "initial", "交办"
    EXTENSION = "extension", "延期"
    REHANDLE = "rehandle", "重新办理"
    CALENDAR = "calendar", "节假日调整"


class DeadlineChange(Recorded):
    """History of an assignment's deadline: nothing is overwritten (DESIGN.md §3)."""

    Kind = DeadlineChangeKind

    assignment = models.ForeignKey(
        Assignment, verbose_name="交办", on_delete=models.PROTECT, related_name="deadline_changes"
    )
    kind = models.CharField("类型", max_length=20, choices=DeadlineChangeKind.choices)
    effective_on = models.DateField("生效日期")
    old_deadline = models.DateField("原期限", null=True, blank=True)
    # The date the rule gives before moving off rest days; a calendar change recomputes from it.
    base_date = models.DateField("规则日期")
    new_deadline = models.DateField("新期限")
    explanation = models.JSONField("说明", default=dict)
    reason = models.TextField("原因", blank=True)

    class Meta:
        verbose_name = "期限变更"
        verbose_name_plural = "期限变更"
        ordering = ["assignment", "created_at", "id"]
        constraints = [
            _choices_check("kind", DeadlineChangeKind.choices, "deadlinechange_kind_valid")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.new_deadline:%Y-%m-%d}"


class ContactKind(models.TextChoices):
    FACE = "face", "面商"
    PHONE = "phone", "电话"
    FORUM = "forum", "座谈"
    VISIT = "visit", "实地"


class Contact(Recorded):
    """面商/沟通 with the deputy before replying."""

    Kind = ContactKind

    assignment = models.ForeignKey(
        Assignment, verbose_name="交办", on_delete=models.PROTECT, related_name="contacts"
    )
    kind = models.CharField("方式", max_length=10, choices=ContactKind.choices)
    contacted_on = models.DateField("日期")
    participants = models.CharField("参加人员", max_length=300)
    summary = models.TextField("情况")

    class Meta:
        verbose_name = "沟通记录"
        verbose_name_plural = "沟通记录"
        ordering = ["assignment", "contacted_on", "id"]
        constraints = [_choices_check("kind", ContactKind.choices, "contact_kind_valid")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.contacted_on:%Y-%m-%d}"


class Opinion(Recorded):
    """A co-handler's written opinion to the lead unit; part of the lead's file, not a reply."""

    assignment = models.ForeignKey(
        Assignment, verbose_name="交办", on_delete=models.PROTECT, related_name="opinions"
    )
    text = models.TextField("意见")
    sent_on = models.DateField("送达日期")

    class Meta:
        verbose_name = "协办意见"
        verbose_name_plural = "协办意见"
        ordering = ["assignment", "sent_on", "id"]

    def __str__(self):
        return f"协办意见 {self.sent_on:%Y-%m-%d}"


class ReplyResult(models.TextChoices):
    A = "A", "A类 已解决或采纳"
    B = "B", "B类 正在解决或列入计划解决"
    C = "C", "C类 因条件限制留待解决"
    D = "D", "D类 留作参考"


class FeedbackStatus(models.TextChoices):
    """Whether a reply waits for the deputy's feedback (`Reply.get_feedback_status`)."""

    AWAITING = "awaiting", "待反馈"
    GIVEN = "given", "已反馈"
    # Superseded by a follow-up, or of an earlier round, or its assignment is handled again.
    NOT_CURRENT = "not_current", "非当前有效答复"
    # The suggestion is closed, withdrawn or otherwise no longer handled.
    SUGGESTION_NOT_OPEN = "suggestion_not_open", "建议已不在办理中"


class Publication(models.TextChoices):
    """公开 decided at sign-off (DESIGN.md §8)."""

    PUBLIC = "public", "全文公开"
    SUMMARY = "summary", "摘要公开"
    PRIVATE = "private", "不公开"


class Reply(Recorded):
    """答复: the unit's formal reply to the deputy for one handling round, as released.

    A row exists only once the letter is released to the deputy (drafted as a ReplyDraft,
    signed, reviewed where required): figures, feedback, notices and the public page read
    these rows, so by construction only released replies count."""

    Publication = Publication

    Result = ReplyResult
    # The suggestion states in which a reply can still receive feedback.
    FEEDBACK_SUGGESTION_STATES = (SuggestionStatus.ASSIGNED, SuggestionStatus.REPLIED)

    assignment = models.ForeignKey(
        Assignment, verbose_name="交办", on_delete=models.PROTECT, related_name="replies"
    )
    round = models.PositiveSmallIntegerField("办理轮次")
    text = models.TextField("答复内容")
    result = models.CharField("答复类别", max_length=1, choices=ReplyResult.choices)
    signer = models.CharField("签发人", max_length=50)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)
    replied_on = models.DateField("答复日期", help_text="发布给代表的日期(审核通过之日)")
    # The account that signed it off (签发, DESIGN.md §8); `signer` is its name as printed.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_on = models.DateField("签发日期", null=True, blank=True)
    doc_number = models.CharField("文号", max_length=60, blank=True)
    is_public = models.BooleanField("公开", default=False)
    publication = models.CharField(
        "公开方式", max_length=10, choices=Publication.choices, default=Publication.PUBLIC
    )
    summary = models.TextField("公开摘要", blank=True)
    not_public_reason = models.CharField("不公开理由", max_length=200, blank=True)
    # The public page shows a public reply from this day: the release day, or a later day
    # staff set, never after `publish_by` (20 working days after release, DESIGN.md §4a).
    publish_on = models.DateField("公开日期", null=True, blank=True)
    publish_by = models.DateField("最迟公开日期", null=True, blank=True)
    # A follow-up reply on a B-class matter supersedes the earlier one, which stays in history.
    superseded = models.BooleanField("已被替代", default=False)

    class Meta:
        verbose_name = "答复"
        verbose_name_plural = "答复"
        ordering = ["assignment", "round", "replied_on", "id"]
        constraints = [
            _choices_check("result", ReplyResult.choices, "reply_result_valid"),
            models.UniqueConstraint(
                fields=["assignment", "round"],
                condition=Q(superseded=False),
                name="reply_one_in_force_per_round",
            ),
            models.CheckConstraint(
                condition=Q(is_public=True) | ~Q(not_public_reason=""),
                name="reply_not_public_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["replied_on"], name="reply_replied_on_idx")]

    def __str__(self):
        return f"答复({self.result}) {self.replied_on:%Y-%m-%d}"

    def get_feedback_status(self) -> str:
        """待反馈 (awaiting feedback): the reply in force of its assignment's current round, the
        assignment answered, the suggestion still handled, no feedback yet. Reads the
        assignment, its suggestion and the feedback (join or prefetch them for lists)."""
        not_open = self.feedback_closed_status()
        if not_open:
            return not_open
        if getattr(self, "feedback", None) is not None:
            return FeedbackStatus.GIVEN
        return FeedbackStatus.AWAITING

    def feedback_closed_status(self) -> str:
        """Why no deputy may give feedback on this reply now (SUGGESTION_NOT_OPEN or
        NOT_CURRENT), or "" while it is the reply in force of a handled suggestion: the
        condition the lead's Feedback and the merged deputies' verdicts share."""
        assignment = self.assignment
        if assignment.suggestion.status not in self.FEEDBACK_SUGGESTION_STATES:
            return FeedbackStatus.SUGGESTION_NOT_OPEN
        if (
            self.superseded
            or self.round != assignment.round
            or assignment.state != AssignmentState.REPLIED
        ):
            return FeedbackStatus.NOT_CURRENT
        return ""

    @property
    def awaits_feedback(self) -> bool:
        return self.get_feedback_status() == FeedbackStatus.AWAITING

    @classmethod
    def awaiting_feedback_q(cls, prefix: str = "") -> Q:
        """`awaits_feedback` as a condition on replies."""
        return cls.feedback_open_q(prefix) & Q(**{f"{prefix}feedback__isnull": True})

    @classmethod
    def feedback_open_q(cls, prefix: str = "") -> Q:
        """`feedback_closed_status` is "" (the reply in force of a handled suggestion)."""
        return Q(
            **{
                f"{prefix}assignment__suggestion__status__in": cls.FEEDBACK_SUGGESTION_STATES,
                f"{prefix}assignment__state": AssignmentState.REPLIED,
                f"{prefix}round": models.F(f"{prefix}assignment__round"),
                f"{prefix}superseded": False,
            }
        )

    @classmethod
    def published_q(cls, prefix: str = "") -> Q:
        """公开: what the public page may show — public (in full or as a summary), its
        publication day come, in force, on a suggestion still on record (not withdrawn,
        rejected or merged away)."""
        from .dates import today as portal_today  # the one clock; imported late (no cycle)

        today = portal_today()
        # Its publication day has come, or, with no day set, its latest day has.
        due = Q(**{f"{prefix}publish_on__lte": today}) | Q(
            **{f"{prefix}publish_on__isnull": True, f"{prefix}publish_by__lte": today}
        )
        return due & Q(
            **{
                f"{prefix}is_public": True,
                f"{prefix}superseded": False,
                f"{prefix}assignment__suggestion__status__in": (
                    SuggestionStatus.ASSIGNED,
                    SuggestionStatus.REPLIED,
                    SuggestionStatus.CLOSED,
                ),
            }
        )


def _attachment_path(instance, filename: str) -> str:
    # Stored under a random name: the original name is kept in the row, never on disk.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class AttachmentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word 文档"
    PNG = "png", "PNG 图片"
    JPEG = "jpeg", "JPEG 图片"


class Attachment(Recorded):
    """A file sent with a reply (PDF, DOCX or an image). Stored under MEDIA_ROOT, outside the
    web root, and served only through the portal's access check, always as a download."""

    Kind = AttachmentKind

    # A draft's files belong to the draft until it is released, then to the reply too.
    reply = models.ForeignKey(
        Reply,
        verbose_name="答复",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    draft = models.ForeignKey(
        "ReplyDraft",
        verbose_name="答复草稿",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField("文件", upload_to=_attachment_path, max_length=200)
    name = models.CharField("文件名", max_length=200)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["reply", "id"]
        constraints = [_choices_check("kind", AttachmentKind.choices, "attachment_kind_valid")]

    def __str__(self):
        return self.name


class DraftStage(models.TextChoices):
    DRAFTING = "drafting", "起草中"
    SIGNED = "signed", "已签发,待审核"
    RETURNED = "returned", "退回重办"
    RELEASED = "released", "已发布"


class ReplyDraft(Recorded):
    """答复函 in preparation (DESIGN.md §8): a clerk drafts it, a unit user with the signing
    right signs it (签发, which gives the 文号), a reviewer releases it or returns it for
    redo. Only release writes a Reply. A follow-up (跟踪答复) draft names the reply it
    `replaces`. Every version is in the audit trail (actions reply.draft.*)."""

    Stage = DraftStage
    Publication = Publication

    assignment = models.ForeignKey(
        Assignment, verbose_name="交办", on_delete=models.PROTECT, related_name="reply_drafts"
    )
    round = models.PositiveSmallIntegerField("办理轮次")
    replaces = models.ForeignKey(
        Reply,
        verbose_name="跟踪答复所替代的答复",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_up_drafts",
    )
    stage = models.CharField(
        "阶段", max_length=10, choices=DraftStage.choices, default=DraftStage.DRAFTING
    )
    version = models.PositiveIntegerField("版本", default=1)
    text = models.TextField("答复内容")
    result = models.CharField("答复类别", max_length=1, choices=ReplyResult.choices)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)
    publication = models.CharField(
        "公开方式", max_length=10, choices=Publication.choices, default=Publication.PUBLIC
    )
    summary = models.TextField("公开摘要", blank=True)
    not_public_reason = models.CharField("不公开理由", max_length=200, blank=True)
    publish_later = models.BooleanField(
        "暂缓公开", default=False, help_text="由工作人员确定公开日期,最迟发布后20个工作日"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_on = models.DateField("签发日期", null=True, blank=True)
    doc_number = models.CharField("文号", max_length=60, blank=True)
    needs_review = models.BooleanField("需审核", default=False)
    review_note = models.TextField("最近审核意见", blank=True)
    reply = models.OneToOneField(
        Reply,
        verbose_name="发布后的答复",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draft",
    )

    class Meta:
        verbose_name = "答复草稿"
        verbose_name_plural = "答复草稿"
        ordering = ["assignment", "round", "id"]
        constraints = [
            _choices_check("stage", DraftStage.choices, "replydraft_stage_valid"),
            _choices_check("result", ReplyResult.choices, "replydraft_result_valid"),
            _choices_check("publication", Publication.choices, "replydraft_publication_valid"),
            # One letter in preparation per assignment at a time.
            models.UniqueConstraint(
                fields=["assignment"],
                condition=~Q(stage="released"),
                name="replydraft_one_open_per_assignment",
            ),
        ]
        indexes = [
            # The reviewers' queue (signing.drafts_awaiting_review).
            models.Index(fields=["stage"], name="replydraft_stage_idx"),
        ]

    def __str__(self):
        return f"答复草稿 v{self.version}({self.get_stage_display()})"

    @property
    def is_open(self) -> bool:
        return self.stage != DraftStage.RELEASED


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class Feedback(models.Model):
    """反馈: the deputy's verdicts on one reply (意见反馈表)."""

    reply = models.OneToOneField(
        Reply, verbose_name="答复", on_delete=models.PROTECT, related_name="feedback"
    )
    result_verdict = models.CharField("对办理结果", max_length=20, choices=Verdict.choices)
    work_verdict = models.CharField("对办理工作", max_length=20, choices=Verdict.choices)
    remarks = models.TextField("意见", blank=True)
    given_on = models.DateField("反馈日期")
    deputy = models.ForeignKey(
        "deputies.Deputy", verbose_name="代表", on_delete=models.PROTECT, related_name="feedbacks"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_behalf = models.BooleanField(
        "工作人员代录", default=False, help_text="根据纸质反馈表代为录入"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "代表反馈"
        verbose_name_plural = "代表反馈"
        ordering = ["given_on", "id"]
        constraints = [
            _choices_check("result_verdict", Verdict.choices, "feedback_result_verdict_valid"),
            _choices_check("work_verdict", Verdict.choices, "feedback_work_verdict_valid"),
        ]

    def __str__(self):
        return f"{self.get_result_verdict_display()} {self.given_on:%Y-%m-%d}"


class DeliveryRole(models.TextChoices):
    LEAD = "lead", "领衔"
    CO_SIGNER = "co_signer", "联名"
    MERGED = "merged", "并案"


class ReplyDelivery(models.Model):
    """A reply recorded as sent to one deputy (DESIGN.md §4a, §8: every deputy answered).

    Written when the reply reaches the deputies (`suggestions.deliveries.reply_deliver`):
    to the lead deputy, each confirmed co-signer (联名) and the lead deputy of every
    suggestion merged into this one (并案; `via` is that deputy's own suggestion). The
    lead's verdicts are the reply's `Feedback`, the only ones the figures read; a merged
    suggestion's deputy gives theirs here, shown beside it and never counted, and their
    不满意 does not reopen handling. Co-signers are informed, not asked."""

    Role = DeliveryRole

    reply = models.ForeignKey(
        Reply, verbose_name="答复", on_delete=models.PROTECT, related_name="deliveries"
    )
    deputy = models.ForeignKey(
        "deputies.Deputy",
        verbose_name="代表",
        on_delete=models.PROTECT,
        related_name="reply_deliveries",
    )
    role = models.CharField("身份", max_length=10, choices=DeliveryRole.choices)
    via = models.ForeignKey(
        Suggestion,
        verbose_name="代表的建议",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="并案时为该代表本人领衔、已并入的建议",
    )
    sent_on = models.DateField("送达日期")
    # A merged suggestion's deputy's verdicts (意见反馈表); empty until given.
    result_verdict = models.CharField(
        "对办理结果", max_length=20, choices=Verdict.choices, blank=True
    )
    work_verdict = models.CharField(
        "对办理工作", max_length=20, choices=Verdict.choices, blank=True
    )
    remarks = models.TextField("意见", blank=True)
    given_on = models.DateField("反馈日期", null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_behalf = models.BooleanField("工作人员代录", default=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "答复送达"
        verbose_name_plural = "答复送达"
        ordering = ["reply", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "deputy"], name="delivery_once_per_deputy"),
            _choices_check("role", DeliveryRole.choices, "delivery_role_valid"),
            # Only a merged suggestion's deputy gives verdicts here (the lead's are Feedback).
            models.CheckConstraint(
                condition=Q(result_verdict="") | Q(role="merged"),
                name="delivery_verdict_only_merged",
            ),
            models.CheckConstraint(
                condition=(Q(result_verdict="") & Q(given_on__isnull=True))
                | (~Q(result_verdict="") & ~Q(work_verdict="") & Q(given_on__isnull=False)),
                name="delivery_verdict_complete",
            ),
        ]
        indexes = [
            # The deputy's /my/ page: replies delivered to them.
            models.Index(fields=["deputy", "reply"], name="delivery_deputy_idx"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.sent_on:%Y-%m-%d}"

    @property
    def has_verdict(self) -> bool:
        return bool(self.result_verdict)

    def get_feedback_status(self) -> str:
        """For a merged deputy's row: 待反馈 while the reply is in force and no verdict is
        given (reads the reply, its assignment and suggestion). Other rows are not asked."""
        if self.role != DeliveryRole.MERGED:
            return FeedbackStatus.NOT_CURRENT
        closed = self.reply.feedback_closed_status()
        if closed:
            return closed
        return FeedbackStatus.GIVEN if self.has_verdict else FeedbackStatus.AWAITING

    @property
    def awaits_feedback(self) -> bool:
        return self.get_feedback_status() == FeedbackStatus.AWAITING

    @classmethod
    def awaiting_feedback_q(cls) -> Q:
        """`awaits_feedback` as a condition on deliveries."""
        return Q(role=DeliveryRole.MERGED, result_verdict="") & Reply.feedback_open_q("reply__")


class RequestState(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "未同意"
    # The assignment was answered or ended while the request waited: nothing left to decide.
    LAPSED = "lapsed", "已失效"


class UnitRequest(models.Model):
    """A unit's request that staff decide; visible on the assignment while pending."""

    assignment = models.ForeignKey(
        Assignment, verbose_name="交办", on_delete=models.PROTECT, related_name="%(class)ss"
    )
    reason = models.TextField("理由")
    requested_on = models.DateField("申请日期")
    state = models.CharField(
        "状态", max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_on = models.DateField("审核日期", null=True, blank=True)
    decision_note = models.TextField("审核意见", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["-requested_on", "-id"]


class ReassignmentRequest(UnitRequest):
    """申请调整: the unit asks to be replaced as handler."""

    suggested_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="建议承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(UnitRequest.Meta):
        verbose_name = "调整申请"
        verbose_name_plural = "调整申请"
        constraints = [
            _choices_check("state", RequestState.choices, "reassignmentrequest_state_valid"),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(state="pending"),
                name="reassignmentrequest_one_pending",
            ),
        ]

    def __str__(self):
        return f"调整申请({self.get_state_display()}) {self.requested_on:%Y-%m-%d}"


class ExtensionRequest(UnitRequest):
    """申请延期: the unit asks for a later deadline and records that it told the deputy why."""

    requested_deadline = models.DateField("申请延至")
    deputy_informed = models.BooleanField("已向代表说明", default=False)

    class Meta(UnitRequest.Meta):
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        constraints = [
            _choices_check("state", RequestState.choices, "extensionrequest_state_valid"),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(state="pending"),
                name="extensionrequest_one_pending",
            ),
        ]

    def __str__(self):
        return f"延期申请至 {self.requested_deadline:%Y-%m-%d}({self.get_state_display()})"


class ForwardingState(models.TextChoices):
    HANDLING = "handling", "下级办理中"
    REPLIED = "replied", "下级已答复"
    CLOSED = "closed", "下级已办结"
    # The lower congress refused it (不予立案): back to the sender, who handles it again.
    RETURNED = "returned", "下级不予立案,已退回"


class Forwarding(models.Model):
    """分级处理 (DESIGN.md §11): a suggestion forwarded by its congress's staff to a lower
    congress (`Congress.parent`), which handles `copy`, a suggestion of its own, as usual.

    Written by `workflow.suggestion_forward_down`; the lower congress's release of a reply,
    its 办结 and its 不予立案 of the copy write the result here and on the original's timeline
    (`workflow._report_to_sender`), in the same transaction. Not owned by either congress:
    the original's page reads it through `original`, the copy's through `copy`, and neither
    page shows the other suggestion."""

    State = ForwardingState

    original = models.ForeignKey(
        Suggestion, verbose_name="原建议", on_delete=models.PROTECT, related_name="forwardings"
    )
    copy = models.OneToOneField(
        Suggestion,
        verbose_name="下级人大的建议",
        on_delete=models.PROTECT,
        related_name="forwarded_from",
    )
    from_congress = models.ForeignKey(
        "congresses.Congress", verbose_name="转出人大", on_delete=models.PROTECT, related_name="+"
    )
    to_congress = models.ForeignKey(
        "congresses.Congress", verbose_name="承办人大", on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField("转办说明", blank=True)
    # The original's state before, restored when the lower congress returns it.
    from_state = models.CharField("转出前状态", max_length=20)
    category_name = models.CharField("原分类", max_length=50, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="转办人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    forwarded_at = models.DateTimeField("转办时间", default=timezone.now, editable=False)
    forwarded_on = models.DateField("转办日期")
    state = models.CharField(
        "办理情况",
        max_length=10,
        choices=ForwardingState.choices,
        default=ForwardingState.HANDLING,
    )
    # The result as it came back: the latest reply released to the deputy, then 办结.
    result = models.CharField("下级答复类别", max_length=1, choices=ReplyResult.choices, blank=True)
    result_summary = models.TextField("下级答复摘要", blank=True)
    replied_on = models.DateField("下级答复日期", null=True, blank=True)
    closed_on = models.DateField("下级办结日期", null=True, blank=True)
    returned_reason = models.TextField("退回理由", blank=True)

    class Meta:
        verbose_name = "转下级人大办理"
        verbose_name_plural = "转下级人大办理"
        ordering = ["forwarded_at", "id"]
        constraints = [
            _choices_check("state", ForwardingState.choices, "forwarding_state_valid"),
            # One running forwarding per original; a returned one stays as history.
            models.UniqueConstraint(
                fields=["original"],
                condition=~Q(state="returned"),
                name="forwarding_one_running_per_original",
            ),
            models.CheckConstraint(
                condition=~Q(from_congress=models.F("to_congress")),
                name="forwarding_to_another_congress",
            ),
        ]

    def __str__(self):
        return f"转{self.to_congress_id} {self.get_state_display()}"

    @property
    def result_line(self) -> str:
        """The returned result as one line for pages and timelines."""
        if not self.result:
            return ""
        day = f"{self.replied_on:%Y-%m-%d} " if self.replied_on else ""
        summary = f":{self.result_summary}" if self.result_summary else ""
        return f"{day}{self.get_result_display()}{summary}"


# The workflow's audit action codes, in the words staff use (admin, timelines).
AUDIT_ACTION_LABELS = {
    "suggestion.create": "录入建议",
    "suggestion.update": "修改建议",
    "suggestion.submit": "提交",
    "suggestion.withdraw": "撤回",
    "suggestion.register": "立案",
    "suggestion.reject": "不予立案",
    "suggestion.merge": "并案",
    "suggestion.assign": "交办",
    "suggestion.mark_key": "设为重点建议",
    "suggestion.unmark_key": "取消重点建议",
    "suggestion.replied": "全部答复",
    "suggestion.rehandle": "重新办理",
    "suggestion.close": "办结",
    "suggestion.forward_down": "转交下级人大办理",
    "suggestion.forwarded_in": "上级人大转来",
    "forwarding.replied": "下级人大答复",
    "forwarding.closed": "下级人大办结",
    "forwarding.returned": "下级人大不予立案,退回",
    "assignment.create": "交办承办单位",
    "assignment.accept": "签收",
    "assignment.end": "终止交办",
    "assignment.rehandle": "重新办理",
    "reassignment.request": "申请调整",
    "reassignment.approve": "同意调整",
    "reassignment.reject": "不同意调整",
    "extension.request": "申请延期",
    "extension.approve": "同意延期",
    "extension.reject": "不同意延期",
    "contact.record": "沟通记录",
    "opinion.send": "提交协办意见",
    "opinion.waive": "豁免协办意见",
    "reply.post": "答复",
    "reply.follow_up": "跟踪答复",
    "reply.draft.save": "起草答复",
    "reply.draft.sign": "签发答复",
    "reply.draft.return": "退回重办",
    "reply.draft.reclass": "调整答复类别",
    "reply.publish_day": "确定公开日期",
    "feedback.record": "代表反馈",
    "delivery.feedback": "并案代表反馈",
    "cosignature.confirm": "确认附议",
    "cosignature.decline": "拒绝附议",
    "deadline.calendar": "节假日调整期限",
    "request.lapse": "申请自动失效",
    # Supervision (supervision app, DESIGN.md §9).
    "supervision.instruction": "督办意见",
    "supervision.urge": "催办",
    "supervision.visit": "视察座谈",
    "supervision.acknowledge": "签收督办意见",
}


class HistoryIsImmutable(Exception):
    """The audit trail is written once and never changed or deleted."""


# The supervision acts the handling report counts (figures.SUPERVISION_COUNTS); an index
# covers exactly these actions.
SUPERVISION_ACTIONS = ("supervision.instruction", "supervision.urge", "supervision.visit")


def _own_congresses(events: list["AuditEvent"]) -> None:
    """An event belongs to its suggestion's congress, whichever congress the step was taken
    in (a forwarded copy's result written into the sender's timeline): copied from the
    suggestion at hand, else read when the writer did not name it (one query for all)."""
    for event in events:
        if AuditEvent.suggestion.is_cached(event):
            event.congress_id = event.suggestion.congress_id
    missing = {e.suggestion_id for e in events if e.congress_id is None and e.suggestion_id}
    if missing:
        congress_of = dict(
            Suggestion._base_manager.filter(pk__in=missing).values_list("pk", "congress_id")
        )
        for event in events:
            if event.congress_id is None:
                event.congress_id = congress_of.get(event.suggestion_id)


class AuditEventQuerySet(models.QuerySet):
    # Not narrowed to the congress acted in (unlike the owned models' managers): audit-event
    # ids are global, and the rollups' watermark and gap bookkeeping (rollups.changes) read
    # every congress's ids while acting in one. Row-level security still binds the role.
    def update(self, **kwargs):
        raise HistoryIsImmutable("audit events cannot be changed")

    def delete(self):
        raise HistoryIsImmutable("audit events cannot be deleted")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        _own_congresses(objs)
        return super().bulk_create(objs, *args, **kwargs)


class AuditEvent(models.Model):
    """One row per workflow action: who, when, what, from-state, to-state, reason.

    Written once: the ORM refuses updates and deletes, and on PostgreSQL triggers refuse
    UPDATE, DELETE and TRUNCATE in the database too (migrations 0005, 0006; the one way
    around them on purpose is `suggestions.history.history_maintenance`)."""

    # A default, not auto_now_add: imported history keeps the times it really happened.
    at = models.DateTimeField("录入时间", default=timezone.now, editable=False)
    # The day the step happened, when a person records it later (DESIGN.md §7): a paper form
    # given last week and typed in today. Empty for events that happen when entered; read it
    # through `day`, never directly (rows from before this column have it empty).
    happened_on = models.DateField("发生日期", null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("操作", max_length=50)
    suggestion = models.ForeignKey(
        Suggestion, verbose_name="建议", on_delete=models.PROTECT, related_name="events"
    )
    # Its suggestion's congress, copied when written (`_own_congresses`), never the congress
    # acted in by default: the supervision counts and row-level security read one congress's
    # events without joining the suggestion.
    congress = models.ForeignKey(
        "congresses.Congress", verbose_name="人大", on_delete=models.PROTECT, related_name="+"
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name="交办",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    reason = models.TextField("原因", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["at", "id"]
        indexes = [
            # Timeline on the suggestion page, and the key board's latest activity per
            # suggestion (dashboards.selectors.key_suggestions: a backward scan, read from
            # the index alone).
            models.Index(
                fields=["suggestion", "at", "id"],
                include=["action"],
                name="auditevent_suggestion_at_id",
            ),
            # The report's supervision counts (figures.supervision_counts): one congress's few
            # rows among every step of every congress's suggestions, found without the rest.
            models.Index(
                fields=["congress", "action", "happened_on"],
                include=["suggestion"],
                condition=Q(action__in=SUPERVISION_ACTIONS),
                name="auditevent_supervision_idx",
            ),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.action_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryIsImmutable("audit events cannot be changed")
        _own_congresses([self])
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsImmutable("audit events cannot be deleted")

    @property
    def action_label(self) -> str:
        return AUDIT_ACTION_LABELS.get(self.action, self.action)

    @property
    def day(self):
        """The day the step happened: the recorded day, else the local day it was entered."""
        return self.happened_on or timezone.localdate(self.at)

    @property
    def entered_later(self) -> bool:
        """Recorded on a later day than it happened (a back-dated paper record)."""
        return self.day != timezone.localdate(self.at)
