"""The SQL box: read-only SQL over the store, for the GSE team's analysts, in the app and on the command line.

Read-only by construction, not by trust in the caller: the file is opened read-only, the
connection is put in query_only mode, and an authorizer allows only reading (SELECT, reading
columns, ordinary functions, recursive CTEs and a few read-only PRAGMAs). Writing, ATTACH,
PRAGMA changes, transaction control and extension loading are refused before the statement
runs (the rules are in `sqlworker`).

Stoppable whatever the query does: each query runs in a child process (`sqlworker`) with its
own memory cap; the child stops itself at the time limit when SQLite lets it, and the parent
kills it shortly after when it does not (one long function call such as instr() over huge
strings). What comes back is capped in rows and in bytes. Whatever goes wrong, the caller gets
`QueryRefused` with one line to show.
"""

from __future__ import annotations

import marshal
import math
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..storage.store import StoreError
from .sqlworker import (
    MAX_SQL_CHARS,
    OUT_OF_MEMORY,
    open_read_only,
    stopped_message,
)

# A result may take at most this much memory, whatever the row cap: 20 rows of 9 MB blobs would
# otherwise sit in a web session for as long as it lasts.
MAX_RESULT_BYTES = 32 * 1024 * 1024
# The longest time limit anyone may set: the SQL box is for questions, not batch jobs.
MAX_TIME_LIMIT_S = 600.0
# Starting the child and handing back its answer take this long at most, beyond the time limit,
# before the parent kills it.
KILL_GRACE_S = 0.5
# At most this many queries run at once on the server; the rest wait their turn (up to their limit).
MAX_RUNNING = 4
_running = threading.BoundedSemaphore(MAX_RUNNING)
WORKER = Path(__file__).with_name("sqlworker.py")


class QueryRefused(Exception):
    """A query the SQL box will not run, or stopped; the message is one line a person understands."""


@dataclass(frozen=True)
class QueryResult:
    """What a query returned: at most the row cap of rows, whether more were left, how long it took.

    `cut_by` says what cut it short: "rows" (the row cap), "bytes" (MAX_RESULT_BYTES) or "".
    Column names are unique: a repeated name gets " (2)", " (3)" … as `SELECT *` over a join does.
    """

    frame: pd.DataFrame
    truncated: bool
    elapsed: float
    cut_by: str = ""


def check_limits(time_limit_s: float, row_cap: int) -> None:
    """Raise ValueError unless the time limit is a finite number of seconds above 0 and the row cap at least 1."""
    if not isinstance(time_limit_s, int | float) or not math.isfinite(time_limit_s) or time_limit_s <= 0:
        raise ValueError(f"the time limit must be a number of seconds above 0, not {time_limit_s!r}")
    if time_limit_s > MAX_TIME_LIMIT_S:
        raise ValueError(f"the time limit must be at most {MAX_TIME_LIMIT_S:g} seconds, not {time_limit_s:g}")
    if isinstance(row_cap, bool) or not isinstance(row_cap, int) or row_cap < 1:
        raise ValueError(f"the row cap must be a whole number of at least 1, not {row_cap!r}")


def unique_columns(columns: list[str]) -> list[str]:
    """COLUMNS with repeats renamed "name (2)", "name (3)" …, so a table can show them side by side."""
    seen: set[str] = set()
    result = []
    for name in columns:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate)
        result.append(candidate)
    return result


def _run_child(request: dict, time_limit_s: float) -> dict:
    """Run the worker on REQUEST; kill it at the deadline. Return its answer or raise QueryRefused.

    TIME_LIMIT_S is the limit the person set, named in the message; the child has what remains of it.
    """
    child = subprocess.Popen([sys.executable, "-I", "-S", str(WORKER)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True,
                             start_new_session=True)
    try:
        out, err = child.communicate(marshal.dumps(request),
                                     timeout=request["time_limit_s"] + KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise QueryRefused(stopped_message(time_limit_s)) from None
    except BaseException:
        child.kill()
        child.wait()
        raise
    if child.returncode != 0 or not out:
        if child.returncode in (-24, -9):  # SIGXCPU from the CPU limit, or killed
            raise QueryRefused(stopped_message(time_limit_s))
        last = err.decode("utf-8", "replace").strip().splitlines()
        if last and "MemoryError" in last[-1]:
            raise QueryRefused(OUT_OF_MEMORY)
        raise QueryRefused(f"the query stopped unexpectedly ({last[-1] if last else f'exit code {child.returncode}'})")
    try:
        # marshal: plain values only (no classes, no code run), written by our own worker.
        answer = marshal.loads(out)  # noqa: S302 (from our own worker)
    except (EOFError, ValueError, TypeError) as error:
        raise QueryRefused(f"the query's answer could not be read: {error}") from None
    if not isinstance(answer, dict):
        raise QueryRefused("the query's answer could not be read")
    return answer


def run_query(db_path: str | Path, sql: str, *, time_limit_s: float, row_cap: int,
              max_result_bytes: int = MAX_RESULT_BYTES) -> QueryResult:
    """Run one read-only SQL statement against DB_PATH; return at most ROW_CAP rows and MAX_RESULT_BYTES.

    Raises QueryRefused (one line) for anything that would write, attach, change a setting,
    load an extension, or that runs past TIME_LIMIT_S or needs more memory than the child may
    use; StoreError if there is no database; ValueError for a limit that is not a finite
    positive number.
    """
    check_limits(time_limit_s, row_cap)
    if not sql or not sql.strip():
        raise QueryRefused("there is no SQL to run")
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(f"the SQL is too long (over {MAX_SQL_CHARS:,} characters)")
    path = Path(db_path).resolve()
    if not path.is_file():
        raise StoreError(f"no database at {path}: run `python -m gse_dashboard init` first")
    started = time.monotonic()
    if not _running.acquire(timeout=time_limit_s):
        raise QueryRefused("the SQL box is busy with other people's queries: try again in a moment")
    try:
        remaining = max(time_limit_s - (time.monotonic() - started), 0.01)
        answer = _run_child({"db_path": str(path), "sql": sql, "time_limit_s": remaining, "row_cap": row_cap,
                             "max_result_bytes": int(max_result_bytes)}, time_limit_s)
    finally:
        _running.release()
    if "refused" in answer:
        text = answer["refused"]
        if text.startswith("stopped after "):  # the child's own stop names its remaining time: name the limit
            text = stopped_message(time_limit_s)
        raise QueryRefused(text)
    elapsed = time.monotonic() - started
    frame = pd.DataFrame.from_records(answer["rows"], columns=unique_columns(answer["columns"]))
    return QueryResult(frame=frame, truncated=bool(answer["truncated"]), elapsed=elapsed, cut_by=answer["truncated"])


def schema(db_path: str | Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every table and view with its columns (name, declared type), read through a read-only connection.

    Fixed, cheap queries of the app's own, so they run in this process rather than a child each.
    """
    path = Path(db_path).resolve()
    if not path.is_file():
        raise StoreError(f"no database at {path}: run `python -m gse_dashboard init` first")
    conn = open_read_only(str(path), 5.0)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        result = []
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            columns = conn.execute(f"PRAGMA table_info({quoted})").fetchall()
            result.append((name, [(column[1], column[2] or "") for column in columns]))
        return result
    finally:
        conn.close()


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
