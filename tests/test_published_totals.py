"""Published statistics as the analyst quotes them: the publisher's own totals, one value per figure on every
page and download, grades in one order, and each source named once."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard import explore
from gse_dashboard.charts import downloads
from gse_dashboard.config import DEFAULT_PROFESSION
from gse_dashboard.people import official_figures
from gse_dashboard.strategy import metrics
from gse_dashboard.views import official as official_views

APP = str(Path(__file__).resolve().parent.parent / "app.py")
THRESHOLD = 10
DCMS = "Department for Digital, Culture, Media and Sport"


def _answer(built, **params) -> explore.ExploreResult:
    state = explore.from_query_params(params)
    assert not state.messages, state.messages
    return explore.answer(built.conn, state, THRESHOLD, DEFAULT_PROFESSION)


def _total(table: pd.DataFrame, column: str) -> object:
    return table.loc[table.iloc[:, 0] == "Total", column].iloc[0]


def _downloads(result: explore.ExploreResult) -> dict[str, list[list[str]]]:
    """Every download of RESULT's table, as rows of text: CSV, Excel and OpenDocument."""
    meta = downloads.TableMeta(title=result.chart.title, as_at=result.as_at, source=result.chart.source,
                               notes=tuple(result.notes))
    text = downloads.csv_bytes(result.display, meta).decode("utf-8-sig")
    rows = {"csv": [row for row in csv.reader(io.StringIO(text))]}
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(result.display, meta)))
    rows["xlsx"] = [[str(c) for c in row if c is not None]
                    for sheet in book for row in sheet.iter_rows(values_only=True)]
    ods = pd.read_excel(io.BytesIO(downloads.ods_bytes(result.display, meta)), sheet_name=None, engine="odf",
                        header=None)
    rows["ods"] = [[str(c) for c in row if pd.notna(c)] for frame in ods.values() for row in frame.itertuples(False)]
    return rows


def _total_row(rows: list[list[str]]) -> list[str]:
    found = [row for row in rows if row and row[0] == "Total"]
    assert found, rows[:20]
    return found[0]


def test_grouped_by_grade_the_total_is_the_published_13945_on_the_page_and_in_every_download(built):
    """By grade, 2022's total is the publisher's 13,945 (not the 13,950 its rounded grades add to), everywhere."""
    result = _answer(built, source="acses_in_post", by="grade")
    column = result.display.columns[1]
    assert result.period == "2022-03-31"
    assert _total(result.display, column) == 13945
    assert result.raw["value"].sum() == 13950  # the rounded cells add to another figure: never shown as the total
    assert official_figures.ROUNDING_NOTE in result.notes
    for kind, rows in _downloads(result).items():
        assert _total_row(rows)[-1].replace(",", "") in ("13945", "13945.0"), kind
        assert any(official_figures.ROUNDING_NOTE in " ".join(row) for row in rows), kind


def test_grouped_by_department_each_years_total_is_the_published_one(built):
    """Over periods by department, 2021's total is the publisher's 14,090 (its departments add to 14,075)."""
    result = _answer(built, source="acses_in_post", by=["period", "department"])
    totals = dict(zip(result.display["Period"], result.display["Total"], strict=True))
    assert totals == {"2021-03-31": 14090, "2022-03-31": 13945}
    for kind, rows in _downloads(result).items():
        found = {row[0]: row[-1].replace(",", "").removesuffix(".0") for row in rows
                 if row and row[0] in ("2021-03-31", "2022-03-31")}
        assert found == {"2021-03-31": "14090", "2022-03-31": "13945"}, kind


def test_membership_breakdowns_end_with_the_published_total(built):
    """Membership's grade and department tables end with each year's published total, not a sum of cells."""
    data = official_views.headcount(built.conn, "2026-01-01", DEFAULT_PROFESSION, THRESHOLD)
    for table in (data.grades, data.departments):
        last = table.iloc[-1]
        assert last.iloc[0] == "Total" and last["2021"] == 14090 and last["2022"] == 13945


def test_every_department_has_one_value_on_membership_and_in_explore(built):
    """Each department's figure for each year is the same on Membership and in Explore: DCMS 2022 is 10 on both,
    and no department Membership lists (a suppressed one too) is missing from Explore."""
    data = official_views.headcount(built.conn, "2026-01-01", DEFAULT_PROFESSION, THRESHOLD)
    membership = data.departments.set_index("Department").drop(index="Total")
    result = _answer(built, source="acses_in_post", by=["period", "department"])
    explored = result.display.set_index("Period").drop(columns="Total")
    assert set(explored.columns) == set(membership.index)
    for department in membership.index:
        for year in ("2021", "2022"):
            assert explored.at[f"{year}-03-31", department] == membership.at[department, year], (department, year)
    assert explored.at["2022-03-31", DCMS] == 10
    one_year = _answer(built, source="acses_in_post", by="department").display.set_index("Department")
    assert one_year.at[DCMS, one_year.columns[0]] == 10


def test_grades_are_in_one_order_everywhere(built):
    """Explore, Membership and the grade order constant list the published grades junior to senior, Unknown last."""
    expected = ["AA/AO", "EO", "SEO/HEO", "G6/G7", "SCS", "Unknown"]
    assert list(official_figures.GRADE_GROUP_ORDER) == expected
    assert sorted(reversed(expected), key=metrics.grade_sort_key) == expected
    result = _answer(built, source="acses_in_post", by="grade")
    assert list(result.display["Grade"])[:-1] == expected
    data = official_views.headcount(built.conn, "2026-01-01", DEFAULT_PROFESSION, THRESHOLD)
    assert list(data.grades["Grade"])[:-1] == expected


def test_each_source_is_named_once_with_its_version_once(built):
    """A source line names the publisher once with every year and table, and its version line once."""
    result = _answer(built, source="acses_in_post", by=["period", "department"])
    assert result.chart.source.count("Generated on") == 1
    assert result.chart.source.count("Civil Service Statistics") == 1
    assert "2021, 2022" in result.chart.source
    data = official_views.headcount(built.conn, "2026-01-01", DEFAULT_PROFESSION, THRESHOLD)
    assert official_figures.source_note(data.sources).count("Generated on") == 1


@pytest.mark.parametrize("by", ["grade", "department"])
def test_the_explore_page_shows_the_published_total(built_db_file, monkeypatch, by):
    """Explore's page, opened from a link grouped by grade or department, shows 13,945 as 2022's total."""
    monkeypatch.setenv("GSE_DB_PATH", str(built_db_file))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["source"] = "acses_in_post"
    at.query_params["by"] = by
    at.switch_page("pages/explore.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(frame.value for frame in at.table if "Total" in set(frame.value.iloc[:, 0].astype(str)))
    assert str(_total(table, table.columns[1])).replace(",", "") == "13945"
    assert any("rounds each figure to the nearest 5" in c.value for c in at.caption)


def test_a_wide_table_over_time_is_turned_to_fit_the_page(built_db_file, monkeypatch):
    """By period and department, the page lists departments down the side and years across (it ran off the
    right edge), with each year's published total; the download keeps periods down the side."""
    monkeypatch.setenv("GSE_DB_PATH", str(built_db_file))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["source"] = "acses_in_post"
    at.query_params["by"] = ["period", "department"]
    at.switch_page("pages/explore.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(frame.value for frame in at.table if frame.value.columns[0] == "Department")
    assert list(table.columns) == ["Department", "2021-03-31", "2022-03-31"]
    total = table[table["Department"] == "Total"].iloc[0]
    assert (total["2021-03-31"].replace(",", ""), total["2022-03-31"].replace(",", "")) == ("14090", "13945")
    assert DCMS in set(table["Department"])
