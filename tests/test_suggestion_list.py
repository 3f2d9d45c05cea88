"""The staff suggestion list: access, filters in the URL, search, sorting, paging, queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Suggestion

from .factories import DeputyFactory, MeetingFactory, SuggestionFactory, category

URL = "/suggestions/"


def get(client, user, query=""):
    client.force_login(user)
    return client.get(URL + query)


def shown(response) -> str:
    return response.content.decode()


def test_staff_see_the_list_with_numbers_units_and_deadlines(client, people, journey):
    suggestion, assignment = journey.assigned(title="关于增设公交线路的建议")
    page = shown(get(client, people.staff))
    assert "关于增设公交线路的建议" in page
    assert suggestion.display_number in page
    assert "市交通运输局" in page
    assert f"{assignment.deadline:%Y-%m-%d}" in page
    days = (assignment.deadline - timezone.localdate()).days
    assert f"剩余{days}天" in page
    assert 'id="result-count">1<' in page


def test_leaders_see_the_list_without_staff_actions(client, people, journey):
    journey.assigned()
    page = shown(get(client, people.leader))
    assert "建议列表" in page
    assert "批量操作" not in page and "录入建议</a>" not in page.split("<main>")[1]


@pytest.mark.parametrize("who", ["unit_user", "deputy_user", "nobody"])
def test_other_roles_may_not_open_the_list(client, people, who):
    assert get(client, getattr(people, who)).status_code == 403


def test_the_list_needs_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_search_finds_chinese_substrings_in_title_and_content(client, people, journey):
    journey.submitted(title="关于加强老旧小区加装电梯工作的建议", content="居民上下楼困难。")
    journey.submitted(title="关于改善校园周边环境的建议", content="建议在学校门口增设护学岗。")
    journey.submitted(title="关于发展夜间经济的建议", content="延长商业街营业时间。")
    assert "加装电梯" in shown(get(client, people.staff, "?q=加装电梯"))
    by_content = shown(get(client, people.staff, "?q=护学岗"))
    assert "校园周边" in by_content and "加装电梯" not in by_content
    assert 'id="result-count">0<' in shown(get(client, people.staff, "?q=不存在的词语"))


def _two(journey, people, **matching):
    """One suggestion that matches a filter and one that does not."""
    return journey.submitted(title="应当出现的建议", **matching), journey.submitted(
        title="不应出现的建议"
    )


def test_filter_by_status(client, people, journey):
    journey.registered(title="应当出现的建议")
    journey.submitted(title="不应出现的建议")
    page = shown(get(client, people.staff, "?status=registered"))
    assert "应当出现的建议" in page and "不应出现的建议" not in page


def test_filter_by_channel_category_meeting_and_term(client, people, journey):
    meeting = MeetingFactory(term=people.term)
    journey.submitted(
        title="应当出现的建议", channel="express", category=category("教育科技"), meeting=meeting
    )
    journey.submitted(title="不应出现的建议")
    for query in (
        "?channel=express",
        f"?category={category('教育科技').pk}",
        f"?meeting={meeting.pk}",
        f"?term={people.term.pk}&channel=express",
    ):
        page = shown(get(client, people.staff, query))
        assert "应当出现的建议" in page and "不应出现的建议" not in page, query


def test_filter_by_unit_key_and_overdue(client, people, journey):
    past = timezone.localdate() - dt.timedelta(days=200)
    late, _ = journey.assigned(title="逾期的建议", assigned_on=past)
    journey.assigned(title="其他单位的建议", roles=(("other_unit", "lead"),))
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=late, is_key=True, supervisor=people.leader
    )
    by_unit = shown(get(client, people.staff, f"?unit={people.unit.pk}"))
    assert "逾期的建议" in by_unit and "其他单位的建议" not in by_unit
    overdue = shown(get(client, people.staff, "?overdue=on"))
    assert "逾期的建议" in overdue and "其他单位的建议" not in overdue
    assert "逾期" in overdue and "天</span>" in overdue
    key = shown(get(client, people.staff, "?key=on"))
    assert "逾期的建议" in key and "其他单位的建议" not in key


def test_filter_by_deputy_finds_lead_and_co_signed(client, people, journey):
    led = journey.submitted(title="张伟领衔的建议")
    co = journey.submitted(title="张伟附议的建议", lead_deputy=people.other_deputy)
    co.co_signers.add(people.deputy)
    journey.submitted(title="李娜的建议", lead_deputy=people.other_deputy)
    page = shown(get(client, people.staff, "?deputy=张伟"))
    assert led.title in page and co.title in page and "李娜的建议" not in page


def test_sorting_by_deadline_puts_the_nearest_first(client, people, journey):
    today = timezone.localdate()
    journey.assigned(title="后到期的建议", assigned_on=today)
    journey.assigned(title="先到期的建议", assigned_on=today - dt.timedelta(days=40))
    page = shown(get(client, people.staff, "?sort=deadline&status=assigned"))
    assert page.index("先到期的建议") < page.index("后到期的建议")
    page = shown(get(client, people.staff, "?sort=-deadline&status=assigned"))
    assert page.index("后到期的建议") < page.index("先到期的建议")


def test_pages_keep_the_filters_in_their_links(client, people):
    SuggestionFactory.create_batch(55, term=people.term, channel="recess", title="闭会期间建议")
    SuggestionFactory(term=people.term, channel="session")
    page = shown(get(client, people.staff, "?channel=recess"))
    assert 'id="result-count">55<' in page and "第 1/2 页" in page
    assert "?channel=recess&amp;page=2" in page
    second = shown(get(client, people.staff, "?channel=recess&page=2"))
    assert second.count("闭会期间建议</a>") == 5


def test_a_tampered_filter_shows_a_chinese_error_not_a_crash(client, people, journey):
    journey.submitted()
    response = get(client, people.staff, "?status=nonsense&term=abc")
    assert response.status_code == 200
    assert "筛选条件有误" in shown(response)
    assert "选择一个有效的选项" in shown(response)


def _bulk_suggestions(term, deputy, count: int, start: int):
    cat = category()
    Suggestion.objects.bulk_create(
        Suggestion(
            term=term,
            number=start + i,
            channel="session",
            category=cat,
            title=f"批量建议{i}",
            content="内容",
            lead_deputy=deputy,
            status="submitted",
            submitted_on=dt.date(2026, 1, 12),
        )
        for i in range(count)
    )


def test_the_list_answers_in_the_same_number_of_queries_at_10_and_1000(
    client, people, journey, django_assert_max_num_queries
):
    deputies = [DeputyFactory(term=people.term) for _ in range(3)]
    counts = []
    for size in (10, 1000):
        _bulk_suggestions(
            people.term, deputies[len(counts)], size - (10 if counts else 0), 10_000 * size
        )
        for _ in range(2):
            journey.assigned(roles=(("unit", "lead"), ("other_unit", "co")))
        client.force_login(people.staff)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL + "?sort=deadline&q=建议").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(16):
        client.get(URL + "?overdue=on&deputy=代表")


def test_the_filtered_list_exports_to_excel_with_the_columns_staff_see(client, people, journey):
    import io

    import openpyxl

    journey.assigned(title="导出的建议", channel="express")
    journey.submitted(title="不导出的建议", channel="session")
    client.force_login(people.staff)
    response = client.get("/suggestions/export/?channel=express")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=suggestions-")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert "标题" in header and "承办单位" in " ".join(str(h) for h in header)
    titles = [r[header.index("标题")] for r in rows[1:]]
    assert titles == ["导出的建议"]


def test_the_export_is_not_for_units(client, people):
    client.force_login(people.unit_user)
    assert client.get("/suggestions/export/").status_code == 403


# --- counting a long list ---------------------------------------------------------------------
# The list counts up to suggestions.paging.COUNT_CAP (1000) and says "超过 1000 件" above it.


def test_a_list_of_up_to_1000_is_counted_exactly(client, people):
    _bulk_suggestions(people.term, people.deputy, 1000, 1)
    page = shown(get(client, people.staff))
    assert '共 <strong id="result-count">1000</strong> 件' in page and "第 1/20 页" in page
    assert "末页" in page and "全部筛选结果(1000件)" in page


def test_a_longer_list_says_more_than_1000_and_never_a_number_it_did_not_count(client, people):
    _bulk_suggestions(people.term, people.deputy, 1001, 1)
    page = shown(get(client, people.staff))
    assert '超过 <strong id="result-count">1000</strong> 件' in page
    assert "共 <strong" not in page and "1001 件" not in page and "1001件" not in page
    assert "下一页" in page and "末页" not in page and "全部筛选结果(超过1000件)" in page
    assert "?count=exact" in page


def test_the_exact_count_is_there_when_asked_for(client, people):
    _bulk_suggestions(people.term, people.deputy, 1001, 1)
    page = shown(get(client, people.staff, "?count=exact"))
    assert 'id="result-count">1001<' in page and "第 1/21 页" in page
    last = shown(get(client, people.staff, "?count=exact&page=21"))
    assert last.count("批量建议") == 1 and "下一页" not in last


def test_pages_past_the_counted_rows_still_show_their_rows(client, people):
    _bulk_suggestions(people.term, people.deputy, 1060, 1)
    # Newest number first: page 22 holds rows 1051-1060 of the list, the lowest numbers.
    page = shown(get(client, people.staff, "?page=22"))
    assert page.count('name="ids"') == 10 and "下一页" not in page
    assert "第 22 页" in page
    beyond = shown(get(client, people.staff, "?page=40"))
    assert 'id="result-count">1060<' in beyond and "第 22/22 页" in beyond


def test_a_page_past_the_end_of_a_short_list_shows_its_last_page(client, people):
    _bulk_suggestions(people.term, people.deputy, 60, 1)
    page = shown(get(client, people.staff, "?page=9"))
    assert "第 2/2 页" in page and page.count('name="ids"') == 10
    assert "第 1/2 页" in shown(get(client, people.staff, "?page=abc"))


# --- search of two characters and the filters' pickers -----------------------------------------


def test_two_character_search_finds_title_and_content_and_ignores_case(client, people, journey):
    journey.submitted(title="关于增设公交站点的建议", content="方便出行。")
    journey.submitted(title="关于路灯的建议", content="建议增加公交班次。")
    journey.submitted(title="关于ABC项目的建议", content="内容。")
    journey.submitted(title="关于公园的建议", content="交通拥堵。")
    page = shown(get(client, people.staff, "?q=公交"))
    assert 'id="result-count">2<' in page and "公交站点" in page and "路灯" in page
    assert "关于ABC项目" in shown(get(client, people.staff, "?q=bc"))
    # One character still searches (by scanning).
    assert 'id="result-count">3<' in shown(get(client, people.staff, "?q=交"))


def test_the_filters_keep_the_chosen_values_selected(client, people, journey):
    journey.assigned()
    page = shown(get(client, people.staff, f"?unit={people.unit.pk}&status=assigned&sort=deadline"))
    assert f'<option value="{people.unit.pk}" selected>{people.unit.name}</option>' in page
    assert '<option value="assigned" selected>已交办</option>' in page
    assert '<option value="deadline" selected>答复期限(近→远)</option>' in page


# --- a search's count and pages ------------------------------------------------------------
# A search counts and picks its page from one reading of its matches (paging._count_and_ids on
# PostgreSQL): the same numbers, pages and order as the list without a search.


@pytest.mark.parametrize("q", ["批量建议", "批量"])  # trigram and bigram searches
def test_a_search_counts_and_pages_as_the_list_does(client, people, q):
    _bulk_suggestions(people.term, people.deputy, 1060, 1)
    SuggestionFactory(term=people.term, number=5000, title="别的建议", status="submitted")
    page = shown(get(client, people.staff, f"?q={q}"))
    assert '超过 <strong id="result-count">1000</strong> 件' in page and "别的建议" not in page
    # Newest number first: the first page ends with the 50th highest number, 批量建议1010.
    assert page.count('name="ids"') == 50 and "批量建议1059<" in page and "批量建议1010<" in page
    assert "批量建议1009<" not in page
    exact = shown(get(client, people.staff, f"?q={q}&count=exact&page=22"))
    assert 'id="result-count">1060<' in exact and "第 22/22 页" in exact
    assert exact.count('name="ids"') == 10 and "批量建议0<" in exact and "下一页" not in exact
    beyond = shown(get(client, people.staff, f"?q={q}&page=40"))
    assert "第 22/22 页" in beyond and beyond.count('name="ids"') == 10
    oldest = shown(get(client, people.staff, f"?q={q}&sort=number&page=2"))
    assert "批量建议50<" in oldest and "批量建议99<" in oldest and "批量建议100<" not in oldest


def test_a_short_search_is_counted_exactly_and_sorted_by_deadline(client, people, journey):
    today = timezone.localdate()
    journey.assigned(title="关于电梯加装的建议", assigned_on=today)
    journey.assigned(title="再议电梯加装", assigned_on=today - dt.timedelta(days=40))
    journey.submitted(title="关于路灯的建议")
    page = shown(get(client, people.staff, "?q=电梯加装&sort=deadline"))
    assert 'id="result-count">2<' in page and "路灯" not in page
    assert page.index("再议电梯加装") < page.index("关于电梯加装")
    page = shown(get(client, people.staff, "?q=电梯加装&sort=-deadline"))
    assert page.index("关于电梯加装") < page.index("再议电梯加装")
    assert 'id="result-count">0<' in shown(get(client, people.staff, "?q=没有这个词"))


# --- the filters' and the bulk bar's pickers, read once --------------------------------------


def _options(page: str, name: str) -> list[str]:
    import re

    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_bulk_bar_lists_the_filters_active_units_and_leaders(client, people):
    from units.models import Unit

    from .factories import UnitFactory, UserFactory

    UnitFactory(name="乙法院", system="court")
    UnitFactory(name="甲停用局", is_active=False)
    UserFactory(name="停用领导", is_leader=True, is_active=False)
    page = shown(get(client, people.staff))
    filter_units = _options(page, "unit")
    assert "甲停用局" in filter_units and "乙法院" in filter_units
    # The filter in the units' own order (system code, then name), the bulk bar by name and
    # active units only.
    assert filter_units[1:] == [unit.name for unit in Unit.objects.all()]
    assert filter_units.index("乙法院") < filter_units.index("甲停用局")
    bulk = page[page.index('id="bulk"') :]
    bulk_units = _options(bulk, "unit")
    assert "甲停用局" not in bulk_units and bulk_units == sorted(bulk_units)
    assert "乙法院" in bulk_units and people.unit.name in bulk_units
    assert "停用领导" in _options(page, "supervisor")
    assert "停用领导" not in _options(bulk, "supervisor")
    assert people.leader.name in _options(bulk, "supervisor")


def test_permissions_granted_on_the_user_or_a_group_count_in_one_query(
    client, people, django_assert_num_queries
):
    from django.contrib.auth.models import Group, Permission

    from suggestions import access

    from .factories import UserFactory

    grant = Permission.objects.get(codename="export_confidential_names")
    direct = UserFactory(is_committee_staff=True)
    direct.user_permissions.add(grant)
    grouped = UserFactory(is_committee_staff=True)
    group = Group.objects.create(name="档案组")
    group.permissions.add(grant)
    grouped.groups.add(group)
    plain = UserFactory(is_committee_staff=True)
    for user, allowed in ((direct, True), (grouped, True), (plain, False)):
        user = type(user).objects.get(pk=user.pk)  # no permission cache yet
        with django_assert_num_queries(1):
            assert access.can_export_confidential_names(user) is allowed
            assert access.can_export_confidential_names(user) is allowed  # cached
    page = shown(get(client, grouped))
    assert "导出本列表(包含保密代表姓名)" in page
    assert "导出本列表(包含保密代表姓名)" not in shown(get(client, plain))


HOSTILE = '<script>alert("x")</script>&\''


@pytest.mark.parametrize("path", ["/suggestions/", "/dashboard/key/"])
def test_the_rows_escape_what_people_typed(client, people, path):
    """The list's and the key board's rows are written in Python (templatetags/portal.py):
    a title, a deputy's name or a forwarded copy's proposers come out as text, never markup."""
    deputy = DeputyFactory(term=people.term, name="张" + HOSTILE)
    SuggestionFactory(
        term=people.term,
        title="标题" + HOSTILE,
        lead_deputy=deputy,
        is_key=True,
        supervisor=people.leader,
    )
    SuggestionFactory(
        term=people.term,
        title="转来的建议",
        lead_deputy=None,
        proposers="代表" + HOSTILE,
        is_key=True,
        supervisor=people.leader,
    )
    client.force_login(people.leader)
    page = client.get(path).content.decode()
    assert "<script>alert" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;"
    for text in ("标题", "张", "代表"):
        assert text + escaped in page
