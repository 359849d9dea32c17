"""The SQL box's child process: runs one read-only query under a memory cap and a result-size cap.

`sql_runner.run_query` starts this file as a separate Python process (`python -I -S sqlworker.py`)
for every query, sends it the request on standard input and reads the answer from standard
output, both in `marshal` form (plain values only; built in, so nothing to import). The parent
kills the child at its deadline, so a query that spends its time inside one SQLite function
(where the progress handler is never called) is still stopped; the child caps its own address
space (RLIMIT_AS), CPU time and file size before opening the database, so a query cannot take
the server's memory either.

Standard library only, no package imports, and as few modules as possible (re only on the
error path): the file runs on its own, isolated from the environment and site-packages, which
keeps the start-up cost to that of the interpreter and sqlite3.
The read-only rules (authorizer, query_only, read-only file) live here and are imported by
`sql_runner` for reuse.
"""

from __future__ import annotations

import marshal
import math
import os
import sqlite3
import sys
import time

# PRAGMAs that only report on the schema, whatever their argument.
READ_ONLY_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "collation_list", "function_list", "pragma_list",
})
# Functions that reach outside the database (files, shared libraries, tokenizer pointers).
DENIED_FUNCTIONS = frozenset({
    "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "zipfile", "sqlar_compress",
    "sqlar_uncompress", "lsmode",
})
# The progress handler runs every this many virtual-machine steps: often enough to stop in
# milliseconds, rarely enough to cost nothing measurable.
PROGRESS_STEPS = 1_000
# No single value may exceed this: randomblob(1e9) would otherwise take a gigabyte of memory.
MAX_VALUE_BYTES = 10_000_000
# Longer SQL than this is not something a person typed.
MAX_SQL_CHARS = 100_000
# The child's address space: the interpreter and SQLite need about 30 MB; the rest is for the query.
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
# Temporary files SQLite writes for big sorts stop at this size.
FILE_SIZE_LIMIT_BYTES = 256 * 1024 * 1024
# Rows are fetched and measured this many at a time.
FETCH_BATCH = 256

_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
_WRITES = {
    name: getattr(sqlite3, name) for name in dir(sqlite3)
    if name.startswith(tuple(f"SQLITE_{kind}" for kind in (
        "INSERT", "UPDATE", "DELETE", "CREATE_", "DROP_", "ALTER_TABLE", "REINDEX", "ANALYZE")))
}
_TRANSACTIONS = {sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT}
READ_ONLY = "writing is not allowed: the SQL box is read-only"
OUT_OF_MEMORY = f"the query needs more memory than the SQL box allows ({MEMORY_LIMIT_BYTES // 2**20} MB)"


def stopped_message(time_limit_s: float) -> str:
    """The one line for a query stopped at its time limit."""
    return f"stopped after {time_limit_s:g} s: the query ran too long"


class Guard:
    """The authorizer: allows reading only and remembers why it refused, for the message."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.reason: str | None = None

    def __call__(self, action: int, arg1: str | None, arg2: str | None, database: str | None,
                 source: str | None) -> int:
        reason = self.refusal(action, arg1, arg2)
        if reason is None:
            return sqlite3.SQLITE_OK
        self.reason = self.reason or reason
        return sqlite3.SQLITE_DENY

    def refusal(self, action: int, arg1: str | None, arg2: str | None) -> str | None:
        """None to allow ACTION; otherwise why not."""
        if action in _ALLOWED:
            return None
        if action == sqlite3.SQLITE_FUNCTION:
            name = (arg2 or "").lower()
            return f"the function {name}() is not allowed in the SQL box" if name in DENIED_FUNCTIONS else None
        if action == sqlite3.SQLITE_PRAGMA:
            name = (arg1 or "").lower()
            if name in READ_ONLY_PRAGMAS:
                return None
            if arg2 is not None:
                return f"PRAGMA {name} = {arg2} is not allowed: the SQL box cannot change settings"
            return (f"PRAGMA {name} is not allowed; the SQL box allows only "
                    f"{', '.join(sorted(READ_ONLY_PRAGMAS))}")
        if action == sqlite3.SQLITE_ATTACH:
            return READ_ONLY if first_word(self.sql) == "VACUUM" else "ATTACH is not allowed"
        if action == sqlite3.SQLITE_DETACH:
            return "DETACH is not allowed"
        if action in _TRANSACTIONS:
            return "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is not allowed in the SQL box"
        if action in _WRITES.values():
            if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master" and first_word(self.sql) != "UPDATE":
                # SQLite declares a table-valued function (json_each, pragma_table_info) by updating the
                # schema, which the authorizer cannot tell from a real write: refused, but said plainly.
                return ("table-valued functions such as json_each() or pragma_table_info() are not available "
                        "in the SQL box: use json_extract() or PRAGMA table_info(name) instead")
            return READ_ONLY
        return READ_ONLY


def first_word(sql: str) -> str:
    """The first keyword of SQL, after comments, upper case."""
    import re

    match = re.match(r"\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(\w+)", sql, re.DOTALL)
    return match.group(1).upper() if match else ""


def reason(error: BaseException, guard: Guard, stopped: bool, time_limit_s: float) -> str:
    """One line for ERROR: what the authorizer refused, the time limit, or SQLite's message made plain."""
    import re

    text = str(error).strip()
    if stopped or text == "interrupted":
        return stopped_message(time_limit_s)
    if guard.reason:
        return guard.reason
    if "readonly database" in text or "query_only" in text:
        return READ_ONLY
    syntax = re.fullmatch(r'near "(.*)": syntax error', text, re.DOTALL)
    if syntax:
        return f'syntax error near "{syntax.group(1)}"'
    if text == "incomplete input":
        return "the SQL is incomplete: a bracket, quote or CTE is not closed"
    if "one statement at a time" in text:
        return "one statement at a time: remove everything after the first semicolon"
    if "string or blob too big" in text:
        return f"a value is too big to return (the limit is {MAX_VALUE_BYTES // 1_000_000} MB)"
    if text == "not authorized":
        return READ_ONLY
    if text == "out of memory" or isinstance(error, MemoryError):
        return OUT_OF_MEMORY
    return text.splitlines()[0] if text else type(error).__name__


def uri_path(path: str) -> str:
    """PATH escaped for a SQLite file: URI (only %, ? and # have a meaning there)."""
    return path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def open_read_only(db_path: str, time_limit_s: float) -> sqlite3.Connection:
    """A connection that can only read DB_PATH: read-only file, query_only, no extensions, tight limits."""
    conn = sqlite3.connect(f"file:{uri_path(db_path)}?mode=ro", uri=True, isolation_level=None,
                           timeout=max(time_limit_s, 0.1), check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    if hasattr(conn, "enable_load_extension"):  # absent when Python's SQLite was built without extensions
        conn.enable_load_extension(False)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_CHARS * 4)
    return conn


def size_of(row: tuple) -> int:
    """What ROW costs in memory, near enough: the tuple and each value in it."""
    return sys.getsizeof(row) + sum(sys.getsizeof(value) for value in row)


def execute(db_path: str, sql: str, time_limit_s: float, row_cap: int, max_result_bytes: int) -> dict:
    """Run SQL read-only; return the columns, at most ROW_CAP rows and MAX_RESULT_BYTES, and what cut it short.

    The answer is a dict: {"columns", "rows", "truncated": "" | "rows" | "bytes"} or {"refused": reason}.
    """
    started = time.monotonic()
    deadline = started + time_limit_s
    stopped = False

    def progress() -> int:
        nonlocal stopped
        if time.monotonic() > deadline:
            stopped = True
            return 1  # non-zero makes SQLite abandon the statement
        return 0

    guard = Guard(sql)
    try:
        conn = open_read_only(db_path, time_limit_s)
    except sqlite3.Error as error:
        return {"refused": f"the database cannot be read: {str(error).splitlines()[0]}"}
    try:
        conn.set_authorizer(guard)
        conn.set_progress_handler(progress, PROGRESS_STEPS)
        rows: list[tuple] = []
        total = 0
        truncated = ""
        try:
            cursor = conn.execute(sql)
            columns = [d[0] for d in cursor.description] if cursor.description else []
            while columns and not truncated:
                batch = cursor.fetchmany(FETCH_BATCH)
                if not batch:
                    break
                for row in batch:
                    if len(rows) >= row_cap:
                        truncated = "rows"
                        break
                    total += size_of(row)
                    if total > max_result_bytes:
                        truncated = "bytes"
                        break
                    rows.append(row)
        except (sqlite3.Error, sqlite3.Warning, MemoryError) as error:
            rows = []
            return {"refused": reason(error, guard, stopped, time_limit_s)}
        except OverflowError as error:  # a Python-side conversion, e.g. an integer too large
            return {"refused": str(error)}
        return {"columns": columns, "rows": rows, "truncated": truncated}
    finally:
        conn.close()


def _limit_self(time_limit_s: float) -> None:
    """Cap this process: address space, CPU seconds (a backstop to the parent's kill) and file size."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big temporary file is an error, not a death
    for limit, value in ((resource.RLIMIT_AS, MEMORY_LIMIT_BYTES),
                         (resource.RLIMIT_CPU, math.ceil(time_limit_s) + 2),
                         (resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT_BYTES)):
        soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard))


def main() -> int:
    """Read one request from standard input, answer it on standard output."""
    request = marshal.loads(sys.stdin.buffer.read())  # noqa: S302 (from our own parent)
    _limit_self(request["time_limit_s"])
    try:
        answer = execute(request["db_path"], request["sql"], request["time_limit_s"], request["row_cap"],
                         request["max_result_bytes"])
        data = marshal.dumps(answer)
    except MemoryError:
        answer = None
        data = marshal.dumps({"refused": OUT_OF_MEMORY})
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    os.umask(0o077)
    sys.exit(main())
