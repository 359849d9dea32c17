"""The SQL box: read-only SQL over the store, for the GSE team's analysts, in the app and on the command line.

Read-only by construction, not by trust in the caller: the file is opened read-only, the
connection is put in query_only mode, and an authorizer allows only reading (SELECT, reading
columns, ordinary functions, recursive CTEs and a few read-only PRAGMAs). Writing, ATTACH,
PRAGMA changes, transaction control and extension loading are refused before the statement
runs. A progress handler stops a query that runs past its time limit, and a row cap limits
what comes back. Whatever goes wrong, the caller gets `QueryRefused` with one line to show.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .db import StoreError

# PRAGMAs that only report on the schema, whatever their argument.
READ_ONLY_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "collation_list", "function_list", "pragma_list",
})
# Functions that reach outside the database (files, shared libraries, tokenizer pointers).
DENIED_FUNCTIONS = frozenset({
    "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "zipfile", "sqlar_compress",
    "sqlar_uncompress", "lsmode",
})
# The progress handler runs every this many virtual-machine steps: often enough to stop in
# milliseconds, rarely enough to cost nothing measurable.
PROGRESS_STEPS = 1_000
# No single value may exceed this: randomblob(1e9) would otherwise take a gigabyte of memory.
MAX_VALUE_BYTES = 10_000_000
# Longer SQL than this is not something a person typed.
MAX_SQL_CHARS = 100_000

_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
_WRITES = {
    name: getattr(sqlite3, name) for name in dir(sqlite3)
    if re.match(r"SQLITE_(INSERT|UPDATE|DELETE|CREATE_|DROP_|ALTER_TABLE|REINDEX|ANALYZE)", name)
}
_TRANSACTIONS = {sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT}
READ_ONLY = "writing is not allowed: the SQL box is read-only"


class QueryRefused(Exception):
    """A query the SQL box will not run, or stopped; the message is one line a person understands."""


@dataclass(frozen=True)
class QueryResult:
    """What a query returned: at most the row cap of rows, whether more were left, how long it took."""

    frame: pd.DataFrame
    truncated: bool
    elapsed: float


def _open(db_path: str | Path, time_limit_s: float) -> sqlite3.Connection:
    """A connection that can only read DB_PATH: read-only file, query_only, no extensions, tight limits."""
    path = Path(db_path).resolve()
    if not path.is_file():
        raise StoreError(f"no database at {path}: run `python -m gse_dashboard init` first")
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None,
                           timeout=max(time_limit_s, 0.1), check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    if hasattr(conn, "enable_load_extension"):  # absent when Python's SQLite was built without extensions
        conn.enable_load_extension(False)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_CHARS * 4)
    return conn


class _Guard:
    """The authorizer: allows reading only and remembers why it refused, for the message."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.reason: str | None = None

    def __call__(self, action: int, arg1: str | None, arg2: str | None, database: str | None,
                 source: str | None) -> int:
        reason = self.refusal(action, arg1, arg2)
        if reason is None:
            return sqlite3.SQLITE_OK
        self.reason = self.reason or reason
        return sqlite3.SQLITE_DENY

    def refusal(self, action: int, arg1: str | None, arg2: str | None) -> str | None:
        """None to allow ACTION; otherwise why not."""
        if action in _ALLOWED:
            return None
        if action == sqlite3.SQLITE_FUNCTION:
            name = (arg2 or "").lower()
            return f"the function {name}() is not allowed in the SQL box" if name in DENIED_FUNCTIONS else None
        if action == sqlite3.SQLITE_PRAGMA:
            name = (arg1 or "").lower()
            if name in READ_ONLY_PRAGMAS:
                return None
            if arg2 is not None:
                return f"PRAGMA {name} = {arg2} is not allowed: the SQL box cannot change settings"
            return (f"PRAGMA {name} is not allowed; the SQL box allows only "
                    f"{', '.join(sorted(READ_ONLY_PRAGMAS))}")
        if action == sqlite3.SQLITE_ATTACH:
            return READ_ONLY if _first_word(self.sql) == "VACUUM" else "ATTACH is not allowed"
        if action == sqlite3.SQLITE_DETACH:
            return "DETACH is not allowed"
        if action in _TRANSACTIONS:
            return "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is not allowed in the SQL box"
        if action in _WRITES.values():
            if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master" and _first_word(self.sql) != "UPDATE":
                # SQLite declares a table-valued function (json_each, pragma_table_info) by updating the
                # schema, which the authorizer cannot tell from a real write: refused, but said plainly.
                return ("table-valued functions such as json_each() or pragma_table_info() are not available "
                        "in the SQL box: use json_extract() or PRAGMA table_info(name) instead")
            return READ_ONLY
        return READ_ONLY


def _first_word(sql: str) -> str:
    match = re.match(r"\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(\w+)", sql, re.DOTALL)
    return match.group(1).upper() if match else ""


def _reason(error: sqlite3.Error, guard: _Guard, stopped: bool, time_limit_s: float) -> str:
    """One line for ERROR: what the authorizer refused, the time limit, or SQLite's message made plain."""
    text = str(error).strip()
    if stopped or text == "interrupted":
        return f"stopped after {time_limit_s:g} s: the query ran too long"
    if guard.reason:
        return guard.reason
    if "readonly database" in text or "query_only" in text:
        return READ_ONLY
    syntax = re.fullmatch(r'near "(.*)": syntax error', text, re.DOTALL)
    if syntax:
        return f'syntax error near "{syntax.group(1)}"'
    if text == "incomplete input":
        return "the SQL is incomplete: a bracket, quote or CTE is not closed"
    if "one statement at a time" in text:
        return "one statement at a time: remove everything after the first semicolon"
    if "string or blob too big" in text:
        return f"a value is too big to return (the limit is {MAX_VALUE_BYTES // 1_000_000} MB)"
    if text == "not authorized":
        return READ_ONLY
    return text.splitlines()[0] if text else type(error).__name__


def run_query(db_path: str | Path, sql: str, *, time_limit_s: float, row_cap: int) -> QueryResult:
    """Run one read-only SQL statement against DB_PATH; return at most ROW_CAP rows.

    Raises QueryRefused (one line) for anything that would write, attach, change a setting,
    load an extension, or that runs past TIME_LIMIT_S; StoreError if there is no database.
    """
    if not sql or not sql.strip():
        raise QueryRefused("there is no SQL to run")
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(f"the SQL is too long (over {MAX_SQL_CHARS:,} characters)")
    if row_cap < 1 or time_limit_s <= 0:
        raise ValueError("the row cap and the time limit must be positive")
    conn = _open(db_path, time_limit_s)
    guard = _Guard(sql)
    started = time.monotonic()
    deadline = started + time_limit_s
    stopped = False

    def progress() -> int:
        nonlocal stopped
        if time.monotonic() > deadline:
            stopped = True
            return 1  # non-zero makes SQLite abandon the statement
        return 0

    try:
        conn.set_authorizer(guard)
        conn.set_progress_handler(progress, PROGRESS_STEPS)
        try:
            cursor = conn.execute(sql)
            rows = cursor.fetchmany(row_cap + 1) if cursor.description else []
            columns = [d[0] for d in cursor.description] if cursor.description else []
        except (sqlite3.Error, sqlite3.Warning) as error:
            raise QueryRefused(_reason(error, guard, stopped, time_limit_s)) from None
        except OverflowError as error:  # a Python-side conversion, e.g. an integer too large
            raise QueryRefused(str(error)) from None
    finally:
        conn.close()
    elapsed = time.monotonic() - started
    truncated = len(rows) > row_cap
    frame = pd.DataFrame.from_records(rows[:row_cap], columns=columns)
    return QueryResult(frame=frame, truncated=truncated, elapsed=elapsed)


def schema(db_path: str | Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every table and view with its columns (name, declared type), through the same read-only runner."""
    tables = run_query(db_path, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name", time_limit_s=5.0, row_cap=1_000)
    result = []
    for name in tables.frame["name"]:
        quoted = '"' + name.replace('"', '""') + '"'
        columns = run_query(db_path, f"PRAGMA table_info({quoted})", time_limit_s=5.0, row_cap=1_000).frame
        result.append((name, list(zip(columns["name"], columns["type"].fillna("")))))
    return result


# Questions the GSE team asks, as starting points. Dates are written once, at the top, to change.
EXAMPLE_QUERIES: tuple[tuple[str, str], ...] = (
    ("Members by grade at the latest period", """\
-- Members by grade at the latest period with a breakdown, current figures (not suppressed)
WITH latest AS (
    SELECT MAX(period) AS period FROM observations
    WHERE indicator = 'members' AND department != 'All' AND grade != 'All' AND role_type != 'All'
      AND superseded_at IS NULL
)
SELECT o.grade, CAST(SUM(o.value) AS INTEGER) AS members
FROM observations o JOIN latest l ON o.period = l.period
WHERE o.indicator = 'members' AND o.superseded_at IS NULL
  AND o.department != 'All' AND o.grade != 'All' AND o.role_type != 'All'
GROUP BY o.grade
ORDER BY members DESC"""),
    ("Commitments past their date as at a date", """\
-- Open commitments whose date (indicative, or set by the GSE team) is before the date below, as
-- known then; continuing commitments have no date and are never past it
WITH params AS (SELECT '2018-10-17' AS as_at),
cutoff AS (SELECT as_at, as_at || 'T23:59:59' AS cutoff FROM params),
latest AS (
    SELECT u.ref, u.status, ROW_NUMBER() OVER (
        PARTITION BY u.ref ORDER BY u.as_of DESC, u.recorded_at DESC, u.id DESC) AS newest
    FROM progress_updates u, cutoff p
    WHERE u.as_of <= p.as_at AND u.recorded_at <= p.cutoff
      AND (u.superseded_at IS NULL OR u.superseded_at > p.cutoff)
),
due AS (
    SELECT ch.ref, ch.due_date, ROW_NUMBER() OVER (
        PARTITION BY ch.ref ORDER BY ch.recorded_at DESC, ch.id DESC) AS newest
    FROM commitment_changes ch, cutoff p WHERE ch.sets_due_date = 1 AND ch.recorded_at <= p.cutoff
)
SELECT c.ref, c.title, COALESCE(d.due_date, c.due_date) AS due_date,
       CASE WHEN d.due_date IS NOT NULL THEN 'set' ELSE 'indicative' END AS date_basis,
       COALESCE(l.status, 'not started') AS status
FROM commitments c
CROSS JOIN cutoff p
LEFT JOIN latest l ON l.ref = c.ref AND l.newest = 1
LEFT JOIN due d ON d.ref = c.ref AND d.newest = 1
WHERE COALESCE(d.due_date, c.due_date) < p.as_at AND c.continuing = 0
  AND COALESCE(l.status, 'not started') NOT IN ('complete', 'closed')
ORDER BY due_date, c.ref"""),
    ("Revisions recorded after a date", """\
-- Corrections recorded after the date below: what changed, from what, to what, and who did it
WITH params AS (SELECT '2018-01-01' AS after)
SELECT 'observation' AS kind, o.indicator || ' ' || o.population || ' ' || o.period AS what,
       old.value AS was, o.value AS now, o.recorded_at AS recorded_at, o.recorded_by AS recorded_by
FROM observations o JOIN observations old ON old.id = o.revision_of, params p
WHERE o.recorded_at > p.after
UNION ALL
SELECT 'progress update', u.ref || ' at ' || u.as_of, old.status || ', ' || old.rating,
       u.status || ', ' || u.rating, u.recorded_at, u.recorded_by
FROM progress_updates u JOIN progress_updates old ON old.id = u.revision_of, params p
WHERE u.recorded_at > p.after
ORDER BY recorded_at"""),
    ("Changes in the audit log by person and action", """\
-- Who changed what, and how often, from the audit log
SELECT actor, action, table_name, COUNT(*) AS changes, MIN(at) AS first, MAX(at) AS last
FROM audit_log
GROUP BY actor, action, table_name
ORDER BY changes DESC"""),
)
