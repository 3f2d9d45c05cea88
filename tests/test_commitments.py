"""The commitments ledger (台账) of B/C replies, its reminders and 承诺兑现率 (DESIGN.md §10)."""

import datetime as dt

import pytest

from commitments import services
from commitments.models import Commitment, CommitmentReminder, Evidence
from notifications.models import Notification
from notifications.reminders import commitment_reminders_send, reminders_send
from suggestions import figures, workflow
from suggestions.models import Reply, ReplyDraft

from .factories import FIVE_FIXED, pdf_upload, release_reply, sign_and_release

TODAY = dt.date(2026, 11, 20)


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PORTAL_TODAY = TODAY


def reply_of(people, journey, *, result="B", unit="unit", replied_on=None):
    """A reply of `unit` (a name on People), dated `replied_on` (default today)."""
    _, assignment = journey.assigned(roles=((unit, "lead"),), assigned_on=dt.date(2026, 8, 3))
    user = people.unit_user if unit == "unit" else people.other_unit_user
    workflow.assignment_accept(
        actor=user, assignment=assignment, accepted_on=dt.date(2026, 8, 4), **FIVE_FIXED
    )
    return release_reply(
        actor=user,
        assignment=assignment,
        text="正在解决,列入明年计划。",
        result=result,
        replied_on=replied_on or dt.date(2026, 9, 1),
        is_public=True,
    )


@pytest.fixture
def b_reply(people, journey):
    return reply_of(people, journey)


def add(people, reply, *, due_on, what="年底前完成道路改造"):
    return services.commitment_add(
        actor=people.unit_user, reply=reply, what=what, due_on=due_on, responsible="建设科 王科长"
    )


def complete(people, commitment, *, on):
    return services.commitment_complete(
        actor=people.unit_user,
        commitment=commitment,
        note="已完工验收",
        completed_on=on,
        evidence=[pdf_upload("验收报告.pdf")],
    )


# --- entering, notes, completion ---------------------------------------------------------------


def test_the_unit_enters_a_commitment_on_its_assignment_page(client, people, b_reply):
    unit = as_user(client, people.unit_user)
    page = text(unit.get(f"/inbox/{b_reply.assignment_id}/"))
    assert 'id="commitments"' in page and "登记承诺事项" in page
    response = unit.post(
        f"/inbox/ledger/reply/{b_reply.pk}/new/",
        {"what": "拓宽主干道", "due_on": "2026-12-31", "responsible": "建设科"},
    )
    assert response.status_code == 302
    c = Commitment.objects.get()
    assert (c.what, c.due_on, c.responsible, c.entered_on) == (
        "拓宽主干道",
        dt.date(2026, 12, 31),
        "建设科",
        TODAY,
    )
    assert "拓宽主干道" in text(unit.get("/inbox/ledger/"))


def test_an_a_class_reply_carries_no_commitments(people, journey):
    _, reply = journey.replied(result="A")
    with pytest.raises(workflow.InvalidTransition, match="B类、C类"):
        add(people, reply, due_on=TODAY)


def test_only_the_replying_unit_enters_commitments(client, people, b_reply):
    url = f"/inbox/ledger/reply/{b_reply.pk}/new/"
    data = {"what": "x", "due_on": "2026-12-31", "responsible": "y"}
    assert as_user(client, people.other_unit_user).post(url, data).status_code == 404
    assert as_user(client, people.leader).post(url, data).status_code == 403
    assert as_user(client, people.staff).post(url, data).status_code == 403
    assert as_user(client, people.nobody).post(url, data).status_code == 404
    assert not Commitment.objects.exists()


def test_progress_notes_and_completion_with_evidence(client, people, b_reply):
    c = add(people, b_reply, due_on=TODAY + dt.timedelta(days=30))
    unit = as_user(client, people.unit_user)
    unit.post(
        f"/inbox/ledger/{c.pk}/note/", {"note-text": "已完成设计", "note-noted_on": "2026-11-19"}
    )
    assert c.notes.get().text == "已完成设计"
    response = unit.post(
        f"/inbox/ledger/{c.pk}/complete/",
        {
            "complete-note": "已完工",
            "complete-completed_on": "2026-11-20",
            "complete-evidence": [pdf_upload("验收.pdf")],
        },
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.completed_on == TODAY and c.completion_entered_on == TODAY
    evidence = Evidence.objects.get()
    page = text(unit.get(f"/inbox/ledger/{c.pk}/"))
    assert "验收.pdf" in page and "已兑现" in page
    download = unit.get(f"/inbox/ledger/evidence/{evidence.pk}/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert (
        as_user(client, people.other_unit_user)
        .get(f"/inbox/ledger/evidence/{evidence.pk}/")
        .status_code
        == 404
    )


def test_completion_needs_evidence_that_passes_the_attachment_checks(client, people, b_reply):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = add(people, b_reply, due_on=TODAY)
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = as_user(client, people.unit_user).post(
        f"/inbox/ledger/{c.pk}/complete/",
        {"complete-note": "已完工", "complete-evidence": [fake]},
    )
    assert response.status_code == 200
    c.refresh_from_db()
    assert c.completed_on is None and not Evidence.objects.exists()


def test_a_completion_day_is_a_past_day_not_before_the_reply(people, b_reply):
    c = add(people, b_reply, due_on=TODAY)
    with pytest.raises(workflow.InvalidTransition, match="不能晚于今天"):
        complete(people, c, on=TODAY + dt.timedelta(days=1))
    with pytest.raises(workflow.InvalidTransition, match="不能早于答复日期"):
        complete(people, c, on=b_reply.replied_on - dt.timedelta(days=1))
    with pytest.raises(workflow.InvalidTransition, match="不能早于答复日期"):
        add(people, b_reply, due_on=b_reply.replied_on - dt.timedelta(days=1))


def test_ledger_access_by_role(client, people, b_reply):
    c = add(people, b_reply, due_on=TODAY)
    assert as_user(client, people.leader).get(f"/inbox/ledger/{c.pk}/").status_code == 200
    assert as_user(client, people.staff).get("/inbox/ledger/").status_code == 200
    # Leaders and staff read; they may not note or complete.
    assert (
        as_user(client, people.leader)
        .post(f"/inbox/ledger/{c.pk}/note/", {"note-text": "x"})
        .status_code
        == 403
    )
    assert as_user(client, people.other_unit_user).get(f"/inbox/ledger/{c.pk}/").status_code == 404
    assert "年底前完成道路改造" not in text(
        as_user(client, people.other_unit_user).get("/inbox/ledger/")
    )
    assert as_user(client, people.deputy_user).get("/inbox/ledger/").status_code == 403
    assert as_user(client, people.nobody).get(f"/inbox/ledger/{c.pk}/").status_code == 403


# --- all done: the follow-up reply and the class change ----------------------------------------


def test_when_every_commitment_is_done_the_unit_sends_the_follow_up_and_the_class_moves(
    client, people, b_reply
):
    first = add(people, b_reply, due_on=TODAY)
    second = add(people, b_reply, due_on=TODAY + dt.timedelta(days=10), what="增设公交站")
    unit = as_user(client, people.unit_user)
    complete(people, first, on=TODAY)
    assert 'id="follow-up-prompt"' not in text(unit.get(f"/inbox/{b_reply.assignment_id}/"))
    response = unit.post(
        f"/inbox/ledger/{second.pk}/complete/",
        {"complete-note": "已设站", "complete-evidence": [pdf_upload()]},
        follow=True,
    )
    assert "请向代表发送跟踪答复" in text(response)
    assert 'id="follow-up-prompt"' in text(unit.get(f"/inbox/{b_reply.assignment_id}/"))
    response = unit.post(
        f"/inbox/ledger/reply/{b_reply.pk}/follow-up/",
        {"text": "承诺事项已全部落实。", "result": "A", "publication": "public"},
    )
    assert response.status_code == 302
    # The follow-up is a letter like any other: signed off by the head, then released.
    draft = ReplyDraft.objects.get(replaces=b_reply)
    assert Reply.objects.get(assignment=b_reply.assignment, superseded=False) == b_reply
    sign_and_release(draft, actor=people.unit_user, replied_on=TODAY)
    current = Reply.objects.get(assignment=b_reply.assignment, superseded=False)
    assert current.result == "A" and current.pk != b_reply.pk


def test_the_follow_up_is_refused_while_a_commitment_is_open(client, people, b_reply):
    add(people, b_reply, due_on=TODAY)
    response = as_user(client, people.unit_user).post(
        f"/inbox/ledger/reply/{b_reply.pk}/follow-up/",
        {"text": "x", "result": "A", "publication": "public"},
    )
    assert "还有未兑现的承诺事项" in text(response)
    assert Reply.objects.get(assignment=b_reply.assignment).result == "B"


# --- 承诺兑现率 -------------------------------------------------------------------------------


def test_fulfilment_counts_completions_by_their_day_among_commitments_due(
    people, b_reply, settings
):
    settings.PORTAL_TODAY = dt.date(2026, 10, 1)
    on_time = add(people, b_reply, due_on=dt.date(2026, 10, 10))
    late = add(people, b_reply, due_on=dt.date(2026, 10, 12))
    add(people, b_reply, due_on=dt.date(2026, 10, 15))  # never done
    add(people, b_reply, due_on=dt.date(2026, 12, 31))  # not due by D
    settings.PORTAL_TODAY = dt.date(2026, 10, 20)
    complete(people, on_time, on=dt.date(2026, 10, 9))
    complete(people, late, on=dt.date(2026, 10, 18))
    rate = figures.commitment_fulfilment(as_of=dt.date(2026, 10, 31))
    assert (rate.numerator, rate.denominator, str(rate)) == (1, 3, "33.3%")
    assert str(figures.commitment_fulfilment(as_of=dt.date(2026, 9, 30))) == "—"


def test_fulfilment_as_of_a_past_day_is_unchanged_by_later_completions(people, b_reply, settings):
    settings.PORTAL_TODAY = dt.date(2026, 10, 1)
    c = add(people, b_reply, due_on=dt.date(2026, 10, 10))
    past = dt.date(2026, 10, 31)
    before = figures.commitment_fulfilment(as_of=past)
    # Recorded on 11-05, back-dated to 10-08 (before its promised day): not as of 10-31.
    settings.PORTAL_TODAY = dt.date(2026, 11, 5)
    complete(people, c, on=dt.date(2026, 10, 8))
    assert figures.commitment_fulfilment(as_of=past) == before
    assert str(before) == "0.0%"
    assert str(figures.commitment_fulfilment(as_of=dt.date(2026, 11, 5))) == "100.0%"


def test_fulfilment_per_unit_and_in_the_scope_of_a_unit(people, journey, b_reply):
    other = reply_of(people, journey, result="C", unit="other_unit")
    add(people, b_reply, due_on=TODAY)
    services.commitment_add(
        actor=people.other_unit_user, reply=other, what="x", due_on=TODAY, responsible="y"
    )
    complete(people, Commitment.objects.get(reply=b_reply), on=TODAY)
    by_unit = figures.commitment_fulfilment_by_unit(as_of=TODAY)
    assert str(by_unit[people.unit.pk]) == "100.0%" and str(by_unit[people.other_unit.pk]) == "0.0%"
    scoped = figures.commitment_fulfilment(as_of=TODAY, scope=figures.Scope(unit=people.unit))
    assert (scoped.numerator, scoped.denominator) == (1, 1)


def test_fulfilment_on_the_dashboard_scorecards_api_and_report(client, people, b_reply):
    from io import BytesIO

    from openpyxl import load_workbook

    c = add(people, b_reply, due_on=TODAY)
    add(people, b_reply, due_on=TODAY, what="第二项")
    complete(people, c, on=TODAY)
    leader = as_user(client, people.leader)
    q = f"?term={people.term.pk}&as_of={TODAY.isoformat()}"
    assert 'data-tile="承诺兑现率"' in text(leader.get(f"/dashboard/{q}"))
    assert "50.0%" in text(leader.get(f"/dashboard/{q}"))
    units = text(leader.get(f"/dashboard/units/{q}"))
    assert 'id="commitment-rates"' in units and "50.0%" in units
    assert "50.0%" in text(leader.get(f"/dashboard/units/{people.unit.pk}/{q}"))
    figures_api = leader.get(f"/api/v1/figures/{q}").json()
    assert figures_api["commitment_fulfilment"]["display"] == "50.0%"
    rows = leader.get(f"/api/v1/figures/units/{q}").json()
    mine = next(r for r in rows if r["unit_id"] == people.unit.pk)
    assert mine["commitment_fulfilment"]["numerator"] == 1
    report = text(leader.get(f"/dashboard/report/{q}"))
    assert "承诺兑现率50.0%" in report
    book = load_workbook(BytesIO(leader.get(f"/dashboard/report.xlsx{q}").content))
    assert book["承诺兑现"]["A2"].value == "合计" and book["承诺兑现"]["B2"].value == 0.5
    api = as_user(client, people.unit_user).get("/api/v1/commitments/").json()
    assert [r["status"] for r in api] == ["已兑现", "待兑现"]
    assert as_user(client, people.other_unit_user).get("/api/v1/commitments/").json() == []


# --- reminders ---------------------------------------------------------------------------------


def test_reminders_before_and_after_the_promised_day_each_once(people, b_reply):
    c = add(people, b_reply, due_on=TODAY + dt.timedelta(days=7))
    assert commitment_reminders_send(today=TODAY) == (1, 0)
    assert commitment_reminders_send(today=TODAY) == (0, 0)  # a second run: nothing new
    note = Notification.objects.get(recipient=people.unit_user, kind="commitment.before")
    assert "承诺事项提醒" in note.title and f"/inbox/ledger/{c.pk}/" == note.url
    # The day after the promised day: the overdue stage, once, also through the reminder job.
    after = c.due_on + dt.timedelta(days=1)
    assert reminders_send(today=after).commitments == 1
    assert reminders_send(today=after).commitments == 0
    assert set(CommitmentReminder.objects.values_list("kind", flat=True)) == {
        "before:7",
        "overdue:0",
    }
    assert not Notification.objects.filter(recipient=people.other_unit_user).exists()


def test_a_completed_commitment_is_not_reminded(people, b_reply):
    c = add(people, b_reply, due_on=TODAY)
    complete(people, c, on=TODAY)
    assert commitment_reminders_send(today=TODAY + dt.timedelta(days=3)) == (0, 0)


def test_a_lost_race_sends_nothing(people, b_reply):
    from notifications.reminders import commitment_reminder_claim

    c = add(people, b_reply, due_on=TODAY)
    CommitmentReminder.objects.create(commitment=c, kind="before:3", due_on=c.due_on, sent_on=TODAY)
    assert (
        commitment_reminder_claim(commitment_id=c.pk, kind="before:3", due_on=c.due_on, today=TODAY)
        is None
    )
    assert not Notification.objects.filter(kind__startswith="commitment").exists()


# --- query budgets -----------------------------------------------------------------------------


def test_ledger_pages_take_a_constant_number_of_queries(
    client, people, journey, b_reply, django_assert_max_num_queries
):
    for i in range(4):
        reply = reply_of(people, journey, result="C")
        c = add(people, reply, due_on=TODAY - dt.timedelta(days=i))
        services.commitment_note(actor=people.unit_user, commitment=c, text="进展")
    c = add(people, b_reply, due_on=TODAY)
    complete(people, c, on=TODAY)
    pages = [
        (people.unit_user, "/inbox/ledger/"),
        (people.unit_user, "/inbox/ledger/?state=late"),
        (people.staff, "/inbox/ledger/"),
        (people.unit_user, f"/inbox/ledger/{c.pk}/"),
        (people.unit_user, f"/inbox/ledger/reply/{b_reply.pk}/new/"),
        (people.unit_user, f"/inbox/ledger/reply/{b_reply.pk}/follow-up/"),
        (people.unit_user, "/api/v1/commitments/"),
    ]
    for user, path in pages:
        c_ = as_user(client, user)
        with django_assert_max_num_queries(14):
            assert c_.get(path).status_code == 200, path
