"""Single edits of the Board's own records from the Manage data page: a workstream rating, an action, a risk.

As edits.py does for progress updates: the editor role is checked here, the row is checked with
the same rules as an import of its kind, and it is written in one BEGIN IMMEDIATE transaction that
first checks nobody has changed the record since the form was loaded (optimistic concurrency).
A second row for the same key (workstream and Board, or reference and date) is a correction: the
first is kept, marked as replaced, and the audit log says who did what.
"""

from __future__ import annotations

import sqlite3

import pandas as pd
import sqlite_utils

from .. import importers
from ..rules import auth
from ..storage import store
from ..strategy.edits import FORM, EditRejected, StaleEdit

# The three kinds this module edits, by their import kind's name.
KINDS = ("ratings", "actions", "risks")


def _key_of(kind: str, record: dict) -> dict:
    return {name: record[name] for name in importers.kind_of(kind).key}


def _where(key: dict) -> tuple[str, list]:
    return " AND ".join(f"{name} = ?" for name in key), list(key.values())


def current_id(conn: sqlite3.Connection, kind: str, key: dict) -> int | None:
    """The id of the current row of KIND for KEY (e.g. workstream and board_date), or None: a form's starting point."""
    table = importers.kind_of(kind).table
    where, values = _where(key)
    row = conn.execute(f"SELECT id FROM {table} WHERE {where} AND superseded_at IS NULL", values).fetchone()
    return row[0] if row else None


def latest_id(conn: sqlite3.Connection, kind: str, ref: str) -> int | None:
    """The id of the newest current row of an action or risk REF (any date), or None."""
    table = importers.kind_of(kind).table
    row = conn.execute(f"SELECT id FROM {table} WHERE ref = ? AND superseded_at IS NULL "
                       "ORDER BY as_of DESC, id DESC LIMIT 1", [ref]).fetchone()
    return row[0] if row else None


def record(db: sqlite_utils.Database, user: auth.User, kind: str, fields: dict, *, based_on: int | None) -> int:
    """Record one Board rating, action state or risk assessment from a form; return its id.

    FIELDS are the import columns of KIND as text or values. BASED_ON is the id of the current row the
    form showed for this record (current_id for a rating; latest_id for an action or risk), or None if
    there was none. Refused with StaleEdit if that has changed since, and with EditRejected (each
    problem naming its field) if a value is wrong.
    """
    if kind not in KINDS:
        raise ValueError(f"board_edits records {', '.join(KINDS)}, not {kind!r}")
    actor = auth.require_editor(user).actor
    row = {k: "" if v is None else str(v) for k, v in fields.items()}
    validation = importers.validate(db, kind, pd.DataFrame([row]), filename=FORM)
    if not validation.ok:
        raise EditRejected([f"{p.column or 'form'}: {p.message}" for p in validation.problems])
    spec = importers.kind_of(kind)
    values = dict(zip(spec.fields, validation.records[0]))
    key = _key_of(kind, values)
    stamp = store.now()
    with store.write_transaction(db):
        conn = db.conn
        now = current_id(conn, kind, key) if kind == "ratings" else latest_id(conn, kind, values["ref"])
        if now != based_on:
            who, when = conn.execute(f"SELECT recorded_by, recorded_at FROM {spec.table} WHERE id = ?",
                                     [now]).fetchone() if now else ("someone", "")
            raise StaleEdit(f"Not saved: since you opened it, {who} recorded a change"
                            + (f" at {when.replace('T', ' ')} UTC" if when else "")
                            + ". Review it, then record yours again.")
        replaced = current_id(conn, kind, key)
        if replaced:
            conn.execute(f"UPDATE {spec.table} SET superseded_at = ? WHERE id = ?", [stamp, replaced])
        new_id = db[spec.table].insert({**values, "recorded_at": stamp, "recorded_by": actor,
                                        "revision_of": replaced}).last_pk
        store.audit(conn, at=stamp, actor=actor, action="correct" if replaced else "add", table=spec.table,
                    key=" / ".join(str(v) for v in key.values()), detail={"id": new_id, "replaces": replaced, **values})
    return new_id


def record_meeting(db: sqlite_utils.Database, user: auth.User, date: str, title: str) -> str:
    """Add a Board meeting on DATE, or retitle the one there; return what was done, in words."""
    actor = auth.require_editor(user).actor
    validation = importers.validate(db, "meetings", pd.DataFrame([{"date": date or "", "title": title or ""}]),
                                    filename=FORM)
    if not validation.ok:
        raise EditRejected([f"{p.column or 'form'}: {p.message}" for p in validation.problems])
    date, title = validation.records[0]
    stamp = store.now()
    with store.write_transaction(db):
        conn = db.conn
        current = conn.execute("SELECT id, title FROM board_meetings WHERE date = ?", [date]).fetchone()
        if current and current[1] == title:
            raise EditRejected([f"date: the Board of {date} is already called {title!r}: nothing to change"])
        if current:
            conn.execute("UPDATE board_meetings SET title = ? WHERE id = ?", [title, current[0]])
            store.audit(conn, at=stamp, actor=actor, action="change", table="board_meetings", key=date,
                        detail={"id": current[0], "changes": {"title": [current[1], title]}})
            return f"The Board of {date} is renamed {title!r} (was {current[1]!r})."
        new_id = db["board_meetings"].insert({"date": date, "title": title, "recorded_at": stamp,
                                              "recorded_by": actor}).last_pk
        store.audit(conn, at=stamp, actor=actor, action="add", table="board_meetings", key=date,
                    detail={"id": new_id, "title": title})
    return f"The Board of {date} is added."


def move_meeting(db: sqlite_utils.Database, user: auth.User, date: str, new_date: str, *, title: str) -> str:
    """Move the Board meeting on DATE to NEW_DATE, taking its workstream ratings and the actions it set along.

    Each rating and action state that names the meeting is corrected to the new date (the old
    version kept, marked replaced), so no Board's judgement is lost or left at a date with no meeting.
    """
    actor = auth.require_editor(user).actor
    validation = importers.validate(db, "meetings", pd.DataFrame([{"date": new_date or "", "title": title or ""}]),
                                    filename=FORM)
    if not validation.ok:
        raise EditRejected([f"{p.column or 'form'}: {p.message}" for p in validation.problems])
    new_date, title = validation.records[0]
    stamp = store.now()
    with store.write_transaction(db):
        conn = db.conn
        current = conn.execute("SELECT id, title FROM board_meetings WHERE date = ?", [date]).fetchone()
        if current is None:
            raise EditRejected([f"date: there is no Board meeting on {date} to move"])
        if new_date == date:
            raise EditRejected(["new date: it is the meeting's date already"])
        if conn.execute("SELECT 1 FROM board_meetings WHERE date = ?", [new_date]).fetchone():
            raise EditRejected([f"new date: there is already a Board meeting on {new_date}"])
        conn.execute("UPDATE board_meetings SET date = ?, title = ? WHERE id = ?", [new_date, title, current[0]])
        moved = {}
        for kind in ("ratings", "actions"):
            spec = importers.kind_of(kind)
            rows = conn.execute(f"SELECT id, {', '.join(spec.fields)} FROM {spec.table} "
                                "WHERE board_date = ? AND superseded_at IS NULL", [date]).fetchall()
            conn.executemany(f"UPDATE {spec.table} SET superseded_at = ? WHERE id = ?", [(stamp, r[0]) for r in rows])
            for row in rows:
                values = {**dict(zip(spec.fields, row[1:], strict=True)), "board_date": new_date}
                db[spec.table].insert({**values, "recorded_at": stamp, "recorded_by": actor, "revision_of": row[0]})
            moved[spec.table] = len(rows)
        store.audit(conn, at=stamp, actor=actor, action="move", table="board_meetings", key=new_date,
                    detail={"id": current[0], "changes": {"date": [date, new_date], "title": [current[1], title]},
                            "moved": moved})
    return (f"The Board of {date} is moved to {new_date}, with its {moved['workstream_ratings']} workstream "
            f"rating(s) and the {moved['board_actions']} action state(s) it set.")
