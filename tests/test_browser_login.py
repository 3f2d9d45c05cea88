"""In Chromium: a staff member logs in and lands on the home page."""

import pytest

from .conftest import screenshot
from .factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_in_and_see_their_work_in_chinese(page, live_server, people, journey):
    journey.submitted()
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")

    page.fill("#id_username", people.staff.username)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".error").inner_text() == "用户名或密码不正确,请重新输入。"
    screenshot(page, "login-wrong-password")

    page.fill("#id_username", people.staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == f"您好,{people.staff.name}"
    assert page.locator(".tile", has_text="待立案").locator(".value").inner_text() == "1"
    screenshot(page, "home-staff")
