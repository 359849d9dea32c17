"""Explore for the analyst: the groups charted, ranked bars, titles that state the comparison,
commitments over time, link values in any case, saved SQL on the page, and downloads that say what they are."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from gse_dashboard import explore
from gse_dashboard.storage import store
from tests.apptest import explore_page


@pytest.fixture(scope="module")
def choices(built_db_file):
    """The default database's Explore choices."""
    database = store.connect(built_db_file, readonly=True)
    yield explore.load_choices(database.conn)
    database.close()


GRADES = ("AA/AO", "EO", "HEO", "SEO", "Grade 7", "Grade 6", "SCS")


@pytest.fixture(scope="module")
def women_by_grade(built_db_file, tmp_path_factory):
    """The default database plus women by grade for the GSE profession at four periods (the published
    diversity figures have no grade breakdown), each period's return complete."""
    path = tmp_path_factory.mktemp("women") / "gse.db"
    path.write_bytes(built_db_file.read_bytes())
    database = store.connect(path)
    for year in (2019, 2020, 2021, 2022):
        period = f"{year}-03-31"
        for position, grade in enumerate(GRADES):
            declared = 400 + 50 * position
            women = int(declared * (0.40 - 0.03 * position + 0.01 * (year - 2019)))
            database["observations"].insert({
                "indicator": "women", "period": period, "population": "GSE", "grade": grade,
                "value": round(100 * women / declared, 1), "numerator": women, "denominator": declared,
                "declaration_rate": 90.0, "source": "test survey", "recorded_at": f"{year}-04-01T00:00:00",
                "recorded_by": "t"})
        database["period_returns"].insert({"indicator": "women", "population": "GSE", "period": period,
                                           "recorded_at": f"{year}-04-01T00:00:00", "recorded_by": "t"})
    database.close()
    readonly = store.connect(path, readonly=True)
    yield readonly
    readonly.close()


def _run(built, choices, **params) -> explore.ExploreResult:
    state = explore.from_query_params(params, choices)
    assert not state.messages, state.messages
    return explore.answer(built.conn, state, 5)


def test_link_values_are_matched_without_regard_to_letter_case(built, choices):
    """'overdue=Past Its Date', 'grade=scs' and 'status=In Progress' are read as the data writes them; so is
    the older word 'overdue=Overdue'."""
    for word in ("Past Its Date", "Overdue"):
        state = explore.from_query_params({"source": "commitments", "overdue": word, "status": "In Progress"},
                                          choices)
        assert state.messages == () and state.overdue == ("past its date",) and state.status == ("in progress",)
    state = explore.from_query_params({"source": "members", "grade": "scs"}, choices)
    assert state.messages == () and state.grade == ("SCS",)


def test_every_grade_is_charted_by_default_in_small_multiples(women_by_grade):
    """Women by grade over time charts all seven grades (Grade 6 and SCS too), one panel each, scaled to the data."""
    choices = explore.load_choices(women_by_grade.conn)
    result = _run(women_by_grade, choices, source="women", by=["period", "grade"])
    panels = [a.text for a in result.chart.figure.layout.annotations]
    assert {"Grade 6", "SCS"} <= set(panels) and len(panels) == 7
    top = result.raw["share"].max()
    assert result.chart.figure.layout.yaxis.range[1] < 2 * top < 100
    assert explore.chart_groups(result)[-2:] == ["Grade 6", "SCS"]


def test_the_groups_chosen_are_the_ones_charted(women_by_grade):
    """?show=Grade 6&show=SCS charts just those two lines in one panel, each labelled at its end."""
    choices = explore.load_choices(women_by_grade.conn)
    result = _run(women_by_grade, choices, source="women", by=["period", "grade"], show=["Grade 6", "SCS"])
    assert sorted(trace.name for trace in result.chart.figure.data) == ["Grade 6", "SCS"]
    assert result.state.show == ("Grade 6", "SCS")
    assert explore.to_query_params(result.state)["show"] == ["Grade 6", "SCS"]


def test_departments_are_ranked_largest_first_in_chart_and_table(built, choices):
    """Members by department are ranked by value in the table and the chart; the title names the largest."""
    result = _run(built, choices, source="members", by="department")
    numbers = [v for v in result.display["GSE members"] if isinstance(v, int | float)]
    assert numbers[:-1] == sorted(numbers[:-1], reverse=True)  # the Total row last
    top = result.display.iloc[0]
    assert result.chart.title.startswith(f"{top['Department']} has the most GSE members")
    assert f"{top['GSE members']:,}" in result.chart.title
    bars = result.chart.figure.data[0]
    assert list(bars.x) == sorted(bars.x)  # drawn bottom to top, so the largest is at the top
    assert bars.cliponaxis is False and result.chart.figure.layout.xaxis.range[1] > max(bars.x) * 1.1


def test_grades_keep_their_order_and_the_title_follows_the_filters(built, choices):
    """Grades stay in seniority order; a filter to the SCS shows in the title ('GSE members (SCS)')."""
    result = _run(built, choices, source="members", by="grade")
    assert list(result.display["Grade"])[:-1] == list(choices.values["members"]["grade"])
    filtered = _run(built, choices, source="members", by="department", grade="SCS")
    assert "GSE members (SCS)" in filtered.chart.title


def test_the_gap_with_the_civil_service_and_its_trend_are_stated(built, choices):
    """Ethnic minority by period and population: the title states both shares, the gap and how it has moved."""
    result = _run(built, choices, source="bame", by=["period", "population"])
    title = result.chart.title
    assert "GSE profession" in title and "against the Civil Service" in title
    assert "percentage points below the Civil Service" in title and "the gap has" in title


def test_commitments_past_their_date_by_workstream_at_each_board(built, choices):
    """By Board meeting and workstream, overdue only: a row per Board, a column per workstream, and which has most."""
    result = _run(built, choices, source="commitments", by=["board", "workstream"], overdue="past its date",
                  as_at="2019-10-31")
    table = result.display
    assert list(table.columns[:2]) == ["Board meeting", "Most"]
    assert "1. Raising the Profile & Building Pride" in table.columns
    row = table[table["Board meeting"] == "2019-10-16"].iloc[0]
    counts = explore.commitment_groups(built.conn, "2019-10-16", group_by=("workstream",),
                                       filters={"overdue": ("past its date",)})
    assert row["Total"] == counts["commitments"].sum()
    assert row["Most"].endswith(f"({counts['commitments'].max()})")
    assert len(explore.chart_groups(result)) == 10


def test_a_ready_made_query_opens_from_a_link_runs_and_is_charted(built_db_file, monkeypatch):
    """?query=<name> opens the ready-made query, runs it through the read-only runner and charts it as saved."""
    at = explore_page(built_db_file, monkeypatch, query="commitments past their date by workstream at each board")
    assert "WITH boards AS" in at.text_area(key="explore_sql").value
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["board", "workstream", "past_their_date"] and len(frame) > 100
    assert at.selectbox(key="explore_sql_x").value == "board"
    assert at.selectbox(key="explore_sql_series").value == "workstream"
    assert any(m.value.startswith("### Commitments past their date by workstream at each Board") for m in at.markdown)


def test_an_editor_saves_a_query_and_its_link_opens_it(built_db_file, tmp_path, monkeypatch):
    """A query run in the box is saved by name with its chart; a fresh page opened with ?query= runs it."""
    path = tmp_path / "gse.db"
    path.write_bytes(built_db_file.read_bytes())
    at = explore_page(path, monkeypatch)
    at.text_area(key="explore_sql").input("SELECT grade, SUM(value) AS members FROM observations "
                                          "WHERE indicator = 'members' AND grade != 'All' GROUP BY grade")
    next(b for b in at.button if b.label == "Run query").click().run()
    at.selectbox(key="explore_sql_x").select("grade").run()
    at.selectbox(key="explore_sql_y").select("members").run()
    at.text_input(key="explore_query_name").input("Members by grade, all periods")
    next(b for b in at.button if b.label == "Save query").click().run()
    assert not at.exception
    database = store.connect(path, readonly=True)
    try:
        row = database.conn.execute("SELECT name, chart FROM saved_queries").fetchone()
    finally:
        database.close()
    assert row[0] == "Members by grade, all periods" and json.loads(row[1]) == {"x": "grade", "y": "members"}
    fresh = explore_page(path, monkeypatch, query="Members by grade, all periods")
    assert fresh.dataframe[0].value.columns.tolist() == ["grade", "members"]
    assert fresh.selectbox(key="explore_sql_y").value == "members"


def test_the_page_offers_the_table_as_a_spreadsheet_that_says_what_it_is(built_db_file, monkeypatch):
    """The result's .xlsx download has a cover sheet with the title, as-at date and filters, and the table."""
    at = explore_page(built_db_file, monkeypatch, source="commitments", by="workstream", overdue="past its date",
               as_at="2019-10-16")
    buttons = {b.label: b for b in at.get("download_button")}
    assert {"Download the table (CSV)", "Download the table (Excel)", "Download the table (OpenDocument)"} <= set(
        buttons)
    result = explore.answer(store.connect(built_db_file, readonly=True).conn,
                         explore.from_query_params({"source": "commitments", "by": "workstream",
                                                    "overdue": "past its date", "as_at": "2019-10-16"}), 5)
    from gse_dashboard.charts import downloads
    meta = downloads.TableMeta(title=result.chart.title, as_at=result.as_at, filters="Past its date: past its date")
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(result.display, meta)))
    cover = " ".join(str(c) for row in book["Cover"].iter_rows(values_only=True) for c in row if c)
    assert result.chart.title in cover and "2019-10-16" in cover and "Past its date: past its date" in cover


def test_counts_stored_as_decimals_read_as_whole_numbers():
    """A column of whole decimals (SUM over REAL) becomes whole numbers: '403', never '403.0'; fractions stay."""
    import pandas as pd

    from gse_dashboard.charts.tables import format_cell, whole_numbers

    frame = whole_numbers(pd.DataFrame({"members": [403.0, 1959.0, None], "share": [1.5, 2.0, 3.0]}))
    assert [format_cell(v) for v in frame["members"]] == ["403", "1,959", ""]
    assert [format_cell(v) for v in frame["share"]] == ["1.5", "2.0", "3.0"]
