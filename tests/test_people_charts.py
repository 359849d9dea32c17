"""Membership and Diversity charts and their message titles, built from the views without Streamlit."""

import pandas as pd
import pytest

from gse_dashboard.charts import people_charts
from gse_dashboard.storage import queries, store
from gse_dashboard.views import screens

AS_AT = "2019-10-16"


@pytest.fixture(scope="module")
def conn(built_db_file):
    """A read-only connection to the shared default database, for the whole module."""
    with store.reading(built_db_file) as connection:
        yield connection


def test_the_largest_group_that_can_be_shown_titles_a_breakdown():
    """The title names the largest shown group and its share of all members, hidden groups included."""
    frame = pd.DataFrame({"grade": ["SCS", "G6", "EO"], "members": [300, 600, 100]})
    hidden = pd.Series([False, True, False])
    title = people_charts.largest_group_title(frame, "grade", hidden, 1000)
    assert title == "SCS has the most registered GSE members: 300, 30% of the total"
    only = people_charts.largest_group_title(frame, "grade", hidden, None)
    assert only == "SCS has the most registered GSE members: 300"
    everything = pd.Series([True, True, True])
    assert people_charts.largest_group_title(frame, "grade", everything, 1000) == "Every grade is too small to show"


def test_joiners_and_leavers_title_sums_the_last_four_quarters():
    """The title adds the last four quarters only and calls the difference a gain or a loss."""
    periods = ["2019-03-31", "2019-06-30", "2019-09-30", "2019-12-31", "2020-03-31"]
    joiners = pd.DataFrame({"period": periods, "value": [1000, 10, 20, 30, 40]})
    leavers = pd.DataFrame({"period": periods, "value": [0, 25, 25, 25, 25]})
    assert people_charts.joiners_leavers_title(joiners, leavers) == (
        "Over the last four quarters 100 joined and 100 left: a net gain of 0")
    leavers["value"] = [0, 50, 50, 50, 50]
    assert people_charts.joiners_leavers_title(joiners, leavers).endswith("a net loss of 100")


def test_declaration_title_gives_the_latest_gse_rate_or_says_what_is_shown():
    """With GSE rates the title quotes the latest; without, it names the characteristic."""
    rates = pd.DataFrame({"period": ["2017-03-31", "2018-03-31"], "GSE": [71.4, None],
                          "Civil Service": [60.0, 62.0]})
    title = people_charts.declaration_title(rates, "Ethnicity")
    assert title == "71% of civil servants in Science and Engineering posts declared in 2017"
    assert people_charts.declaration_title(rates.drop(columns="GSE"), "Ethnicity") == "Declaration rates for ethnicity"


def test_small_counts_are_dropped_from_a_series_and_filters_read_as_words():
    """suppressed_series keeps values at or above the threshold; filter_phrase names only chosen filters."""
    series = pd.DataFrame({"period": ["a", "b", "c"], "value": [3, 10, 12]})
    assert people_charts.suppressed_series(series, 10)["value"].tolist() == [10, 12]
    assert people_charts.filter_phrase({"department": store.ALL, "grade": store.ALL}) == "the whole profession"
    assert people_charts.filter_phrase({"department": store.ALL, "grade": "SCS", "role_type": "Policy"}) == (
        "Grade: SCS; Role type: Policy")


def test_a_filtered_members_chart_never_draws_a_count_below_the_threshold(conn):
    """For one department's SCS, any quarter under the threshold is left out of the chart and its table."""
    threshold = 10
    departments = queries_departments(conn)
    shown_any = False
    for department in departments:
        view = screens.membership(conn, AS_AT, threshold, department=department, grade="SCS")
        if view.series.empty or (view.series["value"] >= threshold).all():
            continue
        chart = people_charts.members_chart(view, AS_AT, threshold)
        drawn = [v for trace in chart.figure.data for v in (trace.y if trace.y is not None else [])
                 if isinstance(v, int | float)]
        assert all(v >= threshold for v in drawn), (department, drawn)
        shown_any = True
    assert shown_any, "the illustrative data should have a department with a small SCS"


def test_a_breakdown_chart_shows_every_small_group_as_c_in_its_table(conn):
    """SCS members by department: every department under the threshold is [c] in the chart's table."""
    view = screens.membership(conn, AS_AT, 10, grade="SCS")
    chart = people_charts.breakdown_chart(view, "department")
    frame = view.breakdowns["department"]
    small = set(frame.loc[frame["members"] < 10, "department"])
    assert small, "SCS by department should have small groups"
    shown = dict(zip(chart.table["Department"], chart.table["Members"]))
    assert all(shown[d] == "[c]" for d in small)
    assert "has the most registered GSE members" in chart.title and not any(d in chart.title for d in small)


def test_a_characteristic_has_its_benchmark_declaration_rates_and_suppressed_tables(conn):
    """Each characteristic's charts carry message titles, and its breakdown tables are the suppressed ones."""
    view = screens.diversity(conn, AS_AT, 10)
    row = view.definitions.iloc[0]
    built = people_charts.characteristic(view, row["code"], row["name"], AS_AT, 10)
    assert built.benchmark.title and row["name"].split()[0].lower() in built.benchmark.title.lower()
    assert built.declaration is None or "declared" in built.declaration.title
    recorded = {by for by in ("grade", "department") if not view.breakdowns[(row["code"], by)].empty}
    assert set(built.tables) == recorded
    for by in recorded:
        assert len(built.tables[by]) >= len(view.breakdowns[(row["code"], by)])


def queries_departments(conn) -> list[str]:
    """Every department the membership figures use."""
    return queries.breakdown_values(conn)["department"]


def test_a_hidden_quarter_breaks_the_line_instead_of_being_drawn_across():
    """A quarter whose figure is [c] is a gap in the line (a null point), named in the chart's note."""
    series = pd.DataFrame({"period": ["2019-03-31", "2019-06-30", "2019-09-30"], "value": [40, 3, 44],
                           "hidden": [False, True, False], "source": ["s"] * 3})
    target = pd.DataFrame(columns=["period", "value"])
    shown = people_charts.suppressed_series(series, 10)
    chart = people_charts.builders.indicator_chart(shown, target, name="SCS members", unit="count",
                                                 population="the whole profession", as_at=AS_AT, source="s",
                                                 gaps=people_charts.hidden_periods(series, 10))
    actual = chart.figure.data[0]
    assert list(actual.x) == ["2019-03-31", "2019-06-30", "2019-09-30"]
    assert actual.y[0] == 40 and actual.y[2] == 44 and pd.isna(actual.y[1])
    assert actual.connectgaps is False
    assert "30 June 2019" in chart.note and "[c]" in chart.note
    assert 3 not in list(chart.table["SCS members"])
