"""Civil Service Statistics: read the Cabinet Office's data-browser CSVs, check them, and import them.

Every year the Cabinet Office publishes Civil Service Statistics from the Annual Civil Service
Employment Survey (ACSES, as at 31 March), and its data browser offers each table as a CSV:
a header naming the table's dimensions (`Status, Year, <dimensions>, Headcount, FTE,
Mean_salary, Median_salary`), the data rows, then rows of notes and metadata. This module
reads those files exactly as published and turns them into two things, written in one
import batch:

- published cells (`official_cells`): every published figure for the profession and for the
  whole Civil Service, `[c]` kept as suppressed (never 0, never dropped), with the file's
  `Version` and data source as its source;
- observations of the dashboard's indicators, derived from the cells as the strategy
  measures them: diversity shares of those declared (numerator, denominator, declaration
  rate), and civil servants in the profession's posts, by grade and department, with
  entrants and leavers.

The table's shape comes from its header only, never from the file's name or folder, and no
release year is special: next year's files import with no code change. Flow: read_tables →
plan_import (preview, every problem listed with file, row and column) → apply_import (backup,
one transaction, audit log) and undo_rows for `undo-import`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from . import auth, build, store
from .config import DEFAULT_PROFESSION
from .importers.formats import Problem

KIND = "civil-service-statistics"
SUPPRESSED = "[c]"
PROFESSION_COLUMN = "Profession_of_post"
STATUS_COLUMN, YEAR_COLUMN = "Status", "Year"
MEASURES = ("Headcount", "FTE", "Mean_salary", "Median_salary")
# Status as published: a stock at 31 March of Year, or a flow over the year to 31 March.
STATUSES = ("In post", "New entrant CS", "Leaver CS", "Leaver Dept.")
# First cells that start the notes and metadata after the data rows.
METADATA_STARTS = ("Notes", "Data source", "Version", "Data column")
# Far beyond any published table (the largest is about 2,000 rows), small enough to hold in memory.
MAX_FILE_BYTES = 25 * 1024 * 1024
# Enough to show every mistake in a badly wrong file without holding millions.
MAX_PROBLEMS = 2_000
# A dimension name as the browser writes one: a word with underscores.
_DIMENSION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_YEAR = re.compile(r"(19|20)\d\d")
# Numbers as the browser writes them; R's printing gives 1e+05 for 100000 now and then.
_AMOUNT = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_GENERATED = re.compile(r"Generated on (\d{4}-\d{2}-\d{2})")
_URL = re.compile(r"https?://\S+")

POPULATION_PROFESSION, POPULATION_CIVIL_SERVICE = "GSE", "Civil Service"
PUBLISHER = "Cabinet Office, Civil Service Statistics (Annual Civil Service Employment Survey)"
LICENCE = ("Contains public sector information licensed under the Open Government Licence v3.0. "
           "Source: Cabinet Office, Civil Service Statistics.")
RECORDER = "Civil Service Statistics import"

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
DEPARTMENT_DIMENSIONS = ("Parent_department",)


# -- what a user can be told ------------------------------------------------------------------


# Problems are reported in the same form as every other import's.


class OfficialImportError(ValueError):
    """An import refused; `problems` lists every problem found, with file, row and column."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}" if problems else "the import was refused")


# -- reading one published table ----------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One published number, or a suppressed one (`[c]`): value is None exactly when suppressed."""

    value: float | None
    suppressed: bool

    @property
    def shown(self) -> str:
        if self.suppressed:
            return SUPPRESSED
        return f"{self.value:g}"


@dataclass(frozen=True)
class DataRow:
    """One data row of a table, for the profession or the whole Civil Service."""

    row: int
    status: str
    year: int
    dimensions: tuple[tuple[str, str], ...]  # (name, value) of every dimension but the profession
    values: dict[str, Value]


@dataclass
class Table:
    """One data-browser table as published: its shape, its rows for our population, its source."""

    filename: str
    encoding: str
    dimensions: tuple[str, ...]  # every dimension but the profession, in header order
    has_profession: bool
    version: str
    data_source: str
    sha256: str
    header_dimensions: tuple[str, ...] = ()  # every dimension, the profession too, in header order
    rows: list[DataRow] = field(default_factory=list)
    professions: list[str] = field(default_factory=list)

    @property
    def shape(self) -> str:
        """The table's breakdown as the browser names it, e.g. `Profession_of_post/Sex`."""
        return "/".join(self.header_dimensions) if self.header_dimensions else "Total"

    @property
    def population(self) -> str:
        return POPULATION_PROFESSION if self.has_profession else POPULATION_CIVIL_SERVICE

    @property
    def published_on(self) -> str | None:
        match = _GENERATED.search(self.version)
        return match.group(1) if match else None

    def source(self, year: int) -> str:
        """The source every figure of YEAR from this table carries."""
        parts = [f"{PUBLISHER}, as at 31 March {year}", f"table {self.shape}"]
        if self.version:
            parts.append(f"Version: {self.version}")
        if self.data_source:
            # The publisher's data source line: its address where it gives one, else the line itself.
            address = _URL.search(self.data_source)
            parts.append(f"data source: {address.group(0) if address else self.data_source}")
        return "; ".join(parts)


def decode(data: bytes) -> tuple[str, str] | None:
    """The text of DATA and its encoding: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return None


def _number(text: str, whole: bool) -> Value | None:
    text = text.strip()
    if text == SUPPRESSED:
        return Value(None, True)
    if _AMOUNT.fullmatch(text):
        number = float(text)
        if not whole or number.is_integer():
            return Value(number, False)
    return None


def read_table(data: bytes, filename: str, profession: str = DEFAULT_PROFESSION) -> tuple[Table | None, list[Problem]]:
    """Read one published CSV; return the table (rows for PROFESSION or the whole Civil Service) and problems.

    The table is None when the file cannot be read as a data-browser table at all.
    """
    def problem(row: int | None, column: str | None, message: str) -> Problem:
        return Problem(filename, row, column, message)

    if len(data) > MAX_FILE_BYTES:
        return None, [problem(None, None, f"is {len(data) / 1e6:.0f} MB: a data-browser table is far smaller "
                                          f"(at most {MAX_FILE_BYTES // (1024 * 1024)} MB)")]
    if not data.strip():
        return None, [problem(None, None, "is empty")]
    decoded = decode(data)
    if decoded is None or "\x00" in decoded[0]:
        return None, [problem(None, None, "is not a CSV file in UTF-8 or Windows-1252 (is it a spreadsheet? "
                                          "download the table as CSV from the data browser)")]
    text, encoding = decoded
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        return None, [problem(reader.line_num, None, f"cannot be read as CSV ({error}): the file looks truncated "
                                                     "or damaged; download it again")]
    header = [cell.strip() for cell in records[0]] if records else []
    while header and header[-1] == "":
        header.pop()
    if (len(header) < 2 + len(MEASURES) or header[:2] != [STATUS_COLUMN, YEAR_COLUMN]
            or tuple(header[-len(MEASURES):]) != MEASURES):
        shown = ", ".join(header[:10]) or "nothing"
        return None, [problem(1, None, "is not a Civil Service Statistics data-browser table: its header must be "
                                       "Status, Year, the table's dimensions, then Headcount, FTE, Mean_salary, "
                                       f"Median_salary (it has {shown})")]
    dimension_names = header[2:-len(MEASURES)]
    problems = []
    for name in dimension_names:
        if not _DIMENSION_NAME.fullmatch(name):
            problems.append(problem(1, name, "is not a dimension name the data browser uses"))
    if len(set(dimension_names)) != len(dimension_names):
        problems.append(problem(1, None, "names a dimension twice"))
    if problems:
        return None, problems
    has_profession = PROFESSION_COLUMN in dimension_names
    others = tuple(name for name in dimension_names if name != PROFESSION_COLUMN)
    table = Table(filename, encoding, others, has_profession, "", "", hashlib.sha256(data).hexdigest(),
                  tuple(dimension_names))
    width = len(header)
    measure_at = {measure: width - len(MEASURES) + i for i, measure in enumerate(MEASURES)}
    professions: dict[str, None] = {}
    seen: dict[tuple, int] = {}
    metadata_at = None
    data_rows = 0
    for index, record in enumerate(records[1:], start=2):
        first = record[0].strip() if record else ""
        if metadata_at is None and (first in METADATA_STARTS or first == ""):
            metadata_at = index
        if metadata_at is not None:
            if first == "Version" and len(record) > 1 and not table.version:
                table.version = record[1].strip()
            elif first == "Data source" and len(record) > 1 and not table.data_source:
                table.data_source = record[1].strip()
            continue
        data_rows += 1
        cells = [cell.strip() for cell in record]
        if len(cells) != width:
            problems.append(problem(index, None, f"has {len(cells)} cells where the header has {width}: the file "
                                                 "looks truncated or damaged; download it again"))
            continue
        status, year_text = cells[0], cells[1]
        row_problems = []
        if status not in STATUSES:
            row_problems.append(problem(index, STATUS_COLUMN, f"{status!r} is not a status of the data browser "
                                                              f"({', '.join(STATUSES)})"))
        if not _YEAR.fullmatch(year_text):
            row_problems.append(problem(index, YEAR_COLUMN, f"{year_text!r} is not a year"))
        dimensions = dict(zip(dimension_names, cells[2:2 + len(dimension_names)], strict=True))
        for name, value in dimensions.items():
            if not value:
                row_problems.append(problem(index, name, "is empty"))
        values = {}
        for measure, position in measure_at.items():
            parsed = _number(cells[position], whole=measure == "Headcount")
            if parsed is None:
                what = "a whole number" if measure == "Headcount" else "a number"
                row_problems.append(problem(index, measure, f"{cells[position]!r} is neither {what} nor "
                                                            f"{SUPPRESSED} (suppressed)"))
            values[measure] = parsed
        if has_profession and dimensions.get(PROFESSION_COLUMN):
            professions.setdefault(dimensions[PROFESSION_COLUMN])
        problems.extend(row_problems)
        if row_problems or len(problems) > MAX_PROBLEMS:
            continue
        if has_profession and dimensions[PROFESSION_COLUMN].casefold() != profession.casefold():
            continue
        kept = tuple((name, dimensions[name]) for name in others)
        key = (status, int(year_text), kept)
        if key in seen:
            problems.append(problem(index, None, f"repeats row {seen[key]} ({status}, {year_text}, "
                                                 f"{', '.join(v for _, v in kept) or 'total'})"))
            continue
        seen[key] = index
        table.rows.append(DataRow(index, status, int(year_text), kept, values))
    table.professions = list(professions)
    if data_rows == 0:
        problems.append(problem(2, None, "has no data rows under its header"))
    elif metadata_at is None:
        problems.append(problem(len(records), None, "ends without the notes and Version line the data browser "
                                                    "writes after the data: the file looks truncated; download "
                                                    "it again"))
    if has_profession and not problems and not table.rows:
        listed = ", ".join(sorted(table.professions)[:40])
        problems.append(problem(None, PROFESSION_COLUMN, f"has no rows for the profession {profession!r} "
                                                         f"(its professions: {listed}); check the profession "
                                                         "setting (--profession or GSE_PROFESSION)"))
    return table, problems


# -- finding the files ------------------------------------------------------------------------


def find_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Each CSV named in PATHS (folders searched recursively), with the name problems will use."""
    found = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for item in sorted(path.rglob("*")):
                if item.is_file() and item.suffix.lower() == ".csv":
                    found.append((item, str(item)))
            continue
        if not path.exists():
            raise OfficialImportError([Problem(str(path), None, None, "does not exist")])
        found.append((path, str(path)))
    if not found:
        raise OfficialImportError([Problem(", ".join(str(p) for p in paths) or "(no path)", None, None,
                                           "holds no .csv files")])
    return found


def read_tables(files: Iterable[tuple[str, bytes]], profession: str = DEFAULT_PROFESSION
                ) -> tuple[list[Table], list[Problem]]:
    """Read every (name, bytes) file; return the tables and every problem in any of them."""
    tables, problems = [], []
    for name, data in files:
        table, found = read_table(data, name, profession)
        problems.extend(found)
        if table is not None:
            tables.append(table)
    return tables, problems


def read_paths(paths: Iterable[str | Path], profession: str = DEFAULT_PROFESSION) -> tuple[list[Table], list[Problem]]:
    """Read every CSV in PATHS (files, or folders searched recursively)."""
    return read_tables(((name, path.read_bytes()) for path, name in find_files(paths)), profession)


# -- what the tables mean -----------------------------------------------------------------------


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


def cell_records(tables: list[Table], profession: str) -> list[CellRecord]:
    """Every published cell of the tables, one per measure, `[c]` kept as suppressed."""
    records = []
    for table in tables:
        owner = profession if table.has_profession else ""
        for row in table.rows:
            dimensions = json.dumps(dict(row.dimensions), sort_keys=True, ensure_ascii=False)
            for measure in MEASURES:
                value = row.values[measure]
                records.append(CellRecord(owner, table.shape, row.status, row.year, dimensions, measure,
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


# -- planning an import against the database ----------------------------------------------------

ADD, CHANGE, UNCHANGED = "add", "change", "unchanged"


@dataclass
class Plan:
    """What an import would do: every cell and figure with add, change or unchanged."""

    profession: str
    tables: list[Table]
    cells: list[tuple[str, CellRecord, int | None]]
    observations: list[tuple[str, ObservationRecord, int | None]]
    warnings: list[Problem]

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


def plan_import(conn: sqlite3.Connection, tables: list[Table], problems: list[Problem], *,
                profession: str = DEFAULT_PROFESSION) -> Plan:
    """Check the tables against each other and the database; raise OfficialImportError listing every problem."""
    problems = list(problems)
    if not tables and not problems:
        problems.append(Problem("(no files)", None, None, "no files to import"))
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
    return Plan(profession, tables, _plan_cells(conn, cells), _plan_observations(conn, observations), warnings)


def _plan_cells(conn: sqlite3.Connection, cells: list[CellRecord]) -> list[tuple[str, CellRecord, int | None]]:
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


def _plan_observations(conn: sqlite3.Connection, records: list[ObservationRecord]
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


# -- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an applied import did; batch_id is None when nothing changed."""

    batch_id: int | None
    added: int
    revised: int
    unchanged: int
    backup: Path | None


class _NothingToDo(Exception):
    pass


def _ensure_indicators(conn: sqlite3.Connection) -> None:
    """The official indicators exist in every database, including ones built before they were defined."""
    conn.executemany(
        "INSERT OR IGNORE INTO indicators (code, name, category, unit, workstream, characteristic, people_count, "
        "frequency, description) VALUES (?, ?, ?, ?, NULL, NULL, 1, ?, ?)",
        [(code, *definition) for code, definition in OFFICIAL_INDICATORS.items()])


def batch_name(plan: Plan) -> str:
    """How the batch is named: the years and the number of files."""
    years = plan.years()
    what = f"Civil Service Statistics {', '.join(str(y) for y in years)}" if years else "Civil Service Statistics"
    return f"{what} ({len(plan.tables)} files, profession {plan.profession})"


def apply_import(db: str | Path | sqlite_utils.Database, plan: Plan, *, user: auth.User,
                 recorded_at: str | None = None, backup: bool = True) -> ImportResult:
    """Write a planned import as one batch in one transaction, after a backup; nothing on any error.

    The plan is made again inside the transaction, so a change by someone else since the
    preview is taken into account rather than overwritten. RECORDED_AT (default now) is when
    the figures became known; building the default database passes the publication date.
    """
    actor = auth.require_editor(user).actor
    if isinstance(db, sqlite_utils.Database):
        database, close = db, False
    else:
        database, close = store.connect(db), True
    try:
        row = database.conn.execute("PRAGMA database_list").fetchone()
        path = Path(row[2]) if row and row[2] else None
        saved = build.backup(path) if (path and backup and not plan.nothing_to_do) else None
        try:
            with store.write_transaction(database):
                fresh = Plan(plan.profession, plan.tables, _plan_cells(database.conn, [c for _, c, _ in plan.cells]),
                             _plan_observations(database.conn, [o for _, o, _ in plan.observations]), plan.warnings)
                if fresh.nothing_to_do:
                    # Rolled back, so not even the revision number moves.
                    raise _NothingToDo
                batch_id = write_plan(database.conn, fresh, actor=actor, backup=saved, recorded_at=recorded_at)
        except _NothingToDo:
            counts = fresh.counts()
            return ImportResult(None, 0, 0, counts["cells"][UNCHANGED] + counts["figures"][UNCHANGED], saved)
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise store.StoreError("the database is busy with another change and nothing was imported: "
                                       "try again in a moment") from None
            raise
    finally:
        if close:
            database.close()
    counts = fresh.counts()
    return ImportResult(batch_id, counts["cells"][ADD] + counts["figures"][ADD],
                        counts["cells"][CHANGE] + counts["figures"][CHANGE],
                        counts["cells"][UNCHANGED] + counts["figures"][UNCHANGED], saved)


def write_plan(conn: sqlite3.Connection, plan: Plan, *, actor: str, backup: Path | None = None,
               recorded_at: str | None = None) -> int:
    """Write PLAN inside the caller's transaction as one import batch; return the batch id."""
    stamp = store.now()
    known = recorded_at or stamp
    _ensure_indicators(conn)
    counts = plan.counts()
    changed = sum(c[ADD] + c[CHANGE] for c in counts.values())
    sha = hashlib.sha256("".join(sorted(t.sha256 for t in plan.tables)).encode()).hexdigest()
    batch_id = conn.execute(
        "INSERT INTO import_batches (kind, filename, sha256, row_count, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?)", [KIND, batch_name(plan), sha, changed, stamp, actor]).lastrowid
    audit = []
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM official_cells").fetchone()[0]
    supersede, inserts = [], []
    for action, record, current in plan.cells:
        if action == UNCHANGED:
            continue
        if action == CHANGE:
            supersede.append((known, current))
        inserts.append((next_id, record.profession, record.shape, record.status, record.year, record.dimensions,
                        record.measure, record.value, record.suppressed, record.population, record.source,
                        record.filename, current, known, actor, batch_id))
        detail = {"id": next_id, "file": record.filename, "file_row": record.row}
        if current is not None:
            detail["replaces"] = current
        audit.append((stamp, actor, action, "official_cells",
                      f"{record.shape} {record.status} {record.year} {record.dimensions} {record.measure}",
                      json.dumps(detail, ensure_ascii=False), batch_id))
        next_id += 1
    conn.executemany("UPDATE official_cells SET superseded_at = ? WHERE id = ? AND superseded_at IS NULL", supersede)
    conn.executemany(
        "INSERT INTO official_cells (id, profession, shape, status, year, dimensions, measure, value, suppressed, "
        "population, source, filename, revision_of, recorded_at, recorded_by, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM observations").fetchone()[0]
    supersede, inserts = [], []
    for action, record, current in plan.observations:
        if action == UNCHANGED:
            continue
        if action == CHANGE:
            supersede.append((known, current))
        inserts.append((next_id, record.indicator, record.period, record.population, record.department,
                        record.grade, store.ALL, record.value, record.numerator, record.denominator,
                        record.declaration_rate, record.source, record.note, current, known, actor, batch_id))
        detail = {"id": next_id, "file": record.filename, "file_row": record.row}
        if current is not None:
            detail["replaces"] = current
        audit.append((stamp, actor, action, "observations",
                      " / ".join(str(part) for part in record.key), json.dumps(detail, ensure_ascii=False), batch_id))
        next_id += 1
    conn.executemany("UPDATE observations SET superseded_at = ? WHERE id = ? AND superseded_at IS NULL", supersede)
    conn.executemany(
        "INSERT INTO observations (id, indicator, period, population, department, grade, role_type, value, "
        "numerator, denominator, declaration_rate, source, note, revision_of, recorded_at, recorded_by, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
    store.audit_many(conn, audit)
    detail = {"kind": KIND, "profession": plan.profession, "files": [t.filename for t in plan.tables],
              "versions": sorted({t.version for t in plan.tables if t.version}),
              "cells": counts["cells"], "figures": counts["figures"], "backup": str(backup) if backup else None}
    store.audit(conn, at=stamp, actor=actor, action="import", table="import_batches", key=str(batch_id),
                detail=detail, batch_id=batch_id)
    return batch_id


class UndoRefused(ValueError):
    """An undo that would lose later work."""


def undo_rows(conn: sqlite3.Connection, batch_id: int, filename: str, stamp: str, actor: str,
              audit: list) -> tuple[int, int]:
    """Remove a batch's cells and figures and bring back what they revised; refuse if revised since."""
    removed = restored = 0
    for table in ("official_cells", "observations"):
        rows = conn.execute(f"SELECT id, revision_of, superseded_at FROM {table} WHERE batch_id = ? ORDER BY id",
                            [batch_id]).fetchall()
        later = [row for row in rows if row[2] is not None]
        if later:
            raise UndoRefused(f"import batch {batch_id} ({filename}) cannot be undone: {len(later)} of its "
                              f"figures in {table} have since been revised by a later import; undo that first")
        conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(row[0],) for row in rows])
        conn.executemany(f"UPDATE {table} SET superseded_at = NULL WHERE id = ?",
                         [(row[1],) for row in rows if row[1] is not None])
        audit.extend((stamp, actor, "undo", table, str(row[0]),
                      json.dumps({"removed_id": row[0], "restored_id": row[1], "undone_batch": batch_id}), batch_id)
                     for row in rows)
        removed += len(rows)
        restored += sum(1 for row in rows if row[1] is not None)
    return removed, restored


# -- the files shipped in the project -------------------------------------------------------------


def shipped_folder(data_dir: Path) -> Path:
    """Where the project keeps the published files, as published: data/civil-service-statistics/."""
    return data_dir / "civil-service-statistics"


def load_shipped(db: sqlite_utils.Database, data_dir: Path, profession: str = DEFAULT_PROFESSION) -> dict[str, int]:
    """Import the shipped releases inside the caller's transaction (building a database); return counts.

    Each release's figures are recorded as known from the date its files were generated, so a
    view as at an earlier date does not show figures not yet published then.
    """
    folder = shipped_folder(data_dir)
    if not folder.exists():
        return {"official_cells": 0}
    tables, problems = read_paths([folder], profession)
    plan = plan_import(db.conn, tables, problems, profession=profession)
    by_date: dict[str | None, list[Table]] = {}
    for table in tables:
        by_date.setdefault(table.published_on, []).append(table)
    user = auth.command_line_user(RECORDER)
    for published, group in sorted(by_date.items(), key=lambda item: item[0] or ""):
        names = {t.filename for t in group}
        part = Plan(profession, group, [c for c in plan.cells if c[1].filename in names],
                    [o for o in plan.observations if o[1].filename in names], [])
        recorded = f"{published}T00:00:00" if published else None
        write_plan(db.conn, part, actor=user.actor, recorded_at=recorded)
    counts = plan.counts()
    return {"official_cells": counts["cells"][ADD], "official_figures": counts["figures"][ADD]}

