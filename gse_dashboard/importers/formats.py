"""The four kinds of import file (progress, observations, targets, meetings), their columns and limits;
the errors and problems a user is told about, and what a check of a file found (Validation)."""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlite_utils

from ..strategy import vocabulary

# Far beyond any real file of updates or figures, small enough to hold in memory safely.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_ROWS = 200_000
# The widest import has 14 columns; a file far wider is not an import (and costs seconds to parse).
MAX_COLUMNS = 1_000
# Cells a file may hold, counting the blanks a short row is padded with to the header's width
# (rows × columns): 200,000 rows of 20 columns. A 1,000-column header over 700,000 short rows
# is 700 million cells (4.7 GB), not an import.
MAX_CELLS = 4_000_000
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
# Written in an optional cell that keeps its stored value when blank (Kind.keep), removes that value.
CLEAR = "clear"


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
    # Fields that, blank or left out, keep the value stored for the same key: an empty cell never
    # means "remove it" (writing CLEAR does, where a field may be empty).
    keep: tuple[str, ...] = ()

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def known(self) -> list[str]:
        return [c.name for c in self.columns]


_RATING_HELP = "one of Green, Amber/Green, Amber, Amber/Red, Red (any letter case)"
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
            Column("board_rating", False, f"the Board's own rating, {_RATING_HELP}; left blank (or the column "
                   f"left out), an update for a date already recorded keeps the Board's rating it has; write "
                   f"{CLEAR} to remove it", ""),
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
                   "left out, a correction keeps the current source)",
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
            Column("source", False, "who set the target (if blank or left out: the file's name, or the "
                   "current source on a correction)", "Example: GSE Profession Board"),
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
    "ratings": Kind(
        name="ratings", table="workstream_ratings", title="Board ratings of workstreams",
        columns=(
            Column("workstream", True, "the workstream's number, 1 to 10", "6"),
            Column("board_date", True, "the date of the Board meeting that judged it, YYYY-MM-DD (a meeting "
                   "in the dashboard)", "2019-10-16"),
            Column("rating", True, f"the Board's delivery confidence for the workstream, {_RATING_HELP}", "Amber"),
            Column("rationale", True, "why the Board judged it so, as plain text",
                   "Example: 20 points behind plan and two commitments closed without completion."),
        ),
        fields=("workstream", "board_date", "rating", "rationale"),
        key=("workstream", "board_date"),
        compare=("rating", "rationale"),
    ),
    "actions": Kind(
        name="actions", table="board_actions", title="Board actions",
        columns=(
            Column("ref", True, "the action's reference, letters, digits and hyphens, e.g. A2019-004", "A2019-004"),
            Column("as_of", True, "the date this state of the action refers to, YYYY-MM-DD, not in the future",
                   "2019-10-16"),
            Column("board_date", True, "the date of the Board meeting that set the action (a meeting in the "
                   "dashboard)", "2019-07-17"),
            Column("action", True, "what the Board asked for, as plain text",
                   "Example: Bring a recovery plan for WS7-M2 to the next Board"),
            Column("owner", True, "who owns the action", "Example: Workstream 7 lead"),
            Column("due_date", True, "when it is due, YYYY-MM-DD", "2019-10-16"),
            Column("status", True, "one of: " + ", ".join(vocabulary.ACTION_STATUSES), "in progress"),
            Column("workstream", False, "the workstream's number, if the action belongs to one", "7"),
            Column("note", False, "anything the Board should know about progress", ""),
        ),
        fields=("ref", "as_of", "board_date", "workstream", "action", "owner", "due_date", "status", "note"),
        key=("ref", "as_of"),
        compare=("board_date", "workstream", "action", "owner", "due_date", "status", "note"),
    ),
    "risks": Kind(
        name="risks", table="risks", title="risks",
        columns=(
            Column("ref", True, "the risk's reference, letters, digits and hyphens, e.g. R7-1", "R7-1"),
            Column("as_of", True, "the date this assessment refers to, YYYY-MM-DD, not in the future",
                   "2019-10-16"),
            Column("workstream", True, "the workstream's number, 1 to 10", "7"),
            Column("risk", True, "the risk, as plain text",
                   "Example: Departments cannot release staff time for profession activity"),
            Column("owner", True, "who owns the risk", "Example: Heads of Profession"),
            Column("likelihood", True, "one of: " + ", ".join(vocabulary.RISK_LEVELS), "medium"),
            Column("impact", True, "one of: " + ", ".join(vocabulary.RISK_LEVELS), "high"),
            Column("status", True, "one of: " + ", ".join(vocabulary.RISK_STATUSES), "open"),
            Column("mitigation", False, "what is being done about it", ""),
        ),
        fields=("ref", "as_of", "workstream", "risk", "owner", "likelihood", "impact", "mitigation", "status"),
        key=("ref", "as_of"),
        compare=("workstream", "risk", "owner", "likelihood", "impact", "mitigation", "status"),
    ),
}




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
    kept: list[frozenset[str]] = field(default_factory=list)  # per record: Kind.keep fields left blank
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


def kind_of(kind: str) -> Kind:
    """The Kind named KIND, or a ValueError listing the kinds there are."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}: use one of {', '.join(KINDS)}") from None


def raw_connection(db: sqlite_utils.Database | sqlite3.Connection) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def key_text(key: Iterable) -> str:
    return " / ".join(map(str, key))


def key_getter(spec: Kind) -> Callable[[tuple], tuple]:
    """A fast function from a record to its key, as a tuple even for one-field keys."""
    positions = [spec.fields.index(k) for k in spec.key]
    if len(positions) == 1:
        return lambda record: (record[positions[0]],)
    return operator.itemgetter(*positions)
