"""A period is shown only once its return is complete: a whole import, or parts followed by an explicit mark."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gse_dashboard import cli
from gse_dashboard import importers as im
from gse_dashboard.people import period_returns, published
from gse_dashboard.rules import auth
from gse_dashboard.storage import queries, store

EDITOR = auth.command_line_user("Ada Analyst")
HEADER = ["indicator", "period", "population", "department", "grade", "role_type", "value", "source"]


def _file(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def _import(db_path: Path, file: Path, **kwargs) -> im.ImportResult:
    database = store.connect(db_path, readonly=True)
    try:
        validation = im.validate(database, "observations", im.read_path(file))
    finally:
        database.close()
    assert validation.ok, validation.problem_lines()
    return im.apply_import(db_path, "observations", validation, user=EDITOR, **kwargs)


def _rows(department: str, counts: tuple[int, ...]) -> list[list]:
    return [["members", "2031-03-31", "GSE", department, grade, "Policy", count, "HR return"]
            for grade, count in zip(("EO", "HEO", "SCS"), counts)]


def _latest(db_path: Path, as_at: str = "2031-12-31"):
    database = store.connect(db_path, readonly=True)
    try:
        series = queries.observation_series(database.conn, "members", as_at, population="GSE")
        return queries.latest_cell_period(database.conn, "members", as_at), series["period"].tolist()[-1]
    finally:
        database.close()


def test_a_return_in_parts_is_shown_only_once_marked_complete(db_copy, tmp_path):
    """Two parts loaded with in_parts show nothing of 2031 until complete-period; then the whole period shows."""
    _import(db_copy, _file(tmp_path / "a.csv", _rows("Dept A", (40, 50, 12))), in_parts=True)
    _import(db_copy, _file(tmp_path / "b.csv", _rows("Dept B", (30, 20, 11))), in_parts=True)
    assert _latest(db_copy)[0] != "2031-03-31" and "2031-03-31" not in _latest(db_copy)[1]
    message = period_returns.mark_period_complete(db_copy, "members", "2031-03-31", user=EDITOR)
    assert "complete" in message
    assert _latest(db_copy) == ("2031-03-31", "2031-03-31")
    database = store.connect(db_copy, readonly=True)
    try:
        series = published.series(database.conn, "2031-12-31", 10)
        assert series["value"].tolist()[-1] == 163
    finally:
        database.close()
    with pytest.raises(period_returns.ReturnError, match="already complete"):
        period_returns.mark_period_complete(db_copy, "members", "2031-03-31", user=EDITOR)


def test_a_whole_import_completes_its_period_and_undo_takes_the_mark_back(db_copy, tmp_path):
    """A file of cells loaded in one go completes its period; undoing the import leaves it unshown again."""
    rows = _rows("Dept A", (40, 50, 12)) + _rows("Dept B", (30, 20, 11))
    result = _import(db_copy, _file(tmp_path / "all.csv", rows))
    assert _latest(db_copy)[0] == "2031-03-31"
    im.undo_batch(db_copy, result.batch_id, EDITOR)
    assert _latest(db_copy)[0] != "2031-03-31"


def test_complete_period_on_the_command_line_names_what_is_wrong(db_copy, capsys):
    """Marking a period with no cells complete is refused with a message, and nothing is written."""
    code = cli.main(["--db", str(db_copy), "complete-period", "members", "2031-03-31", "--actor", "Ada"])
    assert code == 2
    assert "no members figures by department, grade and role type" in capsys.readouterr().err


def test_as_at_inside_a_recording_window_shows_the_previous_complete_quarter(built):
    """The brief's 2 January 2025: members at 30 September 2024, not a partial sum for 31 December."""
    series = published.series(built.conn, "2025-01-02", 10)
    assert series["period"].tolist()[-1] == "2024-09-30"
    value, change, period = published.change_since(series, "2025-01-02", queries.previous_board_date(built.conn,
                                                                                                    "2025-01-02"))
    assert period == "2024-09-30" and value > 10000 and abs(change) < 1000
