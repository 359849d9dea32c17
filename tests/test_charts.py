"""Chart builders follow the Analysis Function guidance: message title, alt text, palette, no colour alone."""

import pandas as pd

from gse_dashboard.charts import builders, style
from gse_dashboard.strategy import metrics

TRAJECTORY = pd.DataFrame({
    "date": ["2016-12-31", "2017-09-30", "2018-09-30", "2019-03-31"],
    "planned": [0.0, 50.0, 100.0, 100.0],
    "actual": [0.0, 25.0, 75.0, None],
    "weighted": [10.0, 40.0, 80.0, None],
})


def test_trajectory_chart_states_its_message_and_describes_itself():
    """The title says how far behind plan delivery is, and the alt text gives the figures."""
    chart = builders.trajectory_chart(TRAJECTORY, "Mentoring", "2018-10-01", "test source")
    assert chart.title == "Mentoring: 75% of commitments complete against 100% planned, 25 points behind plan"
    assert "75%" in chart.alt_text and "80%" in chart.alt_text and "Mentoring" in chart.subtitle
    assert chart.table.shape == (4, 4)


def test_trajectory_series_use_the_palette_and_differ_by_more_than_colour():
    """Each series has a palette colour and its own dash and marker, and is labelled directly."""
    figure = builders.trajectory_chart(TRAJECTORY, "Mentoring", "2018-10-01", "s").figure
    colours = {trace.line.color for trace in figure.data}
    assert colours <= set(style.PALETTE)
    assert len({trace.line.dash for trace in figure.data}) == len(figure.data) == 3
    assert len({trace.marker.symbol for trace in figure.data}) == 3
    labels = {a.text for a in figure.layout.annotations}
    assert {"<b>Planned (due)</b>", "<b>Actual (complete)</b>"} <= labels
    assert figure.layout.showlegend is False
    assert style.PLOTLY_CONFIG["displayModeBar"] is False


def test_delivery_chart_names_the_workstream_furthest_behind():
    """With two workstreams behind plan, the title counts them and names the worst."""
    summary = pd.DataFrame({"number": [1, 2, 3], "name": ["One", "Two", "Three"],
                            "planned_share": [50.0, 80.0, 40.0], "actual_share": [50.0, 40.0, 30.0],
                            "overdue": [0, 3, 1]})
    chart = builders.workstream_delivery_chart(summary, "2018-01-01", "s")
    assert chart.title == "2 of 3 workstreams are behind plan; Two is furthest behind"
    assert {t.name: t.marker.color for t in chart.figure.data} == {
        "Planned (% due)": style.TWO_SERIES[1], "Actual (% complete)": style.TWO_SERIES[0]}
    assert chart.figure.data[0].marker.pattern.shape != chart.figure.data[1].marker.pattern.shape
    assert "Two: 40% complete against 80% due" in chart.alt_text


def test_indicator_chart_compares_with_the_target_due_by_then():
    """The title compares the latest value with the latest target due by that period."""
    series = pd.DataFrame({"period": ["2017-09-30", "2018-09-30"], "value": [120.0, 260.0]})
    target = pd.DataFrame({"period": ["2017-09-30", "2018-09-30", "2021-09-30"], "value": [100.0, 250.0, 500.0]})
    chart = builders.indicator_chart(series, target, name="GSE champions", unit="count", population="GSE",
                                   as_at="2018-10-17", source="s")
    assert chart.title == "GSE champions: 260 at 30 September 2018, above the target of 250 for 30 September 2018"
    assert chart.table.columns.tolist() == ["Period", "GSE champions", "Target"] and len(chart.table) == 3


def test_charts_cope_with_no_data():
    """An empty series gives a chart that says there is nothing yet, not an error."""
    empty = pd.DataFrame({"period": [], "value": []})
    chart = builders.indicator_chart(empty, empty, name="Mentoring pairs", unit="count", population="GSE",
                                   as_at="2016-10-01", source="s")
    assert chart.title == "Mentoring pairs: no figures recorded by 1 October 2016"
    traj = metrics.trajectory(pd.DataFrame({"ref": [], "due_date": []}),
                              pd.DataFrame({"ref": [], "as_of": [], "status": [], "percent_complete": []}),
                              ["2016-12-31"], "2016-12-31")
    assert "Nothing" not in builders.trajectory_chart(traj, "X", "2016-12-31", "s").title


def test_static_figure_carries_title_subtitle_and_source():
    """The export version of a chart has its message title and its source drawn in."""
    chart = builders.trajectory_chart(TRAJECTORY, "Mentoring", "2018-10-01", "GSE team records")
    figure = style.with_titles(chart)
    assert chart.title in figure.layout.title.text
    assert any(a.text == "Source: GSE team records" for a in figure.layout.annotations)
    assert chart.figure.layout.title.text is None  # the on-screen figure is unchanged


def test_one_shared_figure_drawn_by_many_sessions_at_once_keeps_every_trace_whole():
    """style.as_shown copies a figure that every session shares (ui/loaders.built_once) without changing it:
    eight threads copying one bar-and-line figure at once each get a bar and a line, with its numbers rounded
    (plotly's own copy takes each trace's type out of the figure while it copies, and a bar came out a line)."""
    import threading

    import plotly.graph_objects as go

    shared = go.Figure([go.Bar(x=[f"Profession {i}" for i in range(30)], y=[i * 1.23456 for i in range(30)],
                               text=[str(i) for i in range(30)], textposition="outside"),
                        go.Scatter(x=[0, 1], y=[1.05, 2.0], mode="lines")])
    failures, shown = [], []

    def draw() -> None:
        for _ in range(100):
            try:
                figure = style.as_shown(shared)
                shown.append(([t.type for t in figure.data], list(figure.data[0].y[:3])))
            except ValueError as error:
                failures.append(str(error)[:120])

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(shown) == 800 and all(entry == (["bar", "scatter"], [0.0, 1.2, 2.5]) for entry in shown)
    assert [t.type for t in shared.data] == ["bar", "scatter"] and shared.data[0].y[1] == 1.23456
