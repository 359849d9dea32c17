"""Delivery measures on small hand-built frames: overdue, ratings, trajectories, changes."""

import pandas as pd

from gse_dashboard.strategy import metrics, timescales


def _status(rows):
    columns = ["ref", "workstream", "title", "due_date", "status", "rating", "board_rating", "percent_complete"]
    return pd.DataFrame(rows, columns=columns)


STATUS = _status([
    ["A1", 1, "a", "2017-09-30", "complete", "Green", None, 100],
    ["A2", 1, "b", "2017-09-30", "in progress", "Amber", None, 60],
    ["A3", 1, "c", "2018-09-30", "in progress", "Green", "Amber/Red", 30],
    ["A4", 1, "d", "2017-09-30", "closed", "Red", None, 40],
])


def test_overdue_means_past_due_and_neither_complete_nor_closed():
    """Only the in-progress commitment past its due date is overdue, whatever its rating."""
    flagged = metrics.with_flags(STATUS, "2018-01-01")
    assert flagged.set_index("ref")["overdue"].to_dict() == {"A1": False, "A2": True, "A3": False, "A4": False}
    assert metrics.with_flags(STATUS, "2017-09-30")["overdue"].sum() == 0  # due on the day is not late


def test_attention_first_puts_overdue_then_open_by_due_date_then_finished():
    """Overdue (longest first), then open by due date, then complete or closed; ties in the strategy's order."""
    status = _status([
        ["B1", 1, "a", "2017-03-31", "complete", "Green", None, 100],
        ["B2", 1, "b", "2019-06-30", "in progress", "Amber", None, 20],
        ["B3", 1, "c", "2017-12-31", "in progress", "Red", None, 40],
        ["B4", 1, "d", "2017-06-30", "not started", "Amber", None, 0],
        ["B5", 1, "e", "2018-09-30", "in progress", "Green", None, 50],
        ["B6", 1, "f", "2017-06-30", "closed", "Red", None, 10],
        ["B7", 1, "g", "2018-09-30", "not started", "Amber", None, 0],
    ])
    ordered = metrics.attention_first(metrics.with_flags(status, "2018-01-01"))
    assert ordered["ref"].tolist() == ["B4", "B3", "B5", "B7", "B2", "B1", "B6"]
    assert ordered["overdue"].tolist() == [True, True, False, False, False, False, False]


def test_headline_shares_planned_against_actual():
    """3 of 4 were due and 1 of 4 is complete at 1 January 2018; one is overdue."""
    assert metrics.headline(STATUS, "2018-01-01") == {
        "commitments": 4, "complete": 1, "closed": 1, "actual_share": 25.0, "planned_share": 75.0,
        "overdue": 1}


def test_workstream_rating_averages_open_commitments_using_the_boards_rating():
    """Open commitments rated Amber (3) and, by the Board, Amber/Red (2) average 2.5: Amber/Red."""
    flagged = metrics.with_flags(STATUS, "2018-01-01")
    assert metrics.workstream_rating(flagged) == "Amber/Red"
    done = metrics.with_flags(STATUS[STATUS["status"].isin(["complete"])], "2018-01-01")
    assert metrics.workstream_rating(done) == "Green"


def test_score_rating_rounds_halves_towards_caution():
    """An average of 3.5 is Amber, not Amber/Green; 3.6 is Amber/Green."""
    assert metrics.score_rating(3.5) == "Amber"
    assert metrics.score_rating(3.6) == "Amber/Green"
    assert metrics.score_rating(None) is None


def test_ratings_are_shown_as_word_and_symbol():
    """Every rating carries its word and a five-square symbol, so colour is never needed."""
    assert metrics.rating_label("Green") == "■■■■■ Green"
    assert metrics.rating_label("Amber/Red") == "■■□□□ Amber/Red"
    assert metrics.rating_label(None) == "Not rated"


def test_trajectory_counts_due_and_complete_at_each_date():
    """Planned steps up at due dates; actual counts completions known at each date; no actual after as-at."""
    commitments = pd.DataFrame({"ref": ["A", "B"], "due_date": ["2017-06-30", "2018-06-30"]})
    updates = pd.DataFrame({
        "ref": ["A", "A", "B"], "as_of": ["2017-03-31", "2017-09-30", "2017-09-30"],
        "status": ["in progress", "complete", "in progress"], "percent_complete": [50, 100, 20]})
    dates = ["2017-03-31", "2017-06-30", "2017-09-30", "2018-06-30"]
    result = metrics.trajectory(commitments, updates, dates, as_at="2017-12-31")
    assert result["planned"].tolist() == [0, 50, 50, 100]
    assert result["actual"].tolist()[:3] == [0, 0, 50]
    assert result["weighted"].tolist()[:3] == [25, 25, 60]
    assert pd.isna(result["actual"].iloc[3])


def test_changes_between_two_boards_lists_each_kind_of_change():
    """Completion, a worse rating and a newly overdue commitment are each listed once."""
    before = _status([
        ["A", 1, "a", "2017-09-30", "in progress", "Green", None, 80],
        ["B", 1, "b", "2018-09-30", "in progress", "Green", None, 20],
        ["C", 1, "c", "2017-12-31", "in progress", "Amber", None, 50],
    ])
    after = _status([
        ["A", 1, "a", "2017-09-30", "complete", "Green", None, 100],
        ["B", 1, "b", "2018-09-30", "in progress", "Amber/Red", None, 25],
        ["C", 1, "c", "2017-12-31", "in progress", "Amber", None, 55],
    ])
    changes = metrics.changes_between(before, after, "2017-10-18", "2018-01-17")
    assert changes[["ref", "change"]].values.tolist() == [
        ["A", "Completed"], ["C", "Newly past its date"], ["B", "Rating worsened"]]
    assert changes.iloc[2][["from", "to"]].tolist() == ["Green", "Amber/Red"]


def test_change_since_compares_with_the_value_at_the_last_board():
    """The latest figure and its change since the last figure at or before the Board date."""
    series = pd.DataFrame({"period": ["2017-03-31", "2017-06-30", "2017-09-30"], "value": [100.0, 110.0, 125.0]})
    assert metrics.change_since(series, "2017-10-01", "2017-07-19") == (125.0, 15.0, "2017-09-30")
    assert metrics.change_since(series, "2017-01-01", None) == (None, None, None)


def test_indicator_movements_compare_the_figures_known_at_each_date():
    """Each indicator's figure then and now and the change; one with no earlier figure has no change."""
    before = {"champions": pd.DataFrame({"period": ["2017-06-30"], "value": [80.0]})}
    after = {"champions": pd.DataFrame({"period": ["2017-06-30", "2017-09-30"], "value": [82.0, 120.0]}),
             "mentoring_pairs": pd.DataFrame({"period": ["2017-09-30"], "value": [12.0]})}
    moves = metrics.indicator_movements(before, after, {"champions": "GSE champions", "mentoring_pairs": "Pairs"})
    assert moves[["indicator", "from", "to", "change"]].values.tolist()[0] == ["GSE champions", 80.0, 120.0, 40.0]
    assert pd.isna(moves.iloc[1]["change"]) and moves.iloc[1]["to"] == 12.0


def test_a_continuing_commitment_is_never_past_its_date_and_never_planned():
    """A continuing commitment (no date) is never past it, open or not, years on; nor is it ever due in the plan."""
    status = _status([
        ["C1", 1, "continue to grow", None, "in progress", "Red", None, 10],
        ["C2", 1, "monitor", None, "not started", None, None, 0],
        ["C3", 1, "dated", "2017-09-30", "in progress", "Green", None, 50],
    ]).assign(continuing=[1, 1, 0])
    for as_at in ("2017-10-01", "2021-10-01", "2030-01-01"):
        flagged = metrics.with_flags(status, as_at).set_index("ref")["overdue"].to_dict()
        assert flagged == {"C1": False, "C2": False, "C3": True}
    headline = metrics.headline(status, "2030-01-01")
    assert (headline["overdue"], round(headline["planned_share"], 1)) == (1, 33.3)
    trajectory = metrics.trajectory(status, pd.DataFrame(columns=["ref", "as_of", "status", "percent_complete"]),
                                    ["2017-12-31", "2030-01-01"], "2030-01-01")
    assert trajectory["planned"].round(1).tolist() == [33.3, 33.3]
    # Marked continuing, even a stray date in the frame does not make it past due.
    assert not metrics.past_date(status.assign(due_date="2017-01-01"), "2018-01-01").iloc[:2].any()


def test_the_wording_never_says_a_bare_overdue_for_a_derived_date():
    """Past a derived date reads 'past its indicative date', past a set one 'past its set date'; continuing: no date."""
    assert timescales.past_date_label(True, "indicative") == "⚠ Past its indicative date"
    assert timescales.past_date_label(True, "set") == "⚠ Past its set date"
    assert timescales.past_date_label(False, "indicative") == ""
    assert timescales.due_text("2017-09-30", "indicative") == "30 September 2017 (indicative)"
    assert timescales.due_text("2027-03-31", "set", "Ada", "2026-11-30") == (
        "31 March 2027 (set by Ada on 30 November 2026)")
    assert timescales.due_text(None, "continuing") == "Continuing: no end date"
    assert timescales.owner_text(None) == timescales.STRATEGY_OWNER
    assert timescales.owner_text("Jane", "Ada", "2026-11-30") == "Jane (assigned by Ada on 30 November 2026)"


def test_due_or_overdue_keeps_late_and_soon_due_open_commitments():
    """Overdue ones and open ones due within six months are kept, soonest first; done or far-off ones are not."""
    status = pd.DataFrame({
        "ref": ["B", "A", "C", "D"], "due_date": ["2020-01-01", "2019-01-01", "2021-01-01", "2019-12-01"],
        "status": ["not started", "in progress", "in progress", "complete"],
        "overdue": [False, True, False, False],
    })
    assert metrics.due_or_overdue(status, "2019-10-16")["ref"].tolist() == ["A", "B"]


def test_due_soon_means_within_183_days_of_the_as_at_date():
    """Due soon runs to DUE_SOON_DAYS (183) after the as-at date: 16 October 2019 gives 16 April 2020."""
    assert metrics.DUE_SOON_DAYS == 183
    assert metrics.due_soon_by("2019-10-16") == "2020-04-16"
    status = pd.DataFrame({"ref": ["X", "Y"], "due_date": ["2020-04-16", "2020-04-17"],
                           "status": ["in progress", "in progress"], "overdue": [False, False]})
    assert metrics.due_or_overdue(status, "2019-10-16")["ref"].tolist() == ["X"]


def test_rating_movement_compares_on_the_five_point_scale():
    """A rating moves up or down the five-point scale, stays, is new, or is missing."""
    assert metrics.rating_movement("Amber", "Green") == "worsened"
    assert metrics.rating_movement("Amber/Green", "Amber/Red") == "improved"
    assert metrics.rating_movement("Red", "Red") == "unchanged"
    assert metrics.rating_movement("Red", None) == "newly rated"
    assert metrics.rating_movement(None, "Green") == "not rated"


def test_gap_directions_name_the_characteristics_whose_gap_widened_or_closed():
    """Each characteristic falls under how its gap to the Civil Service moved since the year before, in order."""
    definitions = pd.DataFrame({"code": ["women", "bame", "disabled", "lgbo"],
                                "name": ["Women", "Ethnic minority", "Disabled", "LGBO"]})
    gaps = pd.DataFrame({
        "indicator": ["women", "women", "bame", "bame", "disabled", "disabled", "lgbo"],
        "period": ["2018", "2019", "2018", "2019", "2018", "2019", "2019"],
        "gap": [-10.0, -12.0, -5.0, -3.0, 2.0, -2.05, 1.0],
    })
    assert metrics.gap_directions(definitions, gaps) == {
        "closing": ["Ethnic minority"], "widening": ["Women"], "unchanged": ["Disabled"],
        "no comparison": ["LGBO"]}
