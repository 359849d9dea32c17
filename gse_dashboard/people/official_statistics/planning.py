"""Planning an import against the database: every cell and figure to add, revise or leave, and conflicts refused."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from ...config import DEFAULT_PROFESSION
from ...importers.formats import Problem
from ...storage.store import ALL
from .formats import POPULATION_PROFESSION, SUPPRESSED, OfficialImportError
from .reading import Table
from .records import OFFICIAL_INDICATORS, CellRecord, ObservationRecord, cell_records, observation_records

ADD, CHANGE, UNCHANGED = "add", "change", "unchanged"


@dataclass
class Plan:
    """What an import would do: every cell and figure with add, change or unchanged."""

    profession: str
    tables: list[Table]
    cells: list[tuple[str, CellRecord, int | None]]
    observations: list[tuple[str, ObservationRecord, int | None]]
    warnings: list[Problem]
    # The release's publication date (YYYY-MM-DD), or None: then the import date stands in, and says so.
    published_on: str | None = None

    @property
    def known_from(self) -> str | None:
        """When the figures are recorded as known: the start of the publication day (None: the import's time)."""
        return f"{self.published_on}T00:00:00" if self.published_on else None

    def counts(self) -> dict[str, dict[str, int]]:
        result = {}
        for name, items in (("cells", self.cells), ("figures", self.observations)):
            counted = {ADD: 0, CHANGE: 0, UNCHANGED: 0}
            for action, _, _ in items:
                counted[action] += 1
            result[name] = counted
        return result

    @property
    def nothing_to_do(self) -> bool:
        return all(action == UNCHANGED for action, _, _ in self.cells + self.observations)

    def summary(self) -> str:
        counts = self.counts()
        parts = []
        for name in ("cells", "figures"):
            c = counts[name]
            parts.append(f"{c[ADD]} {name} to add, {c[CHANGE]} to revise, {c[UNCHANGED]} unchanged")
        return "; ".join(parts)

    def changes(self) -> list[dict]:
        """One line per cell or figure the import would add or revise, for a preview."""
        out = []
        for action, record, _ in self.observations:
            if action != UNCHANGED:
                out.append({"action": action, "what": "figure", "file": record.filename, "row": record.row,
                            "key": f"{record.indicator} {record.population} {record.period} "
                                   f"{record.department}/{record.grade}",
                            "value": f"{record.value:g}"})
        for action, record, _ in self.cells:
            if action != UNCHANGED:
                out.append({"action": action, "what": "published cell", "file": record.filename, "row": record.row,
                            "key": f"{record.shape} {record.status} {record.year} {record.dimensions} "
                                   f"{record.measure}",
                            "value": SUPPRESSED if record.suppressed else f"{record.value:g}"})
        return out

    def years(self) -> list[int]:
        return sorted({row.year for table in self.tables for row in table.rows})


def _conflicts(records: list, what: str, compare) -> tuple[list, list[Problem]]:
    """The records with duplicate keys removed; two files disagreeing on a key is a problem."""
    kept: dict[tuple, object] = {}
    problems = []
    for record in records:
        earlier = kept.get(record.key)
        if earlier is None:
            kept[record.key] = record
        elif compare(earlier) != compare(record):
            problems.append(Problem(record.filename, record.row, None,
                                    f"gives a different {what} from {earlier.filename} row {earlier.row} for the "
                                    "same figure: import one of the two files"))
    return list(kept.values()), problems


def _cell_compare(record: CellRecord) -> tuple:
    return (record.value, record.suppressed)


def _observation_compare(record) -> tuple:
    return (round(record.value, 2), record.numerator, record.denominator,
            None if record.declaration_rate is None else round(record.declaration_rate, 1))


def publication_problems(published_on: str | None, tables: list[Table], today: str) -> list[Problem]:
    """What is wrong with PUBLISHED_ON for these tables: not a date, after TODAY, or not after the figures' date."""
    if published_on is None:
        return []
    where = "publication date"
    try:
        date = dt.date.fromisoformat(published_on)
    except (TypeError, ValueError):
        return [Problem(where, None, None, f"{published_on!r} is not a date written YYYY-MM-DD")]
    if len(published_on) != 10:
        return [Problem(where, None, None, f"{published_on!r} is not a date written YYYY-MM-DD")]
    if published_on > today:
        return [Problem(where, None, None, f"{published_on} is after today ({today}): a release is imported "
                                           "once it has been published")]
    years = sorted({row.year for table in tables for row in table.rows})
    if years and date <= dt.date(years[-1], 3, 31):
        return [Problem(where, None, None, f"{published_on} is not after 31 March {years[-1]}, the date the "
                                           f"{years[-1]} figures describe: give the day the release was published")]
    return []


def plan_import(conn: sqlite3.Connection, tables: list[Table], problems: list[Problem], *,
                profession: str = DEFAULT_PROFESSION, published_on: str | None = None,
                today: str | None = None) -> Plan:
    """Check the tables against each other and the database; raise OfficialImportError listing every problem.

    PUBLISHED_ON (YYYY-MM-DD) is the release's publication date: its figures are known from that day
    in every as-at view, and their source says so. Without it the import date (TODAY) stands in,
    and the source says that instead.
    """
    problems = list(problems)
    today = today or dt.date.today().isoformat()
    if not tables and not problems:
        problems.append(Problem("(no files)", None, None, "no files to import"))
    problems += publication_problems(published_on, tables, today)
    for table in tables:
        table.published, table.imported_on = published_on, None if published_on else today
    if problems:
        # Figures worked out from a table with a bad row would be wrong: list the rows' problems only.
        raise OfficialImportError(problems)
    warnings: list[Problem] = []
    cells, found = _conflicts(cell_records(tables, profession), "published value", _cell_compare)
    problems += found
    observations, found = _conflicts(observation_records(tables, warnings), "figure", _observation_compare)
    problems += found
    needed = sorted({o.indicator for o in observations} - set(OFFICIAL_INDICATORS))
    known = {code for (code,) in conn.execute("SELECT code FROM indicators WHERE code IN "
                                              "(SELECT value FROM json_each(?))", [json.dumps(needed)])}
    for code in needed:
        if code not in known:
            first = next(o for o in observations if o.indicator == code)
            problems.append(Problem(first.filename, None, None, f"the dashboard has no indicator {code!r} for this "
                                                                "table's figures: build the database with `init`"))
    if problems:
        raise OfficialImportError(problems)
    return Plan(profession, tables, plan_cells(conn, cells), plan_observations(conn, observations), warnings,
                published_on)


def plan_cells(conn: sqlite3.Connection, cells: list[CellRecord]) -> list[tuple[str, CellRecord, int | None]]:
    current = {}
    for row in conn.execute("SELECT id, profession, shape, status, year, dimensions, measure, value, suppressed "
                            "FROM official_cells WHERE superseded_at IS NULL"):
        current[tuple(row[1:7])] = (row[0], (row[7], row[8]))
    planned = []
    for record in cells:
        found = current.get(record.key)
        if found is None:
            planned.append((ADD, record, None))
        elif found[1] == _cell_compare(record):
            planned.append((UNCHANGED, record, found[0]))
        else:
            planned.append((CHANGE, record, found[0]))
    return planned


def plan_observations(conn: sqlite3.Connection, records: list[ObservationRecord]
                       ) -> list[tuple[str, ObservationRecord, int | None]]:
    indicators = sorted({r.indicator for r in records})
    current = {}
    for row in conn.execute(
            "SELECT id, indicator, period, population, department, grade, role_type, value, numerator, "
            "denominator, declaration_rate FROM observations WHERE superseded_at IS NULL "
            "AND indicator IN (SELECT value FROM json_each(?))", [json.dumps(indicators)]):
        current[tuple(row[1:7])] = (row[0], _observation_compare(_Stored(*row[7:11])))
    planned = []
    for record in records:
        found = current.get(record.key)
        if found is None:
            planned.append((ADD, record, None))
        elif found[1] == _observation_compare(record):
            planned.append((UNCHANGED, record, found[0]))
        else:
            planned.append((CHANGE, record, found[0]))
    return planned


@dataclass(frozen=True)
class _Stored:
    value: float
    numerator: int | None
    denominator: int | None
    declaration_rate: float | None


# The release's headline figures for the profession, as the preview compares them with the previous release:
# (indicator, grade, what it is).
HEADLINES = (
    ("acses_in_post", "All", "Civil servants in the profession's posts (headcount)"),
    ("acses_in_post", "SCS", "of whom in the Senior Civil Service"),
    ("women", "All", "Women (% of those with a known sex)"),
    ("bame", "All", "Ethnic minority (% of those declared)"),
    ("disabled", "All", "Declared disabled (% of those declared)"),
    ("lgbo", "All", "LGBO (% of those declared)"),
    ("age_50_plus", "All", "Aged 50 or over (% of those with a known age)"),
)


def headlines(conn: sqlite3.Connection, plan: Plan) -> list[dict]:
    """The newest year's headline figures in PLAN beside the previous release's as stored: one dict per figure."""
    new = {(r.indicator, r.grade, r.period): r.value for _, r, _ in plan.observations
           if r.population == POPULATION_PROFESSION and r.department == ALL}
    periods = sorted({period for _, _, period in new})
    if not periods:
        return []
    latest = periods[-1]
    out = []
    for indicator, grade, label in HEADLINES:
        value = new.get((indicator, grade, latest))
        previous = conn.execute(
            "SELECT period, value FROM observations WHERE indicator = ? AND population = ? AND department = ? "
            "AND grade = ? AND role_type = ? AND superseded_at IS NULL AND period < ? ORDER BY period DESC LIMIT 1",
            [indicator, POPULATION_PROFESSION, ALL, grade, ALL, latest]).fetchone()
        out.append({"figure": label, "indicator": indicator, "release": int(latest[:4]), "value": value,
                    "previous_release": int(previous[0][:4]) if previous else None,
                    "previous": previous[1] if previous else None,
                    "change": value - previous[1] if previous and value is not None else None})
    return out
