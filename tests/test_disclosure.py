"""Disclosure control: small counts hidden, complementary cells hidden, and nothing hidden can be worked out."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from gse_dashboard.people import disclosure
from gse_dashboard.people.disclosure import (
    CONFIDENTIAL,
    NOT_AVAILABLE,
    TOTAL,
    declared_shares,
    narrow_cells,
    recoverable_cells,
    suppress_column,
    suppress_count,
    suppress_crosstab,
    suppress_share,
)

PROPERTY = settings(max_examples=200, deadline=None)


def table(rows: list[list[int]], index: str = "XYZW", columns: str = "ABCD") -> pd.DataFrame:
    """A small cross-tab with one-letter row and column labels."""
    return pd.DataFrame(rows, index=list(index[:len(rows)]), columns=list(columns[:len(rows[0])]))


def hidden_labels(hidden: pd.DataFrame) -> set[tuple[object, object]]:
    """The (row, column) labels a mask marks as hidden."""
    return {(r, c) for r in hidden.index for c in hidden.columns if hidden.at[r, c]}


def lp_pinned(values: pd.DataFrame, hidden: pd.DataFrame) -> set[tuple[object, object]]:
    """Hidden figures whose LP minimum equals their maximum over all non-negative completions."""
    return {label for label, (low, high) in lp_bounds(values, hidden).items() if high - low < 1e-6}


def lp_narrow(values: pd.DataFrame, hidden: pd.DataFrame, threshold: int) -> set[tuple[object, object]]:
    """Hidden figures the shown ones narrow to fewer than THRESHOLD whole values (LP min and max)."""
    return {label for label, (low, high) in lp_bounds(values, hidden).items()
            if high < math.inf and math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1 < threshold}


def lp_bounds(values: pd.DataFrame, hidden: pd.DataFrame) -> dict[tuple[object, object], tuple[float, float]]:
    """Each hidden figure's LP minimum and maximum over all non-negative completions.

    Written from the table's meaning (each total is the sum of its line), independently of
    the module's circulation and of protection.py, so it can check the module's audit.
    """
    unknown = sorted(hidden_labels(hidden), key=str)
    if not unknown:
        return {}
    position = {label: i for i, label in enumerate(unknown)}
    lines = []
    if TOTAL in values.columns:
        lines += [([(r, c) for c in values.columns if c != TOTAL], (r, TOTAL)) for r in values.index]
    if TOTAL in values.index:
        lines += [([(r, c) for r in values.index if r != TOTAL], (TOTAL, c)) for c in values.columns]
    a_eq, b_eq = [], []
    for cells, total in lines:
        coefficients, rhs = np.zeros(len(unknown)), 0.0
        for label in cells:
            if label in position:
                coefficients[position[label]] += 1
            else:
                rhs -= values.at[label]
        if total in position:
            coefficients[position[total]] -= 1
        else:
            rhs += values.at[total]
        if coefficients.any():
            a_eq.append(coefficients)
            b_eq.append(rhs)
    found = {}
    for label, i in position.items():
        objective = np.zeros(len(unknown))
        objective[i] = 1
        bounds = []
        for sign in (1, -1):
            result = linprog(sign * objective, A_eq=np.array(a_eq) if a_eq else None,
                             b_eq=np.array(b_eq) if b_eq else None, bounds=(0, None), method="highs")
            assert result.status in (0, 3), result.message  # 3: unbounded, so the figure moves
            bounds.append(sign * result.fun if result.status == 0 else math.inf)
        found[label] = (bounds[0], bounds[1])
    return found


@st.composite
def crosstabs(draw) -> pd.DataFrame:
    """Random cross-tabs of 1-6 rows by 1-6 columns, counts 0-60, often small."""
    n_rows, n_cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    count = st.one_of(st.integers(0, 12), st.integers(0, 60))
    cells = draw(st.lists(st.lists(count, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(cells, index=[f"row {i}" for i in range(n_rows)], columns=[f"col {j}" for j in range(n_cols)])


thresholds = st.integers(3, 15)


def test_shorthand_and_default_threshold():
    """The shorthand is the GSS's and the default threshold comes from the settings (10)."""
    assert (disclosure.CONFIDENTIAL, disclosure.NOT_AVAILABLE, disclosure.NOT_APPLICABLE, disclosure.REVISED) == (
        "[c]", "[x]", "[z]", "[r]")
    assert disclosure.DEFAULT_THRESHOLD == 10


def test_suppress_count_hides_small_counts_and_zero():
    """A single count below the threshold, 0 included, shows [c]; at the threshold it shows; missing is [x]."""
    assert [suppress_count(v, 10) for v in (0, 1, 9, 10, 235)] == ["[c]", "[c]", "[c]", 10, 235]
    assert suppress_count(7, 5) == 7
    assert suppress_count(float("nan"), 10) == NOT_AVAILABLE
    assert suppress_count(None, 10) == NOT_AVAILABLE


def test_suppress_share_hides_shares_that_disclose_a_small_count():
    """A share is hidden when its denominator, numerator or complement is below the threshold."""
    assert suppress_share(4, 8, 10) == CONFIDENTIAL
    assert suppress_share(9, 500, 10) == CONFIDENTIAL
    assert suppress_share(491, 500, 10) == CONFIDENTIAL
    assert suppress_share(43, 200, 10) == 21.5
    assert suppress_share(10, 20, 10) == 50.0


def test_threshold_below_one_is_refused():
    """A threshold of 0 would show zeros, so it is refused."""
    with pytest.raises(ValueError, match="at least 1"):
        suppress_count(3, 0)


def test_no_hidden_cell_keeps_fewer_than_threshold_values():
    """Four small cells that only hid each other could each be 0 to 7 (8 values); now each keeps 10 values at least."""
    counts = table([[20, 39, 30], [2, 5, 21], [5, 2, 27]])
    result = suppress_crosstab(counts, 10)
    assert {("Y", "A"), ("Y", "B"), ("Z", "A"), ("Z", "B")} <= hidden_labels(result.hidden)
    assert lp_narrow(result.values, result.hidden, 10) == set()
    assert narrow_cells(result.values, result.hidden, 10) == []
    assert (result.display.loc[["X", TOTAL], TOTAL] == [89, 151]).all()  # the first row's total is still shown


def test_narrow_cells_reports_hidden_cells_with_too_few_values():
    """Hiding only the four small cells leaves each 0 to 7: narrow at threshold 10, not at 8; never pinned."""
    values = _with_totals(table([[20, 39, 30], [2, 5, 21], [5, 2, 27]]))
    hidden = _mask(values, {("Y", "A"), ("Y", "B"), ("Z", "A"), ("Z", "B")})
    assert recoverable_cells(values, hidden) == []
    assert narrow_cells(values, hidden, 10) == [("Y", "A"), ("Y", "B"), ("Z", "A"), ("Z", "B")]
    assert narrow_cells(values, hidden, 8) == []
    assert lp_bounds(values, hidden)[("Y", "A")] == (0.0, 7.0)


def test_crosstab_one_small_cell_gets_cheapest_complements():
    """One small cell in a 3x3 table hides it and the cheapest rectangle of complements, totals shown."""
    counts = table([[5, 20, 30], [40, 50, 60], [25, 35, 45]])
    result = suppress_crosstab(counts, 10)
    assert hidden_labels(result.hidden) == {("X", "A"), ("X", "B"), ("Z", "A"), ("Z", "B")}
    assert result.display.loc["X"].tolist() == ["[c]", "[c]", 30, 55]
    assert result.display.loc[TOTAL].tolist() == [70, 105, 135, 310]
    assert result.display[TOTAL].tolist() == [55, 150, 105, 310]
    for line in [*result.hidden.to_numpy(), *result.hidden.to_numpy().T]:
        assert line.sum() in (0, 2)
    assert recoverable_cells(result.values, result.hidden) == []


def test_crosstab_frames_share_shape_and_types():
    """display is object dtype with numbers and [c], hidden is boolean, values the true numbers, charts get NaN."""
    result = suppress_crosstab(table([[5, 20], [40, 50]]), 10)
    assert result.display.shape == result.hidden.shape == result.values.shape == (3, 3)
    assert set(result.display.dtypes) == {np.dtype(object)}
    assert set(result.hidden.dtypes) == {np.dtype(bool)}
    assert result.values.loc["X", "A"] == 5
    assert math.isnan(result.chart_values.loc["X", "A"])
    assert result.chart_values.loc[TOTAL, TOTAL] == 115.0
    assert type(result.display.loc[TOTAL, TOTAL]) is int


def test_column_one_small_cell_hides_next_smallest():
    """In one column with a total, a small cell is hidden with the next smallest cell, not a larger one."""
    result = suppress_column(pd.Series([5, 20, 30, 40], index=list("abcd"), name="members"), 10)
    assert result.display["members"].tolist() == ["[c]", "[c]", 30, 40, 95]
    assert result.display.index.tolist() == ["a", "b", "c", "d", TOTAL]
    assert recoverable_cells(result.values, result.hidden) == []


def test_column_total_below_threshold_hides_everything():
    """When a column's total is below the threshold, the total and every cell are hidden."""
    result = suppress_column(pd.Series([2, 3, 0]), 10)
    assert result.display["count"].tolist() == ["[c]"] * 4


def test_column_without_total_hides_only_small_cells():
    """Without a total nothing sums the cells, so only the small ones are hidden."""
    result = suppress_column(pd.Series([5, 20, 30]), 10, total=False)
    assert result.display["count"].tolist() == ["[c]", 20, 30]


def test_crosstab_row_total_below_threshold_is_hidden_consistently():
    """A row total below the threshold is hidden, and a second row total so it cannot be worked out."""
    result = suppress_crosstab(table([[3, 4, 0], [40, 50, 60], [25, 35, 45]]), 10)
    assert result.display.loc["X"].tolist() == ["[c]"] * 4
    assert result.display.loc[TOTAL, TOTAL] == 262
    assert result.hidden[TOTAL].sum() == 2
    assert recoverable_cells(result.values, result.hidden) == []


def test_crosstab_all_zero_row_is_protected():
    """A row of zeros is hidden with its zero total, and complements stop the zeros being worked out."""
    result = suppress_crosstab(table([[0, 0, 0], [40, 50, 60], [25, 35, 45]]), 10)
    assert result.display.loc["X"].tolist() == ["[c]"] * 4
    assert result.display.loc[TOTAL].tolist() == [65, 85, 105, 255]
    assert recoverable_cells(result.values, result.hidden) == []


def test_crosstab_hidden_zeros_in_a_shown_row_are_protected():
    """Two hidden zeros in a row with its total shown would be pinned at 0, so a positive cell joins them."""
    result = suppress_crosstab(table([[0, 0, 30], [40, 50, 60], [25, 35, 45]]), 10)
    assert result.display.loc["X", "C"] == CONFIDENTIAL
    assert result.display.loc["X", TOTAL] == 30
    assert recoverable_cells(result.values, result.hidden) == []


def test_crosstab_without_totals_is_primary_only():
    """Without totals only counts below the threshold are hidden and no Total label is added."""
    result = suppress_crosstab(table([[5, 20], [40, 50]]), 10, totals=False)
    assert result.display.to_numpy().tolist() == [["[c]", 20], [40, 50]]
    assert TOTAL not in result.display.index and TOTAL not in result.display.columns


def test_crosstab_uses_the_threshold_given():
    """The threshold is an argument: with 5, a count of 7 is shown."""
    result = suppress_crosstab(table([[7, 20], [40, 50]]), 5)
    assert not result.hidden.to_numpy().any()


@pytest.mark.parametrize("bad", [float("nan"), -1, 2.5, "many"])
def test_crosstab_refuses_counts_that_are_not_whole(bad):
    """A missing, negative, fractional or text count is refused with its position named."""
    counts = table([[5, 20], [40, 50]]).astype(object)
    counts.loc["Y", "B"] = bad
    with pytest.raises(ValueError, match="'Y', 'B'"):
        suppress_crosstab(counts, 10)


def test_crosstab_refuses_a_total_label():
    """Counts that already carry a Total row are refused, so totals are never double counted."""
    with pytest.raises(ValueError, match="Total"):
        suppress_crosstab(pd.DataFrame({"A": [1, 2]}, index=["X", TOTAL]), 10)


def _with_totals(counts: pd.DataFrame) -> pd.DataFrame:
    """COUNTS with a Total column and a Total row."""
    values = counts.copy()
    values[TOTAL] = counts.sum(axis=1)
    values.loc[TOTAL] = values.sum(axis=0)
    return values


def _mask(values: pd.DataFrame, labels: set[tuple[str, str]]) -> pd.DataFrame:
    """A hidden mask over VALUES marking LABELS."""
    hidden = pd.DataFrame(False, index=values.index, columns=values.columns)
    for label in labels:
        hidden.at[label] = True
    return hidden


def test_audit_finds_a_lone_hidden_cell():
    """A row with one hidden cell gives it away by subtraction."""
    values = _with_totals(table([[5, 20], [40, 50]]))
    assert recoverable_cells(values, _mask(values, {("X", "A"), ("Y", "A")})) == [("X", "A"), ("Y", "A")]


def test_audit_finds_hidden_zeros_pinned_by_non_negativity():
    """Hidden cells summing to 0 in a shown line are each pinned at 0."""
    values = _with_totals(table([[0, 0, 30], [40, 50, 60]]))
    hidden = _mask(values, {("X", "A"), ("X", "B"), ("Y", "A"), ("Y", "B")})
    assert recoverable_cells(values, hidden) == [("X", "A"), ("X", "B"), ("Y", "A"), ("Y", "B")]


def test_audit_finds_a_cell_pinned_by_combining_rows_and_columns():
    """A cell bridging two protected rectangles is pinned though every line has two or more hidden cells."""
    values = _with_totals(table([[20, 20, 20, 20], [20, 20, 20, 20], [20, 20, 20, 20], [20, 20, 20, 20]]))
    hidden = _mask(values, {("X", "A"), ("X", "B"), ("Y", "A"), ("Y", "B"),
                            ("Z", "C"), ("Z", "D"), ("W", "C"), ("W", "D"), ("X", "C")})
    assert recoverable_cells(values, hidden) == [("X", "C")]


def test_audit_passes_a_rectangle():
    """Four hidden positive cells at the corners of a rectangle cannot be worked out."""
    values = _with_totals(table([[5, 20], [40, 50]]))
    assert recoverable_cells(values, _mask(values, {("X", "A"), ("X", "B"), ("Y", "A"), ("Y", "B")})) == []


def test_declared_shares_suppress_and_flag():
    """Shares hide on a small denominator, numerator or complement; the flag is set below 50% declaring."""
    frame = pd.DataFrame({
        "group": ["small declared", "small group", "small rest", "shown", "just under half", "half", "benchmark"],
        "numerator": [3, 5, 195, 43, 43, 43, None],
        "denominator": [8, 200, 200, 200, 200, 200, None],
        "declaration_rate": [90.0, 90.0, 90.0, 80.0, 49.9, 50.0, 50.0],
        "percent": [None, None, None, None, None, None, 3.6],
    })
    shares = declared_shares(frame, 10)
    assert shares.columns.tolist() == ["group", "share", "declared", "declaration_rate", "unreliable"]
    assert shares["share"].tolist() == ["[c]", "[c]", "[c]", 21.5, 21.5, 21.5, 3.6]
    assert shares["declared"].tolist() == ["[c]", 200, 200, 200, 200, 200, "[x]"]
    assert shares["declaration_rate"].tolist() == [90.0, 90.0, 90.0, 80.0, 49.9, 50.0, 50.0]
    assert shares["unreliable"].tolist() == [False, False, False, False, True, False, False]


def test_declared_shares_benchmark_without_rate():
    """A benchmark row with only a published percentage is shown as given, with [x] where nothing is known."""
    frame = pd.DataFrame({"numerator": [None], "denominator": [None], "declaration_rate": [None], "percent": [53.9]})
    row = declared_shares(frame, 10).iloc[0]
    assert (row["share"], row["declared"], row["declaration_rate"], row["unreliable"]) == (53.9, "[x]", "[x]", False)


def test_declared_shares_refuses_numerator_above_denominator():
    """More people in a group than declared is bad data and is refused."""
    frame = pd.DataFrame({"numerator": [30], "denominator": [20], "declaration_rate": [60.0]})
    with pytest.raises(ValueError, match="numerator"):
        declared_shares(frame, 10)


@PROPERTY
@pytest.mark.slow
@given(counts=crosstabs(), threshold=thresholds)
def test_crosstab_properties(counts, threshold):
    """Random cross-tabs: no shown count below the threshold, shown figures true, nothing hidden recoverable."""
    result = suppress_crosstab(counts, threshold)
    truth = _with_totals(counts)
    hidden = result.hidden.to_numpy()
    assert result.values.equals(truth)
    assert (truth.to_numpy()[~hidden] >= threshold).all()
    assert result.display.to_numpy()[~hidden].tolist() == truth.to_numpy()[~hidden].tolist()
    assert set(result.display.to_numpy()[hidden]) <= {CONFIDENTIAL}
    assert lp_pinned(result.values, result.hidden) == set()
    assert lp_narrow(result.values, result.hidden, threshold) == set()
    assert recoverable_cells(result.values, result.hidden) == []
    assert narrow_cells(result.values, result.hidden, threshold) == []


@PROPERTY
@pytest.mark.slow
@given(counts=st.lists(st.integers(0, 60), min_size=1, max_size=8), threshold=thresholds)
def test_column_properties(counts, threshold):
    """Random columns: no shown count below the threshold, the total true when shown, nothing hidden recoverable."""
    result = suppress_column(pd.Series(counts, name="n"), threshold)
    column = result.display["n"]
    assert all(value == CONFIDENTIAL or value >= threshold for value in column)
    assert column[TOTAL] in (CONFIDENTIAL, sum(counts))
    assert lp_pinned(result.values, result.hidden) == set()
    assert lp_narrow(result.values, result.hidden, threshold) == set()


@PROPERTY
@pytest.mark.slow
@given(counts=crosstabs(), data=st.data())
def test_audit_agrees_with_linear_programming(counts, data):
    """For any hidden mask, the audit reports exactly the hidden figures an LP finds pinned."""
    values = _with_totals(counts)
    flags = data.draw(st.lists(st.booleans(), min_size=values.size, max_size=values.size))
    hidden = pd.DataFrame(np.array(flags).reshape(values.shape), index=values.index, columns=values.columns)
    assert set(recoverable_cells(values, hidden)) == lp_pinned(values, hidden)


@PROPERTY
@pytest.mark.slow
@given(counts=crosstabs(), data=st.data(), threshold=thresholds, layout=st.sampled_from(["crosstab", "columns"]))
def test_minimum_range_check_agrees_with_linear_programming(counts, data, threshold, layout):
    """For any hidden mask, with totals both ways or one per column, narrow_cells is exactly what an LP finds narrow."""
    values = _with_totals(counts) if layout == "crosstab" else pd.concat(
        [counts, counts.sum(axis=0).to_frame(TOTAL).T])
    flags = data.draw(st.lists(st.booleans(), min_size=values.size, max_size=values.size))
    hidden = pd.DataFrame(np.array(flags).reshape(values.shape), index=values.index, columns=values.columns)
    assert set(narrow_cells(values, hidden, threshold)) == lp_narrow(values, hidden, threshold)


@PROPERTY
@pytest.mark.slow
@given(counts=crosstabs(), threshold=thresholds)
def test_crosstab_is_deterministic(counts, threshold):
    """The same table gives the same suppression every time, so a board pack can be reproduced."""
    first, second = suppress_crosstab(counts, threshold), suppress_crosstab(counts.copy(), threshold)
    assert first.hidden.equals(second.hidden)
