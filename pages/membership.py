"""Membership: civil servants in the profession's posts (published), then registered members over time."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.ui import official as official_ui

ui.page_guard()
st.title("Membership")
as_at = ui.current_as_at()
threshold = ui.settings().suppression_threshold
profession = ui.settings().profession
facts = ui.database_facts()
st.markdown(f"Two measures of the profession **as at {ui.format_date(as_at)}**, side by side and never added: "
            f"civil servants in {ui.escape_md(profession)} posts (real, published) and registered GSE members. "
            f"Counts below {threshold} are shown as `[c]` to protect individuals.")

st.header(f"Civil servants in {ui.escape_md(profession)} posts (Civil Service Statistics)")
official_ui.headcount_ui(ui.load_headcount(as_at, profession, threshold), as_at, threshold)

st.header("Registered GSE members")
ui.illustrative_notice(ui.MEMBERS_ILLUSTRATIVE)
st.caption("Registered members of the profession (Civil Service Learning): the strategy's over 10,000 members "
           "and 235 in the SCS (September 2016) are real; later figures are illustrative unless your team has "
           "imported its own. A different measure from civil servants in the profession's posts above.")
filters = ui.filters_ui(ui.load_breakdown_values())
data = ui.load_membership(as_at, **filters, threshold=threshold)
st.markdown(f"Registered members for {ui.escape_md(ui.filter_phrase(filters))}.")
ui.membership_headlines_ui(data, as_at, threshold)
st.header("Members over time")
ui.chart_ui(ui.members_chart(data, as_at, threshold), key="members-over-time")

st.header("Senior Civil Service")
st.markdown("The strategy wants good SCS representation from across the profession; in September "
            "2016 235 members were in the SCS.")
ui.chart_ui(ui.scs_chart(data, as_at, threshold), key="scs-over-time")

st.header(f"Breakdowns at {ui.format_date(data.period)}" if data.period else "Breakdowns")
ui.membership_breakdowns_ui(data, threshold)

st.header("Registered members joining and leaving")
ui.joiners_leavers_ui(data, as_at)
