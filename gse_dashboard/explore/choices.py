"""What Explore can show: the sources (indicators and the commitments), their dimensions and filters,
the limits on a view, and the choices the data offers."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

import pandas as pd

from ..people.official_figures import COMPARED
from ..storage import queries, store
from ..strategy import commitments_over_time as over_time
from ..strategy import metrics, timescales, vocabulary
from ..strategy.vocabulary import NOT_RATED
from .grouping import COMMITMENT_FILTERS

# The source that explores commitments and their latest updates rather than an indicator.
COMMITMENTS = "commitments"
# Every profession of post compared on one measure (official_figures.COMPARED): one source per measure.
PROFESSION_SOURCES = {f"professions_{code}": code for code in COMPARED}
PROFESSION_LABELS = {source: f"Professions compared: {COMPARED[code][0]}"
                     for source, code in PROFESSION_SOURCES.items()}
# What a link with no source shows: the profession's headline count.
DEFAULT_SOURCE = "members"
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

# Measures of commitments (?measure=): the count, the share of the group's commitments, the share of those due.
COUNT, SHARE, SHARE_DUE = "count", "share", "share_due"
MEASURES = {COUNT: "Number of commitments", SHARE: "Share of commitments (%)",
            SHARE_DUE: "Share of commitments due (%)"}
OBSERVATION_DIMENSIONS = ("period", "population", "department", "grade", "role_type")
# Commitments are followed over time at each Board meeting or quarter end, each as known on its date.
BOARD, QUARTER = over_time.BOARD, over_time.QUARTER
# Groupings and filters that say which commitments there are (a share's whole), not what became of them.
POPULATION_DIMENSIONS = ("workstream", "horizon", BOARD, QUARTER)
COMMITMENT_DIMENSIONS = ("workstream", "horizon", "status", "rating", "overdue", BOARD, QUARTER)
# Dimensions that run through time: lines, in date order, with no total across them.
TIME_DIMENSIONS = ("period", BOARD, QUARTER)
# Dimensions whose values have an order of their own; bars of the others are ranked by value.
ORDERED_DIMENSIONS = ("period", "population", "grade", "horizon", "status", "rating", "overdue", BOARD, QUARTER)
OBSERVATION_FILTERS = ("population", "department", "grade", "role_type")
LIST_FILTERS = OBSERVATION_FILTERS + COMMITMENT_FILTERS
LABELS = {
    "period": "Period", "population": "Population", "department": "Department", "grade": "Grade",
    "role_type": "Role type", "workstream": "Workstream", "horizon": "Horizon", "status": "Status",
    "rating": "Rating", "overdue": "Past its date", BOARD: "Board meeting", QUARTER: "Quarter end",
    "profession": "Profession",
}
# URL keys, in the order a link lists them.
PARAM_KEYS = ("source", "as_at", "from", "to", *LIST_FILTERS, "by", "measure", "show")
# Values fixed by the rules of the field, whatever the data holds.
FIXED_VALUES = {
    "population": store.POPULATIONS,
    "horizon": vocabulary.HORIZONS,
    "status": vocabulary.STATUSES,
    "rating": (*vocabulary.RATINGS, NOT_RATED),
    "overdue": (OVERDUE, NOT_OVERDUE),
}
CODE_PATTERN = re.compile(r"^[a-z0-9_]{1,40}$")
# The strategy gives horizons, not dates: a commitment's date is the end of its horizon (indicative) unless set.
COMMITMENTS_SOURCE_LINE = ("GSE team progress records; indicative dates are the ends of the horizons in the GSE "
                           "Strategy (2016), Annex A, unless the GSE team has set a date")
# What is made up in a count of commitments, in a database built with the illustrative history.
COMMITMENTS_ILLUSTRATIVE = "each commitment's status, rating and % complete (the illustrative progress history)"


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
    workstreams = {int(n): name for n, name in queries.workstream_names(conn).items()}
    return Choices(indicators=indicators, values=values, workstreams=workstreams)


def dimensions_for(source: str, choices: Choices | None = None) -> tuple[str, ...]:
    """The dimensions SOURCE can be grouped by (for an indicator: those its data breaks down by)."""
    if source == COMMITMENTS:
        return COMMITMENT_DIMENSIONS
    if source in PROFESSION_SOURCES:
        return ("profession",)
    if choices is None:
        return OBSERVATION_DIMENSIONS
    present = choices.values.get(source, {})
    return ("period", "population", *(d for d in queries.BREAKDOWNS if d in present))


def filters_for(source: str, choices: Choices | None = None) -> tuple[str, ...]:
    """The filters that apply to SOURCE."""
    if source == COMMITMENTS:
        return COMMITMENT_FILTERS
    if source in PROFESSION_SOURCES:
        return ()
    return tuple(d for d in dimensions_for(source, choices) if d in OBSERVATION_FILTERS)


def default_group_by(source: str) -> tuple[str, ...]:
    """What a link that names no grouping shows: an indicator over time, commitments by workstream."""
    if source in PROFESSION_SOURCES:
        return ("profession",)
    return ("workstream",) if source == COMMITMENTS else ("period",)
