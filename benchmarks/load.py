"""Load: twenty sessions reading pages for two minutes while an editor imports a file.

    python benchmarks/load.py [--sessions 20] [--seconds 120] [--rows 20000]

Builds the default database in a temporary folder, starts `streamlit run` on a free loopback
port, and runs tests/load.py's readers (Streamlit websocket sessions moving between the pages,
one second on each) while an editor imports ROWS observations the way Manage data does. It
prints the result and rewrites only its own section of docs/BENCHMARKS.md, between the
load-test markers. The test suite runs a 20-second version (tests/test_hardening.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gse_dashboard.seed.build import build_database  # noqa: E402
from tests.browser import streamlit_server  # noqa: E402
from tests.load import LOAD_DEPARTMENT, THINK_S, import_while_reading  # noqa: E402

BENCHMARKS = ROOT / "docs" / "BENCHMARKS.md"
START, END = "<!-- load-test:start -->", "<!-- load-test:end -->"


def section(result, imported: dict, kept: int, args) -> str:
    """The Markdown section for docs/BENCHMARKS.md."""
    summary = result.summary()
    rows = "\n".join(f"| {page} | {len(times)} | {sorted(times)[len(times) // 2]:.2f} | "
                     f"{sorted(times)[min(len(times) - 1, int(0.95 * len(times)))]:.2f} |"
                     for page, times in sorted(result.by_page.items()))
    errors = "none" if not result.errors else "; ".join(result.errors[:10])
    took = imported.get("seconds", 0.0)
    return f"""{START}
## Load: {args.sessions} sessions reading while an editor imports

Measured {dt.date.today():%d %B %Y} on {os.cpu_count()} cores ({platform.machine()}, Python
{platform.python_version()}) with `python benchmarks/load.py --sessions {args.sessions} --seconds {args.seconds:g}
--rows {args.rows}`: {args.sessions} Streamlit websocket sessions on loopback, each moving to the next page
{THINK_S:g} s after the last one finished, for {args.seconds:g} s, on the default database; {args.seconds / 4:g} s
in, an editor imported {args.rows:,} observation rows through the same code as Manage data. Rerun time is from
asking for a page to the server saying the script finished (no drawing in a browser).

| | |
|---|---|
| reruns | {summary['reruns']} |
| rerun time, median | {summary['median_s']:.2f} s |
| rerun time, 95th percentile | {summary['p95_s']:.2f} s |
| rerun time, slowest | {summary['max_s']:.2f} s |
| errors in any session (exceptions, error messages, dropped runs) | {errors} |
| import | batch {imported.get('batch')}, {imported.get('added', 0):,} rows added in {took:.1f} s |
| imported rows in the database afterwards | {kept:,} of {args.rows:,} |

| page | reruns | median (s) | 95th percentile (s) |
|---|---|---|---|
{rows}
{END}"""


def write_section(text: str) -> None:
    """Replace this script's section of docs/BENCHMARKS.md (or add it at the end), leaving the rest alone."""
    current = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    if START in current and END in current:
        before, rest = current.split(START, 1)
        current = before + text + rest.split(END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    BENCHMARKS.write_text(current, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "gse.db"
        build_database(db_path)
        with streamlit_server(db_path) as url:
            result, imported = import_while_reading(db_path, url, sessions=args.sessions, seconds=args.seconds,
                                                    rows=args.rows, start_after_s=args.seconds / 4)
        with sqlite3.connect(db_path) as conn:
            kept = conn.execute("SELECT COUNT(*) FROM observations WHERE department = ?",
                                (LOAD_DEPARTMENT,)).fetchone()[0]
    text = section(result, imported, kept, args)
    print(text)
    if not args.no_write:
        write_section(text)
    ok = not result.errors and "error" not in imported and kept == args.rows
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
