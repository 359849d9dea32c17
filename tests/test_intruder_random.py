"""Random tables through the whole pipeline: imported, corrected, protected, kept, read back, and attacked.

A few hundred small random members tables (one a month) go in through the observations import
as one return; a second import corrects a few cells in a third of them. At an as-at date before
and one after the correction, each period's table is read as every view reads it
(published.table: versions, protection with the earlier version, the kept store), and every
figure it publishes at either date is handed to the intruder (intruder_routes: linear, then
integer programming, a cell the correction did not touch one unknown at both dates). No hidden
cell of either version may keep fewer than THRESHOLD values.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path

import pytest

from gse_dashboard.people import published
from gse_dashboard.storage import store

from . import intruder_routes as routes
from .test_intruder import _import, _write_csv

THRESHOLD = 10
TABLES = 240
RECORDED, CORRECTED = "2026-01-10T10:00:00", "2026-02-10T10:00:00"
BEFORE, AFTER = "2026-01-20", "2026-03-01"
HEADER = ["indicator", "period", "population", "department", "grade", "role_type", "value", "source"]


def _periods(count: int) -> list[str]:
    """COUNT month ends from January 2001."""
    found = []
    for n in range(count):
        year, month = 2001 + n // 12, n % 12 + 1
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        found.append((following - dt.timedelta(days=1)).isoformat())
    return found


def random_tables(seed: int = 29) -> dict[str, tuple[dict, dict]]:
    """Per period: the cells as first returned, and as corrected (the same where not corrected)."""
    rng = random.Random(seed)  # noqa: S311 - fixed, reproducible tables
    found = {}
    for period in _periods(TABLES):
        shape = (rng.randint(2, 4), rng.randint(2, 3), rng.randint(1, 3))
        small = rng.choice((0.15, 0.3, 0.5))
        cells = {}
        for d, g, r in itertools.product(*(range(n) for n in shape)):
            value = rng.randint(0, 9) if rng.random() < small else rng.randint(10, 60)
            cells[(f"Dept {d}", f"Grade {g}", f"Role {r}")] = value
        corrected = dict(cells)
        if rng.random() < 1 / 3:
            for cell in rng.sample(sorted(cells), rng.randint(1, 2)):
                corrected[cell] = max(0, cells[cell] + rng.choice((-3, -1, 1, 2, 5)))
        found[period] = (cells, corrected)
    return found


TRUE = random_tables()


@pytest.fixture(scope="module")
def random_db(tmp_path_factory) -> Path:
    """The strategy, the random returns in one import, and their corrections in a second."""
    from gse_dashboard.seed.build import build_database

    folder = tmp_path_factory.mktemp("random")
    path = folder / "gse.db"
    build_database(path, sample=False)
    first = [["members", p, "GSE", *cell, v, "Random return"] for p, (cells, _) in TRUE.items()
             for cell, v in cells.items()]
    fixes = [["members", p, "GSE", *cell, v, "Random return"] for p, (cells, corrected) in TRUE.items()
             for cell, v in corrected.items() if cells[cell] != v]
    monkeypatch = pytest.MonkeyPatch()
    try:
        _import(path, "observations", _write_csv(folder / "returns.csv", [HEADER, *first]), RECORDED, monkeypatch)
        _import(path, "observations", _write_csv(folder / "fixes.csv", [HEADER, *fixes]), CORRECTED, monkeypatch)
    finally:
        monkeypatch.undo()
    return path


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_random_tables_corrected_or_not_give_no_hidden_cell_away(random_db, capsys):
    """Random tables read back as views read them, before and after corrections, leave every hidden cell room."""
    truth = routes.Truth({("members", p): [(RECORDED[:10], cells)] + ([(CORRECTED[:10], corrected)]
                                                                      if corrected != cells else [])
                          for p, (cells, corrected) in TRUE.items()})
    harvest = routes.Harvest(truth)
    database = store.connect(random_db, readonly=True)
    try:
        for as_at in (BEFORE, AFTER):
            for period in TRUE:
                table = published.table(database.conn, as_at, period, THRESHOLD)
                for key, value in table.values.items():
                    if key not in table.hidden:
                        selection = {d: (v,) for d, v in zip(routes.DIMENSIONS, key) if v != store.ALL}
                        harvest.add("members", period, as_at, selection, value, f"table {period} at {as_at}")
    finally:
        database.close()
    totals = {"small": 0, "small shown": 0, "fixed": 0, "narrowed": 0, "figures": 0, "details": []}
    for period in TRUE:
        result = routes.attack(harvest, THRESHOLD, {("members", period)})
        for name in ("small", "small shown", "fixed", "narrowed", "figures"):
            totals[name] += result[name]
        totals["details"] += result["details"]
    corrected = sum(1 for cells, fixed in TRUE.values() if cells != fixed)
    with capsys.disabled():
        print(f"\nrandom tables: {len(TRUE)} ({corrected} corrected); {totals['figures']} figures; "
              f"{totals['small']} small cells; {totals['small shown']} shown; {totals['fixed']} fixed; "
              f"{totals['narrowed']} narrowed below {THRESHOLD} values")
        for line in totals["details"][:8]:
            print("   ", line)
    assert harvest.contradictions == [], harvest.contradictions[:5]
    assert corrected > 40 and totals["small"] > 300
    assert totals["small shown"] == 0 and totals["narrowed"] == 0, totals["details"][:10]
