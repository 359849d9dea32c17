"""The Board's own records as known at a date: its workstream ratings, its actions and the risk registers.

Queries only (connection in, DataFrame out), read bitemporally like queries.py: a row counts if it
was recorded by the end of the as-at date and not yet replaced by a correction then.
"""

from __future__ import annotations

import sqlite3

import pandas as pd

from ..storage.queries import KNOWN, as_at_params


def workstream_ratings(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Every Board rating of a workstream for a Board up to AS_AT, as known then; newest Board first."""
    return pd.read_sql_query(
        f"""
        SELECT workstream, board_date, rating, rationale, recorded_by, recorded_at,
               revision_of IS NOT NULL AS revised
        FROM workstream_ratings
        WHERE board_date <= :as_at AND {KNOWN}
        ORDER BY workstream, board_date DESC
        """, conn, params=as_at_params(as_at))


def _history(conn: sqlite3.Connection, table: str, columns: str, as_at: str) -> pd.DataFrame:
    return pd.read_sql_query(
        f"""
        SELECT ref, as_of, {columns}, recorded_by, recorded_at, revision_of IS NOT NULL AS revised
        FROM {table}
        WHERE as_of <= :as_at AND {KNOWN}
        ORDER BY ref, as_of
        """, conn, params=as_at_params(as_at))


ACTION_COLUMNS = "board_date, workstream, action, owner, due_date, status, note"
RISK_COLUMNS = "workstream, risk, owner, likelihood, impact, mitigation, status"


def action_history(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Every recorded state of every Board action up to AS_AT, as known then, oldest first per action."""
    return _history(conn, "board_actions", ACTION_COLUMNS, as_at)


def risk_history(conn: sqlite3.Connection, as_at: str) -> pd.DataFrame:
    """Every recorded state of every risk up to AS_AT, as known then, oldest first per risk."""
    return _history(conn, "risks", RISK_COLUMNS, as_at)


def latest(history: pd.DataFrame) -> pd.DataFrame:
    """Each ref's newest state from a history (action_history or risk_history)."""
    if history.empty:
        return history
    return history.sort_values(["ref", "as_of"]).groupby("ref", sort=False).tail(1).reset_index(drop=True)


def versions(conn: sqlite3.Connection, kind: str, ref: str) -> pd.DataFrame:
    """Every version ever recorded of an action or risk REF (kind "actions" or "risks"), corrections and the
    versions they replaced alike, oldest first: what the Manage data page shows as the record's history."""
    table, columns = {"actions": ("board_actions", ACTION_COLUMNS), "risks": ("risks", RISK_COLUMNS)}[kind]
    return pd.read_sql_query(
        f"""
        SELECT ref, as_of, {columns}, recorded_by, recorded_at, superseded_at
        FROM {table} WHERE ref = :ref
        ORDER BY as_of, recorded_at, id
        """, conn, params={"ref": ref})
