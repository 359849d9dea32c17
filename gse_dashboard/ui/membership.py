"""The Membership page's own widgets: filters, headline figures, charts and suppressed breakdowns."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import charts, disclosure, metrics, published, queries
from .. import db as store
from ..charts import Chart
from ..safe_text import md
from ..tables import (
    format_date,
    observation_source,
    protected_crosstab_table,
    protected_line_table,
)
from .widgets import built_once, chart_ui, download_ui, people_metric_ui, query_choice_ui, table_ui

BREAKDOWN_LABELS = {"department": "Department", "grade": "Grade", "role_type": "Role type"}


def filters_ui(values: dict[str, list[str]]) -> dict[str, str]:
    """Department, grade and role type filters side by side, each kept in the URL."""
    chosen = {}
    for column, where in zip(queries.BREAKDOWNS, st.columns(3)):
        options = [store.ALL, *sorted(values.get(column, []), key=metrics.grade_sort_key
                                      if column == "grade" else None)]
        chosen[column] = query_choice_ui(BREAKDOWN_LABELS[column], options, column, where=where)
    return chosen


def suppressed_series(series: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A people-count series with its unpublished points removed (published.series marks them hidden)."""
    if series.empty:
        return series
    shown = ~series["hidden"] if "hidden" in series else series["value"] >= threshold
    return series[shown.to_numpy()].reset_index(drop=True)


def filter_phrase(filters: dict[str, str]) -> str:
    """Words for the chosen filters: 'the whole profession' or 'Grade: SCS; Role type: Policy'."""
    chosen = [f"{BREAKDOWN_LABELS[k]}: {v}" for k, v in filters.items() if v != store.ALL]
    return "; ".join(chosen) if chosen else "the whole profession"


def membership_headlines_ui(data: dict, as_at: str, threshold: int) -> None:
    """Latest members and SCS with change since the last Board (only when both are published)."""
    previous = data["previous_board"]
    columns = st.columns(3)
    for column, label, series in ((columns[0], "Members", data["series"]), (columns[1], "SCS members", data["scs"])):
        with column:
            value, change, period = published.change_since(series, as_at, previous)
            if value is None and period is not None:
                st.metric(label, disclosure.CONFIDENTIAL, border=True,
                          help=f"Fewer than {threshold}, or hidden so that a small number cannot be worked out.")
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
        series = suppressed_series(data["series"], threshold)
        return charts.indicator_chart(series, data["target"], name="GSE members", unit="count",
                                      population=filter_phrase(data["filters"]), as_at=as_at,
                                      source=observation_source(data["series"]))
    return built_once(build, "members_chart", as_at, threshold, data["filters"], data["series"], data["target"])


def scs_chart(data: dict, as_at: str, threshold: int) -> Chart:
    """SCS members over time for the chosen department and role type."""
    scope = {**data["filters"], "grade": store.ALL}

    def build() -> Chart:
        series = suppressed_series(data["scs"], threshold)
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
                               data["breakdown_totals"][by], data["series"][["source"]])
            chart_ui(chart, key=f"members-by-{by}")
    if not tabs[-1].open:
        return
    with tabs[-1]:
        role = md(filter_phrase({"role_type": data["filters"]["role_type"]}))
        st.markdown(f"Members by department and grade, {role}. "
                    f"`[c]`: fewer than {threshold}, or hidden so that a small number cannot be worked out "
                    "from the totals.")
        values, hidden = data["crosstab"]
        shown = built_once(lambda: protected_crosstab_table(values, hidden), "department_grade_table",
                           threshold, values, hidden)
        table_ui(shown)
        download_ui(shown, f"members-department-by-grade-{data['period']}.csv",
                    label="Download this table (CSV)")


def _breakdown_chart(data: dict, frame: pd.DataFrame, by: str, threshold: int) -> Chart:
    """Members by one breakdown as a bar chart, with its table, both from the protected table."""
    cells = frame["hidden"].astype(bool)
    total, total_hidden = data["breakdown_totals"][by]
    chart = charts.breakdown_chart(
        frame[[by, "members"]], group=by, value="members", hidden=cells,
        title=_largest_group_title(frame, by, cells, None if total_hidden else total), value_title="Members",
        subtitle=f"GSE members by {BREAKDOWN_LABELS[by].lower()}, {filter_phrase(_others(data, by))}, "
                 f"{format_date(data['period'])}",
        source=observation_source(data["series"]))
    chart.table = protected_line_table(frame, by, BREAKDOWN_LABELS[by], total, total_hidden)
    return chart


def _others(data: dict, by: str) -> dict:
    return {k: v for k, v in data["filters"].items() if k != by}


def _largest_group_title(frame: pd.DataFrame, by: str, hidden: pd.Series, total: int | None) -> str:
    shown = frame[~hidden.to_numpy()]
    if shown.empty:
        return f"Every {BREAKDOWN_LABELS[by].lower()} is too small to show"
    top = shown.sort_values("members", ascending=False).iloc[0]
    share = f", {100 * top['members'] / total:.0f}% of the total" if total else ""
    return f"{top[by]} has the most members: {top['members']:,.0f}{share}"


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
