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
from ..storage import queries, store
from ..strategy import edits, metrics
from ..strategy.vocabulary import ACTION_STATUSES, RATINGS, RISK_LEVELS, RISK_STATUSES
from .session import db_path, revision
from .widgets import table_ui

BASED_ON_KEY = "_board_records_based_on"


def _based_on(kind: str, key: tuple, read) -> int | None:
    """The id the form for KIND and KEY is based on, taken when the editor first opened it."""
    stored = st.session_state.get(BASED_ON_KEY, {})
    if (kind, key) not in stored:
        with store.reading(db_path()) as conn:
            stored = {**stored, (kind, key): read(conn)}
        st.session_state[BASED_ON_KEY] = stored
    return stored[(kind, key)]


def _forget(kind: str, key: tuple) -> None:
    stored = dict(st.session_state.get(BASED_ON_KEY, {}))
    stored.pop((kind, key), None)
    st.session_state[BASED_ON_KEY] = stored


@st.cache_data(show_spinner=False, max_entries=8)
def load_board_records(path: str, rev: str, today: str) -> dict:
    """The workstreams, Board meetings and the records as known today, for the forms' choices."""
    with store.reading(path) as conn:
        return {"workstreams": queries.workstreams(conn), "meetings": queries.board_meetings(conn, today),
                "ratings": records.workstream_ratings(conn, today),
                "actions": records.action_history(conn, today),
                "risks": records.risk_history(conn, today)}


def _save(user: auth.User, kind: str, fields: dict, key: tuple, based_on: int | None, done: str) -> None:
    database = store.connect(db_path())
    try:
        board_edits.record(database, user, kind, fields, based_on=based_on)
    except edits.EditRejected as rejected:
        st.error("Not saved. Please correct:\n\n" + "\n".join(f"- {escape_md(p)}" for p in rejected.problems),
                 icon=":material/error:")
        return
    except (edits.StaleEdit, auth.PermissionDenied) as refused:
        st.error(escape_md(str(refused)), icon=":material/sync_problem:")
        _forget(kind, key)
        return
    finally:
        database.close()
    _forget(kind, key)
    st.session_state["_manage_flash"] = ("success", done)
    st.rerun()


def board_records_ui(user: auth.User) -> None:
    """Three forms: a workstream's rating at a Board, an action's state, a risk's assessment."""
    today = dt.date.today().isoformat()
    data = load_board_records(db_path(), revision(), today)
    names = dict(zip(data["workstreams"]["number"], data["workstreams"]["name"]))
    meetings = data["meetings"]["date"].tolist()[::-1]
    rating_tab, action_tab, risk_tab = st.tabs(["Workstream rating", "Board action", "Risk"])
    with rating_tab:
        _rating_form(user, data, names, meetings)
    with action_tab:
        _action_form(user, data, names, meetings, today)
    with risk_tab:
        _risk_form(user, data, names, today)


def _rating_form(user, data, names, meetings) -> None:
    if not meetings:
        st.info("Import the Board meetings first: a rating is the Board's judgement at a meeting.")
        return
    columns = st.columns(2)
    number = columns[0].selectbox("Workstream", list(names), format_func=lambda n: f"{n}. {names[n]}",
                                  key="rating_ws")
    board = columns[1].selectbox("Board meeting", meetings, format_func=format_date, key="rating_board")
    key = (int(number), board)
    based_on = _based_on("ratings", key, lambda conn: board_edits.current_id(
        conn, "ratings", {"workstream": key[0], "board_date": board}))
    ratings = data["ratings"]
    current = ratings[(ratings["workstream"] == number) & (ratings["board_date"] == board)]
    if not current.empty:
        st.markdown(f"Recorded: **{escape_md(metrics.rating_label(current.iloc[0]['rating']))}**, by "
                    f"{escape_md(current.iloc[0]['recorded_by'])}: {escape_md(current.iloc[0]['rationale'])}")
    else:
        st.caption("No rating recorded for this Board: the pages and the pack show a computed indication, "
                   "labelled as computed.")
    with st.form("board_rating", enter_to_submit=False):
        start = RATINGS.index(current.iloc[0]["rating"]) if not current.empty else 2
        rating = st.selectbox("The Board's delivery confidence", RATINGS, index=start,
                              format_func=metrics.rating_label)
        rationale = st.text_area("Rationale", value=current.iloc[0]["rationale"] if not current.empty else "",
                                 max_chars=500, help="Why the Board judged it so. Shown to the Board as plain text.")
        submitted = st.form_submit_button("Record the rating", type="primary")
    if submitted:
        _save(user, "ratings", {"workstream": number, "board_date": board, "rating": rating,
                                "rationale": rationale}, key, based_on,
              f"The Board's rating of workstream {number} at {format_date(board)} recorded.")


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
    history = data[kind][data[kind]["ref"] == choice][list(history_columns)]
    table_ui(history.rename(columns=history_columns))
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
        _save(user, "actions", {"ref": name, "as_of": as_of.isoformat() if as_of else "", "board_date": set_by,
                                "workstream": workstream, "action": action, "owner": owner,
                                "due_date": due.isoformat() if due else "", "status": status, "note": note},
              key, based_on, f"Action {name} recorded.")


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
        _save(user, "risks", {"ref": name, "as_of": as_of.isoformat() if as_of else "", "workstream": workstream,
                              "risk": risk, "owner": owner, "likelihood": likelihood, "impact": impact,
                              "mitigation": mitigation, "status": status}, key, based_on, f"Risk {name} recorded.")
