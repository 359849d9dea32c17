"""Every figure says truly what it is: names of measures, illustrative marks at the figure, targets past their date."""

from __future__ import annotations

import pandas as pd

from gse_dashboard import explore
from gse_dashboard.charts import builders
from gse_dashboard.strategy import vocabulary

AS_AT_2026 = "2026-06-30"


def _series(rows, illustrative=None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "value"])
    frame["qualifier"] = ""
    frame["illustrative"] = illustrative if illustrative is not None else [0] * len(frame)
    return frame


def _target(rows, illustrative=1) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "value"])
    frame["illustrative"] = illustrative
    return frame


def test_a_target_whose_date_has_passed_is_reported_as_met_or_missed_at_its_date():
    """Item 9: in 2026, a target for 30 September 2021 is 'missed (value then)', never 'below the target of'."""
    series = _series([("2020-09-30", 13000), ("2021-09-30", 14100), ("2026-03-31", 16000)])
    target = _target([("2020-09-30", 13500), ("2021-09-30", 15000)])
    chart = builders.indicator_chart(series, target, name="Registered GSE members", unit="count",
                                     population="the whole profession", as_at=AS_AT_2026, source="x")
    assert "below the illustrative target" not in chart.title
    assert ("the illustrative target of 15,000 for 30 September 2021 was missed (14,100 at 30 September 2021)"
            in chart.title)
    met = builders.indicator_chart(_series([("2021-09-30", 15200), ("2026-03-31", 9000)]), target,
                                   name="Registered GSE members", unit="count", population="all",
                                   as_at=AS_AT_2026, source="x")
    assert "was met (15,200 at 30 September 2021)" in met.title


def test_a_target_still_ahead_is_compared_with_the_latest_figure():
    """Before its date a target is live: the latest figure is above or below it."""
    series = _series([("2019-09-30", 12000)])
    target = _target([("2019-09-30", 12500), ("2020-09-30", 13500)])
    chart = builders.indicator_chart(series, target, name="Registered GSE members", unit="count",
                                     population="all", as_at="2019-10-31", source="x")
    assert "below the illustrative target of 12,500 for 30 September 2019" in chart.title


def test_over_ten_thousand_is_never_shown_as_ten_thousand():
    """Item 8: the strategy's 'over 10,000' keeps its qualifier in the chart's title, table and description."""
    series = _series([("2016-09-30", 10000)])
    series["qualifier"] = ["more than"]
    chart = builders.indicator_chart(series, _target([]), name=vocabulary.MEMBERS_TITLE, unit="count",
                                     population="the whole profession", as_at="2016-10-31", source="x")
    assert "more than 10,000" in chart.title and "more than 10,000" in chart.alt_text
    assert chart.table["Qualifier"].tolist() == ["more than"]


def test_a_chart_with_made_up_figures_says_which_and_a_real_one_says_nothing():
    """Illustrative marking is per figure: the chart names its illustrative periods and its table has a column."""
    series = _series([("2016-09-30", 10000), ("2017-09-30", 11000)], illustrative=[0, 1])
    chart = builders.indicator_chart(series, _target([("2017-09-30", 11500)]), name="Registered GSE members",
                                     unit="count", population="all", as_at="2017-10-31", source="x")
    assert "30 September 2017" in chart.illustrative and "the target" in chart.illustrative
    assert chart.table[vocabulary.ILLUSTRATIVE_COLUMN].tolist() == ["No", "Yes"]
    real = builders.indicator_chart(series.iloc[:1], _target([]), name="Registered GSE members", unit="count",
                                    population="all", as_at="2017-10-31", source="x")
    assert real.illustrative == "" and vocabulary.ILLUSTRATIVE_COLUMN not in real.table


def test_the_diversity_series_is_named_as_posts_never_members():
    """Item 2: the 2015 → 2022 benchmark chart names civil servants in Science and Engineering posts."""
    gaps = pd.DataFrame({"period": ["2015-03-31", "2022-03-31"], "gse": [21.5, 31.3],
                         "civil_service": [53.9, 54.5], "gap": [-32.4, -23.2]})
    trend = {"latest": gaps.iloc[-1].to_dict(), "first": gaps.iloc[0].to_dict(), "direction": "closing"}
    chart = builders.benchmark_chart(gaps, trend, name="Women", as_at="2022-09-30", source="x")
    for text in (chart.title, chart.subtitle, chart.alt_text, " ".join(chart.table.columns)):
        assert not vocabulary.says_members(text), text
    assert "31.3% of civil servants in Science and Engineering posts" in chart.title


def test_explore_names_the_strategys_horizons_not_dates():
    """Item 3: Explore's source line says dates are indicative (the strategy gives horizons, not due dates)."""
    line = explore.COMMITMENTS_SOURCE_LINE
    assert "due dates from the GSE Strategy" not in line
    assert "indicative" in line and "horizons" in line


def test_marked_and_the_illustrative_line_say_which_figure():
    """The marking helper marks an illustrative figure and leaves a real one alone."""
    assert vocabulary.marked("14,658 registered GSE members", True) == "14,658 registered GSE members (illustrative)"
    assert vocabulary.marked("14,090 civil servants", False) == "14,090 civil servants"
    assert vocabulary.illustrative_line("the target").startswith("Illustrative: the target (made up")
    assert vocabulary.says_members("GSE members") and not vocabulary.says_members("civil servants in posts")
