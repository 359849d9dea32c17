"""The Membership page's own widgets: filters, headline figures, charts and suppressed breakdowns.

The charts and their titles are built in people_charts (Streamlit-free); here they are built once
per key (built_once) and drawn.
"""

from __future__ import annotations

import streamlit as st

from ..charts import people_charts
from ..charts.people_charts import BREAKDOWN_LABELS, filter_phrase
from ..charts.style import Chart
from ..charts.tables import format_date, protected_crosstab_table
from ..people import disclosure, published
from ..rules.safe_text import escape_md
from ..storage import queries, store
from ..strategy import metrics
from ..views.screens import Membership
from .loaders import built_once
from .widgets import chart_ui, download_ui, people_metric_ui, query_choice_ui, table_ui


def filters_ui(values: dict[str, list[str]]) -> dict[str, str]:
    """Department, grade and role type filters side by side, each kept in the URL."""
    chosen = {}
    for column, where in zip(queries.BREAKDOWNS, st.columns(3)):
        options = [store.ALL, *sorted(values.get(column, []), key=metrics.grade_sort_key
                                      if column == "grade" else None)]
        chosen[column] = query_choice_ui(BREAKDOWN_LABELS[column], options, column, where=where)
    return chosen


def membership_headlines_ui(view: Membership, as_at: str, threshold: int) -> None:
    """Latest members and SCS with change since the last Board (only when both are published)."""
    previous = view.previous_board
    columns = st.columns(3)
    for column, label, series in ((columns[0], "Members", view.series), (columns[1], "SCS members", view.scs)):
        with column:
            value, change, period = published.change_since(series, as_at, previous)
            if value is None and period is not None:
                st.metric(label, disclosure.CONFIDENTIAL, border=True,
                          help=f"Fewer than {threshold}, or hidden so that a small number cannot be worked out.")
            else:
                people_metric_ui(label, series, (value, change, period))
    with columns[2]:
        joined, _, period = published.change_since(view.joiners, as_at, None)
        left, _, left_period = published.change_since(view.leavers, as_at, None)
        period = period or left_period
        if period is None:
            st.metric("Joiners and leavers", disclosure.NOT_AVAILABLE, border=True,
                      help="No joiner or leaver figures recorded by this date.")
        else:
            filtered = any(value != store.ALL for value in view.filters.values())
            # Under a filter the figure is still the whole profession's: the label says so, not only the help.
            shown = " / ".join(disclosure.CONFIDENTIAL if value is None else f"{value:,.0f}"
                               for value in (joined, left))
            st.metric("Whole profession: joined / left" if filtered else "Joined / left in the quarter", shown,
                      border=True, help=f"Whole profession. [c]: fewer than {threshold}, or hidden so that a small "
                                        "number cannot be worked out from the other figures.")
            st.caption(f"Quarter to {format_date(period)}" + (", whole profession (not the filters above)"
                                                                if filtered else ""))


def members_chart(view: Membership, as_at: str, threshold: int) -> Chart:
    """Members over time, against the target trajectory for the whole profession (built once per key)."""
    return built_once(lambda: people_charts.members_chart(view, as_at, threshold), "members_chart", as_at,
                      threshold, view.filters, view.series, view.target)


def scs_chart(view: Membership, as_at: str, threshold: int) -> Chart:
    """SCS members over time for the chosen department and role type (built once per key)."""
    return built_once(lambda: people_charts.scs_chart(view, as_at, threshold), "scs_chart", as_at, threshold,
                      people_charts.scs_scope(view), view.scs)


def membership_breakdowns_ui(view: Membership, threshold: int) -> None:
    """Members by department, grade and role type, and a department-by-grade table, suppressed."""
    if not view.period:
        st.info("No breakdown of members by department, grade or role type has been recorded by this date.")
        return
    # Only the open tab runs and draws; the URL names it (?breakdown=...), so a link opens it.
    tabs = st.tabs([f"By {BREAKDOWN_LABELS[b].lower()}" for b in queries.BREAKDOWNS] + ["Department by grade"],
                   key="breakdown", bind="query-params")
    for tab, by in zip(tabs, queries.BREAKDOWNS):
        if not tab.open:
            continue
        with tab:
            frame = view.breakdowns[by]
            if frame.empty:
                st.info("No members are recorded for this selection. Choose 'All' in a filter to widen it.")
                continue
            chart = built_once(lambda by=by: people_charts.breakdown_chart(view, by),
                               "breakdown_chart", by, threshold, view.filters, view.period, frame,
                               view.breakdown_totals[by], view.series[["source"]])
            chart_ui(chart, key=f"members-by-{by}")
    if not tabs[-1].open:
        return
    with tabs[-1]:
        role = escape_md(filter_phrase({"role_type": view.filters["role_type"]}))
        st.markdown(f"Members by department and grade, {role}. "
                    f"`[c]`: fewer than {threshold}, or hidden so that a small number cannot be worked out "
                    "from the totals.")
        values, hidden = view.crosstab
        shown = built_once(lambda: protected_crosstab_table(values, hidden), "department_grade_table",
                           threshold, values, hidden)
        table_ui(shown)
        download_ui(shown, f"members-department-by-grade-{view.period}.csv",
                    label="Download this table (CSV)")


def joiners_leavers_ui(view: Membership, as_at: str) -> None:
    """Joiners and leavers per quarter for the whole profession."""
    joiners, leavers = view.joiners, view.leavers
    if joiners.empty and leavers.empty:
        st.info("No joiner or leaver figures have been recorded by this date.")
        return
    chart_ui(built_once(lambda: people_charts.joiners_leavers_chart(joiners, leavers, as_at), "joiners_leavers",
                        as_at, joiners, leavers), key="joiners-leavers")
