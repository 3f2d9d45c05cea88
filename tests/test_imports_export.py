"""Exports with the columns staff see, and the round trip: what is exported can be imported
into an empty database and gives the same rows."""

import re
from datetime import datetime, time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from deputies.models import Delegation, Deputy
from imports import excel, exports
from suggestions import workflow
from suggestions.history import history_maintenance
from suggestions.models import Assignment, AuditEvent, DeadlineChange, Suggestion
from units.models import Unit

from .factories import DelegationFactory, DeputyFactory, MeetingFactory, UnitFactory, category
from .test_pages import login
from .xlsx import confirm, latest_job, read_rows, upload

IMPORTED = len(excel.SUGGESTIONS.columns)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def filled(people, journey):
    """Suggestions in several states, namesake deputies, co-signers, a unit with a parent."""
    first = DelegationFactory(term=people.term, name="第一代表团")
    people.deputy.delegation = first
    people.deputy.save()
    namesake = DeputyFactory(
        term=people.term,
        name="张伟",
        delegation=DelegationFactory(term=people.term, name="第二代表团"),
    )
    meeting = MeetingFactory(term=people.term, number=3, name="第3次会议")
    UnitFactory(name="市交通运输局执法支队", parent=people.unit, short_name="执法支队")
    a = journey.submitted(number=3, meeting=meeting)
    a.co_signers.set([people.other_deputy, namesake])
    journey.registered(number=4, kind="motion", channel="recess", category=category("旅游"))
    suggestion, _ = journey.assigned(number=9, lead_deputy=namesake)
    suggestion.co_signers.set([people.deputy])
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    return people


def test_the_export_has_the_import_columns_then_what_staff_see(client, filled):
    login(client, filled.staff)
    response = client.get("/imports/export/suggestions/")

    header, *rows = read_rows(response.content)
    assert list(header) == excel.SUGGESTIONS.export_headers
    assert len(rows) == 3
    first, _, third = rows
    assert first[:IMPORTED] == (
        "市第13届",
        "第3次会议",
        3,
        "建议、批评和意见",
        "大会期间",
        "城乡建设",
        first[6],
        "建议加强早晚高峰交通疏导,增设信号灯。",
        "张伟(第一代表团)",  # namesakes are written with their delegation
        "张伟(第二代表团)、李娜",
        datetime(2026, 1, 12),
        None,  # 立案日期: not registered yet
        None,  # 外部系统, 外部编号: none
        None,
    )
    assert first[IMPORTED:] == ("已提交", None, None, "否", "否", None, None)
    assert third[IMPORTED - 3] is not None  # registered: its 立案日期
    status, units, deadline, key, overdue, _feedback, five_fixed = third[IMPORTED:]
    assert (status, units, key, overdue) == ("已交办", "市交通运输局(主办)", "是", "否")
    assert five_fixed == "市交通运输局:未签收"  # 五定 are named at 签收
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline)


def test_the_export_view_filters_by_status(client, filled):
    login(client, filled.staff)
    response = client.get("/imports/export/suggestions/?status=registered")

    assert [row[2] for row in read_rows(response.content)[1:]] == [4]


@pytest.mark.parametrize("size", [3, 30])
def test_the_suggestion_export_runs_in_constant_queries(
    people, journey, django_assert_max_num_queries, size
):
    for number in range(1, size + 1):
        suggestion, _ = journey.assigned(number=number)
        suggestion.co_signers.set([people.other_deputy])
    # The bounded count against the limit, the rows, co-signers, assignments, their replies
    # in force and the merged deputies' verdicts on them.
    with django_assert_max_num_queries(7):
        exports.export_suggestions(Suggestion.objects.all())


# --- no export holds a worker: at most PORTAL_EXPORT_MAX_ROWS suggestions ---------------------


@pytest.fixture
def at_most_two(settings):
    settings.PORTAL = {**settings.PORTAL, "EXPORT_MAX_ROWS": 2}


TOO_MANY = "一次最多导出2件建议,请用筛选条件缩小范围后分批导出"


def test_an_export_within_the_limit_is_written(client, filled, at_most_two):
    login(client, filled.staff)
    response = client.get("/imports/export/suggestions/?status=registered")
    assert response.status_code == 200
    assert len(read_rows(response.content)) == 2  # the headers and the one registered


@pytest.mark.parametrize(
    "path",
    ["/imports/export/suggestions/", "/suggestions/export/"],
)
def test_an_export_above_the_limit_is_refused_in_chinese(client, filled, at_most_two, path):
    login(client, filled.staff)
    response = client.get(path, follow=True)
    assert response.redirect_chain  # back to the page it came from
    assert response["Content-Type"].startswith("text/html")
    assert TOO_MANY in response.content.decode()


def test_a_bulk_export_of_every_match_above_the_limit_is_refused(client, filled, at_most_two):
    login(client, filled.staff)
    response = client.post(
        "/suggestions/bulk/",
        {"action": "export", "all_matching": "on", "query": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith("/suggestions/")
    assert TOO_MANY in response.content.decode()


def _empty_the_domain_tables():
    """What a fresh installation has: terms, meetings, categories and accounts, no data."""
    # History is immutable to the ORM and, on PostgreSQL, to the database: this stand-in for
    # an empty installation removes it the way a maintainer would have to, on purpose.
    with history_maintenance(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table}")
    DeadlineChange.objects.all().delete()
    Assignment.objects.all().delete()
    Suggestion.objects.all().delete()
    Deputy.objects.all().delete()
    Delegation.objects.all().delete()
    get_user_model().objects.filter(unit__isnull=False).delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()


def _import(client, kind, content):
    upload(client, kind, content)
    job = latest_job()
    assert job.errors == []
    confirm(client, job)
    job.refresh_from_db()
    assert job.state == "done", job.message


def test_export_then_import_into_an_empty_database_gives_the_same_rows(client, filled):
    login(client, filled.staff)
    units = client.get("/imports/export/units/").content
    deputies = client.get("/imports/export/deputies/").content
    suggestions = client.get("/imports/export/suggestions/").content

    _empty_the_domain_tables()
    assert Suggestion.objects.count() == Deputy.objects.count() == Unit.objects.count() == 0
    _import(client, "units", units)
    _import(client, "deputies", deputies)
    _import(client, "suggestions", suggestions)

    assert read_rows(client.get("/imports/export/units/").content) == read_rows(units)
    assert read_rows(client.get("/imports/export/deputies/").content) == read_rows(deputies)
    again = read_rows(client.get("/imports/export/suggestions/").content)
    before = read_rows(suggestions)
    # The import registers every row: the one that was only submitted gains a 立案日期 (the
    # import day); every other cell comes back as it was.
    registered_on = excel.SUGGESTIONS.headers.index("立案日期")
    assert [row[:registered_on] for row in again] == [row[:registered_on] for row in before]
    assert [row[registered_on] for row in again if row[registered_on] != "立案日期"] == [
        row[registered_on] or datetime.combine(timezone.localdate(), time())
        for row in before
        if row[registered_on] != "立案日期"
    ]
    assert len(again) == 4
