"""The dashboard in a real browser: `streamlit run app.py` on a new database, headless Chromium."""

import pytest

from gse_dashboard import db as store
from gse_dashboard import metrics, queries
from tests.browser import ARTIFACTS, ERRORS, chromium, streamlit_server, wait_until_drawn

pytestmark = pytest.mark.browser

# (path, heading, charts the page draws, a text the page must show)
PAGES = [
    ("", "Overview", 1, "The ten workstreams"),
    ("workstreams?workstream=4&as_at=2018-10-17", "4. Capability & Skills", 2, "WS4-M4"),
    ("membership?grade=SCS", "Membership", 4, "Senior Civil Service"),
    ("diversity", "Diversity and inclusion", 2, "Against the Civil Service"),
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
    """Opening ?as_at=2017-10-18 shows that date in the control and different overdue numbers."""
    url, db_path = server
    with chromium() as page:
        page.goto(f"{url}/?as_at=2017-10-18")
        wait_until_drawn(page, charts=1)
        assert page.get_by_text("as at 18 October 2017").count() == 1
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
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Overdue commitments")
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()
