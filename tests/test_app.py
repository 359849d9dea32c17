"""Every page runs from the entrypoint under AppTest and shows values that match the store."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard.charts.tables import format_date
from gse_dashboard.rules import auth
from gse_dashboard.storage import queries, store
from gse_dashboard.strategy import edits, metrics

APP = str(Path(__file__).resolve().parent.parent / "app.py")
# Each page and the one title it must show.
TITLES = {"pages/overview.py": "Overview", "pages/workstreams.py": "Workstreams", "pages/membership.py": "Membership",
          "pages/diversity.py": "Diversity and inclusion", "pages/explore.py": "Explore",
          "pages/manage.py": "Manage data", "pages/board_pack.py": "Board pack", "pages/strategy.py": "The strategy",
          "pages/about.py": "About the data"}
PAGES = list(TITLES)


def _app(db_file, monkeypatch, **params):
    monkeypatch.setenv("GSE_DB_PATH", str(db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def _headline(db_file, as_at):
    database = store.connect(db_file, readonly=True)
    try:
        return metrics.headline(queries.commitment_status(database.conn, as_at), as_at)
    finally:
        database.close()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("which", ["built_db_file", "baseline_db_file"])
def test_each_page_runs_without_exception(page, which, request, monkeypatch):
    """Each page opens from app.py on the default and the --no-sample database with its own title and no exception."""
    at = _app(request.getfixturevalue(which), monkeypatch)
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == TITLES[page]


def test_overview_shows_the_stores_overdue_count_and_share_complete(built_db_file, monkeypatch):
    """The Overview's headline numbers at a past Board equal those computed from the store."""
    at = _app(built_db_file, monkeypatch, as_at="2018-10-17")
    at.run()
    expected = _headline(built_db_file, "2018-10-17")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Commitments past their date"] == str(expected["overdue"])
    assert shown["Commitments complete"] == f"{expected['actual_share']:.0f}%"
    assert any("17 October 2018" in md.value for md in at.markdown)


@pytest.mark.parametrize("asked", ["2019-13-45", "2010-01-01", "16/10/2019", "<b>soon</b>"])
def test_a_link_with_an_unusable_as_at_date_says_so(built_db_file, monkeypatch, asked):
    """A date the sidebar cannot show (not a date, before the launch, not YYYY-MM-DD) is named in a warning."""
    at = _app(built_db_file, monkeypatch, as_at=asked)
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning if "The link asks for the as-at date" in w.value]
    assert len(warnings) == 1, [w.value for w in at.warning]
    assert "from 30 September 2016" in warnings[0] and "written as YYYY-MM-DD" in warnings[0]
    assert "<b>" not in warnings[0]  # shown as text, never as HTML
    latest = at.session_state["as_at"].isoformat()
    assert f"showing {format_date(latest)} instead" in warnings[0]


def test_a_link_with_a_good_as_at_date_shows_no_warning(built_db_file, monkeypatch):
    """A usable date in the link is taken without comment."""
    at = _app(built_db_file, monkeypatch, as_at="2019-10-16")
    at.run()
    assert not [w.value for w in at.warning if "The link asks" in w.value]
    assert any("16 October 2019" in md.value for md in at.markdown)


def test_overview_without_illustrative_data_shows_the_real_baseline(baseline_db_file, monkeypatch):
    """With only the strategy's figures, members read 'more than 10,000' and no warning is shown."""
    at = _app(baseline_db_file, monkeypatch)
    at.run()
    shown = {m.label: m.value for m in at.metric}
    assert shown["GSE members"] == "more than 10,000"
    assert shown["SCS members"] == "235"
    assert not any("Illustrative data" in w.value for w in at.warning)


def test_workstreams_page_follows_the_url(built_db_file, monkeypatch):
    """?workstream=7 opens Diversity & Inclusion with its commitments in tables."""
    at = _app(built_db_file, monkeypatch, workstream="7")
    at.switch_page("pages/workstreams.py").run()
    assert not at.exception
    assert at.header[0].value == "7. Diversity & Inclusion"
    refs = [ref for table in at.table for ref in table.value.get("Ref", [])]
    assert refs[:3] == ["WS7-S1", "WS7-S2", "WS7-S3"] and len(set(refs)) == 8


def test_about_page_lists_the_real_figures_with_sources(built_db_file, monkeypatch):
    """About the data shows the 2015 diversity figures and the published 2021 and 2022 ones with their sources."""
    at = _app(built_db_file, monkeypatch)
    at.switch_page("pages/about.py").run()
    table = at.table[0].value
    women = table[(table["Measure"] == "Women") & (table["Population"] == "GSE")]
    assert women["Figure"].tolist() == ["21.5%", "31.8%", "31.3%"]
    assert "Employment Survey 2015" in women["Source"].iloc[0]
    assert "Civil Service Statistics" in women["Source"].iloc[1] and "31 March 2022" in women["Source"].iloc[2]
    lgbo = table[table["Measure"].str.contains("LGBO") & (table["Population"] == "GSE")]
    assert lgbo["Figure"].tolist() == ["2.2%", "4.6%", "5.3%"], "2015 stated flatly, as the strategy states it"
    assert "50% completion rate" in lgbo["Note"].iloc[0]
    scs = table[(table["Breakdown"] == "SCS") & (table["Measure"] == "GSE members")]
    assert scs["Figure"].tolist() == ["235"]


def test_about_page_says_what_is_protected_and_what_can_be_combined(built_db_file, monkeypatch):
    """About the data's rules name every protected count, how corrections are handled, and what can be combined."""
    at = _app(built_db_file, monkeypatch)
    at.switch_page("pages/about.py").run()
    text = " ".join(" ".join(block.value.split()) for block in at.markdown)
    for rule in ("Joiners and leavers have a", "every figure hidden at an earlier date stays hidden",
                 "`[r]` marks a published figure whose value changed", "Notes never carry a hidden figure",
                 "Anything shown can be combined with anything else", "a total over a choice of several",
                 "protected together"):
        assert rule in text, rule


def test_overview_compares_any_two_board_meetings(built_db_file, monkeypatch):
    """Choosing an earlier Board to compare from lists more changes, each as known on its date."""
    at = _app(built_db_file, monkeypatch, as_at="2018-10-17")
    at.run()
    default = at.selectbox(key="compare_from").value
    assert default == "2018-07-18"
    changes_default = len(_changes_table(at))
    at.selectbox(key="compare_from").set_value("2017-10-18").run()
    assert not at.exception
    assert len(_changes_table(at)) > changes_default
    movements = [t.value for t in at.table if "Indicator" in t.value.columns][0]
    assert "GSE champions" in movements["Indicator"].tolist()


def _changes_table(at):
    return [t.value for t in at.table if "Change" in t.value.columns and "Commitment (summary)" in t.value.columns][0]


def test_a_long_list_of_commitments_shows_those_needing_attention_and_says_so(built_db_file, monkeypatch):
    """Over the limit, a horizon's table shows the overdue and soonest-due open commitments first.

    WS4's short term as at 1 January 2018: S1 to S4 complete, S5 overdue. With room for two rows
    the table shows S5 and then S1, where the strategy's order would show S1 and S2.
    """
    from gse_dashboard.ui import workstreams

    monkeypatch.setattr(workstreams, "COMMITMENT_ROWS_SHOWN", 2)
    at = _app(built_db_file, monkeypatch, workstream="4", as_at="2018-01-01")
    at.switch_page("pages/workstreams.py").run()
    assert not at.exception
    tables = [t.value for t in at.table if "Ref" in t.value.columns]
    assert tables and all(len(t) <= 2 for t in tables)
    assert any("The 2 of 5 commitments that most need attention" in c.value and "download below has them all"
               in c.value for c in at.caption)
    database = store.connect(built_db_file, readonly=True)
    status = metrics.with_flags(queries.commitment_status(database.conn, "2018-01-01", workstream=4), "2018-01-01")
    database.close()
    short = status[status["horizon"] == "short"].set_index("ref")
    assert short["overdue"].to_dict() == {"WS4-S1": False, "WS4-S2": False, "WS4-S3": False, "WS4-S4": False,
                                          "WS4-S5": True}
    assert [ref.replace("\\", "") for ref in tables[0]["Ref"]] == ["WS4-S5", "WS4-S1"]


def test_the_strategy_page_shows_each_section_with_page_references(built_db_file, monkeypatch):
    """The strategy page renders every section of data/strategy.md, with the SRO, the Board and page references."""
    at = _app(built_db_file, monkeypatch)
    at.switch_page("pages/strategy.py").run()
    assert not at.exception
    assert at.title[0].value == "The strategy"
    headers = [h.value for h in at.header]
    assert headers == ["In brief", "The vision", "The mission statement", "Who is responsible",
                       "What the profession is", "Its role types", "The HoSEP role", "How the ten workstreams fit",
                       "The three horizons", "What is measured, and what is not"]
    text = " ".join(" ".join(md.value for md in at.markdown).split())
    assert "senior responsible owner" in text.lower() and "GSE Profession Board" in text
    assert "one of the five government analytical professions" in text
    assert all(role in text for role in ("Deep specialist", "Specialist", "Policy", "Generalist"))
    assert "socio-economic background" in text and "no indicator for it" in text
    assert "(Annex C, p. 27)" in text and "(Annex D, p. 28)" in text and "Introduction, pp. 7-9" in text
    assert "<!--" not in text, "editors' notes in the file are not shown"


def test_workstreams_page_shows_indicative_dates_summaries_and_the_boards_ownership(db_copy, monkeypatch):
    """Every date on the page says indicative, set (by whom) or continuing; owners say whose; titles are summaries."""
    database = store.connect(db_copy)
    ada = auth.command_line_user("Ada Analyst")
    edits.change_commitment(database, ada, "WS9-S1", due_date="2027-03-31", owner="Jane Smith",
                            reason="Board asked", based_on=edits.current_version(database.conn, "WS9-S1"))
    database.close()
    at = _app(db_copy, monkeypatch, workstream="9")
    at.switch_page("pages/workstreams.py").run()
    assert not at.exception
    tables = [t.value.set_index("Ref") for t in at.table if {"Ref", "Date"} <= set(t.value.columns)]
    # Cells are shown Markdown-escaped (user text is never rendered); read them as a person sees them.
    rows = pd.concat(tables).map(lambda v: v.replace("\\", "") if isinstance(v, str) else v)
    assert list(rows.columns)[:1] == ["Commitment (our summary)"]
    assert rows.loc["WS9-S1", "Date"].startswith("31 March 2027 (set by Ada Analyst on ")
    assert rows.loc["WS9-S1", "Owner"].startswith("Jane Smith (assigned by Ada Analyst on ")
    assert rows.loc["WS9-L1", "Date"] == rows.loc["WS9-S3", "Date"] == "Continuing: no end date"
    assert rows.loc["WS9-L1", "Past its date"] == rows.loc["WS9-S3", "Past its date"] == ""
    others = rows.drop(index=["WS9-S1", "WS9-L1", "WS9-S3"])
    assert others["Date"].str.endswith("(indicative)").all()
    assert set(others["Owner"]) == {"GSE Profession Board, per the strategy (GCSA is SRO)"}
    assert set(others["Past its date"]) <= {"", "⚠ Past its indicative date"}
    assert rows.loc["WS9-S2", "In the strategy"] == "Annex A, section 9 (p. 23), short term, bullet 2"
    captions = " ".join(c.value for c in at.caption)
    assert "Our summaries, not the strategy's words" in captions and "Annex A, section 9 (p. 23)" in captions
    assert "derives an indicative date from the end of each horizon" in captions
    assert "From the GSE Strategy (2016)" not in captions
    assert "Past their date" in [m.label for m in at.metric]
