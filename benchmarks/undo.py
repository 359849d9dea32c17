"""What undoing a large import costs, with and without the indexes of migration m011 (revision_of, batch_id).

    python benchmarks/undo.py [--rows 150000] [--before-rows 20000] [--work DIR]

Builds the default database once, imports ROWS new indicator figures through the importer (read,
check, write: one batch) into a copy, and times `undo-import` of that batch as an editor runs it
(backup, then one write transaction). "Before" is the same on a copy whose m011 indexes are dropped,
the schema every database had before that migration; an undo without them scans the whole
observations table once per deleted row, so it is measured at BEFORE_ROWS (it grows with the square
of the rows: set --before-rows to ROWS for the like-for-like figure, which takes the better part of an
hour on two cores). Prints each time with the machine's load. Not a test: nothing here is asserted.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gse_dashboard import importers  # noqa: E402
from gse_dashboard.rules import auth  # noqa: E402
from gse_dashboard.seed.build import build_database  # noqa: E402
from gse_dashboard.storage import store  # noqa: E402


def figures_csv(count: int) -> bytes:
    """COUNT new members figures, one a month from 2000 per made-up department, as an import file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["indicator", "period", "population", "value", "department", "source"])
    for number in range(count):
        department, month = divmod(number, 1200)
        year, month = divmod(month, 12)
        end = "31" if month + 1 in (1, 3, 5, 7, 8, 10, 12) else "30" if month + 1 != 2 else "28"
        writer.writerow(["members", f"{2000 + year}-{month + 1:02d}-{end}", "GSE", 10 + number % 90,
                         f"Undo benchmark department {department:04d}", "Undo benchmark"])
    return buffer.getvalue().encode()


def drop_m011(path: Path) -> None:
    """Put the database at PATH back to the schema before m011: its revision_of and batch_id indexes dropped."""
    database = store.connect(path)
    try:
        names = [row[0] for row in database.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND (name LIKE '%\\_revision\\_of' ESCAPE '\\' "
            "OR (name LIKE '%\\_batch' ESCAPE '\\' AND name != 'official_cells_batch'))")]
        for name in names:
            database.conn.execute(f"DROP INDEX {name}")
    finally:
        database.close()


def import_then_undo(template: Path, work: Path, rows: int, *, indexed: bool) -> tuple[float, float]:
    """Seconds to import ROWS figures into a copy of TEMPLATE and then to undo that batch."""
    copy = work / ("with.db" if indexed else "without.db")
    shutil.copyfile(template, copy)
    if not indexed:
        drop_m011(copy)
    user = auth.command_line_user("benchmark")
    started = time.perf_counter()
    database = store.connect(copy)
    try:
        frame = importers.read_upload(figures_csv(rows), "undo-benchmark.csv")
        validation = importers.validate(database, "observations", frame, filename="undo-benchmark.csv")
        if not validation.ok:
            raise RuntimeError("; ".join(validation.problem_lines()[:5]))
        batch = importers.apply_import(database, "observations", validation, user=user,
                                       filename="undo-benchmark.csv").batch_id
    finally:
        database.close()
    imported = time.perf_counter() - started
    started = time.perf_counter()
    result = importers.undo_batch(copy, batch, user)
    undone = time.perf_counter() - started
    if result.removed != rows:
        raise RuntimeError(f"the undo removed {result.removed:,} rows, not {rows:,}")
    for stale in work.glob("*.db*"):
        stale.unlink()
    shutil.rmtree(work / "backups", ignore_errors=True)
    return imported, undone


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rows", type=int, default=150_000, help="rows in the batch undone with the indexes")
    options.add_argument("--before-rows", type=int, default=20_000, help="rows in the batch undone without them")
    options.add_argument("--work", type=Path, help="a folder for the databases (default: a new temporary one)")
    args = options.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="gse-undo-"))
    work.mkdir(parents=True, exist_ok=True)
    template = work / "template" / "gse.db"
    template.parent.mkdir(exist_ok=True)
    if not template.exists():
        build_database(template)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    for indexed, rows in ((False, args.before_rows), (True, args.before_rows), (True, args.rows)):
        imported, undone = import_then_undo(template, work, rows, indexed=indexed)
        label = "with m011's indexes (now)" if indexed else "without them (before)"
        print(f"{rows:>9,} rows {label:<27} import {imported:7.1f} s, undo-import {undone:8.1f} s "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
