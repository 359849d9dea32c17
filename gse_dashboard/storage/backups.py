"""Backups of the database and restoring one: consistent copies, never a half-written file.

A backup is SQLite's online backup written to a temporary name and renamed when complete, as one
file (no -wal or -shm beside it) readable by its owner only (0600: it holds unsuppressed counts),
named with why it was taken (by hand, before an import, an undo, a restore or a rebuild); the
oldest beyond the GSE_KEEP_BACKUPS setting are removed. A restore checks the file is a dashboard
database, keeps a safety backup of the current one and replaces the contents in place, so open
connections see the restored data; the live audit log is kept and the restore appended to it, and
import batches made since the backup stay listed (as removed by the restore), so a batch number is
never given out twice.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

from ..config import load_settings
from . import store
from .migrations import MIGRATIONS, migration_names

# Why a backup was taken, as its file name says it (after the time stamp) and as the page says it.
BY_HAND, BEFORE_IMPORT, BEFORE_UNDO, BEFORE_RESTORE, BEFORE_INIT = (
    "by-hand", "before-import", "before-undo", "before-restore", "before-init")
REASONS = {BY_HAND: "taken by hand", BEFORE_IMPORT: "before an import", BEFORE_UNDO: "before an undo",
           BEFORE_RESTORE: "before a restore (what the restore replaced)",
           BEFORE_INIT: "before a rebuild (init --force)"}
# Owner only: a backup holds every count unsuppressed.
FILE_MODE, FOLDER_MODE = 0o600, 0o700


def backup_path(path: Path, reason: str = BY_HAND) -> Path:
    """Where a backup of PATH taken now for REASON goes: a backups/ folder beside it, time-stamped."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason for a backup {reason!r}: use one of {', '.join(REASONS)}")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return path.parent / "backups" / f"{path.stem}-{stamp}-{reason}{path.suffix}"


def _private_file(path: Path) -> None:
    """Create PATH empty, readable and writable by its owner only, for SQLite to write into."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))


def _folder(folder: Path) -> None:
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)


def backup(path: Path, target: Path | None = None, *, reason: str = BY_HAND, actor: str | None = None,
           keep: int | None = None) -> Path:
    """Copy the database at PATH consistently (SQLite's online backup) to TARGET; return where.

    The default TARGET is a new time-stamped file in backups/ beside the database, named with
    REASON; an existing TARGET is refused rather than overwritten. The copy is written to a
    temporary name (mode 0600) and renamed only when complete, so a full disk leaves no partial or
    empty backup behind (StoreError, one line). With ACTOR (a backup taken by hand), the backup
    is recorded in the audit log with who and why; one taken before an import, undo or restore is
    named in that operation's own audit entry, written in its transaction, so a refused import
    leaves the log as it was. Then only the newest KEEP backups are kept (default: the
    GSE_KEEP_BACKUPS setting); a TARGET chosen elsewhere is never removed.
    """
    target = Path(target) if target else backup_path(Path(path), reason)
    if target.exists() or target.is_symlink():
        raise store.StoreError(f"{target} already exists: choose another file")
    temporary = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _folder(target.parent)
        _private_file(temporary)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(temporary)
            try:
                with destination:
                    source.backup(destination)
                # One file: a backup in WAL mode leaves -wal and -shm files beside it when it is read.
                destination.execute("PRAGMA journal_mode = DELETE")
            finally:
                destination.close()
        finally:
            source.close()
        os.replace(temporary, target)
    except sqlite3.Error as error:
        raise store.StoreError(f"could not back up to {target}: {store.plain_sqlite_error(error)}") from None
    except (FileNotFoundError, PermissionError):
        raise store.StoreError(f"could not back up to {target}: cannot be opened: check the path and its "
                               "permissions") from None
    except OSError as error:
        raise store.StoreError(f"could not back up to {target}: {error.strerror or error}") from None
    finally:
        for leftover in (temporary, Path(f"{temporary}-journal"), Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)
    if actor:
        _audit_backup(Path(path), target, reason, actor)
    rotate(path, keep)
    return target


def _audit_backup(path: Path, target: Path, reason: str, actor: str) -> None:
    database = store.connect(path)
    try:
        with store.write_transaction(database):
            store.audit(database.conn, at=store.now(), actor=actor, action="backup", table="backups", key=target.name,
                        detail={"file": str(target), "reason": REASONS[reason], "bytes": target.stat().st_size})
    finally:
        database.close()


def rotate(path: str | Path, keep: int | None = None) -> list[Path]:
    """Remove the oldest backups of PATH beyond the newest KEEP (default: the setting); return those removed."""
    keep = load_settings().keep_backups if keep is None else keep
    removed = []
    for old in list_backups(path, include_unreadable=True)[keep:]:
        Path(old["path"]).unlink(missing_ok=True)
        remove_sidecars(Path(old["path"]))
        removed.append(Path(old["path"]))
    return removed


def remove_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def list_backups(path: str | Path, *, include_unreadable: bool = False) -> list[dict]:
    """The backups kept beside the database at PATH, newest first, with size, time and why it was taken."""
    path = Path(path)
    folder = path.parent / "backups"
    if not folder.exists():
        return []
    found = []
    for item in folder.glob(f"{path.stem}-*{path.suffix}"):
        stat = item.stat()
        # An empty or cut-off file is not a backup to offer.
        if not include_unreadable and not _looks_like_sqlite(item, stat.st_size):
            continue
        name = item.name.removeprefix(f"{path.stem}-").removesuffix(path.suffix)
        stamp, _, reason = name.partition("-")
        found.append({"file": item.name, "path": str(item), "bytes": stat.st_size, "stamp": stamp,
                      "reason": REASONS.get(reason, "not recorded (an older backup)"),
                      "taken_at": dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")})
    return sorted(found, key=lambda b: b["stamp"], reverse=True)


def _looks_like_sqlite(item: Path, size: int) -> bool:
    if size < 512:
        return False
    try:
        with item.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


# Tables every dashboard database has had since its first migration.
CORE_TABLES = ("workstreams", "commitments", "observations", "progress_updates", "meta", "audit_log")


def check_restorable(candidate: store.sqlite_utils.Database, name: str) -> None:
    """Raise StoreError unless CANDIDATE is this application's database at this or an older schema, sound."""
    tables = set(candidate.table_names())
    if "_sqlite_migrations" not in tables or not set(CORE_TABLES) <= tables:
        raise store.StoreError(f"{name} is not a GSE dashboard database (it has no dashboard tables): nothing changed")
    applied = {row[0] for row in candidate.conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATIONS.name])}
    if not applied:
        raise store.StoreError(f"{name} is not a GSE dashboard database (no dashboard migrations): nothing changed")
    known = set(migration_names())
    newer = sorted(applied - known)
    if newer:
        raise store.StoreError(f"{name} comes from a newer version of the dashboard (schema change {newer[0]} is "
                               "unknown here): upgrade the dashboard before restoring it; nothing changed")
    problems = [p for p in store.integrity_problems(candidate) if not p.startswith("migrations")]
    if problems:
        raise store.StoreError(f"{name} fails its integrity check: {problems[0]}; nothing changed")


def restore(path: str | Path, source: str | Path, *, actor: str = "command line") -> Path | None:
    """Replace the contents of the database at PATH with the backup SOURCE; return the safety backup.

    Nothing changes unless SOURCE is this application's database at this or an older schema and
    sound: it is first copied with SQLite's backup API (so the content of its -wal is included),
    checked and brought up to this schema in a staging file. Then, holding the live database's
    write lock throughout, the current contents are backed up and replaced table by table in one
    transaction: a write that arrives meanwhile waits and then lands on the restored data, and a
    write that came before is in the safety backup. The live file is never swapped or deleted.
    """
    path, source = Path(path), Path(source)
    if not source.exists():
        raise store.StoreError(f"no backup at {source}")
    if source.is_dir():
        raise store.StoreError(f"{source} is a folder, not a backup file")
    if path.exists() and os.path.samefile(path, source):
        raise store.StoreError(f"{source} is the database itself: choose a backup")
    staging = path.with_name(f".{path.name}.restoring-{os.getpid()}")
    staging.unlink(missing_ok=True)
    try:
        _private_file(staging)
        _stage(source, staging)
        candidate = store.connect(staging)
        try:
            check_restorable(candidate, source.name)
            try:
                store.migrate(candidate)
            except Exception as error:  # noqa: BLE001 - any failure here must leave the live database alone
                raise store.StoreError(f"{source.name} could not be brought up to this version's schema: "
                                       f"{str(error).splitlines()[0] if str(error) else type(error).__name__}; "
                                       "nothing changed") from None
            candidate.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            candidate.conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            candidate.close()
        if not path.exists():
            shutil.copyfile(staging, path)
            return None
        lost = _lost(path, staging)
        return _replace_contents(path, staging, source, actor, lost)
    finally:
        for leftover in (staging, Path(f"{staging}-wal"), Path(f"{staging}-shm"), Path(f"{staging}-journal")):
            leftover.unlink(missing_ok=True)


def _stage(source: Path, staging: Path) -> None:
    """Copy SOURCE (with whatever its -wal holds) to STAGING through SQLite's backup API."""
    try:
        reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            reader.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            writer = sqlite3.connect(staging)
            try:
                reader.backup(writer)
                writer.execute("PRAGMA journal_mode = DELETE")
            finally:
                writer.close()
        finally:
            reader.close()
    except sqlite3.Error as error:
        raise store.StoreError(f"{source.name}: {store.plain_sqlite_error(error)}; nothing changed") from None


def _replace_contents(path: Path, staging: Path, source: Path, actor: str, lost: list[dict]) -> Path:
    """Under one write transaction on PATH: back it up, then copy every table of STAGING into it."""
    live = store.connect(path)
    conn = live.conn
    try:
        store.migrate(live)
        conn.execute("ATTACH DATABASE ? AS incoming", [str(staging)])
        # Foreign keys are checked once, after the copy (row-by-row checks make the DELETEs quadratic).
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with store.immediate(conn):  # the write lock, held to the end
                safety = backup_path(path, BEFORE_RESTORE)
                _folder(safety.parent)
                # A second connection reads the last committed state (WAL lets it while we hold the
                # write lock, and nothing can commit in between); SQLite's backup cannot read from
                # a connection in a write transaction.
                _backup_connection(path, safety)
                previous = store.revision(live)
                mine = _tables(conn, "main")
                theirs = _tables(conn, "incoming")
                if set(mine) != set(theirs):
                    raise store.StoreError("the backup's tables differ from this database's after migration: "
                                           "nothing changed")
                stamp = store.now()
                for table, columns in mine.items():
                    if set(columns) != set(theirs[table]):
                        raise store.StoreError(f"the backup's {table} table has other columns: nothing changed")
                    if table == "audit_log":
                        continue  # the live log is kept whole: it is the record of what happened
                    quoted = '"' + table.replace('"', '""') + '"'
                    names = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
                    if table == "import_batches":
                        # Batches made since the backup stay, marked as removed by this restore: their
                        # numbers are in the audit log and are never given to another batch.
                        conn.execute("DELETE FROM main.import_batches "
                                     "WHERE id IN (SELECT id FROM incoming.import_batches)")
                        conn.execute("UPDATE main.import_batches SET undone_at = ?, undone_by = ? "
                                     "WHERE undone_at IS NULL", [stamp, f"{actor} (restore of {source.name})"])
                    else:
                        conn.execute(f"DELETE FROM main.{quoted}")
                    conn.execute(f"INSERT INTO main.{quoted} ({names}) SELECT {names} FROM incoming.{quoted}")
                if conn.execute("SELECT 1 FROM incoming.sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
                    conn.execute("DELETE FROM main.sqlite_sequence")
                    conn.execute("INSERT INTO main.sqlite_sequence SELECT * FROM incoming.sqlite_sequence")
                broken = conn.execute("PRAGMA main.foreign_key_check").fetchone()
                if broken:
                    raise store.StoreError(f"the backup's {broken[0]} table refers to missing {broken[2]} rows: "
                                           "nothing changed")
                store.audit(conn, at=stamp, actor=actor, action="restore", table="backups", key=source.name,
                            detail={"restored": str(source), "replaced_kept_in": str(safety),
                                    "lost": {item["table"]: item["rows"] for item in lost}})
                # Revisions only go forward, so no cached view of the replaced contents is reused.
                restored = store.revision(live)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'revision'", [str(max(previous, restored) + 1)])
        finally:
            conn.execute("DETACH DATABASE incoming")
            conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as error:
        raise store.StoreError(f"could not restore into {path}: {store.plain_sqlite_error(error)}; "
                               "nothing changed") from None
    finally:
        live.close()
    return safety


def _tables(conn: sqlite3.Connection, schema: str) -> dict[str, list[str]]:
    names = [row[0] for row in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {name: [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info(\"{name}\")")] for name in names}


def _backup_connection(path: Path, target: Path) -> None:
    """Copy the committed state of PATH to TARGET through a new reading connection, via a temporary name."""
    temporary = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _private_file(temporary)
        reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        destination = sqlite3.connect(temporary)
        try:
            reader.backup(destination)
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()
            reader.close()
        os.replace(temporary, target)
    except (sqlite3.Error, OSError) as error:
        text = store.plain_sqlite_error(error) if isinstance(error, sqlite3.Error) else (error.strerror or str(error))
        raise store.StoreError(f"could not take the safety backup {target}: {text}; nothing changed") from None
    finally:
        temporary.unlink(missing_ok=True)


# The records a restore can lose, as a person names them: table → what its rows are.
RECORDS = {
    "progress_updates": "progress updates", "commitment_changes": "dates set and owners assigned",
    "workstream_ratings": "Board ratings of workstreams", "board_actions": "Board action states",
    "risks": "risk assessments", "board_meetings": "Board meetings", "observations": "figures",
    "targets": "targets", "official_cells": "published Civil Service Statistics cells",
    "import_batches": "import batches", "saved_views": "saved views", "saved_queries": "saved queries",
}


def _lost(path: Path, backup_file: Path) -> list[dict]:
    """Records in the database at PATH that the (staged, one-file) BACKUP_FILE does not have, by table."""
    conn = sqlite3.connect(path)  # only read; a read-only open of a WAL file fails when no reader has it open
    try:
        conn.execute("ATTACH DATABASE ? AS backup", [str(backup_file)])
        theirs = {row[0] for row in conn.execute("SELECT name FROM backup.sqlite_master WHERE type = 'table'")}
        mine = {row[0] for row in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
        lost = []
        for table, label in RECORDS.items():
            if table not in mine:
                continue
            if table in theirs:
                count = conn.execute(f"SELECT COUNT(*) FROM main.{table} WHERE id NOT IN "
                                     f"(SELECT id FROM backup.{table})").fetchone()[0]
            else:
                count = conn.execute(f"SELECT COUNT(*) FROM main.{table}").fetchone()[0]
            newest = conn.execute(f"SELECT MAX(recorded_at) FROM main.{table}").fetchone()[0] \
                if count and "recorded_at" in _tables(conn, "main")[table] else None
            if count:
                lost.append({"table": table, "what": label, "rows": count, "newest": newest})
        return lost
    finally:
        conn.close()


def restore_preview(path: str | Path, source: str | Path) -> list[dict]:
    """What restoring SOURCE into the database at PATH would lose: records made since, by table (none: [])."""
    path, source = Path(path), Path(source)
    staging = path.with_name(f".{path.name}.previewing-{os.getpid()}")
    staging.unlink(missing_ok=True)
    try:
        _private_file(staging)
        _stage(source, staging)
        return _lost(path, staging)
    finally:
        for leftover in (staging, Path(f"{staging}-wal"), Path(f"{staging}-shm"), Path(f"{staging}-journal")):
            leftover.unlink(missing_ok=True)
