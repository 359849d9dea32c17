"""Restores and output files that never lose data (issue 17, items 4, 5, 7 and 11): restore holds the
write lock and checks its source first; pack and export refuse the database, a wrong suffix, an
existing file without --force and a symbolic link; every failure is one line, with no empty backup.
"""

from __future__ import annotations

import hashlib
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from gse_dashboard.config import ROOT
from gse_dashboard.storage import backups, store
from tests.test_cli import run

# Real command-line runs, restores of whole databases and concurrent writers: the slow lane.
pytestmark = pytest.mark.slow


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _meetings(path, title: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM board_meetings WHERE title = ?", [title]).fetchone()[0]
    finally:
        conn.close()


def _add_meeting(database, date: str, title: str) -> None:
    database.conn.execute("INSERT INTO board_meetings (date, title, recorded_at, recorded_by) VALUES (?, ?, ?, ?)",
                          [date, title, store.now(), "test"])


# -- item 4: a write that overlaps a restore ---------------------------------------------------

def test_a_write_that_overlaps_a_restore_is_kept_in_the_safety_backup(db_copy, tmp_path):
    """An import-style write transaction open when a restore starts commits, and its row is in the safety backup."""
    saved = backups.backup(db_copy, tmp_path / "saved.db")
    writer = store.connect(db_copy)
    outcome = {}
    with store.write_transaction(writer):
        _add_meeting(writer, "2031-01-01", "Overlapping import")
        worker = threading.Thread(target=lambda: outcome.setdefault("safety", backups.restore(db_copy, saved)))
        worker.start()
        time.sleep(1.5)  # the restore is now waiting for the write lock
        assert worker.is_alive(), "the restore did not wait for the write in progress"
    writer.close()
    worker.join(timeout=120)
    assert not worker.is_alive()
    safety = outcome["safety"]
    assert _meetings(safety, "Overlapping import") == 1  # the replaced contents, with the write, are kept
    assert _meetings(db_copy, "Overlapping import") == 0  # and the database is the backup's
    assert run("--db", db_copy, "check").returncode == 0


def test_a_write_after_a_restore_lands_on_the_restored_data(db_copy, tmp_path):
    """A write on a connection opened before the restore commits into the restored database, not a lost file."""
    saved = backups.backup(db_copy, tmp_path / "saved.db")
    early = store.connect(db_copy)
    backups.restore(db_copy, saved)
    with store.write_transaction(early):
        _add_meeting(early, "2031-02-01", "After the restore")
    early.close()
    assert _meetings(db_copy, "After the restore") == 1


# -- item 5: only this application's database, at this or an older schema ----------------------

def test_restore_refuses_another_applications_database_and_changes_nothing(db_copy, tmp_path):
    """A SQLite file of another application is refused in one line; the live database is untouched and works."""
    foreign = tmp_path / "other-app.db"
    conn = sqlite3.connect(foreign)
    conn.executescript("CREATE TABLE commitments (id INTEGER, note TEXT); INSERT INTO commitments VALUES (1, 'x');")
    conn.close()
    before = _digest(db_copy)
    done = run("--db", db_copy, "restore", foreign)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("error: other-app.db is not a GSE dashboard database (it has no dashboard tables): "
                           "nothing changed\n")
    assert _digest(db_copy) == before
    assert not list((db_copy.parent / "backups").glob("*")) if (db_copy.parent / "backups").exists() else True
    assert run("--db", db_copy, "check").returncode == 0


def test_restore_refuses_a_database_from_a_newer_version(db_copy, tmp_path):
    """A backup with a schema change this version does not know is refused, naming the change."""
    newer = tmp_path / "newer.db"
    shutil.copyfile(db_copy, newer)
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('gse_dashboard', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    before = _digest(db_copy)
    done = run("--db", db_copy, "restore", newer)
    assert done.returncode == 2
    assert done.stderr == ("error: newer.db comes from a newer version of the dashboard (schema change "
                           "m999_from_the_future is unknown here): upgrade the dashboard before restoring it; "
                           "nothing changed\n")
    assert _digest(db_copy) == before


def test_restore_includes_what_is_in_the_sources_wal(db_copy, tmp_path):
    """A backup whose last write is still in its -wal file is restored with that write."""
    source = tmp_path / "source.db"
    shutil.copyfile(db_copy, source)
    holder = store.connect(source)  # WAL mode; while it is open the write stays in source.db-wal
    holder.conn.execute("PRAGMA wal_autocheckpoint = 0")
    with store.write_transaction(holder):
        _add_meeting(holder, "2032-03-03", "Only in the WAL")
    assert (tmp_path / "source.db-wal").stat().st_size > 0
    try:
        backups.restore(db_copy, source)
    finally:
        holder.close()
    assert _meetings(db_copy, "Only in the WAL") == 1


def test_restore_of_an_older_schema_brings_it_up_to_date(db_copy, tmp_path):
    """A backup from before the last schema change is restored and migrated, not refused."""
    older = tmp_path / "older.db"
    shutil.copyfile(db_copy, older)
    conn = sqlite3.connect(older)
    # As it was before the schema change that added saved queries (later changes leave that table alone).
    conn.execute("DROP TABLE saved_queries")
    assert conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_saved_queries'").rowcount == 1
    conn.commit()
    conn.close()
    backups.restore(db_copy, older)
    database = store.connect(db_copy, readonly=True)
    try:
        assert store.pending_migrations(database) == [] and database.table("saved_queries").exists()
    finally:
        database.close()


# -- item 7: output files ------------------------------------------------------------------------

def test_export_refuses_the_database_an_existing_file_and_a_symbolic_link(db_copy, tmp_path):
    """export will not write over the database, an existing file without --force, or through a symbolic link."""
    before = _digest(db_copy)
    own = run("--db", db_copy, "export", "commitments", "--out", db_copy.with_suffix(".csv"))
    assert own.returncode == 0  # a different file beside it is fine
    renamed = tmp_path / "live.csv"
    shutil.copyfile(db_copy, renamed)
    refused = run("--db", renamed, "export", "commitments", "--out", renamed, "--force")
    assert refused.returncode == 2
    assert refused.stderr == f"error: {renamed} is the dashboard's database or one of its files: choose another name\n"
    assert _digest(renamed) == before
    out = tmp_path / "out.csv"
    out.write_text("keep me")
    again = run("--db", db_copy, "export", "commitments", "--out", out)
    assert again.returncode == 2 and again.stderr == f"error: {out} already exists: use --force to replace it\n"
    assert out.read_text() == "keep me"
    assert run("--db", db_copy, "export", "commitments", "--out", out, "--force").returncode == 0
    assert out.read_text(encoding="utf-8-sig").startswith("ref,")
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    linked = run("--db", db_copy, "export", "commitments", "--out", link, "--force")
    assert linked.returncode == 2 and "is a symbolic link" in linked.stderr
    assert target.read_text() == "precious" and link.is_symlink()
    wrong = run("--db", db_copy, "export", "commitments", "--out", tmp_path / "out.pdf")
    assert wrong.returncode == 2 and "must end in .csv or .xlsx" in wrong.stderr


def test_pack_refuses_the_database_an_existing_file_a_wrong_suffix_and_a_link(db_copy, tmp_path):
    """pack --out is refused before any build for the database itself, a wrong suffix, an existing file or a link."""
    as_pdf = tmp_path / "board.pdf"
    shutil.copyfile(db_copy, as_pdf)
    before = _digest(as_pdf)
    own = run("--db", as_pdf, "pack", "--as-at", "2018-10-17", "--format", "pdf", "--out", as_pdf, "--force")
    assert own.returncode == 2 and "is the dashboard's database" in own.stderr
    assert _digest(as_pdf) == before
    wrong = run("--db", db_copy, "pack", "--as-at", "2018-10-17", "--format", "pdf", "--out", tmp_path / "x.docx")
    assert wrong.returncode == 2 and "should end in .pdf" in wrong.stderr
    existing = tmp_path / "pack.pdf"
    existing.write_bytes(b"old pack")
    kept = run("--db", db_copy, "pack", "--as-at", "2018-10-17", "--format", "pdf", "--out", existing)
    assert kept.returncode == 2 and kept.stderr == f"error: {existing} already exists: use --force to replace it\n"
    assert existing.read_bytes() == b"old pack"
    link = tmp_path / "link.pdf"
    link.symlink_to(db_copy)
    linked = run("--db", tmp_path / "board.pdf", "pack", "--as-at", "2018-10-17", "--format", "pdf", "--out", link,
                 "--force")
    assert linked.returncode == 2 and "symbolic link" in linked.stderr


# -- item 11: one line, whatever goes wrong, and no empty backups --------------------------------

def test_files_that_are_not_databases_get_one_line(tmp_path, db_copy):
    """check on text or a folder, --db /etc/passwd import, backup --out /proc/x.db: one line, exit 2, no traceback."""
    text = tmp_path / "notes.db"
    text.write_text("just some notes\n" * 100)
    cases = {
        ("--db", text, "check"): f"error: {text}: this is not a SQLite database (is it the right file?)\n",
        ("--db", tmp_path, "check"): f"error: {tmp_path} is a folder, not a database file\n",
        ("--db", "/etc/passwd", "import", "meetings", ROOT / "data" / "commitments.csv", "--dry-run"):
            "error: /etc/passwd: this is not a SQLite database (is it the right file?)\n",
        ("--db", db_copy, "backup", "--out", "/proc/x.db"):
            "error: could not back up to /proc/x.db: cannot be opened: check the path and its permissions\n",
    }
    for args, expected in cases.items():
        done = run(*args)
        assert done.returncode == 2 and done.stdout == "" and done.stderr == expected, (args, done.stderr)


def _limited(max_bytes: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return limit


def test_a_full_disk_during_backup_or_import_is_one_line_and_leaves_no_empty_backup(db_copy, tmp_path):
    """With file writes capped (as on a full disk), backup and import fail in one line; no backup file is left."""
    before = _digest(db_copy)
    for args in (("backup",), ("import", "meetings", tmp_path / "meetings.csv")):
        (tmp_path / "meetings.csv").write_text("date,title\n2033-01-01,Board\n", encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "gse_dashboard", "--db", str(db_copy), *map(str, args)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=_limited(64 * 1024))
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "could not back up" in done.stderr
        leftovers = list((db_copy.parent / "backups").glob("*")) if (db_copy.parent / "backups").exists() else []
        assert leftovers == [], leftovers
    assert _digest(db_copy) == before
    (db_copy.parent / "backups").mkdir(exist_ok=True)
    (db_copy.parent / "backups" / "gse-20260101T000000000000.db").write_bytes(b"")
    (db_copy.parent / "backups" / "gse-20260102T000000000000.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 16)
    good = backups.backup(db_copy)
    assert [b["path"] for b in backups.list_backups(db_copy)] == [str(good)]
