"""The strategy: its vision, mission, who is responsible, the profession and how the plan is built."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.strategy.reading import strategy_sections

ui.page_guard()
st.title("The strategy")
st.caption("The Government Science and Engineering (GSE) Profession Strategy (Government Office for Science, "
           "September 2016), summarised in our words. Page numbers are the strategy's: read it there for its "
           "exact wording.")
# data/strategy.md is the project's own text, not user input, so it is rendered as Markdown.
for heading, body in strategy_sections():
    st.header(heading)
    st.markdown(body)
