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
from dataclasses import dataclass

import pandas as pd

from ..storage import queries
from ..storage.store import end_of_day
from ..strategy.reading import STRATEGY_SOURCE
from . import disclosure, protected_diversity
from .official_statistics import GRADES, KIND, PUBLISHER, STATUSES

# What each published status is called on the pages.
STATUS_LABELS = {"In post": "In post at 31 March", "New entrant CS": "New entrants to the Civil Service",
                 "Leaver CS": "Left the Civil Service", "Leaver Dept.": "Moved to another department"}
GRADE_ORDER = ("AA/AO", "EO", "SEO/HEO", "G6/G7", "SCS", "Unknown")
# The two measures of the profession's size, defined once for every page and document.
MEASURE_DEFINITIONS = {
    "members": "Registered GSE members: civil servants registered as members of the profession (Civil Service "
               "Learning). The strategy's 'over 10,000 members' and '235 in the SCS' (September 2016) count these.",
    "acses_in_post": "Civil servants in the profession's posts: everyone whose post is in the profession of post, "
                     "from the Annual Civil Service Employment Survey (Civil Service Statistics, as at 31 March). "
                     "A different measure from registered members: the two are never added or drawn as one line.",
}

# What is real and what is made up in a database built with the illustrative history.
ILLUSTRATIVE_TEXT = (
    "Real: the strategy's own baseline (registered members and SCS in September 2016, diversity in 2015) and the "
    "published Civil Service Statistics (civil servants in the profession's posts, their grades, departments, "
    "entrants and leavers, and diversity against the Civil Service, 2021 and 2022). Illustrative (made up to show "
    "how the dashboard works, not real): progress on the commitments, registered members after September 2016 with "
    "their joiners and leavers, and the workstream indicators."
)


def _known(as_at: str) -> dict:
    return {"as_at": as_at, "cutoff": end_of_day(as_at), "year": int(as_at[:4])}


def official_cells(conn: sqlite3.Connection, as_at: str, dimension: str | None, *, population: str,
                   profession: str, measure: str = "Headcount") -> pd.DataFrame:
    """The published cells of one breakdown (None: the totals) as known at AS_AT: one row per status, year, group.

    `value` is None where the publisher suppressed the cell (`suppressed` = 1).
    """
    params = {**_known(as_at), "population": population, "profession": profession if population == "GSE" else "",
              "measure": measure, "dimension": dimension or ""}
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
          AND recorded_at <= :cutoff AND (superseded_at IS NULL OR superseded_at > :cutoff)
        ORDER BY year, status, "group"
        """, conn, params=params)


def grade_cells(conn: sqlite3.Connection, as_at: str, *, population: str, profession: str) -> pd.DataFrame:
    """Headcount by grade (the responsibility level, grouped as the browser groups it), in the dashboard's words."""
    frame = official_cells(conn, as_at, "Responsibility_level_grouped", population=population, profession=profession)
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
    ids = pd.read_sql_query(
        "SELECT o.indicator, o.population, o.period, o.department, o.grade, o.role_type FROM observations o "
        "WHERE o.superseded_at IS NULL AND o.illustrative = 0 AND (o.recorded_by = :strategy OR o.batch_id IN "
        "(SELECT id FROM import_batches WHERE kind = :kind))",
        conn, params={"strategy": STRATEGY_SOURCE, "kind": KIND})
    keys = ["indicator", "population", "period", "department", "grade", "role_type"]
    return frame.merge(ids.drop_duplicates(), on=keys, how="inner")[frame.columns].reset_index(drop=True)


def real_diversity(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Every real (not illustrative) diversity figure for the profession and the Civil Service, known at AS_AT."""
    return pd.read_sql_query(
        """
        SELECT o.indicator, i.name, o.population, o.period, o.value, o.numerator, o.denominator,
               o.declaration_rate, o.source, o.note, o.revision_of IS NOT NULL AS revised
        FROM observations o JOIN indicators i ON i.code = o.indicator
        WHERE i.category = 'diversity' AND o.illustrative = 0 AND o.department = 'All' AND o.grade = 'All'
          AND o.role_type = 'All' AND o.period <= :as_at
          AND o.recorded_at <= :cutoff AND (o.superseded_at IS NULL OR o.superseded_at > :cutoff)
        ORDER BY i.rowid, o.period, o.population
        """, conn, params=_known(as_at))


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


def headcount(conn: sqlite3.Connection, as_at: str, profession: str, threshold: int) -> Headcount:
    """Civil servants in the profession's posts by year, grade and department, with entrants and leavers."""
    totals = official_cells(conn, as_at, None, population="GSE", profession=profession)
    civil_service = official_cells(conn, as_at, None, population="Civil Service", profession=profession)
    grades = grade_cells(conn, as_at, population="GSE", profession=profession)
    departments = official_cells(conn, as_at, "Parent_department", population="GSE", profession=profession)
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
    grade_table = pd.DataFrame({"Grade": [g for g in GRADE_ORDER if g in set(in_post["group"])]})
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
    real = protected_diversity.published_series(conn, real_diversity(conn, as_at), as_at, threshold)
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
    return DiversityStory(by_year, pd.DataFrame(summary), years, sorted(set(real["source"])))


def source_note(sources: list[str]) -> str:
    """One line naming the sources, with the Open Government Licence attribution for the published figures."""
    published = [s for s in sources if s.startswith(PUBLISHER)]
    others = [s for s in sources if not s.startswith(PUBLISHER)]
    parts = list(others)
    if published:
        years = sorted({s.split("as at 31 March ")[1][:4] for s in published if "as at 31 March " in s})
        parts.append(f"{PUBLISHER}, as at 31 March {', '.join(years)}. Contains public sector information licensed "
                     "under the Open Government Licence v3.0")
    return "Source: " + "; ".join(parts) + "." if parts else ""

