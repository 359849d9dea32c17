"""What the tables mean: every published cell to keep, and the dashboard's indicators worked out from them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ...importers.formats import Problem
from ...storage import store
from .formats import MEASURES, SUPPRESSED
from .reading import Table, Value

# The dashboard's indicators for civil servants in the profession's posts: a different measure
# from registered members of the profession (the `members` indicator), so separate indicators.
OFFICIAL_INDICATORS = {
    "acses_in_post": ("Civil servants in the profession's posts (ACSES)", "membership", "count", "annual",
                      "Civil servants in post at 31 March whose post belongs to the profession (profession of "
                      "post), from the Annual Civil Service Employment Survey as published in Civil Service "
                      "Statistics; headcount rounded by the publisher. Not the same measure as registered "
                      "GSE members (Civil Service Learning)."),
    "acses_entrants": ("New entrants to the Civil Service in the profession's posts (ACSES)", "membership",
                       "count", "annual",
                       "People who entered the Civil Service into a post of the profession in the year to 31 March "
                       "(status 'New entrant CS' in Civil Service Statistics)."),
    "acses_leavers": ("Leavers from the Civil Service from the profession's posts (ACSES)", "membership",
                      "count", "annual",
                      "People in posts of the profession who left the Civil Service in the year to 31 March "
                      "(status 'Leaver CS' in Civil Service Statistics)."),
    "acses_department_leavers": ("Moved to another department from the profession's posts (ACSES)",
                                 "membership", "count", "annual",
                                 "People in posts of the profession who left their department for another "
                                 "department in the year to 31 March, without leaving the Civil Service "
                                 "(status 'Leaver Dept.' in Civil Service Statistics)."),
}
STATUS_INDICATORS = {"In post": "acses_in_post", "New entrant CS": "acses_entrants", "Leaver CS": "acses_leavers",
                     "Leaver Dept.": "acses_department_leavers"}


@dataclass(frozen=True)
class Share:
    """How the strategy measures one characteristic: NUMERATOR categories of the DECLARED ones."""

    indicator: str
    dimension: str
    numerator: frozenset[str]
    declared: frozenset[str]
    definition: str


# The strategy's definitions (its 2015 baseline): each share is of those with a declared or known value.
SHARES = (
    Share("women", "Sex", frozenset({"Female"}), frozenset({"Female", "Male"}),
          "women of those with a known sex"),
    Share("bame", "Ethnicity", frozenset({"Asian", "Black", "Chinese", "Mixed", "Other ethnicity"}),
          frozenset({"Asian", "Black", "Chinese", "Mixed", "Other ethnicity", "White"}),
          "Asian, Black, Chinese, Mixed and Other ethnicity of those who declared their ethnicity"),
    Share("disabled", "Disability", frozenset({"Declared disabled"}),
          frozenset({"Declared disabled", "Declared non-disabled"}),
          "declared disabled of declared disabled plus declared non-disabled"),
    Share("lgbo", "Sexual_orientation", frozenset({"LGBO"}), frozenset({"LGBO", "Heterosexual / straight"}),
          "LGBO of LGBO plus heterosexual"),
    Share("age_50_plus", "Age", frozenset({"50-59", "60-64", "65+"}), None,
          "aged 50-59, 60-64 or 65+ of those with a known age"),
)
SHARE_BY_DIMENSION = {share.dimension: share for share in SHARES}
# Categories that mean "not declared or not known" in every characteristic's table.
NOT_DECLARED = frozenset({"Unknown", "Undeclared", "Prefer not to say", "Not declared"})
# Grade from the responsibility level, in the dashboard's words.
GRADES = {"AA/AO": "AA/AO", "EO": "EO", "SEO/HEO": "SEO/HEO", "G6/G7": "G6/G7", "SCS level": "SCS", "SCS": "SCS",
          "Unknown": "Unknown"}
GRADE_DIMENSIONS = ("Responsibility_level_grouped", "Responsibility_level")
# The one measure kept for the other professions: enough for their headcount, SCS and diversity shares.
COMPARED_MEASURE = "Headcount"
DEPARTMENT_DIMENSIONS = ("Parent_department",)


@dataclass(frozen=True)
class CellRecord:
    """One published cell to store: its key, its value (None when suppressed) and where it came from."""

    profession: str
    shape: str
    status: str
    year: int
    dimensions: str  # JSON object of the dimensions other than the profession
    measure: str
    value: float | None
    suppressed: int
    population: str
    source: str
    filename: str
    row: int

    @property
    def key(self) -> tuple:
        return (self.profession, self.shape, self.status, self.year, self.dimensions, self.measure)


@dataclass(frozen=True)
class ObservationRecord:
    """One derived figure of a dashboard indicator, with its counts and source."""

    indicator: str
    period: str
    population: str
    department: str
    grade: str
    value: float
    numerator: int | None
    denominator: int | None
    declaration_rate: float | None
    source: str
    note: str
    filename: str
    row: int

    @property
    def key(self) -> tuple:
        return (self.indicator, self.period, self.population, self.department, self.grade, store.ALL)


def period_of(year: int) -> str:
    """Civil Service Statistics are as at 31 March of the year (flows: the year to 31 March)."""
    return f"{year}-03-31"


def compared(table: Table) -> bool:
    """Whether TABLE's other professions are kept for comparing professions: headcounts by profession alone,
    by grade or by a diversity characteristic (not by department, which no comparison needs)."""
    return table.has_profession and all(d in SHARE_BY_DIMENSION or d in GRADE_DIMENSIONS for d in table.dimensions)


def cell_records(tables: list[Table], profession: str) -> list[CellRecord]:
    """Every published cell of the tables, one per measure, `[c]` kept as suppressed.

    Every other profession's headcount in post is kept too (COMPARED_MEASURE, from the tables
    `compared` accepts), under its own name as published: the comparison of professions.
    """
    records = []
    for table in tables:
        owner = profession if table.has_profession else ""
        rows = [(owner, row, MEASURES) for row in table.rows]
        if compared(table):
            rows += [(name, row, (COMPARED_MEASURE,)) for name, row in table.other_rows if row.status == "In post"]
        for name, row, measures in rows:
            dimensions = json.dumps(dict(row.dimensions), sort_keys=True, ensure_ascii=False)
            for measure in measures:
                value = row.values[measure]
                records.append(CellRecord(name, table.shape, row.status, row.year, dimensions, measure,
                                          value.value, int(value.suppressed), table.population,
                                          table.source(row.year), table.filename, row.row))
    return records


def _headcounts(table: Table, status: str, year: int) -> dict[str, tuple[Value, int]]:
    """Category → (headcount, row) for a one-dimension table, one status and year."""
    return {row.dimensions[0][1]: (row.values["Headcount"], row.row)
            for row in table.rows if row.status == status and row.year == year}


def _share_record(table: Table, share: Share, year: int, warnings: list[Problem]) -> ObservationRecord | None:
    counts = _headcounts(table, "In post", year)
    if not counts:
        return None
    declared_names = share.declared or frozenset(name for name in counts if name not in NOT_DECLARED)
    needed = [name for name in counts if name in declared_names]
    hidden = [name for name in needed if counts[name][0].suppressed]
    first_row = min(row for _, row in counts.values())
    if hidden:
        warnings.append(Problem(table.filename, counts[hidden[0]][1], "Headcount",
                                f"{share.indicator} for {year} is not worked out: the publisher suppressed "
                                f"({SUPPRESSED}) {', '.join(hidden)}; the published cells are kept"))
        return None
    numerator = sum(int(counts[name][0].value) for name in needed if name in share.numerator)
    denominator = sum(int(counts[name][0].value) for name in needed)
    if denominator == 0:
        return None
    total = sum(int(value.value) for value, _ in counts.values() if not value.suppressed)
    note = f"Share of {share.definition}; declaration rate: declared of all in post in the table."
    hidden_other = [name for name, (value, _) in counts.items() if value.suppressed]
    if hidden_other:
        note += f" Suppressed by the publisher ({SUPPRESSED}) and left out of the rate: {', '.join(hidden_other)}."
    return ObservationRecord(
        share.indicator, period_of(year), table.population, store.ALL, store.ALL,
        round(100 * numerator / denominator, 2), numerator, denominator,
        round(100 * denominator / total, 1) if total else None, table.source(year), note, table.filename, first_row)


def observation_records(tables: list[Table], warnings: list[Problem]) -> list[ObservationRecord]:
    """The dashboard's indicators worked out from the tables whose shape they need; others keep only cells."""
    records = []
    for table in tables:
        years = sorted({row.year for row in table.rows})
        if len(table.dimensions) == 1 and table.dimensions[0] in SHARE_BY_DIMENSION:
            share = SHARE_BY_DIMENSION[table.dimensions[0]]
            for year in years:
                record = _share_record(table, share, year, warnings)
                if record is not None:
                    records.append(record)
            continue
        if len(table.dimensions) > 1:
            continue
        by = table.dimensions[0] if table.dimensions else None
        if by is not None and by not in GRADE_DIMENSIONS + DEPARTMENT_DIMENSIONS:
            continue
        for row in table.rows:
            headcount = row.values["Headcount"]
            if headcount.suppressed:
                continue
            department = grade = store.ALL
            if by in GRADE_DIMENSIONS:
                grade = GRADES.get(row.dimensions[0][1], row.dimensions[0][1])
            elif by in DEPARTMENT_DIMENSIONS:
                department = row.dimensions[0][1]
            records.append(ObservationRecord(
                STATUS_INDICATORS[row.status], period_of(row.year), table.population, department, grade,
                headcount.value, None, None, None, table.source(row.year),
                "Headcount as published (rounded by the publisher).", table.filename, row.row))
    return records
