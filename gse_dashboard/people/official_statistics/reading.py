"""Reading the published CSVs exactly as published: one table per file, every problem with file, row and column."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...config import DEFAULT_PROFESSION
from ...importers.formats import MAX_CELLS, Problem
from ...strategy.vocabulary import long_date
from .formats import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    MEASURES,
    METADATA_STARTS,
    POPULATION_CIVIL_SERVICE,
    POPULATION_PROFESSION,
    PROFESSION_COLUMN,
    PUBLISHER,
    STATUS_COLUMN,
    STATUSES,
    SUPPRESSED,
    YEAR_COLUMN,
    OfficialImportError,
)

# A dimension name as the browser writes one: a word with underscores.
_DIMENSION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_YEAR = re.compile(r"(19|20)\d\d")
# Numbers as the browser writes them; R's printing gives 1e+05 for 100000 now and then.
_AMOUNT = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_URL = re.compile(r"https?://\S+")


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
    # Every other profession's rows, as (profession as published, row): the comparison of professions.
    other_rows: list[tuple[str, DataRow]] = field(default_factory=list)
    # When the release was published (YYYY-MM-DD): its figures are known from then in every as-at
    # view. None until set (formats.known_from); then IMPORTED_ON says the import date stood in.
    published: str | None = None
    imported_on: str | None = None

    @property
    def shape(self) -> str:
        """The table's breakdown as the browser names it, e.g. `Profession_of_post/Sex`."""
        return "/".join(self.header_dimensions) if self.header_dimensions else "Total"

    @property
    def population(self) -> str:
        return POPULATION_PROFESSION if self.has_profession else POPULATION_CIVIL_SERVICE

    def source(self, year: int) -> str:
        """The source every figure of YEAR from this table carries, with when it was published (or imported)."""
        parts = [f"{PUBLISHER}, as at 31 March {year}"]
        if self.published:
            parts.append(f"published {long_date(self.published)}")
        elif self.imported_on:
            parts.append(f"publication date not given: known from its import on {long_date(self.imported_on)}")
        parts.append(f"table {self.shape}")
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
    # Before anything is parsed: a header far wider than any table, then rows × columns as rows are read.
    width = text.split("\n", 1)[0].count(",") + 1
    if width > MAX_COLUMNS:
        return None, [problem(1, None, f"has {width:,} columns; a data-browser table has at most {MAX_COLUMNS} "
                                       "(Status, Year, its dimensions and four measures): is it the right file?")]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = []
    try:
        for record in reader:
            records.append(record)
            width = max(width, len(record))
            if width > MAX_COLUMNS or len(records) * width > MAX_CELLS:
                return None, [problem(reader.line_num, None, f"has more than {MAX_CELLS:,} cells or a row of more "
                                                             f"than {MAX_COLUMNS} columns: a data-browser table is "
                                                             "far smaller; is it the right file?")]
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
        kept = tuple((name, dimensions[name]) for name in others)
        if has_profession and dimensions[PROFESSION_COLUMN].casefold() != profession.casefold():
            table.other_rows.append((dimensions[PROFESSION_COLUMN],
                                     DataRow(index, status, int(year_text), kept, values)))
            continue
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


# A release downloaded whole is a zip of folders, one table (data.csv) in each: at most this many
# tables, and this much once unzipped (past that it is a zip bomb, not a release).
MAX_ZIP_TABLES = 200
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024


def unzip_release(data: bytes, name: str) -> list[tuple[str, bytes]]:
    """Every CSV in the zip DATA (folders and all) as (NAME: path inside it, bytes); OfficialImportError if unreadable.

    Each table is named by its folders, as the release names it (`2023/Sex/Profession_of_post/data.csv`),
    never as one of fifteen `data.csv`. Files other than CSV (and the Mac's `__MACOSX` copies) are
    left out; limits on the number of tables and the unzipped size are checked before reading.
    """
    def refused(message: str) -> OfficialImportError:
        return OfficialImportError([Problem(name, None, None, message)])

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise refused("is not a zip file that can be read (a download cut short?)") from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()
                   and info.filename.lower().endswith(".csv") and "__MACOSX" not in info.filename
                   and not Path(info.filename).name.startswith("._")]
        if not members:
            raise refused("holds no .csv files: the release's tables are CSV files named data.csv")
        if len(members) > MAX_ZIP_TABLES:
            raise refused(f"holds {len(members):,} CSV files; a release has a few dozen at most")
        if sum(info.file_size for info in members) > MAX_UNZIPPED_BYTES:
            raise refused(f"unzips to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB: not a release")
        files = []
        for info in sorted(members, key=lambda i: i.filename):
            try:
                with archive.open(info) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
                raise refused(f"{info.filename} cannot be unzipped ({error})") from None
            if len(content) > MAX_FILE_BYTES:
                raise refused(f"{info.filename} is over {MAX_FILE_BYTES // (1024 * 1024)} MB unzipped")
            files.append((f"{name}: {info.filename}", content))
    return files


def expand_zips(files: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """FILES with every zip among them replaced by the CSV tables inside it."""
    out = []
    for name, data in files:
        if name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
            out.extend(unzip_release(data, name))
        else:
            out.append((name, data))
    return out


def find_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Each CSV or zip named in PATHS (folders searched recursively), with the name problems will use."""
    found = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for item in sorted(path.rglob("*")):
                if item.is_file() and item.suffix.lower() in (".csv", ".zip"):
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
    """Read every CSV in PATHS (files, zips of the release, or folders searched recursively)."""
    return read_tables(expand_zips((name, path.read_bytes()) for path, name in find_files(paths)), profession)
