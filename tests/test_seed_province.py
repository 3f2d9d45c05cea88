"""`manage.py seed_demo --congresses N --scale M` (DESIGN.md §11): a province of congresses on
three levels, each seeded acting in itself, none referencing another's rows, the suggestions
shared by size, a second run changing nothing, and the province's overview equal to the sum
of its congresses' figures."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, ForeignKey, Q
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from congresses.context import acting_in
from congresses.models import Congress
from deputies.models import Deputy, Meeting, Term
from rollups import selectors as door
from suggestions import demo, figures
from suggestions.demo import province
from suggestions.figures import Scope
from suggestions.models import AuditEvent, Suggestion
from units.models import Unit

N, M = 8, 600
# Today: the workflow's own steps (分级处理) are seeded only on the real day (their events).
REF = timezone.localdate()
URL = "/dashboard/lower/"


def run(**kwargs) -> str:
    out = StringIO()
    call_command("seed_demo", congresses=N, scale=M, reference_date=REF, stdout=out, **kwargs)
    return out.getvalue()


def row_counts() -> dict:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One province for the module's tests (seeding it is the slow part), rolled back after."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            output = run()
            yield {"output": output, "counts": row_counts()}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def province_db(seeded, db):
    return seeded


def test_three_levels_in_a_tree_with_the_demo_city_under_the_province(province_db):
    assert "演示省份已生成" in province_db["output"]
    congresses = {c.code: c for c in Congress.objects.all()}
    assert len(congresses) == N
    levels = Counter(c.level for c in congresses.values())
    assert levels == {"province": 1, "city": 2, "county": 5}
    top = congresses[province.PROVINCE_CODE]
    assert top.parent_id is None and top.level == "province"
    default = Congress.objects.get(code="default")
    assert default.parent_id == top.pk and default.level == "city"
    for c in congresses.values():
        if c.level == "city":
            assert c.parent_id == top.pk
        if c.level == "county":
            assert c.parent.level == "city"
    # Every city has counties below it.
    assert {c.parent_id for c in congresses.values() if c.level == "county"} == {
        c.pk for c in congresses.values() if c.level == "city"
    }


def test_suggestions_shared_by_size_and_summing_to_the_scale(province_db):
    # The scale's suggestions; beside them, the few forwarded down (their originals and copies).
    seeded = Suggestion._base_manager.filter(forwardings__isnull=True, forwarded_from__isnull=True)
    per = dict(seeded.values_list("congress__code").annotate(n=Count("id")))
    assert sum(per.values()) == M
    assert len(per) == N
    members = province.tree(N, 2026)
    assert per == {m.code: n for m, n in zip(members, province.shares(members, M), strict=True)}
    counties = [per[c] for c in per if c.startswith("county-")]
    cities = [per[c] for c in per if c.startswith("city-") or c == "default"]
    assert min(cities) > 2 * max(counties)
    # The demo city is the biggest city.
    assert per["default"] == max(cities)


def test_each_congress_has_its_own_term_units_categories_and_accounts(province_db):
    for c in Congress.objects.all():
        with acting_in(c):
            assert Term.objects.filter(is_current=True).count() == 1
            assert Meeting.objects.count() == 2
            assert Unit.objects.count() >= 14
            assert Deputy.objects.count() >= 40
            staff = User.objects.filter(congress=c, is_committee_staff=True)
            leaders = User.objects.filter(congress=c, is_leader=True)
            if c.code == "default":
                assert {"staff", "staff2", "staff3"} == set(
                    staff.values_list("username", flat=True)
                )
                assert leaders.filter(username="leader").exists()
            else:
                assert list(staff.values_list("username", flat=True)) == [f"staff_{c.code}"]
                assert list(leaders.values_list("username", flat=True)) == [f"leader_{c.code}"]
                assert User.objects.filter(username=f"unit_{c.code}", unit__congress=c).exists()
    assert User.objects.get(username=province.LEADER).congress.code == province.PROVINCE_CODE
    # The demo accounts log in with the demo password, in the city and in the province.
    for username in ("staff", "leader", "unit", "deputy", province.LEADER, "staff_county-01"):
        assert User.objects.get(username=username).check_password(demo.DEMO_PASSWORD)


def test_every_congress_s_data_keeps_the_demo_s_rules(province_db):
    for m in province.tree(N, 2026):
        with acting_in(Congress.objects.get(code=m.code)):
            assert demo.problems(term_name=m.profile.term_name) == [], m.code


def _fk_pairs():
    """(model, foreign key) where both ends carry their own congress."""
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "congress" not in names or model._meta.db_table == "suggestions_forwarding":
            continue
        for f in model._meta.concrete_fields:
            if not isinstance(f, ForeignKey) or f.name == "congress":
                continue
            if "congress" in {g.name for g in f.related_model._meta.concrete_fields}:
                yield model, f


def test_no_row_of_one_congress_references_another_s(province_db):
    pairs = list(_fk_pairs())
    assert len(pairs) > 20  # units, terms, categories, users, deputies' suggestions …
    crossing = {}
    for model, f in pairs:
        n = (
            model._base_manager.filter(**{f"{f.name}__isnull": False})
            .exclude(**{f"{f.name}__congress": F("congress")})
            .count()
        )
        if n:
            crossing[f"{model._meta.label}.{f.name}"] = n
    # 分级处理 joins two congresses on purpose: a copy forwarded down was made by the sender's
    # staff (its created_by, as Forwarding.forwarded_by), and names its deputies as text.
    copies = Suggestion._base_manager.filter(forwarded_from__isnull=False)
    n_copies = copies.count()
    assert n_copies and crossing.pop("suggestions.Suggestion.created_by", 0) == n_copies
    # The steps that cross with it: the sender's staff write the copy's first event, and the
    # lower congress's result goes into the sender's timeline under its own staff's name.
    crossed = AuditEvent._base_manager.filter(actor__isnull=False).exclude(
        actor__congress=F("congress")
    )
    assert set(crossed.values_list("action", flat=True)) <= {
        "suggestion.forwarded_in",
        "forwarding.replied",
        "forwarding.closed",
        "forwarding.returned",
    }
    assert crossing.pop("suggestions.AuditEvent.actor", 0) == crossed.count()
    assert not copies.filter(lead_deputy__isnull=False).exists()
    # Through the term: meetings, deputies' seats and their accounts, suggestions' deputies.
    through_term = {
        "suggestion.lead_deputy": Suggestion._base_manager.filter(
            forwarded_from__isnull=True
        ).exclude(lead_deputy__term__congress=F("congress")),
        "suggestion.meeting": Suggestion._base_manager.filter(meeting__isnull=False).exclude(
            meeting__term__congress=F("congress")
        ),
        "deputy.user": Deputy._base_manager.filter(user__isnull=False).exclude(
            user__congress=F("term__congress")
        ),
        "co-signer": Suggestion.co_signers.through._base_manager.exclude(
            deputy__term__congress=F("suggestion__congress")
        ),
        "user.unit": User.objects.filter(unit__isnull=False).exclude(unit__congress=F("congress")),
    }
    for label, qs in through_term.items():
        if qs.count():
            crossing[label] = qs.count()
    assert crossing == {}
    # And every seeded row has a congress of the province.
    assert not Suggestion._base_manager.filter(~Q(congress__in=Congress.objects.all())).exists()


def test_a_second_run_changes_nothing(province_db):
    before = row_counts()
    assert before == province_db["counts"]
    output = run()
    assert "未作任何修改" in output
    assert row_counts() == before


def _rows(html):
    table = html.split('id="lower-congresses"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        if cells and cells[0]:
            rows[cells[0][0]] = [" ".join(c) for c in cells[1:]]
    return rows


def test_the_province_leader_sees_every_congress_below_and_their_sum(province_db, client):
    client.force_login(User.objects.get(username=province.LEADER))
    response = client.get(URL, {"as_of": REF.isoformat()})
    assert response.status_code == 200
    rows = _rows(response.content.decode())
    below = [c for c in Congress.objects.exclude(code=province.PROVINCE_CODE)]
    assert set(rows) == {"本级", "下级合计", "本级和下级合计"} | {c.name for c in below}
    parts = []
    for c in below:
        with acting_in(c):
            term = Term.objects.get(is_current=True)
            f = door.figure_set(scope=Scope(term=term), as_of=REF).figures
        parts.append(f)
        assert rows[c.name][:3] == [str(f.assigned), str(f.replied), str(f.closed)]
        assert f.assigned > 0
    total = figures.summed(parts, scope=Scope(), as_of=REF)
    assert rows["下级合计"][:3] == [str(total.assigned), str(total.replied), str(total.closed)]
    assert total.assigned == sum(p.assigned for p in parts)
    assert rows["下级合计"][9] == str(sum(p.overdue for p in parts))
    if connection.vendor == "postgresql":
        # Each row read acting in its own congress: under the application role, row-level
        # security let through that congress's rows (and only those) for each.
        assert total.assigned > 0


def test_without_congresses_the_command_is_unchanged():
    """The one-congress demo (tests/test_seed_demo.py) is the same command without the flag;
    a province needs three levels and a suggestion for each congress."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", congresses=2, scale=10, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("seed_demo", congresses=8, scale=5, stdout=StringIO())


def test_congresses_forward_down_and_the_overview_counts_each_once(province_db):
    """分级处理 in the demo: each congress forwards one registered suggestion to each of its
    first two lower congresses; the copy is the receiver's, the province's sum of 提出 counts
    the original and its copy once."""
    from dashboards.selectors import upward_view
    from suggestions.models import Forwarding

    forwardings = list(
        Forwarding.objects.select_related("original", "copy", "to_congress", "from_congress")
    )
    senders = Counter(f.from_congress.code for f in forwardings)
    assert senders[province.PROVINCE_CODE] == 2 and len(senders) >= 3, (
        senders,
        province_db["output"],
    )
    for f in forwardings:
        assert f.to_congress.parent_id == f.from_congress_id
        assert f.original.congress_id == f.from_congress_id
        assert f.copy.congress_id == f.to_congress_id
        assert f.original.status == Suggestion.Status.FORWARDED
        assert f.copy.status == Suggestion.Status.SUBMITTED
    assert f"转交下级人大办理 {len(forwardings)} 件" in province_db["output"]
    top = Congress.objects.get(code=province.PROVINCE_CODE)
    view = upward_view(congress=top, as_of=REF)
    added = view.own.figures.submitted + sum(r.figures.submitted for r in view.lower)
    assert view.total.submitted == added - len(forwardings)
