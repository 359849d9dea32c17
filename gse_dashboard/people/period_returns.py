"""When a period's return is complete: the write side of the rule that only complete periods are shown.

A return is the cells (department × grade × role type) of one indicator for one period. Until
every cell is in, no figure of that period is shown, nor any total summed from its cells (see
queries.unpublished_periods). An import of cells completes the periods it brings, unless the
return is being loaded in parts; then `mark_period_complete` completes it once the last part
is in. Undoing an import takes back the marks it made.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from ..rules import auth
from ..storage import queries, store


class ReturnError(ValueError):
    """A period that cannot be marked complete, with the reason to show."""


def mark_batch_complete(conn: sqlite3.Connection, batch_id: int, actor: str) -> list[tuple[str, str, str]]:
    """Mark complete every (indicator, population, period) whose cells import BATCH_ID brought; return them.

    The mark is dated with the import. Periods already complete keep their first mark.
    """
    stamp = conn.execute("SELECT created_at FROM import_batches WHERE id = ?", [batch_id]).fetchone()[0]
    periods = conn.execute(
        f"SELECT DISTINCT indicator, population, period FROM observations WHERE batch_id = ? AND {queries.CELL} "
        "ORDER BY indicator, population, period", [batch_id]).fetchall()
    fresh = [row for row in periods if not _is_marked(conn, *row)]
    conn.executemany(
        "INSERT INTO period_returns (indicator, population, period, recorded_at, recorded_by, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?)", [(*row, stamp, actor, batch_id) for row in fresh])
    return [tuple(row) for row in fresh]


def forget_batch(conn: sqlite3.Connection, batch_id: int) -> int:
    """Remove the completion marks import BATCH_ID made (when it is undone); return how many."""
    return conn.execute("DELETE FROM period_returns WHERE batch_id = ?", [batch_id]).rowcount


def _is_marked(conn: sqlite3.Connection, indicator: str, population: str, period: str) -> bool:
    return conn.execute("SELECT 1 FROM period_returns WHERE indicator = ? AND population = ? AND period = ?",
                        [indicator, population, period]).fetchone() is not None


def mark_period_complete(db: str | Path | sqlite_utils.Database, indicator: str, period: str, *,
                         user: auth.User | None, population: str = "GSE") -> str:
    """Mark INDICATOR's return for PERIOD complete (editors only), so its figures are shown from now on.

    Refused (ReturnError) when the period has no cells or is already complete. Returns a
    sentence saying what was done.
    """
    actor = auth.require_editor(user).actor
    database = db if isinstance(db, sqlite_utils.Database) else store.connect(db)
    try:
        with store.write_transaction(database):
            conn = database.conn
            cells = conn.execute(
                f"SELECT COUNT(*) FROM observations WHERE indicator = ? AND population = ? AND period = ? "
                f"AND {queries.CELL} AND superseded_at IS NULL", [indicator, population, period]).fetchone()[0]
            if not cells:
                raise ReturnError(f"there are no {indicator} figures by department, grade and role type for "
                                  f"{population} at {period}: import the return first")
            if _is_marked(conn, indicator, population, period):
                raise ReturnError(f"the {indicator} return for {population} at {period} is already complete")
            stamp = store.now()
            conn.execute("INSERT INTO period_returns (indicator, population, period, recorded_at, recorded_by) "
                         "VALUES (?, ?, ?, ?, ?)", [indicator, population, period, stamp, actor])
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, table_name, row_key, detail) VALUES (?, ?, ?, ?, ?, ?)",
                [stamp, actor, "mark complete", "period_returns", f"{indicator} | {population} | {period}",
                 json.dumps({"cells": cells})])
    finally:
        if database is not db:
            database.close()
    return f"The {indicator} return for {population} at {period} ({cells:,} cells) is complete and now shown."
