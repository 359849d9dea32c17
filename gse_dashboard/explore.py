"""Explore: any indicator, or the commitments, filtered and grouped as at a date; shareable and savable.

The whole state of the Explore page is an `ExploreState`. It goes into the URL's query
parameters and comes back out of them (`to_query_params`, `from_query_params`), so a link
reproduces the view; a hand-edited URL gets messages, never an exception. `run` groups in
SQLite (only the groups leave the database) and returns the result three ways: the true
figures (server side only), the table as shown and downloaded, with disclosure control on
counts of people, and a chart. Saved views keep a state under a name, in `saved_views`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd
import sqlite_utils

from . import charts, disclosure, metrics, queries, timescales
from . import db as store
from .auth import User, require_editor
from .charts import Chart

# The source that explores commitments and their latest updates rather than an indicator.
COMMITMENTS = "commitments"
# What a link with no source shows: the profession's headline count.
DEFAULT_SOURCE = "members"
NOT_RATED = "Not rated"
# The population an indicator is shown for unless the Civil Service benchmark is asked for.
PROFESSION = "GSE"
# Never a bare "overdue": the dates are indicative (derived from the horizon) unless the GSE team set one.
OVERDUE, NOT_OVERDUE = timescales.PAST_DATE_VALUE, timescales.NOT_PAST_DATE_VALUE
# Written as ?by=none: no grouping, one figure for the whole selection.
NO_GROUPING = "none"
# Two groupings make a cross-tab; a third makes a table nobody can read on a screen.
MAX_GROUPINGS = 2
VIEW_NAME_MAX = 80
# A value longer than this in a URL is a mistake or mischief, not a department's name.
VALUE_MAX = 200
# A bar chart of more groups than this is unreadable; the table still has them all.
MAX_BARS = 30
# lines_chart draws up to four series, each with its own colour, dash and marker.
MAX_LINES = 4

OBSERVATION_DIMENSIONS = ("period", "population", "department", "grade", "role_type")
COMMITMENT_DIMENSIONS = ("workstream", "horizon", "status", "rating", "overdue")
OBSERVATION_FILTERS = ("population", "department", "grade", "role_type")
COMMITMENT_FILTERS = ("workstream", "horizon", "status", "rating", "overdue")
LIST_FILTERS = OBSERVATION_FILTERS + COMMITMENT_FILTERS
LABELS = {
    "period": "Period", "population": "Population", "department": "Department", "grade": "Grade",
    "role_type": "Role type", "workstream": "Workstream", "horizon": "Horizon", "status": "Status",
    "rating": "Rating", "overdue": "Past its date",
}
# URL keys, in the order a link lists them.
PARAM_KEYS = ("source", "as_at", "from", "to", *LIST_FILTERS, "by")
# Values fixed by the rules of the field, whatever the data holds.
FIXED_VALUES = {
    "population": store.POPULATIONS,
    "horizon": store.HORIZONS,
    "status": store.STATUSES,
    "rating": (*store.RATINGS, NOT_RATED),
    "overdue": (OVERDUE, NOT_OVERDUE),
}
_CODE = re.compile(r"^[a-z0-9_]{1,40}$")
COMMITMENTS_SOURCE_LINE = "GSE team progress records; due dates from the GSE Strategy (2016), Annex A"


class ViewError(ValueError):
    """A saved view that cannot be saved, found or deleted, with the reason to show."""


# -- what the data offers ----------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    """One indicator's definition, as Explore needs it."""

    code: str
    name: str
    category: str
    unit: str
    people_count: bool
    characteristic: str | None = None
    workstream: int | None = None

    @property
    def label(self) -> str:
        """How the indicator is offered: its category, name and characteristic."""
        kind = {"membership": "Membership", "diversity": "Diversity",
                "workstream": "Workstream indicator"}.get(self.category, self.category.capitalize())
        extra = f" ({self.characteristic})" if self.characteristic else \
            f" (workstream {self.workstream})" if self.workstream and self.category == "workstream" else ""
        return f"{kind}: {self.name}{extra}"


@dataclass(frozen=True)
class Choices:
    """The values a URL may name: indicators, each one's breakdown values, the workstreams."""

    indicators: dict[str, Indicator]
    # indicator code -> dimension -> the values its observations use (no 'All').
    values: dict[str, dict[str, tuple[str, ...]]]
    workstreams: dict[int, str]


def load_choices(conn: sqlite3.Connection) -> Choices:
    """Indicators, their populations and breakdown values, and the workstreams, from the store."""
    indicators = {
        row["code"]: Indicator(
            code=row["code"], name=row["name"], category=row["category"], unit=row["unit"],
            people_count=bool(row["people_count"]),
            characteristic=row["characteristic"] if isinstance(row["characteristic"], str) else None,
            workstream=None if pd.isna(row["workstream"]) else int(row["workstream"]))
        for _, row in queries.indicators(conn).iterrows()
    }
    values: dict[str, dict[str, tuple[str, ...]]] = {code: {} for code in indicators}
    # The distinct combinations are few even when the rows are many: read those, not the rows.
    combinations = queries.breakdown_tuples(conn)
    positions = {"population": 1, "department": 2, "grade": 3, "role_type": 4}
    for column in OBSERVATION_FILTERS:
        position = positions[column]
        for code, value in sorted({(row[0], row[position]) for row in combinations if row[position] != "All"}):
            values.setdefault(code, {}).setdefault(column, ())
            values[code][column] += (value,)
    for by_column in values.values():
        if "grade" in by_column:
            by_column["grade"] = tuple(sorted(by_column["grade"], key=metrics.grade_sort_key))
    workstreams = {int(n): name for n, name in conn.execute("SELECT number, name FROM workstreams ORDER BY number")}
    return Choices(indicators=indicators, values=values, workstreams=workstreams)


def dimensions_for(source: str, choices: Choices | None = None) -> tuple[str, ...]:
    """The dimensions SOURCE can be grouped by (for an indicator: those its data breaks down by)."""
    if source == COMMITMENTS:
        return COMMITMENT_DIMENSIONS
    if choices is None:
        return OBSERVATION_DIMENSIONS
    present = choices.values.get(source, {})
    return ("period", "population", *(d for d in queries.BREAKDOWNS if d in present))


def filters_for(source: str, choices: Choices | None = None) -> tuple[str, ...]:
    """The filters that apply to SOURCE."""
    if source == COMMITMENTS:
        return COMMITMENT_FILTERS
    return tuple(d for d in dimensions_for(source, choices) if d in OBSERVATION_FILTERS)


def default_group_by(source: str) -> tuple[str, ...]:
    """What a link that names no grouping shows: an indicator over time, commitments by workstream."""
    return ("workstream",) if source == COMMITMENTS else ("period",)


# -- the state and the URL -----------------------------------------------------------------------

@dataclass(frozen=True)
class ExploreState:
    """Everything that decides what Explore shows; hashable, so it can key a cache.

    `messages` says what a URL held that could not be used; it is not part of the state.
    """

    source: str = DEFAULT_SOURCE
    as_at: str | None = None
    # For an indicator the periods the figures refer to; for commitments their due dates.
    period_from: str | None = None
    period_to: str | None = None
    population: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    grade: tuple[str, ...] = ()
    role_type: tuple[str, ...] = ()
    workstream: tuple[int, ...] = ()
    horizon: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    rating: tuple[str, ...] = ()
    overdue: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    messages: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def filters(self) -> dict[str, tuple]:
        """The list filters that are set, by name."""
        return {name: getattr(self, name) for name in LIST_FILTERS if getattr(self, name)}


def to_query_params(state: ExploreState) -> dict[str, str | list[str]]:
    """STATE as URL query parameters: one value as a string, several as a list, unset ones left out."""
    params: dict[str, str | list[str]] = {"source": state.source}
    if state.as_at:
        params["as_at"] = state.as_at
    if state.period_from:
        params["from"] = state.period_from
    if state.period_to:
        params["to"] = state.period_to
    for name, values in state.filters.items():
        texts = [str(v) for v in values]
        params[name] = texts[0] if len(texts) == 1 else texts
    groups = list(state.group_by)
    params["by"] = groups[0] if len(groups) == 1 else groups or NO_GROUPING
    return params


def view_link(state: ExploreState, page: str = "explore") -> str:
    """The relative URL that opens STATE on the Explore page."""
    return f"{page}?{urlencode(to_query_params(state), doseq=True)}"


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return [str(value)]


def _date(text: str) -> str | None:
    try:
        return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


def from_query_params(params: Mapping[str, object], choices: Choices | None = None) -> ExploreState:
    """The state a URL's query parameters describe; whatever cannot be used is left out and explained.

    PARAMS maps each key to a string or a list of strings (a key given several times). With
    CHOICES, indicators, breakdown values and workstreams are checked against the data too.
    Never raises for a bad value: the returned state's `messages` say what was ignored and why.
    """
    messages: list[str] = []
    given = {str(key): [v.strip() for v in _as_list(value)] for key, value in params.items()}
    for key in given:
        if key not in PARAM_KEYS:
            messages.append(f"'{key}' is not an Explore setting, so it was ignored.")

    def single(key: str) -> str | None:
        values = [v for v in given.get(key, []) if v]
        if len(set(values)) > 1:
            messages.append(f"{key} was given {len(values)} times; the last one, '{values[-1]}', was used.")
        return values[-1] if values else None

    source = single("source") or DEFAULT_SOURCE
    if len(source) > VALUE_MAX or (source != COMMITMENTS and not (
            source in choices.indicators if choices else _CODE.match(source))):
        messages.append(f"source '{source[:60]}' is not an indicator or '{COMMITMENTS}', "
                        f"so {DEFAULT_SOURCE} are shown instead.")
        source = DEFAULT_SOURCE
    noun = "commitments" if source == COMMITMENTS else (
        choices.indicators[source].name if choices and source in choices.indicators else source)

    dates = {}
    for key in ("as_at", "from", "to"):
        text = single(key)
        dates[key] = _date(text) if text else None
        if text and dates[key] is None:
            messages.append(f"{key} '{text[:60]}' is not a date written as YYYY-MM-DD, so it was ignored.")
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        messages.append(f"from {dates['from']} is after to {dates['to']}, so both were ignored.")
        dates["from"] = dates["to"] = None

    allowed_filters = filters_for(source, choices)
    chosen: dict[str, tuple] = {}
    for name in LIST_FILTERS:
        values = [v for v in dict.fromkeys(given.get(name, [])) if v]
        if not values:
            continue
        if name not in allowed_filters:
            messages.append(f"{name} does not apply to {noun}, so it was ignored.")
            continue
        kept = []
        for value in values:
            problem = _value_problem(name, value, source, choices)
            if problem:
                messages.append(problem)
            else:
                kept.append(int(value) if name == "workstream" else value)
        chosen[name] = tuple(dict.fromkeys(kept))

    groups = [g for g in dict.fromkeys(given["by"]) if g] if "by" in given else list(default_group_by(source))
    if NO_GROUPING in groups:
        groups = [g for g in groups if g != NO_GROUPING]
    allowed_groups = dimensions_for(source, choices)
    unusable = [g for g in groups if g not in allowed_groups]
    for group in unusable:
        messages.append(f"{noun} cannot be grouped by '{group[:60]}', so that grouping was ignored "
                        f"(choose from {', '.join(allowed_groups)}).")
    groups = [g for g in groups if g in allowed_groups]
    if unusable and not groups:
        groups = list(default_group_by(source))
    if len(groups) > MAX_GROUPINGS:
        messages.append(f"At most {MAX_GROUPINGS} groupings at once: kept {' and '.join(groups[:MAX_GROUPINGS])}.")
        groups = groups[:MAX_GROUPINGS]

    return ExploreState(source=source, as_at=dates["as_at"], period_from=dates["from"], period_to=dates["to"],
                        group_by=tuple(groups), messages=tuple(messages), **chosen)


def _value_problem(name: str, value: str, source: str, choices: Choices | None) -> str | None:
    """Why VALUE cannot be used as filter NAME, or None if it can."""
    if len(value) > VALUE_MAX:
        return f"A {LABELS[name].lower()} value over {VALUE_MAX} characters was ignored."
    if name in FIXED_VALUES:
        if value not in FIXED_VALUES[name]:
            return (f"{name} '{value[:60]}' is not one of {', '.join(FIXED_VALUES[name])}, "
                    "so it was ignored.")
        return None
    if name == "workstream":
        known = choices.workstreams if choices else range(1, 100)
        if not value.isdigit() or int(value) not in known:
            return f"workstream '{value[:60]}' is not a workstream number, so it was ignored."
        return None
    if choices is not None and value not in choices.values.get(source, {}).get(name, ()):
        return f"{LABELS[name].lower()} '{value[:60]}' does not appear in the data, so it was ignored."
    return None


# -- grouping in SQLite ------------------------------------------------------------------------

# How many earlier periods to try for "the latest period with figures" before saying there are none.
PERIOD_TRIES = 50


def _observation_where(indicator: str, as_at: str, group_by: Sequence[str], filters: Mapping[str, Sequence],
                       period_from: str | None, period_to: str | None) -> tuple[str, str, str, dict]:
    """The WHERE clauses for rows known at AS_AT in range, for the cells within the filters, and for margins."""
    params = {"indicator": indicator, "as_at": as_at, "cutoff": store.end_of_day(as_at),
              "period_from": period_from, "period_to": period_to}
    known = ["indicator = :indicator", "period <= :as_at", queries._KNOWN,
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
    params = {"as_at": as_at, "cutoff": store.end_of_day(as_at), "due_from": due_from, "due_to": due_to}
    where = ["(:due_from IS NULL OR due_date >= :due_from)", "(:due_to IS NULL OR due_date <= :due_to)"]
    for name in COMMITMENT_FILTERS:
        if filters.get(name):
            where.append(queries.in_list(name, filters[name], f"f_{name}_", params))
    columns = ", ".join(group_by)
    name_column = "MAX(workstream_name) AS workstream_name," if "workstream" in group_by else ""
    frame = pd.read_sql_query(
        f"""
        WITH known AS (
            SELECT ref, status, rating, board_rating, illustrative, ROW_NUMBER() OVER (
                PARTITION BY ref ORDER BY as_of DESC, recorded_at DESC, id DESC) AS newest
            FROM progress_updates WHERE as_of <= :as_at AND {queries._KNOWN}
        ),
        changed AS (
            SELECT ref, due_date, ROW_NUMBER() OVER (PARTITION BY ref ORDER BY recorded_at DESC, id DESC) AS newest
            FROM commitment_changes WHERE sets_due_date = 1 AND recorded_at <= :cutoff
        ),
        current AS (
            SELECT c.ref, c.workstream, w.name AS workstream_name, c.horizon,
                   COALESCE(k.status, 'not started') AS status,
                   COALESCE(k.board_rating, k.rating, '{NOT_RATED}') AS rating,
                   COALESCE(ch.due_date, c.due_date) AS due_date, c.continuing,
                   COALESCE(k.illustrative, 0) AS illustrative
            FROM commitments c JOIN workstreams w ON w.number = c.workstream
            LEFT JOIN known k ON k.ref = c.ref AND k.newest = 1
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


# -- the result --------------------------------------------------------------------------------

@dataclass
class ExploreResult:
    """What Explore shows for one state: true figures, the table as shown, and a chart."""

    state: ExploreState
    as_at: str
    measure: str
    # The grouped figures before disclosure control: for use inside the server only.
    raw: pd.DataFrame
    # The table as shown and downloaded: suppressed where it counts people.
    display: pd.DataFrame
    chart: Chart
    people: bool
    # The one period shown when not grouped by period.
    period: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        """Whether any figure in the table is hidden to protect individuals."""
        return bool(self.display.isin([disclosure.CONFIDENTIAL]).to_numpy().any())


@dataclass(frozen=True)
class _Context:
    """What the table and chart builders need to know besides the figures."""

    measure: str
    groups: tuple[str, ...]
    subtitle: str
    source: str
    people: bool
    period: str | None


_ORDERS = {
    "population": list(store.POPULATIONS),
    "horizon": list(store.HORIZONS),
    "status": list(store.STATUSES),
    "rating": [*store.RATINGS, NOT_RATED],
    "overdue": [OVERDUE, NOT_OVERDUE],
}


def _sort_key(dimension: str):
    if dimension == "grade":
        return metrics.grade_sort_key
    if dimension in _ORDERS:
        order = _ORDERS[dimension]
        return lambda v: (order.index(v), "") if v in order else (len(order), str(v))
    return lambda v: (0, f"{v:09d}") if isinstance(v, int) else (0, str(v))


def _ordered(frame: pd.DataFrame, dimensions: Sequence[str]) -> pd.DataFrame:
    """FRAME sorted by DIMENSIONS, each in the order people expect (grades by seniority, and so on)."""
    if frame.empty or not dimensions:
        return frame.reset_index(drop=True)
    keys = [frame[d].map(_sort_key(d)).tolist() for d in dimensions]
    order = sorted(range(len(frame)), key=lambda i: tuple(k[i] for k in keys))
    return frame.iloc[order].reset_index(drop=True)


def _labels(frame: pd.DataFrame, dimension: str) -> list[str]:
    if dimension == "workstream":
        return [workstream_label(int(n), name) for n, name in zip(frame["workstream"], frame["workstream_name"])]
    return [str(v) for v in frame[dimension]]


def workstream_label(number: int, name: str) -> str:
    """'WS4 Capability & Skills': the prefix people say aloud, and no '4.' for Markdown to take as a list."""
    return f"WS{number} {name}".strip()


def describe_filters(state: ExploreState, choices: Choices | None = None) -> str:
    """The filters in words: 'Grade: SCS, Grade 6; due 2017-01-01 to 2017-12-31', or 'no filters'."""
    parts = []
    for name, values in state.filters.items():
        if name == "workstream" and choices:
            shown = [workstream_label(v, choices.workstreams.get(v, "")) for v in values]
        else:
            shown = [str(v) for v in values]
        parts.append(f"{LABELS[name]}: {', '.join(shown)}")
    if state.period_from or state.period_to:
        word = "due" if state.source == COMMITMENTS else "periods"
        parts.append(f"{word} {state.period_from or 'any'} to {state.period_to or 'any'}")
    return "; ".join(parts) if parts else "no filters"


def describe(state: ExploreState, choices: Choices | None = None) -> str:
    """A view in one line: 'GSE members by period and grade; Department: Home Office'."""
    if state.source == COMMITMENTS:
        noun = "Commitments"
    elif choices and state.source in choices.indicators:
        noun = choices.indicators[state.source].name
    else:
        noun = state.source
    groups = " and ".join(LABELS[g].lower() for g in state.group_by)
    text = f"{noun} by {groups}" if groups else noun
    filters = describe_filters(state, choices)
    return text if filters == "no filters" else f"{text}; {filters}"


def run(conn: sqlite3.Connection, state: ExploreState, threshold: int) -> ExploreResult:
    """Group, count and suppress what STATE asks for, as known at its as-at date (default: the latest)."""
    as_at = state.as_at or queries.latest_data_date(conn)
    if state.source == COMMITMENTS:
        return _run_commitments(conn, state, as_at)
    definitions = queries.indicators(conn)
    row = definitions[definitions["code"] == state.source]
    if row.empty:
        raise ValueError(f"there is no indicator {state.source!r}")
    name, category, unit = row["name"].iloc[0], row["category"].iloc[0], row["unit"].iloc[0]
    people = bool(row["people_count"].iloc[0])
    filters = state.filters
    if not state.population and "population" not in state.group_by:
        # The profession is the subject; the Civil Service is there to compare with, when asked for.
        filters = {**filters, "population": (PROFESSION,)}
    arguments = {"group_by": state.group_by, "filters": filters, "period_from": state.period_from,
                 "period_to": state.period_to}
    raw = _ordered(observation_groups(conn, state.source, as_at, **arguments), state.group_by)
    period = None if "period" in state.group_by or raw.empty else str(raw["latest_period"].max())
    sources = raw["sources"].iloc[0].split(chr(31)) if not raw.empty and raw["sources"].iloc[0] else []
    population = " and ".join({PROFESSION: "GSE profession"}.get(p, p)
                              for p in filters.get("population", store.POPULATIONS))
    when = f"at {period}" if period else (f"{raw['period'].min()} to {raw['period'].max()}" if not raw.empty
                                          else "no period")
    measure = f"{name} (% of those who declared)" if category == "diversity" else name
    context = _Context(measure=name, groups=state.group_by, people=people, period=period,
                       subtitle=f"{measure}, {population}, {describe_filters(state)}, {when}, as known at {as_at}",
                       source="; ".join(sources) if sources else "No figures recorded")
    if raw.empty:
        display, chart, notes = _empty(context)
    elif unit == "percent":
        display, chart, notes = _percent_result(raw, context, threshold)
    else:
        display, chart, notes = _count_result(raw, raw["value"], context, threshold if people else None)
    if not raw.empty:
        notes += _observation_notes(raw, state)
    return ExploreResult(state=state, as_at=as_at, measure=name, raw=raw, display=display, chart=chart,
                         people=people, period=period, notes=notes)


def _observation_notes(raw: pd.DataFrame, state: ExploreState) -> list[str]:
    notes = []
    if raw["revised"].any():
        notes.append("Some figures have been revised since first published [r].")
    if raw["provisional"].any():
        notes.append("Some figures are provisional.")
    for row in raw[raw["qualifier"].fillna("") != ""].itertuples():
        where = row.period if "period" in raw else row.latest_period
        notes.append(f"The figure for {where} is '{row.qualifier} {row.value:,.0f}'.")
    return notes


def _run_commitments(conn: sqlite3.Connection, state: ExploreState, as_at: str) -> ExploreResult:
    raw = _ordered(commitment_groups(conn, as_at, group_by=state.group_by, filters=state.filters,
                                     due_from=state.period_from, due_to=state.period_to), state.group_by)
    illustrative = bool(not raw.empty and raw["illustrative"].any())
    context = _Context(
        measure="Commitments", groups=state.group_by, people=False, period=None,
        subtitle=f"Commitments in the strategy's Annex A, {describe_filters(state)}, as known at {as_at}",
        source=COMMITMENTS_SOURCE_LINE + (" (illustrative history)" if illustrative else ""))
    if raw.empty:
        display, chart, notes = _empty(context)
    else:
        display, chart, notes = _count_result(raw, raw["commitments"], context, None)
        if "overdue" in state.group_by:
            chart.title = _overdue_title(raw, state.group_by)
    return ExploreResult(state=state, as_at=as_at, measure="Commitments", raw=raw, display=display, chart=chart,
                         people=False, notes=notes)


def _overdue_title(raw: pd.DataFrame, group_by: Sequence[str]) -> str:
    """'3 of 45 commitments are past their date: WS1 …, WS2 …': the message when that is a grouping."""
    late = raw[raw["overdue"] == OVERDUE]
    count, total = int(late["commitments"].sum()), int(raw["commitments"].sum())
    title = f"{count} of {total} commitments {'is past its' if count == 1 else 'are past their'} date"
    other = next((g for g in group_by if g != "overdue"), None)
    if count and other:
        title += " in " + ", ".join(dict.fromkeys(_labels(late, other)))
    return title


# -- tables and charts ---------------------------------------------------------------------------

def _no_hidden(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(False, index=table.index, columns=table.columns)


def _column(series: pd.Series, threshold: int | None, *, total: bool) -> tuple[pd.DataFrame, ...]:
    """One column of counts with an optional Total row: values, hidden mask, display."""
    if threshold is None:
        table = series.to_frame()
        if total:
            table.loc[disclosure.TOTAL] = table.sum(axis=0)
        return table, _no_hidden(table), table.astype(object)
    safe = disclosure.suppress_column(series, threshold, total=total)
    return safe.values, safe.hidden, safe.display


def _count_table(raw: pd.DataFrame, values: pd.Series, context: _Context,
                 threshold: int | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """The table of counts as values, hidden mask and display, and the label of its first column.

    One grouping: a column with a Total row (none over periods: a sum over time is no total).
    Two: a cross-tab with totals, or periods down the side each with its own Total. People
    counts (THRESHOLD given) go through disclosure control; others are shown as they are.
    """
    whole = bool((values.dropna() % 1 == 0).all())
    numbers = values.round().astype("int64") if threshold is not None or whole else values
    groups = context.groups
    if not groups:
        series = pd.Series([numbers.iloc[0]], index=pd.Index(["All selected"], dtype=object), name=context.measure)
        return (*_column(series, threshold, total=False), "Selection")
    if len(groups) == 1:
        series = pd.Series(numbers.to_numpy(), index=pd.Index(_labels(raw, groups[0]), dtype=object),
                           name=context.measure)
        return (*_column(series, threshold, total=groups[0] != "period"), LABELS[groups[0]])
    rows, columns = (groups[1], groups[0]) if groups[1] == "period" else groups
    long = pd.DataFrame({"row": _labels(raw, rows), "column": _labels(raw, columns), "n": numbers.to_numpy()})
    wide = long.pivot_table(index="row", columns="column", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=list(dict.fromkeys(_labels(_ordered(raw, [rows]), rows))),
                        columns=list(dict.fromkeys(_labels(_ordered(raw, [columns]), columns))), fill_value=0)
    wide.index.name, wide.columns.name = None, None
    if rows == "period":
        parts = [_column(wide.loc[period].rename(period), threshold, total=True) for period in wide.index]
        values_, hidden, display = (pd.concat([part[i] for part in parts], axis=1).T for i in range(3))
        return values_, hidden, display, LABELS[rows]
    if threshold is None:
        table = wide.copy()
        table[disclosure.TOTAL] = table.sum(axis=1)
        table.loc[disclosure.TOTAL] = table.sum(axis=0)
        return table, _no_hidden(table), table.astype(object), LABELS[rows]
    safe = disclosure.suppress_crosstab(wide, threshold)
    return safe.values, safe.hidden, safe.display, LABELS[rows]


def _count_result(raw: pd.DataFrame, values: pd.Series, context: _Context,
                  threshold: int | None) -> tuple[pd.DataFrame, Chart, list[str]]:
    """The table, chart and notes for a count; people counts suppressed when THRESHOLD is given."""
    numbers, hidden, display, first = _count_table(raw, values, context, threshold)
    table = display.reset_index().rename(columns={"index": first})
    shown = numbers.astype(float).mask(hidden)
    notes = []
    if "period" in context.groups:
        chart = _lines(shown.drop(columns=[disclosure.TOTAL], errors="ignore"), context, percent=False)
    else:
        two = len(context.groups) == 2
        # Commitments by something and overdue: the overdue ones are the message, so they are drawn.
        late = two and context.groups[1] == "overdue" and OVERDUE in shown.columns
        column = OVERDUE if late else disclosure.TOTAL if two else context.measure
        total = None
        if disclosure.TOTAL in shown.index and not hidden.at[disclosure.TOTAL, column]:
            total = float(numbers.at[disclosure.TOTAL, column])
        bars = shown.drop(index=disclosure.TOTAL, errors="ignore")[column]
        mask = hidden.drop(index=disclosure.TOTAL, errors="ignore")[column]
        chart = _bars(bars, mask, context, first, total=total, percent=False)
        if two:
            drawn = "commitments past their date" if late else "totals"
            chart.note = " ".join(filter(None, [
                f"The chart shows {drawn} by {LABELS[context.groups[0]].lower()}; the table breaks them down by "
                f"{LABELS[context.groups[1]].lower()}.", chart.note]))
    if threshold is not None and hidden.to_numpy().any():
        notes.append(f"[c]: fewer than {threshold}, or hidden so that a small number cannot be worked out "
                     "from the totals.")
    chart.table = table
    return table, chart, notes


def _percent_result(raw: pd.DataFrame, context: _Context, threshold: int) -> tuple[pd.DataFrame, Chart, list[str]]:
    """The table, chart and notes for a share: % of those who declared, suppressed for people."""
    groups = list(context.groups)
    labels = {g: _labels(raw, g) for g in groups}
    table = pd.DataFrame({LABELS[g]: labels[g] for g in groups} or {"Selection": ["All selected"]})
    share_name = f"{context.measure} (% of declared)" if context.people else f"{context.measure} (%)"
    notes = []
    if context.people:
        counts = pd.DataFrame({"numerator": raw["numerator"], "denominator": raw["denominator"],
                               "declaration_rate": raw["declaration_rate"],
                               "percent": raw["share"].where(raw["numerator"].isna())})
        safe = disclosure.declared_shares(counts, threshold)
        table[share_name] = safe["share"].to_numpy()
        table["Declared"] = safe["declared"].to_numpy()
        table["Declaration rate (%)"] = safe["declaration_rate"].to_numpy()
        table["Reliability"] = ["unreliable: under 50% declared" if u else "" for u in safe["unreliable"]]
        if (safe["share"] == disclosure.CONFIDENTIAL).any() or (safe["declared"] == disclosure.CONFIDENTIAL).any():
            notes.append(f"[c]: hidden because fewer than {threshold} people declared, or fewer than {threshold} "
                         "are in, or outside, the group.")
        if (safe["share"] == disclosure.NOT_AVAILABLE).any() or (safe["declared"] == disclosure.NOT_AVAILABLE).any():
            notes.append("[x]: not available (published as a share only, or not recorded).")
    else:
        table[share_name] = raw["share"].round(1).to_numpy()
    numbers = pd.Series(pd.to_numeric(table[share_name], errors="coerce").to_numpy())
    if "period" in groups:
        other = next((g for g in groups if g != "period"), None)
        if other is None:
            wide = pd.DataFrame({context.measure: numbers.to_numpy()}, index=labels["period"])
        else:
            wide = pd.DataFrame({"period": labels["period"], "group": labels[other], "v": numbers}).pivot_table(
                index="period", columns="group", values="v", aggfunc="first")
            wide = wide.reindex(index=sorted(set(labels["period"])), columns=list(dict.fromkeys(labels[other])))
        wide.index.name, wide.columns.name = None, None
        chart = _lines(wide, context, percent=True)
    else:
        names = [" · ".join(parts) for parts in zip(*(labels[g] for g in groups))] if groups else ["All selected"]
        first = " and ".join(LABELS[g] for g in groups) or "Selection"
        chart = _bars(pd.Series(numbers.to_numpy(), index=names), pd.Series(numbers.isna().to_numpy(), index=names),
                      context, first, total=None, percent=True)
    chart.table = table
    return table, chart, notes


def _bars(values: pd.Series, hidden: pd.Series, context: _Context, group: str, *, total: float | None,
          percent: bool) -> Chart:
    """Horizontal bars of the groups that may be shown (at most MAX_BARS), with a title that states the message."""
    frame = pd.DataFrame({group: [str(i) for i in values.index], "value": values.to_numpy()})
    mask = pd.Series(hidden.to_numpy().astype(bool))
    note = ""
    if len(frame) > MAX_BARS:
        frame, mask = frame.iloc[:MAX_BARS], mask.iloc[:MAX_BARS]
        note = f"The chart shows the first {MAX_BARS} of {len(values)} groups; the table has them all."
    unit = "%" if percent else ""
    shown = frame[~mask.to_numpy()]
    measure = context.measure
    at = f" at {context.period}" if context.period else ""
    if shown.empty:
        title = f"{measure}: every group here is too small to show"
    elif len(frame) == 1:
        title = f"{measure}: {_number(shown['value'].iloc[0], percent)}{unit}{at}"
    else:
        top = shown.sort_values("value", ascending=False).iloc[0]
        if percent:
            title = f"{measure}{at}: highest for {top[group]}, {top['value']:.1f}%"
        else:
            share = f", {100 * top['value'] / total:.0f}% of the total" if total else ""
            title = f"{top[group]} has the most {_lower(measure)}{at}: {top['value']:,.0f}{share}"
    chart = charts.breakdown_chart(frame, group=group, value="value", hidden=mask.reset_index(drop=True),
                                   title=title, subtitle=context.subtitle, source=context.source,
                                   value_title=f"{measure} (%)" if percent else measure, percent=percent)
    chart.note = " ".join(filter(None, [chart.note, note]))
    return chart


def _lines(wide: pd.DataFrame, context: _Context, *, percent: bool) -> Chart:
    """Lines over periods, one per group (the largest MAX_LINES), labelled at their ends."""
    table = wide
    note = ""
    if len(table.columns) > MAX_LINES:
        latest = table.ffill().iloc[-1].fillna(-1)
        keep = set(latest.sort_values(ascending=False).index[:MAX_LINES])
        note = (f"The chart shows the {MAX_LINES} {'highest' if percent else 'largest'} of {len(table.columns)} "
                "groups at the latest period; the table has them all.")
        table = table[[c for c in table.columns if c in keep]]
    frame = table.reset_index().rename(columns={"index": "period"})
    frame.columns = [str(c) for c in frame.columns]
    series = [(str(c), str(c)) for c in table.columns]
    unit = "%" if percent else ""
    measure = context.measure
    drawn = [c for c, _ in series if frame[c].notna().any()]
    if not drawn:
        title = f"{measure}: every figure here is too small to show"
        alt = f"Line chart of {_lower(measure)}: every figure is hidden to protect individuals."
    else:
        if len(series) == 1:
            points = frame.dropna(subset=[drawn[0]])
            first, last = points.iloc[0], points.iloc[-1]
            title = f"{measure}: {_number(last[drawn[0]], percent)}{unit} at {last['period']}"
            if len(points) > 1:
                move = ("up from" if last[drawn[0]] > first[drawn[0]] else
                        "down from" if last[drawn[0]] < first[drawn[0]] else "the same as")
                title += f", {move} {_number(first[drawn[0]], percent)}{unit} at {first['period']}"
        else:
            last = frame.dropna(subset=drawn, how="all").iloc[-1]
            values = last[drawn].dropna().astype(float)
            top = values.idxmax()
            if percent:
                title = f"{measure} at {last['period']}: highest for {top}, {_number(values[top], percent)}%"
            else:
                title = f"{top} has the most {_lower(measure)} at {last['period']}: {_number(values[top], percent)}"
        ends = "; ".join(f"{c}: {_number(frame[c].dropna().iloc[-1], percent)}{unit} at "
                         f"{frame.loc[frame[c].notna(), 'period'].iloc[-1]}" for c in drawn)
        alt = (f"Line chart of {_lower(measure)} from {frame['period'].iloc[0]} to {frame['period'].iloc[-1]}, "
               f"{len(series)} series. Latest figures: {ends}.")
    chart = charts.lines_chart(frame, x="period", series=series, title=title, subtitle=context.subtitle,
                               source=context.source, alt_text=alt,
                               y_title=f"{measure} ({'%' if percent else 'number'})", percent=percent)
    missing = int(table.isna().to_numpy().sum())
    if missing and context.people:
        note = " ".join(filter(None, [note, f"{missing} points are not drawn, to protect individuals or because "
                                            "there is no figure."]))
    chart.note = note
    return chart


def _lower(name: str) -> str:
    """NAME to follow other words: 'Women' becomes 'women', 'GSE members' stays as it is."""
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]


def _number(value: float, percent: bool) -> str:
    return f"{value:.1f}" if percent else f"{value:,.0f}"


def _empty(context: _Context) -> tuple[pd.DataFrame, Chart, list[str]]:
    """A table, chart and note that say plainly that nothing matched."""
    frame = pd.DataFrame({"group": pd.Series(dtype=object), "value": pd.Series(dtype=float)})
    chart = charts.breakdown_chart(frame, group="group", value="value", hidden=pd.Series(dtype=bool),
                                   title=f"{context.measure}: nothing matches this selection",
                                   subtitle=context.subtitle, source=context.source, value_title=context.measure)
    chart.alt_text = f"Empty chart: no {_lower(context.measure)} figures match this selection."
    message = "Nothing matches these filters as known at this date. Remove a filter or choose a later date."
    chart.note = message
    table = pd.DataFrame({"Result": [message]})
    chart.table = table
    return table, chart, []


# -- saved views -------------------------------------------------------------------------------

def _view_name(name: str) -> str:
    """NAME trimmed and checked: 1 to 80 characters, on one line."""
    text = (name or "").strip()
    if not text:
        raise ViewError("Give the view a name.")
    if len(text) > VIEW_NAME_MAX:
        raise ViewError(f"A view's name can be at most {VIEW_NAME_MAX} characters; this one has {len(text)}.")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ViewError("A view's name must be one line of text, without control characters.")
    return text


def _audit(db: sqlite_utils.Database, actor: str, action: str, name: str, detail: dict) -> None:
    db.conn.execute(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [store.now(), actor, action, "saved_views", name, json.dumps(detail)],
    )


def save_view(db: sqlite_utils.Database, name: str, state: ExploreState, user: User | None, *,
              overwrite: bool = False) -> str:
    """Save STATE as a named view (editors only); return the name as stored.

    A view is the question, not the date: it opens at whatever as-at date is chosen. A name
    already taken (ignoring case) is refused unless OVERWRITE.
    """
    actor = require_editor(user).actor
    text = _view_name(name)
    params = to_query_params(dataclasses.replace(state, as_at=None))
    payload = json.dumps(params, sort_keys=True)
    with store.write_transaction(db):
        taken = db.conn.execute("SELECT id, name FROM saved_views WHERE name = ? COLLATE NOCASE", [text]).fetchone()
        if taken and not overwrite:
            raise ViewError(f"There is already a view called '{taken[1]}'. Choose another name, or replace it.")
        if taken:
            db.conn.execute("UPDATE saved_views SET name = ?, state = ?, created_by = ?, created_at = ? WHERE id = ?",
                            [text, payload, actor, store.now(), taken[0]])
        else:
            db.conn.execute("INSERT INTO saved_views (name, state, created_by, created_at) VALUES (?, ?, ?, ?)",
                            [text, payload, actor, store.now()])
        _audit(db, actor, "replace view" if taken else "save view", text, {"state": params})
    return text


def list_views(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every saved view: name, state (as JSON query parameters), who saved it and when; by name."""
    return pd.read_sql_query("SELECT name, state, created_by, created_at FROM saved_views "
                             "ORDER BY name COLLATE NOCASE", conn)


def load_view(conn: sqlite3.Connection, name: str, choices: Choices | None = None) -> ExploreState:
    """The state saved as NAME (its as_at left unset); messages say what no longer fits the data."""
    row = conn.execute("SELECT state FROM saved_views WHERE name = ?", [name]).fetchone()
    if row is None:
        raise ViewError(f"There is no saved view called '{name}'.")
    try:
        params = json.loads(row[0])
    except json.JSONDecodeError:
        params = {}
    if not isinstance(params, dict):
        params = {}
    params.pop("as_at", None)
    return from_query_params(params, choices)


def delete_view(db: sqlite_utils.Database, name: str, user: User | None) -> None:
    """Delete the saved view NAME (editors only)."""
    actor = require_editor(user).actor
    with store.write_transaction(db):
        row = db.conn.execute("SELECT state FROM saved_views WHERE name = ?", [name]).fetchone()
        if row is None:
            raise ViewError(f"There is no saved view called '{name}'.")
        db.conn.execute("DELETE FROM saved_views WHERE name = ?", [name])
        _audit(db, actor, "delete view", name, {"state": row[0]})
