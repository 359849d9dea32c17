"""The dashboard in a real browser: `streamlit run app.py` on a new database, headless Chromium."""

import pytest

from gse_dashboard.rules import auth
from gse_dashboard.storage import queries, store
from gse_dashboard.strategy import edits, metrics
from tests.browser import ARTIFACTS, ERRORS, chromium, streamlit_server, wait_until_drawn

pytestmark = pytest.mark.browser

# (path, heading, charts the page draws, a text the page must show)
PAGES = [
    ("", "Overview", 1, "The ten workstreams"),
    ("workstreams?workstream=4&as_at=2018-10-17", "4. Capability & Skills", 2, "WS4-M4"),
    ("membership?grade=SCS", "Membership", 4, "Senior Civil Service"),
    ("diversity", "Diversity and inclusion", 2, "Against the Civil Service"),
    ("strategy", "The strategy", 0, "Who is responsible"),
    ("about", "About the data", 0, "Statistical disclosure control"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module, started on a database file that does not exist yet."""
    db_path = tmp_path_factory.mktemp("browser") / "first-run.db"
    with streamlit_server(db_path) as url:
        yield url, db_path


def test_first_run_builds_the_database_and_every_page_draws_without_error(server):
    """On first run the app builds its database; each page then draws its charts and shows no error."""
    url, db_path = server
    with chromium() as page:
        for path, heading, charts, text in PAGES:
            page.goto(f"{url}/{path}")
            wait_until_drawn(page, charts=charts)
            assert page.locator("h1, h2").filter(has_text=heading).count() >= 1, path
            assert page.get_by_text(text).count() >= 1, path
            assert page.locator(ERRORS).count() == 0, path
            name = path.split("?")[0] or "overview"
            page.screenshot(path=ARTIFACTS / f"page-{name}.png", full_page=True)
    assert db_path.exists()


def test_the_as_at_date_travels_in_the_url_and_changes_the_figures(server):
    """Opening ?as_at=2017-10-18 shows that date in the control and different numbers past their date."""
    url, db_path = server
    with chromium() as page:
        page.goto(f"{url}/?as_at=2017-10-18")
        wait_until_drawn(page, charts=1)
        # The lead sentence names the date (the delivery chart's subtitle names it too).
        assert page.get_by_text("stood as at 18 October 2017").count() == 1
        early = _overdue(page)
        page.goto(f"{url}/")
        wait_until_drawn(page, charts=1)
        latest = _overdue(page)
    database = store.connect(db_path, readonly=True)
    try:
        latest_date = queries.latest_data_date(database.conn)
        expected = [metrics.headline(queries.commitment_status(database.conn, d), d)["overdue"]
                    for d in ("2017-10-18", latest_date)]
    finally:
        database.close()
    assert (early, latest) == tuple(str(n) for n in expected)
    assert early != latest


def _overdue(page) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Commitments past their date")
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_an_editor_imports_a_file_after_seeing_its_problems(db_copy, tmp_path):
    """On Manage data a bad file lists its problems and writes nothing; the corrected file imports."""
    bad = tmp_path / "updates.csv"
    bad.write_text("ref,as_of,status,rating,percent_complete,commentary\n"
                   "WS4-L1,2026-09-30,in progress,Purple,150,Halfway\n", encoding="utf-8")
    good = tmp_path / "updates-fixed.csv"
    good.write_text("ref,as_of,status,rating,percent_complete,commentary\n"
                    "WS4-L1,2026-09-30,in progress,amber,50,Halfway\n", encoding="utf-8")
    with streamlit_server(db_copy) as url, chromium() as page:
        page.goto(f"{url}/manage")
        wait_until_drawn(page)
        page.get_by_role("tab", name="Import a file").click()
        uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']:not([multiple])")
        uploader.set_input_files(str(bad))
        page.get_by_text("2 problem(s) in updates.csv").wait_for(timeout=30_000)
        page.get_by_text("is not on the delivery confidence scale").first.wait_for(timeout=30_000)
        page.screenshot(path=ARTIFACTS / "page-manage-problems.png", full_page=True)
        uploader.set_input_files(str(good))
        page.get_by_text("updates-fixed.csv is valid: 1 to add").wait_for(timeout=30_000)
        page.get_by_role("button", name="Import 1 rows").click()
        # Batches 1 and 2 are the two published Civil Service Statistics releases init imports, one per release.
        page.get_by_text("as batch 3").wait_for(timeout=30_000)
        page.screenshot(path=ARTIFACTS / "page-manage-import.png", full_page=True)
    database = store.connect(db_copy, readonly=True)
    try:
        rows = database.conn.execute("SELECT rating, percent_complete, batch_id FROM progress_updates "
                                     "WHERE recorded_by = 'local user'").fetchall()
    finally:
        database.close()
    assert rows == [("Amber", 50.0, 3)]


HOSTILE = ('<script>window.__xss=1</script> [click me](javascript:window.__xss=2) '
           '<img src=x onerror="window.__xss=3"> **bold** :red[red] $x^2$')


def test_hostile_commentary_is_shown_as_text(db_copy):
    """A commentary with a script, a javascript: link and an onerror image appears as typed and runs nothing."""
    database = store.connect(db_copy)
    edits.record_update(database, auth.command_line_user("Mallory"), "WS4-S1",
                        {"as_of": "2026-09-30", "status": "complete", "rating": "Green", "percent_complete": 100,
                         "commentary": HOSTILE}, based_on=edits.current_version(database.conn, "WS4-S1"))
    database.close()
    with streamlit_server(db_copy) as url, chromium() as page:
        page.goto(f"{url}/workstreams?workstream=4")
        wait_until_drawn(page, charts=2)
        table = page.locator("[data-testid='stTable']").filter(has_text="Mallory")
        table.wait_for(timeout=30_000)
        assert HOSTILE in table.inner_text().replace("\n", " ")
        assert page.evaluate("window.__xss") is None
        assert page.locator("a[href^='javascript']").count() == 0
        assert page.locator("[data-testid='stTable'] img, [data-testid='stTable'] strong").count() == 0
        page.screenshot(path=ARTIFACTS / "page-hostile-commentary.png", full_page=True)
