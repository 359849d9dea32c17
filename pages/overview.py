"""Overview: the Board's first screen — headlines, the ten workstreams, what changed."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.charts import builders
from gse_dashboard.strategy import metrics, timescales
from gse_dashboard.ui import official as official_ui

ui.page_guard()
st.title("Overview")
as_at = ui.current_as_at()
data = ui.load_overview(as_at, ui.settings().suppression_threshold)
ui.illustrative_notice()

previous = data.previous_board
st.markdown(
    f"How delivery of the GSE Strategy stood **as at {ui.format_date(as_at)}**"
    + (f", with changes since the Board meeting of **{ui.format_date(previous)}**." if previous
       else ". There was no earlier Board meeting to compare with.")
)

headline, before = data.headline, data.headline_before
members = metrics.change_since(data.members, as_at, previous)
scs = metrics.change_since(data.scs, as_at, previous)
columns = st.columns(4)
with columns[0]:
    ui.people_metric_ui("GSE members", data.members, members)
with columns[1]:
    ui.people_metric_ui("SCS members", data.scs, scs)
with columns[2]:
    ui.change_metric_ui(
        "Commitments complete", f"{headline['actual_share']:.0f}%",
        headline["actual_share"] - before["actual_share"] if before else None, "{:+.0f} points",
        help=f"{headline['complete']} of {headline['commitments']} commitments complete; "
             f"{headline['planned_share']:.0f}% were due by this date.")
    st.caption(f"Planned by now: {headline['planned_share']:.0f}% due")
with columns[3]:
    ui.change_metric_ui(
        timescales.PAST_DATE_FACT, headline["overdue"],
        headline["overdue"] - before["overdue"] if before else None, "{:+d}", inverse=True,
        help=timescales.PAST_DATE_HELP + " Whatever their rating.")
official_ui.overview_headcount_ui(ui.load_headcount(as_at, ui.settings().profession,
                                                   ui.settings().suppression_threshold))

st.header("Needs the Board's attention")
ui.attention_ui(data.attention, previous)

st.header("The ten workstreams")
ui.workstream_grid_ui(data.summary, as_at, data.attention)
ui.chart_ui(builders.workstream_delivery_chart(data.summary, as_at, ui.source_line(ui.database_facts().illustrative)),
            key="overview-delivery")

st.header("Since the last Board")
ui.since_last_board_ui(ui.database_facts().meetings, previous, as_at)
