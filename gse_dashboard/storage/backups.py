"""Backups of the database and restoring one: consistent copies, never a half-written file.

A backup is SQLite's online backup written to a temporary name and renamed when complete; a
restore checks the file is a dashboard database, keeps a safety backup of the current one and
replaces the contents in place, so open connections see the restored data.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

from . import store
from .migrations import MIGRATIONS, migration_names


def backup_path(path: Path) -> Path:
    """Where a backup of PATH taken now goes: a backups/ folder beside it, time-stamped."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return path.parent / "backups" / f"{path.stem}-{stamp}{path.suffix}"


def backup(path: Path, target: Path | None = None) -> Path:
    """Copy the database at PATH consistently (SQLite's online backup) to TARGET; return where.

    The default TARGET is a new time-stamped file in backups/ beside the database; an existing
    TARGET is refused rather than overwritten. The copy is written to a temporary name and renamed
    only when complete, so a full disk leaves no partial or empty backup behind (StoreError, one line).
    """
    target = Path(target) if target else backup_path(Path(path))
    if target.exists() or target.is_symlink():
        raise store.StoreError(f"{target} already exists: choose another file")
    temporary = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(temporary)
            try:
                with destination:
                    source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
        os.replace(temporary, target)
    except sqlite3.Error as error:
        raise store.StoreError(f"could not back up to {target}: {store.plain_sqlite_error(error)}") from None
    except OSError as error:
        raise store.StoreError(f"could not back up to {target}: {error.strerror or error}") from None
    finally:
        for leftover in (temporary, Path(f"{temporary}-journal"), Path(f"{temporary}-wal")):
            leftover.unlink(missing_ok=True)
    return target


def remove_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def list_backups(path: str | Path) -> list[dict]:
    """The backups kept beside the database at PATH, newest first, with size and time."""
    path = Path(path)
    folder = path.parent / "backups"
    if not folder.exists():
        return []
    found = []
    for item in folder.glob(f"{path.stem}-*{path.suffix}"):
        stat = item.stat()
        if not _looks_like_sqlite(item, stat.st_size):  # an empty or cut-off file is not a backup to offer
            continue
        found.append({"file": item.name, "path": str(item), "bytes": stat.st_size,
                      "taken_at": dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")})
    return sorted(found, key=lambda b: b["file"], reverse=True)


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


def restore(path: str | Path, source: str | Path) -> Path | None:
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
        finally:
            candidate.close()
        if not path.exists():
            shutil.copyfile(staging, path)
            return None
        return _replace_contents(path, staging)
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
            finally:
                writer.close()
        finally:
            reader.close()
    except sqlite3.Error as error:
        raise store.StoreError(f"{source.name}: {store.plain_sqlite_error(error)}; nothing changed") from None


def _replace_contents(path: Path, staging: Path) -> Path:
    """Under one write transaction on PATH: back it up, then copy every table of STAGING into it."""
    live = store.connect(path)
    conn = live.conn
    try:
        store.migrate(live)
        conn.execute("ATTACH DATABASE ? AS incoming", [str(staging)])
        # Foreign keys are checked once, after the copy (row-by-row checks make the DELETEs quadratic).
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            conn.execute("BEGIN IMMEDIATE")  # the write lock, held to the end
            try:
                safety = backup_path(path)
                safety.parent.mkdir(parents=True, exist_ok=True)
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
                for table, columns in mine.items():
                    if set(columns) != set(theirs[table]):
                        raise store.StoreError(f"the backup's {table} table has other columns: nothing changed")
                    quoted = '"' + table.replace('"', '""') + '"'
                    names = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
                    conn.execute(f"DELETE FROM main.{quoted}")
                    conn.execute(f"INSERT INTO main.{quoted} ({names}) SELECT {names} FROM incoming.{quoted}")
                if conn.execute("SELECT 1 FROM incoming.sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
                    conn.execute("DELETE FROM main.sqlite_sequence")
                    conn.execute("INSERT INTO main.sqlite_sequence SELECT * FROM incoming.sqlite_sequence")
                broken = conn.execute("PRAGMA main.foreign_key_check").fetchone()
                if broken:
                    raise store.StoreError(f"the backup's {broken[0]} table refers to missing {broken[2]} rows: "
                                           "nothing changed")
                # Revisions only go forward, so no cached view of the replaced contents is reused.
                restored = store.revision(live)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'revision'", [str(max(previous, restored) + 1)])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
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
        reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        destination = sqlite3.connect(temporary)
        try:
            reader.backup(destination)
        finally:
            destination.close()
            reader.close()
        os.replace(temporary, target)
    except (sqlite3.Error, OSError) as error:
        text = store.plain_sqlite_error(error) if isinstance(error, sqlite3.Error) else (error.strerror or str(error))
        raise store.StoreError(f"could not take the safety backup {target}: {text}; nothing changed") from None
    finally:
        temporary.unlink(missing_ok=True)
