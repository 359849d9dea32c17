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

Not being pinned is not enough: the rule is that no hidden figure can be narrowed to fewer than
THRESHOLD whole values from its own table's shown figures. Along a cycle a figure can rise by
the smallest figure the cycle runs against, and fall by the smallest it runs along (its own
value included), so the widest such cycles each way give a floor on how many values it can
take: its *room*. Secondary suppression gives every hidden figure whose room is short a cycle
whose figures run against are all at least THRESHOLD − 1 (so the figure alone can rise by that
much), the cheapest in people shown. Where no cycle has that room, the exact interval of each
doubtful figure is the linear programme's (protection.lp_ranges, the one the master table's
protection uses; on a table with totals every whole value in it is possible), and a figure
still too narrow hides its row and column, then all the detail. `narrow_cells` is that exact
check for any table and mask.

Pages get a ``Suppressed``: ``display`` to show and download "suppressed as shown",
``hidden`` to leave hidden points out of charts, ``values`` to keep inside the server.
"""

from __future__ import annotations

import heapq
import itertools
import math
import numbers
from collections import deque
from dataclasses import dataclass, field

import pandas as pd

from ..config import DEFAULT_SUPPRESSION_THRESHOLD
from ..storage.store import ALL
from .protection import CONFIDENTIAL

# GSS shorthand for tables, so downloads read the same as any official statistics release: CONFIDENTIAL
# ([c], defined with the protection that decides it, in protection.py) and these.
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


def narrow_cells(values: pd.DataFrame, hidden: pd.DataFrame, threshold: int) -> list[tuple[object, object]]:
    """The (row, column) labels of hidden figures that what is shown narrows to fewer than THRESHOLD values.

    Laid out as for `recoverable_cells`; exact, by linear programming over the table's shown
    figures (counts whole and never negative). Empty means every hidden figure keeps at least
    THRESHOLD possible values.
    """
    _check_threshold(threshold)
    if values.shape != hidden.shape:
        raise ValueError("values and hidden must have the same shape")
    network = _Network.from_table(values)
    if network is None:
        return []
    hidden_edges = network.hidden_edges(hidden)
    return [network.labels[edge] for edge in sorted(network.narrow(hidden_edges, hidden_edges, threshold))]


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
        hidden_edges = network.protect(network.hidden_edges(hidden), threshold)
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

    def protect(self, hidden: set[int], threshold: int) -> set[int]:
        """HIDDEN plus complementary figures, so that every hidden figure keeps THRESHOLD values at least.

        A figure whose room is short gets the cheapest cycle (in people shown, totals only as a
        last resort) that alone gives it the room; where there is none, the cheapest cycle it can
        move along at all, and the linear programme judges it at the end (see the module's notes).
        """
        hidden = set(hidden)
        if not any(not total for total in self.totals):
            return hidden
        safe: set[int] = set()
        doubtful: set[int] = set()
        while True:
            short = next((edge for edge in sorted(hidden - safe - doubtful)
                          if self.room(edge, hidden) + 1 < threshold), None)
            if short is None:
                break
            cycle = self._cheapest_cycle(short, hidden, need=threshold - 1)
            if cycle is None:
                doubtful.add(short)
                cycle = self._cheapest_cycle(short, hidden) or set()
                if not cycle and not self.movable(short, hidden):
                    raise RuntimeError(f"no complementary suppression protects {self.labels[short]!r}")
            hidden |= cycle  # hiding more never takes room away, so what was safe stays safe
            if short not in doubtful:
                safe.add(short)
        doubtful = {edge for edge in hidden if self.room(edge, hidden) + 1 < threshold}
        narrow = self.narrow(hidden, doubtful, threshold)
        if narrow:
            # The rows and columns of what is still too narrow, then all the detail: with every
            # figure but the grand total (or each line's own total) hidden, each is bounded only by it.
            hidden |= {edge for edge, label in enumerate(self.labels)
                       if any(label[i] == self.labels[n][i] for n in narrow for i in (0, 1))}
            if self.narrow(hidden, hidden, threshold):
                hidden |= {edge for edge, label in enumerate(self.labels) if label != (TOTAL, TOTAL)
                           and not (self.totals[edge] and not self.both)}
        return hidden

    def room(self, edge: int, hidden: set[int]) -> float:
        """A floor on how far hidden EDGE can move: the widest cycle up plus the widest down (its own value at most)."""
        tail, head = self.ends[edge]
        up = self._widest(head, tail, edge, hidden)
        down = min(self.flows[edge], self._widest(tail, head, edge, hidden)) if self.flows[edge] else 0
        return up + down

    def narrow(self, hidden: set[int], keys: set[int], threshold: int) -> set[int]:
        """Of KEYS (hidden edges), those the shown figures narrow to fewer than THRESHOLD values (linear programme)."""
        if not keys:
            return set()
        from .protection import lp_ranges, whole_values

        narrow = set()
        for block in self._blocks():
            mine = {edge for edge in keys if edge in block.edges}
            if not mine:
                continue
            ranges = lp_ranges(block.values, {f for f, e in block.edge_at.items() if e in hidden}, block.labels,
                               [block.key[e] for e in sorted(mine)], enough=threshold)
            narrow |= {edge for edge in mine if whole_values(*ranges[block.key[edge]]) < threshold}
        return narrow

    def _blocks(self) -> list[_Block]:
        """The table as tables of protection.py's shape: one with totals both ways, or one per line with its total."""
        label = {figure: edge for edge, figure in enumerate(self.labels)}
        rows = list(dict.fromkeys(r for r, _ in self.labels if r != TOTAL))
        cols = list(dict.fromkeys(c for _, c in self.labels if c != TOTAL))
        if self.both:
            return [_Block.of(rows, cols, lambda a, b: label[(a, b)], self.flows)]
        if any(r == TOTAL for r, _ in self.labels):  # each column with its own total
            return [_Block.of(rows, [c], lambda a, b, c=c: label[(a, c)], self.flows, line=True) for c in cols]
        return [_Block.of(cols, [r], lambda a, b, r=r: label[(r, a)], self.flows, line=True) for r in rows]

    @property
    def both(self) -> bool:
        """Whether the table has row and column totals (a grand total), not one total per line."""
        return (TOTAL, TOTAL) in self.labels

    def _widest(self, start: int, goal: int, skip: int, hidden: set[int]) -> float:
        """The most people that can move from START to GOAL along one path of hidden figures other than SKIP."""
        best = {start: math.inf}
        queue = [(-math.inf, start)]
        while queue:
            width, node = heapq.heappop(queue)
            width = -width
            if width < best.get(node, 0):
                continue
            if node == goal:
                return width
            for edge, nxt in self.out[node]:
                if edge == skip or edge not in hidden:
                    continue
                along = self.ends[edge][0] == node
                through = min(width, math.inf if along else self.flows[edge])
                if through > best.get(nxt, 0):
                    best[nxt] = through
                    heapq.heappush(queue, (-through, nxt))
        return 0

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

    def _cheapest_cycle(self, edge: int, hidden: set[int], need: int = 0) -> set[int] | None:
        """The figures, hidden or to hide, of the cheapest cycle EDGE can move along by NEED people at least.

        None when there is none. With NEED, every figure the cycle runs against (and EDGE itself,
        when it is to fall) has at least NEED.
        """
        tail, head = self.ends[edge]
        options = [self._cheapest_path(head, tail, edge, hidden, need)]
        if self.flows[edge] > 0 and self.flows[edge] >= need:
            options.append(self._cheapest_path(tail, head, edge, hidden, need))
        found = [option for option in options if option is not None]
        if not found:
            return None
        return min(found, key=lambda option: option[0])[1]

    def _cheapest_path(self, start: int, goal: int, skip: int, hidden: set[int],
                       need: int = 0) -> tuple[tuple[int, int, int], set[int]] | None:
        """Dijkstra from START to GOAL avoiding SKIP; a shown figure costs (is a total, its value, 1).

        A figure is run against only if it has at least NEED people (and at least one).
        """
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
                if edge == skip or (self.ends[edge][0] != node and self.flows[edge] < need):
                    continue
                step = (0, 0, 0) if edge in hidden else (int(self.totals[edge]), self.flows[edge], 1)
                new = tuple(a + b for a, b in zip(cost, step, strict=True))
                if nxt not in best or new < best[nxt]:
                    best[nxt] = new
                    via[nxt] = (edge, node)
                    heapq.heappush(queue, (new, next(order), nxt))
        return None


@dataclass(frozen=True)
class _Block:
    """A table with totals laid out as protection.py's master table (one role type), for its linear programme."""

    labels: dict[str, tuple[str, ...]]
    values: dict[tuple[str, str, str], int]
    key: dict[int, tuple[str, str, str]]  # each figure's edge -> its key here
    # Every key here -> the edge of the figure it is (a margin over the single role type is the figure itself).
    edge_at: dict[tuple[str, str, str], int]
    edges: frozenset[int]

    @classmethod
    def of(cls, rows: list, cols: list, edge_of, flows: list[int], line: bool = False) -> _Block:
        """ROWS by COLS with totals, or (LINE) one line of ROWS with its total; EDGE_OF(row, col) -> edge."""
        labels = {"department": tuple(str(i) for i in range(len(rows))),
                  "grade": tuple(str(j) for j in range(len(cols))), "role_type": ("0",)}
        key: dict[int, tuple[str, str, str]] = {}
        edge_at: dict[tuple[str, str, str], int] = {}
        for figure in itertools.product((*labels["department"], ALL), (*labels["grade"], ALL), ("0", ALL)):
            row = TOTAL if figure[0] == ALL else rows[int(figure[0])]
            col = cols[0] if line else (TOTAL if figure[1] == ALL else cols[int(figure[1])])
            edge = edge_of(row, col)
            edge_at[figure] = edge
            # One key per figure: the role type is a single value, so the cell's key is with it named.
            if figure[2] != ALL and not (line and figure[1] == ALL):
                key.setdefault(edge, figure)
        return cls(labels=labels, values={figure: flows[edge] for figure, edge in edge_at.items()}, key=key,
                   edge_at=edge_at, edges=frozenset(edge_at.values()))
