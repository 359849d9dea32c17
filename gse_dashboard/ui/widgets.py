"""Widgets every page shares: the as-at control, notices, charts, tables, downloads, headline figures."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from ..charts import downloads
from ..charts.style import PLOTLY_CONFIG, Chart
from ..charts.style import as_shown as as_shown_figure
from ..charts.tables import as_shown, format_cell, format_date
from ..documents import images
from ..people import disclosure, official_figures
from ..rules import accessibility, text_rules
from ..rules.safe_text import escape_md
from ..strategy import vocabulary
from ..strategy.vocabulary import LAUNCH
from .loaders import current_as_at, database_facts
from .session import AS_AT_KEY, current_user, settings

ILLUSTRATIVE_NOTICE = "**Illustrative data.** " + official_figures.ILLUSTRATIVE_TEXT
MEMBERS_ILLUSTRATIVE = official_figures.MEMBERS_ILLUSTRATIVE
# Set once this session has chosen an as-at date (see as_at_ui), and once the sidebar's date widget has been drawn.
_AS_AT_CHOSEN = "_gse_as_at_chosen"
_AS_AT_DRAWN = "_gse_as_at_drawn"


def as_at_ui() -> str:
    """The global as-at date control in the sidebar, kept in the URL; returns YYYY-MM-DD ("" before sign-in)."""
    if not current_user().can_view:  # nothing of the data, not even its dates, before a required sign-in
        return ""
    facts = database_facts()
    latest = dt.date.fromisoformat(facts.latest)
    launch = LAUNCH
    newest = max(latest, dt.date.today())
    # Read before the widget, which silently drops a date it cannot show from the link.
    asked_all = st.query_params.get_all(AS_AT_KEY)
    asked = asked_all[0] if len(asked_all) == 1 else None
    if asked is not None and _usable_date(asked, launch, newest):
        st.session_state[_AS_AT_CHOSEN] = True
    chosen_before = bool(st.session_state.get(_AS_AT_CHOSEN))
    # Streamlit leaves a bound widget's default value out of the URL. Until a date is chosen (in the sidebar,
    # by a link or by opening a saved view) the default is the latest date, and the address names no date;
    # after, the default is "no date", so a chosen date stays in the address even when it is the latest.
    chosen = st.sidebar.date_input(
        "As at date",
        value=None if chosen_before else latest,
        min_value=launch,
        max_value=newest,
        key=AS_AT_KEY,
        bind="query-params",
        format="DD/MM/YYYY",
        on_change=_as_at_chosen,
        help="Show the dashboard as it was known on this date. Board meetings are listed below."
             + (" Clear the box to follow the latest date." if chosen_before else ""),
    )
    st.session_state[_AS_AT_DRAWN] = True
    as_at = (chosen or latest).isoformat()
    if chosen is None:
        st.sidebar.caption(f"No date chosen: the latest, {format_date(latest.isoformat())}.")
    if len(asked_all) > 1:
        shown = ", ".join(f"“{escape_md(text_rules.echo(value))}”" for value in asked_all[:3])
        st.warning(f"The link gives the as-at date {len(asked_all)} times ({shown}"
                   f"{', …' if len(asked_all) > 3 else ''}): showing {format_date(as_at)}.")
    elif asked is not None and asked != as_at:
        st.warning(f"The link asks for the as-at date “{escape_md(text_rules.echo(asked))}”, which is not a date from "
                   f"{format_date(launch.isoformat())} to {format_date(newest.isoformat())} written as "
                   f"YYYY-MM-DD: showing {format_date(as_at)} instead.")
    meetings = facts.meetings
    known = meetings[meetings["date"] <= as_at] if not meetings.empty else meetings
    if not known.empty:  # the meetings held by the as-at date, not the latest in the database
        recent = known.tail(4).iloc[::-1]
        st.sidebar.caption(f"Board meetings up to {format_date(as_at)}: "
                           + ", ".join(format_date(d) for d in recent["date"]))
    return as_at


def _usable_date(text: str, earliest: dt.date, latest: dt.date) -> bool:
    """Whether TEXT is a date written as YYYY-MM-DD from EARLIEST to LATEST."""
    try:
        return len(text) == 10 and earliest <= dt.date.fromisoformat(text) <= latest
    except ValueError:
        return False


def _as_at_chosen() -> None:
    st.session_state[_AS_AT_CHOSEN] = True


def choose_as_at(day: dt.date) -> None:
    """Set the sidebar's as-at date to DAY, as chosen (kept in the address even if it is the latest date).

    Called before the sidebar is drawn in this run (a callback, or app.py before `as_at_ui`). Once the
    sidebar's date widget has been drawn in this session the URL follows it; before, it is not yet bound
    to the URL, so the date is written there too.
    """
    st.session_state[_AS_AT_CHOSEN] = True
    st.session_state[AS_AT_KEY] = day
    if not st.session_state.get(_AS_AT_DRAWN):
        st.query_params[AS_AT_KEY] = day.isoformat()


def accessibility_css_ui() -> None:
    """Inject, once per run, the CSS that works round Streamlit's accessibility gaps (see accessibility.py)."""
    st.html(f"<style>{accessibility.CSS}</style>")


def illustrative_notice(what: str | None = None) -> None:
    """Say plainly, above a page or section that shows made-up figures, which of them are made up.

    WHAT names this page's illustrative figures; without it, the dashboard's whole list. A page
    or section of real figures only does not call this: each illustrative figure is also marked
    where it is shown (`vocabulary.marked`, a chart's `illustrative`).
    """
    if database_facts().illustrative:
        text = f"**Illustrative data.** {what}" if what else ILLUSTRATIVE_NOTICE
        st.warning(text, icon=":material/info:")


def _may_be_made_up(source: str) -> bool:
    """Whether a chart with SOURCE may show illustrative figures: its source says so, or the database holds the
    illustrative history and the source is not the publisher's statistics or the strategy's survey figures."""
    if "illustrative" in source.lower():
        return True
    real = official_figures.PUBLISHER in source or "Annual Civil Service Employment Survey" in source
    return bool(database_facts().illustrative) and not real


def chart_image_ui(chart: Chart, key: str) -> None:
    """PNG and SVG of CHART at a slide's size, its title, source and whether it is real drawn in (made on click)."""
    stem = downloads.file_stem(chart.title, current_as_at())
    marked = chart
    if not chart.illustrative and _may_be_made_up(chart.source):
        # A chart not (yet) told which of its figures are made up, in a database with the illustrative history:
        # its image says so rather than claim to be real.
        marked = dataclasses.replace(chart, illustrative="it may include figures from the illustrative history")
    with st.container(horizontal=True, gap="small"):
        for fmt, words in (("png", "PNG, for a slide"), ("svg", "SVG, to scale")):
            st.download_button(f"Download the chart ({words})", data=lambda f=fmt: images.slide_image(marked, f),
                               file_name=f"{stem}.{fmt}", mime=images.IMAGE_FORMATS[fmt], key=f"{key}-{fmt}",
                               on_click="ignore", icon=":material/image:",
                               help="The chart at a slide's size (13.3 by 7.5 inches) with its title, subtitle, "
                                    "source and whether its figures are real drawn into the image.")


def chart_ui(chart: Chart, key: str, *, level: int = 3) -> None:
    """A chart with its message title, subtitle, source, text summary and data table.

    LEVEL is the title's heading level: one below the heading the chart sits under, so that
    screen reader users can move through the page by headings without a level skipped.
    """
    st.markdown(f"{'#' * level} {escape_md(chart.title)}")
    st.caption(escape_md(chart.subtitle))
    if chart.note:
        st.info(escape_md(chart.note), icon=":material/info:")
    # Only the precision shown leaves the server (charts.as_shown), in the data as in the labels.
    st.plotly_chart(as_shown_figure(chart.figure), config=PLOTLY_CONFIG, key=key, alt=chart.alt_text)
    st.caption(f"Source: {escape_md(chart.source)}")
    if chart.illustrative:
        st.caption(escape_md(vocabulary.illustrative_line(chart.illustrative)))
    chart_image_ui(chart, key)
    with st.expander("Chart as a table, and a text description"):
        st.markdown(escape_md(chart.alt_text))
        table_ui(chart.table)
        download_ui(chart.table, f"{key}.csv", label="Download this table (CSV)", key=f"{key}-download",
                    meta=downloads.TableMeta(title=chart.title, description=chart.subtitle, source=chart.source,
                                             as_at=current_as_at(), illustrative=chart.illustrative,
                                             notes=(chart.note,) if chart.note else ()))


def table_ui(frame: pd.DataFrame) -> None:
    """A static, accessible table (real HTML, not a canvas): numbers formatted, text shown as text."""
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = [escape_md(format_cell(v.item() if hasattr(v, "item") else v)) for v in shown[column]]
    shown.columns = [escape_md(c) for c in shown.columns]
    st.table(shown, hide_index=True)


def download_ui(frame: pd.DataFrame, file_name: str, *, label: str = "Download (CSV)", key: str | None = None,
                meta: downloads.TableMeta | None = None) -> None:
    """FRAME to download, saying what it is: CSV led by its metadata, and .xlsx and .ods in the GSS form.

    META (title, as-at date, filters, source, notes) defaults to one made from the file name,
    the sidebar's as-at date and whether the data is illustrative; a [c] in the table adds
    the suppression note. The spreadsheets are made only when asked for.
    """
    frame = as_shown(frame)  # numbers no more precise than the screen shows, in every format
    meta = meta or default_meta(frame, file_name)
    if meta.suppression is None and frame.isin([disclosure.CONFIDENTIAL]).to_numpy().any():
        meta = dataclasses.replace(meta, suppression=f"[c]: hidden to protect individuals: fewer than "
                                                     f"{settings().suppression_threshold} people, or a figure that "
                                                     "would let a small number be worked out.")
    key = key or file_name
    stem = file_name.rsplit(".", 1)[0]
    base = label.removesuffix(" (CSV)")
    with st.container(horizontal=True, gap="small"):
        st.download_button(label, data=downloads.csv_bytes(frame, meta), file_name=file_name, mime="text/csv",
                           key=key, on_click="ignore", icon=":material/download:",
                           help="CSV: the first lines, starting '#', say what the table is.")
        st.download_button(f"{base} (Excel)", data=lambda: downloads.xlsx_bytes(frame, meta),
                           file_name=f"{stem}.xlsx", mime=downloads.XLSX_MIME, key=f"{key}-xlsx",
                           on_click="ignore", icon=":material/download:",
                           help="A workbook with a cover sheet, contents, notes and the table.")
        st.download_button(f"{base} (OpenDocument)", data=lambda: downloads.ods_bytes(frame, meta),
                           file_name=f"{stem}.ods", mime=downloads.ODS_MIME, key=f"{key}-ods",
                           on_click="ignore", icon=":material/download:",
                           help="The same workbook in the open format (LibreOffice, Google Sheets, Excel).")


def default_meta(frame: pd.DataFrame, file_name: str) -> downloads.TableMeta:
    """What a download is, when its page says no more: a title from FILE_NAME, the as-at date, which rows are made up.

    A table is marked illustrative only by its own figures: when it has an Illustrative column
    with a row marked (the column says which), never because the database holds made-up history
    somewhere else (a list of import problems or the published statistics are not illustrative).
    """
    stem = file_name.rsplit(".", 1)[0]
    as_at = current_as_at()
    words = stem.replace(f"-{as_at}", "").replace("-", " ").strip()
    return downloads.TableMeta(title=words[:1].upper() + words[1:] if words else "Table", as_at=as_at,
                               source=f"{downloads.PRODUCER}: the GSE team's records and published statistics",
                               illustrative=downloads.ILLUSTRATIVE_WHICH if marked_rows(frame) else "")


def marked_rows(frame: pd.DataFrame) -> bool:
    """Whether FRAME has an illustrative column with any row marked (1, True or 'Yes')."""
    for column in frame.columns:
        if str(column).lower() == vocabulary.ILLUSTRATIVE:
            values = frame[column].map(lambda v: str(v).strip().lower() in {"1", "true", "yes"})
            return bool(values.any())
    return False


def change_metric_ui(label: str, value, change: float | None, change_format: str, *,
                     inverse: bool = False, help: str | None = None) -> None:
    """A headline figure with its change since the last Board; no arrow when nothing changed."""
    if change is None:
        st.metric(label, value, help=help, border=True)
    elif change == 0:
        st.metric(label, value, delta="No change since last Board", delta_color="off",
                  delta_arrow="off", help=help, border=True)
    else:
        st.metric(label, value, delta=f"{change_format.format(change)} since last Board",
                  delta_color="inverse" if inverse else "normal", help=help, border=True)


def people_metric_ui(label: str, series: pd.DataFrame, change: tuple) -> None:
    """A headline count with its change since the last Board and the period it refers to."""
    value, delta, period = change
    if value is None:
        st.metric(label, "[x]", help="Not available: no figure recorded by this date.", border=True)
        return
    row = series[series["period"] == period].iloc[-1]
    qualifier = f"{row['qualifier']} " if row["qualifier"] else ""
    change_metric_ui(label, f"{qualifier}{value:,.0f}", delta, "{:+,.0f}",
                     help=f"Figure for {format_date(period)}. Source: {escape_md(row['source'])}")
    marks = " [r] revised" if row["revised"] else ""
    st.caption(f"At {format_date(period)}{marks}" + (" · illustrative" if row["illustrative"] else ""))


def query_choice_ui(label: str, options: list, key: str, format_func=str, *, where=st, index: int = 0) -> object:
    """A selectbox whose choice is kept in the URL as ?KEY=<option>, so a link reproduces it.

    Streamlit's own binding would put the displayed label in the URL; this keeps the short
    option value (a workstream number, say) and follows the URL when a link changes it.
    """
    by_text = {str(option): option for option in options}
    requested = st.query_params.get(key)
    written_key = f"_{key}_in_url"
    if requested in by_text and requested != st.session_state.get(written_key):
        st.session_state[key] = by_text[requested]
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[index]
    chosen = where.selectbox(label, options, format_func=format_func, key=key)
    st.query_params[key] = str(chosen)
    st.session_state[written_key] = str(chosen)
    return chosen
