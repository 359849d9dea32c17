"""The Board paper's logic: exceptions, judged ratings, key messages and asks, from small frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from gse_dashboard.board import pack, paper, records
from gse_dashboard.storage import store
from gse_dashboard.strategy import metrics, vocabulary

AS_AT = "2019-10-16"
COLUMNS = ["ref", "workstream", "title", "owner", "due_date", "status", "rating", "board_rating", "commentary",
           "updated_as_of", "forecast_date", "percent_complete"]


def _status(rows: list[list], as_at: str = AS_AT) -> pd.DataFrame:
    return metrics.with_flags(pd.DataFrame(rows, columns=COLUMNS), as_at)


NOW = _status([
    ["WS10-M1", 10, "Late one", "Team A", "2018-09-30", "in progress", "Amber", None, "Delayed.", "2019-09-30",
     "2020-03-31", 50],
    ["WS3-S1", 3, "Red one", "Team B", "2021-09-30", "in progress", "Amber", "Red", "Recovery plan agreed.",
     "2019-09-30", None, 20],
    ["WS3-S2", 3, "Fine one", "Team C", "2021-09-30", "in progress", "Green", None, "Progressing to plan.",
     "2019-09-30", None, 40],
    ["WS9-M2", 9, "Contradicted", "Team D", "2018-09-30", "in progress", "Amber/Red", None, "On track.",
     "2019-09-30", None, 60],
    ["WS4-S1", 4, "Done late", "Team E", "2017-09-30", "complete", "Green", None, "Delivered.", "2019-09-30",
     None, 100],
    ["WS5-S1", 5, "Worse", "Team F", "2021-09-30", "in progress", "Amber", None, "Resourcing gap.", "2019-09-30",
     None, 30],
])
BEFORE = _status([
    ["WS10-M1", 10, "Late one", "Team A", "2018-09-30", "in progress", "Amber", None, "", "2019-06-30", None, 40],
    ["WS3-S1", 3, "Red one", "Team B", "2021-09-30", "in progress", "Red", None, "", "2019-06-30", None, 10],
    ["WS3-S2", 3, "Fine one", "Team C", "2021-09-30", "in progress", "Green", None, "", "2019-06-30", None, 30],
    ["WS9-M2", 9, "Contradicted", "Team D", "2018-09-30", "in progress", "Amber/Red", None, "", "2019-06-30",
     None, 50],
    ["WS4-S1", 4, "Done late", "Team E", "2017-09-30", "in progress", "Amber", None, "", "2019-06-30", None, 90],
    ["WS5-S1", 5, "Worse", "Team F", "2021-09-30", "in progress", "Green", None, "", "2019-06-30", None, 20],
], "2019-07-17")


def test_natural_order_puts_ws3_before_ws10():
    """References sort by workstream number, then short, medium, long, then sequence."""
    assert paper.ref_order(["WS10-S1", "WS3-L1", "WS3-S2", "WS3-M1", "WS2-S10", "WS2-S9"]) == [
        "WS2-S9", "WS2-S10", "WS3-S2", "WS3-M1", "WS3-L1", "WS10-S1"]


def test_exceptions_list_overdue_poorly_rated_and_worsened_commitments_most_severe_first():
    """Overdue, Amber/Red or Red, and worsened commitments are listed once each: Red first, then the longest past
    its date (the worse rating first), then the rest; commitments that are none of these are not listed."""
    history = {AS_AT: NOW, "2019-07-17": BEFORE}
    frame = paper.exceptions(NOW, BEFORE, history, AS_AT)
    assert frame["ref"].tolist() == ["WS3-S1", "WS9-M2", "WS10-M1", "WS5-S1"]
    why = dict(zip(frame["ref"], frame["why"]))
    assert why["WS10-M1"] == "past its indicative date by a year"
    assert why["WS3-S1"] == "rated Red"
    assert why["WS5-S1"] == "worsened from Green"
    row = frame.set_index("ref").loc["WS10-M1"]
    assert row["owner"].startswith("Team A") and row["forecast_date"] == "2020-03-31"
    assert row["trend"] == "Amber → Amber"


def test_commentary_that_contradicts_its_state_is_flagged():
    """'On track' a year overdue and Amber/Red is flagged; 'Progressing to plan' on a Green, in-time one is not."""
    frame = paper.exceptions(NOW, BEFORE, {AS_AT: NOW}, AS_AT).set_index("ref")
    assert frame.loc["WS9-M2", "contradiction"] == (
        "The commentary says “On track” but the commitment is a year past its date and rated Amber/Red.")
    assert frame.loc["WS10-M1", "contradiction"] == ""
    assert paper.contradiction("Progressing to plan.", "Green", False, "2021-09-30", AS_AT) == ""


SUMMARY = pd.DataFrame({
    "number": [6, 8], "name": ["Secondment", "Mentoring"], "commitments": [10, 6], "rating": ["Green", "Amber"],
    "planned_share": [90.0, 83.0], "actual_share": [70.0, 83.0], "complete": [7, 5], "closed": [2, 0],
    "overdue": [0, 0], "mean_percent": [80.0, 90.0],
})


NO_RATINGS = pd.DataFrame(columns=["workstream", "board_date", "rating", "rationale", "recorded_by"])


def test_without_a_board_rating_only_the_computed_average_is_shown_with_its_caveats():
    """With no Board rating the workstream says so, and its computed Green average says it is behind plan."""
    six = paper.judged_ratings(SUMMARY, NO_RATINGS, "2019-07-17").set_index("number").loc[6]
    assert not six["judged"] and paper.rating_words(six) == "No Board rating recorded"
    assert paper.average_words(six) == ("■■■■■ Green, although 20 points behind plan and 2 closed without "
                                        "completion")
    assert paper.judgement_movement(six, "2019-07-17") == "No Board rating"


def test_a_judgement_moves_only_against_a_judgement_and_an_average_only_against_an_average():
    """A Red judgement after a Red one is unchanged though the average fell from Green: no movement across kinds."""
    recorded = pd.DataFrame({"workstream": [6, 6], "board_date": ["2019-07-17", "2018-10-17"],
                             "rating": ["Red", "Red"], "rationale": ["Behind plan; two closed.", "x"],
                             "recorded_by": ["Board secretary", "Board secretary"]})
    before = SUMMARY.assign(rating=["Green", "Green"])
    now = SUMMARY.assign(rating=["Amber", "Amber"])
    six = paper.judged_ratings(now, recorded, "2019-07-17", before).set_index("number").loc[6]
    assert six["judged"] and six["rating"] == "Red" and six["rationale"] == "Behind plan; two closed."
    assert paper.rating_words(six) == "■□□□□ Red (Board of 17 July 2019)"
    assert paper.judgement_movement(six, "2019-07-17") == "Unchanged since the Board of 17 October 2018"
    assert paper.average_movement(six, "2019-07-17") == "Worsened from ■■■■■ Green"
    # At the next Board the judgement is not new, so it has not moved, whatever the average did.
    assert paper.judgement_movement(six, "2019-10-16") == "No new Board rating since 17 July 2019"


def test_a_green_judgement_behind_plan_must_say_why():
    """Green while 20 points behind plan is flagged and asked about unless the rationale speaks of the plan."""
    def six(rationale):
        recorded = pd.DataFrame({"workstream": [6], "board_date": ["2019-07-17"], "rating": ["Green"],
                                 "rationale": [rationale], "recorded_by": ["Board secretary"]})
        return paper.judged_ratings(SUMMARY, recorded, "2019-07-17")
    assert six("Strong engagement from departments.").set_index("number").loc[6, "green_unexplained"]
    assert not six("Behind plan, but the two late items land next month.").set_index("number").loc[
        6, "green_unexplained"]
    asks = paper.board_asks(status=_status([]), judged=six("Good."), exceptions_frame=paper.exceptions(
        _status([]), None, {}, AS_AT), actions=pd.DataFrame(), meeting=None, as_at=AS_AT, widening=[])
    assert any(a.startswith("Confirm or change the Green rating of 6. Secondment: more than 10 points behind plan")
               for a in asks)


def test_key_messages_are_three_to_five_and_plural_right():
    """Key messages say what moved (with plurals), how far behind plan, and what needs attention."""
    changes = pd.DataFrame({"change": ["Rating worsened"] * 7 + ["Rating improved"]})
    headline = {"commitments": 89, "complete": 65, "closed": 4, "actual_share": 73.0, "planned_share": 88.0,
                "overdue": 10}
    frame = paper.exceptions(NOW, BEFORE, {AS_AT: NOW}, AS_AT)
    messages = paper.key_messages(headline=headline, headline_before=dict(headline), changes=changes,
                                        summary=SUMMARY, exceptions_frame=frame, people=["People."],
                                        previous="2019-07-17")
    assert 3 <= len(messages) <= 5
    assert messages[0] == "Since the Board of 17 July 2019: 7 ratings worsened and 1 rating improved."
    assert "4 were closed without completion (no change since the last Board)" in messages[1]
    assert messages[2].startswith("1 of 2 workstreams are behind plan; 6. Secondment is furthest behind, 20 points")


def test_a_worsening_is_read_only_between_ratings_of_one_kind():
    """An owner's Green at the last Board then the Board's Amber now is no worsening; the Board's Green then
    Amber is."""
    def one(rating, board_rating, as_at=AS_AT):
        return _status([["WS5-S1", 5, "t", "o", "2021-09-30", "in progress", rating, board_rating, "", as_at, None,
                         30]], as_at)
    mixed = paper.exceptions(one("Amber", "Amber"), one("Green", None, "2019-07-17"), {}, AS_AT)
    assert mixed.empty
    same = paper.exceptions(one("Amber", "Amber"), one("Amber", "Green", "2019-07-17"), {}, AS_AT)
    assert same["why"].tolist() == ["worsened from Green"]


def test_each_commitment_is_in_one_ask_only():
    """A Red commitment more than a year late is offered for re-planning or closing, not also for a recovery plan."""
    rows = [["WS1-S1", 1, "t", "o", "2017-09-30", "in progress", "Red", None, "On track.", AS_AT, None, 10],
            ["WS2-S1", 2, "t", "o", "2021-09-30", "in progress", "Red", None, "On track.", AS_AT, None, 10]]
    status = _status(rows)
    asks = paper.board_asks(status=status, judged=paper.judged_ratings(SUMMARY, NO_RATINGS, AS_AT),
                            exceptions_frame=paper.exceptions(status, None, {}, AS_AT), actions=pd.DataFrame(),
                            meeting=None, as_at=AS_AT, widening=[])
    named = [ask for ask in asks if "WS1-S1" in ask]
    assert len(named) == 1 and named[0].startswith("Decide whether to re-plan or close")
    assert [ask for ask in asks if "WS2-S1" in ask] == [
        "Agree recovery plans for the commitments rated Red: WS2-S1."]


def test_the_risk_register_is_scored_sorted_and_shows_a_rise_since_the_last_board():
    """Risks are scored likelihood × impact, highest first; a likelihood that rose since the last Board shows."""
    def state(ref, as_of, likelihood, impact, status="open"):
        return {"ref": ref, "as_of": as_of, "workstream": 1, "risk": f"risk {ref}", "owner": "GSE team",
                "likelihood": likelihood, "impact": impact, "mitigation": f"mitigate {ref}", "status": status}
    history = pd.DataFrame([state("R1-1", "2019-04-17", "medium", "high"), state("R1-1", "2019-07-17", "high", "high"),
                            state("R1-2", "2019-04-17", "low", "medium"), state("R1-3", "2019-07-17", "medium",
                                                                                 "medium"),
                            state("R1-4", "2019-01-16", "high", "high"),
                            state("R1-4", "2019-02-16", "high", "high", "closed")])
    register = paper.risk_register(history, "2019-07-17")
    assert register["ref"].tolist() == ["R1-1", "R1-3", "R1-2"]
    assert register["score"].tolist() == [9, 4, 2]
    assert register["change"].tolist() == ["Likelihood up: medium → high (score 6 → 9)", "New since the last Board",
                                           "No change"]
    assert register.set_index("ref").loc["R1-1", "reviewed"] == "2019-07-17"


def test_every_ask_is_listed_in_natural_order_nothing_cut():
    """Every long-overdue commitment is named, in natural order, and unjudged workstreams are asked for."""
    rows = [[f"WS{n}-M1", n, "t", "o", "2017-09-30", "in progress", "Amber", None, "", AS_AT, None, 10]
            for n in (10, 3, 12, 1, 7, 2, 9, 11, 4, 5)]
    status = _status(rows)
    judged = paper.judged_ratings(SUMMARY, NO_RATINGS, AS_AT)
    asks = paper.board_asks(status=status, judged=judged, exceptions_frame=paper.exceptions(
        status, None, {}, AS_AT), actions=pd.DataFrame(), meeting=None, as_at=AS_AT, widening=[])
    assert asks[0].startswith("Agree a delivery confidence rating, with its rationale, for 6. Secondment and 8.")
    assert ("re-plan or close the 10 commitments more than a year past their date (indicative unless set): WS1-M1, "
            "WS2-M1, WS3-M1, WS4-M1, WS5-M1, WS7-M1, WS9-M1, WS10-M1, WS11-M1 and WS12-M1.") in asks[1]


def test_board_ratings_are_read_as_known_at_a_date(fresh_db):
    """A Board rating corrected later reads as first recorded before the correction, and as corrected after."""
    fresh_db["workstreams"].insert({"number": 6, "name": "S", "aspiration": "a", "challenges": "c",
                                    "strategy_ref": "r"})
    first = fresh_db["workstream_ratings"].insert({
        "workstream": 6, "board_date": AS_AT, "rating": "Green", "rationale": "On plan.",
        "recorded_at": "2019-10-16T15:00:00", "recorded_by": "secretary"}).last_pk
    fresh_db.execute("UPDATE workstream_ratings SET superseded_at = '2019-10-20T09:00:00' WHERE id = ?", [first])
    fresh_db["workstream_ratings"].insert({
        "workstream": 6, "board_date": AS_AT, "rating": "Amber", "rationale": "Behind plan.",
        "recorded_at": "2019-10-20T09:00:00", "recorded_by": "secretary", "revision_of": first})
    assert records.workstream_ratings(fresh_db.conn, "2019-10-17")["rating"].tolist() == ["Green"]
    later = records.workstream_ratings(fresh_db.conn, "2019-10-21")
    assert later["rating"].tolist() == ["Amber"] and later["revised"].tolist() == [1]
    with pytest.raises(Exception, match="CHECK"):
        fresh_db["workstream_ratings"].insert({"workstream": 6, "board_date": "2020-01-15", "rating": "Purple",
                                               "rationale": "x", "recorded_at": "t", "recorded_by": "s"})


@pytest.mark.parametrize("as_at", ["2018-10-17", "2019-10-16", "2021-01-20"])
def test_the_sample_history_never_says_on_track_when_it_is_not(built_db_file, as_at):
    """No commitment in the illustrative history says it is on track while long overdue or rated Amber/Red or Red."""
    snap = pack.read_snapshot(built_db_file, as_at, 10)
    flags = [paper.contradiction(r.commentary, r.effective_rating, bool(r.overdue), r.due_date, as_at)
             for r in snap.status.itertuples()]
    assert [f for f in flags if f] == []


def test_store_has_the_board_tables(fresh_db):
    """The migration adds the ratings, actions and risks tables and the forecast date."""
    assert {"workstream_ratings", "board_actions", "risks"} <= set(fresh_db.table_names())
    assert "forecast_date" in fresh_db["progress_updates"].columns_dict
    assert vocabulary.ACTION_STATUSES == ("open", "in progress", "done", "dropped")


# -- recording the Board's records: imports and single edits ------------------------------------

def test_board_ratings_actions_and_risks_import_like_the_other_kinds(db_copy, tmp_path):
    """Each new kind imports from CSV, names a bad row and column, and a correction supersedes the first."""
    from gse_dashboard import importers
    from gse_dashboard.rules import auth

    user = auth.command_line_user("secretary")
    bad = tmp_path / "bad.csv"
    bad.write_text("workstream,board_date,rating,rationale\n12,2019-10-17,Purple,\n", encoding="utf-8")
    validation = importers.validate(store.connect(db_copy), "ratings", importers.read_path(bad))
    assert not validation.ok
    messages = [str(p) for p in validation.problems]
    assert any("row 2, column workstream: '12' is not a workstream number" in m for m in messages)
    assert any("column board_date: 2019-10-17 is not the date of a Board meeting" in m for m in messages)
    files = {
        "ratings": "workstream,board_date,rating,rationale\n6,2019-10-16,Amber,Behind plan by 20 points.\n",
        "actions": "ref,as_of,board_date,action,owner,due_date,status\n"
                   "a2019-099,2019-10-16,2019-10-16,Bring a plan,WS7 lead,2020-01-15,open\n",
        "risks": "ref,as_of,workstream,risk,owner,likelihood,impact,status\n"
                 "R6-9,2019-10-16,6,Secondments dry up,GSE team,High,high,open\n",
    }
    database = store.connect(db_copy)
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        validation = importers.validate(database, kind, importers.read_path(path))
        assert validation.ok, validation.problem_lines()
        result = importers.apply_import(database, kind, validation, user=user)
        assert result.added + result.changed == 1
    today = dt.date.today().isoformat()  # recorded now; as known at 2019-10-16 the first rating stands
    assert records.workstream_ratings(database.conn, "2019-10-16").query(
        "workstream == 6 and board_date == '2019-10-16'")["rating"].tolist() == ["Amber/Green"]
    ratings = records.workstream_ratings(database.conn, today)
    judged = ratings[(ratings["workstream"] == 6) & (ratings["board_date"] == "2019-10-16")].iloc[0]
    assert judged["rating"] == "Amber" and judged["rationale"] == "Behind plan by 20 points."
    assert "A2019-099" in records.action_history(database.conn, today)["ref"].tolist()
    assert records.risk_history(database.conn, today).set_index("ref").loc["R6-9", "likelihood"] == "high"
    database.close()


def test_a_board_rating_edit_is_refused_if_someone_changed_it_since_the_form_opened(db_copy):
    """Optimistic concurrency: an edit based on a replaced version is refused; a fresh one is a correction."""
    from gse_dashboard.board import edits as board_edits
    from gse_dashboard.rules import auth
    from gse_dashboard.strategy import edits

    user = auth.command_line_user("secretary")
    database = store.connect(db_copy)
    key = {"workstream": 6, "board_date": "2019-10-16"}
    opened = board_edits.current_id(database.conn, "ratings", key)
    fields = {**key, "rating": "Amber", "rationale": "Twenty points behind plan."}
    first = board_edits.record(database, user, "ratings", fields, based_on=opened)
    with pytest.raises(edits.StaleEdit, match="secretary recorded a change"):
        board_edits.record(database, user, "ratings", {**fields, "rating": "Red"}, based_on=opened)
    with pytest.raises(edits.EditRejected, match="rationale: is blank"):
        board_edits.record(database, user, "ratings", {**fields, "rationale": " "}, based_on=first)
    second = board_edits.record(database, user, "ratings", {**fields, "rating": "Amber/Red"}, based_on=first)
    rows = database.conn.execute("SELECT id, rating, superseded_at IS NULL, revision_of FROM workstream_ratings "
                                 "WHERE workstream = 6 AND board_date = '2019-10-16' ORDER BY id").fetchall()
    assert rows[-2:] == [(first, "Amber", 0, opened), (second, "Amber/Red", 1, first)]
    logged = database.conn.execute("SELECT action, actor FROM audit_log WHERE table_name = 'workstream_ratings' "
                                   "ORDER BY id").fetchall()
    assert logged == [("correct", "secretary"), ("correct", "secretary")]
    database.close()


def test_counts_and_changes_are_written_as_the_pack_writes_them():
    """'7 ratings worsened' not '7 rating worsened'; '+121' and '−68' not '121.0' and '-68.0'."""
    assert paper.change_count_words("Rating worsened", 7) == "7 ratings worsened"
    assert paper.change_count_words("Rating worsened", 1) == "1 rating worsened"
    assert paper.change_count_words("Completed", 2) == "2 completed"
    assert [paper.signed_change(v) for v in (121.0, -68.0, 0.0, 2.5, None)] == [
        "+121", "−68", "no change", "+2.5", ""]
