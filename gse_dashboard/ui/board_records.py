"""Manage data: the Board's own records. A workstream's rating with its rationale at a Board, an action
the Board set, a risk on a workstream's register. Each form shows what is recorded now and is refused
if someone changed it since the form opened (board_edits checks the editor role and every value).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from .. import importers
from ..board import edits as board_edits
from ..board import records
from ..charts.tables import format_date
from ..rules import auth
from ..rules.safe_text import escape_md
from ..storage import store
from ..strategy import edits, metrics
from ..strategy.vocabulary import ACTION_STATUSES, RATINGS, RISK_LEVELS, RISK_STATUSES
from . import manage as manage_ui
from .loaders import load_board_records
from .session import db_path
from .widgets import table_ui


def _based_on(kind: str, key: tuple, read) -> int | None:
    """The id the form for KIND and KEY is based on, taken when the editor first opened it."""
    return manage_ui.form_based_on((kind, key), (kind, key), read)


def _forget(kind: str, key: tuple) -> None:
    manage_ui.forget_based_on((kind, key))


def _save(user: auth.User, kind: str, fields: dict, key: tuple, based_on: int | None, done: str) -> None:
    database = store.connect(db_path())
    try:
        board_edits.record(database, user, kind, fields, based_on=based_on)
    except edits.EditRejected as rejected:
        manage_ui.rejected_ui(rejected)
        return
    except (edits.StaleEdit, auth.PermissionDenied, store.StoreError) as refused:
        st.error(escape_md(str(refused)), icon=":material/sync_problem:")
        _forget(kind, key)
        return
    finally:
        database.close()
    _forget(kind, key)
    st.session_state.pop(manage_ui.PENDING_KEY, None)
    st.session_state["_manage_flash"] = ("success", done)
    st.rerun()


def board_records_ui(user: auth.User) -> None:
    """Three forms: a workstream's rating at a Board, an action's state, a risk's assessment."""
    today = dt.date.today().isoformat()
    data = load_board_records(today)
    names = dict(zip(data["workstreams"]["number"], data["workstreams"]["name"]))
    meetings = data["meetings"]["date"].tolist()[::-1]
    # Keyed and in the link, so the tab in use stays open after a save (issue 25).
    meeting_tab, rating_tab, action_tab, risk_tab = st.tabs(
        ["Board meeting", "Workstream ratings", "Board action", "Risk"], key="board", bind="query-params",
        default="Workstream ratings")
    if meeting_tab.open:
        with meeting_tab:
            _meeting_form(user, data)
    if rating_tab.open:
        with rating_tab:
            _rating_form(user, data, names, meetings)
    if action_tab.open:
        with action_tab:
            _action_form(user, data, names, meetings, today)
    if risk_tab.open:
        with risk_tab:
            _risk_form(user, data, names, today)


def _meeting_form(user, data) -> None:
    """Add a Board meeting, rename one, or move one to another date (its ratings and actions move with it)."""
    meetings = data["meetings"]
    known = meetings["date"].tolist()[::-1]
    new = "A new meeting"
    titles = dict(zip(meetings["date"], meetings["title"]))
    choice = st.selectbox("Meeting", [new, *known], key="meeting_date",
                          format_func=lambda d: d if d == new else f"{format_date(d)}: {titles[d]}")
    with st.form("board_meeting", enter_to_submit=False):
        columns = st.columns(2)
        date = columns[0].date_input("Date" if choice == new else "Date (change it to move the meeting)",
                                     value=None if choice == new else dt.date.fromisoformat(choice),
                                     format="DD/MM/YYYY")
        title = columns[1].text_input("Title", max_chars=500, placeholder="GSE Profession Board, January 2027",
                                      value="" if choice == new else titles[choice])
        submitted = st.form_submit_button("Save the meeting", type="primary")
    if not submitted:
        return
    database = store.connect(db_path())
    try:
        target = date.isoformat() if date else ""
        if choice != new and target and target != choice:
            done = board_edits.move_meeting(database, user, choice, target, title=title)
        else:
            done = board_edits.record_meeting(database, user, target, title)
    except edits.EditRejected as rejected:
        manage_ui.rejected_ui(rejected)
        return
    except auth.PermissionDenied as refused:
        st.error(escape_md(str(refused)), icon=":material/lock:")
        return
    finally:
        database.close()
    st.session_state["_manage_flash"] = ("success", done)
    st.rerun()


def _rating_form(user, data, names, meetings) -> None:
    """The Board's ratings of all ten workstreams at one meeting, on one form, saved together as one batch."""
    if not meetings:
        st.info("Add the Board meeting first (the Board meeting tab): a rating is the Board's judgement at a meeting.")
        return
    board = st.selectbox("Board meeting", meetings, format_func=format_date, key="rating_board")
    ratings = data["ratings"]
    current = ratings[ratings["board_date"] == board].set_index("workstream")
    st.caption("Each workstream's delivery confidence as the Board judged it, with why. A workstream left "
               "\"Not rated\" keeps what is recorded for it (the pages then show a computed indication, "
               "labelled as computed).")
    with st.form(f"board_ratings_{board}", enter_to_submit=False):
        chosen = {}
        for number, name in names.items():
            now = current.loc[number] if number in current.index else None
            st.markdown(f"**{number}. {escape_md(name)}**" + (
                f" · recorded: {escape_md(metrics.rating_label(now['rating']))}, by {escape_md(now['recorded_by'])}"
                if now is not None else " · not rated yet"))
            columns = st.columns([3, 4])
            options = [NOT_RATED, *RATINGS]
            rating = columns[0].radio(f"Rating of workstream {number}", options, horizontal=True,
                                      index=options.index(now["rating"]) if now is not None else 0,
                                      format_func=lambda r: "Not rated" if r == NOT_RATED else metrics.rating_label(r),
                                      key=f"rating_{board}_{number}", label_visibility="collapsed")
            rationale = columns[1].text_input(f"Rationale for workstream {number}", max_chars=500,
                                              value=now["rationale"] if now is not None else "",
                                              key=f"rationale_{board}_{number}", label_visibility="collapsed",
                                              placeholder="Why the Board judged it so")
            if rating != NOT_RATED:
                chosen[number] = {"workstream": number, "board_date": board, "rating": rating, "rationale": rationale}
        submitted = st.form_submit_button("Record the ratings", type="primary")
    form = f"ratings:{board}"
    if submitted:
        rows = list(chosen.values())
        if not rows:
            st.info("No workstream is rated on the form: nothing to save.")
        else:
            _check_ratings(user, form, board, rows)
    pending = st.session_state.get(manage_ui.PENDING_KEY)
    if pending and pending["form"] == form:
        st.warning("**These ratings correct what is recorded** (old → new); the versions they replace stay in "
                   "the history. Nothing is saved until you confirm.", icon=":material/edit_note:")
        table_ui(pending["outcome"])
        columns = st.columns([1, 1, 4])
        if columns[0].button("Save the ratings", type="primary", key=f"confirm_{form}"):
            _save_ratings(user, form, board)
        if columns[1].button("Cancel", key=f"cancel_{form}"):
            st.session_state.pop(manage_ui.PENDING_KEY, None)
            st.rerun()


# The choice that leaves a workstream's rating as recorded on the ratings form.
NOT_RATED = "not rated"


def _check_ratings(user, form: str, board: str, rows: list[dict]) -> None:
    """Check the form's ratings; save at once if they only add, else hold them with what they correct."""
    st.session_state.pop(manage_ui.PENDING_KEY, None)
    with store.reading(db_path()) as conn:
        validation = importers.validate(conn, "ratings", pd.DataFrame([{k: str(v) for k, v in r.items()}
                                                                       for r in rows]), filename=edits.FORM)
        if not validation.ok:
            manage_ui.rejected_ui(edits.EditRejected([
                f"workstream {rows[p.row]['workstream']}, {p.column}: {p.message}"
                if p.row is not None and p.row < len(rows) else p.message for p in validation.problems]))
            return
        shown = importers.preview(conn, validation)
    counts = validation.counts()
    if counts["add"] + counts["change"] == 0:
        st.info("Nothing to save: what is recorded already says exactly this.", icon=":material/info:")
        return
    st.session_state[manage_ui.PENDING_KEY] = {"form": form, "fields": rows, "outcome": shown[
        shown["action"] != importers.UNCHANGED].rename(columns={
            "action": "Action", "key": "Workstream / Board", "changes": "Changes (old → new)",
            "current_recorded_by": "Recorded by", "current_recorded_at": "Recorded at"}).drop(columns=["row"]),
        "validation": validation}
    if counts["change"] == 0:
        _save_ratings(user, form, board)


def _save_ratings(user, form: str, board: str) -> None:
    pending = st.session_state.pop(manage_ui.PENDING_KEY)
    try:
        result = importers.apply_import(db_path(), "ratings", pending["validation"], user=user,
                                        filename=f"Board ratings form, {board}")
    except (importers.ImportRejected, auth.PermissionDenied, store.StoreError) as refused:
        problems = getattr(refused, "problems", [refused])
        st.error("Not saved:\n\n" + "\n".join(f"- {escape_md(str(p))}" for p in problems[:20]),
                 icon=":material/sync_problem:")
        return
    st.session_state["_manage_flash"] = (
        "success", f"The Board's ratings at {format_date(board)} recorded: {result.added} added, "
                   f"{result.changed} corrected (batch {result.batch_id}).")
    st.rerun()


def _latest(history: pd.DataFrame) -> pd.DataFrame:
    return records.latest(history) if not history.empty else history


def _chosen_record(kind: str, data, label: str, history_columns: dict[str, str], *, newest_first: bool = False):
    """Choose an action or risk (or a new one); show the chosen one's history: (choice, current, key, based_on)."""
    latest = _latest(data[kind])
    new = f"New {label.lower()}"
    refs = [new, *sorted(latest["ref"].tolist(), reverse=newest_first)] if not latest.empty else [new]
    choice = st.selectbox(label, refs, key=f"{kind[:-1]}_ref")
    current = latest[latest["ref"] == choice].iloc[0] if choice != new else None
    if current is None:
        return choice, None, (choice,), None
    # Every version, corrected ones too: a correction never makes the earlier version disappear (issue 25).
    with store.reading(db_path()) as conn:
        history = records.versions(conn, kind, choice)
    history["superseded_at"] = history["superseded_at"].map(
        lambda at: f"corrected at {at.replace('T', ' ')} UTC" if isinstance(at, str) else "current")
    table_ui(history[[*history_columns, "superseded_at"]].rename(columns={**history_columns,
                                                                          "superseded_at": "Version"}))
    based_on = _based_on(kind, (choice,), lambda conn: board_edits.latest_id(conn, kind, choice))
    return choice, current, (choice,), based_on


def _action_form(user, data, names, meetings, today) -> None:
    choice, current, key, based_on = _chosen_record(
        "actions", data, "Action", {"as_of": "As of", "status": "Status", "note": "Note", "recorded_by": "Recorded by"},
        newest_first=True)
    with st.form("board_action", enter_to_submit=False):
        columns = st.columns(3)
        ref = columns[0].text_input("Reference", value=choice if current is not None else "",
                                    disabled=current is not None, placeholder="A2019-004")
        as_of = columns[1].date_input("State as of", value=dt.date.fromisoformat(today), format="DD/MM/YYYY")
        status = columns[2].selectbox("Status", ACTION_STATUSES,
                                      index=ACTION_STATUSES.index(current["status"]) if current is not None else 0)
        action = st.text_input("Action", value=current["action"] if current is not None else "", max_chars=500)
        columns = st.columns(3)
        owner = columns[0].text_input("Owner", value=current["owner"] if current is not None else "", max_chars=200)
        set_by = columns[1].selectbox("Set by the Board of", meetings or [""], format_func=format_date,
                                      index=meetings.index(current["board_date"])
                                      if current is not None and current["board_date"] in meetings else 0)
        due = columns[2].date_input("Due", value=dt.date.fromisoformat(current["due_date"]) if current is not None
                                    else None, format="DD/MM/YYYY")
        workstream = st.selectbox("Workstream (optional)", ["", *names], format_func=lambda n: f"{n}. {names[n]}"
                                  if n else "None", index=([""] + list(names)).index(int(current["workstream"]))
                                  if current is not None and pd.notna(current["workstream"]) else 0)
        note = st.text_input("Note (optional)", value="", max_chars=importers.MAX_TEXT_CHARS)
        submitted = st.form_submit_button("Record the action", type="primary")
    if submitted:
        name = choice if current is not None else ref
        fields = {"ref": name, "as_of": as_of.isoformat() if as_of else "", "board_date": set_by,
                  "workstream": workstream, "action": action, "owner": owner,
                  "due_date": due.isoformat() if due else "", "status": status, "note": note}
        manage_ui.save_or_confirm(f"actions:{choice}", "actions", fields,
                                  lambda: _save(user, "actions", fields, key, based_on, f"Action {name} recorded."))
    manage_ui.pending_ui(f"actions:{choice}", lambda f: f"action {f['ref']} as of {format_date(f['as_of'])}",
                         lambda: _save(user, "actions", manage_ui.pending_fields(f"actions:{choice}"), key, based_on,
                                       f"Action {choice} corrected."))


def _risk_form(user, data, names, today) -> None:
    choice, current, key, based_on = _chosen_record(
        "risks", data, "Risk", {"as_of": "As of", "likelihood": "Likelihood", "impact": "Impact", "status": "Status",
                                "recorded_by": "Recorded by"})
    with st.form("board_risk", enter_to_submit=False):
        columns = st.columns(3)
        ref = columns[0].text_input("Reference", value=choice if current is not None else "",
                                    disabled=current is not None, placeholder="R7-1")
        as_of = columns[1].date_input("Assessed as of", value=dt.date.fromisoformat(today), format="DD/MM/YYYY")
        workstream = columns[2].selectbox("Workstream", list(names), format_func=lambda n: f"{n}. {names[n]}",
                                          index=list(names).index(int(current["workstream"]))
                                          if current is not None else 0)
        risk = st.text_input("Risk", value=current["risk"] if current is not None else "", max_chars=500)
        columns = st.columns(4)
        owner = columns[0].text_input("Owner", value=current["owner"] if current is not None else "", max_chars=200)
        likelihood = columns[1].selectbox("Likelihood", RISK_LEVELS, index=RISK_LEVELS.index(current["likelihood"])
                                          if current is not None else 1)
        impact = columns[2].selectbox("Impact", RISK_LEVELS, index=RISK_LEVELS.index(current["impact"])
                                      if current is not None else 1)
        status = columns[3].selectbox("Status", RISK_STATUSES, index=RISK_STATUSES.index(current["status"])
                                      if current is not None else 0)
        mitigation = st.text_input("Mitigation (optional)", value=current["mitigation"] if current is not None
                                   else "", max_chars=importers.MAX_TEXT_CHARS)
        submitted = st.form_submit_button("Record the risk", type="primary")
    if submitted:
        name = choice if current is not None else ref
        fields = {"ref": name, "as_of": as_of.isoformat() if as_of else "", "workstream": workstream,
                  "risk": risk, "owner": owner, "likelihood": likelihood, "impact": impact,
                  "mitigation": mitigation, "status": status}
        manage_ui.save_or_confirm(f"risks:{choice}", "risks", fields,
                                  lambda: _save(user, "risks", fields, key, based_on, f"Risk {name} recorded."))
    manage_ui.pending_ui(f"risks:{choice}", lambda f: f"risk {f['ref']} as assessed on {format_date(f['as_of'])}",
                         lambda: _save(user, "risks", manage_ui.pending_fields(f"risks:{choice}"), key, based_on,
                                       f"Risk {choice} corrected."))
