"""In Chromium: a unit accepts, drafts and signs a reply with an attachment; the deputy gives
feedback."""

import re

import pytest

from suggestions.models import Feedback, Reply

from .conftest import screenshot
from .factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_a_unit_replies_with_an_attachment_and_the_deputy_is_satisfied(
    page, live_server, people, journey, tmp_path
):
    suggestion, _ = journey.assigned(title="关于增设社区公交微循环线路的建议")
    letter = tmp_path / "答复函.pdf"
    letter.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")

    log_in(page, live_server, people.unit_user)
    page.click("nav >> text=本单位办理")
    assert "待签收 1" in page.locator(".tabs").inner_text()
    page.click(f"text={suggestion.title}")
    # 五定: the lead unit names its 分管领导 and 经办人 with a phone to accept.
    page.fill("#id_responsible_leader", "李分管")
    page.fill("#id_handler_name", "张经办")
    page.fill("#id_handler_phone", "13800138000")
    page.click("button:has-text('签收')")
    assert "已签收" in page.locator(".messages").inner_text()
    assert "张经办 · 13800138000" in page.locator("dl.facts").inner_text()

    page.fill("#id_reply-text", "经研究,已于本月开通两条社区微循环公交线路。")
    page.check("#id_reply-result_0")  # A
    page.fill("#id_reply-contact_person", "李科长")
    page.set_input_files("#id_reply-attachments", str(letter))
    screenshot(page, "unit-reply-form")
    page.click("button:has-text('保存草稿')")
    page.wait_for_url(re.compile(r"/inbox/\d+/$"))
    assert "答复草稿已保存" in page.locator(".messages").inner_text()
    # people.unit_user may sign: the signing releases it (not a key suggestion).
    page.click("#sign-form button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox/\d+/$"))
    assert "已签发" in page.locator(".messages").inner_text()
    assert page.locator(".attachments a", has_text="答复函.pdf").count() == 1
    screenshot(page, "unit-replied")
    page.click("form.inline button")  # log out

    log_in(page, live_server, people.deputy_user)
    page.click("nav >> text=我的建议")
    page.click("#awaiting >> text=填写反馈")
    assert "经研究,已于本月开通两条社区微循环公交线路。" in page.content()
    page.check("#id_result_verdict_0")  # 满意
    page.check("#id_work_verdict_0")
    page.fill("#id_remarks", "办理及时,感谢。")
    screenshot(page, "deputy-feedback-form")
    page.click("button:has-text('提交反馈')")
    assert "感谢您的反馈" in page.locator(".messages").inner_text()
    screenshot(page, "deputy-my-suggestions")

    reply = Reply.objects.get()
    assert reply.attachments.get().name == "答复函.pdf"
    assert Feedback.objects.get(reply=reply).result_verdict == "satisfied"
