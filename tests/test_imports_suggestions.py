"""Importing suggestions from Excel: a preview listing every error in Chinese, nothing saved
until staff confirm, and all or nothing."""

import pytest

from deputies.models import Meeting
from imports import excel
from imports.models import ImportJob
from suggestions import workflow
from suggestions.models import AuditEvent, Category, Suggestion

from .factories import DelegationFactory, DeputyFactory, MeetingFactory, category
from .test_pages import login
from .xlsx import confirm, latest_job, suggestion_row, upload, workbook

SUGGESTIONS = excel.SUGGESTIONS.kind


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff_client(client, people):
    category("城乡建设")
    MeetingFactory(term=people.term, number=3, name="第3次会议")
    login(client, people.staff)
    return client


def test_a_clean_file_is_previewed_and_saves_nothing_until_confirmed(staff_client, people):
    rows = [
        suggestion_row(number=7, meeting="第3次会议", co_signers="李娜"),
        suggestion_row(number=8, title="关于老旧小区加装电梯的建议", kind="议案"),
    ]
    page = upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows)).content.decode()

    assert "检查通过" in page
    assert "将导入 2 件代表建议" in page
    assert "导入后状态:已立案" in page
    assert Suggestion.objects.count() == 0


def test_confirming_imports_registered_suggestions_with_their_numbers(staff_client, people):
    rows = [
        suggestion_row(number=7, meeting="第3次会议", co_signers="李娜"),
        suggestion_row(number=8, kind="议案", channel="闭会期间"),
    ]
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows))

    page = confirm(staff_client, latest_job()).content.decode()

    assert "导入完成:代表建议 2" in page
    first, second = Suggestion.objects.order_by("number")
    assert (first.number, first.status, first.meeting.name) == (7, "registered", "第3次会议")
    assert [d.name for d in first.co_signers.all()] == ["李娜"]
    assert first.lead_deputy == people.deputy and first.created_by == people.staff
    assert str(first.submitted_on) == "2026-03-01"
    assert (second.number, second.kind, second.channel) == (8, "motion", "recess")
    assert list(AuditEvent.objects.filter(suggestion=first).values_list("action", "to_state")) == [
        ("suggestion.create", "submitted"),
        ("suggestion.register", "registered"),
    ]


def test_suggestions_can_land_as_submitted_awaiting_registration(staff_client, people):
    upload(
        staff_client,
        SUGGESTIONS,
        workbook(excel.SUGGESTIONS, [suggestion_row(category="")]),
        register=False,
    )
    confirm(staff_client, latest_job())

    suggestion = Suggestion.objects.get()
    assert (suggestion.status, suggestion.number, suggestion.registered_on) == (
        "submitted",
        1,
        None,
    )


def test_one_bad_row_among_good_ones_is_reported_and_nothing_is_saved(staff_client, people):
    rows = [
        suggestion_row(number=1),
        suggestion_row(number=2, lead_deputy="王五"),
        suggestion_row(number=3),
    ]
    response = upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows))
    page = response.content.decode()

    assert "发现 1 处错误,未保存任何数据" in page
    assert "<td>代表建议</td><td>3</td><td>领衔代表</td><td>本届没有名为“王五”的代表</td>" in page
    assert "确认导入" not in page
    assert latest_job().state == ImportJob.State.INVALID
    assert Suggestion.objects.count() == 0


def test_every_error_is_listed_at_once(staff_client, people):
    rows = [
        suggestion_row(
            number=1,
            title="",
            channel="网上",
            category="交通",
            submitted_on="2026年13月1日",
            co_signers="李娜、赵六",
        ),
        suggestion_row(number=1, meeting="第9次会议", term="市第13届"),
        suggestion_row(number="一", term="市第99届", content=""),
    ]
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows))

    errors = [(e["row"], e["column"], e["message"]) for e in latest_job().errors]
    assert errors == [
        (2, "来源", "“网上”不正确,应为:大会期间、闭会期间、代表之声、直通车"),
        (2, "分类", f"未找到分类“交通”,可选:{'、'.join(c.name for c in Category.objects.all())}"),
        (2, "标题", "请填写标题"),
        (2, "附议代表", "本届没有名为“赵六”的代表"),
        (2, "提出日期", "日期“2026年13月1日”格式不正确,应写成 2026-03-01"),
        (3, "会议", "市第13届没有会议“第9次会议”"),
        (3, "编号", "编号1与第2行重复"),
        (4, "届次", "未找到届次“市第99届”,请先在管理后台录入"),
        (4, "编号", "“一”不是正整数"),
        (4, "内容", "请填写内容"),
    ]
    assert Suggestion.objects.count() == 0


def test_a_number_already_used_in_the_term_is_an_error(staff_client, people, journey):
    journey.submitted(number=5)
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, [suggestion_row(number=5)]))

    assert [e["message"] for e in latest_job().errors] == ["编号 第0005号 已被使用"]


def test_registering_needs_a_category(staff_client, people):
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, [suggestion_row(category="")]))

    assert [(e["column"], e["message"]) for e in latest_job().errors] == [
        ("分类", "立案前请选择分类")
    ]


def test_namesakes_must_be_told_apart_by_delegation(staff_client, people):
    first = DelegationFactory(term=people.term, name="第一代表团")
    people.deputy.delegation = first
    people.deputy.save()
    DeputyFactory(term=people.term, name="张伟", delegation=DelegationFactory(term=people.term))
    rows = [suggestion_row(number=1), suggestion_row(number=2, lead_deputy="张伟(第一代表团)")]
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows))

    job = latest_job()
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "领衔代表")]
    assert job.errors[0]["message"].startswith(
        "本届有2位代表名为“张伟”,请写明代表团,如:张伟(第一代表团)"
    )

    rows = [suggestion_row(number=2, lead_deputy="张伟(第一代表团)")]
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows))
    confirm(staff_client, latest_job())
    assert Suggestion.objects.get().lead_deputy == people.deputy


def test_a_change_between_preview_and_confirm_saves_nothing(staff_client, people, journey):
    rows = [suggestion_row(number=1), suggestion_row(number=2)]
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows))
    job = latest_job()
    assert job.state == ImportJob.State.READY
    journey.submitted(number=2)  # someone logs number 2 meanwhile

    page = confirm(staff_client, job).content.decode()

    assert "确认导入时重新检查发现错误" in page
    assert "编号 第0002号 已被使用" in page
    assert Suggestion.objects.count() == 1


def test_a_job_is_imported_once_however_often_it_is_confirmed(staff_client, people):
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, [suggestion_row(number=1)]))
    job = latest_job()
    confirm(staff_client, job)

    page = confirm(staff_client, job).content.decode()

    assert "该文件已导入或未通过检查,不能再次确认" in page
    assert Suggestion.objects.count() == 1


def test_the_workflow_refuses_the_whole_batch_when_one_item_breaks_a_rule(people):
    good = workflow.NewSuggestion(
        term=people.term,
        title="标题",
        content="内容",
        channel="session",
        lead_deputy=people.deputy,
        category=category(),
    )
    bad = workflow.NewSuggestion(
        term=people.term, title="标题", content="", channel="session", lead_deputy=people.deputy
    )
    with pytest.raises(workflow.InvalidTransition, match="第2件:请填写内容"):
        workflow.suggestions_import(actor=people.staff, items=[good, bad], register=True)
    assert Suggestion.objects.count() == 0


def test_only_staff_import_through_the_workflow(people):
    item = workflow.NewSuggestion(
        term=people.term, title="标题", content="内容", channel="session", lead_deputy=people.deputy
    )
    with pytest.raises(workflow.NotPermitted):
        workflow.suggestions_import(actor=people.leader, items=[item], register=False)


def test_missing_columns_are_reported_on_the_header_row(staff_client, people):
    headers = [h for h in excel.SUGGESTIONS.headers if h not in ("标题", "来源")]
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, [["x"]], headers=headers))

    assert [(e["row"], e["column"], e["message"]) for e in latest_job().errors] == [
        (1, "来源", "缺少“来源”列,请使用下载的模板"),
        (1, "标题", "缺少“标题”列,请使用下载的模板"),
    ]


def test_a_file_that_is_not_a_workbook_gets_a_chinese_error(staff_client, people):
    page = upload(staff_client, SUGGESTIONS, b"not a workbook").content.decode()

    assert "文件无法读取:请上传 Excel 2007 及以上版本的 .xlsx 文件" in page
    assert latest_job().state == ImportJob.State.INVALID


def test_an_old_xls_file_is_refused_by_the_form(staff_client, people):
    response = upload(staff_client, SUGGESTIONS, b"old", name="建议.xls")

    assert "请上传 .xlsx 格式的 Excel 文件" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_meetings_may_be_written_by_number(staff_client, people):
    rows = [suggestion_row(number=1, meeting=3, term=13)]
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows))
    confirm(staff_client, latest_job())

    assert Suggestion.objects.get().meeting == Meeting.objects.get(number=3)


def test_suggestions_registered_on_paper_keep_their_registration_day(staff_client, people):
    rows = [
        suggestion_row(number=1, registered_on="2026-03-05"),
        suggestion_row(number=2, registered_on="2026-02-28"),  # before its 提出日期 2026-03-01
    ]
    page = upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows)).content.decode()
    assert "立案日期不能早于提出日期(2026-03-01)" in page
    assert Suggestion.objects.count() == 0

    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows[:1]))
    confirm(staff_client, latest_job())
    suggestion = Suggestion.objects.get()
    assert (suggestion.status, str(suggestion.registered_on)) == ("registered", "2026-03-05")
    event = AuditEvent.objects.get(suggestion=suggestion, action="suggestion.register")
    assert str(event.day) == "2026-03-05"
    assert str(AuditEvent.objects.get(action="suggestion.create").day) == "2026-03-01"


def test_the_workbook_is_parsed_once_at_upload_and_its_rows_kept(staff_client, people):
    import datetime as dt

    rows = [suggestion_row(number=7, submitted_on=dt.datetime(2026, 3, 2), title="日期单元格")]
    upload(staff_client, SUGGESTIONS, workbook(excel.SUGGESTIONS, rows))
    job = latest_job()
    assert job.state == ImportJob.State.READY
    # The check and the import read the rows kept at upload, not the workbook: replace the
    # stored file by something unreadable and the import still goes through as checked.
    with job.file.storage.open(job.file.name, "wb") as stored:
        stored.write(b"not a workbook any more")

    page = confirm(staff_client, job).content.decode()

    assert "导入完成:代表建议 1" in page
    imported = Suggestion.objects.get()
    assert (imported.number, imported.title) == (7, "日期单元格")
    assert imported.submitted_on == dt.date(2026, 3, 2)
    assert job.file.storage.exists(f"{job.file.name}.rows.json")


def test_kept_rows_give_back_every_kind_of_cell_value():
    import datetime as dt
    import io

    values = [
        "文本",
        7,
        2.5,
        True,
        None,
        dt.datetime(2026, 3, 2, 9, 30),
        dt.date(2026, 3, 2),
        dt.time(9, 30),
        dt.timedelta(hours=1),
    ]
    content = workbook(excel.SUGGESTIONS, [values])
    kept = excel.stored_table(excel.parse_rows(io.BytesIO(content), excel.SUGGESTIONS)[0])
    table = excel.open_table(io.BytesIO(content), excel.SUGGESTIONS)
    try:
        assert list(kept.rows) == list(table.rows)
        assert (kept.sheet, kept.columns) == (table.sheet, table.columns)
    finally:
        table.close()
