"""Deputies: their suggestions, a new suggestion with co-signers, feedback on replies."""

import pytest

from suggestions.models import Feedback, Suggestion

from .factories import DeputyFactory


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def test_my_suggestions_lists_led_and_co_signed_with_progress(client, people, journey):
    journey.assigned(title="我领衔的建议")
    co_signed = journey.submitted(title="我附议的建议", lead_deputy=people.other_deputy)
    co_signed.co_signers.add(people.deputy)
    journey.submitted(title="别人的建议", lead_deputy=people.other_deputy)
    page = text(as_user(client, people.deputy_user).get("/my/"))
    assert "我领衔的建议" in page and "我附议的建议" in page and "别人的建议" not in page
    assert "领衔" in page and "附议" in page and "市交通运输局" in page


@pytest.mark.parametrize("who", ["staff", "unit_user", "nobody"])
def test_my_pages_are_for_deputies(client, people, who):
    client = as_user(client, getattr(people, who))
    assert client.get("/my/").status_code == 403
    assert client.get("/my/new/").status_code == 403


def test_a_deputy_submits_a_new_suggestion_with_co_signers(client, people):
    response = as_user(client, people.deputy_user).post(
        "/my/new/",
        {
            "kind": "suggestion",
            "channel": "recess",
            "title": "关于增加社区食堂的建议",
            "content": "建议在老旧小区增加社区食堂。",
            "co_signers": [people.other_deputy.pk],
            "submit": "1",
        },
        follow=True,
    )
    suggestion = Suggestion.objects.get()
    assert suggestion.status == "submitted" and suggestion.number == 1
    assert suggestion.lead_deputy == people.deputy
    assert list(suggestion.co_signers.all()) == [people.other_deputy]
    assert "已提交,编号第0001号" in text(response)


def test_a_draft_is_kept_until_the_deputy_submits_it(client, people):
    client = as_user(client, people.deputy_user)
    client.post(
        "/my/new/",
        {"kind": "suggestion", "channel": "recess", "title": "草稿标题", "content": "草稿内容"},
    )
    draft = Suggestion.objects.get()
    assert (draft.status, draft.number) == ("draft", None)
    assert "提交此建议" in text(client.get(f"/suggestions/{draft.pk}/"))
    client.post(f"/my/{draft.pk}/submit/")
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.number is not None


def test_an_empty_title_is_refused_in_chinese(client, people):
    response = as_user(client, people.deputy_user).post(
        "/my/new/", {"kind": "suggestion", "channel": "recess", "title": "", "content": "内容"}
    )
    assert "该字段是必填项" in text(response)
    assert not Suggestion.objects.exists()


def test_a_co_signer_cannot_submit_or_give_feedback(client, people, journey):
    suggestion, reply = journey.replied()
    suggestion.co_signers.add(people.other_deputy)
    client = as_user(client, people.other_deputy_user)
    assert client.get(f"/suggestions/{suggestion.pk}/").status_code == 200
    response = client.post(
        f"/my/replies/{reply.pk}/feedback/",
        {"result_verdict": "satisfied", "work_verdict": "satisfied"},
    )
    assert response.status_code == 403
    assert not Feedback.objects.exists()


def test_another_deputy_gets_404(client, people, journey):
    suggestion, reply = journey.replied()
    client = as_user(client, people.other_deputy_user)
    assert client.get(f"/suggestions/{suggestion.pk}/").status_code == 404
    assert client.get(f"/my/replies/{reply.pk}/feedback/").status_code == 404


def test_the_lead_deputy_is_satisfied(client, people, journey):
    suggestion, reply = journey.replied()
    client = as_user(client, people.deputy_user)
    assert f"/my/replies/{reply.pk}/feedback/" in text(client.get(f"/suggestions/{suggestion.pk}/"))
    response = client.post(
        f"/my/replies/{reply.pk}/feedback/",
        {"result_verdict": "satisfied", "work_verdict": "basically", "remarks": "感谢"},
        follow=True,
    )
    assert "感谢您的反馈" in text(response)
    feedback = Feedback.objects.get()
    assert (feedback.result_verdict, feedback.on_behalf) == ("satisfied", False)
    assert f"/my/replies/{reply.pk}/feedback/" not in text(client.get("/my/"))


def test_dissatisfied_without_remarks_is_refused(client, people, journey):
    _, reply = journey.replied()
    response = as_user(client, people.deputy_user).post(
        f"/my/replies/{reply.pk}/feedback/",
        {"result_verdict": "dissatisfied", "work_verdict": "dissatisfied"},
    )
    assert "不满意时请填写具体意见" in text(response)
    assert not Feedback.objects.exists()


def test_my_page_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries
):
    for _ in range(15):
        journey.assigned()
    for _ in range(3):
        journey.replied()
    DeputyFactory(term=people.term)
    client = as_user(client, people.deputy_user)
    # Two more than before: co-signatures to confirm and replies of merged suggestions.
    with django_assert_max_num_queries(10):
        assert client.get("/my/").status_code == 200


def test_a_draft_stays_the_deputys_own_until_submitted(client, people):
    deputy = as_user(client, people.deputy_user)
    deputy.post(
        "/my/new/",
        {"kind": "suggestion", "channel": "recess", "title": "未提交的草稿", "content": "内容"},
    )
    draft = Suggestion.objects.get()
    staff = as_user(type(client)(), people.staff)
    assert "未提交的草稿" not in text(staff.get("/suggestions/"))
    assert staff.get(f"/suggestions/{draft.pk}/").status_code == 404
    deputy.post(f"/my/{draft.pk}/submit/")
    assert "未提交的草稿" in text(staff.get("/suggestions/"))
