"""The data steward's round in a real browser (issue 25): a quarter's and a year's work on Manage data, timed.

Record a correction on the progress form (shown old → new before it is saved, the Board's rating kept), the
Board's ratings of the workstreams on one form (the tab stays open after the save), a risk whose likelihood
changes on the same date (two rows in its history), the 2023-style release from one zip with its headline
figures against 2022, and a restore that shows what it will lose and needs RESTORE typed. The time of each
step is written to test-artifacts/steward-round.txt (measured, never asserted).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from pathlib import Path

import pytest

from gse_dashboard.storage import store
from gse_dashboard.strategy import metrics
from tests.browser import ARTIFACTS, ERRORS, chromium, streamlit_server, wait_until_drawn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import releases  # noqa: E402

pytestmark = pytest.mark.browser

TODAY = dt.date.today().isoformat()


def _rows(db: Path, sql: str, *params) -> list[tuple]:
    with store.reading(db) as conn:
        return conn.execute(sql, params).fetchall()


def _choose(page, key: str, text: str) -> None:
    """Pick the option of the select box KEY that matches TEXT, typed as a person would."""
    box = page.locator(f".st-key-{key} input")
    box.click()
    box.fill(text)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    wait_until_drawn(page)


def _tab_open(page, name: str) -> bool:
    return page.get_by_role("tab", name=name, exact=True).get_attribute("aria-selected") == "true"


def test_the_stewards_round(db_copy, tmp_path):
    """No Board's rating lost, corrections shown and kept, tabs kept, a zip release previewed, a restore previewed."""
    zipped = releases.release_zip(tmp_path / "acses-2023.zip")
    ref, as_of, board, percent = _rows(
        db_copy, "SELECT ref, as_of, board_rating, percent_complete FROM progress_updates WHERE superseded_at IS NULL "
                 "AND board_rating IS NOT NULL AND as_of = '2026-09-30' AND percent_complete <= 90 ORDER BY ref")[0]
    times: dict[str, float] = {}
    with streamlit_server(db_copy) as url, chromium(1400, 2600) as page:
        started = time.monotonic()
        page.goto(f"{url}/manage?tab=Backups")
        wait_until_drawn(page)
        page.get_by_role("button", name="Back up now").click()
        page.get_by_text("Backed up to").wait_for(timeout=60_000)
        assert _tab_open(page, "Backups")
        times["back up by hand"] = time.monotonic() - started

        # 1. A second update for a quarter the Board rated: a correction, shown before it is saved.
        step = time.monotonic()
        page.get_by_role("tab", name="Record progress", exact=True).click()
        wait_until_drawn(page)
        _choose(page, "manage_ref", ref)
        page.get_by_label("Percent complete").fill(str(int(percent) + 10))
        page.get_by_role("textbox", name="Commentary").fill("Second look at the quarter: further on than reported.")
        page.get_by_role("button", name="Record update").click()
        page.get_by_text("This corrects the update of").wait_for(timeout=60_000)
        shown = page.locator("[data-testid='stAlertContentWarning']").inner_text()
        assert f"percent_complete: {percent:g} → {percent + 10:g}" in shown.replace("\\", "")
        assert "board_rating" not in shown
        page.screenshot(path=ARTIFACTS / "page-manage-correction-preview.png", full_page=True)
        assert _rows(db_copy, "SELECT COUNT(*) FROM progress_updates WHERE ref = ? AND as_of = ?", ref, as_of) == [(1,)]
        page.get_by_role("button", name="Save the correction").click()
        page.get_by_text(f"Update for {ref} recorded").wait_for(timeout=60_000)
        times["progress correction, previewed and saved"] = time.monotonic() - step
        assert _rows(db_copy, "SELECT board_rating, percent_complete, superseded_at IS NULL FROM progress_updates "
                              "WHERE ref = ? AND as_of = ? ORDER BY id", ref, as_of) == [
            (board, percent, 0), (board, percent + 10, 1)]

        # 2. The Board's ratings of the workstreams on one form; the tab stays open after the save.
        step = time.monotonic()
        page.get_by_role("tab", name="Board ratings, actions and risks").click()
        wait_until_drawn(page)
        meeting = _rows(db_copy, "SELECT MAX(date) FROM board_meetings")[0][0]
        (old,) = _rows(db_copy, "SELECT rating FROM workstream_ratings WHERE workstream = 6 AND board_date = ? "
                                "AND superseded_at IS NULL", meeting)[0]
        new = "Green" if old != "Green" else "Amber"
        page.locator(f".st-key-rating_{meeting}_6").get_by_text(metrics.rating_label(new), exact=True).click()
        page.get_by_role("button", name="Record the ratings").click()
        page.get_by_text("These ratings correct what is recorded").wait_for(timeout=60_000)
        assert f"rating: {old} → {new}" in page.locator("[data-testid='stTable']").last.inner_text().replace("\\", "")
        page.get_by_role("button", name="Save the ratings").click()
        page.get_by_text("ratings at").first.wait_for(timeout=60_000)
        wait_until_drawn(page)
        assert _tab_open(page, "Board ratings, actions and risks") and _tab_open(page, "Workstream ratings")
        page.screenshot(path=ARTIFACTS / "page-manage-board-ratings-saved.png", full_page=True)
        times["Board ratings of ten workstreams, one corrected"] = time.monotonic() - step
        assert _rows(db_copy, "SELECT rating FROM workstream_ratings WHERE workstream = 6 AND board_date = ? "
                              "ORDER BY id", meeting)[-2:] == [(old,), (new,)]

        # 3. A risk whose likelihood changes on the same date: two rows in its history, medium kept.
        step = time.monotonic()
        page.get_by_role("tab", name="Risk", exact=True).click()
        wait_until_drawn(page)
        form = page.locator("[data-testid='stForm']")
        form.get_by_role("textbox", name="Reference").fill("R9-7")
        form.get_by_role("textbox", name="Risk", exact=True).fill("Departments cannot release staff time")
        form.get_by_role("textbox", name="Owner").fill("Heads of Profession")
        page.get_by_role("button", name="Record the risk").click()
        page.get_by_text("Risk R9-7 recorded").wait_for(timeout=60_000)
        _choose(page, "risk_ref", "R9-7")
        form.locator("[data-testid='stSelectbox']").filter(has_text="Likelihood").click()
        page.get_by_role("option", name="high", exact=True).click()
        page.get_by_role("button", name="Record the risk").click()
        page.get_by_text("This corrects risk R9-7").wait_for(timeout=60_000)
        assert "likelihood: medium → high" in page.locator(
            "[data-testid='stAlertContentWarning']").inner_text().replace("\\", "")
        page.get_by_role("button", name="Save the correction").click()
        page.get_by_text("Risk R9-7 corrected").wait_for(timeout=60_000)
        wait_until_drawn(page)
        assert _tab_open(page, "Risk")
        history = page.locator("[data-testid='stTable']").first.inner_text()
        assert "medium" in history and "high" in history and "corrected at" in history
        page.screenshot(path=ARTIFACTS / "page-manage-risk-history.png", full_page=True)
        times["risk recorded, then its likelihood corrected"] = time.monotonic() - step

        # 4. The 2023-style release from one zip, its headline figures against 2022.
        step = time.monotonic()
        page.get_by_role("tab", name="Civil Service Statistics").click()
        wait_until_drawn(page)
        page.locator("[data-testid='stFileUploaderDropzoneInput'][multiple]").set_input_files(str(zipped))
        page.get_by_text("15 table(s) are valid").wait_for(timeout=120_000)
        headline = page.locator("[data-testid='stTable']").first.inner_text()
        for figure in ("14,780", "13,945", "+835", "100", "95", "31.3%", "Aged 50 or over"):
            assert figure in headline, figure
        page.screenshot(path=ARTIFACTS / "page-manage-release-zip-preview.png", full_page=True)
        times["2023-style release: zip read and previewed"] = time.monotonic() - step
        step = time.monotonic()
        page.get_by_role("button", name="Import").filter(has_text="figures").click()
        page.get_by_text("Imported Civil Service Statistics").wait_for(timeout=180_000)
        times["2023-style release: imported"] = time.monotonic() - step
        assert _rows(db_copy, "SELECT value FROM observations WHERE indicator = 'acses_in_post' AND population = 'GSE' "
                              "AND period = '2023-03-31' AND department = 'All' AND grade = 'All'") == [(14780,)]

        # 5. A restore of the by-hand backup: what it loses first, then RESTORE typed.
        step = time.monotonic()
        page.get_by_role("tab", name="Backups").click()
        wait_until_drawn(page)
        _choose(page, "restore_choice", "by-hand")
        page.get_by_text("Restoring it loses what was recorded since it was taken").wait_for(timeout=60_000)
        lost = page.locator("[data-testid='stAlertContentWarning']").inner_text()
        for what in ("progress updates", "Board ratings of workstreams", "risk assessments", "import batches"):
            assert what in lost, what
        page.screenshot(path=ARTIFACTS / "page-manage-restore-preview.png", full_page=True)
        page.get_by_role("textbox", name="To restore it, type RESTORE").fill("restore")
        page.get_by_role("button", name="Restore this backup").click()
        page.get_by_text("Nothing was restored").wait_for(timeout=60_000)
        page.get_by_role("textbox", name="To restore it, type RESTORE").fill("RESTORE")
        page.get_by_role("button", name="Restore this backup").click()
        page.get_by_text(re.compile(r"^Restored gse-")).wait_for(timeout=120_000)
        wait_until_drawn(page)
        times["restore previewed, confirmed and done"] = time.monotonic() - step
        times["whole round"] = time.monotonic() - started
        assert page.locator(ERRORS).count() == 0
    assert _rows(db_copy, "SELECT COUNT(*) FROM audit_log WHERE action = 'restore'") == [(1,)]
    assert _rows(db_copy, "SELECT board_rating FROM progress_updates WHERE ref = ? AND as_of = ? "
                          "AND superseded_at IS NULL", ref, as_of) == [(board,)]
    lines = [f"{what}: {seconds:.1f} s" for what, seconds in times.items()]
    (ARTIFACTS / "steward-round.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
