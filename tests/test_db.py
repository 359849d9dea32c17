"""The store layer: migrations, pragmas, write transactions and integrity checks."""

import sqlite3

import pytest
import sqlite_utils

from gse_dashboard.storage import queries, store
from gse_dashboard.storage.migrations import MIGRATIONS, migration_names


def test_migrations_apply_twice_without_harm(tmp_path):
    """Applying migrations to an up-to-date database changes nothing and raises nothing."""
    path = tmp_path / "twice.db"
    database = store.connect(path, create=True)
    store.migrate(database)
    tables_before = sorted(database.table_names())
    store.migrate(database)
    assert sorted(database.table_names()) == tables_before
    assert store.pending_migrations(database) == []
    assert "progress_updates" in tables_before and "audit_log" in tables_before


def test_migrations_keep_the_names_databases_have_recorded():
    """The migrations keep the set and function names, in order, that existing databases recorded as applied."""
    assert MIGRATIONS.name == "gse_dashboard"
    assert migration_names() == [
        "m001_create_strategy_and_history", "m002_mark_illustrative_commitments", "m003_indexes_for_as_at_queries",
        "m004_saved_queries", "m005_indicative_dates_continuing_commitments_assigned_owners",
        "m006_period_returns_complete", "m007_official_statistics", "m008_board_ratings_actions_and_risks",
        "m009_forecast_dates_on_progress_updates", "m010_protected_tables", "m011_indexes_for_undo",
        "m012_continue_to_commitments_are_continuing"]


def test_every_foreign_key_a_delete_checks_is_indexed(fresh_db):
    """Each foreign key column (revision_of, batch_id, ...) leads an index, so deleting a row never scans a table.

    With foreign keys on, deleting a row makes SQLite look for the rows that point at it; without an
    index that is a scan of the whole child table for each deleted row (undoing a 150,000-row import
    took over half an hour). The nine workstreams are the only parent rows never deleted.
    """
    conn = fresh_db.conn
    unindexed = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        leading = {conn.execute(f"PRAGMA index_info('{index[1]}')").fetchone()[2]
                   for index in conn.execute(f"PRAGMA index_list('{table}')").fetchall()}
        unindexed += [f"{table}.{key[3]}" for key in conn.execute(f"PRAGMA foreign_key_list('{table}')").fetchall()
                      if key[2] != "workstreams" and key[3] not in leading]
    assert unindexed == []
    plan = " ".join(row[3] for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM observations WHERE revision_of = 7").fetchall())
    assert "observations_revision_of" in plan


def test_connection_enforces_foreign_keys_and_uses_wal(tmp_path):
    """Every connection has foreign keys on and a file database is in WAL mode."""
    database = store.connect(tmp_path / "x.db", create=True)
    store.migrate(database)
    assert database.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.IntegrityError):
        database.conn.execute(
            "INSERT INTO commitments (ref, workstream, horizon, seq, title, description, due_date,"
            " strategy_ref) VALUES ('WS99-S1', 99, 'short', 1, 't', 'd', '2017-09-30', 'r')")


def test_missing_database_is_a_clear_error_not_a_new_file(tmp_path):
    """Opening a database that does not exist fails with a message and creates no file."""
    path = tmp_path / "typo.db"
    with pytest.raises(store.StoreError, match="no database at"):
        store.connect(path)
    assert not path.exists()


def test_write_transaction_bumps_revision_once_and_rolls_back_on_error(fresh_db):
    """A committed write bumps the revision by one; a failed one leaves data and revision alone."""
    start = store.revision(fresh_db)
    with store.write_transaction(fresh_db):
        fresh_db.conn.execute("INSERT INTO board_meetings (date, title, recorded_at, recorded_by) "
                              "VALUES ('2017-01-18', 'Board', '2017-01-01T00:00:00', 'me')")
    assert store.revision(fresh_db) == start + 1
    with pytest.raises(sqlite3.IntegrityError), store.write_transaction(fresh_db):
        fresh_db.conn.execute("INSERT INTO board_meetings (date, title, recorded_at, recorded_by) "
                              "VALUES ('2017-04-19', 'Board', '2017-01-01T00:00:00', 'me')")
        fresh_db.conn.execute("INSERT INTO board_meetings (date, title, recorded_at, recorded_by) "
                              "VALUES ('2017-01-18', 'Duplicate date', '2017-01-01T00:00:00', 'me')")
    assert store.revision(fresh_db) == start + 1
    assert fresh_db.conn.execute("SELECT COUNT(*) FROM board_meetings").fetchone()[0] == 1


def test_integrity_check_reports_a_broken_foreign_key(tmp_path, built_db_file):
    """The check finds a progress update whose commitment has gone."""
    import shutil
    path = tmp_path / "broken.db"
    shutil.copyfile(built_db_file, path)
    database = store.connect(path)
    assert store.integrity_problems(database) == []
    database.conn.execute("PRAGMA foreign_keys = OFF")
    database.conn.execute("UPDATE progress_updates SET ref = 'WS1-S99' WHERE id = 1")
    database.conn.commit()
    problems = store.integrity_problems(database)
    assert len(problems) == 1 and "progress_updates row 1" in problems[0]


def test_the_timescales_migration_keeps_real_assignments_and_drops_invented_owners():
    """Upgrading a database: invented owners go, continuing ones lose their date, a real edit keeps who and when."""
    database = sqlite_utils.Database(memory=True)
    database.conn.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(database, stop_before="m005_indicative_dates_continuing_commitments_assigned_owners")
    database["workstreams"].insert({"number": 1, "name": "W", "aspiration": "a", "challenges": "c",
                                    "strategy_ref": "r"})
    for ref, horizon, seq, due in (("WS1-S1", "short", 1, "2017-09-30"), ("WS1-L1", "long", 1, "2021-09-30")):
        database["commitments"].insert({"ref": ref, "workstream": 1, "horizon": horizon, "seq": seq, "title": ref,
                                        "description": "d", "due_date": due, "owner": "GSE team", "strategy_ref": "r"})
    database["progress_updates"].insert({"ref": "WS1-L1", "as_of": "2017-03-31", "status": "in progress",
                                         "rating": "Green", "percent_complete": 10,
                                         "recorded_at": "2017-04-01T09:00:00",
                                         "recorded_by": "t"})
    changes = [("WS1-S1", "2018-03-31", "GSE team", "ada", "2017-11-01T10:00:00"),
               ("WS1-S1", "2018-03-31", "Jane Smith", "bob", "2017-12-01T10:00:00"),
               ("WS1-S1", "2018-06-30", "Jane Smith", "cat", "2018-02-01T10:00:00")]
    for ref, due, owner, who, when in changes:
        database["commitment_changes"].insert({"ref": ref, "due_date": due, "owner": owner, "reason": "r",
                                               "recorded_at": when, "recorded_by": who})
    store.migrate(database)
    assert database.conn.execute("SELECT ref, continuing, due_date FROM commitments ORDER BY ref").fetchall() == [
        ("WS1-L1", 1, None), ("WS1-S1", 0, "2017-09-30")]
    assert "owner" not in database["commitments"].columns_dict
    rows = database.conn.execute("SELECT recorded_by, sets_due_date, due_date, sets_owner, owner "
                                 "FROM commitment_changes ORDER BY id").fetchall()
    assert rows == [("ada", 1, "2018-03-31", 0, None), ("bob", 0, None, 1, "Jane Smith"),
                    ("cat", 1, "2018-06-30", 0, None)]
    row = queries.commitment_status(database.conn, "2018-03-01", ref="WS1-S1").iloc[0]
    assert (row["owner"], row["owner_assigned_by"], row["due_set_by"]) == ("Jane Smith", "bob", "cat")
    assert store.integrity_problems(database) == []
