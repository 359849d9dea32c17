"""Diversity and inclusion: each characteristic against the Civil Service, with small numbers suppressed."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.ui import official as official_ui

ui.page_guard()
st.title("Diversity and inclusion")
as_at = ui.current_as_at()
threshold = ui.settings().suppression_threshold
data = ui.load_diversity(as_at, threshold)
st.markdown(
    f"The strategy's aspiration is a profession that reflects society. Figures **as at "
    f"{ui.format_date(as_at)}**; shares are the percentage **of those who declared**, beside the "
    f"declaration rate, against the Civil Service as a whole. Counts below {threshold} are shown as `[c]`."
)
ui.diversity_workstream_ui(data.status, as_at)

st.header(f"Civil servants in {ui.escape_md(ui.settings().profession)} posts against the Civil Service since 2015")
official_ui.diversity_story_ui(ui.load_diversity_story(as_at, threshold), as_at)

st.header("Against the Civil Service")
summary = ui.diversity_summary(data)
ui.table_ui(summary)
ui.download_ui(summary, f"diversity-summary-{as_at}.csv", label="Download this table (CSV)")

st.header("The profession against every other")
st.markdown(f"Where **{ui.escape_md(ui.settings().profession)}** stands among every profession of post in the "
            "published Civil Service Statistics: headcount, growth, senior share and each diversity share.")
ui.professions_ui(ui.load_professions(as_at, ui.settings().profession, threshold), as_at)

st.header("Each characteristic")
definitions = data.definitions
# Only the open tab runs and draws, and the URL names it (?characteristic=...), so a link opens it.
tabs = st.tabs(definitions["name"].tolist(), key="characteristic", bind="query-params")
for tab, row in zip(tabs, definitions.itertuples()):
    if tab.open:
        with tab:
            ui.characteristic_ui(data, row.code, row.name, as_at, threshold)
