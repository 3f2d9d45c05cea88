"""The demo's data for 预交办, evaluation rounds and the commitments ledger, as the demo
accounts see it: a plan in its answer window, last year's closed round and this year's open
one (the demo deputy's phone ballot), and the demo unit's commitments with a real 承诺兑现率."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from commitments.models import Commitment
from evaluation.models import Ballot, EvaluationRound
from planning.models import AssignmentPlan, PlanUnit
from suggestions import demo, figures

pytestmark = pytest.mark.django_db

REF = demo.BASE_REFERENCE_DATE


@pytest.fixture
def seeded(settings):
    call_command("seed_demo", scale=200, seed=2026, reference_date=REF, stdout=StringIO())
    settings.PORTAL_TODAY = REF


def page(username, url) -> str:
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200, (username, url, response.status_code)
    return response.content.decode()


def test_a_published_plan_waits_for_the_units_answers(seeded):
    plan = AssignmentPlan.objects.get()
    assert plan.state == "published" and plan.published_on < REF <= plan.answer_by
    unit = User.objects.get(username="unit").unit
    answers = PlanUnit.objects.filter(item__plan=plan).order_by("item__suggestion__number", "role")
    assert [(a.unit == unit, a.role, a.decision) for a in answers][:3] == [
        (True, "lead", "accept"),
        (True, "co", ""),  # the demo unit still to answer
        (False, "lead", "object"),
    ]

    staff_view = page("staff", reverse("plans:detail", args=[plan.pk]))
    assert plan.title in staff_view and "不属于本单位职责" in staff_view
    assert plan.title in page("leader", reverse("plans:list"))
    unit_view = page("unit", reverse("inbox:plans"))
    assert plan.title in unit_view and "同意" in unit_view


def test_last_year_s_round_is_closed_with_results_and_this_year_s_is_open(seeded):
    closed = EvaluationRound.objects.get(state="closed")
    current = EvaluationRound.objects.get(state="open")
    assert closed.year == REF.year - 1 and current.year == REF.year
    participations = closed.participations.all()
    assert {p.channel for p in participations} == {"paper"}
    assert participations.filter(deputy__isnull=True).exists()  # unsigned sheets count too
    assert Ballot.objects.filter(round=closed).count() == 12 * closed.units.count()

    deputy = User.objects.get(username="deputy")
    assert current.invited.filter(user=deputy).exists()
    assert not current.participations.filter(deputy__user=deputy).exists()
    ballot = page("deputy", reverse("evaluation:ballot", args=[current.pk]))
    assert current.title in ballot and closed.units.first().name in ballot

    results = page("leader", reverse("evaluation:detail", args=[closed.pk]))
    assert closed.title in results and "已结束" in results
    assert closed.title in page("unit", reverse("unit_evaluation:results"))


def test_the_demo_unit_s_commitments_give_a_real_fulfilment_rate(seeded):
    unit = User.objects.get(username="unit").unit
    rows = Commitment.objects.filter(reply__assignment__unit=unit)
    assert rows.count() == 4
    done = rows.filter(completed_on__isnull=False)
    assert done.count() == 2 and all(c.evidence.exists() for c in done)
    assert rows.filter(completed_on__isnull=True, due_on__lt=REF).count() == 1  # overdue
    assert rows.filter(due_on__gt=REF).count() == 1  # not yet due
    rate = figures.commitment_fulfilment(as_of=REF, scope=figures.Scope(unit=unit))
    assert (rate.numerator, rate.denominator) == (2, 3)

    ledger = page("unit", reverse("commitments:ledger"))
    assert "完成问题点位整改并组织验收" in ledger and "年内完成方案编制并向代表通报" in ledger
    board = page("leader", reverse("dashboards:unit", args=[unit.pk]))
    assert "66.7%" in board
    evidence = done.first().evidence.get()
    client = Client()
    client.force_login(User.objects.get(username="unit"))
    download = client.get(reverse("commitments:evidence", args=[evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
