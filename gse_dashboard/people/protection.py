"""Protect once, publish from the protected table: disclosure control across every view at once.

Checking each table on its own is not enough: a viewer who sees two tables (or a union and a
single value, or a headline and a breakdown) can subtract one from the other. So for each
period there is one master table of members by department × grade × role type, with every
margin any view can show (each department, grade and role type on its own, each pair of
them, and the total), and that table is protected once, as a whole. Every page, chart,
download, change and document then reads its figures from it (`ProtectedTable.figure`), so
whatever a viewer combines, they combine published figures of one protected table.

The rule: no hidden figure (cell or margin) can be worked out, from all the published cells
and margins together and the fact that counts are whole and never negative, to fewer than
THRESHOLD possible values. Primary suppression hides every figure below the threshold (0
too); secondary suppression then gives each hidden figure that is not yet safe a *move*:

    pick, for each breakdown the figure fixes (its department, say), one other value, and
    for each breakdown it sums over, one value; the corners of that box of cells get +1 and
    −1 alternately. Every published sum over the box is unchanged, because it contains the
    corners in +/− pairs; the only sums that change are the corners themselves and their
    margins over the summed breakdowns, and those are hidden with it.

Adding k people along the move (or taking k away) gives another whole-number table that
matches everything published, for every k up to the smallest count on the side that goes
down. So every figure in the move can take at least ``min(+ side) + min(− side) + 1``
values; a move is chosen with that at least THRESHOLD, and among those the one that hides the
fewest extra people. Hiding more never removes a move, so one pass protects every figure,
and the moves are a certificate: `certify` checks each one against the published figures.
`lp_ranges` computes the exact interval of each hidden figure by linear programming (min
and max subject to everything published), for the tests and the benchmark.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..storage.store import ALL

DIMENSIONS = ("department", "grade", "role_type")
# GSS shorthand for a count hidden to protect individuals (disclosure.py has the rest of the shorthand).
CONFIDENTIAL = "[c]"

Key = tuple[str, str, str]


@dataclass(frozen=True)
class Move:
    """A way to move people round hidden figures: +1 on PLUS cells, −1 on MINUS cells, all margins hidden."""

    plus: tuple[Key, ...]
    minus: tuple[Key, ...]
    # Every figure the move changes (cells and margins): all of them must be hidden.
    changed: frozenset[Key]
    # The number of whole values each changed figure can take along the move, less one.
    capacity: float


@dataclass(frozen=True)
class Certificate:
    """Moves through KEY that share nothing but KEY (and, for a cell, nothing at all besides it).

    Along them together KEY can go up by the sum of each move's smallest count on its falling
    side, and down by its own value or the sum of each move's smallest other count on its
    rising side, whichever is less: WIDTH is those two added.
    """

    key: Key
    moves: tuple[Move, ...]
    width: float

    @property
    def changed(self) -> frozenset[Key]:
        return frozenset().union(*(m.changed for m in self.moves)) if self.moves else frozenset()


@dataclass(frozen=True, eq=False)
class ProtectedTable:
    """One period's members by department × grade × role type, with every margin, after disclosure control."""

    threshold: int
    labels: dict[str, tuple[str, ...]]
    # Every cell and margin, keyed (department, grade, role_type) with ALL where summed.
    values: dict[Key, int] = field(repr=False)
    hidden: frozenset[Key] = field(repr=False)
    moves: tuple[Move, ...] = field(default=(), repr=False)
    # Each hidden figure's certificate of room, where one was found without the linear programme.
    certificates: dict[Key, Certificate] = field(default_factory=dict, repr=False)
    # Published figures whose value differs from the one published for them at an earlier as-at date:
    # the only figures marked [r] (protect_revision).
    revised: frozenset[Key] = field(default=frozenset(), repr=False)

    def key(self, department: str = ALL, grade: str = ALL, role_type: str = ALL) -> Key | None:
        """The table's key for this selection, letter case ignored; None if a value is not in the table."""
        key = []
        for dimension, value in zip(DIMENSIONS, (department, grade, role_type)):
            if value == ALL:
                key.append(ALL)
                continue
            match = _lookup(self.labels[dimension]).get(str(value).casefold())
            if match is None:
                return None
            key.append(match)
        return tuple(key)  # type: ignore[return-value]

    def figure(self, department: str = ALL, grade: str = ALL, role_type: str = ALL) -> int | None:
        """The published count for this selection, or None when it is hidden (or not in the table)."""
        key = self.key(department, grade, role_type)
        if key is None or key in self.hidden:
            return None
        return self.values[key]

    def shown(self, department: str = ALL, grade: str = ALL, role_type: str = ALL) -> int | str:
        """The count as shown: the number, or ``[c]`` when hidden (0 when nobody is recorded)."""
        key = self.key(department, grade, role_type)
        if key is None:
            return 0
        return CONFIDENTIAL if key in self.hidden else self.values[key]

    def is_hidden(self, key: Key) -> bool:
        """Whether the figure at KEY is hidden."""
        return key in self.hidden

    def line(self, by: str, fixed: Mapping[str, str]) -> pd.DataFrame:
        """One breakdown BY with the other breakdowns at FIXED (ALL where unset): value, hidden per group.

        Groups are in the table's order; the line's total is ``line_total``.
        """
        position = DIMENSIONS.index(by)
        base = [fixed.get(d, ALL) for d in DIMENSIONS]
        rows = []
        for label in self.labels[by]:
            base[position] = label
            key = self.key(*base)
            rows.append({by: label, "members": self.values.get(key, 0) if key else 0,
                         "hidden": key is None or key in self.hidden})
        return pd.DataFrame(rows, columns=[by, "members", "hidden"])

    def crosstab(self, rows: str, columns: str, fixed: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """ROWS by COLUMNS at FIXED for the third breakdown, with a Total row and column: (values, hidden)."""
        row_labels, col_labels = [*self.labels[rows], "Total"], [*self.labels[columns], "Total"]
        values = pd.DataFrame(0, index=pd.Index(row_labels, dtype=object), columns=pd.Index(col_labels, dtype=object))
        hidden = pd.DataFrame(False, index=values.index, columns=values.columns)
        for r in row_labels:
            for c in col_labels:
                selection = {d: fixed.get(d, ALL) for d in DIMENSIONS}
                selection[rows] = ALL if r == "Total" else r
                selection[columns] = ALL if c == "Total" else c
                key = self.key(**selection)
                values.at[r, c] = self.values.get(key, 0) if key else 0
                hidden.at[r, c] = key is None or key in self.hidden
        return values, hidden


@functools.lru_cache(maxsize=64)
def _lookup_cached(labels: tuple[str, ...]) -> dict[str, str]:
    return {label.casefold(): label for label in labels}


def _lookup(labels: tuple[str, ...]) -> dict[str, str]:
    return _lookup_cached(labels)


def _all_keys(labels: Mapping[str, tuple[str, ...]]) -> Iterable[Key]:
    options = [(*labels[d], ALL) for d in DIMENSIONS]
    return itertools.product(*options)


def _cube(cells: pd.DataFrame) -> tuple[dict[str, tuple[str, ...]], np.ndarray]:
    """The labels (in first-seen sorted order) and the cube of counts from long CELLS."""
    labels = {d: tuple(sorted({str(v) for v in cells[d]}, key=_order(d))) for d in DIMENSIONS}
    index = {d: {label: i for i, label in enumerate(labels[d])} for d in DIMENSIONS}
    cube = np.zeros([len(labels[d]) for d in DIMENSIONS], dtype=np.int64)
    for d_, g_, r_, value in zip(cells["department"].astype(str), cells["grade"].astype(str),
                                 cells["role_type"].astype(str), cells["value"]):
        if value is None or pd.isna(value) or value < 0 or value % 1:
            raise ValueError(f"the count for ({d_}, {g_}, {r_}) is {value!r}: counts must be whole and not negative")
        cube[index["department"][d_], index["grade"][g_], index["role_type"][r_]] += int(value)
    return labels, cube


def _order(dimension: str):
    if dimension == "grade":
        from ..strategy.metrics import grade_sort_key
        return grade_sort_key
    return lambda v: v


def _margins(labels: Mapping[str, tuple[str, ...]], cube: np.ndarray) -> dict[Key, int]:
    """Every cell and margin of CUBE keyed by labels, ALL where summed."""
    values: dict[Key, int] = {}
    for summed in itertools.product((False, True), repeat=3):
        axes = tuple(i for i, s in enumerate(summed) if s)
        part = cube.sum(axis=axes, keepdims=True) if axes else cube
        ranges = [range(1) if s else range(len(labels[d])) for d, s in zip(DIMENSIONS, summed)]
        for position in itertools.product(*ranges):
            key = tuple(ALL if s else labels[d][i] for d, s, i in zip(DIMENSIONS, summed, position))
            values[key] = int(part[position])
    return values


def protect(cells: pd.DataFrame, threshold: int, primary: Callable[[dict[Key, int]], Iterable[Key]] | None = None,
            exempt: Callable[[Key], bool] | None = None, also: Iterable[Key] = ()) -> ProtectedTable:
    """Protect one period's CELLS (department, grade, role_type, value) with every margin, as described above.

    PRIMARY, when given, chooses the figures hidden before secondary suppression instead of "every
    figure below the threshold": it is called with every figure's value (cells and margins) and
    returns the keys to hide. A table of other counts than members uses it to hide figures no
    view shows at all (their values then still bound the others, as unknowns of the check).
    EXEMPT, when given, names figures that need no room of their own (counts that disclose nothing
    about anyone, such as those who did not answer a question): hidden ones are unknowns of the
    check, but nothing more is hidden for their sake. ALSO: figures hidden from the start whatever
    their value (those an earlier version of the table hid: see protect_revision); they need room
    like any other hidden figure.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"the suppression threshold must be a whole number of at least 1, not {threshold!r}")
    if cells.empty:
        return ProtectedTable(threshold=threshold, labels={d: () for d in DIMENSIONS}, values={(ALL, ALL, ALL): 0},
                              hidden=frozenset({(ALL, ALL, ALL)}))
    labels, cube = _cube(cells)
    values = _margins(labels, cube)
    if primary is not None:
        hidden: set[Key] = set(primary(values))
        sparse = None
    else:
        hidden = {key for key, value in values.items() if value < threshold}
        sparse = _sparse_detail(labels, values, hidden)
    also = set(also) & set(values)
    if also:
        hidden |= also
        # The sparse rule's argument needs every one-way margin shown: else search as usual.
        sparse = None if sparse is None or any(k.count(ALL) >= 2 for k in also) else sparse | also
    if sparse is not None:
        return ProtectedTable(threshold=threshold, labels=labels, values=values, hidden=frozenset(sparse))
    moves: list[Move] = []
    certificates: dict[Key, Certificate] = {}
    state = _Search(labels, cube, values, hidden, threshold)
    # Cells first, smallest first; figures hidden along the way join the queue.
    exempted = {key for key in values if exempt(key)} if exempt is not None else set()
    queue = sorted(hidden - exempted, key=lambda k: (k.count(ALL), values[k], k))
    while queue:
        key = queue.pop(0)
        if key in certificates:
            continue
        before = set(state.hidden)
        found = state.certificate(key)
        moves.extend(found.moves)
        state.hide(found.changed)
        if found.width + 1 >= threshold:
            certificates[key] = found
        for move in found.moves:
            if move.capacity + 1 >= threshold:
                for other in move.changed:
                    certificates.setdefault(other, Certificate(other, (move,), move.capacity))
        queue += sorted(state.hidden - before - set(certificates) - exempted,
                        key=lambda k: (k.count(ALL), values[k], k))
    certified = set(certificates) | exempted
    # A figure whose own best move lacks room may still be safe through several moves together:
    # the linear programme decides; where it is not, the next-best moves are added until it is.
    for _ in range(_EXTRA_ROUNDS):
        doubtful = sorted(state.hidden - certified)
        if not doubtful:
            break
        ranges = lp_ranges(values, state.hidden, labels, doubtful, enough=threshold)
        narrow = [k for k in doubtful if whole_values(*ranges[k]) < threshold]
        certified |= set(doubtful) - set(narrow)
        for key in narrow:
            found = state.certificate(key, avoid=moves)
            moves.extend(found.moves)
            state.hide(found.changed)
    else:
        doubtful = sorted(state.hidden - certified)
        ranges = lp_ranges(values, state.hidden, labels, doubtful) if doubtful else {}
        narrow = [key for key in doubtful if whole_values(*ranges[key]) < threshold]
        for key in narrow:
            # Last resort: every cell and pair margin in the same department, grade or role type as KEY.
            state.hide({k for k in values if k.count(ALL) <= 1 and any(
                k[i] != ALL and k[i] == key[i] for i in range(3))})
        if narrow:
            doubtful = sorted(state.hidden - certified)
            ranges = lp_ranges(values, state.hidden, labels, doubtful)
            if any(whole_values(*ranges[key]) < threshold for key in doubtful):
                # Then all the detail: with every cell and pair margin hidden, each is bounded only
                # by the one-way margins, which are at least the threshold (or hidden with their line).
                state.hide({k for k in values if k.count(ALL) <= 1})
    return ProtectedTable(threshold=threshold, labels=labels, values=values, hidden=frozenset(state.hidden),
                          moves=tuple(moves), certificates=certificates)


_EXTRA_ROUNDS = 4
# A table with more than this share of its cells below the threshold publishes no detail at all.
SPARSE_SHARE = 0.5


def _sparse_detail(labels, values: dict[Key, int], primary: set[Key]) -> set[Key] | None:
    """For a table mostly of small cells: hide every cell and pair margin; None if that rule does not apply.

    Then only the one-way margins and the total are shown, every one of them at least the
    threshold (the rule applies only then, and to at least two values in each breakdown). A
    hidden cell or pair margin can then be anything from 0 up to the smallest one-way margin it
    lies in (the other values of each breakdown take up the rest), so it keeps at least the
    threshold's number of values without any search: the detail of such a table would be
    nearly all [c] anyway, and searching it costs seconds per period.
    """
    cells = [key for key in values if ALL not in key]
    small = sum(1 for key in cells if key in primary)
    if not cells or small <= SPARSE_SHARE * len(cells):
        return None
    if any(key.count(ALL) >= 2 for key in primary) or any(len(labels[d]) < 2 for d in DIMENSIONS):
        return None
    return {key for key in values if key.count(ALL) <= 1}



def whole_values(low: float, high: float) -> float:
    """How many whole numbers lie in [LOW, HIGH] (allowing for the solver's rounding)."""
    if math.isinf(high) or math.isinf(low):
        return math.inf
    return math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1


class _Search:
    """The cube at every level of summing, what is hidden so far, and the search for the best move.

    A level is which breakdowns are summed (True) — (False, False, False) is the cells. Values
    and hidden flags are kept as arrays per level (summed axes kept, of length 1), so a move's
    every choice of other values is weighed at once.
    """

    def __init__(self, labels, cube: np.ndarray, values: dict[Key, int], hidden: set[Key], threshold: int):
        self.labels, self.cube, self.values, self.threshold = labels, cube, values, threshold
        self.hidden: set[Key] = set()
        self.index = [{label: n for n, label in enumerate(labels[d])} for d in DIMENSIONS]
        self.levels = list(itertools.product((False, True), repeat=3))
        self.level_values = {level: cube.sum(axis=tuple(i for i in range(3) if level[i]), keepdims=True)
                             if any(level) else cube for level in self.levels}
        self.level_hidden = {level: np.zeros(self.level_values[level].shape, dtype=bool) for level in self.levels}
        self.hide(hidden)

    def hide(self, keys: Iterable[Key]) -> None:
        for key in keys:
            if key not in self.hidden:
                self.hidden.add(key)
                level = tuple(value == ALL for value in key)
                self.level_hidden[level][tuple(0 if key[i] == ALL else self.index[i][key[i]] for i in range(3))] = True

    def _line_of(self, key: Key) -> Move:
        changed = frozenset(k for k in self.values if all(k[i] == ALL or k[i] == key[i] for i in range(3)))
        return Move(plus=(), minus=(), changed=changed, capacity=math.inf)

    def _boxes(self, key: Key):
        """For every choice of other values: the smallest rising and falling counts, and the cost in people."""
        sizes = self.cube.shape
        fixed = [i for i in range(3) if key[i] != ALL]
        summed = [i for i in range(3) if key[i] == ALL]
        position = [self.index[i][key[i]] if key[i] != ALL else 0 for i in range(3)]
        shape = tuple(sizes)
        grid = [np.arange(sizes[i]).reshape([-1 if j == i else 1 for j in range(3)]) for i in range(3)]
        picks = list(itertools.product(*[(0, 1) if i in fixed else (0,) for i in range(3)]))
        plus_other = np.full(shape, np.inf)
        minus_min = np.full(shape, np.inf)
        cost = np.zeros(shape)
        for pick in picks:
            sign = (-1) ** sum(pick)
            # The corner cell: the key's own value where not picked, the choice where picked or summed.
            cell = tuple(grid[i] if (i in summed or pick[i]) else np.full([1, 1, 1], position[i]) for i in range(3))
            corner = self.cube[cell]  # broadcast against the full shape by the operations below
            if sign < 0:
                minus_min = np.minimum(minus_min, corner)
            elif summed or any(pick):  # a cell key's own corner is the key itself, counted apart
                plus_other = np.minimum(plus_other, corner)
            for subset in itertools.product(*[(False, True) if i in summed else (False,) for i in range(3)]):
                where = tuple(np.zeros([1, 1, 1], dtype=int) if subset[i] else cell[i] for i in range(3))
                figure = self.level_values[subset][where]
                shown = ~self.level_hidden[subset][where]
                cost = cost + (figure + 1) * shown
        valid = np.ones(shape, dtype=bool)
        for i in fixed:
            index = [slice(None)] * 3
            index[i] = position[i]
            valid[tuple(index)] = False
        return fixed, summed, position, picks, plus_other, minus_min, cost, valid

    def _move(self, key: Key, choice: tuple[int, ...], summed, position, picks, capacity: float) -> Move:
        plus_keys, minus_keys, changed = [], [], set()
        for pick in picks:
            cell = tuple(choice[i] if (i in summed or pick[i]) else position[i] for i in range(3))
            named = tuple(self.labels[DIMENSIONS[i]][cell[i]] for i in range(3))
            (plus_keys if sum(pick) % 2 == 0 else minus_keys).append(named)
            for subset in itertools.product(*[(False, True) if i in summed else (False,) for i in range(3)]):
                changed.add(tuple(ALL if subset[i] else named[i] for i in range(3)))
        return Move(plus=tuple(plus_keys), minus=tuple(minus_keys), changed=frozenset(changed), capacity=capacity)

    def certificate(self, key: Key, avoid: Iterable[Move] = (), most: int = 6) -> Certificate:
        """Moves through KEY, sharing nothing else, that give it room for THRESHOLD values at least cost.

        One move if one is enough (the cheapest such), else the roomiest moves in turn; AVOID:
        moves already made, whose choices are not used again.
        """
        sizes = self.cube.shape
        fixed = [i for i in range(3) if key[i] != ALL]
        if not fixed or 0 in sizes:
            move = Move(plus=(), minus=(), changed=frozenset(self.values), capacity=math.inf)
            return Certificate(key, (move,), math.inf)
        if any(sizes[i] < 2 for i in fixed):
            move = self._line_of(key)
            return Certificate(key, (move,), math.inf)
        fixed, summed, position, picks, plus_other, minus_min, cost, valid = self._boxes(key)
        own = float(self.values[key])
        for move in avoid:
            corner = move.plus[-1] if len(fixed) % 2 == 0 else move.minus[-1]
            if len(move.plus) + len(move.minus) == 2 ** len(fixed) and all(
                    corner[i] in self.index[i] for i in range(3)):
                valid[tuple(self.index[i][corner[i]] for i in range(3))] = False
        moves: list[Move] = []
        up = down_other = 0.0
        width = 0.0
        for _ in range(most):
            if not valid.any():
                break
            width_if = np.minimum(own, down_other + plus_other) + up + minus_min
            enough = valid & (width_if + 1 >= self.threshold)
            if enough.any():
                choice = np.unravel_index(np.where(enough, cost, np.inf).argmin(), cost.shape)
            else:
                choice = np.unravel_index(np.where(valid, width_if - cost / 1e9, -np.inf).argmax(), cost.shape)
            choice = tuple(int(v) for v in choice)
            alone = min(own, float(plus_other[choice])) + float(minus_min[choice])
            moves.append(self._move(key, choice, summed, position, picks, alone))
            up += float(minus_min[choice])
            down_other += float(plus_other[choice])
            width = min(own, down_other) + up
            if width + 1 >= self.threshold:
                break
            # Further moves share nothing with this one but the key: other values in every breakdown.
            for i in range(3):
                index = [slice(None)] * 3
                index[i] = choice[i]
                valid[tuple(index)] = False
        return Certificate(key, tuple(moves), width)


def certify(table: ProtectedTable) -> list[Key]:
    """Hidden figures whose certificate does not hold (or who have none: the LP vouched for those).

    Each move is checked afresh: +1 and −1 on its corner cells must leave every published
    figure unchanged, and the room is recomputed from the true counts.
    """
    bad = []
    for key in sorted(table.hidden):
        found = table.certificates.get(key)
        if found is None or not _holds(table, found):
            bad.append(key)
    return bad


def _holds(table: ProtectedTable, found: Certificate) -> bool:
    up = down_other = 0.0
    own = table.values[found.key]
    for move in found.moves:
        if not move.plus and not move.minus:
            if not move.changed <= table.hidden:
                return False
            up = math.inf
            continue
        delta = {**{k: 1 for k in move.plus}, **{k: -1 for k in move.minus}}
        for key in table.values:
            moved = sum(sign for cell, sign in delta.items() if all(key[i] in (ALL, cell[i]) for i in range(3)))
            if moved and key not in table.hidden:
                return False
        if found.key not in move.changed:
            return False
        rising = [table.values[k] for k in move.plus if k != found.key]
        up += min(table.values[k] for k in move.minus)
        down_other += min(rising) if rising else math.inf
    if len(found.moves) > 1:
        cells = [set(m.plus + m.minus) - {found.key} for m in found.moves]
        if any(a & b for a, b in itertools.combinations(cells, 2)):
            return False
    return min(own, down_other) + up + 1 >= table.threshold


def lp_ranges(values: Mapping[Key, int], hidden: Iterable[Key], labels: Mapping[str, tuple[str, ...]],
              keys: Iterable[Key] | None = None, *, enough: int | None = None) -> dict[Key, tuple[float, float]]:
    """The interval (LP min, max) of each hidden figure (or of KEYS) given every published one.

    Unknowns are the hidden cells; each published margin is an equality; counts are at least 0.
    With ENOUGH, a figure already seen to take ENOUGH whole values across the solutions found
    so far gets that observed interval (a lower bound on its range) instead of its own two solves.
    """
    hidden = set(hidden)
    cells = [k for k in _all_keys(labels) if ALL not in k]
    inside: dict[Key, list[Key]] = {}
    for cell in cells:
        for subset in itertools.product((False, True), repeat=3):
            inside.setdefault(tuple(ALL if subset[i] else cell[i] for i in range(3)), []).append(cell)
    unknown = [k for k in cells if k in hidden]
    column = {k: i for i, k in enumerate(unknown)}
    rows, rhs = [], []
    for key, members in inside.items():
        if key in hidden or ALL not in key:
            continue
        mine = [column[c] for c in members if c in column]
        if not mine:
            continue
        rows.append(mine)
        rhs.append(values[key] - sum(values[c] for c in members if c not in column))
    targets = {}
    for key in (sorted(hidden) if keys is None else list(keys)):
        mine = [column[c] for c in inside.get(key, []) if c in column]
        constant = float(sum(values[c] for c in inside.get(key, []) if c not in column))
        targets[key] = (np.asarray(mine, dtype=np.intp), constant)
    solver = _Solver(rows, rhs, len(unknown))
    return _ranges(solver, targets, np.array([float(values[k]) for k in unknown]), enough=enough)


def _ranges(solver: _Solver, targets: Mapping, truth: np.ndarray, *, enough: int | None = None,
            stop_below: int | None = None) -> dict:
    """The interval (LP min, max) of each of TARGETS: key -> (its unknowns' columns, a constant added).

    The true table (TRUTH) is one solution; every solve adds another. With ENOUGH, a figure seen
    to take ENOUGH whole values across the solutions found so far gets that observed interval (a
    lower bound on its range) instead of its own two solves. With STOP_BELOW, stop at the first
    figure taking fewer whole values than that. The solutions are kept as rows of one array and
    each figure as its columns, so checking a figure against them costs what its columns do.
    """
    points = np.empty((64, solver.columns), dtype=np.float32)
    points[0] = truth
    found = 1
    result = {}
    for key, (columns, constant) in targets.items():
        if not len(columns):
            result[key] = (constant, constant)
        else:
            bounds = {}
            for sign in (-1, 1):  # the maximum first: a small count usually has its room above
                if enough is not None:
                    seen = points[:found, columns].sum(axis=1)
                    low, high = float(seen.min()), float(seen.max())
                    if whole_values(low, high) >= enough:
                        bounds = {1: low, -1: high}
                        break
                cost = np.zeros(solver.columns)
                cost[columns] = sign
                value, point = solver.minimise(cost)
                if point is not None:
                    if found == len(points):
                        points = np.concatenate([points, np.empty_like(points)])
                    points[found] = point
                    found += 1
                bounds[sign] = sign * value
            result[key] = (constant + bounds[1], constant + bounds[-1])
        if stop_below is not None and whole_values(*result[key]) < stop_below:
            break
    return result


class _Solver:
    """Minimise c·x subject to A x = b, x ≥ 0, for many c over one A: HiGHS kept warm between solves.

    The constraints are rows of 1s: ROWS[i] lists the columns of row i and RHS[i] its total. One
    HiGHS model (the public `highspy` package) is kept and only its costs change, so each
    further solve starts from the last basis and takes a few pivots.
    """

    def __init__(self, rows: list[list[int]], rhs: list[float], columns: int):
        import highspy

        self.columns = columns
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.status = highspy.HighsModelStatus
        self.highs.addVars(columns, np.zeros(columns), np.full(columns, self.highs.getInfinity()))
        if rows:
            # Compressed by row, each row's columns in ascending order.
            indices = np.concatenate([np.sort(np.asarray(row, dtype=np.int32)) for row in rows])
            starts = np.cumsum([0] + [len(row) for row in rows[:-1]]).astype(np.int32)
            bounds = np.asarray(rhs, dtype=float)
            self.highs.addRows(len(rows), bounds, bounds, len(indices), starts, indices, np.ones(len(indices)))
        self.every = np.arange(columns, dtype=np.int32)

    def minimise(self, cost: np.ndarray) -> tuple[float, np.ndarray | None]:
        """The minimum of COST·x (−inf when unbounded) and a solution reaching it."""
        self.highs.changeColsCost(self.columns, self.every, cost.astype(float))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == self.status.kOptimal:
            return self.highs.getObjectiveValue(), np.array(self.highs.getSolution().col_value)
        if status in (self.status.kUnbounded, self.status.kUnboundedOrInfeasible):
            return -math.inf, None
        raise RuntimeError(f"the disclosure check's linear programme failed: {status}")


def protect_revision(cells: pd.DataFrame, threshold: int, earlier: Sequence[ProtectedTable]) -> ProtectedTable:
    """Protect a corrected version of a period's table so that, with every EARLIER version published, nothing narrows.

    EARLIER are the tables a viewer could see for the period at earlier as-at dates, oldest
    first. A viewer who looks before and after a correction holds both versions' published
    figures, and may be told (the strongest case: assumed here) exactly which cells changed; a
    cell a correction did not touch is then one unknown in both. So:

    1. every figure hidden in an earlier version stays hidden (a pattern, once shown, only grows);
    2. the published figures of every version are put together in one linear programme (a cell
       unchanged between versions is one unknown), and every hidden figure of every version
       must still take THRESHOLD whole values;
    3. where one does not, the new version publishes only what the previous one published,
       unchanged (the figures a correction changed are all hidden).

    The third step always holds: the earlier versions' figures with the changed cells as they
    were are then a solution of everything published, so no range is narrower than before. (It
    also publishes at least what hiding the changed figures on top of the first step would, so
    that is not tried: on a table of thousands of cells its search took minutes.)
    ``revised`` is the published figures whose value differs from one published earlier: the
    figures to mark [r], never a hidden one.
    """
    if not earlier:
        return protect(cells, threshold)
    prior = frozenset().union(*(table.hidden for table in earlier))
    table = protect(cells, threshold, also=prior)
    if _joint_narrow([*earlier, table], threshold):
        previous = earlier[-1]
        kept = {key for key, value in table.values.items() if key in previous.values
                and key not in previous.hidden and previous.values[key] == value}
        table = ProtectedTable(threshold=threshold, labels=table.labels, values=table.values,
                               hidden=frozenset(set(table.values) - kept))
    revised = frozenset(key for key, value in table.values.items() if key not in table.hidden and any(
        key in old.values and key not in old.hidden and old.values[key] != value for old in earlier))
    return ProtectedTable(threshold=table.threshold, labels=table.labels, values=table.values, hidden=table.hidden,
                          moves=table.moves, certificates=table.certificates, revised=revised)


def _cells_of(table: ProtectedTable) -> dict[Key, list[Key]]:
    """Each figure of TABLE -> the cells it sums."""
    inside: dict[Key, list[Key]] = {}
    for cell in (k for k in _all_keys(table.labels) if ALL not in k):
        for subset in itertools.product((False, True), repeat=3):
            inside.setdefault(tuple(ALL if subset[i] else cell[i] for i in range(3)), []).append(cell)
    return inside


def joint_ranges(tables: Sequence[ProtectedTable], *, enough: int | None = None, stop_below: int | None = None
                 ) -> dict[tuple[int, Key], tuple[float, float]]:
    """The interval of every hidden figure of every version in TABLES, given all their published figures together.

    TABLES are one period's versions, oldest first. A cell's unknown is shared by consecutive
    versions in which it has the same value (the viewer is assumed to know which cells a
    correction changed); where any of those versions publishes the cell, it is known. A figure
    published in some version with the same value is left out (it is public). ENOUGH as for
    `lp_ranges`; STOP_BELOW as for `_ranges` (then only the ranges found so far).
    """
    inside = [_cells_of(table) for table in tables]
    unknown: dict[tuple[int, Key], int] = {}
    known: dict[tuple[int, Key], float] = {}
    made = itertools.count()

    def term(version: int, cell: Key) -> tuple[int | None, float]:
        """(the unknown's column, or None) and the constant for CELL in VERSION."""
        if (version, cell) in unknown:
            return unknown[(version, cell)], 0.0
        if (version, cell) in known:
            return None, known[(version, cell)]
        value = tables[version].values.get(cell, 0)
        first = last = version
        while first > 0 and tables[first - 1].values.get(cell) == value:
            first -= 1
        while last + 1 < len(tables) and tables[last + 1].values.get(cell) == value:
            last += 1
        run = range(first, last + 1)
        if any(cell in tables[v].values and cell not in tables[v].hidden for v in run):
            for v in run:
                known[(v, cell)] = float(value)
            return None, float(value)
        column = next(made)
        for v in run:
            unknown[(v, cell)] = column
        return column, 0.0

    rows, rhs = [], []
    for version, table in enumerate(tables):
        for key, cells_ in inside[version].items():
            if key in table.hidden or ALL not in key:
                continue
            constant, mine = 0.0, []
            for cell in cells_:
                column, value = term(version, cell)
                if column is None:
                    constant += value
                else:
                    mine.append(column)
            if mine:
                rows.append(mine)
                rhs.append(table.values[key] - constant)
    objectives = []
    for version, table in enumerate(tables):
        for key in sorted(table.hidden):
            value = table.values[key]
            if any(key in other.values and key not in other.hidden and other.values[key] == value
                   for other in tables):
                continue
            pairs = [term(version, cell) for cell in inside[version].get(key, [])]
            objectives.append(((version, key), pairs))
    # The newest version's figures first, cells before margins: where a correction narrows
    # something it is most often there, and STOP_BELOW then ends the search early.
    objectives.sort(key=lambda item: (-item[0][0], item[0][1].count(ALL), len(item[1])))
    targets = {target: (np.asarray([column for column, _ in pairs if column is not None], dtype=np.intp),
                        sum(value for column, value in pairs if column is None))
               for target, pairs in objectives}
    columns = next(made)
    truth = np.zeros(columns)
    for (version, cell), column in unknown.items():
        truth[column] = tables[version].values.get(cell, 0)
    return _ranges(_Solver(rows, rhs, columns), targets, truth, enough=enough, stop_below=stop_below)


def _joint_narrow(tables: Sequence[ProtectedTable], threshold: int) -> bool:
    """Whether the versions' published figures together narrow some hidden figure below THRESHOLD whole values.

    Stops at the first such figure: a table with thousands of hidden figures (a new department
    with labels of its own) is answered in a few solves when it narrows.
    """
    ranges = joint_ranges(tables, enough=threshold, stop_below=threshold)
    return any(whole_values(low, high) < threshold for low, high in ranges.values())


def fingerprint(cells: pd.DataFrame, threshold: int) -> str:
    """A hash of CELLS' contents and THRESHOLD: the protection depends on nothing else."""
    ordered = cells[list(DIMENSIONS) + ["value"]].sort_values(list(DIMENSIONS), kind="stable")
    digest = hashlib.sha256(str(threshold).encode())
    digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def margin_hidden_without_protecting(cells: pd.DataFrame, threshold: int, key: Key) -> bool | None:
    """Whether the total or a one-way margin KEY is hidden, when that is known without protecting the table.

    Moves never change the total or a one-way margin unless they are moves of a one-way margin
    below the threshold in the same breakdown (see `protect`), so: the total is hidden exactly
    when it is below the threshold, and a department's (grade's, role type's) total exactly when
    it is, if no other in its breakdown is. Otherwise (or for any other KEY) None: protect the table.
    """
    summed = [value == ALL for value in key]
    if sum(summed) < 2:
        return None
    if cells.empty:
        return True
    if any(cells[d].nunique() < 2 for d in DIMENSIONS):
        return None  # a breakdown of one value: its line's margins can be hidden with a cell (Search._line_of)
    if all(summed):
        return float(cells["value"].sum()) < threshold
    dimension = DIMENSIONS[summed.index(False)]
    totals = cells.groupby(dimension)["value"].sum()
    if len(totals) < 2 or (totals < threshold).any():
        return None
    match = _lookup(tuple(str(v) for v in totals.index)).get(str(key[summed.index(False)]).casefold())
    return match is None
