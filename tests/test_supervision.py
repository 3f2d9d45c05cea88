"""重点督办专题 and leaders' supervision (DESIGN.md §9), page by page and role by role:
staff keep topics, leaders and committee staff supervise, the unit acknowledges, everyone
else who may see is refused (403 with the reason) and outsiders get 404."""

import datetime as dt

import pytest

from notifications.models import Notification
from suggestions.models import AuditEvent
from supervision import services
from supervision.models import Acknowledgement, KeyTopic, Milestone, SupervisionAction

from .factories import CommitteeFactory, SuggestionFactory, UserFactory, key_topic, pdf_upload

TODAY = dt.date(2026, 11, 20)  # a Friday


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PORTAL_TODAY = TODAY


@pytest.fixture
def topic(people, journey):
    """A topic of two suggestions: one handled by `unit` (lead) and `other_unit` (co), one by
    `other_unit` alone; `deputy` leads the first."""
    first, _ = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")), title="公交线路")
    second, _ = journey.assigned(
        roles=(("other_unit", "lead"),), lead_deputy=people.other_deputy, title="停车难"
    )
    return key_topic(staff=people.staff, leaders=[people.leader], suggestions=[first, second])


def _first(topic):
    return topic.suggestions.get(title="公交线路")


def _login(client, user):
    client.logout()
    client.force_login(user)


# --- keeping topics (staff) ------------------------------------------------------------------


def test_staff_create_a_topic_of_registered_suggestions_from_the_page(client, people, journey):
    assigned, _ = journey.assigned()
    registered = journey.registered()
    committee = CommitteeFactory(name="城乡建设环境保护委员会", kind="special")
    _login(client, people.staff)
    response = client.post(
        "/supervision/topics/new/",
        {
            "year": 2026,
            "term": people.term.pk,
            "title": "推进老旧小区改造",
            "committee": committee.pk,
            "leaders": [people.leader.pk],
            "numbers": f"{assigned.number}, {registered.number}",
        },
    )
    topic = KeyTopic.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/supervision/topics/{topic.pk}/"
    )
    assert set(topic.suggestions.all()) == {assigned, registered}
    assert list(topic.leaders.all()) == [people.leader] and topic.committee == committee
    page = client.get(response["Location"]).content.decode()
    assert "推进老旧小区改造" in page and "城乡建设环境保护委员会" in page
    assert people.unit.name in page  # the lead unit, from the assignment


def test_a_topic_refuses_suggestions_not_yet_registered(client, people, journey):
    submitted = journey.submitted()
    _login(client, people.staff)
    response = client.post(
        "/supervision/topics/new/",
        {
            "year": 2026,
            "term": people.term.pk,
            "title": "专题",
            "leaders": [people.leader.pk],
            "numbers": str(submitted.number),
        },
    )
    assert response.status_code == 200
    assert "已立案(含已交办、已答复、已办结)的建议" in response.content.decode()
    assert not KeyTopic.objects.exists()


def test_a_topic_refuses_an_unknown_number_and_a_year_outside_the_term(client, people, journey):
    _login(client, people.staff)
    response = client.post(
        "/supervision/topics/new/",
        {
            "year": 2026,
            "term": people.term.pk,
            "title": "专题",
            "leaders": [people.leader.pk],
            "numbers": "9999",
        },
    )
    assert "没有这些编号的建议:9999" in response.content.decode()
    suggestion, _ = journey.assigned()
    with pytest.raises(services.InvalidTransition, match="不在市第13届的任期内"):
        key_topic(staff=people.staff, leaders=[people.leader], suggestions=[suggestion], year=2020)


def test_only_leaders_lead_a_topic(people, journey):
    suggestion, _ = journey.assigned()
    with pytest.raises(services.InvalidTransition, match="领办领导必须是领导用户"):
        key_topic(staff=people.staff, leaders=[people.staff], suggestions=[suggestion])


@pytest.mark.parametrize("who", ["leader", "unit_user", "deputy_user", "nobody"])
def test_only_staff_may_create_a_topic(client, people, who):
    _login(client, getattr(people, who))
    response = client.get("/supervision/topics/new/")
    assert response.status_code == 403
    assert "只有工作人员可以维护重点督办专题" in response.content.decode()


def test_staff_edit_a_topic(client, people, topic):
    _login(client, people.staff)
    first = _first(topic)
    response = client.post(
        f"/supervision/topics/{topic.pk}/edit/",
        {
            "year": 2026,
            "term": people.term.pk,
            "title": "优化交通出行(修订)",
            "leaders": [people.leader.pk],
            "numbers": str(first.number),
            "lead_unit": people.other_unit.pk,
        },
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.title == "优化交通出行(修订)" and list(topic.suggestions.all()) == [first]
    assert topic.lead_unit == people.other_unit


# --- who sees a topic ------------------------------------------------------------------------


ROLES = [
    "staff",
    "leader",
    "unit_user",
    "other_unit_user",
    "deputy_user",
    "other_deputy_user",
    "nobody",
]


def test_the_topic_page_answers_each_role(client, people, topic):
    url = f"/supervision/topics/{topic.pk}/"
    codes = {}
    for who in ROLES:
        _login(client, getattr(people, who))
        codes[who] = client.get(url).status_code
    # other_unit handles both suggestions and other_deputy leads the second: they see it.
    assert codes == {w: 200 for w in ROLES} | {"nobody": 404}
    client.logout()
    assert "/accounts/login/" in client.get(url)["Location"]


def test_a_unit_of_no_suggestion_of_the_topic_gets_404(client, people, journey):
    suggestion, _ = journey.assigned()
    topic = key_topic(staff=people.staff, leaders=[people.leader], suggestions=[suggestion])
    _login(client, people.other_unit_user)
    assert client.get(f"/supervision/topics/{topic.pk}/").status_code == 404
    assert client.get(f"/supervision/topics/{topic.pk}/report/").status_code == 404
    assert topic.title not in client.get("/supervision/topics/").content.decode()
    _login(client, people.other_deputy_user)
    assert client.get(f"/supervision/topics/{topic.pk}/").status_code == 404


def test_a_unit_sees_its_topic_read_only_and_only_its_own_suggestions(client, people, journey):
    mine, _ = journey.assigned(title="公交线路")
    theirs, _ = journey.assigned(roles=(("other_unit", "lead"),), title="停车难")
    topic = key_topic(staff=people.staff, leaders=[people.leader], suggestions=[mine, theirs])
    _login(client, people.unit_user)
    page = client.get(f"/supervision/topics/{topic.pk}/").content.decode()
    assert "公交线路" in page and "停车难" not in page
    assert "另有 1 件建议" in page
    assert "添加环节" not in page and "完成专题" not in page and "?kind=instruction" not in page
    assert client.get(f"/supervision/topics/{topic.pk}/edit/").status_code == 403
    response = client.post(
        f"/supervision/topics/{topic.pk}/milestones/",
        {"m-kind": "survey", "m-planned_on": "2026-12-01"},
    )
    assert response.status_code == 403
    assert not Milestone.objects.exists()


def test_units_and_deputies_may_not_read_the_report_or_export(client, people, topic):
    for who in ("unit_user", "deputy_user"):
        _login(client, getattr(people, who))
        for path in ("report/", "report.docx", "suggestions.xlsx"):
            response = client.get(f"/supervision/topics/{topic.pk}/{path}")
            assert response.status_code == 403
            assert "只有工作人员和领导可以查看专题报告和导出" in response.content.decode()


def test_the_topic_list_holds_what_each_role_may_see(client, people, journey, topic):
    alone, _ = journey.assigned(roles=(("other_unit", "lead"),), lead_deputy=people.other_deputy)
    other = key_topic(
        staff=people.staff, leaders=[people.leader], suggestions=[alone], title="教育均衡"
    )
    _login(client, people.unit_user)
    page = client.get("/supervision/topics/").content.decode()
    assert topic.title in page and other.title not in page
    _login(client, people.leader)
    page = client.get("/supervision/topics/").content.decode()
    assert topic.title in page and other.title in page and "新建专题" not in page
    _login(client, people.nobody)
    assert client.get("/supervision/topics/").status_code == 403


# --- milestones -------------------------------------------------------------------------------


def test_staff_plan_a_milestone_and_record_it_done_with_a_file(client, people, topic):
    _login(client, people.staff)
    client.post(
        f"/supervision/topics/{topic.pk}/milestones/",
        {"m-kind": "survey", "m-planned_on": "2026-11-10", "m-note": "赴公交集团调研"},
    )
    milestone = Milestone.objects.get()
    assert (milestone.kind, milestone.planned_on) == ("survey", dt.date(2026, 11, 10))
    page = client.get(f"/supervision/topics/{topic.pk}/").content.decode()
    assert "滞后 1 项" in page  # planned 11-10, not done by 11-20
    response = client.post(
        f"/supervision/milestones/{milestone.pk}/done/",
        {
            "d-done_on": "2026-11-18",
            "d-note": "已召开调研会",
            "d-files": [pdf_upload("调研纪要.pdf")],
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2026, 11, 18) and milestone.note == "已召开调研会"
    attachment = milestone.attachments.get()
    page = client.get(f"/supervision/topics/{topic.pk}/").content.decode()
    assert (
        "调研纪要.pdf" in page
        and "滞后" not in page.split('id="milestones"')[1].split("</section>")[0]
    )
    download = client.get(f"/supervision/milestone-files/{attachment.pk}/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    _login(client, people.other_unit_user)  # handles a suggestion of the topic
    assert client.get(f"/supervision/milestone-files/{attachment.pk}/").status_code == 200
    _login(client, people.nobody)
    assert client.get(f"/supervision/milestone-files/{attachment.pk}/").status_code == 404


def test_a_milestone_file_is_checked_by_content(client, people, topic):
    from django.core.files.uploadedfile import SimpleUploadedFile

    milestone = services.milestone_add(
        actor=people.staff, topic=topic, kind="forum", planned_on=dt.date(2026, 12, 1)
    )
    _login(client, people.staff)
    fake = SimpleUploadedFile("纪要.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(f"/supervision/milestones/{milestone.pk}/done/", {"d-files": [fake]})
    assert response.status_code == 200
    assert "的内容不是" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.done_on is None and not milestone.attachments.exists()


def test_a_leader_may_not_keep_milestones(client, people, topic):
    milestone = services.milestone_add(
        actor=people.staff, topic=topic, kind="forum", planned_on=dt.date(2026, 12, 1)
    )
    _login(client, people.leader)
    response = client.post(f"/supervision/milestones/{milestone.pk}/done/", {})
    assert response.status_code == 403
    assert "只有工作人员可以维护重点督办专题" in response.content.decode()


# --- 督办意见, 催办, 视察座谈 -------------------------------------------------------------------


def test_a_leaders_instruction_on_a_topic_reaches_every_unit_and_every_timeline(
    client, people, topic
):
    _login(client, people.leader)
    response = client.post(
        f"/supervision/topics/{topic.pk}/actions/new/",
        {"kind": "instruction", "content": "请于月底前拿出线路优化方案"},
    )
    assert response.status_code == 302
    action = SupervisionAction.objects.get()
    assert set(action.suggestions.all()) == set(topic.suggestions.all())
    acks = Acknowledgement.objects.filter(action=action)
    # first: unit (lead) and other_unit (co); second: other_unit (lead).
    assert sorted(a.assignment.unit.name for a in acks) == sorted(
        [people.unit.name, people.other_unit.name, people.other_unit.name]
    )
    assert {a.due_on for a in acks} == {dt.date(2026, 11, 25)}  # 3 working days after Friday
    events = AuditEvent.objects.filter(action="supervision.instruction")
    assert events.count() == 2 and {e.happened_on for e in events} == {TODAY}
    notice = Notification.objects.get(recipient=people.unit_user, kind="supervision.instruction")
    assert "督办意见" in notice.title and "2026-11-25" in notice.body
    _login(client, people.staff)
    page = client.get(f"/suggestions/{_first(topic).pk}/").content.decode()
    assert "督办意见" in page and "请于月底前拿出线路优化方案" in page and topic.title in page


def test_the_unit_acknowledges_on_its_assignment_page(client, people, topic):
    action = services.action_record(
        actor=people.leader, kind="instruction", topic=topic, content="加快办理"
    )
    ack = action.acknowledgements.get(assignment__unit=people.unit)
    _login(client, people.unit_user)
    page = client.get(f"/inbox/{ack.assignment_id}/").content.decode()
    assert "加快办理" in page and "请于 2026-11-25 前签收" in page and "签收督办意见" in page
    response = client.post(
        f"/supervision/acknowledgements/{ack.pk}/",
        {f"ack{ack.pk}-note": "已成立专班推进", f"ack{ack.pk}-acknowledged_on": "2026-11-20"},
    )
    assert response.status_code == 302
    ack.refresh_from_db()
    assert ack.acknowledged_on == TODAY and ack.acknowledged_by == people.unit_user
    assert AuditEvent.objects.filter(
        action="supervision.acknowledge", assignment=ack.assignment
    ).exists()
    page = client.get(f"/inbox/{ack.assignment_id}/").content.decode()
    assert "2026-11-20 已签收" in page and "已成立专班推进" in page
    # Twice is refused with the reason.
    client.post(f"/supervision/acknowledgements/{ack.pk}/", {})
    assert AuditEvent.objects.filter(action="supervision.acknowledge").count() == 1
    _login(client, people.leader)
    page = client.get(f"/supervision/topics/{topic.pk}/").content.decode()
    assert "2026-11-20 已签收" in page


def test_only_the_unit_acknowledges(client, people, topic):
    action = services.action_record(
        actor=people.leader, kind="instruction", topic=topic, content="加快办理"
    )
    ack = action.acknowledgements.get(assignment__unit=people.unit)
    _login(client, people.staff)
    response = client.post(f"/supervision/acknowledgements/{ack.pk}/", {})
    assert response.status_code == 403
    assert "只有被督办的承办单位可以签收督办意见" in response.content.decode()
    _login(client, people.other_unit_user)  # not its assignment
    assert client.post(f"/supervision/acknowledgements/{ack.pk}/", {}).status_code == 404
    _login(client, people.nobody)
    assert client.post(f"/supervision/acknowledgements/{ack.pk}/", {}).status_code == 404
    ack.refresh_from_db()
    assert ack.acknowledged_on is None


def test_an_urge_notifies_the_open_units_at_once(client, people, journey):
    suggestion, assignment = journey.accepted()
    _login(client, people.staff)  # committee staff may urge too
    response = client.post(
        f"/supervision/suggestions/{suggestion.pk}/actions/new/",
        {"kind": "urge", "content": "距答复期限不足一月,请抓紧办理"},
    )
    assert response.status_code == 302
    notice = Notification.objects.get(kind="supervision.urge")
    assert notice.recipient == people.unit_user and notice.assignment == assignment
    assert "催办" in notice.title and notice.url == f"/inbox/{assignment.pk}/"
    assert not Acknowledgement.objects.exists()
    event = AuditEvent.objects.get(action="supervision.urge")
    assert event.suggestion == suggestion and event.reason == "距答复期限不足一月,请抓紧办理"


def test_a_visit_is_logged_with_its_day_and_participants(client, people, journey):
    suggestion, _ = journey.accepted()
    _login(client, people.leader)
    response = client.post(
        f"/supervision/suggestions/{suggestion.pk}/actions/new/",
        {"kind": "visit", "content": "视察公交枢纽", "happened_on": "2026-11-12"},
    )
    assert "请填写参加人员" in response.content.decode()
    client.post(
        f"/supervision/suggestions/{suggestion.pk}/actions/new/",
        {
            "kind": "visit",
            "content": "视察公交枢纽",
            "happened_on": "2026-11-12",
            "participants": "王主任、财经委委员5人",
        },
    )
    action = SupervisionAction.objects.get()
    assert (
        action.happened_on == dt.date(2026, 11, 12)
        and action.participants == "王主任、财经委委员5人"
    )
    page = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "视察座谈" in page and "参加人员 王主任、财经委委员5人" in page and "补录于" in page
    assert not Notification.objects.filter(kind__startswith="supervision.").exists()


@pytest.mark.parametrize("who", ["unit_user", "deputy_user"])
def test_units_and_deputies_may_not_supervise(client, people, journey, who):
    suggestion, _ = journey.accepted()
    _login(client, getattr(people, who))
    response = client.post(
        f"/supervision/suggestions/{suggestion.pk}/actions/new/", {"kind": "urge", "content": "x"}
    )
    assert response.status_code == 403
    assert "只有领导和人大工作人员可以督办、催办或记录视察座谈" in response.content.decode()
    assert not SupervisionAction.objects.exists()


def test_outsiders_may_not_even_see_the_action_form(client, people, journey):
    suggestion, _ = journey.accepted()
    for who in ("other_unit_user", "other_deputy_user", "nobody"):
        _login(client, getattr(people, who))
        assert (
            client.get(f"/supervision/suggestions/{suggestion.pk}/actions/new/").status_code == 404
        )


def test_a_suggestion_not_yet_assigned_cannot_be_urged(people, journey):
    suggestion = journey.registered()
    with pytest.raises(services.InvalidTransition, match="尚未交办的建议不能督办或催办"):
        services.action_record(actor=people.leader, kind="urge", suggestion=suggestion, content="x")


def test_a_future_day_is_refused(people, journey):
    suggestion, _ = journey.accepted()
    with pytest.raises(services.InvalidTransition, match="日期不能晚于今天"):
        services.action_record(
            actor=people.leader,
            kind="visit",
            suggestion=suggestion,
            content="x",
            participants="y",
            happened_on=TODAY + dt.timedelta(days=1),
        )


# --- closing ----------------------------------------------------------------------------------


def test_staff_close_a_topic_with_its_report_and_it_is_then_read_only(client, people, topic):
    services.action_record(actor=people.leader, kind="instruction", topic=topic, content="加快")
    services.action_record(
        actor=people.leader, kind="visit", topic=topic, content="视察", participants="委员"
    )
    services.milestone_add(actor=people.staff, topic=topic, kind="report", planned_on=TODAY)
    _login(client, people.staff)
    response = client.post(
        f"/supervision/topics/{topic.pk}/close/",
        {"closed_on": "2026-11-20", "summary": "经过一年督办,线路优化方案已实施。"},
    )
    assert response["Location"] == f"/supervision/topics/{topic.pk}/report/"
    topic.refresh_from_db()
    assert topic.state == "done" and topic.closed_on == TODAY
    report = client.get(response["Location"]).content.decode()
    assert "关于“优化城区交通出行环境”重点督办专题办理情况的报告" in report
    assert "(草稿)" not in report
    assert "经过一年督办,线路优化方案已实施。" in report
    assert "提出督办意见1次、催办0次、开展视察座谈1次" in report
    assert "本专题包括代表建议2件" in report
    # Closed: no more edits, milestones or actions.
    assert (
        "只有工作人员" not in client.get(f"/supervision/topics/{topic.pk}/edit/").content.decode()
    )
    assert client.get(f"/supervision/topics/{topic.pk}/edit/").status_code == 403
    with pytest.raises(services.InvalidTransition, match="专题已完成"):
        services.action_record(actor=people.leader, kind="urge", topic=topic, content="x")
    with pytest.raises(services.InvalidTransition, match="专题已完成"):
        services.milestone_add(actor=people.staff, topic=topic, kind="forum", planned_on=TODAY)


def test_the_report_docx_holds_the_report(client, people, topic):
    from io import BytesIO

    from docx import Document
    from docx.oxml.ns import qn

    services.topic_close(actor=people.staff, topic=topic, summary="专题总结一段。")
    _login(client, people.leader)
    response = client.get(f"/supervision/topics/{topic.pk}/report.docx")
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "重点督办专题办理情况的报告" in text and "专题总结一段。" in text
    assert document.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "公交线路" in cells and "停车难" in cells


def test_the_export_lists_the_topics_suggestions_as_text(client, people, journey, topic):
    from io import BytesIO

    from openpyxl import load_workbook

    people.deputy.identity_confidential = True
    people.deputy.save()
    _first(topic).__class__.objects.filter(pk=_first(topic).pk).update(title="=HYPERLINK(1)")
    _login(client, people.staff)
    response = client.get(f"/supervision/topics/{topic.pk}/suggestions.xlsx")
    sheet = load_workbook(BytesIO(response.content))["专题建议"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2
    first = next(r for r in rows if r[1] == "=HYPERLINK(1)")
    assert sheet.cell(row=3 + rows.index(first), column=2).data_type == "s"  # text, no formula
    assert (
        first[2] == "不公开" and first[5] == people.unit.name and first[6] == people.other_unit.name
    )


def test_a_topic_holds_only_suggestions_of_its_term(people, journey):
    from .factories import TermFactory

    other_term = TermFactory(number=14, start_date=dt.date(2028, 1, 1), is_current=False)
    foreign = SuggestionFactory(term=other_term)
    suggestion, _ = journey.assigned()
    with pytest.raises(services.InvalidTransition, match="专题只能包含"):
        key_topic(staff=people.staff, leaders=[people.leader], suggestions=[suggestion, foreign])


def test_a_leader_not_active_is_refused(people, journey):
    suggestion, _ = journey.assigned()
    retired = UserFactory(is_leader=True, is_active=False)
    with pytest.raises(services.InvalidTransition, match="领办领导必须是领导用户"):
        key_topic(staff=people.staff, leaders=[retired], suggestions=[suggestion])


def test_a_unit_sees_only_its_own_acknowledgements_on_the_topic(client, people, journey):
    mine, _ = journey.accepted(title="公交线路")
    theirs, _ = journey.assigned(roles=(("other_unit", "lead"),), title="停车难")
    topic = key_topic(staff=people.staff, leaders=[people.leader], suggestions=[mine, theirs])
    services.action_record(actor=people.leader, kind="instruction", topic=topic, content="加快")
    _login(client, people.unit_user)
    log = client.get(f"/supervision/topics/{topic.pk}/").content.decode().split('id="actions"')[1]
    assert people.unit.name in log and people.other_unit.name not in log
    _login(client, people.leader)
    log = client.get(f"/supervision/topics/{topic.pk}/").content.decode().split('id="actions"')[1]
    assert people.unit.name in log and people.other_unit.name in log


def test_a_topics_act_reaches_the_units_of_its_assigned_suggestions(people, journey):
    assigned, assignment = journey.accepted()
    waiting = journey.registered()
    topic = key_topic(staff=people.staff, leaders=[people.leader], suggestions=[assigned, waiting])
    action = services.action_record(
        actor=people.leader, kind="instruction", topic=topic, content="加快"
    )
    assert [a.assignment for a in action.acknowledgements.all()] == [assignment]
    assert set(action.suggestions.all()) == {assigned, waiting}
    only_waiting = key_topic(
        staff=people.staff, leaders=[people.leader], suggestions=[waiting], title="未交办"
    )
    with pytest.raises(services.InvalidTransition, match="尚未交办的建议不能督办或催办"):
        services.action_record(actor=people.leader, kind="urge", topic=only_waiting, content="x")
