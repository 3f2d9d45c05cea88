"""Every write of an evaluation round (DESIGN.md §10). One transaction each; refusals raise
the workflow's errors with a Chinese message (pages show it, the API maps it to 4xx).

A round is prepared (准备中), opened (进行中: ballots or vote counts may be entered), then
closed (已结束): from then on nothing about it changes (a database trigger refuses it too).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import Exists, OuterRef

from suggestions import dates
from suggestions.models import Assignment, Suggestion, Verdict
from suggestions.workflow import InvalidTransition, NotPermitted, _require_staff
from units.models import Unit, UnitSystem

from .models import Ballot, EvaluationRound, Participation, VoteCount

M, R = EvaluationRound.Method, EvaluationRound.State
CLOSED_MESSAGE = "该测评已结束,结果已确定,不能再修改或投票"

# The two ways of choosing the units evaluated (the form offers both, then any change).
PRESETS = {
    "key": "承办重点建议的单位",
    "government": "全部政府系统单位",
}


def preset_units(preset: str, *, year: int | None = None):
    """The units a preset names: `key` — units with an answering assignment of a key
    suggestion (of `year`'s suggestions when given, by the day it was proposed);
    `government` — every active unit of the government system."""
    if preset == "government":
        return Unit.objects.filter(is_active=True, system=UnitSystem.GOVERNMENT)
    if preset == "key":
        key = Suggestion.objects.filter(is_key=True)
        if year:
            key = key.filter(submitted_on__year=year)
        answering = Assignment.objects.filter(
            unit=OuterRef("pk"),
            role__in=Assignment.ANSWERING_ROLES,
            suggestion__in=key.values("pk"),
        )
        return Unit.objects.filter(Exists(answering))
    raise ValueError(f"unknown preset {preset!r}")


def _lock(evaluation_round: EvaluationRound) -> EvaluationRound:
    return EvaluationRound.objects.select_for_update().get(pk=evaluation_round.pk)


def _require_open(evaluation_round: EvaluationRound) -> None:
    if evaluation_round.state == R.CLOSED:
        raise InvalidTransition(CLOSED_MESSAGE, "round_closed")
    if evaluation_round.state != R.OPEN:
        raise InvalidTransition("该测评尚未开始", "round_not_open")


def _require_text(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidTransition(f"请填写{label}", "missing_" + label)
    return value


@transaction.atomic
def round_create(
    *,
    actor,
    year: int,
    title: str,
    method: str,
    units: Iterable,
    invited: Iterable = (),
    meeting: str = "",
) -> EvaluationRound:
    _require_staff(actor)
    if method not in M.values:
        raise InvalidTransition("请选择测评方式", "bad_method")
    units = list(units)
    if not units:
        raise InvalidTransition("请选择参加测评的单位", "no_units")
    evaluation_round = EvaluationRound.objects.create(
        year=year,
        title=_require_text(title, "测评名称"),
        method=method,
        meeting=(meeting or "").strip(),
        created_by=actor,
    )
    evaluation_round.units.set(units)
    evaluation_round.invited.set(list(invited) if method == M.SATISFACTION else [])
    return evaluation_round


@transaction.atomic
def round_update(
    *,
    actor,
    evaluation_round: EvaluationRound,
    year: int,
    title: str,
    units: Iterable,
    invited: Iterable = (),
    meeting: str = "",
    method: str | None = None,
) -> EvaluationRound:
    """Change a round still being prepared; once open, only the invitation list may grow
    (and the title); a closed round is refused."""
    _require_staff(actor)
    current = _lock(evaluation_round)
    if current.state == R.CLOSED:
        raise InvalidTransition(CLOSED_MESSAGE, "round_closed")
    units, invited = list(units), list(invited)
    if not units:
        raise InvalidTransition("请选择参加测评的单位", "no_units")
    if current.state == R.OPEN:
        if {u.pk for u in units} != set(current.units.values_list("pk", flat=True)):
            raise InvalidTransition("测评已开始,不能再更改测评单位", "units_fixed")
        if method and method != current.method:
            raise InvalidTransition("测评已开始,不能再更改测评方式", "method_fixed")
        voted = set(
            current.participations.filter(deputy__isnull=False).values_list("deputy_id", flat=True)
        )
        if voted - {d.pk for d in invited}:
            raise InvalidTransition("已参加测评的代表不能取消邀请", "invited_voted")
    elif method:
        if method not in M.values:
            raise InvalidTransition("请选择测评方式", "bad_method")
        current.method = method
    current.year = year
    current.title = _require_text(title, "测评名称")
    current.meeting = (meeting or "").strip()
    current.save()
    current.units.set(units)
    current.invited.set(invited if current.method == M.SATISFACTION else [])
    return current


@transaction.atomic
def round_open(*, actor, evaluation_round: EvaluationRound) -> EvaluationRound:
    _require_staff(actor)
    current = _lock(evaluation_round)
    if current.state != R.DRAFT:
        raise InvalidTransition(
            CLOSED_MESSAGE if current.state == R.CLOSED else "该测评已开始", "not_draft"
        )
    if not current.units.exists():
        raise InvalidTransition("请先选择参加测评的单位", "no_units")
    if current.method == M.SATISFACTION and not current.invited.exists():
        raise InvalidTransition("满意度测评请先邀请参加测评的代表", "no_invited")
    current.state, current.opened_on = R.OPEN, dates.today()
    current.save(update_fields=["state", "opened_on"])
    return current


@transaction.atomic
def round_close(*, actor, evaluation_round: EvaluationRound) -> EvaluationRound:
    _require_staff(actor)
    current = _lock(evaluation_round)
    _require_open(current)
    current.state, current.closed_on = R.CLOSED, dates.today()
    current.save(update_fields=["state", "closed_on"])
    return current


def _checked_verdicts(evaluation_round: EvaluationRound, verdicts: Mapping) -> list[tuple]:
    """Every unit of the round rated once with a valid verdict, as (unit id, verdict)."""
    unit_ids = set(evaluation_round.units.values_list("pk", flat=True))
    given = {int(k): v for k, v in verdicts.items()}
    if set(given) != unit_ids:
        raise InvalidTransition("请对每个测评单位都作出评价", "incomplete_ballot")
    if any(v not in Verdict.values for v in given.values()):
        raise InvalidTransition("评价只能是满意、基本满意或不满意", "bad_verdict")
    pairs = list(given.items())
    # Rows are written in a random order: not even their order follows the form's.
    random.SystemRandom().shuffle(pairs)
    return pairs


def _write_ballot(evaluation_round, pairs, *, deputy, channel) -> None:
    """The participation and the verdicts of one voter, in the caller's transaction; the
    verdict rows carry no reference to the participation or the voter."""
    Participation.objects.create(round=evaluation_round, deputy=deputy, channel=channel)
    Ballot.objects.bulk_create(
        Ballot(round=evaluation_round, unit_id=unit_id, verdict=verdict)
        for unit_id, verdict in pairs
    )


def _require_satisfaction(evaluation_round) -> None:
    if evaluation_round.method != M.SATISFACTION:
        raise InvalidTransition("票决评议由工作人员录入计票结果", "not_satisfaction")


@transaction.atomic
def ballot_cast(*, actor, evaluation_round: EvaluationRound, verdicts: Mapping) -> None:
    """An invited deputy rates every unit of an open 满意度测评, once."""
    current = _lock(evaluation_round)
    deputy = current.invited.filter(user=actor).first() if actor.is_deputy else None
    if deputy is None:
        raise NotPermitted("您未受邀参加本次测评", "not_invited")
    _require_open(current)
    _require_satisfaction(current)
    if current.participations.filter(deputy=deputy).exists():
        raise InvalidTransition("您已参加本次测评,不能重复投票", "already_voted")
    _write_ballot(current, _checked_verdicts(current, verdicts), deputy=deputy, channel="online")


@transaction.atomic
def paper_ballot_enter(
    *, actor, evaluation_round: EvaluationRound, verdicts: Mapping, deputy=None
) -> None:
    """Staff enter one paper 测评表. A signed sheet names its invited deputy (who then cannot
    vote online); an unsigned one is counted as an anonymous participation."""
    _require_staff(actor)
    current = _lock(evaluation_round)
    _require_open(current)
    _require_satisfaction(current)
    if deputy is not None:
        if not current.invited.filter(pk=deputy.pk).exists():
            raise InvalidTransition("该代表未受邀参加本次测评", "not_invited")
        if current.participations.filter(deputy=deputy).exists():
            raise InvalidTransition("该代表已参加本次测评,不能重复录入", "already_voted")
    _write_ballot(current, _checked_verdicts(current, verdicts), deputy=deputy, channel="paper")


@transaction.atomic
def votes_enter(*, actor, evaluation_round: EvaluationRound, counts: Mapping) -> None:
    """票决评议: staff enter the count for each unit (满意, 基本满意, 不满意), replacing what
    was entered before, while the round is open."""
    _require_staff(actor)
    current = _lock(evaluation_round)
    _require_open(current)
    if current.method != M.VOTE:
        raise InvalidTransition("满意度测评的结果来自代表的测评票,不能直接录入票数", "not_vote")
    unit_ids = set(current.units.values_list("pk", flat=True))
    given = {int(k): v for k, v in counts.items()}
    if set(given) != unit_ids:
        raise InvalidTransition("请录入每个测评单位的票数", "incomplete_counts")
    for unit_id, (satisfied, basically, dissatisfied) in given.items():
        if min(satisfied, basically, dissatisfied) < 0:
            raise InvalidTransition("票数不能为负数", "negative_count")
        VoteCount.objects.update_or_create(
            round=current,
            unit_id=unit_id,
            defaults={
                "satisfied": satisfied,
                "basically": basically,
                "dissatisfied": dissatisfied,
            },
        )
