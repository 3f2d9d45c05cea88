"""`manage.py seed_demo`: every state at a small scale, working demo accounts, the rules of the
data, idempotency and determinism."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from accounts.models import User
from commitments.models import Commitment, CommitmentNote, Evidence
from congresses.context import default_congress_id
from deputies.models import Deputy, Term
from evaluation.models import Ballot, EvaluationRound, Participation
from planning.models import AssignmentPlan, PlanUnit
from suggestions import demo
from suggestions.models import (
    Assignment,
    AuditEvent,
    Contact,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    Forwarding,
    Opinion,
    ReassignmentRequest,
    Reply,
    Suggestion,
)
from units.models import DocNumberCounter

pytestmark = pytest.mark.django_db

SCALE = 200
# The timeline these tests were written for; `seed_demo` moves it to today by default.
REF = demo.BASE_REFERENCE_DATE


def seed(scale=SCALE, seed=2026) -> str:
    out = StringIO()
    call_command("seed_demo", scale=scale, seed=seed, reference_date=REF, stdout=out)
    return out.getvalue()


def values(queryset, field) -> set:
    return set(queryset.values_list(field, flat=True))


def row_counts() -> dict:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def checksum() -> str:
    """A digest of the data's content (no primary keys), independent of row order."""
    queries = [
        Suggestion.objects.values_list(
            "number", "status", "title", "content", "channel", "category__name",
            "lead_deputy__name", "meeting__name", "submitted_on", "registered_on", "closed_on",
            "is_key", "supervisor__username", "reject_reason", "status_note",
            "merged_into__number", "version", "created_at", "created_by__username",
        ),
        Suggestion.co_signers.through.objects.values_list("suggestion__title", "deputy__name"),
        Assignment.objects.values_list(
            "suggestion__number", "suggestion__title", "unit__name", "role", "state",
            "assigned_on", "deadline", "round", "accepted_on", "ended_on", "end_reason",
            "replaced_by__unit__name", "rules",
        ),
        DeadlineChange.objects.values_list(
            "assignment__suggestion__number", "assignment__unit__name", "kind", "effective_on",
            "old_deadline", "base_date", "new_deadline", "explanation", "created_at",
        ),
        Reply.objects.values_list(
            "assignment__suggestion__number", "assignment__unit__name", "round", "result",
            "replied_on", "superseded", "is_public", "not_public_reason", "signer", "text",
        ),
        Feedback.objects.values_list(
            "reply__assignment__suggestion__number", "reply__assignment__unit__name",
            "reply__round", "result_verdict", "work_verdict", "given_on", "on_behalf", "remarks",
        ),
        Contact.objects.values_list(
            "assignment__suggestion__number", "assignment__unit__name", "kind", "contacted_on"
        ),
        ExtensionRequest.objects.values_list(
            "assignment__suggestion__number", "state", "requested_on", "requested_deadline",
            "decided_on",
        ),
        ReassignmentRequest.objects.values_list(
            "assignment__suggestion__number", "state", "requested_on", "suggested_unit__name",
        ),
        AuditEvent.objects.values_list(
            "suggestion__title", "action", "actor__username", "from_state", "to_state", "at",
            "reason",
        ),
        Deputy.objects.values_list("name", "delegation__name", "occupation", "phone", "user__username"),
        User.objects.values_list("username", "name", "is_committee_staff", "unit__name", "password"),
        AssignmentPlan.objects.values_list("title", "state", "published_on", "answer_by", "created_at"),
        PlanUnit.objects.values_list(
            "item__suggestion__number", "unit__name", "role", "decision", "reason", "answered_on",
            "answered_at",
        ),
        EvaluationRound.objects.values_list("year", "title", "state", "opened_on", "closed_on"),
        Participation.objects.values_list("round__title", "deputy__name", "channel"),
        Ballot.objects.values_list("round__title", "unit__name", "verdict"),
        Commitment.objects.values_list(
            "reply__assignment__suggestion__number", "what", "due_on", "entered_on", "created_at",
            "completed_on", "completion_entered_on",
        ),
        CommitmentNote.objects.values_list("commitment__what", "text", "noted_on", "created_at"),
        Evidence.objects.values_list("commitment__what", "name", "sha256", "created_at"),
    ]  # fmt: skip
    digest = hashlib.sha256()
    for query in queries:
        for row in sorted(repr(r) for r in query):
            digest.update(row.encode())
    return digest.hexdigest()


def test_every_state_and_kind_of_record_appears_at_a_small_scale():
    output = seed()
    assert "演示数据已生成" in output and "代表建议 200 件" in output

    assert Suggestion.objects.count() == SCALE
    # Every state but those of 分级处理: a demo on a past day has no district (demo/lower.py;
    # test_the_demo_of_today_has_a_district_with_forwarded_suggestions).
    forwarding = {"forwarded", "forward_done"}
    assert values(Suggestion.objects, "status") == set(Suggestion.Status.values) - forwarding
    assert values(Suggestion.objects, "channel") == {"session", "recess", "voice", "express"}
    assert values(Assignment.objects, "state") == set(Assignment.State.values)
    assert values(Assignment.objects, "role") == set(Assignment.Role.values)
    assert values(Assignment.objects.filter(role="lead"), "state") == {
        "assigned",
        "accepted",
        "replied",
        "ended",
    }
    assert values(Reply.objects, "result") == {"A", "B", "C", "D"}
    assert values(Feedback.objects, "result_verdict") == {"satisfied", "basically", "dissatisfied"}
    assert values(DeadlineChange.objects, "kind") >= {"initial", "extension", "rehandle"}
    for model in (ExtensionRequest, ReassignmentRequest):
        assert values(model.objects, "state") == {"pending", "approved", "rejected"}, model
    assert values(Contact.objects, "kind") == {"face", "phone", "forum", "visit"}

    rejected = Suggestion.objects.filter(status="rejected")
    assert rejected.exists() and not rejected.filter(reject_reason="").exists()
    assert not Suggestion.objects.filter(status="merged", merged_into=None).exists()
    assert Suggestion.objects.filter(is_key=True, supervisor__is_leader=True).exists()
    assert Suggestion.co_signers.through.objects.exists()
    assert Opinion.objects.exists()
    assert Reply.objects.filter(round=2).exists()  # re-handling after 不满意
    assert Reply.objects.filter(superseded=True).exists()  # a B reply followed up
    assert Reply.objects.filter(is_public=False).exclude(not_public_reason="").exists()
    overdue = Assignment.objects.filter(
        role__in=["lead", "split"], state__in=["assigned", "accepted"], deadline__lt=REF
    )
    assert overdue.exists()
    assert Assignment.objects.exclude(replaced_by=None).filter(state="ended").exists()
    # replies are mostly A (about 80/12/6/2 at larger scales)
    in_force = Reply.objects.filter(superseded=False)
    assert in_force.filter(result="A").count() > 0.6 * in_force.count()


def test_the_data_keeps_every_rule():
    seed()
    assert demo.problems() == []
    # The deadline in force is always the last one in the assignment's history.
    for assignment in Assignment.objects.prefetch_related("deadline_changes"):
        changes = sorted(assignment.deadline_changes.all(), key=lambda c: (c.created_at, c.id))
        assert changes[0].kind == "initial"
        assert assignment.deadline == changes[-1].new_deadline
        assert assignment.deadline >= assignment.assigned_on
    # Every replied or closed suggestion has a reply from every lead or split unit.
    for suggestion in Suggestion.objects.filter(status__in=["replied", "closed"]):
        for assignment in suggestion.assignments.filter(role__in=["lead", "split"]).exclude(
            state="ended"
        ):
            assert assignment.replies.filter(round=assignment.round, superseded=False).exists()
    # Nothing has happened after the reference date.
    assert not Reply.objects.filter(replied_on__gt=REF).exists()
    assert not Suggestion.objects.filter(submitted_on__gt=REF).exists()
    # Every state change left an audit event with its actor.
    assert not AuditEvent.objects.filter(actor=None).exists()
    assert AuditEvent.objects.filter(action="suggestion.close").count() == (
        Suggestion.objects.filter(status="closed").count()
    )
    numbers = sorted(Suggestion.objects.exclude(number=None).values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_demo_accounts_log_in_and_each_has_something_to_see():
    seed()
    for username in ("staff", "unit", "leader", "deputy", "admin"):
        client = Client()
        assert client.login(username=username, password=demo.DEMO_PASSWORD), username
        assert client.get("/").status_code == 200
        assert User.objects.get(username=username).name  # Chinese display names
    # Committee staff work in the portal, not in the Django admin: that is `admin`'s.
    staff = User.objects.get(username="staff")
    assert staff.is_committee_staff and not staff.is_staff and not staff.is_superuser
    client = Client()
    client.login(username="staff", password=demo.DEMO_PASSWORD)
    assert client.get("/suggestions/").status_code == 200
    admin_page = client.get("/admin/")
    assert admin_page.status_code == 302 and "/admin/login/" in admin_page["Location"]
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and not admin.is_committee_staff
    client = Client()
    client.login(username="admin", password=demo.DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()

    # The demo unit's clerk drafts; its head signs (签发): every demo reply is released,
    # signed by an account, with its unit's 文号, numbered without gaps each year.
    unit = User.objects.get(username="unit")
    assert unit.is_unit_user and not unit.can_sign_replies
    assert values(unit.unit.assignments, "state") >= {"assigned", "accepted", "replied"}
    head = User.objects.get(username="unit_head")
    assert head.unit == unit.unit and head.can_sign_replies
    assert Client().login(username="unit_head", password=demo.DEMO_PASSWORD)
    replies = Reply.objects.filter(assignment__unit=unit.unit)
    assert replies.exists() and not replies.filter(signed_by__isnull=True).exists()
    assert set(replies.values_list("signed_by__username", flat=True)) == {"unit_head"}
    numbers = list(replies.values_list("doc_number", flat=True))
    assert len(numbers) == len(set(numbers)) and all(numbers)
    assert not replies.filter(text__contains="代表:").exists()  # the letter adds the greeting
    for counter in DocNumberCounter.objects.filter(unit=unit.unit):
        assert replies.filter(signed_on__year=counter.year).count() == counter.last

    leader = User.objects.get(username="leader")
    assert leader.is_leader and leader.supervised_suggestions.filter(is_key=True).count() >= 2

    deputy = Deputy.objects.get(user__username="deputy")
    led = deputy.led_suggestions
    assert led.count() >= 5
    awaiting = led.filter(status="replied").exclude(assignments__replies__feedback__isnull=False)
    assert awaiting.exists()  # replied, waiting for this deputy's feedback
    # Other accounts exist but cannot log in with a password.
    assert not User.objects.get(username="staff2").has_usable_password()


def test_a_second_run_changes_nothing():
    seed()
    before = row_counts()
    output = seed()
    assert "演示数据已存在" in output and "nothing changed" in output
    assert row_counts() == before
    # Another seed or scale changes nothing either: the demo is already there.
    seed(scale=50, seed=1)
    assert row_counts() == before


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    point = transaction.savepoint()
    seed()
    first = checksum()
    transaction.savepoint_rollback(point)
    assert not Suggestion.objects.exists()

    point = transaction.savepoint()
    seed()
    assert checksum() == first
    transaction.savepoint_rollback(point)

    seed(seed=7)
    assert checksum() != first


def test_it_refuses_to_mix_with_data_it_would_clash_with():
    Term.objects.create(number=13, name="市十三届", start_date=REF, is_current=True)
    with pytest.raises(CommandError, match="term 13 already exists"):
        seed()
    assert not Suggestion.objects.exists() and not User.objects.exists()


def test_a_taken_demo_username_is_refused_before_writing():
    User.objects.create(username="staff2")
    with pytest.raises(CommandError, match="staff2"):
        seed(scale=20)
    assert not Suggestion.objects.exists() and not Term.objects.exists()


def test_an_existing_admin_account_is_left_alone():
    admin = User.objects.create_superuser("admin", password="their-own-pw")
    output = seed(scale=20)
    assert "admin" in output and "保持不变" in output
    admin.refresh_from_db()
    assert admin.check_password("their-own-pw") and not admin.name
    assert User.objects.filter(username="staff").exists()


def test_a_tiny_scale_still_works():
    seed(scale=5)
    assert Suggestion.objects.count() == 5
    assert demo.problems() == []


def test_by_default_the_demo_s_today_is_the_real_today():
    today = timezone.localdate()
    out = StringIO()
    call_command("seed_demo", scale=40, seed=2026, stdout=out)
    assert f"基准日 {today:%Y-%m-%d}" in out.getvalue()
    shift = today - REF
    term = Term.objects.get(congress_id=default_congress_id())
    assert term.start_date == dt.date(2023, 1, 9) + shift
    latest = Suggestion.objects.aggregate(m=Max("submitted_on"))["m"]
    assert today - dt.timedelta(days=60) <= latest <= today
    assert not demo.problems()


def test_the_demo_of_today_has_a_district_with_forwarded_suggestions(client):
    from congresses.models import Congress
    from suggestions.demo import lower

    out = StringIO()
    call_command("seed_demo", scale=SCALE, stdout=out)
    assert "东湖区人大常委会" in out.getvalue()
    district = Congress.objects.get(code=lower.CODE)
    city = Suggestion.objects.filter(congress_id=default_congress_id())
    # Three go down whatever the day: those waiting to be assigned, else logged today for the
    # story (a few more than the scale). Every state of its own is kept; the district closed
    # one (下级已办结), answered one (still 已转下级办理) and has one still to register.
    assert SCALE <= city.count() <= SCALE + 3
    assert Forwarding.objects.filter(to_congress=district).count() == 3
    assert values(city, "status") >= set(Suggestion.Status.values)
    copies = Suggestion.objects.filter(congress=district)
    assert "closed" in values(copies, "status")
    # The city's leaders see the district in 下级人大统计.
    client.login(username="leader", password=demo.DEMO_PASSWORD)
    page = client.get("/dashboard/lower/").content.decode()
    assert "东湖区人大常委会" in page
    client.login(username=lower.USERNAME, password=demo.DEMO_PASSWORD)
    assert (
        "由 市人大常委会 转来" in client.get(f"/suggestions/{copies.first().pk}/").content.decode()
    )
    # The demo deputy sits in the city and the district: one login, both congresses.
    client.login(username="deputy", password=demo.DEMO_PASSWORD)
    assert "东湖区人大常委会" in client.get("/congress/switch/").content.decode()
    mine = client.get("/my/").content.decode()
    assert "关于东湖区老旧小区加装电梯的建议" not in mine
    assert client.post("/congress/switch/", {"congress": district.pk}).status_code == 302
    mine = client.get("/my/").content.decode()
    assert "关于东湖区老旧小区加装电梯的建议" in mine
