"""The store layer: migrations, pragmas, write transactions and integrity checks."""

import sqlite3

import pytest

from gse_dashboard import db as store


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
