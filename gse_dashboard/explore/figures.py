"""The result as a table (with disclosure control on counts of people) and a chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from .. import charts, disclosure, metrics, vocabulary
from .. import db as store
from ..charts import Chart
from .choices import LABELS, MAX_BARS, MAX_LINES, NOT_OVERDUE, NOT_RATED, OVERDUE


@dataclass(frozen=True)
class _Context:
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


def _ordered(frame: pd.DataFrame, dimensions: Sequence[str]) -> pd.DataFrame:
    """FRAME sorted by DIMENSIONS, each in the order people expect (grades by seniority, and so on)."""
    if frame.empty or not dimensions:
        return frame.reset_index(drop=True)
    keys = [frame[d].map(_sort_key(d)).tolist() for d in dimensions]
    order = sorted(range(len(frame)), key=lambda i: tuple(k[i] for k in keys))
    return frame.iloc[order].reset_index(drop=True)


def _labels(frame: pd.DataFrame, dimension: str) -> list[str]:
    if dimension == "workstream":
        return [workstream_label(int(n), name) for n, name in zip(frame["workstream"], frame["workstream_name"])]
    return [str(v) for v in frame[dimension]]


def workstream_label(number: int, name: str) -> str:
    """'WS4 Capability & Skills': the prefix people say aloud, and no '4.' for Markdown to take as a list."""
    return f"WS{number} {name}".strip()


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


def _count_table(raw: pd.DataFrame, values: pd.Series, context: _Context,
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
        series = pd.Series(numbers.to_numpy(), index=pd.Index(_labels(raw, groups[0]), dtype=object),
                           name=context.measure)
        return (*_column(series, threshold, total=groups[0] != "period"), LABELS[groups[0]])
    rows, columns = (groups[1], groups[0]) if groups[1] == "period" else groups
    long = pd.DataFrame({"row": _labels(raw, rows), "column": _labels(raw, columns), "n": numbers.to_numpy()})
    wide = long.pivot_table(index="row", columns="column", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=list(dict.fromkeys(_labels(_ordered(raw, [rows]), rows))),
                        columns=list(dict.fromkeys(_labels(_ordered(raw, [columns]), columns))), fill_value=0)
    wide.index.name, wide.columns.name = None, None
    if rows == "period":
        parts = [_column(wide.loc[period].rename(period), threshold, total=True) for period in wide.index]
        values_, hidden, display = (pd.concat([part[i] for part in parts], axis=1).T for i in range(3))
        return values_, hidden, display, LABELS[rows]
    if threshold is None:
        table = wide.copy()
        table[disclosure.TOTAL] = table.sum(axis=1)
        table.loc[disclosure.TOTAL] = table.sum(axis=0)
        return table, _no_hidden(table), table.astype(object), LABELS[rows]
    safe = disclosure.suppress_crosstab(wide, threshold)
    return safe.values, safe.hidden, safe.display, LABELS[rows]


def _protected_count_table(raw: pd.DataFrame, context: _Context) -> tuple[pd.DataFrame, ...]:
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
        found = list(dict.fromkeys(_labels(_ordered(frame_, [dimension]), dimension)))
        period = context.period or (max(raw["period"]) if "period" in raw and not raw.empty else None)
        every = getattr(lookup, "labels", None)
        if dimension not in ("department", "grade", "role_type") or every is None or period is None:
            return found
        known = list(every(period, dimension))
        return known + [label for label in found if label not in known] if known else found

    def frame(rows: list, columns: list, cell) -> tuple[pd.DataFrame, pd.DataFrame]:
        values = pd.DataFrame(0, index=pd.Index(rows, dtype=object), columns=pd.Index(columns, dtype=object))
        hidden = pd.DataFrame(False, index=values.index, columns=values.columns)
        for r in rows:
            for c in columns:
                values.at[r, c], hidden.at[r, c] = cell(r, c)
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
    return values, hidden, display, first


def _count_result(raw: pd.DataFrame, values: pd.Series, context: _Context,
                  threshold: int | None) -> tuple[pd.DataFrame, Chart, list[str]]:
    """The table, chart and notes for a count; people counts suppressed when THRESHOLD is given."""
    numbers, hidden, display, first = _count_table(raw, values, context, threshold)
    table = display.reset_index().rename(columns={"index": first})
    shown = numbers.astype(float).mask(hidden)
    notes = []
    if "period" in context.groups:
        chart = _lines(shown.drop(columns=[disclosure.TOTAL], errors="ignore"), context, percent=False)
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
    chart.table = table
    return table, chart, notes


def _percent_result(raw: pd.DataFrame, context: _Context, threshold: int) -> tuple[pd.DataFrame, Chart, list[str]]:
    """The table, chart and notes for a share: % of those who declared, suppressed for people."""
    groups = list(context.groups)
    labels = {g: _labels(raw, g) for g in groups}
    table = pd.DataFrame({LABELS[g]: labels[g] for g in groups} or {"Selection": ["All selected"]})
    share_name = f"{context.measure} (% of declared)" if context.people else f"{context.measure} (%)"
    notes = []
    if context.people:
        counts = pd.DataFrame({"numerator": raw["numerator"], "denominator": raw["denominator"],
                               "declaration_rate": raw["declaration_rate"],
                               "percent": raw["share"].where(raw["numerator"].isna())})
        safe = disclosure.declared_shares(counts, threshold)
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
        table[share_name] = raw["share"].round(1).to_numpy()
    numbers = pd.Series(pd.to_numeric(table[share_name], errors="coerce").to_numpy())
    if "period" in groups:
        other = next((g for g in groups if g != "period"), None)
        if other is None:
            wide = pd.DataFrame({context.measure: numbers.to_numpy()}, index=labels["period"])
        else:
            wide = pd.DataFrame({"period": labels["period"], "group": labels[other], "v": numbers}).pivot_table(
                index="period", columns="group", values="v", aggfunc="first")
            wide = wide.reindex(index=sorted(set(labels["period"])), columns=list(dict.fromkeys(labels[other])))
        wide.index.name, wide.columns.name = None, None
        chart = _lines(wide, context, percent=True)
    else:
        names = [" · ".join(parts) for parts in zip(*(labels[g] for g in groups))] if groups else ["All selected"]
        first = " and ".join(LABELS[g] for g in groups) or "Selection"
        chart = _bars(pd.Series(numbers.to_numpy(), index=names), pd.Series(numbers.isna().to_numpy(), index=names),
                      context, first, total=None, percent=True)
    chart.table = table
    return table, chart, notes


def _bars(values: pd.Series, hidden: pd.Series, context: _Context, group: str, *, total: float | None,
          percent: bool) -> Chart:
    """Horizontal bars of the groups that may be shown (at most MAX_BARS), with a title that states the message."""
    frame = pd.DataFrame({group: [str(i) for i in values.index], "value": values.to_numpy()})
    mask = pd.Series(hidden.to_numpy().astype(bool))
    note = ""
    if len(frame) > MAX_BARS:
        frame, mask = frame.iloc[:MAX_BARS], mask.iloc[:MAX_BARS]
        note = f"The chart shows the first {MAX_BARS} of {len(values)} groups; the table has them all."
    unit = "%" if percent else ""
    shown = frame[~mask.to_numpy()]
    measure = context.measure
    at = f" at {context.period}" if context.period else ""
    if shown.empty:
        title = f"{measure}: every group here is too small to show"
    elif len(frame) == 1:
        title = f"{measure}: {_number(shown['value'].iloc[0], percent)}{unit}{at}"
    else:
        top = shown.sort_values("value", ascending=False).iloc[0]
        if percent:
            title = f"{measure}{at}: highest for {top[group]}, {top['value']:.1f}%"
        else:
            share = f", {100 * top['value'] / total:.0f}% of the total" if total else ""
            title = f"{top[group]} has the most {_lower(measure)}{at}: {top['value']:,.0f}{share}"
    chart = charts.breakdown_chart(frame, group=group, value="value", hidden=mask.reset_index(drop=True),
                                   title=title, subtitle=context.subtitle, source=context.source,
                                   value_title=f"{measure} (%)" if percent else measure, percent=percent)
    chart.note = " ".join(filter(None, [chart.note, note]))
    return chart


def _lines(wide: pd.DataFrame, context: _Context, *, percent: bool) -> Chart:
    """Lines over periods, one per group (the largest MAX_LINES), labelled at their ends."""
    table = wide
    note = ""
    if len(table.columns) > MAX_LINES:
        latest = table.ffill().iloc[-1].fillna(-1)
        keep = set(latest.sort_values(ascending=False).index[:MAX_LINES])
        note = (f"The chart shows the {MAX_LINES} {'highest' if percent else 'largest'} of {len(table.columns)} "
                "groups at the latest period; the table has them all.")
        table = table[[c for c in table.columns if c in keep]]
    frame = table.reset_index().rename(columns={"index": "period"})
    frame.columns = [str(c) for c in frame.columns]
    series = [(str(c), str(c)) for c in table.columns]
    unit = "%" if percent else ""
    measure = context.measure
    drawn = [c for c, _ in series if frame[c].notna().any()]
    if not drawn:
        title = f"{measure}: every figure here is too small to show"
        alt = f"Line chart of {_lower(measure)}: every figure is hidden to protect individuals."
    else:
        if len(series) == 1:
            points = frame.dropna(subset=[drawn[0]])
            first, last = points.iloc[0], points.iloc[-1]
            title = f"{measure}: {_number(last[drawn[0]], percent)}{unit} at {last['period']}"
            if len(points) > 1:
                move = ("up from" if last[drawn[0]] > first[drawn[0]] else
                        "down from" if last[drawn[0]] < first[drawn[0]] else "the same as")
                title += f", {move} {_number(first[drawn[0]], percent)}{unit} at {first['period']}"
        else:
            last = frame.dropna(subset=drawn, how="all").iloc[-1]
            values = last[drawn].dropna().astype(float)
            top = values.idxmax()
            if percent:
                title = f"{measure} at {last['period']}: highest for {top}, {_number(values[top], percent)}%"
            else:
                title = f"{top} has the most {_lower(measure)} at {last['period']}: {_number(values[top], percent)}"
        ends = "; ".join(f"{c}: {_number(frame[c].dropna().iloc[-1], percent)}{unit} at "
                         f"{frame.loc[frame[c].notna(), 'period'].iloc[-1]}" for c in drawn)
        alt = (f"Line chart of {_lower(measure)} from {frame['period'].iloc[0]} to {frame['period'].iloc[-1]}, "
               f"{len(series)} series. Latest figures: {ends}.")
    chart = charts.lines_chart(frame, x="period", series=series, title=title, subtitle=context.subtitle,
                               source=context.source, alt_text=alt,
                               y_title=f"{measure} ({'%' if percent else 'number'})", percent=percent)
    missing = int(table.isna().to_numpy().sum())
    if missing and context.people:
        note = " ".join(filter(None, [note, f"{missing} points are not drawn, to protect individuals or because "
                                            "there is no figure."]))
    chart.note = note
    return chart


def _lower(name: str) -> str:
    """NAME to follow other words: 'Women' becomes 'women', 'GSE members' stays as it is."""
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]


def _number(value: float, percent: bool) -> str:
    return f"{value:.1f}" if percent else f"{value:,.0f}"


def _empty(context: _Context) -> tuple[pd.DataFrame, Chart, list[str]]:
    """A table, chart and note that say plainly that nothing matched."""
    frame = pd.DataFrame({"group": pd.Series(dtype=object), "value": pd.Series(dtype=float)})
    chart = charts.breakdown_chart(frame, group="group", value="value", hidden=pd.Series(dtype=bool),
                                   title=f"{context.measure}: nothing matches this selection",
                                   subtitle=context.subtitle, source=context.source, value_title=context.measure)
    chart.alt_text = f"Empty chart: no {_lower(context.measure)} figures match this selection."
    message = "Nothing matches these filters as known at this date. Remove a filter or choose a later date."
    chart.note = message
    table = pd.DataFrame({"Result": [message]})
    chart.table = table
    return table, chart, []
