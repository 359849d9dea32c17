"""DataFrame in, chart out: the chart builders, with message titles and alt text.

Each builder returns a `Chart`: the plotly figure plus the words that must travel with it
(a title that states the message, a subtitle with measure, population and period, the
source, alt text) and the data as a plain table. Series differ by line style and marker as
well as colour, and are labelled directly, so nothing is told by colour alone. The palette, fonts
and legibility rules they follow are in `chart_style.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from ..strategy import vocabulary
from ..strategy.vocabulary import DEFAULT_PROFESSION_OF_POST, ILLUSTRATIVE_COLUMN
from .style import (
    FONT,
    GRID_COLOUR,
    LABEL_GAP,
    LABEL_MAX,
    MIN_FONT_PX,
    PALETTE,
    TEXT_COLOUR,
    TWO_SERIES,
    Chart,
    axis_labels,
    label_colour,
    label_margin,
    plot_height_px,
    plotly_text,
    spread_positions,
    wrap_px,
)
from .tables import format_date, whole_numbers


def _percent(value: float | None) -> str:
    return "no data" if value is None or pd.isna(value) else f"{value:.0f}%"


def _wrapped(text: str, length_px: float, size_px: float = 14, lines: int = 3) -> str:
    """TEXT in at most LINES lines that fit LENGTH_PX (an axis title along a short axis), joined for plotly."""
    wrapped = wrap_px(text, length_px, size_px)
    if len(wrapped) > lines:
        wrapped = [*wrapped[:lines - 1], " ".join(wrapped[lines - 1:])]
    return "<br>".join(plotly_text(line) for line in wrapped)


# Dates along an axis with this many distinct points or fewer are each a tick of their own: two annual
# figures are not drawn on a monthly axis, and a single one has no axis in milliseconds.
FEW_DATES = 12


def _period_axis(figure: go.Figure, values, *, row: int | None = None, col: int | None = None) -> None:
    """Ticks at the periods themselves when X holds a few ISO dates; one date gets a month's room either side."""
    found = sorted({str(v) for v in values if v is not None and not pd.isna(v)})
    if not found or len(found) > FEW_DATES or not all(len(v) == 10 and v[4] == "-" and v[7] == "-" for v in found):
        return
    where = {"row": row, "col": col} if row else {}
    figure.update_xaxes(tickmode="array", tickvals=found, ticktext=found, **where)
    if len(found) == 1:
        day = pd.Timestamp(found[0])
        figure.update_xaxes(type="date", range=[str((day - pd.Timedelta(days=45)).date()),
                                                str((day + pd.Timedelta(days=45)).date())], **where)


def _base_layout(figure: go.Figure, *, y_title: str, y_range: list | None = None, height: int = 380) -> None:
    figure.update_layout(
        font={"family": FONT, "size": 14, "color": TEXT_COLOUR},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 60, "r": 150, "t": 20, "b": 50},
        showlegend=False,
        hovermode="x unified",
    )
    figure.update_xaxes(showgrid=False, linecolor=TEXT_COLOUR, ticks="outside")
    # A long axis title wraps to the plot's height and the margin makes room, so it is never clipped.
    figure.update_yaxes(title_text=_wrapped(y_title, height - 70) if y_title else y_title, gridcolor=GRID_COLOUR,
                        zeroline=True, zerolinecolor=TEXT_COLOUR, range=y_range, rangemode="tozero", automargin=True)


def few_points_axis(figure: go.Figure) -> None:
    """Give a chart of one or two dates an axis of those dates only, as categories labelled by year ('2015') or
    month ('Mar 2015'): a time axis over one point spreads it over milliseconds."""
    dates = sorted({str(x)[:10] for trace in figure.data if trace.x is not None for x in trace.x
                    if x is not None and not pd.isna(x)})
    if not 0 < len(dates) <= 2:
        return
    years = [d[:4] for d in dates]
    labels = years if len(set(years)) == len(years) else [f"{pd.Timestamp(d):%b %Y}" for d in dates]
    for trace in figure.data:
        if trace.x is not None:
            trace.x = [str(x)[:10] for x in trace.x]
    for annotation in figure.layout.annotations:
        if annotation.xref in (None, "x") and annotation.x is not None:
            annotation.x = str(annotation.x)[:10]
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=dates, tickvals=dates,
                        ticktext=labels, tickformat=None)


def _label_line_end(figure: go.Figure, x, y, text: str, colour: str) -> None:
    """Label a series at its last point, as the guidance prefers to a legend."""
    figure.add_annotation(x=x, y=y, text=f"<b>{plotly_text(text, LABEL_MAX)}</b>", showarrow=False, xanchor="left",
                          xshift=8, font={"color": label_colour(colour), "size": 13})


def _spread_line_labels(figure: go.Figure, low: float, high: float) -> None:
    """Move the line-end labels of FIGURE (y axis LOW to HIGH) apart so none prints over another."""
    labels = [a for a in figure.layout.annotations if a.xref in (None, "x") and a.yref in (None, "y")]
    if len(labels) < 2 or high <= low:
        return
    per_px = (high - low) / plot_height_px(figure)
    gap = max(a.font.size or 14 for a in labels) * LABEL_GAP * per_px
    moved = spread_positions([float(a.y) for a in labels], gap, low + gap / 2, high - gap / 2)
    for annotation, y in zip(labels, moved):
        annotation.y = y


def _data_range(figure: go.Figure, *, floor_zero: bool, padding: float = 0.08, percent: bool = False) -> list[float]:
    """A y range that fits the traces' values with a little room, from zero if FLOOR_ZERO.

    A PERCENT axis never runs past 100% when no value does (a flat 100% is not drawn on 98 to 102%),
    and a flat line near 100% gets ten points of room below it.
    """
    values = [float(v) for trace in figure.data for v in (() if trace.y is None else list(trace.y))
              if v is not None and not pd.isna(v)]
    if not values:
        return [0.0, 1.0]
    low, high = min(values), max(values)
    room = max((high - low) * padding, abs(high) * 0.02, 1.0)
    if percent and high - low < 1 and high >= 90:
        room = max(room, 10.0)  # a flat line near 100%: room below it, not a few points either side
    bottom = 0.0 if floor_zero or low - room < 0 else low - room
    top = high + room
    if percent and high <= 100:
        top = min(top, 100.0) if high < 100 else 100.5  # room for the marker on 100%, no more
    return [bottom, top]


def trajectory_chart(trajectory: pd.DataFrame, scope: str, as_at: str, source: str, *, height: int = 380) -> Chart:
    """Planned against actual share of commitments complete over time, for SCOPE (HEIGHT px tall before titles).

    TRAJECTORY has date, planned, actual and weighted columns as made by metrics.trajectory.
    """
    known = trajectory.dropna(subset=["actual"])
    latest = known.iloc[-1] if not known.empty else None
    planned_now = float(trajectory.loc[trajectory["date"] <= as_at, "planned"].iloc[-1]) \
        if (trajectory["date"] <= as_at).any() else 0.0
    if latest is None:
        title = f"{scope}: no progress recorded by {format_date(as_at)}"
    else:
        gap = planned_now - latest["actual"]
        verdict = ("ahead of plan" if gap < -0.5 else "on plan" if abs(gap) <= 0.5
                   else f"{gap:.0f} points behind plan")
        title = (f"{scope}: {_percent(latest['actual'])} of commitments complete against "
                 f"{_percent(planned_now)} planned, {verdict}")
    figure = go.Figure()
    series = [
        ("planned", "Planned (due)", TWO_SERIES[1], "dash", "square"),
        ("actual", "Actual (complete)", TWO_SERIES[0], "solid", "circle"),
        ("weighted", "Work done (weighted)", PALETTE[1], "dot", "diamond"),
    ]
    for column, name, colour, dash, symbol in series:
        data = trajectory.dropna(subset=[column])
        if data.empty:
            continue
        figure.add_trace(go.Scatter(
            x=data["date"], y=data[column], name=name, mode="lines+markers",
            line={"color": colour, "dash": dash, "width": 3, "shape": "hv" if column == "planned" else "linear"},
            marker={"symbol": symbol, "size": 7, "color": colour},
            hovertemplate=f"{name}: %{{y:.0f}}%<extra></extra>",
        ))
        # Labelled at the axis's end, in the margin, at the series' latest value: a line that stops at the as-at
        # date, labelled where it stops, would have its label printed over the planned line running on.
        _label_line_end(figure, trajectory["date"].iloc[-1], data[column].iloc[-1], name, colour)
    _base_layout(figure, y_title="% of commitments", y_range=[0, 105], height=height)
    _spread_line_labels(figure, 0, 105)
    figure.update_xaxes(tickformat="%Y")
    figure.add_vline(x=as_at, line={"color": PALETTE[4], "width": 1, "dash": "dot"})
    first, last = format_date(trajectory["date"].iloc[0]), format_date(trajectory["date"].iloc[-1])
    subtitle = (f"Share of the strategy's commitments, {scope}, GSE profession, "
                f"{first} to {last}, as known at {format_date(as_at)}")
    if latest is None:
        alt = f"Line chart for {scope}: no progress updates recorded by {format_date(as_at)}."
    else:
        alt = (f"Line chart of delivery for {scope} from {first} to {last}. The planned line "
               f"steps up as commitments fall due, reaching {_percent(trajectory['planned'].iloc[-1])}. "
               f"By {format_date(latest['date'])}, {_percent(latest['actual'])} of commitments were complete "
               f"and work done, weighting part-finished commitments, stood at "
               f"{_percent(latest['weighted'])}.")
    table = trajectory.rename(columns={
        "date": "Date", "planned": "Planned (% due)", "actual": "Actual (% complete)",
        "weighted": "Work done (% weighted)"}).round(1)
    return Chart(figure, title, subtitle, source, alt, table, illustrative=delivery_illustrative(source))


def delivery_illustrative(source: str) -> str:
    """Which figures of a delivery chart are made up: all of them when its source is the illustrative history."""
    return ("every figure: delivery from the illustrative progress history" if "illustrative history" in source
            else "")


def workstream_delivery_chart(summary: pd.DataFrame, as_at: str, source: str) -> Chart:
    """Planned against actual share complete for each workstream, as horizontal bar pairs."""
    frame = summary.sort_values("number", ascending=False)
    labels = axis_labels(f"{n}. {name}" for n, name in zip(frame["number"], frame["name"]))
    behind = summary[summary["actual_share"] + 0.5 < summary["planned_share"]]
    if summary.empty:
        title = "No workstreams to show"
    elif behind.empty:
        title = f"Every workstream is on or ahead of plan at {format_date(as_at)}"
    else:
        worst = behind.assign(gap=behind["planned_share"] - behind["actual_share"]).sort_values(
            "gap", ascending=False).iloc[0]
        title = (f"{len(behind)} of {len(summary)} workstreams are behind plan; "
                 f"{worst['name']} is furthest behind")
    figure = go.Figure()
    for column, name, colour, pattern in (
        ("planned_share", "Planned (% due)", TWO_SERIES[1], "/"),
        ("actual_share", "Actual (% complete)", TWO_SERIES[0], ""),
    ):
        # The fill is the series colour, solid, with any pattern drawn over it ("overlay") and an
        # outline: a bar (and its legend swatch) is seen whether or not a renderer draws patterns.
        outline = label_colour(colour)
        figure.add_trace(go.Bar(
            y=labels, x=frame[column], name=name, orientation="h",
            marker={"color": colour, "opacity": 1, "line": {"color": outline, "width": 1.5},
                    "pattern": {"shape": pattern, "fillmode": "overlay", "fgcolor": outline,
                                "bgcolor": colour, "fgopacity": 0.6, "size": 8, "solidity": 0.25}},
            text=[f"{v:.0f}%" for v in frame[column]], textposition="outside",
            hovertemplate=f"%{{y}}<br>{name}: %{{x:.0f}}%<extra></extra>",
        ))
    _base_layout(figure, y_title="", y_range=None, height=560)
    figure.update_layout(barmode="group", showlegend=True, hovermode="closest",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "traceorder": "reversed"},
                         margin={"l": label_margin(labels), "r": 40, "t": 40, "b": 50},
                         uniformtext={"minsize": MIN_FONT_PX, "mode": "show"})
    figure.update_traces(textfont={"size": 13}, cliponaxis=False)
    figure.update_xaxes(title_text="% of the workstream's commitments", range=[0, 112],
                        showgrid=True, gridcolor=GRID_COLOUR)
    figure.update_yaxes(title_text="", automargin=False, gridcolor="white")
    subtitle = ("Share of commitments due and complete, by workstream in the strategy's order, GSE profession, "
                f"as at {format_date(as_at)}")
    lines = "; ".join(f"{r.name}: {r.actual_share:.0f}% complete against {r.planned_share:.0f}% due"
                      for r in summary.itertuples())
    alt = f"Bar chart comparing planned and actual delivery for each of the {len(summary)} workstreams. {lines}."
    table = summary[["number", "name", "planned_share", "actual_share", "overdue"]].rename(columns={
        "number": "Workstream", "name": "Name", "planned_share": "Planned (% due)",
        "actual_share": "Actual (% complete)", "overdue": "Past their date"}).round(1)
    return Chart(figure, title, subtitle, source, alt, table, illustrative=delivery_illustrative(source))


def indicator_chart(series: pd.DataFrame, target: pd.DataFrame, *, name: str, unit: str,
                    population: str, as_at: str, source: str, gaps: Sequence[str] = ()) -> Chart:
    """One indicator over time against its target trajectory (if any).

    A target made up for the demonstration (TARGET's illustrative column) is called an illustrative
    target wherever the chart names it. GAPS are periods whose figure is not published ([c]): the
    line breaks there rather than drawing straight across as if the figure were known.
    """
    figure = go.Figure()
    illustrative_target = "illustrative" in target and bool(target["illustrative"].astype(bool).any())
    target_words = "illustrative target" if illustrative_target else "target"
    target_label = "Target (illustrative)" if illustrative_target else "Target"
    suffix = "%" if unit == "percent" else ""
    latest = series.iloc[-1] if not series.empty else None
    qualifier = ""
    if latest is not None and "qualifier" in series and isinstance(latest.get("qualifier"), str):
        qualifier = f"{latest['qualifier']} " if latest["qualifier"] else ""
    if latest is None:
        title = f"{name}: no figures recorded by {format_date(as_at)}"
    else:
        title = f"{name}: {qualifier}{latest['value']:,.0f}{suffix} at {format_date(latest['period'])}"
        title += target_phrase(series, target, as_at, words=target_words, suffix=suffix)
    if not series.empty:
        inside = [p for p in gaps if series["period"].iloc[0] < p < series["period"].iloc[-1]]
        drawn = pd.concat([series[["period", "value"]], pd.DataFrame({"period": inside, "value": None})],
                          ignore_index=True).sort_values("period") if inside else series
        # A line of made-up figures is not called "Actual": it says what it is.
        made_up = "illustrative" in series and bool(series["illustrative"].fillna(0).astype(bool).iloc[-1])
        actual = "Illustrative" if made_up else "Actual"
        figure.add_trace(go.Scatter(
            x=drawn["period"], y=drawn["value"], name=actual, mode="lines+markers", connectgaps=False,
            line={"color": TWO_SERIES[0], "width": 3}, marker={"symbol": "circle", "size": 7},
            hovertemplate=f"{actual}: %{{y:,.1f}}{suffix}<extra></extra>",
        ))
        _label_line_end(figure, series["period"].iloc[-1], series["value"].iloc[-1], actual, TWO_SERIES[0])
    if not target.empty:
        figure.add_trace(go.Scatter(
            x=target["period"], y=target["value"], name=target_label, mode="lines+markers",
            line={"color": TWO_SERIES[1], "width": 3, "dash": "dash"}, marker={"symbol": "square", "size": 7},
            hovertemplate=f"{target_label}: %{{y:,.1f}}{suffix}<extra></extra>",
        ))
        _label_line_end(figure, target["period"].iloc[-1], target["value"].iloc[-1], target_label, TWO_SERIES[1])
    y_range = _data_range(figure, floor_zero=True)
    _base_layout(figure, y_title=f"{name} ({'%' if unit == 'percent' else 'number'})", y_range=y_range)
    _spread_line_labels(figure, *y_range)
    few_points_axis(figure)
    periods = pd.concat([series.get("period", pd.Series(dtype=str)), target.get("period", pd.Series(dtype=str))])
    span = f"{format_date(periods.min())} to {format_date(periods.max())}" if not periods.empty else "no period"
    subtitle = f"{name}, {population}, {span}, as known at {format_date(as_at)}"
    if latest is None:
        alt = f"Chart of {name}: no figures recorded by {format_date(as_at)}."
    else:
        first = series.iloc[0]
        first_words = f"{first['qualifier']} " if isinstance(first.get("qualifier"), str) and first["qualifier"] else ""
        alt = (f"Line chart of {name} for {population}: {first_words}{first['value']:,.0f}{suffix} at "
               f"{format_date(first['period'])}, {latest['value']:,.0f}{suffix} at {format_date(latest['period'])}"
               + (f"; {target_words} line from {target['value'].iloc[0]:,.0f}{suffix} to "
                  f"{target['value'].iloc[-1]:,.0f}{suffix} by {format_date(target['period'].iloc[-1])}."
                  if not target.empty else "."))
    note = ""
    if series.empty:
        note = f"No figures for {in_sentence(name)} ({population}) have been recorded by {format_date(as_at)}."
    elif len(series) == 1:
        note = (f"Only one figure for {in_sentence(name)} has been recorded so far ({format_date(latest['period'])}), "
                "so there is no trend to show yet.")
    if gaps:
        note = (note + " " if note else "") + (
            f"Not shown ([c], too few people or hidden to protect a small number): "
            f"{', '.join(format_date(p) for p in sorted(gaps))}; the line is not drawn across them.")
    table = series[["period", "value"]].rename(columns={"period": "Period", "value": name})
    if "qualifier" in series and series["qualifier"].fillna("").astype(bool).any():
        # 'over 10,000' is a floor, not 10,000: the table says so beside the number.
        table.insert(1, "Qualifier", series["qualifier"].fillna("").to_numpy())
    if not target.empty:
        table = table.merge(target[["period", "value"]].rename(columns={"period": "Period", "value": target_label}),
                            on="Period", how="outer").sort_values("Period")
    which = illustrative_which(series, target, name)
    if which:
        made_up = set(series.loc[series["illustrative"].fillna(0).astype(bool), "period"]) \
            if "illustrative" in series else set()
        table[ILLUSTRATIVE_COLUMN] = ["Yes" if p in made_up else "No" for p in table["Period"]]
    return Chart(figure, title, subtitle, source, alt, table.reset_index(drop=True), note, which)


def in_sentence(name: str) -> str:
    """NAME inside a sentence: 'Registered GSE members' becomes 'registered GSE members', 'GSE members' stays."""
    first = name.split(" ", 1)[0]
    return name if first.isupper() else name[:1].lower() + name[1:]


def target_phrase(series: pd.DataFrame, target: pd.DataFrame, as_at: str, *, words: str = "target",
                  suffix: str = "") -> str:
    """How the latest figure stands against its target, for a title ("" with no target due by then).

    A target whose date has passed by AS_AT is reported as met or missed at its date, with the
    figure then (never as a live target); a target still ahead is compared with the latest figure.
    """
    if series.empty or target.empty:
        return ""
    latest = series.iloc[-1]
    due = target[target["period"] <= latest["period"]]
    if due.empty:
        return ""
    aim = due.iloc[-1]
    later = target[target["period"] > aim["period"]]
    expired = later.empty and aim["period"] < as_at
    if not expired:
        word = "above" if latest["value"] > aim["value"] else "below" if latest["value"] < aim["value"] else "at"
        return f", {word} the {words} of {aim['value']:,.0f}{suffix} for {format_date(aim['period'])}"
    then = series[series["period"] <= aim["period"]]
    if then.empty:
        return ""
    value = then.iloc[-1]
    verdict = "met" if value["value"] >= aim["value"] else "missed"
    return (f"; the {words} of {aim['value']:,.0f}{suffix} for {format_date(aim['period'])} was {verdict} "
            f"({value['value']:,.0f}{suffix} at {format_date(value['period'])})")


def illustrative_which(series: pd.DataFrame, target: pd.DataFrame, name: str) -> str:
    """Which of an indicator chart's figures are made up, in words ("" when all are real)."""
    parts = []
    if "illustrative" in series:
        made_up = series[series["illustrative"].fillna(0).astype(bool)]
        if not made_up.empty:
            first, last = format_date(made_up["period"].iloc[0]), format_date(made_up["period"].iloc[-1])
            span = first if first == last else f"{first} to {last}"
            parts.append(f"{name} for {span} (marked in the table's {ILLUSTRATIVE_COLUMN} column)")
    if "illustrative" in target and bool(target["illustrative"].fillna(0).astype(bool).any()):
        parts.append("the target")
    return " and ".join(parts)


# Series styles in palette order: colour, dash and marker differ together.
_STYLES = [(PALETTE[0], "solid", "circle"), (PALETTE[3], "dash", "square"), (PALETTE[1], "dot", "diamond"),
           (PALETTE[2], "dashdot", "triangle-up")]


def lines_chart(frame: pd.DataFrame, *, x: str, series: list[tuple[str, str]], title: str, subtitle: str,
                source: str, alt_text: str, y_title: str, percent: bool = False) -> Chart:
    """Several series over time, each with its own colour, dash and marker, labelled at its end."""
    figure = go.Figure()
    styles = _STYLES if len(series) != 2 else [(TWO_SERIES[0], "solid", "circle"), (TWO_SERIES[1], "dash", "square")]
    suffix = "%" if percent else ""
    for (column, label), (colour, dash, symbol) in zip(series, styles):
        data = frame.dropna(subset=[column])
        if data.empty:
            continue
        figure.add_trace(go.Scatter(
            x=data[x], y=data[column], name=plotly_text(label, LABEL_MAX), mode="lines+markers",
            line={"color": colour, "dash": dash, "width": 3}, marker={"symbol": symbol, "size": 8, "color": colour},
            hovertemplate=f"{plotly_text(label, LABEL_MAX)}: %{{y:,.1f}}{suffix}<extra></extra>",
        ))
        _label_line_end(figure, data[x].iloc[-1], data[column].iloc[-1], label, colour)
    # Scaled to the data (a line chart need not start at zero): on a 0 to 100 axis, shares of 2%
    # and 3% print as one line and their labels over each other. The axis title says where it starts.
    y_range = _data_range(figure, floor_zero=not percent, percent=percent)
    _base_layout(figure, y_title=y_title, y_range=y_range)
    figure.update_yaxes(rangemode="normal")
    _period_axis(figure, frame[x])
    _spread_line_labels(figure, *y_range)
    few_points_axis(figure)
    table = frame[[x, *[c for c, _ in series]]].rename(columns={x: x.capitalize(), **dict(series)}).round(1)
    table = table if percent else whole_numbers(table)  # a count reads '403', not '403.0'
    return Chart(figure, title, subtitle, source, alt_text, table.reset_index(drop=True))


def benchmark_chart(gaps: pd.DataFrame, trend: dict, *, name: str, as_at: str, source: str,
                    profession: str = DEFAULT_PROFESSION_OF_POST) -> Chart:
    """One diversity characteristic: civil servants in the profession's posts against the Civil Service over time.

    The figures are the Annual Civil Service Employment Survey's (the strategy's 2015 baseline and
    Civil Service Statistics since): a measure of posts, named so in every title (never 'members').
    """
    latest = trend["latest"]
    posts = vocabulary.posts(profession)
    label = f"{profession} posts"
    if latest is None:
        title = f"{name}: no comparison with the Civil Service recorded by {format_date(as_at)}"
        alt = f"Chart of {name}: no figures for both populations by {format_date(as_at)}."
    else:
        words = {"closing": "the gap is closing", "widening": "the gap is widening",
                 "unchanged": "the gap is unchanged", "no comparison": "one year only so far"}
        title = (f"{name}: {latest['gse']:.1f}% of {posts} against {latest['civil_service']:.1f}% "
                 f"in the Civil Service in {latest['period'][:4]}; {words[trend['direction']]}")
        first = trend["first"]
        alt = (f"Line chart of {name}, {posts} against the Civil Service, {first['period'][:4]} to "
               f"{latest['period'][:4]}. The gap went from {first['gap']:+.1f} to {latest['gap']:+.1f} "
               f"percentage points.")
    frame = gaps.rename(columns={"period": "period"})
    chart = lines_chart(
        frame, x="period", series=[("gse", label), ("civil_service", "Civil Service")],
        title=title, subtitle=f"{name}, % of those who declared, {posts} and the whole Civil Service, "
                              f"as known at {format_date(as_at)}",
        source=source, alt_text=alt, y_title="% of those who declared", percent=True)
    if (chart.figure.layout.yaxis.range or [0])[0] > 0:
        chart.subtitle += " (the axis does not start at zero)"
    chart.table = gaps[["period", "gse", "civil_service", "gap"]].rename(columns={
        "period": "Period", "gse": f"{label} (%)", "civil_service": "Civil Service (%)",
        "gap": "Gap (points)"}).round(1).reset_index(drop=True)
    return chart


def mark_source_changes(chart: Chart, sources: list[tuple[str, str]]) -> None:
    """A dotted line and a label on CHART where its figures' source changes along the dates.

    SOURCES is (period, the source in a few words) for each period drawn, in date order. The
    label names both sides ('2015: the strategy's survey figures | from 2021-03-31: Civil
    Service Statistics'), so a reader does not take a change of source for a change in the profession.
    """
    for (before, was), (after, now) in zip(sources, sources[1:]):
        if was == now:
            continue
        middle = pd.Timestamp(before) + (pd.Timestamp(after) - pd.Timestamp(before)) / 2
        chart.figure.add_vline(x=str(middle.date()), line={"color": TEXT_COLOUR, "dash": "dot", "width": 1.5})
        chart.figure.add_annotation(x=str(middle.date()), y=1, yref="paper", yanchor="bottom", showarrow=False,
                                    text=plotly_text(f"Source changes: to {before}, {was}; from {after}, {now}"),
                                    font={"size": MIN_FONT_PX, "color": TEXT_COLOUR})
        chart.figure.update_layout(margin={"t": max(chart.figure.layout.margin.t or 0, 40)})
        chart.note = " ".join(filter(None, [chart.note, f"The source changes after {before}: to then, {was}; "
                                                        f"from {after}, {now}."]))


def breakdown_chart(frame: pd.DataFrame, *, group: str, value: str, hidden: pd.Series, title: str,
                    subtitle: str, source: str, value_title: str, percent: bool = False,
                    keep_order: bool = False) -> Chart:
    """Horizontal bars for the groups whose figures may be shown; hidden ones are named, not drawn.

    Ranked largest first, except grades and whatever the caller has put in order (KEEP_ORDER).
    """
    shown = frame[~hidden.to_numpy()]
    suppressed = frame[hidden.to_numpy()][group].tolist()
    # Grades have an order (seniority); departments and roles read best largest first.
    if not keep_order and group.lower() != "grade":
        shown = shown.sort_values([value, group], ascending=[False, True], kind="stable")
    ordered = shown.iloc[::-1]
    suffix = "%" if percent else ""
    figure = go.Figure(go.Bar(
        y=axis_labels(ordered[group]), x=ordered[value], orientation="h", marker={"color": PALETTE[0]},
        text=[f"{v:,.1f}{suffix}" if percent else f"{v:,.0f}" for v in ordered[value]], textposition="outside",
        hovertemplate=f"%{{y}}: %{{x:,.1f}}{suffix}<extra></extra>",
    ))
    _base_layout(figure, y_title="", height=max(260, 32 * len(shown) + 90))
    figure.update_layout(margin={"l": label_margin(axis_labels(ordered[group])), "r": 60, "t": 20, "b": 50},
                         hovermode="closest", uniformtext={"minsize": MIN_FONT_PX, "mode": "show"})
    # Room beyond the longest bar for its value label, which is never clipped.
    top = float(shown[value].max()) if not shown.empty else 0.0
    figure.update_traces(cliponaxis=False)
    figure.update_xaxes(title_text=value_title, showgrid=True, gridcolor=GRID_COLOUR,
                        range=[0, (top or 1.0) * 1.18])
    figure.update_yaxes(automargin=False, title_text="")
    listed = "; ".join(f"{g}: {v:,.1f}{suffix}" if percent else f"{g}: {v:,.0f}"
                       for g, v in zip(shown[group], shown[value]))
    alt = f"Bar chart of {value_title.lower()} by {group.replace('_', ' ')}. {listed}."
    note = ""
    if suppressed:
        alt += f" Not shown to protect individuals: {', '.join(suppressed)}."
        note = (f"Not shown, to protect individuals: {', '.join(suppressed)}." if not shown.empty else
                "Every group here is too small to show without risking identifying individuals, "
                "so the chart is empty. Widen the selection to see figures.")
    return Chart(figure, title, subtitle, source, alt, pd.DataFrame(), note)


def ranked_bars_chart(frame: pd.DataFrame, *, group: str, value: str, highlight: str, title: str, subtitle: str,
                      source: str, value_title: str, percent: bool = False,
                      reference: tuple[str, float] | None = None) -> Chart:
    """Every group's bar, highest first, with HIGHLIGHT's bar in another colour and its label in bold.

    FRAME holds only the groups with a figure, in rank order. REFERENCE (name, value) is drawn
    as a dashed line across the bars with its name (the Civil Service as a whole, say). The
    highlighted group is named in words too (bold label, its value), so nothing relies on colour.
    """
    ordered = frame.iloc[::-1]
    chosen = [str(g).casefold() == highlight.casefold() for g in ordered[group]]
    labels = [f"<b>{label}</b>" if pick else label for label, pick in zip(axis_labels(ordered[group]), chosen)]
    suffix = "%" if percent else ""
    figure = go.Figure(go.Bar(
        y=labels, x=ordered[value], orientation="h",
        marker={"color": [PALETTE[3] if pick else PALETTE[0] for pick in chosen]},
        text=[f"{v:,.1f}{suffix}" if percent else f"{v:,.0f}" for v in ordered[value]], textposition="outside",
        hovertemplate=f"%{{y}}: %{{x:,.1f}}{suffix}<extra></extra>",
    ))
    _base_layout(figure, y_title="", height=max(260, 24 * len(ordered) + 110))
    figure.update_layout(margin={"l": label_margin(axis_labels(ordered[group])), "r": 70, "t": 36, "b": 50},
                         hovermode="closest", bargap=0.25)
    values = [float(v) for v in ordered[value]] + ([reference[1]] if reference else [])
    low, top = min([0.0, *values]), max([0.0, *values])
    figure.update_traces(cliponaxis=False)
    figure.update_xaxes(title_text=value_title, showgrid=True, gridcolor=GRID_COLOUR,
                        range=[low * 1.25 if low < 0 else 0, (top or 1.0) * 1.18])
    # Every bar named: a category axis would otherwise drop labels it finds too close together.
    figure.update_yaxes(automargin=False, title_text="", tickmode="array", tickvals=labels, ticktext=labels,
                        tickfont={"size": MIN_FONT_PX if len(labels) > 20 else 14})
    if reference is not None:
        name, at = reference
        figure.add_vline(x=at, line={"color": TEXT_COLOUR, "dash": "dash", "width": 2})
        figure.add_annotation(x=at, y=1, yref="paper", yanchor="bottom", showarrow=False,
                              text=plotly_text(f"{name}: {at:,.1f}{suffix}" if percent else f"{name}: {at:,.0f}"),
                              font={"size": MIN_FONT_PX + 1, "color": TEXT_COLOUR})
    listed = "; ".join(f"{g}: {v:,.1f}{suffix}" if percent else f"{g}: {v:,.0f}"
                       for g, v in zip(frame[group], frame[value]))
    alt = f"Bar chart of {value_title.lower()} by {group.lower()}, highest first, {highlight} highlighted. {listed}."
    if reference is not None:
        alt += f" {reference[0]}: {reference[1]:,.1f}{suffix}."
    return Chart(figure, title, subtitle, source, alt, frame.reset_index(drop=True), "")


def scaled_range(top: float, *, percent: bool = False) -> list[float]:
    """A value axis from zero to a little above TOP: scaled to the data, not to 100% when the data is at 10%."""
    if not top or top <= 0:
        return [0.0, 100.0 if percent else 1.0]
    upper = top * 1.12
    return [0.0, min(upper, 100.0) if percent and top <= 100 else upper]


# One panel holds at most this many lines; more are drawn as small multiples, one panel each.
PANEL_LINES = 4
PANEL_COLUMNS = 3
CONTEXT_GREY = "#BFBFBF"


def panel_lines_chart(wide: pd.DataFrame, *, x_title: str, y_title: str, title: str, subtitle: str, source: str,
                      percent: bool = False, alt_text: str | None = None) -> Chart:
    """Lines over WIDE's index, one per column: in one panel up to four, else small multiples.

    Small multiples share their axes: each panel draws one series in the first colour over the
    others in light grey, and is titled with the series' name, so nothing relies on colour.
    """
    columns = [str(c) for c in wide.columns]
    frame = wide.copy()
    frame.columns = columns
    frame.index.name = None
    long_frame = frame.reset_index().rename(columns={"index": x_title})
    suffix = "%" if percent else ""
    ends = "; ".join(f"{c}: {frame[c].dropna().iloc[-1]:,.1f}{suffix} at {frame[c].dropna().index[-1]}"
                     for c in columns if frame[c].notna().any())
    alt = alt_text or (f"Line chart of {y_title} by {x_title}, {len(columns)} series"
                       f"{' in small multiples' if len(columns) > PANEL_LINES else ''}. Latest figures: {ends}.")
    if len(columns) <= PANEL_LINES:
        return lines_chart(long_frame, x=x_title, series=[(c, c) for c in columns], title=title, subtitle=subtitle,
                           source=source, alt_text=alt, y_title=y_title, percent=percent)
    from plotly.subplots import make_subplots  # noqa: PLC0415 - only small multiples need it

    rows = -(-len(columns) // PANEL_COLUMNS)
    # Each panel's title wraps to two lines within its own width rather than being cut or running into the next.
    titles = [_wrapped(c, 270, 13, lines=2) for c in columns]
    height = max(320, 250 * rows + 60)
    # About 80 px between rows whatever their number: room for the dates below a panel and a two-line title.
    figure = make_subplots(rows=rows, cols=PANEL_COLUMNS, shared_xaxes=True, shared_yaxes=True,
                           subplot_titles=titles, vertical_spacing=min(0.3, 80 / (height - 100)),
                           horizontal_spacing=0.05)
    top = float(frame.max().max()) if frame.notna().any().any() else 0.0
    x_values = [str(v) for v in frame.index]
    for position, column in enumerate(columns):
        row, col = position // PANEL_COLUMNS + 1, position % PANEL_COLUMNS + 1
        # The other series as one grey trace, broken between series: one trace, not one each, per panel.
        xs, ys = [], []
        for other in columns:
            if other != column and frame[other].notna().any():
                xs += [*x_values, None]
                ys += [*frame[other].tolist(), None]
        if xs:
            figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", connectgaps=False,
                                        line={"color": CONTEXT_GREY, "width": 1}, showlegend=False),
                             row=row, col=col)
        figure.add_trace(go.Scatter(
            x=x_values, y=frame[column], mode="lines+markers", name=plotly_text(column, LABEL_MAX),
            line={"color": PALETTE[0], "width": 3}, marker={"size": 5, "color": PALETTE[0]},
            hovertemplate=f"{plotly_text(column, LABEL_MAX)}: %{{y:,.1f}}{suffix}<extra></extra>"),
            row=row, col=col)
    figure.update_layout(font={"family": FONT, "size": 13, "color": TEXT_COLOUR}, paper_bgcolor="white",
                         plot_bgcolor="white", height=height, showlegend=False,
                         margin={"l": 90, "r": 20, "t": 50, "b": 50}, hovermode="closest")
    figure.update_annotations(font={"size": 13, "color": TEXT_COLOUR})
    figure.update_xaxes(showgrid=False, linecolor=TEXT_COLOUR, ticks="outside", nticks=6, showticklabels=True)
    for position in range(len(columns)):
        _period_axis(figure, x_values, row=position // PANEL_COLUMNS + 1, col=position % PANEL_COLUMNS + 1)
    figure.update_yaxes(gridcolor=GRID_COLOUR, range=scaled_range(top, percent=percent), rangemode="tozero")
    # One axis title for the shared axis, beside the middle row, not one per row printed over each other.
    figure.update_yaxes(title_text=_wrapped(y_title, height / rows * 0.9, 13), row=(rows + 1) // 2, col=1)
    table = long_frame.round(1) if percent else whole_numbers(long_frame.round(1))
    return Chart(figure, title, subtitle, source, alt, table.reset_index(drop=True))


def grouped_bars_chart(wide: pd.DataFrame, *, group: str, value_title: str, title: str, subtitle: str,
                       source: str, percent: bool = False) -> Chart:
    """Horizontal bars for each row of WIDE, one bar per column, in palette order, with a legend."""
    suffix = "%" if percent else ""
    figure = go.Figure()
    columns = [str(c) for c in wide.columns]
    labels = axis_labels(wide.index)
    for position, column in enumerate(wide.columns[::-1]):
        colour = PALETTE[(len(columns) - 1 - position) % len(PALETTE)]
        figure.add_trace(go.Bar(y=labels, x=wide[column], orientation="h", name=plotly_text(column, LABEL_MAX),
                                marker={"color": colour}, cliponaxis=False,
                                hovertemplate=f"%{{y}}, {plotly_text(column, LABEL_MAX)}: %{{x:,.1f}}{suffix}"
                                              "<extra></extra>"))
    top = float(wide.max().max()) if wide.notna().any().any() else 0.0
    _base_layout(figure, y_title="", height=max(300, 22 * len(wide) * max(1, len(columns)) + 120))
    figure.update_layout(barmode="group", showlegend=True, hovermode="closest",
                         legend={"traceorder": "reversed", "orientation": "h", "y": -0.15},
                         margin={"l": 20, "r": 40, "t": 20, "b": 80})
    figure.update_xaxes(title_text=value_title, showgrid=True, gridcolor=GRID_COLOUR,
                        range=scaled_range(top, percent=percent))
    figure.update_yaxes(automargin=True, title_text="", autorange="reversed")
    table = wide.reset_index().rename(columns={"index": group})
    table.columns = [str(c) for c in table.columns]
    listed = "; ".join(f"{g}: " + ", ".join(f"{c} {v:,.1f}{suffix}" for c, v in zip(columns, row) if pd.notna(v))
                       for g, row in zip(wide.index, wide.to_numpy()))
    alt = f"Bar chart of {value_title} by {group} and {', '.join(columns)}. {listed}."
    return Chart(figure, title, subtitle, source, alt, table)
