"""Build a database from the strategy files (and, by default, the illustrative history).

The new database is written to a temporary file beside the target and moved into place only
when complete, so a failed or interrupted build never leaves a half-built database, and an
existing one is copied to data/backups/ before --force replaces it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

from . import db as store
from . import official_statistics
from .config import DATA_DIR, load_settings
from .sample import load_sample
from .scale import load_scale
from .strategy import load_strategy


def backup_path(path: Path) -> Path:
    """Where a backup of PATH taken now goes: a backups/ folder beside it, time-stamped."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return path.parent / "backups" / f"{path.stem}-{stamp}{path.suffix}"


def backup(path: Path, target: Path | None = None) -> Path:
    """Copy the database at PATH consistently (SQLite's online backup) to TARGET; return where.

    The default TARGET is a new time-stamped file in backups/ beside the database; an existing
    TARGET is refused rather than overwritten.
    """
    target = Path(target) if target else backup_path(Path(path))
    if target.exists():
        raise store.StoreError(f"{target} already exists: choose another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)
        destination.close()
    finally:
        source.close()
    return target


def _remove_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_database(path: str | Path, *, sample: bool = True, force: bool = False,
                   data_dir: Path = DATA_DIR, scale: int = 1, profession: str | None = None) -> dict:
    """Create the database at PATH; return what was loaded (row counts, backup path).

    The published Civil Service Statistics in data/civil-service-statistics/ are always
    imported (for PROFESSION, default the GSE_PROFESSION setting). SCALE above 1 builds the
    illustrative history about SCALE times larger (see scale.py).

    Raises store.StoreError if PATH exists and FORCE is not set, and strategy.DataFileError
    if a strategy file is wrong; in both cases nothing on disk changes.
    """
    path = Path(path)
    if path.exists() and not force:
        raise store.StoreError(f"{path} already exists: use --force to rebuild it (a backup is kept)")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.building-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    _remove_sidecars(temporary)
    try:
        database = store.connect(temporary, create=True)
        store.migrate(database)
        with store.write_transaction(database):
            counts = load_strategy(database, data_dir)
            # The published figures are real: they are loaded with or without the illustrative history.
            profession = profession or load_settings().profession
            counts.update(official_statistics.load_shipped(database, data_dir, profession))
            if sample:
                counts.update(load_sample(database) if scale <= 1 else load_scale(database, scale))
            store.set_meta(database, "illustrative", "1" if sample else "0")
            store.set_meta(database, "built_at", store.now())
        database.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database.conn.execute("ANALYZE")
        database.close()
        _remove_sidecars(temporary)
        saved = backup(path) if path.exists() else None
        _remove_sidecars(path)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
        _remove_sidecars(temporary)
    counts["backup"] = str(saved) if saved else None
    return counts


def ensure_database(path: str | Path) -> bool:
    """Build the default database at PATH if there is none; return True if it was built."""
    path = Path(path)
    if path.exists():
        database = store.connect(path)
        try:
            store.migrate(database)
        finally:
            database.close()
        return False
    try:
        build_database(path)
    except store.StoreError:
        # Another process built it between our check and our build: that is fine.
        if not path.exists():
            raise
        return False
    return True


def list_backups(path: str | Path) -> list[dict]:
    """The backups kept beside the database at PATH, newest first, with size and time."""
    path = Path(path)
    folder = path.parent / "backups"
    if not folder.exists():
        return []
    found = []
    for item in folder.glob(f"{path.stem}-*{path.suffix}"):
        stat = item.stat()
        found.append({"file": item.name, "path": str(item), "bytes": stat.st_size,
                      "taken_at": dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")})
    return sorted(found, key=lambda b: b["file"], reverse=True)


def restore(path: str | Path, source: str | Path) -> Path:
    """Replace the database at PATH with the backup SOURCE, backing up the current one first.

    SOURCE is checked (it must open as a database with the dashboard's schema and pass the
    integrity check) before anything changes. Returns the path of the safety backup.
    """
    path, source = Path(path), Path(source)
    if not source.exists():
        raise store.StoreError(f"no backup at {source}")
    try:
        candidate = store.connect(source, readonly=True)
    except sqlite3.DatabaseError as error:
        raise store.StoreError(f"{source.name} is not a SQLite database: {error}") from None
    try:
        if not candidate.table("commitments").exists():
            raise store.StoreError(f"{source.name} is not a dashboard database (no commitments table)")
        problems = [p for p in store.integrity_problems(candidate) if not p.startswith("migrations")]
    except sqlite3.DatabaseError as error:
        raise store.StoreError(f"{source.name} is not a SQLite database: {error}") from None
    finally:
        candidate.close()
    if problems:
        raise store.StoreError(f"{source.name} fails its integrity check: {problems[0]}")
    previous_revision = 0
    if path.exists():
        current = store.connect(path, readonly=True)
        try:
            previous_revision = store.revision(current)
        finally:
            current.close()
    safety = backup(path) if path.exists() else None
    staging = path.with_name(f".{path.name}.restoring-{os.getpid()}")
    shutil.copyfile(source, staging)
    _remove_sidecars(path)
    os.replace(staging, path)
    database = store.connect(path)
    try:
        store.migrate(database)
        with store.write_transaction(database):
            # Revisions only go forward, so no cached view of the replaced database is reused.
            store.set_meta(database, "revision", str(max(previous_revision, store.revision(database))))
    finally:
        database.close()
    return safety
