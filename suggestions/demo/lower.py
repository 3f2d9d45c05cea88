"""The demo's lower congress (DESIGN.md §11): a district below the demo city, so that
下级人大统计 has a row to show and 分级处理 has a story on both sides.

Written through the services, like the demo's topics and plans: three of the city's
registered suggestions are forwarded down; the district closes one (the city's original
becomes 下级已办结), answers another (its reply on the city's timeline, still 已转下级办理)
and has the third still to register. `staff_district` signs in there.

Only on a demo whose day is today (`make run`): the services stamp what they record with the
moment it is entered, so on a demo moved to a past day (the tests' pinned timeline) those
entries would lie after the demo's last day; that demo has no district.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from congresses.context import acting_in, default_congress_id
from congresses.models import Congress
from deputies.models import Deputy, Term
from units.models import Unit

from .. import signing, workflow
from ..models import Category, Channel, Suggestion

CODE = "demo-district"
NAME = "东湖区人大常委会"
USERNAME = "staff_district"
DEPUTY_USERNAME = "deputy"  # the city's demo deputy, seated in the district too
UNITS = ("区住房和城乡建设局", "区交通运输局", "区教育局")
STORY_TITLES = (
    "关于东湖区背街小巷改造提升的建议",
    "关于东湖区增设社区养老服务站点的建议",
    "关于东湖区优化学校周边交通秩序的建议",
)
FIVE_FIXED = {
    "responsible_leader": "王副局长",
    "handler_name": "李科长",
    "handler_phone": "13900001111",
}


def seed(*, reference: date, password: str) -> dict:
    """The district, its people, and the three forwarded suggestions' stories."""
    city_id = default_congress_id()
    if reference != timezone.localdate() or Congress.objects.filter(code=CODE).exists():
        return {"congress": None, "forwarded": 0}  # kept as it is, like an existing admin
    district = Congress.objects.create(
        code=CODE, name=NAME, short_name="东湖区人大", level="county", parent_id=city_id
    )
    city_categories = list(
        Category.objects.filter(congress_id=city_id).order_by("id").values_list("name", flat=True)
    )
    User = get_user_model()
    city_staff = User.objects.get(username="staff")
    city_seat = Deputy.objects.filter(user__username=DEPUTY_USERNAME).first()
    with acting_in(district):
        Term.objects.create(
            number=1, name="东湖区第1届", start_date=date(reference.year - 2, 1, 1), is_current=True
        )
        units = [Unit.objects.create(name=name) for name in UNITS]
        # The city's categories by name: a forwarded copy keeps its category (workflow).
        for name in city_categories:
            Category.objects.create(name=name)
        staff = User.objects.create(
            username=USERNAME,
            name="东湖区人大工作人员",
            password=make_password(password),
            is_committee_staff=True,
            congress=district,
        )
        clerk = User.objects.create(
            username="unit_district",
            name="区住建局经办人",
            password=make_password(password),
            is_unit_user=True,
            can_sign_replies=True,
            unit=units[0],
            congress=district,
        )
        # The demo deputy also sits in the district (one person, seats at two levels): the
        # same login switches to 东湖区人大常委会 and sees the suggestion made there.
        if city_seat is not None:
            seat = Deputy.objects.create(
                term=Term.objects.get(is_current=True),
                name=city_seat.name,
                gender=city_seat.gender,
                occupation=city_seat.occupation,
                user=city_seat.user,
            )
            workflow.suggestion_create(
                actor=staff,
                term=seat.term,
                lead_deputy=seat,
                channel=Channel.RECESS,
                title="关于东湖区老旧小区加装电梯的建议",
                content="建议区住建局统筹老旧小区加装电梯工作,简化审批流程,加大补贴力度。",
                category=Category.objects.order_by("id").first(),
                submitted_on=reference,
            )
    # Not yet assigned (已立案, else 已提交), the city keeping one of each (every state in
    # the demo).
    originals = []
    for status in (Suggestion.Status.REGISTERED, Suggestion.Status.SUBMITTED):
        waiting = list(
            Suggestion.objects.filter(
                congress_id=city_id, status=status, merged_from__isnull=True
            ).order_by("number")[:4]
        )
        originals += waiting[: len(waiting) - 1]
    originals = originals[:3]
    # How many wait depends on the day the timeline ends (staff register within days): when
    # too few do, city staff log the rest today from the city's own deputies, so the story
    # is always told (the city then has a few more suggestions than the scale).
    if len(originals) < 3:
        city_term = Term.objects.filter(congress_id=city_id, is_current=True).first()
        deputies = list(Deputy.objects.filter(term=city_term).order_by("id")[:3])
        for i, deputy in enumerate(deputies[: 3 - len(originals)]):
            originals.append(
                workflow.suggestion_create(
                    actor=city_staff,
                    term=city_term,
                    lead_deputy=deputy,
                    channel=Channel.RECESS,
                    title=STORY_TITLES[i],
                    content="建议由所在区统筹推进,市级部门加强指导。",
                    category=Category.objects.filter(congress_id=city_id).order_by("id").first(),
                    submitted_on=reference,
                )
            )
    for i, original in enumerate(originals):
        forwarding = workflow.suggestion_forward_down(
            actor=city_staff,
            suggestion=original,
            to_congress=district,
            note="属区级事权,请东湖区人大常委会交办区政府有关部门办理",
            forwarded_on=reference,
        )
        if i == 2:
            continue  # still to register in the district
        with acting_in(district):
            copy = workflow.suggestion_register(
                actor=staff, suggestion=forwarding.copy, registered_on=reference
            )
            (assignment,) = workflow.suggestion_assign(
                actor=staff, suggestion=copy, units=[(units[0], "lead")], assigned_on=reference
            )
            workflow.assignment_accept(
                actor=clerk, assignment=assignment, accepted_on=reference, **FIVE_FIXED
            )
            draft = signing.reply_draft_save(
                actor=clerk,
                assignment=assignment,
                text="经研究,已列入区年度实施计划,年内完成。",
                result="A" if i == 0 else "B",
            )
            draft = signing.reply_sign(actor=clerk, draft=draft, signed_on=reference)
            if draft.stage == "signed":
                signing.reply_release(actor=staff, draft=draft, released_on=reference)
            if i == 0:
                workflow.suggestion_close(
                    actor=staff, suggestion=copy, note="已落实", closed_on=reference
                )
    return {"congress": district, "forwarded": len(originals)}
