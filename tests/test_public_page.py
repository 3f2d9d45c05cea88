"""The public page: published replies only, searchable, no personal contact data."""

import pytest

from .factories import category, release_reply


def _reply(people, journey, *, public: bool, text: str, **kwargs):
    suggestion, assignment = journey.accepted(**kwargs)
    return release_reply(
        actor=people.unit_user,
        assignment=assignment,
        text=text,
        result="A",
        contact_person="李科长",
        contact_phone="0571-88886666",
        is_public=public,
        not_public_reason="" if public else "涉及国家秘密",
    )


def test_published_replies_are_shown_without_login(client, people, journey):
    _reply(people, journey, public=True, text="已增设公交线路两条。", title="关于公交的建议")
    response = client.get("/public/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "已增设公交线路两条。" in page and "关于公交的建议" in page and "市交通运输局" in page


def test_an_unpublished_reply_is_never_shown(client, people, journey):
    _reply(people, journey, public=False, text="不公开的答复内容", title="不公开的建议")
    for query in ("", "?q=不公开", "?q=答复"):
        page = client.get("/public/" + query).content.decode()
        assert "不公开的答复内容" not in page and "不公开的建议" not in page


def test_no_phone_numbers_or_contact_data(client, people, journey):
    people.deputy.phone = "13912345678"
    people.deputy.save()
    _reply(
        people,
        journey,
        public=True,
        text="如有疑问请致电 0571-87654321 或 13800001111,邮箱 office@example.gov.cn。",
    )
    page = client.get("/public/").content.decode()
    for secret in (
        "13912345678",
        "0571-88886666",
        "0571-87654321",
        "13800001111",
        "office@example.gov.cn",
        "李科长",
    ):
        assert secret not in page, secret
    assert "[已隐去]" in page


def test_a_confidential_deputy_is_not_named(client, people, journey):
    people.deputy.identity_confidential = True
    people.deputy.save()
    _reply(people, journey, public=True, text="答复")
    page = client.get("/public/").content.decode()
    assert "张伟" not in page and "(不公开)" in page


def test_search_by_category_and_year(client, people, journey):
    _reply(people, journey, public=True, text="教育答复", category=category("教育科技"))
    _reply(people, journey, public=True, text="城建答复", category=category("城乡建设"))
    by_category = client.get(f"/public/?category={category('教育科技').pk}").content.decode()
    assert "教育答复" in by_category and "城建答复" not in by_category
    from django.utils import timezone

    year = timezone.localdate().year
    assert "城建答复" in client.get(f"/public/?year={year}").content.decode()
    assert "城建答复" not in client.get(f"/public/?year={year - 1}").content.decode()


@pytest.mark.parametrize("size", [2, 20])
def test_the_public_page_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, size
):
    for i in range(size):
        _reply(people, journey, public=True, text=f"答复{i}")
    # One of them: the years that have replies; one the default congress of an anonymous visit.
    with django_assert_max_num_queries(7):
        assert client.get("/public/").status_code == 200


def test_replies_to_forwarded_copies_name_their_proposers_in_the_same_queries(
    client, people, journey, django_assert_max_num_queries
):
    """A copy forwarded from an upper congress has no lead deputy here: its replies name the
    deputies it came with, read with the rows, not one query per reply."""
    from suggestions.models import Suggestion

    for i in range(3):
        reply = _reply(people, journey, public=True, text=f"答复{i}")
        Suggestion.objects.filter(pk=reply.assignment.suggestion_id).update(
            lead_deputy=None, proposers=f"市人大代表{i}号等"
        )
    with django_assert_max_num_queries(7):
        page = client.get("/public/").content.decode()
    for i in range(3):
        assert f"市人大代表{i}号等" in page
