"""The SQL box: reads anything, writes and attaches nothing, stops runaway queries; the same on the command line."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
import time

import pytest

from gse_dashboard.config import ROOT
from gse_dashboard.explore import sql_runner
from gse_dashboard.explore.sql_runner import QueryRefused, run_query
from gse_dashboard.storage import queries, store
from gse_dashboard.strategy import metrics
from tests.test_cli import run as run_cli

LIMITS = {"time_limit_s": 1.0, "row_cap": 100}
NEVER_ENDS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_select_returns_its_rows_and_says_when_it_was_cut_short(built_db_file):
    """Rows come back as a frame; more rows than the cap are cut to the cap and flagged."""
    result = run_query(built_db_file, "SELECT number, name FROM workstreams ORDER BY number", **LIMITS)
    assert result.frame["number"].tolist() == list(range(1, 11)) and not result.truncated
    capped = run_query(built_db_file, "SELECT * FROM observations", time_limit_s=1.0, row_cap=7)
    assert len(capped.frame) == 7 and capped.truncated
    assert result.elapsed < 1.0


@pytest.mark.parametrize(("sql", "reason"), [
    ("UPDATE meta SET value = '999' WHERE key = 'revision'", "writing is not allowed: the SQL box is read-only"),
    ("DELETE FROM saved_views", "writing is not allowed: the SQL box is read-only"),
    ("INSERT INTO meta (key, value) VALUES ('x', 'y')", "writing is not allowed: the SQL box is read-only"),
    ("DROP TABLE audit_log", "writing is not allowed: the SQL box is read-only"),
    ("CREATE TEMP TABLE scratch (x)", "writing is not allowed: the SQL box is read-only"),
    ("VACUUM", "writing is not allowed: the SQL box is read-only"),
    ("PRAGMA query_only = 0", "PRAGMA query_only = 0 is not allowed: the SQL box cannot change settings"),
    ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode = DELETE is not allowed: the SQL box cannot change settings"),
    ("SELECT load_extension('x')", "the function load_extension() is not allowed in the SQL box"),
    ("BEGIN IMMEDIATE", "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is not allowed in the SQL box"),
    ("DETACH main", "DETACH is not allowed"),
])
def test_anything_but_reading_is_refused_and_changes_nothing(sql, reason, db_copy):
    """Writes, schema changes, settings, extensions and transactions are refused with a reason; nothing changes."""
    before = _digest(db_copy)
    with pytest.raises(QueryRefused) as refused:
        run_query(db_copy, sql, **LIMITS)
    assert str(refused.value) == reason
    assert _digest(db_copy) == before


def test_attach_of_a_new_file_is_refused_and_no_file_appears(db_copy, tmp_path):
    """ATTACH (and VACUUM INTO, which attaches) cannot create a file on disk."""
    for sql, target in ((f"ATTACH DATABASE '{tmp_path / 'new.db'}' AS other", tmp_path / "new.db"),
                        (f"VACUUM INTO '{tmp_path / 'copy.db'}'", tmp_path / "copy.db")):
        with pytest.raises(QueryRefused, match="ATTACH is not allowed|read-only"):
            run_query(db_copy, sql, **LIMITS)
        assert not target.exists()


def test_a_query_that_never_ends_is_stopped_at_its_time_limit(built_db_file):
    """A recursive CTE without end is stopped after about its limit, with a one-line reason."""
    started = time.monotonic()
    with pytest.raises(QueryRefused, match=r"^stopped after 0\.2 s: the query ran too long$"):
        run_query(built_db_file, NEVER_ENDS, time_limit_s=0.2, row_cap=10)
    assert time.monotonic() - started < 2.0


def test_mistakes_get_one_line_reasons(built_db_file):
    """Syntax errors, unknown tables, several statements, huge values and table functions get one line each."""
    cases = {
        "SELEC 1": 'syntax error near "SELEC"',
        "SELECT * FROM nosuch": "no such table: nosuch",
        "SELECT 1; SELECT 2": "one statement at a time: remove everything after the first semicolon",
        "SELECT (1": "the SQL is incomplete: a bracket, quote or CTE is not closed",
        "SELECT randomblob(1000000000)": "a value is too big to return (the limit is 10 MB)",
        "   ": "there is no SQL to run",
        "SELECT value FROM json_each('[1, 2]')": "table-valued functions such as json_each() or pragma_table_info() "
                                                 "are not available in the SQL box: use json_extract() or "
                                                 "PRAGMA table_info(name) instead",
    }
    for sql, reason in cases.items():
        with pytest.raises(QueryRefused) as refused:
            run_query(built_db_file, sql, **LIMITS)
        assert str(refused.value) == reason and "\n" not in reason


def test_read_only_pragmas_and_the_schema_are_available(built_db_file):
    """PRAGMA table_info works, and the schema lists every table with its columns."""
    info = run_query(built_db_file, "PRAGMA table_info(commitments)", **LIMITS).frame
    assert "due_date" in info["name"].tolist()
    tables = dict(sql_runner.schema(built_db_file))
    assert {"commitments", "observations", "progress_updates", "saved_views", "audit_log"} <= set(tables)
    assert ("recorded_at", "TEXT") in tables["observations"]


def test_the_example_queries_run_and_answer_their_question(built):
    """Each example runs within the default limit; the past-its-date example agrees with the Overview's count."""
    path = built.conn.execute("PRAGMA database_list").fetchone()[2]
    results = {name: run_query(path, sql, time_limit_s=1.0, row_cap=10_000) for name, sql in sql_runner.EXAMPLE_QUERIES}
    overdue = results["Commitments past their date as at a date"].frame
    expected = metrics.headline(queries.commitment_status(built.conn, "2018-10-17"), "2018-10-17")["overdue"]
    assert len(overdue) == expected > 0
    grades = results["Members by grade at the latest period"].frame
    assert set(grades["grade"]) >= {"SCS", "Grade 6", "Grade 7"}


def test_a_missing_database_is_a_store_error_not_a_new_file(tmp_path):
    """Pointing the runner at a file that does not exist neither creates it nor runs anything."""
    with pytest.raises(store.StoreError):
        run_query(tmp_path / "none.db", "SELECT 1", **LIMITS)
    assert not (tmp_path / "none.db").exists()


@pytest.mark.slow
def test_the_command_line_writes_csv_to_standard_output(built_db_file):
    """`query` prints the rows as CSV, with formula-like text neutralised for Excel."""
    done = run_cli("--db", built_db_file, "query",
                   "SELECT number, name, '=cmd|'' /C calc''!A0' AS note FROM workstreams WHERE number <= 2 "
                   "ORDER BY number")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["number", "name", "note"]
    assert [r[0] for r in rows[1:]] == ["1", "2"] and rows[1][2] == "'=cmd|' /C calc'!A0"


@pytest.mark.slow
def test_the_command_line_caps_rows_and_says_so(built_db_file):
    """--max-rows limits the rows printed and a warning on standard error says more were left."""
    done = run_cli("--db", built_db_file, "query", "SELECT * FROM commitments", "--max-rows", "3")
    assert done.returncode == 0 and len(done.stdout.strip().splitlines()) == 4
    assert done.stderr.strip() == "warning: only the first 3 rows are shown (--max-rows)"


@pytest.mark.slow
def test_a_refused_query_on_the_command_line_exits_2_with_one_line(db_copy):
    """A write, or a query past --time-limit, ends with one line on standard error and exit code 2."""
    before = _digest(db_copy)
    done = run_cli("--db", db_copy, "query", "DROP TABLE commitments")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "error: writing is not allowed: the SQL box is read-only\n"
    slow = run_cli("--db", db_copy, "query", NEVER_ENDS, "--time-limit", "0.2")
    assert slow.returncode == 2 and slow.stderr == "error: stopped after 0.2 s: the query ran too long\n"
    assert _digest(db_copy) == before


# -- issue 17: a query that cannot run away ----------------------------------------------------

# One function call that SQLite never interrupts: the progress handler is not called inside instr().
ONE_LONG_CALL = "SELECT instr(hex(zeroblob(4999999)), hex(zeroblob(2499999))||'01')"


@pytest.mark.slow
def test_one_long_function_call_is_stopped_at_its_deadline(built_db_file):
    """instr() over two huge strings, which the progress handler cannot interrupt, is killed at about its limit."""
    started = time.monotonic()
    with pytest.raises(QueryRefused, match=r"^stopped after 1 s: the query ran too long$"):
        run_query(built_db_file, ONE_LONG_CALL, time_limit_s=1.0, row_cap=10)
    assert time.monotonic() - started < 5.0  # before: past 60 s; the margin is for a loaded machine
    done = run_cli("--db", built_db_file, "query", ONE_LONG_CALL, "--time-limit", "1")
    assert done.returncode == 2 and done.stderr == "error: stopped after 1 s: the query ran too long\n"


@pytest.mark.slow
def test_limits_that_are_not_finite_positive_numbers_are_refused(built_db_file, monkeypatch):
    """nan, inf, 0 and negative limits are refused, from the function, the command line and the setting."""
    for bad in (float("nan"), float("inf"), 0.0, -1.0, 10_000.0):
        with pytest.raises(ValueError, match="time limit"):
            run_query(built_db_file, "SELECT 1", time_limit_s=bad, row_cap=10)
    with pytest.raises(ValueError, match="row cap"):
        run_query(built_db_file, "SELECT 1", time_limit_s=1.0, row_cap=0)
    done = run_cli("--db", built_db_file, "query", ONE_LONG_CALL, "--time-limit", "nan")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: --time-limit must be a number of seconds above 0") and "nan" in done.stderr
    monkeypatch.setenv("GSE_SQL_TIME_LIMIT", "nan")
    from gse_dashboard.config import load_settings
    with pytest.raises(ValueError, match="GSE_SQL_TIME_LIMIT must be a finite number, not 'nan'"):
        load_settings()
    env = {**os.environ, "GSE_SQL_TIME_LIMIT": "nan"}
    done = subprocess.run([sys.executable, "-m", "gse_dashboard", "--db", str(built_db_file), "query", ONE_LONG_CALL],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and done.stderr == "error: GSE_SQL_TIME_LIMIT must be a finite number, not 'nan'\n"


@pytest.mark.slow
def test_a_result_is_capped_in_bytes_not_only_rows(built_db_file):
    """Twenty 9 MB blobs come back as the few that fit in the result cap, flagged as cut by size."""
    sql = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 20) "
           "SELECT n, zeroblob(9000000) AS blob FROM r")
    result = run_query(built_db_file, sql, time_limit_s=30.0, row_cap=10_000)
    assert result.truncated and result.cut_by == "bytes"
    assert 1 <= len(result.frame) <= sql_runner.MAX_RESULT_BYTES // 9_000_000
    assert result.frame["n"].tolist() == list(range(1, len(result.frame) + 1))
    done = run_cli("--db", built_db_file, "query", sql.replace("zeroblob(9000000)", "hex(zeroblob(4000000))"),
                   "--time-limit", "30")
    assert done.returncode == 0
    assert "warning: only the first" in done.stderr and "MB" in done.stderr
    assert len(done.stdout) < sql_runner.MAX_RESULT_BYTES + 1_000_000


def test_the_child_that_runs_a_query_cannot_take_more_memory_than_its_cap():
    """The SQL worker caps its own address space: allocating a gigabyte after the cap fails with MemoryError."""
    from gse_dashboard.explore import sqlworker
    code = (f"import sys; sys.path.insert(0, {str(sql_runner.WORKER.parent)!r}); import sqlworker\n"
            "sqlworker._limit_self(1.0)\n"
            "try:\n    b = bytearray(1024 ** 3)\nexcept MemoryError:\n    print('refused')\n")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "refused", done.stderr
    assert sqlworker.MEMORY_LIMIT_BYTES < 1024 ** 3


def test_repeated_column_names_come_back_side_by_side(built_db_file):
    """SELECT 1 AS a, 2 AS a and SELECT * over a join return every column, repeats renamed name (2)."""
    result = run_query(built_db_file, "SELECT 1 AS a, 2 AS a, 3 AS a", **LIMITS)
    assert result.frame.columns.tolist() == ["a", "a (2)", "a (3)"]
    assert result.frame.iloc[0].tolist() == [1, 2, 3]
    joined = run_query(built_db_file, "SELECT * FROM commitments c JOIN workstreams w ON w.number = c.workstream "
                                      "LIMIT 3", **LIMITS)
    assert joined.frame.columns.is_unique and len(joined.frame) == 3
