"""The views layer: one typed object per screen and pack section, the same for the pages and the Board pack."""

import dataclasses

import pandas as pd
import pytest

from gse_dashboard.config import load_settings
from gse_dashboard.storage import queries, store
from gse_dashboard.strategy import metrics
from gse_dashboard.views import screens

AS_AT = "2019-10-16"


@pytest.fixture(scope="module")
def conn(built_db_file):
    """A read-only connection to the shared default database, for the whole module."""
    with store.reading(built_db_file) as connection:
        yield connection


def _same(left, right) -> None:
    """Assert two views (or parts of them) hold equal values, DataFrames compared cell by cell."""
    if isinstance(left, pd.DataFrame):
        pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True))
    elif isinstance(left, dict):
        assert left.keys() == right.keys()
        for key in left:
            _same(left[key], right[key])
    elif isinstance(left, tuple):
        assert len(left) == len(right)
        for a, b in zip(left, right):
            _same(a, b)
    elif dataclasses.is_dataclass(left):
        for item in dataclasses.fields(left):
            _same(getattr(left, item.name), getattr(right, item.name))
    else:
        assert left == right


def test_overview_counts_every_commitment_and_compares_with_the_previous_board(conn):
    """The Overview view counts all commitments at the date and names the Board meeting before it."""
    view = screens.overview(conn, AS_AT, 10)
    commitments = conn.execute("SELECT COUNT(*) FROM commitments").fetchone()[0]
    assert view.headline["commitments"] == commitments == int(view.summary["commitments"].sum())
    meetings = queries.board_meetings(conn, AS_AT)["date"]
    assert view.previous_board == max(d for d in meetings if d < AS_AT)
    assert view.headline_before is not None and view.headline_before["commitments"] == commitments
    assert (view.members["period"] <= AS_AT).all() and not view.members.empty


def test_views_are_frozen_so_a_cached_answer_cannot_be_changed_in_place(conn):
    """A view's fields cannot be reassigned: the pages share cached views across reruns."""
    view = screens.database_facts(conn)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.latest = "2000-01-01"
    assert view.latest == queries.latest_data_date(conn)


def test_the_board_pack_reads_the_pages_own_views(conn):
    """The pack's overview, workstreams, membership and diversity equal what each page's view returns."""
    pack = screens.board_pack(conn, AS_AT, 10, load_settings().profession)
    _same(pack.overview, screens.overview(conn, AS_AT, 10))
    for number in (1, 4, 7):
        _same(pack.by_workstream[number], screens.workstream(conn, AS_AT, number))
    _same(pack.membership, screens.membership(conn, AS_AT, 10))
    _same(pack.diversity, screens.diversity(conn, AS_AT, 10))
    assert set(pack.by_workstream) == set(pack.workstreams["number"])
    _same(pack.changes, screens.changes(conn, pack.previous, AS_AT).commitments)


def test_the_pack_alone_adds_the_previous_boards_summary_and_overall_delivery(conn):
    """The summary at the previous Board is the Overview's summary as known at that Board."""
    pack = screens.board_pack(conn, AS_AT, 10, load_settings().profession)
    then = screens.overview(conn, pack.previous, 10)
    _same(pack.summary_before[["number", "rating", "complete"]], then.summary[["number", "rating", "complete"]])
    assert pack.trajectory["date"].iloc[-1] == AS_AT


def test_a_filtered_membership_view_has_no_target_and_says_it_is_not_the_whole(conn):
    """Filtering by grade drops the whole-profession target and keeps the chosen filters."""
    whole = screens.membership(conn, AS_AT, 10)
    scs = screens.membership(conn, AS_AT, 10, grade="SCS")
    assert whole.whole and not whole.target.empty
    assert not scs.whole and scs.target.empty
    assert scs.filters == {"department": store.ALL, "grade": "SCS", "role_type": store.ALL}
    values, hidden = scs.crosstab
    assert scs.breakdown_totals["department"][0] == int(values.loc["Total", "SCS"])


def test_the_diversity_view_holds_every_characteristic_and_the_d_and_i_workstream(conn):
    """Every diversity indicator has both breakdowns, and the status is workstream 7's only."""
    view = screens.diversity(conn, AS_AT, 10)
    codes = set(view.definitions["code"])
    assert codes and set(view.breakdowns) == {(c, by) for c in codes for by in ("grade", "department")}
    assert set(view.status["workstream"]) == {7}
    series, gaps = view.of(sorted(codes)[0])
    assert set(series["indicator"]) <= {sorted(codes)[0]} and set(gaps["indicator"]) <= {sorted(codes)[0]}


def test_changes_between_two_boards_list_only_commitments_that_changed(conn):
    """Each listed change is a real difference between the two dates' statuses or ratings, or a date passed."""
    view = screens.overview(conn, AS_AT, 10)
    found = screens.changes(conn, view.previous_board, AS_AT)
    assert list(found.commitments.columns) == ["ref", "workstream", "title", "change", "from", "to"]
    assert not found.commitments.empty
    expected = metrics.changes_between(queries.commitment_status(conn, view.previous_board, brief=True),
                                       queries.commitment_status(conn, AS_AT, brief=True), view.previous_board, AS_AT)
    _same(found.commitments, expected)
