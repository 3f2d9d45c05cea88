"""The upward view (DESIGN.md §11): a congress sees its lower congresses' figures side by
side and summed, by the same definitions and as-of rules, drills down to their units, and
never sees their deputies' contact data or their records' pages."""

import datetime as dt
import re

import pytest

from congresses.context import acting_in, default_congress_id
from congresses.models import Congress
from suggestions import figures, workflow
from suggestions.figures import Rate, Scope

from .conftest import FIVE_FIXED
from .factories import (
    DeputyFactory,
    SuggestionFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    release_reply,
)

URL = "/dashboard/lower/"


def _world(congress, prefix, *, replied, open_, results="A", unit_name="交通运输局"):
    """A congress with its term 1, one unit, its staff and clerk, `replied` suggestions
    answered (classes from `results`, in turn) and `open_` assigned but not answered."""
    with acting_in(congress):
        term = TermFactory(number=1, name=f"{prefix}第1届")
        unit = UnitFactory(name=unit_name)
        staff = UserFactory(username=f"{prefix}_staff", is_committee_staff=True, congress=congress)
        clerk = UserFactory(
            username=f"{prefix}_clerk",
            is_unit_user=True,
            unit=unit,
            can_sign_replies=True,
            congress=congress,
        )
        deputy = DeputyFactory(term=term, name=f"{prefix}代表", phone="13912345678")
        for i in range(replied + open_):
            suggestion = SuggestionFactory(term=term, lead_deputy=deputy, title=f"{prefix}建议{i}")
            workflow.suggestion_register(actor=staff, suggestion=suggestion)
            (assignment,) = workflow.suggestion_assign(
                actor=staff, suggestion=suggestion, units=[(unit, "lead")]
            )
            if i < replied:
                workflow.assignment_accept(actor=clerk, assignment=assignment, **FIVE_FIXED)
                release_reply(
                    actor=clerk,
                    assignment=assignment,
                    text="已办理。",
                    is_public=True,
                    result=results[i % len(results)],
                )
    return {"term": term, "unit": unit, "staff": staff}


@pytest.fixture
def tree(db):
    city = Congress.objects.get(pk=default_congress_id())
    county = Congress.objects.create(
        code="c-east", name="东县人大常委会", level="county", parent=city
    )
    west = Congress.objects.create(
        code="c-west", name="西县人大常委会", level="county", parent=city
    )
    town = Congress.objects.create(
        code="t-east-1", name="东县甲镇人大主席团", level="township", parent=county
    )
    other = Congress.objects.create(code="other-city", name="另一市人大常委会", level="city")
    worlds = {
        "city": _world(city, "市", replied=1, open_=1),
        "county": _world(county, "东县", replied=2, open_=1, results="AB"),
        "west": _world(west, "西县", replied=0, open_=2),
        "town": _world(town, "甲镇", replied=1, open_=0, results="B"),
        "other": _world(other, "另市", replied=3, open_=0),
    }
    leader = UserFactory(username="city_leader", is_leader=True, congress=city)
    return {
        "city": city,
        "county": county,
        "west": west,
        "town": town,
        "other": other,
        "worlds": worlds,
        "leader": leader,
    }


def _rows(html):
    """{first cell text: [cells]} of the lower-congress table."""
    table = html.split('id="lower-congresses"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        if cells and cells[0]:
            rows[cells[0][0]] = [" ".join(c) for c in cells[1:]]
    return rows


def _own(congress, term, day):
    with acting_in(congress):
        return figures.compute(scope=Scope(term=term), as_of=day)


def test_lower_congresses_side_by_side_and_summed(client, tree):
    client.force_login(tree["leader"])
    html = client.get(URL).content.decode()
    rows = _rows(html)
    # 交办, 答复, 办结 … per congress: the county, its township and the other county below the
    # city; never the congress of another city.
    assert rows["本级"][:2] == ["2", "1"]
    assert rows["东县人大常委会"][:2] == ["3", "2"]
    assert rows["东县甲镇人大主席团"][:2] == ["1", "1"]
    assert rows["西县人大常委会"][:2] == ["2", "0"]
    assert "另一市人大常委会" not in html
    assert rows["下级合计"][:2] == ["6", "3"]
    assert rows["本级和下级合计"][:2] == ["8", "4"]
    # The summed rates are the rates of the summed counts: 解决率 = A-class of replied.
    assert rows["下级合计"][7] == str(Rate(1, 3)) == "33.3%"
    assert rows["本级和下级合计"][7] == str(Rate(2, 4)) == "50.0%"


def test_the_sum_equals_each_congress_figures_added(tree):
    today = dt.date.today()
    parts = [
        _own(tree[name], tree["worlds"][name]["term"], today) for name in ("county", "west", "town")
    ]
    from dashboards.selectors import upward_view

    view = upward_view(congress=tree["city"], as_of=today)
    for name in ("assigned", "replied", "on_time", "closed", "overdue", "submitted"):
        assert getattr(view.lower_total, name) == sum(getattr(p, name) for p in parts)
    assert view.lower_total.results == {
        k: sum(p.results[k] for p in parts) for k in figures.RESULTS
    }
    assert view.lower_total.on_time_rate == Rate(
        sum(p.on_time for p in parts), sum(p.replied for p in parts)
    )
    own = _own(tree["city"], tree["worlds"]["city"]["term"], today)
    assert view.total.assigned == own.assigned + view.lower_total.assigned


def test_a_past_day_shows_the_figures_as_of_that_day(client, tree):
    client.force_login(tree["leader"])
    before = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    rows = _rows(client.get(URL, {"as_of": before}).content.decode())
    assert rows["本级和下级合计"][:2] == ["0", "0"]
    refused = client.get(URL, {"as_of": "2999-01-01"}).content.decode()
    assert "统计截至日期" in refused


def test_drill_down_shows_units_never_deputies_contact(client, tree):
    client.force_login(tree["leader"])
    html = client.get(f"/dashboard/lower/{tree['county'].code}/").content.decode()
    assert "交通运输局" in html and "东县甲镇人大主席团" in html
    assert "13912345678" not in html and "东县代表" not in html
    # The township, two levels down, too.
    assert client.get(f"/dashboard/lower/{tree['town'].code}/").status_code == 200


def test_the_view_keeps_to_what_lies_below(client, tree):
    county_leader = UserFactory(username="county_leader", is_leader=True, congress=tree["county"])
    client.force_login(county_leader)
    rows = _rows(client.get(URL).content.decode())
    assert set(rows) == {"本级", "东县甲镇人大主席团", "下级合计", "本级和下级合计"}
    for code in (tree["city"].code, tree["west"].code, tree["other"].code, tree["county"].code):
        assert client.get(f"/dashboard/lower/{code}/").status_code == 404
    clerk = tree["worlds"]["city"]["staff"]
    clerk.is_committee_staff, clerk.is_unit_user, clerk.unit = (
        False,
        True,
        tree["worlds"]["city"]["unit"],
    )
    clerk.save()
    client.force_login(clerk)
    assert client.get(URL).status_code == 403
    assert client.get(f"/dashboard/lower/{tree['county'].code}/").status_code == 403


def test_queries_do_not_grow_with_the_suggestions(client, tree, django_assert_max_num_queries):
    client.force_login(tree["leader"])
    # A few queries per congress shown (five here), the same whatever their suggestions.
    with django_assert_max_num_queries(60) as small:
        client.get(URL)
    _world(tree["county"], "东县二", replied=3, open_=3, unit_name="教育局")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL)


def test_the_api_gives_the_same_rows_and_sums(tree):
    from .api_helpers import session_client, token_client

    body = (
        token_client(tree["leader"], issuer=tree["worlds"]["city"]["staff"])
        .get("/api/v1/figures/lower/")
        .json()
    )
    assert [r["congress"]["code"] for r in body["lower"]] == ["c-east", "t-east-1", "c-west"]
    assert [r["figures"]["assigned"] for r in body["lower"]] == [3, 1, 2]
    assert body["lower_total"]["assigned"] == 6 and body["total"]["assigned"] == 8
    assert body["lower_total"]["solved_rate"]["percent"] == "33.3"
    assert body["lower"][0]["congress"]["parent_code"] == tree["city"].code
    assert "13912345678" not in str(body) and "代表" not in str(body)
    clerk = UserFactory(
        username="api_clerk", is_unit_user=True, unit=tree["worlds"]["city"]["unit"]
    )
    assert session_client(clerk).get("/api/v1/figures/lower/").status_code == 403
    refused = token_client(tree["leader"], issuer=tree["worlds"]["city"]["staff"]).get(
        "/api/v1/figures/lower/", {"as_of": "2999-01-01"}
    )
    assert refused.status_code == 400 and "统计截至日期" in refused.content.decode()


def _more_townships(tree, n):
    for i in range(n):
        town = Congress.objects.create(
            code=f"t-west-{i}", name=f"西县{i}镇人大主席团", level="township", parent=tree["west"]
        )
        _world(town, f"西{i}镇", replied=1, open_=1, unit_name="民政局")


def test_stored_days_of_every_congress_below_are_read_at_once(
    client, tree, django_assert_max_num_queries
):
    """With the day stored and current, the congresses below cost one query together: the
    same budget for 3 congresses below as for 9, and the same numbers as read live."""
    from django.core.management import call_command

    client.force_login(tree["leader"])
    live = _rows(client.get(URL).content.decode())
    call_command("compute_rollups", stdout=None)
    with django_assert_max_num_queries(30) as few:
        html = client.get(URL).content.decode()
    assert _rows(html) == {k: v for k, v in live.items()}
    assert "实时计算" not in html.split('id="lower-congresses"', 1)[1]

    _more_townships(tree, 6)
    call_command("compute_rollups", stdout=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(URL).content.decode()
    rows = _rows(html)
    assert len(rows) == len(live) + 6
    assert rows["西县5镇人大主席团"][:2] == ["2", "1"]
    assert rows["下级合计"][:2] == ["18", "9"]


def test_a_congress_changed_since_its_stored_day_is_read_live(client, tree):
    """An event the stored day does not reflect sends that congress (only) to the live read:
    its row shows the change at once and says it is computed live."""
    from django.core.management import call_command

    call_command("compute_rollups", stdout=None)
    west = tree["worlds"]["west"]
    with acting_in(tree["west"]):
        suggestion = SuggestionFactory(term=west["term"], title="西县新建议")
        workflow.suggestion_register(actor=west["staff"], suggestion=suggestion)
        workflow.suggestion_assign(
            actor=west["staff"], suggestion=suggestion, units=[(west["unit"], "lead")]
        )
    client.force_login(tree["leader"])
    html = client.get(URL).content.decode()
    rows = _rows(html)
    assert rows["西县人大常委会"][:2] == ["3", "0"]
    assert rows["下级合计"][:2] == ["7", "3"]
    table = html.split('id="lower-congresses"', 1)[1].split("</table>", 1)[0]
    live_rows = [tr for tr in table.split("<tr")[1:] if "实时计算" in tr]
    assert len(live_rows) == 1 and "西县人大常委会" in live_rows[0]
