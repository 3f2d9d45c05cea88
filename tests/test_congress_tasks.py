"""The periodic jobs per congress (DESIGN.md §11): two congresses with the same unit name,
term number and suggestion number. Reminders of one congress's deadlines reach its own users
and are its rows; its stored figures and facts are its own, and another congress's pages never
show them; one congress's failure does not stop the other's run."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.db import DatabaseError, connection
from django.utils import timezone

from congresses import context
from congresses.context import acting_in, default_congress_id
from congresses.models import Congress
from notifications import tasks as reminder_tasks
from notifications.models import Notification, ReminderClaim, ReminderDelivery, SmsMessage
from notifications.services import notify
from rollups import facts
from rollups import tasks as rollup_tasks
from rollups.models import (
    AssignmentFacts,
    FactsMark,
    Rollup,
    RollupDay,
    RollupWatermark,
    ScopeKind,
    SuggestionFacts,
)
from rollups.scopes import scope_key
from suggestions import workflow
from suggestions.models import AuditEvent, ChannelRule

from .factories import DeputyFactory, SuggestionFactory, TermFactory, UnitFactory, UserFactory
from .migration_states import old_suggestion, old_term, state_at

ASSIGNED_ON = dt.date(2026, 3, 2)


@pytest.fixture
def county(db):
    return Congress.objects.create(
        code="county-b", name="乙县人大常委会", level="county", parent_id=default_congress_id()
    )


def _world(prefix: str, congress=None):
    """A congress's term 13, 市交通运输局 with a unit user, staff, a leader and suggestion No. 1
    assigned to the unit on ASSIGNED_ON."""
    kwargs = {"congress": congress} if congress is not None else {}
    term = TermFactory()
    unit = UnitFactory(name="市交通运输局", email=f"{prefix}unit@example.cn")
    staff = UserFactory(
        username=f"{prefix}_staff",
        email=f"{prefix}staff@example.cn",
        is_committee_staff=True,
        **kwargs,
    )
    unit_user = UserFactory(
        username=f"{prefix}_unit",
        email=f"{prefix}unituser@example.cn",
        is_unit_user=True,
        unit=unit,
        phone="13800138000",  # the same person's phone in both: one rate limit
        sms_opt_in=True,
        **kwargs,
    )
    leader = UserFactory(username=f"{prefix}_leader", is_leader=True, **kwargs)
    deputy_user = UserFactory(username=f"{prefix}_deputy", is_deputy=True, **kwargs)
    deputy = DeputyFactory(term=term, name="张伟", user=deputy_user)
    suggestion = SuggestionFactory(
        term=term, number=1, lead_deputy=deputy, title=f"{prefix}县关于改善交通秩序的建议"
    )
    suggestion = workflow.suggestion_register(actor=staff, suggestion=suggestion)
    (assignment,) = workflow.suggestion_assign(
        actor=staff, suggestion=suggestion, units=[(unit, "lead")], assigned_on=ASSIGNED_ON
    )
    return {
        "congress_id": suggestion.congress_id,
        "term": term,
        "unit": unit,
        "staff": staff,
        "unit_user": unit_user,
        "leader": leader,
        "deputy_user": deputy_user,
        "suggestion": suggestion,
        "assignment": assignment,
    }


@pytest.fixture
def worlds(county):
    a = _world("甲")
    with acting_in(county):
        b = _world("乙", county)
    mail.outbox.clear()
    return a, b


def _overdue_day(world):
    """A day past the escalation threshold: overdue:2 and escalation are due."""
    return world["assignment"].deadline + dt.timedelta(16)


def _fail_while_acting_in(congress_id):
    """The database refuses every query made while acting in `congress_id` (a real
    DatabaseError from the driver's side of Django; none of our code is replaced)."""

    def wrapper(execute, sql, params, many, context_):
        if context.current_id() == congress_id:
            raise DatabaseError("connection to server lost")
        return execute(sql, params, many, context_)

    return wrapper


# --- reminders -------------------------------------------------------------------------------


def test_setup_has_the_same_names_and_numbers_in_both(worlds):
    a, b = worlds
    assert a["congress_id"] != b["congress_id"]
    assert a["term"].number == b["term"].number == 13
    assert a["unit"].name == b["unit"].name
    assert a["suggestion"].number == b["suggestion"].number == 1


def test_reminders_of_each_congress_go_to_its_own_users_and_are_its_rows(worlds):
    a, b = worlds
    day = max(_overdue_day(a), _overdue_day(b))
    out = reminder_tasks.send_reminders.apply(args=[day.isoformat()]).get()
    assert "新记录 4" in out  # overdue and escalation, in each congress

    for mine, theirs in ((a, b), (b, a)):
        rows = ReminderDelivery.objects.filter(assignment=mine["assignment"])
        assert sorted(rows.values_list("kind", flat=True)) == ["escalation", "overdue:2"]
        assert set(rows.values_list("congress_id", flat=True)) == {mine["congress_id"]}
        # The inbox rows: the unit's overdue notice and staff's escalation, in its congress.
        for person in (mine["unit_user"], mine["staff"]):
            notes = Notification.objects.filter(recipient=person, kind__startswith="reminder.")
            assert notes.exists()
            assert set(notes.values_list("suggestion_id", flat=True)) == {mine["suggestion"].pk}
            assert set(notes.values_list("congress_id", flat=True)) == {mine["congress_id"]}
        texts = SmsMessage.objects.filter(recipient=mine["unit_user"])
        assert texts.exists()
        assert set(texts.values_list("congress_id", flat=True)) == {mine["congress_id"]}
        # E-mails: each congress's own unit and staff, about its own suggestion.
        for message in mail.outbox:
            if mine["suggestion"].title in message.subject:
                assert theirs["staff"].email not in message.to
                assert theirs["unit_user"].email not in message.to

    # Exactly once: a second run of the job records nothing more in either congress.
    again = reminder_tasks.send_reminders.apply(args=[day.isoformat()]).get()
    assert "新记录 0" in again
    assert ReminderDelivery.objects.count() == 4


def test_the_reminder_log_of_each_congress_lists_its_own_reminders(client, worlds):
    a, b = worlds
    reminder_tasks.send_reminders.apply(args=[_overdue_day(b).isoformat()]).get()
    client.force_login(b["staff"])
    page = client.get("/notifications/reminders/").content.decode()
    assert b["suggestion"].title in page
    assert a["suggestion"].title not in page


def test_claims_of_late_assignment_are_per_congress(worlds, county):
    """闭会期间超期未交办: the same suggestion number in both, each claimed once, in its
    congress, told to its own staff."""
    a, b = worlds
    with acting_in(a["congress_id"]):
        late_a = SuggestionFactory(
            term=a["term"], number=2, channel="recess", submitted_on=dt.date(2026, 1, 5)
        )
    with acting_in(county):
        late_b = SuggestionFactory(
            term=b["term"], number=2, channel="recess", submitted_on=dt.date(2026, 1, 5)
        )
    for s, world in ((late_a, a), (late_b, b)):
        with acting_in(world["congress_id"]):
            workflow.suggestion_register(actor=world["staff"], suggestion=s)
    reminder_tasks.send_reminders.apply(args=["2026-02-02"]).get()

    for late, mine in ((late_a, a), (late_b, b)):
        claim = ReminderClaim.objects.get(kind="assign_late", suggestion=late)
        assert claim.congress_id == mine["congress_id"]
        told = Notification.objects.filter(kind="reminder.assign_late", suggestion=late)
        assert set(told.values_list("recipient", flat=True)) == {mine["staff"].pk}
        assert set(told.values_list("congress_id", flat=True)) == {mine["congress_id"]}


def test_one_congress_failing_does_not_stop_the_other_and_a_rerun_sends_once(worlds, caplog):
    a, b = worlds
    day = max(_overdue_day(a), _overdue_day(b))
    with caplog.at_level(logging.ERROR, logger="congresses.runs"):
        with connection.execute_wrapper(_fail_while_acting_in(a["congress_id"])):
            out = reminder_tasks.send_reminders.apply(args=[day.isoformat()]).get()

    assert "default" in out  # the task's summary names the congress that failed
    assert "Reminders failed in congress default" in caplog.text
    assert "connection to server lost" in caplog.text
    assert not ReminderDelivery.objects.filter(assignment=a["assignment"]).exists()
    assert ReminderDelivery.objects.filter(assignment=b["assignment"]).count() == 2
    assert any(b["suggestion"].title in m.subject for m in mail.outbox)

    # The database is back: the next run claims A's reminders, and B's only once still.
    reminder_tasks.send_reminders.apply(args=[day.isoformat()]).get()
    assert ReminderDelivery.objects.filter(assignment=a["assignment"]).count() == 2
    assert ReminderDelivery.objects.filter(assignment=b["assignment"]).count() == 2


def test_an_inactive_congress_is_not_reminded(worlds, county):
    a, b = worlds
    Congress.objects.filter(pk=county.pk).update(is_active=False)
    reminder_tasks.send_reminders.apply(args=[_overdue_day(b).isoformat()]).get()
    assert not ReminderDelivery.objects.filter(congress_id=county.pk).exists()
    assert ReminderDelivery.objects.filter(congress_id=a["congress_id"]).exists()


def test_each_congress_has_its_own_deadline_rules(worlds, county):
    a, b = worlds
    with acting_in(county):
        # The channel is unique per congress: 乙县 sets its own 代表之声 rule.
        ChannelRule.objects.create(channel="voice", reply_months=0, reply_days=20)
    assert ChannelRule._base_manager.filter(channel="voice").count() == 2
    with acting_in(county):
        assert ChannelRule.objects.get(channel="voice").reply_days == 20

    def voice_deadline(world, number):
        s = SuggestionFactory(term=world["term"], number=number, channel="voice")
        s = workflow.suggestion_register(actor=world["staff"], suggestion=s)
        (assignment,) = workflow.suggestion_assign(
            actor=world["staff"], suggestion=s, units=[(world["unit"], "lead")]
        )
        return assignment.rules["reply_days"]

    with acting_in(a["congress_id"]):
        assert voice_deadline(a, 3) == 15
    with acting_in(county):
        assert voice_deadline(b, 3) == 20


# --- inbox ------------------------------------------------------------------------------------


def test_an_inbox_lists_the_congress_acted_in_only(client, worlds, county):
    """One person with seats in both congresses: each inbox (and its unread badge) holds
    that congress's notifications only."""
    a, b = worlds
    person = a["deputy_user"]
    with acting_in(county):
        DeputyFactory(term=b["term"], name="张伟", user=person)
    notify(recipients=[person], kind="test", title="甲县的通知", suggestion=a["suggestion"])
    notify(recipients=[person], kind="test", title="乙县的通知", suggestion=b["suggestion"])

    client.force_login(person)
    page = client.get("/notifications/").content.decode()
    assert "甲县的通知" in page and "乙县的通知" not in page
    assert client.post("/congress/switch/", {"congress": county.pk}).status_code == 302
    response = client.get("/notifications/")
    page = response.content.decode()
    assert "乙县的通知" in page and "甲县的通知" not in page
    assert response.context["unread_notifications"] == 1
    # Marking all read in 乙县 leaves 甲县's unread.
    client.post("/notifications/read-all/")
    assert Notification.objects.get(title="甲县的通知").read_at is None
    assert Notification.objects.get(title="乙县的通知").read_at is not None


def test_a_notice_made_outside_a_request_is_its_suggestions_congress(worlds):
    a, b = worlds
    (row,) = notify(recipients=[b["staff"]], kind="test", title="t", suggestion=b["suggestion"])
    assert row.congress_id == b["congress_id"]


# --- stored figures and facts -----------------------------------------------------------------


def _registered(world, number):
    """A new suggestion registered by the congress's staff: an audit event of that congress."""
    with acting_in(world["congress_id"]):
        s = SuggestionFactory(term=world["term"], number=number)
        return workflow.suggestion_register(actor=world["staff"], suggestion=s)


def _term_row(world, day):
    return Rollup.objects.get(
        scope_kind=ScopeKind.TERM, scope_key=scope_key(world["term"].pk), day=day
    )


def test_rollups_are_computed_per_congress(worlds, county):
    a, b = worlds
    today = timezone.localdate()
    with acting_in(county):  # 乙县 has two suggestions, 甲县 one
        SuggestionFactory(term=b["term"], number=2)
    assert rollup_tasks.compute_rollups.apply(args=[today.isoformat()]).get() > 0

    for world, submitted in ((a, 1), (b, 2)):
        assert _term_row(world, today).figures["submitted"] == submitted
        cid = world["congress_id"]
        assert set(
            Rollup.objects.filter(term=world["term"]).values_list("congress", flat=True)
        ) == {cid}
        assert RollupDay.objects.get(term=world["term"], day=today).congress_id == cid
        assert set(
            SuggestionFacts.objects.filter(term=world["term"]).values_list("congress", flat=True)
        ) == {cid}
        assert set(
            AssignmentFacts.objects.filter(term=world["term"]).values_list("congress", flat=True)
        ) == {cid}
    assert sorted(FactsMark.objects.values_list("congress_id", flat=True)) == sorted(
        [a["congress_id"], b["congress_id"]]
    )


def test_a_dashboard_shows_its_own_congress_stored_figures_only(client, worlds):
    a, b = worlds
    today = timezone.localdate()
    rollup_tasks.compute_rollups.apply(args=[today.isoformat()]).get()
    # Marks in the stored rows only (the live figures are 1 and 1): a page that shows one read
    # that congress's stored row.
    for world, marker in ((a, 4321), (b, 8765)):
        row = _term_row(world, today)
        row.figures["submitted"] = marker
        Rollup.objects.filter(pk=row.pk).update(figures=row.figures)

    for mine, shown, hidden in ((a, 4321, 8765), (b, 8765, 4321)):
        client.force_login(mine["leader"])
        for url in ("/dashboard/", "/dashboard/report/"):
            page = client.get(url).content.decode()
            assert 'data-source="stored"' in page
        assert f"共提出建议{shown}件" in page
        assert str(hidden) not in page


def test_figures_without_a_term_count_the_congress_own_suggestions(worlds):
    """The API's figures with no term (computed live from the dated facts)."""
    from .api_helpers import session_client

    a, b = worlds
    with acting_in(b["congress_id"]):
        SuggestionFactory(term=b["term"], number=2)
    rollup_tasks.compute_rollups.apply(args=[timezone.localdate().isoformat()]).get()
    assert session_client(a["leader"]).get("/api/v1/figures/").json()["submitted"] == 1
    assert session_client(b["leader"]).get("/api/v1/figures/").json()["submitted"] == 2


def test_facts_sync_derives_only_the_acting_congress_changed_suggestions(worlds, county):
    a, b = worlds
    facts.sync()  # both congresses, each acting in it
    _registered(a, 5)  # an event on a suggestion of 甲县
    with acting_in(county):
        assert facts.sync() == 0  # 乙县: nothing of its own changed, its mark moves on
    with acting_in(a["congress_id"]):
        assert facts.sync() >= 1
    marks = dict(FactsMark.objects.values_list("congress_id", "seen_to"))
    assert marks[a["congress_id"]] == marks[b["congress_id"]]


def test_the_refresh_job_recomputes_each_congress_own_days(worlds, county):
    a, b = worlds
    today = timezone.localdate()
    rollup_tasks.compute_rollups.apply(args=[today.isoformat()]).get()
    before_b = _term_row(b, today).computed_at
    _registered(a, 2)
    assert rollup_tasks.refresh_rollups.apply(args=[today.isoformat()]).get() > 0
    assert _term_row(a, today).figures["submitted"] == 2
    assert _term_row(b, today).figures["submitted"] == 1
    assert _term_row(b, today).computed_at == before_b  # 乙县's day was not recomputed
    marks = dict(RollupWatermark.objects.values_list("congress_id", "gaps"))
    assert set(marks) == {a["congress_id"], b["congress_id"]}
    # Each read past the other's events: none of them is left as a gap to read again (only
    # ids never visible, as a rolled-back transaction leaves on PostgreSQL, may be).
    event_ids = set(AuditEvent.objects.values_list("id", flat=True))
    for gaps in marks.values():
        assert not any(low <= i <= high for low, high, _ in gaps for i in event_ids)


def test_a_rollup_failure_in_one_congress_leaves_the_other_stored(worlds, caplog):
    a, b = worlds
    today = timezone.localdate()
    with caplog.at_level(logging.ERROR, logger="congresses.runs"):
        with connection.execute_wrapper(_fail_while_acting_in(b["congress_id"])):
            rollup_tasks.compute_rollups.apply(args=[today.isoformat()]).get()
    assert "Rollups failed in congress county-b" in caplog.text
    assert _term_row(a, today).figures["submitted"] == 1
    assert not Rollup.objects.filter(term=b["term"]).exists()


# --- migrations -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_migrating_an_existing_database_gives_each_row_its_parents_congress():
    """The migrations replayed (MigrationExecutor, as tests/test_congress_migrations.py does):
    rows written before this change, in a second congress, take that congress; the single
    watermark and facts mark, and the channel rules, stay the default congress's."""
    targets = [
        ("notifications", "0003_reminder_claims"),
        ("rollups", "0005_facts_open_stretches_and_indexes"),
        ("suggestions", "0022_assignment_congress"),
    ]
    rows = {}
    with state_at(targets) as old:

        def model(label):
            return old.get_model(*label.split("."))

        assert "congress" not in {f.name for f in model("rollups.Rollup")._meta.fields}
        county = model("congresses.Congress").objects.create(
            code="county-old", name="丁县人大常委会", level="county"
        )
        term = old_term(old, county)
        unit = model("units.Unit").objects.create(congress=county, name="市交通运输局")
        clerk = model("accounts.User").objects.create(
            username="old_county_clerk", congress=county, is_unit_user=True, unit=unit
        )
        deputy = model("deputies.Deputy").objects.create(term=term, name="张伟")
        suggestion = old_suggestion(
            old,
            county,
            "丁县关于优化公交线路的建议",
            term=term,
            lead_deputy=deputy,
            status="assigned",
        )
        assignment = model("suggestions.Assignment").objects.create(
            congress=county,
            suggestion=suggestion,
            unit=unit,
            role="lead",
            state="accepted",
            assigned_on=dt.date(2026, 3, 2),
            rules={},
            deadline=dt.date(2026, 6, 2),
        )
        delivery = model("notifications.ReminderDelivery").objects.create(
            assignment=assignment,
            kind="overdue:0",
            deadline=dt.date(2026, 6, 2),
            due_on=dt.date(2026, 6, 3),
        )
        rows["ReminderDelivery"] = delivery.pk
        rows["SmsMessage"] = (
            model("notifications.SmsMessage")
            .objects.create(
                recipient=clerk, phone="13800138000", kind="reminder", text="t", delivery=delivery
            )
            .pk
        )
        notification = model("notifications.Notification")
        rows["Notification"] = notification.objects.create(
            recipient=clerk, kind="reminder.overdue", title="t", suggestion=suggestion
        ).pk
        rows["Notification_of_recipient"] = notification.objects.create(
            recipient=clerk, kind="account", title="t"
        ).pk
        rows["ReminderClaim"] = (
            model("notifications.ReminderClaim")
            .objects.create(
                kind="assign_late",
                key=f"suggestion:{suggestion.pk}",
                suggestion=suggestion,
                due_on=dt.date(2026, 6, 3),
            )
            .pk
        )
        plan = model("planning.AssignmentPlan").objects.create(
            congress=county, title="丁县预交办方案", created_by=clerk
        )
        rows["ReminderClaim_of_plan"] = (
            model("notifications.ReminderClaim")
            .objects.create(
                kind="plan_window", key=f"plan:{plan.pk}:unit:{unit.pk}", due_on=dt.date(2026, 6, 3)
            )
            .pk
        )
        day = dt.date(2026, 6, 3)
        rows["Rollup"] = (
            model("rollups.Rollup")
            .objects.create(
                scope_kind="term", scope_key=str(term.pk), term=term, day=day, figures={}
            )
            .pk
        )
        rows["RollupDay"] = model("rollups.RollupDay").objects.create(term=term, day=day).pk
        facts_of = dict(submitted=True, assigned=True, replied=False, on_time=False, closed=False)
        rows["SuggestionFacts"] = (
            model("rollups.SuggestionFacts")
            .objects.create(
                suggestion=suggestion,
                valid_from=day,
                term=term,
                face=False,
                overdue=0,
                **facts_of,
            )
            .pk
        )
        rows["AssignmentFacts"] = (
            model("rollups.AssignmentFacts")
            .objects.create(
                assignment=assignment,
                suggestion=suggestion,
                unit=unit,
                valid_from=day,
                term=term,
                answered=False,
                on_time=False,
                overdue=False,
            )
            .pk
        )
        model("rollups.RollupWatermark").objects.create(seen_to=5)
        # A rule of its own: an earlier transactional test's flush may have removed the rows
        # the reference-data migration seeded.
        rules = model("suggestions.ChannelRule").objects
        if not rules.filter(channel="express").exists():
            rules.create(channel="express", reply_months=0, reply_days=15)
        model("rollups.FactsMark").objects.create(built=True, seen_to=5)

    by_name = {
        "Notification_of_recipient": Notification,
        "ReminderClaim_of_plan": ReminderClaim,
        **{m.__name__: m for m in (Notification, ReminderDelivery, SmsMessage, ReminderClaim)},
        **{m.__name__: m for m in (Rollup, RollupDay, SuggestionFacts, AssignmentFacts)},
    }
    for name, pk in rows.items():
        assert by_name[name]._base_manager.get(pk=pk).congress_id == county.pk, name
    home = default_congress_id()
    assert RollupWatermark.objects.get().congress_id == home
    assert FactsMark.objects.get().congress_id == home
    assert set(ChannelRule.objects.values_list("congress_id", flat=True)) == {home}
