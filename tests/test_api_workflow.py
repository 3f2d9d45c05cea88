"""Writes through the API go through the workflow: each role's steps, the refusals, the error
bodies, and the 直通车 deadline."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Assignment, AuditEvent, ExtensionRequest, Suggestion

from .api_helpers import codes, session_client, token_client
from .factories import FIVE_FIXED, category


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def _post(user, url, data=None):
    return session_client(user).post(url, data or {}, format="json")


def test_a_deputy_drafts_and_submits_their_own_suggestion(people):
    client = session_client(people.deputy_user)
    created = client.post(
        "/api/v1/suggestions/",
        {
            "channel": "recess",
            "title": "关于增设公交站点的建议",
            "content": "建议增设站点。",
            "lead_deputy": people.deputy.pk,
        },
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["number"], body["term"]["id"]) == ("draft", None, people.term.pk)
    submitted = client.post(f"/api/v1/suggestions/{body['id']}/submit/", {}, format="json")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["number"] is not None


def test_a_deputy_cannot_lead_for_another_deputy(people):
    response = _post(
        people.deputy_user,
        "/api/v1/suggestions/",
        {
            "channel": "recess",
            "title": "标题",
            "content": "内容",
            "lead_deputy": people.other_deputy.pk,
        },
    )
    assert response.status_code == 403
    assert response.json()["errors"] == [
        {"field": None, "code": "not_own_suggestion", "message": "代表只能以本人为领衔代表提出建议"}
    ]
    assert not Suggestion.objects.exists()


def test_validation_errors_name_the_field_in_chinese(people):
    response = _post(people.staff, "/api/v1/suggestions/", {"channel": "nowhere", "content": ""})
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"channel", "title", "content", "lead_deputy"}
    assert errors["title"]["code"] == "required"
    assert errors["title"]["message"] == "该字段是必填项。"
    assert errors["channel"]["code"] == "invalid_choice"


def test_nested_errors_name_the_nested_field(people, journey):
    suggestion = journey.registered()
    response = _post(
        people.staff,
        f"/api/v1/suggestions/{suggestion.pk}/assign/",
        {"units": [{"unit": people.unit.pk, "role": "boss"}]},
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["units.0.role"]


def test_staff_register_assign_and_close_through_the_api(people, journey):
    suggestion = journey.submitted()
    assert (
        _post(people.staff, f"/api/v1/suggestions/{suggestion.pk}/register/").json()["status"]
        == "registered"
    )
    assigned = _post(
        people.staff,
        f"/api/v1/suggestions/{suggestion.pk}/assign/",
        {
            "units": [
                {"unit": people.unit.pk, "role": "lead"},
                {"unit": people.other_unit.pk, "role": "co"},
            ]
        },
    )
    assert assigned.status_code == 201
    assert [(a["unit"]["id"], a["role"]) for a in assigned.json()] == [
        (people.unit.pk, "lead"),
        (people.other_unit.pk, "co"),
    ]
    suggestion.refresh_from_db()
    assert suggestion.status == "assigned"
    assert AuditEvent.objects.filter(suggestion=suggestion, action="suggestion.assign").exists()


def test_an_invalid_transition_is_409_with_the_workflow_code(people, journey):
    suggestion = journey.submitted()
    response = _post(people.staff, f"/api/v1/suggestions/{suggestion.pk}/close/")
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": None, "code": "not_replied", "message": "只有全部答复后的建议可以办结"}
    ]


def test_a_unit_accepts_contacts_and_replies(people, journey):
    suggestion, assignment = journey.assigned()
    base = f"/api/v1/assignments/{assignment.pk}"
    early = _post(
        people.unit_user,
        f"{base}/replies/",
        {"text": "答复", "result": "A"},
    )
    assert early.status_code == 409
    assert codes(early) == ["not_accepted"]

    assert _post(people.unit_user, f"{base}/accept/", FIVE_FIXED).json()["state"] == "accepted"
    contact = _post(
        people.unit_user,
        f"{base}/contacts/",
        {
            "kind": "face",
            "contacted_on": timezone.localdate().isoformat(),
            "participants": "张伟代表、王科长",
            "summary": "当面听取意见",
        },
    )
    assert contact.status_code == 201
    reply = _post(
        people.unit_user,
        f"{base}/replies/",
        {"text": "已增设公交线路两条。", "result": "A", "publication": "public"},
    )
    # The reply endpoint writes a draft: nothing reaches the deputy before 签发.
    assert reply.status_code == 201
    assert (reply.json()["result"], reply.json()["stage"]) == ("A", "drafting")
    suggestion.refresh_from_db()
    assert suggestion.status == "assigned"
    signed = _post(people.unit_user, f"/api/v1/reply-drafts/{reply.json()['id']}/sign/")
    assert signed.status_code == 200
    assert signed.json()["stage"] == "released" and signed.json()["doc_number"]
    suggestion.refresh_from_db()
    assert suggestion.status == "replied"
    listed = session_client(people.unit_user).get(f"/api/v1/contacts/?suggestion={suggestion.pk}")
    assert [c["id"] for c in listed.json()["results"]] == [contact.json()["id"]]


def test_another_unit_cannot_find_the_assignment(people, journey):
    _, assignment = journey.assigned()
    response = _post(people.other_unit_user, f"/api/v1/assignments/{assignment.pk}/accept/")
    assert response.status_code == 404


def test_the_lead_deputy_gives_feedback_and_dissatisfied_reopens(people, journey):
    suggestion, reply = journey.replied()
    url = f"/api/v1/replies/{reply.pk}/feedback/"
    refused = _post(
        people.unit_user, url, {"result_verdict": "satisfied", "work_verdict": "satisfied"}
    )
    assert refused.status_code == 403
    given = _post(
        people.deputy_user,
        url,
        {"result_verdict": "dissatisfied", "work_verdict": "basically", "remarks": "尚未落实"},
    )
    assert given.status_code == 201
    assert given.json()["on_behalf"] is False
    suggestion.refresh_from_db()
    assert suggestion.status == "assigned"
    again = _post(
        people.deputy_user, url, {"result_verdict": "satisfied", "work_verdict": "satisfied"}
    )
    assert again.status_code == 409


def test_feedback_is_404_for_another_deputy(people, journey):
    _, reply = journey.replied()
    response = _post(
        people.other_deputy_user,
        f"/api/v1/replies/{reply.pk}/feedback/",
        {"result_verdict": "satisfied", "work_verdict": "satisfied"},
    )
    assert response.status_code == 404


def test_an_extension_request_is_decided_by_staff(people, journey):
    _, assignment = journey.accepted()
    wanted = assignment.deadline + dt.timedelta(days=20)
    asked = _post(
        people.unit_user,
        f"/api/v1/assignments/{assignment.pk}/extension-requests/",
        {
            "requested_deadline": wanted.isoformat(),
            "reason": "需要协调多个部门",
            "deputy_informed": True,
        },
    )
    assert asked.status_code == 201
    pk = asked.json()["id"]
    assert (
        _post(
            people.unit_user, f"/api/v1/extension-requests/{pk}/decide/", {"approve": True}
        ).status_code
        == 403
    )
    assert (
        _post(
            people.other_unit_user, f"/api/v1/extension-requests/{pk}/decide/", {"approve": True}
        ).status_code
        == 404
    )
    decided = _post(people.staff, f"/api/v1/extension-requests/{pk}/decide/", {"approve": True})
    assert decided.status_code == 200
    assert decided.json()["state"] == "approved"
    assert ExtensionRequest.objects.get(pk=pk).state == "approved"
    assignment.refresh_from_db()
    assert assignment.deadline >= wanted


def test_a_reassignment_request_approved_moves_the_suggestion(people, journey):
    _, assignment = journey.assigned()
    asked = _post(
        people.unit_user,
        f"/api/v1/assignments/{assignment.pk}/reassignment-requests/",
        {"reason": "不属于本单位职责", "suggested_unit": people.other_unit.pk},
    )
    assert asked.status_code == 201
    decided = _post(
        people.staff,
        f"/api/v1/reassignment-requests/{asked.json()['id']}/decide/",
        {"approve": True},
    )
    assert decided.status_code == 200
    assignment.refresh_from_db()
    assert assignment.state == "ended"
    assert assignment.replaced_by.unit == people.other_unit


def test_an_edit_based_on_an_old_version_is_refused(people, journey):
    suggestion = journey.submitted()
    url = f"/api/v1/suggestions/{suggestion.pk}/"
    client = session_client(people.staff)
    ok = client.patch(url, {"version": suggestion.version, "title": "新标题"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["title"] == "新标题"
    stale = client.patch(url, {"version": suggestion.version, "title": "另一个标题"}, format="json")
    assert stale.status_code == 409
    assert codes(stale) == ["stale_version"]


def test_a_method_not_allowed_is_405_in_chinese(people):
    response = session_client(people.staff).delete("/api/v1/suggestions/")
    assert response.status_code == 405
    assert response.json()["errors"][0]["message"] == "该地址不支持 DELETE 请求"


# --- 直通车 -----------------------------------------------------------------------------------


def test_a_token_created_express_item_gets_seven_days_moved_past_the_holiday(people):
    # 2026-09-24 + 7 days = 2026-10-01, National Day: the seeded official calendar moves it
    # past the 10-01…10-07 rest days to Thursday 2026-10-08.
    client = token_client(people.staff)
    response = client.post(
        "/api/v1/suggestions/express/",
        {
            "title": "12345热线:某小区路灯损坏",
            "content": "市民反映小区路灯损坏多日。",
            "lead_deputy": people.deputy.pk,
            "category": category().pk,
            "submitted_on": "2026-09-24",
            "assigned_on": "2026-09-24",
            "units": [{"unit": people.unit.pk, "role": "lead"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["channel"], body["status"]) == ("express", "assigned")
    assert body["assignments"][0]["deadline"] == "2026-10-08"
    assignment = Assignment.objects.get(pk=body["assignments"][0]["id"])
    assert assignment.rules["reply_days"] == 7
    detail = client.get(f"/api/v1/assignments/{assignment.pk}/").json()
    assert "2026-10-01 国庆节 → 2026-10-08" in detail["deadline_changes"][0]["explanation"][1]
    actions = set(
        AuditEvent.objects.filter(suggestion_id=body["id"]).values_list("action", flat=True)
    )
    assert {"suggestion.create", "suggestion.register", "suggestion.assign"} <= actions


def test_an_express_item_is_for_staff_tokens_only(people):
    client = token_client(people.unit_user, issuer=people.staff)
    response = client.post("/api/v1/suggestions/express/", {}, format="json")
    assert response.status_code == 403
    assert not Suggestion.objects.exists()


def test_a_failed_express_step_leaves_nothing_behind(people):
    people.unit.is_active = False
    people.unit.save()
    response = token_client(people.staff).post(
        "/api/v1/suggestions/express/",
        {
            "title": "标题",
            "content": "内容",
            "lead_deputy": people.deputy.pk,
            "category": category().pk,
            "units": [{"unit": people.unit.pk, "role": "lead"}],
        },
        format="json",
    )
    assert response.status_code == 409
    assert codes(response) == ["inactive_unit"]
    assert not Suggestion.objects.exists()


def test_express_deadline_matches_the_workflow_for_any_day(people):
    """The convenience is the three workflow steps: same deadline as assigning by hand."""
    client = token_client(people.staff)
    day = dt.date(2026, 4, 29)  # +7 = 05-06, after the May Day rest days
    response = client.post(
        "/api/v1/suggestions/express/",
        {
            "title": "标题",
            "content": "内容",
            "lead_deputy": people.deputy.pk,
            "category": category().pk,
            "assigned_on": day.isoformat(),
            "units": [{"unit": people.unit.pk, "role": "lead"}],
        },
        format="json",
    )
    by_hand = workflow.suggestion_register(
        actor=people.staff,
        suggestion=workflow.suggestion_create(
            actor=people.staff,
            term=people.term,
            title="t",
            content="c",
            channel="express",
            lead_deputy=people.deputy,
            category=category(),
        ),
    )
    [assignment] = workflow.suggestion_assign(
        actor=people.staff, suggestion=by_hand, units=[(people.unit, "lead")], assigned_on=day
    )
    assert response.json()["assignments"][0]["deadline"] == assignment.deadline.isoformat()
