"""People counts as published: every figure of members comes from one protected table per complete period.

Pages, charts, downloads, changes and the Board pack ask here, never the cells themselves, so
whatever a viewer puts together they put together published figures of one protected table
(protection.py), and nothing of a period whose return is still coming in (returns.py).
"""

from __future__ import annotations

import sqlite3

import pandas as pd

from ..storage import queries
from ..storage.store import ALL
from . import protection, protection_store
from .protection import ProtectedTable

INDICATOR = "members"
# Every count of people the profession's own returns give by department, grade and role type: each
# period's table of each is protected as a whole, and every view of it reads the protected table.
PROTECTED = ("members", "joiners", "leavers")
POPULATION = "GSE"
DIMENSIONS = protection.DIMENSIONS


def _content_key(history: list[tuple[str, str]], threshold: int) -> str:
    """The kept table's key: the period's cells, and every earlier version's, since those shape its protection."""
    return protection_store.content_key(VERSION_SEPARATOR.join(text for _, text in history), threshold)


# Between versions' texts in a kept table's key (cell_contents separates cells by char(30)).
VERSION_SEPARATOR = chr(29)


def kept_tables(conn: sqlite3.Connection, as_at: str, periods: list[str], threshold: int,
                indicator: str = INDICATOR) -> dict[str, ProtectedTable]:
    """The protected tables of PERIODS already made (in this process or kept in the database), without protecting.

    What `table` would give for each period found; a period whose table was never made is left out.
    """
    base = (queries.database_file(conn), queries.revision_number(conn), as_at)
    found = {period: _TABLES[(*base, period, threshold, indicator)] for period in periods
             if (*base, period, threshold, indicator) in _TABLES}
    missing = [period for period in periods if period not in found]
    if not missing:
        return found
    keys = {period: _content_key(history, threshold)
            for period, history in queries.cell_versions(conn, as_at, missing, indicator).items()}
    tables = protection_store.kept(conn, keys.values())
    for period, key in keys.items():
        if key in tables:
            found[period] = tables[key]
            if not base[0].startswith("memory:"):
                _keep(base + (period, threshold, indicator), tables[key])
    return found


def protect_complete_periods(conn: sqlite3.Connection, threshold: int, as_at: str | None = None) -> int:
    """Protect (and keep) every complete period's table of every count of people as known at AS_AT; how many.

    AS_AT defaults to the latest date. Run after data changes (a changed period gets a newly
    protected table; the others are found kept), so pages, charts over time and the Board pack
    only read kept tables.
    """
    as_at = as_at or queries.latest_data_date(conn)
    if not as_at:
        return 0
    count = 0
    for indicator in PROTECTED:
        periods = queries.complete_cell_periods(conn, indicator, as_at, POPULATION)
        count += len(periods)
        if periods:
            table(conn, as_at, periods[-1], threshold, indicator)  # every page starts from the latest
        keys = {period: _content_key(history, threshold)
                for period, history in queries.cell_versions(conn, as_at, periods[:-1], indicator).items()}
        made = protection_store.kept_keys(conn, keys.values())
        # Only what is not kept yet is protected; kept tables are left for the pages to read.
        for period in reversed(periods[:-1]):
            if keys[period] not in made:
                table(conn, as_at, period, threshold, indicator)
    return count


def _keep(key: tuple, table: ProtectedTable) -> None:
    if len(_TABLES) >= _TABLES_KEPT:
        _TABLES.pop(next(iter(_TABLES)))
    _TABLES[key] = table


def table(conn: sqlite3.Connection, as_at: str, period: str, threshold: int,
          indicator: str = INDICATOR) -> ProtectedTable:
    """PERIOD's protected table of INDICATOR (members, joiners or leavers) as known at AS_AT.

    Kept per (database file, revision, as-at date, period, threshold, indicator), so a page
    reads it from memory; and protected once per content of its cells (and of its earlier
    versions) whatever the key, kept in this process and in the database (protection_store).
    A period corrected after it was first shown is protected with every earlier version
    (protection.protect_revision), so what it shows now adds nothing to what it showed then.
    """
    key = (queries.database_file(conn), queries.revision_number(conn), as_at, period, threshold, indicator)
    found = None if key[0].startswith("memory:") else _TABLES.get(key)
    if found is None:
        history = queries.cell_versions(conn, as_at, [period], indicator)[period]
        make = None
        if len(history) > 1:
            def make() -> ProtectedTable:
                earlier = [table(conn, day, period, threshold, indicator) for day, _ in history[:-1]]
                return protection.protect_revision(queries.cells(conn, as_at, period, indicator), threshold, earlier)
        found = protection_store.protected(conn, _content_key(history, threshold), threshold,
                                           lambda: queries.cells(conn, as_at, period, indicator), make)
        # An in-memory database has no name, and id(conn) is reused once a connection is gone:
        # a key from it could find another database's table. Found by its cells' contents only.
        if not key[0].startswith("memory:"):
            _keep(key, found)
    return found


_TABLES: dict[tuple, ProtectedTable] = {}
_TABLES_KEPT = 4096


def forget_in_memory() -> None:
    """Forget the tables kept in this process (as a new server process starts), for tests."""
    _TABLES.clear()


def latest_period(conn: sqlite3.Connection, as_at: str) -> str | None:
    """The latest period whose return is complete at AS_AT: the one breakdowns and headlines show."""
    return queries.latest_cell_period(conn, INDICATOR, as_at)


def series(conn: sqlite3.Connection, as_at: str, threshold: int, *, department: str = ALL, grade: str = ALL,
           role_type: str = ALL, indicator: str = INDICATOR) -> pd.DataFrame:
    """INDICATOR (members, joiners or leavers) over time for one selection (ALL, or one value of each), as published.

    queries.observation_series's columns plus ``hidden``: where the figure is not published its
    value is NaN (a chart leaves the point out, a table shows [c]). Periods with a complete
    return take the figure from that period's protected table, the whole profession's too (so
    the headline is the table's total, hidden with it), and ``revised`` marks a figure published
    at an earlier date with another value; periods published only as a total (no cells) show
    the stored figure, hidden below THRESHOLD.
    """
    frame = queries.observation_series(conn, indicator, as_at, population=POPULATION, department=department,
                                       grade=grade, role_type=role_type)
    frame = frame.copy()
    complete = set(queries.complete_cell_periods(conn, indicator, as_at, POPULATION))
    selection = (department, grade, role_type)
    values, hidden, revised = [], [], []
    made = kept_tables(conn, as_at, [p for p in frame["period"] if p in complete], threshold, indicator)
    for period, value, was_revised in zip(frame["period"], frame["value"], frame["revised"]):
        if period in complete:
            if period not in made and len(queries.cell_versions(conn, as_at, [period], indicator)[period]) == 1:
                known = queries.cells(conn, as_at, period, indicator)
                shortcut = protection.margin_hidden_without_protecting(known, threshold, selection)
                if shortcut is not None:
                    total = _sum_within(known, selection)
                    values.append(float("nan") if shortcut else total)
                    hidden.append(shortcut)
                    revised.append(False)
                    continue
            protected = made.get(period) or table(conn, as_at, period, threshold, indicator)
            figure = protected.figure(department, grade, role_type)
            values.append(float("nan") if figure is None else float(figure))
            hidden.append(figure is None)
            revised.append(figure is not None and protected.key(*selection) in protected.revised)
        else:
            small = value < threshold
            values.append(float("nan") if small else float(value))
            hidden.append(bool(small))
            revised.append(bool(was_revised) and not small)
    frame["value"] = pd.Series(values, index=frame.index, dtype=float)
    frame["hidden"] = pd.Series(hidden, index=frame.index, dtype=bool)
    frame["revised"] = pd.Series(revised, index=frame.index, dtype=bool)
    return frame


def _sum_within(known: pd.DataFrame, selection: tuple[str, str, str]) -> float:
    """The sum of the cells KNOWN within SELECTION (ALL, or one value of each breakdown, letter case ignored)."""
    inside = pd.Series(True, index=known.index)
    for dimension, value in zip(DIMENSIONS, selection):
        if value != ALL:
            inside &= known[dimension].astype(str).str.casefold() == str(value).casefold()
    return float(known.loc[inside, "value"].sum())


def change_since(frame: pd.DataFrame, as_at: str, since: str | None) -> tuple[float | None, float | None, str | None]:
    """The latest published value, its change since SINCE (only when both are published), and its period.

    A hidden latest value gives (None, None, period); a hidden earlier one gives no change.
    """
    upto = frame[frame["period"] <= as_at]
    if upto.empty:
        return None, None, None
    latest = upto.iloc[-1]
    if bool(latest.get("hidden", False)) or pd.isna(latest["value"]):
        return None, None, latest["period"]
    change = None
    if since:
        before = frame[frame["period"] <= since]
        if not before.empty and not bool(before.iloc[-1].get("hidden", False)) and not pd.isna(
                before.iloc[-1]["value"]):
            change = float(latest["value"] - before.iloc[-1]["value"])
    return float(latest["value"]), change, latest["period"]


def line(conn: sqlite3.Connection, as_at: str, period: str, threshold: int, by: str,
         fixed: dict[str, str]) -> pd.DataFrame:
    """Members by BY with the other breakdowns at FIXED: by, members, hidden.

    Every group of the period is listed, a group of nobody too (as [c]): leaving it out would say it is 0.
    """
    return table(conn, as_at, period, threshold).line(by, fixed)


def line_total(conn: sqlite3.Connection, as_at: str, period: str, threshold: int,
               fixed: dict[str, str]) -> tuple[int, bool]:
    """The total of a line (the selection FIXED) and whether it is hidden."""
    protected = table(conn, as_at, period, threshold)
    key = protected.key(**{d: fixed.get(d, ALL) for d in DIMENSIONS})
    if key is None:
        return 0, True
    return protected.values[key], protected.is_hidden(key)


def crosstab(conn: sqlite3.Connection, as_at: str, period: str, threshold: int, rows: str, columns: str,
             fixed: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ROWS by COLUMNS with totals at FIXED for the third breakdown: (values, hidden), every row and column listed."""
    return table(conn, as_at, period, threshold).crosstab(rows, columns, fixed)
