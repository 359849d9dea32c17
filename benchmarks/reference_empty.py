"""The framework's floor: an empty Streamlit page with the same as-at control the dashboard has.

The date input is there so a rerun can be triggered exactly as on the dashboard's pages.
"""

import datetime as dt

import streamlit as st

st.set_page_config(page_title="Empty reference page", layout="wide")
st.sidebar.date_input("As at date", value=dt.date(2026, 9, 30), key="as_at", bind="query-params", format="DD/MM/YYYY")
st.title("Empty reference page")
