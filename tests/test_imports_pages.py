"""The import/export pages: committee staff only, in Chinese, in constant queries."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from imports import excel
from imports.models import ImportJob

from .factories import category
from .test_pages import login
from .xlsx import read_rows


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _job(people, **kwargs) -> ImportJob:
    kwargs.setdefault("state", ImportJob.State.INVALID)
    kwargs.setdefault(
        "errors", [{"sheet": "代表建议", "row": 3, "column": "标题", "message": "请填写标题"}]
    )
    return ImportJob.objects.create(
        kind="suggestions",
        file="imports/x.xlsx",
        original_name="建议.xlsx",
        created_by=people.staff,
        total_rows=5,
        **kwargs,
    )


GET_PAGES = [
    "/imports/",
    "/imports/templates/suggestions.xlsx",
    "/imports/templates/deputies.xlsx",
    "/imports/templates/units.xlsx",
    "/imports/jobs/{job}/",
    "/imports/jobs/{job}/progress/",
    "/imports/jobs/{job}/errors.xlsx",
    "/imports/export/suggestions/",
    "/imports/export/deputies/",
    "/imports/export/units/",
]
POST_PAGES = ["/imports/upload/", "/imports/jobs/{job}/confirm/"]


@pytest.mark.parametrize("url", GET_PAGES)
def test_staff_open_every_page(client, people, url):
    login(client, people.staff)
    assert client.get(url.format(job=_job(people).pk)).status_code == 200


@pytest.mark.parametrize("role", ["leader", "unit_user", "deputy_user", "nobody"])
@pytest.mark.parametrize("url", GET_PAGES + POST_PAGES)
def test_other_roles_are_refused(client, people, url, role):
    login(client, getattr(people, role))
    url = url.format(job=_job(people).pk)
    response = client.post(url) if url in POST_PAGES else client.get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("url", GET_PAGES + POST_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, people, url):
    url = url.format(job=_job(people).pk)
    response = client.post(url) if "confirm" in url or "upload" in url else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_job_or_template_is_not_found(client, people):
    login(client, people.staff)
    assert client.get("/imports/jobs/999/").status_code == 404
    assert client.get("/imports/templates/nothing.xlsx").status_code == 404


@pytest.mark.parametrize("spec", excel.SHEETS.values(), ids=lambda s: s.kind)
def test_templates_open_in_excel_with_the_headers(client, people, spec):
    category("城乡建设")
    login(client, people.staff)
    response = client.get(f"/imports/templates/{spec.kind}.xlsx")

    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert read_rows(response.content) == [tuple(spec.headers)]


def test_the_suggestions_template_explains_columns_and_lists_categories(client, people):
    category("城乡建设")
    login(client, people.staff)
    book = load_workbook(BytesIO(client.get("/imports/templates/suggestions.xlsx").content))

    help_rows = list(book["填写说明"].iter_rows(values_only=True))
    assert ("标题", "是", "不超过200字") in help_rows
    assert any(row[0] == "分类" and "城乡建设" in (row[2] or "") for row in help_rows)


def test_the_job_page_lists_errors_in_chinese(client, people):
    login(client, people.staff)
    page = client.get(f"/imports/jobs/{_job(people).pk}/").content.decode()

    assert "发现 1 处错误,未保存任何数据" in page
    assert "<td>代表建议</td><td>3</td><td>标题</td><td>请填写标题</td>" in page


def test_the_errors_download_holds_every_error(client, people):
    login(client, people.staff)
    content = client.get(f"/imports/jobs/{_job(people).pk}/errors.xlsx").content

    assert read_rows(content) == [
        ("工作表", "行号", "列", "错误原因"),
        ("代表建议", 3, "标题", "请填写标题"),
    ]


def test_a_busy_job_shows_a_progress_bar_that_a_script_moves(client, people):
    job = _job(people, state=ImportJob.State.RUNNING, errors=[], processed_rows=2)
    login(client, people.staff)
    page = client.get(f"/imports/jobs/{job.pk}/").content.decode()

    assert '<progress id="import-progress" max="5" value="2">40%</progress>' in page
    assert "/static/js/import-progress.js" in page
    assert f'data-progress-url="/imports/jobs/{job.pk}/progress/"' in page
    assert "<script>" not in page  # no inline script


def test_the_progress_endpoint_reports_rows_and_state(client, people):
    job = _job(people, state=ImportJob.State.VALIDATING, errors=[], processed_rows=2)
    login(client, people.staff)

    assert client.get(f"/imports/jobs/{job.pk}/progress/").json() == {
        "state": "validating",
        "state_label": "正在检查",
        "busy": True,
        "processed_rows": 2,
        "total_rows": 5,
        "percent": 40,
        "url": f"/imports/jobs/{job.pk}/",
    }


@pytest.mark.parametrize("size", [2, 20])
def test_the_index_answers_in_constant_queries(client, people, django_assert_max_num_queries, size):
    for _ in range(size):
        _job(people)
    login(client, people.staff)
    # Two of them read the user's permissions: is the 包含保密代表姓名 option offered?
    with django_assert_max_num_queries(8):
        assert client.get("/imports/").status_code == 200


@pytest.mark.parametrize("size", [2, 200])
def test_the_job_page_answers_in_constant_queries(
    client, people, django_assert_max_num_queries, size
):
    errors = [
        {"sheet": "代表建议", "row": n, "column": "标题", "message": "请填写标题"}
        for n in range(2, size + 2)
    ]
    job = _job(people, errors=errors)
    login(client, people.staff)
    with django_assert_max_num_queries(6):
        assert client.get(f"/imports/jobs/{job.pk}/").status_code == 200
