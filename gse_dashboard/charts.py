"""DataFrame in, chart out: the Analysis Function's palette, message titles and alt text.

Each builder returns a `Chart`: the plotly figure plus the words that must travel with it
(a title that states the message, a subtitle with measure, population and period, the
source, alt text) and the data as a plain table. Series differ by line style and marker as
well as colour, and are labelled directly, so nothing is told by colour alone.
"""

from __future__ import annotations

import copy
import html
import math
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# plotly's JSON encoder looks PIL.Image up in sys.modules without taking the import lock, so the
# first charts drawn by several sessions at once could see it half imported and fail. Importing
# it with this module, before any figure is built, closes that race (found by the load test).
import PIL.Image  # noqa: F401
import plotly.graph_objects as go

from .tables import format_date, whole_numbers

# Government Analysis Function accessible categorical palette, in order.
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
# For exactly two series the guidance pairs dark blue with orange.
TWO_SERIES = ("#12436D", "#F46A25")
TEXT_COLOUR = "#0B0C0C"
GRID_COLOUR = "#D9D9D9"
FONT = "Arial, Helvetica, sans-serif"
# Plotly's mode bar adds unlabelled icon buttons; the guidance and WCAG both favour hiding it.
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True}
# The smallest text any chart draws, in CSS pixels. Documents draw charts at their printed size
# (96 px to the inch), so 12 px prints at 9 pt, the least a printed chart should use.
MIN_FONT_PX = 12
# An average character of Arial is about this share of its size wide (bold a little more).
CHAR_WIDTH = 0.52
# Line-end labels closer than this (times their font size) are moved apart so none overlaps another.
LABEL_GAP = 1.25
# WCAG 2.2 AA: text needs 4.5:1 against its background (1.4.3), lines and bars 3:1 (1.4.11).
TEXT_CONTRAST = 4.5
GRAPHIC_CONTRAST = 3.0


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two #RRGGBB colours, from 1 (same) to 21 (black on white)."""
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# Plotly reads a small set of HTML tags in any text it draws; names longer than this would push
# the plot off the chart. Both come from data, so they are escaped and shortened (the table
# beside each chart has the full text).
LABEL_MAX = 60


def plotly_text(text: object, limit: int | None = None) -> str:
    """TEXT as Plotly draws it literally: tags and entities escaped, cut to LIMIT characters with '…'."""
    text = str(text)
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "…"
    return html.escape(text, quote=False)


def axis_labels(values) -> list[str]:
    """Category labels for an axis: plotly_text, shortened, and kept distinct so no two groups merge."""
    labels, seen = [], set()
    for value in values:
        label, number = plotly_text(value, LABEL_MAX), 1
        while label in seen:
            number += 1
            label = f"{plotly_text(value, LABEL_MAX - 4)} ({number})"
        seen.add(label)
        labels.append(label)
    return labels


def label_colour(colour: str, background: str = "#FFFFFF") -> str:
    """COLOUR darkened just enough to be read as text on BACKGROUND (4.5:1), keeping its hue.

    The palette's orange, teal and lilac reach 3:1 on white, enough for a line or a bar but not
    for a label in the same colour; the label keeps the series' hue in a darker shade.
    """
    red, green, blue = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    for step in range(101):
        keep = 1 - step / 100
        shade = f"#{round(red * keep):02X}{round(green * keep):02X}{round(blue * keep):02X}"
        if contrast_ratio(shade, background) >= TEXT_CONTRAST:
            return shade
    return TEXT_COLOUR


@dataclass
class Chart:
    """A figure and everything a reader needs alongside it."""

    figure: go.Figure
    title: str
    subtitle: str
    source: str
    alt_text: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Said plainly beside the chart when the data is too thin to read as a chart.
    note: str = ""


def _percent(value: float | None) -> str:
    return "no data" if value is None or pd.isna(value) else f"{value:.0f}%"


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
    figure.update_yaxes(title_text=y_title, gridcolor=GRID_COLOUR, zeroline=True,
                        zerolinecolor=TEXT_COLOUR, range=y_range, rangemode="tozero")


def _label_line_end(figure: go.Figure, x, y, text: str, colour: str) -> None:
    """Label a series at its last point, as the guidance prefers to a legend."""
    figure.add_annotation(x=x, y=y, text=f"<b>{plotly_text(text, LABEL_MAX)}</b>", showarrow=False, xanchor="left",
                          xshift=8, font={"color": label_colour(colour), "size": 13})


def label_margin(labels: list[str], size: int = 14) -> int:
    """A left margin wide enough for LABELS on a category axis at SIZE px, set rather than automatic,
    so a static image knows where the plot starts (its source line starts there too)."""
    longest = max((len(html.unescape(str(label))) for label in labels), default=0)
    return int(longest * size * CHAR_WIDTH) + 24


def plot_height_px(figure: go.Figure) -> float:
    """The height of the plotting area in pixels: the figure's height less its top and bottom margins."""
    margin = figure.layout.margin
    return float((figure.layout.height or 450) - (margin.t or 0) - (margin.b or 0))


def spread_positions(values: list[float], gap: float, low: float, high: float) -> list[float]:
    """VALUES moved apart as little as possible so each is at least GAP from the next, within LOW..HIGH.

    Pure: the order of VALUES is kept in the result; used to keep line-end labels from overlapping.
    """
    order = sorted(range(len(values)), key=lambda i: values[i])
    placed = [float(values[i]) for i in order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    overflow = placed[-1] - high if placed else 0.0
    if overflow > 0:  # pushed off the top: slide the crowded run down, never below LOW
        placed[-1] -= overflow
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
        shift = low - placed[0]
        if shift > 0:
            placed = [p + shift for p in placed]
    result = [0.0] * len(values)
    for i, value in zip(order, placed):
        result[i] = value
    return result


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


def _data_range(figure: go.Figure, *, floor_zero: bool, padding: float = 0.08) -> list[float]:
    """A y range that fits the traces' values with a little room, from zero if FLOOR_ZERO."""
    values = [float(v) for trace in figure.data for v in (() if trace.y is None else list(trace.y))
              if v is not None and not pd.isna(v)]
    if not values:
        return [0.0, 1.0]
    low, high = min(values), max(values)
    room = max((high - low) * padding, abs(high) * 0.02, 1.0)
    bottom = 0.0 if floor_zero or low - room < 0 else low - room
    return [bottom, high + room]


def trajectory_chart(trajectory: pd.DataFrame, scope: str, as_at: str, source: str) -> Chart:
    """Planned against actual share of commitments complete over time, for SCOPE.

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
        _label_line_end(figure, data["date"].iloc[-1], data[column].iloc[-1], name, colour)
    _base_layout(figure, y_title="% of commitments", y_range=[0, 105])
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
    return Chart(figure, title, subtitle, source, alt, table)


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
    return Chart(figure, title, subtitle, source, alt, table)


def indicator_chart(series: pd.DataFrame, target: pd.DataFrame, *, name: str, unit: str,
                    population: str, as_at: str, source: str) -> Chart:
    """One indicator over time against its target trajectory (if any).

    A target made up for the demonstration (TARGET's illustrative column) is called an illustrative
    target wherever the chart names it.
    """
    figure = go.Figure()
    illustrative_target = "illustrative" in target and bool(target["illustrative"].astype(bool).any())
    target_words = "illustrative target" if illustrative_target else "target"
    target_label = "Target (illustrative)" if illustrative_target else "Target"
    suffix = "%" if unit == "percent" else ""
    latest = series.iloc[-1] if not series.empty else None
    if latest is None:
        title = f"{name}: no figures recorded by {format_date(as_at)}"
    else:
        title = f"{name}: {latest['value']:,.0f}{suffix} at {format_date(latest['period'])}"
        due = target[target["period"] <= latest["period"]] if not target.empty else target
        if not due.empty:
            aim = due.iloc[-1]
            word = "above" if latest["value"] > aim["value"] else "below" if latest["value"] < aim["value"] else "at"
            title += f", {word} the {target_words} of {aim['value']:,.0f}{suffix} for {format_date(aim['period'])}"
    if not series.empty:
        figure.add_trace(go.Scatter(
            x=series["period"], y=series["value"], name="Actual", mode="lines+markers",
            line={"color": TWO_SERIES[0], "width": 3}, marker={"symbol": "circle", "size": 7},
            hovertemplate=f"Actual: %{{y:,.1f}}{suffix}<extra></extra>",
        ))
        _label_line_end(figure, series["period"].iloc[-1], series["value"].iloc[-1], "Actual", TWO_SERIES[0])
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
    periods = pd.concat([series.get("period", pd.Series(dtype=str)), target.get("period", pd.Series(dtype=str))])
    span = f"{format_date(periods.min())} to {format_date(periods.max())}" if not periods.empty else "no period"
    subtitle = f"{name}, {population}, {span}, as known at {format_date(as_at)}"
    if latest is None:
        alt = f"Chart of {name}: no figures recorded by {format_date(as_at)}."
    else:
        first = series.iloc[0]
        alt = (f"Line chart of {name} for {population}: {first['value']:,.0f}{suffix} at "
               f"{format_date(first['period'])}, {latest['value']:,.0f}{suffix} at {format_date(latest['period'])}"
               + (f"; {target_words} line from {target['value'].iloc[0]:,.0f}{suffix} to "
                  f"{target['value'].iloc[-1]:,.0f}{suffix} by {format_date(target['period'].iloc[-1])}."
                  if not target.empty else "."))
    note = ""
    if series.empty:
        note = f"No figures for {name.lower()} ({population}) have been recorded by {format_date(as_at)}."
    elif len(series) == 1:
        note = (f"Only one figure for {name.lower()} has been recorded so far ({format_date(latest['period'])}), "
                "so there is no trend to show yet.")
    table = series[["period", "value"]].rename(columns={"period": "Period", "value": name})
    if not target.empty:
        table = table.merge(target[["period", "value"]].rename(columns={"period": "Period", "value": target_label}),
                            on="Period", how="outer").sort_values("Period")
    return Chart(figure, title, subtitle, source, alt, table.reset_index(drop=True), note)


# Title, subtitle and source sizes in static images (px), and the room a line of each takes.
TITLE_PX, SUBTITLE_PX, SOURCE_PX = 17, 13, MIN_FONT_PX


def wrap_px(text: str, width_px: float, size_px: float, *, bold: bool = False) -> list[str]:
    """TEXT broken into lines that fit WIDTH_PX at SIZE_PX, at word boundaries."""
    per_line = max(20, int(width_px / (size_px * (CHAR_WIDTH + (0.06 if bold else 0)))))
    return textwrap.wrap(str(text), per_line) or [""]


def with_titles(chart: Chart, width: int = 1000) -> go.Figure:
    """A copy of the figure with title, subtitle and source drawn in, for static images.

    Long titles wrap to the image's WIDTH rather than running off it; the margins grow to fit,
    so the plot keeps its height.
    """
    figure = copy.deepcopy(chart.figure)
    usable = width - 20
    title = wrap_px(chart.title, usable, TITLE_PX, bold=True)
    subtitle = wrap_px(chart.subtitle, usable, SUBTITLE_PX)
    source = wrap_px(f"Source: {chart.source}", usable, SOURCE_PX)
    top = 24 + len(title) * TITLE_PX * 1.3 + len(subtitle) * SUBTITLE_PX * 1.35
    bottom = 62 + len(source) * SOURCE_PX * 1.35
    figure.update_layout(
        width=width,
        title={"text": "<br>".join(f"<b>{plotly_text(line)}</b>" for line in title) + "<br>"
                       + "<br>".join(f"<span style='font-size:{SUBTITLE_PX}px'>{plotly_text(line)}</span>"
                                     for line in subtitle),
               "x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 12},
               "font": {"size": TITLE_PX}},
        margin={"t": round(top), "b": round(bottom)},
    )
    # Placed in pixels below the plot, so a tall chart's source is not pushed off the image; shifted
    # left by the plot's margin so it starts at the image's edge, where the title does.
    figure.add_annotation(text="<br>".join(plotly_text(line) for line in source), xref="paper", yref="paper",
                          x=0, y=0, yanchor="top", yshift=-56, xshift=10 - (figure.layout.margin.l or 0),
                          showarrow=False, xanchor="left", align="left", font={"size": SOURCE_PX})
    return figure


def title_room(figure: go.Figure, chart: Chart) -> int:
    """How much taller with_titles made FIGURE than CHART's own figure, in pixels (its margins grew)."""
    before, after = chart.figure.layout.margin, figure.layout.margin
    return int((after.t - (before.t or 0)) + (after.b - (before.b or 0)))


def smallest_font_px(figure: go.Figure) -> float:
    """The smallest text FIGURE draws, in px: layout, axes, legend, annotations and trace labels."""
    base = figure.layout.font.size or 12
    sizes = [base]
    for axis in (figure.layout.xaxis, figure.layout.yaxis):
        sizes.append(axis.tickfont.size or base)
        sizes.append(axis.title.font.size or base)
    sizes.append(figure.layout.legend.font.size or base)
    sizes += [a.font.size or base for a in figure.layout.annotations]
    for trace in figure.data:
        if getattr(trace, "text", None) is not None and hasattr(trace, "textfont"):
            sizes.append(trace.textfont.size or base)
    return float(min(sizes))


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
    y_range = _data_range(figure, floor_zero=not percent)
    _base_layout(figure, y_title=y_title, y_range=y_range)
    figure.update_yaxes(rangemode="normal")
    _spread_line_labels(figure, *y_range)
    table = frame[[x, *[c for c, _ in series]]].rename(columns={x: x.capitalize(), **dict(series)}).round(1)
    table = table if percent else whole_numbers(table)  # a count reads '403', not '403.0'
    return Chart(figure, title, subtitle, source, alt_text, table.reset_index(drop=True))


def benchmark_chart(gaps: pd.DataFrame, trend: dict, *, name: str, as_at: str, source: str) -> Chart:
    """One diversity characteristic: the GSE profession against the Civil Service over time."""
    latest = trend["latest"]
    if latest is None:
        title = f"{name}: no comparison with the Civil Service recorded by {format_date(as_at)}"
        alt = f"Chart of {name}: no figures for both populations by {format_date(as_at)}."
    else:
        words = {"closing": "the gap is closing", "widening": "the gap is widening",
                 "unchanged": "the gap is unchanged", "no comparison": "one year only so far"}
        title = (f"{name}: {latest['gse']:.1f}% of GSE members against {latest['civil_service']:.1f}% "
                 f"in the Civil Service in {latest['period'][:4]}; {words[trend['direction']]}")
        first = trend["first"]
        alt = (f"Line chart of {name}, GSE profession against the Civil Service, {first['period'][:4]} to "
               f"{latest['period'][:4]}. The gap went from {first['gap']:+.1f} to {latest['gap']:+.1f} "
               f"percentage points.")
    frame = gaps.rename(columns={"period": "period"})
    chart = lines_chart(
        frame, x="period", series=[("gse", "GSE profession"), ("civil_service", "Civil Service")],
        title=title, subtitle=f"{name}, % of those who declared, GSE profession and Civil Service, "
                              f"as known at {format_date(as_at)}",
        source=source, alt_text=alt, y_title="% of those who declared", percent=True)
    if (chart.figure.layout.yaxis.range or [0])[0] > 0:
        chart.subtitle += " (the axis does not start at zero)"
    chart.table = gaps[["period", "gse", "civil_service", "gap"]].rename(columns={
        "period": "Period", "gse": "GSE profession (%)", "civil_service": "Civil Service (%)",
        "gap": "Gap (points)"}).round(1).reset_index(drop=True)
    return chart


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
    figure = make_subplots(rows=rows, cols=PANEL_COLUMNS, shared_xaxes=True, shared_yaxes=True,
                           subplot_titles=[plotly_text(c, 40) for c in columns],
                           vertical_spacing=min(0.12, 0.5 / rows), horizontal_spacing=0.04)
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
                         plot_bgcolor="white", height=max(320, 230 * rows + 60), showlegend=False,
                         margin={"l": 60, "r": 20, "t": 40, "b": 50}, hovermode="closest")
    figure.update_annotations(font={"size": 13, "color": TEXT_COLOUR})
    figure.update_xaxes(showgrid=False, linecolor=TEXT_COLOUR, ticks="outside", nticks=6, showticklabels=True)
    figure.update_yaxes(gridcolor=GRID_COLOUR, range=scaled_range(top, percent=percent), rangemode="tozero")
    figure.update_yaxes(title_text=y_title, col=1)
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


# Every figure on the dashboard is shown to at most one decimal place (shares); counts are whole.
SHOWN_DECIMALS = 1


def as_shown(figure: go.Figure, decimals: int = SHOWN_DECIMALS) -> go.Figure:
    """A copy of FIGURE whose numbers (x, y, customdata) carry no more precision than is displayed.

    The browser receives a chart's data whole: a share sent as 7.775306811630014% next to its
    declared count gives the numerator back exactly. Dates and labels are left as they are.
    """
    shown = go.Figure(figure)
    for trace in shown.data:
        for name in ("x", "y", "customdata"):
            values = getattr(trace, name, None)
            if values is None:
                continue
            setattr(trace, name, _rounded(values, decimals))
    return shown


def _rounded(values, decimals: int):
    array = np.asarray(values, dtype=object)
    flat = [round(float(v), decimals) if isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool) and not (isinstance(v, float | np.floating) and math.isnan(v)) else v for v in array.ravel()]
    return np.array(flat, dtype=object).reshape(array.shape).tolist()
