"""Workstreams: one workstream at a time — aspiration, commitments, trajectory, indicators."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.charts import builders
from gse_dashboard.strategy import metrics, timescales

ui.page_guard()
st.title("Workstreams")
as_at = ui.current_as_at()
facts = ui.database_facts()
workstreams = facts.workstreams
names = dict(zip(workstreams["number"], workstreams["name"]))
number = ui.workstream_ui(names)
data = ui.load_workstream(as_at, number)
ws = workstreams[workstreams["number"] == number].iloc[0]
ui.illustrative_notice()

st.header(f"{number}. {ui.escape_md(ws['name'])}")
st.markdown(f"**What good looks like.** {ui.escape_md(ws['aspiration'])}")
st.markdown(f"**The challenges.** {ui.escape_md(ws['challenges'])}")
st.caption(f"Our summaries, not the strategy's words: read its own in the GSE Strategy (2016), "
           f"{ui.escape_md(ws['strategy_ref'])}. The commitments below are summaries too; each row says where it is.")

status = data.status
summary = metrics.headline(status, as_at)
columns = st.columns(3)
columns[0].metric("Delivery confidence", metrics.rating_label(metrics.workstream_rating(status)),
                  help="Average rating of its open commitments (the Board's where given).", border=True)
columns[1].metric("Commitments complete", f"{summary['complete']} of {summary['commitments']}",
                  help=f"{summary['planned_share']:.0f}% were due by {ui.format_date(as_at)}.", border=True)
columns[2].metric(timescales.PAST_DATE_HEADING, summary["overdue"], border=True, help=timescales.PAST_DATE_HELP)

ui.chart_ui(builders.trajectory_chart(data.trajectory, ws["name"], as_at, ui.source_line(facts.illustrative)),
            key=f"trajectory-{number}")

st.subheader(f"Commitments as at {ui.format_date(as_at)}")
st.caption(f"Dates are indicative unless shown as set. {timescales.HOW_DATES_ARE_DERIVED} "
           f"{timescales.OWNERS_EXPLAINED}")
ui.commitments_ui(status, number, as_at)

if not data.indicators.empty:
    st.subheader("Indicators")
    for row in data.indicators.itertuples():
        series, target = data.indicator_data[row.code]
        ui.chart_ui(builders.indicator_chart(series, target, name=row.name, unit=row.unit,
                                           population="GSE profession", as_at=as_at,
                                           source=ui.observation_source(series)),
                    key=f"indicator-{row.code}", level=4)

st.subheader("History of updates")
ui.update_history_ui(status, as_at)
