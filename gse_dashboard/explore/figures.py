"""The result as a table (with disclosure control on counts of people) and a chart."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from ..charts import builders
from ..charts.style import Chart
from ..people import disclosure
from ..people.official_figures import ROUNDING_NOTE
from ..storage import store
from ..strategy import commitments_over_time as over_time
from ..strategy import metrics, vocabulary
from .choices import (
    BOARD,
    LABELS,
    MAX_BARS,
    MAX_LINES,
    NOT_OVERDUE,
    NOT_RATED,
    ORDERED_DIMENSIONS,
    OVERDUE,
    PROFESSION,
    TIME_DIMENSIONS,
)


@dataclass(frozen=True)
class FigureContext:
    """What the table and chart builders need to know besides the figures."""

    measure: str
    groups: tuple[str, ...]
    subtitle: str
    source: str
    people: bool
    period: str | None
    # For counts of people: (period, selection) -> (figure, hidden) from the protected table
    # (published.py); the tables then show only its published figures.
    protected: Callable[[str, dict], tuple[float, bool]] | None = None
    # The measure as the filters narrow it ('GSE members (SCS)'), for titles.
    subject: str = ""
    # The groups the analyst chose to chart (labels); empty: all of them.
    show: tuple[str, ...] = ()
    # Figures the publisher rounded (published statistics): a breakdown need not add up to its total.
    rounded: bool = False
    # A flow over the year to each period (entrants, leavers), not a count at its date.
    flow: bool = False

    @property
    def named(self) -> str:
        return self.subject or self.measure


_ORDERS = {
    "population": list(store.POPULATIONS),
    "horizon": list(vocabulary.HORIZONS),
    "status": list(vocabulary.STATUSES),
    "rating": [*vocabulary.RATINGS, NOT_RATED],
    "overdue": [OVERDUE, NOT_OVERDUE],
}


def _sort_key(dimension: str):
    if dimension == "grade":
        return metrics.grade_sort_key
    if dimension in _ORDERS:
        order = _ORDERS[dimension]
        return lambda v: (order.index(v), "") if v in order else (len(order), str(v))
    return lambda v: (0, f"{v:09d}") if isinstance(v, int) else (0, str(v))


def ordered(frame: pd.DataFrame, dimensions: Sequence[str]) -> pd.DataFrame:
    """FRAME sorted by DIMENSIONS, each in the order people expect (grades by seniority, and so on)."""
    if frame.empty or not dimensions:
        return frame.reset_index(drop=True)
    keys = [frame[d].map(_sort_key(d)).tolist() for d in dimensions]
    order = sorted(range(len(frame)), key=lambda i: tuple(k[i] for k in keys))
    return frame.iloc[order].reset_index(drop=True)


def ranked(frame: pd.DataFrame, dimensions: Sequence[str], value: str) -> pd.DataFrame:
    """FRAME largest first when grouped by one dimension whose values have no order of their own.

    "Which workstream has the most" is answered by the order of the table itself; grades,
    periods, statuses and the like keep their own order. Only for figures that are not
    suppressed: a table that hides small counts is ranked by what it shows (_rank_table).
    """
    if len(dimensions) != 1 or dimensions[0] in ORDERED_DIMENSIONS or frame.empty or value not in frame:
        return frame
    return frame.sort_values(value, ascending=False, kind="stable", na_position="last").reset_index(drop=True)


def _rank_table(table: pd.DataFrame, column: str, groups: Sequence[str]) -> pd.DataFrame:
    """TABLE's rows largest first by the figures it shows in COLUMN; hidden ones ([c], [x]) after, Total last.

    Ranked on what is shown, never on the hidden figures, so a row's place gives nothing away.
    """
    if len(groups) != 1 or groups[0] in ORDERED_DIMENSIONS or table.empty or column not in table:
        return table
    first = table.columns[0]
    total = table[first] == disclosure.TOTAL
    numbers = pd.to_numeric(table[column], errors="coerce")
    order = sorted(range(len(table)), key=lambda i: (bool(total.iloc[i]), pd.isna(numbers.iloc[i]),
                                                    -(numbers.iloc[i] if pd.notna(numbers.iloc[i]) else 0)))
    return table.iloc[order].reset_index(drop=True)


def group_labels(frame: pd.DataFrame, dimension: str) -> list[str]:
    if dimension == "workstream":
        return [workstream_label(int(n), name) for n, name in zip(frame["workstream"], frame["workstream_name"])]
    return [str(v) for v in frame[dimension]]


def workstream_label(number: int, name: str) -> str:
    """'4. Capability & Skills': as every page names a workstream (escape_md() keeps Markdown from making it a list)."""
    return over_time.workstream_label(number, name)


# -- tables and charts ---------------------------------------------------------------------------

def _no_hidden(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(False, index=table.index, columns=table.columns)


def _column(series: pd.Series, threshold: int | None, *, total: bool) -> tuple[pd.DataFrame, ...]:
    """One column of counts with an optional Total row: values, hidden mask, display."""
    if threshold is None:
        table = series.to_frame()
        if total:
            table.loc[disclosure.TOTAL] = table.sum(axis=0)
        return table, _no_hidden(table), table.astype(object)
    safe = disclosure.suppress_column(series, threshold, total=total)
    return safe.values, safe.hidden, safe.display


def _count_table(raw: pd.DataFrame, values: pd.Series, context: FigureContext,
                 threshold: int | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """The table of counts as values, hidden mask and display, and the label of its first column.

    One grouping: a column with a Total row (none over periods: a sum over time is no total).
    Two: a cross-tab with totals, or periods down the side each with its own Total. People
    counts (THRESHOLD given) go through disclosure control; others are shown as they are.
    """
    if context.protected is not None and threshold is not None:
        return _protected_count_table(raw, context)
    whole = bool((values.dropna() % 1 == 0).all())
    numbers = values.round().astype("int64") if threshold is not None or whole else values
    groups = context.groups
    if not groups:
        series = pd.Series([numbers.iloc[0]], index=pd.Index(["All selected"], dtype=object), name=context.measure)
        return (*_column(series, threshold, total=False), "Selection")
    if len(groups) == 1:
        series = pd.Series(numbers.to_numpy(), index=pd.Index(group_labels(raw, groups[0]), dtype=object),
                           name=context.measure)
        return (*_column(series, threshold, total=groups[0] not in TIME_DIMENSIONS), LABELS[groups[0]])
    rows, columns = (groups[1], groups[0]) if groups[1] in TIME_DIMENSIONS else groups
    long = pd.DataFrame({"row": group_labels(raw, rows), "column": group_labels(raw, columns), "n": numbers.to_numpy()})
    wide = long.pivot_table(index="row", columns="column", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=list(dict.fromkeys(group_labels(ordered(raw, [rows]), rows))),
                        columns=list(dict.fromkeys(group_labels(ordered(raw, [columns]), columns))), fill_value=0)
    wide.index.name, wide.columns.name = None, None
    if rows in TIME_DIMENSIONS:
        parts = [_column(wide.loc[period].rename(period), threshold, total=True) for period in wide.index]
        values_, hidden, display = (pd.concat([part[i] for part in parts], axis=1).T for i in range(3))
        if threshold is None and len(wide.columns) > 2:
            # At each date, which group has the most: the question a wide table over time is asked.
            display.insert(0, MOST, [_most(wide.loc[period]) for period in wide.index])
        return values_, hidden, display, LABELS[rows]
    if threshold is None:
        table = wide.copy()
        table[disclosure.TOTAL] = table.sum(axis=1)
        table.loc[disclosure.TOTAL] = table.sum(axis=0)
        return table, _no_hidden(table), table.astype(object), LABELS[rows]
    safe = disclosure.suppress_crosstab(wide, threshold)
    return safe.values, safe.hidden, safe.display, LABELS[rows]


def _protected_count_table(raw: pd.DataFrame, context: FigureContext) -> tuple[pd.DataFrame, ...]:
    """The table of a people count with every figure, totals included, from the protected table.

    Shaped as _count_table shapes it: one grouping a column (with a Total row unless over
    periods); two a cross-tab with totals, or periods down the side each with its own Total.
    """
    lookup = context.protected
    groups = [g for g in context.groups]

    def figure(period: str | None, selection: dict) -> tuple[float, bool]:
        return lookup(period or context.period, selection)

    def labels_of(frame_: pd.DataFrame, dimension: str) -> list[str]:
        """The groups to list: every value in the protected table (so none is missing because it is 0)."""
        found = list(dict.fromkeys(group_labels(ordered(frame_, [dimension]), dimension)))
        # Over periods, every group of any period's table (latest first); else the one period's.
        periods = ([context.period] if context.period else
                   sorted(set(raw["period"]), reverse=True) if "period" in raw and not raw.empty else [])
        every = getattr(lookup, "labels", None)
        if dimension not in ("department", "grade", "role_type") or every is None or not periods:
            return found
        known = list(dict.fromkeys(label for period in periods for label in every(period, dimension)))
        if dimension == "grade":
            known.sort(key=metrics.grade_sort_key)
        elif len(periods) > 1:
            known.sort()
        return known + [label for label in found if label not in known] if known else found

    symbols: dict[tuple, str] = {}

    def frame(rows: list, columns: list, cell) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The figures and hidden mask; a hidden figure given as a symbol ([x]) is shown as that symbol."""
        values = pd.DataFrame(0, index=pd.Index(rows, dtype=object), columns=pd.Index(columns, dtype=object))
        hidden = pd.DataFrame(False, index=values.index, columns=values.columns)
        for r in rows:
            for c in columns:
                value, hide = cell(r, c)
                values.at[r, c], hidden.at[r, c] = value, bool(hide)
                if isinstance(hide, str):
                    symbols[(r, c)] = hide
        return values.astype("int64"), hidden

    if not groups:
        values, hidden = frame(["All selected"], [context.measure], lambda r, c: figure(None, {}))
        first = "Selection"
    elif len(groups) == 1:
        group = groups[0]
        labels = labels_of(raw, group)
        if group == "period":
            values, hidden = frame(labels, [context.measure], lambda r, c: figure(r, {}))
        else:
            values, hidden = frame([*labels, disclosure.TOTAL], [context.measure],
                                   lambda r, c: figure(None, {} if r == disclosure.TOTAL else {group: r}))
        first = LABELS[group]
    else:
        rows, columns = (groups[1], groups[0]) if groups[1] == "period" else groups
        row_labels = labels_of(raw, rows)
        column_labels = labels_of(raw, columns)
        if rows == "period":
            values, hidden = frame(row_labels, [*column_labels, disclosure.TOTAL], lambda r, c: figure(
                r, {} if c == disclosure.TOTAL else {columns: c}))
        else:
            def cell(r, c):
                selection = {}
                if r != disclosure.TOTAL:
                    selection[rows] = r
                if c != disclosure.TOTAL:
                    selection[columns] = c
                return figure(None, selection)
            values, hidden = frame([*row_labels, disclosure.TOTAL], [*column_labels, disclosure.TOTAL], cell)
        first = LABELS[rows]
    display = values.astype(object).mask(hidden, disclosure.CONFIDENTIAL)
    for (r, c), symbol in symbols.items():
        display.at[r, c] = symbol
    return values, hidden, display, first


MOST = "Most"


def _adds_up(numbers: pd.DataFrame, hidden: pd.DataFrame) -> bool:
    """Whether every Total in NUMBERS (a row or a column) is the sum of the figures shown beside it."""
    parts = numbers.drop(index=disclosure.TOTAL, columns=[disclosure.TOTAL, MOST], errors="ignore")
    shown = hidden.drop(index=disclosure.TOTAL, columns=[disclosure.TOTAL, MOST], errors="ignore")
    if disclosure.TOTAL in numbers.index:
        for column in parts.columns:
            if shown[column].any() or parts[column].sum() != numbers.at[disclosure.TOTAL, column]:
                return False
    if disclosure.TOTAL in numbers.columns:
        for row in parts.index:
            if shown.loc[row].any() or parts.loc[row].sum() != numbers.at[row, disclosure.TOTAL]:
                return False
    return True


def _most(row: pd.Series) -> str:
    """'7. Diversity & Inclusion (3)', or '1, 2, 6 (2 each)' for tied workstreams: the largest in ROW; '' if none."""
    top = row.max()
    if pd.isna(top) or top <= 0:
        return ""
    leaders = [str(c) for c, v in row.items() if v == top]
    if len(leaders) == 1:
        return f"{leaders[0]} ({top:,.0f})"
    numbers = [re.match(r"^(\d+)\. ", name) for name in leaders]
    names = ", ".join(n.group(1) for n in numbers) if all(numbers) else "; ".join(leaders)
    return f"{names} ({top:,.0f} each)"


def count_result(raw: pd.DataFrame, values: pd.Series, context: FigureContext,
                  threshold: int | None) -> tuple[pd.DataFrame, Chart, list[str]]:
    """The table, chart and notes for a count; people counts suppressed when THRESHOLD is given."""
    numbers, hidden, display, first = _count_table(raw, values, context, threshold)
    table = _rank_table(display.reset_index().rename(columns={"index": first}), context.measure, context.groups)
    shown = numbers.astype(float).mask(hidden)
    notes = []
    if any(g in TIME_DIMENSIONS for g in context.groups):
        chart = _lines(shown.drop(columns=[disclosure.TOTAL, MOST], errors="ignore"), context, percent=False)
    else:
        two = len(context.groups) == 2
        # Commitments by something and overdue: the overdue ones are the message, so they are drawn.
        late = two and context.groups[1] == "overdue" and OVERDUE in shown.columns
        column = OVERDUE if late else disclosure.TOTAL if two else context.measure
        total = None
        if disclosure.TOTAL in shown.index and not hidden.at[disclosure.TOTAL, column]:
            total = float(numbers.at[disclosure.TOTAL, column])
        bars = shown.drop(index=disclosure.TOTAL, errors="ignore")[column]
        mask = hidden.drop(index=disclosure.TOTAL, errors="ignore")[column]
        chart = _bars(bars, mask, context, first, total=total, percent=False)
        if two:
            drawn = "commitments past their date" if late else "totals"
            chart.note = " ".join(filter(None, [
                f"The chart shows {drawn} by {LABELS[context.groups[0]].lower()}; the table breaks them down by "
                f"{LABELS[context.groups[1]].lower()}.", chart.note]))
    if threshold is not None and hidden.to_numpy().any():
        notes.append(f"[c]: fewer than {threshold}, or hidden so that a small number cannot be worked out "
                     "from the totals.")
    if context.rounded and not _adds_up(numbers, hidden):
        notes.append(ROUNDING_NOTE)
    if display.isin([disclosure.NOT_AVAILABLE]).to_numpy().any():
        notes.append("[x]: not published for that year or that combination.")
    chart.table = table
    return table, chart, notes


def percent_result(raw: pd.DataFrame, context: FigureContext, threshold: int,
                    counts: tuple[str, str] | None = None) -> tuple[pd.DataFrame, Chart, list[str]]:
    """The table, chart and notes for a share: % of those who declared, suppressed for people.

    COUNTS names RAW's columns of the part and the whole a share (not of people) is worked out from,
    listed beside it as 'Number' and 'Out of'. Over time (a period, Board or quarter) the chart draws lines.
    """
    groups = list(context.groups)
    labels = {g: group_labels(raw, g) for g in groups}
    table = pd.DataFrame({LABELS[g]: labels[g] for g in groups} or {"Selection": ["All selected"]})
    share_name = f"{context.measure} (% of declared)" if context.people else f"{context.measure} (%)"
    notes = []
    if context.people:
        counts = pd.DataFrame({"numerator": raw["numerator"], "denominator": raw["denominator"],
                               "declaration_rate": raw["declaration_rate"],
                               "percent": raw["share"].where(raw["numerator"].isna())})
        safe = disclosure.declared_shares(counts, threshold)
        if _published(raw).any():
            # The profession's diversity figures, as the protected table publishes them (explore.result).
            safe = _published_as_shown(raw, safe)
        table[share_name] = safe["share"].to_numpy()
        table["Declared"] = safe["declared"].to_numpy()
        table["Declaration rate (%)"] = safe["declaration_rate"].to_numpy()
        table["Reliability"] = ["unreliable: under 50% declared" if u else "" for u in safe["unreliable"]]
        if (safe["share"] == disclosure.CONFIDENTIAL).any() or (safe["declared"] == disclosure.CONFIDENTIAL).any():
            notes.append(f"[c]: hidden because fewer than {threshold} people declared, or fewer than {threshold} "
                         "are in, or outside, the group.")
        if (safe["share"] == disclosure.NOT_AVAILABLE).any() or (safe["declared"] == disclosure.NOT_AVAILABLE).any():
            notes.append("[x]: not available (published as a share only, or not recorded).")
    else:
        if counts is not None:
            table["Number"] = raw[counts[0]].astype("int64").to_numpy()
            table["Out of"] = raw[counts[1]].astype("int64").to_numpy()
        table[share_name] = raw["share"].round(1).to_numpy()
    table = _rank_table(table, share_name, groups)
    labels = {g: list(table[LABELS[g]]) for g in groups}
    numbers = pd.Series(pd.to_numeric(table[share_name], errors="coerce").to_numpy())
    time = next((g for g in groups if g in TIME_DIMENSIONS), None)
    if time is not None:
        other = next((g for g in groups if g != time), None)
        if other is None:
            wide = pd.DataFrame({context.measure: numbers.to_numpy()}, index=labels[time])
        else:
            wide = pd.DataFrame({"period": labels[time], "group": labels[other], "v": numbers}).pivot_table(
                index="period", columns="group", values="v", aggfunc="first")
            wide = wide.reindex(index=sorted(set(labels[time])), columns=list(dict.fromkeys(labels[other])))
        wide.index.name, wide.columns.name = None, None
        chart = _lines(wide, context, percent=True)
    else:
        names = [" · ".join(parts) for parts in zip(*(labels[g] for g in groups))] if groups else ["All selected"]
        first = " and ".join(LABELS[g] for g in groups) or "Selection"
        chart = _bars(pd.Series(numbers.to_numpy(), index=names), pd.Series(numbers.isna().to_numpy(), index=names),
                      context, first, total=None, percent=True)
    chart.table = table
    return table, chart, notes


def _published(raw: pd.DataFrame) -> pd.Series:
    return raw["published"].astype(bool) if "published" in raw else pd.Series(False, index=raw.index)


def _published_as_shown(raw: pd.DataFrame, safe: pd.DataFrame) -> pd.DataFrame:
    """SAFE with the published rows' share, declared count and rate as shown: the number, or [c] where hidden."""
    safe = safe.copy()
    for index in raw.index[_published(raw).to_numpy()]:
        for column, source, count in (("share", "share", False), ("declared", "denominator", True),
                                      ("declaration_rate", "declaration_rate", False)):
            value = raw.at[index, source]
            safe.at[index, column] = (disclosure.CONFIDENTIAL if pd.isna(value)
                                      else int(value) if count else round(float(value), 1))
        safe.at[index, "unreliable"] = bool(raw.at[index, "unreliable"])
    return safe


def _bars(values: pd.Series, hidden: pd.Series, context: FigureContext, group: str, *, total: float | None,
          percent: bool) -> Chart:
    """Horizontal bars of the groups chosen (at most MAX_BARS), ranked by value unless their order means something.

    Grades, periods, statuses and the like keep their own order; departments, workstreams and
    role types are ranked largest first. The title states the message: the largest group and
    its share of the total, or, for the profession against the Civil Service, the gap.
    """
    frame = pd.DataFrame({group: [str(i) for i in values.index], "value": values.to_numpy()})
    mask = pd.Series(hidden.to_numpy().astype(bool))
    note = ""
    frame, mask, note = _chosen_groups(frame, mask, group, context)
    dimension = context.groups[0] if context.groups else None
    if dimension is not None and dimension not in ORDERED_DIMENSIONS and len(context.groups) == 1:
        # Ranked, largest first; groups hidden to protect individuals go last.
        order = sorted(range(len(frame)), key=lambda i: (bool(mask.iloc[i]), -(frame["value"].iloc[i]
                                                                                if pd.notna(frame["value"].iloc[i])
                                                                                else 0)))
        frame, mask = frame.iloc[order].reset_index(drop=True), mask.iloc[order].reset_index(drop=True)
    if len(frame) > MAX_BARS:
        ranked = dimension is not None and dimension not in ORDERED_DIMENSIONS
        note = " ".join(filter(None, [note, f"The chart shows the {'largest' if ranked else 'first'} {MAX_BARS} of "
                                            f"{len(frame)} groups; the table has them all."]))
        frame, mask = frame.iloc[:MAX_BARS].reset_index(drop=True), mask.iloc[:MAX_BARS].reset_index(drop=True)
    unit = "%" if percent else ""
    shown = frame[~mask.to_numpy()]
    measure = context.named
    at = f" {_when('period', context.period, context.flow)}" if context.period else ""
    gap = _population_gap(dict(zip(shown[group], shown["value"]))) if percent and dimension == "population" else None
    if shown.empty:
        title = f"{measure}: every group here is too small to show"
    elif gap is not None:
        gse, service, points = gap
        title = (f"{measure}{at}: GSE profession {gse:.1f}% against the Civil Service {service:.1f}%, "
                 f"{_gap_words(points)}")
    elif len(frame) == 1:
        title = f"{measure}: {_number(shown['value'].iloc[0], percent)}{unit}{at}"
    else:
        top = shown.sort_values("value", ascending=False).iloc[0]
        if percent:
            title = f"{measure}{at}: highest for {top[group]}, {top['value']:.1f}%"
        else:
            share = f", {100 * top['value'] / total:.0f}% of the total" if total else ""
            title = f"{top[group]} has the most {_lower(measure)}{at}: {top['value']:,.0f}{share}"
    chart = builders.breakdown_chart(frame, group=group, value="value", hidden=mask.reset_index(drop=True),
                                   title=title, subtitle=context.subtitle, source=context.source,
                                   value_title=f"{context.measure} (%)" if percent else context.measure,
                                   percent=percent, keep_order=True)
    chart.note = " ".join(filter(None, [chart.note, note]))
    return chart


def _chosen_groups(frame: pd.DataFrame, mask: pd.Series, group: str,
                   context: FigureContext) -> tuple[pd.DataFrame, pd.Series, str]:
    """The rows of FRAME the analyst chose to chart (context.show), and a note if some choices are not there."""
    if not context.show:
        return frame.reset_index(drop=True), mask.reset_index(drop=True), ""
    keep = frame[group].isin(context.show).to_numpy()
    missing = [v for v in context.show if v not in set(frame[group])]
    note = f"Not in this result, so not charted: {', '.join(missing)}." if missing else ""
    if not keep.any():
        return frame.reset_index(drop=True), mask.reset_index(drop=True), note
    return frame[keep].reset_index(drop=True), mask[keep].reset_index(drop=True), note


def _population_gap(values: Mapping[str, float]) -> tuple[float, float, float] | None:
    """(GSE, Civil Service, GSE minus Civil Service) when VALUES has both populations, else None."""
    gse, service = values.get(PROFESSION), values.get("Civil Service")
    if gse is None or service is None or pd.isna(gse) or pd.isna(service):
        return None
    return float(gse), float(service), float(gse) - float(service)


def _gap_words(points: float) -> str:
    """'7.6 percentage points below the Civil Service': the gap, GSE profession minus Civil Service, in words."""
    if round(points, 1) == 0:
        return "no gap"
    return f"{abs(points):.1f} percentage points {'below' if points < 0 else 'above'} the Civil Service"


def _when(dimension: str, value: str, flow: bool = False) -> str:
    """'at 2019-03-31', 'in the year to 2022-03-31' (a FLOW), or 'at the Board of 2019-10-16': a figure's when."""
    if dimension == BOARD:
        return f"at the Board of {value}"
    return f"in the year to {value}" if flow else f"at {value}"


def _lines(wide: pd.DataFrame, context: FigureContext, *, percent: bool) -> Chart:
    """Lines over time, one per group chosen (all by default); small multiples when more than four.

    The title states the message: the latest figure and the change since the first, the
    largest group at the latest date, or, for the profession against the Civil Service, the
    gap and how it has moved.
    """
    time = next((g for g in context.groups if g in TIME_DIMENSIONS), "period")

    def when(value: str) -> str:
        return _when(time, value, context.flow)

    table = wide
    note = ""
    if context.show:
        chosen = [c for c in table.columns if str(c) in context.show]
        missing = [v for v in context.show if v not in {str(c) for c in table.columns}]
        if missing:
            note = f"Not in this result, so not charted: {', '.join(missing)}."
        if chosen:
            table = table[chosen]
    frame = table.reset_index().rename(columns={"index": "period"})
    frame.columns = [str(c) for c in frame.columns]
    series = [(str(c), str(c)) for c in table.columns]
    unit = "%" if percent else ""
    measure = context.named
    drawn = [c for c, _ in series if frame[c].notna().any()]
    gap = None
    if percent and "population" in context.groups and set(drawn) >= {PROFESSION, "Civil Service"}:
        both = frame.dropna(subset=[PROFESSION, "Civil Service"])
        gap = both if not both.empty else None
    if not drawn:
        title = f"{measure}: every figure here is too small to show"
        alt = f"Line chart of {_lower(measure)}: every figure is hidden to protect individuals."
    else:
        if gap is not None:
            first, last = gap.iloc[0], gap.iloc[-1]
            now = last[PROFESSION] - last["Civil Service"]
            then = first[PROFESSION] - first["Civil Service"]
            title = (f"{measure} {when(last['period'])}: GSE profession {last[PROFESSION]:.1f}% against the "
                     f"Civil Service {last['Civil Service']:.1f}%, {_gap_words(now)}")
            if len(gap) > 1:
                moved = ("narrowed" if abs(now) < abs(then) else "widened" if abs(now) > abs(then) else "held")
                title += f"; the gap has {moved} from {abs(then):.1f} points {when(first['period'])}"
        elif len(series) == 1:
            points = frame.dropna(subset=[drawn[0]])
            first, last = points.iloc[0], points.iloc[-1]
            title = f"{measure}: {_number(last[drawn[0]], percent)}{unit} {when(last['period'])}"
            if len(points) > 1:
                move = ("up from" if last[drawn[0]] > first[drawn[0]] else
                        "down from" if last[drawn[0]] < first[drawn[0]] else "the same as")
                title += f", {move} {_number(first[drawn[0]], percent)}{unit} {when(first['period'])}"
        else:
            last = frame.dropna(subset=drawn, how="all").iloc[-1]
            values = last[drawn].dropna().astype(float)
            top = values.idxmax()
            leaders = [c for c in values.index if values[c] == values[top]]
            who = top if len(leaders) == 1 else f"{len(leaders)} groups tie"
            if percent:
                title = f"{measure} {when(last['period'])}: highest for {who}, {_number(values[top], percent)}%"
            elif len(leaders) == 1:
                title = (f"{top} has the most {_lower(measure)} {when(last['period'])}: "
                         f"{_number(values[top], percent)}")
            else:
                title = (f"{_upper(measure)} {when(last['period'])}: {who} for the most, "
                         f"{_number(values[top], percent)} each")
        ends = "; ".join(f"{c}: {_number(frame[c].dropna().iloc[-1], percent)}{unit} at "
                         f"{frame.loc[frame[c].notna(), 'period'].iloc[-1]}" for c in drawn)
        alt = (f"Line chart of {_lower(measure)} from {frame['period'].iloc[0]} to {frame['period'].iloc[-1]}, "
               f"{len(series)} series{' in small multiples, one panel each' if len(series) > MAX_LINES else ''}. "
               f"Latest figures: {ends}.")
    wide_shown = frame.set_index("period")[[c for c, _ in series]]
    chart = builders.panel_lines_chart(wide_shown, x_title=LABELS[time], title=title, subtitle=context.subtitle,
                                     source=context.source, alt_text=alt,
                                     y_title=f"{context.measure} ({'%' if percent else 'number'})", percent=percent)
    if len(series) > MAX_LINES:
        note = " ".join(filter(None, [note, f"{len(series)} groups: each panel draws one (blue) against the others "
                                            "(grey), on the same scale. Choose the groups to chart to compare fewer "
                                            "in one panel."]))
    missing = int(table.isna().to_numpy().sum())
    if missing and context.people:
        note = " ".join(filter(None, [note, f"{missing} points are not drawn, to protect individuals or because "
                                            "there is no figure."]))
    chart.note = note
    return chart


def _upper(name: str) -> str:
    return name[:1].upper() + name[1:]


def _lower(name: str) -> str:
    """NAME to follow other words: 'Women' becomes 'women', 'GSE members' stays as it is."""
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]


def _number(value: float, percent: bool) -> str:
    return f"{value:.1f}" if percent else f"{value:,.0f}"


def empty_result(context: FigureContext) -> tuple[pd.DataFrame, Chart, list[str]]:
    """A table, chart and note that say plainly that nothing matched."""
    frame = pd.DataFrame({"group": pd.Series(dtype=object), "value": pd.Series(dtype=float)})
    chart = builders.breakdown_chart(frame, group="group", value="value", hidden=pd.Series(dtype=bool),
                                   title=f"{context.measure}: nothing matches this selection",
                                   subtitle=context.subtitle, source=context.source, value_title=context.measure)
    chart.alt_text = f"Empty chart: no {_lower(context.measure)} figures match this selection."
    message = "Nothing matches these filters as known at this date. Remove a filter or choose a later date."
    chart.note = message
    table = pd.DataFrame({"Result": [message]})
    chart.table = table
    return table, chart, []
