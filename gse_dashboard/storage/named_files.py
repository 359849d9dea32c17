"""Writing a file the user named (`pack --out`, `export --out`, `template --out`) without losing anything.

The rules, in one place: the suffix must be one of the format's; the database itself (and its
-wal, -shm and backups) is never a target; an existing file is replaced only with --force; a
symbolic link is never followed (nor replaced); and the bytes are written to a new file beside
the target, then renamed over it, so a failure (a full disk) leaves the old file as it was and
no half-written one. Every refusal is an OutputRefused with one line naming the file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


class OutputRefused(Exception):
    """An output file the command will not write, told in one line."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_target(out: str | Path, *, suffixes: tuple[str, ...], what: str, force: bool = False,
                 database: str | Path | None = None) -> Path:
    """Refuse OUT unless it may be written as WHAT (a name for the message); return it as a Path."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in suffixes:
        raise OutputRefused(f"{out}: a {what} must end in {' or '.join(suffixes)}, not "
                            f"{out.suffix or 'no suffix'}: change the name")
    if database is not None:
        db = Path(database)
        protected = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")]
        if any(_same_file(out, p) for p in protected):
            raise OutputRefused(f"{out} is the dashboard's database or one of its files: choose another name")
        if out.parent.resolve() == (db.parent / "backups").resolve():
            raise OutputRefused(f"{out} is in the database's backups folder: choose another folder")
    if out.is_symlink():
        raise OutputRefused(f"{out} is a symbolic link: it is not followed; choose another name")
    if out.exists():
        if out.is_dir():
            raise OutputRefused(f"{out} is a folder: give a file name")
        if not force:
            raise OutputRefused(f"{out} already exists: use --force to replace it")
    if not out.parent.is_dir():
        raise OutputRefused(f"{out.parent} does not exist: create the folder first")
    return out


def write_bytes(out: Path, data: bytes) -> None:
    """Write DATA to OUT through a new file beside it renamed over it; never through a symbolic link."""
    temporary = out.with_name(f".{out.name}.writing-{os.getpid()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(temporary, flags, 0o644)
    except OSError as error:
        raise OutputRefused(f"{out}: cannot write there: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if out.is_symlink():  # made a link since it was checked: still never replaced
            raise OutputRefused(f"{out} is a symbolic link: it is not followed; choose another name")
        os.replace(temporary, out)
    except OSError as error:
        raise OutputRefused(f"{out}: could not be written: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
