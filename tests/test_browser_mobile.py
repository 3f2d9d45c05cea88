"""In Chromium, every page a deputy, a unit user, a leader, staff and the public use, on a
phone (390×844) and on a laptop (1366×900): no page scrolls sideways, text keeps WCAG AA
contrast, controls on a phone are at least 40 px tall, and nothing answers 404 (the favicon).
Screenshots go to test-artifacts/mobile-<role>-<width>-<page>.png."""

import datetime as dt
import re

import pytest

from congresses.context import acting_in
from congresses.models import Congress
from notifications.services import notify
from planning import services as plan_services
from suggestions import signing, workflow
from suggestions.models import Assignment
from supervision import services as supervision_services

from .conftest import screenshot
from .factories import (
    PASSWORD,
    DeputyFactory,
    SuggestionFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    category,
    key_topic,
    release_reply,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}

LONG_TITLE = "关于进一步加强城区老旧小区加装电梯工作统筹协调并完善后续维护保养资金保障机制的建议"

# Computed in the page: for every visible element with its own text, the contrast of its
# colour against the background it is drawn on (semi-transparent layers and the opacity of
# ancestors blended in, as the eye sees them). WCAG 2.x: 4.5:1, 3:1 for large text.
CONTRAST_JS = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
    }
    let color = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) color = over(layers[i], color);
    return color;
  };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("script, style, .chart, option, select, .ts-dropdown")) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const bg = background(el);
    const fg = parse(style.color);
    const seen = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    const r = ratio(seen, bg);
    if (r < need) bad.push(`${el.tagName.toLowerCase()}.${el.className} “${el.textContent.trim().slice(0, 20)}” ${r.toFixed(2)}:1`);
  }
  return bad;
}"""

# On a phone, what a finger presses: buttons, links styled as buttons, tabs, the menu, the
# pager, and form fields (a check box or radio button is pressed through its label row).
TARGETS_JS = """() => {
  const sel = "button, .button, .tab, .topbar a, .menu-toggle, .pager a, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, .ts-control";
  const bad = [];
  for (const el of document.querySelectorAll(sel)) {
    if (!el.getClientRects().length || el.closest(".ts-wrapper") && !el.matches(".ts-control")) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    const box = el.getBoundingClientRect();
    if (box.height < 40) bad.push(`${el.tagName.toLowerCase()}.${el.className} “${(el.innerText || el.name || "").trim().slice(0, 16)}” ${Math.round(box.height)}px`);
  }
  return bad;
}"""


def _past(days: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=days)


def build_data(people, journey):
    """Enough of every kind that each page shows its tables, forms and tabs filled."""
    unit = people.unit
    unit.name = "市住房和城乡建设局(市人民防空办公室)"
    unit.save()
    category("城乡建设")
    # One open assignment in each inbox tab, and a deputy's reply awaiting feedback.
    journey.assigned(title=LONG_TITLE)  # 待签收
    # 办理中, with the reply form held by a co-handler that owes its opinion and showing
    # another whose opinion staff waived (the staff see the waive form beside the first).
    held, _ = journey.accepted(
        title="关于增设社区公交微循环线路的建议",
        roles=(("unit", "lead"), ("other_unit", "co")),
    )
    [waived] = workflow.suggestion_assign(
        actor=people.staff,
        suggestion=held,
        units=[(UnitFactory(name="市交通运输局城市客运管理处"), "co")],
    )
    workflow.co_opinion_waive(
        actor=people.staff, assignment=waived, reason="该处职能已划入市交通运输局,不再单独出具意见"
    )
    old = journey.submitted(title="关于整治背街小巷环境卫生的建议")
    workflow.suggestion_register(actor=people.staff, suggestion=old, registered_on=_past(200))
    workflow.suggestion_assign(
        actor=people.staff, suggestion=old, units=[(unit, "lead")], assigned_on=_past(150)
    )  # 已逾期
    replied, reply = journey.replied(title="关于在中小学校门口设置护学岗的建议")
    key, _ = journey.assigned(title="关于推进城市更新中历史街区保护的建议")
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=key, is_key=True, supervisor=people.leader
    )
    # A signed reply awaiting review, and a released one whose publication waits.
    for title, fields in (
        ("关于规范夜间施工噪声管理的建议", {}),
        ("关于在老旧小区增设电动自行车充电设施的建议", {"publish_later": True}),
    ):
        waiting, assignment = journey.accepted(title=title)
        if not fields:
            workflow.suggestion_mark_key(
                actor=people.staff, suggestion=waiting, is_key=True, supervisor=people.leader
            )
        draft = signing.reply_draft_save(
            actor=people.unit_user, assignment=assignment, text="答复正文", result="B", **fields
        )
        signing.reply_sign(actor=people.unit_user, draft=draft)
    # 附议确认 and 并案: the deputy is named on another deputy's suggestion and has not yet
    # confirmed; their own suggestion was merged into another that has been answered.
    named = journey.submitted(title="关于老旧小区停车改造的建议", lead_deputy=people.other_deputy)
    named.co_signers.add(people.deputy, through_defaults={"state": "pending"})
    target, target_assignment = journey.accepted(
        title="关于校园周边道路拓宽的建议", lead_deputy=people.other_deputy
    )
    own = journey.submitted(title="关于学校门口增设人行天桥的建议")
    workflow.suggestion_merge(actor=people.staff, suggestion=own, into=target)
    merged_reply = release_reply(
        actor=people.unit_user,
        assignment=target_assignment,
        text="已将人行天桥纳入明年道路拓宽工程。",
        result="B",
        is_public=True,
    )
    # A published 预交办 plan: one item proposed to the unit (主办), one to another unit.
    plan = plan_services.plan_create(
        actor=people.staff,
        title="2026年闭会期间建议第一批预交办",
        suggestions=[
            journey.registered(title=LONG_TITLE),
            journey.registered(title="关于增设口袋公园的建议"),
        ],
    )
    for item, units in zip(
        plan.items.order_by("id"),
        ([(unit, "lead"), (people.other_unit, "co")], [(people.other_unit, "lead")]),
        strict=True,
    ):
        plan_services.plan_set_units(actor=people.staff, item=item, units=units)
    plan_services.plan_publish(actor=people.staff, plan=plan)
    for user in (people.deputy_user, people.unit_user, people.leader, people.staff):
        notify(
            recipients=[user],
            kind="reminder",
            title=f"{LONG_TITLE}即将到期",
            body="请在答复期限前办理。",
            url="/",
            email=False,
        )
    # A key topic (supervision) with a done and a late milestone and a leader's instruction.
    accepted = Assignment.objects.get(
        state=Assignment.State.ACCEPTED,
        unit=unit,
        suggestion__title="关于增设社区公交微循环线路的建议",
    )
    topic = key_topic(
        staff=people.staff,
        leaders=[people.leader],
        suggestions=[accepted.suggestion, key, replied],
        title="推进城市公共交通高质量发展",
        year=dt.date.today().year,
    )
    done = supervision_services.milestone_add(
        actor=people.staff, topic=topic, kind="survey", planned_on=_past(20), note="赴公交集团调研"
    )
    supervision_services.milestone_record_done(
        actor=people.staff, milestone=done, done_on=_past(18)
    )
    supervision_services.milestone_add(
        actor=people.staff, topic=topic, kind="forum", planned_on=_past(3)
    )
    supervision_services.action_record(
        actor=people.leader,
        kind="instruction",
        topic=topic,
        content="请各承办单位于月底前报送推进方案。",
    )
    # 单位测评: an open round the deputy is invited to (the phone ballot), a closed one with
    # results; a B-class reply with a commitment (the ledger).
    from commitments import services as commitment_services
    from evaluation import services as evaluation_services

    units = [unit, people.other_unit]
    open_round = evaluation_services.round_create(
        actor=people.staff,
        year=2026,
        title="2026年度承办单位建议办理工作满意度测评",
        method="satisfaction",
        units=units,
        invited=[people.deputy],
    )
    evaluation_services.round_open(actor=people.staff, evaluation_round=open_round)
    closed_round = evaluation_services.round_create(
        actor=people.staff,
        year=2025,
        title="2025年度满意度测评",
        method="satisfaction",
        units=units,
        invited=[people.deputy, people.other_deputy],
    )
    evaluation_services.round_open(actor=people.staff, evaluation_round=closed_round)
    evaluation_services.paper_ballot_enter(
        actor=people.staff,
        evaluation_round=closed_round,
        verdicts={u.pk: "satisfied" for u in units},
    )
    evaluation_services.round_close(actor=people.staff, evaluation_round=closed_round)
    _, b_reply = journey.replied(result="B", title="关于改造城区排水管网的建议")
    commitment = commitment_services.commitment_add(
        actor=people.unit_user,
        reply=b_reply,
        what="2027年汛期前完成主城区雨污分流改造一期工程",
        due_on=dt.date.today() + dt.timedelta(days=90),
        responsible="市政科 李科长",
    )
    # A county below the city with a term, a unit and an assigned suggestion: the leader's
    # 下级人大统计 and its drill-down; the deputy holds a seat there too (切换人大).
    county = Congress.objects.create(
        code="mobile-county",
        name="东湖区人民代表大会常务委员会",
        level="county",
        parent_id=people.term.congress_id,
    )
    with acting_in(county):
        county_term = TermFactory(number=1, name="东湖区第1届")
        county_unit = UnitFactory(name="东湖区住房和城乡建设局(区人民防空办公室)")
        county_staff = UserFactory(
            username="county_staff_m", is_committee_staff=True, congress=county
        )
        DeputyFactory(term=county_term, name="张伟", user=people.deputy_user)
        county_suggestion = SuggestionFactory(
            term=county_term, title="关于东湖区老旧小区改造的建议"
        )
        workflow.suggestion_register(actor=county_staff, suggestion=county_suggestion)
        workflow.suggestion_assign(
            actor=county_staff, suggestion=county_suggestion, units=[(county_unit, "lead")]
        )
    return {
        "county": county,
        "open_round": open_round,
        "closed_round": closed_round,
        "b_reply": b_reply,
        "commitment": commitment,
        "topic": topic,
        "replied": replied,
        "reply": reply,
        "accepted": accepted,
        "named": named,
        "target": target,
        "delivery": merged_reply.deliveries.get(role="merged"),
        "pending": Assignment.objects.filter(state=Assignment.State.ASSIGNED, unit=unit).first(),
        "held": held,
        "submitted": journey.submitted(title="关于完善城市慢行系统的建议"),  # 立案 form
        "registered": journey.registered(title="关于增加城区公共停车泊位的建议"),  # to assign
        "plan": plan,
    }


def pages_for(role: str, data: dict, people) -> list[tuple[str, str]]:
    common = [("notifications", "/notifications/"), ("password", "/accounts/password/")]
    if role == "anonymous":
        return [("login", "/accounts/login/"), ("public", "/public/?year=")]
    if role == "deputy":
        return [
            ("home", "/"),
            ("my", "/my/"),
            ("my-new", "/my/new/"),
            ("feedback", f"/my/replies/{data['reply'].pk}/feedback/"),
            ("merged-reply", f"/my/deliveries/{data['delivery'].pk}/"),
            ("suggestion-to-co-sign", f"/suggestions/{data['named'].pk}/"),
            ("suggestion", f"/suggestions/{data['replied'].pk}/"),
            ("public", "/public/"),
            ("topics", "/supervision/topics/"),
            ("topic", f"/supervision/topics/{data['topic'].pk}/"),
            ("evaluation", "/evaluation/"),
            ("ballot", f"/evaluation/{data['open_round'].pk}/ballot/"),
            ("congress-switch", "/congress/switch/"),
            *common,
        ]
    if role == "unit":
        tabs = [
            (f"inbox-{tab}", f"/inbox/?tab={tab}")
            for tab in ("pending", "handling", "due_soon", "overdue", "opinion_overdue", "replied")
        ]
        return [
            ("home", "/"),
            ("inbox", "/inbox/"),
            *tabs,
            ("assignment-accept", f"/inbox/{data['pending'].pk}/"),
            ("assignment-reply", f"/inbox/{data['accepted'].pk}/#reply-form"),
            ("topic", f"/supervision/topics/{data['topic'].pk}/"),
            ("assignment-commitments", f"/inbox/{data['b_reply'].assignment_id}/#commitments"),
            ("ledger", "/inbox/ledger/"),
            ("commitment", f"/inbox/ledger/{data['commitment'].pk}/"),
            ("commitment-new", f"/inbox/ledger/reply/{data['b_reply'].pk}/new/"),
            ("unit-evaluation", "/inbox/evaluation/"),
            ("plans", "/inbox/plans/"),
            *common,
        ]
    if role == "leader":
        return [
            ("home", "/"),
            ("dashboard", "/dashboard/"),
            ("units", "/dashboard/units/"),
            ("unit", f"/dashboard/units/{people.unit.pk}/"),
            ("key", "/dashboard/key/"),
            ("report", "/dashboard/report/"),
            ("list", "/suggestions/"),
            ("suggestion", f"/suggestions/{data['replied'].pk}/"),
            ("topics", "/supervision/topics/"),
            ("topic", f"/supervision/topics/{data['topic'].pk}/"),
            ("topic-report", f"/supervision/topics/{data['topic'].pk}/report/"),
            ("topic-instruct", f"/supervision/topics/{data['topic'].pk}/actions/new/"),
            ("evaluation", "/evaluation/"),
            ("evaluation-round", f"/evaluation/{data['closed_round'].pk}/"),
            ("ledger", "/inbox/ledger/"),
            ("plan", f"/plans/{data['plan'].pk}/"),
            ("lower", "/dashboard/lower/"),
            ("lower-detail", f"/dashboard/lower/{data['county'].code}/"),
            *common,
        ]
    assert role == "staff"
    return [
        ("home", "/"),
        ("list", "/suggestions/"),
        ("suggestion", f"/suggestions/{data['replied'].pk}/"),
        ("suggestion-to-register", f"/suggestions/{data['submitted'].pk}/"),
        ("suggestion-co-waive", f"/suggestions/{data['held'].pk}/"),
        ("assignment-co-waive", f"/inbox/{data['accepted'].pk}/#co-handlers"),
        ("suggestion-co-signer-pending", f"/suggestions/{data['named'].pk}/"),
        ("suggestion-merged-reply", f"/suggestions/{data['target'].pk}/"),
        ("create", "/suggestions/new/"),
        ("assign", f"/suggestions/{data['registered'].pk}/assign/"),
        ("requests", "/suggestions/requests/"),
        ("replies-review", "/replies/review/"),
        ("replies-publications", "/replies/publications/"),
        ("imports", "/imports/"),
        ("reminders", "/notifications/reminders/"),
        ("topic-new", "/supervision/topics/new/"),
        ("topic-staff", f"/supervision/topics/{data['topic'].pk}/"),
        ("topic-close", f"/supervision/topics/{data['topic'].pk}/close/"),
        ("evaluation-new", "/evaluation/new/"),
        ("evaluation-round", f"/evaluation/{data['open_round'].pk}/"),
        ("evaluation-paper", f"/evaluation/{data['open_round'].pk}/paper/"),
        ("plans", "/plans/"),
        ("plan", f"/plans/{data['plan'].pk}/"),
        ("plan-units", f"/plans/{data['plan'].pk}/items/{data['plan'].items.first().pk}/units/"),
        *common,
    ]


# Staff pages must not scroll sideways; the rules for the pages people use every day (touch
# targets) apply to the other roles' pages.
EVERYDAY_ROLES = {"anonymous", "deputy", "unit", "leader"}


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def check_pages(page, live_server, role, viewport, paths):
    page.set_viewport_size(viewport)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    problems = []
    for name, path in paths:
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        if response.status != 200:
            problems.append(f"{name}: answered {response.status}")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            problems.append(f"{name}: scrolls sideways ({widths[0]} > {widths[1]} px)")
        for line in page.evaluate(CONTRAST_JS):
            problems.append(f"{name}: contrast {line}")
        if viewport is PHONE and (role in EVERYDAY_ROLES or name in {"home", "password"}):
            for line in page.evaluate(TARGETS_JS):
                problems.append(f"{name}: small target {line}")
        screenshot(page, f"mobile-{role}-{viewport['width']}-{name}")
    assert not missing, f"404: {missing}"
    assert not problems, "\n".join(problems)


USERS = {
    "deputy": "deputy_user",
    "unit": "unit_user",
    "leader": "leader",
    "staff": "staff",
}


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
@pytest.mark.parametrize("role", ["anonymous", "deputy", "unit", "leader", "staff"])
def test_every_page_fits_the_screen(page, live_server, people, journey, role, viewport):
    data = build_data(people, journey)
    if role != "anonymous":
        log_in(page, live_server, getattr(people, USERS[role]))
    check_pages(page, live_server, role, viewport, pages_for(role, data, people))


def test_the_menu_button_opens_and_closes_the_navigation_on_a_phone(page, live_server, people):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, people.unit_user)
    toggle = page.locator("#menu-toggle")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("nav.nav >> text=本单位办理").is_visible()
    assert not page.locator("button:has-text('退出')").is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("nav.nav >> text=本单位办理").is_visible()
    assert page.locator("button:has-text('退出')").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "mobile-menu-open")

    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("nav.nav >> text=本单位办理").is_visible()

    toggle.click()
    page.click("nav.nav >> text=本单位办理")
    page.wait_for_url(re.compile(r"/inbox/$"))


def test_without_javascript_every_link_is_on_the_phone_screen(live_server, people, monkeypatch):
    """No menu button without JavaScript: the navigation and the logout button are shown."""
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    from .conftest import CHROMIUM, CHROMIUM_FLAGS

    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Chromium is not installed; browser test skipped")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
        page = context.new_page()
        log_in(page, live_server, people.deputy_user)
        assert not page.locator("#menu-toggle").is_visible()
        for text in ("我的建议", "公开答复", "通知", "修改密码"):
            link = page.locator(".topbar a", has_text=text).first
            assert link.is_visible(), text
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], text
        logout = page.locator("button:has-text('退出')")
        assert logout.is_visible()
        box = logout.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "mobile-no-js-deputy-home")
        context.close()
        browser.close()


def test_staff_with_the_admin_calendar_rights_see_the_warning_on_a_phone(page, live_server, people):
    """The calendar warning is for those who can fix it; it wraps on a phone."""
    from suggestions.models import CalendarYear

    admin = UserFactory(username="calendar-admin", is_committee_staff=True, is_superuser=True)
    admin.is_staff = True
    admin.save()
    CalendarYear.objects.filter(year=dt.date.today().year + 1).delete()
    page.set_viewport_size(PHONE)
    log_in(page, live_server, admin)
    assert "尚未录入" in page.locator(".banner.warning").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


LONG_UNIT = "市住房和城乡建设局(市人民防空办公室、市地震局、市城市管理综合行政执法局)"

# How tall the select must be to show its chosen label whole: the label's width on one line,
# over the width the select gives it, in lines of text.
LABEL_SHOWN_JS = """(el) => {
  const cs = getComputedStyle(el);
  const probe = document.createElement("span");
  probe.textContent = el.options[el.selectedIndex].text;
  probe.style.font = cs.font;
  probe.style.whiteSpace = "nowrap";
  probe.style.position = "absolute";
  document.body.append(probe);
  const need = probe.getBoundingClientRect().width;
  probe.remove();
  const inner = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const lines = Math.ceil(need / inner);
  const text = el.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
  return {lines, enough: text >= lines * parseFloat(cs.fontSize) * 1.1};
}"""


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_a_long_option_label_is_shown_whole(page, live_server, people, journey, viewport):
    people.unit.name = LONG_UNIT
    people.unit.save()
    journey.assigned()
    page.set_viewport_size(viewport)
    log_in(page, live_server, people.staff)
    page.goto(f"{live_server.url}/suggestions/?unit={people.unit.pk}")
    select = page.locator("form.filters select[name=unit]")
    shown = select.evaluate(LABEL_SHOWN_JS)
    assert shown["lines"] >= 2, "the label fits one line: this test would prove nothing"
    assert shown["enough"], shown
    # Opened, the list shows the option inside the screen.
    select.click()
    option = page.locator("form.filters select[name=unit] option", has_text=LONG_UNIT)
    box = option.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert option.evaluate("o => o.scrollWidth <= o.clientWidth")
    screenshot(page, f"mobile-long-option-{viewport['width']}")
    page.keyboard.press("Escape")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
