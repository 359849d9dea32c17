"""Explore: any indicator or the commitments, filtered and grouped, as at a date; a link reproduces the view."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.ui import explore as explore_ui
from gse_dashboard.ui import explore_commitments, loaders, saved_views, sql_box

ui.page_guard()
st.title("Explore")
as_at = ui.current_as_at()
threshold = ui.settings().suppression_threshold
user = ui.current_user()
st.markdown(f"Choose what to look at, how to group it and what to filter, **as known at {ui.format_date(as_at)}**. "
            "The address bar keeps every choice, so the link shows a colleague the same view.")
saved_views.view_link_message_ui()
choices = loaders.load_choices()
state = explore_ui.state_ui(choices, as_at)
result = loaders.load_result(explore_ui.query_string(state), threshold, ui.settings().profession)
explore_ui.result_ui(result, threshold, choices)
explore_ui.link_ui(state)
explore_commitments.commitments_detail_ui(result, choices)

st.header("Saved views")
saved_views.saved_views_ui(state, choices, user)

if user.can_edit:
    st.header("SQL box")
    sql_box.sql_box_ui()
