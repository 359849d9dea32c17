"""Axes that read right: a period's own ticks (never milliseconds, never months between annual figures), a share
axis that stops at 100%, titles that wrap instead of being clipped, one title per shared axis in small multiples,
flows 'in the year to', and a mark where the source of a series changes."""

from __future__ import annotations

import pandas as pd

from gse_dashboard import explore
from gse_dashboard.charts import builders, people_charts
from gse_dashboard.views import screens

AS_AT = "2026-01-01"


def _lines(periods: list[str], values: list[float], *, percent: bool = False, y_title: str = "Members (number)"):
    frame = pd.DataFrame({"period": periods, "a": values})
    return builders.lines_chart(frame, x="period", series=[("a", "A")], title="t", subtitle="s", source="src",
                                alt_text="alt", y_title=y_title, percent=percent).figure


def test_one_period_has_its_own_tick_and_a_range_in_days():
    """A single period is one tick labelled with its date, on an axis a few months wide, not in milliseconds."""
    figure = _lines(["2015-03-31"], [21.5], percent=True)
    assert list(figure.layout.xaxis.tickvals) == ["2015-03-31"]
    low, high = (pd.Timestamp(v) for v in figure.layout.xaxis.range)
    assert pd.Timedelta(days=60) < high - low < pd.Timedelta(days=120)


def test_annual_figures_are_ticked_at_their_own_dates():
    """Two annual figures get two ticks, at 31 March of each year, not a monthly or quarterly axis."""
    figure = _lines(["2021-03-31", "2022-03-31"], [14090, 13945])
    assert list(figure.layout.xaxis.tickvals) == ["2021-03-31", "2022-03-31"]


def test_a_flat_share_of_100_is_not_drawn_on_98_to_102():
    """A declaration rate of 100% throughout is drawn on an axis that goes no further than about 100%."""
    low, high = _lines(["2021-03-31", "2022-03-31"], [100.0, 100.0], percent=True).layout.yaxis.range
    assert high < 101 and low <= 90


def test_a_long_axis_title_wraps_and_makes_room():
    """A y-axis title longer than the plot is tall wraps onto lines, with the margin grown to fit it."""
    title = "Civil servants in the profession's posts in the Annual Civil Service Employment Survey (number)"
    axis = _lines(["2021-03-31", "2022-03-31"], [1, 2], y_title=title).layout.yaxis
    assert "<br>" in axis.title.text and axis.automargin is True


def test_small_multiples_have_whole_panel_titles_and_one_axis_title():
    """Panels are titled with the whole name, wrapped (not cut with '…'), and the shared axis is titled once."""
    names = [f"Department for Energy Security, Business and Industrial Strategy {n}" for n in range(6)]
    wide = pd.DataFrame({name: [1.0 + n, 2.0 + n] for n, name in enumerate(names)}, index=["2021-03-31", "2022-03-31"])
    figure = builders.panel_lines_chart(wide, x_title="Period", y_title="Headcount (number)", title="t",
                                        subtitle="s", source="src").figure
    titles = [a.text for a in figure.layout.annotations]
    assert all("…" not in t for t in titles) and all("<br>" in t for t in titles)
    axis_titles = [getattr(figure.layout, name).title.text for name in figure.layout
                   if name.startswith("yaxis") and getattr(figure.layout, name).title.text]
    assert len(axis_titles) == 1


def test_flows_are_titled_in_the_year_to(built):
    """Entrants and leavers are flows: titled 'in the year to 2022-03-31', never 'at 2022-03-31'."""
    state = explore.from_query_params({"source": "acses_entrants", "by": "grade"})
    result = explore.answer(built.conn, state, 10)
    assert "in the year to 2022-03-31" in result.chart.title and " at 2022-03-31" not in result.chart.title
    assert "in the year to 2022-03-31" in result.chart.subtitle
    in_post = explore.answer(built.conn, explore.from_query_params({"source": "acses_in_post", "by": "grade"}), 10)
    assert "at 2022-03-31" in in_post.chart.title


def test_the_change_of_source_is_marked_on_the_diversity_chart(baseline_db_file):
    """Women since 2015: a dotted line between 2015 and 2021 says the strategy's figures give way to Civil Service
    Statistics, in the chart and in its note; the source line names the publisher's version once."""
    from gse_dashboard.storage import store
    database = store.connect(baseline_db_file, readonly=True)
    try:
        view = screens.diversity(database.conn, AS_AT, 10)
        chart = people_charts.characteristic(view, "women", "Women", AS_AT, 10).benchmark
    finally:
        database.close()
    marks = [a.text for a in chart.figure.layout.annotations if a.text.startswith("Source changes")]
    assert marks == ["Source changes: to 2015-03-31, the strategy's survey figures; from 2021-03-31, "
                     "Civil Service Statistics"]
    assert any(shape.line.dash == "dot" for shape in chart.figure.layout.shapes)
    assert "The source changes after 2015-03-31" in chart.note
    assert chart.source.count("Generated on") == 1
