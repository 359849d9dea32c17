"""Statistical disclosure control: every count or share of people a page or export shows goes through here.

The rules follow Government Statistical Service practice:

- **Primary suppression.** A count below the threshold is shown as ``[c]``. That includes 0:
  a true zero discloses too ("nobody in this grade declared a disability" tells the reader
  something about every person in the grade), and if zeros were shown then ``[c]`` would
  mean "1 to threshold − 1", which narrows it. A share is hidden when its denominator is
  below the threshold, and also when its numerator or the denominator minus the numerator
  is: with the denominator shown, the share gives away either small count.
- **Secondary suppression.** A table shown with totals (a cross-tab with row, column and
  grand totals, or columns each with their own total) hides further figures until no hidden
  figure can be worked out from what is shown, counting on the fact that counts are never
  negative. A total below the threshold is hidden like any count.
- **Shorthand** is the GSS's: ``[c]`` confidential, ``[x]`` not available, ``[z]`` not
  applicable, ``[r]`` revised.

How the check works: a table with its totals is a circulation. People flow from the grand
total into each row total, through that row's cells into the column totals, and back to the
grand total; every total is what flows through its node. Fix the shown figures; a hidden
figure can take another value, consistent with everything shown and with no count
negative, exactly when it lies on a cycle of hidden figures along which one person can be
moved: up on figures the cycle runs along, down on figures it runs against, which must be
above zero. Moving one person round such a cycle gives a second whole-number table that
matches everything shown; conversely any second table differs from the true one by a sum of
such cycles. So the audit is exact, for whole and real numbers alike, and is a reachability
search that needs no linear programming.

Pages get a ``Suppressed``: ``display`` to show and download "suppressed as shown",
``hidden`` to leave hidden points out of charts, ``values`` to keep inside the server.
"""

from __future__ import annotations

import heapq
import itertools
import numbers
from collections import deque
from dataclasses import dataclass, field

import pandas as pd

from .config import DEFAULT_SUPPRESSION_THRESHOLD

# GSS shorthand for tables, so downloads read the same as any official statistics release.
CONFIDENTIAL = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
REVISED = "[r]"
# Only where the settings start from: every function here takes the threshold as an argument.
DEFAULT_THRESHOLD = DEFAULT_SUPPRESSION_THRESHOLD
# The label of the margins; the audit reads a table's layout from where this label appears.
TOTAL = "Total"
# The strategy's LGBO figure rested on a 50% completion rate; below that a share says
# more about who chose to answer than about the profession.
UNRELIABLE_BELOW = 50.0
# Columns declared_shares reads; PERCENT is optional, for benchmarks published only as a share.
NUMERATOR, DENOMINATOR, DECLARATION_RATE, PERCENT = "numerator", "denominator", "declaration_rate", "percent"


@dataclass(frozen=True, eq=False)
class Suppressed:
    """A table after disclosure control: what to show, which figures are hidden, and the true numbers.

    All three frames have the same shape, including the ``Total`` row and column when shown.
    """

    display: pd.DataFrame
    hidden: pd.DataFrame
    values: pd.DataFrame = field(repr=False)

    @property
    def chart_values(self) -> pd.DataFrame:
        """The numbers with hidden figures as NaN, so a chart leaves those points out."""
        return self.values.astype(float).mask(self.hidden)


def suppress_count(value: float | None, threshold: int) -> int | str:
    """One count of people as shown: the number, ``[c]`` below THRESHOLD (0 too), ``[x]`` if missing."""
    _check_threshold(threshold)
    if value is None or pd.isna(value):
        return NOT_AVAILABLE
    return CONFIDENTIAL if value < threshold else int(value)


def suppress_share(numerator: float, denominator: float, threshold: int, decimals: int = 1) -> float | str:
    """NUMERATOR as a percentage of DENOMINATOR, or ``[c]`` when it would disclose a small count.

    Hidden when the denominator, the numerator or their difference is below THRESHOLD.
    """
    _check_threshold(threshold)
    if min(denominator, numerator, denominator - numerator) < threshold:
        return CONFIDENTIAL
    return round(100 * numerator / denominator, decimals)


def suppress_crosstab(counts: pd.DataFrame, threshold: int, totals: bool = True) -> Suppressed:
    """A cross-tab of counts (e.g. departments by grades) with row, column and grand totals, made safe to show.

    Without totals only primary suppression applies, since nothing shown sums the cells.
    """
    cells = _counts_frame(counts, threshold)
    values = cells.copy()
    if totals:
        values[TOTAL] = cells.sum(axis=1)
        values.loc[TOTAL] = values.sum(axis=0)
    return _suppress(values.astype("int64"), threshold)


def suppress_column(counts: pd.Series, threshold: int, total: bool = True) -> Suppressed:
    """One breakdown of counts (e.g. members by role type) with its total, made safe to show.

    The frames have one column, named after COUNTS (or "count"), and a ``Total`` row.
    """
    name = counts.name if counts.name is not None else "count"
    values = _counts_frame(counts.to_frame(name), threshold)
    if total:
        values.loc[TOTAL] = values.sum(axis=0)
    return _suppress(values.astype("int64"), threshold)


def recoverable_cells(values: pd.DataFrame, hidden: pd.DataFrame) -> list[tuple[object, object]]:
    """The (row, column) labels of hidden figures that what is shown pins to a single value.

    VALUES are the true numbers and HIDDEN the mask, both laid out as a ``Suppressed`` lays them
    out: a ``Total`` row and column mean a cross-tab with margins, a ``Total`` row alone means
    columns each with their own total, no ``Total`` means nothing is summed. Empty means safe.
    """
    if values.shape != hidden.shape:
        raise ValueError("values and hidden must have the same shape")
    network = _Network.from_table(values)
    if network is None:
        return []
    hidden_edges = network.hidden_edges(hidden)
    return [network.labels[edge] for edge in sorted(hidden_edges)
            if not network.movable(edge, hidden_edges)]


def declared_shares(frame: pd.DataFrame, threshold: int, decimals: int = 1) -> pd.DataFrame:
    """Diversity shares as shown: % of those who declared, the declared count, the declaration rate, a flag.

    FRAME has one row per group and population with ``numerator`` (people in the group),
    ``denominator`` (people who declared) and ``declaration_rate`` (% of headcount who
    declared); an optional ``percent`` serves rows published only as a share (a Civil Service
    benchmark), which are shown as given. Other columns pass through. Returns, per row,
    ``share`` and ``declared`` (numbers, ``[c]`` or ``[x]``), ``declaration_rate`` (number or
    ``[x]``) and ``unreliable`` (declaration rate below 50%). Counts are dropped, so the result
    is safe to show and download.
    """
    _check_threshold(threshold)
    missing = {NUMERATOR, DENOMINATOR, DECLARATION_RATE} - set(frame.columns)
    if missing:
        raise ValueError(f"declared_shares needs the columns {', '.join(sorted(missing))}")
    shares, declared, rates, unreliable = [], [], [], []
    for label, row in frame.iterrows():
        numerator, denominator = row[NUMERATOR], row[DENOMINATOR]
        published = row[PERCENT] if PERCENT in frame.columns else None
        rate = row[DECLARATION_RATE]
        has_counts = not pd.isna(numerator) and not pd.isna(denominator)
        if has_counts and not 0 <= numerator <= denominator:
            raise ValueError(f"row {label!r}: numerator {numerator} must be between 0 and denominator {denominator}")
        if has_counts:
            shares.append(suppress_share(numerator, denominator, threshold, decimals))
        else:
            shares.append(NOT_AVAILABLE if published is None or pd.isna(published) else float(published))
        declared.append(suppress_count(denominator, threshold))
        rates.append(NOT_AVAILABLE if pd.isna(rate) else float(rate))
        unreliable.append(bool(not pd.isna(rate) and rate < UNRELIABLE_BELOW))
    result = frame.drop(columns=[c for c in (NUMERATOR, DENOMINATOR, PERCENT, DECLARATION_RATE) if c in frame])
    result["share"] = pd.Series(shares, index=frame.index, dtype=object)
    result["declared"] = pd.Series(declared, index=frame.index, dtype=object)
    result["declaration_rate"] = pd.Series(rates, index=frame.index, dtype=object)
    result["unreliable"] = pd.Series(unreliable, index=frame.index, dtype=bool)
    return result


def _check_threshold(threshold: int) -> None:
    """Refuse a threshold below 1: it would let zeros, and so certainty, through."""
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral) or threshold < 1:
        raise ValueError(f"the suppression threshold must be a whole number of at least 1, not {threshold!r}")


def _counts_frame(counts: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """COUNTS checked (whole, non-negative, flat labels, no 'Total') and with labels that can take 'Total'."""
    _check_threshold(threshold)
    for axis in (counts.index, counts.columns):
        if isinstance(axis, pd.MultiIndex):
            raise ValueError("flatten multi-level labels before suppressing")
        if TOTAL in list(axis):
            raise ValueError(f"counts already have a {TOTAL!r} label; pass the cells and let totals be added here")
    numbers = counts.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
    if bad.to_numpy().any():
        row, column = next((r, c) for r in bad.index for c in bad.columns if bad.at[r, c])
        raise ValueError(f"count at ({row!r}, {column!r}) is {counts.at[row, column]!r}; "
                         "counts must be whole numbers of at least 0 (fill empty cells with 0)")
    cells = numbers.astype("int64")
    cells.index = pd.Index(list(cells.index), dtype=object, name=counts.index.name)
    cells.columns = pd.Index(list(cells.columns), dtype=object, name=counts.columns.name)
    return cells


def _suppress(values: pd.DataFrame, threshold: int) -> Suppressed:
    """Primary suppression of VALUES (cells and any totals), then secondary until the audit passes."""
    hidden = values < threshold
    network = _Network.from_table(values)
    if network is not None:
        hidden_edges = network.protect(network.hidden_edges(hidden))
        for edge in hidden_edges:
            hidden.at[network.labels[edge]] = True
    display = values.astype(object).mask(hidden, CONFIDENTIAL)
    return Suppressed(display=display, hidden=hidden, values=values)


@dataclass(frozen=True)
class _Network:
    """A table with totals as a circulation: one edge per figure, its flow the figure's true value."""

    ends: list[tuple[int, int]]
    flows: list[int]
    labels: list[tuple[object, object]]
    totals: list[bool]
    # out[node]: (edge, next node) for each way one person can move from node along an edge.
    out: list[list[tuple[int, int]]]

    @classmethod
    def from_table(cls, values: pd.DataFrame) -> _Network | None:
        """The circulation of VALUES laid out with Total margins; None when nothing is summed."""
        rows = [r for r in values.index if r != TOTAL]
        cols = [c for c in values.columns if c != TOTAL]
        row_totals, col_totals = TOTAL in values.columns, TOTAL in values.index
        figures: list[tuple[int, int, object, object]] = []
        if row_totals and col_totals:
            source, sink = 0, 1
            row_node = {r: 2 + i for i, r in enumerate(rows)}
            col_node = {c: 2 + len(rows) + j for j, c in enumerate(cols)}
            figures += [(row_node[r], col_node[c], r, c) for r in rows for c in cols]
            figures += [(source, row_node[r], r, TOTAL) for r in rows]
            figures += [(col_node[c], sink, TOTAL, c) for c in cols]
            figures.append((sink, source, TOTAL, TOTAL))
        elif col_totals:  # each column sums to its own total
            for j, c in enumerate(cols):
                figures += [(2 * j, 2 * j + 1, r, c) for r in rows]
                figures.append((2 * j + 1, 2 * j, TOTAL, c))
        elif row_totals:  # each row sums to its own total
            for i, r in enumerate(rows):
                figures += [(2 * i, 2 * i + 1, r, c) for c in cols]
                figures.append((2 * i + 1, 2 * i, r, TOTAL))
        else:
            return None
        nodes = 1 + max((max(tail, head) for tail, head, _, _ in figures), default=0)
        out: list[list[tuple[int, int]]] = [[] for _ in range(nodes)]
        flows = []
        for edge, (tail, head, row, col) in enumerate(figures):
            flow = int(values.at[row, col])
            flows.append(flow)
            out[tail].append((edge, head))
            if flow > 0:  # one person can be taken off a figure only if it has one
                out[head].append((edge, tail))
        return cls(ends=[(t, h) for t, h, _, _ in figures], flows=flows,
                   labels=[(r, c) for _, _, r, c in figures],
                   totals=[TOTAL in (r, c) for _, _, r, c in figures], out=out)

    def hidden_edges(self, hidden: pd.DataFrame) -> set[int]:
        """The edges whose figures HIDDEN marks."""
        return {edge for edge, label in enumerate(self.labels) if hidden.at[label]}

    def movable(self, edge: int, hidden: set[int]) -> bool:
        """Whether hidden EDGE can take another value with every shown figure kept and no count negative."""
        tail, head = self.ends[edge]
        if self._reaches(head, tail, edge, hidden):  # one more person on EDGE, round a cycle
            return True
        return self.flows[edge] > 0 and self._reaches(tail, head, edge, hidden)

    def protect(self, hidden: set[int]) -> set[int]:
        """HIDDEN plus the fewest-people complementary figures found, so that no hidden figure is pinned.

        Hiding more never pins a figure that could move, so each figure is checked once; a
        pinned one gets the cheapest cycle of figures to move along, totals only as a last
        resort, and every figure on that cycle can then move too.
        """
        hidden = set(hidden)
        if not any(not total for total in self.totals):
            return hidden
        safe: set[int] = set()
        while True:
            pinned = None
            for edge in sorted(hidden - safe):
                if self.movable(edge, hidden):
                    safe.add(edge)
                else:
                    pinned = edge
                    break
            if pinned is None:
                return hidden
            cycle = self._cheapest_cycle(pinned, hidden)
            hidden |= cycle
            safe |= cycle | {pinned}

    def _reaches(self, start: int, goal: int, skip: int, hidden: set[int]) -> bool:
        """Whether a person can move from START to GOAL along hidden figures other than SKIP."""
        seen, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return True
            for edge, nxt in self.out[node]:
                if edge != skip and edge in hidden and nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return False

    def _cheapest_cycle(self, edge: int, hidden: set[int]) -> set[int]:
        """The figures, hidden or to hide, of the cheapest cycle EDGE can move along."""
        tail, head = self.ends[edge]
        options = [self._cheapest_path(head, tail, edge, hidden)]
        if self.flows[edge] > 0:
            options.append(self._cheapest_path(tail, head, edge, hidden))
        found = [option for option in options if option is not None]
        if not found:
            raise RuntimeError(f"no complementary suppression protects {self.labels[edge]!r}")
        return min(found, key=lambda option: option[0])[1]

    def _cheapest_path(self, start: int, goal: int, skip: int,
                       hidden: set[int]) -> tuple[tuple[int, int, int], set[int]] | None:
        """Dijkstra from START to GOAL avoiding SKIP; a shown figure costs (is a total, its value, 1)."""
        best = {start: (0, 0, 0)}
        via: dict[int, tuple[int, int]] = {}
        order = itertools.count()  # ties break in a fixed order, so the result is deterministic
        queue = [((0, 0, 0), next(order), start)]
        while queue:
            cost, _, node = heapq.heappop(queue)
            if cost > best[node]:
                continue
            if node == goal:
                path, at = set(), goal
                while at != start:
                    edge, at = via[at]
                    path.add(edge)
                return cost, path
            for edge, nxt in self.out[node]:
                if edge == skip:
                    continue
                step = (0, 0, 0) if edge in hidden else (int(self.totals[edge]), self.flows[edge], 1)
                new = tuple(a + b for a, b in zip(cost, step, strict=True))
                if nxt not in best or new < best[nxt]:
                    best[nxt] = new
                    via[nxt] = (edge, node)
                    heapq.heappush(queue, (new, next(order), nxt))
        return None

