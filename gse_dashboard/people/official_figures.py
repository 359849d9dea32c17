"""The published Civil Service Statistics as the pages, the Board pack and the brief show them.

Queries read the published cells (`official_cells`) and the derived figures (`observations`)
as known at an as-at date; the builders turn them into small tables: the profession's headcount
with grade mix, departments, entrants and leavers (the publisher's `[c]` kept, the dashboard's
own disclosure rule applied on top), and each diversity characteristic against the Civil
Service in 2015 and every published year since, with the gap and whether it closed. No
Streamlit here: ui and documents draw these.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import pandas as pd

from ..storage import queries
from ..strategy import vocabulary
from ..strategy.metrics import grade_sort_key
from ..strategy.reading import STRATEGY_SOURCE
from . import disclosure, protected_diversity
from .official_statistics import (
    DEPARTMENT_DIMENSIONS,
    GRADE_DIMENSIONS,
    GRADES,
    KIND,
    NOT_DECLARED,
    PUBLISHER,
    SHARES,
    STATUS_INDICATORS,
    STATUSES,
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
        row = _cell(cells(population, dimension), status, int(period[:4]), chosen.get(dimension, "All")
                    if dimension else "All")
        shown = _shown(row, threshold)
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
        row = _cell(cells(chosen.get("population", "GSE"), dimension), status, int(period[:4]),
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


@dataclass(frozen=True)
class Headcount:
    """The profession's size from Civil Service Statistics, for the Membership page and the documents."""

    years: list[int]
    latest: dict | None  # the latest year's in post, SCS, entrants and leavers, as shown
    by_year: pd.DataFrame  # Year, in post, SCS, entrants, leavers, moved; Civil Service in post
    grades: pd.DataFrame  # Grade, one column per year (count), and % of those with a known grade
    departments: pd.DataFrame  # Department (parent department), one column per year
    flows: pd.DataFrame  # Year, status, count: entrants and leavers
    sources: list[str]

    @property
    def empty(self) -> bool:
        return not self.years


def _cell(frame: pd.DataFrame, status: str, year: int, group: str = "All") -> pd.Series | None:
    rows = frame[(frame["status"] == status) & (frame["year"] == year) & (frame["group"] == group)]
    return rows.iloc[0] if not rows.empty else None


def _shown(row: pd.Series | None, threshold: int) -> int | str:
    if row is None:
        return disclosure.NOT_AVAILABLE
    return shown_count(row["value"], row["suppressed"], threshold)


def _total_row(first: str, by_year: pd.DataFrame, years: list[int]) -> dict:
    """A breakdown's Total row: each year's published total in post (the publisher's total row)."""
    totals = dict(zip(by_year["Year"], by_year["In post at 31 March"])) if not by_year.empty else {}
    row = {first: disclosure.TOTAL}
    for year in years:
        row[str(year)] = totals.get(str(year), disclosure.NOT_AVAILABLE)
        if first == "Grade":
            row[f"{year} (% of known grade)"] = disclosure.NOT_APPLICABLE
    return row


def headcount(conn: sqlite3.Connection, as_at: str, profession: str, threshold: int) -> Headcount:
    """Civil servants in the profession's posts by year, grade and department, with entrants and leavers."""
    totals = queries.official_cells(conn, as_at, None, population="GSE", profession=profession)
    civil_service = queries.official_cells(conn, as_at, None, population="Civil Service", profession=profession)
    grades = grade_cells(conn, as_at, population="GSE", profession=profession)
    departments = queries.official_cells(conn, as_at, "Parent_department", population="GSE", profession=profession)
    years = sorted(set(totals["year"]) | set(grades["year"]) | set(departments["year"]))
    rows = []
    for year in years:
        rows.append({
            "Year": str(year),
            "In post at 31 March": _shown(_cell(totals, "In post", year), threshold),
            "Of whom SCS": _shown(_cell(grades, "In post", year, "SCS"), threshold),
            "New entrants to the Civil Service": _shown(_cell(totals, "New entrant CS", year), threshold),
            "Left the Civil Service": _shown(_cell(totals, "Leaver CS", year), threshold),
            "Moved to another department": _shown(_cell(totals, "Leaver Dept.", year), threshold),
            "Civil Service in post": _shown(_cell(civil_service, "In post", year), threshold),
        })
    by_year = pd.DataFrame(rows)
    in_post = grades[grades["status"] == "In post"]
    grade_table = pd.DataFrame({"Grade": [g for g in GRADE_GROUP_ORDER if g in set(in_post["group"])]})
    for year in years:
        cells = in_post[in_post["year"] == year].set_index("group")
        known = cells[(cells.index != "Unknown") & (cells["suppressed"] == 0)]["value"].sum()
        grade_table[str(year)] = [_shown(cells.loc[g] if g in cells.index else None, threshold)
                                  for g in grade_table["Grade"]]
        grade_table[f"{year} (% of known grade)"] = [
            round(100 * cells.loc[g, "value"] / known, 1)
            if g in cells.index and g != "Unknown" and not cells.loc[g, "suppressed"] and known
            and shown_count(cells.loc[g, "value"], 0, threshold) != disclosure.CONFIDENTIAL
            else (disclosure.NOT_APPLICABLE if g == "Unknown" else disclosure.CONFIDENTIAL
                  if g in cells.index else disclosure.NOT_AVAILABLE)
            for g in grade_table["Grade"]]
    # The publisher's own total, never a sum of its rounded cells (ROUNDING_NOTE).
    grade_table = pd.concat([grade_table, pd.DataFrame([_total_row("Grade", by_year, years)])], ignore_index=True)
    posted = departments[departments["status"] == "In post"]
    department_table = pd.DataFrame({"Department": sorted(set(posted["group"]))})
    for year in years:
        cells = posted[posted["year"] == year].set_index("group")
        department_table[str(year)] = [_shown(cells.loc[d] if d in cells.index else None, threshold)
                                       for d in department_table["Department"]]
    if years:
        latest_year = str(years[-1])
        order = department_table[latest_year].map(lambda v: v if isinstance(v, int) else -1)
        department_table = department_table.assign(_order=order).sort_values(
            ["_order", "Department"], ascending=[False, True]).drop(columns="_order").reset_index(drop=True)
        department_table = pd.concat([department_table, pd.DataFrame([_total_row("Department", by_year, years)])],
                                     ignore_index=True)
    flows = pd.DataFrame([
        {"Year": str(year), "Status": STATUS_LABELS[status], "Count": _shown(_cell(totals, status, year), threshold)}
        for year in years for status in STATUSES if status != "In post"])
    latest = by_year.iloc[-1].to_dict() if rows else None
    sources = sorted(set(totals["source"]) | set(grades["source"]) | set(departments["source"]))
    return Headcount(years, latest, by_year, grade_table, department_table, flows, sources)


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


@dataclass(frozen=True)
class DiversityStory:
    """Each characteristic, profession against the Civil Service, in 2015 and every published year since."""

    by_year: pd.DataFrame  # Characteristic, Year, profession %, Civil Service %, gap, declaration rate
    summary: pd.DataFrame  # Characteristic, first year's gap, latest gap, whether it closed
    years: list[str]
    sources: list[str]
    # The years of published Civil Service Statistics known at the date (the 2015 baseline is the strategy's).
    released: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.by_year.empty


def _share(value: float | None, numerator, denominator, threshold: int) -> float | str:
    """A published share as shown: hidden by the dashboard's rule when its counts are small."""
    if value is None or pd.isna(value):
        return disclosure.NOT_AVAILABLE
    if numerator is not None and denominator is not None and not pd.isna(numerator) and not pd.isna(denominator):
        return disclosure.suppress_share(numerator, denominator, threshold)
    return round(float(value), 1)


def diversity_story(conn: sqlite3.Connection, as_at: str, threshold: int) -> DiversityStory:
    """The strategy's question for each characteristic: has the profession's gap to the Civil Service closed?

    The profession's figures with counts are the protected table's (protected_diversity), as on
    the rest of the page: a return of the dashboard's own is shown only as its table publishes it.
    """
    real = protected_diversity.published_series(conn, queries.real_diversity(conn, as_at), as_at, threshold)
    rows, summary = [], []
    for (_, name), group in real.groupby(["indicator", "name"], sort=False):
        first_gap = latest_gap = None
        first_year = latest_year = None
        for period, year_rows in group.groupby("period"):
            gse = year_rows[year_rows["population"] == "GSE"]
            cs = year_rows[year_rows["population"] == "Civil Service"]
            g = gse.iloc[0] if not gse.empty else None
            c = cs.iloc[0] if not cs.empty else None
            gap = (g["value"] - c["value"]) if g is not None and c is not None else None
            shown_g = (disclosure.CONFIDENTIAL if g is not None and g["hidden"] else
                       _share(g["value"], g["numerator"], g["denominator"], threshold) if g is not None
                       else disclosure.NOT_AVAILABLE)
            gap = None if isinstance(shown_g, str) else gap
            rate = g["declaration_rate"] if g is not None else None
            hidden_rate = g is not None and bool(g["rated"]) and (rate is None or pd.isna(rate))
            rows.append({
                "Characteristic": name,
                "Year": period[:4],
                "Profession (% of declared)": shown_g,
                "Civil Service (%)": round(c["value"], 1) if c is not None else disclosure.NOT_AVAILABLE,
                "Gap (points)": round(gap, 1) if gap is not None and not isinstance(shown_g, str)
                else disclosure.NOT_AVAILABLE,
                "Profession declaration rate (%)": disclosure.CONFIDENTIAL if hidden_rate
                else disclosure.NOT_AVAILABLE if rate is None or pd.isna(rate) else round(rate, 1),
                "Notes": disclosure.REVISED if (g is not None and g["revised"]) else "",
            })
            if gap is not None and not isinstance(shown_g, str):
                if first_gap is None:
                    first_gap, first_year = gap, period[:4]
                latest_gap, latest_year = gap, period[:4]
        direction = gap_direction(first_gap, latest_gap) if latest_year != first_year else "no comparison"
        summary.append({
            "Characteristic": name,
            "From": first_year or disclosure.NOT_AVAILABLE,
            "Gap then (points)": round(first_gap, 1) if first_gap is not None else disclosure.NOT_AVAILABLE,
            "To": latest_year or disclosure.NOT_AVAILABLE,
            "Gap now (points)": round(latest_gap, 1) if latest_gap is not None else disclosure.NOT_AVAILABLE,
            "Change in the gap (points)": round(abs(latest_gap) - abs(first_gap), 1)
            if first_gap is not None and latest_gap is not None else disclosure.NOT_AVAILABLE,
            "Gap": direction,
        })
    by_year = pd.DataFrame(rows)
    years = sorted(set(by_year["Year"])) if not by_year.empty else []
    published = real[real["source"].astype(str).str.startswith(PUBLISHER)] if not real.empty else real
    released = sorted({str(p)[:4] for p in published["period"]}) if not published.empty else []
    return DiversityStory(by_year, pd.DataFrame(summary), years, sorted(set(real["source"])), released)


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


@dataclass(frozen=True)
class ProfessionComparison:
    """Every profession of post in one release: its headcount, growth, SCS share and diversity shares."""

    profession: str  # the profession highlighted (the GSE_PROFESSION setting)
    year: int | None
    previous: int | None  # the release before, for growth
    table: pd.DataFrame  # Profession, then one column per COMPARED label; the Civil Service last
    sources: list[str]

    @property
    def empty(self) -> bool:
        return self.year is None

    def column(self, measure: str) -> str:
        """The table's column for MEASURE (a COMPARED code)."""
        label = COMPARED[measure][0]
        return f"{label}, {self.year}" if measure == "headcount" else (
            f"Growth since {self.previous} (%)" if measure == "growth" else label)

    def ranked(self, measure: str) -> pd.DataFrame:
        """The professions (not the Civil Service) with a figure for MEASURE, highest first, with their rank.

        Professions with equal figures share a rank; those without one ([c], [x]) are left out, and so
        are 'Other' and 'Unknown' (NOT_RANKED), which the publisher lists but are not professions.
        """
        column = self.column(measure)
        frame = self.table[~self.table["Profession"].isin([CIVIL_SERVICE, *NOT_RANKED])][["Profession", column]]
        frame = frame[frame[column].map(lambda v: not isinstance(v, str))].copy()
        frame[column] = frame[column].astype(float)
        frame = frame.sort_values([column, "Profession"], ascending=[False, True]).reset_index(drop=True)
        frame.insert(0, "Rank", frame[column].rank(method="min", ascending=False).astype(int))
        return frame

    def rank_of(self, measure: str, profession: str | None = None) -> tuple[int, int] | None:
        """(rank, of how many) of PROFESSION (default: the one highlighted) for MEASURE; None without a figure."""
        ranked = self.ranked(measure)
        found = ranked[ranked["Profession"].str.casefold() == (profession or self.profession).casefold()]
        return (int(found["Rank"].iloc[0]), len(ranked)) if not found.empty else None

    def sources_of(self, measure: str) -> list[str]:
        """The sources of MEASURE's figures: the publisher's tables of the breakdown it is worked out from."""
        share = next((s for s in SHARES if s.indicator == measure), None)
        wanted = {share.dimension} if share else set(GRADE_DIMENSIONS) if measure == "scs" else set()
        def breakdown(source: str) -> set[str]:
            shape = next((p[len("table "):] for p in source.split("; ") if p.startswith("table ")), "")
            return set(shape.split("/")) - {"Profession_of_post", "Total", ""}
        return [s for s in self.sources if breakdown(s) == wanted]

    def civil_service(self, measure: str) -> float | None:
        value = self.table.loc[self.table["Profession"] == CIVIL_SERVICE, self.column(measure)]
        return None if value.empty or isinstance(value.iloc[0], str) else float(value.iloc[0])


def _share_of(cells: pd.DataFrame, dimension: str, numerator: frozenset, declared: frozenset | None,
              threshold: int) -> float | str:
    """A share of those declared from one profession's cells of DIMENSION, as the dashboard shows shares."""
    rows = cells[cells["dimension"] == dimension]
    if rows.empty:
        return disclosure.NOT_AVAILABLE
    names = declared or frozenset(g for g in rows["group"] if g not in NOT_DECLARED)
    needed = rows[rows["group"].isin(names)]
    if needed.empty:
        return disclosure.NOT_AVAILABLE
    if needed["suppressed"].astype(bool).any():
        return disclosure.CONFIDENTIAL
    top = int(needed.loc[needed["group"].isin(numerator), "value"].sum())
    return disclosure.suppress_share(top, int(needed["value"].sum()), threshold)


def _scs_share(cells: pd.DataFrame, threshold: int) -> float | str:
    """SCS as a % of those with a known grade, as Membership's grade mix gives it."""
    rows = cells[cells["dimension"].isin(GRADE_DIMENSIONS)].assign(grade=lambda f: f["group"].map(
        lambda g: GRADES.get(g, g)))
    known = rows[(rows["grade"] != "Unknown") & (rows["suppressed"] == 0)]
    scs = rows[rows["grade"] == "SCS"]
    if scs.empty or known.empty:
        return disclosure.NOT_AVAILABLE
    if bool(scs["suppressed"].iloc[0]) or shown_count(scs["value"].iloc[0], 0, threshold) == disclosure.CONFIDENTIAL:
        return disclosure.CONFIDENTIAL
    return round(100 * float(scs["value"].iloc[0]) / float(known["value"].sum()), 1)


def _total(cells: pd.DataFrame, year: int, threshold: int) -> int | str:
    row = cells[(cells["year"] == year) & (cells["dimension"] == "")]
    return _shown(row.iloc[0] if not row.empty else None, threshold)


def profession_comparison(conn: sqlite3.Connection, as_at: str, profession: str,
                          threshold: int) -> ProfessionComparison:
    """Every profession of post in the latest release known at AS_AT, and the Civil Service as a whole.

    Headcounts are the publisher's total rows; growth is from the release before; the SCS share
    is of those with a known grade and each diversity share of those who declared, by the
    strategy's definitions (official_statistics.SHARES), from the same published cells the
    profession's own figures come from. A count below THRESHOLD, or a share whose counts are,
    is [c], as everywhere else.
    """
    cells = queries.headcount_cells(conn, as_at)
    cells = cells[~cells["dimension"].isin(DEPARTMENT_DIMENSIONS)]  # no comparison is by department
    cells = cells[cells["population"] == "Civil Service"].assign(profession=CIVIL_SERVICE).pipe(
        lambda service: pd.concat([cells[cells["population"] != "Civil Service"], service], ignore_index=True))
    years = sorted(set(cells.loc[cells["profession"] != CIVIL_SERVICE, "year"]))
    if not years:
        return ProfessionComparison(profession, None, None, pd.DataFrame(), [])
    year = years[-1]
    previous = years[-2] if len(years) > 1 else None
    rows = []
    for name, own in cells.groupby("profession", sort=True):
        latest = own[own["year"] == year]
        if latest.empty:
            continue
        headcount_now = _total(own, year, threshold)
        before = _total(own, previous, threshold) if previous else disclosure.NOT_AVAILABLE
        growth = (round(100 * (headcount_now - before) / before, 1)
                  if not isinstance(headcount_now, str) and not isinstance(before, str) and before else
                  disclosure.CONFIDENTIAL if disclosure.CONFIDENTIAL in (headcount_now, before)
                  else disclosure.NOT_AVAILABLE)
        row = {"Profession": name, f"{COMPARED['headcount'][0]}, {year}": headcount_now,
               f"Growth since {previous} (%)": growth, COMPARED["scs"][0]: _scs_share(latest, threshold)}
        for share in SHARES:
            row[COMPARED[share.indicator][0]] = _share_of(latest, share.dimension, share.numerator, share.declared,
                                                          threshold)
        rows.append(row)
    table = pd.DataFrame(rows)
    table = pd.concat([table[table["Profession"] != CIVIL_SERVICE], table[table["Profession"] == CIVIL_SERVICE]],
                      ignore_index=True)
    sources = sorted(set(cells.loc[cells["year"].isin([y for y in (year, previous) if y]), "source"]))
    return ProfessionComparison(profession, year, previous, table, sources)
