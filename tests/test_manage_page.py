"""The Manage data page under AppTest: editors record updates, stale edits are refused, viewers cannot edit."""

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard.rules import auth
from gse_dashboard.storage import store
from gse_dashboard.strategy import edits, vocabulary

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _manage(db_file, monkeypatch, **tabs):
    """The Manage data page as the local editor sees it, with TABS open (tab=..., board=...: the link's tabs)."""
    monkeypatch.setenv("GSE_DB_PATH", str(db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()  # the menu depends on the user's role, so it exists only after a first run
    for key, value in tabs.items():
        at.query_params[key] = value
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
    at = _manage(db_copy, monkeypatch, tab="Date and owner")
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
    at = _manage(db_copy, monkeypatch, tab="Date and owner")
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


def test_an_editor_records_the_boards_ratings_of_the_workstreams_on_one_form(db_copy, monkeypatch):
    """All ten workstreams are on one form; a blank rationale is refused; a change is shown old → new before saving."""
    at = _manage(db_copy, monkeypatch, tab=BOARD_TAB)
    at.selectbox(key="rating_board").set_value("2019-10-16").run()
    assert len([r for r in at.radio if r.key and r.key.startswith("rating_2019-10-16_")]) == 10
    before = _ratings_at(db_copy, "2019-10-16")
    new = "Amber" if before.get(6, ("",))[0] != "Amber" else "Red"
    at.radio(key="rating_2019-10-16_6").set_value(new)
    at.text_input(key="rationale_2019-10-16_6").input("  ")
    _button(at, "Record the ratings").click().run()
    assert any("Not saved" in e.value and "workstream 6, rationale" in e.value for e in at.error)
    at.text_input(key="rationale_2019-10-16_6").input("Twenty points behind plan; two closed.")
    _button(at, "Record the ratings").click().run()
    if 6 in before:  # a correction: shown with old → new, saved only when confirmed
        assert _ratings_at(db_copy, "2019-10-16") == before
        assert any("correct what is recorded" in w.value for w in at.warning)
        assert any(f"rating: {before[6][0]} → {new}" in " ".join(t.value.astype(str).to_numpy().ravel()).replace(
            "\\", "") for t in at.table)
        _button(at, "Save the ratings").click().run()
    assert not at.exception
    assert any("ratings at 16 October 2019 recorded" in s.value for s in at.success)
    after = _ratings_at(db_copy, "2019-10-16")
    assert after[6] == (new, "Twenty points behind plan; two closed.")
    assert {k: v for k, v in after.items() if k != 6} == {k: v for k, v in before.items() if k != 6}


def _ratings_at(db_file, board):
    database = store.connect(db_file, readonly=True)
    try:
        return {w: (r, why) for w, r, why in database.conn.execute(
            "SELECT workstream, rating, rationale FROM workstream_ratings WHERE board_date = ? "
            "AND superseded_at IS NULL", [board])}
    finally:
        database.close()


BOARD_TAB = "Board ratings, actions and risks"


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
    at = _manage(db_copy, monkeypatch, tab=BOARD_TAB, board="Board action" if key == "action_ref" else "Risk")
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
    at = _manage(db_copy, monkeypatch, tab=BOARD_TAB, board="Risk")
    _button(at, "Record the risk").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "Not saved" in errors and "R7-1 (a risk)" in errors
    assert "risk\\: is blank" in errors and "owner\\: is blank" in errors  # colons escaped for Markdown
    database = store.connect(db_copy, readonly=True)
    try:
        assert database.conn.execute("SELECT COUNT(*) FROM risks").fetchone()[0] == before
    finally:
        database.close()


def test_a_correction_on_the_progress_form_is_shown_old_to_new_and_kept_in_history(db_copy, monkeypatch):
    """A second update for a rated quarter is shown as a correction before saving; the Board's rating is kept."""
    database = store.connect(db_copy, readonly=True)
    try:
        ref, as_of, board, percent = database.conn.execute(
            "SELECT ref, as_of, board_rating, percent_complete FROM progress_updates WHERE superseded_at IS NULL "
            "AND board_rating IS NOT NULL AND as_of = '2026-09-30' ORDER BY ref LIMIT 1").fetchone()
    finally:
        database.close()
    at = _manage(db_copy, monkeypatch)
    at.selectbox(key="manage_ref").set_value(ref).run()
    next(d for d in at.date_input if d.label == "Refers to (date)").set_value(dt.date.fromisoformat(as_of))
    at.number_input[0].set_value(int(percent) + 5 if percent <= 95 else int(percent) - 5)
    at.text_area[0].input("A second look at the quarter.")
    _button(at, "Record update").click().run()
    assert _updates_by(db_copy, auth.LOCAL_USER) == []  # nothing saved yet
    shown = " ".join(w.value.replace("\\", "") for w in at.warning)
    assert "This corrects the update of" in shown and "percent_complete: " in shown and " → " in shown
    assert "board_rating" not in shown
    _button(at, "Save the correction").click().run()
    assert not at.exception and any(f"Update for {ref} recorded" in s.value for s in at.success)
    database = store.connect(db_copy, readonly=True)
    try:
        versions = database.conn.execute("SELECT board_rating, superseded_at IS NULL FROM progress_updates "
                                         "WHERE ref = ? AND as_of = ? ORDER BY id", [ref, as_of]).fetchall()
    finally:
        database.close()
    assert versions[-2:] == [(board, 0), (board, 1)]
