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

from .. import commitments_over_time as over_time
from .. import downloads, explore, saved_queries, sqlbox, store, timescales
from ..auth import PermissionDenied
from ..safe_text import escape_md
from ..tables import format_date, whole_numbers
from ..vocabulary import HORIZON_LABELS, HORIZONS
from .session import AS_AT_KEY, current_user, database_facts, db_path, revision
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
_FLASH_SQL = "_explore_sql_flash"
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
def load_choices(path: str, rev: str) -> explore.Choices:
    """The indicators, breakdown values and workstreams a view can name."""
    with _reading(path) as conn:
        return explore.load_choices(conn)


@st.cache_data(show_spinner=False, max_entries=128)
def load_result(path: str, rev: str, query: str, threshold: int) -> explore.ExploreResult:
    """The grouped, suppressed result for one state, given as its URL query string (which holds as_at)."""
    state = explore.from_query_params(parse_qs(query))
    with _reading(path) as conn:
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


# -- the commitments behind a figure, and what changed between two Boards -------------------------

@st.cache_data(show_spinner=False, max_entries=32)
def load_commitment_rows(path: str, rev: str, as_at: str, filters: str, due_from: str | None,
                         due_to: str | None) -> pd.DataFrame:
    """The commitments within FILTERS (JSON) as known at AS_AT, as shown and downloaded."""
    with _reading(path) as conn:
        return over_time.shown_rows(over_time.commitment_rows(conn, as_at, filters=json.loads(filters),
                                                              due_from=due_from, due_to=due_to))

@st.cache_data(show_spinner=False, max_entries=16)
def load_board_dates(path: str, rev: str, as_at: str) -> list[str]:
    """The Board meetings known at AS_AT, oldest first."""
    with _reading(path) as conn:
        return over_time.time_points(conn, over_time.BOARD, as_at)

@st.cache_data(show_spinner=False, max_entries=16)
def load_status_changes(path: str, rev: str, earlier: str, later: str, filters: str) -> pd.DataFrame:
    """What changed between two dates for the commitments within FILTERS (JSON)."""
    with _reading(path) as conn:
        return over_time.status_changes(conn, earlier, later, filters=json.loads(filters))


# The row-level table shows this many rows on the page; the download has them all.
ROWS_SHOWN = 100


def _meta(title: str, as_at: str, filters: str, *, source: str = explore.COMMITMENTS_SOURCE_LINE,
          description: str = "") -> downloads.TableMeta:
    return downloads.TableMeta(title=title, as_at=as_at, filters=filters, source=source, description=description,
                               illustrative=bool(database_facts().illustrative))

def commitments_detail_ui(result: explore.ExploreResult, choices: explore.Choices) -> None:
    """For commitments: the rows behind any figure, and what changed between two Board meetings."""
    if result.state.source != explore.COMMITMENTS:
        return
    commitment_rows_ui(result, choices)
    changes_between_boards_ui(result.state, choices, result.as_at)

def commitment_rows_ui(result: explore.ExploreResult, choices: explore.Choices) -> None:
    """Choose a figure in the table (a value of each grouping) and list the commitments it counts."""
    state, raw = result.state, result.raw
    st.header("The commitments behind a figure")
    st.markdown("Choose a value of each grouping to list the commitments a figure counts, with their owner, "
                "due date, status, ratings and latest commentary.")
    picks: dict[str, tuple] = {}
    as_at = result.as_at
    groups = list(state.group_by)
    columns = st.columns(max(1, len(groups)))
    for column, group in zip(columns, groups):
        if group in over_time.TIME_DIMENSIONS:
            dates = sorted(set(raw[group])) if group in raw else []
            if dates:
                label = "Board meeting" if group == over_time.BOARD else "Quarter end"
                as_at = column.selectbox(label, dates, index=len(dates) - 1, key=f"{KEY}cell_{group}",
                                         format_func=format_date)
            continue
        values = list(dict.fromkeys(raw[group])) if group in raw else []
        shown = {v: (explore.workstream_label(int(v), choices.workstreams.get(int(v), "")) if group == "workstream"
                     else str(v)) for v in values}
        chosen = column.selectbox(explore.LABELS[group], ["All", *values], key=f"{KEY}cell_{group}",
                                  format_func=lambda v, shown=shown: "All" if v == "All" else shown[v])
        if chosen != "All":
            picks[group] = (int(chosen) if group == "workstream" else chosen,)
    filters = {**{k: list(v) for k, v in state.filters.items()}, **{k: list(v) for k, v in picks.items()}}
    rows = load_commitment_rows(db_path(), revision(), as_at, json.dumps(filters, sort_keys=True),
                                state.period_from, state.period_to)
    words = explore.describe_filters(dataclasses.replace(state, **picks), choices)
    st.markdown(f"**{len(rows):,} commitment{'s' if len(rows) != 1 else ''}**, as known at "
                f"{format_date(as_at)}; {escape_md(words)}.")
    if rows.empty:
        return
    table_ui(rows.head(ROWS_SHOWN))
    if len(rows) > ROWS_SHOWN:
        st.caption(f"The first {ROWS_SHOWN} of {len(rows):,} are shown; the downloads have them all.")
    download_ui(rows, f"commitments-{as_at}.csv", label="Download these commitments (CSV)",
                   key="explore-rows-download",
                   meta=_meta("Commitments behind a figure", as_at, words,
                              description="Each commitment with its owner, due date, status, ratings and latest "
                                          "commentary, as known at the as-at date"))

def changes_between_boards_ui(state: explore.ExploreState, choices: explore.Choices, as_at: str) -> None:
    """Two Board meetings side by side: the commitments whose status, rating or past-date flag changed."""
    boards = load_board_dates(db_path(), revision(), as_at)
    st.header("What changed between two Board meetings")
    if len(boards) < 2:
        st.caption("Fewer than two Board meetings are recorded by this date.")
        return
    columns = st.columns(2)
    earlier = columns[0].selectbox("From the Board of", boards, index=len(boards) - 2, key=f"{KEY}board_from",
                                   format_func=format_date)
    later = columns[1].selectbox("To the Board of", boards, index=len(boards) - 1, key=f"{KEY}board_to",
                                 format_func=format_date)
    if earlier == later:
        st.info("Choose two different Board meetings.")
        return
    earlier, later = sorted((earlier, later))
    filters = {k: list(v) for k, v in state.filters.items()}
    changes = load_status_changes(db_path(), revision(), earlier, later, json.dumps(filters, sort_keys=True))
    words = explore.describe_filters(state, choices)
    if changes.empty:
        st.markdown(f"No commitment changed status or rating, or passed its date, between the Boards of "
                    f"{format_date(earlier)} and {format_date(later)} ({escape_md(words)}).")
        return
    became = int((changes[f"{timescales.PAST_DATE_COLUMN} at {later}"] == explore.OVERDUE).sum()
                 - (changes[f"{timescales.PAST_DATE_COLUMN} at {earlier}"] == explore.OVERDUE).sum())
    completed = int(((changes[f"Status at {later}"] == "complete")
                     & (changes[f"Status at {earlier}"] != "complete")).sum())
    overdue = (f"{became:,} more past their date" if became > 0 else f"{-became:,} fewer past their date"
               if became < 0 else "as many past their date as before")
    st.markdown(f"**{len(changes):,} commitment{'s' if len(changes) != 1 else ''} changed** between the Boards of "
                f"{format_date(earlier)} and {format_date(later)}: {completed:,} completed; {overdue}.")
    table_ui(changes.head(ROWS_SHOWN))
    download_ui(changes, f"commitment-changes-{earlier}-to-{later}.csv", label="Download the changes (CSV)",
                   key="explore-changes-download",
                   meta=_meta(f"Commitments that changed between the Boards of {earlier} and {later}", later, words,
                              description="Status, rating and whether past its date at each Board, each as known "
                                          "on its date"))


# -- saved views -------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def load_views(path: str, rev: str) -> pd.DataFrame:
    """The saved views, by name."""
    with _reading(path) as conn:
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


# -- the SQL box -------------------------------------------------------------------------------

# The URL key that opens a saved query in the SQL box: explore?query=Commitment%20status%20as%20at%20a%20date
QUERY_KEY = "query"
_QUERY_OPENED = "_explore_query_opened"
_SQL_CHART = {"x": f"{KEY}sql_x", "y": f"{KEY}sql_y", "series": f"{KEY}sql_series"}
NO_SERIES = "(none)"


@st.cache_data(show_spinner=False, max_entries=4)
def load_schema(path: str, rev: str) -> list:
    """Tables and their columns, for beside the SQL box."""
    return sqlbox.schema(path)


@st.cache_data(show_spinner=False, max_entries=8)
def load_queries(path: str, rev: str) -> list[saved_queries.SavedQuery]:
    """The ready-made and saved queries."""
    with _reading(path) as conn:
        return saved_queries.list_queries(conn)


def _run_sql(sql: str, name: str | None) -> None:
    """Run SQL through the read-only runner (its rules, time limit and row cap) and keep the outcome."""
    settings = app_settings()
    try:
        result = sqlbox.run_query(db_path(), sql, time_limit_s=settings.sql_time_limit_s,
                                  row_cap=settings.sql_row_cap)
        st.session_state[_SQL_RESULT] = ("ok", result, name)
    except sqlbox.QueryRefused as refused:
        st.session_state[_SQL_RESULT] = ("refused", str(refused), name)


def _open_query(query: saved_queries.SavedQuery) -> None:
    """Put QUERY's SQL and chart settings in the box, name it in the URL, and run it."""
    st.session_state[_SQL] = query.sql
    for part, key in _SQL_CHART.items():
        st.session_state[key] = getattr(query.chart, part) or (NO_SERIES if part == "series" else None)
    st.session_state[_QUERY_OPENED] = query.name
    st.session_state[f"{KEY}query_name"] = "" if query.ready_made else query.name
    st.query_params[QUERY_KEY] = query.name
    _run_sql(query.sql, query.name)


def _query_chosen() -> None:
    chosen = st.session_state.get(f"{KEY}saved_query")
    queries_ = {q.name: q for q in load_queries(db_path(), revision())}
    if chosen in queries_:
        _open_query(queries_[chosen])


def _follow_query_link() -> None:
    """A link naming a saved query (?query=…) opens it once, as the selector would."""
    asked = st.query_params.get(QUERY_KEY)
    if not asked or st.session_state.get(_QUERY_OPENED) == asked:
        return
    st.session_state[_QUERY_OPENED] = asked
    with _reading(db_path()) as conn:
        try:
            query = saved_queries.load_query(conn, asked)
        except saved_queries.QueryError as error:
            st.session_state[_SQL_RESULT] = ("refused", str(error), None)
            return
    st.session_state[f"{KEY}saved_query"] = query.name
    _open_query(query)


def _example_chosen() -> None:
    chosen = st.session_state.get(f"{KEY}example")
    examples = dict(sqlbox.EXAMPLE_QUERIES)
    if chosen in examples:
        st.session_state[_SQL] = examples[chosen]


def sql_box_ui() -> None:
    """Read-only SQL for editors: saved and ready-made queries, the schema, results as a table and a chart."""
    user = current_user()
    if not user.can_edit:  # the page hides the box too; the runner is read-only whoever calls it
        st.info("The SQL box is for editors only.")
        return
    settings = app_settings()
    _follow_query_link()
    st.warning(SQL_WARNING, icon=":material/warning:")
    left, right = st.columns([3, 2])
    queries_ = load_queries(db_path(), revision())
    with right:
        names = [q.name for q in queries_]
        st.selectbox("Open a saved or ready-made query", names, index=None, key=f"{KEY}saved_query",
                     on_change=_query_chosen, placeholder="Choose a query",
                     format_func=lambda n: n + (" (ready-made)" if any(q.name == n and q.ready_made
                                                                       for q in queries_) else ""),
                     help="Opening a query puts it in the box, runs it and names it in the address bar, "
                          "so the link opens it for a colleague.")
        with st.expander("Tables and their columns", icon=":material/table_chart:"):
            for table, columns in load_schema(db_path(), revision()):
                st.markdown(f"**{escape_md(table)}**: " + ", ".join(f"`{name}`" for name, _ in columns))
    with left, st.form(f"{KEY}sql_form", border=False):
        sql = st.text_area("SQL (one SELECT statement; read only)", key=_SQL, height=220,
                           placeholder="SELECT grade, SUM(value) FROM observations WHERE indicator = 'members' …")
        st.caption(f"Stops after {settings.sql_time_limit_s:g} s and returns at most {settings.sql_row_cap:,} "
                   "rows. Writing, ATTACH, PRAGMA changes and extensions are refused.")
        if st.form_submit_button("Run query", icon=":material/play_arrow:", type="primary"):
            opened = st.session_state.get(_QUERY_OPENED)
            named = next((q.name for q in queries_ if q.name == opened and q.sql == sql), None)
            if named is None and QUERY_KEY in st.query_params:
                del st.query_params[QUERY_KEY]
            _run_sql(sql, named)
    _sql_result_ui(st.session_state.get(_SQL_RESULT), user)


def _sql_result_ui(outcome: tuple | None, user) -> None:
    """The last query's rows (or why it was refused), a chart of them, downloads, and saving the query."""
    if outcome is None:
        return
    kind, value, name = outcome
    if kind == "refused":
        st.error(f"Query not run: {escape_md(value)}", icon=":material/block:")
        return
    frame = whole_numbers(value.frame)  # counts stored as REAL read as '403', not '403.0'
    rows = len(frame)
    st.markdown((f"**{escape_md(name)}**: " if name else "") + f"{rows:,} row{'s' if rows != 1 else ''} in "
                f"{value.elapsed:.2f} s."
                + (f" **Only the first {rows:,} are shown**: the result is capped at "
                   f"{sqlbox.MAX_RESULT_BYTES // 2**20} MB; select fewer or shorter columns."
                   if getattr(value, "cut_by", "") == "bytes"
                   else f" **Only the first {rows:,} are shown**: narrow the query or add a LIMIT." if value.truncated
                   else ""))
    # A data grid, not a static table: a result can have thousands of rows.
    st.dataframe(frame, hide_index=True)
    title = name or "SQL box query result"
    meta = downloads.TableMeta(
        title=title, as_at=None, filters="as written in the query",
        source="The dashboard's database, read through the SQL box",
        illustrative=bool(database_facts().illustrative),
        suppression="NOT suppressed: the SQL box reads the database as it is, so small counts of people are "
                    "not hidden. For the GSE team only.",
        notes=("Only the first rows are included: the query returned more than the row cap.",)
        if value.truncated else ())
    download_ui(frame, f"{downloads.file_stem(title)}.csv", label="Download the result (CSV)",
                   key="explore-sql-download", meta=meta)
    columns = [str(c) for c in frame.columns]
    if rows and len(columns) >= 2:
        st.subheader("Chart the result")
        for key in _SQL_CHART.values():
            if st.session_state.get(key) not in (*columns, NO_SERIES):
                st.session_state.pop(key, None)
        picks = st.columns(3)
        x = picks[0].selectbox("Along the x axis", columns, index=None, key=_SQL_CHART["x"], placeholder="Choose")
        y = picks[1].selectbox("Values", columns, index=None, key=_SQL_CHART["y"], placeholder="Choose a number")
        series = picks[2].selectbox("One line or colour per", [NO_SERIES, *columns], key=_SQL_CHART["series"])
        spec = saved_queries.ChartSpec(x=x, y=y, series=None if series == NO_SERIES else series)
        if x and y:
            problem = saved_queries.chart_problem(frame, spec)
            if problem:
                st.info(escape_md(problem), icon=":material/info:")
            else:
                chart = saved_queries.chart_result(frame, spec, title=title, source="SQL box query (not suppressed)")
                chart_ui(chart, key="explore-sql-chart")
    else:
        spec = saved_queries.ChartSpec()
    if user.can_edit:
        _save_query_ui(spec)


def _save_query_ui(spec: saved_queries.ChartSpec) -> None:
    """Save the SQL in the box, with the chart chosen, under a name; show the link that opens it."""
    opened = st.session_state.get(_QUERY_OPENED)
    if opened and st.query_params.get(QUERY_KEY) == opened:
        base = st.context.url
        link = f"{base.rsplit('/', 1)[0]}/explore?{urlencode({QUERY_KEY: opened})}" if base else \
            f"explore?{urlencode({QUERY_KEY: opened})}"
        st.markdown("**Link to this query** (it runs when opened, for editors):")
        st.code(link, language=None, wrap_lines=True)
    with st.form(f"{KEY}save_query", border=True):
        st.markdown("**Save this query**, with the chart chosen above")
        name = st.text_input("Name", max_chars=saved_queries.NAME_MAX, key=f"{KEY}query_name")
        overwrite = st.checkbox("Replace a query with the same name", key=f"{KEY}query_overwrite")
        if st.form_submit_button("Save query", icon=":material/bookmark_add:"):
            sql = st.session_state.get(_SQL, "")
            user = current_user()

            def write(db):
                return saved_queries.save_query(db, name, sql, spec, user, overwrite=overwrite)

            database = store.connect(db_path())
            try:
                stored = write(database)
            except (saved_queries.QueryError, PermissionDenied) as error:
                st.error(escape_md(str(error)))
                return
            finally:
                database.close()
            st.session_state[_QUERY_OPENED] = stored
            st.query_params[QUERY_KEY] = stored
            st.session_state[_FLASH_SQL] = f"Saved the query “{stored}”."
            st.rerun()
    flash = st.session_state.pop(_FLASH_SQL, None)
    if flash:
        st.success(escape_md(flash))
