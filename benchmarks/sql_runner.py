"""What the stoppable SQL runner costs: an ordinary query in a child process against the same query in-process.

    python benchmarks/sql_runner.py [--db data/gse.db] [--runs 50]

Runs the same simple SELECT RUNS times each way, alternating so both see the same machine load:
`sql_runner.run_query` (a child process per query, killed at its deadline, memory capped) and
`sqlworker.execute` called in this process (the read-only rules without the child: what the SQL box
did before issue 17). Prints the median and 90th percentile of each and the added cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gse_dashboard.config import DEFAULT_DB_PATH  # noqa: E402
from gse_dashboard.explore import sql_runner, sqlworker  # noqa: E402

SQL = "SELECT number, name FROM workstreams ORDER BY number"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--db", type=Path, default=DEFAULT_DB_PATH)
    options.add_argument("--runs", type=int, default=50)
    args = options.parse_args()
    child, inline = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        sql_runner.run_query(args.db, SQL, time_limit_s=1.0, row_cap=10_000)
        child.append(time.perf_counter() - started)
        started = time.perf_counter()
        sqlworker.execute(str(args.db), SQL, 1.0, 10_000, sql_runner.MAX_RESULT_BYTES)
        inline.append(time.perf_counter() - started)

    def describe(times: list[float]) -> str:
        ordered = sorted(times)
        p90 = ordered[int(0.9 * len(ordered))]
        return f"median {statistics.median(ordered) * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms"

    print(f"{args.runs} runs of {SQL!r} on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"in-process (before): {describe(inline)}")
    print(f"child process (now): {describe(child)}")
    print(f"added, median: {(statistics.median(child) - statistics.median(inline)) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
