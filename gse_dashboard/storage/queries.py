"""One function per question the pages ask: a connection in, a DataFrame (or value) out.

Everything is "as at" a date D: a fact counts if it refers to D or earlier and was recorded
by the end of D, and of several versions of one fact the one current on D wins. So moving D
back to an earlier board meeting shows the dashboard exactly as it was known then.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pandas as pd

from ..strategy.vocabulary import LAUNCH_DATE
from .store import ALL, POPULATIONS, end_of_day


def known(alias: str = "") -> str:
    """The as-at condition: a version of a fact (of the table named ALIAS, if given) is visible at :cutoff
    (the end of the as-at day, as_at_params) if it was recorded by then and not yet replaced."""
    column = f"{alias}." if alias else ""
    return f"{column}recorded_at <= :cutoff AND ({column}superseded_at IS NULL OR {column}superseded_at > :cutoff)"


# The as-at condition on an unaliased table, for SQL written in other modules of the read side.
KNOWN = known()

def latest_update(commitment: str = "c") -> str:
    """SQL for the id of commitment COMMITMENT's (a table alias) newest update as known at :cutoff, up to
    :as_at (as_at_params): the one place "the latest update as known at a date" is written.

    A walk down the covering index progress_updates_latest from the newest as_of, stopping at the
    first known version, so each commitment costs a few index steps however long its history.
    """
    return f"""
    SELECT u.id FROM progress_updates u
    WHERE u.ref = {commitment}.ref AND u.as_of <= :as_at AND {known("u")}
    ORDER BY u.as_of DESC, u.recorded_at DESC, u.id DESC LIMIT 1
"""


def latest_change(sets: str, columns: str) -> str:
    """SQL for each commitment's commitment_changes rows that set SETS ("due_date" or "owner") recorded by :cutoff,
    with COLUMNS and `newest` (1 for the newest): the one place "the date or owner as known at a date" is written."""
    return f"""
            SELECT ref, {columns}, ROW_NUMBER() OVER (
                PARTITION BY ref ORDER BY recorded_at DESC, id DESC) AS newest
            FROM commitment_changes WHERE sets_{sets} = 1 AND recorded_at <= :cutoff
"""


def _frame(conn: sqlite3.Connection, sql: str, params: dict | None = None) -> pd.DataFrame:
    return pd.read_sql_query(sql, conn, params=params or {})


def as_at_params(as_at: str, **extra) -> dict:
    """The parameters of the as-at condition (known): :as_at and :cutoff, the end of that day; and EXTRA."""
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
            UNION ALL SELECT substr(MAX(recorded_at), 1, 10) FROM progress_updates WHERE recorded_at <= :today_end
            UNION ALL SELECT substr(MAX(recorded_at), 1, 10) FROM observations WHERE recorded_at <= :today_end
            UNION ALL SELECT substr(MAX(recorded_at), 1, 10) FROM commitment_changes WHERE recorded_at <= :today_end
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
                  as_at_params(as_at))


def previous_board_date(conn: sqlite3.Connection, as_at: str) -> str | None:
    """The last board meeting strictly before AS_AT, the point "since the last Board" starts."""
    row = conn.execute(
        "SELECT MAX(date) FROM board_meetings WHERE date < :as_at AND recorded_at <= :cutoff",
        as_at_params(as_at),
    ).fetchone()
    return row[0]


# A date the GSE team set replaces the indicative one (none for a continuing commitment).
_DUE_COLUMNS = """COALESCE(d.due_date, c.due_date) AS due_date, c.continuing,
    CASE WHEN d.due_date IS NOT NULL THEN 'set' WHEN c.continuing = 1 THEN 'continuing'
         ELSE 'indicative' END AS due_basis"""
_STATUS_COLUMNS = f"""
    c.ref, c.workstream, w.name AS workstream_name, c.horizon, c.seq, c.title,
    c.description, c.strategy_ref, a.owner, CASE WHEN a.owner IS NOT NULL THEN a.recorded_by END AS owner_assigned_by,
    CASE WHEN a.owner IS NOT NULL THEN substr(a.recorded_at, 1, 10) END AS owner_assigned_on,
    CASE WHEN d.due_date IS NOT NULL THEN d.recorded_by END AS due_set_by,
    CASE WHEN d.due_date IS NOT NULL THEN substr(d.recorded_at, 1, 10) END AS due_set_on,
    c.due_date AS indicative_due_date, {_DUE_COLUMNS},
    COALESCE(k.status, 'not started') AS status, k.rating, k.board_rating,
    COALESCE(k.percent_complete, 0) AS percent_complete, k.commentary,
    k.evidence_url, k.forecast_date, k.as_of AS updated_as_of, k.recorded_at AS updated_at,
    k.recorded_by AS updated_by, k.id AS update_id,
    (k.revision_of IS NOT NULL) AS revised, MAX(COALESCE(k.illustrative, 0), c.illustrative) AS illustrative
"""
# What headlines, workstream summaries and changes between two dates need, and no more: reading
# descriptions and commentary for thousands of commitments is most of the cost of the full set.
_BRIEF_STATUS_COLUMNS = f"""
    c.ref, c.workstream, c.horizon, c.seq, c.title, {_DUE_COLUMNS},
    COALESCE(k.status, 'not started') AS status, k.rating, k.board_rating,
    COALESCE(k.percent_complete, 0) AS percent_complete
"""


def commitment_status(conn: sqlite3.Connection, as_at: str, workstream: int | None = None,
                      ref: str | None = None, *, brief: bool = False) -> pd.DataFrame:
    """Every commitment (of one WORKSTREAM, or the one REF) with its due date, owner and latest update at AS_AT.

    `due_date` is the date a user set, else the indicative one, else NULL (continuing);
    `due_basis` says which. `owner` is NULL until the GSE team assigns one, and then comes with
    who assigned it and when. A commitment with no update yet is 'not started' at 0% with no
    rating. BRIEF returns only ref, workstream, horizon, seq, title, the due columns, status,
    ratings and percent complete.
    """
    return _frame(
        conn,
        f"""
        WITH dated AS ({latest_change("due_date", "due_date, recorded_by, recorded_at")}
        ), assigned AS ({latest_change("owner", "owner, recorded_by, recorded_at")}
        )
        SELECT {_BRIEF_STATUS_COLUMNS if brief else _STATUS_COLUMNS}
        FROM commitments c
        JOIN workstreams w ON w.number = c.workstream
        LEFT JOIN progress_updates k ON k.id = ({latest_update('c')})
        LEFT JOIN dated d ON d.ref = c.ref AND d.newest = 1
        LEFT JOIN assigned a ON a.ref = c.ref AND a.newest = 1
        WHERE (:workstream IS NULL OR c.workstream = :workstream) AND (:ref IS NULL OR c.ref = :ref)
        ORDER BY c.workstream, CASE c.horizon WHEN 'short' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, c.seq
        """,
        as_at_params(as_at, workstream=workstream, ref=ref),
    )


def known_updates(conn: sqlite3.Connection, as_at: str, workstream: int | None = None) -> pd.DataFrame:
    """The current version, as known at AS_AT, of every update up to AS_AT: for trajectories.

    CROSS JOIN keeps the commitments (of the workstream) outermost, so each one's updates are
    read along its index rather than every update being read and most thrown away.
    """
    return _frame(
        conn,
        f"""
        SELECT u.ref, c.workstream, u.as_of, u.status, u.percent_complete
        FROM commitments c CROSS JOIN progress_updates u ON u.ref = c.ref
        WHERE u.as_of <= :as_at AND {known("u")}
          AND (:workstream IS NULL OR c.workstream = :workstream)
        ORDER BY u.as_of, u.ref
        """,
        as_at_params(as_at, workstream=workstream),
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
        as_at_params(as_at, ref=ref),
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

    The exact rows come straight off the observations_cells index; the cells are read only for
    the periods that have no exact row, so a series stored as totals never touches its cells.
    """
    populations = [population] if population is not None else list(POPULATIONS)
    params = {**as_at_params(as_at), "indicator": indicator, "department": department, "grade": grade,
              "role_type": role_type}
    exact = _frame(
        conn,
        f"""
        SELECT population, period, value, numerator, denominator, declaration_rate,
               qualifier, provisional, source, note, illustrative,
               revision_of IS NOT NULL AS revised, 0 AS summed
        FROM observations
        WHERE indicator = :indicator AND {in_list("population", populations, "pop", params)}
          AND department = :department AND grade = :grade AND role_type = :role_type
          AND period <= :as_at AND {KNOWN}
        ORDER BY population, period
        """,
        params,
    )
    unfinished = {each: unpublished_periods(conn, indicator, each, as_at) for each in populations}
    if any(unfinished.values()):
        keep = [period not in unfinished[each] for each, period in zip(exact["population"], exact["period"])]
        exact = exact[pd.Series(keep, index=exact.index, dtype=bool)]
        exact = exact.reset_index(drop=True)
    covered = set(zip(exact["population"], exact["period"]))
    parts = [exact]
    for each in populations:
        missing = [period for period in _periods(conn, indicator, each, as_at)
                   if (each, period) not in covered and period not in unfinished[each]]
        if missing:
            parts.append(_summed_cells(conn, {**params, "population": each}, missing))
    parts = [part for part in parts if not part.empty]
    if len(parts) <= 1:
        return parts[0] if parts else exact
    return pd.concat(parts, ignore_index=True).sort_values(["population", "period"]).reset_index(drop=True)


def in_list(column: str, values, prefix: str, params: dict) -> str:
    """COLUMN IN (:prefix0, :prefix1, ...), one named parameter per value, the values added to PARAMS.

    Written out rather than as IN (SELECT value FROM json_each(...)): SQLite 3.40 can return
    rows that fail a later range test on the same index when the IN list comes from json_each.
    """
    names = []
    for index, value in enumerate(values):
        params[f"{prefix}{index}"] = value
        names.append(f":{prefix}{index}")
    return f"{column} IN ({', '.join(names)})"


def _summed_cells(conn: sqlite3.Connection, params: dict, periods: list[str]) -> pd.DataFrame:
    """The cells within a breakdown summed per period, for the PERIODS that have no exact row."""
    params = dict(params)
    # Only the breakdowns chosen are named, as equalities the observations_cells index can use.
    chosen = " ".join(f"AND {column} = :{column}" for column in BREAKDOWNS if params[column] != ALL)
    in_periods = in_list("period", periods, "period", params)
    return _frame(
        conn,
        f"""
        SELECT population, period, SUM(value) AS value, NULL AS numerator, NULL AS denominator,
               NULL AS declaration_rate, '' AS qualifier, MAX(provisional) AS provisional,
               MIN(source) AS source, '' AS note, MAX(illustrative) AS illustrative,
               MAX(revision_of IS NOT NULL) AS revised, 1 AS summed
        FROM observations
        WHERE indicator = :indicator AND population = :population
          AND {in_periods}
          AND department != 'All' AND grade != 'All' AND role_type != 'All' {chosen}
          AND {KNOWN}
        GROUP BY population, period
        ORDER BY period
        """,
        params,
    )


def _periods(conn: sqlite3.Connection, indicator: str, population: str, as_at: str) -> list[str]:
    """The distinct periods up to AS_AT with any row of INDICATOR for POPULATION.

    A skip scan written out: one index seek per period rather than a read of every row.
    """
    return [row[0] for row in conn.execute(
        """
        WITH RECURSIVE p(period) AS (
            SELECT MIN(period) FROM observations
            WHERE indicator = :indicator AND population = :population AND period <= :as_at
            UNION ALL
            SELECT (SELECT MIN(period) FROM observations
                    WHERE indicator = :indicator AND population = :population AND period > p.period
                      AND period <= :as_at)
            FROM p WHERE p.period IS NOT NULL
        )
        SELECT period FROM p WHERE period IS NOT NULL
        """,
        {"indicator": indicator, "population": population, "as_at": as_at},
    )]


def targets(conn: sqlite3.Connection, indicator: str, as_at: str, population: str = "GSE") -> pd.DataFrame:
    """An indicator's targets over time as known at AS_AT (all periods, including future ones)."""
    return _frame(
        conn,
        f"SELECT period, value, source, illustrative FROM targets "
        f"WHERE indicator = :indicator AND population = :population AND {KNOWN} ORDER BY period",
        {**as_at_params(as_at), "indicator": indicator, "population": population},
    )


def illustrative_in_use(conn: sqlite3.Connection) -> bool:
    """Whether the database holds any illustrative rows, so pages must say so."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM progress_updates WHERE illustrative = 1) "
        "OR EXISTS (SELECT 1 FROM observations WHERE illustrative = 1) "
        "OR EXISTS (SELECT 1 FROM commitments WHERE illustrative = 1)"
    ).fetchone()
    return bool(row[0])


def commitments_export(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every commitment's status as known today, for `export commitments` (shaped in exports)."""
    return commitment_status(conn, max(dt.date.today().isoformat(), LAUNCH_DATE))


def observations_export(conn: sqlite3.Connection, *, real_only: bool = False) -> pd.DataFrame:
    """Every current observation with its indicator, for `export observations` (REAL_ONLY: no illustrative rows)."""
    return _frame(
        conn,
        """
        SELECT o.indicator, i.name AS indicator_name, i.unit, o.period, o.population,
               o.department, o.grade, o.role_type, o.value, o.numerator, o.denominator,
               o.declaration_rate, o.qualifier, o.provisional, o.source, o.note,
               o.illustrative, o.revision_of IS NOT NULL AS revised, o.recorded_at
        FROM observations o JOIN indicators i ON i.code = o.indicator
        WHERE o.superseded_at IS NULL AND (:real_only = 0 OR o.illustrative = 0)
        ORDER BY o.indicator, o.population, o.period, o.department, o.grade, o.role_type
        """,
        {"real_only": int(real_only)},
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
    """The latest period up to AS_AT whose return of breakdown cells for INDICATOR is known complete at AS_AT.

    A period still being recorded is passed over: its cells are not all in, so any total of
    them would be wrong (see m006_period_returns_complete).
    """
    row = conn.execute(
        "SELECT MAX(period) FROM period_returns WHERE indicator = :indicator AND period <= :as_at "
        "AND recorded_at <= :cutoff",
        {**as_at_params(as_at), "indicator": indicator},
    ).fetchone()
    return row[0] if row else None


def complete_cell_periods(conn: sqlite3.Connection, indicator: str, as_at: str, population: str = "GSE") -> list[str]:
    """Every period up to AS_AT whose return of cells for INDICATOR is known complete at AS_AT, in order."""
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT period FROM period_returns WHERE indicator = :indicator AND population = :population "
        "AND period <= :as_at AND recorded_at <= :cutoff ORDER BY period",
        {**as_at_params(as_at), "indicator": indicator, "population": population})]


def unpublished_periods(conn: sqlite3.Connection, indicator: str, population: str, as_at: str) -> set[str]:
    """Periods up to AS_AT that have (or will have) cells for INDICATOR but are not known complete at AS_AT.

    Nothing of such a period is shown, not even a total recorded on its own: as at a day inside a
    recording window the previous complete period is the latest one. A period with no cells at
    all (a figure published only as a total) is complete as it stands.
    """
    any_cells = conn.execute(
        "SELECT 1 FROM observations WHERE indicator = :indicator AND population = :population "
        "AND department != 'All' AND grade != 'All' AND role_type != 'All' LIMIT 1",
        {"indicator": indicator, "population": population}).fetchone()
    if not any_cells:
        return set()
    with_cells = set()
    for period in _periods(conn, indicator, population, as_at):
        found = conn.execute(
            "SELECT 1 FROM observations WHERE +indicator = :indicator AND population = :population "
            "AND period = :period AND department != 'All' AND grade != 'All' AND role_type != 'All' LIMIT 1",
            {"indicator": indicator, "population": population, "period": period}).fetchone()
        if found:
            with_cells.add(period)
    if not with_cells:
        return set()
    return with_cells - set(complete_cell_periods(conn, indicator, as_at, population))


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
        f"WHERE indicator = 'members' AND period = :period AND {where} AND {KNOWN} "
        f"GROUP BY {groups} ORDER BY {groups}",
        {**as_at_params(as_at), "period": period, **params},
    )


def breakdown_values(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The departments, grades and role types the membership cells use, for filters (any as-at date)."""
    tuples = [row for row in breakdown_tuples(conn) if row[0] == "members"]
    return {column: sorted({row[2 + i] for row in tuples} - {ALL}) for i, column in enumerate(BREAKDOWNS)}


_TUPLE = "indicator, population, department, grade, role_type"


def breakdown_tuples(conn: sqlite3.Connection) -> list[tuple[str, str, str, str, str]]:
    """Every distinct (indicator, population, department, grade, role_type) in the observations, in order.

    A skip scan along the observations_cells index: one seek per distinct combination (a few
    thousand) instead of reading every row (hundreds of thousands on a large database).
    """
    found = []
    row = conn.execute(f"SELECT {_TUPLE} FROM observations ORDER BY {_TUPLE} LIMIT 1").fetchone()
    following = f"SELECT {_TUPLE} FROM observations WHERE ({_TUPLE}) > (?, ?, ?, ?, ?) ORDER BY {_TUPLE} LIMIT 1"
    while row is not None:
        found.append(tuple(row))
        row = conn.execute(following, row).fetchone()
    return found


def diversity_series(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Every diversity indicator for the whole GSE profession and the Civil Service, as known at AS_AT."""
    return _frame(
        conn,
        f"""
        SELECT o.indicator, i.name, i.characteristic, o.population, o.period, o.value, o.numerator,
               o.denominator, o.declaration_rate, o.qualifier, o.note, o.source, o.illustrative,
               o.revision_of IS NOT NULL AS revised
        FROM observations o JOIN indicators i ON i.code = o.indicator
        WHERE i.category = 'diversity' AND o.department = 'All' AND o.grade = 'All'
          AND o.role_type = 'All' AND o.period <= :as_at
          AND {known("o")}
        ORDER BY i.rowid, o.population, o.period
        """,
        as_at_params(as_at),
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


# Stored tables any export may write whole: every one but the internal ones (INTERNAL_TABLES).
TABLES = ("workstreams", "commitments", "commitment_changes", "progress_updates", "indicators", "observations",
          "period_returns", "targets", "board_meetings", "workstream_ratings", "board_actions", "risks",
          "official_cells", "audit_log", "import_batches", "saved_views", "saved_queries")


# The migrations, the revision (meta) and the protected tables kept as a cache (derived from the observations).
INTERNAL_TABLES = ("_sqlite_migrations", "meta", "protected_tables")


def whole_table(conn: sqlite3.Connection, table: str) -> pd.DataFrame:
    """Every row of one stored TABLE, every version included, in the order it was written."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: choose one of {', '.join(TABLES)}")
    return _frame(conn, f"SELECT * FROM {table} ORDER BY rowid")


def headcount_cells(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Every published headcount in post of every profession and of the Civil Service, as known at AS_AT.

    One row per cell: profession ('' for the Civil Service's own tables), population, year, the
    breakdown's one dimension (`dimension`, '' for a total) and its `group`, value (None when
    suppressed), suppressed, source. Tables by two dimensions besides the profession are left out.
    """
    return _frame(conn, f"""
        SELECT profession, population, year,
               COALESCE((SELECT key FROM json_each(dimensions)), '') AS dimension,
               COALESCE((SELECT value FROM json_each(dimensions)), 'All') AS "group",
               value, suppressed, source
        FROM official_cells
        WHERE status = 'In post' AND measure = 'Headcount' AND year <= :year
          AND (SELECT COUNT(*) FROM json_each(dimensions)) <= 1 AND {KNOWN}
        ORDER BY profession, year, dimension, "group"
        """, as_at_params(as_at, year=int(as_at[:4])))


# -- the database itself --------------------------------------------------------------------------

def revision_token(conn: sqlite3.Connection) -> str:
    """The database's build time and revision number as one token ("built_at#revision"): every write moves it."""
    rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('revision', 'built_at')").fetchall())
    return f"{rows.get('built_at', '')}#{rows.get('revision', '0')}"


def revision_number(conn: sqlite3.Connection) -> str:
    """The database's revision number, as stored ("0" before the first)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
    return row[0] if row else "0"


def database_file(conn: sqlite3.Connection) -> str:
    """The file CONN reads, or a name of its own for a database in memory."""
    row = conn.execute("PRAGMA database_list").fetchone()
    return row[2] if row and row[2] else f"memory:{id(conn)}"


# -- the profession's own returns: the cells each period's protected table is made from ----------

# A cell of a return (not one of its totals).
CELL = "department != 'All' AND grade != 'All' AND role_type != 'All'"
# Rows of one count of people for a list of periods (a JSON array); _periods_params gives what it reads.
_OF_PERIODS = ("indicator = :indicator AND population = :population "
               "AND period IN (SELECT value FROM json_each(:periods))")


def _periods_params(as_at: str, periods: list[str], indicator: str, population: str) -> dict:
    return {"indicator": indicator, "population": population, "periods": json.dumps(list(periods)),
            "cutoff": end_of_day(as_at)}


def _period_rows(conn: sqlite3.Connection, columns: str, condition: str, indicator: str, as_at: str, period: str,
                 population: str) -> pd.DataFrame:
    """COLUMNS of INDICATOR's rows of POPULATION for PERIOD meeting CONDITION, as known at AS_AT."""
    return _frame(
        conn,
        f"SELECT {columns} FROM observations "
        f"WHERE indicator = :indicator AND population = :population AND period = :period "
        f"AND {condition} AND {KNOWN}",
        as_at_params(as_at, indicator=indicator, population=population, period=period))


def cells(conn: sqlite3.Connection, as_at: str, period: str, indicator: str = "members",
          population: str = "GSE") -> pd.DataFrame:
    """The cells (department, grade, role_type, value) of PERIOD as known at AS_AT."""
    return _period_rows(conn, "department, grade, role_type, value", CELL, indicator, as_at, period, population)


def cell_contents(conn: sqlite3.Connection, as_at: str, periods: list[str], indicator: str = "members",
                  population: str = "GSE") -> dict[str, str]:
    """Each of PERIODS' cells as known at AS_AT, written out as one text by SQLite, in one query.

    Every cell is written with the length of each label, so two different sets of cells never
    give the same text (a period without cells gives ""); the order is the cells' own, so the
    same cells give the same text. What protection_store hashes to find a kept table.
    """
    found = dict.fromkeys(periods, "")
    rows = conn.execute(
        f"SELECT period, group_concat(cell, char(30)) FROM ("
        f"  SELECT period, length(department) || ':' || department || length(grade) || ':' || grade "
        f"    || length(role_type) || ':' || role_type || '=' || quote(value) AS cell FROM observations "
        f"  WHERE {_OF_PERIODS} AND {CELL} AND {KNOWN} "
        f"  ORDER BY period, department, grade, role_type, value) GROUP BY period",
        _periods_params(as_at, periods, indicator, population))
    for period, text in rows:
        found[period] = text or ""
    return found


def cell_versions(conn: sqlite3.Connection, as_at: str, periods: list[str], indicator: str = "members",
                  population: str = "GSE") -> dict[str, list[tuple[str, str]]]:
    """Each of PERIODS' versions a viewer could see up to AS_AT: (first as-at day, cell_contents' text), oldest first.

    A version is the period's cells as known at the end of a day on which its return was complete
    and something in it changed (a cell recorded or corrected); the last is the one at AS_AT.
    One query finds the days; only a period with more than one is read again, day by day.
    """
    found = {period: [] for period in periods}
    days: dict[str, list[str]] = {period: [] for period in periods}
    rows = conn.execute(
        f"SELECT period, day FROM (SELECT DISTINCT period, substr(t, 1, 10) AS day FROM ("
        f"  SELECT period, recorded_at AS t FROM observations WHERE {_OF_PERIODS} AND {CELL} "
        f"  UNION ALL SELECT period, superseded_at FROM observations WHERE {_OF_PERIODS} AND {CELL} "
        f"  AND superseded_at IS NOT NULL "
        f"  UNION ALL SELECT period, recorded_at FROM period_returns WHERE {_OF_PERIODS}) "
        f"WHERE t <= :cutoff) ORDER BY period, day",
        _periods_params(as_at, periods, indicator, population))
    for period, day in rows:
        days[period].append(day)
    single = [period for period in periods if len(days[period]) <= 1]
    for period, text in cell_contents(conn, as_at, single, indicator, population).items():
        found[period] = [(days[period][0] if days[period] else as_at, text)]
    for period in periods:
        if period in single:
            continue
        complete = conn.execute("SELECT MIN(recorded_at) FROM period_returns WHERE indicator = ? AND population = ? "
                                "AND period = ?", [indicator, population, period]).fetchone()[0]
        for day in days[period]:
            if complete is None or complete > end_of_day(day):
                continue
            text = cell_contents(conn, day, [period], indicator, population)[period]
            if not found[period] or found[period][-1][1] != text:
                found[period].append((day, text))
        if not found[period]:
            found[period] = [(as_at, cell_contents(conn, as_at, [period], indicator, population)[period])]
    return found


def diversity_cells(conn: sqlite3.Connection, indicator: str, as_at: str, period: str,
                    population: str = "GSE") -> pd.DataFrame:
    """INDICATOR's rows of POPULATION with counts for PERIOD, as known at AS_AT."""
    return _period_rows(conn, "department, grade, role_type, numerator, denominator, declaration_rate",
                        "numerator IS NOT NULL AND denominator IS NOT NULL", indicator, as_at, period, population)


def diversity_periods(conn: sqlite3.Connection, indicator: str, as_at: str, population: str = "GSE") -> list[str]:
    """INDICATOR's periods of POPULATION up to AS_AT with counts, as known at AS_AT, oldest first."""
    found = conn.execute(
        f"SELECT DISTINCT period FROM observations WHERE indicator = :indicator AND population = :population "
        f"AND period <= :as_at AND numerator IS NOT NULL AND denominator IS NOT NULL AND {KNOWN} "
        f"ORDER BY period",
        as_at_params(as_at, indicator=indicator, population=population))
    return [row[0] for row in found]


# -- the published Civil Service Statistics ------------------------------------------------------

def official_cells(conn: sqlite3.Connection, as_at: str, dimension: str | None, *, population: str,
                   profession: str, measure: str = "Headcount") -> pd.DataFrame:
    """The published cells of one breakdown (None: the totals) as known at AS_AT: one row per status, year, group.

    `value` is None where the publisher suppressed the cell (`suppressed` = 1).
    """
    params = as_at_params(as_at, year=int(as_at[:4]), population=population,
                          profession=profession if population == "GSE" else "", measure=measure,
                          dimension=dimension or "")
    keys = "(SELECT COUNT(*) FROM json_each(dimensions))"
    where_dimension = (f"{keys} = 0" if dimension is None
                       else f"{keys} = 1 AND json_extract(dimensions, '$.' || json_quote(:dimension)) IS NOT NULL")
    return pd.read_sql_query(
        f"""
        SELECT status, year, COALESCE(json_extract(dimensions, '$.' || json_quote(:dimension)), 'All') AS "group",
               value, suppressed, source, revision_of IS NOT NULL AS revised
        FROM official_cells
        WHERE population = :population AND profession = :profession AND measure = :measure
          AND {where_dimension} AND year <= :year
          AND {KNOWN}
        ORDER BY year, status, "group"
        """, conn, params=params)


def real_observation_keys(conn: sqlite3.Connection, recorded_by: str, kind: str) -> pd.DataFrame:
    """The keys (indicator, population, period, department, grade, role_type) of the current real observations
    recorded by RECORDED_BY or imported in a batch of KIND."""
    return pd.read_sql_query(
        "SELECT o.indicator, o.population, o.period, o.department, o.grade, o.role_type FROM observations o "
        "WHERE o.superseded_at IS NULL AND o.illustrative = 0 AND (o.recorded_by = :strategy OR o.batch_id IN "
        "(SELECT id FROM import_batches WHERE kind = :kind))",
        conn, params={"strategy": recorded_by, "kind": kind})


def real_diversity(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Every real (not illustrative) diversity figure for the profession and the Civil Service, known at AS_AT."""
    return _frame(
        conn,
        f"""
        SELECT o.indicator, i.name, o.population, o.period, o.value, o.numerator, o.denominator,
               o.declaration_rate, o.source, o.note, o.revision_of IS NOT NULL AS revised
        FROM observations o JOIN indicators i ON i.code = o.indicator
        WHERE i.category = 'diversity' AND o.illustrative = 0 AND o.department = 'All' AND o.grade = 'All'
          AND o.role_type = 'All' AND o.period <= :as_at
          AND {known("o")}
        ORDER BY i.rowid, o.period, o.population
        """, as_at_params(as_at))


# -- commitments over time, and what Explore keeps -----------------------------------------------

def first_update_date(conn: sqlite3.Connection, as_at: str) -> str | None:
    """The earliest as-of date of the progress updates recorded by the end of AS_AT, or None."""
    row = conn.execute("SELECT MIN(as_of) FROM progress_updates WHERE recorded_at <= ?",
                       [end_of_day(as_at)]).fetchone()
    return row[0] if row and row[0] else None


def workstream_names(conn: sqlite3.Connection) -> dict[int, str]:
    """Each workstream's name, by number."""
    return dict(conn.execute("SELECT number, name FROM workstreams ORDER BY number").fetchall())


def updates_illustrative(conn: sqlite3.Connection, as_at: str) -> int:
    """1 when any progress update up to AS_AT, recorded by its end (replaced or not), is illustrative, else 0."""
    return int(conn.execute("SELECT MAX(illustrative) FROM progress_updates WHERE as_of <= ? AND recorded_at <= ?",
                            [as_at, end_of_day(as_at)]).fetchone()[0] or 0)


def saved_views(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every saved Explore view: name, state (as JSON query parameters), who saved it and when; by name."""
    return _frame(conn, "SELECT name, state, created_by, created_at FROM saved_views ORDER BY name COLLATE NOCASE")


def saved_queries(conn: sqlite3.Connection) -> list[tuple]:
    """Every saved SQL query as (name, sql, chart as JSON, created_by, created_at), by name."""
    return conn.execute("SELECT name, sql, chart, created_by, created_at FROM saved_queries "
                        "ORDER BY name COLLATE NOCASE").fetchall()


def incomplete_returns(conn: sqlite3.Connection) -> list[tuple[str, str, str, int]]:
    """Returns loaded (in parts) but not yet marked complete: (indicator, population, period, cells)."""
    return [tuple(row) for row in conn.execute(
        """
        SELECT o.indicator, o.population, o.period, COUNT(*) FROM observations o
        WHERE o.department != 'All' AND o.grade != 'All' AND o.role_type != 'All' AND o.superseded_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM period_returns r WHERE r.indicator = o.indicator
                          AND r.population = o.population AND r.period = o.period)
        GROUP BY o.indicator, o.population, o.period ORDER BY o.indicator, o.population, o.period
        """)]
