"""The protected master table: one per period, safe as a whole, and the figures views draw from it."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from gse_dashboard.charts import style, tables
from gse_dashboard.people import protection
from gse_dashboard.storage.store import ALL

DIMENSIONS = ("department", "grade", "role_type")


def _cells(counts: dict) -> pd.DataFrame:
    return pd.DataFrame([{"department": d, "grade": g, "role_type": r, "value": v} for (d, g, r), v in counts.items()])


def independent_ranges(counts: dict, hidden: set) -> dict:
    """Each hidden figure's least and greatest value given every published figure, by an LP written here.

    Unknowns are every cell; each published figure (cell or margin) is an equality on the sum of
    its cells; counts are at least 0.
    """
    cells = sorted(counts)
    labels = [sorted({c[i] for c in cells}) for i in range(3)]
    figures = list(itertools.product(*[[*labels[i], ALL] for i in range(3)]))

    def inside(key):
        return [n for n, c in enumerate(cells) if all(key[i] in (ALL, c[i]) for i in range(3))]

    a_eq, b_eq = [], []
    for key in figures:
        if key in hidden:
            continue
        row = np.zeros(len(cells))
        row[inside(key)] = 1
        a_eq.append(row)
        b_eq.append(sum(counts[cells[n]] for n in inside(key)))
    result = {}
    for key in hidden:
        objective = np.zeros(len(cells))
        objective[inside(key)] = 1
        bounds = []
        for sign in (1, -1):
            solved = linprog(sign * objective, A_eq=np.array(a_eq) if a_eq else None,
                             b_eq=np.array(b_eq) if b_eq else None, bounds=(0, None), method="highs")
            assert solved.status in (0, 3), solved.message
            bounds.append(sign * solved.fun if solved.status == 0 else sign * math.inf)
        result[key] = tuple(bounds)
    return result


def whole_values(low: float, high: float) -> float:
    return math.inf if math.isinf(high) else math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1


@st.composite
def cubes(draw) -> dict:
    """Random department × grade × role type tables, 2-4 values each, counts often small."""
    sizes = [draw(st.integers(2, 4)) for _ in range(3)]
    count = st.one_of(st.integers(0, 9), st.integers(10, 60))
    keys = list(itertools.product(*[[f"{name}{i}" for i in range(n)] for name, n in zip("DGR", sizes)]))
    return {key: draw(count) for key in keys}


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=cubes(), threshold=st.integers(3, 12))
def test_no_hidden_figure_can_be_narrowed_below_the_threshold(counts, threshold):
    """Random tables: every figure below the threshold is hidden, and each hidden one keeps THRESHOLD values or more."""
    table = protection.protect(_cells(counts), threshold)
    assert all(key in table.hidden for key, value in table.values.items() if value < threshold)
    for key, (low, high) in independent_ranges(counts, set(table.hidden)).items():
        assert whole_values(low, high) >= threshold, (key, table.values[key], low, high)


def test_certificates_hold_for_the_figures_they_cover():
    """Each certificate's moves leave every published figure unchanged and give enough room (checked afresh)."""
    counts = {("A", "EO", "P"): 3, ("A", "EO", "S"): 40, ("A", "SCS", "P"): 25, ("A", "SCS", "S"): 30,
              ("B", "EO", "P"): 50, ("B", "EO", "S"): 45, ("B", "SCS", "P"): 35, ("B", "SCS", "S"): 20}
    table = protection.protect(_cells(counts), 10)
    assert ("A", "EO", "P") in table.hidden and ("A", "EO", "P") in table.certificates
    assert protection.certify(table) == []
    assert table.figure() == 248 and table.figure("A") == 98


def test_a_small_cell_cannot_be_got_from_its_margins():
    """The issue's example: 79 − 23 − 43 − 10 = 3 no longer works, since the complements are hidden too."""
    counts = {("MoD", "AA/AO", "Deep specialist"): 23, ("MoD", "AA/AO", "Specialist"): 43,
              ("MoD", "AA/AO", "Generalist"): 10, ("MoD", "AA/AO", "Policy"): 3}
    for grade in ("EO", "HEO"):
        for role, value in zip(("Deep specialist", "Specialist", "Generalist", "Policy"), (60, 80, 30, 25)):
            counts[("MoD", grade, role)] = value
            counts[("DSTL", grade, role)] = value + 5
    for role, value in zip(("Deep specialist", "Specialist", "Generalist", "Policy"), (30, 50, 12, 11)):
        counts[("DSTL", "AA/AO", role)] = value
    table = protection.protect(_cells(counts), 10)
    assert table.figure("MoD", "AA/AO", "Policy") is None
    assert table.figure("MoD", "AA/AO") == 79
    row = [table.figure("MoD", "AA/AO", role) for role in ("Deep specialist", "Specialist", "Generalist")]
    assert row.count(None) >= 1
    ranges = independent_ranges(counts, set(table.hidden))
    assert whole_values(*ranges[("MoD", "AA/AO", "Policy")]) >= 10


def test_values_are_matched_without_regard_to_letter_case():
    """'ministry of defence' finds 'Ministry of Defence'; an unknown value is no figure."""
    table = protection.protect(_cells({("Ministry of Defence", "EO", "P"): 40, ("Home Office", "EO", "P"): 50}), 10)
    assert table.figure("ministry of defence") == 40
    assert table.figure("No such department") is None


def test_the_total_and_one_way_margins_are_known_without_protecting_when_none_is_small():
    """The shortcut for totals and one-way margins agrees with the full protection."""
    counts = {key: value for key, value in zip(itertools.product("AB", ("EO", "SCS"), "PS"), (3, 40, 25, 30, 50, 45,
                                                                                              35, 20))}
    cells = _cells(counts)
    table = protection.protect(cells, 10)
    for key in [(ALL, ALL, ALL), ("A", ALL, ALL), (ALL, "SCS", ALL), (ALL, ALL, "P")]:
        assert protection.margin_hidden_without_protecting(cells, 10, key) == (key in table.hidden)
    assert protection.margin_hidden_without_protecting(cells, 10, ("A", "EO", ALL)) is None


def test_chart_data_and_downloads_carry_only_the_precision_shown():
    """A share of 7.775306811630014% leaves the server as 7.8, in the chart's data and in a download."""
    figure = go.Figure(go.Bar(x=[7.775306811630014, 12.0], y=["a", "b"], customdata=[[1.23456], [2.0]]))
    shown = style.as_shown(figure)
    assert list(shown.data[0].x) == [7.8, 12.0] and list(shown.data[0].y) == ["a", "b"]
    assert shown.data[0].customdata[0][0] == 1.2
    assert figure.data[0].x[0] == pytest.approx(7.775306811630014)
    frame = tables.as_shown(pd.DataFrame({"share": [7.775306811630014], "shown": ["[c]"]}))
    assert frame.to_dict("records") == [{"share": 7.8, "shown": "[c]"}]


def test_a_chosen_primary_hides_figures_no_view_shows_and_protects_them_too():
    """With PRIMARY naming every cell (never shown), cells stay hidden and each keeps the threshold's room."""
    counts = {key: value for key, value in zip(itertools.product("ABC", ("EO", "SCS"), "PS"),
                                               (3, 40, 25, 30, 50, 45, 35, 20, 12, 14, 16, 60))}

    def primary(values):
        return {key for key, value in values.items() if ALL not in key or value < 10}

    table = protection.protect(_cells(counts), 10, primary=primary)
    assert {key for key in table.values if ALL not in key} <= table.hidden
    assert all(key in table.hidden for key, value in table.values.items() if value < 10)
    assert table.figure() == sum(counts.values())
    for key, (low, high) in independent_ranges(counts, set(table.hidden)).items():
        assert whole_values(low, high) >= 10, (key, low, high)


def test_figures_exempt_from_room_are_unknowns_but_hide_nothing_for_their_own_sake():
    """Cells hidden from the start with a small count that needs no room (EXEMPT) leave every margin published."""
    counts = {}
    for department, grade in itertools.product("AB", ("EO", "SCS")):
        counts[(department, grade, "in")] = 20 + len(grade)
        counts[(department, grade, "out")] = 30
        counts[(department, grade, "unknown")] = 1

    def cells(values):
        return {key for key in values if ALL not in key}

    exempted = protection.protect(_cells(counts), 10, primary=cells, exempt=lambda key: key[2] == "unknown")
    assert exempted.hidden == cells(exempted.values)
    assert exempted.figure("A", role_type="unknown") == 2
    strict = protection.protect(_cells(counts), 10, primary=cells)
    assert strict.hidden > exempted.hidden  # without the exemption the small unknowns need room, so more is hidden
