"""Out-of-range input is bad input, never a server error: numbers a column cannot hold and
days that cannot record the past (year 1, before the first term, the future) are refused
with a Chinese message on pages, in the API, in imports and in the admin."""

import datetime as dt

import pytest
from django.utils import timezone

from deputies.models import Term
from imports import excel
from suggestions.dates import FLOOR, earliest_day, validate_past_day
from suggestions.models import Assignment, Category, ChannelRule, Suggestion

from .api_helpers import session_client
from .factories import TermFactory, category
from .test_admin import admin_browser, form_data, form_data_of_changelist, url  # noqa: F401
from .test_imports_suggestions import SUGGESTIONS, staff_client  # noqa: F401
from .test_suggestion_pages import _form_data, as_user, text
from .xlsx import latest_job, suggestion_row, upload, workbook

TOO_BIG = "2147483648"  # one past a PostgreSQL integer column
YEAR_ONE = "0001-01-01"
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
TERM_START = "2023-01-01"  # TermFactory's start: the earliest day on record in these tests


# --- the rule --------------------------------------------------------------------------------


def test_the_earliest_day_is_the_first_terms_start_never_before_the_floor(db):
    assert earliest_day() == FLOOR
    TermFactory(number=12, start_date=dt.date(2018, 1, 5), is_current=False)
    TermFactory(number=13)
    assert earliest_day() == dt.date(2018, 1, 5)
    Term.objects.filter(number=12).update(start_date=dt.date(1, 1, 1))  # a typo in a term
    assert earliest_day() == FLOOR


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (dt.date(1, 1, 1), "提出日期不能早于2023-01-01"),
        (dt.date(2022, 12, 31), "提出日期不能早于2023-01-01"),
        (dt.date(9999, 12, 31), "提出日期不能晚于今天"),
    ],
)
def test_days_outside_the_range_are_refused_in_chinese(people, day, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_past_day(day, field_label="提出日期")
    assert refused.value.messages == [message]
    assert validate_past_day(dt.date(2023, 1, 1), field_label="提出日期") == dt.date(2023, 1, 1)


# --- pages -----------------------------------------------------------------------------------


def test_a_number_too_big_for_its_column_is_a_form_error(client, people):
    response = as_user(client, people.staff).post(
        "/suggestions/new/", _form_data(people, number=TOO_BIG)
    )
    assert response.status_code == 200
    assert "确保该值小于或等于2147483647。" in text(response)
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (YEAR_ONE, "提出日期不能早于2023-01-01"),
        ("2022-12-31", "提出日期不能早于2023-01-01"),
        (TOMORROW, "提出日期不能晚于今天"),
    ],
)
def test_a_submitted_day_out_of_range_is_a_form_error(client, people, day, message):
    response = as_user(client, people.staff).post(
        "/suggestions/new/", _form_data(people, submitted_on=day)
    )
    assert response.status_code == 200 and message in text(response)
    assert not Suggestion.objects.exists()


def test_editing_the_submitted_day_to_year_one_is_refused(client, people, journey):
    suggestion = journey.submitted(submitted_on=dt.date(2026, 3, 1))
    client = as_user(client, people.staff)
    data = _form_data(people, submitted_on=YEAR_ONE, version=suggestion.version)
    response = client.post(f"/suggestions/{suggestion.pk}/edit/", data)
    assert response.status_code == 200 and "提出日期不能早于2023-01-01" in text(response)
    suggestion.refresh_from_db()
    assert suggestion.submitted_on == dt.date(2026, 3, 1) and suggestion.version == 1


def test_a_version_too_big_is_refused_without_saving(client, people, journey):
    suggestion = journey.submitted(title="原标题")
    data = _form_data(people, title="新标题", version=TOO_BIG)
    response = as_user(client, people.staff).post(f"/suggestions/{suggestion.pk}/edit/", data)
    assert response.status_code == 200
    suggestion.refresh_from_db()
    assert suggestion.title == "原标题"


def test_an_assignment_day_of_year_one_is_a_form_error(client, people, journey):
    suggestion = journey.registered()
    response = as_user(client, people.staff).post(
        f"/suggestions/{suggestion.pk}/assign/", {"lead": people.unit.pk, "assigned_on": YEAR_ONE}
    )
    assert response.status_code == 200 and "交办日期不能早于2023-01-01" in text(response)
    assert not Assignment.objects.exists()


def test_merging_into_a_number_too_big_is_a_form_error(client, people, journey):
    suggestion = journey.submitted()
    response = as_user(client, people.staff).post(
        f"/suggestions/{suggestion.pk}/merge/", {"into_number": TOO_BIG}
    )
    assert response.status_code == 200
    assert "确保该值小于或等于2147483647。" in text(response)
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.SUBMITTED


@pytest.mark.parametrize(
    ("as_of", "message"),
    [(YEAR_ONE, "统计截至日期不能早于2023-01-01"), (TOMORROW, "统计截至日期不能晚于今天")],
)
@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/units/", "unit", "/dashboard/report/"])
def test_the_dashboards_refuse_an_as_of_day_out_of_range(
    client, people, journey, path, as_of, message
):
    journey.assigned()
    client.force_login(people.leader)
    path = f"/dashboard/units/{people.unit.pk}/" if path == "unit" else path
    response = client.get(path, {"term": people.term.pk, "as_of": as_of})
    page = text(response)
    # The existing convention: the page with the default filters and the reason shown.
    assert response.status_code == 200
    assert "筛选条件有误,已按默认条件显示" in page and message in page
    assert f'value="{timezone.localdate().isoformat()}"' in page


@pytest.mark.parametrize(
    "path", ["/dashboard/key/", "/dashboard/report.docx", "/dashboard/report.xlsx"]
)
def test_downloads_and_the_key_board_fall_back_to_today_on_year_one(client, people, journey, path):
    journey.assigned()
    client.force_login(people.leader)
    assert client.get(path, {"term": people.term.pk, "as_of": YEAR_ONE}).status_code == 200


def test_the_list_refuses_an_as_of_day_of_year_one(client, people, journey):
    journey.assigned()
    response = as_user(client, people.staff).get(
        "/suggestions/", {"figure": "assigned", "as_of": YEAR_ONE}
    )
    assert response.status_code == 200
    assert "统计截至日期不能早于2023-01-01" in text(response)


def test_bulk_ids_too_big_are_not_a_server_error(client, people, journey):
    journey.submitted()
    response = as_user(client, people.staff).post(
        "/suggestions/bulk/", {"action": "export", "ids": ["99999999999999999999"]}
    )
    assert response.status_code < 500


# --- API -------------------------------------------------------------------------------------


def _api(user, path, data):
    return session_client(user).post(path, data, format="json")


def _new(people, **overrides):
    return {
        "channel": "session",
        "title": "关于增设公交站点的建议",
        "content": "建议增设站点。",
        "lead_deputy": people.deputy.pk,
        **overrides,
    }


def _errors(response) -> dict:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_the_api_refuses_a_number_too_big(people):
    response = _api(people.staff, "/api/v1/suggestions/", _new(people, number=int(TOO_BIG)))
    assert response.status_code == 400
    assert _errors(response) == {"number": "请确保该值小于或者等于 2147483647。"}
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [(YEAR_ONE, "提出日期不能早于2023-01-01"), (TOMORROW, "提出日期不能晚于今天")],
)
def test_the_api_refuses_a_submitted_day_out_of_range(people, day, message):
    response = _api(people.staff, "/api/v1/suggestions/", _new(people, submitted_on=day))
    assert response.status_code == 400
    assert _errors(response) == {"submitted_on": message}
    assert not Suggestion.objects.exists()


def test_the_api_refuses_an_edit_to_year_one(people, journey):
    suggestion = journey.submitted(submitted_on=dt.date(2026, 3, 1))
    response = session_client(people.staff).patch(
        f"/api/v1/suggestions/{suggestion.pk}/",
        {"version": suggestion.version, "submitted_on": YEAR_ONE},
        format="json",
    )
    assert response.status_code == 400
    assert _errors(response) == {"submitted_on": "提出日期不能早于2023-01-01"}
    suggestion.refresh_from_db()
    assert suggestion.submitted_on == dt.date(2026, 3, 1)


def test_the_api_refuses_a_version_too_big(people, journey):
    suggestion = journey.submitted()
    response = session_client(people.staff).patch(
        f"/api/v1/suggestions/{suggestion.pk}/",
        {"version": int(TOO_BIG), "title": "新标题"},
        format="json",
    )
    assert response.status_code == 400 and "version" in _errors(response)


def test_the_api_refuses_an_assignment_day_of_year_one(people, journey):
    suggestion = journey.registered()
    response = _api(
        people.staff,
        f"/api/v1/suggestions/{suggestion.pk}/assign/",
        {"units": [{"unit": people.unit.pk, "role": "lead"}], "assigned_on": YEAR_ONE},
    )
    assert response.status_code == 400
    assert _errors(response) == {"assigned_on": "交办日期不能早于2023-01-01"}
    assert not Assignment.objects.exists()


def test_the_express_api_refuses_days_of_year_one(people):
    response = _api(
        people.staff,
        "/api/v1/suggestions/express/",
        {
            "title": "12345热线:某小区路灯损坏",
            "content": "市民反映小区路灯损坏多日。",
            "lead_deputy": people.deputy.pk,
            "category": category().pk,
            "submitted_on": YEAR_ONE,
            "assigned_on": YEAR_ONE,
            "units": [{"unit": people.unit.pk, "role": "lead"}],
        },
    )
    assert response.status_code == 400
    assert _errors(response) == {
        "submitted_on": "提出日期不能早于2023-01-01",
        "assigned_on": "交办日期不能早于2023-01-01",
    }
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/figures/", "/api/v1/figures/units/"])
@pytest.mark.parametrize(
    ("as_of", "message"),
    [(YEAR_ONE, "统计截至日期不能早于2023-01-01"), (TOMORROW, "统计截至日期不能晚于今天")],
)
def test_the_figures_api_refuses_an_as_of_day_out_of_range(people, path, as_of, message):
    response = session_client(people.leader).get(path, {"as_of": as_of})
    assert response.status_code == 400
    assert _errors(response) == {"as_of": message}


@pytest.mark.parametrize("name", ["suggestion", "assignment"])
def test_api_id_filters_too_big_are_refused(people, name):
    response = session_client(people.staff).get("/api/v1/replies/", {name: TOO_BIG})
    assert response.status_code == 400 and name in _errors(response)


# --- import ----------------------------------------------------------------------------------


def _import_errors(client, *rows) -> list[tuple[int, str, str]]:
    upload(client, SUGGESTIONS, workbook(excel.SUGGESTIONS, list(rows)))
    return [(e["row"], e["column"], e["message"]) for e in latest_job().errors]


def test_an_import_row_with_a_number_too_big_is_a_row_error(staff_client, people):  # noqa: F811
    errors = _import_errors(staff_client, suggestion_row(number=TOO_BIG))
    assert errors == [(2, "编号", "编号不能大于2147483647")]
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (YEAR_ONE, "提出日期不能早于2023-01-01"),
        (dt.date(2022, 5, 1), "提出日期不能早于2023-01-01"),
        (TOMORROW, "提出日期不能晚于今天"),
    ],
)
def test_an_import_row_with_a_day_out_of_range_is_a_row_error(
    staff_client,  # noqa: F811
    people,
    day,
    message,
):
    errors = _import_errors(staff_client, suggestion_row(number=1, submitted_on=day))
    assert errors == [(2, "提出日期", message)]
    assert not Suggestion.objects.exists()


# --- admin -----------------------------------------------------------------------------------


def test_the_admin_refuses_a_submitted_day_of_year_one(admin_browser, journey):  # noqa: F811
    suggestion = journey.submitted(submitted_on=dt.date(2026, 3, 1))
    change_url = url(Suggestion, "change", suggestion.pk)
    data = form_data(admin_browser.get(change_url))
    data["submitted_on"] = YEAR_ONE
    response = admin_browser.post(change_url, data)
    assert response.status_code == 200
    assert "提出日期不能早于2023-01-01" in text(response)
    suggestion.refresh_from_db()
    assert suggestion.submitted_on == dt.date(2026, 3, 1)


def test_the_admin_refuses_a_number_too_big_for_a_small_column(admin_browser):  # noqa: F811
    rule = ChannelRule.objects.get(channel="voice")
    data = form_data_of_changelist(admin_browser.get(url(ChannelRule, "changelist")))
    index = next(
        i for i in range(int(data["form-TOTAL_FORMS"])) if str(data[f"form-{i}-id"]) == str(rule.pk)
    )
    data.update({f"form-{index}-reply_days": "40000", "_save": "保存"})
    response = admin_browser.post(url(ChannelRule, "changelist"), data)
    assert response.status_code == 200
    assert "确保该值小于或等于32767。" in text(response)
    rule.refresh_from_db()
    assert rule.reply_days != 40000


def test_the_admin_refuses_an_order_too_big(admin_browser):  # noqa: F811
    response = admin_browser.post(
        url(Category, "add"), {"name": "新分类", "order": "40000", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "确保该值小于或等于32767。" in text(response)
    assert not Category.objects.filter(name="新分类").exists()


def test_the_admin_refuses_a_term_number_too_big(admin_browser):  # noqa: F811
    response = admin_browser.post(
        url(Term, "add"),
        {
            "number": "99999",
            "name": "第99999届",
            "start_date": "2028-01-01",
            "meetings-TOTAL_FORMS": "0",
            "meetings-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "确保该值小于或等于32767。" in text(response)
    assert not Term.objects.filter(name="第99999届").exists()


HUGE = "99999999999999999999"  # beyond any integer column, SQLite's included


@pytest.mark.parametrize(
    "path",
    [
        f"/suggestions/{HUGE}/",
        f"/suggestions/{HUGE}/edit/",
        f"/inbox/{HUGE}/",
        f"/api/v1/suggestions/{HUGE}/",
        f"/api/v1/assignments/{HUGE}/",
        f"/api/v1/replies/{HUGE}/",
        f"/admin/suggestions/suggestion/{HUGE}/change/",
        f"/suggestions/?page={HUGE}",
        f"/api/v1/suggestions/?page={HUGE}",
        f"/api/v1/suggestions/?page_size={HUGE}",
        f"/suggestions/?term={HUGE}&meeting={HUGE}&unit={HUGE}",
        f"/api/v1/suggestions/?term={HUGE}",
        f"/dashboard/?term={HUGE}&unit={HUGE}",
        f"/public/?category={HUGE}&year={HUGE}",
    ],
)
def test_ids_and_pages_beyond_any_column_are_not_a_server_error(client, people, journey, path):
    journey.submitted()
    people.staff.is_staff = people.staff.is_superuser = True
    people.staff.save()
    client.force_login(people.staff)
    assert client.get(path).status_code < 500


# --- the workflow refuses year 1 whoever calls it (scripts, commands, future surfaces) --------


def test_the_workflow_refuses_a_submitted_day_of_year_one(people):
    from suggestions import workflow

    with pytest.raises(workflow.InvalidTransition) as refused:
        workflow.suggestion_create(
            actor=people.staff,
            term=people.term,
            title="关于增设公交站点的建议",
            content="建议在新区增设公交站点。",
            channel="session",
            lead_deputy=people.deputy,
            submitted_on=dt.date(1, 1, 1),
        )
    assert "提出日期不能早于2000-01-01" in str(refused.value.message)
    assert not Suggestion.objects.exists()


def test_the_workflow_refuses_an_assignment_day_of_year_one(people, journey):
    from suggestions import workflow

    suggestion = journey.registered()
    with pytest.raises(workflow.InvalidTransition) as refused:
        workflow.suggestion_assign(
            actor=people.staff,
            suggestion=suggestion,
            units=[(people.unit, "lead")],
            assigned_on=dt.date(1, 1, 1),
        )
    assert refused.value.message == "交办日期不能早于2000-01-01"
    assert not Assignment.objects.exists()
