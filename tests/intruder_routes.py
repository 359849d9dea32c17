"""The intruder across counts of people other than one members table, and across as-at dates.

An attacker's model for test_intruder_routes: each figure a view shows is the sum of the true
cells of one indicator's table for one period as known at the date the viewer chose. A cell
that a correction did not change is one unknown at every date (the strongest attacker: they are
told exactly which cells changed), a corrected cell a new unknown from its correction on. Each
unknown's least and greatest value come from a linear programme over every figure together
(counts whole and never negative), then, where the linear bounds leave fewer than three times
the threshold's values, from the integer programme, whose bounds can be tighter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from gse_dashboard.storage import store

DIMENSIONS = ("department", "grade", "role_type")


@dataclass
class Truth:
    """The true cells of each (indicator, period) and the dates from which each version holds."""

    # (indicator, period) -> [(first as-at day this version is known, {cell: value}), ...] oldest first
    versions: dict[tuple[str, str], list[tuple[str, dict[tuple[str, str, str], int]]]]

    def version(self, indicator: str, period: str, as_at: str) -> int | None:
        found = None
        for n, (since, _) in enumerate(self.versions.get((indicator, period), [])):
            if since <= as_at:
                found = n
        return found

    def cells(self, indicator: str, period: str, version: int) -> dict[tuple[str, str, str], int]:
        return self.versions[(indicator, period)][version][1]

    def run(self, indicator: str, period: str, version: int, cell) -> int:
        """The first version from which CELL has had the value it has at VERSION (no change since)."""
        history = self.versions[(indicator, period)]
        start = version
        while start > 0 and history[start - 1][1].get(cell) == history[version][1].get(cell):
            start -= 1
        return start


@dataclass
class Harvest:
    """Every figure a viewer saw: (indicator, period, version, cells) -> value."""

    truth: Truth
    figures: dict[tuple[str, str, int, frozenset], int] = field(default_factory=dict)
    where: dict[tuple[str, str, int, frozenset], str] = field(default_factory=dict)
    contradictions: list[str] = field(default_factory=list)

    def collector(self, indicator: str) -> Collector:
        """An object with intruder_views' `add(period, as_at, selection, value, where)` for INDICATOR."""
        return Collector(self, indicator)

    def add(self, indicator: str, period: str, as_at: str, selection: Mapping, value, where: str) -> None:
        number = _number(value)
        version = self.truth.version(indicator, period, as_at)
        if number is None or version is None:
            return
        table = self.truth.cells(indicator, period, version)
        cells = frozenset(c for c in table if all(not selection.get(d) or c[i] in selection[d]
                                                  for i, d in enumerate(DIMENSIONS)))
        if not cells:
            return
        truth = sum(table[c] for c in cells)
        if number != truth:
            self.contradictions.append(f"{where}: shows {number} for {indicator} {period}, truth {truth}")
            return
        key = (indicator, period, version, cells)
        self.figures[key] = number
        self.where.setdefault(key, where)


@dataclass
class Collector:
    harvest: Harvest
    indicator: str

    def add(self, period, as_at, selection, value, where) -> None:
        self.harvest.add(self.indicator, period, as_at, selection, value, where)


def _number(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or not float(value).is_integer() else int(value)
    text = str(value).strip().replace(",", "")
    return int(float(text)) if re.fullmatch(r"-?\d+(\.0+)?", text) else None


QUALIFIED = re.compile(r"The figure for (\d{4}-\d{2}-\d{2}) is '[^']*?(-?[\d,]+)'")


def qualified_figures(notes) -> list[tuple[str, int]]:
    """(period, value) of every note that prints a figure with its qualifier ("about 3")."""
    return [(m.group(1), int(m.group(2).replace(",", ""))) for note in notes for m in QUALIFIED.finditer(note)]


def attack(harvest: Harvest, threshold: int, tables=None) -> dict:
    """Each hidden cell's range from every figure together: counts of small cells fixed and cells narrowed.

    TABLES: the (indicator, period) tables to attack (default: all).
    """
    truth = harvest.truth
    unknowns: dict[tuple, int] = {}
    for (indicator, period), history in truth.versions.items():
        if tables and (indicator, period) not in tables:
            continue
        for version, (_, cells) in enumerate(history):
            for cell in cells:
                unknowns.setdefault((indicator, period, truth.run(indicator, period, version, cell), cell),
                                    len(unknowns))
    rows, rhs = [], []
    shown = set()
    for (indicator, period, version, cells), value in harvest.figures.items():
        if tables and (indicator, period) not in tables:
            continue
        row = np.zeros(len(unknowns))
        for cell in cells:
            row[unknowns[(indicator, period, truth.run(indicator, period, version, cell), cell)]] = 1
        rows.append(row)
        rhs.append(value)
        if len(cells) == 1:
            shown.add((indicator, period, truth.run(indicator, period, version, next(iter(cells))),
                       next(iter(cells))))
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs, dtype=float) if rows else None
    result = {"small": 0, "small shown": 0, "fixed": 0, "narrowed": 0, "figures": len(rows), "details": []}
    for key, n in unknowns.items():
        indicator, period, run, cell = key
        true = truth.cells(indicator, period, run)[cell]
        if true < threshold:
            result["small"] += 1
        if key in shown:
            if true < threshold:
                result["small shown"] += 1
                result["details"].append(f"{indicator} {period} v{run} {cell}: {true} shown outright")
            continue
        low, high = _bounds(a_eq, b_eq, n, len(unknowns), integral=False)
        if _values(low, high) < 3 * threshold:
            low, high = _bounds(a_eq, b_eq, n, len(unknowns), integral=True)
        if _values(low, high) < threshold:
            result["narrowed"] += 1
            result["fixed"] += int(low == high and true < threshold)
            result["details"].append(f"{indicator} {period} v{run} {cell}: true {true}, {low:g} to {high:g}")
    return result


def _values(low: float, high: float) -> float:
    return math.inf if math.isinf(high) else math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1


def _bounds(a_eq, b_eq, n: int, size: int, *, integral: bool) -> tuple[float, float]:
    found = []
    for sign in (1, -1):
        objective = np.zeros(size)
        objective[n] = sign
        if integral:
            constraints = [LinearConstraint(a_eq, b_eq, b_eq)] if a_eq is not None else []
            solved = milp(objective, constraints=constraints, integrality=np.ones(size),
                          bounds=Bounds(0, np.inf))
            assert solved.status in (0, 3), solved.message
            found.append(sign * solved.fun if solved.status == 0 else (0.0 if sign == 1 else math.inf))
        else:
            solved = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            assert solved.status in (0, 3), solved.message
            found.append(sign * solved.fun if solved.status == 0 else (0.0 if sign == 1 else math.inf))
    return found[0], found[1]


def end_of(day: str) -> str:
    return store.end_of_day(day)
