"""The command line: `python -m gse_dashboard COMMAND`. Thin: it parses and calls the package.

A user's mistake ends with a one-line message on standard error and exit code 2; a problem
found by `check` ends with exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import db as store
from .build import build_database
from .config import load_settings
from .exports import EXPORTS, write_table
from .strategy import DataFileError


class UsageError(Exception):
    """A mistake in how the command was called or in its input, told in one line."""


def _database(path: Path, **kwargs):
    try:
        return store.connect(path, **kwargs)
    except store.StoreError as error:
        raise UsageError(str(error)) from None


def cmd_init(args) -> int:
    counts = build_database(args.db, sample=not args.no_sample, force=args.force)
    loaded = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()
                       if isinstance(v, int) and k != "corrections")
    print(f"Built {args.db}: {loaded}.")
    if counts.get("backup"):
        print(f"The previous database was backed up to {counts['backup']}.")
    if not args.no_sample:
        print("It includes the illustrative history (not real figures); "
              "use --no-sample for a database without it.")
    return 0


def cmd_check(args) -> int:
    database = _database(args.db, readonly=True)
    try:
        problems = store.integrity_problems(database)
    finally:
        database.close()
    if problems:
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
        return 1
    print(f"{args.db}: integrity and foreign keys OK.")
    return 0


def cmd_export(args) -> int:
    database = _database(args.db, readonly=True)
    try:
        frame = EXPORTS[args.table](database.conn)
    finally:
        database.close()
    rows = write_table(frame, args.out)
    print(f"Wrote {rows} {args.table} to {args.out}.")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per task."""
    settings_db = None
    top = argparse.ArgumentParser(
        prog="python -m gse_dashboard",
        description="Build, check and export the GSE Strategy Dashboard's database.",
    )
    top.add_argument("--db", type=Path, default=settings_db,
                     help="database file (default: GSE_DB_PATH or data/gse.db)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="build the database from data/")
    init.add_argument("--no-sample", action="store_true",
                      help="only the strategy and its real baseline, no illustrative history")
    init.add_argument("--force", action="store_true",
                      help="replace an existing database (it is backed up first)")
    init.set_defaults(run=cmd_init)

    check = commands.add_parser("check", help="run integrity and foreign-key checks")
    check.set_defaults(run=cmd_check)

    export = commands.add_parser("export", help="write a table to CSV or Excel")
    export.add_argument("table", choices=sorted(EXPORTS))
    export.add_argument("--out", type=Path, required=True, help="a .csv or .xlsx file to write")
    export.set_defaults(run=cmd_export)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = parser().parse_args(argv)
    try:
        args.db = args.db or load_settings().db_path
        return args.run(args)
    except (UsageError, store.StoreError, DataFileError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
