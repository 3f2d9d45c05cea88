"""Every URL of the portal, requested by GET as every role and as an anonymous visitor, answers
exactly as the matrix below says. A new URL fails the test until it is added to the matrix.

Codes: 200 shown; 302 sent to log in (pages); 401 not logged in (API); 403 may not use;
404 may not see (or no such object); 405 POST only.
Roles, in column order: anonymous, staff, leader, unit (the unit that handles the records),
other_unit, deputy (the lead deputy), other_deputy, nobody (logged in, no role).
"""

import re

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from imports.models import ImportJob
from notifications.models import Notification
from planning import services
from suggestions import workflow
from supervision import services as supervision_services

from .factories import key_topic, pdf_upload, release_reply

ROLES = ("anon", "staff", "leader", "unit", "other_unit", "deputy", "other_deputy", "nobody")

# url name → the eight codes, in ROLES order.
MATRIX = {
    "home": "302 200 200 200 200 200 200 200",
    "healthz": "200 200 200 200 200 200 200 200",
    "login": "200 200 200 200 200 200 200 200",
    "logout": "405 405 405 405 405 405 405 405",
    "password_change": "302 200 200 200 200 200 200 200",
    "sms_settings": "302 200 200 200 200 200 200 200",
    "congress_switch": "302 200 200 200 200 200 200 200",
    # staff workspace
    "suggestions:list": "302 200 200 403 403 403 403 403",
    "suggestions:create": "302 200 403 403 403 403 403 403",
    "suggestions:bulk": "302 405 405 405 405 405 405 405",
    "suggestions:export": "302 200 200 403 403 403 403 403",
    "suggestions:requests": "302 200 403 403 403 403 403 403",
    "suggestions:decide": "302 405 405 405 405 405 405 405",
    "suggestions:detail": "302 200 200 200 404 200 404 404",
    "suggestions:edit": "302 200 403 403 404 403 404 404",
    "suggestions:register": "302 405 405 405 405 405 405 405",
    "suggestions:reject": "302 200 403 403 404 403 404 404",
    "suggestions:merge": "302 200 403 403 404 403 404 404",
    "suggestions:assign": "302 200 403 403 404 403 404 404",
    "suggestions:key": "302 200 403 403 404 403 404 404",
    "suggestions:close": "302 200 403 403 404 403 404 404",
    "suggestions:forward": "302 200 403 403 404 403 404 404",
    "suggestions:feedback": "302 200 403 403 404 403 404 404",
    "suggestions:waive_opinion": "302 405 405 405 405 405 405 405",
    "suggestions:delivery_feedback": "302 200 403 403 404 403 404 404",
    "suggestions:co_signer_confirm": "302 405 405 405 405 405 405 405",
    # handling units
    "inbox:inbox": "302 403 403 200 200 403 403 403",
    "inbox:assignment": "302 200 200 200 404 200 404 404",
    "inbox:accept": "302 405 405 405 405 405 405 405",
    "inbox:act": "302 200 200 200 404 200 404 404",
    "inbox:export": "302 403 403 200 200 403 403 403",
    # 预交办: a unit's proposals (another unit sees its own, here none), staff's plans
    "inbox:plans": "302 403 403 200 200 403 403 403",
    "inbox:plan_answer": "302 405 405 405 405 405 405 405",
    "plans:list": "302 200 200 404 404 404 404 404",
    "plans:detail": "302 200 200 404 404 404 404 404",
    "plans:item_units": "302 200 403 404 404 404 404 404",
    "plans:item_remove": "302 405 405 405 405 405 405 405",
    "plans:publish": "302 405 405 405 405 405 405 405",
    "plans:assign": "302 405 405 405 405 405 405 405",
    # files and printables
    "files:attachment": "302 200 200 200 404 200 404 404",
    "files:reply_letter": "302 200 200 200 404 200 404 404",
    "files:feedback_sheet": "302 200 200 200 404 200 404 404",
    # deputies
    # reviewers and publication (DESIGN.md §8)
    "replies:review": "302 200 403 403 403 403 403 403",
    "replies:publications": "302 200 403 403 403 403 403 403",
    "replies:publish_day": "302 405 403 403 403 403 403 403",
    "my:list": "302 403 403 403 403 200 200 403",
    "my:new": "302 403 403 403 403 200 200 403",
    "my:submit": "302 405 405 405 405 405 405 405",
    "my:feedback": "302 403 403 403 403 200 404 403",
    # the lead's own delivery sends them on to my:feedback; others' are not theirs to see
    "my:delivery": "302 403 403 403 403 302 404 403",
    "my:co_sign": "302 405 405 405 405 405 405 405",
    # everyone
    "public:replies": "200 200 200 200 200 200 200 200",
    # Excel import and export (staff)
    "imports:index": "302 200 403 403 403 403 403 403",
    "imports:template": "302 200 403 403 403 403 403 403",
    "imports:upload": "302 405 403 403 403 403 403 403",
    "imports:job": "302 200 403 403 403 403 403 403",
    "imports:confirm": "302 405 403 403 403 403 403 403",
    "imports:progress": "302 200 403 403 403 403 403 403",
    "imports:errors": "302 200 403 403 403 403 403 403",
    "imports:export_suggestions": "302 200 403 403 403 403 403 403",
    "imports:export_deputies": "302 200 403 403 403 403 403 403",
    "imports:export_units": "302 200 403 403 403 403 403 403",
    # REST API (401 without credentials; JSON)
    "api:suggestions": "401 200 200 200 200 200 200 200",
    "api:express": "401 405 405 405 405 405 405 405",
    "api:suggestion": "401 200 200 200 404 200 404 404",
    "api:assignments": "401 200 200 200 200 200 200 200",
    "api:assignment": "401 200 200 200 404 200 404 404",
    "api:contacts": "401 200 200 200 200 200 200 200",
    "api:replies": "401 200 200 200 200 200 200 200",
    "api:reply": "401 200 200 200 404 200 404 404",
    # A draft: its unit's, and reviewers' once signed; never a leader's or a deputy's.
    "api:reply_drafts": "401 200 200 200 200 200 200 200",
    "api:reply_draft": "401 200 404 200 404 404 404 404",
    "api:feedback": "401 200 200 200 200 200 200 200",
    "api:reassignment_requests": "401 200 200 200 200 200 200 200",
    "api:extension_requests": "401 200 200 200 200 200 200 200",
    "api:deputies": "401 200 200 200 200 200 200 200",
    "api:deputy": "401 200 200 200 200 200 200 200",
    "api:units": "401 200 200 200 200 200 200 200",
    "api:unit": "401 200 200 200 200 200 200 200",
    "api:categories": "401 200 200 200 200 200 200 200",
    "api:plans": "401 200 200 200 200 200 200 200",
    "api:plan": "401 200 200 404 404 404 404 404",
    "api:plan_proposals": "401 200 200 200 200 200 200 200",
    "api:figures": "401 200 200 403 403 403 403 403",
    "api:unit_figures": "401 200 200 403 403 403 403 403",
    "api:lower_figures": "401 200 200 403 403 403 403 403",
    "api:schema": "200 200 200 200 200 200 200 200",
    "api:docs": "200 200 200 200 200 200 200 200",
    "api:tokens": "302 200 403 403 403 403 403 403",
    "api:token_revoke": "405 405 405 405 405 405 405 405",
    # dashboards (staff and leaders)
    "dashboards:dashboard": "302 200 200 403 403 403 403 403",
    "dashboards:units": "302 200 200 403 403 403 403 403",
    "dashboards:unit": "302 200 200 403 403 403 403 403",
    "dashboards:key": "302 200 200 403 403 403 403 403",
    "dashboards:lower": "302 200 200 403 403 403 403 403",
    "dashboards:lower_detail": "302 200 200 403 403 403 403 403",
    "dashboards:report": "302 200 200 403 403 403 403 403",
    "dashboards:report_docx": "302 200 200 403 403 403 403 403",
    "dashboards:report_xlsx": "302 200 200 403 403 403 403 403",
    # notifications
    "notifications:inbox": "302 200 200 200 200 200 200 200",
    "notifications:read": "302 405 405 405 405 405 405 405",
    "notifications:read_all": "302 405 405 405 405 405 405 405",
    "notifications:reminders": "302 200 403 403 403 403 403 403",
    # supervision: key topics and leaders' actions (other_unit and other_deputy have no
    # suggestion in the topic; a user without a role has no topic list)
    "supervision:topics": "302 200 200 200 200 200 200 403",
    "supervision:topic_create": "302 200 403 403 403 403 403 403",
    "supervision:topic": "302 200 200 200 404 200 404 404",
    "supervision:topic_edit": "302 200 403 403 404 403 404 404",
    "supervision:milestone_add": "302 405 405 405 405 405 405 405",
    "supervision:topic_close": "302 200 403 403 404 403 404 404",
    "supervision:topic_action": "302 200 200 403 404 403 404 404",
    "supervision:report": "302 200 200 403 404 403 404 404",
    "supervision:report_docx": "302 200 200 403 404 403 404 404",
    "supervision:export": "302 200 200 403 404 403 404 404",
    "supervision:milestone_done": "302 200 403 403 404 403 404 404",
    "supervision:milestone_file": "302 200 200 200 404 200 404 404",
    "supervision:suggestion_action": "302 200 200 403 404 403 404 404",
    "supervision:acknowledge": "302 405 405 405 405 405 405 405",
    "api:topics": "401 200 200 200 200 200 200 200",
    "api:topic": "401 200 200 200 404 200 404 404",
    "api:supervision_actions": "401 200 200 200 200 200 200 200",
    "api:supervision_action": "401 200 200 200 404 200 404 404",
    # 单位测评 (staff run rounds, leaders read, invited deputies vote; the unit reads its own
    # results once a round is closed — this one is open, so units and others see nothing)
    "evaluation:list": "302 200 200 302 302 200 200 403",
    "evaluation:create": "302 200 403 403 403 403 403 403",
    "evaluation:detail": "302 200 200 404 404 302 302 404",
    "evaluation:edit": "302 200 403 403 403 403 403 403",
    "evaluation:ballot": "302 403 403 404 404 200 403 404",
    "evaluation:paper": "302 200 403 403 403 403 403 403",
    "evaluation:votes": "302 200 403 403 403 403 403 403",
    "evaluation:step": "302 405 403 403 403 403 403 403",
    "unit_evaluation:results": "302 403 403 200 200 403 403 403",
    "api:evaluation_rounds": "401 200 200 200 200 200 200 200",
    "api:evaluation_round": "401 200 200 404 404 200 200 404",
    # the commitments ledger (the unit's own; staff and leaders read)
    "commitments:ledger": "302 200 200 200 200 403 403 403",
    "commitments:new": "302 403 403 200 404 403 404 404",
    "commitments:follow_up": "302 403 403 200 404 403 404 404",
    "commitments:evidence": "302 200 200 200 404 404 404 404",
    "commitments:detail": "302 200 200 200 404 403 403 403",
    "commitments:act": "405 405 405 405 405 405 405 405",
    "api:commitments": "401 200 200 200 200 403 403 403",
}


def _named_routes(patterns=None, prefix="", namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue  # Django's admin: staff-only by its own gate (tests/test_admin.py)
            ns = entry.namespace or ""
            yield from _named_routes(
                entry.url_patterns, route, f"{namespace}{ns}:" if ns else namespace
            )
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route


@pytest.fixture
def records(people, journey):
    """One of each object, belonging to `unit` and `deputy`."""
    from congresses.models import Congress

    suggestion, assignment = journey.accepted()
    lower = Congress.objects.create(
        code="town-m", name="甲镇人大主席团", level="township", parent_id=people.term.congress_id
    )
    workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=assignment.deadline + timezone.timedelta(days=10),
        reason="需调研",
        deputy_informed=True,
    )
    reply = release_reply(
        actor=people.unit_user,
        assignment=assignment,
        text="答复",
        result="A",
        is_public=True,
        attachments=[pdf_upload()],
    )
    job = ImportJob.objects.create(
        kind="suggestions",
        file="imports/matrix.xlsx",
        original_name="建议.xlsx",
        state="invalid",
        errors=[
            {
                "sheet": "代表建议",
                "row": 3,
                "column": "领衔代表",
                "message": "本届没有名为“王五”的代表",
            }
        ],
        created_by=people.staff,
    )
    notice = Notification.objects.filter(recipient=people.unit_user).first()
    topic = key_topic(staff=people.staff, leaders=[people.leader], suggestions=[suggestion])
    milestone = supervision_services.milestone_add(
        actor=people.staff, topic=topic, kind="survey", planned_on=timezone.localdate()
    )
    open_milestone = supervision_services.milestone_add(
        actor=people.staff, topic=topic, kind="forum", planned_on=timezone.localdate()
    )
    supervision_services.milestone_record_done(
        actor=people.staff, milestone=milestone, files=[pdf_upload("纪要.pdf")]
    )
    action = supervision_services.action_record(
        actor=people.leader, kind="instruction", topic=topic, content="督办"
    )
    # 单位测评 (an open round evaluating `unit`, `deputy` invited) and the ledger (a B reply's
    # commitment, completed with evidence).
    from commitments import services as commitment_services
    from evaluation import services as evaluation_services

    evaluation_round = evaluation_services.round_create(
        actor=people.staff,
        year=2026,
        title="测评",
        method="satisfaction",
        units=[people.unit],
        invited=[people.deputy],
    )
    evaluation_services.round_open(actor=people.staff, evaluation_round=evaluation_round)
    _, b_reply = journey.replied(result="B")
    commitment = commitment_services.commitment_add(
        actor=people.unit_user,
        reply=b_reply,
        what="年内完成",
        due_on=timezone.localdate(),
        responsible="建设科",
    )
    commitment_services.commitment_complete(
        actor=people.unit_user, commitment=commitment, note="已完成", evidence=[pdf_upload()]
    )
    plan = services.plan_create(
        actor=people.staff, title="第一批", suggestions=[journey.registered()]
    )
    item = plan.items.get()
    services.plan_set_units(actor=people.staff, item=item, units=[(people.unit, "lead")])
    services.plan_publish(actor=people.staff, plan=plan)
    return {
        "evaluation:detail": evaluation_round.pk,
        "evaluation:edit": evaluation_round.pk,
        "evaluation:ballot": evaluation_round.pk,
        "evaluation:paper": evaluation_round.pk,
        "evaluation:votes": evaluation_round.pk,
        "evaluation:step": (evaluation_round.pk, "close"),
        "api:evaluation_round": evaluation_round.pk,
        "commitments:new": b_reply.pk,
        "commitments:follow_up": b_reply.pk,
        "commitments:evidence": commitment.evidence.get().pk,
        "commitments:detail": commitment.pk,
        "commitments:act": (commitment.pk, "note"),
        "supervision:topic": topic.pk,
        "supervision:topic_edit": topic.pk,
        "supervision:milestone_add": topic.pk,
        "supervision:topic_close": topic.pk,
        "supervision:topic_action": topic.pk,
        "supervision:report": topic.pk,
        "supervision:report_docx": topic.pk,
        "supervision:export": topic.pk,
        "supervision:milestone_done": open_milestone.pk,
        "supervision:milestone_file": milestone.attachments.get().pk,
        "supervision:acknowledge": action.acknowledgements.get().pk,
        "api:topic": topic.pk,
        "api:supervision_action": action.pk,
        "imports:template": "suggestions",
        "imports:job": job.pk,
        "imports:confirm": job.pk,
        "imports:progress": job.pk,
        "imports:errors": job.pk,
        "notifications:read": notice.pk,
        "api:suggestion": suggestion.pk,
        "api:assignment": assignment.pk,
        "api:reply": reply.pk,
        "api:reply_draft": reply.draft.pk,
        "api:deputy": people.deputy.pk,
        "api:unit": people.unit.pk,
        "dashboards:unit": people.unit.pk,
        "dashboards:lower_detail": lower.code,
        "api:token_revoke": 1,
        "suggestions:detail": suggestion.pk,
        "suggestions:feedback": (suggestion.pk, reply.pk),
        "suggestions:waive_opinion": (suggestion.pk, assignment.pk),
        "suggestions:decide": ("extension", assignment.extensionrequests.get().pk),
        "inbox:act": (assignment.pk, "contact"),
        "inbox:plan_answer": item.units.get().pk,
        "plans:detail": plan.pk,
        "api:plan": plan.pk,
        "plans:item_units": (plan.pk, item.pk),
        "plans:publish": plan.pk,
        "plans:item_remove": (plan.pk, item.pk),
        "plans:assign": plan.pk,
        "files:attachment": reply.attachments.get().pk,
        "files:reply_letter": reply.pk,
        "files:feedback_sheet": reply.pk,
        "my:feedback": reply.pk,
        "my:delivery": reply.deliveries.get().pk,
        "suggestions:delivery_feedback": (suggestion.pk, reply.deliveries.get().pk),
        "suggestions:co_signer_confirm": (suggestion.pk, 1),
        "my:co_sign": (1, "confirm"),
        "suggestion": suggestion.pk,
        "assignment": assignment.pk,
    }


def _url(name: str, route: str, records: dict) -> str:
    values = records.get(name)
    if values is None:
        prefix = name.split(":")[0]
        values = records["assignment"] if prefix == "inbox" else records["suggestion"]
    if not isinstance(values, tuple):
        values = (values,)
    placeholders = re.findall(r"<\w+:\w+>", route)
    url = route
    for placeholder, value in zip(placeholders, values, strict=False):
        url = url.replace(placeholder, str(value), 1)
    return "/" + url


def _portal_routes():
    # The API, imports and notifications have their own per-role tests; this matrix holds
    # the pages of suggestions, units, deputies and the public.
    skip = ()
    return [(n, r) for n, r in _named_routes() if not n.startswith(skip)]


def test_the_matrix_names_every_page():
    assert sorted(n for n, _ in _portal_routes()) == sorted(MATRIX)


def test_every_page_answers_every_role_as_the_matrix_says(client, people, records):
    users = {
        "staff": people.staff,
        "leader": people.leader,
        "unit": people.unit_user,
        "other_unit": people.other_unit_user,
        "deputy": people.deputy_user,
        "other_deputy": people.other_deputy_user,
        "nobody": people.nobody,
    }
    actual, differences = {}, []
    for name, route in _portal_routes():
        url = _url(name, route, records)
        codes = []
        # The matrix is about access, not the anonymous API throttle (tested on its own):
        # every route starts with a fresh allowance.
        cache.clear()
        for role in ROLES:
            client.logout()
            if role != "anon":
                client.force_login(users[role])
            codes.append(str(client.get(url).status_code))
        actual[name] = " ".join(codes)
        if actual[name] != MATRIX.get(name):
            differences.append(f"{name} {url}: expected {MATRIX.get(name)}, got {actual[name]}")
    assert not differences, "\n".join(differences)


# --- another congress (DESIGN.md §11) ----------------------------------------------------------


@pytest.fixture
def another_congress(db):
    """A county congress under the default one, with a unit of the same name as `unit` and its
    own staff and unit user (their term, unit and numbers overlap the default congress's)."""
    from congresses.context import acting_in, default_congress_id
    from congresses.models import Congress

    from .factories import TermFactory, UnitFactory, UserFactory

    county = Congress.objects.create(
        code="county-b", name="乙县人大常委会", level="county", parent_id=default_congress_id()
    )
    with acting_in(county):
        TermFactory()
        unit = UnitFactory(name="市交通运输局")
        staff = UserFactory(username="b_staff", congress=county, is_committee_staff=True)
        unit_user = UserFactory(
            username="b_unit", congress=county, is_unit_user=True, unit=unit, can_sign_replies=True
        )
    return {"staff": staff, "unit": unit_user}


def test_another_congress_never_reaches_this_congress_records(
    client, people, records, another_congress
):
    """Every URL that names one of this congress's records answers 404 to another congress's
    staff and unit (or 405 where only POST is allowed): its existence is not revealed. A page
    naming no record answers them as it answers this congress's own staff and other unit."""
    differences = []
    for name, route in _portal_routes():
        url = _url(name, route, records)
        expected = MATRIX[name].split()
        names_a_record = (
            bool(re.search(r"<int:\w+>", route)) and name != "api:token_revoke"
        ) or name == "dashboards:lower_detail"  # a congress below this one, by its code
        cache.clear()
        for role, column in (("staff", ROLES.index("staff")), ("unit", ROLES.index("other_unit"))):
            client.logout()
            client.force_login(another_congress[role])
            code = client.get(url).status_code
            if names_a_record:
                allowed = {405} if expected[column] == "405" else {403, 404}
                if expected[column] == "200":
                    allowed = {404}
            else:
                allowed = {int(expected[column])}
            if code not in allowed:
                differences.append(f"{name} {url} as {role} of 乙县: {code}, expected {allowed}")
    assert not differences, "\n".join(differences)
