"""The suggestion page and every staff form: what staff see, what they save, what is refused."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from suggestions import workflow
from suggestions.models import (
    Assignment,
    AuditEvent,
    ExtensionRequest,
    ReassignmentRequest,
    Suggestion,
)

from .factories import DeputyFactory, SuggestionFactory, category, release_reply


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- the suggestion page --------------------------------------------------------------------


def _handled(people, journey):
    """A suggestion with two units, a contact, the co-handler's opinion, a reply and the
    deputy's feedback."""
    suggestion, lead = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))
    suggestion.co_signers.add(people.other_deputy)
    co = suggestion.assignments.get(role="co")
    workflow.assignment_accept(actor=people.other_unit_user, assignment=co)
    workflow.assignment_send_opinion(
        actor=people.other_unit_user, assignment=co, text="同意增设公交线路。"
    )
    workflow.assignment_record_contact(
        actor=people.unit_user,
        assignment=lead,
        kind="face",
        contacted_on=timezone.localdate(),
        participants="张伟代表、王科长",
        summary="当面听取意见",
    )
    reply = release_reply(
        actor=people.unit_user,
        assignment=lead,
        text="已增设公交线路两条。",
        result="A",
        is_public=True,
    )
    workflow.feedback_record(
        actor=people.deputy_user, reply=reply, result_verdict="satisfied", work_verdict="satisfied"
    )
    return suggestion


def test_the_suggestion_page_shows_everything_about_it(client, people, journey):
    suggestion = _handled(people, journey)
    page = text(as_user(client, people.staff).get(f"/suggestions/{suggestion.pk}/"))
    for expected in (
        suggestion.display_number,
        suggestion.title,
        "张伟",  # lead deputy
        "李娜",  # co-signer
        "市交通运输局",
        "市教育局",
        "主办",
        "协办",
        "当面听取意见",
        "已增设公交线路两条。",
        "A类",
        "对办理结果<strong>满意</strong>",
        "录入建议",  # timeline
        "立案",
        "交办承办单位",
        "签收",
        "代表反馈",
    ):
        assert expected in page, expected


def test_the_page_shows_days_left_on_open_assignments(client, people, journey):
    suggestion, assignment = journey.assigned()
    page = text(as_user(client, people.staff).get(f"/suggestions/{suggestion.pk}/"))
    days = (assignment.deadline - timezone.localdate()).days
    assert f"{assignment.deadline:%Y-%m-%d} · 剩余{days}天" in page


def test_a_unit_user_sees_their_units_suggestion_but_no_staff_actions(client, people, journey):
    suggestion, _ = journey.assigned()
    response = as_user(client, people.unit_user).get(f"/suggestions/{suggestion.pk}/")
    assert response.status_code == 200
    assert "确认交办" not in text(response) and "/edit/" not in text(response)


def test_another_units_user_gets_404(client, people, journey):
    suggestion, _ = journey.assigned()
    assert (
        as_user(client, people.other_unit_user).get(f"/suggestions/{suggestion.pk}/").status_code
        == 404
    )


def test_leaders_see_the_page_but_may_not_use_the_forms(client, people, journey):
    suggestion = journey.registered()
    client = as_user(client, people.leader)
    assert client.get(f"/suggestions/{suggestion.pk}/").status_code == 200
    for action in ("edit", "assign", "reject", "merge", "key", "close"):
        assert client.get(f"/suggestions/{suggestion.pk}/{action}/").status_code == 403, action
    assert client.post(f"/suggestions/{suggestion.pk}/register/").status_code == 403


def test_staff_forms_for_an_unseen_suggestion_answer_404_to_units(client, people, journey):
    suggestion = journey.registered()
    client = as_user(client, people.unit_user)
    for action in ("", "edit/", "assign/"):
        assert client.get(f"/suggestions/{suggestion.pk}/{action}").status_code == 404


@pytest.mark.parametrize("size", [1, 12])
def test_the_page_answers_in_constant_queries(
    client, people, journey, django_assert_max_num_queries, size
):
    suggestion = _handled(people, journey)
    for _ in range(size):
        workflow.assignment_record_contact(
            actor=people.unit_user,
            assignment=suggestion.assignments.get(role="lead"),
            kind="phone",
            contacted_on=timezone.localdate(),
            participants="王科长",
            summary="电话沟通",
        )
    client = as_user(client, people.staff)
    with django_assert_max_num_queries(22):
        assert client.get(f"/suggestions/{suggestion.pk}/").status_code == 200


# --- create and edit ------------------------------------------------------------------------


def _form_data(people, **overrides):
    data = {
        "term": people.term.pk,
        "kind": "suggestion",
        "channel": "session",
        "category": category().pk,
        "title": "关于增设社区养老服务站的建议",
        "content": "建议在老旧小区增设养老服务站。",
        "lead_deputy": people.deputy.pk,
        "co_signers": [people.other_deputy.pk],
        "submitted_on": "2026-03-02",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_create_form_proposes_the_next_number(client, people, journey):
    journey.submitted(number=41)
    page = text(as_user(client, people.staff).get("/suggestions/new/"))
    assert 'name="number" value="42"' in page
    assert "张伟" in page and "李娜" in page


def test_staff_log_a_paper_suggestion(client, people):
    response = as_user(client, people.staff).post(
        "/suggestions/new/", _form_data(people, number=7), follow=True
    )
    suggestion = Suggestion.objects.get()
    assert response.redirect_chain[-1][0] == f"/suggestions/{suggestion.pk}/"
    assert "已录入第0007号" in messages_of(response)
    assert (suggestion.number, suggestion.status) == (7, "submitted")
    assert suggestion.submitted_on == dt.date(2026, 3, 2)
    assert list(suggestion.co_signers.all()) == [people.other_deputy]
    assert AuditEvent.objects.filter(suggestion=suggestion, action="suggestion.create").exists()


def test_missing_fields_are_reported_in_chinese_and_nothing_is_saved(client, people):
    response = as_user(client, people.staff).post(
        "/suggestions/new/", _form_data(people, title="", lead_deputy=None)
    )
    assert response.status_code == 200
    assert text(response).count("该字段是必填项。") == 2
    assert not Suggestion.objects.exists()


def test_a_taken_number_is_refused_in_chinese(client, people, journey):
    journey.submitted(number=7)
    response = as_user(client, people.staff).post("/suggestions/new/", _form_data(people, number=7))
    assert "编号 第0007号 已被使用" in text(response)
    assert Suggestion.objects.count() == 1


def test_a_deputy_of_another_term_cannot_be_picked(client, people):
    from .factories import TermFactory

    stranger = DeputyFactory(term=TermFactory(number=12, is_current=False))
    response = as_user(client, people.staff).post(
        "/suggestions/new/", _form_data(people, lead_deputy=stranger.pk)
    )
    assert "选择一个有效的选项" in text(response)
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("who", ["leader", "unit_user", "deputy_user"])
def test_only_staff_may_log_suggestions(client, people, who):
    client = as_user(client, getattr(people, who))
    assert client.get("/suggestions/new/").status_code == 403
    assert client.post("/suggestions/new/", _form_data(people)).status_code == 403
    assert not Suggestion.objects.exists()


def _edit_form(client, suggestion) -> dict:
    """The edit form's fields as the browser would send them back."""
    form = client.get(f"/suggestions/{suggestion.pk}/edit/").context["form"]
    meta = client.get(f"/suggestions/{suggestion.pk}/edit/").context["meta"]
    data = {name: form[name].value() for name in form.fields}
    data |= {name: meta[name].value() for name in meta.fields}
    data["co_signers"] = [d.pk for d in suggestion.co_signers.all()]
    data["term"] = suggestion.term_id
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_staff_edit_a_suggestion_and_the_timeline_shows_it(client, people, journey):
    suggestion = journey.submitted(title="旧标题")
    client = as_user(client, people.staff)
    data = _edit_form(client, suggestion) | {"title": "新标题"}
    response = client.post(f"/suggestions/{suggestion.pk}/edit/", data, follow=True)
    suggestion.refresh_from_db()
    assert (suggestion.title, suggestion.version) == ("新标题", 2)
    assert "标题:旧标题 → 新标题" in text(response)


def test_the_second_of_two_concurrent_edits_is_refused_with_what_changed(client, people, journey):
    suggestion = journey.submitted(title="原标题", content="原内容")
    first, second = client, type(client)()
    as_user(first, people.staff)
    other_staff = type(people.staff).objects.create_user(
        "staff2", password="x", is_committee_staff=True, name="刘敏"
    )
    as_user(second, other_staff)
    mine = _edit_form(first, suggestion)
    theirs = _edit_form(second, suggestion)

    second.post(f"/suggestions/{suggestion.pk}/edit/", theirs | {"title": "刘敏改的标题"})
    response = first.post(f"/suggestions/{suggestion.pk}/edit/", mine | {"content": "我改的内容"})

    page = text(response)
    assert response.status_code == 200
    assert "保存被拒绝" in page and "刘敏" in page and "第1版 → 第2版" in page
    assert "<td>标题</td><td>原标题</td><td>刘敏改的标题</td>" in page
    assert "我改的内容" in page  # what I typed is kept for me to resubmit
    suggestion.refresh_from_db()
    assert (suggestion.title, suggestion.content, suggestion.version) == (
        "刘敏改的标题",
        "原内容",
        2,
    )
    # Having seen the change, resubmitting applies mine on top of theirs.
    again = _edit_form(first, suggestion) | {"content": "我改的内容"}
    first.post(f"/suggestions/{suggestion.pk}/edit/", again)
    suggestion.refresh_from_db()
    assert (suggestion.title, suggestion.content) == ("刘敏改的标题", "我改的内容")


# --- state changes --------------------------------------------------------------------------


def test_register_with_a_category(client, people, journey):
    suggestion = journey.submitted(category=None)
    response = as_user(client, people.staff).post(
        f"/suggestions/{suggestion.pk}/register/",
        {"category": category("农业农村").pk},
        follow=True,
    )
    suggestion.refresh_from_db()
    assert suggestion.status == "registered" and suggestion.category.name == "农业农村"
    assert "已立案" in messages_of(response)


def test_register_without_a_category_is_refused_in_chinese(client, people, journey):
    suggestion = journey.submitted(category=None)
    response = as_user(client, people.staff).post(
        f"/suggestions/{suggestion.pk}/register/", {}, follow=True
    )
    assert "立案前请选择分类" in messages_of(response)
    suggestion.refresh_from_db()
    assert suggestion.status == "submitted"


def test_reject_needs_a_reason_and_a_note_for_other(client, people, journey):
    suggestion = journey.submitted()
    client = as_user(client, people.staff)
    url = f"/suggestions/{suggestion.pk}/reject/"
    assert "该字段是必填项。" in text(client.post(url, {"reason": ""}))
    assert "理由为“其他”时请填写说明" in text(client.post(url, {"reason": "other"}))
    suggestion.refresh_from_db()
    assert suggestion.status == "submitted"
    client.post(url, {"reason": "personal", "note": "属个人诉求"})
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.reject_reason) == ("rejected", "personal")


def test_merge_into_another_suggestion_by_number(client, people, journey):
    target = journey.registered(number=3)
    suggestion = journey.submitted(number=9)
    client = as_user(client, people.staff)
    url = f"/suggestions/{suggestion.pk}/merge/"
    assert "本届没有这个编号的建议" in text(client.post(url, {"into_number": 99}))
    client.post(url, {"into_number": 3, "note": "内容相同"})
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.merged_into) == ("merged", target)


def test_the_assign_page_shows_the_computed_deadline_before_saving(client, people, journey):
    suggestion = journey.registered(channel="express")
    page = text(as_user(client, people.staff).get(f"/suggestions/{suggestion.pk}/assign/"))
    today = timezone.localdate()
    expected = workflow.deadlines.reply_deadline(
        assigned_on=today,
        rules=workflow.deadlines.rules_for_channel("express"),
        role="lead",
        calendar=workflow.deadlines.WorkCalendar.load(),
    ).date
    assert f"主办:{expected:%Y-%m-%d}" in page
    assert not Assignment.objects.exists()


def test_recomputing_for_another_date_saves_nothing(client, people, journey):
    suggestion = journey.registered()
    response = as_user(client, people.staff).post(
        f"/suggestions/{suggestion.pk}/assign/",
        {"preview": "1", "assigned_on": "2026-09-01", "lead": people.unit.pk},
    )
    assert "按 2026-09-01 交办" in text(response)
    assert "主办:2026-12-01" in text(response)
    assert "该字段是必填项" not in text(response)
    assert not Assignment.objects.exists()


def test_assign_to_a_lead_and_a_co_handler(client, people, journey):
    suggestion = journey.registered()
    response = as_user(client, people.staff).post(
        f"/suggestions/{suggestion.pk}/assign/",
        {
            "lead": people.unit.pk,
            "co": [people.other_unit.pk],
            "assigned_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    suggestion.refresh_from_db()
    assert suggestion.status == "assigned"
    roles = dict(suggestion.assignments.values_list("unit__name", "role"))
    assert roles == {"市交通运输局": "lead", "市教育局": "co"}
    lead = suggestion.assignments.get(role="lead")
    assert f"已交办:市交通运输局(主办)、市教育局(协办),答复期限 {lead.deadline}" in messages_of(
        response
    )


def test_assign_refusals_are_shown_in_chinese_and_save_nothing(client, people, journey):
    suggestion = journey.registered()
    client = as_user(client, people.staff)
    url = f"/suggestions/{suggestion.pk}/assign/"
    today = timezone.localdate().isoformat()
    assert "请至少选择一个承办单位" in text(client.post(url, {"assigned_on": today}))
    both = {"lead": people.unit.pk, "split": [people.other_unit.pk], "assigned_on": today}
    assert "主办与分办不能同时使用" in text(client.post(url, both))
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    assert "不能晚于今天" in text(client.post(url, {"lead": people.unit.pk, "assigned_on": future}))
    assert not Assignment.objects.exists()


def test_mark_key_with_a_supervising_leader(client, people, journey):
    suggestion = journey.registered()
    client = as_user(client, people.staff)
    url = f"/suggestions/{suggestion.pk}/key/"
    assert "设为重点建议时请选择督办领导" in text(client.post(url, {"is_key": "on"}))
    client.post(url, {"is_key": "on", "supervisor": people.leader.pk})
    suggestion.refresh_from_db()
    assert (suggestion.is_key, suggestion.supervisor) == (True, people.leader)


def test_close_a_replied_suggestion(client, people, journey):
    suggestion, _ = journey.replied()
    response = as_user(client, people.staff).post(
        f"/suggestions/{suggestion.pk}/close/", {"note": ""}, follow=True
    )
    suggestion.refresh_from_db()
    assert suggestion.status == "closed" and "已办结" in messages_of(response)


def test_close_before_the_reply_is_refused(client, people, journey):
    suggestion, _ = journey.assigned()
    response = as_user(client, people.staff).post(f"/suggestions/{suggestion.pk}/close/", {})
    assert "只有全部答复后的建议可以办结" in text(response)


def test_staff_copy_a_dissatisfied_paper_feedback_and_rehandling_starts(client, people, journey):
    suggestion, reply = journey.replied()
    client = as_user(client, people.staff)
    page = text(client.get(f"/suggestions/{suggestion.pk}/"))
    url = f"/suggestions/{suggestion.pk}/replies/{reply.pk}/feedback/"
    assert url in page
    form = {
        "result_verdict": "dissatisfied",
        "work_verdict": "basically",
        "given_on": timezone.localdate().isoformat(),
    }
    assert "不满意时请填写具体意见" in text(client.post(url, form))
    client.post(url, form | {"remarks": "线路仍未开通"})
    reply.refresh_from_db()
    assert reply.feedback.on_behalf and reply.feedback.entered_by == people.staff
    assignment = Assignment.objects.get(pk=reply.assignment_id)
    assert (assignment.round, assignment.state) == (2, "accepted")


def _requests(people, journey):
    suggestion, assignment = journey.accepted()
    extension = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=assignment.deadline + dt.timedelta(days=30),
        reason="需要实地调研",
        deputy_informed=True,
    )
    return suggestion, assignment, extension


def test_pending_requests_are_listed_for_staff(client, people, journey):
    _requests(people, journey)
    page = text(as_user(client, people.staff).get("/suggestions/requests/"))
    assert "需要实地调研" in page and "已向代表说明" in page
    assert as_user(client, people.leader).get("/suggestions/requests/").status_code == 403


def test_approving_an_extension_moves_the_deadline(client, people, journey):
    suggestion, assignment, extension = _requests(people, journey)
    as_user(client, people.staff).post(
        f"/suggestions/requests/extension/{extension.pk}/decide/", {"approve": "yes", "note": ""}
    )
    extension.refresh_from_db()
    assignment.refresh_from_db()
    assert extension.state == "approved"
    assert assignment.deadline >= extension.requested_deadline


def test_rejecting_without_a_note_is_refused_in_chinese(client, people, journey):
    suggestion, assignment, extension = _requests(people, journey)
    response = as_user(client, people.staff).post(
        f"/suggestions/requests/extension/{extension.pk}/decide/",
        {"approve": "no", "note": ""},
        follow=True,
    )
    assert "不同意延期时请填写审核意见" in messages_of(response)
    extension.refresh_from_db()
    assert extension.state == "pending"


def test_approving_a_reassignment_hands_it_to_the_new_unit(client, people, journey):
    suggestion, assignment = journey.assigned()
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=assignment, reason="不属于本单位职责"
    )
    as_user(client, people.staff).post(
        f"/suggestions/requests/reassignment/{request.pk}/decide/",
        {"approve": "yes", "new_unit": people.other_unit.pk},
    )
    assert ReassignmentRequest.objects.get().state == "approved"
    open_units = suggestion.assignments.exclude(state="ended").values_list("unit", flat=True)
    assert list(open_units) == [people.other_unit.pk]
    assert not ExtensionRequest.objects.exists()


# --- bulk actions ---------------------------------------------------------------------------


def test_bulk_assign_the_ticked_suggestions(client, people, journey):
    a, b = journey.registered(), journey.registered()
    response = as_user(client, people.staff).post(
        "/suggestions/bulk/",
        {"action": "assign", "ids": [a.pk, b.pk], "unit": people.unit.pk, "role": "lead"},
        follow=True,
    )
    assert "已对2件建议批量交办" in messages_of(response)
    assert Assignment.objects.filter(unit=people.unit, role="lead").count() == 2


def test_bulk_assign_is_all_or_nothing_and_names_each_refusal(client, people, journey):
    ready, not_ready = journey.registered(), journey.submitted()
    response = as_user(client, people.staff).post(
        "/suggestions/bulk/",
        {"action": "assign", "ids": [ready.pk, not_ready.pk], "unit": people.unit.pk},
        follow=True,
    )
    shown = messages_of(response)
    assert "未执行任何操作" in shown
    assert f"{not_ready.display_number}:只有已立案或已交办的建议可以交办" in shown
    assert not Assignment.objects.exists()


def test_bulk_mark_key_on_every_filtered_suggestion(client, people, journey):
    for _ in range(3):
        journey.registered(channel="express")
    other = journey.registered(channel="session")
    as_user(client, people.staff).post(
        "/suggestions/bulk/",
        {
            "action": "key",
            "all_matching": "on",
            "query": "channel=express",
            "supervisor": people.leader.pk,
        },
    )
    assert Suggestion.objects.filter(is_key=True, channel="express").count() == 3
    other.refresh_from_db()
    assert not other.is_key


def test_bulk_without_a_selection_says_so(client, people, journey):
    response = as_user(client, people.staff).post(
        "/suggestions/bulk/", {"action": "key", "supervisor": people.leader.pk}, follow=True
    )
    assert "请先勾选建议" in messages_of(response)


def test_bulk_is_for_staff_only(client, people, journey):
    a = journey.registered()
    response = as_user(client, people.leader).post(
        "/suggestions/bulk/", {"action": "assign", "ids": [a.pk], "unit": people.unit.pk}
    )
    assert response.status_code == 403


@pytest.mark.postgres
def test_search_uses_the_trigram_index_on_postgresql(people):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    SuggestionFactory.create_batch(5, term=people.term)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM suggestions_suggestion WHERE UPPER(title::text) LIKE UPPER(%s)",
            ["%公交线%"],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "suggestion_title_trgm" in plan


def test_bulk_export_the_ticked_suggestions(client, people, journey):
    import io

    import openpyxl

    a, b, _c = journey.registered(), journey.registered(), journey.registered()
    response = as_user(client, people.staff).post(
        "/suggestions/bulk/", {"action": "export", "ids": [a.pk, b.pk]}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows())]
    titles = sorted(row[header.index("标题")].value for row in sheet.iter_rows(min_row=2))
    assert titles == sorted([a.title, b.title])


@pytest.mark.postgres
def test_two_character_search_uses_the_bigram_index_on_postgresql(people):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from suggestions import selectors
    from suggestions.models import Suggestion

    SuggestionFactory.create_batch(5, term=people.term)
    # The search's own condition, as the list's narrow id query asks it (no join, no sort).
    queryset = selectors.suggestion_search(Suggestion.objects.all(), "公交").order_by()
    with connection.cursor() as cursor:
        # On 5 rows a full scan of any B-tree is cheapest, and the planner statistics are
        # whatever an earlier test's ANALYZE left; leave the planner only index conditions
        # (bitmap scans), so the plan shows whether the search can use the index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
    assert "suggestion_search_bigrams" in queryset.values("id").explain()


@pytest.mark.postgres
def test_the_search_indexes_keep_a_short_pending_list_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s) ORDER BY relname",
            [["suggestion_content_trgm", "suggestion_search_bigrams", "suggestion_title_trgm"]],
        )
        options = dict(cursor.fetchall())
    assert len(options) == 3
    assert all(value == ["gin_pending_list_limit=64"] for value in options.values()), options


@pytest.mark.postgres
def test_a_status_filter_reads_its_index_in_the_lists_order_on_postgresql(people):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from suggestions import selectors

    # Most suggestions in other states, as in a term: the filter is what the index narrows.
    SuggestionFactory.create_batch(60, term=people.term)
    SuggestionFactory.create_batch(3, term=people.term, status=Suggestion.Status.ASSIGNED)
    queryset = selectors.suggestion_list(user=people.staff, filters={"status": "assigned"})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE suggestions_suggestion")
        # Tiny tables: leave the planner no sort of a full scan, as 100,000 rows leave it none.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
    assert "suggestion_status_number_idx" in queryset.values("pk")[:51].explain()


def test_the_unfiltered_list_reads_its_congress_in_the_lists_order_on_postgresql(people):
    """The default order (term, number, newest first) is read from an index that leads with
    the congress: the (term, number) unique index would be walked past every other congress's
    rows first (a province's demo city: 545 ms, with it 6 ms)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from suggestions import selectors

    SuggestionFactory.create_batch(5, term=people.term)
    queryset = selectors.suggestion_list(user=people.staff, filters={})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
    plan = queryset.values("pk")[:51].explain()
    assert "suggestion_cgr_number_idx" in plan, plan
