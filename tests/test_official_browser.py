"""Civil Service Statistics in a real browser: an editor uploads a release and the Diversity page changes."""

import shutil
from pathlib import Path

import pytest

from gse_dashboard.seed.build import build_database
from gse_dashboard.storage import store
from tests.browser import ARTIFACTS, ERRORS, chromium, streamlit_server, wait_until_drawn

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "data" / "civil-service-statistics" / "2022"


@pytest.fixture
def strategy_only_db(tmp_path) -> Path:
    """A database built from the strategy files alone: the 2015 baseline and no published release."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("workstreams.csv", "commitments.csv", "indicators.csv", "baseline_observations.csv"):
        shutil.copyfile(ROOT / "data" / name, data / name)
    path = tmp_path / "gse.db"
    build_database(path, sample=False, data_dir=data)
    return path


def test_an_editor_imports_a_release_and_the_diversity_page_shows_it(strategy_only_db):
    """Uploading the 2022 sex tables on Manage data, then importing, puts 2022 (31.3% women) on Diversity."""
    files = [str(RELEASE / "Profession_of_post" / "Sex" / "data.csv"), str(RELEASE / "Sex" / "data.csv")]
    with streamlit_server(strategy_only_db) as url, chromium(1400, 2400) as page:
        page.goto(f"{url}/diversity")
        # Only the 2015 baseline: one chart draws (two once the 2022 release is in).
        wait_until_drawn(page, charts=1)
        before = page.locator("[data-testid='stMain']").inner_text()
        assert "2022" not in before and "21.5" in before
        page.goto(f"{url}/manage")
        wait_until_drawn(page)
        page.get_by_role("tab", name="Civil Service Statistics").click()
        # The other tab's uploader takes one file; this one takes several.
        page.locator("[data-testid='stFileUploaderDropzoneInput'][multiple]").set_input_files(files)
        page.get_by_text("2 table(s) are valid").wait_for(timeout=60_000)
        assert page.get_by_text("(dry run").count() == 0
        page.screenshot(path=ARTIFACTS / "page-manage-official-preview.png", full_page=True)
        page.get_by_role("button", name="Import").filter(has_text="figures").click()
        page.get_by_text("Imported Civil Service Statistics 2022").wait_for(timeout=60_000)
        page.goto(f"{url}/diversity")
        wait_until_drawn(page, charts=2)
        page.get_by_text("narrowed").first.wait_for(timeout=60_000)
        after = page.locator("[data-testid='stMain']").inner_text()
        assert page.locator(ERRORS).count() == 0
        page.screenshot(path=ARTIFACTS / "page-diversity-after-import.png", full_page=True)
    assert "2022" in after and "31.3" in after and "54.5" in after and "narrowed" in after
    database = store.connect(strategy_only_db, readonly=True)
    try:
        women = database.conn.execute("SELECT population, value FROM observations WHERE indicator = 'women' "
                                      "AND period = '2022-03-31' ORDER BY population").fetchall()
        kinds = database.conn.execute("SELECT kind, created_by FROM import_batches").fetchall()
    finally:
        database.close()
    assert women == [("Civil Service", 54.51), ("GSE", 31.29)]
    assert kinds == [("civil-service-statistics", "local user")]
