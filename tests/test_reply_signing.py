"""A reply becomes official (DESIGN.md §8): the clerk drafts, the unit's head signs (签发, with
a 文号), a reviewer releases it or returns it for redo; only a released reply reaches the
deputy, the figures and the public page. Each refusal, as each role, in pages and the API."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from rollups.selectors import figure_set
from suggestions import dates, signing, workflow
from suggestions.figures import Scope
from suggestions.models import AuditEvent, Reply, ReplyDraft
from units.models import DocNumberCounter

from .api_helpers import codes, session_client
from .factories import (
    FIVE_FIXED,
    SuggestionFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    category,
)


@pytest.fixture
def clerk(people):
    """A user of `unit` without the signing right (people.unit_user is its head)."""
    return UserFactory(username="clerk", name="刘科员", is_unit_user=True, unit=people.unit)


@pytest.fixture
def other_head(people):
    people.other_unit_user.can_sign_replies = True
    people.other_unit_user.save()
    return people.other_unit_user


@pytest.fixture
def key_case(people, journey):
    """An accepted key suggestion: its signed reply waits for review (PORTAL_REPLY_REVIEW=key)."""
    suggestion, assignment = journey.accepted()
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    return suggestion, assignment


def draft(clerk, assignment, **fields):
    fields = {"text": "已增设公交线路两条。", "result": "C", **fields}
    return signing.reply_draft_save(actor=clerk, assignment=assignment, **fields)


def page(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {}) if data is not None else client.get(url)


def body(response) -> str:
    return response.content.decode()


# --- drafting and signing ---------------------------------------------------------------------


def test_a_draft_is_not_a_reply_and_reaches_nobody_outside_its_unit(client, people, journey, clerk):
    suggestion, assignment = journey.accepted()
    draft(clerk, assignment, text="草稿中的答复正文")
    assert not Reply.objects.exists()
    suggestion.refresh_from_db()
    assert suggestion.status == "assigned"
    assert "草稿中的答复正文" in body(page(client, clerk, f"/inbox/{assignment.pk}/"))
    for outsider in (people.deputy_user, people.leader, people.staff):
        for url in (f"/inbox/{assignment.pk}/", f"/suggestions/{suggestion.pk}/"):
            assert "草稿中的答复正文" not in body(page(client, outsider, url)), (outsider, url)
        api = session_client(outsider).get("/api/v1/reply-drafts/")
        assert api.json()["results"] == [], outsider
    assert "草稿中的答复正文" not in body(client.get("/public/"))
    assert "/my/replies/" not in body(page(client, people.deputy_user, "/my/"))


def test_the_clerk_drafts_and_the_head_signs_with_the_units_doc_number(
    client, people, journey, clerk
):
    people.unit.doc_number_pattern = "市交运复〔{year}〕{n}号"
    people.unit.save()
    suggestion, assignment = journey.accepted()
    response = page(
        client,
        clerk,
        f"/inbox/{assignment.pk}/reply/",
        {"reply-text": "已增设公交线路两条。", "reply-result": "A", "reply-publication": "public"},
    )
    assert response.status_code == 302
    # The clerk is told to ask the head; the head gets the 签发 button.
    assert "等待本单位有签发权的负责人签发" in body(page(client, clerk, f"/inbox/{assignment.pk}/"))
    assert 'id="sign-form"' in body(page(client, people.unit_user, f"/inbox/{assignment.pk}/"))
    response = page(client, people.unit_user, f"/inbox/{assignment.pk}/sign/", {})
    assert response.status_code == 302
    reply = Reply.objects.get()
    year = dates.today().year
    assert reply.doc_number == f"市交运复〔{year}〕1号"
    assert (reply.signed_by, reply.signer) == (people.unit_user, people.unit_user.name)
    assert reply.replied_on == reply.signed_on == dates.today()
    assert reply.created_by == clerk
    suggestion.refresh_from_db()
    assert suggestion.status == "replied"


def test_the_clerk_cannot_sign_page_and_api(client, people, journey, clerk):
    _, assignment = journey.accepted()
    d = draft(clerk, assignment)
    response = page(client, clerk, f"/inbox/{assignment.pk}/sign/", {})
    assert response.status_code == 403
    assert "您没有签发权限,请由本单位有签发权的负责人签发" in body(response)
    api = session_client(clerk).post(f"/api/v1/reply-drafts/{d.pk}/sign/", {}, format="json")
    assert (api.status_code, codes(api)) == (403, ["no_signing_right"])
    d.refresh_from_db()
    assert (d.stage, d.doc_number) == ("drafting", "")


def test_the_head_of_another_unit_cannot_sign(client, people, journey, clerk, other_head):
    _, assignment = journey.accepted()
    d = draft(clerk, assignment)
    # Another unit does not even see the assignment or the draft.
    assert page(client, other_head, f"/inbox/{assignment.pk}/sign/", {}).status_code == 404
    api = session_client(other_head).post(f"/api/v1/reply-drafts/{d.pk}/sign/", {}, format="json")
    assert api.status_code == 404
    with pytest.raises(workflow.NotPermitted, match="只能签发本单位的答复"):
        signing.reply_sign(actor=other_head, draft=d)
    assert not Reply.objects.exists()


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_staff_and_leaders_cannot_sign(client, people, journey, clerk, role):
    _, assignment = journey.accepted()
    d = draft(clerk, assignment)
    response = page(client, getattr(people, role), f"/inbox/{assignment.pk}/sign/", {})
    assert response.status_code == 403
    assert "只能签发本单位的答复" in body(response)
    # Before it is signed the draft is the unit's alone: the API does not show it to them.
    api = session_client(getattr(people, role)).post(
        f"/api/v1/reply-drafts/{d.pk}/sign/", {}, format="json"
    )
    assert api.status_code == 404
    assert not Reply.objects.exists()


def test_signing_twice_is_refused_with_409(client, people, key_case, clerk):
    _, assignment = key_case
    d = draft(clerk, assignment)
    signing.reply_sign(actor=people.unit_user, draft=d)
    response = page(client, people.unit_user, f"/inbox/{assignment.pk}/sign/", {})
    assert response.status_code == 409
    assert "该答复已签发,不能重复签发" in body(response)
    api = session_client(people.unit_user).post(
        f"/api/v1/reply-drafts/{d.pk}/sign/", {}, format="json"
    )
    assert (api.status_code, codes(api)) == (409, ["already_signed"])
    # Nor may the clerk change a signed letter.
    with pytest.raises(workflow.InvalidTransition, match="该答复已签发,等待审核,不能修改"):
        draft(clerk, assignment, text="改动")
    assert DocNumberCounter.objects.get().last == 1


@pytest.mark.parametrize("role", ["unit_user", "leader", "deputy_user"])
def test_only_reviewers_release_or_return(client, people, key_case, clerk, role):
    _, assignment = key_case
    d = signing.reply_sign(actor=people.unit_user, draft=draft(clerk, assignment))
    user = getattr(people, role)
    release = page(client, user, f"/inbox/{assignment.pk}/release/", {})
    returned = page(client, user, f"/inbox/{assignment.pk}/return/", {"return-reason": "重写"})
    if role == "deputy_user":
        # A deputy sees the assignment but never a draft or its buttons.
        assert "已增设公交线路两条" not in body(page(client, user, f"/inbox/{assignment.pk}/"))
    for response in (release, returned):
        assert response.status_code == 403
        assert "只有工作人员或督查室可以审核答复" in body(response)
    api = session_client(user).post(f"/api/v1/reply-drafts/{d.pk}/release/", {}, format="json")
    assert api.status_code in (403, 404)
    if role == "unit_user":
        assert (api.status_code, codes(api)) == (403, ["not_reviewer"])
    d.refresh_from_db()
    assert d.stage == "signed" and not Reply.objects.exists()


def test_a_co_handler_cannot_draft_a_reply(people, journey):
    suggestion, _ = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))
    co = suggestion.assignments.get(role="co")
    workflow.assignment_accept(actor=people.other_unit_user, assignment=co)
    with pytest.raises(workflow.InvalidTransition, match="协办单位不直接答复代表"):
        draft(people.other_unit_user, co)


# --- review --------------------------------------------------------------------------------


def test_return_redo_and_release_with_a_class_change_reach_the_figures(
    client, people, key_case, clerk
):
    suggestion, assignment = key_case
    url = f"/inbox/{assignment.pk}"
    page(
        client,
        clerk,
        f"{url}/reply/",
        {"reply-text": "第一稿:暂不具备条件。", "reply-result": "C", "reply-publication": "public"},
    )
    page(client, people.unit_user, f"{url}/sign/", {})
    first = ReplyDraft.objects.get()
    assert (first.stage, first.needs_review) == ("signed", True)
    assert not Reply.objects.exists()
    assert "已签发,等待工作人员或督查室审核" in body(page(client, clerk, f"{url}/"))

    # Return needs a reason; the unit sees it.
    refused = page(client, people.staff, f"{url}/return/", {"return-reason": ""})
    assert "退回理由" in body(refused)
    page(client, people.staff, f"{url}/return/", {"return-reason": "未说明已有的公交规划"})
    clerk_view = body(page(client, clerk, f"{url}/"))
    assert "退回重办:未说明已有的公交规划" in clerk_view
    assert "未说明已有的公交规划" not in body(client.get("/public/"))
    # A returned letter cannot be signed again before it is redone.
    with pytest.raises(workflow.InvalidTransition, match="退回重办的答复须先修改"):
        signing.reply_sign(actor=people.unit_user, draft=first)

    page(
        client,
        clerk,
        f"{url}/reply/",
        {
            "reply-text": "第二稿:已列入明年计划。",
            "reply-result": "C",
            "reply-publication": "public",
        },
    )
    page(client, people.unit_user, f"{url}/sign/", {})
    second = ReplyDraft.objects.get()
    assert (second.pk, second.version, second.stage) == (first.pk, 2, "signed")
    assert second.doc_number == first.doc_number  # the same letter keeps its 文号

    # A class change needs its reason.
    refused = page(client, people.staff, f"{url}/release/", {"release-result": "B"})
    assert "请填写调整类别的理由" in body(refused) and not Reply.objects.exists()
    page(
        client,
        people.staff,
        f"{url}/release/",
        {"release-result": "B", "release-reason": "已列入计划,应为B类"},
    )
    reply = Reply.objects.get()
    assert (reply.result, reply.text, reply.doc_number) == (
        "B",
        "第二稿:已列入明年计划。",
        second.doc_number,
    )
    today = dates.today()
    shown = figure_set(scope=Scope(term=people.term), as_of=today).figures
    assert (shown.replied, shown.results["B"], shown.results["C"]) == (1, 1, 0)
    # History keeps both versions and every note, which the unit sees.
    saved = AuditEvent.objects.filter(action="reply.draft.save").order_by("id")
    assert [e.data["text"] for e in saved] == ["第一稿:暂不具备条件。", "第二稿:已列入明年计划。"]
    page_now = body(page(client, clerk, f"{url}/"))
    for note in (
        "退回重办",
        "未说明已有的公交规划",
        "调整答复类别",
        "已列入计划,应为B类",
        "C类 → B类",
    ):
        assert note in page_now, note
    # The deputy gives feedback on the released reply.
    response = page(
        client,
        people.deputy_user,
        f"/my/replies/{reply.pk}/feedback/",
        {"result_verdict": "satisfied", "work_verdict": "satisfied"},
    )
    assert response.status_code == 302
    assert reply.__class__.objects.get(pk=reply.pk).feedback.result_verdict == "satisfied"


def test_review_is_a_setting(settings, people, journey, clerk):
    settings.PORTAL = {**settings.PORTAL, "REPLY_REVIEW": "all"}
    _, assignment = journey.accepted()  # not a key suggestion
    d = signing.reply_sign(actor=people.unit_user, draft=draft(clerk, assignment))
    assert d.stage == "signed" and not Reply.objects.exists()
    settings.PORTAL = {**settings.PORTAL, "REPLY_REVIEW": "off"}
    _, other = journey.accepted()
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=other.suggestion, is_key=True, supervisor=people.leader
    )
    d = signing.reply_sign(actor=people.unit_user, draft=draft(clerk, other))
    assert d.stage == "released" and d.reply is not None


def test_an_inspector_sees_government_units_read_only_and_reviews_them(
    client, people, journey, clerk, settings
):
    inspector = UserFactory(username="ducha", is_inspector=True)
    suggestion, assignment = journey.accepted()
    settings.PORTAL = {**settings.PORTAL, "REPLY_REVIEW": "all"}
    d = signing.reply_sign(actor=people.unit_user, draft=draft(clerk, assignment))
    assert page(client, inspector, f"/inbox/{assignment.pk}/").status_code == 200
    assert page(client, inspector, f"/suggestions/{suggestion.pk}/").status_code == 200
    assert page(client, inspector, "/replies/review/").status_code == 200
    # Read-only: no unit action.
    assert page(client, inspector, f"/inbox/{assignment.pk}/contact/", {}).status_code == 403
    api = session_client(inspector).post(f"/api/v1/reply-drafts/{d.pk}/release/", {}, format="json")
    assert api.status_code == 201
    assert Reply.objects.get().result == "C"
    # A court is not the government system: the inspector neither sees nor reviews it.
    court = UnitFactory(name="市中级人民法院", system="court")
    other = SuggestionFactory(term=people.term, lead_deputy=people.deputy, category=category())
    workflow.suggestion_register(actor=people.staff, suggestion=other)
    (court_assignment,) = workflow.suggestion_assign(
        actor=people.staff, suggestion=other, units=[(court, "lead")]
    )
    assert page(client, inspector, f"/inbox/{court_assignment.pk}/").status_code == 404


# --- publication ---------------------------------------------------------------------------


def test_a_returned_reply_is_never_public(client, people, key_case, clerk):
    _, assignment = key_case
    d = signing.reply_sign(
        actor=people.unit_user, draft=draft(clerk, assignment, text="被退回的答复全文")
    )
    signing.reply_return(actor=people.staff, draft=d, reason="重写")
    assert "被退回的答复全文" not in body(client.get("/public/"))
    assert "被退回的答复全文" not in body(client.get("/public/?q=被退回"))
    assert not Reply.objects.exists()


def test_a_summary_only_reply_shows_its_summary_on_the_public_page(client, people, journey, clerk):
    _, assignment = journey.accepted()
    with pytest.raises(workflow.InvalidTransition, match="摘要公开的答复请填写公开摘要"):
        draft(clerk, assignment, publication="summary")
    d = draft(
        clerk, assignment, text="内部细节很多的全文", publication="summary", summary="已增设线路"
    )
    signing.reply_sign(actor=people.unit_user, draft=d)
    public = body(client.get("/public/"))
    assert "已增设线路" in public and "内部细节很多的全文" not in public
    assert "0</strong> 件答复" in body(client.get("/public/?q=内部细节"))


def test_a_later_publication_waits_for_its_day_and_is_listed_for_staff(
    client, people, journey, clerk, settings, django_assert_max_num_queries
):
    _, assignment = journey.accepted()
    d = draft(clerk, assignment, text="暂缓公开的答复", publish_later=True)
    signing.reply_sign(actor=people.unit_user, draft=d)
    reply = Reply.objects.get()
    assert reply.publish_on is None and reply.publish_by > reply.replied_on
    assert "暂缓公开的答复" not in body(client.get("/public/"))
    client.force_login(people.staff)
    with django_assert_max_num_queries(8):
        listing = client.get("/replies/publications/")
    assert listing.status_code == 200 and reply.publish_by.strftime("%Y-%m-%d") in body(listing)
    assert "/replies/publications/" in body(client.get("/"))
    # Staff may not set a day past the latest one.
    late = reply.publish_by + dt.timedelta(days=1)
    response = client.post(
        f"/replies/{reply.pk}/publish-day/", {"publish_on": late.isoformat()}, follow=True
    )
    assert "公开日期不能晚于最迟公开日期" in body(response)
    client.post(f"/replies/{reply.pk}/publish-day/", {"publish_on": ""})
    reply.refresh_from_db()
    assert reply.publish_on == dates.today()
    assert "暂缓公开的答复" in body(client.get("/public/"))
    assert "暂缓公开的答复" not in body(client.get("/replies/publications/"))


def test_a_later_publication_appears_on_its_latest_day_without_anyone(
    client, people, journey, clerk, settings
):
    _, assignment = journey.accepted()
    signing.reply_sign(
        actor=people.unit_user,
        draft=draft(clerk, assignment, text="到期自动公开", publish_later=True),
    )
    reply = Reply.objects.get()
    settings.PORTAL_TODAY = reply.publish_by
    assert "到期自动公开" in body(client.get("/public/"))


def test_the_review_queue_lists_signed_replies_in_constant_queries(
    client, people, journey, clerk, settings, django_assert_max_num_queries
):
    settings.PORTAL = {**settings.PORTAL, "REPLY_REVIEW": "all"}
    for _ in range(3):
        _, assignment = journey.accepted()
        signing.reply_sign(actor=people.unit_user, draft=draft(clerk, assignment))
    client.force_login(people.staff)
    with django_assert_max_num_queries(8):
        response = client.get("/replies/review/")
    assert body(response).count('<td data-label="建议">') == 3
    home = body(client.get("/"))
    assert "待审核的答复" in home and "/replies/review/" in home
    assert page(client, people.leader, "/replies/review/").status_code == 403


# --- the printed letter ----------------------------------------------------------------------


def test_the_letter_prints_the_doc_number_and_the_co_handlers_opinions_once_greeted(
    client, people, journey, clerk
):
    suggestion, lead = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))
    co = suggestion.assignments.get(role="co")
    workflow.assignment_accept(actor=people.other_unit_user, assignment=co)
    workflow.assignment_send_opinion(
        actor=people.other_unit_user, assignment=co, text="建议增加校车线路。"
    )
    form = body(page(client, clerk, f"/inbox/{lead.pk}/"))
    assert "打印的答复函会自动加上" in form and "不要重复称呼" in form
    signing.reply_sign(actor=people.unit_user, draft=draft(clerk, lead, text="已增设线路。"))
    reply = Reply.objects.get()
    letter = body(page(client, clerk, f"/files/replies/{reply.pk}/letter/"))
    assert reply.doc_number in letter
    assert letter.count("张伟代表:") == 1
    assert "市教育局:建议增加校车线路。" in letter
    assert f"签发人:{people.unit_user.name}" in letter


# --- 文号 under concurrent signing -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_signings_get_distinct_consecutive_numbers():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL for truly concurrent transactions (SQLite serialises writers)"
        )
    from suggestions.models import Assignment

    term = TermFactory()
    unit = UnitFactory(name="市住房和城乡建设局", doc_number_pattern="市住建提〔{year}〕{n}号")
    staff = UserFactory(is_committee_staff=True)
    head = UserFactory(is_unit_user=True, unit=unit, can_sign_replies=True)
    drafts = []
    for _ in range(2):
        suggestion = SuggestionFactory(term=term, category=category())
        workflow.suggestion_register(actor=staff, suggestion=suggestion)
        (assignment,) = workflow.suggestion_assign(
            actor=staff, suggestion=suggestion, units=[(unit, "lead")]
        )
        workflow.assignment_accept(actor=head, assignment=assignment, **FIVE_FIXED)
        drafts.append(
            draft(head, Assignment.objects.get(pk=assignment.pk), result="A", text="答复")
        )
    barrier = threading.Barrier(2)
    errors = []

    def sign(d):
        try:
            barrier.wait(timeout=10)
            signing.reply_sign(actor=head, draft=d)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    year = dates.today().year
    numbers = sorted(Reply.objects.values_list("doc_number", flat=True))
    assert numbers == [f"市住建提〔{year}〕1号", f"市住建提〔{year}〕2号"]
    assert DocNumberCounter.objects.get(unit=unit, year=year).last == 2
