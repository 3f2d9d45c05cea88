"""Two congresses on one deployment, with the same unit names, term numbers and suggestion
numbers (DESIGN.md §11): nothing of one reaches the other's pages, exports, API, inboxes or
figures."""

import io

import openpyxl
import pytest
from django.core import mail
from django.test import Client

from congresses.context import acting_in, default_congress_id
from congresses.models import Congress
from notifications.models import Notification
from suggestions import workflow
from suggestions.models import AuditEvent, Suggestion

from .api_helpers import ids, session_client, token_client
from .conftest import FIVE_FIXED
from .factories import (
    DeputyFactory,
    SuggestionFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    pdf_upload,
    release_reply,
)


@pytest.fixture
def county(db):
    return Congress.objects.create(
        code="county-b", name="乙县人大常委会", level="county", parent_id=default_congress_id()
    )


def _world(prefix: str, congress=None):
    """A congress's term 13, 市交通运输局, staff, leader, unit user, deputy and suggestion No. 1."""
    kwargs = {"congress": congress} if congress is not None else {}
    term = TermFactory()
    unit = UnitFactory(name="市交通运输局")
    people = {
        "staff": UserFactory(username=f"{prefix}_staff", is_committee_staff=True, **kwargs),
        "leader": UserFactory(username=f"{prefix}_leader", is_leader=True, **kwargs),
        "unit_user": UserFactory(
            username=f"{prefix}_unit", is_unit_user=True, unit=unit, can_sign_replies=True, **kwargs
        ),
    }
    deputy_user = UserFactory(username=f"{prefix}_deputy", is_deputy=True, **kwargs)
    deputy = DeputyFactory(term=term, name="张伟", user=deputy_user)
    suggestion = SuggestionFactory(
        term=term, number=1, lead_deputy=deputy, title=f"{prefix}关于改善交通秩序的建议"
    )
    return {**people, "deputy_user": deputy_user, "unit": unit, "suggestion": suggestion}


@pytest.fixture
def worlds(county):
    a = _world("甲")
    with acting_in(county):
        b = _world("乙", county)
    return a, b


def test_records_made_while_acting_in_a_congress_belong_to_it(worlds, county):
    a, b = worlds
    assert b["suggestion"].congress_id == county.pk
    assert b["suggestion"].term.congress_id == county.pk
    assert b["unit"].congress_id == county.pk
    assert a["suggestion"].congress_id == default_congress_id()
    # The same number, term number and unit name in both: each congress's own.
    assert a["suggestion"].number == b["suggestion"].number == 1
    assert a["unit"].name == b["unit"].name


def test_an_assignment_takes_its_suggestion_congress_wherever_it_is_made(worlds, county):
    _, b = worlds
    # Outside any request or task (a shell, a management command): still the county's.
    workflow.suggestion_register(actor=b["staff"], suggestion=b["suggestion"])
    (assignment,) = workflow.suggestion_assign(
        actor=b["staff"], suggestion=b["suggestion"], units=[(b["unit"], "lead")]
    )
    assert assignment.congress_id == county.pk != default_congress_id()


def test_events_written_in_bulk_by_suggestion_id_take_each_suggestions_congress(
    worlds, county, django_assert_max_num_queries
):
    a, b = worlds
    ids = [a["suggestion"].pk, b["suggestion"].pk] * 10
    events = [AuditEvent(suggestion_id=pk, action="supervision.urge") for pk in ids]
    # One lookup of the suggestions' congresses for all twenty, not one each.
    with django_assert_max_num_queries(3):
        AuditEvent.objects.bulk_create(events)
    owners = AuditEvent.objects.filter(action="supervision.urge").values_list(
        "suggestion_id", "congress_id"
    )
    assert set(owners) == {
        (a["suggestion"].pk, default_congress_id()),
        (b["suggestion"].pk, county.pk),
    }


def test_each_congress_staff_list_shows_its_own_suggestions_only(client, worlds):
    a, b = worlds
    for mine, theirs in ((a, b), (b, a)):
        client.force_login(mine["staff"])
        page = client.get("/suggestions/").content.decode()
        assert mine["suggestion"].title in page
        assert theirs["suggestion"].title not in page
        assert client.get(f"/suggestions/{theirs['suggestion'].pk}/").status_code == 404


def test_the_excel_export_holds_one_congress_only(client, worlds):
    a, b = worlds
    client.force_login(b["staff"])
    response = client.get("/suggestions/export/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    text = "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell
    )
    assert b["suggestion"].title in text
    assert a["suggestion"].title not in text


def test_the_api_by_session_and_by_token_answers_one_congress(worlds):
    a, b = worlds
    assert ids(session_client(b["staff"]).get("/api/v1/suggestions/")) == [b["suggestion"].pk]
    assert ids(session_client(a["leader"]).get("/api/v1/suggestions/")) == [a["suggestion"].pk]
    client = token_client(b["staff"])
    assert ids(client.get("/api/v1/suggestions/")) == [b["suggestion"].pk]
    assert client.get(f"/api/v1/suggestions/{a['suggestion'].pk}/").status_code == 404


def test_a_token_acts_in_its_own_congress_whichever_its_owner_switched_to(worlds, county):
    a, b = worlds
    client = token_client(b["staff"])
    # The owner now acts in the other congress; the token still answers for 乙县 only.
    b["staff"].congress_id = default_congress_id()
    b["staff"].save(update_fields=["congress"])
    assert ids(client.get("/api/v1/suggestions/")) == [b["suggestion"].pk]


def test_a_unit_list_and_choices_are_the_congress_own(client, worlds):
    a, b = worlds
    client.force_login(b["staff"])
    page = client.get(f"/suggestions/{b['suggestion'].pk}/assign/").content.decode()
    assert f'<option value="{b["unit"].pk}">市交通运输局</option>' in page
    assert f'<option value="{a["unit"].pk}">' not in page


def test_notices_of_one_congress_reach_its_own_staff_only(worlds, county):
    a, b = worlds
    with acting_in(county):
        suggestion = workflow.suggestion_register(actor=b["staff"], suggestion=b["suggestion"])
        (assignment,) = workflow.suggestion_assign(
            actor=b["staff"], suggestion=suggestion, units=[(b["unit"], "lead")]
        )
        workflow.assignment_accept(actor=b["unit_user"], assignment=assignment, **FIVE_FIXED)
        mail.outbox.clear()
        release_reply(
            actor=b["unit_user"],
            assignment=assignment,
            text="经研究,已采纳并落实。",
            result="A",
            is_public=True,
        )
    # The public page shows each congress's own published replies.
    anonymous = Client()
    assert b["suggestion"].title not in anonymous.get("/public/").content.decode()
    assert b["suggestion"].title in anonymous.get("/public/?congress=county-b").content.decode()
    assert anonymous.get("/public/?congress=nowhere").status_code == 404
    assert Notification.objects.filter(recipient=b["staff"]).exists()
    assert not Notification.objects.filter(recipient=a["staff"]).exists()
    assert all(a["staff"].email not in m.to for m in mail.outbox)


def test_figures_of_each_congress_count_its_own_suggestions(worlds):
    a, b = worlds
    with acting_in(b["staff"].congress_id):
        SuggestionFactory(
            term=b["suggestion"].term, number=2, lead_deputy=b["suggestion"].lead_deputy
        )
    totals = {}
    for name, world in (("a", a), ("b", b)):
        body = session_client(world["leader"]).get("/api/v1/figures/").json()
        totals[name] = body
    assert Suggestion.objects.count() == 3
    assert totals["a"] != totals["b"]


def test_a_person_with_seats_in_two_congresses_switches_and_sees_each(client, worlds, county):
    a, b = worlds
    person = a["deputy_user"]
    # The same login takes a seat in 乙县 too (a OneToOne link raised IntegrityError here).
    with acting_in(county):
        seat = DeputyFactory(term=b["suggestion"].term, name="张伟", user=person)
        theirs = SuggestionFactory(
            term=b["suggestion"].term, number=7, lead_deputy=seat, title="乙县的一件建议"
        )
    assert person.seats.count() == 2
    client.force_login(person)
    mine = client.get("/my/").content.decode()
    assert a["suggestion"].title in mine and theirs.title not in mine
    page = client.get("/congress/switch/").content.decode()
    assert "乙县人大常委会" in page
    assert client.post("/congress/switch/", {"congress": county.pk}).status_code == 302
    after = client.get("/my/").content.decode()
    assert theirs.title in after and a["suggestion"].title not in after
    assert client.get(f"/suggestions/{a['suggestion'].pk}/").status_code == 404


def test_switching_to_a_congress_without_a_seat_or_role_is_refused(client, worlds, county):
    a, b = worlds
    client.force_login(a["staff"])
    response = client.post("/congress/switch/", {"congress": county.pk})
    assert response.status_code == 403
    assert "不能切换" in response.content.decode()
    a["staff"].refresh_from_db()
    assert a["staff"].congress_id == default_congress_id()


def test_a_reply_file_of_one_congress_is_not_found_from_the_other(client, worlds, county):
    a, b = worlds
    with acting_in(county):
        workflow.suggestion_register(actor=b["staff"], suggestion=b["suggestion"])
        (assignment,) = workflow.suggestion_assign(
            actor=b["staff"], suggestion=b["suggestion"], units=[(b["unit"], "lead")]
        )
        workflow.assignment_accept(actor=b["unit_user"], assignment=assignment, **FIVE_FIXED)
        reply = release_reply(
            actor=b["unit_user"],
            assignment=assignment,
            text="经研究,已采纳并落实。",
            result="A",
            is_public=True,
            attachments=[pdf_upload("乙县答复函.pdf")],
        )
    file_url = f"/files/attachments/{reply.attachments.get().pk}/"
    for who in ("staff", "leader", "unit_user"):
        client.force_login(b[who])
        assert client.get(file_url).status_code == 200, who
        client.force_login(a[who])
        assert client.get(file_url).status_code == 404, who
        assert client.get(f"/files/replies/{reply.pk}/letter/").status_code == 404, who


def test_a_queryset_built_while_acting_in_one_congress_serves_the_next(worlds, county):
    """A form's choices are built once, when its module is first imported, perhaps inside a
    request of one congress; every later request must see its own congress's rows."""
    from units.models import Unit

    a, b = worlds
    with acting_in(county):
        choices = Unit.objects.all()
        assert list(choices) == [b["unit"]]
    with acting_in(default_congress_id()):
        assert list(choices.all()) == [a["unit"]]
        assert list(choices.filter(name="市交通运输局")) == [a["unit"]]
    with acting_in(county):
        assert list(choices.all().order_by("name")) == [b["unit"]]
