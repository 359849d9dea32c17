"""Saved SQL: named read-only queries in the database, the ready-made ones, and how to chart a result.

A saved query is its SQL and how its result is charted (`ChartSpec`: the x, y and series
columns). Saving and deleting are for editors and go in the audit log; a query is never run
here: whoever opens it runs it through sql_runner's read-only runner, with its time limit and row
cap. A few ready-made queries ship with the app: they are listed with the saved ones, cannot
be deleted and their names cannot be taken.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass

import pandas as pd
import sqlite_utils

from ..charts import builders
from ..charts.style import Chart
from ..rules import text_rules
from ..rules.auth import User, require_editor
from ..storage import queries, store
from . import sql_runner

NAME_MAX = 80
READY_MADE_BY = "ready-made"
# A chart of more points than this is not something a person reads; the table has them all.
MAX_POINTS = 2_000


class QueryError(ValueError):
    """A saved query that cannot be saved, found or deleted, with the reason to show."""


@dataclass(frozen=True)
class ChartSpec:
    """How to chart a result: X along the axis, Y the value, SERIES one line or bar colour per value."""

    x: str | None = None
    y: str | None = None
    series: str | None = None

    @classmethod
    def from_json(cls, text: str | None) -> ChartSpec:
        """The spec stored as TEXT; an empty spec when TEXT is missing or not what was stored."""
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        return cls(**{k: str(v) for k, v in data.items() if k in ("x", "y", "series") and v})

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, sort_keys=True)


@dataclass(frozen=True)
class SavedQuery:
    """A named query: its SQL, how to chart it, who saved it and when (or 'ready-made')."""

    name: str
    sql: str
    chart: ChartSpec
    created_by: str = READY_MADE_BY
    created_at: str = ""

    @property
    def ready_made(self) -> bool:
        return self.created_by == READY_MADE_BY


_STATUS_AT_A_DATE = """\
-- Every commitment's status, ratings and latest commentary as known at the date below
-- (change the date on the first line). Titles are our summaries; strategy_ref points to the
-- strategy's own words. The date is indicative (the end of the horizon) unless the GSE team set
-- one; continuing commitments have none and are never past it. The owner is blank until the GSE
-- team assigns one (the strategy makes the Profession Board responsible for delivery).
WITH params AS (SELECT '2019-10-16' AS as_at, '2019-10-16' || 'T23:59:59' AS cutoff),
latest AS (
    SELECT u.ref, u.as_of, u.status, u.rating, u.board_rating, u.commentary, ROW_NUMBER() OVER (
        PARTITION BY u.ref ORDER BY u.as_of DESC, u.recorded_at DESC, u.id DESC) AS newest
    FROM progress_updates u, params p
    WHERE u.as_of <= p.as_at AND u.recorded_at <= p.cutoff
      AND (u.superseded_at IS NULL OR u.superseded_at > p.cutoff)
),
dated AS (
    SELECT ch.ref, ch.due_date, ROW_NUMBER() OVER (
        PARTITION BY ch.ref ORDER BY ch.recorded_at DESC, ch.id DESC) AS newest
    FROM commitment_changes ch, params p WHERE ch.sets_due_date = 1 AND ch.recorded_at <= p.cutoff
),
assigned AS (
    SELECT ch.ref, ch.owner, ch.recorded_by, substr(ch.recorded_at, 1, 10) AS assigned_on, ROW_NUMBER() OVER (
        PARTITION BY ch.ref ORDER BY ch.recorded_at DESC, ch.id DESC) AS newest
    FROM commitment_changes ch, params p WHERE ch.sets_owner = 1 AND ch.recorded_at <= p.cutoff
)
SELECT c.ref, c.title AS commitment_summary, c.strategy_ref, c.workstream || '. ' || w.name AS workstream,
       c.horizon, a.owner AS assigned_owner,
       CASE WHEN a.owner IS NOT NULL THEN a.recorded_by END AS assigned_by,
       CASE WHEN a.owner IS NOT NULL THEN a.assigned_on END AS assigned_on,
       COALESCE(d.due_date, c.due_date) AS due_date,
       CASE WHEN d.due_date IS NOT NULL THEN 'set' WHEN c.continuing = 1 THEN 'continuing'
            ELSE 'indicative' END AS date_basis,
       COALESCE(l.status, 'not started') AS status,
       COALESCE(l.board_rating, l.rating, 'Not rated') AS rating,
       CASE WHEN COALESCE(d.due_date, c.due_date) < p.as_at AND c.continuing = 0
             AND COALESCE(l.status, 'not started') NOT IN ('complete', 'closed')
            THEN 'past its date' ELSE 'not past its date' END AS past_its_date,
       l.as_of AS latest_update, COALESCE(l.commentary, '') AS latest_commentary
FROM commitments c CROSS JOIN params p
JOIN workstreams w ON w.number = c.workstream
LEFT JOIN latest l ON l.ref = c.ref AND l.newest = 1
LEFT JOIN dated d ON d.ref = c.ref AND d.newest = 1
LEFT JOIN assigned a ON a.ref = c.ref AND a.newest = 1
ORDER BY c.workstream, CASE c.horizon WHEN 'short' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, c.seq"""

_OVERDUE_AT_EACH_BOARD = """\
-- Commitments past their date in each workstream at each Board meeting, each as known on the
-- Board's date: open (neither complete nor closed) with a date before the Board; the date is the
-- indicative one (end of the horizon) unless the GSE team had set one by then; continuing
-- commitments have none and are never counted.
WITH boards AS (
    SELECT date AS board, date || 'T23:59:59' AS cutoff FROM board_meetings
),
latest AS (
    SELECT b.board, u.ref, u.status, ROW_NUMBER() OVER (
        PARTITION BY b.board, u.ref ORDER BY u.as_of DESC, u.recorded_at DESC, u.id DESC) AS newest
    FROM boards b JOIN progress_updates u
      ON u.as_of <= b.board AND u.recorded_at <= b.cutoff
     AND (u.superseded_at IS NULL OR u.superseded_at > b.cutoff)
),
due AS (
    SELECT b.board, ch.ref, ch.due_date, ROW_NUMBER() OVER (
        PARTITION BY b.board, ch.ref ORDER BY ch.recorded_at DESC, ch.id DESC) AS newest
    FROM boards b JOIN commitment_changes ch ON ch.sets_due_date = 1 AND ch.recorded_at <= b.cutoff
)
SELECT b.board, c.workstream || '. ' || w.name AS workstream,
       SUM(COALESCE(d.due_date, c.due_date) < b.board AND c.continuing = 0
           AND COALESCE(l.status, 'not started') NOT IN ('complete', 'closed')) AS past_their_date
FROM boards b CROSS JOIN commitments c
JOIN workstreams w ON w.number = c.workstream
LEFT JOIN latest l ON l.board = b.board AND l.ref = c.ref AND l.newest = 1
LEFT JOIN due d ON d.board = b.board AND d.ref = c.ref AND d.newest = 1
GROUP BY b.board, c.workstream
ORDER BY b.board, c.workstream"""

READY_MADE: tuple[SavedQuery, ...] = (
    SavedQuery("Commitment status as at a date", _STATUS_AT_A_DATE, ChartSpec()),
    SavedQuery("Commitments past their date by workstream at each Board", _OVERDUE_AT_EACH_BOARD,
               ChartSpec(x="board", y="past_their_date", series="workstream")),
    *(SavedQuery(name, sql, ChartSpec(x="grade", y="members") if name.startswith("Members by grade")
                 else ChartSpec()) for name, sql in sql_runner.EXAMPLE_QUERIES),
)


def _name(name: str) -> str:
    text = (name or "").strip()
    if not text:
        raise QueryError("Give the query a name.")
    if len(text) > NAME_MAX:
        raise QueryError(f"A query's name can be at most {NAME_MAX} characters; this one has {len(text)}.")
    # The same rules as a saved view's name (explore/saved.py), then no look-alike of a ready-made name.
    if any(ord(c) < 32 or ord(c) == 127 for c in text) or text_rules.text_problem(text, one_line=True):
        raise QueryError("A query's name must be one line of text, without control characters.")
    key = text_rules.lookalike_key(text)
    if any(text_rules.lookalike_key(q.name) == key for q in READY_MADE):
        raise QueryError(f"'{text}' is, or looks like, the name of a ready-made query. Choose another name.")
    return text


def _audit(db: sqlite_utils.Database, actor: str, action: str, name: str, detail: dict) -> None:
    store.audit(db.conn, at=store.now(), actor=actor, action=action, table="saved_queries", key=name, detail=detail)


def save_query(db: sqlite_utils.Database, name: str, sql: str, chart: ChartSpec, user: User | None, *,
               overwrite: bool = False) -> str:
    """Save SQL under NAME with how to chart it (editors only); return the name as stored.

    A name already taken (ignoring case) is refused unless OVERWRITE; the SQL is not run here.
    """
    actor = require_editor(user).actor
    text = _name(name)
    if not sql or not sql.strip():
        raise QueryError("There is no SQL to save.")
    if len(sql) > sql_runner.MAX_SQL_CHARS:
        raise QueryError(f"The SQL is too long to save (over {sql_runner.MAX_SQL_CHARS:,} characters).")
    with store.write_transaction(db):
        taken = db.conn.execute("SELECT id, name FROM saved_queries WHERE name = ?", [text]).fetchone()
        if taken and not overwrite:
            raise QueryError(f"There is already a query called '{taken[1]}'. Choose another name, or replace it.")
        if taken:
            db.conn.execute("UPDATE saved_queries SET name = ?, sql = ?, chart = ?, created_by = ?, created_at = ? "
                            "WHERE id = ?", [text, sql, chart.to_json(), actor, store.now(), taken[0]])
        else:
            db.conn.execute("INSERT INTO saved_queries (name, sql, chart, created_by, created_at) "
                            "VALUES (?, ?, ?, ?, ?)", [text, sql, chart.to_json(), actor, store.now()])
        _audit(db, actor, "replace query" if taken else "save query", text, {"sql": sql, "chart": chart.to_json()})
    return text


def list_queries(conn: sqlite3.Connection) -> list[SavedQuery]:
    """The ready-made queries, then every saved one by name."""
    rows = queries.saved_queries(conn)
    return [*READY_MADE, *(SavedQuery(r[0], r[1], ChartSpec.from_json(r[2]), r[3], r[4]) for r in rows)]


def load_query(conn: sqlite3.Connection, name: str) -> SavedQuery:
    """The query called NAME (ready-made or saved; letter case ignored)."""
    wanted = (name or "").strip().casefold()
    for query in list_queries(conn):
        if query.name.casefold() == wanted:
            return query
    raise QueryError(f"There is no saved query called '{(name or '').strip()[:80]}'.")


def delete_query(db: sqlite_utils.Database, name: str, user: User | None) -> None:
    """Delete the saved query NAME (editors only); a ready-made one cannot be deleted."""
    actor = require_editor(user).actor
    if any(q.name.casefold() == (name or "").strip().casefold() for q in READY_MADE):
        raise QueryError(f"'{name}' is ready-made and cannot be deleted.")
    with store.write_transaction(db):
        row = db.conn.execute("SELECT name, sql FROM saved_queries WHERE name = ?", [name]).fetchone()
        if row is None:
            raise QueryError(f"There is no saved query called '{name}'.")
        db.conn.execute("DELETE FROM saved_queries WHERE name = ?", [row[0]])
        _audit(db, actor, "delete query", row[0], {"sql": row[1]})


# -- charting a result ----------------------------------------------------------------------------

def chart_problem(frame: pd.DataFrame, spec: ChartSpec) -> str | None:
    """Why FRAME cannot be charted as SPEC says, or None if it can."""
    columns = [str(c) for c in frame.columns]
    if not spec.x or not spec.y:
        return "Choose the column for the x axis and the column of values to chart."
    for role, column in (("x axis", spec.x), ("values", spec.y), ("series", spec.series)):
        if column and column not in columns:
            return f"The result has no column '{column}' for the {role}."
        if column and columns.count(column) > 1:
            return f"The result has two columns called '{column}': rename one with AS."
    if spec.series and len({spec.x, spec.y, spec.series}) < 3:
        return "The x axis, values and series must be three different columns."
    if spec.x == spec.y:
        return "The x axis and the values must be different columns."
    values = pd.to_numeric(frame[spec.y], errors="coerce")
    if values.notna().sum() == 0:
        return f"The column '{spec.y}' has no numbers to chart."
    if len(frame) > MAX_POINTS:
        return f"The result has {len(frame):,} rows; a chart of more than {MAX_POINTS:,} points is not readable."
    return None


def _looks_ordered(values: pd.Series) -> bool:
    """Whether X values are dates, periods or numbers: drawn as lines, in their order."""
    text = values.astype(str)
    return bool(pd.api.types.is_numeric_dtype(values) or text.str.match(r"^\d{4}(-\d{2}(-\d{2})?)?").all())


def column_words(name: str) -> str:
    """A query's column name as words for an axis: 'past_their_date' becomes 'Past their date'."""
    words = " ".join(str(name).replace("_", " ").split())
    return words[:1].upper() + words[1:] if words else str(name)


def chart_result(frame: pd.DataFrame, spec: ChartSpec, *, title: str, source: str) -> Chart:
    """FRAME charted as SPEC says: lines over dates or numbers, otherwise bars ranked by value.

    Call chart_problem first; with a series, each value of it is a line (small multiples when
    there are more than four) or a bar colour.
    """
    data = pd.DataFrame({"x": frame[spec.x].astype(str) if not pd.api.types.is_numeric_dtype(frame[spec.x])
                         else frame[spec.x], "y": pd.to_numeric(frame[spec.y], errors="coerce")})
    x_words, y_words = column_words(spec.x), column_words(spec.y)
    data["series"] = frame[spec.series].astype(str) if spec.series else y_words
    subtitle = (f"{y_words} by {x_words.lower()}" + (f" and {column_words(spec.series).lower()}" if spec.series else "")
                + ", from a saved SQL query")
    if _looks_ordered(frame[spec.x]):
        wide = data.pivot_table(index="x", columns="series", values="y", aggfunc="sum", sort=True)
        wide = wide[list(dict.fromkeys(data["series"]))]  # series in the result's order, not alphabetical
        wide.columns = [str(c) for c in wide.columns]
        return builders.panel_lines_chart(wide, x_title=x_words, y_title=y_words, title=title, subtitle=subtitle,
                                        source=source)
    if spec.series:
        wide = data.pivot_table(index="x", columns="series", values="y", aggfunc="sum", sort=False)
        return builders.grouped_bars_chart(wide, group=x_words, value_title=y_words, title=title,
                                         subtitle=subtitle, source=source)
    totals = data.groupby("x", sort=False)["y"].sum().sort_values(ascending=False)
    bars = pd.DataFrame({spec.x: totals.index.astype(str), "value": totals.to_numpy()})
    chart = builders.breakdown_chart(bars, group=spec.x, value="value", hidden=pd.Series([False] * len(bars)),
                                   title=title, subtitle=subtitle, source=source, value_title=y_words)
    chart.table = bars.rename(columns={"value": spec.y})
    return chart
