"""The command line: `python -m gse_dashboard COMMAND`. Thin: it parses and calls the package.

A user's mistake ends with a one-line message on standard error and exit code 2; a problem
found by `check` ends with exit code 1.
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
from pathlib import Path

from . import importers
from .config import load_settings
from .explore import sql_runner
from .people import official_statistics, period_returns, published
from .rules import auth, text_rules
from .seed.build import build_database
from .storage import backups, named_files, queries, store
from .storage.exports import EXPORTS, neutralise_formulas, table_bytes
from .strategy.reading import DataFileError


class UsageError(Exception):
    """A mistake in how the command was called or in its input, told in one line."""


def _database(path: Path, **kwargs):
    try:
        return store.connect(path, **kwargs)
    except store.StoreError as error:
        raise UsageError(str(error)) from None


def _protect_people_counts(path: Path) -> None:
    """Protect every complete period's members table now and keep it, so pages only read them.

    Data changed: a changed period gets a newly protected table, an unchanged one is found kept.
    Best effort: a database that cannot be read or written here is protected when a page asks.
    """
    try:
        database = store.connect(path)
    except store.StoreError:
        return
    try:
        published.protect_complete_periods(database.conn, load_settings().suppression_threshold)
    except sqlite3.Error:
        pass
    finally:
        database.close()


def cmd_init(args) -> int:
    if args.scale < 1 or (args.scale > 1 and args.no_sample):
        raise UsageError("--scale must be a whole number from 1, and needs the illustrative history (no --no-sample)")
    counts = build_database(args.db, sample=not args.no_sample, force=args.force, scale=args.scale)
    loaded = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()
                       if isinstance(v, int) and k != "corrections")
    _protect_people_counts(args.db)
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
    out = named_files.check_target(args.out, suffixes=(".csv", ".xlsx"), what="table export", force=args.force,
                               database=args.db)
    database = _database(args.db, readonly=True)
    try:
        frame = EXPORTS[args.table](database.conn)
    finally:
        database.close()
    rows = len(frame)
    named_files.write_bytes(out, table_bytes(frame, out.suffix.lower()))
    print(f"Wrote {rows} {args.table} to {args.out}.")
    return 0


# A dry run lists this many changed rows; the counts cover them all.
PREVIEW_LINES = 50


def _user(args) -> auth.User:
    """Who the audit log names: --actor, else the signed-in user of this computer."""
    if args.actor:
        problem = text_rules.text_problem(args.actor, one_line=True)
        if problem or not args.actor.strip():
            raise UsageError(f"--actor: {problem or 'is blank'}")
        return auth.command_line_user(args.actor.strip())
    try:
        return auth.command_line_user(f"{getpass.getuser()} (command line)")
    except (KeyError, OSError):
        return auth.command_line_user("command line")


def cmd_complete_period(args) -> int:
    try:
        print(period_returns.mark_period_complete(args.db, args.indicator, args.period, user=_user(args),
                                           population=args.population))
        _protect_people_counts(args.db)
    except period_returns.ReturnError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_import(args) -> int:
    if args.kind == official_statistics.KIND:
        return cmd_import_official(args)
    if args.published_on:
        raise UsageError(f"--published-on is for civil-service-statistics releases, not import {args.kind}")
    if len(args.file) > 1:
        raise UsageError(f"import {args.kind} takes one file, not {len(args.file)}")
    args.file = args.file[0]
    frame = importers.read_path(args.file)
    database = _database(args.db, readonly=args.dry_run)
    try:
        validation = importers.validate(database, args.kind, frame, filename=str(args.file),
                                        default_source=args.source)
        for warning in validation.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if not validation.ok:
            for line in validation.problem_lines():
                print(f"error: {line}", file=sys.stderr)
            return 2
        if args.dry_run:
            changes = importers.preview(database, validation)
            counts = validation.counts()
            print(f"{args.file}: {counts['add']} to add, {counts['change']} to change, "
                  f"{counts['unchanged']} unchanged (dry run: nothing written).")
            shown = changes[changes["action"] != importers.UNCHANGED]
            for row in shown.head(PREVIEW_LINES).itertuples(index=False):
                print(f"  row {row.row}: {row.action} {row.key}" + (f": {row.changes}" if row.changes else "")
                      + (f" [check: {row.flag}]" if row.flag else ""))
            if len(shown) > PREVIEW_LINES:
                print(f"  … and {len(shown) - PREVIEW_LINES} more rows to add or change.")
            return 0
        try:
            result = importers.apply_import(database, args.kind, validation, user=_user(args),
                                            filename=str(args.file), sha256=frame.attrs.get("sha256", ""),
                                            in_parts=args.in_parts)
        except importers.ImportRejected as rejected:
            for problem in rejected.problems:
                print(f"error: {problem}", file=sys.stderr)
            return 2
    finally:
        database.close()
    if result.batch_id is None:
        print(f"{args.file}: nothing to import: all {result.unchanged} rows are unchanged.")
        return 0
    _protect_people_counts(args.db)
    print(f"Imported {args.file} as batch {result.batch_id}: {result.added} added, {result.changed} changed, "
          f"{result.unchanged} unchanged.")
    print(f"The database before the import was backed up to {result.backup}; "
          f"`undo-import {result.batch_id}` reverses it.")
    return 0


def cmd_import_official(args) -> int:
    """Import published Civil Service Statistics tables (files, or folders searched recursively)."""
    profession = args.profession or load_settings().profession
    try:
        tables, problems = official_statistics.read_paths(args.file, profession)
        database = _database(args.db, readonly=args.dry_run)
        try:
            plan = official_statistics.plan_import(database.conn, tables, problems, profession=profession,
                                                   published_on=args.published_on)
            for warning in plan.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            name = official_statistics.batch_name(plan)
            if args.dry_run:
                print(f"{name}: {plan.summary()} (dry run: nothing written).")
                changes = plan.changes()
                for change in changes[:PREVIEW_LINES]:
                    print(f"  {change['file']} row {change['row']}: {change['action']} {change['what']} "
                          f"{change['key']} = {change['value']}")
                if len(changes) > PREVIEW_LINES:
                    print(f"  … and {len(changes) - PREVIEW_LINES} more to add or revise.")
                return 0
            result = official_statistics.apply_import(database, plan, user=_user(args))
        finally:
            database.close()
    except official_statistics.OfficialImportError as refused:
        for problem in refused.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"Nothing was imported ({len(refused.problems)} problems).", file=sys.stderr)
        return 2
    if result.batch_id is None:
        print(f"{name}: nothing to import: all {result.unchanged} cells and figures are unchanged.")
        return 0
    print(f"Imported {name} as batch {result.batch_id}: {result.added} added, {result.revised} revised, "
          f"{result.unchanged} unchanged.")
    print(f"The database before the import was backed up to {result.backup}; "
          f"`undo-import {result.batch_id}` reverses it.")
    return 0


def cmd_template(args) -> int:
    out = named_files.check_target(args.out, suffixes=(".csv", ".xlsx"), what="template", force=args.force,
                               database=args.db)
    commitments = None
    if Path(args.db).exists():  # the workbook lists every commitment when there is a database to read
        with store.reading(args.db) as conn:
            choices = queries.commitment_choices(conn)
        commitments = list(zip(choices["ref"], choices["title"]))
    named_files.write_bytes(out, importers.template_bytes(args.kind, out.suffix.lower().lstrip("."), commitments))
    print(f"Wrote the {args.kind} template to {args.out}.")
    return 0


def cmd_undo_import(args) -> int:
    result = importers.undo_batch(args.db, args.batch, _user(args))
    _protect_people_counts(args.db)
    print(f"Undid import batch {result.batch_id} ({result.kind}): {result.removed} rows removed, "
          f"{result.restored} earlier versions restored.")
    print(f"The database before the undo was backed up to {result.backup}.")
    return 0


def cmd_backup(args) -> int:
    _database(args.db, readonly=True).close()
    print(f"Backed up {args.db} to {backups.backup(args.db, args.out, actor=_user(args).actor)}.")
    return 0


def cmd_restore(args) -> int:
    safety = backups.restore(args.db, args.file, actor=_user(args).actor)
    _protect_people_counts(args.db)
    print(f"Restored {args.db} from {args.file}." + (f" The database it replaced is in {safety}." if safety else ""))
    return 0


def cmd_query(args) -> int:
    settings = load_settings()
    time_limit = settings.sql_time_limit_s if args.time_limit is None else args.time_limit
    max_rows = settings.sql_row_cap if args.max_rows is None else args.max_rows
    try:
        sql_runner.check_limits(time_limit, max_rows)
    except ValueError:
        raise UsageError(f"--time-limit must be a number of seconds above 0 and at most "
                         f"{sql_runner.MAX_TIME_LIMIT_S:g} (not {time_limit:g}), and --max-rows at least 1 "
                         f"(not {max_rows})") from None
    try:
        result = sql_runner.run_query(args.db, args.sql, time_limit_s=time_limit, row_cap=max_rows)
    except sql_runner.QueryRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    # Formula-like text is neutralised here too: the usual next step is opening the CSV in Excel.
    neutralise_formulas(result.frame).to_csv(sys.stdout, index=False, lineterminator="\n")
    if result.cut_by == "bytes":
        print(f"warning: only the first {len(result.frame)} rows are shown: the result is capped at "
              f"{sql_runner.MAX_RESULT_BYTES // 2**20} MB", file=sys.stderr)
    elif result.truncated:
        print(f"warning: only the first {max_rows} rows are shown (--max-rows)", file=sys.stderr)
    return 0


def cmd_pack(args) -> int:
    from .board import pack  # only this command needs the document libraries

    fmt = args.format.lower()
    if fmt not in pack.DOCUMENTS:
        raise UsageError(f"--format must be one of {', '.join(pack.DOCUMENTS)}, not {args.format!r}")
    pack.check_as_at(args.board or args.as_at)
    if args.out.suffix.lower() != f".{fmt}":
        raise UsageError(f"{args.out}: a {fmt} file's name should end in .{fmt}, not "
                         f"{args.out.suffix or 'without a suffix'}: change the name or --format")
    out = named_files.check_target(args.out, suffixes=(f".{fmt}",), what=f"{fmt} file", force=args.force,
                               database=args.db)
    if not Path(args.db).exists():
        raise UsageError(f"no database at {args.db}: run `python -m gse_dashboard init` first")
    try:
        data = pack.build(args.db, args.as_at, fmt, board=args.board)
    except RuntimeError as error:  # Chromium or kaleido missing or failing: a setup problem, told in one line
        raise UsageError(str(error).splitlines()[0] if str(error) else type(error).__name__) from None
    named_files.write_bytes(out, data)
    what = (f"for the Board of {args.board} (as at {pack.papers_deadline(args.board)})" if args.board
            else f"as at {args.as_at}")
    print(f"Wrote the {pack.DOCUMENTS[fmt][0]} {what} to {args.out} ({len(data) // 1024:,} KB).")
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
    init.add_argument("--scale", type=int, default=1, metavar="N",
                      help="an illustrative history about N times the default, for the benchmark (default 1)")
    init.set_defaults(run=cmd_init)

    check = commands.add_parser("check", help="run integrity and foreign-key checks")
    check.set_defaults(run=cmd_check)

    export = commands.add_parser("export", help="write a table to CSV or Excel (formula injection neutralised)")
    export.add_argument("table", choices=sorted(EXPORTS))
    export.add_argument("--out", type=Path, required=True, help="a .csv or .xlsx file to write")
    export.add_argument("--force", action="store_true", help="replace the file if it exists")
    export.set_defaults(run=cmd_export)

    kinds = sorted(importers.KINDS)
    imports = commands.add_parser("import", help="import a CSV or Excel file of progress updates, "
                                                 "observations, targets or board meetings, or the published "
                                                 "Civil Service Statistics tables")
    imports.add_argument("kind", choices=[*kinds, official_statistics.KIND])
    imports.add_argument("file", type=Path, nargs="+",
                         help="a .csv or .xlsx file (see `template`); for civil-service-statistics, data-browser "
                              "CSVs or folders searched recursively for them")
    imports.add_argument("--profession", help="civil-service-statistics: the profession of post (default: the "
                                              "GSE_PROFESSION setting, Science and Engineering)")
    imports.add_argument("--published-on", metavar="DATE",
                         help="civil-service-statistics: the day the release was published (YYYY-MM-DD); its "
                              "figures are known from that day in every as-at view. Without it the import date "
                              "is used, and the figures' source says so")
    imports.add_argument("--dry-run", action="store_true", help="check the file and show what would change")
    imports.add_argument("--actor", help="who the audit log names (default: your user name)")
    imports.add_argument("--source", help="source for observations or targets that leave it blank")
    imports.add_argument("--in-parts", action="store_true",
                         help="the file is one part of a return by department, grade and role type: its periods "
                              "are not shown until `complete-period` marks the return complete")
    imports.set_defaults(run=cmd_import)

    complete = commands.add_parser("complete-period", help="mark a return loaded in parts complete, so it is shown")
    complete.add_argument("indicator", help="the indicator code, e.g. members")
    complete.add_argument("period", metavar="YYYY-MM-DD", help="the period the return refers to")
    complete.add_argument("--population", default="GSE", choices=store.POPULATIONS)
    complete.add_argument("--actor", help="who the audit log names (default: your user name)")
    complete.set_defaults(run=cmd_complete_period)

    template = commands.add_parser("template", help="write an import template with one example row")
    template.add_argument("kind", choices=kinds)
    template.add_argument("--out", type=Path, required=True, help="a .csv or .xlsx file to write")
    template.add_argument("--force", action="store_true", help="replace the file if it exists")
    template.set_defaults(run=cmd_template)

    undo = commands.add_parser("undo-import", aliases=["undo"], help="undo one import batch as a whole")
    undo.add_argument("batch", type=int, help="the batch number `import` printed")
    undo.add_argument("--actor", help="who the audit log names (default: your user name)")
    undo.set_defaults(run=cmd_undo_import)

    backup = commands.add_parser("backup", help="copy the database with SQLite's backup API (safe while in use)")
    backup.add_argument("--out", type=Path, help="where to write it (default: backups/ beside the database)")
    backup.add_argument("--actor", help="who the audit log names (default: your user name)")
    backup.set_defaults(run=cmd_backup)

    restore = commands.add_parser("restore", help="replace the database with a backup (the current one is kept)")
    restore.add_argument("file", type=Path, help="the backup file to restore")
    restore.add_argument("--actor", help="who the audit log names (default: your user name)")
    restore.set_defaults(run=cmd_restore)

    query = commands.add_parser("query", help="run one read-only SQL query and write CSV to standard output")
    query.add_argument("sql", help="one SELECT statement (or a read-only PRAGMA such as table_info)")
    query.add_argument("--time-limit", type=float, metavar="SECONDS",
                       help="stop the query after this long (default: the GSE_SQL_TIME_LIMIT setting, 1 s)")
    query.add_argument("--max-rows", type=int, metavar="N",
                       help="return at most N rows (default: the GSE_SQL_ROW_CAP setting, 10,000)")
    query.set_defaults(run=cmd_query)

    packs = commands.add_parser("pack", help="write the Board pack (PDF or PowerPoint) or the GCSA brief (Word)")
    when = packs.add_mutually_exclusive_group(required=True)
    when.add_argument("--board", metavar="YYYY-MM-DD",
                      help="the Board meeting the papers are for: as known at its papers' deadline "
                           "(GSE_PAPERS_DEADLINE_DAYS working days before, 5 by default)")
    when.add_argument("--as-at", metavar="YYYY-MM-DD", help="any other date the pack is as at")
    packs.add_argument("--format", required=True, metavar="pdf|pptx|docx",
                       help="pdf or pptx for the Board pack, docx for the one-page GCSA brief")
    packs.add_argument("--out", type=Path, required=True, help="the file to write")
    packs.add_argument("--force", action="store_true", help="replace the file if it exists")
    packs.set_defaults(run=cmd_pack)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = parser().parse_args(argv)
    try:
        args.db = args.db or load_settings().db_path
        return args.run(args)
    except (UsageError, store.StoreError, DataFileError, named_files.OutputRefused, ValueError) as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except sqlite3.Error as error:
        print(f"error: {args.db}: {store.plain_sqlite_error(error)}", file=sys.stderr)
        return 2
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or _one_line(error)}", file=sys.stderr)
        return 2


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
