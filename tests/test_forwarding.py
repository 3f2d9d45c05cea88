"""分级处理 (DESIGN.md §11): a city's staff forward a suggestion to a county under it; the
county handles its copy as its own; the result comes back to the city's timeline. Neither
congress sees the other's suggestion."""

import re

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from congresses.context import acting_in, default_congress_id
from congresses.models import Congress
from notifications.models import Notification
from suggestions import figures, workflow
from suggestions.models import AuditEvent, Forwarding, Suggestion

from .api_helpers import session_client
from .conftest import FIVE_FIXED
from .factories import (
    DeputyFactory,
    SuggestionFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    category,
    release_reply,
)

NOT_LOWER = "只能转交本级人大的下级人大"


class World:
    """The city (the default congress) with a registered suggestion No. 5 led by 张伟 and
    co-signed by 李娜; 甲县 under it, with its own term 13, suggestion No. 1, staff and unit;
    乙县 beside 甲县; 丙镇 under 甲县."""

    def __init__(self):
        self.city = Congress.objects.get(pk=default_congress_id())
        self.county = Congress.objects.create(
            code="county-a", name="甲县人大常委会", level="county", parent=self.city
        )
        self.sibling = Congress.objects.create(
            code="county-b", name="乙县人大常委会", level="county", parent=self.city
        )
        self.township = Congress.objects.create(
            code="town-a", name="丙镇人大主席团", level="township", parent=self.county
        )
        self.term = TermFactory()
        self.staff = UserFactory(username="city_staff", is_committee_staff=True)
        self.city_unit = UnitFactory(name="市住建局")
        self.city_unit_user = UserFactory(
            username="city_unit", is_unit_user=True, unit=self.city_unit, can_sign_replies=True
        )
        self.deputy = DeputyFactory(term=self.term, name="张伟", phone="13912345678")
        co_signer = DeputyFactory(term=self.term, name="李娜")
        suggestion = SuggestionFactory(
            term=self.term,
            number=5,
            lead_deputy=self.deputy,
            title="关于改善乡村道路的建议",
            content="建议加快农村公路提档升级。",
        )
        suggestion.co_signatures.create(deputy=co_signer)
        self.original = workflow.suggestion_register(actor=self.staff, suggestion=suggestion)
        with acting_in(self.county):
            self.county_term = TermFactory(name="县第13届")
            category()  # the county has a category of the same name
            self.county_staff = UserFactory(
                username="county_staff", congress=self.county, is_committee_staff=True
            )
            self.county_unit = UnitFactory(name="县交通运输局")
            self.county_unit_user = UserFactory(
                username="county_unit",
                congress=self.county,
                is_unit_user=True,
                unit=self.county_unit,
                can_sign_replies=True,
            )
            self.county_own = SuggestionFactory(term=self.county_term, number=1)
        with acting_in(self.sibling):
            TermFactory(name="乙县第13届")
            self.sibling_staff = UserFactory(
                username="sibling_staff", congress=self.sibling, is_committee_staff=True
            )

    def forward(self, to=None, note="请甲县按职责办理"):
        return workflow.suggestion_forward_down(
            actor=self.staff,
            suggestion=self.original,
            to_congress=to or self.county,
            note=note,
        )

    def handle_in_county(self, copy, *, close=True):
        """The county's staff register and assign the copy, its unit replies, staff close."""
        with acting_in(self.county):
            workflow.suggestion_register(actor=self.county_staff, suggestion=copy)
            (assignment,) = workflow.suggestion_assign(
                actor=self.county_staff, suggestion=copy, units=[(self.county_unit, "lead")]
            )
            workflow.assignment_accept(
                actor=self.county_unit_user, assignment=assignment, **FIVE_FIXED
            )
            reply = release_reply(
                actor=self.county_unit_user,
                assignment=assignment,
                text="已将该路段列入今年农村公路提档升级计划。",
                result="B",
                is_public=True,
            )
            if close:
                workflow.suggestion_close(actor=self.county_staff, suggestion=copy)
        return reply


@pytest.fixture
def world(db):
    return World()


def _page(user, suggestion) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(f"/suggestions/{suggestion.pk}/")
    return response.status_code, response.content.decode()


# --- forwarding ---------------------------------------------------------------------------


def test_city_staff_forward_from_the_suggestion_page_and_the_county_gets_its_own_copy(world):
    client = Client()
    client.force_login(world.staff)
    page = client.get(f"/suggestions/{world.original.pk}/").content.decode()
    assert "转交下级人大" in page
    assert "甲县人大常委会" in page and "乙县人大常委会" in page
    assert "丙镇人大主席团" not in page  # not a direct lower congress of the city

    response = client.post(
        f"/suggestions/{world.original.pk}/forward/",
        {"to_congress": world.county.pk, "note": "请甲县按职责办理"},
    )
    assert response.status_code == 302
    forwarding = Forwarding.objects.get(original=world.original)
    copy = forwarding.copy
    assert copy.congress_id == world.county.pk
    assert copy.term_id == world.county_term.pk
    assert copy.number == 2  # the county's own numbering: after its No. 1
    assert (copy.title, copy.content) == (world.original.title, world.original.content)
    assert copy.status == Suggestion.Status.SUBMITTED
    assert copy.channel == "recess"
    assert copy.category.name == "城乡建设" and copy.category.congress_id == world.county.pk
    assert copy.lead_deputy is None
    assert "张伟(领衔)" in copy.proposers and "李娜(附议)" in copy.proposers
    assert forwarding.forwarded_by == world.staff and forwarding.note == "请甲县按职责办理"
    world.original.refresh_from_db()
    assert world.original.status == Suggestion.Status.FORWARDED
    timeline = client.get(f"/suggestions/{world.original.pk}/").content.decode()
    assert "已转下级办理" in timeline
    assert "转交下级人大办理" in timeline and "甲县人大常委会" in timeline
    # The county's staff are told; the city's own staff are not sent the county's notice.
    assert Notification.objects.filter(recipient=world.county_staff, suggestion=copy).exists()


def test_a_confidential_deputy_is_not_named_in_the_copy(world):
    world.deputy.identity_confidential = True
    world.deputy.save()
    copy = world.forward().copy
    assert "张伟" not in copy.proposers
    assert "不公开(领衔)" in copy.proposers and "李娜(附议)" in copy.proposers


def test_the_copy_page_says_where_it_came_from_without_the_deputies_contact_data(world):
    copy = world.forward().copy
    status, page = _page(world.county_staff, copy)
    assert status == 200
    assert "由 市人大常委会 转来" in page
    assert "张伟" in page
    assert "13912345678" not in page
    assert "上级人大转来" in page  # the copy's own timeline
    # The county's intake: a fresh suggestion its staff register and assign as usual.
    assert f'action="/suggestions/{copy.pk}/register/"' in page


def test_neither_congress_opens_the_other_suggestion(world):
    copy = world.forward().copy
    assert _page(world.staff, copy)[0] == 404
    for path in ("assign/", "edit/", "close/"):
        client = Client()
        client.force_login(world.staff)
        assert client.get(f"/suggestions/{copy.pk}/{path}").status_code == 404
    assert _page(world.county_staff, world.original)[0] == 404
    assert _page(world.sibling_staff, copy)[0] == 404
    client = Client()
    client.force_login(world.county_staff)
    listed = client.get("/suggestions/").content.decode()
    assert copy.title in listed  # its copy is in the county's list, as one of its own
    assert f"/suggestions/{world.original.pk}/" not in listed


def test_the_county_result_returns_to_the_city_timeline(world):
    copy = world.forward().copy
    world.handle_in_county(copy, close=False)
    forwarding = Forwarding.objects.get(copy=copy)
    assert forwarding.state == Forwarding.State.REPLIED
    assert forwarding.result == "B"
    assert forwarding.replied_on == timezone.localdate()
    assert "提档升级" in forwarding.result_summary
    status, page = _page(world.staff, world.original)
    assert status == 200
    assert "下级人大答复" in page and "B类 正在解决或列入计划解决" in page
    assert "已将该路段列入今年农村公路提档升级计划" in page
    world.original.refresh_from_db()
    assert world.original.status == Suggestion.Status.FORWARDED

    with acting_in(world.county):
        workflow.suggestion_close(actor=world.county_staff, suggestion=copy)
    world.original.refresh_from_db()
    assert world.original.status == Suggestion.Status.FORWARD_DONE
    forwarding.refresh_from_db()
    assert forwarding.closed_on == timezone.localdate()
    page = _page(world.staff, world.original)[1]
    assert "下级已办结" in page and "下级人大办结" in page
    assert Notification.objects.filter(
        recipient=world.staff, suggestion=world.original, kind="forwarding.result"
    ).exists()
    # The county's staff still never reach the original.
    assert _page(world.county_staff, world.original)[0] == 404


def test_the_county_unit_works_on_the_copy_without_the_deputies_contact_data(world):
    copy = world.forward().copy
    reply = world.handle_in_county(copy, close=False)
    client = Client()
    client.force_login(world.county_unit_user)
    for url in (f"/inbox/{reply.assignment_id}/", f"/files/replies/{reply.pk}/letter/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "张伟" in page and "13912345678" not in page


def test_a_forwarded_suggestion_is_never_the_sender_assigned_replied_or_closed(world):
    copy = world.forward().copy
    world.handle_in_county(copy)
    today = timezone.localdate()
    city = figures.compute(scope=figures.Scope(term=world.term), as_of=today)
    county = figures.compute(scope=figures.Scope(term=world.county_term), as_of=today)
    assert (city.assigned, city.replied, city.closed) == (0, 0, 0)
    assert (county.assigned, county.replied, county.closed) == (1, 1, 1)


def test_the_upward_sums_count_a_forwarded_suggestion_once(world):
    """Forwarded city → county → township, the original and both copies each count as 提出
    in their own congress; the sums (page, API) count that one suggestion once."""
    from dashboards.selectors import upward_view

    county_copy = world.forward().copy
    with acting_in(world.township):
        TermFactory(name="镇第13届")
        category()
    with acting_in(world.county):
        workflow.suggestion_forward_down(
            actor=world.county_staff, suggestion=county_copy, to_congress=world.township
        )
    today = timezone.localdate()
    view = upward_view(congress=world.city, as_of=today)
    by_code = {r.congress.code: r.figures.submitted for r in view.lower}
    assert (view.own.figures.submitted, by_code) == (1, {"county-a": 2, "town-a": 1, "county-b": 0})
    # 甲县's own No. 1 and the forwarded one; with the city's original, still two.
    assert (view.lower_total.submitted, view.total.submitted) == (2, 2)
    county_view = upward_view(congress=world.county, as_of=today)
    assert (county_view.lower_total.submitted, county_view.total.submitted) == (1, 2)
    body = session_client(world.staff).get("/api/v1/figures/lower/").json()
    assert (body["lower_total"]["submitted"], body["total"]["submitted"]) == (2, 2)
    # Before the day it was forwarded (and submitted there), nothing is subtracted.
    before = upward_view(congress=world.city, as_of=today.replace(year=today.year - 1))
    assert before.total.submitted == before.own.figures.submitted + sum(
        r.figures.submitted for r in before.lower
    )


def test_the_county_refusing_it_returns_it_to_the_city(world):
    copy = world.forward().copy
    with acting_in(world.county):
        workflow.suggestion_reject(
            actor=world.county_staff, suggestion=copy, reason="other", note="属市级事权"
        )
    world.original.refresh_from_db()
    assert world.original.status == Suggestion.Status.REGISTERED
    assert Forwarding.objects.get(copy=copy).state == Forwarding.State.RETURNED
    assert "属市级事权" in _page(world.staff, world.original)[1]
    # Back with the city: its staff may assign it to a city unit now.
    workflow.suggestion_assign(
        actor=world.staff, suggestion=world.original, units=[(world.city_unit, "lead")]
    )


def test_county_staff_correct_the_copy_on_its_edit_page_keeping_the_deputies(world):
    copy = world.forward().copy
    client = Client()
    client.force_login(world.county_staff)
    page = client.get(f"/suggestions/{copy.pk}/edit/")
    form, meta = page.context["form"], page.context["meta"]
    assert "lead_deputy" not in form.fields and "co_signers" not in form.fields
    data = {name: form[name].value() for name in form.fields}
    data |= {name: meta[name].value() for name in meta.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()} | {"title": "关于县道改造的建议"}
    response = client.post(f"/suggestions/{copy.pk}/edit/", data)
    assert response.status_code == 302, re.findall(
        r'class="error[^"]*"[^>]*>([^<]+)', response.content.decode()
    )
    copy.refresh_from_db()
    assert copy.title == "关于县道改造的建议"
    assert copy.lead_deputy is None and "张伟" in copy.proposers


def test_a_copy_is_given_no_deputy_of_the_lower_congress(world):
    copy = world.forward().copy
    with acting_in(world.county):
        seat = DeputyFactory(term=world.county_term, name="王县代表")
        with pytest.raises(workflow.InvalidTransition) as refused:
            workflow.suggestion_update(
                actor=world.county_staff,
                suggestion=copy,
                expected_version=copy.version,
                changes={"lead_deputy": seat},
            )
    assert "不能指定本级的领衔代表" in refused.value.message


def test_feedback_is_not_entered_on_a_copy(world):
    copy = world.forward().copy
    reply = world.handle_in_county(copy, close=False)
    with acting_in(world.county), pytest.raises(workflow.InvalidTransition) as refused:
        workflow.feedback_record(
            actor=world.county_staff,
            reply=reply,
            result_verdict="satisfied",
            work_verdict="satisfied",
        )
    assert "无需录入反馈" in refused.value.message


def test_forwarded_on_to_a_township_the_result_goes_up_to_the_city(world):
    county_copy = world.forward().copy
    with acting_in(world.township):
        TermFactory(name="镇第13届")
        category()
        town_staff = UserFactory(
            username="town_staff", congress=world.township, is_committee_staff=True
        )
        town_unit = UnitFactory(name="镇农办")
        town_unit_user = UserFactory(
            username="town_unit",
            congress=world.township,
            is_unit_user=True,
            unit=town_unit,
            can_sign_replies=True,
        )
    with acting_in(world.county):
        town_copy = workflow.suggestion_forward_down(
            actor=world.county_staff, suggestion=county_copy, to_congress=world.township
        ).copy
    assert town_copy.proposers == county_copy.proposers
    with acting_in(world.township):
        workflow.suggestion_register(actor=town_staff, suggestion=town_copy)
        (assignment,) = workflow.suggestion_assign(
            actor=town_staff, suggestion=town_copy, units=[(town_unit, "lead")]
        )
        workflow.assignment_accept(actor=town_unit_user, assignment=assignment, **FIVE_FIXED)
        release_reply(
            actor=town_unit_user,
            assignment=assignment,
            text="已硬化该段村道。",
            result="A",
            is_public=True,
        )
        workflow.suggestion_close(actor=town_staff, suggestion=town_copy)
    county_copy.refresh_from_db()
    world.original.refresh_from_db()
    assert county_copy.status == world.original.status == Suggestion.Status.FORWARD_DONE
    city = Forwarding.objects.get(original=world.original)
    assert (city.state, city.result) == (Forwarding.State.CLOSED, "A")
    assert "已硬化该段村道" in _page(world.staff, world.original)[1]


def test_every_step_belongs_to_its_suggestions_congress(world):
    """The county's result written into the city's timeline is the city's event, and the
    county's steps on its copy are the county's, whoever took them and wherever."""
    copy = world.forward().copy
    world.handle_in_county(copy)
    events = AuditEvent._base_manager.filter(suggestion__in=[world.original, copy])
    owners = {(e.suggestion_id, e.action): e.congress_id for e in events}
    assert owners[(world.original.pk, "suggestion.forward_down")] == world.city.pk
    assert owners[(world.original.pk, "forwarding.closed")] == world.city.pk
    assert owners[(copy.pk, "suggestion.forwarded_in")] == world.county.pk
    assert owners[(copy.pk, "suggestion.close")] == world.county.pk
    assert not AuditEvent._base_manager.exclude(congress_id=F("suggestion__congress_id")).exists()


@pytest.mark.parametrize("step", ["merge", "withdraw"])
def test_a_copy_ends_only_by_closing_or_refusing_it(world, step):
    copy = world.forward().copy
    with acting_in(world.county), pytest.raises(workflow.InvalidTransition) as refused:
        if step == "merge":
            workflow.suggestion_merge(
                actor=world.county_staff, suggestion=copy, into=world.county_own
            )
        else:
            workflow.suggestion_withdraw(
                actor=world.county_staff, suggestion=copy, reason="代表书面撤回"
            )
    assert "请不予立案,退回上级人大" in refused.value.message


def test_the_admin_shows_the_forwarding_on_the_original(world, client):
    admin_user = UserFactory(username="admin1", is_staff=True, is_superuser=True)
    world.forward()
    client.force_login(admin_user)
    page = client.get(f"/admin/suggestions/suggestion/{world.original.pk}/change/")
    assert page.status_code == 200
    assert "转交下级人大办理" in page.content.decode() and "甲县人大常委会" in page.content.decode()


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["city", "township"])
def test_only_a_direct_lower_congress_may_receive_it(world, target):
    with pytest.raises(workflow.InvalidTransition) as refused:
        world.forward(to=getattr(world, target))
    assert refused.value.message == NOT_LOWER
    world.original.refresh_from_db()
    assert world.original.status == Suggestion.Status.REGISTERED
    assert not Forwarding.objects.exists()


def test_a_county_may_not_forward_to_its_sibling(world):
    with acting_in(world.county), pytest.raises(workflow.InvalidTransition) as refused:
        workflow.suggestion_forward_down(
            actor=world.county_staff, suggestion=world.county_own, to_congress=world.sibling
        )
    assert refused.value.message == NOT_LOWER


def test_an_inactive_county_may_not_receive_it(world):
    world.county.is_active = False
    world.county.save()
    with pytest.raises(workflow.InvalidTransition) as refused:
        world.forward()
    assert refused.value.message == NOT_LOWER


def test_the_page_refuses_another_congress_in_chinese(world):
    client = Client()
    client.force_login(world.staff)
    response = client.post(
        f"/suggestions/{world.original.pk}/forward/", {"to_congress": world.city.pk}
    )
    assert response.status_code == 200
    assert NOT_LOWER in response.content.decode()
    assert not Forwarding.objects.exists()


def test_a_unit_user_may_not_forward(world):
    with pytest.raises(workflow.NotPermitted) as refused:
        workflow.suggestion_forward_down(
            actor=world.city_unit_user, suggestion=world.original, to_congress=world.county
        )
    assert refused.value.message == "只有工作人员可以进行此操作"


def test_an_assigned_suggestion_may_not_be_forwarded(world):
    workflow.suggestion_assign(
        actor=world.staff, suggestion=world.original, units=[(world.city_unit, "lead")]
    )
    with pytest.raises(workflow.InvalidTransition) as refused:
        world.forward()
    assert "只有尚未交办的建议可以转交下级人大" in refused.value.message
    assert not Forwarding.objects.exists()
    client = Client()
    client.force_login(world.staff)
    page = client.get(f"/suggestions/{world.original.pk}/").content.decode()
    assert "转交下级人大" not in page


def test_a_forwarded_suggestion_is_not_forwarded_twice(world):
    world.forward()
    with pytest.raises(workflow.InvalidTransition):
        world.forward(to=world.sibling)
    assert Forwarding.objects.count() == 1


def test_the_api_forwards_and_refuses_in_chinese(world):
    client = session_client(world.staff)
    refused = client.post(
        f"/api/v1/suggestions/{world.original.pk}/forward/",
        {"to_congress": world.township.pk},
        format="json",
    )
    assert refused.status_code in (400, 409)
    assert NOT_LOWER in refused.content.decode()
    done = client.post(
        f"/api/v1/suggestions/{world.original.pk}/forward/",
        {"to_congress": world.county.pk, "note": "请办理"},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == "forwarded"


# --- query budget ---------------------------------------------------------------------------


@pytest.mark.parametrize("rounds", [1, 3])
def test_the_suggestion_page_answers_in_constant_queries(
    world, rounds, django_assert_max_num_queries
):
    """The original with several forwardings (each returned but the last, which has a
    result) and the copy, each in a fixed number of queries."""
    for _ in range(rounds - 1):
        copy = world.forward().copy
        with acting_in(world.county):
            workflow.suggestion_reject(
                actor=world.county_staff, suggestion=copy, reason="other", note="退回"
            )
    copy = world.forward().copy
    world.handle_in_county(copy, close=False)
    client = Client()
    client.force_login(world.staff)
    with django_assert_max_num_queries(13):
        assert client.get(f"/suggestions/{world.original.pk}/").status_code == 200
    client.force_login(world.county_staff)
    with django_assert_max_num_queries(19):
        assert client.get(f"/suggestions/{copy.pk}/").status_code == 200
