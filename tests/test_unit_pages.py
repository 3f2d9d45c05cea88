"""The handling unit's inbox and assignment page, and the whole handling path over HTTP."""

import datetime as dt

import pytest
from django.utils import timezone

from suggestions import signing, workflow
from suggestions.models import Assignment, Contact, ExtensionRequest, Opinion, Reply

from .factories import FIVE_FIXED, pdf_upload


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- inbox ----------------------------------------------------------------------------------


def test_the_requests_tab_counts_and_lists_the_requests_staff_have_not_decided(
    client, people, journey
):
    """申请待审核: a reassignment or an extension request still pending, of this unit's
    own assignments; a decided one leaves the tab."""
    _, moving = journey.assigned(title="申请调整的建议")
    _, later = journey.accepted(title="申请延期的建议")
    _, decided = journey.accepted(title="延期已审核的建议")
    journey.accepted(title="未提申请的建议")
    workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=moving, reason="不属于本单位职责"
    )
    for assignment in (later, decided):
        workflow.assignment_request_extension(
            actor=people.unit_user,
            assignment=assignment,
            requested_deadline=assignment.deadline + dt.timedelta(days=30),
            reason="需跨部门协调",
            deputy_informed=True,
        )
    workflow.extension_decide(
        actor=people.staff,
        request=ExtensionRequest.objects.get(assignment=decided),
        approve=False,
        note="不予延期",
    )
    client = as_user(client, people.unit_user)
    assert '申请待审核 <span class="badge">2</span>' in text(client.get("/inbox/"))
    page = text(client.get("/inbox/?tab=requests"))
    assert "申请调整的建议" in page and "申请延期的建议" in page
    assert "延期已审核的建议" not in page and "未提申请的建议" not in page


def test_the_inbox_counts_and_lists_each_tab(client, people, journey):
    today = timezone.localdate()
    journey.assigned(title="待签收的建议")
    journey.accepted(title="办理中的建议")
    journey.accepted(title="逾期的建议", assigned_on=today - dt.timedelta(days=120))
    journey.replied(title="已答复的建议")
    journey.assigned(title="别的单位的建议", roles=(("other_unit", "lead"),))
    client = as_user(client, people.unit_user)
    page = text(client.get("/inbox/"))
    assert '待签收 <span class="badge">1</span>' in page
    assert '办理中 <span class="badge">2</span>' in page
    assert '已逾期 <span class="badge">1</span>' in page
    assert '已答复 <span class="badge">1</span>' in page
    assert "待签收的建议" in page and "办理中的建议" not in page
    overdue = text(client.get("/inbox/?tab=overdue"))
    assert "逾期的建议" in overdue and "逾期" in overdue and "办理中的建议" not in overdue
    assert "别的单位的建议" not in page + overdue


def test_due_soon_holds_open_work_within_the_warning_days(client, people, journey, settings):
    settings.PORTAL = {**settings.PORTAL, "DUE_SOON_DAYS": 400}
    journey.accepted(title="快到期的建议")
    page = text(as_user(client, people.unit_user).get("/inbox/?tab=due_soon"))
    assert "快到期的建议" in page and "剩余" in page


def test_rehandling_is_shown_above_every_tab(client, people, journey):
    suggestion, reply = journey.replied(title="代表不满意的建议")
    workflow.feedback_record(
        actor=people.deputy_user,
        reply=reply,
        result_verdict="dissatisfied",
        work_verdict="basically",
        remarks="问题没有解决",
    )
    page = text(as_user(client, people.unit_user).get("/inbox/?tab=replied"))
    rehandling = page.split('id="rehandling"')[1].split("</section>")[0]
    assert "代表不满意的建议" in rehandling and "第2轮" in rehandling


@pytest.mark.parametrize("who", ["staff", "leader", "deputy_user", "nobody"])
def test_the_inbox_is_for_unit_users(client, people, who):
    assert as_user(client, getattr(people, who)).get("/inbox/").status_code == 403


@pytest.mark.parametrize("size", [2, 20])
def test_the_inbox_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, size
):
    for _ in range(size):
        journey.assigned()
    client = as_user(client, people.unit_user)
    with django_assert_max_num_queries(10):
        assert client.get("/inbox/").status_code == 200


# --- assignment page ------------------------------------------------------------------------


def test_accept_from_the_assignment_page(client, people, journey):
    _, assignment = journey.assigned()
    client = as_user(client, people.unit_user)
    assert "签收</button>" in text(client.get(f"/inbox/{assignment.pk}/"))
    client.post(f"/inbox/{assignment.pk}/accept/", FIVE_FIXED)
    assignment.refresh_from_db()
    assert assignment.state == "accepted"


def test_the_page_shows_the_deputys_phone_to_the_unit_unless_confidential(client, people, journey):
    _, assignment = journey.assigned()
    client = as_user(client, people.unit_user)
    assert people.deputy.phone in text(client.get(f"/inbox/{assignment.pk}/"))
    people.deputy.identity_confidential = True
    people.deputy.save()
    assert people.deputy.phone not in text(client.get(f"/inbox/{assignment.pk}/"))


def test_record_a_contact_with_the_deputy(client, people, journey):
    _, assignment = journey.accepted()
    client = as_user(client, people.unit_user)
    data = {
        "contact-kind": "face",
        "contact-contacted_on": timezone.localdate().isoformat(),
        "contact-participants": "张伟代表、王科长",
        "contact-summary": "当面听取意见",
    }
    response = client.post(f"/inbox/{assignment.pk}/contact/", data, follow=True)
    assert "已记录沟通情况" in messages_of(response)
    assert "当面听取意见" in text(response)
    assert Contact.objects.get().kind == "face"


def test_a_contact_dated_in_the_future_is_refused_in_chinese(client, people, journey):
    _, assignment = journey.accepted()
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = as_user(client, people.unit_user).post(
        f"/inbox/{assignment.pk}/contact/",
        {
            "contact-kind": "phone",
            "contact-contacted_on": future,
            "contact-participants": "王科长",
            "contact-summary": "电话",
        },
    )
    assert "不能晚于今天" in text(response)
    assert not Contact.objects.exists()


def test_request_an_extension_within_the_cap(client, people, journey):
    _, assignment = journey.accepted()
    client = as_user(client, people.unit_user)
    url = f"/inbox/{assignment.pk}/extension/"
    far = (assignment.assigned_on + dt.timedelta(days=400)).isoformat()
    refused = client.post(
        url,
        {
            "extension-requested_deadline": far,
            "extension-reason": "需调研",
            "extension-deputy_informed": "on",
        },
    )
    assert "6个月" in text(refused) or "最长" in text(refused)
    near = (assignment.deadline + dt.timedelta(days=20)).isoformat()
    client.post(
        url,
        {
            "extension-requested_deadline": near,
            "extension-reason": "需调研",
            "extension-deputy_informed": "on",
        },
    )
    assert ExtensionRequest.objects.get().state == "pending"


def test_request_reassignment_within_its_window(client, people, journey):
    _, assignment = journey.assigned()
    client = as_user(client, people.unit_user)
    client.post(
        f"/inbox/{assignment.pk}/reassignment/",
        {
            "reassignment-reason": "不属于本单位职责",
            "reassignment-suggested_unit": people.other_unit.pk,
        },
    )
    assert assignment.reassignmentrequests.get().suggested_unit == people.other_unit


def test_request_reassignment_after_the_window_is_refused(client, people, journey):
    _, assignment = journey.assigned(assigned_on=timezone.localdate() - dt.timedelta(days=60))
    response = as_user(client, people.unit_user).post(
        f"/inbox/{assignment.pk}/reassignment/", {"reassignment-reason": "不属于本单位职责"}
    )
    assert "申请调整须在交办后" in text(response)


def test_a_co_handler_sends_its_opinion_and_the_lead_sees_it(client, people, journey):
    suggestion, lead = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))
    co = suggestion.assignments.get(role="co")
    workflow.assignment_accept(actor=people.other_unit_user, assignment=co, **FIVE_FIXED)
    as_user(client, people.other_unit_user).post(
        f"/inbox/{co.pk}/opinion/", {"opinion-text": "建议增加校车线路。"}
    )
    assert Opinion.objects.get().text == "建议增加校车线路。"
    page = text(as_user(client, people.unit_user).get(f"/inbox/{lead.pk}/"))
    assert "协办单位意见" in page and "建议增加校车线路。" in page


def _reply_data(**overrides):
    data = {
        "reply-text": "已增设公交线路两条。",
        "reply-result": "A",
        "reply-contact_person": "李科长",
        "reply-contact_phone": "0571-88886666",
        "reply-publication": "public",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _draft_and_sign(client, assignment, data):
    """The clerk's draft, signed by the same account (people.unit_user may sign)."""
    client.post(f"/inbox/{assignment.pk}/reply/", data)
    return client.post(f"/inbox/{assignment.pk}/sign/", {}, follow=True)


def test_post_a_reply_with_attachments(client, people, journey):
    suggestion, assignment = journey.accepted()
    unit = as_user(client, people.unit_user)
    response = unit.post(
        f"/inbox/{assignment.pk}/reply/",
        _reply_data(**{"reply-attachments": [pdf_upload("答复函.pdf"), pdf_upload("附表.pdf")]}),
        follow=True,
    )
    assert "答复草稿已保存" in messages_of(response)
    assert not Reply.objects.exists()
    response = unit.post(f"/inbox/{assignment.pk}/sign/", {}, follow=True)
    assert "已签发" in messages_of(response)
    reply = Reply.objects.get()
    assert sorted(reply.attachments.values_list("name", flat=True)) == ["答复函.pdf", "附表.pdf"]
    assert "答复函.pdf" in text(response)
    suggestion.refresh_from_db()
    assert suggestion.status == "replied"


def test_a_reply_not_public_needs_a_reason(client, people, journey):
    _, assignment = journey.accepted()
    response = as_user(client, people.unit_user).post(
        f"/inbox/{assignment.pk}/reply/", _reply_data(**{"reply-publication": "private"})
    )
    assert "不公开的答复请填写不公开理由" in text(response)
    assert not Reply.objects.exists()


def test_replying_before_accepting_is_refused(client, people, journey):
    _, assignment = journey.assigned()
    response = as_user(client, people.unit_user).post(
        f"/inbox/{assignment.pk}/reply/", _reply_data()
    )
    assert "请先签收再答复" in text(response)


def test_staff_and_leaders_may_look_but_not_act(client, people, journey):
    _, assignment = journey.accepted()
    for who in (people.staff, people.leader):
        client = as_user(client, who)
        assert client.get(f"/inbox/{assignment.pk}/").status_code == 200
        assert client.post(f"/inbox/{assignment.pk}/reply/", _reply_data()).status_code == 403
    assert not Reply.objects.exists()


@pytest.mark.parametrize("size", [1, 10])
def test_the_assignment_page_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, size
):
    suggestion, assignment = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))
    for _ in range(size):
        workflow.assignment_record_contact(
            actor=people.unit_user,
            assignment=assignment,
            kind="phone",
            contacted_on=timezone.localdate(),
            participants="王科长",
            summary="电话沟通",
        )
    # With a letter in preparation (and its attachments and history) on the page.
    signing.reply_draft_save(
        actor=people.unit_user,
        assignment=assignment,
        text="草稿",
        result="A",
        attachments=[pdf_upload() for _ in range(size)],
    )
    client = as_user(client, people.unit_user)
    # 21: the page also shows the draft with its history, the ledger (台账) of its replies and
    # the 督办意见 to acknowledge, each a fixed number of queries.
    with django_assert_max_num_queries(21):
        assert client.get(f"/inbox/{assignment.pk}/").status_code == 200


# --- printables -----------------------------------------------------------------------------


def test_the_reply_letter_and_feedback_sheet_print(client, people, journey):
    suggestion, reply = journey.replied()
    client = as_user(client, people.unit_user)
    letter = text(client.get(f"/files/replies/{reply.pk}/letter/"))
    assert "关于市第13届人大代表张伟建议的答复" in letter
    assert "经研究,已采纳并落实。" in letter and f"签发人:{people.unit_user.name}" in letter
    sheet = text(client.get(f"/files/replies/{reply.pk}/feedback-sheet/"))
    assert "代表对建议办理工作意见反馈表" in sheet and suggestion.title in sheet
    assert "css/letter.css" in sheet


# --- the whole path -------------------------------------------------------------------------


def test_the_whole_path_from_assignment_to_closing(client, people, journey):
    """assigned → accepted → contact → reply → 不满意 → re-handled → reply → 满意 → closed."""
    suggestion, assignment = journey.assigned()
    unit = as_user(client, people.unit_user)
    unit.post(f"/inbox/{assignment.pk}/accept/", FIVE_FIXED)
    unit.post(
        f"/inbox/{assignment.pk}/contact/",
        {
            "contact-kind": "face",
            "contact-contacted_on": timezone.localdate().isoformat(),
            "contact-participants": "张伟代表",
            "contact-summary": "面商",
        },
    )
    _draft_and_sign(unit, assignment, _reply_data(**{"reply-result": "C"}))
    first = Reply.objects.get()

    deputy = as_user(type(client)(), people.deputy_user)
    assert f"/my/replies/{first.pk}/feedback/" in text(deputy.get("/my/"))
    response = deputy.post(
        f"/my/replies/{first.pk}/feedback/",
        {"result_verdict": "dissatisfied", "work_verdict": "basically", "remarks": "仍未解决"},
        follow=True,
    )
    assert "承办单位将重新办理" in messages_of(response)
    assignment.refresh_from_db()
    assert (assignment.round, assignment.state) == (2, "accepted")
    assert "第2轮" in text(unit.get("/inbox/"))

    _draft_and_sign(unit, assignment, _reply_data(**{"reply-text": "已再次办理并解决。"}))
    second = Reply.objects.get(round=2)
    deputy.post(
        f"/my/replies/{second.pk}/feedback/",
        {"result_verdict": "satisfied", "work_verdict": "satisfied"},
    )
    staff = as_user(type(client)(), people.staff)
    staff.post(f"/suggestions/{suggestion.pk}/close/", {"note": ""})
    suggestion.refresh_from_db()
    assert suggestion.status == "closed"
    assert Assignment.objects.get(pk=assignment.pk).state == "replied"
    assert list(Reply.objects.order_by("round").values_list("round", "result")) == [
        (1, "C"),
        (2, "A"),
    ]
