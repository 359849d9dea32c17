"""How long protecting members' master tables takes, and what Membership costs cold and warm.

    python benchmarks/protection.py data/gse.db [THRESHOLD] [--latest-only]

Prints, for the latest complete period: cells, hidden figures, time to protect; the time to
protect every complete period afresh (what `init` or a changed threshold costs once); then the
Membership data for the whole profession and for one department (its charts over time need one
table per complete period) with nothing in this process's memory: "cold" reads the tables kept
in the database (protection_store) and protects only those not kept; "warm" is the same again.
The database is opened read-only, so nothing is kept by the benchmark itself.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gse_dashboard.people import protection, protection_store, published
from gse_dashboard.storage import queries, store
from gse_dashboard.views import screens


def _forget() -> None:
    protection._CACHE.clear()
    protection_store.forget_in_memory()
    published._TABLES.clear()


def main(path: str, threshold: int = 10, department_too: bool = True) -> None:
    import highspy  # noqa: F401  (import cost kept out of the timings)

    database = store.connect(path, readonly=True)
    conn = database.conn
    as_at = queries.latest_data_date(conn)
    period = published.latest_period(conn, as_at)
    cells = queries.cells(conn, as_at, period)
    start = time.perf_counter()
    table = protection.protect(cells, threshold)
    took = time.perf_counter() - start
    print(f"{path}: latest complete period {period}: {len(cells)} cells, {(cells['value'] < threshold).sum()} "
          f"below {threshold}; {len(table.hidden)} of {len(table.values)} figures hidden; protected in {took:.2f} s")
    periods = queries.complete_cell_periods(conn, published.INDICATOR, as_at)
    kept = len(published.kept_tables(conn, as_at, periods, threshold))
    _forget()
    if department_too:
        start = time.perf_counter()
        for each in periods:
            protection.protect(queries.cells(conn, as_at, each), threshold)
        print(f"Every complete period ({len(periods)}) protected afresh: {time.perf_counter() - start:.2f} s; "
              f"{kept} of them kept in the database")
    _forget()
    start = time.perf_counter()
    screens.membership(conn, as_at, threshold)
    print(f"Membership, whole profession, cold: {time.perf_counter() - start:.2f} s")
    if not department_too:
        database.close()
        return
    department = table.labels["department"][0]
    _forget()
    start = time.perf_counter()
    screens.membership(conn, as_at, threshold, department=department)
    print(f"Membership, {department}, cold ({len(periods)} complete periods): {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    screens.membership(conn, as_at, threshold, department=department)
    print(f"Membership, {department}, warm: {time.perf_counter() - start:.2f} s")
    database.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10, department_too="--latest-only" not in sys.argv)
