"""In Chromium, a key topic from its creation to its closing report: staff create it and plan
its milestones, record one done with its minutes, a leader sees the progress on the key
board and gives a 督办意见, the unit acknowledges it on its assignment page, staff close the
topic and print its report. Screenshots at 390 and 1366 px: test-artifacts/key-topic-*.png."""

import datetime as dt
import re

import pytest

from supervision.models import Acknowledgement, KeyTopic

from .conftest import screenshot
from .factories import PASSWORD, CommitteeFactory
from .test_browser_staff import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def shots(page, name: str) -> None:
    """The page as a phone and a laptop show it; neither scrolls sideways."""
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        screenshot(page, f"key-topic-{viewport['width']}-{name}")


def log_in(page, live_server, user):
    page.context.clear_cookies()
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_a_key_topic_from_creation_to_its_closing_report(page, live_server, people, journey):
    people.leader.name = "王建国"
    people.leader.save()
    CommitteeFactory(name="城乡建设环境保护委员会")
    first, assignment = journey.accepted(title="关于增设社区公交微循环线路的建议")
    second, _ = journey.assigned(title="关于优化地铁站接驳公交的建议")
    today = dt.date.today()

    # Staff create the topic.
    log_in(page, live_server, people.staff)
    page.goto(f"{live_server.url}/supervision/topics/")
    page.click("text=新建专题")
    page.fill("#id_title", "推进城市公共交通高质量发展")
    page.select_option("#id_committee", label="城乡建设环境保护委员会")
    pick(page, "id_leaders", "王建国")
    page.fill("#id_numbers", f"{first.number}, {second.number}")
    shots(page, "create")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/supervision/topics/\d+/$"))
    topic = KeyTopic.objects.get()
    assert "已创建重点督办专题" in page.locator(".messages").inner_text()
    assert people.unit.name in page.locator(".facts").inner_text()

    # Two milestones: a survey done last week, a forum already late.
    for kind, planned in (
        ("调研", today - dt.timedelta(days=10)),
        ("座谈", today - dt.timedelta(days=2)),
    ):
        page.select_option("#id_m-kind", label=kind)
        page.fill("#id_m-planned_on", planned.isoformat())
        page.click("button:has-text('添加环节')")
        page.wait_for_url(re.compile(r"/supervision/topics/\d+/"))
    page.locator("#milestones tr", has_text="调研").locator("text=记录完成").click()
    page.fill("#id_d-done_on", (today - dt.timedelta(days=8)).isoformat())
    page.fill("#id_d-note", "赴公交集团调研,形成调研报告")
    page.set_input_files(
        "#id_d-files",
        files=[{"name": "调研报告.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("button:has-text('记录完成')")
    page.wait_for_url(re.compile(r"/supervision/topics/\d+/"))
    assert "调研报告.pdf" in page.locator("#milestones").inner_text()
    assert "滞后 1 项" in page.locator("#topic-progress").inner_text()
    shots(page, "staff-topic")

    # A leader sees the progress and what is late on the key board, then gives an instruction.
    log_in(page, live_server, people.leader)
    page.goto(f"{live_server.url}/dashboard/key/")
    row = page.locator("#key-topics tr", has_text="推进城市公共交通高质量发展")
    assert "已完成 1/2" in row.inner_text() and "座谈" in row.locator(".late").inner_text()
    shots(page, "key-board")
    row.locator("a", has_text="推进城市公共交通高质量发展").click()
    page.locator("#actions").locator("text=督办意见").click()
    page.fill("#id_content", "请各承办单位于月底前报送线路优化方案。")
    shots(page, "instruct")
    page.click("button:has-text('提交')")
    page.wait_for_url(re.compile(r"/supervision/topics/\d+/"))
    assert "已发出督办意见" in page.locator(".messages").inner_text()
    assert "待签收" in page.locator("#actions").inner_text()
    shots(page, "leader-topic")

    # The unit acknowledges it on its assignment page.
    log_in(page, live_server, people.unit_user)
    page.goto(f"{live_server.url}/notifications/")
    assert "王建国督办意见" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/inbox/{assignment.pk}/")
    section = page.locator("#supervision")
    assert "请各承办单位于月底前报送线路优化方案。" in section.inner_text()
    section.locator("textarea").fill("已成立工作专班,月底前报送方案")
    shots(page, "unit-acknowledge")
    section.locator("button:has-text('签收督办意见')").click()
    page.wait_for_url(re.compile(rf"/inbox/{assignment.pk}/"))
    assert "已签收督办意见" in page.locator(".messages").inner_text()
    assert Acknowledgement.objects.get(assignment=assignment).acknowledged_on == today

    # Staff close the topic; its report is ready to print and to download.
    log_in(page, live_server, people.staff)
    page.goto(f"{live_server.url}/supervision/topics/{topic.pk}/")
    assert "已签收" in page.locator("#actions").inner_text()
    page.click(".page-head >> text=完成专题")
    page.fill("#id_summary", "经过一年督办,两条微循环线路已开通,地铁接驳方案已实施。")
    page.click("button:has-text('完成专题')")
    page.wait_for_url(re.compile(r"/supervision/topics/\d+/report/$"))
    text = page.locator("article").inner_text()
    assert "关于“推进城市公共交通高质量发展”重点督办专题办理情况的报告" in text
    assert "提出督办意见1次" in text and "两条微循环线路已开通" in text
    assert "(草稿)" not in text
    shots(page, "report")
    with page.expect_download() as download:
        page.click("#download-docx")
    assert download.value.suggested_filename.endswith(".docx")
