"""Streamlit glue shared by the pages: cached loaders, the as-at control, chart and table widgets.

Loaders are cached on a small key (database path, revision, as-at date), never on a
DataFrame; every write bumps the revision, so a cached answer is never stale.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pandas as pd
import streamlit as st

from . import db as store
from . import metrics, queries
from .build import ensure_database
from .charts import PLOTLY_CONFIG, Chart
from .config import Settings, load_settings
from .exports import csv_bytes

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
        st.Page("pages/about.py", title="About the data", icon=":material/info:", url_path="about"),
    ]


def settings() -> Settings:
    """The settings, from the environment and then from .streamlit/secrets.toml if present."""
    try:
        secrets = dict(st.secrets.get("gse", {})) if st.secrets.load_if_toml_exists() else {}
    except (FileNotFoundError, AttributeError):
        secrets = {}
    return load_settings(secrets)


@st.cache_resource(show_spinner="Building the database (first run only)…")
def _prepared(path: str) -> bool:
    """Build the database on first run, or bring an existing one's schema up to date."""
    return ensure_database(path)


def db_path() -> str:
    """The database file this app uses, built if it does not exist yet."""
    path = str(settings().db_path)
    _prepared(path)
    return path


@contextlib.contextmanager
def connection() -> Iterator:
    """A connection for this script run (SQLite connections stay on their thread)."""
    database = store.connect(db_path())
    try:
        yield database.conn
    finally:
        database.close()


def revision() -> int:
    """The database's current revision, the part of every cache key that changes on writes."""
    with connection() as conn:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])


# -- cached loaders: (path, revision, as_at) in, small DataFrames out ------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def load_overview(path: str, rev: int, as_at: str) -> dict:
    """Everything the Overview page shows at AS_AT, computed once per key."""
    with _read(path) as conn:
        ws = queries.workstreams(conn)
        status = queries.commitment_status(conn, as_at)
        previous = queries.previous_board_date(conn, as_at)
        before = queries.commitment_status(conn, previous) if previous else None
        members = queries.observation_series(conn, "members", as_at, population="GSE")
        scs = queries.observation_series(conn, "members", as_at, population="GSE", grade="SCS")
        updates = queries.known_updates(conn, as_at)
    summary = metrics.workstream_summary(status, ws, as_at)
    return {
        "workstreams": ws,
        "status": status,
        "summary": summary,
        "headline": metrics.headline(status, as_at),
        "previous_board": previous,
        "headline_before": metrics.headline(before, previous) if before is not None else None,
        "changes": metrics.changes_between(before, status, previous, as_at) if before is not None else None,
        "members": members,
        "scs": scs,
        "trajectory": metrics.trajectory(status, updates, metrics.timeline_dates(queries.LAUNCH_DATE, as_at), as_at),
    }


@st.cache_data(show_spinner=False, max_entries=64)
def load_workstream(path: str, rev: int, as_at: str, number: int) -> dict:
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
    end = max(as_at, "2022-03-31")
    return {
        "status": status,
        "trajectory": metrics.trajectory(status, updates, metrics.timeline_dates(queries.LAUNCH_DATE, end), as_at),
        "indicators": indicator_defs[indicator_defs["category"] == "workstream"],
        "indicator_data": indicator_data,
    }


@st.cache_data(show_spinner=False, max_entries=256)
def load_update_history(path: str, rev: int, as_at: str, ref: str) -> pd.DataFrame:
    """The updates of one commitment known at AS_AT."""
    with _read(path) as conn:
        return queries.update_history(conn, ref, as_at)


@st.cache_data(show_spinner=False, max_entries=8)
def load_basics(path: str, rev: int) -> dict:
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


@contextlib.contextmanager
def _read(path: str) -> Iterator:
    database = store.connect(path)
    try:
        yield database.conn
    finally:
        database.close()


def basics() -> dict:
    """load_basics for the current database and revision."""
    return load_basics(db_path(), revision())


# -- widgets ---------------------------------------------------------------------------------

def as_at_ui() -> str:
    """The global as-at date control in the sidebar, kept in the URL; returns YYYY-MM-DD."""
    facts = basics()
    latest = dt.date.fromisoformat(facts["latest"])
    launch = dt.date.fromisoformat(queries.LAUNCH_DATE)
    chosen = st.sidebar.date_input(
        "As at date",
        value=latest,
        min_value=launch,
        max_value=max(latest, dt.date.today()),
        key=AS_AT_KEY,
        bind="query-params",
        format="DD/MM/YYYY",
        help="Show the dashboard as it was known on this date. Board meetings are listed below.",
    )
    as_at = (chosen or latest).isoformat()
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


def illustrative_notice() -> None:
    """Say plainly that the figures are illustrative, when they are."""
    if basics()["illustrative"]:
        st.warning(ILLUSTRATIVE_NOTICE, icon=":material/info:")


def format_date(date: str | None) -> str:
    """A stored ISO date as people in government write it: 18 October 2017."""
    if not date:
        return "no date"
    day = dt.date.fromisoformat(date[:10])
    return f"{day.day} {day.strftime('%B %Y')}"


def chart_ui(chart: Chart, key: str) -> None:
    """A chart with its message title, subtitle, source, text summary and data table."""
    st.markdown(f"#### {chart.title}")
    st.caption(chart.subtitle)
    st.plotly_chart(chart.figure, config=PLOTLY_CONFIG, key=key, alt=chart.alt_text)
    st.caption(f"Source: {chart.source}")
    with st.expander("Chart as a table, and a text description"):
        st.write(chart.alt_text)
        st.table(chart.table, hide_index=True)
        download_ui(chart.table, f"{key}.csv", label="Download this table (CSV)", key=f"{key}-download")


def download_ui(frame: pd.DataFrame, file_name: str, *, label: str = "Download (CSV)", key: str | None = None) -> None:
    """A CSV download of FRAME, safe to open in Excel."""
    st.download_button(label, data=csv_bytes(frame), file_name=file_name, mime="text/csv",
                       key=key or file_name, on_click="ignore", icon=":material/download:")


def source_line(illustrative: bool) -> str:
    """The source to show under charts of delivery data."""
    return ("GSE team progress records (illustrative history); due dates from the GSE Strategy (2016), Annex A"
            if illustrative else "GSE team progress records; due dates from the GSE Strategy (2016), Annex A")


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
                     help=f"Figure for {format_date(period)}. Source: {row['source']}")
    marks = " [r] revised" if row["revised"] else ""
    st.caption(f"At {format_date(period)}{marks}" + (" · illustrative" if row["illustrative"] else ""))


def workstream_grid_ui(summary: pd.DataFrame, as_at: str) -> None:
    """The ten workstreams as cards: rating as word and symbol, planned vs actual, overdue."""
    per_row = 5
    for start in range(0, len(summary), per_row):
        for column, ws in zip(st.columns(per_row), summary.iloc[start:start + per_row].itertuples()):
            with column.container(border=True):
                st.markdown(f"**{ws.number}. {ws.name}**")
                st.markdown(f"{metrics.rating_label(ws.rating)}")
                st.markdown(f"{ws.actual_share:.0f}% complete · {ws.planned_share:.0f}% due")
                st.markdown(f"{'⚠ ' if ws.overdue else ''}{ws.overdue} overdue")
                st.page_link("pages/workstreams.py", label="Open workstream",
                             query_params={"workstream": str(ws.number), AS_AT_KEY: as_at})


def changes_ui(changes: pd.DataFrame | None, previous: str | None, as_at: str) -> None:
    """The list of what changed between the last Board and AS_AT, with a download."""
    if changes is None:
        st.info("There is no earlier Board meeting in the data to compare with.")
        return
    if changes.empty:
        st.success(f"Nothing changed between {format_date(previous)} and {format_date(as_at)}.")
        return
    counts = changes["change"].value_counts()
    st.markdown(f"Between {format_date(previous)} and {format_date(as_at)}: "
                + ", ".join(f"{n} {kind.lower()}" for kind, n in counts.items()) + ".")
    shown = changes.rename(columns={"ref": "Ref", "workstream": "Workstream", "title": "Commitment",
                                    "change": "Change", "from": "From", "to": "To"})
    st.table(shown, hide_index=True)
    download_ui(shown, f"changes-{previous}-to-{as_at}.csv", label="Download the changes (CSV)")


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


COMMITMENT_COLUMNS = {
    "ref": "Ref", "title": "Commitment", "status_label": "Status", "rating_label": "Rating",
    "percent_complete": "% complete", "owner": "Owner", "due_date": "Due", "overdue_label": "Overdue",
}


def commitment_table(status: pd.DataFrame) -> pd.DataFrame:
    """Commitments as people read them: symbols and words, not codes."""
    frame = status.assign(
        status_label=status["status"].map(metrics.status_label),
        rating_label=status["effective_rating"].map(metrics.rating_label),
        overdue_label=status["overdue"].map(lambda o: "⚠ Overdue" if o else ""),
        percent_complete=status["percent_complete"].round(0).astype(int),
    )
    return frame[list(COMMITMENT_COLUMNS)].rename(columns=COMMITMENT_COLUMNS)


def commitments_ui(status: pd.DataFrame, number: int, as_at: str) -> None:
    """The workstream's commitments grouped by horizon, with a download of them all."""
    labels = {"short": "Short term (6–12 months)", "medium": "Medium term (1–2 years)",
              "long": "Long term (2–5 years)"}
    for horizon, label in labels.items():
        rows = status[status["horizon"] == horizon]
        if rows.empty:
            continue
        st.markdown(f"**{label}**")
        st.table(commitment_table(rows), hide_index=True)
    download_ui(commitment_table(status), f"workstream-{number}-commitments-{as_at}.csv",
                label="Download these commitments (CSV)")


def update_history_ui(status: pd.DataFrame, as_at: str) -> None:
    """Pick a commitment and see every update recorded for it by AS_AT."""
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
    st.table(shown, hide_index=True)
    download_ui(shown, f"{ref}-updates-{as_at}.csv", label="Download this history (CSV)")


def observation_source(series: pd.DataFrame) -> str:
    """The sources behind an indicator series, for the line under its chart."""
    sources = sorted(set(series["source"])) if not series.empty else []
    return "; ".join(sources) if sources else "No figures recorded"


@st.cache_data(show_spinner=False, max_entries=8)
def load_real_figures(path: str, rev: int) -> pd.DataFrame:
    """The real baseline figures (not illustrative), with their sources, for About the data."""
    with _read(path) as conn:
        frame = queries.observations_export(conn)
    real = frame[frame["illustrative"] == 0]
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
