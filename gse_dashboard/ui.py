"""Streamlit glue shared by the pages: cached loaders, the as-at control, chart and table widgets.

Loaders are cached on a small key (database path, revision, as-at date), never on a
DataFrame; every write bumps the revision, so a cached answer is never stale.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from . import accessibility, auth, charts, disclosure, metrics, queries, timescales
from . import db as store
from .build import ensure_database
from .charts import PLOTLY_CONFIG, Chart
from .config import Settings, load_settings
from .exports import csv_bytes
from .safe_text import md

# Pure table shaping lives in tables.py so the Board pack shows what the pages show; the names
# stay importable from here for the pages.
from .tables import COMMITMENT_COLUMNS as COMMITMENT_COLUMNS
from .tables import commitment_table as commitment_table
from .tables import department_grade_table, diversity_breakdown_table
from .tables import diversity_summary as diversity_summary
from .tables import format_cell as format_cell
from .tables import format_date as format_date
from .tables import observation_source as observation_source
from .tables import source_line as source_line

AS_AT_KEY = "as_at"
# Set by app.py on every run: a page that runs without it was started by Streamlit's older
# pages/-folder routing (a deep link on a freshly started server) rather than by app.py.
APP_RAN_KEY = "_gse_app_ran"
ILLUSTRATIVE_NOTICE = (
    "**Illustrative data.** Apart from the strategy's own baseline figures (membership and SCS "
    "in September 2016, diversity in 2015), the progress, membership and diversity figures "
    "in this database are made up to show how the dashboard works. They are not real."
)


def page_guard() -> None:
    """Make sure app.py (navigation, as-at control) runs before any page, even on a deep link.

    Streamlit runs pages/NAME.py directly for the first request of a new server when a pages/
    folder exists. Calling st.navigation switches that legacy mode off; the rerun then goes
    through app.py to the same URL.
    """
    if not st.session_state.get(APP_RAN_KEY):
        st.navigation(app_pages())
        st.rerun()


def app_pages() -> list:
    """The dashboard's pages, in the order the navigation lists them."""
    return [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/workstreams.py", title="Workstreams", icon=":material/account_tree:",
                url_path="workstreams"),
        st.Page("pages/membership.py", title="Membership", icon=":material/groups:", url_path="membership"),
        st.Page("pages/diversity.py", title="Diversity & inclusion", icon=":material/diversity_3:",
                url_path="diversity"),
        *([st.Page("pages/manage.py", title="Manage data", icon=":material/edit_note:", url_path="manage")]
          if current_user().can_edit else []),
        st.Page("pages/explore.py", title="Explore", icon=":material/query_stats:", url_path="explore"),
        st.Page("pages/board_pack.py", title="Board pack", icon=":material/picture_as_pdf:", url_path="board-pack"),
        st.Page("pages/strategy.py", title="The strategy", icon=":material/menu_book:", url_path="strategy"),
        st.Page("pages/about.py", title="About the data", icon=":material/info:", url_path="about"),
    ]


def _secrets() -> dict:
    """The parsed .streamlit/secrets.toml, or an empty dict when there is none (read once per run)."""
    def read() -> dict:
        try:
            return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
        except (FileNotFoundError, AttributeError):
            return {}
    return _once_per_run("secrets", read)


# Values worked out once per script run and shared by every call in it, per session: a page asks
# for the database path, its revision and the basic facts several times in one run.
_RUN_MEMO: dict[str, tuple[dict, dict]] = {}
_RUN_MEMO_SESSIONS = 512


def _once_per_run(name: str, make):
    """MAKE() the first time NAME is asked for in this script run; the same value after that.

    A run is told from the next by the cursors dict Streamlit gives each run (identity, not
    equality), so nothing is kept across runs: a write is always followed by a rerun that sees it.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return make()
    memo = _RUN_MEMO.get(ctx.session_id)
    if memo is None or memo[0] is not ctx.cursors:
        if len(_RUN_MEMO) >= _RUN_MEMO_SESSIONS:
            _RUN_MEMO.clear()
        memo = _RUN_MEMO[ctx.session_id] = (ctx.cursors, {})
    if name not in memo[1]:
        memo[1][name] = make()
    return memo[1][name]


def settings() -> Settings:
    """The settings, from the environment and then from the [gse] section of secrets.toml."""
    return _once_per_run("settings", lambda: load_settings(dict(_secrets().get("gse", {}))))


def auth_configured() -> bool:
    """Whether sign-in through st.login (OIDC) is configured in secrets.toml."""
    return bool(_secrets().get("auth"))


def current_user() -> auth.User:
    """The user of this session and their role, decided on the server."""
    configured = auth_configured()
    logged_in = bool(configured and st.user.get("is_logged_in", False))
    chosen = settings()
    return auth.resolve_user(auth_configured=configured, logged_in=logged_in,
                             email=st.user.get("email") if logged_in else None,
                             name=st.user.get("name") if logged_in else None,
                             editors=chosen.editors, require_login=chosen.require_login)


def user_ui() -> auth.User:
    """Sign-in state in the sidebar: the local-mode banner, or sign in / sign out."""
    user = current_user()
    if user.mode == "local":
        if user.can_edit:
            st.sidebar.info("**Local single-user mode.** Sign-in is not configured, so you can edit "
                            "the data. See the README to configure sign-in.", icon=":material/person:")
        else:
            st.sidebar.info("**Local mode, read only.** Sign-in is required to edit but is not configured.",
                            icon=":material/lock:")
    elif user.mode == "anonymous":
        st.sidebar.button("Sign in", on_click=st.login, icon=":material/login:")
    else:
        st.sidebar.markdown(f"Signed in as **{user.name}** ({user.role})")
        st.sidebar.button("Sign out", on_click=st.logout, icon=":material/logout:")
    return user


@st.cache_resource(show_spinner="Building the database (first run only)…")
def _prepared(path: str) -> bool:
    """Build the database on first run, or bring an existing one's schema up to date."""
    return ensure_database(path)


def db_path() -> str:
    """The database file this app uses, built if it does not exist yet."""
    def prepared() -> str:
        path = str(settings().db_path)
        _prepared(path)
        return path
    return _once_per_run("db_path", prepared)


def connection():
    """A connection for this script run (SQLite connections stay on their thread)."""
    return store.reading(db_path())


def revision() -> str:
    """A token that changes with every write and every rebuild: the part of cache keys that moves.

    The build time tells one database from another built at the same path; the revision
    number tells one state of a database from the next.
    """
    def read() -> str:
        with connection() as conn:
            rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('revision', 'built_at')").fetchall())
        return f"{rows.get('built_at', '')}#{rows.get('revision', '0')}"
    return _once_per_run("revision", read)


# -- cached loaders: (path, revision, as_at) in, small DataFrames out ------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def load_status(path: str, rev: str, as_at: str) -> pd.DataFrame:
    """Every commitment's status as known at AS_AT (the brief columns): shared by the Overview and its changes."""
    with _read(path) as conn:
        return queries.commitment_status(conn, as_at, brief=True)


@st.cache_data(show_spinner=False, max_entries=64)
def load_overview(path: str, rev: str, as_at: str) -> dict:
    """Everything the Overview page shows at AS_AT, computed once per key.

    Only what the page draws is returned: the cached answer is copied on every run, and the
    full status table of a large database is the part that costs (load_status keeps it).
    """
    with _read(path) as conn:
        ws = queries.workstreams(conn)
        previous = queries.previous_board_date(conn, as_at)
        members = queries.observation_series(conn, "members", as_at, population="GSE")
        scs = queries.observation_series(conn, "members", as_at, population="GSE", grade="SCS")
    status = load_status(path, rev, as_at)
    before = load_status(path, rev, previous) if previous else None
    return {
        "workstreams": ws,
        "summary": metrics.workstream_summary(status, ws, as_at),
        "headline": metrics.headline(status, as_at),
        "previous_board": previous,
        "headline_before": metrics.headline(before, previous) if before is not None else None,
        "members": members,
        "scs": scs,
    }


@st.cache_data(show_spinner=False, max_entries=64)
def load_workstream(path: str, rev: str, as_at: str, number: int) -> dict:
    """One workstream's commitments, trajectory and indicators at AS_AT."""
    with _read(path) as conn:
        status = metrics.with_flags(queries.commitment_status(conn, as_at, workstream=number), as_at)
        updates = queries.known_updates(conn, as_at, workstream=number)
        indicator_defs = queries.indicators(conn, workstream=number)
        indicator_data = {
            row.code: (queries.observation_series(conn, row.code, as_at, population="GSE"),
                       queries.targets(conn, row.code, as_at))
            for row in indicator_defs.itertuples() if row.category == "workstream"
        }
    end = max(as_at, metrics.STRATEGY_END)
    return {
        "status": status,
        "trajectory": metrics.trajectory(status, updates, metrics.timeline_dates(queries.LAUNCH_DATE, end), as_at),
        "indicators": indicator_defs[indicator_defs["category"] == "workstream"],
        "indicator_data": indicator_data,
    }


@st.cache_data(show_spinner=False, max_entries=256)
def load_update_history(path: str, rev: str, as_at: str, ref: str) -> pd.DataFrame:
    """The updates of one commitment known at AS_AT."""
    with _read(path) as conn:
        return queries.update_history(conn, ref, as_at)


@st.cache_data(show_spinner=False, max_entries=8)
def load_basics(path: str, rev: str) -> dict:
    """Facts that do not depend on the as-at date: workstreams, the latest date, meetings."""
    with _read(path) as conn:
        latest = queries.latest_data_date(conn)
        return {
            "workstreams": queries.workstreams(conn),
            "latest": latest,
            "meetings": queries.board_meetings(conn, latest),
            "illustrative": queries.illustrative_in_use(conn),
            "indicators": queries.indicators(conn),
        }


# Every loader reads through one connection per call, opened by the store layer.
_read = store.reading


def basics() -> dict:
    """load_basics for the current database and revision (once per run: each cache hit is a copy)."""
    return _once_per_run("basics", lambda: load_basics(db_path(), revision()))


# -- widgets ---------------------------------------------------------------------------------

def as_at_ui() -> str:
    """The global as-at date control in the sidebar, kept in the URL; returns YYYY-MM-DD."""
    facts = basics()
    latest = dt.date.fromisoformat(facts["latest"])
    launch = dt.date.fromisoformat(queries.LAUNCH_DATE)
    newest = max(latest, dt.date.today())
    # Read before the widget, which silently drops a date it cannot show from the link.
    asked = st.query_params.get(AS_AT_KEY)
    chosen = st.sidebar.date_input(
        "As at date",
        value=latest,
        min_value=launch,
        max_value=newest,
        key=AS_AT_KEY,
        bind="query-params",
        format="DD/MM/YYYY",
        help="Show the dashboard as it was known on this date. Board meetings are listed below.",
    )
    as_at = (chosen or latest).isoformat()
    if asked is not None and asked != as_at:
        st.warning(f"The link asks for the as-at date “{md(asked)}”, which is not a date from "
                   f"{format_date(launch.isoformat())} to {format_date(newest.isoformat())} written as "
                   f"YYYY-MM-DD: showing {format_date(as_at)} instead.")
    meetings = facts["meetings"]
    if not meetings.empty:
        recent = meetings.tail(4).iloc[::-1]
        st.sidebar.caption("Recent Board meetings: " + ", ".join(
            dt.date.fromisoformat(d).strftime("%d %b %Y") for d in recent["date"]))
    return as_at


def current_as_at() -> str:
    """The as-at date chosen in the sidebar (set by app.py before any page runs)."""
    value = st.session_state.get(AS_AT_KEY)
    if isinstance(value, dt.date):
        return value.isoformat()
    return basics()["latest"]


def accessibility_css_ui() -> None:
    """Inject, once per run, the CSS that works round Streamlit's accessibility gaps (see accessibility.py)."""
    st.html(f"<style>{accessibility.CSS}</style>")


def illustrative_notice() -> None:
    """Say plainly that the figures are illustrative, when they are."""
    if basics()["illustrative"]:
        st.warning(ILLUSTRATIVE_NOTICE, icon=":material/info:")


def _fingerprint(part) -> object:
    """PART as a small exact key: a DataFrame by its columns and a hash of its content."""
    if isinstance(part, pd.DataFrame):
        return ("frame", tuple(map(str, part.columns)), len(part),
                int(pd.util.hash_pandas_object(part, index=True).sum()))
    if isinstance(part, dict):
        return tuple((k, _fingerprint(v)) for k, v in part.items())
    return part


@st.cache_resource(show_spinner=False, max_entries=512)
def _built(key: tuple, _build) -> object:
    return _build()


def built_once(build, *inputs) -> object:
    """BUILD() once for these INPUTS (DataFrames by content), shared by every session and rerun.

    Figures and suppressed tables cost more to build than to look up; the inputs already come
    from loaders keyed on the database's revision and the as-at date. What is returned is
    shared, so callers only read it.
    """
    return _built(tuple(_fingerprint(part) for part in inputs), build)


def chart_ui(chart: Chart, key: str, *, level: int = 3) -> None:
    """A chart with its message title, subtitle, source, text summary and data table.

    LEVEL is the title's heading level: one below the heading the chart sits under, so that
    screen reader users can move through the page by headings without a level skipped.
    """
    st.markdown(f"{'#' * level} {md(chart.title)}")
    st.caption(md(chart.subtitle))
    if chart.note:
        st.info(md(chart.note), icon=":material/info:")
    st.plotly_chart(chart.figure, config=PLOTLY_CONFIG, key=key, alt=chart.alt_text)
    st.caption(f"Source: {md(chart.source)}")
    with st.expander("Chart as a table, and a text description"):
        st.markdown(md(chart.alt_text))
        table_ui(chart.table)
        download_ui(chart.table, f"{key}.csv", label="Download this table (CSV)", key=f"{key}-download")


def table_ui(frame: pd.DataFrame) -> None:
    """A static, accessible table (real HTML, not a canvas): numbers formatted, text shown as text."""
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = [md(format_cell(v.item() if hasattr(v, "item") else v)) for v in shown[column]]
    shown.columns = [md(c) for c in shown.columns]
    st.table(shown, hide_index=True)


def download_ui(frame: pd.DataFrame, file_name: str, *, label: str = "Download (CSV)", key: str | None = None) -> None:
    """A CSV download of FRAME, safe to open in Excel."""
    st.download_button(label, data=csv_bytes(frame), file_name=file_name, mime="text/csv",
                       key=key or file_name, on_click="ignore", icon=":material/download:")


def change_metric_ui(label: str, value, change: float | None, change_format: str, *,
                     inverse: bool = False, help: str | None = None) -> None:
    """A headline figure with its change since the last Board; no arrow when nothing changed."""
    if change is None:
        st.metric(label, value, help=help, border=True)
    elif change == 0:
        st.metric(label, value, delta="No change since last Board", delta_color="off",
                  delta_arrow="off", help=help, border=True)
    else:
        st.metric(label, value, delta=f"{change_format.format(change)} since last Board",
                  delta_color="inverse" if inverse else "normal", help=help, border=True)


def people_metric_ui(label: str, series: pd.DataFrame, change: tuple) -> None:
    """A headline count with its change since the last Board and the period it refers to."""
    value, delta, period = change
    if value is None:
        st.metric(label, "[x]", help="Not available: no figure recorded by this date.", border=True)
        return
    row = series[series["period"] == period].iloc[-1]
    qualifier = f"{row['qualifier']} " if row["qualifier"] else ""
    change_metric_ui(label, f"{qualifier}{value:,.0f}", delta, "{:+,.0f}",
                     help=f"Figure for {format_date(period)}. Source: {md(row['source'])}")
    marks = " [r] revised" if row["revised"] else ""
    st.caption(f"At {format_date(period)}{marks}" + (" · illustrative" if row["illustrative"] else ""))


def workstream_grid_ui(summary: pd.DataFrame, as_at: str) -> None:
    """The ten workstreams as cards: rating as word and symbol, planned vs actual, past their date."""
    per_row = 5
    for start in range(0, len(summary), per_row):
        for column, ws in zip(st.columns(per_row), summary.iloc[start:start + per_row].itertuples()):
            with column.container(border=True):
                st.markdown(f"**{ws.number}. {md(ws.name)}**")
                st.markdown(f"{metrics.rating_label(ws.rating)}")
                st.markdown(f"{ws.actual_share:.0f}% complete · {ws.planned_share:.0f}% due")
                st.markdown(f"{'⚠ ' if ws.overdue else ''}{timescales.past_date_count_text(ws.overdue)}",
                            help=timescales.PAST_DATE_HELP)
                st.page_link("pages/workstreams.py", label="Open workstream",
                             query_params={"workstream": str(ws.number), AS_AT_KEY: as_at})


@st.cache_data(show_spinner=False, max_entries=64)
def load_changes(path: str, rev: str, since: str, until: str) -> dict:
    """What changed between two dates, each side as known on its own date."""
    before = load_status(path, rev, since)
    after = load_status(path, rev, until)
    with _read(path) as conn:
        counts = queries.indicators(conn)
        counts = counts[(counts["unit"] == "count") & (counts["category"] != "diversity")]
        series = {when: {code: queries.observation_series(conn, code, when, population="GSE")
                         for code in counts["code"]} for when in (since, until)}
    return {
        "commitments": metrics.changes_between(before, after, since, until),
        "indicators": metrics.indicator_movements(series[since], series[until],
                                                  dict(zip(counts["code"], counts["name"]))),
    }


def comparison_dates_ui(meetings: pd.DataFrame, previous: str | None, as_at: str) -> tuple[str, str] | None:
    """Choose the two dates to compare: by default the last Board before AS_AT, and AS_AT."""
    dates = [d for d in meetings["date"] if d < as_at]
    if not dates:
        return None
    choices = [*dates[::-1]]
    columns = st.columns(2)
    since = columns[0].selectbox("Compare from the Board meeting of", choices,
                                 index=choices.index(previous) if previous in choices else 0,
                                 format_func=format_date, key="compare_from")
    later = [d for d in meetings["date"] if since < d < as_at][::-1]
    until = columns[1].selectbox("to", [as_at, *later], format_func=lambda d: (
        f"{format_date(d)} (the as-at date)" if d == as_at else f"{format_date(d)} (Board meeting)"),
        key="compare_to")
    return since, until


@st.fragment
def since_last_board_ui(meetings: pd.DataFrame, previous: str | None, as_at: str) -> None:
    """The two dates to compare and what changed between them.

    A fragment: choosing another Board meeting reruns this section only, not the whole page.
    """
    compared = comparison_dates_ui(meetings, previous, as_at)
    if compared is None:
        st.info("There is no Board meeting before this date to compare with.")
    else:
        changes_ui(load_changes(db_path(), revision(), *compared), *compared)


def changes_ui(changes: dict, since: str, until: str) -> None:
    """What changed between two dates: commitments, then indicators, each with a download."""
    commitments = changes["commitments"]
    if commitments.empty:
        st.success(f"No commitment changed status or rating, or passed its date, between {format_date(since)} "
                   f"and {format_date(until)}.")
    else:
        counts = commitments["change"].value_counts()
        st.markdown(f"Between {format_date(since)} and {format_date(until)}: "
                    + ", ".join(f"{n} {kind.lower()}" for kind, n in counts.items()) + ".")
        shown = commitments.rename(columns={"ref": "Ref", "workstream": "Workstream", "title": "Commitment (summary)",
                                            "change": "Change", "from": "From", "to": "To"})
        table_ui(shown)
        download_ui(shown, f"changes-{since}-to-{until}.csv", label="Download the changes (CSV)")
    movements = changes["indicators"]
    if not movements.empty:
        st.markdown("**Indicators**")
        shown = movements.rename(columns={"indicator": "Indicator", "from_period": "Figure for", "from": "Then",
                                          "to_period": "Latest figure for", "to": "Now", "change": "Change"})
        table_ui(shown)
        download_ui(shown, f"indicator-movements-{since}-to-{until}.csv",
                    label="Download the indicator movements (CSV)")


def query_choice_ui(label: str, options: list, key: str, format_func=str, *, where=st) -> object:
    """A selectbox whose choice is kept in the URL as ?KEY=<option>, so a link reproduces it.

    Streamlit's own binding would put the displayed label in the URL; this keeps the short
    option value (a workstream number, say) and follows the URL when a link changes it.
    """
    by_text = {str(option): option for option in options}
    requested = st.query_params.get(key)
    written_key = f"_{key}_in_url"
    if requested in by_text and requested != st.session_state.get(written_key):
        st.session_state[key] = by_text[requested]
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]
    chosen = where.selectbox(label, options, format_func=format_func, key=key)
    st.query_params[key] = str(chosen)
    st.session_state[written_key] = str(chosen)
    return chosen


def workstream_ui(names: dict[int, str]) -> int:
    """Choose a workstream; the choice is kept in the URL as ?workstream=N."""
    return int(query_choice_ui("Workstream", list(names), "workstream", lambda n: f"{n}. {names[n]}"))


# A static table longer than this is not read on a screen and takes seconds to draw; the download
# under the tables has every row. The strategy itself has at most five per horizon in a workstream.
COMMITMENT_ROWS_SHOWN = 25


def commitments_ui(status: pd.DataFrame, number: int, as_at: str) -> None:
    """The workstream's commitments grouped by horizon, with a download of them all."""
    labels = {"short": "Short term (6–12 months)", "medium": "Medium term (1–2 years)",
              "long": "Long term (2–5 years)"}
    for horizon, label in labels.items():
        rows = status[status["horizon"] == horizon]
        if rows.empty:
            continue
        st.markdown(f"**{label}**")
        if len(rows) <= COMMITMENT_ROWS_SHOWN:
            table_ui(commitment_table(rows))
            continue
        # Too many to read on screen: those that most need attention, and the rest in the download.
        table_ui(commitment_table(metrics.attention_first(rows).head(COMMITMENT_ROWS_SHOWN)))
        st.caption(f"The {COMMITMENT_ROWS_SHOWN} of {len(rows):,} commitments that most need attention: "
                   "those past their date first, then open ones by date. The download below has them all.")
    download_ui(commitment_table(status), f"workstream-{number}-commitments-{as_at}.csv",
                label="Download these commitments (CSV)")


@st.fragment
def update_history_ui(status: pd.DataFrame, as_at: str) -> None:
    """Pick a commitment and see every update recorded for it by AS_AT.

    A fragment: picking another commitment reruns this section only, not the whole page.
    """
    refs = status["ref"].tolist()
    titles = dict(zip(status["ref"], status["title"]))
    ref = st.selectbox("Commitment", refs, format_func=lambda r: f"{r}: {titles[r]}", key="history_ref")
    history = load_update_history(db_path(), revision(), as_at, ref)
    if history.empty:
        st.info(f"No updates recorded for {ref} by {format_date(as_at)}.")
        return
    shown = history.assign(
        status=history["status"].map(metrics.status_label),
        rating=history["rating"].map(metrics.rating_label),
        board_rating=history["board_rating"].map(lambda r: metrics.rating_label(r) if isinstance(r, str) else ""),
        percent_complete=history["percent_complete"].round(0).astype(int),
        note=[("[r] revised" if r else "") + ("; replaced by a later correction" if x else "")
              for r, x in zip(history["revised"], history["replaced"])],
    )[["as_of", "status", "rating", "board_rating", "percent_complete", "commentary", "recorded_at",
       "recorded_by", "note"]].rename(columns={
        "as_of": "Refers to", "status": "Status", "rating": "Owner's rating", "board_rating": "Board's rating",
        "percent_complete": "% complete", "commentary": "Commentary", "recorded_at": "Recorded (UTC)",
        "recorded_by": "Recorded by", "note": "Note"})
    table_ui(shown)
    download_ui(shown, f"{ref}-updates-{as_at}.csv", label="Download this history (CSV)")


@st.cache_data(show_spinner=False, max_entries=8)
def load_real_figures(path: str, rev: str) -> pd.DataFrame:
    """The real baseline figures (not illustrative), with their sources, for About the data."""
    with _read(path) as conn:
        real = queries.observations_export(conn, real_only=True)
    return pd.DataFrame({
        "Measure": real["indicator_name"],
        "Population": real["population"],
        "Breakdown": real["grade"].where(real["grade"] != store.ALL, "All"),
        "Refers to": real["period"].map(format_date),
        "Figure": [f"{q + ' ' if q else ''}{v:,.1f}%" if u == "percent" else f"{q + ' ' if q else ''}{v:,.0f}"
                   for q, v, u in zip(real["qualifier"], real["value"], real["unit"])],
        "Note": real["note"],
        "Source": real["source"],
    })


# -- membership and diversity ------------------------------------------------------------------

BREAKDOWN_LABELS = {"department": "Department", "grade": "Grade", "role_type": "Role type"}


@st.cache_data(show_spinner=False, max_entries=64)
def load_membership(path: str, rev: str, as_at: str, department: str, grade: str, role_type: str) -> dict:
    """Membership over time and its breakdowns at AS_AT for one choice of filters."""
    filters = {"department": department, "grade": grade, "role_type": role_type}
    whole = all(v == store.ALL for v in filters.values())
    with _read(path) as conn:
        period = queries.latest_cell_period(conn, "members", as_at)
        breakdowns = {}
        if period:
            for by in queries.BREAKDOWNS:
                others = {k: v for k, v in filters.items() if k != by}
                breakdowns[by] = metrics.order_groups(
                    queries.membership_breakdown(conn, as_at, period, by, filters=others), by)
            crosstab = queries.membership_breakdown(conn, as_at, period, "department", "grade",
                                                    filters={"role_type": role_type})
        else:
            crosstab = pd.DataFrame(columns=["department", "grade", "members"])
        return {
            "filters": filters,
            "whole": whole,
            "period": period,
            "series": queries.observation_series(conn, "members", as_at, population="GSE", **filters),
            "scs": queries.observation_series(conn, "members", as_at, population="GSE", department=department,
                                              grade="SCS", role_type=role_type),
            "target": queries.targets(conn, "members", as_at) if whole else pd.DataFrame(columns=["period", "value"]),
            "joiners": queries.observation_series(conn, "joiners", as_at, population="GSE"),
            "leavers": queries.observation_series(conn, "leavers", as_at, population="GSE"),
            "breakdowns": breakdowns,
            "crosstab": crosstab,
            "previous_board": queries.previous_board_date(conn, as_at),
        }


@st.cache_data(show_spinner=False, max_entries=8)
def load_breakdown_values(path: str, rev: str) -> dict[str, list[str]]:
    """The departments, grades and role types membership uses: the same at every as-at date."""
    with _read(path) as conn:
        return queries.breakdown_values(conn)


def filters_ui(values: dict[str, list[str]]) -> dict[str, str]:
    """Department, grade and role type filters side by side, each kept in the URL."""
    chosen = {}
    for column, where in zip(queries.BREAKDOWNS, st.columns(3)):
        options = [store.ALL, *sorted(values.get(column, []), key=metrics.grade_sort_key
                                      if column == "grade" else None)]
        chosen[column] = query_choice_ui(BREAKDOWN_LABELS[column], options, column, where=where)
    return chosen


def suppressed_series(series: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A people-count series with values below THRESHOLD removed (for charts of small groups)."""
    if series.empty:
        return series
    return series[series["value"] >= threshold].reset_index(drop=True)


def filter_phrase(filters: dict[str, str]) -> str:
    """Words for the chosen filters: 'the whole profession' or 'Grade: SCS; Role type: Policy'."""
    chosen = [f"{BREAKDOWN_LABELS[k]}: {v}" for k, v in filters.items() if v != store.ALL]
    return "; ".join(chosen) if chosen else "the whole profession"


def membership_headlines_ui(data: dict, as_at: str, threshold: int) -> None:
    """Latest members and SCS with change since the last Board; suppressed when small."""
    previous = data["previous_board"]
    columns = st.columns(3)
    for column, label, series in ((columns[0], "Members", data["series"]), (columns[1], "SCS members", data["scs"])):
        with column:
            value, change, period = metrics.change_since(series, as_at, previous)
            if value is not None and value < threshold and not data["whole"]:
                st.metric(label, disclosure.CONFIDENTIAL, help=f"Fewer than {threshold}: not shown.", border=True)
            else:
                people_metric_ui(label, series, (value, change, period))
    with columns[2]:
        joined, _, period = metrics.change_since(data["joiners"], as_at, None)
        left, _, _ = metrics.change_since(data["leavers"], as_at, None)
        if joined is None:
            st.metric("Joiners and leavers", disclosure.NOT_AVAILABLE, border=True,
                      help="No joiner or leaver figures recorded by this date.")
        else:
            st.metric("Joined / left in the quarter", f"{joined:,.0f} / {left:,.0f}", border=True,
                      help="Whole profession; the data has no breakdown of joiners and leavers.")
            st.caption(f"Quarter to {format_date(period)}")


def members_chart(data: dict, as_at: str, threshold: int) -> Chart:
    """Members over time, against the target trajectory for the whole profession."""
    def build() -> Chart:
        series = data["series"] if data["whole"] else suppressed_series(data["series"], threshold)
        return charts.indicator_chart(series, data["target"], name="GSE members", unit="count",
                                      population=filter_phrase(data["filters"]), as_at=as_at,
                                      source=observation_source(data["series"]))
    return built_once(build, "members_chart", as_at, threshold, data["filters"], data["series"], data["target"])


def scs_chart(data: dict, as_at: str, threshold: int) -> Chart:
    """SCS members over time for the chosen department and role type."""
    scope = {**data["filters"], "grade": store.ALL}

    def build() -> Chart:
        whole = all(v == store.ALL for v in scope.values())
        series = data["scs"] if whole else suppressed_series(data["scs"], threshold)
        return charts.indicator_chart(series, pd.DataFrame(columns=["period", "value"]), name="SCS members",
                                      unit="count", population=filter_phrase(scope), as_at=as_at,
                                      source=observation_source(data["scs"]))
    return built_once(build, "scs_chart", as_at, threshold, scope, data["scs"])


def membership_breakdowns_ui(data: dict, threshold: int) -> None:
    """Members by department, grade and role type, and a department-by-grade table, suppressed."""
    if not data["period"]:
        st.info("No breakdown of members by department, grade or role type has been recorded by this date.")
        return
    # Only the open tab runs and draws; the URL names it (?breakdown=...), so a link opens it.
    tabs = st.tabs([f"By {BREAKDOWN_LABELS[b].lower()}" for b in queries.BREAKDOWNS] + ["Department by grade"],
                   key="breakdown", bind="query-params")
    for tab, by in zip(tabs, queries.BREAKDOWNS):
        if not tab.open:
            continue
        with tab:
            frame = data["breakdowns"][by]
            if frame.empty:
                st.info("No members are recorded for this selection. Choose 'All' in a filter to widen it.")
                continue
            chart = built_once(lambda frame=frame, by=by: _breakdown_chart(data, frame, by, threshold),
                               "breakdown_chart", by, threshold, data["filters"], data["period"], frame,
                               data["series"][["source"]])
            chart_ui(chart, key=f"members-by-{by}")
    if not tabs[-1].open:
        return
    with tabs[-1]:
        role = md(filter_phrase({"role_type": data["filters"]["role_type"]}))
        st.markdown(f"Members by department and grade, {role}. "
                    f"`[c]`: fewer than {threshold}, or hidden so that a small number cannot be worked out "
                    "from the totals.")
        shown = built_once(lambda: department_grade_table(data["crosstab"], threshold), "department_grade_table",
                           threshold, data["crosstab"])
        table_ui(shown)
        download_ui(shown, f"members-department-by-grade-{data['period']}.csv",
                    label="Download this table (CSV)")


def _breakdown_chart(data: dict, frame: pd.DataFrame, by: str, threshold: int) -> Chart:
    """Members by one breakdown as a bar chart, with its suppressed table."""
    safe = disclosure.suppress_column(frame.set_index(by)["members"].rename("Members"), threshold)
    cells = safe.hidden.drop(index=disclosure.TOTAL)["Members"]
    chart = charts.breakdown_chart(
        frame, group=by, value="members", hidden=cells,
        title=_largest_group_title(frame, by, cells), value_title="Members",
        subtitle=f"GSE members by {BREAKDOWN_LABELS[by].lower()}, {filter_phrase(_others(data, by))}, "
                 f"{format_date(data['period'])}",
        source=observation_source(data["series"]))
    chart.table = safe.display.reset_index().rename(columns={"index": BREAKDOWN_LABELS[by],
                                                             by: BREAKDOWN_LABELS[by]})
    return chart


def _others(data: dict, by: str) -> dict:
    return {k: v for k, v in data["filters"].items() if k != by}


def _largest_group_title(frame: pd.DataFrame, by: str, hidden: pd.Series) -> str:
    shown = frame[~hidden.to_numpy()]
    if shown.empty:
        return f"Every {BREAKDOWN_LABELS[by].lower()} is too small to show"
    top = shown.sort_values("members", ascending=False).iloc[0]
    share = 100 * top["members"] / frame["members"].sum()
    return f"{top[by]} has the most members: {top['members']:,.0f}, {share:.0f}% of the total"


def joiners_leavers_ui(data: dict, as_at: str) -> None:
    """Joiners and leavers per quarter for the whole profession."""
    joiners, leavers = data["joiners"], data["leavers"]
    if joiners.empty and leavers.empty:
        st.info("No joiner or leaver figures have been recorded by this date.")
        return
    chart_ui(built_once(lambda: _joiners_leavers_chart(joiners, leavers, as_at), "joiners_leavers", as_at, joiners,
                        leavers), key="joiners-leavers")


def _joiners_leavers_chart(joiners: pd.DataFrame, leavers: pd.DataFrame, as_at: str) -> Chart:
    frame = joiners[["period", "value"]].rename(columns={"value": "joiners"}).merge(
        leavers[["period", "value"]].rename(columns={"value": "leavers"}), on="period", how="outer")
    recent = frame.tail(4)
    net = recent["joiners"].sum() - recent["leavers"].sum()
    title = (f"Over the last four quarters {recent['joiners'].sum():,.0f} joined and "
             f"{recent['leavers'].sum():,.0f} left: a net {'gain' if net >= 0 else 'loss'} of {abs(net):,.0f}")
    chart = charts.lines_chart(
        frame, x="period", series=[("joiners", "Joined"), ("leavers", "Left")], title=title,
        subtitle=f"Members joining and leaving the GSE profession per quarter, whole profession, as known at {as_at}",
        source=observation_source(joiners), y_title="Members per quarter",
        alt_text=f"Line chart of joiners and leavers per quarter from {frame['period'].iloc[0]} to "
                 f"{frame['period'].iloc[-1]}. {title}.")
    return chart


DIVERSITY_WORKSTREAM = 7


@st.cache_data(show_spinner=False, max_entries=64)
def load_diversity(path: str, rev: str, as_at: str) -> dict:
    """Diversity against the Civil Service, declaration rates and breakdowns, at AS_AT."""
    with _read(path) as conn:
        series = queries.diversity_series(conn, as_at)
        definitions = queries.indicators(conn, category="diversity")
        breakdowns = {(code, by): queries.diversity_breakdown(conn, code, as_at, by)
                      for code in definitions["code"] for by in ("grade", "department")}
        status = metrics.with_flags(queries.commitment_status(conn, as_at, workstream=DIVERSITY_WORKSTREAM), as_at)
    return {"series": series, "gaps": metrics.benchmark_gaps(series), "definitions": definitions,
            "breakdowns": breakdowns, "status": status}


def diversity_workstream_ui(status: pd.DataFrame, as_at: str) -> None:
    """The Diversity & Inclusion workstream's delivery next to the figures."""
    summary = metrics.headline(status, as_at)
    columns = st.columns(3)
    columns[0].metric("D&I workstream confidence", metrics.rating_label(metrics.workstream_rating(status)),
                      border=True, help="Average rating of the workstream's open commitments.")
    columns[1].metric("D&I commitments complete", f"{summary['complete']} of {summary['commitments']}",
                      border=True, help=f"{summary['planned_share']:.0f}% were due by {format_date(as_at)}.")
    columns[2].metric(f"D&I commitments {timescales.PAST_DATE_HEADING.lower()}", summary["overdue"], border=True,
                      help=timescales.PAST_DATE_HELP)
    st.page_link("pages/workstreams.py", label="See the Diversity & Inclusion workstream",
                 query_params={"workstream": str(DIVERSITY_WORKSTREAM), AS_AT_KEY: as_at})


def characteristic_ui(data: dict, code: str, name: str, as_at: str, threshold: int) -> None:
    """One characteristic: benchmark chart, declaration rates, and suppressed breakdowns."""
    series = data["series"][data["series"]["indicator"] == code]
    breakdowns = {by: data["breakdowns"][(code, by)] for by in ("grade", "department")}
    view = built_once(lambda: _characteristic_view(data, series, breakdowns, code, name, as_at, threshold),
                      "characteristic", code, name, as_at, threshold, series,
                      data["gaps"][data["gaps"]["indicator"] == code], breakdowns)
    chart_ui(view["benchmark"], key=f"benchmark-{code}")
    real = series[(series["illustrative"] == 0) & (series["population"] == "GSE")]
    if not real.empty:
        first = real.iloc[0]
        later = " Later years are illustrative." if basics()["illustrative"] else ""
        st.caption(f"Real baseline: {first['period'][:4]} figures from {first['source']}."
                   + (f" {first['note']}" if first["note"] else "") + later)
    if view["declaration"] is None:
        st.info(f"No declaration rates recorded for {name.lower()} by this date.")
    else:
        chart_ui(view["declaration"], key=f"declaration-{code}")
    for by in ("grade", "department"):
        frame = breakdowns[by]
        st.markdown(f"**{name} by {by}**" + (f", {frame['period'].iloc[0][:4]}" if not frame.empty else ""))
        if frame.empty:
            st.info(f"No breakdown by {by} recorded by this date.")
            continue
        shown = view["tables"][by]
        table_ui(shown)
        download_ui(shown, f"{code}-by-{by}-{frame['period'].iloc[0]}.csv", label="Download this table (CSV)",
                    key=f"download-{code}-{by}")


def _characteristic_view(data: dict, series: pd.DataFrame, breakdowns: dict, code: str, name: str, as_at: str,
                         threshold: int) -> dict:
    """The charts and suppressed tables of one characteristic, built once per key by characteristic_ui."""
    gaps = data["gaps"][data["gaps"]["indicator"] == code]
    trend = metrics.gap_trend(data["gaps"], code)
    benchmark = charts.benchmark_chart(gaps, trend, name=name, as_at=as_at, source=observation_source(series))
    rates = series.pivot_table(index="period", columns="population", values="declaration_rate",
                               aggfunc="last").reset_index()
    rate_columns = [(p, p if p != "GSE" else "GSE profession") for p in ("GSE", "Civil Service") if p in rates]
    declaration = None
    if not rates.dropna(how="all", subset=[c for c, _ in rate_columns]).empty:
        latest_rate = rates.dropna(subset=["GSE"]).iloc[-1] if "GSE" in rates and rates["GSE"].notna().any() else None
        title = (f"{latest_rate['GSE']:.0f}% of GSE members declared in {latest_rate['period'][:4]}"
                 if latest_rate is not None else f"Declaration rates for {name.lower()}")
        declaration = charts.lines_chart(
            rates, x="period", series=rate_columns, title=title,
            subtitle=f"Share of staff answering the question on {name.lower()}, as known at {as_at}",
            source=observation_source(series), y_title="% who declared", percent=True,
            alt_text=f"Line chart of declaration rates for {name.lower()}. {title}.")
    tables = {by: diversity_breakdown_table(frame, name, by, threshold)
              for by, frame in breakdowns.items() if not frame.empty}
    return {"benchmark": benchmark, "declaration": declaration, "tables": tables}
