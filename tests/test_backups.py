"""Backups as first-class records (issues 25 and 28): each labelled with why and recorded in the audit
log, written for its owner only, rotated by a setting, one file each; a restore previews what it will
lose, keeps the live audit log and appends itself to it, and never lets a batch number be given twice.
"""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest

from gse_dashboard import importers as im
from gse_dashboard.rules import auth
from gse_dashboard.storage import backups, store
from gse_dashboard.strategy import edits

EDITOR = auth.command_line_user("Ada Analyst")
# Whole databases backed up and restored: the slow lane, as in test_restore_and_outputs.
pytestmark = pytest.mark.slow


def _meetings_file(folder: Path, name: str, rows: list[tuple[str, str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([("date", "title"), *rows])
    path = folder / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _import(db: Path, file: Path) -> int:
    with store.reading(db) as conn:
        validation = im.validate(conn, "meetings", im.read_path(file))
    assert validation.ok, validation.problem_lines()
    return im.apply_import(db, "meetings", validation, user=EDITOR).batch_id


def _one(db: Path, sql: str, *params):
    with store.reading(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_restore_keeps_the_live_audit_log_and_records_itself(db_copy, tmp_path):
    """Attack: restore wiped the audit log (185,731 rows → 2,684) with no entry; now all stay and one is added."""
    saved = backups.backup(db_copy)
    _import(db_copy, _meetings_file(tmp_path, "m.csv", [("2027-01-20", "January 2027 Board")]))
    before = _one(db_copy, "SELECT id, action FROM audit_log ORDER BY id")
    backups.restore(db_copy, saved, actor="Ada Analyst")
    after = _one(db_copy, "SELECT id, action FROM audit_log ORDER BY id")
    assert after[:len(before)] == before
    restore = _one(db_copy, "SELECT actor, action, row_key, detail FROM audit_log WHERE action = 'restore'")
    assert len(restore) == 1 and restore[0][:3] == ("Ada Analyst", "restore", saved.name)
    assert '"board_meetings": 1' in restore[0][3] and '"import_batches": 1' in restore[0][3]


def test_a_batch_number_is_never_given_out_twice_after_a_restore(db_copy, tmp_path):
    """Attack: the next import after a restore took a restored-away batch's number; undo-import N hit another batch."""
    saved = backups.backup(db_copy)
    first = _import(db_copy, _meetings_file(tmp_path, "a.csv", [("2027-01-20", "January 2027 Board")]))
    backups.restore(db_copy, saved, actor="Ada Analyst")
    second = _import(db_copy, _meetings_file(tmp_path, "b.csv", [("2027-04-21", "April 2027 Board")]))
    assert second != first
    (filename, undone_by), = _one(db_copy, "SELECT filename, undone_by FROM import_batches WHERE id = ?", first)
    assert (Path(filename).name, undone_by) == ("a.csv", f"Ada Analyst (restore of {saved.name})")
    with pytest.raises(im.UndoRefused, match="already undone"):
        im.undo_batch(db_copy, first, EDITOR)
    assert _one(db_copy, "SELECT COUNT(*) FROM board_meetings WHERE date = '2027-04-21'") == [(1,)]
    im.undo_batch(db_copy, second, EDITOR)
    assert _one(db_copy, "SELECT COUNT(*) FROM board_meetings WHERE date = '2027-04-21'") == [(0,)]


def test_backups_are_readable_by_their_owner_only(db_copy, tmp_path):
    """Attack: backups were written 0644, readable by every account on the server, with unsuppressed counts."""
    saved = backups.backup(db_copy)
    safety = backups.restore(db_copy, saved)
    for path in (saved, safety):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(saved.parent.stat().st_mode) & 0o077 == 0


def test_backups_are_rotated_by_the_setting(db_copy, monkeypatch):
    """Attack: backups were never removed (1.5 GB after 15 operations); only the newest GSE_KEEP_BACKUPS stay."""
    monkeypatch.setenv("GSE_KEEP_BACKUPS", "3")
    taken = [backups.backup(db_copy) for _ in range(5)]
    kept = backups.list_backups(db_copy)
    assert [Path(b["path"]) for b in kept] == taken[::-1][:3]
    assert not taken[0].exists() and not taken[1].exists()


def test_backups_are_listed_with_size_and_why_and_leave_no_stray_files(db_copy, tmp_path):
    """Each backup is listed with its size and the reason it was taken; backups/ holds no -wal or -shm file."""
    by_hand = backups.backup(db_copy, actor="Ada Analyst")
    _import(db_copy, _meetings_file(tmp_path, "m.csv", [("2027-01-20", "January 2027 Board")]))
    backups.restore_preview(db_copy, by_hand)
    backups.restore(db_copy, by_hand)
    listed = {b["file"]: b for b in backups.list_backups(db_copy)}
    assert listed[by_hand.name]["reason"] == "taken by hand" and listed[by_hand.name]["bytes"] == by_hand.stat().st_size
    assert sorted(b["reason"] for b in listed.values()) == [
        "before a restore (what the restore replaced)", "before an import", "taken by hand"]
    assert sorted(p.name for p in by_hand.parent.iterdir()) == sorted(listed)
    audit = _one(db_copy, "SELECT actor, action, row_key FROM audit_log WHERE table_name = 'backups' ORDER BY id")
    assert audit == [("Ada Analyst", "backup", by_hand.name), ("command line", "restore", by_hand.name)]
    before_import = next(b["path"] for b in listed.values() if b["reason"] == "before an import")
    details = [d for (d,) in _one(db_copy, "SELECT detail FROM audit_log WHERE action = 'import'")]
    assert any(before_import in detail for detail in details)  # named in the import's own entry


def test_a_restore_preview_lists_what_was_recorded_after_the_backup(db_copy):
    """The preview names every record the restore would remove: here one progress update and nothing else."""
    saved = backups.backup(db_copy)
    assert backups.restore_preview(db_copy, saved) == []
    database = store.connect(db_copy)
    try:
        edits.record_update(database, EDITOR, "WS4-L1", {
            "as_of": "2026-12-01", "status": "in progress", "rating": "Amber", "percent_complete": 50,
            "commentary": "After the backup."}, based_on=edits.current_version(database.conn, "WS4-L1"))
    finally:
        database.close()
    lost = backups.restore_preview(db_copy, saved)
    assert [(item["what"], item["rows"]) for item in lost] == [("progress updates", 1)]
