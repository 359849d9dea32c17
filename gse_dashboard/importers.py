"""File imports: read a CSV or Excel upload, check every row, preview, apply as one batch, undo.

The flow is read_upload → validate → preview → apply_import, and undo_batch reverses a batch.
Nothing is written until apply_import, which writes every row in one transaction or none,
after a backup, and re-checks the file against the database as it is at that moment: if a
row the user saw in the preview has been changed by someone else since, the import is
refused rather than overwriting that change. Text is stored as text; nothing here renders it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import gc
import hashlib
import io
import json
import math
import operator
import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
import sqlite_utils

from . import auth, build
from . import db as store

# Far beyond any real file of updates or figures, small enough to hold in memory safely.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_ROWS = 200_000
# A workbook expands when unzipped; past this it is a zip bomb, not a spreadsheet.
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
# Enough to show a user every mistake in a badly wrong file without holding millions.
MAX_PROBLEMS = 5_000
# Commentary is a paragraph or two; anything longer is a pasted document.
MAX_TEXT_CHARS = 10_000
# Dates outside these years are typing mistakes (2204 for 2024).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx",)
# The part every .xlsx workbook declares in [Content_Types].xml.
XLSX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

ADD, CHANGE, UNCHANGED = "add", "change", "unchanged"
# Characters no typed text contains: their presence means binary data or a paste accident.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
# 10.000 is ten thousand to a European spreadsheet and ten to everyone else.
_DOT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


# -- what a user can be told ------------------------------------------------------------------


class ImportFileError(ValueError):
    """A file that cannot be read as an import at all, told in one line naming the file."""


class ImportRejected(ValueError):
    """An import refused because of its rows; `problems` lists every one."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        more = f" (and {self.total - 1} more problems)" if self.total > 1 else ""
        super().__init__(f"{problems[0]}{more}" if problems else "the import was refused")


class UndoRefused(ValueError):
    """An undo that would lose later work, or that has nothing to undo."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a file, at a row and column where it has one."""

    filename: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.filename]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


# -- the four kinds of file -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import file: whether it must be there, what it holds, an example."""

    name: str
    required: bool
    help: str
    example: str


@dataclass(frozen=True)
class Kind:
    """What one kind of import file holds and where it goes."""

    name: str
    table: str
    title: str
    columns: tuple[Column, ...]
    fields: tuple[str, ...]  # the table's columns a record fills, in record order
    key: tuple[str, ...]  # the fields that name one fact; a second row with them is a correction
    compare: tuple[str, ...]  # the fields whose difference makes a row a change
    keep: tuple[str, ...] = ()  # optional fields that, left out of the file, keep the current value

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def known(self) -> list[str]:
        return [c.name for c in self.columns]


_RATING_HELP = "one of Green, Amber/Green, Amber, Amber/Red, Red (any letter case)"
_PROVENANCE = "who recorded it, when, and the import batch are added by the dashboard"

KINDS: dict[str, Kind] = {
    "progress": Kind(
        name="progress", table="progress_updates", title="progress updates",
        columns=(
            Column("ref", True, "commitment reference as in the commitments export, e.g. WS4-S3", "WS4-S3"),
            Column("as_of", True, "the date the update refers to, YYYY-MM-DD, not in the future", "2024-03-31"),
            Column("status", True, "one of: not started, in progress, complete, closed", "in progress"),
            Column("rating", True, f"the owner's delivery confidence, {_RATING_HELP}", "Amber/Green"),
            Column("percent_complete", True, "a number from 0 to 100", "40"),
            Column("commentary", True, "what has happened and what is next, as plain text",
                   "Example: pilot course run with 20 members; evaluation due next quarter."),
            Column("evidence_url", False, "a link to evidence, starting http:// or https://",
                   "https://www.gov.uk/government/organisations/government-office-for-science"),
            Column("board_rating", False, f"the Board's own rating, {_RATING_HELP}; "
                   "if the column is left out, a correction keeps the current one", ""),
        ),
        fields=("ref", "as_of", "status", "rating", "board_rating", "percent_complete", "commentary",
                "evidence_url"),
        key=("ref", "as_of"),
        compare=("status", "rating", "board_rating", "percent_complete", "commentary", "evidence_url"),
        keep=("board_rating",),
    ),
    "observations": Kind(
        name="observations", table="observations", title="indicator figures",
        columns=(
            Column("indicator", True, "indicator code as in the indicators table, e.g. members, women", "members"),
            Column("period", True, "the date the figure refers to (end of the period), YYYY-MM-DD", "2024-03-31"),
            Column("population", True, "GSE or Civil Service", "GSE"),
            Column("value", True, "the figure: a whole number for counts, 0 to 100 for percentages", "250"),
            Column("department", False, "the department, or blank for all departments", ""),
            Column("grade", False, "the grade (e.g. SCS), or blank for all grades", "SCS"),
            Column("role_type", False, "the role type, or blank for all role types", ""),
            Column("numerator", False, "for a percentage: how many people have the characteristic", ""),
            Column("denominator", False, "for a percentage: how many people declared", ""),
            Column("declaration_rate", False, "percentage of people who declared, 0 to 100", ""),
            Column("qualifier", False, "words that go with the figure, e.g. 'more than'", ""),
            Column("provisional", False, "yes if the figure may still be revised, else no or blank", "no"),
            Column("source", True, "where the figure comes from (a default may be given when importing; "
                   "if the column is left out, a correction keeps the current source)",
                   "Example: Civil Service HR data, March 2024"),
            Column("note", False, "anything a reader should know about the figure", ""),
        ),
        fields=("indicator", "period", "population", "department", "grade", "role_type", "value",
                "numerator", "denominator", "declaration_rate", "qualifier", "provisional", "source", "note"),
        key=("indicator", "population", "period", "department", "grade", "role_type"),
        compare=("value", "numerator", "denominator", "declaration_rate", "qualifier", "provisional",
                 "source", "note"),
        keep=("source",),
    ),
    "targets": Kind(
        name="targets", table="targets", title="targets",
        columns=(
            Column("indicator", True, "indicator code as in the indicators table", "members"),
            Column("period", True, "the date the target is for, YYYY-MM-DD", "2027-03-31"),
            Column("value", True, "the target: a whole number for counts, 0 to 100 for percentages", "16000"),
            Column("population", False, "GSE (the default) or Civil Service", "GSE"),
            Column("source", False, "who set the target (if left out: the file's name, or the current "
                   "source on a correction)", "Example: GSE Profession Board"),
        ),
        fields=("indicator", "period", "population", "value", "source"),
        key=("indicator", "population", "period"),
        compare=("value", "source"),
        keep=("source",),
    ),
    "meetings": Kind(
        name="meetings", table="board_meetings", title="board meetings",
        columns=(
            Column("date", True, "the date of the meeting, YYYY-MM-DD", "2027-01-20"),
            Column("title", True, "what the meeting is called", "Example: GSE Profession Board"),
        ),
        fields=("date", "title"),
        key=("date",),
        compare=("title",),
    ),
}


def format_lines() -> list[str]:
    """One line per kind naming its columns (optional ones in brackets), for the README and page."""
    lines = []
    for kind in KINDS.values():
        names = [c.name if c.required else f"[{c.name}]" for c in kind.columns]
        lines.append(f"{kind.name} ({kind.title}): {', '.join(names)}")
    return lines


# -- reading a file ---------------------------------------------------------------------------


def read_path(path: str | Path) -> pd.DataFrame:
    """Read the import file at PATH (see read_upload), refusing a huge one before loading it."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ImportFileError(f"{path}: cannot open the file ({error.strerror or error})") from None
    if size > MAX_UPLOAD_BYTES:
        raise ImportFileError(_too_big(str(path), size))
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read the file ({error.strerror or error})") from None
    return read_upload(data, str(path))


def _bulk(function: Callable) -> Callable:
    """FUNCTION with Python's cycle collector paused while it runs.

    Reading, checking and writing a file makes hundreds of thousands of small lists and tuples
    that hold no cycles; with them all alive the collector's repeated passes took half the time
    of reading a 100,000-row file (0.69 s against 0.29 s). Memory is still freed as usual by
    reference counting. Overlapping calls in several sessions leave it enabled at the end.
    """
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return wrapper


@_bulk
def read_upload(data: bytes, filename: str) -> pd.DataFrame:
    """The rows of an uploaded CSV or .xlsx file as a DataFrame of strings.

    Columns are the header names trimmed, in lower case, with spaces as underscores; the index
    is the row number a spreadsheet shows (the header is row 1); blank rows are left out.
    `attrs` carries the filename, format, encoding, separator and the rows that had more
    values than the header. Every problem is an ImportFileError naming the file.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(_too_big(filename, len(data)))
    if not data.strip():
        raise ImportFileError(f"{filename}: the file is empty")
    suffix = Path(filename).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        records, meta = _read_xlsx(data, filename)
    elif suffix in TEXT_SUFFIXES:
        records, meta = _read_text(data, filename)
    elif suffix == ".xls":
        raise ImportFileError(f"{filename}: old-style .xls workbooks cannot be read: "
                              "open it in Excel and save it as .xlsx or CSV")
    elif suffix == ".xlsm":
        raise ImportFileError(f"{filename}: macro-enabled workbooks are not accepted: "
                              "save it as an Excel workbook (.xlsx) or CSV")
    else:
        raise ImportFileError(f"{filename}: only CSV (.csv) and Excel (.xlsx) files can be imported")
    frame = _frame(records, filename)
    frame.attrs.update(meta, filename=filename, sha256=hashlib.sha256(data).hexdigest())
    return frame


def _too_big(filename: str, size: int) -> str:
    return (f"{filename}: the file is {size / 1024 / 1024:.1f} MB, more than the "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB an import may be: split it into smaller files")


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    """DATA as text and the encoding it was in: UTF-8 (with or without BOM), UTF-16, Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(f"{filename}: the file says it is UTF-16 text but is not") from None
    if b"\x00" in data:
        raise ImportFileError(f"{filename}: this is not a text (CSV) file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportFileError(f"{filename}: the file says it is UTF-8 but is not: "
                                  "save it again as 'CSV UTF-8'") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(f"{filename}: the text is neither UTF-8 nor Windows-1252: "
                              "save it from Excel as 'CSV UTF-8'") from None


def _separator(first_line: str) -> str:
    """The separator the header uses: comma, semicolon (European Excel) or tab, by count."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: counts[c])  # ties go to the comma, which comes first
    return best if counts[best] else ","


def _read_text(data: bytes, filename: str) -> tuple[list[tuple[int, list[str]]], dict]:
    if data.startswith(ZIP_MAGIC):
        raise ImportFileError(f"{filename}: this is an Excel workbook or other zip file, not CSV text: "
                              "if it is a workbook, its name should end in .xlsx")
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(f"{filename}: this is an old-style Excel or other Office file, not CSV "
                              "text: save it as .xlsx or CSV")
    text, encoding = _decode(data, filename)
    # A stray control character is a cell's problem; many of them mean this is not text at all.
    if len(_CONTROL.findall(text[:4096])) > 8:
        raise ImportFileError(f"{filename}: this is not a text (CSV) file")
    lines = text.split("\n", 1)
    hint = re.fullmatch(r"sep=(.)\r?", lines[0])
    if hint:  # Excel's own separator hint line, which Excel hides, so rows count from after it
        separator, text = hint.group(1), lines[1] if len(lines) > 1 else ""
    else:
        separator = _separator(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            if "".join(values).strip():
                records.append((number, values))
                if len(records) > MAX_ROWS + 1:
                    raise ImportFileError(_too_many(filename))
    except csv.Error as error:
        raise ImportFileError(f"{filename}: row {number + 1}: cannot be read as CSV ({error})") from None
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    return records, {"format": "csv", "encoding": encoding, "separator": names.get(separator, separator),
                     "decimal_comma": separator == ";"}


def _too_many(filename: str) -> str:
    return f"{filename}: the file has more than {MAX_ROWS:,} rows: split it into smaller files"


def _check_workbook_zip(data: bytes, filename: str) -> None:
    """Refuse what is not a plain .xlsx before any XML parser sees it."""
    if not data.startswith(ZIP_MAGIC):
        if data.startswith(OLE_MAGIC):
            raise ImportFileError(f"{filename}: this is an old-style .xls or encrypted workbook: "
                                  "save it in Excel as an unprotected .xlsx or as CSV")
        head = data[:2048]
        looks_text = not _CONTROL.search(head.decode("latin-1").replace("\x0c", "")) and b"\x00" not in head
        hint = ": it looks like CSV text, so its name should end in .csv" if looks_text else ""
        raise ImportFileError(f"{filename}: this is not an Excel workbook (.xlsx){hint}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(f"{filename}: the workbook is damaged and cannot be opened ({error})") from None
    with archive:
        if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
            raise ImportFileError(f"{filename}: the workbook unpacks to more than "
                                  f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MB: refused")
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names:
            raise ImportFileError(f"{filename}: this zip file is not an Excel workbook (.xlsx)")
        for info in infos:
            if info.filename.endswith((".xml", ".rels", ".vml")):
                with archive.open(info) as part:
                    head = part.read(65_536)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise ImportFileError(
                        f"{filename}: refused: the workbook's {info.filename} declares XML entities, "
                        "which are used to attack servers; save it again from Excel")
        types = archive.read("[Content_Types].xml")
    if XLSM_MAIN_TYPE.encode() in types or "xl/vbaProject.bin" in names:
        raise ImportFileError(f"{filename}: macro-enabled workbooks are not accepted: "
                              "save it as an Excel workbook (.xlsx) or CSV")
    if XLSX_MAIN_TYPE.encode() not in types:
        raise ImportFileError(f"{filename}: this is not an Excel workbook (.xlsx)")


def _cell_text(value: Any, number_format: str | None) -> str:
    """A cell's value as the text a user typed: dates as YYYY-MM-DD, 40% as 40."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        if number_format and "%" in number_format:
            value = value * 100
        if isinstance(value, float):
            if value.is_integer() and abs(value) < 1e15:
                return str(int(value))
            return f"{value:.12g}"
        return str(value)
    return str(value)


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether ERROR or anything in its chain of causes is a KIND (openpyxl wraps parser errors)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _read_xlsx(data: bytes, filename: str) -> tuple[list[tuple[int, list[str]]], dict]:
    _check_workbook_zip(data, filename)
    # Imported here so CSV-only callers never load openpyxl and its XML stack.
    import openpyxl
    from defusedxml import DefusedXmlException

    records: list[tuple[int, list[str]]] = []
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise ImportFileError(f"{filename}: the workbook has no worksheet")
            sheet = workbook.worksheets[0]
            # Some programs write a wrong size into the sheet; read every row that is there.
            sheet.reset_dimensions()
            for number, cells in enumerate(sheet.iter_rows(min_row=1, min_col=1), start=1):
                values = [_cell_text(cell.value, getattr(cell, "number_format", None)) for cell in cells]
                if "".join(values).strip():
                    records.append((number, values))
                    if len(records) > MAX_ROWS + 1:
                        raise ImportFileError(_too_many(filename))
            title = sheet.title
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many types for a damaged workbook
        if _caused_by(error, DefusedXmlException):
            raise ImportFileError(f"{filename}: refused: the workbook declares XML entities, which are used "
                                  "to attack servers; save it again from Excel") from None
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise ImportFileError(f"{filename}: the workbook cannot be read ({reason})") from None
    return records, {"format": "xlsx", "sheet": title, "decimal_comma": False}


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower().lstrip("\ufeff"))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _frame(records: list[tuple[int, list[str]]], filename: str) -> pd.DataFrame:
    if not records:
        raise ImportFileError(f"{filename}: the file is empty")
    header_row, header = records[0]
    names = [_normalise_header(h) for h in header]
    while names and not names[-1]:
        names.pop()
    width = len(names)
    data = records[1:]
    if not data:
        raise ImportFileError(f"{filename}: the file has a header (row {header_row}) but no rows of data")
    if len(data) > MAX_ROWS:
        raise ImportFileError(_too_many(filename))
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            if any(position < len(v) and v[position].strip() for _, v in data):
                raise ImportFileError(f"{filename}: column {_column_letter(position)} has values but no "
                                      f"name in the header (row {header_row})")
            names[position] = f"_blank_{position}"
        elif name in seen:
            raise ImportFileError(f"{filename}: the column {name} appears twice in the header "
                                  f"(columns {_column_letter(seen[name])} and {_column_letter(position)})")
        seen[name] = position
    ragged = []
    rows = []
    for number, values in data:
        if len(values) == width:  # nearly every row: kept as it is
            rows.append(values)
            continue
        if len(values) > width and any(v.strip() for v in values[width:]):
            ragged.append(number)
        rows.append((values + [""] * (width - len(values)))[:width])
    # Every cell is already text: object columns skip pandas' conversion of each value (100,000 rows).
    frame = pd.DataFrame(rows, columns=names, index=pd.Index([n for n, _ in data], name="row"), dtype=object)
    if any(n.startswith("_blank_") for n in names):
        frame = frame[[n for n in names if not n.startswith("_blank_")]]
    frame.attrs["ragged_rows"] = ragged
    frame.attrs["header_row"] = header_row
    return frame


# -- checking the rows ------------------------------------------------------------------------


class _Bad(Exception):
    """A value that is wrong, with the words to tell the user."""


# Stands in for a value that failed its check, so one bad cell does not hide the others.
_BAD = object()


@dataclass
class Validation:
    """The outcome of checking a file: the clean records, every problem, and what will change."""

    kind: str
    filename: str
    records: list[tuple] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the spreadsheet row of each record
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    supplied: frozenset[str] = frozenset()
    refs: frozenset[str] = frozenset()  # commitment references the records rely on
    units: dict[str, str] = field(default_factory=dict)  # indicator units the checks relied on
    plan: list[tuple[str, tuple | None]] | None = None  # (action, current row) per record
    sha256: str = ""

    @property
    def ok(self) -> bool:
        """Whether the file can be imported: no problems at all."""
        return self.problem_count == 0

    def counts(self) -> dict[str, int]:
        """How many records will be added, will change a current row, and are unchanged."""
        counts = {ADD: 0, CHANGE: 0, UNCHANGED: 0}
        for action, _ in self.plan or []:
            counts[action] += 1
        return counts

    def problem_lines(self) -> list[str]:
        """Every problem as one line naming file, row and column, with a note if some were left off."""
        lines = [str(p) for p in self.problems]
        if self.problem_count > len(self.problems):
            lines.append(f"{self.filename}: {self.problem_count - len(self.problems)} more problems not listed")
        return lines


class _Collector:
    """Adds problems and warnings to a Validation, keeping at most MAX_PROBLEMS of each."""

    def __init__(self, validation: Validation):
        self.validation = validation

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        v = self.validation
        v.problem_count += 1
        if len(v.problems) < MAX_PROBLEMS:
            v.problems.append(Problem(v.filename, row, column, message))

    def warning(self, row: int | None, column: str | None, message: str) -> None:
        v = self.validation
        if len(v.warnings) < MAX_PROBLEMS:
            v.warnings.append(Problem(v.filename, row, column, message))


def _text(value: str, *, required: bool = False, limit: int = MAX_TEXT_CHARS) -> str:
    text = value.strip()
    if required and not text:
        raise _Bad("is blank but must be filled in")
    if len(text) > limit:
        raise _Bad(f"is {len(text):,} characters long; at most {limit:,} are allowed")
    if _CONTROL.search(text):
        raise _Bad("contains a control character (copied from another program?): remove it")
    return text


def _number(value: str, decimal_comma: bool, *, percent_sign: bool = False) -> float | None:
    text = value.strip().replace("\u00a0", "")
    if not text:
        return None
    shown = text
    if percent_sign and text.endswith("%"):
        text = text[:-1].rstrip()
    if decimal_comma and _DOT_THOUSANDS.fullmatch(text):
        raise _Bad(f"{shown!r} is ambiguous in a file with decimal commas: write it without the dot")
    if decimal_comma and _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    elif _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text) or not math.isfinite(float(text)):
        raise _Bad(f"{shown!r} is not a number")
    return float(text)


def _required_number(value: str, decimal_comma: bool, **kwargs) -> float:
    number = _number(value, decimal_comma, **kwargs)
    if number is None:
        raise _Bad("is blank but must be a number")
    return number


def _count(value: str, decimal_comma: bool, what: str = "count") -> int | None:
    number = _number(value, decimal_comma)
    if number is None:
        return None
    if number < 0:
        raise _Bad(f"{value.strip()!r} is a negative {what}; a {what} cannot be below 0")
    if not number.is_integer():
        raise _Bad(f"{value.strip()!r} is not a whole number; a {what} must be one")
    return int(number)


def _percent(number: float, shown: str) -> float:
    if not 0 <= number <= 100:
        raise _Bad(f"{shown.strip()!r} is outside 0–100")
    return number


def _date(value: str, today: dt.date | None = None) -> str:
    text = value.strip()
    if not text:
        raise _Bad("is blank but must be a date (YYYY-MM-DD)")
    match = _ISO_DATE.fullmatch(text)
    if not match:
        day_first = _DAY_FIRST.fullmatch(text)
        if day_first:
            day, month, year = (int(g) for g in day_first.groups())
            try:
                meant = dt.date(year, month, day)
            except ValueError:
                raise _Bad(f"{text!r} is not a date in the form YYYY-MM-DD, nor a real date read "
                           "day first") from None
            raise _Bad(f"{text!r} is not a date in the form YYYY-MM-DD (if it means day {day} "
                       f"of month {month}, write {meant.isoformat()}; "
                       "Excel may have changed it when the file was saved)")
        raise _Bad(f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        date = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise _Bad(f"{text!r} is not a real date") from None
    if not EARLIEST_YEAR <= date.year <= LATEST_YEAR:
        raise _Bad(f"{text!r} is outside the years {EARLIEST_YEAR}–{LATEST_YEAR}: a typing mistake?")
    if today is not None and date > today:
        raise _Bad(f"{text!r} is in the future; an update can only refer to a date up to today")
    return date.isoformat()


def _choice(value: str, choices: dict[str, str], what: str, listed: Iterable[str]) -> str:
    text = value.strip()
    if not text:
        raise _Bad(f"is blank but must be {what}")
    found = choices.get(re.sub(r"\s+", " ", text.lower()))
    if found is None:
        raise _Bad(f"{text!r} is not {what} ({', '.join(listed)})")
    return found


_STATUS = {s: s for s in store.STATUSES} | {"closed without completion": "closed", "not_started": "not started",
                                             "in_progress": "in progress"}


def _rating_key(text: str) -> str:
    return re.sub(r"\s*[/\-]\s*|\s+", "/", text.strip().lower())


_RATING = {_rating_key(r): r for r in store.RATINGS}
_POPULATION = {"gse": "GSE", "civil service": "Civil Service"}
_YES = {"1", "yes", "y", "true", "t", "provisional", "p"}
_NO = {"", "0", "no", "n", "false", "f"}


def _rating(value: str) -> str:
    text = value.strip()
    if not text:
        raise _Bad("is blank but must be a rating")
    found = _RATING.get(_rating_key(text))
    if found is None:
        raise _Bad(f"{text!r} is not on the delivery confidence scale ({', '.join(store.RATINGS)})")
    return found


def _url(value: str) -> str | None:
    text = _text(value, limit=2000)
    if not text:
        return None
    parsed = urlparse(text)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or re.search(r"\s", text):
        raise _Bad(f"{text[:80]!r} is not a web link starting http:// or https://")
    return text


def _breakdown(value: str) -> str:
    text = _text(value, limit=200)
    return store.ALL if not text or text.lower() == "all" else text


class _Context:
    """What row checks need from the database and the file. Every parser takes one cell's text."""

    def __init__(self, conn: sqlite3.Connection, decimal_comma: bool, today: dt.date, default_source: str | None,
                 supplied: frozenset[str]):
        self.refs = {ref.upper(): ref for (ref,) in conn.execute("SELECT ref FROM commitments")}
        self.indicators = {code.lower(): (code, unit)
                           for code, unit in conn.execute("SELECT code, unit FROM indicators")}
        self.decimal_comma = decimal_comma
        self.today = today
        self.default_source = default_source
        self.supplied = supplied
        self.used_refs: set[str] = set()
        self.used_units: dict[str, str] = {}

    def ref(self, value: str) -> str:
        text = value.strip()
        if not text:
            raise _Bad("is blank but must be a commitment reference such as WS4-S3")
        ref = self.refs.get(text.upper())
        if ref is None:
            raise _Bad(f"{text!r} is not a commitment reference in the dashboard (see the commitments export)")
        self.used_refs.add(ref)
        return ref

    def indicator(self, value: str) -> tuple[str, str]:
        text = value.strip()
        if not text:
            raise _Bad("is blank but must be an indicator code such as members")
        found = self.indicators.get(text.lower())
        if found is None:
            raise _Bad(f"{text!r} is not an indicator in the dashboard (see the indicators table)")
        self.used_units[found[0]] = found[1]
        return found

    def as_of(self, value: str) -> str:
        return _date(value, self.today)

    def percent(self, value: str) -> float:
        return _percent(_required_number(value, self.decimal_comma, percent_sign=True), value)

    def optional_percent(self, value: str) -> float | None:
        number = _number(value, self.decimal_comma, percent_sign=True)
        return None if number is None else _percent(number, value)

    def count(self, value: str) -> int | None:
        return _count(value, self.decimal_comma)

    def figure(self, value: str, unit: str | None, what: str = "figure") -> float:
        """An observation's or target's value: a whole count, a percentage, or any non-negative number."""
        if unit == "count":
            number = _count(value, self.decimal_comma, "count" if what == "figure" else what)
            if number is None:
                raise _Bad("is blank but must be a number")
            return float(number)
        number = _required_number(value, self.decimal_comma, percent_sign=unit == "percent")
        if number < 0:
            raise _Bad(f"{value.strip()!r} is negative; a {what} cannot be below 0")
        return _percent(number, value) if unit == "percent" else number

    def source(self, value: str) -> str:
        text = _text(value)
        if text or self.default_source:
            return text or self.default_source
        if "source" in self.supplied:
            raise _Bad("is blank but must say where the figure comes from")
        return ""  # the missing column is reported once, for the header

    def target_source(self, value: str) -> str:
        return _text(value) or self.default_source or ""


def _status(value: str) -> str:
    return _choice(value, _STATUS, "a status", store.STATUSES)


def _optional_rating(value: str) -> str | None:
    return _rating(value) if value.strip() else None


def _population(value: str) -> str:
    return _choice(value, _POPULATION, "a population", store.POPULATIONS)


def _target_population(value: str) -> str:
    return _population(value or "GSE")


def _provisional(value: str) -> int:
    text = value.strip().lower()
    if text in _YES:
        return 1
    if text in _NO:
        return 0
    raise _Bad(f"{value.strip()!r} is not yes or no")


def _qualifier(value: str) -> str:
    return _text(value, limit=200)


def _title(value: str) -> str:
    return _text(value, required=True, limit=500)


class _Failure:
    """A cached parse that failed, with its message."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


class _Row:
    """One row being checked: its cells, and whether any of them was wrong.

    Parsed cells are cached by column and text, so a file with a hundred thousand rows that
    repeat the same indicator, period and department parses each distinct value once.
    """

    __slots__ = ("values", "index", "number", "bad", "collect", "skip", "cache")

    def __init__(self, values: dict[str, list[str]], collect: _Collector, skip: set[str]):
        self.values, self.collect, self.skip = values, collect, skip
        self.cache: dict[tuple, Any] = {}
        self.index = self.number = 0
        self.bad = False

    def cell(self, column: str, parse: Callable[[str], Any], *, variant: Any = None, cache: bool = True) -> Any:
        """COLUMN's value parsed, or _BAD after recording the problem."""
        text = self.values[column][self.index]
        key = (column, text, variant)
        found = self.cache.get(key, _Failure) if cache else _Failure
        if found is _Failure:
            try:
                found = parse(text)
            except _Bad as error:
                found = _Failure(str(error))
            if cache:
                self.cache[key] = found
        if type(found) is _Failure:
            self.fail(column, found.message)
            return _BAD
        return found

    def fail(self, column: str, message: str) -> None:
        self.bad = True
        if column not in self.skip:
            self.collect.problem(self.number, column, message)


def _progress_row(row: _Row, ctx: _Context) -> tuple:
    return (
        row.cell("ref", ctx.ref),
        row.cell("as_of", ctx.as_of),
        row.cell("status", _status),
        row.cell("rating", _rating),
        row.cell("board_rating", _optional_rating),
        row.cell("percent_complete", ctx.percent),
        row.cell("commentary", _text, cache=False),
        row.cell("evidence_url", _url, cache=False),
    )


def _observation_row(row: _Row, ctx: _Context) -> tuple:
    found = row.cell("indicator", ctx.indicator)
    code, unit = found if found is not _BAD else (_BAD, None)
    numerator = row.cell("numerator", ctx.count)
    denominator = row.cell("denominator", ctx.count)
    if isinstance(numerator, int) and isinstance(denominator, int) and numerator > denominator:
        row.fail("numerator", f"the numerator {numerator} is above the denominator {denominator}")
    return (
        code,
        row.cell("period", _date),
        row.cell("population", _population),
        row.cell("department", _breakdown),
        row.cell("grade", _breakdown),
        row.cell("role_type", _breakdown),
        row.cell("value", lambda text: ctx.figure(text, unit), variant=unit),
        numerator,
        denominator,
        row.cell("declaration_rate", ctx.optional_percent),
        row.cell("qualifier", _qualifier),
        row.cell("provisional", _provisional),
        row.cell("source", ctx.source),
        row.cell("note", _text, cache=False),
    )


def _target_row(row: _Row, ctx: _Context) -> tuple:
    found = row.cell("indicator", ctx.indicator)
    code, unit = found if found is not _BAD else (_BAD, None)
    return (
        code,
        row.cell("period", _date),
        row.cell("population", _target_population),
        row.cell("value", lambda text: ctx.figure(text, unit, "target"), variant=unit),
        row.cell("source", ctx.target_source),
    )


def _meeting_row(row: _Row, ctx: _Context) -> tuple:
    return (row.cell("date", _date), row.cell("title", _title, cache=False))


_NOUNS = {"progress": "update", "observations": "figure", "targets": "target", "meetings": "meeting"}
_ROW_CHECKS = {"progress": _progress_row, "observations": _observation_row, "targets": _target_row,
               "meetings": _meeting_row}


def _connection(db: sqlite_utils.Database | sqlite3.Connection) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def kind_of(kind: str) -> Kind:
    """The Kind named KIND, or a ValueError listing the kinds there are."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}: use one of {', '.join(KINDS)}") from None


@_bulk
def validate(conn: sqlite_utils.Database | sqlite3.Connection, kind: str, frame: pd.DataFrame, *,
             filename: str | None = None, default_source: str | None = None,
             today: dt.date | None = None) -> Validation:
    """Check every row of FRAME (from read_upload) as an import of KIND; write nothing.

    Collects every problem at once, each naming the spreadsheet row and the column. When
    there are none, also works out what each row will do (see preview). DEFAULT_SOURCE fills
    a blank or missing source column of observations and targets.
    """
    spec = kind_of(kind)
    conn = _connection(conn)
    filename = filename or frame.attrs.get("filename") or "the file"
    if kind == "targets" and default_source is None:
        default_source = f"Imported from {Path(filename).name}"
    validation = Validation(kind=kind, filename=filename, sha256=frame.attrs.get("sha256", ""))
    collect = _Collector(validation)
    header_row = frame.attrs.get("header_row", 1)
    columns = list(frame.columns)
    required = [c for c in spec.required if not (c == "source" and default_source)]
    missing = [c for c in required if c not in columns]
    if missing:
        hint = ""
        for other in KINDS.values():
            if other.name != kind and all(c in columns for c in other.required if c != "source"):
                hint = f" (this looks like a {other.name} file)"
                break
        plural = "s" if len(missing) > 1 else ""
        collect.problem(header_row, ", ".join(missing),
                        f"the required column{plural} {', '.join(missing)} {'are' if plural else 'is'} "
                        f"missing from the header{hint}")
    for column in columns:
        if column not in spec.known:
            collect.warning(header_row, column, "is not a column of this kind of file and will be ignored")
    for number in frame.attrs.get("ragged_rows", []):
        collect.problem(number, None, "has more values than the header has columns "
                                      "(a value with a separator in it that is not in quotes?)")
    supplied = frozenset(c for c in columns if c in spec.known)
    validation.supplied = supplied
    ctx = _Context(conn, frame.attrs.get("decimal_comma", False), today or dt.date.today(), default_source,
                   supplied)
    values = {c: frame[c].tolist() for c in columns if c in spec.known}
    blanks = [""] * len(frame)
    for column in spec.known:
        values.setdefault(column, blanks)
    row_check = _ROW_CHECKS[kind]
    key_of = _key_getter(spec)
    first_seen: dict[tuple, int] = {}
    key_columns = ", ".join(c for c in spec.key if c in spec.known)
    row = _Row(values, collect, set(missing))
    for index, row_number in enumerate(frame.index.tolist()):
        row.index, row.number, row.bad = index, row_number, False
        record = row_check(row, ctx)
        key = key_of(record)
        if _BAD not in key:
            earlier = first_seen.setdefault(key, row_number)
            if earlier != row_number:
                row.fail(key_columns, f"repeats row {earlier} ({_key_text(key)}): "
                                      f"each row must be a different {_NOUNS[kind]}")
        if row.bad:
            continue
        validation.records.append(record)
        validation.rows.append(row_number)
        _row_warnings(kind, record, row_number, collect)
    validation.refs = frozenset(ctx.used_refs)
    validation.units = dict(ctx.used_units)
    if validation.ok:
        validation.plan = _plan(conn, spec, validation)
    return validation


def _row_warnings(kind: str, record: tuple, row: int, collect: _Collector) -> None:
    if kind == "progress":
        status, percent = record[2], record[5]
        if status == "complete" and percent < 100:
            collect.warning(row, "percent_complete", f"the status is complete but percent_complete is {percent:g}")
        elif status == "not started" and percent > 0:
            collect.warning(row, "percent_complete", f"the status is not started but percent_complete is {percent:g}")
    elif kind == "observations":
        value, numerator, denominator = record[6], record[7], record[8]
        if numerator is not None and denominator and value <= 100 and abs(value - 100 * numerator / denominator) > 0.15:
            collect.warning(row, "value", f"{value:g} is not numerator / denominator "
                                          f"({100 * numerator / denominator:.1f}%)")


def _key_text(key: Iterable) -> str:
    return " / ".join(map(str, key))


def _key_getter(spec: Kind) -> Callable[[tuple], tuple]:
    """A fast function from a record to its key, as a tuple even for one-field keys."""
    positions = [spec.fields.index(k) for k in spec.key]
    if len(positions) == 1:
        return lambda record: (record[positions[0]],)
    return operator.itemgetter(*positions)


# -- what will change -------------------------------------------------------------------------

# The current rows an import's records might replace; json_each takes any number of values.
_CURRENT_SQL = {
    "progress": """
        SELECT id, ref, as_of, status, rating, board_rating, percent_complete, commentary, evidence_url,
               recorded_at, recorded_by
        FROM progress_updates
        WHERE superseded_at IS NULL AND ref IN (SELECT value FROM json_each(:a))
          AND as_of IN (SELECT value FROM json_each(:b))""",
    "observations": """
        SELECT id, indicator, period, population, department, grade, role_type, value, numerator,
               denominator, declaration_rate, qualifier, provisional, source, note, recorded_at, recorded_by
        FROM observations
        WHERE superseded_at IS NULL AND indicator IN (SELECT value FROM json_each(:a))
          AND population IN (SELECT value FROM json_each(:c))
          AND period IN (SELECT value FROM json_each(:b))""",
    "targets": """
        SELECT id, indicator, period, population, value, source, recorded_at, recorded_by
        FROM targets
        WHERE superseded_at IS NULL AND indicator IN (SELECT value FROM json_each(:a))
          AND period IN (SELECT value FROM json_each(:b))""",
    "meetings": """
        SELECT id, date, title, recorded_at, recorded_by, batch_id
        FROM board_meetings WHERE date IN (SELECT value FROM json_each(:a))""",
}
# Which record fields pick the rows to look at: (:a, :b, :c) above.
_CURRENT_FILTER = {"progress": ("ref", "as_of", None), "observations": ("indicator", "period", "population"),
                   "targets": ("indicator", "period", None), "meetings": ("date", None, None)}


def _current_rows(conn: sqlite3.Connection, spec: Kind, records: list[tuple]) -> dict[tuple, tuple]:
    """The current row (id, fields…, recorded_at, recorded_by[, batch_id]) for each key in RECORDS."""
    params = {}
    for name, field_name in zip("abc", _CURRENT_FILTER[spec.name], strict=True):
        if field_name:
            position = spec.fields.index(field_name)
            params[name] = json.dumps(sorted({r[position] for r in records}))
    rows = conn.execute(_CURRENT_SQL[spec.name], params).fetchall()
    key_positions = [spec.fields.index(k) + 1 for k in spec.key]
    return {tuple(row[p] for p in key_positions): row for row in rows}


def _merged(spec: Kind, supplied: frozenset, record: tuple, current: tuple | None) -> tuple:
    """RECORD with the fields the file left out taken from the CURRENT row (see Kind.keep)."""
    if current is None:
        return record
    merged = list(record)
    for name in spec.keep:
        if name not in supplied:
            position = spec.fields.index(name)
            merged[position] = current[position + 1]
    return tuple(merged)


def _differences(spec: Kind, record: tuple, current: tuple) -> dict[str, list]:
    changes = {}
    for name in spec.compare:
        position = spec.fields.index(name)
        old, new = current[position + 1], record[position]
        if old != new:
            changes[name] = [old, new]
    return changes


def _plan(conn: sqlite3.Connection, spec: Kind, validation: Validation) -> list[tuple[str, tuple | None]]:
    current = _current_rows(conn, spec, validation.records)
    key_of = _key_getter(spec)
    plan = []
    for record in validation.records:
        row = current.get(key_of(record))
        if row is None:
            plan.append((ADD, None))
        elif _differences(spec, _merged(spec, validation.supplied, record, row), row):
            plan.append((CHANGE, row))
        else:
            plan.append((UNCHANGED, row))
    return plan


def _recorded(spec: Kind, current: tuple) -> tuple[str, str]:
    """Who recorded the CURRENT row and when."""
    offset = len(spec.fields) + 1
    return current[offset + 1], current[offset]


def _shown(value: Any) -> str:
    if value is None:
        return "(blank)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def preview(conn: sqlite_utils.Database | sqlite3.Connection, validation: Validation) -> pd.DataFrame:
    """What each row will do against the database now: add, change (old → new) or unchanged.

    The result is remembered on VALIDATION: apply_import refuses if a row it showed has been
    changed by someone else before the import is applied.
    """
    if not validation.ok:
        raise ImportRejected(validation.problems, validation.problem_count)
    spec = kind_of(validation.kind)
    validation.plan = _plan(_connection(conn), spec, validation)
    key_positions = [spec.fields.index(k) for k in spec.key]
    out = []
    for row_number, record, (action, current) in zip(validation.rows, validation.records, validation.plan,
                                                     strict=True):
        changes = ""
        if action == CHANGE:
            differences = _differences(spec, _merged(spec, validation.supplied, record, current), current)
            changes = "; ".join(f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in differences.items())
        out.append({
            "row": row_number,
            "action": action,
            "key": _key_text(record[p] for p in key_positions),
            "changes": changes,
            "current_recorded_by": _recorded(spec, current)[0] if current else "",
            "current_recorded_at": _recorded(spec, current)[1] if current else "",
        })
    return pd.DataFrame(out, columns=["row", "action", "key", "changes", "current_recorded_by",
                                      "current_recorded_at"])


# -- writing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an applied import did; batch_id is None when every row was unchanged."""

    kind: str
    filename: str
    batch_id: int | None
    added: int
    changed: int
    unchanged: int
    backup: Path | None


@dataclass(frozen=True)
class UndoResult:
    """What undoing a batch did."""

    batch_id: int
    kind: str
    removed: int
    restored: int
    backup: Path | None


def _open(db: str | Path | sqlite_utils.Database) -> tuple[sqlite_utils.Database, bool, Path | None]:
    """A writable database for DB, whether to close it afterwards, and its file (None in memory)."""
    if isinstance(db, sqlite_utils.Database):
        database, close = db, False
    else:
        database, close = store.connect(db), True
    row = database.conn.execute("PRAGMA database_list").fetchone()
    path = Path(row[2]) if row and row[2] else None
    return database, close, path


def _busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _recheck(conn: sqlite3.Connection, validation: Validation) -> list[Problem]:
    """Problems caused by changes to commitments or indicators since the file was checked."""
    problems = []
    if validation.refs:
        known = {ref for (ref,) in conn.execute(
            "SELECT ref FROM commitments WHERE ref IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(validation.refs))])}
        for ref in sorted(validation.refs - known):
            problems.append(Problem(validation.filename, None, "ref",
                                    f"the commitment {ref} no longer exists in the dashboard"))
    if validation.units:
        units = dict(conn.execute("SELECT code, unit FROM indicators WHERE code IN (SELECT value FROM json_each(?))",
                                  [json.dumps(sorted(validation.units))]).fetchall())
        for code, unit in sorted(validation.units.items()):
            if units.get(code) != unit:
                problems.append(Problem(validation.filename, None, "indicator",
                                        f"the indicator {code} has changed since the file was checked: check it again"))
    return problems


def _stale(spec: Kind, validation: Validation, plan: list) -> list[Problem]:
    """Rows whose current version in the database is not the one the user previewed."""
    problems = []
    key_positions = [spec.fields.index(k) for k in spec.key]
    key_columns = ", ".join(c for c in spec.key if c in spec.known)
    for row_number, record, seen, now_ in zip(validation.rows, validation.records, validation.plan, plan,
                                              strict=True):
        seen_id = seen[1][0] if seen[1] else None
        now_id = now_[1][0] if now_[1] else None
        if seen[0] != now_[0] or seen_id != now_id or (spec.name == "meetings" and seen[1] != now_[1]):
            who = f" by {_recorded(spec, now_[1])[0]}" if now_[1] else ""
            problems.append(Problem(validation.filename, row_number, key_columns,
                                    f"{_key_text(record[p] for p in key_positions)} was changed{who} after this "
                                    "file was checked: check the file again to see the change"))
    return problems


class _NothingToDo(Exception):
    pass


@_bulk
def apply_import(db: str | Path | sqlite_utils.Database, kind: str, validation: Validation, *, user: auth.User,
                 filename: str | None = None, sha256: str | None = None) -> ImportResult:
    """Write a checked file as one import batch: all rows in one transaction, or nothing.

    Takes a backup first; inside the transaction checks the file again against the database
    as it now is and refuses (ImportRejected) if a row it would replace has changed since
    validate or preview; adds new rows, supersedes corrected ones, skips unchanged ones, and
    writes an audit row for each. USER must be an editor (auth.PermissionDenied otherwise).
    """
    actor = auth.require_editor(user).actor
    spec = kind_of(kind)
    if validation.kind != kind:
        raise ValueError(f"the file was checked as {validation.kind}, not {kind}")
    if not validation.ok:
        raise ImportRejected(validation.problems, validation.problem_count)
    filename = filename or validation.filename
    sha256 = sha256 if sha256 is not None else validation.sha256
    if validation.plan is None:
        raise ValueError("the validation has no plan: validate the file again")
    counts = validation.counts()
    if counts[ADD] == counts[CHANGE] == 0:
        return ImportResult(kind, filename, None, 0, 0, counts[UNCHANGED], None)
    database, close, path = _open(db)
    try:
        backup = build.backup(path) if path else None
        try:
            with store.write_transaction(database):
                batch_id, counts = _write(database.conn, spec, validation, actor=actor, filename=filename,
                                          sha256=sha256, backup=backup)
        except _NothingToDo:
            return ImportResult(kind, filename, None, 0, 0, len(validation.records), backup)
        except sqlite3.OperationalError as error:
            if _busy(error):
                raise store.StoreError("the database is busy with another change and nothing was imported: "
                                       "try again in a moment") from None
            raise
    finally:
        if close:
            database.close()
    return ImportResult(kind, filename, batch_id, counts[ADD], counts[CHANGE], counts[UNCHANGED], backup)


def _write(conn: sqlite3.Connection, spec: Kind, validation: Validation, *, actor: str, filename: str,
           sha256: str, backup: Path | None) -> tuple[int, dict[str, int]]:
    problems = _recheck(conn, validation)
    if problems:
        raise ImportRejected(problems)
    plan = _plan(conn, spec, validation)
    problems = _stale(spec, validation, plan)
    if problems:
        raise ImportRejected(problems)
    counts = {ADD: 0, CHANGE: 0, UNCHANGED: 0}
    for action, _ in plan:
        counts[action] += 1
    if counts[ADD] == counts[CHANGE] == 0:
        raise _NothingToDo
    stamp = store.now()
    batch_id = conn.execute(
        "INSERT INTO import_batches (kind, filename, sha256, row_count, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [spec.name, filename, sha256, counts[ADD] + counts[CHANGE], stamp, actor],
    ).lastrowid
    key_of = _key_getter(spec)
    audit = []
    if spec.name == "meetings":
        _write_meetings(conn, validation, plan, stamp, actor, batch_id, audit)
    else:
        # Ids are given out here, under the write lock, so audit rows and corrections can name them.
        next_id = conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {spec.table}").fetchone()[0]
        inserts, supersede = [], []
        for row_number, record, (action, current) in zip(validation.rows, validation.records, plan, strict=True):
            if action == UNCHANGED:
                continue
            key = _key_text(key_of(record))
            if action == CHANGE:
                merged = _merged(spec, validation.supplied, record, current)
                supersede.append((stamp, current[0]))
                detail = json.dumps({"id": next_id, "replaces": current[0], "file_row": row_number,
                                     "changes": _differences(spec, merged, current)})
                inserts.append((next_id, *merged, current[0], stamp, actor, batch_id))
            else:
                # The same JSON json.dumps writes, built directly: an import may add 100,000 rows.
                detail = f'{{"id": {next_id}, "file_row": {row_number}}}'
                inserts.append((next_id, *record, None, stamp, actor, batch_id))
            audit.append((stamp, actor, action, spec.table, key, detail, batch_id))
            next_id += 1
        # Superseding first: the current-row unique index allows one current version per key.
        conn.executemany(f"UPDATE {spec.table} SET superseded_at = ? WHERE id = ? AND superseded_at IS NULL",
                         supersede)
        names = ", ".join(("id", *spec.fields, "revision_of", "recorded_at", "recorded_by", "batch_id"))
        marks = ", ".join("?" * (len(spec.fields) + 5))
        conn.executemany(f"INSERT INTO {spec.table} ({names}) VALUES ({marks})", inserts)
    conn.executemany(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, detail, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        audit,
    )
    detail = {"kind": spec.name, "filename": filename, "sha256": sha256, "added": counts[ADD],
              "changed": counts[CHANGE], "unchanged": counts[UNCHANGED], "backup": str(backup) if backup else None}
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, detail, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [stamp, actor, "import", "import_batches", str(batch_id), json.dumps(detail), batch_id],
    )
    return batch_id, counts


def _write_meetings(conn: sqlite3.Connection, validation: Validation, plan: list, stamp: str, actor: str,
                    batch_id: int, audit: list) -> None:
    """Board meetings are not versioned: a new title replaces the old one, kept in the audit log."""
    inserts, updates = [], []
    for row_number, (date, title), (action, current) in zip(validation.rows, validation.records, plan, strict=True):
        if action == ADD:
            inserts.append((date, title, stamp, actor, batch_id))
            detail = {"file_row": row_number, "title": title}
        elif action == CHANGE:
            updates.append((title, batch_id, current[0]))
            detail = {"id": current[0], "file_row": row_number, "changes": {"title": [current[2], title]},
                      "previous_batch_id": current[5]}
        else:
            continue
        audit.append((stamp, actor, action, "board_meetings", date, json.dumps(detail), batch_id))
    conn.executemany("UPDATE board_meetings SET title = ?, batch_id = ? WHERE id = ?", updates)
    conn.executemany("INSERT INTO board_meetings (date, title, recorded_at, recorded_by, batch_id) "
                     "VALUES (?, ?, ?, ?, ?)", inserts)


# -- undoing ----------------------------------------------------------------------------------


def undo_batch(db: str | Path | sqlite_utils.Database, batch_id: int, user: auth.User) -> UndoResult:
    """Reverse one import batch as a whole: remove its rows and bring back the rows they replaced.

    Takes a backup first and works in one transaction. Refused (UndoRefused) if the batch does
    not exist, was already undone, or any of its rows has since been replaced by a later
    import or edit (undo that first). USER must be an editor.
    """
    actor = auth.require_editor(user).actor
    database, close, path = _open(db)
    try:
        backup = build.backup(path) if path else None
        try:
            with store.write_transaction(database):
                kind, removed, restored = _undo(database.conn, batch_id, actor, backup)
        except sqlite3.OperationalError as error:
            if _busy(error):
                raise store.StoreError("the database is busy with another change and nothing was undone: "
                                       "try again in a moment") from None
            raise
    finally:
        if close:
            database.close()
    return UndoResult(batch_id, kind, removed, restored, backup)


def _undo(conn: sqlite3.Connection, batch_id: int, actor: str, backup: Path | None) -> tuple[str, int, int]:
    batch = conn.execute("SELECT kind, filename, undone_at, undone_by FROM import_batches WHERE id = ?",
                         [batch_id]).fetchone()
    if batch is None:
        raise UndoRefused(f"there is no import batch {batch_id}")
    kind, filename, undone_at, undone_by = batch
    if undone_at:
        raise UndoRefused(f"import batch {batch_id} ({filename}) was already undone by {undone_by} at {undone_at}")
    spec = kind_of(kind)
    stamp = store.now()
    audit = []
    if kind == "meetings":
        removed, restored = _undo_meetings(conn, batch_id, filename, stamp, actor, audit)
    else:
        key_sql = ", ".join(spec.key)
        rows = conn.execute(f"SELECT id, revision_of, superseded_at, {key_sql} FROM {spec.table} "
                            "WHERE batch_id = ? ORDER BY id", [batch_id]).fetchall()
        replaced = [row for row in rows if row[2] is not None]
        if replaced:
            later = conn.execute(f"SELECT recorded_by, recorded_at, batch_id FROM {spec.table} WHERE revision_of = ?",
                                 [replaced[0][0]]).fetchone()
            by = ""
            if later:
                by = f" by {later[0]} at {later[1]}" + (f" (import batch {later[2]})" if later[2] else "")
            more = f", and {len(replaced) - 1} more of its rows have been too" if len(replaced) > 1 else ""
            raise UndoRefused(f"import batch {batch_id} ({filename}) cannot be undone: its row for "
                              f"{_key_text(replaced[0][3:])} has since been corrected{by}{more}; undo that first")
        conn.executemany(f"DELETE FROM {spec.table} WHERE id = ?", [(row[0],) for row in rows])
        conn.executemany(f"UPDATE {spec.table} SET superseded_at = NULL WHERE id = ?",
                         [(row[1],) for row in rows if row[1] is not None])
        for row in rows:
            detail = {"removed_id": row[0], "restored_id": row[1], "undone_batch": batch_id}
            audit.append((stamp, actor, "undo", spec.table, _key_text(row[3:]), json.dumps(detail), batch_id))
        removed, restored = len(rows), sum(1 for row in rows if row[1] is not None)
    conn.execute("UPDATE import_batches SET undone_at = ?, undone_by = ? WHERE id = ?", [stamp, actor, batch_id])
    conn.executemany(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, detail, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        audit,
    )
    detail = {"kind": kind, "filename": filename, "removed": removed, "restored": restored,
              "backup": str(backup) if backup else None}
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, detail, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [stamp, actor, "undo-import", "import_batches", str(batch_id), json.dumps(detail), batch_id],
    )
    return kind, removed, restored


def _undo_meetings(conn: sqlite3.Connection, batch_id: int, filename: str, stamp: str, actor: str,
                   audit: list) -> tuple[int, int]:
    changes = conn.execute("SELECT action, row_key, detail FROM audit_log WHERE batch_id = ? "
                           "AND table_name = 'board_meetings' AND action IN ('add', 'change')", [batch_id]).fetchall()
    current = {date: (row_id, title, owner) for row_id, date, title, owner in conn.execute(
        "SELECT id, date, title, batch_id FROM board_meetings WHERE date IN (SELECT value FROM json_each(?))",
        [json.dumps([date for _, date, _ in changes])])}
    deletes, restores = [], []
    for action, date, detail_text in changes:
        row = current.get(date)
        detail = json.loads(detail_text)
        title = detail["title"] if action == ADD else detail["changes"]["title"][1]
        if row is None or row[2] != batch_id or row[1] != title:
            raise UndoRefused(f"import batch {batch_id} ({filename}) cannot be undone: the board meeting on {date} "
                              "has since been changed or removed; undo that first")
        if action == ADD:
            deletes.append((row[0],))
        else:
            restores.append((detail["changes"]["title"][0], detail.get("previous_batch_id"), row[0]))
        audit.append((stamp, actor, "undo", "board_meetings", date,
                      json.dumps({"undone_batch": batch_id, "action": action}), batch_id))
    conn.executemany("DELETE FROM board_meetings WHERE id = ?", deletes)
    conn.executemany("UPDATE board_meetings SET title = ?, batch_id = ? WHERE id = ?", restores)
    return len(deletes), len(restores)


# -- templates --------------------------------------------------------------------------------


def template_bytes(kind: str, fmt: str) -> bytes:
    """A file to fill in for KIND: the header and one example row, as "csv" or "xlsx".

    The workbook holds values only (no formulas, macros or links) and a second sheet that
    says what each column holds; imports read the first sheet only.
    """
    spec = kind_of(kind)
    header = [c.name for c in spec.columns]
    example = [c.example for c in spec.columns]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerow(example)
        # With a byte-order mark, so Excel opens accented text correctly.
        return buffer.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}: use csv or xlsx")
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = spec.name
    sheet.append(header)
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        # Kept as text so Excel does not turn dates or codes into something else.
        cell.data_type = "s"
        cell.number_format = "@"
    for index, column in enumerate(spec.columns):
        sheet.column_dimensions[_column_letter(index)].width = max(14, len(column.name) + 4)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("columns")
    notes.append(["column", "required", "what it holds"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        notes.append([column.name, "yes" if column.required else "no", column.help])
    notes.column_dimensions["C"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
