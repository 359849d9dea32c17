"""The published Civil Service Statistics' figures as shown: cells, wording and sources.

The cells are read through queries (`official_cells`, `real_diversity`) as known at an as-at date,
and shown with the publisher's `[c]` kept and the dashboard's own disclosure rule applied on top
(`shown_count`, `shown_cell`, `cell_lookup` for Explore); the words and sources said beside them
are here too. The views built from them (headcount, the diversity story, the professions compared)
are in views/official.py. No Streamlit here: ui and documents draw these.
"""

from __future__ import annotations

import sqlite3

import pandas as pd

from ..storage import queries
from ..strategy import vocabulary
from ..strategy.metrics import grade_sort_key
from ..strategy.reading import STRATEGY_SOURCE
from . import disclosure
from .official_statistics import (
    GRADES,
    KIND,
    PUBLISHER,
    STATUS_INDICATORS,
)

# What each published status is called on the pages.
STATUS_LABELS = {"In post": "In post at 31 March", "New entrant CS": "New entrants to the Civil Service",
                 "Leaver CS": "Left the Civil Service", "Leaver Dept.": "Moved to another department"}
# The grades the publisher groups responsibility levels into, in the one order every page uses.
GRADE_GROUP_ORDER = tuple(sorted(set(GRADES.values()), key=grade_sort_key))
# Said wherever a breakdown of published counts is shown with the publisher's own total.
ROUNDING_NOTE = ("The publisher rounds each figure to the nearest 5, so a breakdown need not add up to its total: "
                 "totals are the publisher's own, never a sum of rounded figures.")
# The dashboard's dimensions and the published tables' breakdowns that hold them.
_CELL_DIMENSIONS = {"grade": "Responsibility_level_grouped", "department": "Parent_department"}
# The two measures of the profession's size, defined once for every page and document.
MEASURE_DEFINITIONS = {
    "members": "Registered GSE members: civil servants registered as members of the profession (Civil Service "
               "Learning). The strategy's 'over 10,000 members' and '235 in the SCS' (September 2016) count these.",
    "acses_in_post": "Civil servants in the profession's posts: everyone whose post is in the profession of post, "
                     "from the Annual Civil Service Employment Survey (Civil Service Statistics, as at 31 March). "
                     "Not the same as registration with the profession (Civil Service Learning): the two counts are "
                     "never added or drawn as one line.",
}

# What is real and what is made up in a database built with the illustrative history.
ILLUSTRATIVE_TEXT = (
    "Real: the strategy's own baseline (registered members and SCS in September 2016, diversity in 2015) and the "
    "published Civil Service Statistics (civil servants in the profession's posts, their grades, departments, "
    "entrants and leavers, and diversity against the Civil Service, in every release loaded). Illustrative (made up "
    "to show how the dashboard works, not real): progress on the commitments and their ratings, registered members "
    "after September 2016 with their breakdowns, joiners and leavers, the targets, the workstream indicators, the "
    "Board meetings and the Board's ratings, actions and risks. Each illustrative figure is marked where it is shown."
)
# What is made up among registered members, said above that section (the statistics above it are real).
MEMBERS_ILLUSTRATIVE = (
    "Registered members after September 2016, their breakdowns by department, grade and role type, their joiners "
    "and leavers and the targets are made up to show how the dashboard works (not real); the strategy's own "
    "September 2016 figures are real. Each chart says which of its figures are illustrative."
)


def grade_cells(conn: sqlite3.Connection, as_at: str, *, population: str, profession: str) -> pd.DataFrame:
    """Headcount by grade (the responsibility level, grouped as the browser groups it), in the dashboard's words."""
    frame = queries.official_cells(conn, as_at, "Responsibility_level_grouped", population=population,
                                   profession=profession)
    frame["group"] = frame["group"].map(lambda g: GRADES.get(g, g))
    return frame


def real_figures(conn: sqlite3.Connection) -> pd.DataFrame:
    """The real figures About the data lists: the strategy's baseline and the publisher's statistics, current versions.

    The same columns as queries.observations_export. A return of the dashboard's own (a
    department's figures imported as observations, or recorded by hand) is not listed: its
    figures are shown only through the protected tables (published.py, protected_diversity.py),
    and listing its rows would publish every cell.
    """
    frame = queries.observations_export(conn, real_only=True)
    ids = queries.real_observation_keys(conn, STRATEGY_SOURCE, KIND)
    keys = ["indicator", "population", "period", "department", "grade", "role_type"]
    return frame.merge(ids.drop_duplicates(), on=keys, how="inner")[frame.columns].reset_index(drop=True)


def cell_lookup(conn: sqlite3.Connection, as_at: str, indicator: str, profession: str, threshold: int,
                fixed: dict[str, str]):
    """(period, selection) -> (figure, hidden) for a published-statistics indicator, from the published cells.

    Every figure is the publisher's own cell as the pages show it (shown_count): a total is the
    publisher's total row, never a sum of rounded cells; `[c]` (the publisher's, or below
    THRESHOLD) is hidden. FIXED holds the filters (population, department, grade) that every
    selection keeps. A selection the publisher has no table for (a grade within a department)
    is hidden. `lookup.labels(period, dimension)` lists every group of the period's published
    table, a suppressed one too, so no department or grade is dropped.
    """
    status = {code: name for name, code in STATUS_INDICATORS.items()}[indicator]
    frames: dict[tuple[str, str | None], pd.DataFrame] = {}

    def cells(population: str, dimension: str | None) -> pd.DataFrame:
        if (population, dimension) not in frames:
            frame = queries.official_cells(conn, as_at, _CELL_DIMENSIONS.get(dimension) if dimension else None,
                                   population=population, profession=profession)
            if dimension == "grade":
                frame["group"] = frame["group"].map(lambda g: GRADES.get(g, g))
            frames[(population, dimension)] = frame[frame["status"] == status]
        return frames[(population, dimension)]

    def lookup(period: str, selection: dict) -> tuple[float, bool]:
        chosen = {**fixed, **selection}
        population = chosen.get("population", "GSE")
        narrowed = [d for d in _CELL_DIMENSIONS if chosen.get(d, "All") != "All"]
        if len(narrowed) > 1:
            return 0.0, disclosure.NOT_AVAILABLE
        dimension = narrowed[0] if narrowed else None
        row = find_cell(cells(population, dimension), status, int(period[:4]), chosen.get(dimension, "All")
                    if dimension else "All")
        shown = shown_cell(row, threshold)
        # Not published ([x]) is said as the Membership page says it; suppressed is simply hidden ([c]).
        return (0.0, shown if shown == disclosure.NOT_AVAILABLE else True) if isinstance(shown, str) \
            else (float(shown), False)

    def labels(period: str, dimension: str) -> tuple[str, ...]:
        if dimension not in _CELL_DIMENSIONS:
            return ()
        frame = cells(fixed.get("population", "GSE"), dimension)
        found = set(frame.loc[frame["year"] == int(period[:4]), "group"])
        return tuple(sorted(found, key=grade_sort_key if dimension == "grade" else str))

    def revised(period: str, selection: dict) -> bool | None:
        """Whether the publisher revised the cell a figure is ([r]); None when no one cell is the figure."""
        chosen = {**fixed, **selection}
        narrowed = [d for d in _CELL_DIMENSIONS if chosen.get(d, "All") != "All"]
        if len(narrowed) > 1:
            return None
        dimension = narrowed[0] if narrowed else None
        row = find_cell(cells(chosen.get("population", "GSE"), dimension), status, int(period[:4]),
                    chosen.get(dimension, "All") if dimension else "All")
        return None if row is None else bool(row["revised"])

    lookup.labels = labels  # type: ignore[attr-defined]
    lookup.revised = revised  # type: ignore[attr-defined]
    return lookup


# -- building the tables ---------------------------------------------------------------------------


def shown_count(value: float | None, suppressed: int | bool, threshold: int) -> int | str:
    """A published count as shown: the publisher's `[c]` kept, and the dashboard's threshold applied on top."""
    if suppressed:
        return disclosure.CONFIDENTIAL
    return disclosure.suppress_count(value, threshold)


def find_cell(frame: pd.DataFrame, status: str, year: int, group: str = "All") -> pd.Series | None:
    """The published cell of STATUS, YEAR and GROUP in FRAME (official_cells), or None."""
    rows = frame[(frame["status"] == status) & (frame["year"] == year) & (frame["group"] == group)]
    return rows.iloc[0] if not rows.empty else None


def shown_cell(row: pd.Series | None, threshold: int) -> int | str:
    """ROW (find_cell) as shown: [x] when there is none, else shown_count."""
    if row is None:
        return disclosure.NOT_AVAILABLE
    return shown_count(row["value"], row["suppressed"], threshold)


def gap_direction(first_gap: float | None, latest_gap: float | None) -> str:
    """Whether a gap (points, profession minus Civil Service) narrowed, widened or stayed between two years.

    A change in its size under 0.1 points is no change; a gap under 0.1 points at the end has closed.
    """
    if first_gap is None or latest_gap is None or pd.isna(first_gap) or pd.isna(latest_gap):
        return "no comparison"
    change = abs(latest_gap) - abs(first_gap)
    if abs(latest_gap) < 0.1 <= abs(first_gap):
        return "closed"
    return "narrowed" if change <= -0.1 else "widened" if change >= 0.1 else "unchanged"


def no_release_words(as_at: str, profession: str) -> str:
    """What is said when no Civil Service Statistics release had been published by AS_AT."""
    return (f"No Civil Service Statistics release had been published by {vocabulary.long_date(as_at)}, so there are no "
            f"published figures for {vocabulary.posts(profession)} at this date; only the strategy's 2015 "
            "figures are known, with nothing later to compare them with.")


def _published_part(sources: list[str]) -> str:
    """The publisher's sources as one part: its name, the years and the tables, each version once."""
    fields = [dict(enumerate(source.split("; "))) for source in sources]
    years = sorted({f[0].split("as at 31 March ")[1][:4] for f in fields if "as at 31 March " in f[0]})
    tables = sorted({part[len("table "):] for f in fields for part in f.values() if part.startswith("table ")})
    versions = sorted({part[len("Version: "):].rstrip(".") for f in fields for part in f.values()
                       if part.startswith("Version: ")})
    text = f"{PUBLISHER}, as at 31 March {', '.join(years)}" if years else PUBLISHER
    if tables:
        text += f" (table{'s' if len(tables) > 1 else ''} {', '.join(tables)})"
    if versions:
        text += f"; version: {', '.join(versions)}"
    return text


def sources_line(sources: list[str]) -> str:
    """SOURCES in one line, each named once: the publisher's tables of every year as one part, its version once."""
    published = [s for s in dict.fromkeys(sources) if s.startswith(PUBLISHER)]
    parts = [s for s in dict.fromkeys(sources) if s and not s.startswith(PUBLISHER)]
    if published:
        parts.append(_published_part(published))
    return "; ".join(parts)


def source_note(sources: list[str]) -> str:
    """One line naming the sources, with the Open Government Licence attribution for the published figures."""
    line = sources_line(sources)
    if any(s.startswith(PUBLISHER) for s in sources):
        line += ". Contains public sector information licensed under the Open Government Licence v3.0"
    return "Source: " + line + "." if line else ""


# -- the profession against every other -----------------------------------------------------------

# What the comparison measures, in the order it lists them: code -> (label, unit).
COMPARED = {
    "headcount": ("Civil servants in post", "count"),
    "growth": ("Growth in headcount since the previous release", "percent"),
    "scs": ("Senior Civil Service (% of known grade)", "percent"),
    "women": ("Women (% of known sex)", "percent"),
    "bame": ("Ethnic minorities (% of declared ethnicity)", "percent"),
    "disabled": ("Disabled (% of declared disability status)", "percent"),
    "lgbo": ("LGBO (% of declared sexual orientation)", "percent"),
    "age_50_plus": ("Aged 50 and over (% of known age)", "percent"),
}
CIVIL_SERVICE = "Civil Service (all professions)"
# Published as professions of post but not professions: listed in the table, never ranked.
NOT_RANKED = ("Other", "Unknown")
