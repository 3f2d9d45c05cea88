"""Small things people saw on the pages: a reply's class named once, one timeline line per
step, the public year filter, the favicon."""

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders

from notifications.models import Notification
from suggestions import workflow

from .factories import FIVE_FIXED, PASSWORD, release_reply


def text(response) -> str:
    return response.content.decode()


def shown(response) -> str:
    """The page's text as a reader sees it: tags removed, runs of spaces made one."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text(response)))


def as_user(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- A/B/C/D named once -------------------------------------------------------------------


@pytest.mark.parametrize("result", ["A", "B", "C", "D"])
def test_a_replys_class_is_named_once_wherever_it_is_shown(client, people, journey, result):
    suggestion, reply = journey.replied(result=result)
    label = reply.get_result_display()  # "A类 已解决或采纳"
    doubled = f"{result}类 {result}类"
    pages = {
        "suggestion page": f"/suggestions/{suggestion.pk}/",
        "feedback sheet": f"/files/replies/{reply.pk}/feedback-sheet/",
    }
    for name, url in pages.items():
        page = shown(as_user(client, people.staff).get(url))
        assert label in page, name
        assert doubled not in page and f"{result}类:{result}类" not in page, name
    unit_page = shown(as_user(client, people.unit_user).get(f"/inbox/{reply.assignment_id}/"))
    assert label in unit_page and doubled not in unit_page
    notice = Notification.objects.get(recipient=people.deputy_user)
    assert label in notice.body and f"{result}类({result}类" not in notice.body


# --- the timeline -------------------------------------------------------------------------


def _timeline(page: str) -> list[str]:
    block = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_the_timeline_shows_each_step_once(client, people, journey):
    suggestion, lead = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))
    co = suggestion.assignments.get(role="co")
    workflow.assignment_accept(actor=people.other_unit_user, assignment=co)
    workflow.assignment_send_opinion(actor=people.other_unit_user, assignment=co, text="同意。")
    reply = release_reply(
        actor=people.unit_user,
        assignment=lead,
        text="经研究,已采纳并落实。",
        result="A",
        is_public=True,
    )
    workflow.feedback_record(
        actor=people.deputy_user,
        reply=reply,
        result_verdict="dissatisfied",
        work_verdict="basically",
        remarks="线路仍未覆盖我们小区。",
    )
    lines = _timeline(text(as_user(client, people.staff).get(f"/suggestions/{suggestion.pk}/")))

    labels = [re.match(r"\S+ \S+ (\S+)", line).group(1) for line in lines]
    # 立案; 交办 to each unit; 签收 by each; the co-handler's opinion; 答复; 代表反馈;
    # 重新办理 — each once, in that order.
    assert labels == [
        "立案",
        "交办承办单位",
        "交办承办单位",
        "签收",
        "签收",
        "提交协办意见",
        "答复",
        "代表反馈",
        "重新办理",
    ]
    assert "建议已交办" in lines[2]  # the suggestion's state change, on the step causing it
    assert "建议已全部答复" in lines[6]
    assert "建议转入重新办理" in lines[8]


def test_a_state_change_apart_from_its_step_keeps_its_own_line(client, people, journey):
    """Two units split a suggestion: the first reply is a step of its own, the second also
    completes the suggestion and says so on its line."""
    suggestion, first = journey.accepted(roles=(("unit", "split"), ("other_unit", "split")))
    second = suggestion.assignments.get(unit=people.other_unit)
    workflow.assignment_accept(actor=people.other_unit_user, assignment=second, **FIVE_FIXED)
    for actor, assignment in ((people.unit_user, first), (people.other_unit_user, second)):
        release_reply(
            actor=actor,
            assignment=assignment,
            text="已办理。",
            result="A",
            is_public=False,
            not_public_reason="内部事务",
        )
    lines = _timeline(text(as_user(client, people.staff).get(f"/suggestions/{suggestion.pk}/")))
    replies = [line for line in lines if " 答复 " in line]
    assert len(replies) == 2
    assert "建议已全部答复" not in replies[0] and "建议已全部答复" in replies[1]
    assert not any(" 全部答复 " in line for line in lines)


# --- the public page's year filter --------------------------------------------------------


def _years_offered(page: str) -> list[str]:
    select = page.split('name="year"')[1].split("</select>")[0]
    return re.findall(r'<option value="(\d*)"', select)


def test_the_year_filter_offers_only_years_with_published_replies(client, people, journey):
    two_years_ago = dt.date.today().year - 2
    _, reply = journey.replied()  # published, this year
    old = journey.submitted(submitted_on=dt.date(two_years_ago, 2, 1))
    workflow.suggestion_register(
        actor=people.staff, suggestion=old, registered_on=dt.date(two_years_ago, 3, 1)
    )
    (assignment,) = workflow.suggestion_assign(
        actor=people.staff,
        suggestion=old,
        units=[(people.unit, "lead")],
        assigned_on=dt.date(two_years_ago, 3, 2),
    )
    workflow.assignment_accept(
        actor=people.unit_user,
        assignment=assignment,
        accepted_on=dt.date(two_years_ago, 3, 3),
        **FIVE_FIXED,
    )
    release_reply(
        actor=people.unit_user,
        assignment=assignment,
        text="不公开的答复",
        result="B",
        is_public=False,
        not_public_reason="涉及个人信息",
        replied_on=dt.date(two_years_ago, 4, 1),
    )

    offered = _years_offered(text(client.get("/public/")))

    # "" is 全部年份; two years ago has only an unpublished reply, last year none at all.
    assert offered == ["", str(reply.replied_on.year)]


def test_a_link_to_a_year_without_replies_answers_none_and_keeps_the_year(client, people, journey):
    journey.replied()
    year = dt.date.today().year - 1
    page = text(client.get(f"/public/?year={year}"))
    assert '<strong id="result-count">0</strong>' in page
    assert f'<option value="{year}" selected>' in page


# --- the favicon --------------------------------------------------------------------------


def test_every_page_names_the_favicon_and_it_is_served(client, people):
    page = text(as_user(client, people.deputy_user).get("/"))
    icons = re.findall(r'<link rel="icon" href="/static/([^"]+)"', page)
    assert icons == ["favicon.svg", "favicon-32.png"]
    for name in icons:
        assert finders.find(name), name
    with open(finders.find("favicon.svg"), encoding="utf-8") as svg:
        assert svg.read().lstrip().startswith("<svg")
    with open(finders.find("favicon-32.png"), "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "favicon.svg" in text(client.get("/accounts/login/"))
