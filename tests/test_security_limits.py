"""Every list a request carries has a maximum (settings.PORTAL["MAX_*"], worded in
suggestions/limits.py) checked before anything is looked up, and the items are then looked
up in one query: an oversized list is refused at once with a Chinese message, whatever its
length, and nothing is written."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from deputies.models import Deputy
from suggestions.models import Assignment, Suggestion
from units.models import Unit

from .api_helpers import session_client
from .factories import category


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def _new(people, **overrides) -> dict:
    return {
        "channel": "session",
        "title": "关于增设社区养老服务站的建议",
        "content": "建议在老旧小区增设养老服务站。",
        "lead_deputy": people.deputy.pk,
        **overrides,
    }


def _deputies(people, count: int) -> list[int]:
    Deputy.objects.bulk_create(
        Deputy(term=people.term, name=f"附议代表{n}", phone="") for n in range(count)
    )
    return list(
        Deputy.objects.filter(name__startswith="附议代表")
        .order_by("id")
        .values_list("id", flat=True)
    )


def _units(count: int) -> list[int]:
    Unit.objects.bulk_create(Unit(name=f"批量单位{n}", system="government") for n in range(count))
    return list(
        Unit.objects.filter(name__startswith="批量单位").order_by("id").values_list("id", flat=True)
    )


# --- the API --------------------------------------------------------------------------------


def test_fifty_thousand_co_signers_are_refused_in_a_few_queries(
    people, django_assert_max_num_queries
):
    # About 300 KB of JSON: under the body limit, so the list limit is what refuses it.
    body = _new(people, co_signers=list(range(1, 50_001)))
    client = session_client(people.staff)
    with django_assert_max_num_queries(10):
        response = client.post("/api/v1/suggestions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "co_signers", "code": "too_many", "message": "附议代表最多200人"}
    ]
    assert not Suggestion.objects.exists()


def test_the_largest_co_signer_list_allowed_is_saved_with_one_lookup(
    people, django_assert_max_num_queries
):
    ids = _deputies(people, 201)
    client = session_client(people.staff)
    refused = client.post("/api/v1/suggestions/", _new(people, co_signers=ids), format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == "附议代表最多200人"
    # 200 co-signers cost the same few queries as one: looked up together, inserted together.
    with django_assert_max_num_queries(30):
        created = client.post(
            "/api/v1/suggestions/", _new(people, co_signers=ids[:200]), format="json"
        )
    assert created.status_code == 201
    assert len(created.json()["co_signers"]) == 200
    assert Suggestion.objects.get().co_signers.count() == 200


def test_an_unknown_co_signer_is_named_by_its_place_in_the_list(people):
    response = session_client(people.staff).post(
        "/api/v1/suggestions/",
        _new(people, co_signers=[people.other_deputy.pk, 987654]),
        format="json",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("co_signers.1", "does_not_exist")
    assert "987654" in error["message"] and "不存在" in error["message"]
    assert not Suggestion.objects.exists()


def test_editing_with_too_many_co_signers_is_refused(people, journey):
    suggestion = journey.submitted()
    response = session_client(people.staff).patch(
        f"/api/v1/suggestions/{suggestion.pk}/",
        {"version": suggestion.version, "co_signers": list(range(1, 5_001))},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "co_signers",
        "code": "too_many",
        "message": "附议代表最多200人",
    }
    suggestion.refresh_from_db()
    assert suggestion.version == 1


def test_an_assignment_names_at_most_thirty_units(people, journey, django_assert_max_num_queries):
    suggestion = journey.registered()
    units = [{"unit": pk, "role": "co"} for pk in range(1, 10_001)]  # ~300 KB
    client = session_client(people.staff)
    with django_assert_max_num_queries(12):
        response = client.post(
            f"/api/v1/suggestions/{suggestion.pk}/assign/", {"units": units}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "units", "code": "too_many", "message": "一次交办最多30个承办单位"}
    ]
    assert not Assignment.objects.exists()


def test_thirty_units_are_looked_up_together(people, journey, django_assert_max_num_queries):
    suggestion = journey.registered()
    ids = _units(30)
    units = [{"unit": ids[0], "role": "lead"}] + [{"unit": pk, "role": "co"} for pk in ids[1:]]
    client = session_client(people.staff)
    unknown = client.post(
        f"/api/v1/suggestions/{suggestion.pk}/assign/",
        {"units": [*units[:29], {"unit": 987654, "role": "co"}]},
        format="json",
    )
    assert unknown.status_code == 400
    [error] = unknown.json()["errors"]
    assert (error["field"], error["code"]) == ("units.29.unit", "does_not_exist")
    response = client.post(
        f"/api/v1/suggestions/{suggestion.pk}/assign/", {"units": units}, format="json"
    )
    assert response.status_code == 201
    assert Assignment.objects.filter(suggestion=suggestion).count() == 30


def test_the_express_call_has_the_same_limits(people):
    body = {
        "category": category().pk,
        "title": "直通车:路灯不亮",
        "content": "某路段路灯不亮。",
        "lead_deputy": people.deputy.pk,
        "co_signers": list(range(1, 10_001)),
        "units": [{"unit": pk, "role": "co"} for pk in range(1, 10_001)],
    }
    response = session_client(people.staff).post(
        "/api/v1/suggestions/express/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "co_signers", "code": "too_many", "message": "附议代表最多200人"},
        {"field": "units", "code": "too_many", "message": "一次交办最多30个承办单位"},
    ]
    assert not Suggestion.objects.exists()


# --- the pages ------------------------------------------------------------------------------


def _page_form(people, **overrides) -> dict:
    return {
        "term": people.term.pk,
        "kind": "suggestion",
        "channel": "session",
        "title": "关于增设社区养老服务站的建议",
        "content": "建议在老旧小区增设养老服务站。",
        "lead_deputy": people.deputy.pk,
        **overrides,
    }


def test_the_staff_form_refuses_too_many_co_signers_in_chinese(client, people):
    ids = _deputies(people, 201)
    client.force_login(people.staff)
    response = client.post("/suggestions/new/", _page_form(people, co_signers=ids))
    assert response.status_code == 200
    assert "附议代表最多200人" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_the_deputys_form_refuses_too_many_co_signers_in_chinese(client, people):
    ids = _deputies(people, 201)
    client.force_login(people.deputy_user)
    response = client.post(
        "/my/new/",
        {"kind": "suggestion", "channel": "recess", "title": "标题", "content": "内容"}
        | {"co_signers": ids, "submit": "1"},
    )
    assert response.status_code == 200
    assert "附议代表最多200人" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_the_assign_form_refuses_more_than_thirty_units(client, people, journey):
    suggestion = journey.registered()
    ids = _units(31)
    client.force_login(people.staff)
    response = client.post(
        f"/suggestions/{suggestion.pk}/assign/",
        {"lead": ids[0], "co": ids[1:], "assigned_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert "一次交办最多30个承办单位" in response.content.decode()
    assert not Assignment.objects.exists()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_bulk_actions_take_at_most_500_ticked_suggestions(client, people, journey):
    client.force_login(people.staff)
    response = client.post(
        "/suggestions/bulk/",
        {"action": "key", "ids": list(range(1, 502)), "supervisor": people.leader.pk},
        follow=True,
    )
    assert "一次最多处理500件建议,请缩小筛选范围或分批操作" in _messages(response)


def test_bulk_on_all_matching_refuses_more_than_the_limit_and_changes_nothing(
    client, people, journey, settings
):
    settings.PORTAL = {**settings.PORTAL, "MAX_BULK_ITEMS": 2}
    for _ in range(3):
        journey.registered()
    client.force_login(people.staff)
    response = client.post(
        "/suggestions/bulk/",
        {"action": "key", "all_matching": "on", "query": "", "supervisor": people.leader.pk},
        follow=True,
    )
    assert "一次最多处理2件建议,请缩小筛选范围或分批操作" in _messages(response)
    assert not Suggestion.objects.filter(is_key=True).exists()


def test_a_form_with_more_fields_than_allowed_gets_the_chinese_400_page(client, people, journey):
    client.force_login(people.staff)
    response = client.post(
        "/suggestions/bulk/",
        {"action": "key", "ids": list(range(1, 2_001)), "supervisor": people.leader.pk},
    )
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()
