"""In Chromium: staff take a paper suggestion from logging to "assigned" and find it in the list."""

import re

import pytest
from django.utils import timezone

from suggestions.models import Suggestion

from .conftest import screenshot
from .factories import PASSWORD, category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "关于优化城区公交线路衔接的建议"


def pick(page, select_id: str, typed: str):
    """Choose in a searchable picker the way a person does: type, then press Enter."""
    control = page.locator(f"#{select_id}-ts-control")
    control.click()
    control.press_sequentially(typed)
    page.locator(f"#{select_id}-ts-dropdown .option", has_text=typed).first.click()
    page.keyboard.press("Escape")
    assert typed in page.locator(f"#{select_id}-ts-control").locator("..").inner_text()


def test_staff_log_register_assign_and_find_a_suggestion(page, live_server, people, journey):
    category("城乡建设")
    journey.submitted(number=11)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", people.staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # Log the paper suggestion; the next number is proposed.
    page.click("nav >> text=录入建议")
    assert page.input_value("#id_number") == "12"
    page.fill("#id_title", TITLE)
    page.fill("#id_content", "建议优化城区公交线路与地铁站的衔接,缩短换乘距离。")
    pick(page, "id_lead_deputy", "张伟")
    pick(page, "id_co_signers", "李娜")
    page.select_option("#id_category", label="城乡建设")
    screenshot(page, "staff-create-suggestion")
    page.click("text=保存并提交")
    page.wait_for_url(re.compile(r"/suggestions/\d+/$"))
    assert "已录入第0012号" in page.locator(".messages").inner_text()
    assert "李娜" in page.locator(".facts").inner_text()

    # Register it.
    page.click("button:has-text('立案')")
    assert "第0012号已立案" in page.locator(".messages").inner_text()

    # Assign to a lead and a co-handler; the deadline is shown before saving.
    page.click(".actions >> text=交办")
    preview = page.locator("#deadline-preview").inner_text()
    lead_deadline = re.search(r"主办:(\d{4}-\d{2}-\d{2})", preview).group(1)
    pick(page, "id_lead", "市交通运输局")
    pick(page, "id_co", "市教育局")
    screenshot(page, "staff-assign")
    page.click("text=确认交办")
    page.wait_for_url(re.compile(r"/suggestions/\d+/$"))
    assert f"答复期限 {lead_deadline}" in page.locator(".messages").inner_text()
    screenshot(page, "staff-suggestion-page")

    # Find it in the list by a few characters of its title, with its deadline and days left.
    page.click("nav >> text=建议列表")
    page.fill("#f_q", "公交线路衔接")
    page.click("button:has-text('查询')")
    page.wait_for_url(re.compile(r"/suggestions/\?q="))  # the searched list, not the one before
    page.wait_for_load_state()
    row = page.locator("table.grid tbody tr", has_text=TITLE)
    assert row.count() == 1
    days = (
        Suggestion.objects.get(title=TITLE).assignments.get(role="lead").deadline
        - timezone.localdate()
    ).days
    assert f"{lead_deadline} · 剩余{days}天" in row.inner_text()
    assert "市交通运输局" in row.inner_text() and "市教育局" in row.inner_text()
    assert page.locator("#result-count").inner_text() == "1"
    screenshot(page, "staff-list-search")
