"""In Chromium: staff upload a file with the plain form, read the errors, and watch a big
import's progress bar move until the page shows the result."""

import pytest
from playwright.sync_api import expect

from imports import excel
from imports.models import ImportJob

from .conftest import screenshot
from .factories import PASSWORD, category
from .xlsx import suggestion_row, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _log_in(page, live_server, user):
    page.goto(f"{live_server.url}/imports/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/imports/")


def test_staff_upload_a_file_and_read_its_errors(page, live_server, people, tmp_path):
    category("城乡建设")
    path = tmp_path / "建议.xlsx"
    path.write_bytes(
        workbook(excel.SUGGESTIONS, [suggestion_row(number=1), suggestion_row(lead_deputy="王五")])
    )
    _log_in(page, live_server, people.staff)

    page.select_option("#id_kind", "suggestions")
    page.set_input_files("#id_file", str(path))
    page.click("text=上传并检查")

    row = page.locator("table.errors tbody tr")
    assert row.inner_text().split("\t") == ["代表建议", "3", "领衔代表", "本届没有名为“王五”的代表"]
    screenshot(page, "import-errors")


def test_the_progress_bar_moves_and_the_page_shows_the_result(page, live_server, people):
    job = ImportJob.objects.create(
        kind="suggestions",
        file="imports/x.xlsx",
        original_name="建议.xlsx",
        created_by=people.staff,
        state=ImportJob.State.RUNNING,
        total_rows=10_000,
        processed_rows=1_000,
    )
    _log_in(page, live_server, people.staff)
    page.goto(f"{live_server.url}/imports/jobs/{job.pk}/")
    assert page.locator("#import-percent").inner_text() == "10"

    ImportJob.objects.filter(pk=job.pk).update(processed_rows=5_000)
    # A locator wait, not wait_for_function: the page's CSP forbids evaluating strings.
    expect(page.locator("#import-percent")).to_have_text("50")
    screenshot(page, "import-progress")

    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE, processed_rows=10_000, created_counts={"代表建议": 10_000}
    )
    page.wait_for_selector("text=导入完成:代表建议 10000")
