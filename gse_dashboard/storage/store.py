"""The store: open a connection with the right pragmas, apply migrations, write safely.

Every other module reaches SQLite through `connect` here. The schema's migrations are in
`migrations.py`; `migrate` and `pending_migrations` here are how the rest of the code uses them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from .errors import StoreError
from .migrations import MIGRATIONS

# Long enough that a second editor waits for the first one's write rather than failing.
BUSY_TIMEOUT_MS = 10_000

POPULATIONS = ("GSE", "Civil Service")
# The value a breakdown column holds on a row that covers every department, grade or role.
ALL = "All"

def now() -> str:
    """The current time in UTC as stored in every recorded_at column."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def end_of_day(date: str) -> str:
    """The last recorded_at instant that still counts as known on DATE."""
    return f"{date}T23:59:59"


def _apply_pragmas(conn: sqlite3.Connection, *, wal: bool) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
        # WAL with NORMAL sync is durable across application crashes and much faster.
        conn.execute("PRAGMA synchronous = NORMAL")


def connect(path: str | Path, *, readonly: bool = False, create: bool = False) -> sqlite_utils.Database:
    """Open the database at PATH with foreign keys on, WAL mode and a busy timeout.

    `create=True` allows a new file; otherwise a missing file is a StoreError, so a typo in
    GSE_DB_PATH never silently creates an empty database.
    """
    path = Path(path)
    if str(path) != ":memory:" and not path.exists() and not create:
        raise StoreError(f"no database at {path}: run `python -m gse_dashboard init` first")
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            conn = sqlite3.connect(str(path), check_same_thread=False)
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads the header: is it SQLite?
            _apply_pragmas(conn, wal=not readonly and str(path) != ":memory:")
        except sqlite3.Error:
            conn.close()
            raise
    except sqlite3.Error as error:
        raise StoreError(f"{path}: {plain_sqlite_error(error)}") from None
    return sqlite_utils.Database(conn)


def plain_sqlite_error(error: sqlite3.Error) -> str:
    """SQLite's message for ERROR in words a person can act on, one line."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if "file is not a database" in text:
        return "this is not a SQLite database (is it the right file?)"
    if "disk is full" in text or "disk I/O error" in text:
        return f"{text}: check the free space and that the folder is writable"
    if "unable to open database file" in text:
        return "cannot be opened: check the path and its permissions"
    if "readonly database" in text or "read-only" in text:
        return "cannot be written: it, or its folder, is read-only"
    return text


@contextlib.contextmanager
def reading(path: str | Path) -> Iterator[sqlite3.Connection]:
    """A connection to PATH for one piece of reading, closed afterwards (one per script run)."""
    database = connect(path)
    try:
        yield database.conn
    finally:
        database.close()


def memory_db() -> sqlite_utils.Database:
    """An in-memory database with the full schema, for tests and scratch work."""
    db = sqlite_utils.Database(memory=True)
    _apply_pragmas(db.conn, wal=False)
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> None:
    """Apply every pending migration; running it again does nothing."""
    MIGRATIONS.apply(db)


def pending_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of migrations not yet applied to DB."""
    return [m.name for m in MIGRATIONS.pending(db)]


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write that reads first: BEGIN IMMEDIATE takes the write lock before the reads.

    The revision number is bumped inside the same transaction, so every cache keyed on it
    sees the change, and only when it commits. When another connection holds the write lock
    for longer than the busy timeout, this raises StoreError ("busy, try again") and nothing
    changes: every editor action (import, undo, record, save) shows that line, never a crash.
    """
    conn = db.conn
    if conn.in_transaction:
        raise StoreError("a write transaction is already open on this connection")
    with immediate(conn, busy="saved"):
        yield db
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection, *, busy: str | None = None) -> Iterator[sqlite3.Connection]:
    """One transaction on CONN written by hand: BEGIN IMMEDIATE (the write lock before any read), COMMIT when
    the block ends, ROLLBACK on any error. With BUSY, a locked database at BEGIN or COMMIT is refused as
    busy_refused(BUSY) says. write_transaction, restoring a backup and keeping a protected table all use it
    (the migrations write their own: this module imports them)."""
    guard = (lambda: busy_refused(busy)) if busy else contextlib.nullcontext
    with guard():
        conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        with guard():
            conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether ERROR is SQLite saying another connection holds the write lock."""
    return "locked" in str(error) or "busy" in str(error)


@contextlib.contextmanager
def busy_refused(nothing: str) -> Iterator[None]:
    """Turn SQLite's "database is locked" inside the block into a StoreError that says nothing was NOTHING
    (imported, undone) and to try again; any other error passes through."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if is_busy(error):
            raise StoreError(f"the database is busy with another change and nothing was {nothing}: "
                             "try again in a moment") from None
        raise


def writable(db: str | Path | sqlite_utils.Database) -> tuple[sqlite_utils.Database, bool, Path | None]:
    """A writable database for DB (a path, or a database already open), whether to close it afterwards,
    and its file (None in memory)."""
    if isinstance(db, sqlite_utils.Database):
        database, close = db, False
    else:
        database, close = connect(db), True
    row = database.conn.execute("PRAGMA database_list").fetchone()
    path = Path(row[2]) if row and row[2] else None
    return database, close, path


def revision(db: sqlite_utils.Database) -> int:
    """A number that changes with every committed write: the key caches are built on."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
    return int(row[0]) if row else 0


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Set one value in the meta table, inside whatever transaction is open."""
    db.conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


# -- the audit log -------------------------------------------------------------------------------

_AUDIT_INSERT = ("INSERT INTO audit_log (at, actor, action, table_name, row_key, detail, batch_id) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)")


def audit(conn: sqlite3.Connection, *, at: str, actor: str, action: str, table: str, key: str, detail: dict,
          batch_id: int | None = None) -> None:
    """Record one change in the audit log, inside the caller's write transaction."""
    audit_many(conn, [(at, actor, action, table, key, json.dumps(detail, default=str), batch_id)])


def audit_many(conn: sqlite3.Connection, entries: list[tuple]) -> None:
    """Record many changes at once: each entry is (at, actor, action, table, key, detail as JSON text, batch id)."""
    conn.executemany(_AUDIT_INSERT, entries)


def integrity_problems(db: sqlite_utils.Database) -> list[str]:
    """Every problem `PRAGMA integrity_check` and `foreign_key_check` report; empty if sound."""
    problems = [
        row[0] for row in db.conn.execute("PRAGMA integrity_check") if row[0] != "ok"
    ]
    for table, rowid, parent, _ in db.conn.execute("PRAGMA foreign_key_check"):
        problems.append(f"{table} row {rowid} refers to a missing row in {parent}")
    pending = pending_migrations(db)
    if pending:
        problems.append(f"migrations not applied: {', '.join(pending)}")
    return problems
