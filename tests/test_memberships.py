"""Roles per congress (DESIGN.md §11): one login holds staff in one congress, a unit or a seat
in another, acts in one at a time and switches with its roles."""

import pytest

from accounts.models import Membership
from accounts.selectors import committee_staff, unit_users
from congresses.context import acting_in, default_congress_id
from congresses.models import Congress
from suggestions import workflow

from .factories import (
    DeputyFactory,
    SuggestionFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture
def county(db):
    return Congress.objects.create(
        code="county-m", name="丙县人大常委会", level="county", parent_id=default_congress_id()
    )


@pytest.fixture
def city_world(db):
    term = TermFactory()
    return {"term": term, "suggestion": SuggestionFactory(term=term, title="市里的一件建议")}


@pytest.fixture
def county_world(county):
    with acting_in(county):
        term = TermFactory()
        unit = UnitFactory(name="县交通运输局")
        staff = UserFactory(username="county_staff", is_committee_staff=True, congress=county)
        suggestion = SuggestionFactory(term=term, title="县里的一件建议")
        workflow.suggestion_register(actor=staff, suggestion=suggestion)
        workflow.suggestion_assign(actor=staff, suggestion=suggestion, units=[(unit, "lead")])
    return {"term": term, "unit": unit, "suggestion": suggestion, "staff": staff}


def _switch(client, congress):
    return client.post("/congress/switch/", {"congress": congress.pk})


def test_city_staff_acts_as_the_county_unit_user_after_switching_and_back(
    client, city_world, county, county_world
):
    person = UserFactory(username="two_hats", is_committee_staff=True)
    Membership.objects.create(
        user=person, congress=county, is_unit_user=True, unit=county_world["unit"]
    )
    client.force_login(person)
    assert city_world["suggestion"].title in client.get("/suggestions/").content.decode()
    page = client.get("/congress/switch/").content.decode()
    assert "丙县人大常委会" in page

    assert _switch(client, county).status_code == 302
    person.refresh_from_db()
    assert (person.congress_id, person.is_committee_staff, person.is_unit_user) == (
        county.pk,
        False,
        True,
    )
    assert person.unit_id == county_world["unit"].pk
    # The county's unit inbox, not the city's staff pages.
    inbox = client.get("/inbox/").content.decode()
    assert "县里的一件建议" in inbox
    assert client.get("/suggestions/").status_code == 403
    assert client.get(f"/suggestions/{city_world['suggestion'].pk}/").status_code == 404

    assert _switch(client, Congress.objects.get(pk=default_congress_id())).status_code == 302
    person.refresh_from_db()
    assert person.is_committee_staff and not person.is_unit_user and person.unit_id is None
    assert city_world["suggestion"].title in client.get("/suggestions/").content.decode()
    # Leaving stored the city's roles in its membership.
    assert Membership.objects.get(user=person, congress_id=default_congress_id()).is_committee_staff


def test_a_seat_in_the_county_gives_deputy_only_there(client, city_world, county, county_world):
    person = UserFactory(username="staff_and_deputy", is_committee_staff=True)
    with acting_in(county):
        seat = DeputyFactory(term=county_world["term"], name="李红", user=person)
        mine = SuggestionFactory(
            term=county_world["term"], lead_deputy=seat, title="我在县里的建议"
        )
    client.force_login(person)
    assert _switch(client, county).status_code == 302
    person.refresh_from_db()
    assert person.is_deputy and not person.is_committee_staff
    my_page = client.get("/my/").content.decode()
    assert mine.title in my_page and "县里的一件建议" not in my_page
    assert client.get("/suggestions/").status_code == 403


def test_a_congress_without_role_or_seat_or_inactive_is_refused(client, county, county_world):
    person = UserFactory(username="plain_staff", is_committee_staff=True)
    Membership.objects.create(user=person, congress=county)  # no role at all
    client.force_login(person)
    response = _switch(client, county)
    assert response.status_code == 403 and "不能切换" in response.content.decode()
    Membership.objects.filter(user=person).update(is_leader=True)
    Congress.objects.filter(pk=county.pk).update(is_active=False)
    assert _switch(client, county).status_code == 403
    person.refresh_from_db()
    assert person.congress_id == default_congress_id() and person.is_committee_staff


def test_staff_and_unit_user_lists_hold_people_acting_elsewhere(county, county_world):
    person = UserFactory(username="county_staff_away", email="away@example.org")
    Membership.objects.create(user=person, congress=county, is_committee_staff=True)
    clerk = UserFactory(username="county_clerk_away", email="clerk@example.org")
    Membership.objects.create(
        user=clerk, congress=county, is_unit_user=True, unit=county_world["unit"]
    )
    county_staff = county_world["staff"]
    assert set(committee_staff(county.pk)) == {county_staff, person}
    assert not committee_staff(default_congress_id()).filter(pk=person.pk).exists()
    assert list(unit_users(county_world["unit"].pk)) == [clerk]
    # Acting in the county now: the user row says so, and the person is listed once.
    person.congress, person.is_committee_staff = county, True
    person.save()
    assert sorted(u.pk for u in committee_staff(county.pk)) == sorted([county_staff.pk, person.pk])


def test_a_membership_unit_must_be_its_congress_own(county, county_world):
    from django.core.exceptions import ValidationError

    city_unit = UnitFactory(name="市交通运输局")
    person = UserFactory(username="wrong_unit")
    with pytest.raises(ValidationError) as refused:
        Membership(user=person, congress=county, is_unit_user=True, unit=city_unit).full_clean()
    assert "所属单位不属于该人大" in str(refused.value)


def test_a_deputy_queues_are_those_of_the_congress_acted_in(client, journey, people, county):
    suggestion, _reply = journey.replied(title="市里等我评价的建议")
    with acting_in(county):
        county_term = TermFactory()
        DeputyFactory(term=county_term, name="张伟", user=people.deputy_user)
    client.force_login(people.deputy_user)
    assert "市里等我评价的建议" in client.get("/my/").content.decode()
    assert _switch(client, county).status_code == 302
    # Neither the list nor the queue of replies awaiting the deputy's verdict.
    assert "市里等我评价的建议" not in client.get("/my/").content.decode()
    assert "市里等我评价的建议" not in client.get("/").content.decode()
