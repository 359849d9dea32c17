"""Diversity shares from one protected table per characteristic and period: what each view may show."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from gse_dashboard.people import protected_diversity as diversity
from gse_dashboard.storage.store import ALL

THRESHOLD = 10


def _rows(departments: dict, grades: dict, total: tuple | None) -> pd.DataFrame:
    """One-way rows as a return carries them: (women, declared, headcount) per department, per grade, and in all."""
    rows = []
    for (department, grade), figures in [*(((d, ALL), f) for d, f in departments.items()),
                                         *(((ALL, g), f) for g, f in grades.items()),
                                         *([((ALL, ALL), total)] if total else [])]:
        women, declared, heads = figures
        rows.append({"department": department, "grade": grade, "role_type": ALL, "numerator": women,
                     "denominator": declared, "declaration_rate": round(100 * declared / heads, 1)})
    return pd.DataFrame(rows)


# Department C is small: 4 women of 12 who declared.
DEPARTMENTS = {"A": (30, 80, 90), "B": (45, 100, 104), "C": (4, 12, 15)}
GRADES = {"EO": (40, 110, 120), "SCS": (39, 82, 89)}
TOTAL = (79, 192, 209)


def test_a_small_department_is_hidden_and_cannot_be_got_by_subtraction():
    """C's 4 women are [c]; so is another department's share, else the total minus the others would give C away."""
    table = diversity.build(_rows(DEPARTMENTS, GRADES, TOTAL), THRESHOLD)
    line = table.line("department").set_index("group")
    assert line.at["C", "share"] is None
    hidden = [d for d in ("A", "B") if line.at[d, "share"] is None]
    assert hidden, "with the total shown, one other department's share must be hidden with C's"
    assert table.figure().share == round(100 * 79 / 192, 1)
    ranges = _ranges(table)
    for (selection, what), (low, high) in ranges.items():
        assert _values(low, high) >= THRESHOLD, (selection, what, low, high)


def test_a_rate_is_shown_only_with_its_declared_count_and_headcount():
    """Where the declared count is hidden, so is the rate: rate × a headcount shown elsewhere would give it away."""
    table = diversity.build(_rows(DEPARTMENTS, GRADES, TOTAL), THRESHOLD)
    for by in ("department", "grade"):
        for row in table.line(by).itertuples():
            if row.declared is None or pd.isna(row.declared):
                assert row.declaration_rate is None or pd.isna(row.declaration_rate), row
    whole = table.figure()
    assert (whole.declared, whole.declaration_rate) == (192, round(100 * 192 / 209, 1))


def test_a_union_is_shown_only_where_every_part_is_published():
    """A and B together is shown where both are published (a sum of published figures); with C hidden, not."""
    big = {"A": (30, 80, 90), "B": (45, 100, 104), "D": (25, 60, 70)}
    table = diversity.build(_rows(big, {}, (100, 240, 264)), THRESHOLD)
    union = table.union({"department": ("A", "B")})
    assert union.share == round(100 * 75 / 180, 1) and union.declared == 180
    assert union.declaration_rate == round(100 * 180 / 194, 1)
    small = diversity.build(_rows(DEPARTMENTS, GRADES, TOTAL), THRESHOLD)
    assert small.union({"department": ("A", "C")}).share is None
    assert small.union({"department": ("A", "No such department")}).share is None


def test_a_department_by_grade_figure_is_never_shown():
    """No view shows department by grade: such a selection is hidden whatever its size."""
    cells = pd.DataFrame([{"department": d, "grade": g, "role_type": "Policy", "numerator": 40, "denominator": 90,
                           "declaration_rate": 90.0} for d, g in itertools.product("AB", ("EO", "SCS"))])
    table = diversity.build(cells, THRESHOLD)
    assert table.figure("A", "EO").share is None
    assert table.figure("A").share == round(100 * 80 / 180, 1)
    assert table.groups == {"department": ("A", "B"), "grade": ("EO", "SCS")}


def test_few_who_did_not_declare_do_not_hide_a_share():
    """Everyone in A declared their sex (none undeclared): A's share and rate are still shown."""
    everyone = {"A": (30, 80, 80), "B": (45, 100, 100), "D": (25, 60, 60)}
    table = diversity.build(_rows(everyone, {}, (100, 240, 240)), THRESHOLD)
    shown = table.figure("A")
    assert (shown.share, shown.declared, shown.declaration_rate) == (37.5, 80, 100.0)


def test_figures_leave_rounded_as_shown_and_without_counts():
    """Shares and rates carry one decimal place; a breakdown holds no numerator."""
    table = diversity.build(_rows({"A": (31, 83, 97), "B": (45, 101, 104)}, {}, (76, 184, 201)), THRESHOLD)
    line = table.line("department")
    assert "numerator" not in line.columns
    for value in [*line["share"].dropna(), *line["declaration_rate"].dropna()]:
        assert round(value, 1) == value


def test_a_return_without_counts_has_no_table():
    """Rows published only as a share (the strategy's 2015 figures) give no table: they are shown as given."""
    rows = pd.DataFrame([{"department": ALL, "grade": ALL, "role_type": ALL, "numerator": None, "denominator": None,
                          "declaration_rate": None}])
    assert diversity.build(rows, THRESHOLD) is None


# -- an LP written here, from what the table shows --------------------------------------------------------

def _values(low: float, high: float) -> float:
    return math.inf if math.isinf(high) else math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1


def _ranges(table: diversity.DiversityTable) -> dict:
    """Each one-way group's women and declared count, where not shown, as narrow as every shown figure allows.

    Unknowns: women, others declared and undeclared in each department × grade (never shown);
    constraints: every figure the table shows (share, declared count, rate to 0.05).
    """
    departments, grades = table.groups["department"] or ("-",), table.groups["grade"] or ("-",)
    cells = list(itertools.product(departments, grades))
    size = 3 * len(cells)

    def variables(department, grade, statuses):
        row = np.zeros(size)
        for n, (d, g) in enumerate(cells):
            if department in (ALL, d) and grade in (ALL, g):
                for s in statuses:
                    row[3 * n + s] = 1
        return row

    equalities, bounds_, inequalities, upper = [], [], [], []
    selections = [(ALL, ALL), *((d, ALL) for d in table.groups["department"]),
                  *((ALL, g) for g in table.groups["grade"])]
    shown = set()
    for department, grade in selections:
        figure = table.figure(department, grade)
        women, declared, heads = variables(department, grade, (0,)), variables(department, grade, (0, 1)), \
            variables(department, grade, (0, 1, 2))
        if figure.declared is not None:
            equalities.append(declared)
            bounds_.append(figure.declared)
            shown.add(((department, grade), "declared"))
        if figure.share is not None:
            for sign, slack in ((1, figure.share + 0.05), (-1, figure.share - 0.05)):
                inequalities.append(sign * (women - slack / 100 * declared))
                upper.append(0.0)
            shown.add(((department, grade), "women"))
        if figure.declaration_rate is not None:
            for sign, slack in ((1, figure.declaration_rate + 0.05), (-1, figure.declaration_rate - 0.05)):
                inequalities.append(sign * (declared - slack / 100 * heads))
                upper.append(0.0)
    result = {}
    for department, grade in selections:
        for what, statuses in (("women", (0,)), ("declared", (0, 1))):
            if ((department, grade), what) in shown:
                continue
            objective = variables(department, grade, statuses)
            found = []
            for sign in (1, -1):
                solved = linprog(sign * objective, A_ub=np.array(inequalities) if inequalities else None,
                                 b_ub=np.array(upper) if upper else None,
                                 A_eq=np.array(equalities) if equalities else None,
                                 b_eq=np.array(bounds_) if bounds_ else None, bounds=(0, None), method="highs")
                assert solved.status in (0, 3), solved.message
                found.append(sign * solved.fun if solved.status == 0 else sign * math.inf)
            result[((department, grade), what)] = tuple(found)
    return result


@pytest.mark.parametrize("seed", range(8))
def test_random_returns_leave_every_hidden_group_enough_room(seed):
    """Random one-way returns: every department's or grade's women or declared count not shown keeps 10 values."""
    rng = np.random.default_rng(seed)
    departments = {}
    for d in "ABCDE":
        declared = int(rng.integers(3, 15)) if rng.random() < 0.4 else int(rng.integers(20, 120))
        women = int(rng.integers(0, declared + 1))
        departments[d] = (women, declared, declared + int(rng.integers(0, 8)))
    total = tuple(int(sum(v[i] for v in departments.values())) for i in range(3))
    # Grades split the same people another way: EO takes a random part of each count, SCS the rest.
    eo = tuple(int(rng.integers(0, value + 1)) for value in total)
    eo = (min(eo[0], eo[1]), eo[1], eo[1] + min(eo[2], total[2] - total[1]))
    eo = (eo[0], eo[1], max(eo[2], eo[1]))
    scs = tuple(t - e for t, e in zip(total, eo))
    grades = {"EO": eo, "SCS": scs} if scs[0] <= scs[1] <= scs[2] else {}
    table = diversity.build(_rows(departments, grades, total), THRESHOLD)
    for key, (low, high) in _ranges(table).items():
        assert _values(low, high) >= THRESHOLD, (seed, key, low, high, departments)
