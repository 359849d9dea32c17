"""Diversity shares as published: one protected table per characteristic and period, read by every view.

A diversity figure is a share of those who declared, beside the declaration rate. Behind it are
counts of people, and a viewer who sees several tables (by department, by grade, the whole
profession) and the rates can subtract one from another, or multiply a rate by a headcount shown
elsewhere. So, as for members (protection.py), each characteristic's return for one period is
one table, protected once as a whole, and every view shows only what follows from its published
figures.

The table is department × grade × *status*, with every margin, where the status splits the
headcount three ways: in the group (the share's numerator N), declared but not in the group
(O = declared − N) and did not declare (U = headcount − declared, where declaration rates are
recorded; without them the table has the first two, and its status margin is the declared
count). A share is N / (N + O), so showing it with the declared count publishes N and O; a
declaration rate is declared / headcount, so showing it publishes the headcount as well. Hence:

- a share is shown only where both N and O are published figures of the table;
- the declared count only where it follows from published figures (N and O, or headcount and U);
- a declaration rate only where the declared count and the headcount are both published;
- a union of departments (or grades) only where every part's figures are published: its
  figures are then sums of published ones and reveal nothing more.

Primary suppression hides N, O and the headcount below the threshold (0 too). The count of those
who did not declare says nothing about the characteristic itself and is not hidden for being
small (else every department where nearly all declared their sex would lose its share); it is
still in the table, so no hidden figure can be worked out through it. The views show one-way
breakdowns only, never department by grade, so every figure with both a department and a grade
is hidden from the start (protection.protect's PRIMARY), as is any figure of a group the views do
not list: the returns' own rows for departments or grades that do not add up to the total (the
difference is a group "not recorded"), and, where a return has no breakdown by department or
grade, two placeholder groups that share its totals. Where a return has only one-way rows, the
department-by-grade counts are not known: a table of whole numbers matching every row is made up
for the search, which is sound because every one of its department-by-grade figures is hidden
(any such table matches everything published equally).

Figures leave here rounded as shown (a share and a rate to one decimal place), never finer.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..storage import queries
from ..storage.store import ALL
from . import disclosure, protection, published
from .protection import Key, ProtectedTable

POPULATION = "GSE"
IN_GROUP, OTHER, UNDECLARED = "in the group", "declared, not in the group", "did not declare"
BREAKDOWNS = ("department", "grade")
# Groups no view lists: the difference between a breakdown's rows and the total, and the two
# placeholders standing in for a breakdown a return does not have.
NOT_RECORDED = "(not recorded)"
PLACEHOLDERS = ("(not broken down) 1", "(not broken down) 2")
DECIMALS = 1


@dataclass(frozen=True)
class Shown:
    """One selection's figures as shown: each a number, or None where it is not published."""

    share: float | None
    declared: int | None
    declaration_rate: float | None
    # Whether under half declared: from the rate shown only, so a hidden rate is not narrowed by the flag.
    unreliable: bool = False


HIDDEN = Shown(None, None, None)


@dataclass(frozen=True, eq=False)
class DiversityTable:
    """One characteristic's protected table for one period: department × grade × status, every margin."""

    protected: ProtectedTable
    # Whether the headcount (and so the declaration rate) is part of the table.
    rated: bool
    # The groups views list, per breakdown (empty where the return has no such breakdown).
    groups: dict[str, tuple[str, ...]]

    def _count(self, department: str, grade: str, status: str) -> int | None:
        key = self.protected.key(department, grade, status)
        if key is None or key in self.protected.hidden:
            return None
        return self.protected.values[key]

    def _parts(self, selection: dict[str, Sequence[str]]) -> list[tuple[str, str]] | None:
        """The (department, grade) selections a union is made of; None if a value is no listed group."""
        chosen = []
        for by in BREAKDOWNS:
            values = [v for v in selection.get(by, ()) if v != ALL]
            if not values:
                chosen.append([ALL])
                continue
            matched = []
            for value in values:
                key = self.protected.key(**{by: value})
                label = key[BREAKDOWNS.index(by)] if key is not None else None
                if label is None or label not in self.groups[by]:
                    return None
                matched.append(label)
            chosen.append(list(dict.fromkeys(matched)))
        if len(chosen[0]) > 1 and len(chosen[1]) > 1:
            return None
        return [(d, g) for d in chosen[0] for g in chosen[1]]

    def figure(self, department: str = ALL, grade: str = ALL) -> Shown:
        """The figures shown for one department (or all) and one grade (or all)."""
        return self.union({"department": (department,), "grade": (grade,)})

    def union(self, selection: dict[str, Sequence[str]]) -> Shown:
        """The figures shown for several departments (or grades) together: only sums of published figures.

        SELECTION maps department and grade to the values chosen (none: all). Each part's
        numerator and the rest of its declared count must be published for the share; its
        declared count for the declared count; its headcount too for the rate.
        """
        parts = self._parts(selection)
        if parts is None:
            return HIDDEN
        numerators, others, declared, heads = [], [], [], []
        for department, grade in parts:
            n, o = self._count(department, grade, IN_GROUP), self._count(department, grade, OTHER)
            numerators.append(n)
            others.append(o)
            total = self._count(department, grade, ALL)
            if n is not None and o is not None:
                declared.append(n + o)
            elif self.rated:
                u = self._count(department, grade, UNDECLARED)
                declared.append(total - u if total is not None and u is not None else None)
            else:
                declared.append(total)
            heads.append(total if self.rated else None)
        share = None
        if None not in numerators and None not in others and sum(numerators) + sum(others) > 0:
            share = round(100 * sum(numerators) / (sum(numerators) + sum(others)), DECIMALS)
        count = None if None in declared else int(sum(declared))
        rate = None
        if count is not None and None not in heads and sum(heads) > 0:
            rate = round(100 * count / sum(heads), DECIMALS)
        unreliable = rate is not None and rate < disclosure.UNRELIABLE_BELOW
        return Shown(share=share, declared=count, declaration_rate=rate, unreliable=unreliable)

    def line(self, by: str) -> pd.DataFrame:
        """Every group of one breakdown as shown: group, share, declared, declaration_rate, unreliable."""
        rows = []
        for label in self.groups[by]:
            shown = self.figure(**{by: label})
            rows.append({"group": label, "share": shown.share, "declared": shown.declared,
                         "declaration_rate": shown.declaration_rate, "unreliable": shown.unreliable})
        return pd.DataFrame(rows, columns=["group", "share", "declared", "declaration_rate", "unreliable"])


# -- reading a period's return ------------------------------------------------------------------------

def build(frame: pd.DataFrame, threshold: int, members: ProtectedTable | None = None) -> DiversityTable | None:
    """Protect one period's rows (queries as `rows` reads them); None when no row has counts.

    MEMBERS, when given, is the members table of the same period as published: where the return's
    headcounts are its figures (the normal case), the two are protected together. A headcount the
    members table hides is hidden here too (a declaration rate with its declared count would show
    it); one it publishes is published here too (a viewer has it anyway), so the search knows it;
    and then those who did not declare are counts like the others, hidden below the threshold and
    given room (else a department's headcount less its declared count would pin them, and with
    them the declared count of each of its grades).
    """
    frame = frame[frame["numerator"].notna() & frame["denominator"].notna()]
    if frame.empty:
        return None
    rates = frame["declaration_rate"]
    rated = bool(rates.notna().all() and (rates > 0).all())
    statuses = (IN_GROUP, OTHER, UNDECLARED) if rated else (IN_GROUP, OTHER)
    counts = frame.assign(**{IN_GROUP: frame["numerator"], OTHER: frame["denominator"] - frame["numerator"]})
    if rated:
        heads = (frame["denominator"] * 100.0 / rates).round()
        counts[UNDECLARED] = (heads - frame["denominator"]).clip(lower=0)
    cells = counts[(counts["department"] != ALL) & (counts["grade"] != ALL)]
    if not cells.empty:
        wide = cells.groupby(["department", "grade"], sort=True)[list(statuses)].sum()
        cube, groups = _from_cells(wide, statuses)
    else:
        cube, groups = _from_margins(counts, statuses)
    listed = {by: set(groups[by]) for by in BREAKDOWNS}
    public, secret = _headcounts(cube, members) if rated and members is not None else (frozenset(), frozenset())
    joint = bool(public)

    def primary(values: dict[Key, int]) -> set[Key]:
        hidden = set(secret)
        for key, value in values.items():
            department, grade, status = key
            if key in public:
                continue  # the members table publishes it
            if department != ALL and grade != ALL:
                hidden.add(key)  # department by grade: no view shows it
            elif (department != ALL and department not in listed["department"]) or (
                    grade != ALL and grade not in listed["grade"]):
                hidden.add(key)  # a group no view lists
            elif value < threshold and (status != UNDECLARED or joint):
                hidden.add(key)
        return hidden

    protected = _protect_cached(cube, threshold, primary, tuple(sorted(listed["department"])),
                                tuple(sorted(listed["grade"])), public, secret, joint)
    if public & protected.hidden:
        # The search hid a headcount the members table shows: its room here is not real. Publish
        # only the whole profession's figures, each a sum of everything.
        everything = frozenset(key for key in protected.values if key[:2] != (ALL, ALL))
        protected = ProtectedTable(threshold=threshold, labels=protected.labels, values=protected.values,
                                   hidden=protected.hidden | everything)
    return DiversityTable(protected=protected, rated=rated, groups=groups)


def _headcounts(cube: pd.DataFrame, members: ProtectedTable) -> tuple[frozenset[Key], frozenset[Key]]:
    """The headcounts (status summed) of CUBE that are MEMBERS figures (the same value): those it shows, those it hides.

    A return whose headcounts are not the members table's (another count date, say) shares nothing with it.
    """
    heads = cube.groupby(["department", "grade"])["value"].sum()
    values: dict[Key, int] = {}
    for (department, grade), value in heads.items():
        for key in ((department, grade, ALL), (department, ALL, ALL), (ALL, grade, ALL), (ALL, ALL, ALL)):
            values[key] = values.get(key, 0) + int(value)
    public, secret = set(), set()
    for key, value in values.items():
        found = members.key(key[0], key[1])
        if found is None or members.values[found] != value:
            continue
        (secret if found in members.hidden else public).add(key)
    return frozenset(public), frozenset(secret)


def _from_cells(wide: pd.DataFrame, statuses: Sequence[str]) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    """The long cube from department-by-grade rows; a breakdown with one group gets an empty placeholder."""
    departments = tuple(dict.fromkeys(wide.index.get_level_values(0)))
    grades = tuple(dict.fromkeys(wide.index.get_level_values(1)))
    long = [{"department": d, "grade": g, "role_type": s, "value": int(wide.at[(d, g), s])}
            for (d, g) in wide.index for s in statuses]
    frame = pd.DataFrame(long)
    if len(departments) < 2:
        frame = pd.concat([frame, _zeros("department", PLACEHOLDERS[0], grades, statuses)], ignore_index=True)
    if len(grades) < 2:
        frame = pd.concat([frame, _zeros("grade", PLACEHOLDERS[0], departments, statuses)], ignore_index=True)
    return frame, {"department": departments, "grade": grades}


def _zeros(by: str, label: str, others: Iterable[str], statuses: Sequence[str]) -> pd.DataFrame:
    other = "grade" if by == "department" else "department"
    return pd.DataFrame([{by: label, other: o, "role_type": s, "value": 0} for o in others for s in statuses])


def _from_margins(counts: pd.DataFrame, statuses: Sequence[str]) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    """A cube of whole numbers that matches the one-way rows and the total (see the module's note).

    The total is the return's own row, or else the larger of the breakdowns' sums. A breakdown
    whose rows add to more than the total is not used (it cannot be right), one that adds to less
    gets a group "not recorded" for the difference, and a missing one two placeholder groups.
    """
    one_way = counts[counts["role_type"] == ALL]
    by_department = one_way[(one_way["department"] != ALL) & (one_way["grade"] == ALL)].groupby("department")[
        list(statuses)].sum()
    by_grade = one_way[(one_way["grade"] != ALL) & (one_way["department"] == ALL)].groupby("grade")[
        list(statuses)].sum()
    whole = one_way[(one_way["department"] == ALL) & (one_way["grade"] == ALL)]
    if not whole.empty:
        total = whole[list(statuses)].iloc[-1].astype(int)
    else:
        total = pd.concat([by_department.sum(), by_grade.sum()], axis=1).max(axis=1).astype(int)
    if UNDECLARED in statuses:
        # Headcounts come from rates given to a decimal place: the parts may miss the total by a few
        # who did not declare. The largest of the three is the total; a breakdown that covers every
        # declared person takes the difference on its largest group.
        total[UNDECLARED] = max([int(total[UNDECLARED])] + [int(t[UNDECLARED].sum()) for t in (by_department, by_grade)
                                                            if not t.empty])
    groups, margins = {}, {}
    for by, table in (("department", by_department), ("grade", by_grade)):
        table = table.astype(int)
        if UNDECLARED in statuses and not table.empty and all(
                table[s].sum() == total[s] for s in (IN_GROUP, OTHER)):
            table.loc[table[UNDECLARED].idxmax(), UNDECLARED] += int(total[UNDECLARED] - table[UNDECLARED].sum())
        if table.empty or (table.sum() > total).any():
            groups[by] = ()
            margins[by] = pd.DataFrame([total // 2, total - total // 2], index=list(PLACEHOLDERS))
            continue
        groups[by] = tuple(table.index)
        rest = total - table.sum()
        if (rest > 0).any() or len(table) < 2:
            table = pd.concat([table, rest.to_frame(NOT_RECORDED).T])
        margins[by] = table
    long = []
    for status in statuses:
        rows_, columns = margins["department"][status], margins["grade"][status]
        matrix = _transport(rows_.to_numpy(dtype=np.int64), columns.to_numpy(dtype=np.int64))
        for i, department in enumerate(rows_.index):
            for j, grade in enumerate(columns.index):
                long.append({"department": department, "grade": grade, "role_type": status,
                             "value": int(matrix[i, j])})
    return pd.DataFrame(long), groups


def _transport(rows_: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """A matrix of whole numbers ≥ 0 with these row and column sums (equal totals): proportional, then topped up."""
    total = int(rows_.sum())
    if total == 0:
        return np.zeros((len(rows_), len(columns)), dtype=np.int64)
    matrix = np.floor(np.outer(rows_, columns) / total).astype(np.int64)
    need_rows, need_columns = rows_ - matrix.sum(axis=1), columns - matrix.sum(axis=0)
    i = j = 0
    while i < len(rows_) and j < len(columns):  # north-west corner on what is left
        step = min(need_rows[i], need_columns[j])
        matrix[i, j] += step
        need_rows[i] -= step
        need_columns[j] -= step
        if need_rows[i] == 0:
            i += 1
        else:
            j += 1
    return matrix


_CACHE: dict[tuple, ProtectedTable] = {}
_CACHE_SIZE = 1024


def _protect_cached(cube: pd.DataFrame, threshold: int, primary, *listed) -> ProtectedTable:
    """protection.protect with PRIMARY, remembered by the cube and LISTED (whatever else PRIMARY depends on)."""
    key = (protection.fingerprint(cube, threshold), listed)
    found = _CACHE.get(key)
    if found is None:
        joint = bool(listed[-1])
        found = protection.protect(cube, threshold, primary=primary, exempt=None if joint else _undeclared)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = found
    return found


def _undeclared(key: Key) -> bool:
    """Counts of those who did not declare need no room of their own (they say nothing about the characteristic)."""
    return key[2] == UNDECLARED


# -- what views read -------------------------------------------------------------------------------

def publishable_periods(conn: sqlite3.Connection, indicator: str, as_at: str) -> list[str]:
    """INDICATOR's GSE periods up to AS_AT with counts, leaving out any whose return is still coming in."""
    unfinished = queries.unpublished_periods(conn, indicator, POPULATION, as_at)
    return [period for period in queries.diversity_periods(conn, indicator, as_at, POPULATION)
            if period not in unfinished]


def table(conn: sqlite3.Connection, indicator: str, as_at: str, period: str, threshold: int) -> DiversityTable | None:
    """INDICATOR's protected table for PERIOD as known at AS_AT (None: no counts recorded for it).

    Protected together with the members table of the same period, where that is complete (build).
    """
    found = queries.diversity_cells(conn, indicator, as_at, period, POPULATION)
    if found.empty:
        return None
    members = None
    if period in queries.complete_cell_periods(conn, published.INDICATOR, as_at, published.POPULATION):
        members = published.table(conn, as_at, period, threshold)
    return build(found, threshold, members)


def published_series(conn: sqlite3.Connection, series: pd.DataFrame, as_at: str, threshold: int) -> pd.DataFrame:
    """SERIES (queries.diversity_series) with the profession's figures as published.

    For each GSE period with counts, value (the share) and declaration_rate are the protected
    table's, rounded as shown, NaN where hidden; the counts are dropped (numerator and
    denominator become the shown declared count only: numerator empty). Rows published only as
    a share (the strategy's 2015 figures) and the Civil Service's (the publisher's own) stay.
    A period whose return is still coming in is left out.
    """
    frame = series.copy()
    frame["hidden"] = False
    # Whether a declaration rate was recorded: a missing one is [x], a hidden one [c].
    frame["rated"] = frame["declaration_rate"].notna()
    keep = []
    tables: dict[tuple[str, str], DiversityTable | None] = {}
    periods: dict[str, set[str]] = {}
    for index, row in frame.iterrows():
        if row["population"] != POPULATION or pd.isna(row["numerator"]) or pd.isna(row["denominator"]):
            keep.append(index)
            continue
        code = row["indicator"]
        if code not in periods:
            periods[code] = set(publishable_periods(conn, code, as_at))
        if row["period"] not in periods[code]:
            continue
        if (code, row["period"]) not in tables:
            tables[(code, row["period"])] = table(conn, code, as_at, row["period"], threshold)
        found = tables[(code, row["period"])]
        shown = found.figure() if found is not None else HIDDEN
        frame.at[index, "value"] = math.nan if shown.share is None else shown.share
        frame.at[index, "declaration_rate"] = (math.nan if shown.declaration_rate is None
                                               else shown.declaration_rate)
        frame.at[index, "denominator"] = math.nan if shown.declared is None else shown.declared
        frame.at[index, "numerator"] = math.nan
        frame.at[index, "hidden"] = shown.share is None
        keep.append(index)
    return frame.loc[keep].reset_index(drop=True)


def breakdown(conn: sqlite3.Connection, indicator: str, as_at: str, by: str, threshold: int) -> pd.DataFrame:
    """The latest publishable period's figures for INDICATOR by department or grade, as shown.

    Columns: group, period, share, declared, declaration_rate (numbers, None where hidden),
    unreliable. Empty when no period has that breakdown.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"diversity breakdowns are by department or grade, not {by!r}")
    columns = ["group", "period", "share", "declared", "declaration_rate", "unreliable"]
    for period in reversed(publishable_periods(conn, indicator, as_at)):
        found = table(conn, indicator, as_at, period, threshold)
        if found is None or not found.groups[by]:
            continue
        line = found.line(by)
        line.insert(1, "period", period)
        return line[columns]
    return pd.DataFrame(columns=columns)


def as_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A breakdown (or union) as a table shows it: [c] where hidden; share, declared, rate, flag."""
    def mark(value, count: bool = False):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return disclosure.CONFIDENTIAL
        return int(value) if count else round(float(value), DECIMALS)

    return pd.DataFrame({
        "group": frame["group"],
        "share": pd.Series([mark(v) for v in frame["share"]], index=frame.index, dtype=object),
        "declared": pd.Series([mark(v, True) for v in frame["declared"]], index=frame.index, dtype=object),
        "declaration_rate": pd.Series([mark(v) for v in frame["declaration_rate"]], index=frame.index, dtype=object),
        "unreliable": frame["unreliable"].astype(bool),
    })
