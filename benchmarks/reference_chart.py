"""The framework's floor with one chart: the as-at control and one plotly line chart of 40 points."""

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="One-chart reference page", layout="wide")
as_at = st.sidebar.date_input("As at date", value=dt.date(2026, 9, 30), key="as_at", bind="query-params",
                              format="DD/MM/YYYY")
st.title("One-chart reference page")
quarters = [dt.date(2016 + (i + 3) // 4, 3 * ((i + 3) % 4) + 1, 1).isoformat() for i in range(40)]
figure = go.Figure(go.Scatter(x=quarters, y=[10_000 + 120 * i for i in range(40)], mode="lines+markers"))
figure.update_layout(height=380, margin={"l": 60, "r": 150, "t": 20, "b": 50})
st.plotly_chart(figure, config={"displayModeBar": False}, key="reference-chart")
