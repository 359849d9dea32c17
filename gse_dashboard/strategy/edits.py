"""Single edits from the Manage data page: record a progress update, assign an owner or set a date.

Each edit checks the editor role here, on the server, validates with the same rules as an
import, and is written in one BEGIN IMMEDIATE transaction that first checks nobody else has
changed the commitment since the editor's form was loaded (optimistic concurrency). A stale
edit is refused with a description of what changed; it never overwrites silently.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from .. import importers
from ..rules import auth, text_rules
from ..storage import store

# Where a form's problems say they come from (import problems name a file).
FORM = "form"


class EditRejected(ValueError):
    """An edit with mistakes: every problem, each naming the field."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class StaleEdit(ValueError):
    """An edit based on a view that someone else has changed since it was loaded."""


@dataclass(frozen=True)
class Version:
    """What an editor's form was based on: the latest update and the latest owner/due-date change."""

    update_id: int | None
    change_id: int | None


def current_version(conn: sqlite3.Connection, ref: str) -> Version:
    """The newest current update and commitment change of REF, as the form's starting point."""
    update = conn.execute(
        "SELECT id FROM progress_updates WHERE ref = ? AND superseded_at IS NULL "
        "ORDER BY as_of DESC, recorded_at DESC, id DESC LIMIT 1", [ref]).fetchone()
    change = conn.execute("SELECT MAX(id) FROM commitment_changes WHERE ref = ?", [ref]).fetchone()
    return Version(update[0] if update else None, change[0])


@dataclass(frozen=True)
class Outcome:
    """What saving a form would do, worked out before it is saved: add, correct (old → new) or nothing."""

    action: str  # importers.ADD, CHANGE or UNCHANGED
    changes: str  # "status: in progress → complete; …" for a correction
    recorded_by: str  # who recorded the version a correction replaces, and when
    recorded_at: str

    @property
    def correction(self) -> bool:
        return self.action == importers.CHANGE


def outcome(conn: sqlite3.Connection, kind: str, fields: dict) -> Outcome:
    """What saving FIELDS (a form's row of import KIND) would do now; EditRejected names every mistake."""
    row = {k: "" if v is None else str(v) for k, v in fields.items()}
    validation = importers.validate(conn, kind, pd.DataFrame([row]), filename=FORM)
    if not validation.ok:
        raise EditRejected([f"{p.column or 'form'}: {p.message}" for p in validation.problems])
    shown = importers.preview(conn, validation).iloc[0]
    return Outcome(shown["action"], shown["changes"], shown["current_recorded_by"], shown["current_recorded_at"])


def _describe_update(conn: sqlite3.Connection, update_id: int) -> str:
    row = conn.execute("SELECT as_of, status, rating, percent_complete, recorded_by, recorded_at "
                       "FROM progress_updates WHERE id = ?", [update_id]).fetchone()
    as_of, status, rating, percent, who, when = row
    return (f"{who} recorded an update at {when.replace('T', ' ')} UTC for {as_of}: {status}, {rating}, "
            f"{percent:.0f}% complete")


def record_update(db: sqlite_utils.Database, user: auth.User, ref: str, fields: dict, *,
                  based_on: Version) -> int:
    """Record a progress update for REF from a form; return its id.

    FIELDS holds as_of, status, rating, percent_complete, commentary and optionally
    evidence_url and board_rating, as text or values. An update for a date that already has
    one is a correction: the old one is kept and marked as replaced, and a Board's rating left
    blank keeps the one it had (importers.CLEAR removes it).
    """
    actor = auth.require_editor(user).actor
    row = {"ref": ref, **{k: "" if v is None else str(v) for k, v in fields.items()}}
    validation = importers.validate(db, "progress", pd.DataFrame([row]), filename=FORM)
    if not validation.ok:
        raise EditRejected([f"{p.column or 'form'}: {p.message}" for p in validation.problems])
    spec = importers.kind_of("progress")
    record = dict(zip(spec.fields, validation.records[0]))
    stamp = store.now()
    with store.write_transaction(db):
        conn = db.conn
        now = current_version(conn, record["ref"])
        if now.update_id != based_on.update_id:
            raise StaleEdit(f"Not saved: since you opened {record['ref']}, "
                            f"{_describe_update(conn, now.update_id)}. Review it, then record yours again.")
        replaced = conn.execute(
            "SELECT id FROM progress_updates WHERE ref = ? AND as_of = ? AND superseded_at IS NULL",
            [record["ref"], record["as_of"]]).fetchone()
        if replaced:
            # A field left blank keeps what the replaced update says (clearing one is explicit).
            for name in validation.kept[0]:
                record[name] = conn.execute(f"SELECT {name} FROM progress_updates WHERE id = ?",
                                            [replaced[0]]).fetchone()[0]
            conn.execute("UPDATE progress_updates SET superseded_at = ? WHERE id = ?", [stamp, replaced[0]])
        new_id = db["progress_updates"].insert({
            **record, "recorded_at": stamp, "recorded_by": actor,
            "revision_of": replaced[0] if replaced else None}).last_pk
        store.audit(conn, at=stamp, actor=actor, action="correct" if replaced else "add", table="progress_updates",
                    key=f"{record['ref']} / {record['as_of']}",
                    detail={"id": new_id, "replaces": replaced[0] if replaced else None, **record})
    return new_id


def assignment(conn: sqlite3.Connection, ref: str) -> dict:
    """REF's dates and owner as they stand: indicative date, continuing, set date and assigned owner (None if none)."""
    indicative, continuing = conn.execute(
        "SELECT due_date, continuing FROM commitments WHERE ref = ?", [ref]).fetchone()
    latest = lambda flag, column: conn.execute(  # noqa: E731
        f"SELECT {column} FROM commitment_changes WHERE ref = ? AND {flag} = 1 "
        "ORDER BY recorded_at DESC, id DESC LIMIT 1", [ref]).fetchone()
    dated, owned = latest("sets_due_date", "due_date"), latest("sets_owner", "owner")
    return {"indicative_due_date": indicative, "continuing": bool(continuing),
            "set_due_date": dated[0] if dated else None, "owner": owned[0] if owned else None}


def change_commitment(db: sqlite_utils.Database, user: auth.User, ref: str, *, due_date: str | None,
                      owner: str | None, reason: str, based_on: Version) -> int:
    """Set REF's date and/or assign its owner, recording who did it and when.

    A blank DUE_DATE, or the indicative date itself, means the indicative date (a continuing
    commitment has none and takes no date). A blank OWNER means none assigned: the strategy's
    own responsibility, the GSE Profession Board. Only what differs from the current values is
    recorded as set, so "assigned by" and "set by" name the person who really did it.
    """
    actor = auth.require_editor(user).actor
    problems = []
    due_date = (due_date or "").strip()
    if due_date:
        try:
            # Only YYYY-MM-DD: date.fromisoformat also takes 2024-W01-1 and 20240101 (issue 17, item 14).
            parsed = text_rules.parse_date(due_date)
        except (TypeError, ValueError):
            problems.append(f"due_date: {due_date[:40]!r} is not a date as YYYY-MM-DD")
        else:
            if parsed.year < 2016:
                problems.append("due_date: a due date must be after the strategy's launch in September 2016")
    owner = (owner or "").strip()
    if len(owner) > 200:
        problems.append("owner: keep it under 200 characters")
    elif text_rules.text_problem(owner, one_line=True):
        problems.append(f"owner: {text_rules.text_problem(owner, one_line=True)}")
    if not (reason or "").strip():
        problems.append("reason: say why it changes, for the audit log")
    elif text_rules.text_problem(reason):
        problems.append(f"reason: {text_rules.text_problem(reason)}")
    if problems:
        raise EditRejected(problems)
    stamp = store.now()
    with store.write_transaction(db):
        conn = db.conn
        if conn.execute("SELECT 1 FROM commitments WHERE ref = ?", [ref]).fetchone() is None:
            raise EditRejected([f"ref: {ref!r} is not a commitment reference"])
        now = current_version(conn, ref)
        if now.change_id != based_on.change_id:
            who, when, sets_due, due, sets_owner, new_owner = conn.execute(
                "SELECT recorded_by, recorded_at, sets_due_date, due_date, sets_owner, owner "
                "FROM commitment_changes WHERE id = ?", [now.change_id]).fetchone()
            what = [f"date {due or 'back to indicative'}" if sets_due else "",
                    f"owner {new_owner or 'none assigned'}" if sets_owner else ""]
            said = ", ".join(w for w in what if w) or "no change"
            raise StaleEdit(f"Not saved: since you opened {ref}, {who} changed it at {when.replace('T', ' ')} UTC "
                            f"({said}). Review it, then make your change again.")
        current = assignment(conn, ref)
        if due_date and current["continuing"]:
            raise EditRejected([f"due_date: {ref} is a continuing commitment: the strategy gives it no end, so it "
                                "takes no date (it is judged by its latest update and rating); leave the date blank"])
        wanted_due = None if due_date == current["indicative_due_date"] else (due_date or None)
        sets_due, sets_owner = wanted_due != current["set_due_date"], (owner or None) != current["owner"]
        if not sets_due and not sets_owner:
            raise EditRejected(["nothing to change: the date and owner are as they already stand"])
        record = {"sets_due_date": int(sets_due), "due_date": wanted_due if sets_due else None,
                  "sets_owner": int(sets_owner), "owner": (owner or None) if sets_owner else None}
        change_id = db["commitment_changes"].insert({
            "ref": ref, **record, "reason": reason.strip(), "recorded_at": stamp, "recorded_by": actor}).last_pk
        store.audit(conn, at=stamp, actor=actor, action="change", table="commitment_changes", key=ref,
                    detail={"id": change_id, **record, "reason": reason.strip()})
    return change_id


