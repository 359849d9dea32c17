"""The scale generator: deterministic, about N times the default, every extra row illustrative."""

import re
import sqlite3

import pytest

from gse_dashboard.seed import scale
from gse_dashboard.seed.build import build_database

# Builds databases or runs subprocesses: out of the fast lane (-m "not slow").
pytestmark = pytest.mark.slow

TABLES = ("commitments", "progress_updates", "observations", "targets", "board_meetings")


def _rows(path, table):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """Two databases built at scale 3, independently."""
    folder = tmp_path_factory.mktemp("scale")
    paths = [folder / "one.db", folder / "two.db"]
    for path in paths:
        build_database(path, scale=3)
    return paths


def test_two_builds_at_the_same_scale_are_identical(scaled):
    """The scaled history is seeded: a second build gives the same rows, recorded times included."""
    one, two = scaled
    for table in TABLES:
        assert _rows(one, table) == _rows(two, table), table


def test_scale_three_is_roughly_three_times_the_default(scaled, built_db_file):
    """Commitments are exactly three times the strategy's; all rows between two and five times the default."""
    conn_big, conn_small = sqlite3.connect(scaled[0]), sqlite3.connect(built_db_file)
    try:
        count = {name: {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
                 for name, c in (("big", conn_big), ("small", conn_small))}
    finally:
        conn_big.close()
        conn_small.close()
    assert count["big"]["commitments"] == 3 * count["small"]["commitments"] == 3 * 89
    ratio = sum(count["big"].values()) / sum(count["small"].values())
    assert 2 <= ratio <= 5, ratio


def test_the_strategy_is_intact_and_every_extra_row_is_illustrative(scaled, built_db_file):
    """The real 89 commitments and their history are the default's; extra ones are marked and follow WSn-Xk."""
    conn = sqlite3.connect(scaled[0])
    try:
        real = conn.execute("SELECT ref, title FROM commitments WHERE illustrative = 0 ORDER BY ref").fetchall()
        extra = conn.execute("SELECT ref, workstream, horizon, seq FROM commitments WHERE illustrative = 1").fetchall()
        unmarked = [conn.execute(f"SELECT COUNT(*) FROM {t} WHERE illustrative = 0").fetchone()[0]
                    for t in ("progress_updates", "observations")]
        real_history = conn.execute(
            "SELECT u.ref, u.as_of, u.status, u.percent_complete, u.recorded_at FROM progress_updates u "
            "JOIN commitments c USING (ref) WHERE c.illustrative = 0 ORDER BY u.ref, u.as_of, u.id").fetchall()
    finally:
        conn.close()
    default = sqlite3.connect(built_db_file)
    try:
        assert real == default.execute("SELECT ref, title FROM commitments ORDER BY ref").fetchall()
        assert real_history == default.execute(
            "SELECT ref, as_of, status, percent_complete, recorded_at FROM progress_updates "
            "ORDER BY ref, as_of, id").fetchall()
    finally:
        default.close()
    assert len(extra) == 2 * 89
    for ref, workstream, horizon, seq in extra:
        assert re.fullmatch(r"WS\d+-[SML]\d+", ref) and ref == f"WS{workstream}-{horizon[0].upper()}{seq}"
    # Only the strategy's twelve figures and the 195 published ones are not illustrative; every update is.
    assert unmarked == [0, 12 + 195]


def test_departments_grow_to_sixty_at_scale_one_hundred():
    """The organisation grows with N: 16 departments by default, 60 at N=100, names unique."""
    assert scale.department_count(1) == 16 and scale.department_count(100) == 60
    names = list(scale.scaled_departments(100))
    assert len(names) == len(set(names)) == 60
