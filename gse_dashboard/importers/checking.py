"""Checking every row of a read file: values parsed strictly, each problem named by row and column."""

from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
import sqlite_utils

from ..rules import text_rules
from ..storage import store
from ..strategy import vocabulary
from .formats import (
    CLEAR,
    EARLIEST_YEAR,
    KINDS,
    LATEST_YEAR,
    MAX_PROBLEMS,
    MAX_TEXT_CHARS,
    Problem,
    Validation,
    key_getter,
    key_text,
    kind_of,
    raw_connection,
)
from .planning import plan_rows
from .reading import CONTROL_CHARACTERS, collector_paused

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
# 10.000 is ten thousand to a European spreadsheet and ten to everyone else.
_DOT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


# -- checking the rows ------------------------------------------------------------------------


class _BadValue(Exception):
    """A value that is wrong, with the words to tell the user."""


# Stands in for a value that failed its check, so one bad cell does not hide the others.
_CHECK_FAILED = object()


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


def _text(value: str, *, required: bool = False, limit: int = MAX_TEXT_CHARS, one_line: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise _BadValue("is blank but must be filled in")
    if len(text) > limit:
        raise _BadValue(f"is {len(text):,} characters long; at most {limit:,} are allowed")
    if CONTROL_CHARACTERS.search(text):
        raise _BadValue("contains a control character (copied from another program?): remove it")
    problem = text_rules.text_problem(text, one_line=one_line)  # the app-wide rule (issue 17)
    if problem:
        raise _BadValue(problem)
    return text


def _number(value: str, decimal_comma: bool, *, percent_sign: bool = False) -> float | None:
    text = value.strip().replace("\u00a0", "")
    if not text:
        return None
    shown = text
    if percent_sign and text.endswith("%"):
        text = text[:-1].rstrip()
    if decimal_comma and _DOT_THOUSANDS.fullmatch(text):
        raise _BadValue(f"{shown!r} is ambiguous in a file with decimal commas: write it without the dot")
    if decimal_comma and _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    elif _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text) or not math.isfinite(float(text)):
        raise _BadValue(f"{shown!r} is not a number")
    return float(text)


def _required_number(value: str, decimal_comma: bool, **kwargs) -> float:
    number = _number(value, decimal_comma, **kwargs)
    if number is None:
        raise _BadValue("is blank but must be a number")
    return number


def _count(value: str, decimal_comma: bool, what: str = "count") -> int | None:
    number = _number(value, decimal_comma)
    if number is None:
        return None
    if number < 0:
        raise _BadValue(f"{value.strip()!r} is a negative {what}; a {what} cannot be below 0")
    if not number.is_integer():
        raise _BadValue(f"{value.strip()!r} is not a whole number; a {what} must be one")
    return int(number)


def _percent(number: float, shown: str) -> float:
    if not 0 <= number <= 100:
        raise _BadValue(f"{shown.strip()!r} is outside 0–100")
    return number


def _date(value: str, today: dt.date | None = None) -> str:
    text = value.strip()
    if not text:
        raise _BadValue("is blank but must be a date (YYYY-MM-DD)")
    match = _ISO_DATE.fullmatch(text)
    if not match:
        day_first = _DAY_FIRST.fullmatch(text)
        if day_first:
            day, month, year = (int(g) for g in day_first.groups())
            try:
                meant = dt.date(year, month, day)
            except ValueError:
                raise _BadValue(f"{text!r} is not a date in the form YYYY-MM-DD, nor a real date read "
                           "day first") from None
            raise _BadValue(f"{text!r} is not a date in the form YYYY-MM-DD (if it means day {day} "
                       f"of month {month}, write {meant.isoformat()}; "
                       "Excel may have changed it when the file was saved)")
        raise _BadValue(f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        date = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise _BadValue(f"{text!r} is not a real date") from None
    if not EARLIEST_YEAR <= date.year <= LATEST_YEAR:
        raise _BadValue(f"{text!r} is outside the years {EARLIEST_YEAR}–{LATEST_YEAR}: a typing mistake?")
    if today is not None and date > today:
        raise _BadValue(f"{text!r} is in the future; an update can only refer to a date up to today")
    return date.isoformat()


def _choice(value: str, choices: dict[str, str], what: str, listed: Iterable[str]) -> str:
    text = value.strip()
    if not text:
        raise _BadValue(f"is blank but must be {what}")
    found = choices.get(re.sub(r"\s+", " ", text.lower()))
    if found is None:
        raise _BadValue(f"{text!r} is not {what} ({', '.join(listed)})")
    return found


_STATUS = {s: s for s in vocabulary.STATUSES} | {"closed without completion": "closed", "not_started": "not started",
                                             "in_progress": "in progress"}


def _rating_key(text: str) -> str:
    return re.sub(r"\s*[/\-]\s*|\s+", "/", text.strip().lower())


_RATING = {_rating_key(r): r for r in vocabulary.RATINGS}
_POPULATION = {"gse": "GSE", "civil service": "Civil Service"}
_YES = {"1", "yes", "y", "true", "t", "provisional", "p"}
_NO = {"", "0", "no", "n", "false", "f"}


def _rating(value: str) -> str:
    text = value.strip()
    if not text:
        raise _BadValue("is blank but must be a rating")
    found = _RATING.get(_rating_key(text))
    if found is None:
        raise _BadValue(f"{text!r} is not on the delivery confidence scale ({', '.join(vocabulary.RATINGS)})")
    return found


def _url(value: str) -> str | None:
    text = _text(value, limit=2000, one_line=True)
    if not text:
        return None
    parsed = urlparse(text)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or re.search(r"\s", text):
        raise _BadValue(f"{text[:80]!r} is not a web link starting http:// or https://")
    return text


def _breakdown(value: str) -> str:
    text = _text(value, limit=200, one_line=True)
    return store.ALL if not text or text.lower() == "all" else text


class _RowContext:
    """What row checks need from the database and the file. Every parser takes one cell's text."""

    def __init__(self, conn: sqlite3.Connection, decimal_comma: bool, today: dt.date, default_source: str | None,
                 supplied: frozenset[str]):
        self.refs = {ref.upper(): ref for (ref,) in conn.execute("SELECT ref FROM commitments")}
        self.workstreams = {number for (number,) in conn.execute("SELECT number FROM workstreams")}
        self.meetings = {date for (date,) in conn.execute("SELECT date FROM board_meetings")}
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
            raise _BadValue("is blank but must be a commitment reference such as WS4-S3")
        ref = self.refs.get(text.upper())
        if ref is None:
            raise _BadValue(f"{text!r} is not a commitment reference in the dashboard (see the commitments export)")
        self.used_refs.add(ref)
        return ref

    def workstream(self, value: str) -> int:
        text = value.strip()
        if not text:
            raise _BadValue("is blank but must be a workstream number such as 6")
        if not text.isdigit() or int(text) not in self.workstreams:
            raise _BadValue(f"{text!r} is not a workstream number ({min(self.workstreams, default=1)} to "
                       f"{max(self.workstreams, default=10)})")
        return int(text)

    def optional_workstream(self, value: str) -> int | None:
        return self.workstream(value) if value.strip() else None

    def board_date(self, value: str) -> str:
        date = _date(value)
        if date not in self.meetings:
            raise _BadValue(f"{date} is not the date of a Board meeting in the dashboard (import the meeting first)")
        return date

    def indicator(self, value: str) -> tuple[str, str]:
        text = value.strip()
        if not text:
            raise _BadValue("is blank but must be an indicator code such as members")
        found = self.indicators.get(text.lower())
        if found is None:
            raise _BadValue(f"{text!r} is not an indicator in the dashboard (see the indicators table)")
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
                raise _BadValue("is blank but must be a number")
            return float(number)
        number = _required_number(value, self.decimal_comma, percent_sign=unit == "percent")
        if number < 0:
            raise _BadValue(f"{value.strip()!r} is negative; a {what} cannot be below 0")
        return _percent(number, value) if unit == "percent" else number

    def source(self, value: str) -> str:
        text = _text(value)
        if text or self.default_source:
            return text or self.default_source
        if "source" in self.supplied:
            raise _BadValue("is blank but must say where the figure comes from")
        return ""  # the missing column is reported once, for the header

    def target_source(self, value: str) -> str:
        return _text(value) or self.default_source or ""


def _status(value: str) -> str:
    return _choice(value, _STATUS, "a status", vocabulary.STATUSES)


def _optional_rating(value: str) -> str | None:
    """A rating, None for blank (the stored one is kept) or for CLEAR (the stored one is removed)."""
    if not value.strip() or value.strip().lower() == CLEAR:
        return None
    return _rating(value)


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
    raise _BadValue(f"{value.strip()!r} is not yes or no")


def _qualifier(value: str) -> str:
    return _text(value, limit=200, one_line=True)


def _title(value: str) -> str:
    return _text(value, required=True, limit=500, one_line=True)


class _CachedFailure:
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
        """COLUMN's value parsed, or _CHECK_FAILED after recording the problem."""
        text = self.values[column][self.index]
        key = (column, text, variant)
        found = self.cache.get(key, _CachedFailure) if cache else _CachedFailure
        if found is _CachedFailure:
            try:
                found = parse(text)
            except _BadValue as error:
                found = _CachedFailure(str(error))
            if cache:
                self.cache[key] = found
        if type(found) is _CachedFailure:
            self.fail(column, found.message)
            return _CHECK_FAILED
        return found

    def fail(self, column: str, message: str) -> None:
        self.bad = True
        if column not in self.skip:
            self.collect.problem(self.number, column, message)


def _progress_row(row: _Row, ctx: _RowContext) -> tuple:
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


def _observation_row(row: _Row, ctx: _RowContext) -> tuple:
    found = row.cell("indicator", ctx.indicator)
    code, unit = found if found is not _CHECK_FAILED else (_CHECK_FAILED, None)
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


def _target_row(row: _Row, ctx: _RowContext) -> tuple:
    found = row.cell("indicator", ctx.indicator)
    code, unit = found if found is not _CHECK_FAILED else (_CHECK_FAILED, None)
    return (
        code,
        row.cell("period", _date),
        row.cell("population", _target_population),
        row.cell("value", lambda text: ctx.figure(text, unit, "target"), variant=unit),
        row.cell("source", ctx.target_source),
    )


def _meeting_row(row: _Row, ctx: _RowContext) -> tuple:
    return (row.cell("date", _date), row.cell("title", _title, cache=False))


_RECORD_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,29}")
_ACTION_STATUS = {s: s for s in vocabulary.ACTION_STATUSES}
_RISK_LEVEL = {s: s for s in vocabulary.RISK_LEVELS}
_RISK_STATUS = {s: s for s in vocabulary.RISK_STATUSES}


def _record_ref(value: str) -> str:
    text = value.strip()
    if not _RECORD_REF.fullmatch(text):
        # One check for actions and risks: the examples name both kinds' references.
        raise _BadValue(f"{text!r} is not a reference: use up to 30 letters, digits and hyphens, e.g. A2019-004 "
                        "(an action) or R7-1 (a risk)"
                        if text else "is blank but must be a reference such as A2019-004 (an action) or R7-1 (a risk)")
    return text.upper()


def _rating_row(row: _Row, ctx: _RowContext) -> tuple:
    return (row.cell("workstream", ctx.workstream), row.cell("board_date", ctx.board_date),
            row.cell("rating", _rating), row.cell("rationale", _title, cache=False))


def _action_row(row: _Row, ctx: _RowContext) -> tuple:
    return (
        row.cell("ref", _record_ref),
        row.cell("as_of", ctx.as_of),
        row.cell("board_date", ctx.board_date),
        row.cell("workstream", ctx.optional_workstream),
        row.cell("action", _title, cache=False),
        row.cell("owner", lambda text: _text(text, required=True, limit=200)),
        row.cell("due_date", _date),
        row.cell("status", lambda text: _choice(text, _ACTION_STATUS, "an action status", vocabulary.ACTION_STATUSES)),
        row.cell("note", _text, cache=False),
    )


def _risk_row(row: _Row, ctx: _RowContext) -> tuple:
    def level(text: str) -> str:
        return _choice(text, _RISK_LEVEL, "a level", vocabulary.RISK_LEVELS)

    return (
        row.cell("ref", _record_ref),
        row.cell("as_of", ctx.as_of),
        row.cell("workstream", ctx.workstream),
        row.cell("risk", _title, cache=False),
        row.cell("owner", lambda text: _text(text, required=True, limit=200)),
        row.cell("likelihood", level),
        row.cell("impact", level),
        row.cell("mitigation", _text, cache=False),
        row.cell("status", lambda text: _choice(text, _RISK_STATUS, "a risk status", vocabulary.RISK_STATUSES)),
    )


_NOUNS = {"progress": "update", "observations": "figure", "targets": "target", "meetings": "meeting",
          "ratings": "rating", "actions": "action state", "risks": "risk assessment"}
_ROW_CHECKS = {"progress": _progress_row, "observations": _observation_row, "targets": _target_row,
               "meetings": _meeting_row, "ratings": _rating_row, "actions": _action_row, "risks": _risk_row}


@collector_paused
def validate(conn: sqlite_utils.Database | sqlite3.Connection, kind: str, frame: pd.DataFrame, *,
             filename: str | None = None, default_source: str | None = None,
             today: dt.date | None = None) -> Validation:
    """Check every row of FRAME (from read_upload) as an import of KIND; write nothing.

    Collects every problem at once, each naming the spreadsheet row and the column. When
    there are none, also works out what each row will do (see preview). DEFAULT_SOURCE fills
    a blank or missing source column of observations and targets.
    """
    spec = kind_of(kind)
    conn = raw_connection(conn)
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
    ctx = _RowContext(conn, frame.attrs.get("decimal_comma", False), today or dt.date.today(), default_source,
                   supplied)
    values = {c: frame[c].tolist() for c in columns if c in spec.known}
    blanks = [""] * len(frame)
    for column in spec.known:
        values.setdefault(column, blanks)
    row_check = _ROW_CHECKS[kind]
    key_of = key_getter(spec)
    first_seen: dict[tuple, int] = {}
    key_columns = ", ".join(c for c in spec.key if c in spec.known)
    row = _Row(values, collect, set(missing))
    for index, row_number in enumerate(frame.index.tolist()):
        row.index, row.number, row.bad = index, row_number, False
        record = row_check(row, ctx)
        key = key_of(record)
        if _CHECK_FAILED not in key:
            earlier = first_seen.setdefault(key, row_number)
            if earlier != row_number:
                row.fail(key_columns, f"repeats row {earlier} ({key_text(key)}): "
                                      f"each row must be a different {_NOUNS[kind]}")
        if row.bad:
            continue
        validation.records.append(record)
        validation.rows.append(row_number)
        validation.kept.append(frozenset(name for name in spec.keep if not values[name][index].strip()))
        _row_warnings(kind, record, row_number, collect)
    validation.refs = frozenset(ctx.used_refs)
    validation.units = dict(ctx.used_units)
    if validation.ok:
        validation.plan = plan_rows(conn, spec, validation)
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
