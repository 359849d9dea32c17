"""How every chart looks and reads: the Analysis Function's palette, fonts and legibility rules.

The rules the chart builders (`charts.py`, `people_charts.py`, Explore's figures) and the
documents share: colours and WCAG contrast, data text escaped and shortened for plotly,
line-end labels kept apart, margins and font sizes that stay legible in print, titles drawn
into static images, and numbers sent to the browser no more precise than they are shown.
`Chart` is what every builder returns: the figure with the words that travel with it.
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
    # Which of its figures are made up ("" when every figure is real): said at the chart, in its
    # table and in its download (vocabulary.illustrative_line), never for a chart of real figures.
    illustrative: str = ""


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


# Title, subtitle and source sizes in static images (px), and the room a line of each takes.
TITLE_PX, SUBTITLE_PX, SOURCE_PX = 17, 13, MIN_FONT_PX


def wrap_px(text: str, width_px: float, size_px: float, *, bold: bool = False) -> list[str]:
    """TEXT broken into lines that fit WIDTH_PX at SIZE_PX, at word boundaries."""
    per_line = max(20, int(width_px / (size_px * (CHAR_WIDTH + (0.06 if bold else 0)))))
    return textwrap.wrap(str(text), per_line) or [""]


def marking(chart: Chart) -> str:
    """Whether CHART's figures are real, in words drawn into its image: an image travels without its page."""
    if chart.illustrative:
        return f"ILLUSTRATIVE, NOT REAL FIGURES: {chart.illustrative}"
    return "Real figures"


def with_titles(chart: Chart, width: int = 1000, *, marked: bool = False) -> go.Figure:
    """A copy of the figure with title, subtitle and source drawn in, for static images.

    Long titles wrap to the image's WIDTH rather than running off it; the margins grow to fit,
    so the plot keeps its height. MARKED adds a line under the source saying whether the figures
    are real (`marking`), for an image that travels on its own (a slide).
    """
    figure = copy.deepcopy(chart.figure)
    usable = width - 20
    title = wrap_px(chart.title, usable, TITLE_PX, bold=True)
    subtitle = wrap_px(chart.subtitle, usable, SUBTITLE_PX)
    source = wrap_px(f"Source: {chart.source}", usable, SOURCE_PX)
    marks = wrap_px(marking(chart), usable, SOURCE_PX, bold=True) if marked else []
    top = 24 + len(title) * TITLE_PX * 1.3 + len(subtitle) * SUBTITLE_PX * 1.35
    if "xaxis2" in figure.layout and figure.layout.annotations:
        top += 36  # small multiples: the first row's panel titles sit above the plot, under the subtitle
    bottom = 62 + (len(source) + len(marks)) * SOURCE_PX * 1.35
    figure.update_layout(
        width=width,
        title={"text": "<br>".join(f"<b>{plotly_text(line)}</b>" for line in title) + "<br>"
                       + "<br>".join(f"<span style='font-size:{SUBTITLE_PX}px'>{plotly_text(line)}</span>"
                                     for line in subtitle),
               "x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 12, "l": 10},
               "font": {"size": TITLE_PX}},
        margin={"t": round(top), "b": round(bottom)},
    )
    # Placed in pixels below the plot, so a tall chart's source is not pushed off the image; shifted
    # left by the plot's margin so it starts at the image's edge, where the title does.
    lines = [plotly_text(line) for line in source] + [f"<b>{plotly_text(line)}</b>" for line in marks]
    figure.add_annotation(text="<br>".join(lines), xref="paper", yref="paper",
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


# Every figure on the dashboard is shown to at most one decimal place (shares); counts are whole.
SHOWN_DECIMALS = 1


def as_shown(figure: go.Figure, decimals: int = SHOWN_DECIMALS) -> go.Figure:
    """A copy of FIGURE whose numbers (x, y, customdata) carry no more precision than is displayed.

    The browser receives a chart's data whole: a share sent as 7.775306811630014% next to its
    declared count gives the numerator back exactly. Dates and labels are left as they are.

    FIGURE is only read: it may be one figure shared by every session (ui/loaders.built_once), and
    plotly's own copy (`go.Figure(figure)`) briefly takes each trace's type out of the figure it
    copies, so two sessions drawing it at once could each find a trace with no type. The copy is
    made from deep copies of its traces and layout instead.
    """
    shown = go.Figure(data=[trace.to_plotly_json() for trace in figure.data], layout=figure.layout.to_plotly_json())
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
