"""The published Civil Service Statistics as the pages, the Board pack and the brief show them: three views.

`headcount` (the profession's size by year, grade and department, with entrants and leavers),
`diversity_story` (each characteristic against the Civil Service in 2015 and every published year
since, with the gap and whether it closed) and `profession_comparison` (every profession of post in
one release). Each reads through queries and people/official_figures (the cells as shown, the
publisher's `[c]` kept and the dashboard's own disclosure rule on top) and returns a frozen dataclass.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import pandas as pd

from ..people import disclosure, protected_diversity
from ..people.official_figures import (
    CIVIL_SERVICE,
    COMPARED,
    GRADE_GROUP_ORDER,
    NOT_RANKED,
    STATUS_LABELS,
    find_cell,
    gap_direction,
    grade_cells,
    shown_cell,
    shown_count,
)
from ..people.official_statistics import (
    DEPARTMENT_DIMENSIONS,
    GRADE_DIMENSIONS,
    GRADES,
    NOT_DECLARED,
    PUBLISHER,
    SHARES,
    STATUSES,
)
from ..storage import queries


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
            "In post at 31 March": shown_cell(find_cell(totals, "In post", year), threshold),
            "Of whom SCS": shown_cell(find_cell(grades, "In post", year, "SCS"), threshold),
            "New entrants to the Civil Service": shown_cell(find_cell(totals, "New entrant CS", year), threshold),
            "Left the Civil Service": shown_cell(find_cell(totals, "Leaver CS", year), threshold),
            "Moved to another department": shown_cell(find_cell(totals, "Leaver Dept.", year), threshold),
            "Civil Service in post": shown_cell(find_cell(civil_service, "In post", year), threshold),
        })
    by_year = pd.DataFrame(rows)
    in_post = grades[grades["status"] == "In post"]
    grade_table = pd.DataFrame({"Grade": [g for g in GRADE_GROUP_ORDER if g in set(in_post["group"])]})
    for year in years:
        cells = in_post[in_post["year"] == year].set_index("group")
        known = cells[(cells.index != "Unknown") & (cells["suppressed"] == 0)]["value"].sum()
        grade_table[str(year)] = [shown_cell(cells.loc[g] if g in cells.index else None, threshold)
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
        department_table[str(year)] = [shown_cell(cells.loc[d] if d in cells.index else None, threshold)
                                       for d in department_table["Department"]]
    if years:
        latest_year = str(years[-1])
        order = department_table[latest_year].map(lambda v: v if isinstance(v, int) else -1)
        department_table = department_table.assign(_order=order).sort_values(
            ["_order", "Department"], ascending=[False, True]).drop(columns="_order").reset_index(drop=True)
        department_table = pd.concat([department_table, pd.DataFrame([_total_row("Department", by_year, years)])],
                                     ignore_index=True)
    flows = pd.DataFrame([
        {"Year": str(year), "Status": STATUS_LABELS[status],
         "Count": shown_cell(find_cell(totals, status, year), threshold)}
        for year in years for status in STATUSES if status != "In post"])
    latest = by_year.iloc[-1].to_dict() if rows else None
    sources = sorted(set(totals["source"]) | set(grades["source"]) | set(departments["source"]))
    return Headcount(years, latest, by_year, grade_table, department_table, flows, sources)


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
    return shown_cell(row.iloc[0] if not row.empty else None, threshold)


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
