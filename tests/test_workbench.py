"""The home page is each role's workbench: counted queues, each a link to the list of exactly
those items. For every queue of staff, a unit and a leader the test follows the link and
compares the count with what the list shows."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from suggestions import deadlines, workflow
from suggestions.models import Channel

from .factories import UserFactory

QUEUE = re.compile(
    r'<a class="tile[^"]*" href="([^"]+)" data-queue="([^"]+)">'
    r'<div class="label">[^<]+</div><div class="value">(\d+)</div>'
)
UNIT_ROW = re.compile(r'<a href="([^"]+)" data-unit-queue="([^"]+)">(\d+)</a>')


def home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def queues(html: str) -> dict[str, tuple[str, int]]:
    return {label: (url.replace("&amp;", "&"), int(n)) for url, label, n in QUEUE.findall(html)}


def listed(client, url: str) -> int:
    """How many items the linked page lists."""
    html = client.get(url).content.decode()
    if url.startswith("/suggestions/requests/"):
        return len(re.findall(r'<p><a href="/suggestions/\d+/">', html))
    if url.startswith("/inbox/plans/"):
        return len(re.findall(r'action="/inbox/plans/\d+/answer/"', html))
    if url.startswith("/plans/"):
        return len(re.findall(r'<td><a href="/plans/\d+/">', html))
    if url.startswith("/inbox/"):
        return len(re.findall(r'<td><a href="/inbox/\d+/">', html))
    if url.startswith("/replies/"):
        return len(re.findall(r'<td data-label="建议"><a href=', html))
    found = re.search(r'id="result-count">(\d+)<', html)
    assert found, url
    return int(found.group(1))


def titles(client, url: str) -> set[str]:
    html = client.get(url).content.decode()
    return set(re.findall(r'<td><a href="/suggestions/\d+/">([^<]+)</a>', html))


@pytest.fixture
def work(people, journey):
    """A bit of everything: waiting to be registered and assigned, a recess item late for
    交办, late and due-soon assignments at two units, a reply awaiting feedback, pending
    requests, and key suggestions supervised by the leader."""
    p = people
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=120)
    journey.submitted(title="待立案一")
    journey.submitted(title="闭会超期", channel=Channel.RECESS, submitted_on=long_ago)
    journey.registered(title="待交办", channel=Channel.RECESS, submitted_on=today)
    journey.accepted(title="本单位逾期", assigned_on=long_ago)
    late_other, _ = journey.assigned(
        title="他单位逾期", roles=(("other_unit", "lead"), ("unit", "co")), assigned_on=long_ago
    )
    journey.assigned(
        title="两单位逾期", roles=(("unit", "split"), ("other_unit", "split")), assigned_on=long_ago
    )
    _, soon = journey.accepted(title="即将到期", assigned_on=today - dt.timedelta(days=80))
    journey.replied(title="待反馈")
    _, asked = journey.accepted(title="申请延期")
    workflow.assignment_request_extension(
        actor=p.unit_user,
        assignment=asked,
        requested_deadline=asked.deadline + dt.timedelta(days=30),
        reason="情况复杂",
        deputy_informed=True,
    )
    for suggestion in (late_other, soon.suggestion):
        workflow.suggestion_mark_key(
            actor=p.staff, suggestion=suggestion, is_key=True, supervisor=p.leader
        )
    return p


def test_staff_queue_counts_equal_the_lists_they_link_to(client, work):
    shown = queues(home(client, work.staff))
    assert set(shown) == {
        "待立案",
        "已立案待交办",
        "闭会期间超期未交办",
        "待审核的调整、延期申请",
        "已逾期",
        "待代表反馈",
        "待审核的答复",
        "待公开的答复",
        "预交办方案征求意见中",
    }
    expected = {
        "待立案": 2,
        "已立案待交办": 1,
        "闭会期间超期未交办": 1,
        "待审核的调整、延期申请": 1,
        "已逾期": 3,
        "待代表反馈": 1,
        "待审核的答复": 0,
        "待公开的答复": 0,
        "预交办方案征求意见中": 0,
    }
    assert {label: n for label, (_, n) in shown.items()} == expected
    for label, (url, count) in shown.items():
        assert listed(client, url) == count, label


def test_staff_see_overdue_by_unit_each_linking_to_that_units_late_list(client, work):
    html = home(client, work.staff)
    rows = {label: (url.replace("&amp;", "&"), int(n)) for url, label, n in UNIT_ROW.findall(html)}
    assert {label: n for label, (_, n) in rows.items()} == {"市交通运输局": 2, "市教育局": 2}
    for label, (url, count) in rows.items():
        assert listed(client, url) == count, label
    # The unit's list holds its own late work only, not another unit's late lead.
    assert titles(client, rows["市交通运输局"][0]) == {"本单位逾期", "两单位逾期"}


def test_the_recess_alert_counts_working_days_from_receipt(client, people, journey, settings):
    today = timezone.localdate()
    cutoff = deadlines.staff_assignment_late_cutoff(
        today=today, working_days=5, calendar=deadlines.WorkCalendar.load()
    )
    journey.submitted(title="刚好超期", channel=Channel.RECESS, submitted_on=cutoff)
    journey.submitted(
        title="还在期限内", channel=Channel.RECESS, submitted_on=cutoff + dt.timedelta(days=1)
    )
    journey.submitted(title="会中收到件", submitted_on=cutoff - dt.timedelta(days=30))
    url, count = queues(home(client, people.staff))["闭会期间超期未交办"]
    assert count == 1
    assert titles(client, url) == {"刚好超期"}


def test_the_cutoff_skips_rest_days():
    calendar = deadlines.WorkCalendar()
    # Received Monday 2026-03-02, five working days end Monday 03-09: late from Tuesday 03-10.
    monday = dt.date(2026, 3, 2)
    assert (
        deadlines.staff_assignment_late_cutoff(
            today=dt.date(2026, 3, 10), working_days=5, calendar=calendar
        )
        == monday
    )
    # On 03-09 itself the Monday item is still in time; one received on Sunday 03-01 was due
    # on Friday 03-06 and is late.
    assert deadlines.staff_assignment_late_cutoff(
        today=dt.date(2026, 3, 9), working_days=5, calendar=calendar
    ) == dt.date(2026, 3, 1)


def test_unit_queue_counts_equal_the_inbox_tabs_they_link_to(client, work):
    shown = queues(home(client, work.unit_user))
    assert {label: n for label, (_, n) in shown.items()} == {
        "待签收": 2,
        "即将到期": 1,
        "已逾期": 2,
        "协办意见待提交": 1,
        "协办意见逾期": 1,
        "申请待审核": 1,
        "预交办待确认": 0,
    }
    for label, (url, count) in shown.items():
        assert listed(client, url) == count, label
    assert "待立案" not in shown


def test_leader_queue_counts_equal_the_lists_they_link_to(client, work):
    shown = queues(home(client, work.leader))
    assert {label: n for label, (_, n) in shown.items()} == {
        "我督办的建议": 2,
        "其中已逾期": 1,
        "其中即将到期": 1,
        "其中待代表反馈": 0,
        "全部重点建议中逾期": 1,
    }
    for label, (url, count) in shown.items():
        assert listed(client, url) == count, label


def test_another_leaders_queues_hold_only_their_own_supervision(client, work):
    other = UserFactory(username="leader2", is_leader=True)
    shown = queues(home(client, other))
    assert shown["我督办的建议"][1] == 0 and shown["全部重点建议中逾期"][1] == 1


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize("who", ["staff", "unit_user", "leader"])
def test_the_workbench_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, size, who
):
    for _ in range(size):
        journey.accepted(assigned_on=timezone.localdate() - dt.timedelta(days=120))
        journey.assigned(roles=(("other_unit", "lead"),), assigned_on=timezone.localdate())
    client.force_login(getattr(people, who))
    # 17: the staff workbench also counts the 预交办 plans awaiting the units.
    with django_assert_max_num_queries(17):
        assert client.get("/").status_code == 200
