"""Protected tables kept in the database: read back identical, protected once per content, renewed on a change."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from gse_dashboard import importers as im
from gse_dashboard.people import protection, protection_store, published
from gse_dashboard.rules import auth
from gse_dashboard.storage import queries, store

THRESHOLD = 10
DEPARTMENT = "Animal and Plant Health Agency"


@pytest.fixture(autouse=True)
def _no_tables_in_memory():
    """Each test starts as a new server process would: nothing protected in memory."""
    protection_store.forget_in_memory()
    published.forget_in_memory()
    yield
    protection_store.forget_in_memory()
    published.forget_in_memory()


@pytest.fixture
def fresh_copy(db_copy) -> Path:
    """A private copy of the default database with no protected table kept yet (other tests' pages keep some)."""
    database = store.connect(db_copy)
    try:
        with database.conn:
            database.conn.execute("DELETE FROM protected_tables")
    finally:
        database.close()
    return db_copy


def _forget():
    protection_store.forget_in_memory()
    published.forget_in_memory()


def _fields(table: protection.ProtectedTable) -> tuple:
    return (table.threshold, table.labels, table.values, table.hidden, table.moves, table.certificates, table.revised)


def _kept_rows(conn) -> int:
    return conn.execute("SELECT COUNT(*) FROM protected_tables").fetchone()[0]


def _never_protect(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("protected again although a kept table was there")
    monkeypatch.setattr(protection, "protect", refuse)


def test_a_kept_table_reads_back_equal_in_every_field():
    """dumps then loads gives the same labels, figures, hidden set, moves and certificates, and they still certify."""
    counts = {(d, g, r): v for (d, g, r), v in zip(
        [(d, g, r) for d in "ABCD" for g in ("EO", "HEO", "SEO") for r in ("P", "Q")],
        [3, 40, 25, 12, 0, 31, 18, 7, 44, 2, 29, 15, 11, 60, 5, 33, 21, 9, 1, 14, 27, 38, 16, 4])}
    cells = pd.DataFrame([{"department": d, "grade": g, "role_type": r, "value": v} for (d, g, r), v in counts.items()])
    fresh = protection.protect(cells, THRESHOLD)
    assert fresh.moves and fresh.certificates  # the table needed secondary suppression
    kept = protection_store.loads(protection_store.dumps(fresh))
    assert _fields(kept) == _fields(fresh)
    assert protection.certify(kept) == protection.certify(fresh)


def test_a_table_is_read_from_the_database_by_a_new_process(fresh_copy, monkeypatch):
    """The latest period's table, once protected, is read back from the database identical, without protecting."""
    database = store.connect(fresh_copy)
    try:
        conn = database.conn
        as_at = queries.latest_data_date(conn)
        period = published.latest_period(conn, as_at)
        first = published.table(conn, as_at, period, THRESHOLD)
        assert _kept_rows(conn) == 1
        _forget()
        _never_protect(monkeypatch)
        again = published.table(conn, as_at, period, THRESHOLD)
        assert again is not first and _fields(again) == _fields(first)
    finally:
        database.close()


@pytest.mark.slow
def test_every_complete_period_is_protected_once_then_only_read(fresh_copy, monkeypatch):
    """protect_complete_periods keeps one table per complete period; run again, it protects nothing."""
    database = store.connect(fresh_copy)
    try:
        conn = database.conn
        as_at = queries.latest_data_date(conn)
        periods = queries.complete_cell_periods(conn, "members", as_at, "GSE")
        assert published.protect_complete_periods(conn, THRESHOLD) == len(periods) > 1
        assert _kept_rows(conn) == len(periods)
        _forget()
        _never_protect(monkeypatch)
        assert published.protect_complete_periods(conn, THRESHOLD) == len(periods)
        assert _kept_rows(conn) == len(periods)
    finally:
        database.close()


@pytest.mark.slow
def test_a_chart_over_time_from_kept_tables_equals_one_protected_afresh(fresh_copy):
    """A department's SCS members over time read from kept tables are the figures protected afresh, hidden alike."""
    database = store.connect(fresh_copy)
    try:
        conn = database.conn
        as_at = queries.latest_data_date(conn)
        afresh = published.series(conn, as_at, THRESHOLD, department=DEPARTMENT, grade="SCS")
        assert _kept_rows(conn) > 1 and afresh["hidden"].any() and not afresh["hidden"].all()
        _forget()
        kept = published.series(conn, as_at, THRESHOLD, department=DEPARTMENT, grade="SCS")
        pd.testing.assert_frame_equal(kept, afresh)
    finally:
        database.close()


def test_a_changed_cell_gives_a_newly_protected_table(fresh_copy, tmp_path):
    """Correcting one cell of the latest period to 3 hides it in a newly protected table (with all hidden before)."""
    database = store.connect(fresh_copy)
    try:
        conn = database.conn
        as_at = queries.latest_data_date(conn)
        period = published.latest_period(conn, as_at)
        before = published.table(conn, as_at, period, THRESHOLD)
        grade = next(g for g in before.labels["grade"] if (before.figure(DEPARTMENT, g, "Policy") or 0) >= THRESHOLD)
        key = before.key(DEPARTMENT, grade, "Policy")
        rows_before = _kept_rows(conn)
    finally:
        database.close()
    file = tmp_path / "correction.csv"
    with file.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["indicator", "period", "population", "department", "grade", "role_type",
                                       "value", "source"],
                                      ["members", period, "GSE", DEPARTMENT, grade, "Policy", 3, "HR return"]])
    reader = store.connect(fresh_copy, readonly=True)
    try:
        validation = im.validate(reader, "observations", im.read_path(file))
    finally:
        reader.close()
    assert validation.ok, validation.problem_lines()
    im.apply_import(fresh_copy, "observations", validation, user=auth.command_line_user("Ada Analyst"))
    _forget()
    database = store.connect(fresh_copy)
    try:
        conn = database.conn
        now = queries.latest_data_date(conn)
        assert published.latest_period(conn, now) == period
        after = published.table(conn, now, period, THRESHOLD)
        assert after.values[key] == 3 and after.is_hidden(key) and not before.is_hidden(key)
        assert _kept_rows(conn) == rows_before + 1
        # A correction is protected with the version shown before it: what was hidden then stays hidden.
        fresh = protection.protect_revision(queries.cells(conn, now, period), THRESHOLD, [before])
        assert _fields(after) == _fields(fresh) and before.hidden <= after.hidden
        # As at the earlier date the earlier cells, and their kept table, still hold.
        assert _fields(published.table(conn, as_at, period, THRESHOLD)) == _fields(before)
    finally:
        database.close()


def test_a_read_only_connection_protects_without_keeping(fresh_copy):
    """On a connection that cannot write, the table is still protected and served; nothing is written, no error."""
    database = store.connect(fresh_copy, readonly=True)
    try:
        conn = database.conn
        as_at = queries.latest_data_date(conn)
        period = published.latest_period(conn, as_at)
        cells = queries.cells(conn, as_at, period)
        key = protection_store.content_key(queries.cell_contents(conn, as_at, [period])[period], THRESHOLD)
        table = protection_store.protected(conn, key, THRESHOLD, lambda: cells)
        assert _fields(table) == _fields(protection.protect(cells, THRESHOLD))
        assert _kept_rows(conn) == 0
    finally:
        database.close()


def _key(rows: list[tuple], threshold: int = THRESHOLD) -> str:
    """The kept-table key of a period holding ROWS (department, grade, role_type, value), in that order."""
    database = store.memory_db()
    try:
        database["indicators"].insert({"code": "members", "name": "Members", "category": "membership",
                                       "unit": "count", "people_count": 1, "frequency": "quarterly",
                                       "description": "d"})
        for department, grade, role, value in rows:
            database["observations"].insert({"indicator": "members", "period": "2020-03-31", "population": "GSE",
                                             "department": department, "grade": grade, "role_type": role,
                                             "value": value, "source": "t", "recorded_at": "2020-04-01T09:00:00",
                                             "recorded_by": "t"})
        text = queries.cell_contents(database.conn, "2020-04-30", ["2020-03-31"])["2020-03-31"]
        return protection_store.content_key(text, threshold)
    finally:
        database.close()


def test_the_key_depends_on_every_cell_and_the_threshold_not_on_row_order():
    """Rows stored in another order keep the key; a changed count, a letter moved between labels, a threshold: not."""
    rows = [("A", "EO", "P", 12), ("A", "HEO", "P", 3), ("B", "EO", "P", 40)]
    key = _key(rows)
    assert _key(list(reversed(rows))) == key
    assert _key([("A", "EO", "P", 13), *rows[1:]]) != key
    assert _key([("AE", "O", "P", 12), *rows[1:]]) != key
    assert _key(rows[:2]) != key
    assert _key(rows, THRESHOLD + 1) != key
