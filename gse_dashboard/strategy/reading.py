"""The strategy's own content: read the human-editable CSV files in data/ and load them.

The files are the single source for workstreams, commitments, indicator definitions and the
real baseline figures the strategy quotes. A mistake in a file is reported with the file,
row and column, and nothing is loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import sqlite_utils

from ..config import DATA_DIR
from ..storage.store import ALL, POPULATIONS
from .vocabulary import DUE_DATES, HORIZONS

# Facts taken from the strategy count as known from its publication, so that "as at" any
# date after launch shows them.
STRATEGY_PUBLISHED = "2016-09-30T00:00:00"
STRATEGY_SOURCE = "GSE Strategy (2016)"
# How commitments.csv says whether a commitment carries on with no end ("continue to", "monitor").
CONTINUING = {"yes": 1, "no": 0}

# The "The strategy" page's text: our summary with page references, as Markdown sections.
STRATEGY_PAGE = "strategy.md"
FILES = {
    "workstreams": "workstreams.csv",
    "commitments": "commitments.csv",
    "indicators": "indicators.csv",
    "baseline": "baseline_observations.csv",
}
REQUIRED_COLUMNS = {
    "workstreams": ["number", "name", "aspiration", "challenges", "strategy_ref"],
    "commitments": [
        "ref", "workstream", "horizon", "seq", "title", "description", "continuing",
        "indicative_due_date", "strategy_ref",
    ],
    "indicators": [
        "code", "name", "category", "unit", "workstream", "characteristic", "people_count",
        "frequency", "description",
    ],
    "baseline": [
        "indicator", "period", "population", "department", "grade", "role_type", "value",
        "numerator", "denominator", "declaration_rate", "qualifier", "source", "note",
    ],
}


class DataFileError(ValueError):
    """A problem in one of the strategy's CSV files, naming file, row and column."""


def read_csv(path: Path, required: list[str]) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file as dicts, after checking the header has REQUIRED columns."""
    if not path.exists():
        raise DataFileError(f"{path.name}: file not found in {path.parent}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFileError(f"{path.name}: missing column(s) {', '.join(missing)}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _problem(file: str, index: int, column: str, message: str) -> str:
    # Row numbers as a spreadsheet shows them: the header is row 1.
    return f"{file}: row {index + 2}, column {column}: {message}"


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _optional_number(text: str) -> float | None:
    return float(text) if text != "" else None


def _check(rows, file, checks) -> list[str]:
    """Run CHECKS, a list of (column, predicate, message), over ROWS; return the problems."""
    problems = []
    for index, row in enumerate(rows):
        for column, ok, message in checks:
            try:
                passed = ok(row[column], row)
            except (ValueError, TypeError):
                passed = False
            if not passed:
                problems.append(_problem(file, index, column, f"{message} (got {row[column]!r})"))
    return problems


def _not_blank(value, _row) -> bool:
    return value != ""


def _indicative_date_fits(value, row) -> bool:
    if row["continuing"] == "yes":
        return value == ""
    return value == DUE_DATES.get(row["horizon"])


def read_strategy(data_dir: Path = DATA_DIR) -> dict[str, list[dict[str, str]]]:
    """Read and check every strategy file; raise DataFileError listing all problems."""
    tables = {name: read_csv(data_dir / file, REQUIRED_COLUMNS[name]) for name, file in FILES.items()}
    numbers = {row["number"] for row in tables["workstreams"]}
    indicator_codes = {row["code"] for row in tables["indicators"]}
    problems = _check(tables["workstreams"], FILES["workstreams"], [
        ("number", lambda v, r: int(v) >= 1, "must be a whole number from 1"),
        ("name", _not_blank, "must not be blank"),
        ("aspiration", _not_blank, "must not be blank"),
    ])
    problems += _check(tables["commitments"], FILES["commitments"], [
        ("workstream", lambda v, r: v in numbers, "must be a workstream number in workstreams.csv"),
        ("horizon", lambda v, r: v in HORIZONS, f"must be one of {', '.join(HORIZONS)}"),
        ("seq", lambda v, r: int(v) >= 1, "must be a whole number from 1"),
        ("ref", lambda v, r: v == f"WS{r['workstream']}-{r['horizon'][:1].upper()}{r['seq']}",
         "must be WS<workstream>-<S|M|L><seq>"),
        ("title", _not_blank, "must not be blank"),
        ("description", _not_blank, "must not be blank"),
        ("continuing", lambda v, r: v in CONTINUING, "must be yes or no"),
        ("indicative_due_date", _indicative_date_fits,
         "must be blank for a continuing commitment, otherwise the end of its horizon "
         f"({', '.join(f'{h} {d}' for h, d in DUE_DATES.items())}); set another date on Manage data"),
    ])
    problems += _check(tables["indicators"], FILES["indicators"], [
        ("code", _not_blank, "must not be blank"),
        ("category", lambda v, r: v in ("membership", "diversity", "workstream"),
         "must be membership, diversity or workstream"),
        ("unit", lambda v, r: v in ("count", "percent"), "must be count or percent"),
        ("workstream", lambda v, r: v == "" or v in numbers, "must be blank or a workstream number"),
        ("people_count", lambda v, r: v in ("0", "1"), "must be 0 or 1"),
    ])
    problems += _check(tables["baseline"], FILES["baseline"], [
        ("indicator", lambda v, r: v in indicator_codes, "must be a code in indicators.csv"),
        ("period", lambda v, r: _is_date(v), "must be a date as YYYY-MM-DD"),
        ("population", lambda v, r: v in POPULATIONS, f"must be one of {', '.join(POPULATIONS)}"),
        ("value", lambda v, r: float(v) >= 0, "must be a number of at least 0"),
        ("source", _not_blank, "must not be blank"),
    ])
    refs = [row["ref"] for row in tables["commitments"]]
    duplicates = sorted({ref for ref in refs if refs.count(ref) > 1})
    if duplicates:
        problems.append(f"{FILES['commitments']}: duplicate ref(s) {', '.join(duplicates)}")
    if problems:
        raise DataFileError("; ".join(problems))
    return tables


def load_strategy(db: sqlite_utils.Database, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Insert the strategy's content into an empty, migrated DB; return row counts per table.

    The caller owns the transaction, so a failure leaves nothing half-loaded.
    """
    tables = read_strategy(data_dir)
    db["workstreams"].insert_all(
        {**row, "number": int(row["number"])} for row in tables["workstreams"]
    )
    db["commitments"].insert_all(
        {
            **{k: v for k, v in row.items() if k != "indicative_due_date"},
            "workstream": int(row["workstream"]),
            "seq": int(row["seq"]),
            "continuing": CONTINUING[row["continuing"]],
            "due_date": row["indicative_due_date"] or None,
        }
        for row in tables["commitments"]
    )
    db["indicators"].insert_all(
        {
            **row,
            "workstream": int(row["workstream"]) if row["workstream"] else None,
            "characteristic": row["characteristic"] or None,
            "people_count": int(row["people_count"]),
        }
        for row in tables["indicators"]
    )
    db["observations"].insert_all(
        {
            **row,
            "department": row["department"] or ALL,
            "grade": row["grade"] or ALL,
            "role_type": row["role_type"] or ALL,
            "value": float(row["value"]),
            "numerator": _optional_number(row["numerator"]),
            "denominator": _optional_number(row["denominator"]),
            "declaration_rate": _optional_number(row["declaration_rate"]),
            "recorded_at": STRATEGY_PUBLISHED,
            "recorded_by": STRATEGY_SOURCE,
            "illustrative": 0,
        }
        for row in tables["baseline"]
    )
    return {name: len(rows) for name, rows in tables.items()}


def strategy_sections(data_dir: Path = DATA_DIR) -> list[tuple[str, str]]:
    """The "The strategy" page's sections from data/strategy.md: (heading, Markdown body) in order.

    The file is the project's own text (trusted, edited by the GSE team like the CSV files);
    HTML comments in it are notes for editors and are left out. Raises DataFileError if the
    file is missing or has no "## " section.
    """
    path = data_dir / STRATEGY_PAGE
    if not path.exists():
        raise DataFileError(f"{path.name}: file not found in {path.parent}")
    text = re.sub(r"<!--.*?-->", "", path.read_text(encoding="utf-8-sig"), flags=re.DOTALL)
    sections = []
    for block in re.split(r"^## +", text, flags=re.MULTILINE)[1:]:
        heading, _, body = block.partition("\n")
        sections.append((heading.strip(), body.strip()))
    if not sections:
        raise DataFileError(f"{path.name}: no sections (each starts with a line '## Heading')")
    return sections
