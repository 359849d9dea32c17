"""The Manage data page under AppTest: editors record updates, stale edits are refused, viewers cannot edit."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard.rules import auth
from gse_dashboard.storage import store
from gse_dashboard.strategy import edits, vocabulary

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _manage(db_file, monkeypatch):
    monkeypatch.setenv("GSE_DB_PATH", str(db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()  # the menu depends on the user's role, so it exists only after a first run
    at.switch_page("pages/manage.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _updates_by(db_file, who):
    database = store.connect(db_file, readonly=True)
    try:
        return database.conn.execute("SELECT ref, percent_complete, commentary FROM progress_updates "
                                     "WHERE recorded_by = ?", [who]).fetchall()
    finally:
        database.close()


def test_an_editor_records_an_update_through_the_form(db_copy, monkeypatch):
    """In local mode the user edits: the form writes the update and says so."""
    at = _manage(db_copy, monkeypatch)
    at.selectbox(key="manage_ref").set_value("WS4-L1").run()
    at.number_input[0].set_value(45)
    at.text_area[0].input("<b>Halfway</b> [link](javascript:alert(1))")
    _button(at, "Record update").click().run()
    assert not at.exception
    assert any("Update for WS4-L1 recorded" in s.value for s in at.success)
    assert _updates_by(db_copy, auth.LOCAL_USER) == [("WS4-L1", 45.0, "<b>Halfway</b> [link](javascript:alert(1))")]
    assert "<b>Halfway</b> [link](javascript:alert(1))" in [t.value for t in at.text]


def test_a_stale_form_is_refused_and_says_what_changed(db_copy, monkeypatch):
    """If someone else records an update after the form opened, saving it is refused with their update."""
    at = _manage(db_copy, monkeypatch)
    at.selectbox(key="manage_ref").set_value("WS4-L1").run()
    other = store.connect(db_copy)
    edits.record_update(other, auth.command_line_user("Bob Editor"), "WS4-L1",
                        {"as_of": "2026-06-30", "status": "in progress", "rating": "Amber", "percent_complete": 30,
                         "commentary": "Bob's update"}, based_on=edits.current_version(other.conn, "WS4-L1"))
    other.close()
    at.number_input[0].set_value(60)
    _button(at, "Record update").click().run()
    assert any("Not saved: since you opened WS4-L1, Bob Editor recorded an update" in e.value.replace("\\", "")
               for e in at.error)
    assert _updates_by(db_copy, auth.LOCAL_USER) == []


def test_a_wrong_form_lists_each_mistake(db_copy, monkeypatch):
    """An evidence link that is not a web address is named, and nothing is written."""
    at = _manage(db_copy, monkeypatch)
    at.text_input[0].input("not a link")
    _button(at, "Record update").click().run()
    assert any("Not saved" in e.value and "evidence" in e.value for e in at.error)
    assert _updates_by(db_copy, auth.LOCAL_USER) == []


def test_an_owner_assigned_through_the_form_is_shown_with_who_and_when(db_copy, monkeypatch):
    """Assigning an owner records the editor and date; the page then shows it as assigned, not as the strategy's."""
    at = _manage(db_copy, monkeypatch)
    at.selectbox(key="manage_ref").set_value("WS4-M4").run()
    assert any("Owner: GSE Profession Board, per the strategy (GCSA is SRO)" in m.value.replace("\\", "")
               for m in at.markdown)
    owner = next(i for i in at.text_input if i.label == "Owner")
    owner.input("Jane Smith")
    next(i for i in at.text_input if i.label == "Reason for the change").input("Board named a lead")
    _button(at, "Save change").click().run()
    assert not at.exception and any("recorded in your name" in s.value for s in at.success)
    database = store.connect(db_copy, readonly=True)
    try:
        row = database.conn.execute("SELECT sets_owner, owner, sets_due_date, recorded_by FROM commitment_changes "
                                    "WHERE ref = 'WS4-M4'").fetchall()
    finally:
        database.close()
    assert row == [(1, "Jane Smith", 0, auth.LOCAL_USER)]
    at.run()
    shown = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert f"Owner: Jane Smith (assigned by {auth.LOCAL_USER} on " in shown
    assert "Date: 30 September 2018 (indicative)" in shown


def test_a_continuing_commitment_offers_no_date_to_set(db_copy, monkeypatch):
    """For a continuing commitment the form has no date field and says it is judged by its updates."""
    at = _manage(db_copy, monkeypatch)
    at.selectbox(key="manage_ref").set_value("WS9-L1").run()
    assert not at.date_input or all(d.label != "Date" for d in at.date_input)
    shown = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert "Date: Continuing: no end date" in shown and "This is a continuing commitment" in shown


def test_when_login_is_required_nobody_can_edit(db_copy, monkeypatch):
    """With require_login on and no sign-in configured, only the sign-in page shows and the menu hides Manage data."""
    monkeypatch.setenv("GSE_REQUIRE_LOGIN", "true")
    monkeypatch.setenv("GSE_DB_PATH", str(db_copy))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("Sign-in is required" in e.value for e in at.error)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/manage.py")


def test_an_editor_records_the_boards_rating_of_a_workstream_with_its_rationale(db_copy, monkeypatch):
    """On the Board tab the editor records a workstream's rating at a Board; a blank rationale is refused."""
    at = _manage(db_copy, monkeypatch)
    at.selectbox(key="rating_ws").set_value(6).run()
    at.selectbox(key="rating_board").set_value("2019-10-16").run()
    rationale = next(t for t in at.text_area if t.label == "Rationale")
    rationale.input("  ")
    _button(at, "Record the rating").click().run()
    assert any("Not saved" in e.value and "rationale" in e.value for e in at.error)
    next(s for s in at.selectbox if s.label == "The Board's delivery confidence").set_value("Amber")
    next(t for t in at.text_area if t.label == "Rationale").input("Twenty points behind plan; two closed.")
    _button(at, "Record the rating").click().run()
    assert not at.exception
    assert any("rating of workstream 6 at 16 October 2019 recorded" in s.value for s in at.success)
    database = store.connect(db_copy, readonly=True)
    try:
        rows = database.conn.execute("SELECT rating, rationale, recorded_by FROM workstream_ratings WHERE "
                                     "workstream = 6 AND board_date = '2019-10-16' AND superseded_at IS NULL"
                                     ).fetchall()
    finally:
        database.close()
    assert rows == [("Amber", "Twenty points behind plan; two closed.", auth.LOCAL_USER)]


@pytest.mark.parametrize("key, table, button, statuses, new_status", [
    ("action_ref", "board_actions", "Record the action", vocabulary.ACTION_STATUSES, "dropped"),
    ("risk_ref", "risks", "Record the risk", vocabulary.RISK_STATUSES, "closed"),
])
def test_an_editor_updates_a_board_action_or_risk_after_seeing_its_history(db_copy, monkeypatch, key, table,
                                                                            button, statuses, new_status):
    """Choosing an existing action or risk shows its history; recording a new status adds a row for that ref."""
    database = store.connect(db_copy, readonly=True)
    try:
        ref, earlier = database.conn.execute(f"SELECT ref, COUNT(*) FROM {table} WHERE superseded_at IS NULL "
                                             "GROUP BY ref ORDER BY COUNT(*) DESC, ref LIMIT 1").fetchone()
    finally:
        database.close()
    at = _manage(db_copy, monkeypatch)
    at.selectbox(key=key).set_value(ref).run()
    history = [table.value for table in at.table if "Recorded by" in table.value.columns]
    assert any(len(frame) == earlier for frame in history)
    next(s for s in at.selectbox if s.label == "Status" and tuple(s.options) == statuses).set_value(new_status)
    _button(at, button).click().run()
    assert not at.exception
    assert any(f"{ref} recorded" in s.value for s in at.success)
    database = store.connect(db_copy, readonly=True)
    try:
        recorded = [row[0] for row in database.conn.execute(
            f"SELECT status FROM {table} WHERE ref = ? AND superseded_at IS NULL", [ref])]
    finally:
        database.close()
    assert len(recorded) == earlier + 1 and new_status in recorded


def test_a_blank_new_risk_is_refused_naming_each_missing_field_and_saves_nothing(db_copy, monkeypatch):
    """Recording a new risk with nothing filled in lists the reference (with a risk's example), risk and owner."""
    database = store.connect(db_copy, readonly=True)
    try:
        before = database.conn.execute("SELECT COUNT(*) FROM risks").fetchone()[0]
    finally:
        database.close()
    at = _manage(db_copy, monkeypatch)
    _button(at, "Record the risk").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "Not saved" in errors and "R7-1 (a risk)" in errors
    assert "risk\\: is blank" in errors and "owner\\: is blank" in errors  # colons escaped for Markdown
    database = store.connect(db_copy, readonly=True)
    try:
        assert database.conn.execute("SELECT COUNT(*) FROM risks").fetchone()[0] == before
    finally:
        database.close()
