"""A province of demo congresses (DESIGN.md §11): `seed_demo --congresses N --scale M`.

One province congress (省级), up to 13 cities (市级) — the default congress, today's demo city
with `staff`, `leader`, `unit` and `deputy`, is the first of them, under the province —,
counties (县级) under the cities and, from 40 congresses on, townships (乡镇) under the
counties. The M suggestions are shared by size: the province and the cities have many, a
county some, a township a few (the demo city the most, so that one congress's pages are
measured on the biggest).

Each congress is seeded by the one demo seeder (seeder.DemoSeeder, its bulk path), acting in
it (`acting_in`), with a `Profile`: its own term, meetings, units, categories, deputies and
users (`staff_<code>`, `leader_<code>`, `unit_<code>`, … all with the demo password), in its
own transaction and from its own random stream, so a given seed gives the same province on
every run, a congress already seeded is left as it is, and a second run changes nothing.
Memory stays that of one congress's chunk of rows, whatever M.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from congresses.context import acting_in, default_congress_id
from congresses.models import Congress, Level
from deputies.models import Deputy, Term
from suggestions import workflow
from suggestions.models import Category, Channel

from . import seeder
from .seeder import TOWNSHIP_UNITS, DemoConflict, Profile

PROVINCE_CODE = "province"
PROVINCE_NAME = "江南省人大常委会"
LEADER = "leader_province"  # the province's leader: /dashboard/lower/ over every congress
MAX_CITIES = 13
TOWNSHIPS_FROM = 40  # congresses: from this many on, townships too

CITY_NAMES = (
    "江州市", "临川市", "云岭市", "青阳市", "白沙市", "石门市", "安平市", "丰泽市", "宁远市",
    "长乐市", "新安市", "永和市",
)  # fmt: skip
COUNTY_SYLLABLES = "东西南北清平安永福宁长广云青白石金玉凤龙"
TOWN_SYLLABLES = "桃李柳杨梅竹松枫荷兰桂菊溪河桥湾岭坪"
NUMERALS = {13: "十三", 14: "十四", 18: "十八", 19: "十九"}
# Suggestions a congress has beside the others' (a year's worth): a township a few dozen, a
# county some hundreds, a city or the province a thousand and more.
WEIGHTS = {Level.PROVINCE: 6.0, Level.CITY: 5.0, Level.COUNTY: 1.5, Level.TOWNSHIP: 0.25}
DEMO_CITY_WEIGHT = 8.0  # the biggest city: the one the benchmark's pages are measured on
TERMS = {Level.PROVINCE: 14, Level.CITY: 13, Level.COUNTY: 18, Level.TOWNSHIP: 19}


@dataclass(frozen=True)
class Member:
    """One congress of the demo province, before or after its row exists."""

    code: str
    name: str
    short_name: str
    level: str
    parent: str | None  # the parent's code
    weight: float
    profile: Profile


def tree(congresses: int, seed: int) -> list[Member]:
    """The province's congresses, each after its parent: the province, the cities (the demo
    city first), the counties (round the cities in turn), the townships (round the counties)."""
    if congresses < 3:
        raise ValueError("a province has at least three levels: --congresses 3 or more")
    rng = random.Random(f"{seed}:province-tree")
    rest = congresses - 1
    cities = min(MAX_CITIES, max(1 if congresses < 5 else 2, round(rest / 8)), rest - 1)
    townships = round((rest - cities) * 0.55) if congresses >= TOWNSHIPS_FROM else 0
    counties = rest - cities - townships

    def jitter():
        return rng.uniform(0.7, 1.3)

    def profile(code, place, level, title):
        number = TERMS[level]
        return Profile(
            code=code,
            term_number=number,
            term_name=f"{title}第{NUMERALS[number]}届人民代表大会",
            label=f"{title}{NUMERALS[number]}届",
            place=place,
            unit_codes=TOWNSHIP_UNITS if level == Level.TOWNSHIP else None,
            staff=1,
            leaders=1,
            admin=False,
            extras=level in (Level.PROVINCE, Level.CITY),
        )

    default = settings.PORTAL_DEFAULT_CONGRESS
    members = [
        Member(
            PROVINCE_CODE,
            PROVINCE_NAME,
            "江南省人大",
            Level.PROVINCE,
            None,
            WEIGHTS[Level.PROVINCE],
            profile(PROVINCE_CODE, "省", Level.PROVINCE, "江南省"),
        ),
        # Today's demo city, as it is: its row, its term 市第十三届, its accounts.
        Member(
            default["code"],
            default["name"],
            default["short_name"],
            Level.CITY,
            PROVINCE_CODE,
            DEMO_CITY_WEIGHT,
            seeder.DEFAULT_PROFILE,
        ),
    ]
    for i, city in enumerate(CITY_NAMES[: cities - 1], start=2):
        code = f"city-{i:02d}"
        members.append(
            Member(
                code,
                f"{city}人大常委会",
                f"{city[:-1]}人大",
                Level.CITY,
                PROVINCE_CODE,
                WEIGHTS[Level.CITY] * jitter(),
                profile(code, "市", Level.CITY, city),
            )
        )
    city_codes = [m.code for m in members[1:]]
    names = _names(rng, COUNTY_SYLLABLES, counties)
    for i, stem in enumerate(names, start=1):
        code = f"county-{i:02d}"
        suffix = "区" if i % 3 == 1 else "县"
        place = stem + suffix
        members.append(
            Member(
                code,
                f"{place}人大常委会",
                f"{place}人大",
                Level.COUNTY,
                city_codes[(i - 1) % len(city_codes)],
                WEIGHTS[Level.COUNTY] * jitter(),
                profile(code, suffix, Level.COUNTY, place),
            )
        )
    counties_of = [m for m in members if m.level == Level.COUNTY]
    names = _names(rng, TOWN_SYLLABLES, townships)
    for i, stem in enumerate(names, start=1):
        code = f"town-{i:02d}"
        county = counties_of[(i - 1) % len(counties_of)]
        suffix = "乡" if i % 4 == 0 else "镇"
        place = county.name.removesuffix("人大常委会") + stem + suffix
        members.append(
            Member(
                code,
                f"{place}人大主席团",
                f"{stem}{suffix}人大",
                Level.TOWNSHIP,
                county.code,
                WEIGHTS[Level.TOWNSHIP] * jitter(),
                profile(code, suffix, Level.TOWNSHIP, place),
            )
        )
    return members


def _names(rng, syllables, count) -> list[str]:
    """`count` distinct two-character names, in a fixed shuffled order."""
    pairs = [a + b for a in syllables for b in syllables if a != b]
    rng.shuffle(pairs)
    while len(pairs) < count:  # more than the syllables give: numbered
        pairs += [f"{p}{len(pairs) // len(syllables)}" for p in pairs[: count - len(pairs)]]
    return pairs[:count]


def shares(members: list[Member], total: int) -> list[int]:
    """`total` suggestions shared by weight, each congress at least one, summing exactly."""
    if total < len(members):
        raise ValueError(f"--scale {total} is less than one suggestion per congress")
    weight = sum(m.weight for m in members)
    raw = [total * m.weight / weight for m in members]
    out = [max(1, int(r)) for r in raw]
    by_fraction = sorted(range(len(members)), key=lambda i: (out[i] - raw[i], i))
    i = 0
    while sum(out) < total:
        out[by_fraction[i % len(out)]] += 1
        i += 1
    while sum(out) > total:  # the minimum of one lifted some: taken from the biggest
        out[max(range(len(out)), key=lambda k: (out[k], -k))] -= 1
    return out


def present(congresses: int, seed: int) -> bool:
    """Every congress of the province is in and seeded."""
    members = tree(congresses, seed)
    found = {c.code: c for c in Congress.objects.filter(code__in=[m.code for m in members])}
    if len(found) != len(members):
        return False
    for m in members:
        with acting_in(found[m.code]):
            if not seeder.demo_present(m.profile):
                return False
    return True


def seed(*, congresses: int, scale: int, seed: int = 2026, reference: date | None = None):
    """Seed the province. Returns, per congress: its row, level, suggestions written (0 when
    it was there already) and the seeder's summary (None when kept)."""
    seeder.use_reference(reference or timezone.localdate())
    members = tree(congresses, seed)
    counts = shares(members, scale)
    rows = _congress_rows(members)
    out = []
    for m, count in zip(members, counts, strict=True):
        congress = rows[m.code]
        with acting_in(congress):
            if seeder.demo_present(m.profile):
                out.append({"congress": congress, "scale": 0, "summary": None})
                continue
            problems = seeder.conflicts(m.profile)
            if problems:
                raise DemoConflict(f"{congress.name}: " + "; ".join(problems))
            own_seed = seed if m.profile is seeder.DEFAULT_PROFILE else f"{seed}:{m.code}"
            summary = seeder.DemoSeeder(scale=count, seed=own_seed, profile=m.profile).run()
        out.append({"congress": congress, "scale": count, "summary": summary, "forwarded": 0})
    seeded = {row["congress"].code: row for row in out if row["summary"] is not None}
    if seeder.REFERENCE_DATE != timezone.localdate():
        # The workflow stamps its audit events with the real clock (and they are immutable):
        # on another day they would lie after the demo's "today" (as demo/lower.py).
        return out
    for m in members:
        if m.code in seeded:
            seeded[m.code]["forwarded"] = _forward_down(m, members, rows, seeded)
    return out


FORWARD_TO = 2  # lower congresses each congress forwards a suggestion to (分级处理)
# Matters of a lower level's powers (事权), raised with the upper congress.
LOCAL_MATTERS = (
    (
        "农村公路提档升级",
        "建议将{place}境内的通村公路列入提档升级计划,解决路窄、弯急、会车难的问题。",
    ),
    ("乡镇卫生院人员配备", "建议充实{place}乡镇卫生院的全科医生和护理人员,改善基层就医条件。"),
)


def _forward_down(sender: Member, members, rows, seeded) -> int:
    """分级处理 in the demo (when seeded for today): a congress seeded in this run receives
    from a deputy a suggestion on a matter of each of its first FORWARD_TO lower congresses
    seeded in this run (闭会期间, on the reference day), registers it and forwards it there,
    all through the workflow; the receivers have it 已提交 (their staff's work). Returns how
    many it forwarded."""
    receivers = [m for m in members if m.parent == sender.code and m.code in seeded][:FORWARD_TO]
    if not receivers:
        return 0
    day = seeder.REFERENCE_DATE
    with acting_in(rows[sender.code]), seeder._on_day(day):
        staff = get_user_model().objects.get(username=sender.profile.username("staff"))
        term = Term.objects.get(is_current=True)
        deputies = list(Deputy.objects.filter(term=term).order_by("pk")[: len(receivers)])
        category = Category.objects.order_by("pk").first()
        pairs = list(zip(receivers, deputies, strict=False))
        for i, (receiver, deputy) in enumerate(pairs):
            matter, content = LOCAL_MATTERS[i % len(LOCAL_MATTERS)]
            suggestion = workflow.suggestion_create(
                actor=staff,
                term=term,
                lead_deputy=deputy,
                channel=Channel.RECESS,
                title=f"关于{receiver.short_name}{matter}的建议",
                content=content.format(place=receiver.short_name),
                category=category,
                submitted_on=day,
            )
            workflow.suggestion_register(actor=staff, suggestion=suggestion, registered_on=day)
            workflow.suggestion_forward_down(
                actor=staff,
                suggestion=suggestion,
                to_congress=rows[receiver.code],
                note=f"属{receiver.short_name}事权,请按职责交有关部门办理",
                forwarded_on=day,
            )
    return len(pairs)


@transaction.atomic
def _congress_rows(members: list[Member]) -> dict[str, Congress]:
    """The congresses' rows, made or found by code; the default congress (the demo city) is
    put under the province."""
    default_code = settings.PORTAL_DEFAULT_CONGRESS["code"]
    default_congress_id()  # the default congress exists (a flushed database has none yet)
    rows: dict[str, Congress] = {}
    for m in members:
        parent = rows[m.parent] if m.parent else None
        congress, _ = Congress.objects.get_or_create(
            code=m.code,
            defaults={
                "name": m.name,
                "short_name": m.short_name,
                "level": m.level,
                "parent": parent,
            },
        )
        if m.code == default_code and congress.parent_id is None:
            congress.parent = parent
            congress.save(update_fields=["parent"])
        rows[m.code] = congress
    return rows
