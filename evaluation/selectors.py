"""Reads of evaluation rounds: lists, participation and results (figures.evaluation_ranking).

Results come from counts only: per unit and verdict `Ballot` rows are counted, never listed;
no selector returns a ballot row, and participations are counted, not joined to ballots.
Results are shown once a round is closed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q

from suggestions import access, figures
from suggestions.models import Verdict

from .models import Ballot, EvaluationRound, Participation, VoteCount

R = EvaluationRound.State


def rounds_for(user):
    """The rounds list of a user, newest first, with counts of units, invited and voters."""
    return (
        access.evaluation_rounds_visible_to(user)
        .annotate(
            unit_count=Count("units", distinct=True),
            invited_count=Count("invited", distinct=True),
            voter_count=Count("participations", distinct=True),
        )
        .order_by("-year", "-id")
    )


def deputy_rounds(user) -> tuple[set[int], set[int]]:
    """The ids of the rounds the user is invited to, and of those they have voted in."""
    if not user.is_deputy:
        return set(), set()
    invited = EvaluationRound.invited.through.objects.filter(access.seat_q(user))
    voted = Participation.objects.filter(access.seat_q(user))
    return (
        set(invited.values_list("evaluationround_id", flat=True)),
        set(voted.values_list("round_id", flat=True)),
    )


@dataclass
class Turnout:
    invited: int
    voted: int  # participations: online, signed and anonymous paper sheets
    paper: int

    @property
    def rate(self) -> figures.Rate:
        return figures.Rate(self.voted, self.invited)


def turnout(evaluation_round: EvaluationRound) -> Turnout:
    counts = evaluation_round.participations.aggregate(
        voted=Count("pk"), paper=Count("pk", filter=Q(channel="paper"))
    )
    return Turnout(evaluation_round.invited.count(), counts["voted"], counts["paper"])


def results_of(rounds: list[EvaluationRound]) -> dict[int, list[figures.EvaluationResult]]:
    """The ranked results of each round (its units', from ballots or vote counts), in three
    queries whatever the number of rounds."""
    if not rounds:
        return {}
    ids = [r.pk for r in rounds]
    counts: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    names: dict[int, dict[int, str]] = defaultdict(dict)
    through = EvaluationRound.units.through.objects.filter(evaluationround_id__in=ids)
    for round_id, unit_id, name in through.values_list(
        "evaluationround_id", "unit_id", "unit__name"
    ):
        names[round_id][unit_id] = name
        counts[round_id][unit_id]  # every unit evaluated has a row, rated or not
    slot = {Verdict.SATISFIED: 0, Verdict.BASICALLY: 1, Verdict.DISSATISFIED: 2}
    ballots = (
        Ballot.objects.filter(round_id__in=ids)
        .values_list("round_id", "unit_id", "verdict")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for round_id, unit_id, verdict, n in ballots:
        counts[round_id][unit_id][slot[verdict]] += n
    votes = VoteCount.objects.filter(round_id__in=ids).values_list(
        "round_id", "unit_id", "satisfied", "basically", "dissatisfied"
    )
    for round_id, unit_id, s, b, d in votes:
        counts[round_id][unit_id] = [s, b, d]
    return {
        rid: figures.evaluation_ranking(
            [(uid, names[rid].get(uid, ""), *c) for uid, c in counts[rid].items()]
        )
        for rid in ids
    }


def closed_rounds(*, as_of=None, limit: int | None = None):
    qs = EvaluationRound.objects.filter(state=R.CLOSED)
    if as_of is not None:
        qs = qs.filter(closed_on__lte=as_of)
    qs = qs.order_by("-year", "-closed_on", "-id")
    return list(qs[:limit] if limit else qs)


@dataclass
class UnitResult:
    round: EvaluationRound
    result: figures.EvaluationResult
    of: int  # units evaluated in the round


def unit_results(unit_id: int, *, as_of=None) -> list[UnitResult]:
    """One unit's result in every closed round that evaluated it (rank of how many)."""
    rounds = list(
        EvaluationRound.objects.filter(state=R.CLOSED, units=unit_id).order_by(
            "-year", "-closed_on", "-id"
        )
    )
    if as_of is not None:
        rounds = [r for r in rounds if r.closed_on and r.closed_on <= as_of]
    results = results_of(rounds)
    out = []
    for r in rounds:
        mine = [x for x in results[r.pk] if x.unit_id == unit_id]
        if mine:
            out.append(UnitResult(r, mine[0], len(results[r.pk])))
    return out


@dataclass
class Block:
    """A closed round with its ranked results (the scorecards' and the report's block)."""

    round: EvaluationRound
    results: list


def latest_blocks(*, as_of=None, limit: int = 3) -> list[Block]:
    rounds = closed_rounds(as_of=as_of, limit=limit)
    results = results_of(rounds)
    return [Block(r, results[r.pk]) for r in rounds]
