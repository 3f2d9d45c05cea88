"""The login page and the home page."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from suggestions.models import CalendarYear

from .factories import PASSWORD


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_the_login_page_is_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_a_wrong_password_gets_a_clear_error(client, people):
    response = client.post("/accounts/login/", {"username": "staff1", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_staff_log_in_and_land_on_the_home_page(client, people):
    response = client.post(
        "/accounts/login/", {"username": "staff1", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "您好" in response.content.decode()


def test_the_home_page_needs_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_see_counts_of_work_waiting(client, people, journey):
    journey.submitted()
    journey.submitted()
    journey.assigned()
    login(client, people.staff)
    page = client.get("/").content.decode()
    assert '<div class="label">待立案</div><div class="value">2</div>' in page
    assert '<div class="label">已立案待交办</div><div class="value">0</div>' in page


def test_a_unit_user_sees_only_their_units_counts(client, people, journey):
    journey.assigned()
    journey.assigned(roles=(("other_unit", "lead"),))
    login(client, people.unit_user)
    page = client.get("/").content.decode()
    assert '<div class="label">待签收</div><div class="value">1</div>' in page
    assert "待立案" not in page


@pytest.mark.parametrize("size", [2, 20])
def test_the_home_page_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, size
):
    for _ in range(size):
        journey.assigned()
    login(client, people.staff)
    # 17: the staff workbench also counts the 预交办 plans awaiting the units.
    with django_assert_max_num_queries(17):
        assert client.get("/").status_code == 200


def _missing_years_banner(client, user):
    login(client, user)
    return "的法定节假日和调休安排尚未录入" in client.get("/").content.decode()


def _next_year_not_entered():
    CalendarYear.objects.filter(year=timezone.localdate().year + 1).delete()


@pytest.fixture
def calendar_keeper(people):
    """Committee staff who also keep the holiday calendar in the admin."""
    user = people.staff
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="suggestions",
            codename__in=["add_calendarday", "add_calendaryear"],
        )
    )
    return user


def test_staff_who_can_enter_the_calendar_are_warned_when_next_year_is_missing(
    client, calendar_keeper
):
    _next_year_not_entered()
    login(client, calendar_keeper)
    page = client.get("/").content.decode()
    assert f"{timezone.localdate().year + 1}年的法定节假日和调休安排尚未录入" in page
    assert reverse("admin:suggestions_calendaryear_changelist") in page


def test_the_warning_goes_once_the_year_is_entered(client, calendar_keeper):
    _next_year_not_entered()
    assert _missing_years_banner(client, calendar_keeper)
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        CalendarYear.objects.get_or_create(year=year)
    assert not _missing_years_banner(client, calendar_keeper)


def test_committee_staff_without_admin_access_to_the_calendar_are_not_warned(client, people):
    _next_year_not_entered()
    assert not _missing_years_banner(client, people.staff)  # no admin access at all
    people.staff.is_staff = True  # admin access, but not to the calendar
    people.staff.save()
    assert not _missing_years_banner(client, people.staff)


def test_leaders_and_deputies_are_not_shown_the_calendar_warning(client, people):
    _next_year_not_entered()
    assert not _missing_years_banner(client, people.leader)
    assert not _missing_years_banner(client, people.deputy_user)


def test_units_are_not_shown_the_calendar_warning(client, people):
    _next_year_not_entered()
    assert not _missing_years_banner(client, people.unit_user)
