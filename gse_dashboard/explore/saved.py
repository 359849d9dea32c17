"""Saved views: a state kept under a name in `saved_views`, saved and deleted by editors only."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pandas as pd
import sqlite_utils

from ..rules import text_rules
from ..rules.auth import User, require_editor
from ..storage import queries, store
from .choices import VIEW_NAME_MAX, ViewError
from .state import ExploreState, as_list, to_query_params

# -- saved views -------------------------------------------------------------------------------

def _view_name(name: str) -> str:
    """NAME trimmed and checked: 1 to 80 characters, on one line."""
    text = (name or "").strip()
    if not text:
        raise ViewError("Give the view a name.")
    if len(text) > VIEW_NAME_MAX:
        raise ViewError(f"A view's name can be at most {VIEW_NAME_MAX} characters; this one has {len(text)}.")
    if any(ord(c) < 32 or ord(c) == 127 for c in text) or text_rules.text_problem(text, one_line=True):
        raise ViewError("A view's name must be one line of text, without control characters.")
    return text


def _audit(db: sqlite_utils.Database, actor: str, action: str, name: str, detail: dict) -> None:
    store.audit(db.conn, at=store.now(), actor=actor, action=action, table="saved_views", key=name, detail=detail)


def save_view(db: sqlite_utils.Database, name: str, state: ExploreState, user: User | None, *,
              overwrite: bool = False, keep_date: bool = True) -> str:
    """Save STATE as a named view (editors only); return the name as stored.

    With KEEP_DATE (the default) the view keeps STATE's as-at date and reopens at it, with
    the same numbers; without, it follows whatever as-at date the sidebar shows. A name
    already taken (ignoring case) is refused unless OVERWRITE.
    """
    actor = require_editor(user).actor
    text = _view_name(name)
    params = to_query_params(state if keep_date and state.as_at else dataclasses.replace(state, as_at=None))
    payload = json.dumps(params, sort_keys=True)
    with store.write_transaction(db):
        taken = db.conn.execute("SELECT id, name FROM saved_views WHERE name = ? COLLATE NOCASE", [text]).fetchone()
        if taken and not overwrite:
            raise ViewError(f"There is already a view called '{taken[1]}'. Choose another name, or replace it.")
        if taken:
            db.conn.execute("UPDATE saved_views SET name = ?, state = ?, created_by = ?, created_at = ? WHERE id = ?",
                            [text, payload, actor, store.now(), taken[0]])
        else:
            db.conn.execute("INSERT INTO saved_views (name, state, created_by, created_at) VALUES (?, ?, ?, ?)",
                            [text, payload, actor, store.now()])
        _audit(db, actor, "replace view" if taken else "save view", text, {"state": params})
    return text


def list_views(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every saved view: name, state (as JSON query parameters), who saved it and when; by name."""
    return queries.saved_views(conn)


def saved_params(state_json: str | None) -> dict[str, list[str]]:
    """A saved view's query parameters, decoded from its stored JSON: each key with its list of values.

    The one place a saved view is read back: the page describes and opens a view with it and
    `from_query_params` turns it into a state. JSON that is broken or not an object gives no
    parameters rather than an error (the view then opens as the default question).
    """
    try:
        params = json.loads(state_json or "{}")
    except json.JSONDecodeError:
        return {}
    if not isinstance(params, dict):
        return {}
    return {str(key): as_list(value) for key, value in params.items()}


def delete_view(db: sqlite_utils.Database, name: str, user: User | None) -> None:
    """Delete the saved view NAME (editors only)."""
    actor = require_editor(user).actor
    with store.write_transaction(db):
        row = db.conn.execute("SELECT state FROM saved_views WHERE name = ?", [name]).fetchone()
        if row is None:
            raise ViewError(f"There is no saved view called '{name}'.")
        db.conn.execute("DELETE FROM saved_views WHERE name = ?", [name])
        _audit(db, actor, "delete view", name, {"state": row[0]})
