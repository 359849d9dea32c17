"""A saved Explore view opened from its own link (explore?view=NAME), and an as-at date chosen kept in the address."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest

from gse_dashboard import explore
from gse_dashboard.explore import ExploreState
from gse_dashboard.rules import auth
from gse_dashboard.storage import queries, store
from tests.apptest import explore_page
from tests.browser import ARTIFACTS, ERRORS, chromium, streamlit_server, wait_until_drawn

NAME = "Short-term commitments, é by status"
EDITOR = auth.command_line_user("Ed")


def _save(path, name, state, **options) -> None:
    database = store.connect(path)
    try:
        explore.save_view(database, name, state, EDITOR, **options)
    finally:
        database.close()


def _latest(path) -> str:
    database = store.connect(path, readonly=True)
    try:
        return queries.latest_data_date(database.conn)
    finally:
        database.close()


def test_a_link_naming_a_saved_view_opens_its_choices_at_its_kept_date(db_copy, monkeypatch):
    """?view=NAME (any letter case) puts the view's choices in the widgets and the URL, at its kept date."""
    _save(db_copy, NAME, ExploreState(source="commitments", as_at="2019-10-16", horizon=("short",),
                                      group_by=("workstream", "status")))
    at = explore_page(db_copy, monkeypatch, view=NAME.upper())
    assert at.selectbox(key="explore_source").value == "commitments"
    assert at.multiselect(key="explore_by").value == ["workstream", "status"]
    assert at.multiselect(key="explore_horizon").value == ["short"]
    assert at.session_state["as_at"] == dt.date(2019, 10, 16) and at.query_params["as_at"] == "2019-10-16"
    assert any("as known at 16 October 2019" in md.value for md in at.markdown)
    assert "view" not in at.query_params
    assert at.query_params["by"] == ["workstream", "status"] and at.query_params["horizon"] == "short"
    assert any(f"“{NAME}” at its saved as-at date, 16 October 2019" in s.value for s in at.success)
    assert any(c.value.endswith("explore?view=Short-term%20commitments%2C%20%C3%A9%20by%20status")
               for c in at.code)
    assert at.selectbox(key="explore_view").value == NAME


def test_a_link_naming_no_saved_view_says_so_and_shows_the_default(db_copy, monkeypatch):
    """?view= with a name nobody saved says which name, drops it from the URL and shows the default view."""
    at = explore_page(db_copy, monkeypatch, view="Nobody’s view", source="commitments")
    assert [e.value for e in at.error] == [
        "There is no saved view called “Nobody’s view”, so Explore shows its default view. "
        "Choose one under Saved views."]
    assert at.selectbox(key="explore_source").value == explore.DEFAULT_SOURCE
    assert "view" not in at.query_params
    assert at.dataframe or at.table


def test_a_view_saved_on_the_page_offers_its_own_link(db_copy, monkeypatch):
    """Saving a view shows the link that opens it by name, and that link opens it in a new session."""
    at = explore_page(db_copy, monkeypatch, source="members", by="grade", as_at="2019-10-16")
    at.text_input(key="explore_view_name").input("Members by grade")
    next(b for b in at.button if b.label == "Save view").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value.endswith("explore?view=Members%20by%20grade") for c in at.code)
    fresh = explore_page(db_copy, monkeypatch, view="Members by grade")
    assert fresh.multiselect(key="explore_by").value == ["grade"]
    assert fresh.session_state["as_at"] == dt.date(2019, 10, 16)


def _shown(page) -> tuple[str, list[str]]:
    """The Explore result as a user reads it: the table's text and the chart's title."""
    table = page.locator("[data-testid='stTable']").first.inner_text()
    titles = page.locator(".js-plotly-plot .gtitle").all_inner_texts()
    return table, titles


@pytest.mark.browser
def test_a_view_saved_in_the_browser_opens_from_its_link_in_a_freshexplore_page(db_copy):
    """The user picks the latest date (kept in the address), saves the view, and its link opens the same view."""
    latest = dt.date.fromisoformat(_latest(db_copy))
    name = "Court terme é, by workstream"
    with streamlit_server(db_copy) as url, chromium(height=1300) as page:
        page.goto(f"{url}/explore?source=commitments&by=workstream&horizon=short&as_at=2019-10-16")
        wait_until_drawn(page, charts=1, timeout_ms=240_000)
        # The sidebar's date is a field of day, month and year: type the latest date into it, as a user would.
        page.get_by_role("spinbutton", name="day, As at date").click()
        page.keyboard.type(latest.strftime("%d%m%Y"), delay=50)
        page.get_by_role("heading", name="Explore").click()  # the date is committed when the field loses focus
        page.get_by_text(f"as known at {latest.day} {latest:%B %Y}").first.wait_for(timeout=120_000)
        wait_until_drawn(page, charts=1, timeout_ms=240_000)
        assert parse_qs(urlparse(page.url).query)["as_at"] == [latest.isoformat()]
        page.get_by_role("textbox", name="Name", exact=True).fill(name)
        page.get_by_role("button", name="Save view").click()
        page.get_by_text(f"Saved the view “{name}”").wait_for(timeout=120_000)
        wait_until_drawn(page, charts=1, timeout_ms=240_000)
        saved_table, saved_titles = _shown(page)
        link = next(text for text in page.locator("[data-testid='stCode'] code").all_inner_texts()
                    if "?view=" in text)
        page.screenshot(path=ARTIFACTS / "explore-view-saved.png", full_page=True)
    assert link == f"{url}/explore?view=Court%20terme%20%C3%A9%2C%20by%20workstream"
    with streamlit_server(db_copy) as url, chromium(height=1300) as page:
        page.goto(link.replace(link.split("/explore")[0], url))
        page.get_by_text(f"Opened the view “{name}” at its saved as-at date").wait_for(timeout=240_000)
        wait_until_drawn(page, charts=1, timeout_ms=240_000)
        assert page.locator(ERRORS).count() == 0
        assert page.get_by_text("Some of the link could not be used").count() == 0
        assert _shown(page) == (saved_table, saved_titles)
        day = page.get_by_role("group", name="As at date").locator("[role=spinbutton]")
        assert day.evaluate_all("spans => spans.map(s => s.getAttribute('aria-valuenow'))") == [
            str(latest.day), str(latest.month), str(latest.year)]
        page.screenshot(path=ARTIFACTS / "explore-view-opened-from-link.png", full_page=True)
        query = parse_qs(urlparse(page.url).query)
        # Another choice reruns the page: the kept date, the latest, is still in the address.
        page.get_by_text("Share of commitments (%)").click()
        page.wait_for_url(lambda address: "measure=share" in address, timeout=120_000)
        wait_until_drawn(page, charts=1, timeout_ms=240_000)
        after = parse_qs(urlparse(page.url).query)
    assert after["as_at"] == [latest.isoformat()] and after["measure"] == ["share"]
    assert {key: query.get(key) for key in ("source", "by", "horizon", "as_at", "view")} == {
        "source": ["commitments"], "by": ["workstream"], "horizon": ["short"], "as_at": [latest.isoformat()],
        "view": None}


def test_a_link_at_the_latest_date_keeps_that_date_in_the_address(db_copy, monkeypatch):
    """A link whose as-at date is the latest date keeps it in the address (Streamlit drops a widget's default)."""
    latest = _latest(db_copy)
    at = explore_page(db_copy, monkeypatch, source="members", as_at=latest)
    assert at.query_params["as_at"] == latest
    assert at.session_state["as_at"] == dt.date.fromisoformat(latest)
    # (AppTest sends a bound widget its default on the next run, not the URL's value as the browser does:
    # test_a_view_saved_in_the_browser_opens_from_its_link_in_a_fresh_page follows the address over reruns.)
