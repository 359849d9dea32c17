"""As-at queries on tiny hand-built stores: what was known on a date, not what is known now."""

import datetime as dt

import pytest

from gse_dashboard.storage import queries


def _workstream(db, number=1):
    db["workstreams"].insert({"number": number, "name": f"Workstream {number}", "aspiration": "a",
                              "challenges": "c", "strategy_ref": "r"})


def _commitment(db, ref="WS1-S1", due="2017-09-30", workstream=1, horizon="short", seq=1):
    db["commitments"].insert({"ref": ref, "workstream": workstream, "horizon": horizon, "seq": seq,
                              "title": f"Title {ref}", "description": "d", "due_date": due,
                              "strategy_ref": "r"})


def _update(db, as_of, recorded, status="in progress", rating="Green", percent=10, ref="WS1-S1", **extra):
    return db["progress_updates"].insert({
        "ref": ref, "as_of": as_of, "status": status, "rating": rating, "percent_complete": percent,
        "commentary": f"{as_of} {status}", "recorded_at": recorded, "recorded_by": "tester", **extra,
    }).last_pk


@pytest.fixture
def history(fresh_db):
    """One commitment with two quarterly updates and a later correction of the first."""
    _workstream(fresh_db)
    _commitment(fresh_db)
    first = _update(fresh_db, "2017-03-31", "2017-04-05T10:00:00", percent=20, rating="Amber")
    _update(fresh_db, "2017-06-30", "2017-07-03T10:00:00", percent=40, rating="Amber/Green")
    fresh_db.conn.execute("UPDATE progress_updates SET superseded_at = '2017-08-01T09:00:00' WHERE id = ?", [first])
    _update(fresh_db, "2017-03-31", "2017-08-01T09:00:00", percent=25, rating="Amber", revision_of=first)
    return fresh_db


def test_nothing_is_known_before_the_first_update_was_recorded(history):
    """As at 1 April 2017 the March update (recorded 5 April) is not yet known."""
    row = queries.commitment_status(history.conn, "2017-04-01").iloc[0]
    assert (row["status"], row["percent_complete"], row["rating"]) == ("not started", 0, None)


def test_the_latest_update_known_on_the_date_wins(history):
    """As at 10 April the March update shows; as at 10 July the June update, not the March one."""
    april = queries.commitment_status(history.conn, "2017-04-10").iloc[0]
    july = queries.commitment_status(history.conn, "2017-07-10").iloc[0]
    assert (april["percent_complete"], april["rating"]) == (20, "Amber")
    assert (july["percent_complete"], july["rating"]) == (40, "Amber/Green")


def test_a_correction_changes_only_views_after_it_was_recorded(history):
    """Looking at March as at 10 July gives the original 20%; as at 2 August the corrected 25% [r]."""
    before = queries.update_history(history.conn, "WS1-S1", "2017-07-10")
    after = queries.update_history(history.conn, "WS1-S1", "2017-08-02")
    march_before = before[before["as_of"] == "2017-03-31"]
    assert march_before["percent_complete"].tolist() == [20] and march_before["revised"].tolist() == [0]
    march_after = after[(after["as_of"] == "2017-03-31") & (after["replaced"] == 0)]
    assert march_after["percent_complete"].tolist() == [25] and march_after["revised"].tolist() == [1]
    known = queries.known_updates(history.conn, "2017-08-02")
    assert sorted(known["percent_complete"]) == [25, 40]


def test_a_changed_due_date_applies_from_when_it_was_recorded(history):
    """A date set in January 2018 is used as at February 2018 but not as at December 2017, when it was indicative."""
    history["commitment_changes"].insert({"ref": "WS1-S1", "sets_due_date": 1, "due_date": "2018-03-31",
                                          "sets_owner": 1, "owner": "HoSEPs",
                                          "reason": "re-planned", "recorded_at": "2018-01-10T12:00:00",
                                          "recorded_by": "tester"})
    december = queries.commitment_status(history.conn, "2017-12-31").iloc[0]
    february = queries.commitment_status(history.conn, "2018-02-01").iloc[0]
    assert (december["due_date"], december["due_basis"], december["owner"]) == ("2017-09-30", "indicative", None)
    assert (february["due_date"], february["due_basis"], february["due_set_by"], february["due_set_on"]) == (
        "2018-03-31", "set", "tester", "2018-01-10")
    assert (february["owner"], february["owner_assigned_by"], february["owner_assigned_on"]) == (
        "HoSEPs", "tester", "2018-01-10")


def test_a_date_change_alone_keeps_the_owner_and_who_assigned_it(history):
    """An owner assigned by one person stays credited to them when someone else later sets only the date."""
    history["commitment_changes"].insert({"ref": "WS1-S1", "sets_owner": 1, "owner": "Head of GSE team",
                                          "reason": "assigned", "recorded_at": "2018-01-10T12:00:00",
                                          "recorded_by": "ada"})
    history["commitment_changes"].insert({"ref": "WS1-S1", "sets_due_date": 1, "due_date": "2018-06-30",
                                          "reason": "re-planned", "recorded_at": "2018-02-10T12:00:00",
                                          "recorded_by": "bob"})
    row = queries.commitment_status(history.conn, "2018-03-01").iloc[0]
    assert (row["owner"], row["owner_assigned_by"], row["owner_assigned_on"]) == (
        "Head of GSE team", "ada", "2018-01-10")
    assert (row["due_date"], row["due_set_by"], row["due_set_on"]) == ("2018-06-30", "bob", "2018-02-10")


def _observation(db, period, value, recorded, department="All", grade="All", role_type="All", **extra):
    return db["observations"].insert({
        "indicator": "members", "period": period, "population": "GSE", "department": department,
        "grade": grade, "role_type": role_type, "value": value, "source": "test", "recorded_at": recorded,
        "recorded_by": "tester", **extra}).last_pk


@pytest.fixture
def members(fresh_db):
    """Membership: an exact total for one period and only cells for the next."""
    fresh_db["indicators"].insert({"code": "members", "name": "Members", "category": "membership",
                                   "unit": "count", "people_count": 1, "frequency": "quarterly",
                                   "description": "d"})
    _observation(fresh_db, "2017-03-31", 100, "2017-04-02T00:00:00")
    for dept, grade, count in [("A", "SCS", 3), ("A", "EO", 40), ("B", "SCS", 5), ("B", "EO", 60)]:
        _observation(fresh_db, "2017-06-30", count, "2017-07-02T00:00:00", department=dept, grade=grade,
                     role_type="Policy")
    fresh_db["period_returns"].insert({"indicator": "members", "population": "GSE", "period": "2017-06-30",
                                       "recorded_at": "2017-07-02T00:00:00", "recorded_by": "test"})
    return fresh_db


def test_a_period_still_being_recorded_is_not_shown(members):
    """Cells of a period whose return is not marked complete give no figure, so the last complete period is latest."""
    _observation(members, "2017-09-30", 50, "2017-10-02T00:00:00", department="A", grade="EO", role_type="Policy")
    _observation(members, "2017-09-30", 170, "2017-10-02T00:00:00")
    total = queries.observation_series(members.conn, "members", "2017-12-31")
    assert total["period"].tolist() == ["2017-03-31", "2017-06-30"]
    assert queries.latest_cell_period(members.conn, "members", "2017-12-31") == "2017-06-30"
    members["period_returns"].insert({"indicator": "members", "population": "GSE", "period": "2017-09-30",
                                      "recorded_at": "2017-10-05T00:00:00", "recorded_by": "test"})
    assert queries.observation_series(members.conn, "members", "2017-10-04")["period"].tolist()[-1] == "2017-06-30"
    assert queries.observation_series(members.conn, "members", "2017-10-05")["value"].tolist()[-1] == 170


def test_series_uses_exact_rows_and_sums_cells_where_there_is_none(members):
    """The total is the stored row where there is one and the sum of the cells where not."""
    total = queries.observation_series(members.conn, "members", "2017-12-31")
    assert total[["period", "value", "summed"]].values.tolist() == [["2017-03-31", 100, 0], ["2017-06-30", 108, 1]]
    scs = queries.observation_series(members.conn, "members", "2017-12-31", grade="SCS")
    assert scs["value"].tolist() == [8]
    dept_b = queries.observation_series(members.conn, "members", "2017-12-31", department="B")
    assert dept_b["value"].tolist() == [65]


def test_series_leaves_out_figures_recorded_after_the_date(members):
    """As at 1 July the June cells (recorded 2 July) are not yet part of the series."""
    early = queries.observation_series(members.conn, "members", "2017-07-01")
    assert early["period"].tolist() == ["2017-03-31"]


def test_previous_board_is_strictly_before_the_date(fresh_db):
    """On a Board's own date, "since the last Board" means since the one before it."""
    for date in ("2017-01-18", "2017-04-19"):
        fresh_db["board_meetings"].insert({"date": date, "title": "Board", "recorded_at": "2016-12-01T00:00:00",
                                           "recorded_by": "t"})
    assert queries.previous_board_date(fresh_db.conn, "2017-04-19") == "2017-01-18"
    assert queries.previous_board_date(fresh_db.conn, "2017-04-20") == "2017-04-19"
    assert queries.previous_board_date(fresh_db.conn, "2017-01-18") is None


def test_latest_data_date_ignores_dates_after_today(history):
    """The default as-at date is the latest date in the data, never a future one."""
    _update(history, "2031-03-31", "2017-08-01T09:00:00", percent=90)
    assert queries.latest_data_date(history.conn, today=dt.date(2020, 1, 1)) == "2017-08-01"  # a correction


def test_audit_log_filters_by_person_action_and_date(fresh_db):
    """Filtering the audit log keeps only the matching entries, newest first."""
    entries = [("2020-01-01T10:00:00", "ada", "add"), ("2020-02-01T10:00:00", "bob", "add"),
               ("2020-03-01T10:00:00", "ada", "undo")]
    for at, actor, action in entries:
        fresh_db["audit_log"].insert({"at": at, "actor": actor, "action": action, "table_name": "progress_updates",
                                      "row_key": "WS1-S1"})
    assert queries.audit_log(fresh_db.conn, actor="ada")["action"].tolist() == ["undo", "add"]
    assert queries.audit_log(fresh_db.conn, action="add", since="2020-01-15")["actor"].tolist() == ["bob"]
    assert queries.audit_log(fresh_db.conn, until="2020-01-01")["actor"].tolist() == ["ada"]
    assert queries.audit_choices(fresh_db.conn)["action"] == ["add", "undo"]


def test_latest_data_date_includes_the_day_an_update_was_recorded(history):
    """An update recorded on 5 August 2017 moves the default date to that day."""
    _update(history, "2017-05-31", "2017-08-05T09:00:00", percent=50)
    assert queries.latest_data_date(history.conn, today=dt.date(2020, 1, 1)) == "2017-08-05"


def test_summed_cells_recorded_after_the_date_stay_out_over_several_periods(members):
    """With cells in two periods, as at a day before the later ones were recorded only the earlier sum shows.

    Guards the summing of cells period by period: a list of periods read through json_each once let
    SQLite 3.40 return rows recorded after the as-at date.
    """
    for dept, count in [("A", 7), ("B", 9)]:
        _observation(members, "2017-09-30", count, "2017-10-20T00:00:00", department=dept, grade="SCS",
                     role_type="Policy")
    members["period_returns"].insert({"indicator": "members", "population": "GSE", "period": "2017-09-30",
                                      "recorded_at": "2017-10-20T00:00:00", "recorded_by": "test"})
    early = queries.observation_series(members.conn, "members", "2017-10-01", grade="SCS")
    assert early[["period", "value"]].values.tolist() == [["2017-06-30", 8]]
    later = queries.observation_series(members.conn, "members", "2017-10-31", grade="SCS")
    assert later[["period", "value"]].values.tolist() == [["2017-06-30", 8], ["2017-09-30", 16]]


def test_the_newest_version_wins_among_many_updates_of_many_commitments(fresh_db):
    """Each of several commitments shows its own latest update known at the date, not another's."""
    _workstream(fresh_db)
    for seq in (1, 2, 3):
        _commitment(fresh_db, ref=f"WS1-S{seq}", seq=seq)
        for quarter, as_of in enumerate(("2017-03-31", "2017-06-30", "2017-09-30")):
            _update(fresh_db, as_of, f"{as_of}T12:00:00", ref=f"WS1-S{seq}", percent=10 * seq + quarter)
    status = queries.commitment_status(fresh_db.conn, "2017-07-31")
    assert status.set_index("ref")["percent_complete"].to_dict() == {"WS1-S1": 11, "WS1-S2": 21, "WS1-S3": 31}
    one = queries.commitment_status(fresh_db.conn, "2017-12-31", ref="WS1-S2")
    assert one["ref"].tolist() == ["WS1-S2"] and one["percent_complete"].tolist() == [22]


def test_breakdown_tuples_lists_each_combination_once_in_order(members):
    """The skip scan finds every distinct indicator, population and breakdown, sorted, without repeats."""
    tuples = queries.breakdown_tuples(members.conn)
    assert tuples == sorted(set(tuples))
    assert ("members", "GSE", "All", "All", "All") in tuples and ("members", "GSE", "B", "EO", "Policy") in tuples
    assert len(tuples) == 5
    assert queries.breakdown_values(members.conn) == {
        "department": ["A", "B"], "grade": ["EO", "SCS"], "role_type": ["Policy"]}
