"""五定 at 签收 (DESIGN.md §9): the unit names its 分管领导 and 经办人 (with a phone) when it
accepts; required of 主办/分办, optional for 协办; shown on the assignment and suggestion pages
and in both exports. And the 5-working-day rule: 闭会期间 items not assigned within 5 working
days of receipt are on staff's workbench and in their reminders, once per suggestion."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from notifications import reminders
from notifications.models import Notification, ReminderClaim
from suggestions import deadlines, workflow
from suggestions.models import Assignment, AuditEvent, Channel, Suggestion

from .api_helpers import session_client
from .factories import FIVE_FIXED, UserFactory


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def sheet_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[-1].iter_rows(values_only=True))


# --- the rule in the workflow ----------------------------------------------------------------


@pytest.mark.parametrize("missing", ["responsible_leader", "handler_name", "handler_phone"])
def test_a_lead_unit_names_leader_and_handler_to_accept(people, journey, missing):
    _, assignment = journey.assigned()
    given = {**FIVE_FIXED, missing: "  "}
    with pytest.raises(workflow.InvalidTransition) as refused:
        workflow.assignment_accept(actor=people.unit_user, assignment=assignment, **given)
    assert refused.value.code == "five_fixed_missing"
    assert "主办、分办单位签收时须填写" in refused.value.message
    assignment.refresh_from_db()
    assert assignment.state == "assigned" and assignment.handler_name == ""


def test_a_split_unit_names_them_too(people, journey):
    _, assignment = journey.assigned(roles=(("unit", "split"), ("other_unit", "split")))
    with pytest.raises(workflow.InvalidTransition, match="须填写分管领导、经办人、经办人电话"):
        workflow.assignment_accept(actor=people.unit_user, assignment=assignment)


def test_a_co_handler_may_accept_without_them(people, journey):
    """协办 only sends its opinion to the lead, which answers the deputy: its names are
    welcome but not required (the rule as documented in workflow._five_fixed)."""
    suggestion, _ = journey.assigned(roles=(("other_unit", "lead"), ("unit", "co")))
    co = Assignment.objects.get(suggestion=suggestion, unit=people.unit)
    workflow.assignment_accept(actor=people.unit_user, assignment=co)
    co.refresh_from_db()
    assert co.state == "accepted" and co.five_fixed_text == "未填写"


@pytest.mark.parametrize(
    "phone, stored",
    [
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("0571-87654321", "0571-87654321"),
        ("010-12345678-802", "010-12345678-802"),
    ],
)
def test_the_handlers_phone_is_a_mobile_or_a_landline(people, journey, phone, stored):
    _, assignment = journey.assigned()
    workflow.assignment_accept(
        actor=people.unit_user, assignment=assignment, **{**FIVE_FIXED, "handler_phone": phone}
    )
    assignment.refresh_from_db()
    assert assignment.handler_phone == stored


@pytest.mark.parametrize("phone", ["12345", "2380013800", "电话待定", "1380013800012"])
def test_a_malformed_phone_is_refused(people, journey, phone):
    _, assignment = journey.assigned()
    with pytest.raises(workflow.InvalidTransition, match="经办人电话格式不正确"):
        workflow.assignment_accept(
            actor=people.unit_user, assignment=assignment, **{**FIVE_FIXED, "handler_phone": phone}
        )
    assignment.refresh_from_db()
    assert assignment.state == "assigned"


def test_the_audit_event_records_the_names(people, journey):
    _, assignment = journey.assigned()
    workflow.assignment_accept(actor=people.unit_user, assignment=assignment, **FIVE_FIXED)
    event = AuditEvent.objects.get(action="assignment.accept", assignment=assignment)
    assert event.data == FIVE_FIXED


# --- pages ---------------------------------------------------------------------------------------


def test_the_unit_names_them_on_the_accept_form_and_every_page_shows_them(client, people, journey):
    suggestion, assignment = journey.assigned()
    unit = login(client, people.unit_user)
    form = unit.get(f"/inbox/{assignment.pk}/").content.decode()
    assert 'name="handler_phone"' in form and "主办、分办单位必填" in form
    response = unit.post(
        f"/inbox/{assignment.pk}/accept/",
        {"responsible_leader": "李分管", "handler_name": "张经办", "handler_phone": "12"},
        follow=True,
    )
    assert "经办人电话格式不正确" in messages_of(response)
    unit.post(f"/inbox/{assignment.pk}/accept/", FIVE_FIXED)
    assignment.refresh_from_db()
    assert (assignment.state, assignment.responsible_leader, assignment.handler_phone) == (
        "accepted",
        "李分管",
        "13800138000",
    )
    page = unit.get(f"/inbox/{assignment.pk}/").content.decode()
    assert "<dt>分管领导</dt><dd>李分管</dd>" in page
    assert "<dt>经办人</dt><dd>张经办 · 13800138000</dd>" in page
    for user in (people.staff, people.leader, people.deputy_user):
        shown = login(client, user).get(f"/suggestions/{suggestion.pk}/").content.decode()
        assert "五定:分管领导:李分管;经办人:张经办 13800138000" in shown, user
        assert "分管领导 李分管,经办人 张经办" in shown  # the 签收 line of the timeline


def test_assignments_accepted_before_the_rule_show_not_filled_in(client, people, journey):
    suggestion, assignment = journey.accepted()
    # As the migration left the rows accepted before the columns existed.
    Assignment.objects.filter(pk=assignment.pk).update(
        responsible_leader="", handler_name="", handler_phone=""
    )
    page = login(client, people.unit_user).get(f"/inbox/{assignment.pk}/").content.decode()
    assert "<dt>分管领导</dt><dd>未填写</dd>" in page and "<dt>经办人</dt><dd>未填写</dd>" in page
    shown = login(client, people.staff).get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "五定:未填写" in shown


def test_the_api_accept_takes_the_names(people, journey):
    _, assignment = journey.assigned()
    client = session_client(people.unit_user)
    url = f"/api/v1/assignments/{assignment.pk}/accept/"
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 409
    assert missing.json()["errors"][0]["code"] == "five_fixed_missing"
    bad = client.post(url, {**FIVE_FIXED, "handler_phone": "abc"}, format="json")
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (409, "bad_handler_phone")
    done = client.post(url, FIVE_FIXED, format="json")
    assert done.status_code == 200
    body = done.json()
    assert (body["responsible_leader"], body["handler_name"], body["handler_phone"]) == (
        "李分管",
        "张经办",
        "13800138000",
    )
    detail = client.get(f"/api/v1/assignments/{assignment.pk}/").json()
    assert detail["handler_name"] == "张经办"


# --- exports -------------------------------------------------------------------------------------


def test_the_suggestions_export_shows_each_units_five_fixed(client, people, journey):
    suggestion, _ = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))
    response = login(client, people.staff).get("/imports/export/suggestions/")
    header, *rows = sheet_rows(response.content)
    column = header.index("分管领导及经办人")
    assert rows[0][column].split("\n") == [
        "市教育局:未签收",  # the co-handler has not accepted
        "市交通运输局:分管领导:李分管;经办人:张经办 13800138000",
    ]


def test_the_units_own_export_lists_its_assignments_with_the_names(client, people, journey):
    journey.accepted(title="已签收的")
    journey.assigned(title="待签收的")
    journey.assigned(title="别的单位的", roles=(("other_unit", "lead"),))
    old, _ = journey.accepted(title="规则前签收的")
    Assignment.objects.filter(suggestion=old).update(responsible_leader="", handler_name="")
    response = login(client, people.unit_user).get("/inbox/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    header, *rows = sheet_rows(response.content)
    assert header[9:12] == ("分管领导", "经办人", "经办人电话")
    by_title = {row[2]: row for row in rows}
    assert set(by_title) == {"已签收的", "待签收的", "规则前签收的"}
    assert by_title["已签收的"][9:12] == ("李分管", "张经办", "13800138000")
    assert by_title["待签收的"][9:12] == (None, None, None)
    assert by_title["规则前签收的"][9:12] == ("未填写", "未填写", "13800138000")


def test_only_unit_users_export_their_units_assignments(client, people):
    for user in (people.staff, people.leader, people.deputy_user, people.nobody):
        assert login(client, user).get("/inbox/export/").status_code == 403


@pytest.mark.parametrize("size", [1, 8])
def test_the_units_export_takes_constant_queries(
    client, people, journey, django_assert_max_num_queries, size
):
    for n in range(size):
        journey.accepted(title=f"第{n}件")
    unit = login(client, people.unit_user)
    with django_assert_max_num_queries(5):
        assert unit.get("/inbox/export/").status_code == 200


# --- 闭会期间 items unassigned past 5 working days ------------------------------------------------

# The pages read the calendar's today; the cutoff is the rule's own (deadlines.py).
TODAY = timezone.localdate()


def _cutoff() -> dt.date:
    return deadlines.staff_assignment_late_cutoff(
        today=TODAY, working_days=5, calendar=deadlines.WorkCalendar.load()
    )


@pytest.fixture
def recess(journey):
    late = journey.registered(title="闭会超期", channel=Channel.RECESS, submitted_on=_cutoff())
    journey.submitted(title="闭会未立案超期", channel=Channel.RECESS, submitted_on=_cutoff())
    in_time = _cutoff() + dt.timedelta(days=1)  # its 5th working day is today or later
    journey.registered(title="闭会未超期", channel=Channel.RECESS, submitted_on=in_time)
    journey.registered(title="会期中", channel=Channel.SESSION, submitted_on=_cutoff())
    return late


def test_late_recess_items_are_on_the_staff_workbench_linking_to_the_list(client, people, recess):
    home = login(client, people.staff).get("/").content.decode()
    assert (
        '<a class="tile alarm" href="/suggestions/?assign_late=on" data-queue="闭会期间超期未交办">'
        '<div class="label">闭会期间超期未交办</div><div class="value">2</div>'
    ) in home
    listed = client.get("/suggestions/?assign_late=on").content.decode()
    assert "闭会超期" in listed and "闭会未立案超期" in listed and "闭会未超期" not in listed


def test_staff_are_reminded_once_per_late_recess_item(people, recess):
    second_staff = UserFactory(username="staff2", is_committee_staff=True)
    result = reminders.reminders_send(today=TODAY)
    sent = Notification.objects.filter(kind="reminder.assign_late")
    assert result.claimed == 2
    late = Suggestion.objects.filter(title__in=["闭会超期", "闭会未立案超期"])
    assert {(n.recipient, n.suggestion, n.title) for n in sent} == {
        (user, s, f"闭会期间超期未交办:{s.display_number}《{s.title}》")
        for user in (people.staff, second_staff)
        for s in late
    }
    assert f"/suggestions/{recess.pk}/" in {n.url for n in sent}
    assert "5个工作日内交办" in sent.first().body
    again = reminders.reminders_send(today=TODAY)
    reminders.reminders_send(today=TODAY + dt.timedelta(days=3))
    assert again.claimed == 0 and sent.count() == 4  # two late items, two staff, once
    assert not Notification.objects.filter(recipient=people.unit_user).exists()


def test_an_item_assigned_in_time_or_in_session_is_not_reminded(people, recess):
    workflow.suggestion_assign(actor=people.staff, suggestion=recess, units=[(people.unit, "lead")])
    reminders.reminders_send(today=TODAY)
    titles = set(
        Notification.objects.filter(kind="reminder.assign_late").values_list("title", flat=True)
    )
    assert len(titles) == 1 and "闭会未立案超期" in titles.pop()


def test_a_late_item_another_run_reminded_is_not_reminded_again(people, recess):
    ReminderClaim.objects.create(
        kind="assign_late", key=f"suggestion:{recess.pk}", suggestion=recess, due_on=TODAY
    )
    assert reminders.assignment_late_reminders(today=TODAY) == (1, 0)
    assert not Notification.objects.filter(suggestion=recess).exists()
