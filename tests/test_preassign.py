"""预交办 (DESIGN.md §9): staff publish a proposed plan for a batch, each proposed unit accepts
or objects within the window (3 working days), staff adjust it and 交办 the batch in one step.

The days are pinned with settings.PORTAL_TODAY: the plan is published on Monday 2026-11-16,
so its window closes on Thursday 2026-11-19 and the units are reminded on Wednesday."""

import datetime as dt

import pytest

from notifications import reminders
from notifications.models import Notification, ReminderClaim
from planning import services
from planning.models import AssignmentPlan, PlanUnit
from suggestions import deadlines, workflow
from suggestions.models import Assignment, AuditEvent, Suggestion

from .api_helpers import session_client
from .factories import UnitFactory, UserFactory

PUBLISHED = dt.date(2026, 11, 16)  # a Monday
LAST_DAY = dt.date(2026, 11, 19)  # three working days later
REMIND_DAY = dt.date(2026, 11, 18)


@pytest.fixture
def on(settings):
    """Set the portal's day."""

    def set_day(day):
        settings.PORTAL_TODAY = day

    set_day(PUBLISHED)
    return set_day


@pytest.fixture
def batch(people, journey, on):
    """Two registered suggestions: 甲 proposed to unit (主办) and other_unit (协办), 乙 to
    other_unit (主办); a draft plan."""
    first = journey.registered(title="甲:公交线路")
    second = journey.registered(title="乙:学校周边交通")
    plan = services.plan_create(actor=people.staff, title="第一批", suggestions=[first, second])
    items = {i.suggestion_id: i for i in plan.items.all()}
    services.plan_set_units(
        actor=people.staff,
        item=items[first.pk],
        units=[(people.unit, "lead"), (people.other_unit, "co")],
    )
    services.plan_set_units(
        actor=people.staff, item=items[second.pk], units=[(people.other_unit, "lead")]
    )
    return plan, first, second


@pytest.fixture
def published(batch, people):
    plan, first, second = batch
    services.plan_publish(actor=people.staff, plan=plan)
    plan.refresh_from_db()
    return plan, first, second


def proposal(plan, suggestion, unit) -> PlanUnit:
    return PlanUnit.objects.get(item__plan=plan, item__suggestion=suggestion, unit=unit)


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- staff: make, propose, publish ------------------------------------------------------------


def test_staff_create_a_plan_propose_units_and_publish_it_from_the_pages(
    client, people, journey, on
):
    first = journey.registered(title="甲:公交线路")
    staff = login(client, people.staff)
    response = staff.post(
        "/plans/", {"title": "十一月第一批", "suggestions": [first.pk]}, follow=True
    )
    plan = AssignmentPlan.objects.get()
    assert response.redirect_chain[-1][0] == f"/plans/{plan.pk}/"
    item = plan.items.get()
    staff.post(
        f"/plans/{plan.pk}/items/{item.pk}/units/",
        {"lead": people.unit.pk, "co": [people.other_unit.pk]},
    )
    assert {(u.unit, u.role) for u in item.units.all()} == {
        (people.unit, "lead"),
        (people.other_unit, "co"),
    }
    response = staff.post(f"/plans/{plan.pk}/publish/", follow=True)
    plan.refresh_from_db()
    assert (plan.state, plan.published_on, plan.answer_by) == ("published", PUBLISHED, LAST_DAY)
    assert "2026-11-19 前反馈意见" in messages_of(response)
    told = Notification.objects.filter(kind="plan.proposed")
    assert {n.recipient for n in told} == {people.unit_user, people.other_unit_user}
    assert "请于 2026-11-19 前" in told.first().body


def test_the_window_follows_the_working_day_calendar_and_its_setting(people, batch, on, settings):
    plan, _, _ = batch
    on(dt.date(2026, 9, 30))  # 国庆节 rest days 10-01…10-07, 10-10 a working Saturday
    settings.PORTAL = {**settings.PORTAL, "PREASSIGN_WINDOW_WORKING_DAYS": 2}
    services.plan_publish(actor=people.staff, plan=plan)
    plan.refresh_from_db()
    assert plan.answer_by == deadlines.preassign_window_end(
        published_on=dt.date(2026, 9, 30), working_days=2, calendar=deadlines.WorkCalendar.load()
    )
    assert plan.answer_by == dt.date(2026, 10, 9)


def test_a_plan_is_published_only_when_every_item_has_units(client, people, journey, on):
    plan = services.plan_create(
        actor=people.staff, title="缺单位", suggestions=[journey.registered(title="无单位")]
    )
    response = login(client, people.staff).post(f"/plans/{plan.pk}/publish/", follow=True)
    assert "尚未拟定承办单位" in messages_of(response)
    plan.refresh_from_db()
    assert plan.state == "draft" and plan.answer_by is None
    assert not Notification.objects.filter(kind="plan.proposed").exists()


def test_a_proposal_is_checked_with_the_rules_of_assign(client, people, batch):
    plan, first, _ = batch
    item = plan.items.get(suggestion=first)
    response = login(client, people.staff).post(
        f"/plans/{plan.pk}/items/{item.pk}/units/",
        {"lead": people.unit.pk, "split": [people.other_unit.pk]},
    )
    assert "主办与分办不能同时使用" in response.content.decode()
    assert {(u.unit, u.role) for u in item.units.filter(is_current=True)} == {
        (people.unit, "lead"),
        (people.other_unit, "co"),
    }


def test_only_registered_suggestions_outside_another_open_plan_join_a_plan(people, journey, batch):
    _, first, _ = batch
    submitted = journey.submitted(title="未立案")
    with pytest.raises(workflow.BulkRefused) as refused:
        services.plan_create(actor=people.staff, title="第二批", suggestions=[first, submitted])
    assert refused.value.failures == [
        f"{first.display_number}:已在另一个未交办的预交办方案中",
        f"{submitted.display_number}:只有已立案、尚未交办的建议可以预交办",
    ]
    assert AssignmentPlan.objects.count() == 1


# --- the proposed units answer ----------------------------------------------------------------


def test_each_unit_sees_only_its_own_proposals(client, people, published):
    plan, first, second = published
    page = login(client, people.unit_user).get("/inbox/plans/").content.decode()
    assert "甲:公交线路" in page and "乙:学校周边交通" not in page
    assert "2026-11-19" in page and "主办" in page
    other = login(client, people.other_unit_user).get("/inbox/plans/").content.decode()
    assert "甲:公交线路" in other and "乙:学校周边交通" in other


def test_a_draft_is_not_shown_to_the_units(client, people, batch):
    page = login(client, people.unit_user).get("/inbox/plans/").content.decode()
    assert "甲:公交线路" not in page and "目前没有需要本单位确认" in page


def test_the_inbox_and_the_workbench_link_to_the_proposals_with_a_count(client, people, published):
    unit = login(client, people.unit_user)
    inbox = unit.get("/inbox/").content.decode()
    assert 'href="/inbox/plans/">预交办确认 <span class="badge">1</span>' in inbox
    home = unit.get("/").content.decode()
    assert 'href="/inbox/plans/" data-queue="预交办待确认"' in home
    assert '<div class="label">预交办待确认</div><div class="value">1</div>' in home
    staff_home = login(client, people.staff).get("/").content.decode()
    assert '<div class="label">预交办方案征求意见中</div><div class="value">1</div>' in staff_home


def test_a_unit_accepts_its_proposal(client, people, published):
    plan, first, _ = published
    row = proposal(plan, first, people.unit)
    response = login(client, people.unit_user).post(
        f"/inbox/plans/{row.pk}/answer/", {"decision": "accept"}, follow=True
    )
    assert "已反馈意见" in messages_of(response)
    row.refresh_from_db()
    assert (row.decision, row.answered_by, row.answered_on) == (
        "accept",
        people.unit_user,
        PUBLISHED,
    )
    staff_page = login(client, people.staff).get(f"/plans/{plan.pk}/").content.decode()
    assert "同意" in staff_page


def test_an_objection_needs_a_reason_and_staff_see_it(client, people, published):
    plan, first, _ = published
    row = proposal(plan, first, people.unit)
    unit = login(client, people.unit_user)
    response = unit.post(f"/inbox/plans/{row.pk}/answer/", {"decision": "object"}, follow=True)
    assert "提出异议时请说明理由" in messages_of(response)
    row.refresh_from_db()
    assert row.decision == ""
    unit.post(
        f"/inbox/plans/{row.pk}/answer/",
        {"decision": "object", "reason": "属市公安局交警支队职责"},
    )
    row.refresh_from_db()
    assert (row.decision, row.reason) == ("object", "属市公安局交警支队职责")
    page = login(client, people.staff).get(f"/plans/{plan.pk}/").content.decode()
    assert "有异议" in page and "属市公安局交警支队职责" in page
    listing = client.get("/plans/").content.decode()
    assert '<td data-label="异议">1</td>' in listing


def test_a_unit_answers_once(people, published):
    plan, first, _ = published
    row = proposal(plan, first, people.unit)
    services.plan_answer(actor=people.unit_user, plan_unit=row, decision="accept")
    with pytest.raises(workflow.InvalidTransition, match="已反馈过意见"):
        services.plan_answer(actor=people.unit_user, plan_unit=row, decision="object", reason="x")


def test_answers_on_the_last_day_count_and_after_it_are_refused(client, people, published, on):
    plan, first, second = published
    on(LAST_DAY)
    services.plan_answer(
        actor=people.other_unit_user,
        plan_unit=proposal(plan, second, people.other_unit),
        decision="accept",
    )
    on(LAST_DAY + dt.timedelta(days=1))
    row = proposal(plan, first, people.unit)
    response = login(client, people.unit_user).post(
        f"/inbox/plans/{row.pk}/answer/",
        {"decision": "object", "reason": "不属本单位职责"},
        follow=True,
    )
    assert "意见反馈期已于 2026-11-19 截止,不能再提交意见" in messages_of(response)
    row.refresh_from_db()
    assert row.decision == ""
    page = client.get("/inbox/plans/").content.decode()
    assert "反馈期已截止" in page and f'action="/inbox/plans/{row.pk}/answer/"' not in page


def test_another_units_proposal_is_not_found(client, people, published):
    plan, _, second = published
    row = proposal(plan, second, people.other_unit)
    response = login(client, people.unit_user).post(
        f"/inbox/plans/{row.pk}/answer/", {"decision": "accept"}
    )
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.decision == ""


def test_a_unit_of_no_proposal_and_deputies_and_outsiders_do_not_find_plans(
    client, people, published
):
    plan, first, _ = published
    row = proposal(plan, first, people.unit)
    stranger = UserFactory(username="unit3", is_unit_user=True, unit=UnitFactory(name="市水利局"))
    for user in (stranger, people.deputy_user, people.nobody, people.unit_user):
        c = login(client, user)
        assert c.get("/plans/").status_code == 404
        assert c.get(f"/plans/{plan.pk}/").status_code == 404
        assert c.post(f"/plans/{plan.pk}/assign/").status_code == 404
    for user in (stranger, people.deputy_user, people.nobody):
        response = login(client, user).post(
            f"/inbox/plans/{row.pk}/answer/", {"decision": "accept"}
        )
        assert response.status_code == 404
    assert login(client, stranger).get("/inbox/plans/").content.decode().count("<section") == 0


def test_leaders_read_plans_but_cannot_act(client, people, published):
    plan, first, _ = published
    leader = login(client, people.leader)
    page = leader.get(f"/plans/{plan.pk}/").content.decode()
    assert "甲:公交线路" in page and "整批交办" not in page and "调整拟承办单位" not in page
    assert page.index("市交通运输局") < page.index("市教育局")  # 主办 before 协办
    assert "新建预交办方案" not in leader.get("/plans/").content.decode()
    item = plan.items.get(suggestion=first)
    for url in (
        "/plans/",
        f"/plans/{plan.pk}/publish/",
        f"/plans/{plan.pk}/assign/",
        f"/plans/{plan.pk}/items/{item.pk}/units/",
        f"/inbox/plans/{proposal(plan, first, people.unit).pk}/answer/",
    ):
        assert leader.post(url, {"decision": "accept"}).status_code == 403, url
    assert leader.get("/inbox/plans/").status_code == 403
    plan.refresh_from_db()
    assert plan.state == "published"


def test_staff_cannot_answer_for_a_unit(client, people, published):
    plan, first, _ = published
    row = proposal(plan, first, people.unit)
    response = login(client, people.staff).post(
        f"/inbox/plans/{row.pk}/answer/", {"decision": "accept"}
    )
    assert response.status_code == 403


# --- staff adjust after the answers -----------------------------------------------------------


def test_staff_adjust_an_item_after_an_objection(client, people, published):
    plan, first, _ = published
    objected = proposal(plan, first, people.unit)
    services.plan_answer(
        actor=people.unit_user, plan_unit=objected, decision="object", reason="非本单位职责"
    )
    kept = proposal(plan, first, people.other_unit)
    services.plan_answer(actor=people.other_unit_user, plan_unit=kept, decision="accept")
    item = plan.items.get(suggestion=first)
    transport = UnitFactory(name="市公安局交警支队")
    police = UserFactory(username="unit4", is_unit_user=True, unit=transport)
    login(client, people.staff).post(
        f"/plans/{plan.pk}/items/{item.pk}/units/",
        {"lead": transport.pk, "co": [people.other_unit.pk]},
    )
    objected.refresh_from_db()
    kept.refresh_from_db()
    assert objected.is_current is False and objected.reason == "非本单位职责"  # kept on record
    assert kept.is_current and kept.decision == "accept"  # same unit, same role: same answer
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "调整前的方案" in page and "非本单位职责" in page
    # The unit taken off no longer finds the item; the new one is told and may answer.
    assert (
        "甲:公交线路" not in login(client, people.unit_user).get("/inbox/plans/").content.decode()
    )
    assert (
        login(client, people.unit_user)
        .post(f"/inbox/plans/{objected.pk}/answer/", {"decision": "accept"})
        .status_code
        == 404
    )
    assert Notification.objects.filter(recipient=police, kind="plan.proposed").count() == 1
    assert "甲:公交线路" in login(client, police).get("/inbox/plans/").content.decode()


# --- 交办 the batch in one step -----------------------------------------------------------------


def test_staff_assign_the_whole_batch_as_a_normal_assign_would(client, people, published, on):
    plan, first, second = published
    on(LAST_DAY + dt.timedelta(days=1))
    response = login(client, people.staff).post(
        f"/plans/{plan.pk}/assign/", {"assigned_on": ""}, follow=True
    )
    assert "已按方案交办2件建议" in messages_of(response)
    plan.refresh_from_db()
    assert (plan.state, plan.assigned_on, plan.assigned_by) == (
        "assigned",
        dt.date(2026, 11, 20),
        people.staff,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == Suggestion.Status.ASSIGNED
    made = {(a.suggestion_id, a.unit_id, a.role) for a in Assignment.objects.all()}
    assert made == {
        (first.pk, people.unit.pk, "lead"),
        (first.pk, people.other_unit.pk, "co"),
        (second.pk, people.other_unit.pk, "lead"),
    }
    lead = Assignment.objects.get(suggestion=first, unit=people.unit)
    expected = deadlines.reply_deadline(
        assigned_on=dt.date(2026, 11, 20),
        rules=deadlines.rules_for_channel(first.channel),
        role="lead",
        calendar=deadlines.WorkCalendar.load(),
    )
    assert (lead.assigned_on, lead.deadline) == (dt.date(2026, 11, 20), expected.date)
    assert AuditEvent.objects.filter(action="assignment.create").count() == 3
    assert (
        Notification.objects.filter(recipient=people.unit_user, kind="assignment.new").count() == 1
    )
    # The plan is done: no more answers, no second 交办.
    with pytest.raises(workflow.InvalidTransition, match="已交办,不能再反馈意见"):
        services.plan_answer(
            actor=people.unit_user, plan_unit=proposal(plan, first, people.unit), decision="accept"
        )
    response = client.post(f"/plans/{plan.pk}/assign/", {}, follow=True)
    assert "只有已发布、尚未交办的方案可以交办" in messages_of(response)
    assert Assignment.objects.count() == 3


def test_one_item_that_cannot_be_assigned_leaves_the_whole_batch_unassigned(
    client, people, published
):
    plan, first, second = published
    # Meanwhile 乙 was assigned by hand to the unit the plan proposes.
    workflow.suggestion_assign(
        actor=people.staff, suggestion=second, units=[(people.other_unit, "lead")]
    )
    before = Assignment.objects.count()
    response = login(client, people.staff).post(f"/plans/{plan.pk}/assign/", {}, follow=True)
    shown = messages_of(response)
    assert "未执行任何操作,以下1件不符合条件" in shown
    assert f"{second.display_number}:市教育局 已在办理此建议" in shown
    assert Assignment.objects.count() == before
    assert not Assignment.objects.filter(suggestion=first).exists()
    first.refresh_from_db()
    plan.refresh_from_db()
    assert first.status == Suggestion.Status.REGISTERED and plan.state == "published"


def test_staff_take_the_refused_item_out_and_assign_the_rest(client, people, published):
    plan, first, second = published
    workflow.suggestion_assign(
        actor=people.staff, suggestion=second, units=[(people.other_unit, "lead")]
    )
    item = plan.items.get(suggestion=second)
    leader = login(client, people.leader)
    assert leader.post(f"/plans/{plan.pk}/items/{item.pk}/remove/").status_code == 403
    staff = login(client, people.staff)
    response = staff.post(f"/plans/{plan.pk}/items/{item.pk}/remove/", follow=True)
    assert f"已将{second.display_number}移出方案" in messages_of(response)
    staff.post(f"/plans/{plan.pk}/assign/", {})
    plan.refresh_from_db()
    assert plan.state == "assigned"
    assert Assignment.objects.filter(suggestion=first).count() == 2
    last = plan.items.get()
    with pytest.raises(workflow.InvalidTransition, match="已交办"):
        services.plan_remove_item(actor=people.staff, item=last)


def test_a_deactivated_unit_refuses_the_batch_too(people, published):
    plan, first, _ = published
    people.other_unit.is_active = False
    people.other_unit.save()
    with pytest.raises(workflow.BulkRefused) as refused:
        services.plan_assign(actor=people.staff, plan=plan)
    assert len(refused.value.failures) == 2
    assert not Assignment.objects.exists()


# --- reminders: once per plan and unit, the working day before the window closes -------------


def test_units_that_have_not_answered_are_reminded_once(people, published):
    plan, first, second = published
    services.plan_answer(
        actor=people.unit_user, plan_unit=proposal(plan, first, people.unit), decision="accept"
    )
    reminders.reminders_send(today=REMIND_DAY - dt.timedelta(days=1))
    assert not Notification.objects.filter(kind="reminder.plan_window").exists()

    first_run = reminders.reminders_send(today=REMIND_DAY)
    sent = Notification.objects.filter(kind="reminder.plan_window")
    assert [n.recipient for n in sent] == [people.other_unit_user]  # unit answered already
    assert "尚有2件" in sent.get().body and "2026-11-19" in sent.get().body
    assert first_run.claimed == 1
    second_run = reminders.reminders_send(today=REMIND_DAY)
    reminders.reminders_send(today=LAST_DAY)
    assert second_run.claimed == 0
    assert sent.count() == 1
    assert ReminderClaim.objects.filter(kind="plan_window").count() == 1


def test_no_reminder_after_the_window_or_for_an_assigned_plan(people, published):
    plan, _, _ = published
    reminders.reminders_send(today=LAST_DAY + dt.timedelta(days=1))
    services.plan_assign(actor=people.staff, plan=plan)
    reminders.reminders_send(today=LAST_DAY)
    assert not Notification.objects.filter(kind="reminder.plan_window").exists()


def test_a_reminder_claimed_by_another_run_is_not_sent_again(people, published):
    plan, _, _ = published
    ReminderClaim.objects.create(
        kind="plan_window", key=f"plan:{plan.pk}:unit:{people.other_unit.pk}", due_on=REMIND_DAY
    )
    assert reminders.plan_window_reminders(today=REMIND_DAY) == (1, 0)  # unit only
    assert not Notification.objects.filter(
        kind="reminder.plan_window", recipient=people.other_unit_user
    ).exists()


# --- query budgets -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 6])
def test_the_plan_pages_take_constant_queries(
    client, people, journey, on, django_assert_max_num_queries, size
):
    suggestions = [journey.registered(title=f"第{n}件") for n in range(size)]
    plan = services.plan_create(actor=people.staff, title="批量", suggestions=suggestions)
    for item in plan.items.all():
        services.plan_set_units(
            actor=people.staff,
            item=item,
            units=[(people.unit, "lead"), (people.other_unit, "co")],
        )
    services.plan_publish(actor=people.staff, plan=plan)
    staff = login(client, people.staff)
    with django_assert_max_num_queries(8):
        assert staff.get(f"/plans/{plan.pk}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert staff.get("/plans/").status_code == 200
    item = plan.items.first()
    with django_assert_max_num_queries(10):
        assert staff.get(f"/plans/{plan.pk}/items/{item.pk}/units/").status_code == 200
    unit = login(client, people.unit_user)
    with django_assert_max_num_queries(6):
        assert unit.get("/inbox/plans/").status_code == 200


# --- the API -------------------------------------------------------------------------------------


def test_the_api_runs_a_plan_from_creation_to_the_batch_assign(people, journey, on):
    first = journey.registered(title="甲:公交线路")
    staff = session_client(people.staff)
    created = staff.post(
        "/api/v1/plans/", {"title": "接口批次", "suggestions": [first.pk]}, format="json"
    )
    assert created.status_code == 201
    plan_id, item_id = created.json()["id"], created.json()["items"][0]["id"]
    proposed = staff.post(
        f"/api/v1/plans/{plan_id}/items/{item_id}/units/",
        {"units": [{"unit": people.unit.pk, "role": "lead"}]},
        format="json",
    )
    assert proposed.json()["items"][0]["units"][0]["unit"]["name"] == "市交通运输局"
    published = staff.post(f"/api/v1/plans/{plan_id}/publish/", {}, format="json")
    assert (published.json()["state"], published.json()["answer_by"]) == ("published", "2026-11-19")

    unit = session_client(people.unit_user)
    mine = unit.get("/api/v1/plan-proposals/").json()["results"]
    assert [(p["suggestion"]["title"], p["role"]) for p in mine] == [("甲:公交线路", "lead")]
    assert (
        session_client(people.other_unit_user).get("/api/v1/plan-proposals/").json()["results"]
        == []
    )
    answer = f"/api/v1/plan-proposals/{mine[0]['id']}/answer/"
    no_reason = unit.post(answer, {"decision": "object"}, format="json")
    assert (no_reason.status_code, no_reason.json()["errors"][0]["code"]) == (409, "missing_reason")
    assert (
        session_client(people.other_unit_user)
        .post(answer, {"decision": "accept"}, format="json")
        .status_code
        == 404
    )
    assert (
        session_client(people.leader)
        .post(answer, {"decision": "accept"}, format="json")
        .status_code
        == 403
    )
    on(LAST_DAY + dt.timedelta(days=1))
    late = unit.post(answer, {"decision": "accept"}, format="json")
    assert (late.status_code, late.json()["errors"][0]["code"]) == (409, "window_closed")
    on(LAST_DAY)
    assert unit.post(answer, {"decision": "accept"}, format="json").json()["decision"] == "accept"

    assert (
        session_client(people.leader)
        .post(f"/api/v1/plans/{plan_id}/assign/", {}, format="json")
        .status_code
        == 403
    )
    assert session_client(people.leader).get(f"/api/v1/plans/{plan_id}/").status_code == 200
    assert unit.get(f"/api/v1/plans/{plan_id}/").status_code == 404
    done = staff.post(f"/api/v1/plans/{plan_id}/assign/", {}, format="json")
    assert (done.status_code, done.json()["state"]) == (200, "assigned")
    assert Assignment.objects.get(suggestion=first).unit == people.unit


def test_the_api_batch_assign_refuses_as_a_whole(people, published):
    plan, _, second = published
    workflow.suggestion_withdraw(actor=people.staff, suggestion=second, reason="代表撤回")
    response = session_client(people.staff).post(
        f"/api/v1/plans/{plan.pk}/assign/", {}, format="json"
    )
    assert response.status_code == 409
    assert not Assignment.objects.exists()
