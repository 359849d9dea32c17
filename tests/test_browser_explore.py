"""Explore in a real browser: commitments past their date at each Board, and a spreadsheet that says what it is."""

from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest

from gse_dashboard import explore
from gse_dashboard.explore import ExploreState
from gse_dashboard.rules import auth
from gse_dashboard.storage import store
from tests.browser import ARTIFACTS, ERRORS, chromium, streamlit_server, wait_until_drawn

pytestmark = pytest.mark.browser


def test_past_date_commitments_by_workstream_at_each_board_download_as_a_gss_workbook(db_copy, tmp_path):
    """A typed link (overdue=Overdue) charts each workstream at each Board; the Excel download has a cover
    with its title, as-at date, filters and illustrative flag, and the table as a marked-up Excel table."""
    link = "explore?source=commitments&by=board&by=workstream&overdue=Overdue&as_at=2019-10-31"
    with streamlit_server(db_copy) as url, chromium(height=1300) as page:
        page.goto(f"{url}/{link}")
        wait_until_drawn(page, charts=1, timeout_ms=240_000)
        assert page.locator(ERRORS).count() == 0
        title = page.locator("h3").filter(has_text="commitments past their date at the Board of 2019-10-16")
        assert title.count() == 1
        assert page.get_by_text("Some of the link could not be used").count() == 0
        page.screenshot(path=ARTIFACTS / "explore-boards.png")
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Download the table (Excel)").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
    assert saved.name == "commitments-board-workstream-2019-10-31.xlsx"
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Table_1"]
    cover = " ".join(str(c) for row in book["Cover"].iter_rows(values_only=True) for c in row if c)
    for expected in ("commitments past their date at the Board of 2019-10-16", "As at: 2019-10-31",
                     "Filters: Past its date: past its date", "Illustrative: each commitment's status"):
        assert expected in cover, expected
    sheet = book["Table_1"]
    assert len(sheet.tables) == 1 and not sheet.merged_cells.ranges
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "Board meeting")
    assert header[1] == "Most" and "1. Raising the Profile & Building Pride" in header


def test_a_saved_view_opens_from_the_list_at_its_kept_date_in_the_browser(db_copy):
    """Opening a view that kept its date sets the sidebar and the URL to that date and shows the view, no error."""
    database = store.connect(db_copy)
    try:
        explore.save_view(database, "Short term by status", ExploreState(
            source="commitments", as_at="2019-10-16", horizon=("short",), group_by=("workstream", "status")),
            auth.command_line_user("Ed"))
    finally:
        database.close()
    with streamlit_server(db_copy) as url, chromium(height=1300) as page:
        page.goto(f"{url}/explore?as_at=2019-04-17")
        wait_until_drawn(page, charts=1, timeout_ms=240_000)
        page.get_by_text("Keeps its as-at date, 16 October 2019").wait_for(timeout=60_000)
        page.get_by_role("button", name="Open this view").click()
        page.get_by_text("at its saved as-at date, 16 October 2019").wait_for(timeout=120_000)
        wait_until_drawn(page, charts=1, timeout_ms=240_000)
        assert page.locator(ERRORS).count() == 0
        # The save form still offers its choice with one of them chosen (its labels name the new date).
        choice = page.get_by_role("radiogroup", name="As-at date")
        assert choice.get_by_role("radio", checked=True).count() == 1
        page.screenshot(path=ARTIFACTS / "explore-saved-view-opened.png", full_page=True)
        query = parse_qs(urlparse(page.url).query)
    assert query["as_at"] == ["2019-10-16"] and query["horizon"] == ["short"]
    assert query["by"] == ["workstream", "status"] and query["source"] == ["commitments"]
