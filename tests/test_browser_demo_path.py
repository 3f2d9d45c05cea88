"""In Chromium, on the demo data a new user finds after `make run`: the staff account takes a
paper suggestion to "assigned". The elapsed time is printed (speed is judged by people and
benchmarks, not asserted)."""

import re
import time

import pytest
from django.core.management import call_command

from suggestions.models import Suggestion

from .conftest import screenshot
from .test_browser_staff import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_take_a_paper_suggestion_to_assigned_on_the_demo_data(page, live_server, capsys):
    call_command("seed_demo", scale=300, seed=2026, stdout=open("/dev/null", "w"))
    deputy = Suggestion.objects.order_by("id").first().lead_deputy
    started = time.monotonic()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "portal-demo")
    page.click("button[type=submit]")
    page.click("nav >> text=录入建议")
    page.fill("#id_title", "关于增加老年助餐点的建议")
    page.fill("#id_content", "建议在各街道增加老年助餐点。")
    pick(page, "id_lead_deputy", deputy.name)
    page.select_option("#id_category", index=1)
    page.click("text=保存并提交")
    page.wait_for_url(re.compile(r"/suggestions/\d+/$"))
    page.click("button:has-text('立案')")
    page.click(".actions >> text=交办")
    pick(page, "id_lead", page.locator("#id_lead option").nth(1).inner_text())
    page.click("text=确认交办")
    page.wait_for_url(re.compile(r"/suggestions/\d+/$"))
    elapsed = time.monotonic() - started

    assert "已交办" in page.locator(".messages").inner_text()
    suggestion = Suggestion.objects.get(title="关于增加老年助餐点的建议")
    assert suggestion.status == "assigned" and suggestion.assignments.count() == 1
    screenshot(page, "demo-assigned")
    with capsys.disabled():
        print(f"\n[demo path] log in → assigned in {elapsed:.1f} s in the browser")
