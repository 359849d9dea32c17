"""The Diversity & inclusion page's own widgets: the D&I workstream and one characteristic at a time."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import charts, metrics, timescales
from ..tables import (
    diversity_breakdown_table,
    format_date,
    observation_source,
)
from ..vocabulary import DIVERSITY_WORKSTREAM
from .session import AS_AT_KEY
from .widgets import built_once, chart_ui, download_ui, table_ui


def diversity_workstream_ui(status: pd.DataFrame, as_at: str) -> None:
    """The Diversity & Inclusion workstream's delivery next to the figures."""
    summary = metrics.headline(status, as_at)
    columns = st.columns(3)
    columns[0].metric("D&I workstream confidence", metrics.rating_label(metrics.workstream_rating(status)),
                      border=True, help="Average rating of the workstream's open commitments.")
    columns[1].metric("D&I commitments complete", f"{summary['complete']} of {summary['commitments']}",
                      border=True, help=f"{summary['planned_share']:.0f}% were due by {format_date(as_at)}.")
    columns[2].metric(f"D&I commitments {timescales.PAST_DATE_HEADING.lower()}", summary["overdue"], border=True,
                      help=timescales.PAST_DATE_HELP)
    st.page_link("pages/workstreams.py", label="See the Diversity & Inclusion workstream",
                 query_params={"workstream": str(DIVERSITY_WORKSTREAM), AS_AT_KEY: as_at})


def characteristic_ui(data: dict, code: str, name: str, as_at: str, threshold: int) -> None:
    """One characteristic: benchmark chart, declaration rates, and suppressed breakdowns."""
    series = data["series"][data["series"]["indicator"] == code]
    breakdowns = {by: data["breakdowns"][(code, by)] for by in ("grade", "department")}
    view = built_once(lambda: _characteristic_view(data, series, breakdowns, code, name, as_at, threshold),
                      "characteristic", code, name, as_at, threshold, series,
                      data["gaps"][data["gaps"]["indicator"] == code], breakdowns)
    chart_ui(view["benchmark"], key=f"benchmark-{code}")
    real = series[(series["illustrative"] == 0) & (series["population"] == "GSE")]
    if not real.empty:
        # Every figure here is real (the strategy's 2015 baseline, then Civil Service Statistics): say whose.
        st.caption(" ".join(f"{row.period[:4]}: {row.source}." + (f" {row.note}" if row.note else "")
                            for row in real.itertuples()))
    if view["declaration"] is None:
        st.info(f"No declaration rates recorded for {name.lower()} by this date.")
    else:
        chart_ui(view["declaration"], key=f"declaration-{code}")
    for by in ("grade", "department"):
        frame = breakdowns[by]
        st.markdown(f"**{name} by {by}**" + (f", {frame['period'].iloc[0][:4]}" if not frame.empty else ""))
        if frame.empty:
            st.info(f"No breakdown by {by} recorded by this date.")
            continue
        shown = view["tables"][by]
        table_ui(shown)
        download_ui(shown, f"{code}-by-{by}-{frame['period'].iloc[0]}.csv", label="Download this table (CSV)",
                    key=f"download-{code}-{by}")


def _characteristic_view(data: dict, series: pd.DataFrame, breakdowns: dict, code: str, name: str, as_at: str,
                         threshold: int) -> dict:
    """The charts and suppressed tables of one characteristic, built once per key by characteristic_ui."""
    gaps = data["gaps"][data["gaps"]["indicator"] == code]
    trend = metrics.gap_trend(data["gaps"], code)
    benchmark = charts.benchmark_chart(gaps, trend, name=name, as_at=as_at, source=observation_source(series))
    rates = series.pivot_table(index="period", columns="population", values="declaration_rate",
                               aggfunc="last").reset_index()
    rate_columns = [(p, p if p != "GSE" else "GSE profession") for p in ("GSE", "Civil Service") if p in rates]
    declaration = None
    if not rates.dropna(how="all", subset=[c for c, _ in rate_columns]).empty:
        latest_rate = rates.dropna(subset=["GSE"]).iloc[-1] if "GSE" in rates and rates["GSE"].notna().any() else None
        title = (f"{latest_rate['GSE']:.0f}% of GSE members declared in {latest_rate['period'][:4]}"
                 if latest_rate is not None else f"Declaration rates for {name.lower()}")
        declaration = charts.lines_chart(
            rates, x="period", series=rate_columns, title=title,
            subtitle=f"Share of staff answering the question on {name.lower()}, as known at {as_at}",
            source=observation_source(series), y_title="% who declared", percent=True,
            alt_text=f"Line chart of declaration rates for {name.lower()}. {title}.")
    tables = {by: diversity_breakdown_table(frame, name, by, threshold)
              for by, frame in breakdowns.items() if not frame.empty}
    return {"benchmark": benchmark, "declaration": declaration, "tables": tables}
