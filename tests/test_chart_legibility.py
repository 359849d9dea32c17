"""Every chart the dashboard draws shows every series, prints no label over another, and its text
prints at 9 pt or more in the Board pack, the PowerPoint and the brief."""

from __future__ import annotations

import io
import itertools
import re

import pandas as pd
import pytest
from docx import Document
from PIL import Image
from pptx import Presentation

from gse_dashboard import documents
from gse_dashboard.board import brief, pack
from gse_dashboard.charts import builders, style

AS_AT = "2019-10-16"
# The least a printed chart's text may be, in points.
MIN_CHART_PT = 9.0


def _transparent(colour) -> bool:
    """Whether a plotly colour draws nothing: missing, 'transparent' or an rgba with zero alpha."""
    if colour is None:
        return True
    text = str(colour).replace(" ", "").lower()
    if text in ("", "transparent", "rgba(0,0,0,0)"):
        return True
    found = re.fullmatch(r"rgba\([^)]*,([0-9.]+)\)", text)
    return bool(found) and float(found.group(1)) == 0


def invisible_traces(figure) -> list[str]:
    """The names of FIGURE's traces a reader cannot see, each with the reason."""
    problems = []
    for trace in figure.data:
        name = trace.name or trace.type
        if trace.visible is False:
            problems.append(f"{name}: hidden")
        elif trace.type == "bar":
            marker = trace.marker
            if marker.opacity is not None and marker.opacity == 0:
                problems.append(f"{name}: bar opacity 0")
            if _transparent(marker.color):
                problems.append(f"{name}: bar has no fill colour")
            pattern = marker.pattern
            if pattern.shape and pattern.fillmode != "overlay" and _transparent(pattern.bgcolor):
                problems.append(f"{name}: the pattern replaces the fill with a transparent background")
        elif trace.type == "scatter":
            mode = trace.mode or "lines+markers"
            line_seen = "lines" in mode and not _transparent(trace.line.color) and (trace.line.width or 2) > 0
            markers_seen = "markers" in mode and not _transparent(trace.marker.color or trace.line.color)
            if not (line_seen or markers_seen):
                problems.append(f"{name}: neither its line nor its markers are drawn")
        if figure.layout.showlegend and trace.showlegend is not False and trace.type == "bar" \
                and _transparent(trace.marker.color):
            problems.append(f"{name}: its legend swatch is empty")
    return problems


def overlapping_labels(figure) -> list[tuple[str, str]]:
    """Pairs of direct labels that print over each other, from their positions in pixels.

    Line-end labels (annotations on the data): two closer vertically than their font's height.
    Bar labels: a bar thinner than its label's font, so labels of neighbouring bars collide.
    """
    pairs = []
    labels = [a for a in figure.layout.annotations if a.xref in (None, "x") and a.yref in (None, "y")]
    if len(labels) > 1:
        low, high = figure.layout.yaxis.range
        per_px = (high - low) / style.plot_height_px(figure)
        for first, second in itertools.combinations(labels, 2):
            apart_px = abs(float(first.y) - float(second.y)) / per_px
            if apart_px < max(first.font.size or 14, second.font.size or 14):
                pairs.append((first.text, second.text))
    bars = [t for t in figure.data if t.type == "bar" and t.text is not None]
    if bars:
        categories = max(len(t.y if t.orientation == "h" else t.x) for t in bars)
        per_bar = style.plot_height_px(figure) / (
            categories * (len(bars) if figure.layout.barmode == "group" else 1))
        for trace in bars:
            size = trace.textfont.size or figure.layout.font.size or 14
            if trace.orientation == "h" and per_bar * 0.8 < size * 0.9:
                pairs.append((trace.name, f"bars {per_bar:.0f} px thick for {size} px labels"))
    return pairs


@pytest.fixture(scope="module")
def pack_charts(built_db_file) -> list[style.Chart]:
    """Every chart in the Board pack and the brief for the October 2019 Board."""
    snap = pack.read_snapshot(built_db_file, AS_AT, 10)
    sections = pack.board_sections(snap) + brief.brief_sections(snap)
    return [figure.chart for figure in documents.figures_of(sections)]


def _other_charts() -> list[style.Chart]:
    """Charts the pages draw that the pack does not: breakdowns, joiners and leavers, close lines."""
    frame = pd.DataFrame({"department": ["Home Office", "Met Office", "DfT"], "members": [40.0, 400.0, 120.0]})
    lines = pd.DataFrame({"period": ["2017-03-31", "2018-03-31"], "joiners": [120.0, 121.0], "leavers": [119.0, 120.5]})
    gaps = pd.DataFrame({"period": ["2016-03-31", "2017-03-31", "2018-03-31"], "gse": [2.1, 2.2, 2.2],
                         "civil_service": [2.6, 2.8, 2.9], "gap": [-0.5, -0.6, -0.7]})
    trend = {"latest": {"gse": 2.2, "civil_service": 2.9, "period": "2018-03-31", "gap": -0.7},
             "first": {"gse": 2.1, "civil_service": 2.6, "period": "2016-03-31", "gap": -0.5},
             "direction": "widening"}
    trajectory = pd.DataFrame({"date": ["2017-03-31", "2018-03-31"], "planned": [50.0, 90.0],
                               "actual": [40.0, 88.0], "weighted": [45.0, 89.0]})
    return [
        builders.breakdown_chart(frame, group="department", value="members", hidden=pd.Series([False, False, False]),
                               title="t", subtitle="s", source="src", value_title="Members"),
        builders.lines_chart(lines, x="period", series=[("joiners", "Joined"), ("leavers", "Left")], title="t",
                           subtitle="s", source="src", alt_text="a", y_title="Members per quarter"),
        builders.benchmark_chart(gaps, trend, name="LGBO", as_at=AS_AT, source="src"),
        builders.trajectory_chart(trajectory, "Close lines", "2018-03-31", "src"),
    ]


def test_every_trace_of_every_chart_is_visible(pack_charts):
    """Every series of every chart has a visible fill or line, and a bar's legend swatch is not empty."""
    for chart in pack_charts + _other_charts():
        assert invisible_traces(chart.figure) == [], chart.title


def test_the_planned_bars_are_filled_outlined_and_patterned():
    """The delivery chart's planned bars are solid orange with an outline and a hatch drawn over the fill."""
    summary = pd.DataFrame({"number": [1], "name": ["One"], "planned_share": [80.0], "actual_share": [50.0],
                            "overdue": [1]})
    planned = builders.workstream_delivery_chart(summary, AS_AT, "s").figure.data[0]
    assert planned.name == "Planned (% due)" and planned.marker.color == style.TWO_SERIES[1]
    assert planned.marker.pattern.fillmode == "overlay" and planned.marker.line.width > 0


def test_a_transparent_bar_is_caught():
    """The visibility check fails a bar whose pattern leaves it transparent, as the planned bars once were."""
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(x=[1], y=["a"], name="Planned", marker={"color": "rgba(0,0,0,0)",
                                                                      "pattern": {"shape": "/"}}))
    figure.update_layout(showlegend=True)
    assert invisible_traces(figure)


def test_no_direct_label_overlaps_another(pack_charts):
    """No two line-end labels, and no two bar labels, of any chart print over each other."""
    for chart in pack_charts + _other_charts():
        assert overlapping_labels(chart.figure) == [], chart.title


def test_labels_of_lines_ending_close_together_are_moved_apart():
    """Two series ending 0.7 points apart get labels a line apart, and the axis is scaled to the data."""
    chart = _other_charts()[2]
    low, high = chart.figure.layout.yaxis.range
    assert low > 1 and high < 4  # not 0 to 100, which would draw 2.2% and 2.9% as one line
    ys = sorted(float(a.y) for a in chart.figure.layout.annotations if a.xref in (None, "x"))
    assert (ys[1] - ys[0]) / ((high - low) / style.plot_height_px(chart.figure)) >= 13


def test_spread_positions_keeps_order_and_gap():
    """Positions closer than the gap move apart, keep their order and stay within bounds."""
    assert style.spread_positions([5.0, 5.2, 90.0], 3.0, 0.0, 100.0) == [5.0, 8.0, 90.0]
    moved = style.spread_positions([99.0, 98.0], 3.0, 0.0, 100.0)
    assert moved[0] - moved[1] == pytest.approx(3.0) and max(moved) <= 100.0


def test_departments_are_sorted_by_value_grades_keep_their_order():
    """A department breakdown lists the largest first; grades stay in seniority order."""
    chart = _other_charts()[0]
    assert list(chart.figure.data[0].y)[::-1] == ["Met Office", "DfT", "Home Office"]
    grades = pd.DataFrame({"grade": ["EO", "SCS", "HEO"], "members": [10.0, 50.0, 30.0]})
    ordered = builders.breakdown_chart(grades, group="grade", value="members", hidden=pd.Series([False] * 3),
                                     title="t", subtitle="s", source="s", value_title="Members")
    assert list(ordered.figure.data[0].y)[::-1] == ["EO", "SCS", "HEO"]


@pytest.mark.slow
def test_every_chart_sets_no_text_below_the_smallest_size(pack_charts):
    """No chart sets text below MIN_FONT_PX, which prints at 9 pt when drawn at its printed size."""
    for chart in pack_charts + _other_charts():
        static = documents.images.static_figure(chart, 672, 700)
        assert style.smallest_font_px(static) >= style.MIN_FONT_PX, chart.title


def _printed_pt(png: bytes, placed_pt: float) -> float:
    """The printed size of the smallest chart text in a picture PNG placed PLACED_PT points wide."""
    pixels = Image.open(io.BytesIO(png)).width / documents.CHART_SCALE
    return style.MIN_FONT_PX * placed_pt / pixels


@pytest.mark.slow
def test_chart_text_prints_at_9_pt_or_more_in_every_document(built_db_file, tmp_path):
    """Measured from the files: every chart picture is placed so its smallest text is at least 9 pt."""
    import shutil
    import subprocess

    pdf = pack.board_pack(built_db_file, AS_AT, "pdf", threshold=10)
    (tmp_path / "p.pdf").write_bytes(pdf)
    listing = subprocess.run([shutil.which("pdfimages") or "/usr/bin/pdfimages", "-list", str(tmp_path / "p.pdf")],
                             capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    ppis = [float(line.split()[12]) for line in listing if line.split()[2] == "image"]
    smallest = min(style.MIN_FONT_PX * 72 * documents.CHART_SCALE / ppi for ppi in ppis) if ppis else 0
    assert ppis and smallest >= MIN_CHART_PT - 0.1
    slides = Presentation(io.BytesIO(pack.board_pack(built_db_file, AS_AT, "pptx", threshold=10)))
    pictures = [s for slide in slides.slides for s in slide.shapes if s.shape_type == 13]
    assert pictures and min(_printed_pt(p.image.blob, p.width / 12700) for p in pictures) >= MIN_CHART_PT - 0.1
    word = Document(io.BytesIO(pack.gcsa_brief(built_db_file, AS_AT, threshold=10)))
    for shape in word.inline_shapes:
        blob = word.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob  # noqa: SLF001
        assert _printed_pt(blob, shape.width / 12700) >= MIN_CHART_PT - 0.1


# -- the packs for two Boards: October 2019 (one year of diversity figures) and the latest --------------

BOARDS = ("2019-10-16", "2026-10-21")
# The least height of a chart's plotting area in the PDF, in inches.
MIN_PLOT_IN = 2.0


@pytest.fixture(scope="module")
def board_figures(built_db_file) -> dict[str, list[documents.Figure]]:
    """Every chart of the PDF pack for each Board in BOARDS, sized for the PDF as the pack sizes them."""
    found = {}
    for board in BOARDS:
        sections = pack.board_sections(pack.read_snapshot(built_db_file, None, 10, board=board))
        documents.size_figures(sections, "pdf")
        found[board] = documents.figures_of(sections)
    return found


def test_no_chart_of_one_or_two_dates_has_a_time_axis(board_figures):
    """A chart whose series cover one or two dates has those dates as labelled categories (a year or month), never
    a time axis spread over milliseconds."""
    few = 0
    for figures in board_figures.values():
        for figure in figures:
            chart = figure.chart.figure
            dates = {str(x)[:10] for trace in chart.data if trace.x is not None for x in trace.x}
            if len(dates) <= 2 and all(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dates):
                few += 1
                assert chart.layout.xaxis.type == "category", figure.chart.title
                assert all(re.fullmatch(r"(\w{3} )?\d{4}", str(t)) for t in chart.layout.xaxis.ticktext)
    chart = builders.indicator_chart(pd.DataFrame({"period": ["2015-03-31"], "value": [5.0]}),
                                     pd.DataFrame(columns=["period", "value"]), name="X", unit="count",
                                     population="all", as_at=AS_AT, source="s").figure
    assert chart.layout.xaxis.type == "category" and list(chart.layout.xaxis.ticktext) == ["2015"]


def test_no_one_year_diversity_chart_is_drawn(board_figures):
    """In October 2019 only 2015 is published: its shares are a table, not five single-point charts."""
    titles = [f.chart.title for f in board_figures["2019-10-16"]]
    assert not [t for t in titles if "in the Civil Service in" in t]
    assert [t for t in (f.chart.title for f in board_figures["2026-10-21"]) if "in the Civil Service in" in t]


def test_every_pdf_chart_has_a_plot_area_at_least_two_inches_tall(board_figures):
    """Drawn at its printed size, no chart's plotting area is under two inches tall and its text is 9 pt or more."""
    for figures in board_figures.values():
        for figure in figures:
            static = documents.images.static_figure(figure.chart, figure.width_px, figure.max_height_px)
            assert style.plot_height_px(static) >= MIN_PLOT_IN * documents.PX_PER_INCH, figure.chart.title
            assert style.smallest_font_px(static) >= style.MIN_FONT_PX, figure.chart.title


def test_trajectory_labels_sit_beyond_the_lines(board_figures):
    """Each delivery chart's direct labels sit at the axis's end, beyond every line, so none prints over a line."""
    for figures in board_figures.values():
        for figure in figures:
            chart = figure.chart.figure
            if not figure.chart.title.count("of commitments complete against"):
                continue
            end = max(str(x)[:10] for trace in chart.data for x in trace.x)
            labels = [a for a in chart.layout.annotations if a.xref in (None, "x")]
            assert labels and all(str(a.x)[:10] == end and a.xanchor == "left" for a in labels), figure.chart.title
