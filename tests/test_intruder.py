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

from gse_dashboard import explore
from gse_dashboard import importers as im
from gse_dashboard.rules import auth
from gse_dashboard.seed.build import build_database
from gse_dashboard.storage import store

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


# -- diversity: shares, declared counts and declaration rates across every view ----------------------------

DIVERSITY_PERIOD = "2025-03-31"
DIVERSITY_RECORDED = "2025-05-02T10:00:00"
DIVERSITY_AS_AT = "2025-05-20"
# A fifth, small department: its one-way figures are small, so the department table needs secondary suppression.
DIVERSITY_DEPARTMENTS = (*DEPARTMENTS, "Dept Epsilon")
DIV_CELLS = tuple(itertools.product(DIVERSITY_DEPARTMENTS, GRADES, ROLES))


def crafted_diversity(seed: int) -> dict[tuple[str, str, str], tuple[int, int, int]]:
    """Per cell (women, declared but not women, did not declare): about a third of cells with a small count."""
    rng = random.Random(seed)  # noqa: S311 - a fixed, reproducible table
    found = {}
    for cell in DIV_CELLS:
        declared = rng.randint(1, 3) if cell[0] == "Dept Epsilon" else (
            rng.randint(1, 9) if rng.random() < 0.2 else rng.randint(14, 60))
        women = rng.randint(0, min(declared, 9)) if rng.random() < 0.35 else rng.randint(0, declared)
        found[cell] = (women, declared - women, rng.randint(0, 6))
    return found


DIVERSITY = crafted_diversity(7)


def _diversity_row(department: str, grade: str, role: str, cells) -> list:
    women = sum(DIVERSITY[c][0] for c in cells)
    declared = sum(DIVERSITY[c][0] + DIVERSITY[c][1] for c in cells)
    heads = declared + sum(DIVERSITY[c][2] for c in cells)
    return ["women", DIVERSITY_PERIOD, "GSE", department, grade, role, round(100 * women / declared, 2), women,
            declared, round(100 * declared / heads, 1), "Crafted diversity return"]


@pytest.fixture(scope="module")
def crafted_diversity_db(tmp_path_factory) -> Path:
    """The strategy, then a diversity return (cells, one-way rows and the total) imported as a department would."""
    return build_crafted_diversity(tmp_path_factory.mktemp("intruder-diversity"))


def build_crafted_diversity(folder: Path) -> Path:
    """Women by department × grade × role type with both one-way breakdowns and the total, through the import."""
    monkeypatch = pytest.MonkeyPatch()
    path = folder / "gse.db"
    build_database(path, sample=False)
    header = [["indicator", "period", "population", "department", "grade", "role_type", "value", "numerator",
               "denominator", "declaration_rate", "source"]]
    rows = [_diversity_row(d, g, r, [(d, g, r)]) for d, g, r in DIV_CELLS]
    rows += [_diversity_row(d, "", "", [c for c in DIV_CELLS if c[0] == d]) for d in DIVERSITY_DEPARTMENTS]
    rows += [_diversity_row("", g, "", [c for c in DIV_CELLS if c[1] == g]) for g in GRADES]
    rows += [_diversity_row("", "", "", DIV_CELLS)]
    rows += [["women", DIVERSITY_PERIOD, "Civil Service", "", "", "", 54.5, "", "", "", "Civil Service Statistics"]]
    try:
        _import(path, "observations", _write_csv(folder / "women.csv", header + rows), DIVERSITY_RECORDED,
                monkeypatch)
    finally:
        monkeypatch.undo()
    return path


class DiversityPublished:
    """Every diversity figure a viewer saw, as linear constraints on each cell's (women, others, undeclared)."""

    def __init__(self):
        self.equalities: list[tuple[dict[int, float], float]] = []
        self.inequalities: list[tuple[dict[int, float], float]] = []  # row · x <= bound
        self.shown: set[tuple[frozenset, str]] = set()
        self.contradictions: list[str] = []
        self.figures = 0

    @staticmethod
    def cells(selection: dict) -> frozenset:
        return frozenset(c for c in DIV_CELLS if all(
            not selection.get(dim) or c[i] in selection[dim] for i, dim in enumerate(("department", "grade",
                                                                                     "role_type"))))

    def add(self, selection: dict, *, share=None, declared=None, rate=None, where: str = "") -> None:
        """Figures shown for SELECTION: share (% of declared, one decimal), declared count, declaration rate."""
        cells = self.cells(selection)
        if not cells or (share is None and declared is None and rate is None):
            return
        women = sum(DIVERSITY[c][0] for c in cells)
        true_declared = sum(DIVERSITY[c][0] + DIVERSITY[c][1] for c in cells)
        heads = true_declared + sum(DIVERSITY[c][2] for c in cells)

        def variables(statuses) -> dict[int, float]:
            return {3 * DIV_CELLS.index(c) + s: 1.0 for c in cells for s in statuses}

        if declared is not None:
            self.figures += 1
            if declared != true_declared:
                self.contradictions.append(f"{where}: declared {declared} for {sorted(selection.items())}, "
                                           f"truth {true_declared}")
                return
            self.equalities.append((variables((0, 1)), declared))
            self.shown.add((cells, "declared"))
        if share is not None:
            self.figures += 1
            if true_declared == 0 or abs(100 * women / true_declared - share) > 0.05 + 1e-9:
                self.contradictions.append(f"{where}: share {share} for {sorted(selection.items())}, "
                                           f"truth {women}/{true_declared}")
                return
            for sign, slack in ((1, share + 0.05), (-1, share - 0.05)):
                # sign * (women - slack% of declared) <= 0
                row = {k: -sign * slack / 100 for k in variables((0, 1))}
                for k in variables((0,)):
                    row[k] += sign
                self.inequalities.append((row, 0.0))
            if declared is not None:
                self.shown.add((cells, "women"))
        if rate is not None:
            self.figures += 1
            if heads == 0 or abs(100 * true_declared / heads - rate) > 0.05 + 1e-9:
                self.contradictions.append(f"{where}: rate {rate} for {sorted(selection.items())}, "
                                           f"truth {true_declared}/{heads}")
                return
            for sign, slack in ((1, rate + 0.05), (-1, rate - 0.05)):
                row = {k: -sign * slack / 100 for k in variables((0, 1, 2))}
                for k in variables((0, 1)):
                    row[k] += sign
                self.inequalities.append((row, 0.0))


def diversity_targets() -> list[tuple[str, frozenset]]:
    """Every selection whose numerator and denominator an intruder may try: cells, pairs, one-way groups, the whole."""
    found = {}
    for mask in itertools.product((False, True), repeat=3):
        for cell in DIV_CELLS:
            key = tuple(cell[i] if mask[i] else None for i in range(3))
            selection = {dim: (key[i],) for i, dim in enumerate(("department", "grade", "role_type"))
                         if key[i] is not None}
            found[key] = DiversityPublished.cells(selection)
    return [(" × ".join(v for v in key if v) or "whole profession", cells) for key, cells in found.items()]


def diversity_attack(published: DiversityPublished) -> dict:
    """Counts of what the intruder learns: small numerators or denominators shown or fixed, any hidden one narrowed."""
    size = 3 * len(DIV_CELLS)

    def dense(rows):
        matrix = np.zeros((len(rows), size))
        for n, (row, _) in enumerate(rows):
            for k, v in row.items():
                matrix[n, k] = v
        return matrix, np.array([bound for _, bound in rows], dtype=float)

    a_eq, b_eq = dense(published.equalities) if published.equalities else (None, None)
    a_ub, b_ub = dense(published.inequalities) if published.inequalities else (None, None)
    small = exact = narrowed = outright = 0
    details = []
    for name, cells in diversity_targets():
        for kind, statuses in (("women", (0,)), ("declared", (0, 1))):
            true = sum(DIVERSITY[c][s] for c in cells for s in statuses)
            shown = (cells, kind) in published.shown
            if true < THRESHOLD:
                small += 1
                if shown:
                    outright += 1
                    details.append(f"{name} {kind}: {true} shown outright")
                    continue
            if shown:
                continue
            objective = np.zeros(size)
            for c in cells:
                for s in statuses:
                    objective[3 * DIV_CELLS.index(c) + s] = 1
            bounds = []
            for sign in (1, -1):
                solved = linprog(sign * objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None),
                                 method="highs")
                assert solved.status in (0, 3), solved.message
                bounds.append(sign * solved.fun if solved.status == 0 else sign * math.inf)
            low, high = bounds
            values = math.inf if math.isinf(high) else math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1
            if values < THRESHOLD:
                narrowed += 1
                exact += int(values == 1 and true < THRESHOLD)
                details.append(f"{name} {kind}: true {true}, between {low:.2f} and {high:.2f}")
    return {"small": small, "shown outright": outright, "fixed exactly": exact, "narrowed": narrowed,
            "figures": published.figures, "details": details}


def harvest_diversity(path: Path) -> DiversityPublished:
    """Every diversity figure the Diversity page, Explore and the Board pack show a viewer."""
    published = DiversityPublished()
    views.harvest_diversity_page(path, DIVERSITY_AS_AT, THRESHOLD, published)
    views.harvest_diversity_explore(path, DIVERSITY_AS_AT, THRESHOLD, published, DIVERSITY_DEPARTMENTS, GRADES,
                                    ROLES)
    views.harvest_diversity_pack(path, DIVERSITY_AS_AT, THRESHOLD, published)
    return published


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_no_hidden_diversity_count_can_be_narrowed_by_combining_every_view(crafted_diversity_db, capsys):
    """Every diversity figure shown, put together, leaves each hidden numerator and declared count THRESHOLD values."""
    published = harvest_diversity(crafted_diversity_db)
    result = diversity_attack(published)
    with capsys.disabled():
        print(f"\nintruder (diversity): {result['figures']} figures shown; {result['small']} small numerators or "
              f"declared counts; {result['shown outright']} shown outright; {result['fixed exactly']} fixed exactly; "
              f"{result['narrowed']} hidden ones narrowed below {THRESHOLD} values; "
              f"{len(published.contradictions)} wrong figures")
        for line in result["details"][:10]:
            print("  ", line)
    assert published.contradictions == [], published.contradictions[:5]
    assert published.figures > 50  # the views did show figures
    assert result["shown outright"] == 0 and result["narrowed"] == 0, result["details"][:10]


def test_about_the_data_lists_no_figure_of_a_return(crafted_db, crafted_diversity_db):
    """About the data's real figures are the strategy's and the publisher's: no cell of an imported return is listed."""
    from gse_dashboard.charts import tables
    from gse_dashboard.people import official_figures

    for path in (crafted_db, crafted_diversity_db):
        database = store.connect(path, readonly=True)
        try:
            listed = tables.real_figures_table(official_figures.real_figures(database.conn))
        finally:
            database.close()
        assert not listed.empty and not listed["Source"].str.contains("Crafted").any()
        assert listed["Source"].str.contains("GSE Strategy").any()
