"""附议确认 (DESIGN.md §8): co-signers named by another deputy confirm online; staff entering a
paper form confirm on their behalf. Only confirmed co-signers count and are sent the reply."""

import pytest

from suggestions import workflow
from suggestions.models import AuditEvent, CoSignature, Suggestion

from .api_helpers import session_client
from .factories import DeputyFactory, UserFactory, release_follow_up, release_reply


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def named(client, people):
    """张伟 submits a suggestion on /my/new/ naming 李娜 as co-signer."""
    as_user(client, people.deputy_user).post(
        "/my/new/",
        {
            "kind": "suggestion",
            "channel": "recess",
            "title": "关于社区养老的建议",
            "content": "建议增设社区食堂。",
            "co_signers": [people.other_deputy.pk],
            "submit": "1",
        },
    )
    client.logout()
    return CoSignature.objects.get()


def test_a_co_signer_named_by_another_deputy_waits_for_their_confirmation(client, people, named):
    assert (named.deputy, named.state) == (people.other_deputy, "pending")
    page = text(as_user(client, people.other_deputy_user).get("/my/"))
    assert "请确认附议" in page and "关于社区养老的建议" in page and "附议(待确认)" in page
    # The suggestion page offers the co-signer (only them) the same two buttons.
    own = text(client.get(f"/suggestions/{named.suggestion_id}/"))
    assert f"/my/co-signatures/{named.pk}/confirm/" in own
    lead = text(
        as_user(type(client)(), people.deputy_user).get(f"/suggestions/{named.suggestion_id}/")
    )
    assert "/my/co-signatures/" not in lead
    detail = text(client.get(f"/suggestions/{named.suggestion_id}/"))
    assert '李娜<span class="muted">(待确认)</span>' in detail
    # The API counts only confirmed co-signers, and lists the pending one with its state.
    body = session_client(people.staff).get(f"/api/v1/suggestions/{named.suggestion_id}/").json()
    assert body["co_signers"] == []
    assert [(c["deputy"]["name"], c["state"]) for c in body["co_signatures"]] == [
        ("李娜", "pending")
    ]


def test_the_co_signer_is_asked_in_their_inbox(people, named):
    from notifications.models import Notification

    asked = Notification.objects.get(recipient=people.other_deputy_user)
    assert asked.title.startswith("请确认附议") and asked.url == "/my/#co-signatures"


def test_the_co_signer_confirms_online(client, people, named, django_assert_max_num_queries):
    deputy = as_user(client, people.other_deputy_user)
    with django_assert_max_num_queries(12):
        assert deputy.get("/my/").status_code == 200
    response = deputy.post(f"/my/co-signatures/{named.pk}/confirm/")
    assert response.status_code == 302
    named.refresh_from_db()
    assert (named.state, named.on_behalf, named.decided_by) == (
        "confirmed",
        False,
        people.other_deputy_user,
    )
    assert AuditEvent.objects.filter(action="cosignature.confirm").exists()
    body = session_client(people.staff).get(f"/api/v1/suggestions/{named.suggestion_id}/").json()
    assert body["co_signers"] == [{"id": people.other_deputy.pk, "name": "李娜"}]
    # Twice is refused with a message, nothing changes.
    again = deputy.post(f"/my/co-signatures/{named.pk}/confirm/", follow=True)
    assert "该附议已确认" in text(again)


def test_the_co_signer_declines_and_then_no_longer_sees_it(client, people, named):
    deputy = as_user(client, people.other_deputy_user)
    deputy.post(f"/my/co-signatures/{named.pk}/decline/")
    named.refresh_from_db()
    assert named.state == "declined"
    assert deputy.get(f"/suggestions/{named.suggestion_id}/").status_code == 404
    assert "关于社区养老的建议" not in text(deputy.get("/my/"))


def test_only_that_co_signer_or_staff_decide(client, people, named):
    url = f"/my/co-signatures/{named.pk}/confirm/"
    # The lead deputy sees the suggestion but may not confirm for someone else: 403.
    assert as_user(client, people.deputy_user).post(url).status_code == 403
    # A deputy who does not see the suggestion: 404; no deputy at all: 403 (deputies' pages).
    stranger = UserFactory(username="stranger", is_deputy=True)
    DeputyFactory(term=people.term, user=stranger)
    assert as_user(client, stranger).post(url).status_code == 404
    assert as_user(client, people.unit_user).post(url).status_code == 403
    assert as_user(client, people.nobody).post(url).status_code == 403
    # The API: the same answers.
    api_url = f"/api/v1/co-signatures/{named.pk}/confirm/"
    assert session_client(people.deputy_user).post(api_url).status_code == 403
    assert session_client(stranger).post(api_url).status_code == 404
    assert session_client(people.unit_user).post(api_url).status_code == 404
    named.refresh_from_db()
    assert named.state == "pending"


def test_staff_confirm_a_pending_co_signer_from_the_paper_form(client, people, named):
    staff = as_user(client, people.staff)
    page = text(staff.get(f"/suggestions/{named.suggestion_id}/"))
    assert "代为确认(纸质件)" in page
    # Leaders see the page but not the button, and may not post it.
    leader = as_user(type(client)(), people.leader)
    assert "代为确认" not in text(leader.get(f"/suggestions/{named.suggestion_id}/"))
    url = f"/suggestions/{named.suggestion_id}/co-signers/{named.pk}/confirm/"
    assert leader.post(url).status_code == 403
    assert as_user(type(client)(), people.other_unit_user).post(url).status_code == 404
    staff.post(url)
    named.refresh_from_db()
    assert (named.state, named.on_behalf, named.decided_by) == ("confirmed", True, people.staff)


def test_staff_entry_confirms_co_signers_by_default(client, people):
    staff = as_user(client, people.staff)
    form = text(staff.get("/suggestions/new/"))
    assert (
        'name="co_signers_confirmed"' in form
        and "checked" in form.split('name="co_signers_confirmed"')[1].split(">")[0]
    )
    base = {
        "number": 1,
        "kind": "suggestion",
        "channel": "session",
        "title": "纸质件",
        "content": "内容",
        "lead_deputy": people.deputy.pk,
        "co_signers": [people.other_deputy.pk],
        "submitted_on": "2026-11-01",
    }
    staff.post("/suggestions/new/", base | {"co_signers_confirmed": "on"})
    first = CoSignature.objects.get()
    assert (first.state, first.on_behalf) == ("confirmed", True)
    staff.post("/suggestions/new/", base | {"number": 2, "title": "未签名的纸质件"})
    second = CoSignature.objects.get(suggestion__title="未签名的纸质件")
    assert second.state == "pending"


def test_a_deputys_api_draft_names_pending_co_signers(people):
    response = session_client(people.deputy_user).post(
        "/api/v1/suggestions/",
        {
            "channel": "recess",
            "title": "接口起草",
            "content": "内容",
            "lead_deputy": people.deputy.pk,
            "co_signers": [people.other_deputy.pk],
            "co_signers_confirmed": True,  # not the deputy's to say
        },
        format="json",
    )
    assert response.status_code == 201
    assert CoSignature.objects.get().state == "pending"


def test_pending_co_signers_are_not_sent_the_reply_and_confirmed_ones_are(people, journey):
    suggestion, assignment = journey.accepted()
    suggestion.co_signers.add(people.other_deputy, through_defaults={"state": "pending"})
    reply = release_reply(
        actor=people.unit_user,
        assignment=assignment,
        text="答复",
        result="A",
        is_public=True,
    )
    assert list(reply.deliveries.values_list("role", flat=True)) == ["lead"]
    workflow.co_signature_confirm(
        actor=people.other_deputy_user, co_signature=CoSignature.objects.get()
    )
    reply.result = "B"
    reply.save(update_fields=["result"])
    follow_up = release_follow_up(
        actor=people.unit_user,
        reply=reply,
        text="已完成",
        result="A",
        is_public=True,
    )
    assert sorted(follow_up.deliveries.values_list("role", flat=True)) == ["co_signer", "lead"]


def test_rows_written_without_a_state_are_confirmed_as_the_migration_made_old_ones(people, journey):
    # Rows written without a state (bulk imports, demo data, rows before 0011) are confirmed.
    suggestion = journey.submitted()
    Suggestion.co_signers.through.objects.create(suggestion=suggestion, deputy=people.other_deputy)
    assert CoSignature.objects.get().state == "confirmed"
