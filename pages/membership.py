"""Membership: members over time against target, SCS, breakdowns, joiners and leavers."""

import streamlit as st

from gse_dashboard import ui

ui.page_guard()
st.title("Membership")
as_at = ui.current_as_at()
threshold = ui.settings().suppression_threshold
basics = ui.basics()
filters = ui.filters_ui(ui.load_breakdown_values(ui.db_path(), ui.revision()))
data = ui.load_membership(ui.db_path(), ui.revision(), as_at, **filters, threshold=threshold)
ui.illustrative_notice()
st.markdown(f"GSE members **as at {ui.format_date(as_at)}**, for {ui.md(ui.filter_phrase(filters))}. "
            f"Counts below {threshold} are shown as `[c]` to protect individuals.")

ui.membership_headlines_ui(data, as_at, threshold)
st.header("Members over time")
ui.chart_ui(ui.members_chart(data, as_at, threshold), key="members-over-time")

st.header("Senior Civil Service")
st.markdown("The strategy wants good SCS representation from across the profession; in September "
            "2016 235 members were in the SCS.")
ui.chart_ui(ui.scs_chart(data, as_at, threshold), key="scs-over-time")

st.header(f"Breakdowns at {ui.format_date(data['period'])}" if data["period"] else "Breakdowns")
ui.membership_breakdowns_ui(data, threshold)

st.header("Joiners and leavers")
ui.joiners_leavers_ui(data, as_at)
