"""Applying a checked import: backup, re-check against the database as it is now, one transaction."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from ..people import period_returns
from ..rules import auth
from ..storage import backups, store
from .formats import (
    ADD,
    CHANGE,
    UNCHANGED,
    ImportRejected,
    Kind,
    Problem,
    Validation,
    key_getter,
    key_text,
    kind_of,
)
from .planning import changed_fields, merged_record, plan_rows, recorded_by
from .reading import collector_paused

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
            who = f" by {recorded_by(spec, now_[1])[0]}" if now_[1] else ""
            problems.append(Problem(validation.filename, row_number, key_columns,
                                    f"{key_text(record[p] for p in key_positions)} was changed{who} after this "
                                    "file was checked: check the file again to see the change"))
    return problems


class _NothingToDo(Exception):
    pass


@collector_paused
def apply_import(db: str | Path | sqlite_utils.Database, kind: str, validation: Validation, *, user: auth.User,
                 filename: str | None = None, sha256: str | None = None, in_parts: bool = False) -> ImportResult:
    """Write a checked file as one import batch: all rows in one transaction, or nothing.

    Takes a backup first; inside the transaction checks the file again against the database
    as it now is and refuses (ImportRejected) if a row it would replace has changed since
    validate or preview; adds new rows, supersedes corrected ones, skips unchanged ones, and
    writes an audit row for each. USER must be an editor (auth.PermissionDenied otherwise).
    Figures by department, grade and role type complete their periods' returns unless IN_PARTS
    (more parts to come: returns.mark_period_complete completes them).
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
    database, close, path = store.writable(db)
    try:
        backup = backups.backup(path, reason=backups.BEFORE_IMPORT) if path else None
        try:
            with store.busy_refused("imported"), store.write_transaction(database):
                batch_id, counts = _write(database.conn, spec, validation, actor=actor, filename=filename,
                                          sha256=sha256, backup=backup)
                if spec.name == "observations" and not in_parts:
                    period_returns.mark_batch_complete(database.conn, batch_id, actor)
        except _NothingToDo:
            return ImportResult(kind, filename, None, 0, 0, len(validation.records), backup)
    finally:
        if close:
            database.close()
    return ImportResult(kind, filename, batch_id, counts[ADD], counts[CHANGE], counts[UNCHANGED], backup)


def _write(conn: sqlite3.Connection, spec: Kind, validation: Validation, *, actor: str, filename: str,
           sha256: str, backup: Path | None) -> tuple[int, dict[str, int]]:
    problems = _recheck(conn, validation)
    if problems:
        raise ImportRejected(problems)
    plan = plan_rows(conn, spec, validation)
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
    key_of = key_getter(spec)
    audit = []
    if spec.name == "meetings":
        _write_meetings(conn, validation, plan, stamp, actor, batch_id, audit)
    else:
        # Ids are given out here, under the write lock, so audit rows and corrections can name them.
        next_id = conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {spec.table}").fetchone()[0]
        inserts, supersede = [], []
        for row_number, record, kept, (action, current) in zip(validation.rows, validation.records, validation.kept,
                                                               plan, strict=True):
            if action == UNCHANGED:
                continue
            key = key_text(key_of(record))
            if action == CHANGE:
                merged = merged_record(spec, kept, record, current)
                supersede.append((stamp, current[0]))
                detail = json.dumps({"id": next_id, "replaces": current[0], "file_row": row_number,
                                     "changes": changed_fields(spec, merged, current)})
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
    store.audit_many(conn, audit)
    detail = {"kind": spec.name, "filename": filename, "sha256": sha256, "added": counts[ADD],
              "changed": counts[CHANGE], "unchanged": counts[UNCHANGED], "backup": str(backup) if backup else None}
    store.audit(conn, at=stamp, actor=actor, action="import", table="import_batches", key=str(batch_id),
                detail=detail, batch_id=batch_id)
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
