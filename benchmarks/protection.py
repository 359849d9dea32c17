"""How long protecting members' master tables takes, and what Membership costs cold and warm.

    python benchmarks/protection.py data/gse.db [THRESHOLD] [--latest-only]

Prints, for the latest complete period: cells, hidden figures, time to protect; then the time
for the whole-profession Membership data cold (first table) and a chosen department cold (one
table per complete quarter, for its chart over time) and warm (cached).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gse_dashboard import (  # noqa: E402
    protection,
    published,
    queries,
    store,  # noqa: E402
)


def main(path: str, threshold: int = 10, department_too: bool = True) -> None:
    import scipy.optimize  # noqa: F401  (import cost kept out of the timings)

    database = store.connect(path, readonly=True)
    conn = database.conn
    as_at = queries.latest_data_date(conn)
    period = published.latest_period(conn, as_at)
    cells = published.cells(conn, as_at, period)
    start = time.perf_counter()
    table = protection.protect(cells, threshold)
    took = time.perf_counter() - start
    print(f"{path}: latest complete period {period}: {len(cells)} cells, {(cells['value'] < threshold).sum()} "
          f"below {threshold}; {len(table.hidden)} of {len(table.values)} figures hidden; protected in {took:.2f} s")
    protection._CACHE.clear()
    published._TABLES.clear()
    start = time.perf_counter()
    published.membership(conn, as_at, threshold)
    print(f"Membership, whole profession, cold: {time.perf_counter() - start:.2f} s")
    if not department_too:
        database.close()
        return
    department = table.labels["department"][0]
    periods = len(queries.complete_cell_periods(conn, published.INDICATOR, as_at))
    start = time.perf_counter()
    published.membership(conn, as_at, threshold, department=department)
    print(f"Membership, {department}, cold ({periods} complete periods): {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    published.membership(conn, as_at, threshold, department=department)
    print(f"Membership, {department}, warm: {time.perf_counter() - start:.2f} s")
    database.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10, department_too="--latest-only" not in sys.argv)
