"""One function per question the pages ask: a connection in, a DataFrame (or value) out.

Everything is "as at" a date D: a fact counts if it refers to D or earlier and was recorded
by the end of D, and of several versions of one fact the one current on D wins. So moving D
back to an earlier board meeting shows the dashboard exactly as it was known then.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd

from .db import ALL, end_of_day

# The earliest date the dashboard can be viewed at: the strategy's launch.
LAUNCH_DATE = "2016-09-30"

# A version of a fact is visible at :cutoff if recorded by then and not yet replaced.
_KNOWN = "recorded_at <= :cutoff AND (superseded_at IS NULL OR superseded_at > :cutoff)"


def _frame(conn: sqlite3.Connection, sql: str, params: dict | None = None) -> pd.DataFrame:
    return pd.read_sql_query(sql, conn, params=params or {})


def _params(as_at: str, **extra) -> dict:
    return {"as_at": as_at, "cutoff": end_of_day(as_at), **extra}


def latest_data_date(conn: sqlite3.Connection, today: dt.date | None = None) -> str:
    """The latest date the data refers to or was recorded on, but not after today.

    Recorded dates count too, so an update recorded today is in the default view at once.
    """
    today_text = (today or dt.date.today()).isoformat()
    row = conn.execute(
        """
        SELECT MAX(d) FROM (
            SELECT MAX(as_of) AS d FROM progress_updates WHERE as_of <= :today
            UNION ALL SELECT MAX(period) FROM observations WHERE period <= :today
            UNION ALL SELECT MAX(date) FROM board_meetings WHERE date <= :today
            UNION ALL SELECT MAX(substr(recorded_at, 1, 10)) FROM progress_updates WHERE recorded_at <= :today_end
            UNION ALL SELECT MAX(substr(recorded_at, 1, 10)) FROM observations WHERE recorded_at <= :today_end
            UNION ALL SELECT MAX(substr(recorded_at, 1, 10)) FROM commitment_changes WHERE recorded_at <= :today_end
        )
        """,
        {"today": today_text, "today_end": end_of_day(today_text)},
    ).fetchone()
    return row[0] or min(today_text, max(LAUNCH_DATE, today_text))


def workstreams(conn: sqlite3.Connection) -> pd.DataFrame:
    """The ten workstreams with their aspiration and challenges, in strategy order."""
    return _frame(conn, "SELECT number, name, aspiration, challenges, strategy_ref "
                        "FROM workstreams ORDER BY number")


def board_meetings(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Board meetings held on or before AS_AT that were known by then, oldest first."""
    return _frame(conn, "SELECT date, title, illustrative FROM board_meetings "
                        "WHERE date <= :as_at AND recorded_at <= :cutoff ORDER BY date",
                  _params(as_at))


def previous_board_date(conn: sqlite3.Connection, as_at: str) -> str | None:
    """The last board meeting strictly before AS_AT, the point "since the last Board" starts."""
    row = conn.execute(
        "SELECT MAX(date) FROM board_meetings WHERE date < :as_at AND recorded_at <= :cutoff",
        _params(as_at),
    ).fetchone()
    return row[0]


def commitment_status(conn: sqlite3.Connection, as_at: str, workstream: int | None = None) -> pd.DataFrame:
    """Every commitment with its due date, owner and latest update as known at AS_AT.

    A commitment with no update yet is 'not started' at 0% with no rating.
    """
    return _frame(
        conn,
        f"""
        WITH known AS (
            SELECT *, ROW_NUMBER() OVER (
                PARTITION BY ref ORDER BY as_of DESC, recorded_at DESC, id DESC) AS newest
            FROM progress_updates
            WHERE as_of <= :as_at AND {_KNOWN}
        ),
        changed AS (
            SELECT ref, due_date, owner, ROW_NUMBER() OVER (
                PARTITION BY ref ORDER BY recorded_at DESC, id DESC) AS newest
            FROM commitment_changes WHERE recorded_at <= :cutoff
        )
        SELECT c.ref, c.workstream, w.name AS workstream_name, c.horizon, c.seq, c.title,
               c.description, COALESCE(ch.owner, c.owner) AS owner,
               COALESCE(ch.due_date, c.due_date) AS due_date,
               COALESCE(k.status, 'not started') AS status, k.rating, k.board_rating,
               COALESCE(k.percent_complete, 0) AS percent_complete, k.commentary,
               k.evidence_url, k.as_of AS updated_as_of, k.recorded_at AS updated_at,
               k.recorded_by AS updated_by, k.id AS update_id,
               (k.revision_of IS NOT NULL) AS revised, COALESCE(k.illustrative, 0) AS illustrative
        FROM commitments c
        JOIN workstreams w ON w.number = c.workstream
        LEFT JOIN known k ON k.ref = c.ref AND k.newest = 1
        LEFT JOIN changed ch ON ch.ref = c.ref AND ch.newest = 1
        WHERE (:workstream IS NULL OR c.workstream = :workstream)
        ORDER BY c.workstream, CASE c.horizon WHEN 'short' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, c.seq
        """,
        _params(as_at, workstream=workstream),
    )


def known_updates(conn: sqlite3.Connection, as_at: str, workstream: int | None = None) -> pd.DataFrame:
    """The current version, as known at AS_AT, of every update up to AS_AT: for trajectories."""
    return _frame(
        conn,
        """
        SELECT u.ref, c.workstream, u.as_of, u.status, u.percent_complete
        FROM progress_updates u JOIN commitments c ON c.ref = u.ref
        WHERE u.as_of <= :as_at AND u.recorded_at <= :cutoff
          AND (u.superseded_at IS NULL OR u.superseded_at > :cutoff)
          AND (:workstream IS NULL OR c.workstream = :workstream)
        ORDER BY u.as_of, u.ref
        """,
        _params(as_at, workstream=workstream),
    )


def update_history(conn: sqlite3.Connection, ref: str, as_at: str) -> pd.DataFrame:
    """Every update of one commitment known at AS_AT, newest first, with replaced versions."""
    return _frame(
        conn,
        """
        SELECT as_of, status, rating, board_rating, percent_complete, commentary, evidence_url,
               recorded_at, recorded_by, illustrative, revision_of IS NOT NULL AS revised,
               (superseded_at IS NOT NULL AND superseded_at <= :cutoff) AS replaced
        FROM progress_updates
        WHERE ref = :ref AND as_of <= :as_at AND recorded_at <= :cutoff
        ORDER BY as_of DESC, recorded_at DESC, id DESC
        """,
        _params(as_at, ref=ref),
    )


def indicators(conn: sqlite3.Connection, category: str | None = None,
               workstream: int | None = None) -> pd.DataFrame:
    """Indicator definitions, optionally those of one category or one workstream."""
    return _frame(
        conn,
        "SELECT * FROM indicators WHERE (:category IS NULL OR category = :category) "
        "AND (:workstream IS NULL OR workstream = :workstream) ORDER BY rowid",
        {"category": category, "workstream": workstream},
    )


def observation_series(conn: sqlite3.Connection, indicator: str, as_at: str, *,
                       population: str | None = None, department: str = ALL, grade: str = ALL,
                       role_type: str = ALL) -> pd.DataFrame:
    """One indicator's values over time for one breakdown, as known at AS_AT.

    Where no row covers the breakdown exactly (say a department's total, stored only as its
    cells), the cells within it are summed. Sums carry no numerator or declaration rate.
    """
    return _frame(
        conn,
        f"""
        WITH known AS (
            SELECT * FROM observations
            WHERE indicator = :indicator AND period <= :as_at AND {_KNOWN}
              AND (:population IS NULL OR population = :population)
        ),
        exact AS (
            SELECT population, period, value, numerator, denominator, declaration_rate,
                   qualifier, provisional, source, note, illustrative,
                   revision_of IS NOT NULL AS revised, 0 AS summed
            FROM known
            WHERE department = :department AND grade = :grade AND role_type = :role_type
        )
        SELECT * FROM exact
        UNION ALL
        SELECT population, period, SUM(value), NULL, NULL, NULL, '', MAX(provisional),
               MIN(source), '', MAX(illustrative), MAX(revision_of IS NOT NULL), 1
        FROM known
        WHERE department != 'All' AND grade != 'All' AND role_type != 'All'
          AND (:department = 'All' OR department = :department)
          AND (:grade = 'All' OR grade = :grade)
          AND (:role_type = 'All' OR role_type = :role_type)
          AND NOT EXISTS (SELECT 1 FROM exact e WHERE e.period = known.period
                          AND e.population = known.population)
        GROUP BY population, period
        ORDER BY population, period
        """,
        {**_params(as_at), "indicator": indicator, "population": population,
         "department": department, "grade": grade, "role_type": role_type},
    )


def targets(conn: sqlite3.Connection, indicator: str, as_at: str, population: str = "GSE") -> pd.DataFrame:
    """An indicator's targets over time as known at AS_AT (all periods, including future ones)."""
    return _frame(
        conn,
        f"SELECT period, value, source, illustrative FROM targets "
        f"WHERE indicator = :indicator AND population = :population AND {_KNOWN} ORDER BY period",
        {**_params(as_at), "indicator": indicator, "population": population},
    )


def illustrative_in_use(conn: sqlite3.Connection) -> bool:
    """Whether the database holds any illustrative rows, so pages must say so."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM progress_updates WHERE illustrative = 1) "
        "OR EXISTS (SELECT 1 FROM observations WHERE illustrative = 1)"
    ).fetchone()
    return bool(row[0])


def commitments_export(conn: sqlite3.Connection) -> pd.DataFrame:
    """One row per commitment with its current due date and owner, for `export commitments`."""
    today = dt.date.today().isoformat()
    frame = commitment_status(conn, max(today, LAUNCH_DATE))
    return frame[["ref", "workstream", "workstream_name", "horizon", "seq", "title", "description",
                  "due_date", "owner", "status", "rating", "percent_complete", "updated_as_of"]]


def observations_export(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every current observation with its indicator, for `export observations`."""
    return _frame(
        conn,
        """
        SELECT o.indicator, i.name AS indicator_name, i.unit, o.period, o.population,
               o.department, o.grade, o.role_type, o.value, o.numerator, o.denominator,
               o.declaration_rate, o.qualifier, o.provisional, o.source, o.note,
               o.illustrative, o.revision_of IS NOT NULL AS revised, o.recorded_at
        FROM observations o JOIN indicators i ON i.code = o.indicator
        WHERE o.superseded_at IS NULL
        ORDER BY o.indicator, o.population, o.period, o.department, o.grade, o.role_type
        """,
    )


BREAKDOWNS = ("department", "grade", "role_type")


def _cell_filter(filters: dict[str, str]) -> tuple[str, dict]:
    """SQL matching the finest cells (no 'All' in any breakdown) within FILTERS."""
    clauses = ["department != 'All'", "grade != 'All'", "role_type != 'All'"]
    params = {}
    for column in BREAKDOWNS:
        value = filters.get(column, ALL)
        if value != ALL:
            clauses.append(f"{column} = :f_{column}")
            params[f"f_{column}"] = value
    return " AND ".join(clauses), params


def latest_cell_period(conn: sqlite3.Connection, indicator: str, as_at: str) -> str | None:
    """The latest period up to AS_AT for which INDICATOR has breakdown cells known at AS_AT."""
    row = conn.execute(
        f"SELECT MAX(period) FROM observations WHERE indicator = :indicator AND period <= :as_at "
        f"AND department != 'All' AND grade != 'All' AND role_type != 'All' AND {_KNOWN}",
        {**_params(as_at), "indicator": indicator},
    ).fetchone()
    return row[0]


def membership_breakdown(conn: sqlite3.Connection, as_at: str, period: str, rows: str,
                         columns: str | None = None, filters: dict[str, str] | None = None) -> pd.DataFrame:
    """Members in PERIOD summed over cells, by ROWS (and COLUMNS), within FILTERS, as known at AS_AT.

    ROWS and COLUMNS are breakdown column names (department, grade, role_type); the result is
    long: one row per group with its count.
    """
    for name in (rows, columns):
        if name is not None and name not in BREAKDOWNS:
            raise ValueError(f"unknown breakdown {name!r}")
    where, params = _cell_filter(filters or {})
    groups = rows if columns is None else f"{rows}, {columns}"
    return _frame(
        conn,
        f"SELECT {groups}, SUM(value) AS members FROM observations "
        f"WHERE indicator = 'members' AND period = :period AND {where} AND {_KNOWN} "
        f"GROUP BY {groups} ORDER BY {groups}",
        {**_params(as_at), "period": period, **params},
    )


def breakdown_values(conn: sqlite3.Connection, as_at: str) -> dict[str, list[str]]:
    """The departments, grades and role types the membership cells use, for filters."""
    result = {}
    for column in BREAKDOWNS:
        result[column] = [r[0] for r in conn.execute(
            f"SELECT DISTINCT {column} FROM observations WHERE indicator = 'members' "
            f"AND {column} != 'All' ORDER BY {column}")]
    return result


def diversity_series(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Every diversity indicator for the whole GSE profession and the Civil Service, as known at AS_AT."""
    return _frame(
        conn,
        """
        SELECT o.indicator, i.name, i.characteristic, o.population, o.period, o.value, o.numerator,
               o.denominator, o.declaration_rate, o.qualifier, o.note, o.source, o.illustrative,
               o.revision_of IS NOT NULL AS revised
        FROM observations o JOIN indicators i ON i.code = o.indicator
        WHERE i.category = 'diversity' AND o.department = 'All' AND o.grade = 'All'
          AND o.role_type = 'All' AND o.period <= :as_at
          AND o.recorded_at <= :cutoff AND (o.superseded_at IS NULL OR o.superseded_at > :cutoff)
        ORDER BY i.rowid, o.population, o.period
        """,
        _params(as_at),
    )


def diversity_breakdown(conn: sqlite3.Connection, indicator: str, as_at: str, by: str) -> pd.DataFrame:
    """The latest year's GSE figures for INDICATOR by department or grade, known at AS_AT."""
    if by not in ("department", "grade"):
        raise ValueError(f"diversity breakdowns are by department or grade, not {by!r}")
    other = "grade" if by == "department" else "department"
    return _frame(
        conn,
        f"""
        WITH known AS (
            SELECT * FROM observations
            WHERE indicator = :indicator AND population = 'GSE' AND period <= :as_at
              AND {by} != 'All' AND {other} = 'All' AND role_type = 'All' AND {_KNOWN}
        )
        SELECT {by} AS "group", period, value, numerator, denominator, declaration_rate, illustrative,
               revision_of IS NOT NULL AS revised
        FROM known WHERE period = (SELECT MAX(period) FROM known)
        ORDER BY {by}
        """,
        {**_params(as_at), "indicator": indicator},
    )


def audit_log(conn: sqlite3.Connection, *, limit: int = 500, actor: str | None = None, action: str | None = None,
              table: str | None = None, since: str | None = None, until: str | None = None,
              batch: int | None = None) -> pd.DataFrame:
    """The newest LIMIT audit entries matching every filter given, newest first.

    SINCE and UNTIL are dates (YYYY-MM-DD) and include their whole day.
    """
    return _frame(
        conn,
        """
        SELECT at, actor, action, table_name, row_key, batch_id, detail FROM audit_log
        WHERE (:actor IS NULL OR actor = :actor) AND (:action IS NULL OR action = :action)
          AND (:table IS NULL OR table_name = :table) AND (:batch IS NULL OR batch_id = :batch)
          AND (:since IS NULL OR at >= :since) AND (:until IS NULL OR at <= :until || 'T23:59:59')
        ORDER BY id DESC LIMIT :limit
        """,
        {"limit": limit, "actor": actor, "action": action, "table": table, "since": since, "until": until,
         "batch": batch},
    )


def audit_choices(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The people, actions and tables that appear in the audit log, for its filters."""
    return {column: [r[0] for r in conn.execute(f"SELECT DISTINCT {column} FROM audit_log ORDER BY {column}")]
            for column in ("actor", "action", "table_name")}


def import_batches(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every import batch, newest first, with whether it has been undone."""
    return _frame(
        conn,
        "SELECT id, kind, filename, row_count, created_at, created_by, undone_at, undone_by "
        "FROM import_batches ORDER BY id DESC",
    )


def commitment_choices(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every commitment's reference and title, in strategy order, for pickers."""
    return _frame(conn, "SELECT ref, title, workstream FROM commitments "
                        "ORDER BY workstream, CASE horizon WHEN 'short' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, seq")


# Stored tables any export may write whole (the internal migrations table is not one of them).
TABLES = ("workstreams", "commitments", "commitment_changes", "progress_updates", "indicators", "observations",
          "targets", "board_meetings", "audit_log", "import_batches", "saved_views")


def whole_table(conn: sqlite3.Connection, table: str) -> pd.DataFrame:
    """Every row of one stored TABLE, every version included, in the order it was written."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: choose one of {', '.join(TABLES)}")
    return _frame(conn, f"SELECT * FROM {table} ORDER BY rowid")
