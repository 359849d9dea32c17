"""Undoing an import batch as a whole: its rows removed and the rows they replaced brought back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from ..people import official_statistics, period_returns
from ..rules import auth
from ..storage import backups, store
from .formats import ADD, UndoRefused, key_text, kind_of
from .writing import UndoResult

# -- undoing ----------------------------------------------------------------------------------


def undo_batch(db: str | Path | sqlite_utils.Database, batch_id: int, user: auth.User) -> UndoResult:
    """Reverse one import batch as a whole: remove its rows and bring back the rows they replaced.

    Takes a backup first and works in one transaction. Refused (UndoRefused) if the batch does
    not exist, was already undone, or any of its rows has since been replaced by a later
    import or edit (undo that first). USER must be an editor.
    """
    actor = auth.require_editor(user).actor
    database, close, path = store.writable(db)
    try:
        backup = backups.backup(path, reason=backups.BEFORE_UNDO) if path else None
        with store.busy_refused("undone"), store.write_transaction(database):
            kind, removed, restored = _undo(database.conn, batch_id, actor, backup)
    finally:
        if close:
            database.close()
    return UndoResult(batch_id, kind, removed, restored, backup)


def _undo(conn: sqlite3.Connection, batch_id: int, actor: str, backup: Path | None) -> tuple[str, int, int]:
    batch = conn.execute("SELECT kind, filename, undone_at, undone_by FROM import_batches WHERE id = ?",
                         [batch_id]).fetchone()
    if batch is None:
        raise UndoRefused(f"there is no import batch {batch_id}")
    kind, filename, undone_at, undone_by = batch
    if undone_at:
        raise UndoRefused(f"import batch {batch_id} ({filename}) was already undone by {undone_by} at {undone_at}")
    stamp = store.now()
    audit = []
    if kind == official_statistics.KIND:
        try:
            removed, restored = official_statistics.undo_rows(conn, batch_id, filename, stamp, actor, audit)
        except official_statistics.UndoRefused as refused:
            raise UndoRefused(str(refused)) from None
    elif kind == "meetings":
        removed, restored = _undo_meetings(conn, batch_id, filename, stamp, actor, audit)
    else:
        spec = kind_of(kind)
        key_sql = ", ".join(spec.key)
        rows = conn.execute(f"SELECT id, revision_of, superseded_at, {key_sql} FROM {spec.table} "
                            "WHERE batch_id = ? ORDER BY id", [batch_id]).fetchall()
        replaced = [row for row in rows if row[2] is not None]
        if replaced:
            later = conn.execute(f"SELECT recorded_by, recorded_at, batch_id FROM {spec.table} WHERE revision_of = ?",
                                 [replaced[0][0]]).fetchone()
            by = ""
            if later:
                by = f" by {later[0]} at {later[1]}" + (f" (import batch {later[2]})" if later[2] else "")
            more = f", and {len(replaced) - 1} more of its rows have been too" if len(replaced) > 1 else ""
            raise UndoRefused(f"import batch {batch_id} ({filename}) cannot be undone: its row for "
                              f"{key_text(replaced[0][3:])} has since been corrected{by}{more}; undo that first")
        conn.executemany(f"DELETE FROM {spec.table} WHERE id = ?", [(row[0],) for row in rows])
        conn.executemany(f"UPDATE {spec.table} SET superseded_at = NULL WHERE id = ?",
                         [(row[1],) for row in rows if row[1] is not None])
        for row in rows:
            detail = {"removed_id": row[0], "restored_id": row[1], "undone_batch": batch_id}
            audit.append((stamp, actor, "undo", spec.table, key_text(row[3:]), json.dumps(detail), batch_id))
        removed, restored = len(rows), sum(1 for row in rows if row[1] is not None)
    period_returns.forget_batch(conn, batch_id)
    conn.execute("UPDATE import_batches SET undone_at = ?, undone_by = ? WHERE id = ?", [stamp, actor, batch_id])
    store.audit_many(conn, audit)
    detail = {"kind": kind, "filename": filename, "removed": removed, "restored": restored,
              "backup": str(backup) if backup else None}
    store.audit(conn, at=stamp, actor=actor, action="undo-import", table="import_batches", key=str(batch_id),
                detail=detail, batch_id=batch_id)
    return kind, removed, restored


def _undo_meetings(conn: sqlite3.Connection, batch_id: int, filename: str, stamp: str, actor: str,
                   audit: list) -> tuple[int, int]:
    changes = conn.execute("SELECT action, row_key, detail FROM audit_log WHERE batch_id = ? "
                           "AND table_name = 'board_meetings' AND action IN ('add', 'change')", [batch_id]).fetchall()
    current = {date: (row_id, title, owner) for row_id, date, title, owner in conn.execute(
        "SELECT id, date, title, batch_id FROM board_meetings WHERE date IN (SELECT value FROM json_each(?))",
        [json.dumps([date for _, date, _ in changes])])}
    deletes, restores = [], []
    for action, date, detail_text in changes:
        row = current.get(date)
        detail = json.loads(detail_text)
        title = detail["title"] if action == ADD else detail["changes"]["title"][1]
        if row is None or row[2] != batch_id or row[1] != title:
            raise UndoRefused(f"import batch {batch_id} ({filename}) cannot be undone: the board meeting on {date} "
                              "has since been changed or removed; undo that first")
        if action == ADD:
            deletes.append((row[0],))
        else:
            restores.append((detail["changes"]["title"][0], detail.get("previous_batch_id"), row[0]))
        audit.append((stamp, actor, "undo", "board_meetings", date,
                      json.dumps({"undone_batch": batch_id, "action": action}), batch_id))
    conn.executemany("DELETE FROM board_meetings WHERE id = ?", deletes)
    conn.executemany("UPDATE board_meetings SET title = ?, batch_id = ? WHERE id = ?", restores)
    return len(deletes), len(restores)
