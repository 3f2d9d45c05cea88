"""Each workflow step tells the right people, in the portal and by e-mail after commit."""

import datetime as dt

import pytest
from django.core import mail

from notifications.models import Notification
from suggestions import workflow


@pytest.fixture
def mails(django_capture_on_commit_callbacks, monkeypatch):
    """Run the e-mail task inline once the step's transaction commits."""
    from congress.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    return django_capture_on_commit_callbacks


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_a_new_assignment_tells_the_units_users(people, journey, mails):
    with mails(execute=True):
        suggestion, _ = journey.assigned(title="关于公交的建议")
    assert inbox(people.unit_user) == [f"新交办:{suggestion.display_number}《关于公交的建议》"]
    assert inbox(people.other_unit_user) == []
    assert [m.subject for m in mail.outbox if people.unit_user.email in m.to] == [
        f"[代表建议办理平台] 新交办:{suggestion.display_number}《关于公交的建议》"
    ]


def test_a_decided_extension_tells_the_unit(people, journey, mails):
    _, assignment = journey.accepted()
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=assignment.deadline + dt.timedelta(days=20),
        reason="需调研",
        deputy_informed=True,
    )
    with mails(execute=True):
        workflow.extension_decide(actor=people.staff, request=request, approve=True)
    assert any(t.startswith("延期申请已同意") for t in inbox(people.unit_user))
    assert any("延期申请已同意" in m.subject for m in mail.outbox)


def test_a_rejected_reassignment_tells_the_unit_why(people, journey, mails):
    _, assignment = journey.assigned()
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=assignment, reason="不属于本单位"
    )
    workflow.reassignment_decide(
        actor=people.staff, request=request, approve=False, note="属于职责"
    )
    note = Notification.objects.get(recipient=people.unit_user, kind="request.decided")
    assert note.title.startswith("调整申请已不同意") and "属于职责" in note.body


def test_a_reply_tells_the_deputy_with_a_link_to_the_feedback_form(people, journey, mails):
    with mails(execute=True):
        suggestion, reply = journey.replied()
    note = Notification.objects.get(recipient=people.deputy_user, kind="reply.posted")
    assert note.url == f"/my/replies/{reply.pk}/feedback/"
    assert "市交通运输局已答复" in note.title
    assert Notification.objects.filter(recipient=people.staff, kind="reply.posted").exists()
    assert any(people.deputy_user.email in m.to for m in mail.outbox)


def test_dissatisfied_feedback_tells_the_unit_and_starts_rehandling(people, journey, mails):
    suggestion, reply = journey.replied()
    with mails(execute=True):
        workflow.feedback_record(
            actor=people.deputy_user,
            reply=reply,
            result_verdict="dissatisfied",
            work_verdict="basically",
            remarks="仍未解决",
        )
    kinds = set(
        Notification.objects.filter(recipient=people.unit_user).values_list("kind", flat=True)
    )
    assert {"feedback.received", "rehandling.started"} <= kinds
    rehandle = Notification.objects.get(recipient=people.unit_user, kind="rehandling.started")
    assert "第2轮办理" in rehandle.body and "仍未解决" in rehandle.body


def test_a_refused_step_tells_nobody(people, journey, mails):
    suggestion = journey.submitted()
    with mails(execute=True), pytest.raises(workflow.InvalidTransition):
        workflow.suggestion_assign(
            actor=people.staff, suggestion=suggestion, units=[(people.unit, "lead")]
        )
    assert not Notification.objects.exists() and mail.outbox == []


def test_the_unit_user_sees_the_unread_count_in_the_nav(client, people, journey):
    journey.assigned()
    client.force_login(people.unit_user)
    page = client.get("/").content.decode()
    assert "/notifications/" in page
