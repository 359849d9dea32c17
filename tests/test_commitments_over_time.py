"""Commitments followed over time: counts at each Board agree with Explore's as-at counts; rows and changes."""

from __future__ import annotations

from gse_dashboard import explore
from gse_dashboard.strategy import commitments_over_time as over_time


def test_quarter_ends_run_from_the_first_quarter_to_the_last_complete_one():
    """Quarter ends start at the first date's quarter and stop before a quarter that ends after the last date."""
    assert over_time.quarter_ends("2016-11-05", "2017-07-01") == ["2016-12-31", "2017-03-31", "2017-06-30"]
    assert over_time.quarter_ends("2017-03-31", "2017-03-31") == ["2017-03-31"]


def test_counts_at_each_board_are_the_as_at_counts_of_that_date(built):
    """Commitments past their date by workstream at each Board equal Explore's count as known at that Board's date."""
    conn = built.conn
    frame = over_time.grouped_over_time(conn, over_time.BOARD, "2020-01-31", by="workstream",
                                        filters={"overdue": ["past its date"]})
    boards = over_time.time_points(conn, over_time.BOARD, "2020-01-31")
    assert boards and set(frame["board"]) <= set(boards)
    for board in (boards[4], boards[-1]):
        expected = explore.commitment_groups(conn, board, group_by=("workstream",),
                                             filters={"overdue": ("past its date",)})
        got = frame[(frame["board"] == board) & (frame["commitments"] > 0)]
        assert dict(zip(got["workstream"], got["commitments"])) == dict(
            zip(expected["workstream"], expected["commitments"]))
    assert frame["commitments"].sum() > 0
    # Every Board has a row for every workstream seen, zero where none is overdue: a zero is a figure.
    assert len(frame) == len(boards) * frame["workstream"].nunique()


def test_rows_behind_a_figure_are_the_commitments_it_counts(built):
    """The rows behind a workstream's past-its-date cell are as many as it counts, with their details."""
    conn = built.conn
    counts = explore.commitment_groups(conn, "2019-10-16", group_by=("workstream", "overdue"))
    cell = counts[(counts["overdue"] == "past its date")].iloc[0]
    rows = over_time.commitment_rows(conn, "2019-10-16", filters={"workstream": [int(cell["workstream"])],
                                                                   "overdue": ["past its date"]})
    assert len(rows) == cell["commitments"]
    shown = over_time.shown_rows(rows)
    assert list(shown.columns)[:6] == ["Ref", "Commitment (summary)", "Workstream", "Horizon", "Owner", "Date"]
    assert (shown["Past its date"] == "Yes").all() and (rows["due_date"] < "2019-10-16").all()
    assert shown["Date"].str.endswith("(indicative)").all(), "no date was set, so every date shown is indicative"
    assert (shown["Owner"] == "GSE Profession Board, per the strategy (GCSA is SRO)").all()
    assert shown["In the strategy"].str.startswith("Annex A, section").all()
    assert shown["Workstream"].iloc[0].startswith(f"{int(cell['workstream'])}. ")
    assert "Latest commentary" in shown.columns


def test_changes_between_two_boards_say_what_changed(built):
    """Between two Boards, only commitments whose status, rating or overdue flag changed are listed, in words."""
    conn = built.conn
    changes = over_time.status_changes(conn, "2019-04-17", "2019-10-16")
    assert not changes.empty
    before = over_time.commitment_rows(conn, "2019-04-17").set_index("ref")
    after = over_time.commitment_rows(conn, "2019-10-16").set_index("ref")
    changed = {ref for ref in after.index
               if tuple(after.loc[ref, ["status", "rating", "overdue"]]) !=
               tuple(before.loc[ref, ["status", "rating", "overdue"]])}
    assert set(changes["Ref"]) == changed
    row = changes.iloc[0]
    assert row["Change"] and (row["Status at 2019-04-17"] != row["Status at 2019-10-16"]) == (
        "status" in row["Change"])
