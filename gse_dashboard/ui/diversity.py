"""The Diversity & inclusion page's own widgets: the D&I workstream and one characteristic at a time.

A characteristic's charts and tables are built in people_charts (Streamlit-free), once per key.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..charts import people_charts
from ..charts.tables import format_date
from ..people import official_figures
from ..rules.safe_text import escape_md
from ..strategy import metrics, timescales, vocabulary
from ..strategy.vocabulary import DIVERSITY_WORKSTREAM
from ..views import official as official_views
from ..views.screens import Diversity
from .loaders import built_once, database_facts
from .session import AS_AT_KEY
from .widgets import chart_ui, download_ui, query_choice_ui, table_ui

# The URL key of the measure the professions are ranked by (?compare=women).
COMPARE_KEY = "compare"


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
    if database_facts().illustrative:
        st.caption(escape_md(vocabulary.illustrative_line(
            "the workstream's rating, commitments complete and commitments past their date above, from the "
            "illustrative progress history")))
    st.page_link("pages/workstreams.py", label="See the Diversity & Inclusion workstream",
                 query_params={"workstream": str(DIVERSITY_WORKSTREAM), AS_AT_KEY: as_at})


def characteristic_ui(view: Diversity, code: str, name: str, as_at: str, threshold: int) -> None:
    """One characteristic: benchmark chart, declaration rates, and suppressed breakdowns."""
    series, gaps = view.of(code)
    breakdowns = {by: view.breakdowns[(code, by)] for by in ("grade", "department")}
    shown_here = built_once(lambda: people_charts.characteristic(view, code, name, as_at, threshold),
                            "characteristic", code, name, as_at, threshold, series, gaps, breakdowns)
    chart_ui(shown_here.benchmark, key=f"benchmark-{code}")
    real = series[(series["illustrative"] == 0) & (series["population"] == "GSE")]
    if not real.empty:
        # Every figure here is real (the strategy's 2015 baseline, then Civil Service Statistics): say whose.
        st.caption(" ".join(f"{row.period[:4]}: {row.source}." + (f" {row.note}" if row.note else "")
                            for row in real.itertuples()))
    if shown_here.declaration is None:
        st.info(f"No declaration rates recorded for {name.lower()} by this date.")
    else:
        chart_ui(shown_here.declaration, key=f"declaration-{code}")
    for by in ("grade", "department"):
        frame = breakdowns[by]
        st.markdown(f"**{name} by {by}**" + (f", {frame['period'].iloc[0][:4]}" if not frame.empty else ""))
        if frame.empty:
            st.info(f"No breakdown by {by} recorded by this date.")
            continue
        shown = shown_here.tables[by]
        table_ui(shown)
        download_ui(shown, f"{code}-by-{by}-{frame['period'].iloc[0]}.csv", label="Download this table (CSV)",
                    key=f"download-{code}-{by}")


def professions_ui(comparison: official_views.ProfessionComparison, as_at: str) -> None:
    """Every profession of post ranked by one measure (chosen, in the URL), the profession highlighted; the table."""
    if comparison.empty:
        st.info(f"No Civil Service Statistics by profession had been published and imported by {format_date(as_at)}.")
        return
    measure = query_choice_ui("Rank the professions by", list(official_figures.COMPARED), COMPARE_KEY,
                              format_func=lambda code: official_figures.COMPARED[code][0])
    chart = built_once(lambda: people_charts.profession_chart(comparison, measure), comparison.table, measure,
                       comparison.profession)
    chart_ui(chart, key=f"professions-{measure}")
    st.markdown(f"**Every profession of post, {comparison.year}** (the Civil Service as a whole last)")
    table_ui(comparison.table)
    st.caption(f"**Real figures.** Headcounts are the publisher's totals; shares are of those who declared, as "
               "the strategy measures them; the SCS share is of those with a known grade. `[c]`: suppressed by the "
               "publisher, or a count (or a share's count) below the dashboard's threshold; `[x]`: not published. "
               f"'Other' and 'Unknown' are listed but not ranked. {official_figures.source_note(comparison.sources)}")
    download_ui(comparison.table, f"professions-{comparison.year}.csv", label="Download this table (CSV)",
                key="download-professions")
