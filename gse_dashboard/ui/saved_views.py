"""Streamlit widgets for Explore's saved views: open one (everyone), save or delete one (editors).

Opening a view puts its parameters in the URL (and its kept as-at date in the sidebar); the
Explore view's URL sync (`explore.py`) then shows it on the next run. A saved view's JSON is
read back only through `explore.saved_params`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from .. import explore
from ..charts.tables import format_date
from ..rules.auth import PermissionDenied
from ..rules.safe_text import escape_md
from ..storage import store
from .explore import KEY, QUERY_KEY, follow_url_next_run
from .session import AS_AT_KEY, db_path, revision

# The message shown after a view is opened, saved or deleted (the write reruns the page).
_FLASH = "_explore_flash"


@st.cache_data(show_spinner=False, max_entries=8)
def load_views(path: str, rev: str) -> pd.DataFrame:
    """The saved views, by name."""
    with store.reading(path) as conn:
        return explore.list_views(conn)


def _open_view(name: str, state_json: str) -> None:
    """Point the URL at a saved view, and the sidebar at its as-at date if it kept one; the next run follows."""
    params = explore.saved_params(state_json)
    kept = _kept_date(params.pop(AS_AT_KEY, []))
    day = None
    if kept:
        try:
            day = dt.date.fromisoformat(kept)
        except ValueError:
            day = None
    for key in list(st.query_params):
        if key not in (AS_AT_KEY, QUERY_KEY):
            del st.query_params[key]
    for key, value in params.items():
        st.query_params[key] = value
    follow_url_next_run()
    if day is not None:
        # The sidebar's date widget is bound to the URL (bind="query-params"): setting the widget moves
        # the URL with it, and Streamlit refuses a direct write of a bound parameter (it raised here).
        st.session_state[AS_AT_KEY] = day
        st.session_state[_FLASH] = ("success", f"Opened the view “{name}” at its saved as-at date, "
                                               f"{format_date(day.isoformat())}: the sidebar's date is set to it.")
    else:
        st.session_state[_FLASH] = ("success", f"Opened the view “{name}”: it follows the sidebar's as-at date.")


def saved_views_ui(state: explore.ExploreState, choices: explore.Choices, user) -> None:
    """Open a saved view (everyone); save the current one or delete one (editors)."""
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        getattr(st, flash[0])(escape_md(flash[1]))
    views = load_views(db_path(), revision())
    left, right = st.columns(2)
    with left:
        st.markdown("**Open a saved view**")
        if views.empty:
            st.caption("No views have been saved yet." + (" Save this one on the right." if user.can_edit else ""))
        else:
            described = {}
            for row in views.itertuples():
                saved = explore.from_query_params(explore.saved_params(row.state), choices)
                described[row.name] = explore.describe(saved, choices)
            name = st.selectbox("Saved view", list(views["name"]), key=f"{KEY}view",
                                help="A view saved with its as-at date opens at that date (the sidebar moves to "
                                     "it); one saved to follow the sidebar opens at the sidebar's date.")
            row = views[views["name"] == name].iloc[0]
            kept = _kept_date(explore.saved_params(row["state"]).get(AS_AT_KEY, []))
            when = (f"Keeps its as-at date, {format_date(kept)}." if kept else
                    "Follows the sidebar's as-at date.")
            st.caption(f"{escape_md(described[name])}. {when} Saved by {escape_md(row['created_by'])} on "
                       f"{format_date(row['created_at'])}.")
            buttons = st.columns(2)
            buttons[0].button("Open this view", key=f"{KEY}open", on_click=_open_view, args=(name, row["state"]),
                              icon=":material/open_in_browser:")
            if user.can_edit and buttons[1].button("Delete this view", key=f"{KEY}delete",
                                                   icon=":material/delete:"):
                _write_view(lambda db: explore.delete_view(db, name, user), f"Deleted the view “{name}”.")
    with right:
        if not user.can_edit:
            st.caption("Only editors can save views.")
            return
        with st.form(f"{KEY}save", border=True):
            st.markdown("**Save this view**")
            st.caption(escape_md(explore.describe(state, choices)))
            name = st.text_input("Name", max_chars=explore.VIEW_NAME_MAX, key=f"{KEY}view_name",
                                 help="Up to 80 characters.")
            dated = format_date(state.as_at) if state.as_at else "today's"
            # The labels do not name the date: when the sidebar's date changed (opening a view that
            # kept one), labels that did left the radio with neither choice selected.
            keep = st.radio("As-at date", [True, False], key=f"{KEY}keep_date", horizontal=True,
                            format_func=lambda k: "Keep this date" if k else "Follow the sidebar's date",
                            help="Kept, the view always shows the same numbers; following, it shows the figures "
                                 "as known at whatever date the sidebar is set to.")
            st.caption(f"This date: {dated}.")
            overwrite = st.checkbox("Replace a view with the same name", key=f"{KEY}overwrite")
            if st.form_submit_button("Save view", icon=":material/bookmark_add:"):
                words = f"at {dated}" if keep else "following the sidebar's date"
                _write_view(lambda db: explore.save_view(db, name, state, user, overwrite=overwrite,
                                                         keep_date=keep),
                            f"Saved the view “{name.strip()}”, {words}.")


def _kept_date(values: list[str]) -> str | None:
    """The as-at date a saved view kept (the last one given, as the URL reads it), or None if it follows the sidebar."""
    return values[-1] if values and values[-1] else None


def _write_view(write, success: str) -> None:
    """Run WRITE on a connection of its own; show why if refused, else rerun with a message."""
    database = store.connect(db_path())
    try:
        write(database)
    except (explore.ViewError, PermissionDenied, store.StoreError) as error:
        st.error(escape_md(str(error)))
        return
    finally:
        database.close()
    st.session_state[_FLASH] = ("success", success)
    st.rerun()
