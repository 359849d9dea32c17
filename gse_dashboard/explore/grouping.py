"""Grouping in SQLite: only the groups leave the database, as known at the as-at date.

Reads only, in the query layer beside queries.py (tests/test_layers.py): every condition of what
is known at a date comes from queries (known, as_at_params, latest_update)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

import pandas as pd

from ..storage import queries
from ..strategy.timescales import NOT_PAST_DATE_VALUE as NOT_OVERDUE
from ..strategy.timescales import PAST_DATE_VALUE as OVERDUE
from ..strategy.vocabulary import NOT_RATED

# The filters commitment_groups applies (Explore's choices offer them).
COMMITMENT_FILTERS = ("workstream", "horizon", "status", "rating", "overdue")

# -- grouping in SQLite ------------------------------------------------------------------------

# How many earlier periods to try for "the latest period with figures" before saying there are none.
PERIOD_TRIES = 50


def _observation_where(indicator: str, as_at: str, group_by: Sequence[str], filters: Mapping[str, Sequence],
                       period_from: str | None, period_to: str | None) -> tuple[str, str, str, dict]:
    """The WHERE clauses for rows known at AS_AT in range, for the cells within the filters, and for margins."""
    params = queries.as_at_params(as_at, indicator=indicator, period_from=period_from, period_to=period_to)
    known = ["indicator = :indicator", "period <= :as_at", queries.KNOWN,
             "(:period_from IS NULL OR period >= :period_from)", "(:period_to IS NULL OR period <= :period_to)"]
    if filters.get("population"):
        known.append(queries.in_list("population", filters["population"], "f_population_", params))
    cells = [f"{d} != 'All'" for d in queries.BREAKDOWNS]
    margins = []
    for column in queries.BREAKDOWNS:
        values = filters.get(column)
        clause = queries.in_list(column, values, f"f_{column}_", params) if values else None
        if clause:
            cells.append(clause)
        if column in group_by or values:
            margins.append(f"{column} != 'All'" + (f" AND {clause}" if clause else ""))
        else:
            margins.append(f"{column} = 'All'")
    if any(column in group_by for column in queries.BREAKDOWNS):
        margins.append("NOT EXISTS (SELECT 1 FROM observations WHERE indicator = :indicator AND "
                       "department != 'All' AND grade != 'All' AND role_type != 'All')")
    return " AND ".join(known), " AND ".join(cells), " AND ".join(margins), params


def _observation_chosen(indicator: str, as_at: str, group_by: Sequence[str], filters: Mapping[str, Sequence],
                        period_from: str | None, period_to: str | None, period: str | None) -> tuple[str, dict]:
    """A `chosen` CTE: subtotals of the rows that add up to each group, as known at AS_AT (in PERIOD, if given).

    The finest cells (no 'All' in department, grade or role type) within the filters are
    used; for a period without such cells, the margin rows that cover the selection exactly
    (the profession's published total, say) stand in, as in queries.observation_series. When
    grouped by a breakdown, margins stand in only for an indicator published without cells (the
    diversity figures by department, say): elsewhere they would cover some groups and not others.
    One pass over the rows makes the subtotals (by population, period, group, source and
    whether cells or margins); choosing between cells and margins happens on those.
    """
    known, cells, margins, params = _observation_where(indicator, as_at, group_by, filters, period_from, period_to)
    if period:
        known += " AND period = :period"
        params["period"] = period
    keys = ", ".join(dict.fromkeys(["population", "period", *group_by, "source"]))
    cte = f"""
        WITH parts AS (
            SELECT {keys}, (department != 'All' AND grade != 'All' AND role_type != 'All') AS is_cell,
                   SUM(value) AS value, SUM(numerator) AS numerator, SUM(denominator) AS denominator,
                   COUNT(*) AS rows, COUNT(numerator) AS numerators, COUNT(denominator) AS denominators,
                   COUNT(declaration_rate) AS rates, MIN(declaration_rate) AS lowest_rate,
                   MAX(declaration_rate) AS declaration_rate,
                   SUM(denominator * 100.0 / NULLIF(declaration_rate, 0)) AS headcount,
                   MAX(revision_of IS NOT NULL) AS revised, MAX(illustrative) AS illustrative,
                   MAX(provisional) AS provisional, MAX(qualifier) AS qualifier
            FROM observations
            WHERE {known} AND (({cells}) OR ({margins}))
            GROUP BY {keys}, is_cell
        ),
        chosen AS (
            SELECT * FROM parts AS p
            WHERE is_cell OR NOT EXISTS (SELECT 1 FROM parts AS c WHERE c.is_cell AND c.population = p.population
                                         AND c.period = p.period)
        )
    """
    return cte, params


_GROUPED = """
    SUM(value) AS value,
    CASE WHEN SUM(numerators) = SUM(rows) THEN SUM(numerator) END AS numerator,
    CASE WHEN SUM(denominators) = SUM(rows) THEN SUM(denominator) END AS denominator,
    CASE WHEN SUM(numerators) = SUM(rows) AND SUM(denominators) = SUM(rows) AND SUM(denominator) > 0
         THEN 100.0 * SUM(numerator) / SUM(denominator)
         WHEN SUM(rows) = 1 THEN MAX(value) END AS share,
    CASE WHEN SUM(rows) = 1 THEN MAX(declaration_rate)
         WHEN SUM(rates) = SUM(rows) AND SUM(denominators) = SUM(rows) AND MIN(lowest_rate) > 0
         THEN 100.0 * SUM(denominator) / SUM(headcount) END AS declaration_rate,
    SUM(rows) AS rows, MAX(period) AS latest_period, MAX(revised) AS revised,
    MAX(illustrative) AS illustrative, MAX(provisional) AS provisional, MAX(1 - is_cell) AS from_margin,
    CASE WHEN SUM(rows) = 1 THEN MAX(qualifier) ELSE '' END AS qualifier,
    (SELECT group_concat(source, char(31)) FROM (SELECT DISTINCT source FROM chosen ORDER BY source)) AS sources
"""
_GROUPED_COLUMNS = ["value", "numerator", "denominator", "share", "declaration_rate", "rows", "latest_period",
                    "revised", "illustrative", "provisional", "from_margin", "qualifier", "sources"]


def latest_observation_period(conn: sqlite3.Connection, indicator: str, as_at: str, *, group_by: Sequence[str] = (),
                              filters: Mapping[str, Sequence] | None = None, period_from: str | None = None,
                              period_to: str | None = None) -> str | None:
    """The latest period, up to AS_AT and within the range, for which the selection has figures."""
    known, cells, margins, params = _observation_where(indicator, as_at, group_by, filters or {}, period_from,
                                                       period_to)
    before = None
    for _ in range(PERIOD_TRIES):
        # Newest first along the index, stopping at the first row: a candidate, checked below.
        row = conn.execute(
            f"SELECT period FROM observations WHERE {known} AND (({cells}) OR ({margins}))"
            f"{' AND period < :before' if before else ''} ORDER BY period DESC LIMIT 1",
            {**params, "before": before}).fetchone()
        if row is None:
            return None
        cte, chosen_params = _observation_chosen(indicator, as_at, group_by, filters or {}, period_from, period_to,
                                                 row[0])
        if conn.execute(f"{cte} SELECT EXISTS (SELECT 1 FROM chosen)", chosen_params).fetchone()[0]:
            return row[0]
        before = row[0]
    return None


def observation_groups(conn: sqlite3.Connection, indicator: str, as_at: str, *, group_by: Sequence[str] = (),
                       filters: Mapping[str, Sequence] | None = None, period_from: str | None = None,
                       period_to: str | None = None) -> pd.DataFrame:
    """INDICATOR's figures grouped by GROUP_BY within FILTERS, as known at AS_AT, computed in SQLite.

    Unless grouped by period, only the latest period with figures is used. Counts are summed;
    `share` is 100 × sum(numerator) / sum(denominator) when every row has counts, the figure
    itself when a group is one row without counts (a published benchmark), else empty.
    `sources` lists the sources behind the whole result, separated by the character 31.
    """
    period = None
    if "period" not in group_by:
        period = latest_observation_period(conn, indicator, as_at, group_by=group_by, filters=filters,
                                           period_from=period_from, period_to=period_to)
        if period is None:
            return pd.DataFrame(columns=[*group_by, *_GROUPED_COLUMNS])
    cte, params = _observation_chosen(indicator, as_at, group_by, filters or {}, period_from, period_to, period)
    columns = ", ".join(group_by)
    frame = pd.read_sql_query(
        f"{cte} SELECT {columns + ',' if columns else ''} {_GROUPED} FROM chosen "
        f"{'GROUP BY ' + columns if columns else ''}",
        conn, params=params,
    )
    return frame[frame["rows"].fillna(0) > 0].reset_index(drop=True)


def commitment_groups(conn: sqlite3.Connection, as_at: str, *, group_by: Sequence[str] = (),
                      filters: Mapping[str, Sequence] | None = None, due_from: str | None = None,
                      due_to: str | None = None) -> pd.DataFrame:
    """Counts of commitments by GROUP_BY within FILTERS, with status and rating as known at AS_AT.

    The same rules as queries.commitment_status and metrics.with_flags: the latest update
    known at AS_AT, the Board's rating where it gave one, past its date (indicative or set) when
    open with a date before AS_AT, never for a continuing commitment; a commitment with no
    update is 'not started' and 'Not rated'.
    """
    filters = filters or {}
    params = queries.as_at_params(as_at, due_from=due_from, due_to=due_to)
    where = ["(:due_from IS NULL OR due_date >= :due_from)", "(:due_to IS NULL OR due_date <= :due_to)"]
    for name in COMMITMENT_FILTERS:
        if filters.get(name):
            where.append(queries.in_list(name, filters[name], f"f_{name}_", params))
    columns = ", ".join(group_by)
    name_column = "MAX(workstream_name) AS workstream_name," if "workstream" in group_by else ""
    frame = pd.read_sql_query(
        f"""
        WITH changed AS ({queries.latest_change("due_date", "due_date")}
        ),
        current AS (
            SELECT c.ref, c.workstream, w.name AS workstream_name, c.horizon,
                   COALESCE(k.status, 'not started') AS status,
                   COALESCE(k.board_rating, k.rating, '{NOT_RATED}') AS rating,
                   COALESCE(ch.due_date, c.due_date) AS due_date, c.continuing,
                   COALESCE(k.illustrative, 0) AS illustrative
            FROM commitments c JOIN workstreams w ON w.number = c.workstream
            LEFT JOIN progress_updates k ON k.id = ({queries.latest_update('c')})
            LEFT JOIN changed ch ON ch.ref = c.ref AND ch.newest = 1
        ),
        flagged AS (
            SELECT *, CASE WHEN due_date < :as_at AND continuing = 0 AND status NOT IN ('complete', 'closed')
                           THEN '{OVERDUE}' ELSE '{NOT_OVERDUE}' END AS overdue
            FROM current
        )
        SELECT {columns + ',' if columns else ''} {name_column}
               COUNT(*) AS commitments, MAX(illustrative) AS illustrative
        FROM flagged WHERE {' AND '.join(where)}
        {'GROUP BY ' + columns if columns else ''}
        """,
        conn, params=params,
    )
    return frame[frame["commitments"] > 0].reset_index(drop=True)
