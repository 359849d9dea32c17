"""Protected tables kept, so each period's table is protected once per content, not once per page.

Protecting a period's master table (protection.protect) takes a fifth of a second on the default
data; a chart over time needs every complete period's. So each protected table is kept twice:
in this process (every session shares it), and in the database's `protected_tables` table, so
a restarted server, the command line and a second server read it instead of protecting again.

A kept table is found by a hash of what the protection depends on and nothing else: the
period's cells (department, grade, role type, value), the threshold, and the protection code
itself (protection.py's source) with this module's format. A changed cell, a new threshold or
new protection code gives another hash, so a stale table is never read; it is simply no longer
asked for (the oldest are pruned). Nothing here is a figure to publish: a kept row holds which
figures are hidden and the moves that certify it, and the counts are those of the cells it was
made from.

Tables are written when a period's cells are first protected (best effort: a read-only
connection, one inside a transaction, or a database busy with an import just skips the write)
and for every complete period by `published.protect_complete_periods`, which `init`, the command
line's imports and the app's background warm-up call after data changes, so pages only read.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from ..storage import store
from . import protection
from .protection import Certificate, Key, Move, ProtectedTable

# Bump when the stored layout changes (protection.py's own changes are hashed in automatically).
FORMAT = 2
# Rows kept in the database: about a hundred periods at a few thresholds, with room for edits.
KEPT_ROWS = 2000
# How long a page waits for the write lock to keep a table before giving up (it has the table).
SAVE_WAIT_MS = 200

_CODE = hashlib.sha256(Path(protection.__file__).read_bytes()).hexdigest()
_MEMORY: dict[str, ProtectedTable] = {}
_MEMORY_KEPT = 4096
_GUARD = threading.Lock()
_WORKING: dict[str, threading.Lock] = {}


def content_key(cells: str, threshold: int) -> str:
    """The hash a protected table is kept under: its CELLS as written out, the threshold, code and format.

    CELLS is queries.cell_contents' text for the period: the same cells give the same text,
    different cells a different one.
    """
    digest = hashlib.sha256(f"{FORMAT}|{_CODE}|{threshold}|".encode())
    digest.update(cells.encode())
    return digest.hexdigest()


def kept_keys(conn: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    """Which of KEYS have a table in this process or in the database, without reading the tables."""
    keys = list(keys)
    found = {key for key in keys if key in _MEMORY}
    wanted = sorted(set(keys) - found)
    if wanted:
        with contextlib.suppress(sqlite3.Error):
            found |= {row[0] for row in conn.execute("SELECT fingerprint FROM protected_tables WHERE fingerprint IN "
                                                     "(SELECT value FROM json_each(?))", [json.dumps(wanted)])}
    return found


def kept(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, ProtectedTable]:
    """The tables kept under KEYS, in this process or in the database (one query); keys with none are left out."""
    keys = list(keys)
    found = {key: _MEMORY[key] for key in keys if key in _MEMORY}
    wanted = sorted(set(keys) - set(found))
    if wanted:
        try:
            rows = conn.execute("SELECT fingerprint, contents FROM protected_tables WHERE fingerprint IN "
                                "(SELECT value FROM json_each(?))", [json.dumps(wanted)]).fetchall()
        except sqlite3.Error:
            rows = []
        for key, contents in rows:
            table = _readable(contents)
            if table is not None:
                _remember(key, table)
                found[key] = table
    return found


def protected(conn: sqlite3.Connection, key: str, threshold: int,
              cells: Callable[[], pd.DataFrame], make: Callable[[], ProtectedTable] | None = None) -> ProtectedTable:
    """The table kept under KEY (`content_key` of the CELLS), in this process or the database; else CELLS() protected.

    For people-count tables under protection.protect's own rule (no PRIMARY or EXEMPT), or MAKE's
    (a corrected version protected with its earlier ones: KEY then hashes every version): a table
    protected under another rule must be kept under a key that says so. Two sessions asking
    for the same table at once protect it once (the second waits for the first).
    """
    found = _MEMORY.get(key)
    if found is not None:
        return found
    with _GUARD:
        working = _WORKING.setdefault(key, threading.Lock())
    with working:
        found = _MEMORY.get(key)
        if found is None:
            found = load(conn, key)
            if found is None:
                found = make() if make is not None else protection.protect(cells(), threshold)
                save(conn, key, found)
            _remember(key, found)
    with _GUARD:
        _WORKING.pop(key, None)
    return found


def _remember(key: str, table: ProtectedTable) -> None:
    if len(_MEMORY) >= _MEMORY_KEPT:
        _MEMORY.pop(next(iter(_MEMORY)), None)
    _MEMORY[key] = table


def forget_in_memory() -> None:
    """Drop the tables this process keeps (the benchmark's cold runs; the database's are kept)."""
    _MEMORY.clear()


def load(conn: sqlite3.Connection, key: str) -> ProtectedTable | None:
    """The table kept under KEY in the database, or None (none kept, or no such table in an old database)."""
    try:
        row = conn.execute("SELECT contents FROM protected_tables WHERE fingerprint = ?", [key]).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else _readable(row[0])


def _readable(contents: bytes) -> ProtectedTable | None:
    try:
        return loads(contents)
    except (ValueError, KeyError, IndexError, TypeError, zlib.error):
        return None  # unreadable: protected afresh (and kept again) by the caller


def save(conn: sqlite3.Connection, key: str, table: ProtectedTable) -> bool:
    """Keep TABLE under KEY in the database if that can be done now without waiting; whether it was.

    Never inside the caller's transaction (it would commit it), never waiting long for the lock.
    """
    if conn.in_transaction:
        return False
    contents = dumps(table)
    previous = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        conn.execute(f"PRAGMA busy_timeout = {SAVE_WAIT_MS}")
        with store.immediate(conn):
            conn.execute("INSERT OR REPLACE INTO protected_tables (fingerprint, protected_at, contents) "
                         "VALUES (?, ?, ?)", [key, store.now(), contents])
            conn.execute("DELETE FROM protected_tables WHERE rowid <= (SELECT MAX(rowid) FROM protected_tables) - ?",
                         [KEPT_ROWS])
        return True
    except sqlite3.Error:
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        return False
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _keys(labels) -> list[Key]:
    """Every cell and margin of a table with LABELS, in one fixed order (ALL last in each breakdown)."""
    return list(itertools.product(*[(*labels[d], store.ALL) for d in protection.DIMENSIONS]))


def dumps(table: ProtectedTable) -> bytes:
    """TABLE as compressed JSON: labels, every figure, which are hidden, the moves and certificates."""
    keys = _keys(table.labels)
    position = {key: n for n, key in enumerate(keys)}
    if set(keys) != set(table.values):
        raise ValueError("a protected table's figures are not its labels' cells and margins")

    def number(value: float) -> float | str:
        return "inf" if value == float("inf") else value

    moves = list(table.moves)
    move_number: dict[int, int] = {}
    for n, move in enumerate(moves):
        move_number.setdefault(id(move), n)
    certificates = []
    for key, found in table.certificates.items():
        numbers = []
        for move in found.moves:
            if id(move) not in move_number:  # a certificate's move not in the list: kept alongside
                move_number[id(move)] = len(moves)
                moves.append(move)
            numbers.append(move_number[id(move)])
        certificates.append([position[key], position[found.key], numbers, number(found.width)])
    contents = {
        "threshold": table.threshold,
        "labels": [list(table.labels[d]) for d in protection.DIMENSIONS],
        "values": [table.values[key] for key in keys],
        "hidden": sorted(position[key] for key in table.hidden),
        "listed": len(table.moves),
        "moves": [[[position[k] for k in m.plus], [position[k] for k in m.minus],
                   sorted(position[k] for k in m.changed), number(m.capacity)] for m in moves],
        "certificates": certificates,
        "revised": sorted(position[key] for key in table.revised),
    }
    return zlib.compress(json.dumps(contents, separators=(",", ":")).encode(), 6)


def loads(blob: bytes) -> ProtectedTable:
    """The ProtectedTable `dumps` wrote, equal to it in every field."""
    contents = json.loads(zlib.decompress(blob))
    labels = {d: tuple(contents["labels"][i]) for i, d in enumerate(protection.DIMENSIONS)}
    keys = _keys(labels)

    def number(value) -> float:
        return float("inf") if value == "inf" else value

    moves = [Move(plus=tuple(keys[k] for k in plus), minus=tuple(keys[k] for k in minus),
                  changed=frozenset(keys[k] for k in changed), capacity=number(capacity))
             for plus, minus, changed, capacity in contents["moves"]]
    certificates = {keys[at]: Certificate(keys[key], tuple(moves[n] for n in numbers), number(width))
                    for at, key, numbers, width in contents["certificates"]}
    return ProtectedTable(threshold=int(contents["threshold"]), labels=labels,
                          values=dict(zip(keys, contents["values"], strict=True)),
                          hidden=frozenset(keys[n] for n in contents["hidden"]),
                          moves=tuple(moves[:contents["listed"]]), certificates=certificates,
                          revised=frozenset(keys[n] for n in contents.get("revised", ())))

