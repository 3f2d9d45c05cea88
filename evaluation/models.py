"""Evaluation rounds of the handling units (DESIGN.md §10): 满意度测评 and 票决评议.

Secrecy: who has voted (`Participation`) is kept apart from what was voted (`Ballot`). A
ballot row names its round, one unit and one verdict, nothing else: no deputy, no timestamp,
no sequential key (random UUIDs), so neither a column nor an ordering leads from a verdict
back to a voter. A deputy's participation and ballots are written in one transaction.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from congresses.fields import owner
from congresses.managers import ActingCongressManager
from suggestions.models import Verdict


class Method(models.TextChoices):
    SATISFACTION = "satisfaction", "满意度测评"
    VOTE = "vote", "票决评议"


class RoundState(models.TextChoices):
    DRAFT = "draft", "准备中"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class EvaluationRound(models.Model):
    """One round: a year, the units evaluated, a method; opened, then closed (immutable)."""

    Method = Method
    State = RoundState

    congress = owner()
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=200)
    method = models.CharField("方式", max_length=20, choices=Method.choices)
    # 票决评议: the 常委会 meeting at which the votes were cast.
    meeting = models.CharField("会议", max_length=100, blank=True)
    state = models.CharField(
        "状态", max_length=10, choices=RoundState.choices, default=RoundState.DRAFT
    )
    units = models.ManyToManyField(
        "units.Unit", verbose_name="测评单位", related_name="evaluation_rounds"
    )
    # 满意度测评: the deputies invited to rate (who actually voted is `Participation`).
    invited = models.ManyToManyField(
        "deputies.Deputy",
        verbose_name="受邀代表",
        related_name="evaluation_invitations",
        blank=True,
    )
    opened_on = models.DateField("开始日期", null=True, blank=True)
    closed_on = models.DateField("结束日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "测评"
        verbose_name_plural = "测评"
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=Method.values), name="evaluationround_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=RoundState.values), name="evaluationround_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.year}年 {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.state == RoundState.CLOSED


class Participation(models.Model):
    """That a deputy has voted in a round (online, or a paper sheet handed in), never what.
    A paper sheet without a name is counted with `deputy` empty."""

    class Channel(models.TextChoices):
        ONLINE = "online", "网上测评"
        PAPER = "paper", "纸质测评表"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(
        EvaluationRound,
        verbose_name="测评",
        on_delete=models.CASCADE,
        related_name="participations",
    )
    deputy = models.ForeignKey(
        "deputies.Deputy",
        verbose_name="代表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField("方式", max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = "参评记录"
        verbose_name_plural = "参评记录"
        constraints = [
            # One vote per deputy and round: the online page and paper entry both meet it.
            models.UniqueConstraint(
                fields=["round", "deputy"],
                condition=Q(deputy__isnull=False),
                name="participation_once_per_deputy",
            ),
        ]

    def __str__(self):
        return f"{self.round} 参评"


class Ballot(models.Model):
    """One verdict on one unit in one round. Deliberately without voter, time or sequence."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(
        EvaluationRound, verbose_name="测评", on_delete=models.CASCADE, related_name="ballots"
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField("评价", max_length=20, choices=Verdict.choices)

    class Meta:
        verbose_name = "测评票"
        verbose_name_plural = "测评票"
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values), name="ballot_verdict_valid"
            ),
        ]
        indexes = [
            # The results: counts per unit and verdict of one round.
            models.Index(fields=["round", "unit", "verdict"], name="ballot_round_unit_idx"),
        ]

    def __str__(self):
        return "测评票"


class VoteCount(models.Model):
    """票决评议: the votes for one unit, entered by staff from the 常委会 meeting's count."""

    round = models.ForeignKey(
        EvaluationRound, verbose_name="测评", on_delete=models.CASCADE, related_name="vote_counts"
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    satisfied = models.PositiveIntegerField("满意票", default=0)
    basically = models.PositiveIntegerField("基本满意票", default=0)
    dissatisfied = models.PositiveIntegerField("不满意票", default=0)

    class Meta:
        verbose_name = "票决计票"
        verbose_name_plural = "票决计票"
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="votecount_one_per_unit"),
        ]

    def __str__(self):
        return f"{self.unit_id}: {self.satisfied}/{self.basically}/{self.dissatisfied}"
