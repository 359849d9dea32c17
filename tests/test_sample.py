"""The illustrative history: deterministic, marked as illustrative, and believable."""

import sqlite3

import pytest

from gse_dashboard.seed.build import build_database
from gse_dashboard.storage import queries


def _dump(path):
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
                for table in ("progress_updates", "observations", "targets", "board_meetings")}
    finally:
        conn.close()


@pytest.mark.slow
def test_two_builds_give_identical_histories(tmp_path, built_db_file):
    """The history is seeded: a second build gives the same rows, recorded times included."""
    again = tmp_path / "again.db"
    build_database(again)
    assert _dump(again) == _dump(built_db_file)


def test_every_illustrative_row_is_marked(built):
    """Only the strategy's twelve figures and the published statistics are unmarked; every update is illustrative."""
    conn = built.conn
    strategy = "SELECT COUNT(*) FROM observations WHERE illustrative = 0 AND batch_id IS NULL"
    assert conn.execute(strategy).fetchone()[0] == 12
    official = conn.execute("SELECT COUNT(*), MIN(source LIKE 'Cabinet Office, Civil Service Statistics%') "
                            "FROM observations WHERE illustrative = 0 AND batch_id IS NOT NULL").fetchone()
    assert official == (195, 1)
    for table in ("progress_updates", "board_meetings", "targets"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE illustrative = 0").fetchone()[0] == 0
    assert queries.illustrative_in_use(conn)


def test_delivery_paths_are_believable(built):
    """Most short-term commitments are complete by the end of 2017, some closed, long ones run past 2021."""
    conn = built.conn
    end_2017 = queries.commitment_status(conn, "2017-12-31")
    short = end_2017[end_2017["horizon"] == "short"]
    assert 0.6 <= (short["status"] == "complete").mean() <= 0.95
    now = queries.commitment_status(conn, "2026-10-21")
    assert 1 <= (now["status"] == "closed").sum() <= 8
    finished_long = conn.execute(
        "SELECT MIN(as_of), MAX(as_of) FROM progress_updates p JOIN commitments c USING (ref) "
        "WHERE c.horizon = 'long' AND p.status = 'complete'").fetchone()
    assert finished_long[0] < "2021-10-01" < finished_long[1]
    ratings = conn.execute("SELECT COUNT(DISTINCT rating) FROM progress_updates").fetchone()[0]
    assert ratings == 5


def test_illustrative_data_never_invents_diversity(built):
    """No diversity figure and no figure of civil servants in the profession's posts is illustrative."""
    invented = built.conn.execute(
        "SELECT COUNT(*) FROM observations o JOIN indicators i ON i.code = o.indicator "
        "WHERE o.illustrative = 1 AND (i.category = 'diversity' OR o.indicator LIKE 'acses%')").fetchone()[0]
    assert invented == 0


def test_board_meetings_are_quarterly_from_launch(built):
    """Board meetings fall about three weeks after each quarter, from October 2016."""
    dates = [r[0] for r in built.conn.execute("SELECT date FROM board_meetings ORDER BY date")]
    assert dates[0] == "2016-10-19" and len(dates) == 41
    assert all(d[5:7] in ("01", "04", "07", "10") for d in dates)


def test_corrections_are_stored_as_revisions(built):
    """The history includes corrections recorded later, each pointing at the row it replaced."""
    rows = built.conn.execute(
        "SELECT o.value, r.value, r.recorded_at > o.recorded_at FROM observations r "
        "JOIN observations o ON o.id = r.revision_of").fetchall()
    assert len(rows) == 1 and all(later for _, _, later in rows)
    assert all(old != new for old, new, _ in rows)
