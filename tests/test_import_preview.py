"""Templates and previews that help (issue 25): the Excel template lists every commitment, the preview shows the
values a row adds and flags a row that goes back from the update before it."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from gse_dashboard import importers as im
from gse_dashboard.storage import queries, store


def _preview(db, rows: list[dict]) -> pd.DataFrame:
    with store.reading(db) as conn:
        validation = im.validate(conn, "progress", pd.DataFrame([{k: str(v) for k, v in r.items()} for r in rows]),
                                 filename="progress.csv")
        assert validation.ok, validation.problem_lines()
        return im.preview(conn, validation)


def _latest(db, ref):
    with store.reading(db) as conn:
        return conn.execute("SELECT as_of, status, percent_complete FROM progress_updates WHERE ref = ? "
                            "AND superseded_at IS NULL ORDER BY as_of DESC LIMIT 1", [ref]).fetchone()


def test_the_preview_shows_the_values_a_new_row_adds(db_copy):
    """A row to add shows its status, rating, percent and commentary, not an empty cell."""
    shown = _preview(db_copy, [{"ref": "WS4-L1", "as_of": "2026-12-01", "status": "in progress", "rating": "Amber",
                                "percent_complete": 40, "commentary": "Pilot run."}])
    assert shown.loc[0, "action"] == "add"
    assert shown.loc[0, "changes"].startswith("status: in progress; rating: Amber; percent_complete: 40; "
                                              "commentary: Pilot run.")


def test_the_preview_flags_a_drop_from_the_update_before(db_copy):
    """Complete to not started, or a percent that falls (88% → 0%), is flagged with the earlier update's date."""
    database = store.connect(db_copy)
    try:
        ref = database.conn.execute("SELECT ref FROM progress_updates WHERE superseded_at IS NULL AND status = "
                                    "'complete' AND as_of < '2026-12-01' ORDER BY as_of DESC LIMIT 1").fetchone()[0]
    finally:
        database.close()
    as_of, status, percent = _latest(db_copy, ref)
    _, other_status, other_percent = _latest(db_copy, "WS4-L1")
    shown = _preview(db_copy, [
        {"ref": ref, "as_of": "2026-12-01", "status": "not started", "rating": "Red", "percent_complete": 0,
         "commentary": "Typed into the wrong row."},
        {"ref": "WS4-L1", "as_of": "2026-12-01", "status": other_status, "rating": "Amber",
         "percent_complete": other_percent, "commentary": "As before."}])
    assert shown.loc[0, "flag"] == (f"status goes back: complete → not started; percent complete drops: "
                                    f"{percent:g} → 0 (since the update for {as_of})")
    assert shown.loc[1, "flag"] == ""


def test_the_excel_template_lists_every_commitment_and_offers_them_in_the_ref_column(db_copy):
    """The progress workbook has a commitments sheet (all refs with our summary) and a drop-down on ref."""
    with store.reading(db_copy) as conn:
        choices = queries.commitment_choices(conn)
    data = im.template_bytes("progress", "xlsx", list(zip(choices["ref"], choices["title"])))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    listed = list(workbook["commitments"].iter_rows(min_row=2, values_only=True))
    assert len(listed) == len(choices) == 89 and ("WS4-S3", choices.set_index("ref").loc["WS4-S3", "title"]) in listed
    (rule,) = workbook["progress"].data_validations.dataValidation
    assert rule.type == "list" and rule.formula1 == "commitments!$A$2:$A$90" and "A2:A5000" in str(rule.sqref)
    frame = im.read_upload(data, "progress-template.xlsx")
    assert list(frame.columns)[:2] == ["ref", "as_of"] and len(frame) == 1  # imports still read the first sheet
