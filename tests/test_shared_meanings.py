"""Each derived fact has one meaning, and every surface that shows it agrees: the home tile,
the unit inbox, the staff list, the figures, the reminders, the API and the export for
逾期 (overdue), 即将到期 (due soon) and 待反馈 (awaiting feedback); pages, API and exports for
who sees a reply, an attachment and a deputy's contact data; the admin's bulk actions are
all or nothing as the pages' are."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from notifications import reminders
from notifications.models import ReminderDelivery
from suggestions import figures, workflow
from suggestions.models import Assignment, ReassignmentRequest, Suggestion

from .api_helpers import ids, session_client
from .factories import PASSWORD, UserFactory, pdf_upload
from .xlsx import read_rows


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def page(user, url):
    client = session_client(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def tile(html: str, label: str) -> int:
    found = re.search(rf'<div class="label">{label}</div><div class="value">(\d+)</div>', html)
    assert found, label
    return int(found.group(1))


def tab_count(html: str, label: str) -> int:
    found = re.search(rf'{label} <span class="badge">(\d+)</span>', html)
    assert found, label
    return int(found.group(1))


def listed_titles(html: str) -> set[str]:
    return set(re.findall(r'<td><a href="/suggestions/\d+/">([^<]+)</a>', html))


def export_column(user, header: str) -> dict[str, str]:
    response = session_client(user).get("/imports/export/suggestions/")
    head, *rows = read_rows(response.content)
    return {row[head.index("标题")]: row[head.index(header)] for row in rows}


# --- 逾期 overdue: lead assignments only (DESIGN.md §5) ---------------------------------------


@pytest.fixture
def lateness(people, journey):
    """A late lead of `unit`, a late lead of `other_unit` whose co-handler `unit` is late with
    its opinion too, a lead of `unit` not yet due and a late lead that has replied."""
    long_ago = timezone.localdate() - dt.timedelta(days=120)
    journey.accepted(title="主办逾期", assigned_on=long_ago)
    journey.assigned(
        title="协办逾期",
        roles=(("other_unit", "lead"), ("unit", "co")),
        assigned_on=long_ago,
    )
    journey.accepted(title="未到期")
    journey.replied(title="已答复", assigned_on=long_ago)
    return people


def test_overdue_means_late_lead_assignments_on_every_surface(lateness):
    p = lateness
    today = timezone.localdate()
    unit_late = Assignment.objects.get(suggestion__title="主办逾期")
    co_late = Assignment.objects.get(suggestion__title="协办逾期", role="co")
    other_lead = Assignment.objects.get(suggestion__title="协办逾期", role="lead")

    # The model: a co-handler's lateness is its own concept, not 逾期.
    assert unit_late.is_overdue(today) and other_lead.is_overdue(today)
    assert not co_late.is_overdue(today)
    assert co_late.get_deadline_status(today) == "opinion_overdue"

    # The unit's home tile and inbox tab: its own late lead only; the co-handler apart.
    home = page(p.unit_user, "/")
    assert tile(home, "已逾期") == 1
    assert tile(home, "协办意见逾期") == 1
    inbox = page(p.unit_user, "/inbox/")
    assert tab_count(inbox, "已逾期") == 1
    assert tab_count(inbox, "协办意见逾期") == 1
    overdue_tab = page(p.unit_user, "/inbox/?tab=overdue")
    assert "主办逾期" in overdue_tab and "协办逾期" not in overdue_tab
    opinion_tab = page(p.unit_user, "/inbox/?tab=opinion_overdue")
    assert "协办逾期" in opinion_tab and "协办意见逾期" in opinion_tab

    # The staff list, the figures, the API and the export: the same two lead assignments.
    assert listed_titles(page(p.staff, "/suggestions/?overdue=1")) == {"主办逾期", "协办逾期"}
    assert figures.compute(scope=figures.Scope(), as_of=today).overdue == 2
    assert figures.compute(scope=figures.Scope(unit=p.unit), as_of=today).overdue == 1
    api = session_client(p.staff)
    assert set(ids(api.get("/api/v1/assignments/?overdue=true"))) == {unit_late.pk, other_lead.pk}
    assert ids(api.get(f"/api/v1/assignments/?overdue=true&unit={p.unit.pk}")) == [unit_late.pk]
    assert ids(api.get("/api/v1/assignments/?opinion_overdue=true")) == [co_late.pk]
    statuses = {
        row["id"]: row["deadline_status"]
        for row in api.get("/api/v1/assignments/").json()["results"]
    }
    assert statuses[unit_late.pk] == statuses[other_lead.pk] == "overdue"
    assert statuses[co_late.pk] == "opinion_overdue"
    suggestions = api.get("/api/v1/suggestions/?overdue=true").json()["results"]
    assert {s["title"] for s in suggestions} == {"主办逾期", "协办逾期"}
    assert export_column(p.staff, "逾期") == {
        "主办逾期": "是",
        "协办逾期": "是",
        "未到期": "否",
        "已答复": "否",
    }

    # The reminders: the overdue stage goes to the same two lead assignments.
    reminders.reminders_send(today=today)
    reminded = set(
        ReminderDelivery.objects.filter(kind__startswith="overdue").values_list(
            "assignment_id", flat=True
        )
    )
    assert reminded == {unit_late.pk, other_lead.pk}


# --- 即将到期 due soon: one number of days, PORTAL_DUE_SOON_DAYS -------------------------------


def test_due_soon_is_one_number_of_days_on_every_surface(people, journey, settings):
    today = timezone.localdate()
    _, in_5 = journey.accepted(title="五天后到期")
    _, in_12 = journey.accepted(title="十二天后到期")
    journey.assigned(title="协办五天后到期", roles=(("other_unit", "lead"), ("unit", "co")))
    co_in_5 = Assignment.objects.get(suggestion__title="协办五天后到期", role="co")
    for assignment, days in ((in_5, 5), (in_12, 12), (co_in_5, 5)):
        Assignment.objects.filter(pk=assignment.pk).update(deadline=today + dt.timedelta(days))
    api = session_client(people.staff)

    def surfaces():
        inbox = page(people.unit_user, "/inbox/?tab=due_soon")
        api_rows = api.get(f"/api/v1/assignments/?due_soon=true&unit={people.unit.pk}")
        statuses = {
            row["id"]: row["deadline_status"]
            for row in api.get(f"/api/v1/assignments/?unit={people.unit.pk}").json()["results"]
        }
        return {
            "tab": tab_count(inbox, "即将到期"),
            "listed": {t for t in ("五天后到期", "十二天后到期", "协办五天后到期") if t in inbox},
            "api": set(ids(api_rows)),
            "status_12": statuses[in_12.pk],
            "model_12": Assignment.objects.get(pk=in_12.pk).get_deadline_status(today),
        }

    settings.PORTAL = {**settings.PORTAL, "DUE_SOON_DAYS": 10}
    ten = surfaces()
    assert ten["tab"] == 2 and ten["listed"] == {"五天后到期", "协办五天后到期"}
    assert ten["api"] == {in_5.pk, co_in_5.pk}
    assert ten["status_12"] == ten["model_12"] == "ok"

    settings.PORTAL = {**settings.PORTAL, "DUE_SOON_DAYS": 14}
    fourteen = surfaces()
    assert fourteen["tab"] == 3 and fourteen["api"] == {in_5.pk, in_12.pk, co_in_5.pk}
    assert fourteen["status_12"] == fourteen["model_12"] == "due_soon"


def test_the_deadline_chip_follows_the_due_soon_setting(people, journey, settings):
    today = timezone.localdate()
    _, assignment = journey.accepted(title="十二天后到期")
    Assignment.objects.filter(pk=assignment.pk).update(deadline=today + dt.timedelta(12))
    chip = '<span class="deadline {}">' + (today + dt.timedelta(12)).isoformat() + " · 剩余12天"
    for days, tone in ((10, "ok"), (14, "soon")):
        settings.PORTAL = {**settings.PORTAL, "DUE_SOON_DAYS": days}
        assert chip.format(tone) in page(people.unit_user, f"/inbox/{assignment.pk}/")
        assert chip.format(tone) in page(people.staff, "/suggestions/")


# --- 待反馈 awaiting feedback --------------------------------------------------------------


def test_awaiting_feedback_means_the_same_reply_on_every_surface(people, journey):
    _, waiting = journey.replied(title="待反馈")
    _, answered = journey.replied(title="已反馈")
    workflow.feedback_record(
        actor=people.deputy_user,
        reply=answered,
        result_verdict="satisfied",
        work_verdict="satisfied",
    )
    closed, on_closed = journey.replied(title="已办结")
    workflow.suggestion_close(actor=people.staff, suggestion=closed)
    _, others = journey.replied(title="别的代表", lead_deputy=people.other_deputy)

    # The deputy's own page and the suggestion pages offer feedback on exactly that reply.
    mine = page(people.deputy_user, "/my/")
    assert "请对以下答复提出意见(1)" in mine and reverse("my:feedback", args=[waiting.pk]) in mine
    for reply in (waiting, answered, on_closed):
        suggestion = reply.assignment.suggestion
        offered = reverse("my:feedback", args=[reply.pk]) in page(
            people.deputy_user, f"/suggestions/{suggestion.pk}/"
        )
        entered = reverse("suggestions:feedback", args=[suggestion.pk, reply.pk]) in page(
            people.staff, f"/suggestions/{suggestion.pk}/"
        )
        assert offered == entered == (reply == waiting), reply

    # The API: the field and the filter.
    deputy_api, staff_api = session_client(people.deputy_user), session_client(people.staff)
    assert ids(deputy_api.get("/api/v1/replies/?awaiting_feedback=true")) == [waiting.pk]
    assert set(ids(staff_api.get("/api/v1/replies/?awaiting_feedback=true"))) == {
        waiting.pk,
        others.pk,
    }
    flags = {
        r["id"]: r["awaiting_feedback"] for r in staff_api.get("/api/v1/replies/").json()["results"]
    }
    assert flags == {waiting.pk: True, answered.pk: False, on_closed.pk: False, others.pk: True}

    # The workflow takes feedback only there.
    for reply, code in ((answered, "feedback_exists"), (on_closed, "suggestion_not_open")):
        with pytest.raises(workflow.InvalidTransition) as refused:
            workflow.feedback_record(
                actor=people.staff,
                reply=reply,
                result_verdict="satisfied",
                work_verdict="satisfied",
            )
        assert refused.value.code == code
    workflow.feedback_record(
        actor=people.deputy_user,
        reply=waiting,
        result_verdict="basically",
        work_verdict="satisfied",
    )
    assert "请对以下答复提出意见" not in page(people.deputy_user, "/my/")


# --- who sees a reply, an attachment, a deputy's contact data -------------------------------

SEES_THE_REPLY = {
    "staff": True,
    "leader": True,
    "unit_user": True,
    "deputy_user": True,
    "other_unit_user": False,
    "other_deputy_user": False,
    "nobody": False,
}


@pytest.mark.parametrize("who", SEES_THE_REPLY)
def test_a_reply_and_its_attachment_are_seen_alike_in_pages_and_api(people, journey, who):
    suggestion, reply = journey.replied(attachments=[pdf_upload()])
    attachment = reply.attachments.get()
    user = getattr(people, who)
    client, api = session_client(user), session_client(user)
    status = 200 if SEES_THE_REPLY[who] else 404
    detail = client.get(f"/suggestions/{suggestion.pk}/")
    assert detail.status_code == status
    assert client.get(f"/files/replies/{reply.pk}/letter/").status_code == status
    assert client.get(f"/files/replies/{reply.pk}/feedback-sheet/").status_code == status
    assert client.get(f"/files/attachments/{attachment.pk}/").status_code == status
    assert api.get(f"/api/v1/replies/{reply.pk}/").status_code == status
    assert (reply.pk in ids(api.get("/api/v1/replies/"))) == SEES_THE_REPLY[who]
    if SEES_THE_REPLY[who]:
        assert reply.text in detail.content.decode()
        assert f"/files/attachments/{attachment.pk}/" in detail.content.decode()


def test_the_public_sees_a_published_reply_without_files_or_contact_data(client, people, journey):
    people.deputy.phone = "13912345678"
    people.deputy.save()
    suggestion, reply = journey.replied(attachments=[pdf_upload()])
    public = client.get("/public/").content.decode()
    assert reply.text in public and "13912345678" not in public
    assert "/files/attachments/" not in public
    attachment = reply.attachments.get()
    assert client.get(f"/files/attachments/{attachment.pk}/").status_code == 302  # to login
    assert session_client().get(f"/api/v1/replies/{reply.pk}/").status_code == 401


SEES_THE_CONTACT = {
    "staff": True,
    "deputy_user": True,  # their own
    "unit_user": True,  # handles their suggestion
    "leader": False,
    "other_unit_user": False,
    "other_deputy_user": False,
    "nobody": False,
}


@pytest.mark.parametrize("confidential", [False, True])
@pytest.mark.parametrize("who", SEES_THE_CONTACT)
def test_a_deputys_contact_data_is_seen_alike_in_pages_api_and_exports(
    people, journey, who, confidential
):
    people.deputy.phone = "13912345678"
    people.deputy.identity_confidential = confidential
    people.deputy.save()
    _, assignment = journey.assigned()
    user = getattr(people, who)
    expected = SEES_THE_CONTACT[who] and not (confidential and who == "unit_user")
    client = session_client(user)

    # Pages: the assignment page (for those who may open it).
    response = client.get(f"/inbox/{assignment.pk}/")
    if response.status_code == 200:
        assert ("13912345678" in response.content.decode()) == expected
    else:
        assert response.status_code == 404
        assert who in ("other_unit_user", "other_deputy_user", "nobody")

    # The API, in the detail and in the list.
    detail = client.get(f"/api/v1/deputies/{people.deputy.pk}/").json()
    assert (detail.get("phone") == "13912345678") == expected
    listed = {d["id"]: d for d in client.get("/api/v1/deputies/").json()["results"]}
    assert (listed[people.deputy.pk].get("phone") == "13912345678") == expected
    assert ("phone" in listed[people.other_deputy.pk]) == (who in ("staff", "other_deputy_user"))

    # The export of deputies is committee staff's; a confidential deputy's contact data stays
    # out of it unless a user with the permission asks for it (DESIGN.md §4a).
    export = client.get("/imports/export/deputies/")
    if who == "staff":
        cells = {c for row in read_rows(export.content) for c in row}
        assert ("13912345678" in cells) == (not confidential)
    else:
        assert export.status_code == 403


# --- the workflow's rules reach the admin and the API -------------------------------------


def test_a_key_suggestion_needs_its_supervising_leader_in_the_api_too(people, journey):
    suggestion, _ = journey.assigned()
    api = session_client(people.staff)
    refused = api.post(f"/api/v1/suggestions/{suggestion.pk}/key/", {"is_key": True}, format="json")
    assert refused.status_code in (400, 409)
    assert refused.json()["errors"][0]["message"] == "设为重点建议时请选择督办领导"
    suggestion.refresh_from_db()
    assert suggestion.is_key is False
    done = api.post(
        f"/api/v1/suggestions/{suggestion.pk}/key/",
        {"is_key": True, "supervisor": people.leader.pk},
        format="json",
    )
    assert done.status_code == 200
    suggestion.refresh_from_db()
    assert (suggestion.is_key, suggestion.supervisor) == (True, people.leader)


@pytest.fixture
def admin_client(client, people):
    user = UserFactory(username="admin1", is_staff=True, is_superuser=True, is_committee_staff=True)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def run_action(client, model, action, objects, **extra):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.post(
        url, {"action": action, "_selected_action": [o.pk for o in objects], **extra}, follow=True
    )
    return [str(m) for m in response.context["messages"]]


def test_an_admin_bulk_action_with_one_bad_row_changes_nothing(admin_client, journey):
    good, bad = journey.submitted(), journey.registered()
    assert run_action(admin_client, Suggestion, "register", [good, bad]) == [
        f"未能立案:未执行任何操作,以下1件不符合条件:{bad.display_number}:只有已提交的建议可以立案"
    ]
    good.refresh_from_db()
    assert good.status == Suggestion.Status.SUBMITTED
    assert not good.events.exists()
    assert run_action(admin_client, Suggestion, "register", [good]) == ["已立案 1 件建议"]


def test_an_admin_decision_on_requests_is_all_or_nothing(admin_client, people, journey):
    requests = []
    for suggested in (people.other_unit, None):
        _, assignment = journey.accepted()
        requests.append(
            workflow.assignment_request_reassignment(
                actor=people.unit_user,
                assignment=assignment,
                reason="不属于本单位职责",
                suggested_unit=suggested,
            )
        )
    messages = run_action(admin_client, ReassignmentRequest, "approve", requests)
    assert len(messages) == 1 and messages[0].startswith(
        "未能同意:未执行任何操作,以下1件不符合条件"
    )
    assert "申请未提出建议承办单位,请选择新的承办单位后再同意" in messages[0]
    assert set(ReassignmentRequest.objects.values_list("state", flat=True)) == {"pending"}
    assert not Assignment.objects.filter(state="ended").exists()
