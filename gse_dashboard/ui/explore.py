"""Streamlit widgets for the Explore view: its state kept in the URL, the result, the link, saved views.

The commitments detail is in `explore_commitments.py` and the SQL box in `sql_box.py`.
The page's state lives in the URL: read on first load and whenever a link (or an opened
saved view) changes it, written back on every run, so the address bar always reproduces the
view. Widget keys start with `explore_` because session state is shared by every page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from urllib.parse import parse_qs, urlencode

import pandas as pd
import streamlit as st

from .. import downloads, explore, store
from ..auth import PermissionDenied
from ..safe_text import escape_md
from ..tables import format_date
from ..vocabulary import HORIZON_LABELS, HORIZONS
from .session import AS_AT_KEY, database_facts, db_path, revision
from .widgets import chart_ui, download_ui, table_ui

KEY = "explore_"
# What this page last wrote to the URL: a URL that differs was changed by a link.
_WRITTEN = "_explore_url_written"
_LAST = "_explore_last_params"
_MESSAGES = "_explore_url_messages"
_FLASH = "_explore_flash"
# The URL key that opens a saved query in the SQL box (explore?query=NAME): not part of the view.
QUERY_KEY = "query"
# The date pickers' range: wide enough for any period the profession will record.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2040, 12, 31)


# -- cached loaders --------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def load_choices(path: str, rev: str) -> explore.Choices:
    """The indicators, breakdown values and workstreams a view can name."""
    with store.reading(path) as conn:
        return explore.load_choices(conn)


@st.cache_data(show_spinner=False, max_entries=128)
def load_result(path: str, rev: str, query: str, threshold: int) -> explore.ExploreResult:
    """The grouped, suppressed result for one state, given as its URL query string (which holds as_at)."""
    state = explore.from_query_params(parse_qs(query))
    with store.reading(path) as conn:
        return explore.answer(conn, state, threshold)


def query_string(state: explore.ExploreState) -> str:
    """STATE as a URL query string: the small, exact key the result is cached on."""
    return urlencode(explore.to_query_params(state), doseq=True)


# -- the state, in widgets and in the URL ------------------------------------------------------

def _canonical(params: dict) -> str:
    listed = {k: [str(v)] if isinstance(v, str | int) else [str(x) for x in v]
              for k, v in params.items() if k != AS_AT_KEY}
    return json.dumps(sorted(listed.items()))


def _url_params() -> dict[str, list[str]]:
    # The SQL box's ?query= is not part of the view: it is read by the SQL box.
    return {key: st.query_params.get_all(key) for key in st.query_params if key not in (AS_AT_KEY, QUERY_KEY)}


def _to_widgets(state: explore.ExploreState) -> list[str]:
    """Put STATE into the widgets' session state; return anything that could not be shown."""
    messages = []
    for key, text in ((f"{KEY}from", state.period_from), (f"{KEY}to", state.period_to)):
        day = dt.date.fromisoformat(text) if text else None
        if day and not EARLIEST <= day <= LATEST:
            messages.append(f"{text} is outside {EARLIEST.year} to {LATEST.year}, so it was ignored.")
            day = None
        st.session_state[key] = day
    st.session_state[f"{KEY}source"] = state.source
    for name in explore.LIST_FILTERS:
        st.session_state[f"{KEY}{name}"] = list(getattr(state, name))
    st.session_state[f"{KEY}by"] = list(state.group_by)
    st.session_state[f"{KEY}show"] = list(state.show)
    return messages


def _follow_url(choices: explore.Choices) -> None:
    """On first load, or when a link changed the URL, make the widgets show what the URL says."""
    params = _url_params()
    if st.session_state.get(_WRITTEN) == _canonical(params):
        return
    if not params and st.session_state.get(_LAST):
        params = st.session_state[_LAST]  # back on the page from the menu: the last view, not the default
    state = explore.from_query_params(params, choices)
    st.session_state[_MESSAGES] = [*state.messages, *_to_widgets(state)]


def _write_url(state: explore.ExploreState) -> None:
    """Make the URL say STATE (the as-at date is the sidebar's, which keeps it in the URL itself)."""
    params = explore.to_query_params(dataclasses.replace(state, as_at=None))
    for key in list(st.query_params):
        if key not in (AS_AT_KEY, QUERY_KEY) and key not in params:
            del st.query_params[key]
    for key, value in params.items():
        wanted = [value] if isinstance(value, str) else value
        if st.query_params.get_all(key) != wanted:
            st.query_params[key] = value
    st.session_state[_WRITTEN] = _canonical(params)
    st.session_state[_LAST] = {k: [v] if isinstance(v, str) else v for k, v in params.items()}


def _source_changed() -> None:
    """A new source starts from its own default grouping, with no filters."""
    source = st.session_state[f"{KEY}source"]
    st.session_state[f"{KEY}by"] = list(explore.default_group_by(source))
    st.session_state[f"{KEY}from"] = st.session_state[f"{KEY}to"] = None
    st.session_state[f"{KEY}show"] = []
    for name in explore.LIST_FILTERS:
        st.session_state[f"{KEY}{name}"] = []


def _keep_valid(key: str, options: list) -> None:
    """Drop from a multiselect's state anything that is no longer one of its options."""
    chosen = st.session_state.get(key) or []
    st.session_state[key] = [value for value in chosen if value in options]


def _filter_options(name: str, source: str, choices: explore.Choices) -> tuple[list, object]:
    """The options of filter NAME for SOURCE, and how to show each."""
    if name == "workstream":
        return list(choices.workstreams), lambda n: explore.workstream_label(n, choices.workstreams[n])
    if name == "horizon":
        return list(HORIZONS), HORIZON_LABELS.get
    if name in explore.FIXED_VALUES:
        present = choices.values.get(source, {}).get(name) if name == "population" else None
        return [v for v in explore.FIXED_VALUES[name] if present is None or v in present], str
    return list(choices.values.get(source, {}).get(name, ())), str


def state_ui(choices: explore.Choices, as_at: str) -> explore.ExploreState:
    """Source, grouping and filters, kept in the URL; returns the state they describe at AS_AT."""
    _follow_url(choices)
    labels = {explore.COMMITMENTS: "Commitments and their latest updates",
              **{code: indicator.label for code, indicator in choices.indicators.items()}}
    sources = list(labels)
    if st.session_state.get(f"{KEY}source") not in sources:
        st.session_state[f"{KEY}source"] = explore.DEFAULT_SOURCE if explore.DEFAULT_SOURCE in sources else sources[0]
    left, right = st.columns([3, 2])
    source = left.selectbox("What to explore", sources, format_func=labels.get, key=f"{KEY}source",
                            on_change=_source_changed,
                            help="An indicator (membership, diversity or a workstream measure), or the commitments.")
    dimensions = list(explore.dimensions_for(source, choices))
    _keep_valid(f"{KEY}by", dimensions)
    group_by = right.multiselect(
        "Group by (up to two)", dimensions, format_func=explore.LABELS.get, key=f"{KEY}by",
        max_selections=explore.MAX_GROUPINGS, placeholder="No grouping: one figure for the selection",
        help="The first grouping makes the rows, the second the columns. Group by period to see change over time.")
    commitments = source == explore.COMMITMENTS
    filters = explore.filters_for(source, choices)
    chosen: dict[str, tuple] = {}
    any_set = any(st.session_state.get(f"{KEY}{name}") for name in (*filters, "from", "to"))
    with st.expander("Filters", expanded=any_set, icon=":material/filter_alt:"):
        dates = st.columns(2)
        word = "Due" if commitments else "Period"
        period_from = dates[0].date_input(f"{word} from", key=f"{KEY}from", min_value=EARLIEST, max_value=LATEST,
                                          format="DD/MM/YYYY",
                                          help="Leave empty for no limit." + ("" if commitments else
                                               " Without grouping by period, the latest period in range is shown."))
        period_to = dates[1].date_input(f"{word} to", key=f"{KEY}to", min_value=EARLIEST, max_value=LATEST,
                                        format="DD/MM/YYYY", help="Leave empty for no limit.")
        columns = st.columns(3)
        for i, name in enumerate(filters):
            options, show = _filter_options(name, source, choices)
            _keep_valid(f"{KEY}{name}", options)
            values = columns[i % 3].multiselect(explore.LABELS[name], options, format_func=show,
                                                key=f"{KEY}{name}", placeholder="All")
            if values:
                chosen[name] = tuple(values)
        if not commitments:
            st.caption("Without a population filter or grouping, figures are for the GSE profession; "
                       "add the Civil Service to compare with it.")
    if period_from and period_to and period_from > period_to:
        st.warning("The start date is after the end date, so the dates are not applied.")
        period_from = period_to = None
    show = tuple(str(v) for v in st.session_state.get(f"{KEY}show") or ())
    state = explore.ExploreState(
        source=source, as_at=as_at, group_by=tuple(group_by), show=show,
        period_from=period_from.isoformat() if period_from else None,
        period_to=period_to.isoformat() if period_to else None, **chosen)
    _write_url(state)
    messages = st.session_state.pop(_MESSAGES, [])
    if messages:
        st.warning("Some of the link could not be used:\n\n" + "\n".join(f"- {escape_md(m)}" for m in messages),
                   icon=":material/link_off:")
    return state


# -- the result --------------------------------------------------------------------------------

def result_ui(result: explore.ExploreResult, threshold: int, choices: explore.Choices) -> None:
    """The chart (of the groups chosen), the table as shown (suppressed where it counts people) and its downloads."""
    st.header("The result")
    options = explore.chart_groups(result)
    if len(options) > 1:
        _keep_valid(f"{KEY}show", options)
        st.multiselect("Groups to chart", options, key=f"{KEY}show", placeholder="All of them",
                       help="Choose the groups the chart draws; the table keeps them all. More than four lines "
                            "are drawn as small multiples, one panel each.")
    chart_ui(result.chart, key="explore-chart")
    st.subheader("The table")
    if result.people:
        st.markdown(f"Counts of people below {threshold} are shown as `[c]`, and figures that would let one "
                    "be worked out are hidden too; downloads are suppressed in the same way.")
    table_ui(result.display)
    for note in result.notes:
        st.caption(escape_md(note))
    state = result.state
    name = "-".join([state.source, *state.group_by]) or "explore"
    meta = downloads.TableMeta(
        title=result.chart.title, description=explore.describe(state, choices) + f", as known at {result.as_at}",
        as_at=result.as_at, filters=explore.describe_filters(state, choices), source=result.chart.source,
        illustrative=bool(database_facts().illustrative) or bool(
            "illustrative" in result.raw and result.raw["illustrative"].fillna(0).astype(bool).any()),
        suppression=next((n for n in result.notes if n.startswith("[c]")), None),
        notes=tuple(n for n in result.notes if not n.startswith("[c]")))
    download_ui(result.display, f"{name}-{result.as_at}.csv", label="Download the table (CSV)",
                   key="explore-download-csv", meta=meta)


def link_ui(state: explore.ExploreState) -> None:
    """The link to this view, with its date pinned, to copy into an e-mail."""
    relative = explore.view_link(state)
    base = st.context.url
    link = f"{base.rsplit('/', 1)[0]}/{relative}" if base else relative
    st.markdown("**Link to this view**, with its as-at date fixed, for a colleague (copy it with the button "
                "at the right of the box):")
    st.code(link, language=None, wrap_lines=True)


# -- saved views -------------------------------------------------------------------------------

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
    st.session_state[_WRITTEN] = None
    if day is not None:
        # The sidebar's date widget is bound to the URL; both are set so that it shows the view's date.
        st.session_state[AS_AT_KEY] = day
        st.query_params[AS_AT_KEY] = day.isoformat()
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
            keep = st.radio("As-at date", [True, False], key=f"{KEY}keep_date", horizontal=True,
                            format_func=lambda k: f"Keep this date ({dated})" if k else "Follow the sidebar's date",
                            help="Kept, the view always shows the same numbers; following, it shows the figures "
                                 "as known at whatever date the sidebar is set to.")
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
    except (explore.ViewError, PermissionDenied) as error:
        st.error(escape_md(str(error)))
        return
    finally:
        database.close()
    st.session_state[_FLASH] = ("success", success)
    st.rerun()
