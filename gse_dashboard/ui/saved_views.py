"""Streamlit widgets for Explore's saved views: open one (everyone), save or delete one (editors).

Opening a view puts its parameters in the URL (and its kept as-at date in the sidebar); the
Explore view's URL sync (`explore.py`) then shows it on the next run. A saved view's JSON is
read back only through `explore.saved_params`.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

import streamlit as st

from .. import explore
from ..charts.tables import format_date
from ..rules import text_rules
from ..rules.auth import PermissionDenied
from ..rules.safe_text import escape_md
from ..storage import store
from .explore import KEY, QUERY_KEY, follow_url_next_run
from .loaders import load_views
from .session import AS_AT_KEY, db_path
from .widgets import choose_as_at

# The message shown after a view is opened, saved or deleted (the write reruns the page).
_FLASH = "_explore_flash"
# The same, for a view opened by a link: shown at the top of the page, where the link lands.
_LINK_FLASH = "_explore_link_flash"
# The URL key that opens a saved view (explore?view=NAME); replaced by the view's parameters once opened.
VIEW_KEY = "view"
# The view last opened or saved (its link is offered), and the name the selector is to show on the next run.
_LINKED = "_explore_view_linked"
_PICK = "_explore_view_pick"


def _apply_view(name: str, state_json: str, flash: str = _FLASH) -> None:
    """Point the URL at a saved view, and the sidebar at its as-at date if it kept one; the Explore view follows.

    Runs before the widgets it moves are drawn: as the Open button's callback, or from app.py (a link).
    """
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
    st.session_state[_LINKED] = name
    st.session_state[_PICK] = name
    if day is not None:
        # The sidebar's date widget is bound to the URL (bind="query-params"): setting the widget moves
        # the URL with it, and Streamlit refuses a direct write of a bound parameter.
        choose_as_at(day)
        st.session_state[flash] = ("success", f"Opened the view “{name}” at its saved as-at date, "
                                               f"{format_date(day.isoformat())}: the sidebar's date is set to it.")
    else:
        st.session_state[flash] = ("success", f"Opened the view “{name}”: it follows the sidebar's as-at date.")


def follow_view_link() -> None:
    """A link naming a saved view (explore?view=NAME) opens it, once; an unknown name is said, and the default shown.

    Called by app.py on the Explore page before the sidebar is drawn, so a view's kept date is in place
    when the sidebar's date widget is. The `view` parameter is then replaced by the view's own parameters.
    """
    asked = st.query_params.get(VIEW_KEY)
    if asked is None:
        return
    del st.query_params[VIEW_KEY]
    views = load_views()
    exact = views[views["name"] == asked.strip()]
    found = exact if not exact.empty else views[views["name"].str.casefold() == asked.strip().casefold()]
    if found.empty:
        shown = text_rules.echo(asked) or "(no name)"
        for key in list(st.query_params):
            if key not in (AS_AT_KEY, QUERY_KEY):
                del st.query_params[key]
        follow_url_next_run()
        st.session_state[_LINK_FLASH] = ("error", f"There is no saved view called “{shown}”, so Explore shows its "
                                             "default view. Choose one under Saved views.")
        return
    row = found.iloc[0]
    _apply_view(row["name"], row["state"], _LINK_FLASH)


def view_link_message_ui() -> None:
    """What a link naming a saved view did (opened it, or found no view of that name), at the top of the page."""
    flash = st.session_state.pop(_LINK_FLASH, None)
    if flash:
        getattr(st, flash[0])(escape_md(flash[1]), icon=":material/bookmark:" if flash[0] == "success"
                              else ":material/link_off:")


def saved_views_ui(state: explore.ExploreState, choices: explore.Choices, user) -> None:
    """Open a saved view (everyone); save the current one or delete one (editors)."""
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        getattr(st, flash[0])(escape_md(flash[1]))
    views = load_views()
    left, right = st.columns(2)
    with left:
        st.markdown("**Open a saved view**")
        if views.empty:
            st.caption("No views have been saved yet." + (" Save this one on the right." if user.can_edit else ""))
        else:
            pick = st.session_state.pop(_PICK, None)
            if pick in set(views["name"]):
                st.session_state[f"{KEY}view"] = pick
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
            buttons[0].button("Open this view", key=f"{KEY}open", on_click=_apply_view, args=(name, row["state"]),
                              icon=":material/open_in_browser:")
            if user.can_edit and buttons[1].button("Delete this view", key=f"{KEY}delete",
                                                   icon=":material/delete:"):
                _write_view(lambda db: explore.delete_view(db, name, user), f"Deleted the view “{name}”.")
            linked = st.session_state.get(_LINKED)
            if linked in set(views["name"]):
                view_link_ui(linked)
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
                            f"Saved the view “{name.strip()}”, {words}.", linked=True)


def _kept_date(values: list[str]) -> str | None:
    """The as-at date a saved view kept (the last one given, as the URL reads it), or None if it follows the sidebar."""
    return values[-1] if values and values[-1] else None


def _write_view(write, success: str, *, linked: bool = False) -> None:
    """Run WRITE on a connection of its own; show why if refused, else rerun with a message.

    With LINKED, the view WRITE returns the name of is the one whose link is offered, and the selector shows it.
    """
    database = store.connect(db_path())
    try:
        stored = write(database)
    except (explore.ViewError, PermissionDenied, store.StoreError) as error:
        st.error(escape_md(str(error)))
        return
    finally:
        database.close()
    if linked:
        st.session_state[_LINKED] = st.session_state[_PICK] = stored
    st.session_state[_FLASH] = ("success", success)
    st.rerun()


def view_link_ui(name: str) -> None:
    """The link that opens the saved view NAME (explore?view=NAME), to copy."""
    relative = f"explore?{urlencode({VIEW_KEY: name}, quote_via=quote)}"
    base = st.context.url
    link = f"{base.rsplit('/', 1)[0]}/{relative}" if base else relative
    st.markdown(f"**Link to the saved view “{escape_md(name)}”**: it opens the view as saved, with its choices "
                "and, if it keeps one, its as-at date:")
    st.code(link, language=None, wrap_lines=True)
