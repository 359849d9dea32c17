"""Build a database from the strategy files (and, by default, the illustrative history).

The new database is written to a temporary file beside the target and moved into place only
when complete, so a failed or interrupted build never leaves a half-built database, and an
existing one is copied to data/backups/ before --force replaces it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..config import DATA_DIR, load_settings
from ..people import official_statistics
from ..storage import backups, store
from ..strategy.reading import load_strategy
from .sample import load_sample
from .scale import load_scale


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
    backups.remove_sidecars(temporary)
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
        backups.remove_sidecars(temporary)
        saved = backups.backup(path, reason=backups.BEFORE_INIT) if path.exists() else None
        backups.remove_sidecars(path)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
        backups.remove_sidecars(temporary)
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


