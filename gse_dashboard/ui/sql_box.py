"""Streamlit widgets for Explore's SQL box: read-only SQL for editors, saved queries, and a chart of the result.

The runner's rules (one SELECT, a time limit, a row cap) are in `sql_runner.py`; saved and
ready-made queries and charting a result in `saved_queries.py`. A saved query opens from a
link (`explore?query=NAME`), which the Explore view's URL sync leaves alone.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from ..charts import downloads
from ..charts.tables import whole_numbers
from ..explore import saved_queries, sql_runner
from ..rules.auth import PermissionDenied
from ..rules.safe_text import escape_md
from ..storage import store
from .explore import KEY, QUERY_KEY
from .loaders import database_facts, load_queries, load_schema
from .session import current_user, db_path
from .session import settings as app_settings
from .widgets import chart_ui, download_ui

# Session keys: the SQL in the box, the last outcome, the message after a save, the query last opened.
_SQL = "explore_sql"
_SQL_RESULT = "_explore_sql_result"
_FLASH = "_explore_sql_flash"
_QUERY_OPENED = "_explore_query_opened"
_SQL_CHART = {"x": f"{KEY}sql_x", "y": f"{KEY}sql_y", "series": f"{KEY}sql_series"}
SQL_WARNING = (
    "**Unsuppressed figures, for the GSE team only.** The SQL box reads the database as it is: "
    "small counts of people are *not* hidden as they are everywhere else in the dashboard. Do not "
    "share its results outside the GSE team; use the tables above, which apply disclosure control, "
    "for anything that leaves the team."
)
NO_SERIES = "(none)"


# The SQL box reads the tables as they are: a result says which rows are made up only if it selects that column.
SQL_ILLUSTRATIVE = ("any figure read from a row whose illustrative column is 1 (select that column to see which); "
                    "the database holds an illustrative history")


def _run_sql(sql: str, name: str | None) -> None:
    """Run SQL through the read-only runner (its rules, time limit and row cap) and keep the outcome."""
    settings = app_settings()
    try:
        result = sql_runner.run_query(db_path(), sql, time_limit_s=settings.sql_time_limit_s,
                                  row_cap=settings.sql_row_cap)
        st.session_state[_SQL_RESULT] = ("ok", result, name)
    except sql_runner.QueryRefused as refused:
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
    queries_ = {q.name: q for q in load_queries()}
    if chosen in queries_:
        _open_query(queries_[chosen])


def _follow_query_link() -> None:
    """A link naming a saved query (?query=…) opens it once, as the selector would."""
    asked = st.query_params.get(QUERY_KEY)
    if not asked or st.session_state.get(_QUERY_OPENED) == asked:
        return
    st.session_state[_QUERY_OPENED] = asked
    with store.reading(db_path()) as conn:
        try:
            query = saved_queries.load_query(conn, asked)
        except saved_queries.QueryError as error:
            st.session_state[_SQL_RESULT] = ("refused", str(error), None)
            return
    st.session_state[f"{KEY}saved_query"] = query.name
    _open_query(query)


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
    queries_ = load_queries()
    with right:
        names = [q.name for q in queries_]
        st.selectbox("Open a saved or ready-made query", names, index=None, key=f"{KEY}saved_query",
                     on_change=_query_chosen, placeholder="Choose a query",
                     format_func=lambda n: n + (" (ready-made)" if any(q.name == n and q.ready_made
                                                                       for q in queries_) else ""),
                     help="Opening a query puts it in the box, runs it and names it in the address bar, "
                          "so the link opens it for a colleague.")
        with st.expander("Tables and their columns", icon=":material/table_chart:"):
            for table, columns in load_schema():
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
                   f"{sql_runner.MAX_RESULT_BYTES // 2**20} MB; select fewer or shorter columns."
                   if getattr(value, "cut_by", "") == "bytes"
                   else f" **Only the first {rows:,} are shown**: narrow the query or add a LIMIT." if value.truncated
                   else ""))
    # A data grid, not a static table: a result can have thousands of rows.
    st.dataframe(frame, hide_index=True)
    title = name or "SQL box query result"
    meta = downloads.TableMeta(
        title=title, as_at=None, filters="as written in the query",
        source="The dashboard's database, read through the SQL box",
        illustrative=(SQL_ILLUSTRATIVE if database_facts().illustrative else ""),
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
            except (saved_queries.QueryError, PermissionDenied, store.StoreError) as error:
                st.error(escape_md(str(error)))
                return
            finally:
                database.close()
            st.session_state[_QUERY_OPENED] = stored
            st.query_params[QUERY_KEY] = stored
            st.session_state[_FLASH] = f"Saved the query “{stored}”."
            st.rerun()
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(escape_md(flash))
