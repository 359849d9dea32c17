"""Streamlit widgets for the Explore page: the state kept in the URL, the result, saved views, the SQL box.

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

from .. import db as store
from .. import explore, sqlbox
from ..auth import PermissionDenied
from ..exports import excel_bytes
from ..safe_text import md
from ..tables import format_date
from ..vocabulary import HORIZON_LABELS, HORIZONS
from .session import AS_AT_KEY, current_user, db_path, revision
from .session import settings as app_settings
from .widgets import chart_ui, download_ui, table_ui

KEY = "explore_"
# What this page last wrote to the URL: a URL that differs was changed by a link.
_WRITTEN = "_explore_url_written"
_LAST = "_explore_last_params"
_MESSAGES = "_explore_url_messages"
_FLASH = "_explore_flash"
_SQL = "explore_sql"
_SQL_RESULT = "_explore_sql_result"
# The date pickers' range: wide enough for any period the profession will record.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2040, 12, 31)
SQL_WARNING = (
    "**Unsuppressed figures, for the GSE team only.** The SQL box reads the database as it is: "
    "small counts of people are *not* hidden as they are everywhere else in the dashboard. Do not "
    "share its results outside the GSE team; use the tables above, which apply disclosure control, "
    "for anything that leaves the team."
)
_reading = store.reading


# -- cached loaders --------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def load_choices(path: str, rev: int) -> explore.Choices:
    """The indicators, breakdown values and workstreams a view can name."""
    with _reading(path) as conn:
        return explore.load_choices(conn)


@st.cache_data(show_spinner=False, max_entries=128)
def load_result(path: str, rev: int, query: str, threshold: int) -> explore.ExploreResult:
    """The grouped, suppressed result for one state, given as its URL query string (which holds as_at)."""
    state = explore.from_query_params(parse_qs(query))
    with _reading(path) as conn:
        return explore.run(conn, state, threshold)


def query_string(state: explore.ExploreState) -> str:
    """STATE as a URL query string: the small, exact key the result is cached on."""
    return urlencode(explore.to_query_params(state), doseq=True)


# -- the state, in widgets and in the URL ------------------------------------------------------

def _canonical(params: dict) -> str:
    listed = {k: [str(v)] if isinstance(v, str | int) else [str(x) for x in v]
              for k, v in params.items() if k != AS_AT_KEY}
    return json.dumps(sorted(listed.items()))


def _url_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params if key != AS_AT_KEY}


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
        if key != AS_AT_KEY and key not in params:
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
    state = explore.ExploreState(
        source=source, as_at=as_at, group_by=tuple(group_by),
        period_from=period_from.isoformat() if period_from else None,
        period_to=period_to.isoformat() if period_to else None, **chosen)
    _write_url(state)
    messages = st.session_state.pop(_MESSAGES, [])
    if messages:
        st.warning("Some of the link could not be used:\n\n" + "\n".join(f"- {md(m)}" for m in messages),
                   icon=":material/link_off:")
    return state


# -- the result --------------------------------------------------------------------------------

def result_ui(result: explore.ExploreResult, threshold: int) -> None:
    """The chart, the table as shown (suppressed where it counts people) and its downloads."""
    st.header("The result")
    chart_ui(result.chart, key="explore-chart")
    st.subheader("The table")
    if result.people:
        st.markdown(f"Counts of people below {threshold} are shown as `[c]`, and figures that would let one "
                    "be worked out are hidden too; downloads are suppressed in the same way.")
    table_ui(result.display)
    for note in result.notes:
        st.caption(md(note))
    state = result.state
    name = "-".join([state.source, *state.group_by]) or "explore"
    left, right = st.columns(2)
    with left:
        download_ui(result.display, f"{name}-{result.as_at}.csv", label="Download the table (CSV)",
                       key="explore-download-csv")
    # A callable: the workbook is made when someone asks for it, not on every run (openpyxl is slow to start).
    right.download_button("Download the table (Excel)", data=lambda: excel_bytes(result.display),
                          file_name=f"{name}-{result.as_at}.xlsx", key="explore-download-excel",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          on_click="ignore", icon=":material/download:")


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
def load_views(path: str, rev: int) -> pd.DataFrame:
    """The saved views, by name."""
    with _reading(path) as conn:
        return explore.list_views(conn)


def _open_view(name: str, state_json: str) -> None:
    """Point the URL at a saved view; the next run follows it like any link."""
    try:
        params = json.loads(state_json)
    except json.JSONDecodeError:
        params = {}
    params = params if isinstance(params, dict) else {}
    params.pop(AS_AT_KEY, None)
    for key in list(st.query_params):
        if key != AS_AT_KEY:
            del st.query_params[key]
    for key, value in params.items():
        st.query_params[key] = value
    st.session_state[_WRITTEN] = None
    st.session_state[_FLASH] = ("success", f"Opened the view “{name}”.")


def saved_views_ui(state: explore.ExploreState, choices: explore.Choices, user) -> None:
    """Open a saved view (everyone); save the current one or delete one (editors)."""
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        getattr(st, flash[0])(md(flash[1]))
    views = load_views(db_path(), revision())
    left, right = st.columns(2)
    with left:
        st.markdown("**Open a saved view**")
        if views.empty:
            st.caption("No views have been saved yet." + (" Save this one on the right." if user.can_edit else ""))
        else:
            described = {}
            for row in views.itertuples():
                saved = explore.from_query_params(_loaded(row.state), choices)
                described[row.name] = explore.describe(saved, choices)
            name = st.selectbox("Saved view", list(views["name"]), key=f"{KEY}view",
                                help="A saved view opens at the as-at date chosen in the sidebar.")
            row = views[views["name"] == name].iloc[0]
            st.caption(f"{md(described[name])}. Saved by {md(row['created_by'])} on "
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
            st.caption(md(explore.describe(state, choices)))
            name = st.text_input("Name", max_chars=explore.VIEW_NAME_MAX, key=f"{KEY}view_name",
                                 help="Up to 80 characters. The view is saved without its as-at date.")
            overwrite = st.checkbox("Replace a view with the same name", key=f"{KEY}overwrite")
            if st.form_submit_button("Save view", icon=":material/bookmark_add:"):
                _write_view(lambda db: explore.save_view(db, name, state, user, overwrite=overwrite),
                            f"Saved the view “{name.strip()}”.")


def _loaded(text: str) -> dict:
    try:
        params = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return params if isinstance(params, dict) else {}


def _write_view(write, success: str) -> None:
    """Run WRITE on a connection of its own; show why if refused, else rerun with a message."""
    database = store.connect(db_path())
    try:
        write(database)
    except (explore.ViewError, PermissionDenied) as error:
        st.error(md(str(error)))
        return
    finally:
        database.close()
    st.session_state[_FLASH] = ("success", success)
    st.rerun()


# -- the SQL box -------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=4)
def load_schema(path: str, rev: int) -> list:
    """Tables and their columns, for beside the SQL box."""
    return sqlbox.schema(path)


def _example_chosen() -> None:
    chosen = st.session_state.get(f"{KEY}example")
    examples = dict(sqlbox.EXAMPLE_QUERIES)
    if chosen in examples:
        st.session_state[_SQL] = examples[chosen]


def sql_box_ui() -> None:
    """Read-only SQL for editors: a text area, the schema and examples beside it, results with a download."""
    user = current_user()
    if not user.can_edit:  # the page hides the box too; the runner is read-only whoever calls it
        st.info("The SQL box is for editors only.")
        return
    settings = app_settings()
    st.warning(SQL_WARNING, icon=":material/warning:")
    left, right = st.columns([3, 2])
    with right:
        st.selectbox("Start from an example", [name for name, _ in sqlbox.EXAMPLE_QUERIES], index=None,
                     key=f"{KEY}example", on_change=_example_chosen, placeholder="Choose a question")
        with st.expander("Tables and their columns", icon=":material/table_chart:"):
            for table, columns in load_schema(db_path(), revision()):
                st.markdown(f"**{md(table)}**: " + ", ".join(f"`{name}`" for name, _ in columns))
    with left:
        with st.form(f"{KEY}sql_form", border=False):
            sql = st.text_area("SQL (one SELECT statement; read only)", key=_SQL, height=220,
                               placeholder="SELECT grade, SUM(value) FROM observations WHERE indicator = 'members' …")
            st.caption(f"Stops after {settings.sql_time_limit_s:g} s and returns at most {settings.sql_row_cap:,} "
                       "rows. Writing, ATTACH, PRAGMA changes and extensions are refused.")
            if st.form_submit_button("Run query", icon=":material/play_arrow:", type="primary"):
                try:
                    result = sqlbox.run_query(db_path(), sql, time_limit_s=settings.sql_time_limit_s,
                                              row_cap=settings.sql_row_cap)
                    st.session_state[_SQL_RESULT] = ("ok", result)
                except sqlbox.QueryRefused as refused:
                    st.session_state[_SQL_RESULT] = ("refused", str(refused))
        _sql_result_ui(st.session_state.get(_SQL_RESULT))


def _sql_result_ui(outcome: tuple | None) -> None:
    """The last query's rows (or why it was refused), with a CSV download."""
    if outcome is None:
        return
    kind, value = outcome
    if kind == "refused":
        st.error(f"Query not run: {md(value)}", icon=":material/block:")
        return
    rows = len(value.frame)
    st.markdown(f"{rows:,} row{'s' if rows != 1 else ''} in {value.elapsed:.2f} s."
                + (f" **Only the first {rows:,} are shown**: the result is capped at "
                   f"{sqlbox.MAX_RESULT_BYTES // 2**20} MB; select fewer or shorter columns."
                   if getattr(value, "cut_by", "") == "bytes"
                   else f" **Only the first {rows:,} are shown**: narrow the query or add a LIMIT." if value.truncated
                   else ""))
    # A data grid, not a static table: a result can have thousands of rows.
    st.dataframe(value.frame, hide_index=True)
    download_ui(value.frame, "query.csv", label="Download the result (CSV)", key="explore-sql-download")
