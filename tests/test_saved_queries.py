"""Saved SQL: named queries stored for editors, ready-made ones that agree with the app, and charts of results."""

from __future__ import annotations

import pandas as pd
import pytest

from gse_dashboard.explore import saved_queries as saved
from gse_dashboard.explore import sql_runner
from gse_dashboard.rules.auth import PermissionDenied, User
from gse_dashboard.strategy import commitments_over_time as over_time

EDITOR = User(name="Ed", email="ed@example.gov.uk", role="editor", mode="local")
VIEWER = User(name="Vi", email="vi@example.gov.uk", role="viewer", mode="local")


def test_a_query_is_saved_reopened_by_name_in_any_case_and_deleted(fresh_db):
    """An editor saves SQL with its chart; it reopens by name ignoring case, is audited, and can be deleted."""
    spec = saved.ChartSpec(x="grade", y="members")
    assert saved.save_query(fresh_db, "  Members by grade 2019 ", "SELECT 1 AS grade, 2 AS members", spec,
                            EDITOR) == "Members by grade 2019"
    query = saved.load_query(fresh_db.conn, "members BY grade 2019")
    assert (query.sql, query.chart, query.created_by) == ("SELECT 1 AS grade, 2 AS members", spec, EDITOR.actor)
    with pytest.raises(saved.QueryError, match="already a query"):
        saved.save_query(fresh_db, "MEMBERS by grade 2019", "SELECT 2", saved.ChartSpec(), EDITOR)
    saved.save_query(fresh_db, "members by grade 2019", "SELECT 2", saved.ChartSpec(), EDITOR, overwrite=True)
    assert saved.load_query(fresh_db.conn, "Members by grade 2019").sql == "SELECT 2"
    saved.delete_query(fresh_db, "members by grade 2019", EDITOR)
    with pytest.raises(saved.QueryError, match="no saved query"):
        saved.load_query(fresh_db.conn, "Members by grade 2019")
    actions = [r[0] for r in fresh_db.conn.execute(
        "SELECT action FROM audit_log WHERE table_name = 'saved_queries' ORDER BY id")]
    assert actions == ["save query", "replace query", "delete query"]


def test_viewers_cannot_save_and_ready_made_queries_cannot_be_taken_or_deleted(fresh_db):
    """A viewer's save is refused; a ready-made name cannot be reused or deleted; empty SQL is refused."""
    with pytest.raises(PermissionDenied):
        saved.save_query(fresh_db, "Mine", "SELECT 1", saved.ChartSpec(), VIEWER)
    name = saved.READY_MADE[0].name
    with pytest.raises(saved.QueryError, match="ready-made"):
        saved.save_query(fresh_db, name.upper(), "SELECT 1", saved.ChartSpec(), EDITOR)
    with pytest.raises(saved.QueryError, match="ready-made"):
        saved.delete_query(fresh_db, name, EDITOR)
    with pytest.raises(saved.QueryError, match="no SQL"):
        saved.save_query(fresh_db, "Empty", "   ", saved.ChartSpec(), EDITOR)
    assert [q.name for q in saved.list_queries(fresh_db.conn)] == [q.name for q in saved.READY_MADE]


def test_the_ready_made_past_date_query_agrees_with_explore_at_every_board(built_db_file, built):
    """'Commitments past their date by workstream at each Board' gives the counts commitments-over-time gives."""
    query = saved.load_query(built.conn, "Commitments past their date by workstream at each Board")
    result = sql_runner.run_query(built_db_file, query.sql, time_limit_s=20, row_cap=100_000).frame
    expected = over_time.grouped_over_time(built.conn, over_time.BOARD, "2099-12-31", by="workstream",
                                           filters={"overdue": ["past its date"]})
    got = result[result["past_their_date"] > 0]
    expected = expected[expected["commitments"] > 0]
    assert len(got) > 10
    assert sorted(zip(got["board"], got["workstream"].str.split(".").str[0].astype(int),
                      got["past_their_date"])) == \
        sorted(zip(expected["board"], expected["workstream"], expected["commitments"]))


def test_the_ready_made_status_query_agrees_with_the_row_level_list(built_db_file, built):
    """'Commitment status as at a date' gives each commitment the app's status, rating and past-its-date flag."""
    query = saved.load_query(built.conn, "Commitment status as at a date")
    result = sql_runner.run_query(built_db_file, query.sql, time_limit_s=20, row_cap=100_000).frame
    rows = over_time.commitment_rows(built.conn, "2019-10-16")
    assert list(result["ref"]) == list(rows["ref"])
    assert list(result["status"]) == list(rows["status"])
    assert list(result["rating"]) == list(rows["rating"])
    assert list(result["past_its_date"]) == list(rows["overdue"])
    assert list(result["due_date"].fillna("")) == list(rows["due_date"].fillna(""))


def test_a_result_over_dates_with_many_series_is_drawn_as_small_multiples():
    """Seven series over dates become seven panels sharing one value axis scaled to the data."""
    frame = pd.DataFrame({"board": [f"2019-0{m}-01" for m in range(1, 4)] * 7,
                          "workstream": [f"{n}. WS" for n in range(1, 8) for _ in range(3)],
                          "overdue": list(range(21))})
    spec = saved.ChartSpec(x="board", y="overdue", series="workstream")
    assert saved.chart_problem(frame, spec) is None
    chart = saved.chart_result(frame, spec, title="Overdue", source="SQL")
    titles = [a.text for a in chart.figure.layout.annotations]
    assert titles == [f"{n}. WS" for n in range(1, 8)]
    assert chart.figure.layout.yaxis.range[1] == pytest.approx(20 * 1.12)


def test_a_result_by_category_is_ranked_by_value_and_bad_specs_are_explained():
    """Bars without a series are ranked largest first; a missing column or text values get a message."""
    frame = pd.DataFrame({"department": ["A", "B", "C"], "members": [5, 1959, 40]})
    chart = saved.chart_result(frame, saved.ChartSpec(x="department", y="members"), title="t", source="s")
    assert chart.table["department"].tolist() == ["B", "C", "A"]
    assert "no column 'grade'" in saved.chart_problem(frame, saved.ChartSpec(x="grade", y="members"))
    assert "no numbers" in saved.chart_problem(frame, saved.ChartSpec(x="members", y="department"))


def test_a_query_name_follows_the_view_name_rules_and_no_look_alike_of_a_ready_made_name_is_taken(fresh_db):
    """A query name with an invisible XML-breaking character or a line separator is refused like a view name;
    a ready-made name spelt with Cyrillic letters, full-width letters or a zero-width space is refused too.

    The attack: saved-query names skipped the text rules view names follow, and a Cyrillic look-alike of a
    ready-made query's name was accepted, so a reader could open the impostor for the real one.
    """
    for bad in ("Totals\ufffe", "Totals\u2028by year"):
        with pytest.raises(saved.QueryError, match="one line of text"):
            saved.save_query(fresh_db, bad, "SELECT 1", saved.ChartSpec(), EDITOR)
    name = saved.READY_MADE[0].name
    cyrillic = name.translate(str.maketrans({"a": "а", "e": "е", "o": "о", "c": "с", "p": "р"}))
    assert cyrillic != name
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    for impostor in (cyrillic, full_width, name[:3] + "\u200b" + name[3:]):
        with pytest.raises(saved.QueryError, match="looks like, the name of a ready-made query"):
            saved.save_query(fresh_db, impostor, "SELECT 1", saved.ChartSpec(), EDITOR)
    assert [q.name for q in saved.list_queries(fresh_db.conn)] == [q.name for q in saved.READY_MADE]
    assert saved.save_query(fresh_db, "Commitments by workstream, mine", "SELECT 1", saved.ChartSpec(),
                            EDITOR) == "Commitments by workstream, mine"
