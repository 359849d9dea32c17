"""Undoing an import batch of Civil Service Statistics: its cells and figures removed, what they revised restored."""

from __future__ import annotations

import json
import sqlite3


class UndoRefused(ValueError):
    """An undo that would lose later work."""


def undo_rows(conn: sqlite3.Connection, batch_id: int, filename: str, stamp: str, actor: str,
              audit: list) -> tuple[int, int]:
    """Remove a batch's cells and figures and bring back what they revised; refuse if revised since."""
    removed = restored = 0
    for table in ("official_cells", "observations"):
        rows = conn.execute(f"SELECT id, revision_of, superseded_at FROM {table} WHERE batch_id = ? ORDER BY id",
                            [batch_id]).fetchall()
        later = [row for row in rows if row[2] is not None]
        if later:
            raise UndoRefused(f"import batch {batch_id} ({filename}) cannot be undone: {len(later)} of its "
                              f"figures in {table} have since been revised by a later import; undo that first")
        conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(row[0],) for row in rows])
        conn.executemany(f"UPDATE {table} SET superseded_at = NULL WHERE id = ?",
                         [(row[1],) for row in rows if row[1] is not None])
        audit.extend((stamp, actor, "undo", table, str(row[0]),
                      json.dumps({"removed_id": row[0], "restored_id": row[1], "undone_batch": batch_id}), batch_id)
                     for row in rows)
        removed += len(rows)
        restored += sum(1 for row in rows if row[1] is not None)
    return removed, restored
