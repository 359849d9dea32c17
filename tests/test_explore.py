"""Explore: grouping in SQLite on hand-built data, the state in the URL, saved views, suppressed tables and the page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from gse_dashboard import explore
from gse_dashboard.explore import ExploreState
from gse_dashboard.people import disclosure
from gse_dashboard.rules import auth
from gse_dashboard.storage import queries, store
from gse_dashboard.storage.exports import csv_bytes, excel_bytes
from gse_dashboard.strategy import metrics
from tests.apptest import explore_page

EDITOR = auth.User(name="Ed Itor", email="ed@example.gov.uk", role=auth.EDITOR, mode="oidc")
VIEWER = auth.User(name="Vi Ewer", email="vi@example.gov.uk", role=auth.VIEWER, mode="oidc")
INJECTION = "=cmd|' /C calc'!A0"


# -- hand-built data -----------------------------------------------------------------------------

def _strategy(db) -> None:
    """Two workstreams and four commitments, with updates that test the as-at rule."""
    for number in (1, 2):
        db["workstreams"].insert({"number": number, "name": f"Workstream {number}", "aspiration": "a",
                                  "challenges": "c", "strategy_ref": "s"})
    commitments = [("WS1-S1", 1, "short", 1, "2017-09-30"), ("WS1-M1", 1, "medium", 1, "2018-09-30"),
                   ("WS1-L1", 1, "long", 1, "2021-09-30"), ("WS2-S1", 2, "short", 1, "2017-09-30")]
    for ref, ws, horizon, seq, due in commitments:
        db["commitments"].insert({"ref": ref, "workstream": ws, "horizon": horizon, "seq": seq, "title": ref,
                                  "description": "d", "due_date": due, "strategy_ref": "s"})

    def update(ref, as_of, status, rating, recorded, board=None, superseded=None, revision_of=None):
        return db["progress_updates"].insert({
            "ref": ref, "as_of": as_of, "status": status, "rating": rating, "board_rating": board,
            "percent_complete": 100 if status == "complete" else 50, "recorded_at": recorded, "recorded_by": "t",
            "superseded_at": superseded, "revision_of": revision_of}).last_pk

    update("WS1-S1", "2017-06-30", "in progress", "Amber", "2017-07-01T09:00:00")
    update("WS1-S1", "2017-12-31", "complete", "Green", "2018-01-05T09:00:00")  # recorded after 2018-01-01
    update("WS1-M1", "2018-03-31", "in progress", "Amber/Red", "2018-04-02T09:00:00", board="Red")
    first = update("WS2-S1", "2017-06-30", "in progress", "Green", "2017-07-01T09:00:00",
                   superseded="2018-02-01T09:00:00")
    update("WS2-S1", "2017-06-30", "in progress", "Amber", "2018-02-01T09:00:00", revision_of=first)


def _members(db) -> None:
    """Member cells for 2020 (one corrected later) with their margins, and margins only for 2019."""
    db["indicators"].insert({"code": "members", "name": "GSE members", "category": "membership", "unit": "count",
                             "people_count": 1, "frequency": "quarterly", "description": "d"})
    rows = [("2020-03-31", "A", "SCS", "Policy", 4), ("2020-03-31", "A", "SCS", "Specialist", 3),
            ("2020-03-31", "A", "EO", "Policy", 20), ("2020-03-31", "B", "SCS", "Policy", 9),
            ("2020-03-31", "All", "All", "All", 66), ("2020-03-31", "All", "SCS", "All", 16),
            ("2019-03-31", "All", "All", "All", 50), ("2019-03-31", "All", "SCS", "All", 12)]
    for period, department, grade, role, value in rows:
        db["observations"].insert({"indicator": "members", "period": period, "population": "GSE",
                                   "department": department, "grade": grade, "role_type": role, "value": value,
                                   "source": "t", "recorded_at": "2020-04-01T00:00:00", "recorded_by": "t"})
    first = db["observations"].insert({
        "indicator": "members", "period": "2020-03-31", "population": "GSE", "department": "B", "grade": "EO",
        "role_type": "Policy", "value": 30, "source": "t", "recorded_at": "2020-04-01T00:00:00", "recorded_by": "t",
        "superseded_at": "2020-06-01T00:00:00"}).last_pk
    db["observations"].insert({
        "indicator": "members", "period": "2020-03-31", "population": "GSE", "department": "B", "grade": "EO",
        "role_type": "Policy", "value": 31, "source": "t", "recorded_at": "2020-06-01T00:00:00", "recorded_by": "t",
        "revision_of": first})
    db["period_returns"].insert({"indicator": "members", "population": "GSE", "period": "2020-03-31",
                                 "recorded_at": "2020-04-01T00:00:00", "recorded_by": "t"})


def _women(db) -> None:
    """Women by department (published without cells), for the profession, and the Civil Service benchmark."""
    db["indicators"].insert({"code": "women", "name": "Women", "category": "diversity", "unit": "percent",
                             "characteristic": "sex", "people_count": 1, "frequency": "annual", "description": "d"})
    rows = [("GSE", "A", 25.0, 5, 20, 80.0), ("GSE", "B", 50.0, 30, 60, 100.0), ("GSE", "All", 43.75, 35, 80, 95.0),
            ("Civil Service", "All", 54.0, None, None, None)]
    for population, department, value, numerator, denominator, rate in rows:
        db["observations"].insert({"indicator": "women", "period": "2020-03-31", "population": population,
                                   "department": department, "value": value, "numerator": numerator,
                                   "denominator": denominator, "declaration_rate": rate, "source": "survey",
                                   "recorded_at": "2020-04-01T00:00:00", "recorded_by": "t"})


def _groups(result: explore.ExploreResult, value: str) -> dict:
    """The raw result as {group (or tuple of groups): value}."""
    groups = list(result.state.group_by)
    keys = zip(*(result.raw[g] for g in groups)) if len(groups) > 1 else (result.raw[groups[0]] if groups else [()])
    return dict(zip(keys, result.raw[value].tolist()))


# -- grouping and filtering ------------------------------------------------------------------------

def test_commitments_are_counted_by_status_and_rating_as_known_at_the_date(fresh_db):
    """At 2018-01-01 an update recorded later and a correction made later are not yet known; by mid-2018 they are."""
    _strategy(fresh_db)
    early = explore.answer(fresh_db.conn,
                            ExploreState(source="commitments", as_at="2018-01-01",
                                                     group_by=("status", "rating")), 10)
    assert _groups(early, "commitments") == {("not started", "Not rated"): 2, ("in progress", "Green"): 1,
                                             ("in progress", "Amber"): 1}
    later = explore.answer(fresh_db.conn,
                            ExploreState(source="commitments", as_at="2018-06-30", group_by=("rating",)), 10)
    assert _groups(later, "commitments") == {"Green": 1, "Amber": 1, "Red": 1, "Not rated": 1}


def test_commitments_filtered_and_grouped_by_workstream_and_overdue(fresh_db):
    """Past its date means open with a date before the as-at date; filters on horizon and due date narrow the count."""
    _strategy(fresh_db)
    state = ExploreState(source="commitments", as_at="2018-01-01", group_by=("workstream", "overdue"))
    result = explore.answer(fresh_db.conn, state, 10)
    assert _groups(result, "commitments") == {(1, "past its date"): 1, (1, "not past its date"): 2,
                                              (2, "past its date"): 1}
    assert result.display.set_index("Workstream").loc["Total"].tolist() == [2, 2, 4]
    assert result.chart.title == "2 of 4 commitments are past their date in 1. Workstream 1, 2. Workstream 2"
    short = ExploreState(source="commitments", as_at="2018-06-30", horizon=("short",), group_by=("status",))
    assert _groups(explore.answer(fresh_db.conn, short, 10), "commitments") == {"in progress": 1, "complete": 1}
    later_due = ExploreState(source="commitments", as_at="2018-06-30", period_from="2018-01-01", group_by=())
    assert explore.answer(fresh_db.conn, later_due, 10).raw["commitments"].tolist() == [2]


def test_member_counts_sum_the_cells_within_the_filters(fresh_db):
    """Members by grade in department A add up A's cells; a later correction counts only once it is recorded."""
    _members(fresh_db)
    by_grade = explore.answer(fresh_db.conn,
                            ExploreState(as_at="2020-05-01", department=("A",), group_by=("grade",)), 10)
    assert _groups(by_grade, "value") == {"EO": 20, "SCS": 7}
    assert by_grade.period == "2020-03-31"
    whole = ExploreState(as_at="2020-05-01", group_by=())
    assert explore.answer(fresh_db.conn, whole, 10).raw["value"].tolist() == [66]
    corrected = ExploreState(as_at="2020-07-01", group_by=())
    assert explore.answer(fresh_db.conn, corrected, 10).raw["value"].tolist() == [67]


def test_a_period_without_cells_falls_back_to_its_exact_margin(fresh_db):
    """Over time, 2019 (published only as totals) uses its margin rows, 2020 its cells, for the whole and for SCS."""
    _members(fresh_db)
    over_time = explore.answer(fresh_db.conn,
                            ExploreState(as_at="2020-05-01", group_by=("period",)), 10)
    assert _groups(over_time, "value") == {"2019-03-31": 50, "2020-03-31": 66}
    scs = explore.answer(fresh_db.conn,
                            ExploreState(as_at="2020-05-01", grade=("SCS",), group_by=("period",)), 10)
    assert _groups(scs, "value") == {"2019-03-31": 12, "2020-03-31": 16}
    grades_2019 = ExploreState(as_at="2020-05-01", period_to="2019-12-31", group_by=("grade",))
    assert explore.answer(fresh_db.conn, grades_2019, 10).raw.empty  # a margin covers some grades, not all


def test_shares_are_recomputed_from_counts_and_small_ones_suppressed(fresh_db):
    """Two departments together are 35 of 80 who declared, but A's 5 women are hidden, so the union is [c] too."""
    _women(fresh_db)
    together = explore.answer(fresh_db.conn,
                            ExploreState(source="women", as_at="2020-05-01", department=("A", "B")), 10)
    assert together.display["Women (% of declared)"].tolist() == [disclosure.CONFIDENTIAL]
    assert any("only where each department's own figures are published" in note for note in together.notes)
    assert together.chart.title == "Women (A, B): not shown, since one of the departments chosen is [c]"
    row = explore.observation_groups(fresh_db.conn, "women", "2020-05-01",
                                     filters={"department": ("A", "B"), "population": ("GSE",)}).iloc[0]
    assert row["share"] == pytest.approx(43.75)
    assert (row["numerator"], row["denominator"]) == (35, 80)
    assert row["declaration_rate"] == pytest.approx(100 * 80 / (20 / 0.8 + 60 / 1.0))
    by_department = explore.answer(fresh_db.conn,
                            ExploreState(source="women", as_at="2020-05-01",
                                                            group_by=("department",)), 10)
    shown = by_department.display.set_index("Department")
    assert shown.loc["A", "Women (% of declared)"] == disclosure.CONFIDENTIAL
    # With the whole profession shown, B's share would give A's 5 away (35 − 30): it is hidden with it.
    assert shown.loc["B", "Women (% of declared)"] == disclosure.CONFIDENTIAL
    against = explore.answer(fresh_db.conn,
                            ExploreState(source="women", as_at="2020-05-01",
                                                      group_by=("population",)), 10)
    assert _groups(against, "share") == {"GSE": 43.8, "Civil Service": 54.0}
    assert against.display.set_index("Population").loc["Civil Service", "Declared"] == disclosure.NOT_AVAILABLE


def test_grouping_agrees_with_the_other_pages_on_the_default_data(built):
    """Members by grade equal the Membership page's breakdown, and overdue commitments the Overview's count."""
    as_at = "2018-10-17"
    period = queries.latest_cell_period(built.conn, "members", as_at)
    expected = queries.membership_breakdown(built.conn, as_at, period, "grade").set_index("grade")["members"]
    result = explore.answer(built.conn, ExploreState(as_at=as_at, group_by=("grade",)), 10)
    assert _groups(result, "value") == expected.to_dict()
    overdue = explore.answer(built.conn, ExploreState(source="commitments", as_at=as_at, group_by=("overdue",)), 10)
    headline = metrics.headline(queries.commitment_status(built.conn, as_at), as_at)
    assert _groups(overdue, "commitments")["past its date"] == headline["overdue"]


# -- the state in the URL ------------------------------------------------------------------------

STATES = [
    ExploreState(),
    ExploreState(source="members", as_at="2018-10-17", group_by=("period", "grade"), department=("Home Office",)),
    ExploreState(source="women", period_from="2017-01-01", period_to="2020-12-31", population=("GSE", "Civil Service"),
                 grade=("SCS", "Grade 6"), group_by=("population",)),
    ExploreState(source="commitments", workstream=(4, 7), horizon=("short",), status=("in progress", "not started"),
                 rating=("Amber", "Not rated"), overdue=("past its date",), group_by=("workstream", "status")),
]


@pytest.mark.parametrize("state", STATES)
def test_a_state_survives_the_url_unchanged(state):
    """A state written to query parameters reads back equal, with no messages, and the parameters are stable."""
    params = explore.to_query_params(state)
    again = explore.from_query_params(params)
    assert again == state and again.messages == ()
    assert explore.to_query_params(again) == params


@settings(max_examples=100, deadline=None)
@given(
    source=st.sampled_from(["members", "women", "champions"]),
    start=st.none() | st.dates(),
    end=st.none() | st.dates(),
    departments=st.lists(st.sampled_from(["Home Office", "Met Office", "Department for Transport"]), unique=True),
    grades=st.lists(st.sampled_from(["SCS", "Grade 6", "EO"]), unique=True),
    population=st.lists(st.sampled_from(["GSE", "Civil Service"]), unique=True),
    group_by=st.lists(st.sampled_from(explore.OBSERVATION_DIMENSIONS), unique=True, max_size=2),
)
def test_any_indicator_state_round_trips_through_the_url(source, start, end, departments, grades, population,
                                                         group_by):
    """Whatever filters and groupings are chosen, the URL gives back exactly the same state."""
    if start and end and start > end:
        start, end = end, start
    state = ExploreState(source=source, period_from=start.isoformat() if start else None,
                         period_to=end.isoformat() if end else None, department=tuple(departments),
                         grade=tuple(grades), population=tuple(population), group_by=tuple(group_by))
    assert explore.from_query_params(explore.to_query_params(state)) == state


def test_bad_url_values_are_dropped_with_a_message_each(built):
    """A hand-edited URL with wrong values gives a usable state and messages, never an exception."""
    choices = explore.load_choices(built.conn)
    params = {"source": "nosuch", "as_at": "yesterday", "from": "2020-02-30", "department": ["Home Office", "Atlantis"],
              "horizon": "short", "by": ["colour", "grade", "period", "department"], "colour": "red"}
    state = explore.from_query_params(params, choices)
    assert state.source == "members" and state.as_at is None and state.period_from is None
    assert state.department == ("Home Office",) and state.horizon == ()
    assert state.group_by == ("grade", "period")
    text = " | ".join(state.messages)
    for expected in ("'colour' is not an Explore setting", "source 'nosuch'", "as_at 'yesterday'", "from '2020-02-30'",
                     "'Atlantis' does not appear", "horizon does not apply", "cannot be grouped by 'colour'",
                     "At most 2 groupings"):
        assert expected in text
    assert explore.answer(built.conn, state, 10).raw.shape[0] > 0


@pytest.mark.parametrize("params", [
    {"source": ["members", "commitments"]}, {"by": []}, {"workstream": ["4x", "99", "-1"], "source": "commitments"},
    {"from": "2021-01-01", "to": "2019-01-01"}, {"source": "x" * 5000}, {"department": ["", " "]}, {"by": None},
    {"status": 7, "source": "commitments"}, {"source": "commitments", "rating": "Purple"},
])
def test_odd_url_shapes_never_raise(params, built):
    """Repeated, empty, numeric, overlong or contradictory values are explained or ignored, not raised."""
    choices = explore.load_choices(built.conn)
    state = explore.from_query_params(params, choices)
    explore.answer(built.conn, state, 10)
    assert all(isinstance(message, str) and "\n" not in message for message in state.messages)


# -- saved views ---------------------------------------------------------------------------------

def _reopened(conn, name: str, choices=None) -> ExploreState:
    """The state the page opens for the saved view NAME: listed, its JSON decoded, read as query parameters."""
    views = explore.list_views(conn)
    row = views[views["name"] == name].iloc[0]
    return explore.from_query_params(explore.saved_params(row["state"]), choices)


def test_a_saved_view_reopens_as_the_same_question_at_its_date_unless_told_to_follow(fresh_db):
    """A saved view reopens equal to what was saved, at its as-at date by default or without it when asked; audited."""
    state = ExploreState(source="commitments", as_at="2018-10-17", horizon=("short",), group_by=("workstream",))
    name = explore.save_view(fresh_db, "  Short-term commitments by workstream  ", state, EDITOR)
    assert name == "Short-term commitments by workstream"
    assert explore.list_views(fresh_db.conn)["name"].tolist() == [name]
    reopened = _reopened(fresh_db.conn, name)
    assert reopened == state and reopened.as_at == "2018-10-17"
    explore.save_view(fresh_db, "Follows the sidebar", state, EDITOR, keep_date=False)
    following = _reopened(fresh_db.conn, "Follows the sidebar")
    assert following == ExploreState(source="commitments", horizon=("short",), group_by=("workstream",))
    audit = fresh_db.conn.execute("SELECT actor, action, table_name, row_key FROM audit_log").fetchall()
    assert audit == [("ed@example.gov.uk", "save view", "saved_views", name),
                     ("ed@example.gov.uk", "save view", "saved_views", "Follows the sidebar")]


def test_a_view_name_is_checked_and_not_silently_reused(fresh_db):
    """Names are 1 to 80 characters on one line; a taken name is refused unless replacing, then it is replaced."""
    for bad in ("", "   ", "x" * 81, "two\nlines"):
        with pytest.raises(explore.ViewError):
            explore.save_view(fresh_db, bad, ExploreState(), EDITOR)
    explore.save_view(fresh_db, "Members", ExploreState(group_by=("grade",)), EDITOR)
    with pytest.raises(explore.ViewError, match="already a view called 'Members'"):
        explore.save_view(fresh_db, "members", ExploreState(), EDITOR)
    explore.save_view(fresh_db, "members", ExploreState(group_by=("department",)), EDITOR, overwrite=True)
    assert explore.list_views(fresh_db.conn)["name"].tolist() == ["members"]
    assert _reopened(fresh_db.conn, "members").group_by == ("department",)
    explore.delete_view(fresh_db, "members", EDITOR)
    assert explore.list_views(fresh_db.conn).empty
    actions = [r[0] for r in fresh_db.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["save view", "replace view", "delete view"]


@pytest.mark.parametrize(("stored", "params"), [
    ('{"as_at": "2018-10-17", "by": ["workstream", "status"]}',
     {"as_at": ["2018-10-17"], "by": ["workstream", "status"]}),
    ('{"horizon": "short", "by": []}', {"horizon": ["short"], "by": []}),
    ("not json", {}), ('["a list"]', {}), ("", {}), (None, {}),
])
def test_a_saved_views_json_decodes_to_lists_of_values_and_broken_json_to_none(stored, params):
    """A stored view's JSON gives each parameter's list of values; broken or non-object JSON gives no parameters."""
    assert explore.saved_params(stored) == params


def test_a_viewer_cannot_save_or_delete_a_view(fresh_db):
    """Saving and deleting check the editor role in the package, whatever the page shows."""
    explore.save_view(fresh_db, "Kept", ExploreState(), EDITOR)
    with pytest.raises(auth.PermissionDenied):
        explore.save_view(fresh_db, "Mine", ExploreState(), VIEWER)
    with pytest.raises(auth.PermissionDenied):
        explore.delete_view(fresh_db, "Kept", None)
    assert explore.list_views(fresh_db.conn)["name"].tolist() == ["Kept"]


def test_a_stored_view_that_no_longer_fits_the_data_opens_with_messages(built_db_file, tmp_path):
    """A view naming a department that has gone reopens without it, saying so."""
    path = tmp_path / "gse.db"
    path.write_bytes(built_db_file.read_bytes())
    database = store.connect(path)
    try:
        explore.save_view(database, "Old", ExploreState(department=("Ministry of Magic",)), EDITOR)
        reopened = _reopened(database.conn, "Old", explore.load_choices(database.conn))
    finally:
        database.close()
    assert reopened.department == () and "'Ministry of Magic' does not appear" in reopened.messages[0]


# -- disclosure and exports ----------------------------------------------------------------------

SMALL_GROUPS = [
    ExploreState(as_at="2024-10-01", role_type=("Policy",), group_by=("department", "grade")),
    ExploreState(as_at="2024-10-01", department=("Ministry of Justice",), role_type=("Policy",), group_by=("grade",)),
    ExploreState(as_at="2024-10-01", department=("Government Office for Science",), group_by=("period", "grade")),
    ExploreState(as_at="2024-10-01", department=("Ministry of Justice",), grade=("SCS",), group_by=()),
]


@pytest.mark.parametrize("state", SMALL_GROUPS)
def test_the_table_shows_no_count_of_people_below_the_threshold(state, built):
    """Every number in the shown (and downloaded) table of members is at least the threshold; small ones are [c]."""
    result = explore.answer(built.conn, state, 10)
    cells = result.display.drop(columns=result.display.columns[0]).to_numpy().ravel()
    numbers = [c for c in cells if not isinstance(c, str)]
    assert all(n >= 10 for n in numbers)
    assert disclosure.CONFIDENTIAL in cells
    assert result.raw["value"].min() < 10  # there was something to hide


def test_a_union_of_departments_shows_the_sum_of_their_published_figures(fresh_db):
    """Women in A and B together: 75 of 180 who declared, shown since each department's own figures are published."""
    fresh_db["indicators"].insert({"code": "women", "name": "Women", "category": "diversity", "unit": "percent",
                                   "characteristic": "sex", "people_count": 1, "frequency": "annual",
                                   "description": "d"})
    for department, women, declared, rate in (("A", 30, 80, 88.9), ("B", 45, 100, 96.2), ("D", 25, 60, 85.7),
                                              ("All", 100, 240, 90.9)):
        fresh_db["observations"].insert({"indicator": "women", "period": "2020-03-31", "population": "GSE",
                                         "department": department, "value": round(100 * women / declared, 2),
                                         "numerator": women, "denominator": declared, "declaration_rate": rate,
                                         "source": "survey", "recorded_at": "2020-04-01T00:00:00",
                                         "recorded_by": "t"})
    together = explore.answer(fresh_db.conn, ExploreState(source="women", as_at="2020-05-01",
                                                          department=("A", "B")), 10)
    row = together.display.iloc[0]
    assert row["Women (% of declared)"] == round(100 * 75 / 180, 1) and row["Declared"] == 180
    assert row["Declaration rate (%)"] == round(100 * 180 / (90 + 104), 1)
    by_role = explore.answer(fresh_db.conn, ExploreState(source="women", as_at="2020-05-01",
                                                         group_by=("role_type",)), 10)
    assert by_role.raw.empty and "not by role type" in by_role.notes[0]
    assert by_role.chart.title == "Women: published by department and by grade only"


def test_shares_of_small_groups_are_hidden_in_the_table(fresh_db):
    """No share is shown where fewer than the threshold declared, or are in or outside the group."""
    _women(fresh_db)
    result = explore.answer(fresh_db.conn,
                            ExploreState(source="women", as_at="2020-05-01", group_by=("department",)), 10)
    assert len(result.raw) == len(result.display) > 1
    shown = result.display.set_index("Department")  # ranked by the shares shown, so matched by name
    true = {"A": (5, 20), "B": (30, 60)}  # (women, declared) as _women records them
    for department, (women, declared) in true.items():
        if min(declared, women, declared - women) < 10:
            assert shown.loc[department].iloc[0] == disclosure.CONFIDENTIAL
    assert "numerator" not in result.raw or result.raw["numerator"].isna().all()  # no counts leave the table


def test_explore_downloads_neutralise_spreadsheet_formulas(fresh_db):
    """A department named like a formula, and formula-like headers, come out of CSV and Excel as text."""
    _members(fresh_db)
    fresh_db["observations"].insert({"indicator": "members", "period": "2020-03-31", "population": "GSE",
                                     "department": INJECTION, "grade": "EO", "role_type": "Policy", "value": 40,
                                     "source": "t", "recorded_at": "2020-04-01T00:00:00", "recorded_by": "t"})
    result = explore.answer(fresh_db.conn,
                            ExploreState(as_at="2020-05-01", group_by=("department",)), 10)
    frame = result.display.assign(**{"@SUM(1)": ["+1", "-1", "@x", "\tx"]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))
    assert rows[0][-1] == "'@SUM(1)" and [r[-1] for r in rows[1:]] == ["'+1", "'-1", "'@x", "'\tx"]
    assert ["'" + INJECTION, "40", "'+1"] in [r[:2] + r[-1:] for r in rows]
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes(frame))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'" + INJECTION in values and INJECTION not in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# -- the page ------------------------------------------------------------------------------------

def _table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(t.value for t in at.table if column in t.value.columns)


def test_the_page_opens_a_link_and_shows_its_grouped_numbers(built_db_file, monkeypatch):
    """?by=grade&department=Home Office&as_at=2018-10-17 shows the Home Office's members by grade from the store."""
    at = explore_page(built_db_file, monkeypatch, source="members", by="grade", department="Home Office",
                      as_at="2018-10-17")
    database = store.connect(built_db_file, readonly=True)
    try:
        period = queries.latest_cell_period(database.conn, "members", "2018-10-17")
        expected = queries.membership_breakdown(database.conn, "2018-10-17", period, "grade",
                                                filters={"department": "Home Office"})
    finally:
        database.close()
    shown = _table_with(at, "Grade").set_index("Grade")["GSE members"]
    assert {grade: shown[grade] for grade in expected["grade"]} == {
        g: f"{n:,.0f}" for g, n in zip(expected["grade"], expected["members"])}
    assert shown["Total"] == f"{expected['members'].sum():,.0f}"
    assert at.query_params["by"] == "grade" and at.query_params["department"] == "Home Office"
    assert any("explore?source=members&as_at=2018-10-17" in c.value for c in at.code)


def test_the_page_explains_a_bad_link_instead_of_failing(built_db_file, monkeypatch):
    """A link with an unknown source and grouping opens the default view with a warning saying what was ignored."""
    at = explore_page(built_db_file, monkeypatch, source="nosuch", by="colour")
    warning = next(w.value for w in at.warning if "could not be used" in w.value)
    assert "nosuch" in warning and "colour" in warning
    assert at.query_params["source"] == "members" and at.query_params["by"] == "period"


def test_the_sql_box_refuses_a_write_on_the_page_with_one_line(built_db_file, monkeypatch):
    """An editor's UPDATE in the SQL box is refused with its reason; a SELECT shows its rows."""
    at = explore_page(built_db_file, monkeypatch)
    assert any("Unsuppressed figures" in w.value for w in at.warning)
    at.text_area(key="explore_sql").input("UPDATE meta SET value = 'x'")
    next(b for b in at.button if b.label == "Run query").click().run()
    assert [e.value for e in at.error] == ["Query not run: writing is not allowed\\: the SQL box is read-only"]
    at.text_area(key="explore_sql").input("SELECT number, name FROM workstreams ORDER BY number")
    next(b for b in at.button if b.label == "Run query").click().run()
    assert at.dataframe[0].value["number"].tolist() == list(range(1, 11))


def test_the_sql_box_on_the_page_shows_repeated_column_names(built_db_file, monkeypatch):
    """SELECT 1 AS a, 2 AS a shows both columns on the page (a, a (2)) instead of failing."""
    at = explore_page(built_db_file, monkeypatch)
    at.text_area(key="explore_sql").input("SELECT 1 AS a, 2 AS a")
    next(b for b in at.button if b.label == "Run query").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.dataframe[0].value.columns.tolist() == ["a", "a (2)"]
    assert at.dataframe[0].value.iloc[0].tolist() == [1, 2]


def test_a_view_saved_on_the_page_opens_from_the_list_at_its_date(built_db_file, tmp_path, monkeypatch):
    """Saving the view then opening it from the list puts its settings and its kept as-at date back, and says so."""
    path = tmp_path / "gse.db"
    path.write_bytes(built_db_file.read_bytes())
    at = explore_page(path, monkeypatch, source="commitments", by=["workstream", "status"], horizon="short",
               as_at="2019-10-16")
    at.text_input(key="explore_view_name").input("Short term by status")
    next(b for b in at.button if b.label == "Save view").click().run()
    assert not at.exception
    assert any("Saved the view" in s.value and "16 October 2019" in s.value for s in at.success)
    database = store.connect(path, readonly=True)
    try:
        saved = json.loads(database.conn.execute("SELECT state FROM saved_views").fetchone()[0])
    finally:
        database.close()
    assert saved == {"by": ["workstream", "status"], "horizon": "short", "source": "commitments",
                     "as_at": "2019-10-16"}
    at.query_params.clear()
    at.query_params["as_at"] = "2019-04-17"
    at.run()
    assert any("Keeps its as-at date, 16 October 2019" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Open this view").click().run()
    assert at.query_params["horizon"] == "short" and at.query_params["by"] == ["workstream", "status"]
    # The sidebar's date is bound to the URL's as_at: the view sets the widget, and the browser's URL follows it
    # (AppTest does not move bound parameters; tests/test_browser_explore.py checks the URL in Chromium).
    assert at.session_state["as_at"] == dt.date(2019, 10, 16)
    assert any("as known at 16 October 2019" in md.value for md in at.markdown)
    assert any("at its saved as-at date, 16 October 2019" in s.value for s in at.success)


def test_diversity_over_time_keeps_the_baseline_published_only_as_a_share(built):
    """Women by period: 2015's 21.5% (the strategy's figure, no counts) is shown as given, later years as published."""
    state = ExploreState(source="women", as_at="2023-10-18", group_by=("period",))
    shown = explore.answer(built.conn, state, 10).display.set_index("Period")
    assert shown.loc["2015-03-31", "Women (% of declared)"] == 21.5
    assert shown.loc["2015-03-31", "Declared"] == disclosure.NOT_AVAILABLE
    assert shown.loc["2022-03-31", "Women (% of declared)"] == 31.3 and shown.loc["2022-03-31", "Declared"] == 13950


def test_a_diversity_share_for_both_populations_together_is_refused(fresh_db):
    """GSE and Civil Service added together is no published figure (for one department it would be GSE's own)."""
    _women(fresh_db)
    state = ExploreState(source="women", as_at="2020-05-01", population=("GSE", "Civil Service"), department=("A",))
    result = explore.answer(fresh_db.conn, state, 10)
    assert result.raw.empty and "group by population" in result.notes[0]


def test_a_new_view_waits_its_turn_while_a_seen_one_comes_at_once(built_db_file):
    """While another view is being worked out, a view not seen before waits in the server's queue (one at a time),
    a view already worked out comes from the cache at once, and the waiting view's figures are right in its turn.

    The attack: six tabs cycling new Explore views at once made another viewer's page four times slower.
    """
    import threading
    import urllib.parse

    from gse_dashboard.config import DEFAULT_PROFESSION
    from gse_dashboard.ui import loaders

    path, rev = str(built_db_file), "turns-test"
    seen_query, new_query = "source=members&by=grade&as_at=2019-10-16", "source=members&by=department&as_at=2019-10-16"
    seen = loaders.cached_result(path, rev, seen_query, 10, DEFAULT_PROFESSION)
    results: dict[str, explore.ExploreResult] = {}

    def load(name: str, query: str) -> None:
        results[name] = loaders.cached_result(path, rev, query, 10, DEFAULT_PROFESSION)

    new = threading.Thread(target=load, args=("new", new_query), daemon=True)
    again = threading.Thread(target=load, args=("again", seen_query), daemon=True)
    with loaders.VIEWS.turn(lambda ahead: None):  # another session's view being worked out
        new.start()
        for _ in range(600):  # the new view joins the queue behind it
            if loaders.VIEWS.queued() == 2:
                break
            new.join(0.1)
        assert loaders.VIEWS.queued() == 2 and new.is_alive() and "new" not in results
        again.start()
        again.join(60)
        assert not again.is_alive() and results["again"].display.equals(seen.display)
        assert new.is_alive() and "new" not in results
    new.join(120)
    assert not new.is_alive() and loaders.VIEWS.queued() == 0
    database = store.connect(built_db_file, readonly=True)
    try:
        state = explore.from_query_params(urllib.parse.parse_qs(new_query))
        expected = explore.answer(database.conn, state, 10, DEFAULT_PROFESSION)
    finally:
        database.close()
    assert results["new"].display.equals(expected.display) and not expected.display.empty
