"""The intruder test: ask every view a viewer has, put together everything shown, and try to work out hidden counts.

A crafted cross-tab (small counts in several departments, grades and role types, over two
quarters, the second loaded in two parts on different days) goes in through the normal
import into a real database file. The test then asks, as a viewer would with no SQL box:
Explore's people-count results for the links a viewer can make (unions of values included),
the Membership page's filters, headlines, charts and tabs, the changes since the last Board,
and the Board pack's tables, at days before, inside and after the recording window. Each
figure shown is a sum of the true cells; a linear programme (scipy) then finds the least and
greatest value each cell can take given every figure shown together and that counts are never
negative. No cell that is not itself shown may be pinned to fewer than THRESHOLD values.

The LP here is written from the figures' meaning and does not use the dashboard's own
protection code, so it checks it. Run on its own to see the counts:
``python -m pytest tests/test_intruder.py -q -s``.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from gse_dashboard import auth, explore, store
from gse_dashboard import importers as im
from gse_dashboard.build import build_database

from . import intruder_views as views

THRESHOLD = 10
EDITOR = auth.command_line_user("Ivy Intruder")
DEPARTMENTS = ("Dept Alpha", "Dept Beta", "Dept Gamma", "Dept Delta")
GRADES = ("EO", "HEO", "SCS")
ROLES = ("Deep specialist", "Policy", "Specialist")
FIRST, SECOND = "2025-03-31", "2025-06-30"
# When each part of each return was recorded; the second quarter comes in two parts.
FIRST_RECORDED = "2025-04-03T10:00:00"
SECOND_PART_A, SECOND_PART_B = "2025-07-03T10:00:00", "2025-07-08T10:00:00"
BOARDS = ("2025-04-16", "2025-07-16")
# Days a viewer looks: after the first quarter, inside the second's recording window, after it.
AS_AT = ("2025-04-20", "2025-07-05", "2025-07-20")
CELLS = tuple(itertools.product(DEPARTMENTS, GRADES, ROLES))


def crafted_counts(seed: int) -> dict[tuple[str, str, str], int]:
    """A cross-tab with about a third of its cells small (0 to 9), the rest 12 to 60."""
    rng = random.Random(seed)  # noqa: S311 - a fixed, reproducible table
    return {cell: rng.randint(0, 9) if rng.random() < 0.35 else rng.randint(12, 60) for cell in CELLS}


TRUE = {FIRST: crafted_counts(1), SECOND: crafted_counts(2)}


def _write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _import(path: Path, kind: str, file: Path, recorded_at: str, monkeypatch, *, in_parts: bool = False) -> None:
    """Import FILE through the normal validate-and-apply path, recorded at RECORDED_AT (one part of a return)."""
    monkeypatch.setattr(store, "now", lambda: recorded_at)
    database = store.connect(path, readonly=True)
    try:
        validation = im.validate(database, kind, im.read_path(file))
    finally:
        database.close()
    assert validation.ok, validation.problem_lines()
    im.apply_import(path, kind, validation, user=EDITOR, **({"in_parts": True} if in_parts else {}))


def _cell_rows(period: str, cells) -> list[list]:
    return [["members", period, "GSE", d, g, r, TRUE[period][(d, g, r)], "Crafted HR return"] for d, g, r in cells]


@pytest.fixture(scope="module")
def crafted_db(tmp_path_factory) -> Path:
    """A database with the strategy and the crafted returns imported as a department would send them."""
    return build_crafted(tmp_path_factory.mktemp("intruder"))


def build_crafted(folder: Path) -> Path:
    """Build the crafted database in FOLDER through the normal imports; return its path."""
    monkeypatch = pytest.MonkeyPatch()
    path = folder / "gse.db"
    build_database(path, sample=False)
    header = [["indicator", "period", "population", "department", "grade", "role_type", "value", "source"]]
    first = _write_csv(folder / "q1.csv", header + _cell_rows(FIRST, CELLS)
                       + [["members", FIRST, "GSE", "", "", "", sum(TRUE[FIRST].values()), "Crafted HR return"]])
    part_a = [c for c in CELLS if c[0] in DEPARTMENTS[:2]]
    part_b = [c for c in CELLS if c[0] not in DEPARTMENTS[:2]]
    second_a = _write_csv(folder / "q2a.csv", header + _cell_rows(SECOND, part_a))
    second_b = _write_csv(folder / "q2b.csv", header + _cell_rows(SECOND, part_b)
                          + [["members", SECOND, "GSE", "", "", "", sum(TRUE[SECOND].values()), "Crafted HR return"]])
    meetings = _write_csv(folder / "boards.csv", [["date", "title"], *[[d, f"Board {d}"] for d in BOARDS]])
    try:
        _import(path, "meetings", meetings, "2025-01-10T09:00:00", monkeypatch)
        _import(path, "observations", first, FIRST_RECORDED, monkeypatch)
        parts = views.in_parts_supported()
        _import(path, "observations", second_a, SECOND_PART_A, monkeypatch, in_parts=parts)
        _import(path, "observations", second_b, SECOND_PART_B, monkeypatch, in_parts=parts)
        views.mark_complete(path, SECOND, SECOND_PART_B, monkeypatch)
    finally:
        monkeypatch.undo()
    return path


def known_cells(period: str, as_at: str) -> set[tuple[str, str, str]]:
    """The cells of PERIOD recorded by the end of AS_AT."""
    cutoff = store.end_of_day(as_at)
    if period == FIRST:
        return set(CELLS) if cutoff >= FIRST_RECORDED else set()
    known = set()
    if cutoff >= SECOND_PART_A:
        known |= {c for c in CELLS if c[0] in DEPARTMENTS[:2]}
    if cutoff >= SECOND_PART_B:
        known |= {c for c in CELLS if c[0] not in DEPARTMENTS[:2]}
    return known


class Published:
    """Every figure a viewer saw: (period, the cells it sums) -> value, with where it was seen."""

    def __init__(self):
        self.figures: dict[tuple[str, frozenset], int] = {}
        self.where: dict[tuple[str, frozenset], str] = {}
        self.contradictions: list[str] = []

    def add(self, period: str, as_at: str, selection: dict[str, tuple[str, ...]], value, where: str) -> None:
        """One figure shown at AS_AT for PERIOD: the sum of the cells within SELECTION known by then."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        number = _number(value)
        if number is None or period not in TRUE:  # the strategy's own baseline figures are not the crafted table
            return
        chosen = frozenset(c for c in CELLS if all(
            not selection.get(dim) or c[i] in selection[dim] for i, dim in enumerate(("department", "grade",
                                                                                     "role_type"))))
        cells = frozenset(chosen & known_cells(period, as_at))
        if not cells:
            return
        key = (period, cells)
        truth = sum(TRUE[period][c] for c in cells)
        if number != truth:
            self.contradictions.append(f"{where}: shows {number} for {len(cells)} cells of {period}, truth {truth}")
            return
        self.figures[key] = number
        self.where.setdefault(key, where)


def _number(value) -> int | None:
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(round(value)) if float(value).is_integer() else None
    text = str(value).strip().replace(",", "")
    match = re.fullmatch(r"-?\d+(\.0+)?", text)
    return int(float(text)) if match else None


def intervals(published: Published, period: str) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Each cell of PERIOD's least and greatest value given every figure published for it (LP)."""
    index = {c: i for i, c in enumerate(CELLS)}
    rows, rhs = [], []
    for (p, cells), value in published.figures.items():
        if p != period:
            continue
        row = np.zeros(len(CELLS))
        for c in cells:
            row[index[c]] = 1
        rows.append(row)
        rhs.append(value)
    result = {}
    for cell, i in index.items():
        objective = np.zeros(len(CELLS))
        objective[i] = 1
        bounds = []
        for sign in (1, -1):
            solved = linprog(sign * objective, A_eq=np.array(rows) if rows else None,
                             b_eq=np.array(rhs) if rows else None, bounds=(0, None), method="highs")
            assert solved.status in (0, 3), solved.message
            bounds.append(sign * solved.fun if solved.status == 0 else sign * math.inf)
        result[cell] = (bounds[0], bounds[1])
    return result


def attack(published: Published) -> dict[str, int]:
    """Counts of what the intruder learns: small cells fixed exactly, and any unshown cell narrowed below THRESHOLD."""
    shown_alone = {(p, next(iter(cells))) for (p, cells) in published.figures if len(cells) == 1}
    exact = narrowed = small = 0
    details = []
    for period in (FIRST, SECOND):
        for cell, (low, high) in intervals(published, period).items():
            true = TRUE[period][cell]
            if true < THRESHOLD:
                small += 1
                if (period, cell) in shown_alone:
                    details.append(f"{period} {cell}: {true} shown outright")
            if (period, cell) in shown_alone and true >= THRESHOLD:
                continue
            values = math.inf if math.isinf(high) else math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1
            if values < THRESHOLD:
                narrowed += 1
                exact += int(values == 1 and true < THRESHOLD)
                details.append(f"{period} {cell}: true {true}, between {low:.2f} and {high:.2f}")
    return {"small cells": small, "small cells fixed exactly": exact,
            "cells narrowed below threshold": narrowed, "figures": len(published.figures), "details": details}


def harvest(path: Path) -> Published:
    """Everything every view shows, at each day a viewer looks."""
    published = Published()
    for as_at in AS_AT:
        views.harvest_membership(path, as_at, THRESHOLD, published)
        views.harvest_pack(path, as_at, THRESHOLD, published)
    # Explore inside the recording window and after it (before it, it shows what the pages show).
    for as_at in AS_AT[1:]:
        views.harvest_explore(path, as_at, THRESHOLD, published, DEPARTMENTS, GRADES, ROLES)
    return published


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_no_hidden_cell_can_be_narrowed_by_combining_every_view(crafted_db, capsys):
    """Put together, every figure any view shows leaves each unshown cell at least THRESHOLD possible values."""
    published = harvest(crafted_db)
    result = attack(published)
    with capsys.disabled():
        print(f"\nintruder: {result['figures']} distinct figures; {result['small cells']} small cells; "
              f"{result['small cells fixed exactly']} fixed exactly; {result['cells narrowed below threshold']} "
              f"cells narrowed below {THRESHOLD} values; {len(published.contradictions)} partial or wrong figures")
        for line in result["details"][:10]:
            print("  ", line)
    assert published.contradictions == [], published.contradictions[:5]
    assert result["cells narrowed below threshold"] == 0, result["details"][:10]


def test_explore_refuses_a_union_of_departments_for_people_counts(crafted_db):
    """A people count for two departments at once is refused with a reason, since it is no published margin."""
    database = store.connect(crafted_db, readonly=True)
    try:
        choices = explore.load_choices(database.conn)
        state = explore.from_query_params({"source": "members", "department": list(DEPARTMENTS[:2]),
                                           "by": "none", "as_at": AS_AT[-1]}, choices)
        result = explore.answer(database.conn, state, THRESHOLD)
    finally:
        database.close()
    assert views.explore_figures(result) == []
    assert any("one department" in note.lower() or "one value" in note.lower() for note in result.notes), result.notes
