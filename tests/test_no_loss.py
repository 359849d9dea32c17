"""Nothing lost by a form or an import: an update without a Board's rating leaves the Board's rating as it was.

Issue 25: the progress form's "Board's rating" defaulted to none and the import template shipped an
empty board_rating column, so saving an update for a quarter the Board had rated blanked its rating
(7 by one import, 3 by the form). Here every form and every import kind is tried against a database
whose Board has rated commitments and workstreams, and the ratings must be exactly as they were.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

from gse_dashboard import importers as im
from gse_dashboard.board import edits as board_edits
from gse_dashboard.people import official_statistics as official
from gse_dashboard.rules import auth
from gse_dashboard.storage import store
from gse_dashboard.strategy import edits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import releases  # noqa: E402

EDITOR = auth.command_line_user("Ada Analyst")
# Two commitments the illustrative Board rated at the 2026-09-30 quarter end (Red and Amber/Red).
RATED = (("WS9-M2", "2026-09-30"), ("WS9-L1", "2026-09-30"))


def board_ratings(path: Path) -> tuple[list, list]:
    """Every current Board's rating: of commitments' updates, and of workstreams at each Board."""
    with store.reading(path) as conn:
        updates = conn.execute("SELECT ref, as_of, board_rating FROM progress_updates WHERE superseded_at IS NULL "
                               "AND board_rating IS NOT NULL ORDER BY ref, as_of").fetchall()
        workstreams = conn.execute("SELECT workstream, board_date, rating FROM workstream_ratings "
                                   "WHERE superseded_at IS NULL ORDER BY workstream, board_date").fetchall()
    return updates, workstreams


def stored_update(path: Path, ref: str, as_of: str) -> dict:
    """The current update of REF for AS_OF as a dict of its columns."""
    with store.reading(path) as conn:
        conn.row_factory = None
        cursor = conn.execute("SELECT * FROM progress_updates WHERE ref = ? AND as_of = ? AND superseded_at IS NULL",
                              [ref, as_of])
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def csv_file(path: Path, rows: list[list]) -> Path:
    """ROWS written as a CSV file at PATH."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def imported(path: Path, kind: str, file: Path) -> im.ImportResult:
    """FILE checked and imported as KIND, failing the test on any problem."""
    with store.reading(path) as conn:
        validation = im.validate(conn, kind, im.read_path(file))
    assert validation.ok, validation.problem_lines()
    return im.apply_import(path, kind, validation, user=EDITOR)


def test_the_database_has_board_ratings_to_lose(db_copy):
    """The tests below mean something: the Board has rated both commitments and workstreams."""
    updates, workstreams = board_ratings(db_copy)
    assert {(ref, as_of) for ref, as_of, _ in updates} >= set(RATED) and len(workstreams) > 50


# -- forms -------------------------------------------------------------------------------------------


def test_the_progress_form_left_as_recorded_keeps_the_boards_rating(db_copy):
    """A correction from the progress form whose Board's rating is left as it is keeps the Board's Red."""
    before = board_ratings(db_copy)
    ref, as_of = RATED[0]
    old = stored_update(db_copy, ref, as_of)
    database = store.connect(db_copy)
    try:
        edits.record_update(database, EDITOR, ref, {
            "as_of": as_of, "status": old["status"], "rating": old["rating"], "board_rating": "",
            "percent_complete": old["percent_complete"], "commentary": "Corrected words."},
            based_on=edits.current_version(database.conn, ref))
    finally:
        database.close()
    assert board_ratings(db_copy) == before
    assert stored_update(db_copy, ref, as_of)["commentary"] == "Corrected words."


def test_the_progress_form_for_a_new_quarter_leaves_the_earlier_boards_rating(db_copy):
    """An update for a later date with no Board's rating leaves the rated quarter's rating in place."""
    before = board_ratings(db_copy)
    ref, as_of = RATED[1]
    old = stored_update(db_copy, ref, as_of)
    database = store.connect(db_copy)
    try:
        edits.record_update(database, EDITOR, ref, {
            "as_of": "2026-12-01", "status": old["status"], "rating": "Amber", "board_rating": "",
            "percent_complete": old["percent_complete"], "commentary": "Next quarter."},
            based_on=edits.current_version(database.conn, ref))
    finally:
        database.close()
    assert board_ratings(db_copy) == before
    assert stored_update(db_copy, ref, "2026-12-01")["board_rating"] is None


def test_removing_the_boards_rating_is_an_explicit_choice_on_the_form(db_copy):
    """Choosing to remove the Board's rating removes that one, and only that one."""
    updates, workstreams = board_ratings(db_copy)
    ref, as_of = RATED[0]
    old = stored_update(db_copy, ref, as_of)
    database = store.connect(db_copy)
    try:
        edits.record_update(database, EDITOR, ref, {
            "as_of": as_of, "status": old["status"], "rating": old["rating"], "board_rating": im.CLEAR,
            "percent_complete": old["percent_complete"], "commentary": old["commentary"]},
            based_on=edits.current_version(database.conn, ref))
    finally:
        database.close()
    assert board_ratings(db_copy) == ([u for u in updates if (u[0], u[1]) != RATED[0]], workstreams)


def test_the_date_and_owner_form_leaves_every_boards_rating(db_copy):
    """Setting a commitment's date and owner changes no Board's rating."""
    before = board_ratings(db_copy)
    ref = RATED[0][0]
    database = store.connect(db_copy)
    try:
        edits.change_commitment(database, EDITOR, ref, due_date="2027-03-31", owner="Workstream 9 lead",
                                reason="Re-planned", based_on=edits.current_version(database.conn, ref))
    finally:
        database.close()
    assert board_ratings(db_copy) == before


@pytest.mark.parametrize("kind, fields", [
    ("actions", {"ref": "A2026-900", "as_of": "2026-10-21", "board_date": "2026-10-21", "workstream": "9",
                 "action": "Bring a plan", "owner": "WS9 lead", "due_date": "2027-01-20", "status": "open"}),
    ("risks", {"ref": "R9-9", "as_of": "2026-10-21", "workstream": "9", "risk": "Staff time",
               "owner": "Heads of Profession", "likelihood": "medium", "impact": "high", "status": "open"}),
])
def test_the_board_action_and_risk_forms_leave_every_boards_rating(db_copy, kind, fields):
    """Recording a Board action or a risk changes no Board's rating."""
    before = board_ratings(db_copy)
    database = store.connect(db_copy)
    try:
        board_edits.record(database, EDITOR, kind, fields, based_on=None)
    finally:
        database.close()
    assert board_ratings(db_copy) == before


def test_the_workstream_rating_form_without_a_rating_is_refused_and_keeps_the_boards(db_copy):
    """A workstream rating saved with no rating is refused, naming the field; the Board's stays."""
    before = board_ratings(db_copy)
    workstream, board_date, _ = before[1][-1]
    database = store.connect(db_copy)
    try:
        key = {"workstream": workstream, "board_date": board_date}
        with pytest.raises(edits.EditRejected, match="rating"):
            board_edits.record(database, EDITOR, "ratings", {**key, "rating": "", "rationale": "New words"},
                               based_on=board_edits.current_id(database.conn, "ratings", key))
    finally:
        database.close()
    assert board_ratings(db_copy) == before


def test_the_meeting_form_moving_a_rated_board_moves_its_ratings_with_it(db_copy):
    """Moving a Board meeting to another date takes its ratings along: none is lost or left behind."""
    updates, workstreams = board_ratings(db_copy)
    moved = "2026-10-21"
    at_moved = sorted((w, r) for w, d, r in workstreams if d == moved)
    assert at_moved
    database = store.connect(db_copy)
    try:
        board_edits.move_meeting(database, EDITOR, moved, "2026-10-28", title="GSE Profession Board, October 2026")
    finally:
        database.close()
    after_updates, after_workstreams = board_ratings(db_copy)
    assert after_updates == updates
    assert sorted((w, r) for w, d, r in after_workstreams if d == "2026-10-28") == at_moved
    assert not [w for w in after_workstreams if w[1] == moved]
    assert len(after_workstreams) == len(workstreams)


# -- imports -----------------------------------------------------------------------------------------


def test_a_progress_import_from_the_template_with_an_empty_board_rating_keeps_it(db_copy, tmp_path):
    """The template's empty board_rating column, in a correction of two rated updates, keeps both ratings."""
    before = board_ratings(db_copy)
    header = [c.name for c in im.KINDS["progress"].columns]
    rows = []
    for ref, as_of in RATED:
        old = stored_update(db_copy, ref, as_of)
        rows.append([ref, as_of, old["status"], old["rating"], f"{old['percent_complete']:g}", "Corrected by file.",
                     "", ""])
    result = imported(db_copy, "progress", csv_file(tmp_path / "progress.csv", [header, *rows]))
    assert result.changed == 2
    assert board_ratings(db_copy) == before


def test_a_progress_import_writing_clear_removes_only_that_boards_rating(db_copy, tmp_path):
    """Writing clear in board_rating removes that Board's rating; a blank beside it keeps the other."""
    updates, workstreams = board_ratings(db_copy)
    rows = []
    for (ref, as_of), board in zip(RATED, ("clear", ""), strict=True):
        old = stored_update(db_copy, ref, as_of)
        rows.append([ref, as_of, old["status"], old["rating"], f"{old['percent_complete']:g}", old["commentary"],
                     board])
    header = ["ref", "as_of", "status", "rating", "percent_complete", "commentary", "board_rating"]
    imported(db_copy, "progress", csv_file(tmp_path / "progress.csv", [header, *rows]))
    assert board_ratings(db_copy) == ([u for u in updates if (u[0], u[1]) != RATED[0]], workstreams)


@pytest.mark.parametrize("kind, rows", [
    ("observations", [["indicator", "period", "population", "value", "grade", "source"],
                      ["members", "2026-12-31", "GSE", "11000", "", "HR data"]]),
    ("targets", [["indicator", "period", "value", "source"], ["members", "2027-03-31", "16000", ""]]),
    ("meetings", [["date", "title"], ["2027-01-20", "GSE Profession Board, January 2027"],
                  ["2026-10-21", "GSE Profession Board (October 2026, renamed)"]]),
    ("actions", [["ref", "as_of", "board_date", "action", "owner", "due_date", "status"],
                 ["A2026-901", "2026-10-21", "2026-10-21", "Bring a plan", "WS9 lead", "2027-01-20", "open"]]),
    ("risks", [["ref", "as_of", "workstream", "risk", "owner", "likelihood", "impact", "status"],
               ["R9-8", "2026-10-21", "9", "Staff time", "Heads of Profession", "high", "high", "open"]]),
])
def test_an_import_of_another_kind_leaves_every_boards_rating(db_copy, tmp_path, kind, rows):
    """Importing figures, targets, meetings, actions or risks changes no Board's rating."""
    before = board_ratings(db_copy)
    result = imported(db_copy, kind, csv_file(tmp_path / f"{kind}.csv", rows))
    assert result.added + result.changed >= 1
    assert board_ratings(db_copy) == before


def test_a_ratings_import_with_a_blank_rating_is_refused_and_keeps_the_boards(db_copy, tmp_path):
    """A workstream ratings file with a blank rating is refused; the Board's rating stays as it was."""
    before = board_ratings(db_copy)
    workstream, board_date, _ = before[1][-1]
    file = csv_file(tmp_path / "ratings.csv", [["workstream", "board_date", "rating", "rationale"],
                                               [workstream, board_date, "", "New words"]])
    with store.reading(db_copy) as conn:
        validation = im.validate(conn, "ratings", im.read_path(file))
    assert not validation.ok and any(p.column == "rating" for p in validation.problems)
    assert board_ratings(db_copy) == before


def test_a_civil_service_statistics_import_leaves_every_boards_rating(db_copy):
    """Importing a new year's Civil Service Statistics changes no Board's rating."""
    before = board_ratings(db_copy)
    tables, problems = official.read_tables(releases.release_files())
    with store.reading(db_copy) as conn:
        plan = official.plan_import(conn, tables, problems)
    result = official.apply_import(db_copy, plan, user=EDITOR)
    assert result.added > 0
    assert board_ratings(db_copy) == before
