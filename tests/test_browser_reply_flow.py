"""In Chromium, a reply made official end to end (DESIGN.md §8): the clerk drafts, the unit's
head signs, staff return it for redo, the clerk edits, the head signs again, staff release it
with its class changed, and the deputy gives feedback. Screenshots of each step at 390 and
1366 px go to test-artifacts/reply-flow-<width>-<step>.png."""

import pytest

from suggestions import workflow
from suggestions.models import Reply, ReplyDraft

from .conftest import screenshot
from .factories import PASSWORD, UserFactory
from .test_browser_mobile import LAPTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def shots(page, step: str, *, fits: bool = True) -> None:
    """The page as it is now, on a phone and on a laptop; neither scrolls sideways (but the
    printed letter, an A4 sheet)."""
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        if fits:
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), step
        screenshot(page, f"reply-flow-{viewport['width']}-{step}")


def test_draft_sign_return_redo_sign_release_and_feedback(page, live_server, people, journey):
    clerk = UserFactory(username="clerk", name="刘科员", is_unit_user=True, unit=people.unit)
    suggestion, assignment = journey.accepted(title="关于增设社区公交微循环线路的建议")
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    url = f"{live_server.url}/inbox/{assignment.pk}/"

    # 1. The clerk drafts: the form says what the printed letter adds.
    log_in(page, live_server, clerk)
    page.goto(url)
    assert page.locator("text=打印的答复函会自动加上").first.is_visible()
    page.fill("#id_reply-text", "经研究,暂不具备增设条件。")
    page.check("input[name=reply-result][value=C]")
    shots(page, "1-draft")
    page.click("#reply-form button[type=submit]")
    page.wait_for_url(url)
    assert page.locator("#draft-stage").inner_text() == "起草中"
    assert page.locator("text=等待本单位有签发权的负责人签发").is_visible()

    # 2. The head signs: the 文号 is given.
    log_in(page, live_server, people.unit_user)
    page.goto(url)
    page.click("#sign-form button[type=submit]")
    page.wait_for_url(url)
    assert page.locator("#draft-stage").inner_text() == "已签发,待审核"
    number = page.locator("#draft-doc-number").inner_text()
    assert "〔" in number and number.endswith("1号")
    shots(page, "2-signed")

    # 3. Staff return it for redo, with a reason.
    log_in(page, live_server, people.staff)
    page.goto(url)
    page.fill("#id_return-reason", "请说明已纳入明年公交线网优化计划")
    shots(page, "3-review")
    page.click("#return-form button[type=submit]")
    page.wait_for_url(url)
    assert page.locator("#draft-stage").inner_text() == "退回重办"

    # 4. The clerk sees the reason and edits the draft.
    log_in(page, live_server, clerk)
    page.goto(url)
    assert page.locator("text=退回重办:请说明已纳入明年公交线网优化计划").is_visible()
    shots(page, "4-returned")
    page.fill("#id_reply-text", "经研究,已纳入明年公交线网优化计划,将分步实施。")
    page.click("#reply-form button[type=submit]")
    page.wait_for_url(url)

    # 5. The head signs again: the same 文号.
    log_in(page, live_server, people.unit_user)
    page.goto(url)
    page.click("#sign-form button[type=submit]")
    page.wait_for_url(url)
    assert page.locator("#draft-doc-number").inner_text() == number

    # 6. Staff release it, changing its class with a reason.
    log_in(page, live_server, people.staff)
    page.goto(url)
    page.select_option("#id_release-result", "B")
    page.fill("#id_release-reason", "已列入计划,属B类")
    page.click("#release-form button[type=submit]")
    page.wait_for_url(url)
    assert page.locator("text=已审核发布,答复已送达代表").is_visible()
    shots(page, "6-released")
    reply = Reply.objects.get()
    assert (reply.result, reply.doc_number, reply.signed_by) == ("B", number, people.unit_user)
    assert ReplyDraft.objects.get().version == 2

    # 7. The deputy reads the released reply and gives feedback.
    log_in(page, live_server, people.deputy_user)
    page.goto(f"{live_server.url}/my/replies/{reply.pk}/feedback/")
    assert page.locator("text=已纳入明年公交线网优化计划").first.is_visible()
    assert page.locator("text=暂不具备增设条件").count() == 0  # the returned version is not his
    page.check("input[name=result_verdict][value=satisfied]")
    page.check("input[name=work_verdict][value=satisfied]")
    shots(page, "7-feedback")
    page.click("button:has-text('提交反馈')")
    page.wait_for_load_state("load")
    reply.refresh_from_db()
    assert reply.feedback.result_verdict == "satisfied"
    page.goto(f"{live_server.url}/files/replies/{reply.pk}/letter/")
    assert page.locator(f"text={number}").first.is_visible()
    shots(page, "8-letter", fits=False)
