"""Co-handlers first (DESIGN.md §4a, §8; issue 15 item 3): the lead's reply may not be signed
(签发), so never reaches the deputy, while a co-handler in force owes its opinion, unless staff
waive it with a reason; the clerk may draft meanwhile. The co-handler's own deadline runs the
reminder ladder; the 答复函 quotes each opinion.

`unit` (市交通运输局) leads, `other_unit` (市教育局) co-handles, unless a test says otherwise.
`people.unit_user` is the lead unit's head (may sign); `clerk` drafts without that right."""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from notifications import reminders
from notifications.models import Notification, ReminderDelivery
from suggestions import demo, workflow
from suggestions.models import Assignment, AuditEvent, Opinion, Reply, ReplyDraft
from units.models import DocNumberCounter

from .api_helpers import codes, session_client
from .conftest import screenshot
from .factories import PASSWORD, UnitFactory, UserFactory, release_follow_up, release_reply

NOW = timezone.now()
LEAD_AND_CO = (("unit", "lead"), ("other_unit", "co"))


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def held(journey):
    """The lead has accepted; its co-handler has neither accepted nor sent an opinion."""
    suggestion, lead = journey.accepted(roles=LEAD_AND_CO)
    return suggestion, lead, suggestion.assignments.get(role="co")


@pytest.fixture
def clerk(people):
    """A user of the lead unit without the signing right."""
    return UserFactory(username="clerk", name="刘科员", is_unit_user=True, unit=people.unit)


@pytest.fixture
def outsider(people):
    """A unit user of a unit with nothing to do with the suggestion."""
    unit = UnitFactory(name="市水务局")
    return UserFactory(username="unit3", is_unit_user=True, unit=unit)


def _reply(people, lead, **kwargs):
    return release_reply(
        actor=people.unit_user,
        assignment=lead,
        text="已增设公交线路两条。",
        result="A",
        is_public=True,
        **kwargs,
    )


def _send_opinion(people, co, text="同意增设公交线路,我局将配合调整校车站点。"):
    workflow.assignment_accept(actor=people.other_unit_user, assignment=co)
    return workflow.assignment_send_opinion(actor=people.other_unit_user, assignment=co, text=text)


def _reply_form(**overrides):
    data = {
        "reply-text": "已增设公交线路两条。",
        "reply-result": "A",
        "reply-publication": "public",
    }
    return data | overrides


def _draft_and_sign(client, people, clerk, lead):
    """The clerk saves the draft on the page, the head signs it there (no review: not key)."""
    saved = as_user(client, clerk).post(f"/inbox/{lead.pk}/reply/", _reply_form(), follow=True)
    assert "答复草稿已保存" in messages_of(saved)
    return as_user(client, people.unit_user).post(f"/inbox/{lead.pk}/sign/", {}, follow=True)


def _waive_url(suggestion, co) -> str:
    return f"/suggestions/{suggestion.pk}/co-opinions/{co.pk}/waive/"


# --- the hold --------------------------------------------------------------------------------


def test_the_lead_clerk_sees_which_co_handler_holds_the_reply(client, people, held, clerk):
    suggestion, lead, co = held
    page = text(as_user(client, clerk).get(f"/inbox/{lead.pk}/"))
    assert "暂不能签发:协办单位市教育局尚未提交协办意见。可先起草答复" in page
    assert f"未提交 · 意见期限 {co.deadline:%Y-%m-%d}" in page

    # The clerk may draft while the co-handler owes its opinion ...
    saved = client.post(f"/inbox/{lead.pk}/reply/", _reply_form(), follow=True)
    assert "答复草稿已保存" in messages_of(saved)
    assert "暂不能签发:协办单位市教育局尚未提交协办意见。草稿已保存" in text(saved)

    # ... but the head is shown no sign button, and a sign POST is refused.
    head = as_user(client, people.unit_user)
    page = text(head.get(f"/inbox/{lead.pk}/"))
    assert "暂不能签发:协办单位市教育局尚未提交协办意见" in page
    assert 'id="sign-form"' not in page
    response = head.post(f"/inbox/{lead.pk}/sign/", {})
    assert response.status_code == 409
    assert "协办单位市教育局尚未提交协办意见,暂不能签发答复" in text(response)
    draft = ReplyDraft.objects.get()
    assert (draft.stage, draft.signed_by, draft.doc_number) == ("drafting", None, "")
    assert not DocNumberCounter.objects.filter(last__gt=0).exists()
    assert not Reply.objects.exists()
    lead.refresh_from_db()
    assert lead.state == Assignment.State.ACCEPTED


def test_the_api_refuses_to_sign_the_lead_reply_with_409_naming_the_unit(people, held):
    suggestion, lead, co = held
    api = session_client(people.unit_user)
    drafted = api.post(
        f"/api/v1/assignments/{lead.pk}/replies/",
        {"text": "已办理。", "result": "A", "publication": "public"},
        format="json",
    )
    assert drafted.status_code == 201  # drafting is not held
    response = api.post(f"/api/v1/reply-drafts/{drafted.json()['id']}/sign/", {}, format="json")
    assert response.status_code == 409
    assert codes(response) == ["co_handler_opinion_missing"]
    assert "市教育局" in response.json()["errors"][0]["message"]
    assert "暂不能签发" in response.json()["errors"][0]["message"]
    assert not Reply.objects.exists()
    assert ReplyDraft.objects.get().doc_number == ""
    shown = api.get(f"/api/v1/assignments/{lead.pk}/").json()["co_handlers"]
    assert [(c["unit"]["name"], c["state"], c["opinion"]) for c in shown] == [
        ("市教育局", "missing", None)
    ]


def test_once_the_opinion_is_sent_the_lead_replies(client, people, held, clerk):
    suggestion, lead, co = held
    _send_opinion(people, co)
    page = text(as_user(client, clerk).get(f"/inbox/{lead.pk}/"))
    assert "暂不能签发" not in page and "同意增设公交线路,我局将配合调整校车站点。" in page

    response = _draft_and_sign(client, people, clerk, lead)
    assert "已签发" in messages_of(response)
    reply = Reply.objects.get()
    assert (reply.assignment, reply.signed_by) == (lead, people.unit_user)
    assert reply.doc_number
    suggestion.refresh_from_db()
    assert suggestion.status == "replied"


def test_every_co_handler_still_owing_is_named(people, journey):
    third = UnitFactory(name="市水务局")
    suggestion, lead = journey.accepted(roles=LEAD_AND_CO)
    workflow.suggestion_assign(actor=people.staff, suggestion=suggestion, units=[(third, "co")])
    with pytest.raises(workflow.InvalidTransition) as refused:
        _reply(people, lead)
    assert refused.value.code == "co_handler_opinion_missing"
    assert "市教育局、市水务局" in refused.value.message


def test_a_reassigned_co_handler_holds_no_longer_but_its_successor_does(people, held):
    suggestion, lead, co = held
    third = UnitFactory(name="市水务局")
    request = workflow.assignment_request_reassignment(
        actor=people.other_unit_user, assignment=co, reason="不属于本单位职责"
    )
    workflow.reassignment_decide(actor=people.staff, request=request, approve=True, new_unit=third)
    with pytest.raises(workflow.InvalidTransition) as refused:
        _reply(people, lead)
    assert "市水务局" in refused.value.message and "市教育局" not in refused.value.message


def test_a_split_unit_is_held_by_the_co_handler_too(people, journey):
    suggestion, first = journey.accepted(roles=(("unit", "split"), ("other_unit", "co")))
    with pytest.raises(workflow.InvalidTransition, match="市教育局"):
        _reply(people, first)


def test_a_follow_up_waits_for_a_co_handler_assigned_since_the_reply(people, journey):
    """Two split units; the first has replied B when staff add a co-handler: the first unit's
    follow-up letter waits for that opinion too."""
    suggestion, first = journey.accepted(roles=(("unit", "split"), ("other_unit", "split")))
    reply = release_reply(
        actor=people.unit_user,
        assignment=first,
        text="已列入明年计划。",
        result="B",
        is_public=True,
    )
    workflow.suggestion_assign(
        actor=people.staff, suggestion=suggestion, units=[(UnitFactory(name="市水务局"), "co")]
    )
    with pytest.raises(workflow.InvalidTransition) as refused:
        release_follow_up(
            actor=people.unit_user, reply=reply, text="已完成。", result="A", is_public=True
        )
    assert refused.value.code == "co_handler_opinion_missing"
    assert "市水务局" in refused.value.message
    assert Reply.objects.count() == 1


def test_an_opinion_sent_in_the_first_round_serves_the_re_handling(people, held):
    """Co-handlers are not re-handled: after 不满意 the lead answers again without a new
    opinion."""
    suggestion, lead, co = held
    _send_opinion(people, co)
    reply = _reply(people, lead)
    workflow.feedback_record(
        actor=people.deputy_user,
        reply=reply,
        result_verdict="dissatisfied",
        work_verdict="basically",
        remarks="线路仍未覆盖我们小区。",
    )
    second = _reply(people, lead)
    assert second.round == 2


# --- the waiver ------------------------------------------------------------------------------


def test_staff_waive_with_a_reason_and_the_lead_may_reply(client, people, held, clerk):
    suggestion, lead, co = held
    staff = as_user(client, people.staff)
    response = staff.post(
        _waive_url(suggestion, co),
        {"reason": "协办单位职能已调整,不再涉及", "next": f"/inbox/{lead.pk}/"},
    )
    assert response.status_code == 302 and response.url == f"/inbox/{lead.pk}/"

    co.refresh_from_db()
    assert (co.opinion_waived_on, co.opinion_waived_by) == (timezone.localdate(), people.staff)
    assert co.opinion_waiver_reason == "协办单位职能已调整,不再涉及"
    assert co.state == Assignment.State.ASSIGNED  # nothing else of the co-handler changes
    event = AuditEvent.objects.get(action="opinion.waive")
    assert (event.actor, event.assignment, event.reason) == (
        people.staff,
        co,
        "协办单位职能已调整,不再涉及",
    )
    detail = text(staff.get(f"/suggestions/{suggestion.pk}/"))
    assert "豁免协办意见" in detail and "已豁免(协办单位职能已调整,不再涉及)" in detail

    lead_page = text(as_user(client, people.unit_user).get(f"/inbox/{lead.pk}/"))
    assert "市教育局" in lead_page and "已豁免(协办单位职能已调整,不再涉及)" in lead_page
    assert "暂不能签发" not in lead_page and 'id="reply-form"' in lead_page
    response = _draft_and_sign(client, people, clerk, lead)
    assert "已签发" in messages_of(response)
    assert Reply.objects.filter(assignment=lead).exists()


def test_a_key_reply_signed_after_the_waiver_is_released_by_staff(client, people, held, clerk):
    """Where review applies (a key suggestion) the hold is still at 签发; release follows it."""
    suggestion, lead, co = held
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    as_user(client, clerk).post(f"/inbox/{lead.pk}/reply/", _reply_form())
    head = as_user(client, people.unit_user)
    assert head.post(f"/inbox/{lead.pk}/sign/", {}).status_code == 409
    workflow.co_opinion_waive(actor=people.staff, assignment=co, reason="职能调整")

    response = head.post(f"/inbox/{lead.pk}/sign/", {}, follow=True)
    assert "已签发" in messages_of(response)
    assert ReplyDraft.objects.get().stage == "signed" and not Reply.objects.exists()
    released = as_user(client, people.staff).post(f"/inbox/{lead.pk}/release/", {}, follow=True)
    assert "已审核发布" in messages_of(released)
    assert Reply.objects.get().assignment == lead


def test_both_units_are_told_of_the_waiver(people, held):
    suggestion, lead, co = held
    workflow.co_opinion_waive(actor=people.staff, assignment=co, reason="职能调整")
    told = Notification.objects.filter(kind="opinion.waived")
    assert {(n.recipient, n.url) for n in told} == {
        (people.other_unit_user, f"/inbox/{co.pk}/"),
        (people.unit_user, f"/inbox/{lead.pk}/"),
    }
    assert "无需再提交" in told.get(recipient=people.other_unit_user).body
    assert told.get(recipient=people.unit_user).title.startswith("市教育局的协办意见已豁免")


def test_staff_get_the_waive_button_on_both_pages_others_do_not(client, people, held):
    suggestion, lead, co = held
    button = "豁免市教育局的协办意见"
    staff = as_user(client, people.staff)
    assert button in text(staff.get(f"/suggestions/{suggestion.pk}/"))
    assert button in text(staff.get(f"/inbox/{lead.pk}/"))
    for who in (people.unit_user, people.leader, people.deputy_user):
        client = as_user(client, who)
        assert button not in text(client.get(f"/suggestions/{suggestion.pk}/"))
        assert button not in text(client.get(f"/inbox/{lead.pk}/"))


def test_only_staff_may_waive_on_the_page(client, people, held, outsider):
    suggestion, lead, co = held
    expected = {
        people.unit_user: 403,  # the lead unit
        people.other_unit_user: 403,  # the co-handler itself
        people.leader: 403,
        people.deputy_user: 403,
        outsider: 404,
        people.other_deputy_user: 404,
    }
    for who, status in expected.items():
        response = as_user(client, who).post(_waive_url(suggestion, co), {"reason": "理由"})
        assert response.status_code == status, who.username
    co.refresh_from_db()
    assert not co.opinion_waived
    assert not AuditEvent.objects.filter(action="opinion.waive").exists()


def test_only_staff_may_waive_in_the_api(people, held, outsider):
    suggestion, lead, co = held
    url = f"/api/v1/assignments/{co.pk}/opinion-waiver/"
    expected = {
        people.other_unit_user: 403,  # the co-handler, who sees its assignment
        people.leader: 403,
        people.deputy_user: 403,
        people.unit_user: 404,  # the lead unit is not shown the co-handler's assignment
        outsider: 404,
    }
    for who, status in expected.items():
        response = session_client(who).post(url, {"reason": "理由"}, format="json")
        assert response.status_code == status, who.username
    co.refresh_from_db()
    assert not co.opinion_waived

    response = session_client(people.staff).post(url, {"reason": "职能调整"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["opinion_waived_on"], body["opinion_waiver_reason"]) == (
        timezone.localdate().isoformat(),
        "职能调整",
    )
    shown = session_client(people.unit_user).get(f"/api/v1/assignments/{lead.pk}/").json()
    assert [(c["state"], c["waiver_reason"]) for c in shown["co_handlers"]] == [
        ("waived", "职能调整")
    ]


def test_a_waiver_needs_a_reason(client, people, held):
    suggestion, lead, co = held
    response = as_user(client, people.staff).post(
        _waive_url(suggestion, co), {"reason": "  "}, follow=True
    )
    assert "豁免失败:请填写豁免理由" in messages_of(response)
    api = session_client(people.staff).post(
        f"/api/v1/assignments/{co.pk}/opinion-waiver/", {"reason": ""}, format="json"
    )
    assert api.status_code == 400
    with pytest.raises(workflow.InvalidTransition, match="请填写豁免理由"):
        workflow.co_opinion_waive(actor=people.staff, assignment=co, reason="   ")
    co.refresh_from_db()
    assert not co.opinion_waived


def test_what_cannot_be_waived_is_refused_in_chinese(client, people, held):
    suggestion, lead, co = held
    api = session_client(people.staff)
    refused = api.post(
        f"/api/v1/assignments/{lead.pk}/opinion-waiver/", {"reason": "理由"}, format="json"
    )
    assert refused.status_code == 409 and codes(refused) == ["not_co_handler"]
    assert refused.json()["errors"][0]["message"] == "只有协办单位的意见可以豁免"

    workflow.co_opinion_waive(actor=people.staff, assignment=co, reason="职能调整")
    again = api.post(
        f"/api/v1/assignments/{co.pk}/opinion-waiver/", {"reason": "再次"}, format="json"
    )
    assert again.status_code == 409 and codes(again) == ["already_waived"]
    page = as_user(client, people.staff).post(
        _waive_url(suggestion, co), {"reason": "再次"}, follow=True
    )
    assert "豁免失败:市教育局的协办意见已于" in messages_of(page)
    assert AuditEvent.objects.filter(action="opinion.waive").count() == 1


def test_a_sent_opinion_needs_no_waiver(people, held):
    suggestion, lead, co = held
    _send_opinion(people, co)
    response = session_client(people.staff).post(
        f"/api/v1/assignments/{co.pk}/opinion-waiver/", {"reason": "理由"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["message"] == "市教育局已提交协办意见,无需豁免"


def test_a_waived_co_handler_owes_nothing_on_its_own_pages(client, people, journey):
    long_ago = timezone.localdate() - dt.timedelta(days=60)
    suggestion, lead = journey.accepted(roles=LEAD_AND_CO, assigned_on=long_ago)
    co = suggestion.assignments.get(role="co")
    today = timezone.localdate()
    assert co.get_deadline_status(today) == "opinion_overdue"
    workflow.co_opinion_waive(actor=people.staff, assignment=co, reason="职能调整")
    co.refresh_from_db()

    assert co.get_deadline_status(today) == "done"
    inbox = text(as_user(client, people.other_unit_user).get("/inbox/?tab=opinion_overdue"))
    assert '协办意见逾期 <span class="badge">0</span>' in inbox
    assert '协办意见待提交 <span class="badge">0</span>' in inbox
    api = session_client(people.staff).get("/api/v1/assignments/?opinion_overdue=true")
    assert api.json()["results"] == []
    # It may still send its opinion; the lead then sees it as sent.
    _send_opinion(people, co, text="补充意见。")
    shown = session_client(people.unit_user).get(f"/api/v1/assignments/{lead.pk}/").json()
    assert [(c["state"], c["opinion"]) for c in shown["co_handlers"]] == [("sent", "补充意见。")]


def test_a_waiver_lapses_the_co_handlers_pending_requests(people, held):
    suggestion, lead, co = held
    request = workflow.assignment_request_extension(
        actor=people.other_unit_user,
        assignment=co,
        requested_deadline=co.deadline + dt.timedelta(days=10),
        reason="需调研",
        deputy_informed=True,
    )
    workflow.co_opinion_waive(actor=people.staff, assignment=co, reason="职能调整")
    request.refresh_from_db()
    assert (request.state, request.decision_note) == ("lapsed", "协办意见已豁免")


# --- reminders on the co-handler's own deadline ----------------------------------------------


def _co_deliveries(co) -> list[str]:
    return sorted(ReminderDelivery.objects.filter(assignment=co).values_list("kind", flat=True))


def test_a_co_handler_gets_the_whole_ladder_on_its_opinion_deadline(people, held):
    suggestion, lead, co = held
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    mail.outbox.clear()
    for days in (-14, -7, -3, 1, 8, 16):
        reminders.reminders_send(today=co.deadline + dt.timedelta(days), now=NOW)
        reminders.reminders_send(today=co.deadline + dt.timedelta(days), now=NOW)  # once

    assert _co_deliveries(co) == [
        "opinion_before:14",
        "opinion_before:3",
        "opinion_before:7",
        "opinion_escalation",
        "opinion_overdue:0",
        "opinion_overdue:1",
        "opinion_overdue:2",
    ]
    # The lead's own deadline (3 months) is not reached in that month and a half.
    assert not ReminderDelivery.objects.filter(assignment=lead).exists()
    to_unit = [m for m in mail.outbox if m.to == [people.other_unit_user.email]]
    assert len(to_unit) == 6
    assert f"协办意见将于{co.deadline:%Y-%m-%d}到期" in to_unit[0].subject
    assert "协办意见已于" in to_unit[-1].subject and "尚未提交" in to_unit[-1].subject
    escalation = ReminderDelivery.objects.get(assignment=co, kind="opinion_escalation")
    assert escalation.recipients == [people.leader.email, people.staff.email]
    assert "市教育局协办的" in mail.outbox[-1].subject and "已逾期16天" in mail.outbox[-1].subject
    assert "协办意见逾期第2周提醒" in {d.kind_label for d in ReminderDelivery.objects.all()}


def test_reminders_stop_once_the_opinion_is_sent(people, held):
    suggestion, lead, co = held
    reminders.reminders_send(today=co.deadline - dt.timedelta(14), now=NOW)
    _send_opinion(people, co)
    for days in (-7, -3, 1, 16):
        reminders.reminders_send(today=co.deadline + dt.timedelta(days), now=NOW)
    assert _co_deliveries(co) == ["opinion_before:14"]


def test_reminders_stop_once_the_opinion_is_waived(people, held):
    suggestion, lead, co = held
    reminders.reminders_send(today=co.deadline + dt.timedelta(1), now=NOW)
    workflow.co_opinion_waive(actor=people.staff, assignment=co, reason="职能调整")
    for days in (8, 16):
        reminders.reminders_send(today=co.deadline + dt.timedelta(days), now=NOW)
    assert _co_deliveries(co) == ["opinion_overdue:0"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_remind_each_co_handler_once(people, journey):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for truly concurrent transactions (SQLite serialises)")
    cos = [
        suggestion.assignments.get(role="co")
        for suggestion, _ in (journey.assigned(roles=LEAD_AND_CO) for _ in range(5))
    ]
    today = max(co.deadline for co in cos) - dt.timedelta(3)
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(reminders.reminders_send(today=today, now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r.claimed for r in results) == 5
    assert sum(r.sent for r in results) == 5
    rows = ReminderDelivery.objects.values_list("assignment_id", "kind")
    assert sorted(rows) == sorted((co.pk, "opinion_before:3") for co in cos)
    assert len([m for m in mail.outbox if "协办意见期限提醒" in m.subject]) == 5


# --- the letter ------------------------------------------------------------------------------


def test_the_letter_quotes_each_co_handlers_opinion(client, people, journey):
    third = UnitFactory(name="市水务局")
    suggestion, lead = journey.accepted(roles=LEAD_AND_CO)
    [water] = workflow.suggestion_assign(
        actor=people.staff, suggestion=suggestion, units=[(third, "co")]
    )
    _send_opinion(people, suggestion.assignments.get(unit=people.other_unit))
    workflow.co_opinion_waive(actor=people.staff, assignment=water, reason="职能调整")
    reply = _reply(people, lead)

    letter = text(as_user(client, people.unit_user).get(f"/files/replies/{reply.pk}/letter/"))
    block = letter.split('<div class="co-opinions">')[1].split("</div>")[0]
    assert "协办单位意见" in block
    assert "市教育局" in block and "同意增设公交线路,我局将配合调整校车站点。" in block
    # A waived co-handler sent nothing to quote; the waiver is the committee's, not the letter's.
    assert "市水务局" not in block and "职能调整" not in letter


def test_a_letter_without_co_handlers_has_no_opinion_block(client, people, journey):
    suggestion, reply = journey.replied()
    letter = text(as_user(client, people.unit_user).get(f"/files/replies/{reply.pk}/letter/"))
    assert "协办单位意见" not in letter


# --- the demo data --------------------------------------------------------------------------


def test_the_demo_never_has_a_lead_reply_before_its_co_handlers(db):
    call_command(
        "seed_demo", scale=60, seed=2026, reference_date=demo.BASE_REFERENCE_DATE, stdout=StringIO()
    )
    assert demo.problems() == []
    # The check does look: a co-handler of a replied suggestion made to owe its opinion again.
    co = Assignment.objects.filter(
        role="co", state="replied", suggestion__assignments__replies__superseded=False
    )[0]
    Assignment.objects.filter(pk=co.pk).update(state="accepted")
    assert f"co-handler {co.pk} owes its opinion" in " ".join(demo.problems())


# --- query budgets ---------------------------------------------------------------------------


def _with_co_handlers(people, journey, count):
    suggestion, lead = journey.accepted(roles=(("unit", "lead"),))
    units = [UnitFactory() for _ in range(count)]
    cos = workflow.suggestion_assign(
        actor=people.staff, suggestion=suggestion, units=[(u, "co") for u in units]
    )
    for unit, co in zip(units[1:], cos[1:], strict=True):
        user = UserFactory(is_unit_user=True, unit=unit)
        workflow.assignment_accept(actor=user, assignment=co)
        workflow.assignment_send_opinion(actor=user, assignment=co, text="同意。")
    workflow.co_opinion_waive(actor=people.staff, assignment=cos[0], reason="职能调整")
    return suggestion, lead


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize("who", ["unit_user", "staff"])
def test_the_lead_page_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, count, who
):
    suggestion, lead = _with_co_handlers(people, journey, count)
    client = as_user(client, getattr(people, who))
    # 20: the unit user's page also reads the letter in preparation and its history, the
    # ledger (台账) of its replies and the 督办意见 to acknowledge.
    with django_assert_max_num_queries(20):
        assert client.get(f"/inbox/{lead.pk}/").status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_the_suggestion_page_with_co_handlers_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, count
):
    suggestion, lead = _with_co_handlers(people, journey, count)
    client = as_user(client, people.staff)
    with django_assert_max_num_queries(22):
        assert client.get(f"/suggestions/{suggestion.pk}/").status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_the_letter_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, count
):
    suggestion, lead = _with_co_handlers(people, journey, count)
    reply = _reply(people, lead)
    assert Opinion.objects.count() == count - 1
    client = as_user(client, people.unit_user)
    with django_assert_max_num_queries(7):
        assert client.get(f"/files/replies/{reply.pk}/letter/").status_code == 200


# --- in Chromium -----------------------------------------------------------------------------


def _log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_held_then_waived_then_signed_and_printed_in_chromium(
    page, live_server, people, journey, clerk
):
    suggestion, lead = journey.accepted(title="关于增设社区公交微循环线路的建议", roles=LEAD_AND_CO)
    _send_opinion(people, suggestion.assignments.get(unit=people.other_unit))
    [water] = workflow.suggestion_assign(
        actor=people.staff, suggestion=suggestion, units=[(UnitFactory(name="市水务局"), "co")]
    )

    # Held: the clerk is told who holds the 签发 and may still save a draft.
    _log_in(page, live_server, clerk)
    page.goto(f"{live_server.url}/inbox/{lead.pk}/")
    assert "暂不能签发:协办单位市水务局尚未提交协办意见" in page.locator("#reply-form").inner_text()
    page.fill("#id_reply-text", "经研究,已于本月开通两条社区微循环公交线路。")
    page.check("#id_reply-result_0")
    page.click("button:has-text('保存草稿')")
    assert "答复草稿已保存" in page.locator(".messages").inner_text()
    page.click("form.inline button")  # log out

    # The head sees the hold where the sign button would be.
    _log_in(page, live_server, people.unit_user)
    page.goto(f"{live_server.url}/inbox/{lead.pk}/")
    assert "暂不能签发:协办单位市水务局" in page.locator("#draft").inner_text()
    assert page.locator("#sign-form").count() == 0
    screenshot(page, "co-handlers-held")
    assert not Reply.objects.exists()
    page.click("form.inline button")

    _log_in(page, live_server, people.staff)
    page.goto(f"{live_server.url}/inbox/{lead.pk}/")
    page.fill(".waive-form input[name=reason]", "水务局已书面说明本件不涉及其职责")
    page.click("button:has-text('豁免市水务局的协办意见')")
    page.wait_for_url(f"{live_server.url}/inbox/{lead.pk}/")
    assert "已豁免市水务局的协办意见" in page.locator(".messages").inner_text()
    assert "已豁免(水务局已书面说明本件不涉及其职责)" in page.content()
    screenshot(page, "co-handlers-waived-staff")
    page.click("form.inline button")

    # The clerk revises the draft; the head signs it (not key: no review, it is released).
    _log_in(page, live_server, clerk)
    page.goto(f"{live_server.url}/inbox/{lead.pk}/")
    assert "暂不能签发" not in page.content()
    page.click("#reply-form summary")
    page.fill("#id_reply-text", "经研究,已于本月开通两条社区微循环公交线路,覆盖三个小区。")
    page.click("button:has-text('保存草稿')")
    assert "答复草稿已保存" in page.locator(".messages").inner_text()
    assert "草稿已保存,等待本单位有签发权的负责人签发" in page.locator("#draft").inner_text()
    page.click("form.inline button")

    _log_in(page, live_server, people.unit_user)
    page.goto(f"{live_server.url}/inbox/{lead.pk}/")
    page.click("#sign-form button[type=submit]")
    assert "已签发" in page.locator(".messages").inner_text()
    reply = Reply.objects.get()
    assert (reply.signed_by, reply.text) == (
        people.unit_user,
        "经研究,已于本月开通两条社区微循环公交线路,覆盖三个小区。",
    )
    page.click("text=打印答复函")
    sheet = page.locator(".sheet").inner_text()
    assert "协办单位意见" in sheet and "同意增设公交线路,我局将配合调整校车站点。" in sheet
    assert "市水务局" not in sheet and reply.doc_number in sheet
    screenshot(page, "co-handlers-letter")
    water.refresh_from_db()
    assert water.opinion_waived
