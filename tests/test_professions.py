"""The profession against every other: every profession of post in the shipped Civil Service Statistics, its
headcount, growth, SCS share and diversity shares, the profession highlighted and ranked, the Civil Service too."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard import explore
from gse_dashboard.charts import people_charts
from gse_dashboard.config import DEFAULT_PROFESSION
from gse_dashboard.people import official_figures
from gse_dashboard.views import official as official_views
from tests.browser import ARTIFACTS, ERRORS, chromium, streamlit_server, wait_until_drawn

APP = str(Path(__file__).resolve().parent.parent / "app.py")
AS_AT = "2026-01-01"
THRESHOLD = 10


def _comparison(built, profession=DEFAULT_PROFESSION) -> official_views.ProfessionComparison:
    return official_views.profession_comparison(built.conn, AS_AT, profession, THRESHOLD)


def test_the_import_keeps_every_professions_headcount(built):
    """Building the database keeps each profession's published headcount in post, not only the profession's."""
    rows = built.conn.execute(
        "SELECT profession, value FROM official_cells WHERE shape = 'Profession_of_post' AND year = 2022 "
        "AND status = 'In post' AND measure = 'Headcount' AND superseded_at IS NULL").fetchall()
    found = dict(rows)
    assert found["Economics"] == 2090 and found["Statistics"] == 2405 and found[DEFAULT_PROFESSION] == 13945
    assert len(found) > 25


def test_each_profession_has_headcount_growth_scs_and_the_five_shares(built):
    """Every profession's row has its published headcount, growth, SCS share and five diversity shares; the
    Civil Service as a whole is the last row."""
    comparison = _comparison(built)
    table = comparison.table.set_index("Profession")
    assert (comparison.year, comparison.previous) == (2022, 2021)
    assert list(comparison.table.columns)[1:] == [comparison.column(m) for m in official_figures.COMPARED]
    assert comparison.table["Profession"].iloc[-1] == official_figures.CIVIL_SERVICE
    ours = table.loc[DEFAULT_PROFESSION]
    assert ours[comparison.column("headcount")] == 13945
    assert ours[comparison.column("growth")] == round(100 * (13945 - 14090) / 14090, 1)
    assert table.loc["Economics", comparison.column("headcount")] == 2090
    assert table.loc[official_figures.CIVIL_SERVICE, comparison.column("headcount")] == 510080


def test_the_professions_figures_are_the_ones_every_other_page_shows(built):
    """The profession's shares and SCS share in the comparison equal the Diversity page's and Membership's."""
    comparison = _comparison(built)
    ours = comparison.table.set_index("Profession").loc[DEFAULT_PROFESSION]
    story = official_views.diversity_story(built.conn, AS_AT, THRESHOLD).by_year
    latest = story[story["Year"] == "2022"].set_index("Characteristic")
    for code, characteristic in (("women", "Women"), ("bame", "Ethnic minority (BAME)"),
                                 ("disabled", "Declared disabled"), ("age_50_plus", "Aged 50 or over")):
        assert ours[comparison.column(code)] == latest.loc[characteristic, "Profession (% of declared)"], code
        assert comparison.civil_service(code) == latest.loc[characteristic, "Civil Service (%)"], code
    grades = official_views.headcount(built.conn, AS_AT, DEFAULT_PROFESSION, THRESHOLD).grades.set_index("Grade")
    assert ours[comparison.column("scs")] == grades.loc["SCS", "2022 (% of known grade)"]


def test_the_profession_is_ranked_for_womens_share(built):
    """Science and Engineering ranks 29th of 30 professions for women's share in 2022 ('Other' and 'Unknown'
    are listed but not ranked), and the title says so with the Civil Service's figure."""
    comparison = _comparison(built)
    assert comparison.rank_of("women") == (29, 30)
    ranked = comparison.ranked("women")
    assert ranked["Profession"].iloc[0] == "Psychology" and ranked["Profession"].iloc[-1] == "Security"
    assert not set(ranked["Profession"]) & {"Other", "Unknown", official_figures.CIVIL_SERVICE}
    title = people_charts.profession_rank_title(comparison, "women")
    assert title.startswith("Science and Engineering ranks 29th of 30 professions for women")
    assert "31.3%" in title and "54.5%" in title


def test_the_profession_setting_decides_which_is_highlighted(built):
    """With another profession named (GSE_PROFESSION), that profession is the one ranked and highlighted."""
    comparison = _comparison(built, "Economics")
    assert comparison.rank_of("women")[1] == 30
    chart = people_charts.profession_chart(comparison, "women")
    assert chart.title.startswith("Economics ranks")
    bars = chart.figure.data[0]
    colours = dict(zip(bars.y, bars.marker.color, strict=True))
    assert [label for label in bars.y if label.startswith("<b>")] == ["<b>Economics</b>"]
    assert {colour for label, colour in colours.items() if label != "<b>Economics</b>"} == {"#12436D"}
    assert colours["<b>Economics</b>"] != "#12436D"


def test_explore_offers_the_comparison_as_a_source_in_the_link(built):
    """?source=professions_women lists every profession ranked, the profession's rank in the title."""
    state = explore.from_query_params({"source": "professions_women"})
    assert not state.messages and state.group_by == ("profession",)
    result = explore.answer(built.conn, state, THRESHOLD, DEFAULT_PROFESSION)
    assert "ranks 29th of 30" in result.chart.title
    assert result.display["Rank"].iloc[0] == 1 and result.display["Profession"].iloc[0] == "Psychology"
    assert result.display["Profession"].iloc[-1] == official_figures.CIVIL_SERVICE
    assert explore.to_query_params(state)["source"] == "professions_women"


def test_the_diversity_page_ranks_the_profession_among_every_other(built_db_file, monkeypatch):
    """The Diversity page's comparison, opened with ?compare=women, states the profession's rank."""
    monkeypatch.setenv("GSE_DB_PATH", str(built_db_file))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["compare"] = "women"
    at.switch_page("pages/diversity.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "The profession against every other" in [h.value for h in at.header]
    assert any("ranks 29th of 30 professions for women" in m.value for m in at.markdown)


@pytest.mark.browser
def test_where_the_profession_ranks_for_womens_share_is_a_few_clicks_in_a_browser(built_db_file):
    """On the Diversity page, choosing 'Women' under 'Rank the professions by' answers where Science and
    Engineering ranks among professions for women's share in 2022: 29th of 30, 31.3% against 54.5%; the
    choice goes into the link."""
    with streamlit_server(built_db_file) as url, chromium(1400, 2400) as page:
        page.goto(f"{url}/diversity")
        wait_until_drawn(page, charts=2)
        page.get_by_text("The profession against every other").first.scroll_into_view_if_needed()
        page.get_by_label("Rank the professions by").click()
        page.get_by_role("option", name="Women (% of known sex)", exact=True).click()
        heading = page.get_by_text("Science and Engineering ranks 29th of 30 professions for women")
        heading.first.wait_for(timeout=90_000)
        text = heading.first.inner_text()
        assert page.locator(ERRORS).count() == 0
        assert "compare=women" in page.url
        page.screenshot(path=ARTIFACTS / "page-diversity-professions-women.png", full_page=True)
    assert "31.3%" in text and "54.5%" in text
