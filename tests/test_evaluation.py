"""Evaluation rounds (DESIGN.md §10): 满意度测评 by invited deputies online or on paper,
票决评议 counts by staff; results per unit with rank; closed rounds immutable; ballots secret."""

import json

import pytest
from django.db import IntegrityError, transaction

from evaluation import services
from evaluation.models import Ballot, EvaluationRound, Participation, VoteCount
from suggestions import workflow

from .factories import DeputyFactory, UnitFactory, UserFactory

S, B, D = "satisfied", "basically", "dissatisfied"


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def ev(people):
    """An open 满意度测评 of two units with the deputy invited (the other deputy is not)."""
    r = services.round_create(
        actor=people.staff,
        year=2026,
        title="2026年度承办单位满意度测评",
        method="satisfaction",
        units=[people.unit, people.other_unit],
        invited=[people.deputy],
    )
    return services.round_open(actor=people.staff, evaluation_round=r)


def ballot_post(people, ev, unit_verdict, other_verdict):
    return {f"unit_{people.unit.pk}": unit_verdict, f"unit_{people.other_unit.pk}": other_verdict}


def invite_voters(people, ev, n):
    """n more invited deputies with accounts (for tallies)."""
    deputies = [DeputyFactory(term=people.term, user=UserFactory(is_deputy=True)) for _ in range(n)]
    ev.invited.add(*deputies)
    return deputies


# --- creating and opening --------------------------------------------------------------------


def test_staff_create_a_round_with_the_government_preset(client, people):
    court = UnitFactory(name="市中级人民法院", system="court")
    client = as_user(client, people.staff)
    response = client.post(
        "/evaluation/new/",
        {
            "year": 2026,
            "title": "政府部门测评",
            "method": "satisfaction",
            "preset": "government",
            "invited": [people.deputy.pk],
        },
    )
    assert response.status_code == 302
    r = EvaluationRound.objects.get(title="政府部门测评")
    assert set(r.units.all()) == {people.unit, people.other_unit}
    assert court not in r.units.all()
    assert r.state == "draft"


def test_the_key_preset_takes_units_handling_key_suggestions(people, journey):
    s, _ = journey.assigned()
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=s, is_key=True, supervisor=people.leader
    )
    assert list(services.preset_units("key")) == [people.unit]


def test_only_staff_create_rounds(client, people):
    for user in (people.leader, people.deputy_user, people.unit_user, people.nobody):
        assert as_user(client, user).get("/evaluation/new/").status_code == 403


def test_a_satisfaction_round_opens_only_with_invited_deputies(people):
    r = services.round_create(
        actor=people.staff, year=2026, title="t", method="satisfaction", units=[people.unit]
    )
    with pytest.raises(workflow.InvalidTransition, match="邀请"):
        services.round_open(actor=people.staff, evaluation_round=r)


# --- the deputy's ballot ---------------------------------------------------------------------


def test_an_invited_deputy_rates_each_unit_once(client, people, ev):
    client = as_user(client, people.deputy_user)
    page = text(client.get(f"/evaluation/{ev.pk}/ballot/"))
    assert people.unit.name in page and people.other_unit.name in page
    response = client.post(f"/evaluation/{ev.pk}/ballot/", ballot_post(people, ev, S, D))
    assert response.status_code == 302
    assert Participation.objects.filter(round=ev, deputy=people.deputy).count() == 1
    assert sorted(Ballot.objects.filter(round=ev).values_list("verdict", flat=True)) == [D, S]
    page = text(client.get(f"/evaluation/{ev.pk}/ballot/"))
    assert "您已参加本次测评" in page
    again = client.post(f"/evaluation/{ev.pk}/ballot/", ballot_post(people, ev, S, S))
    assert "不能重复投票" in text(again)
    assert Ballot.objects.filter(round=ev).count() == 2


def test_a_ballot_must_rate_every_unit(client, people, ev):
    client = as_user(client, people.deputy_user)
    response = client.post(f"/evaluation/{ev.pk}/ballot/", {f"unit_{people.unit.pk}": S})
    assert response.status_code == 200
    assert not Participation.objects.exists() and not Ballot.objects.exists()


def test_an_uninvited_deputy_gets_403(client, people, ev):
    client = as_user(client, people.other_deputy_user)
    assert client.get(f"/evaluation/{ev.pk}/ballot/").status_code == 403
    assert (
        client.post(f"/evaluation/{ev.pk}/ballot/", ballot_post(people, ev, S, S)).status_code
        == 403
    )
    assert not Ballot.objects.exists()


def test_outsiders_get_404_and_read_only_roles_403(client, people, ev):
    # A unit user sees no open round, nobody sees none: 404.
    for user in (people.unit_user, people.nobody):
        assert as_user(client, user).get(f"/evaluation/{ev.pk}/ballot/").status_code == 404
        assert as_user(client, user).get(f"/evaluation/{ev.pk}/").status_code == 404
    # The leader reads the round but enters nothing.
    leader = as_user(client, people.leader)
    assert leader.get(f"/evaluation/{ev.pk}/").status_code == 200
    for path in ("paper/", "votes/", "edit/"):
        assert leader.get(f"/evaluation/{ev.pk}/{path}").status_code == 403
    assert leader.post(f"/evaluation/{ev.pk}/close/").status_code == 403
    assert leader.get(f"/evaluation/{ev.pk}/ballot/").status_code == 403
    assert as_user(client, people.nobody).get("/evaluation/").status_code == 403


def test_the_deputy_list_offers_only_invited_rounds(client, people, ev):
    services.round_create(
        actor=people.staff, year=2026, title="别的测评", method="vote", units=[people.unit]
    )
    page = text(as_user(client, people.deputy_user).get("/evaluation/"))
    assert "参加测评" in page and "别的测评" not in page
    assert "2026年度承办单位满意度测评" not in text(
        as_user(client, people.other_deputy_user).get("/evaluation/")
    )


# --- paper ballots and 票决评议 ----------------------------------------------------------------


def test_staff_enter_a_signed_paper_ballot_and_the_deputy_cannot_vote_again(client, people, ev):
    staff = as_user(client, people.staff)
    data = {**ballot_post(people, ev, B, B), "deputy": people.deputy.pk}
    assert staff.post(f"/evaluation/{ev.pk}/paper/", data).status_code == 302
    assert Participation.objects.get(round=ev).channel == "paper"
    with pytest.raises(workflow.InvalidTransition, match="不能重复"):
        services.ballot_cast(
            actor=people.deputy_user,
            evaluation_round=ev,
            verdicts={people.unit.pk: S, people.other_unit.pk: S},
        )


def test_an_unsigned_paper_ballot_counts_as_a_participation(client, people, ev):
    staff = as_user(client, people.staff)
    staff.post(f"/evaluation/{ev.pk}/paper/", ballot_post(people, ev, S, B))
    staff.post(f"/evaluation/{ev.pk}/paper/", ballot_post(people, ev, S, B))
    assert Participation.objects.filter(round=ev, deputy__isnull=True).count() == 2
    assert "已参加 2 人" in text(staff.get(f"/evaluation/{ev.pk}/"))


def test_vote_counts_are_entered_and_ranked(client, people):
    third = UnitFactory(name="市卫生健康委员会")
    r = services.round_create(
        actor=people.staff,
        year=2026,
        title="票决评议",
        method="vote",
        meeting="市人大常委会第十次会议",
        units=[people.unit, people.other_unit, third],
    )
    services.round_open(actor=people.staff, evaluation_round=r)
    staff = as_user(client, people.staff)
    data = {}
    for unit, counts in (
        (people.unit, (30, 10, 2)),  # 95.2% content
        (people.other_unit, (20, 20, 2)),  # 95.2% content, fewer satisfied: 2nd
        (third, (10, 10, 22)),
    ):
        for key, n in zip(("satisfied", "basically", "dissatisfied"), counts, strict=True):
            data[f"{key}_{unit.pk}"] = n
    assert staff.post(f"/evaluation/{r.pk}/votes/", data).status_code == 302
    assert VoteCount.objects.filter(round=r).count() == 3
    services.round_close(actor=people.staff, evaluation_round=r)
    page = text(staff.get(f"/evaluation/{r.pk}/"))
    assert "95.2%" in page and "71.4%" in page and "47.6%" in page
    from evaluation.selectors import results_of

    ranked = results_of([r])[r.pk]
    assert [(x.unit_name, x.rank) for x in ranked] == [
        (people.unit.name, 1),
        (people.other_unit.name, 2),
        (third.name, 3),
    ]


def test_vote_counts_are_refused_for_a_satisfaction_round(people, ev):
    with pytest.raises(workflow.InvalidTransition):
        services.votes_enter(
            actor=people.staff, evaluation_round=ev, counts={people.unit.pk: (1, 0, 0)}
        )


# --- closed is immutable ---------------------------------------------------------------------


def test_a_closed_round_refuses_ballots_edits_and_counts(client, people, ev):
    services.round_close(actor=people.staff, evaluation_round=ev)
    deputy = as_user(client, people.deputy_user)
    page = text(deputy.get(f"/evaluation/{ev.pk}/ballot/"))
    assert "该测评已结束" in page
    response = deputy.post(f"/evaluation/{ev.pk}/ballot/", ballot_post(people, ev, S, S))
    assert "该测评已结束" in text(response)
    staff = as_user(client, people.staff)
    response = staff.post(f"/evaluation/{ev.pk}/paper/", ballot_post(people, ev, S, S))
    assert "该测评已结束" in text(response)
    response = staff.get(f"/evaluation/{ev.pk}/edit/", follow=True)
    assert "该测评已结束" in text(response)
    with pytest.raises(workflow.InvalidTransition, match="已结束"):
        services.round_update(
            actor=people.staff, evaluation_round=ev, year=2027, title="x", units=[people.unit]
        )
    response = staff.post(f"/evaluation/{ev.pk}/close/", follow=True)
    assert "该测评已结束" in text(response)
    assert not Ballot.objects.exists()
    ev.refresh_from_db()
    assert ev.year == 2026


def test_the_database_refuses_a_ballot_of_a_closed_round(people, ev):
    services.round_close(actor=people.staff, evaluation_round=ev)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(round=ev, unit=people.unit, verdict=S)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRound.objects.filter(pk=ev.pk).update(title="改过的")


# --- results ---------------------------------------------------------------------------------


def _vote(people, ev, deputies, verdicts):
    for deputy, (mine, other) in zip(deputies, verdicts, strict=True):
        services.ballot_cast(
            actor=deputy.user,
            evaluation_round=ev,
            verdicts={people.unit.pk: mine, people.other_unit.pk: other},
        )


@pytest.fixture
def closed(people, ev):
    deputies = [people.deputy, *invite_voters(people, ev, 2)]
    _vote(people, ev, deputies, [(S, D), (S, B), (B, D)])
    return services.round_close(actor=people.staff, evaluation_round=ev)


def test_results_show_rates_to_one_decimal_and_ranks_on_the_scorecards(client, people, closed):
    leader = as_user(client, people.leader)
    page = text(leader.get("/dashboard/units/"))
    assert 'id="unit-evaluations"' in page and closed.title in page
    # 市交通运输局: 2 满意 of 3 → 66.7%, 100.0% content, rank 1; 市教育局: 0.0%, 33.3%.
    assert "66.7%" in page and "100.0%" in page and "33.3%" in page
    unit_page = text(leader.get(f"/dashboard/units/{people.unit.pk}/"))
    assert 'id="unit-evaluation-block"' in unit_page and "第1名 / 2" in unit_page
    other_page = text(leader.get(f"/dashboard/units/{people.other_unit.pk}/"))
    assert "第2名 / 2" in other_page


def test_results_are_in_the_report_and_its_exports(client, people, closed):
    from io import BytesIO

    from docx import Document
    from openpyxl import load_workbook

    leader = as_user(client, people.leader)
    page = text(leader.get("/dashboard/report/"))
    assert "承办单位测评结果" in page and closed.title in page and "66.7%" in page
    docx = Document(BytesIO(leader.get("/dashboard/report.docx").content))
    cells = [c.text for t in docx.tables for row in t.rows for c in row.cells]
    assert "承办单位测评结果" in [p.text for p in docx.paragraphs]
    assert "66.7%" in cells
    book = load_workbook(BytesIO(leader.get("/dashboard/report.xlsx").content))
    sheet = book["单位测评"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert people.unit.name in values and 2 in values  # 满意 count of the unit


def test_the_unit_sees_only_its_own_result(client, people, closed):
    unit = as_user(client, people.unit_user)
    page = text(unit.get("/inbox/evaluation/"))
    assert closed.title in page and "第1名 / 2" in page
    assert people.other_unit.name not in page
    assert unit.get(f"/evaluation/{closed.pk}/").status_code == 403
    data = unit.get(f"/api/v1/evaluation/rounds/{closed.pk}/").json()
    assert [r["unit_id"] for r in data["results"]] == [people.unit.pk]
    # A unit not evaluated in the round does not see it at all.
    stranger = UserFactory(is_unit_user=True, unit=UnitFactory(name="市水务局"))
    assert (
        as_user(client, stranger).get(f"/api/v1/evaluation/rounds/{closed.pk}/").status_code == 404
    )
    assert closed.title not in text(as_user(client, stranger).get("/inbox/evaluation/"))


def test_results_are_hidden_while_the_round_is_open(client, people, ev):
    _vote(people, ev, [people.deputy], [(S, D)])
    page = text(as_user(client, people.staff).get(f"/evaluation/{ev.pk}/"))
    assert "测评结束后显示结果" in page
    assert (
        "results"
        not in as_user(client, people.staff).get(f"/api/v1/evaluation/rounds/{ev.pk}/").json()
    )


# --- API ---------------------------------------------------------------------------------------


def test_the_api_ballot_for_invited_deputies_only(client, people, ev):
    body = json.dumps({"verdicts": {str(people.unit.pk): S, str(people.other_unit.pk): B}})
    other = as_user(client, people.other_deputy_user)
    url = f"/api/v1/evaluation/rounds/{ev.pk}/ballot/"
    assert other.post(url, body, content_type="application/json").status_code == 403
    deputy = as_user(client, people.deputy_user)
    assert deputy.post(url, body, content_type="application/json").status_code == 201
    again = deputy.post(url, body, content_type="application/json")
    assert again.status_code == 409 and "不能重复投票" in again.json()["errors"][0]["message"]
    services.round_close(actor=people.staff, evaluation_round=ev)
    rounds = as_user(client, people.leader).get("/api/v1/evaluation/rounds/").json()
    assert rounds[0]["voted"] == 1 and rounds[0]["invited"] == 1


# --- secrecy -----------------------------------------------------------------------------------


def test_no_page_api_admin_or_export_leads_from_a_verdict_to_a_voter(client, people, ev):
    """The named deputy votes 不满意 for one unit; nothing that shows the result also names
    who voted what, and the ballot rows hold no reference to a voter."""
    ev.invited.add(people.other_deputy)  # invited, does not vote
    _vote(people, ev, [people.deputy], [(D, S)])
    services.round_close(actor=people.staff, evaluation_round=ev)
    # The ballot row: round, unit, verdict and a random key — nothing else.
    assert {f.name for f in Ballot._meta.get_fields()} == {"id", "round", "unit", "verdict"}
    assert {f.name for f in Participation._meta.get_fields()} == {
        "id",
        "round",
        "deputy",
        "channel",
    }
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    checks = [
        (people.staff, f"/evaluation/{ev.pk}/"),
        (people.staff, "/evaluation/"),
        (people.leader, f"/evaluation/{ev.pk}/"),
        (people.leader, "/dashboard/units/"),
        (people.leader, f"/dashboard/units/{people.unit.pk}/"),
        (people.leader, "/dashboard/report/"),
        (people.unit_user, "/inbox/evaluation/"),
        (people.deputy_user, f"/evaluation/{ev.pk}/ballot/"),
        (people.deputy_user, "/evaluation/"),
        (people.staff, f"/api/v1/evaluation/rounds/{ev.pk}/"),
        (people.staff, "/api/v1/evaluation/rounds/"),
        (people.unit_user, f"/api/v1/evaluation/rounds/{ev.pk}/"),
        (admin, f"/admin/evaluation/evaluationround/{ev.pk}/change/"),
        (admin, "/admin/evaluation/evaluationround/"),
        (admin, "/admin/"),
    ]
    for user, path in checks:
        response = as_user(client, user).get(path)
        assert response.status_code == 200, path
        body = text(response)
        # Whoever lists invited deputies lists both: who voted is never told apart, and
        # no page names a voter beside a verdict.
        voter, abstainer = people.deputy.name in body, people.other_deputy.name in body
        assert voter == abstainer, path
        for b in Ballot.objects.all():
            assert str(b.id) not in body, path
    # The admin registers neither ballots nor participations.
    staff_admin = as_user(client, admin)
    assert staff_admin.get("/admin/evaluation/ballot/").status_code == 404
    assert staff_admin.get("/admin/evaluation/participation/").status_code == 404
    from io import BytesIO

    from docx import Document
    from openpyxl import load_workbook

    leader = as_user(client, people.leader)
    docx = Document(BytesIO(leader.get("/dashboard/report.docx").content))
    words = [p.text for p in docx.paragraphs] + [
        c.text for t in docx.tables for row in t.rows for c in row.cells
    ]
    book = load_workbook(BytesIO(leader.get("/dashboard/report.xlsx").content))
    words += [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row]
    assert any(ev.title in w for w in words)  # the round is in both exports
    assert not any(people.deputy.name in w for w in words)


# --- query budgets -----------------------------------------------------------------------------


def test_evaluation_pages_take_a_constant_number_of_queries(
    client, people, ev, django_assert_max_num_queries
):
    deputies = [people.deputy, *invite_voters(people, ev, 3)]
    _vote(people, ev, deputies, [(S, D), (S, B), (B, D), (S, S)])
    for _ in range(3):
        ev.units.add(UnitFactory())
    services.round_close(actor=people.staff, evaluation_round=ev)
    pages = [
        (people.staff, "/evaluation/"),
        (people.staff, f"/evaluation/{ev.pk}/"),
        (people.deputy_user, "/evaluation/"),
        (people.deputy_user, f"/evaluation/{ev.pk}/ballot/"),
        (people.unit_user, "/inbox/evaluation/"),
        (people.leader, f"/api/v1/evaluation/rounds/{ev.pk}/"),
    ]
    for user, path in pages:
        c = as_user(client, user)
        with django_assert_max_num_queries(14):
            assert c.get(path).status_code == 200, path


def test_the_paper_and_votes_pages_take_a_constant_number_of_queries(
    client, people, django_assert_max_num_queries
):
    r = services.round_create(
        actor=people.staff,
        year=2026,
        title="票决",
        method="vote",
        units=[people.unit, *[UnitFactory() for _ in range(6)]],
    )
    services.round_open(actor=people.staff, evaluation_round=r)
    c = as_user(client, people.staff)
    with django_assert_max_num_queries(12):
        assert c.get(f"/evaluation/{r.pk}/votes/").status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get("/evaluation/new/").status_code == 200
    with django_assert_max_num_queries(14):
        assert c.get(f"/evaluation/{r.pk}/edit/").status_code == 200
    s = services.round_create(
        actor=people.staff,
        year=2026,
        title="测评",
        method="satisfaction",
        units=list(r.units.all()),
        invited=[people.deputy, people.other_deputy],
    )
    services.round_open(actor=people.staff, evaluation_round=s)
    with django_assert_max_num_queries(12):
        assert c.get(f"/evaluation/{s.pk}/paper/").status_code == 200


# --- the phone ballot in Chromium ----------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_deputy_votes_on_a_phone(page, live_server, people):
    from .conftest import screenshot
    from .factories import PASSWORD

    r = services.round_create(
        actor=people.staff,
        year=2026,
        title="2026年度满意度测评",
        method="satisfaction",
        units=[people.unit, people.other_unit],
        invited=[people.deputy],
    )
    services.round_open(actor=people.staff, evaluation_round=r)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", people.deputy_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/evaluation/")
    page.click("text=参加测评")
    page.check(f"input[name=unit_{people.unit.pk}][value=satisfied]")
    page.check(f"input[name=unit_{people.other_unit.pk}][value=basically]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "evaluation-ballot-390-filled")
    page.click("text=提交测评")
    page.wait_for_selector("#ballot-done")
    screenshot(page, "evaluation-ballot-390-done")
    assert sorted(Ballot.objects.values_list("verdict", flat=True)) == [B, S]
    assert Participation.objects.get().deputy == people.deputy
