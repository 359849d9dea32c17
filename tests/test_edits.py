"""Single edits: validation, the editor check, corrections and stale edits from concurrent editors."""

import datetime as dt
import sqlite3
import threading

import pytest

from gse_dashboard.rules import auth
from gse_dashboard.storage import queries, store
from gse_dashboard.strategy import edits, timescales

ADA = auth.command_line_user("Ada Analyst")
BOB = auth.command_line_user("Bob Editor")
UPDATE = {"as_of": "2026-09-30", "status": "in progress", "rating": "amber/red", "percent_complete": "45",
          "commentary": "Slower than hoped", "evidence_url": ""}


@pytest.fixture
def database(db_copy):
    connection = store.connect(db_copy)
    yield connection
    connection.close()


def test_an_update_is_recorded_normalised_and_audited(database):
    """A valid update appears as the commitment's latest, with the rating normalised and an audit row."""
    before = edits.current_version(database.conn, "WS4-L1")
    new_id = edits.record_update(database, ADA, "WS4-L1", UPDATE, based_on=before)
    status = queries.commitment_status(database.conn, "2026-12-31", workstream=4).set_index("ref").loc["WS4-L1"]
    assert (status["update_id"], status["rating"], status["percent_complete"]) == (new_id, "Amber/Red", 45)
    audit = database.conn.execute("SELECT actor, action, row_key FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert audit == ("Ada Analyst", "add", "WS4-L1 / 2026-09-30")


def test_mistakes_are_all_reported_by_field_and_nothing_is_written(database):
    """A bad rating and a percent over 100 are both named, and the revision does not move."""
    revision = store.revision(database)
    with pytest.raises(edits.EditRejected) as rejected:
        edits.record_update(database, ADA, "WS4-L1", {**UPDATE, "rating": "Purple", "percent_complete": "150"},
                            based_on=edits.current_version(database.conn, "WS4-L1"))
    fields = {problem.split(":")[0] for problem in rejected.value.problems}
    assert {"rating", "percent_complete"} <= fields
    assert store.revision(database) == revision


def test_a_viewer_cannot_record_an_update(database):
    """The package refuses a viewer's update whatever the page shows."""
    viewer = auth.User(name="Vi", email="vi@example.gov.uk", role=auth.VIEWER, mode="oidc")
    with pytest.raises(auth.PermissionDenied):
        edits.record_update(database, viewer, "WS4-L1", UPDATE,
                            based_on=edits.current_version(database.conn, "WS4-L1"))


def test_the_second_of_two_editors_on_a_stale_view_is_refused_with_what_changed(database):
    """Two editors open the same commitment; the second save is refused and names the first's update."""
    opened = edits.current_version(database.conn, "WS4-L1")
    edits.record_update(database, ADA, "WS4-L1", UPDATE, based_on=opened)
    stale = "Ada Analyst recorded an update .* for 2026-09-30: in progress, Amber/Red"
    with pytest.raises(edits.StaleEdit, match=stale):
        edits.record_update(database, BOB, "WS4-L1", {**UPDATE, "percent_complete": "50"}, based_on=opened)
    count = database.conn.execute("SELECT COUNT(*) FROM progress_updates WHERE recorded_by = 'Bob Editor'").fetchone()
    assert count[0] == 0


def test_an_update_for_the_same_date_is_a_correction_that_keeps_the_original(database):
    """Recording 2026-09-30 again replaces the shown update but keeps the first as replaced."""
    opened = edits.current_version(database.conn, "WS4-L1")
    first = edits.record_update(database, ADA, "WS4-L1", UPDATE, based_on=opened)
    second = edits.record_update(database, ADA, "WS4-L1", {**UPDATE, "percent_complete": "55"},
                                 based_on=edits.current_version(database.conn, "WS4-L1"))
    old = database.conn.execute("SELECT superseded_at IS NOT NULL FROM progress_updates WHERE id = ?",
                                [first]).fetchone()
    new = database.conn.execute("SELECT revision_of, percent_complete FROM progress_updates WHERE id = ?",
                                [second]).fetchone()
    assert old == (1,) and new == (first, 55)


def test_owner_and_due_date_change_apply_from_now_and_are_checked(database):
    """A set date and an assigned owner show with who recorded them; a bad date is refused; a stale form is refused."""
    opened = edits.current_version(database.conn, "WS4-L1")
    with pytest.raises(edits.EditRejected) as rejected:
        edits.change_commitment(database, ADA, "WS4-L1", due_date="31/03/2027", owner="x" * 201, reason="",
                                based_on=opened)
    assert len(rejected.value.problems) == 3
    edits.change_commitment(database, ADA, "WS4-L1", due_date="2027-03-31", owner="HoSEPs",
                            reason="Re-planned by the Board", based_on=opened)
    row = queries.commitment_status(database.conn, "2030-01-01", workstream=4).set_index("ref").loc["WS4-L1"]
    assert (row["due_date"], row["due_basis"], row["due_set_by"]) == ("2027-03-31", "set", "Ada Analyst")
    assert (row["owner"], row["owner_assigned_by"]) == ("HoSEPs", "Ada Analyst")
    audit = database.conn.execute("SELECT actor, detail FROM audit_log WHERE table_name = 'commitment_changes' "
                                  "ORDER BY id DESC LIMIT 1").fetchone()
    assert audit[0] == "Ada Analyst" and '"owner": "HoSEPs"' in audit[1] and '"sets_owner": 1' in audit[1]
    with pytest.raises(edits.StaleEdit, match="Ada Analyst changed it"):
        edits.change_commitment(database, BOB, "WS4-L1", due_date="2027-06-30", owner="GSE team",
                                reason="Other view", based_on=opened)


def test_until_an_owner_is_assigned_the_strategys_responsibility_stands(database):
    """With no assignment the owner is the Profession Board's (the strategy's); an assignment says who and when."""
    row = queries.commitment_status(database.conn, "2030-01-01", ref="WS4-M4").iloc[0]
    assert row["owner"] is None and timescales.owner_text(row["owner"]) == timescales.STRATEGY_OWNER
    assert timescales.STRATEGY_OWNER.startswith("GSE Profession Board")
    edits.change_commitment(database, ADA, "WS4-M4", due_date="", owner="Jane Smith, HoSEP (Home Office)",
                            reason="Board asked for a named lead",
                            based_on=edits.current_version(database.conn, "WS4-M4"))
    row = queries.commitment_status(database.conn, "2030-01-01", ref="WS4-M4").iloc[0]
    today = dt.date.today()
    assert timescales.owner_text(row["owner"], row["owner_assigned_by"], row["owner_assigned_on"]) == (
        f"Jane Smith, HoSEP (Home Office) (assigned by Ada Analyst on {today.day} {today:%B %Y})")
    assert (row["due_basis"], row["due_set_by"]) == ("indicative", None), "only the owner was changed"
    edits.change_commitment(database, BOB, "WS4-M4", due_date="", owner="", reason="Back to the Board",
                            based_on=edits.current_version(database.conn, "WS4-M4"))
    row = queries.commitment_status(database.conn, "2030-01-01", ref="WS4-M4").iloc[0]
    assert row["owner"] is None and row["owner_assigned_by"] is None


def test_a_continuing_commitment_takes_no_date_and_an_unchanged_form_records_nothing(database):
    """Setting a date on a continuing commitment is refused; resubmitting the indicative date changes nothing."""
    with pytest.raises(edits.EditRejected, match="WS9-L1 is a continuing commitment"):
        edits.change_commitment(database, ADA, "WS9-L1", due_date="2027-03-31", owner="", reason="r",
                                based_on=edits.current_version(database.conn, "WS9-L1"))
    with pytest.raises(edits.EditRejected, match="nothing to change"):
        edits.change_commitment(database, ADA, "WS4-L1", due_date="2021-09-30", owner="", reason="r",
                                based_on=edits.current_version(database.conn, "WS4-L1"))
    assert database.conn.execute("SELECT COUNT(*) FROM commitment_changes").fetchone()[0] == 0


def test_concurrent_writers_wait_instead_of_failing(db_copy):
    """Eight threads recording updates at once all succeed: no 'database is locked' reaches anyone."""
    refs = ["WS4-L1", "WS4-L2", "WS3-L1", "WS5-L1", "WS6-L1", "WS7-L1", "WS8-L1", "WS9-L1"]
    errors = []

    def write(ref):
        connection = store.connect(db_copy)
        try:
            for quarter in ("2026-03-31", "2026-06-30", "2026-09-30"):
                edits.record_update(connection, ADA, ref, {**UPDATE, "as_of": quarter},
                                    based_on=edits.current_version(connection.conn, ref))
        except (sqlite3.OperationalError, edits.StaleEdit) as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(ref,)) for ref in refs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    connection = store.connect(db_copy)
    written = connection.conn.execute("SELECT COUNT(*) FROM progress_updates WHERE recorded_by = 'Ada Analyst'")
    assert written.fetchone()[0] == 24
    connection.close()


def test_every_editor_action_on_a_busy_database_says_busy_try_again_and_changes_nothing(db_copy, monkeypatch):
    """While another connection holds the write lock, recording an update, saving a view or a query, importing
    and undoing each raise StoreError "busy ... try again" (the line every editor page shows), and nothing changes.

    The attack: a busy database crashed the editor pages (import, undo, record, save view) with a traceback.
    """
    from gse_dashboard import explore, importers
    from gse_dashboard.explore import saved_queries

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    database = store.connect(db_copy)
    frame = importers.read_upload(b"indicator,period,population,value,source\n"
                                  b"members,2026-09-30,GSE,12,Busy test\n", "f.csv")
    validation = importers.validate(database, "observations", frame, filename="f.csv")
    batch = importers.apply_import(database, "observations", validation, user=ADA, filename="f.csv").batch_id
    revision = store.revision(database)
    holder = sqlite3.connect(db_copy, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        actions = {
            "record": lambda: edits.record_update(database, ADA, "WS4-L1", UPDATE,
                                                  based_on=edits.current_version(database.conn, "WS4-L1")),
            "save view": lambda: explore.save_view(database, "Busy view", explore.ExploreState(), ADA),
            "save query": lambda: saved_queries.save_query(database, "Busy query", "SELECT 1",
                                                           saved_queries.ChartSpec(), ADA),
            "import": lambda: importers.apply_import(database, "observations", validation, user=ADA,
                                                     filename="f.csv"),
            "undo": lambda: importers.undo_batch(database, batch, ADA),
        }
        for action, run in actions.items():
            with pytest.raises(store.StoreError, match=r"busy with another change and nothing was \w+: try again"):
                run()
            assert not database.conn.in_transaction, action
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.revision(database) == revision
    database.close()
