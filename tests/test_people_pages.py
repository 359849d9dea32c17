"""Membership and Diversity & inclusion: queries, measures and both pages, with disclosure control."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard.people import disclosure
from gse_dashboard.storage import queries, store
from gse_dashboard.strategy import metrics

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _app(db_file, monkeypatch, page, **params):
    monkeypatch.setenv("GSE_DB_PATH", str(db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _cells(db, rows):
    db["indicators"].insert({"code": "members", "name": "Members", "category": "membership", "unit": "count",
                             "people_count": 1, "frequency": "quarterly", "description": "d"})
    for department, grade, role, value, recorded in rows:
        db["observations"].insert({"indicator": "members", "period": "2020-03-31", "population": "GSE",
                                   "department": department, "grade": grade, "role_type": role, "value": value,
                                   "source": "t", "recorded_at": recorded, "recorded_by": "t"})


def test_membership_breakdown_sums_cells_within_filters(fresh_db):
    """Members by grade within one department sum that department's cells only."""
    recorded = "2020-04-01T00:00:00"
    _cells(fresh_db, [("A", "SCS", "Policy", 4, recorded), ("A", "SCS", "Specialist", 3, recorded),
                      ("A", "EO", "Policy", 20, recorded), ("B", "SCS", "Policy", 9, recorded)])
    frame = queries.membership_breakdown(fresh_db.conn, "2020-06-30", "2020-03-31", "grade",
                                         filters={"department": "A"})
    assert dict(zip(frame["grade"], frame["members"])) == {"EO": 20, "SCS": 7}
    cross = queries.membership_breakdown(fresh_db.conn, "2020-06-30", "2020-03-31", "department", "grade")
    assert len(cross) == 3 and cross["members"].sum() == 36
    assert queries.latest_cell_period(fresh_db.conn, "members", "2020-03-31") is None  # recorded 1 April


def test_benchmark_gap_and_whether_it_is_closing():
    """The gap is GSE minus Civil Service in points, and closing when its size shrinks."""
    series = pd.DataFrame({
        "indicator": ["women"] * 6, "population": ["GSE", "Civil Service"] * 3,
        "period": ["2015-03-31", "2015-03-31", "2016-03-31", "2016-03-31", "2017-03-31", "2017-03-31"],
        "value": [21.5, 53.9, 23.0, 54.0, 24.0, 54.0]})
    gaps = metrics.benchmark_gaps(series)
    assert gaps["gap"].round(1).tolist() == [-32.4, -31.0, -30.0]
    trend = metrics.gap_trend(gaps, "women")
    assert trend["direction"] == "closing" and trend["first"]["period"] == "2015-03-31"
    assert metrics.gap_trend(gaps, "bame")["direction"] == "no comparison"


def test_grades_sort_by_seniority():
    """Grades read from junior to senior, with unknown grades last."""
    grades = ["SCS", "Grade 7", "AA/AO", "Band X", "HEO", "EO", "Grade 6", "SEO"]
    assert sorted(grades, key=metrics.grade_sort_key) == [
        "AA/AO", "EO", "HEO", "SEO", "Grade 7", "Grade 6", "SCS", "Band X"]


def test_membership_page_shows_suppressed_crosstab_with_no_small_counts(built_db_file, monkeypatch):
    """The department-by-grade table shows [c] and no shown count below the threshold."""
    at = _app(built_db_file, monkeypatch, "pages/membership.py", role_type="Policy", breakdown="Department by grade")
    crosstab = [t.value for t in at.table if {"Department", "SCS", "Total"} <= set(t.value.columns)][0]
    cells = [c.replace("\\", "") for c in crosstab.drop(columns=["Department"]).to_numpy().ravel()]  # as read
    assert disclosure.CONFIDENTIAL in cells
    shown = [int(c.replace(",", "")) for c in cells if c != disclosure.CONFIDENTIAL]
    assert shown and min(shown) >= 10


def test_membership_page_follows_filters_in_the_url(built_db_file, monkeypatch):
    """?department=Met Office&grade=SCS shows that selection's own count, from the store."""
    at = _app(built_db_file, monkeypatch, "pages/membership.py", department="Met Office", grade="SCS",
              as_at="2020-01-15")
    database = store.connect(built_db_file, readonly=True)
    series = queries.observation_series(database.conn, "members", "2020-01-15", department="Met Office", grade="SCS")
    database.close()
    assert {m.label: m.value for m in at.metric}["Members"] == f"{series['value'].iloc[-1]:,.0f}"
    assert at.selectbox(key="department").value == "Met Office"
    # Joiners and leavers have no breakdown: under a filter the label says they are the whole profession's.
    assert "Whole profession: joined / left" in [m.label for m in at.metric]


def test_membership_page_without_filters_calls_joiners_the_quarters(built_db_file, monkeypatch):
    """With no filter the joiners and leavers figure is labelled for the quarter, as the whole page is."""
    at = _app(built_db_file, monkeypatch, "pages/membership.py", as_at="2020-01-15")
    labels = [m.label for m in at.metric]
    assert "Joined / left in the quarter" in labels and "Whole profession: joined / left" not in labels


def test_membership_page_on_the_real_baseline_says_what_is_missing(baseline_db_file, monkeypatch):
    """With only the 2016 baseline the page says there is one figure and no breakdown, and does not fail."""
    at = _app(baseline_db_file, monkeypatch, "pages/membership.py")
    infos = " ".join(i.value for i in at.info)
    assert "Only one figure for registered GSE members" in infos
    assert "No breakdown of members" in infos
    assert {m.label: m.value for m in at.metric}["Members"] == "more than 10,000"


def test_membership_page_says_so_when_a_filter_matches_nothing(built_db_file, monkeypatch):
    """A selection with no members says so plainly instead of drawing an empty chart."""
    at = _app(built_db_file, monkeypatch, "pages/membership.py", as_at="2016-11-01", department="Met Office")
    assert any("No figures for registered GSE members" in i.value for i in at.info)


def _against_table(at):
    """The page's latest-year table against the Civil Service (after the 2015-onwards tables)."""
    return next(t.value for t in at.table if "GSE (% of declared)" in t.value.columns)


def test_diversity_page_tells_whether_each_gap_closed_since_2015(built_db_file, monkeypatch):
    """The first table gives each characteristic's gap in 2015 and 2022 and whether it narrowed or widened."""
    at = _app(built_db_file, monkeypatch, "pages/diversity.py", as_at="2023-10-18")
    story = at.table[0].value.set_index("Characteristic")
    assert story.loc["Women", ["From", "Gap then (points)", "To", "Gap now (points)", "Gap"]].tolist() == [
        "2015", "-32.4", "2022", "-23.2", "narrowed"]
    assert story.loc["Declared disabled", "Gap"] == "widened"
    years = at.table[1].value
    women = years[years["Characteristic"] == "Women"]
    assert women["Year"].tolist() == ["2015", "2021", "2022"]
    assert women["Profession (% of declared)"].tolist() == ["21.5", "31.8", "31.3"]
    assert women["Civil Service (%)"].tolist() == ["53.9", "54.2", "54.5"]


def test_membership_page_shows_the_published_headcount_with_c_kept(built_db_file, monkeypatch):
    """Membership shows 14,090 and 13,945 in Science and Engineering posts, and departments the publisher hid as [c]."""
    at = _app(built_db_file, monkeypatch, "pages/membership.py", as_at="2023-10-18")
    by_year = at.table[0].value
    assert by_year["In post at 31 March"].tolist() == ["14,090", "13,945"]
    assert by_year["Of whom SCS"].tolist() == ["130", "95"]
    departments = next(t.value for t in at.table if "Department" in t.value.columns and "2022" in t.value.columns)
    dit = departments[departments["Department"] == "Department for International Trade"]
    # The table escapes Markdown, so [c] arrives as \[c\] and is shown as [c].
    assert [v.replace("\\", "") for v in dit[["2021", "2022"]].values[0]] == ["[c]", "[c]"]
    assert any("Real figures." in c.value for c in at.caption)


def test_diversity_page_compares_with_the_civil_service(built_db_file, monkeypatch):
    """The summary gives each characteristic's GSE and Civil Service share and the gap, from the store."""
    at = _app(built_db_file, monkeypatch, "pages/diversity.py", as_at="2023-10-18")
    summary = _against_table(at)
    database = store.connect(built_db_file, readonly=True)
    gaps = metrics.benchmark_gaps(queries.diversity_series(database.conn, "2023-10-18"))
    database.close()
    women = gaps[gaps["indicator"] == "women"].iloc[-1]
    row = summary[summary["Characteristic"] == "Women"].iloc[0]
    assert row["GSE (% of declared)"] == f"{women['gse']:.1f}" == "31.3" and row["Year"] == "2022"
    assert row["Gap (points, GSE minus CS)"] == f"{women['gap']:.1f}"
    assert set(summary["Gap since previous year"]) <= {"closing", "widening", "unchanged"}


def test_diversity_page_on_the_real_baseline_shows_2015_with_the_lgbo_caveat(baseline_db_file, monkeypatch):
    """As at the end of 2020 (before the published 2021 figures), the 2015 shares show and LGBO is flagged."""
    at = _app(baseline_db_file, monkeypatch, "pages/diversity.py", as_at="2020-12-31",
              characteristic="Lesbian, gay, bisexual or other (LGBO)")
    summary = _against_table(at).set_index("Characteristic")
    assert summary.loc["Women", "GSE (% of declared)"] == "21.5"
    assert summary.loc["Women", "Civil Service (%)"] == "53.9"
    assert summary.loc["Lesbian, gay, bisexual or other (LGBO)", "GSE declaration rate (%)"] == "50.0"
    assert any("only a 50% completion rate" in c.value for c in at.caption)
    assert any("one year only so far" in md.value for md in at.markdown)


def test_diversity_page_on_a_no_sample_database_shows_the_published_figures(baseline_db_file, monkeypatch):
    """init --no-sample keeps the published 2022 figures: women are 31.3% of the profession against 54.5%."""
    at = _app(baseline_db_file, monkeypatch, "pages/diversity.py", as_at="2026-11-30")
    summary = _against_table(at).set_index("Characteristic")
    assert summary.loc["Women", "GSE (% of declared)"] == "31.3"
    assert summary.loc["Women", "Civil Service (%)"] == "54.5"
    assert summary.loc["Women", "Year"] == "2022"
    assert any("2022: Cabinet Office, Civil Service Statistics" in c.value for c in at.caption)


def test_only_the_open_tab_runs_and_the_url_names_it(built_db_file, monkeypatch):
    """A characteristic's tab draws its own charts and tables only; ?characteristic= opens another."""
    at = _app(built_db_file, monkeypatch, "pages/diversity.py", as_at="2023-10-18")
    first = [t for t in at.tabs if t.label == "Women"][0]
    assert [m.value for m in first.markdown if m.value.startswith("**")] == ["**Women by grade**",
                                                                              "**Women by department**"]
    assert not [t for t in at.tabs if t.label != "Women" and t.markdown]
    at = _app(built_db_file, monkeypatch, "pages/diversity.py", as_at="2023-10-18",
              characteristic="Declared disabled")
    opened = {t.label: [m.value for m in t.markdown if m.value.startswith("**")] for t in at.tabs}
    assert opened["Declared disabled"] == ["**Declared disabled by grade**", "**Declared disabled by department**"]
    assert opened["Women"] == []
    # A name that is not a tab opens the first, as a mistyped link should.
    at = _app(built_db_file, monkeypatch, "pages/diversity.py", as_at="2019-10-16", characteristic="<b>Nope</b>")
    assert [t.label for t in at.tabs if t.markdown][0] == "Women"


def test_membership_breakdown_tabs_open_from_the_url(built_db_file, monkeypatch):
    """?breakdown=By grade draws the grade chart; the other breakdowns do not run."""
    at = _app(built_db_file, monkeypatch, "pages/membership.py", breakdown="By grade")
    tabs = {t.label: t for t in at.tabs}
    assert tabs["By grade"].get("plotly_chart") and not tabs["By department"].get("plotly_chart")
    assert not tabs["Department by grade"].table


@pytest.mark.parametrize("page", ["pages/workstreams.py"])
def test_workstream_indicators_show_against_targets(page, built_db_file, monkeypatch):
    """Collaborating & Networking shows its GSE champions against their target."""
    at = _app(built_db_file, monkeypatch, page, workstream="9", as_at="2018-10-17")
    titles = [md.value for md in at.markdown if md.value.startswith("#### GSE champions")]
    assert len(titles) == 1 and "target" in titles[0]
