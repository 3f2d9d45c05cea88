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


def test_a_unit_user_changes_their_password_on_a_phone(page, live_server, people):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", people.unit_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("#menu-toggle")  # on a phone the account links sit behind the menu button
    page.click("text=修改密码")
    page.wait_for_url(f"{live_server.url}/accounts/password/")
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits), "the page scrolls sideways on a phone"
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "12345")
    page.fill("#id_new_password2", "12345")
    page.click("main button[type=submit]")
    assert "密码长度太短" in page.locator(".has-error").first.inner_text()
    screenshot(page, "password-change-phone-refused")

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "lianghui-2026-jianyi")
    page.fill("#id_new_password2", "lianghui-2026-jianyi")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "密码已修改" in page.locator(".messages").inner_text()
    assert page.evaluate(fits)
    screenshot(page, "password-change-phone-done")
