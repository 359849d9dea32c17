"""Measures of commitments in Explore: the count, the share of the group's commitments and the share of those due,
for any grouping (the Board meeting too), in the link, with the axis named in words; and a saved query's axis."""

from __future__ import annotations

import pandas as pd

from gse_dashboard import explore
from gse_dashboard.explore import saved_queries

AS_AT = "2019-10-16"


def _answer(built, **params) -> explore.ExploreResult:
    state = explore.from_query_params({"source": "commitments", "as_at": AS_AT, **params})
    assert not state.messages, state.messages
    return explore.answer(built.conn, state, 10)


def _counts(result: explore.ExploreResult) -> dict[str, int]:
    table = result.display
    return dict(zip(table.iloc[:, 0], table.iloc[:, -1], strict=True))


def test_the_share_complete_by_workstream_is_each_workstreams_complete_of_its_commitments(built):
    """?measure=share&status=complete by workstream: each workstream's complete commitments as a % of its own."""
    share = _answer(built, by="workstream", status="complete", measure="share").display
    complete = _counts(_answer(built, by="workstream", status="complete"))
    every = _counts(_answer(built, by="workstream"))
    for row in share.itertuples(index=False):
        workstream, number, whole, percent = row
        assert number == complete[workstream] and whole == every[workstream]
        assert percent == round(100 * number / whole, 1)
    assert list(share.columns) == ["Workstream", "Number", "Out of", "Share of commitments (%)"]


def test_shares_by_status_add_to_a_hundred_and_the_axis_is_in_words(built):
    """By status alone each share is of every commitment, so they add to 100; the axis says what it measures."""
    result = _answer(built, by="status", measure="share")
    assert abs(result.display["Share of commitments (%)"].sum() - 100) < 0.2
    assert set(result.display["Out of"]) == {89}
    assert result.chart.figure.layout.xaxis.title.text == "Share of commitments (%)"


def test_the_share_of_those_due_at_each_board_counts_only_commitments_due_by_that_board(built):
    """At each Board the whole is the commitments whose date had passed by then: none before the first horizon."""
    result = _answer(built, by="board", status="complete", measure="share_due")
    table = result.display.set_index("Board meeting")
    assert table.loc["2017-01-18", "Out of"] == 0  # nothing due before 30 September 2017
    later = table[table["Out of"] > 0]
    assert (later["Out of"] <= 89).all() and later["Out of"].is_monotonic_increasing
    shown = pd.to_numeric(later["Share of commitments due (%)"])
    assert (shown == (100 * later["Number"] / later["Out of"]).round(1)).all()
    assert "Share of commitments due" in result.chart.title and "(due: their date has passed)" in result.chart.subtitle


def test_the_measure_is_in_the_link_and_a_bad_one_is_explained(built):
    """The measure round-trips through the URL; an unknown one, or one for an indicator, falls back to the count."""
    state = explore.from_query_params({"source": "commitments", "by": "workstream", "measure": "share_due"})
    assert explore.to_query_params(state)["measure"] == "share_due"
    assert "measure" not in explore.to_query_params(explore.from_query_params({"source": "commitments"}))
    bad = explore.from_query_params({"source": "commitments", "measure": "average"})
    assert bad.measure == "count" and "not a measure of commitments" in bad.messages[0]
    other = explore.from_query_params({"source": "members", "measure": "share"})
    assert other.measure == "count" and "applies to commitments" in other.messages[0]


def test_a_saved_querys_chart_names_its_axis_in_words():
    """A query's column past_their_date is drawn as 'Past their date', not the raw column name."""
    frame = pd.DataFrame({"workstream": ["1", "2"], "past_their_date": [3, 1]})
    spec = saved_queries.ChartSpec(x="workstream", y="past_their_date")
    chart = saved_queries.chart_result(frame, spec, title="t", source="s")
    assert chart.figure.layout.xaxis.title.text == "Past their date"
    assert chart.subtitle.startswith("Past their date by workstream")


def test_the_rows_behind_a_figure_and_the_boards_compared_open_from_the_link(built_db_file, monkeypatch):
    """A link naming the figure (a workstream) and the two Boards compared opens with them chosen, and the page's
    own link to the view carries them."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GSE_DB_PATH", str(built_db_file))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=90)
    for key, value in {"source": "commitments", "by": "workstream", "as_at": AS_AT,
                       "explore_cell_workstream": "3", "explore_board_from": "2018-10-17",
                       "explore_board_to": "2019-07-17"}.items():
        at.query_params[key] = value
    at.switch_page("pages/explore.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="explore_cell_workstream").value == 3
    assert (at.selectbox(key="explore_board_from").value, at.selectbox(key="explore_board_to").value) == (
        "2018-10-17", "2019-07-17")
    assert any("Boards of 17 October 2018 and 17 July 2019" in m.value for m in at.markdown)
    link = at.code[0].value
    assert "explore_cell_workstream=3" in link and "explore_board_from=2018-10-17" in link


def test_the_commitment_sections_are_worked_out_only_once_opened(built_db_file, monkeypatch):
    """A commitments view with no figure or Boards in its link shows both detail sections closed, with none of
    their choices or rows; opening one lists the rows behind the figure, the other still closed."""
    from tests.apptest import explore_page

    at = explore_page(built_db_file, monkeypatch, source="commitments", by="workstream", as_at=AS_AT)
    labels = [e.label for e in at.expander]
    assert "Choose a figure and list its commitments" in labels and "Compare two Board meetings" in labels
    keys = [s.key for s in at.selectbox]
    assert not {"explore_cell_workstream", "explore_board_from", "explore_board_to"} & set(keys)
    assert not any("as known at 16 October 2019;" in m.value for m in at.markdown)

    at.session_state["explore_rows_open"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    keys = [s.key for s in at.selectbox]
    assert "explore_cell_workstream" in keys and "explore_board_from" not in keys
    assert any(m.value.startswith("**89 commitments**, as known at 16 October 2019") for m in at.markdown)

    at.session_state["explore_changes_open"] = True
    at.run()
    assert "explore_board_from" in [s.key for s in at.selectbox]
    headings = [h.value for h in at.header]
    assert headings.count("What changed between two Board meetings") == 1, headings
