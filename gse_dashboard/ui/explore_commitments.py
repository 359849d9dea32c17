"""Streamlit widgets for Explore's commitments detail: the rows behind a figure, and changes between two Boards.

Shown under the result when the source is the commitments; both read the view's filters and
the as-at date, and offer their rows as downloads with metadata.
"""

from __future__ import annotations

import dataclasses
import json

import streamlit as st

from .. import explore
from ..charts import downloads
from ..charts.tables import format_date
from ..rules.safe_text import escape_md
from ..strategy import commitments_over_time as over_time
from ..strategy import timescales
from .explore import DETAIL_PREFIXES, KEY
from .loaders import database_facts, load_board_dates, load_commitment_rows, load_status_changes
from .widgets import download_ui, query_choice_ui, table_ui

# The row-level table shows this many rows on the page; the download has them all.
ROWS_SHOWN = 100


def _meta(title: str, as_at: str, filters: str, *, source: str = explore.COMMITMENTS_SOURCE_LINE,
          description: str = "") -> downloads.TableMeta:
    return downloads.TableMeta(title=title, as_at=as_at, filters=filters, source=source, description=description,
                               illustrative=explore.COMMITMENTS_ILLUSTRATIVE if database_facts().illustrative else "")

def commitments_detail_ui(result: explore.ExploreResult, choices: explore.Choices) -> None:
    """For commitments: the rows behind any figure, and what changed between two Board meetings.

    Each is a section of its own, worked out and drawn only while it is open, so the result comes
    first and a change of the view does not wait for rows nobody asked to see. A link that names a
    figure or two Boards (its ?explore_cell_... or ?explore_board_... keys) opens its section.
    """
    if result.state.source != explore.COMMITMENTS:
        return
    st.header("The commitments behind a figure")
    rows = _section("Choose a figure and list its commitments", ROWS_OPEN, CELL_PREFIX)
    if rows.open:
        with rows:
            commitment_rows_ui(result, choices)
    st.header("What changed between two Board meetings")
    changes = _section("Compare two Board meetings", CHANGES_OPEN, BOARD_PREFIX)
    if changes.open:
        with changes:
            changes_between_boards_ui(result.state, choices, result.as_at)


# Whether each section is open (kept for the session); the URL keys that open it from a link.
ROWS_OPEN, CHANGES_OPEN = f"{KEY}rows_open", f"{KEY}changes_open"
CELL_PREFIX, BOARD_PREFIX = DETAIL_PREFIXES


def _section(label: str, key: str, prefix: str):
    """An expander that reruns the page when opened or closed (so what is closed is never worked out)."""
    named = any(name.startswith(prefix) for name in st.query_params)
    return st.expander(label, expanded=named, key=key, on_change="rerun")

def commitment_rows_ui(result: explore.ExploreResult, choices: explore.Choices) -> None:
    """Choose a figure in the table (a value of each grouping) and list the commitments it counts."""
    state, raw = result.state, result.raw
    st.markdown("Choose a value of each grouping to list the commitments a figure counts, with their owner, "
                "due date, status, ratings and latest commentary.")
    picks: dict[str, tuple] = {}
    as_at = result.as_at
    groups = list(state.group_by)
    columns = st.columns(max(1, len(groups)))
    for column, group in zip(columns, groups):
        if group in over_time.TIME_DIMENSIONS:
            dates = sorted(set(raw[group])) if group in raw else []
            if dates:
                label = "Board meeting" if group == over_time.BOARD else "Quarter end"
                as_at = query_choice_ui(label, dates, f"{KEY}cell_{group}", format_date, where=column,
                                        index=len(dates) - 1)
            continue
        values = list(dict.fromkeys(raw[group])) if group in raw else []
        shown = {v: (explore.workstream_label(int(v), choices.workstreams.get(int(v), "")) if group == "workstream"
                     else str(v)) for v in values}
        chosen = query_choice_ui(explore.LABELS[group], ["All", *values], f"{KEY}cell_{group}",
                                 lambda v, shown=shown: "All" if v == "All" else shown[v], where=column)
        if chosen != "All":
            picks[group] = (int(chosen) if group == "workstream" else chosen,)
    filters = {**{k: list(v) for k, v in state.filters.items()}, **{k: list(v) for k, v in picks.items()}}
    rows = load_commitment_rows(as_at, json.dumps(filters, sort_keys=True),
                                state.period_from, state.period_to)
    words = explore.describe_filters(dataclasses.replace(state, **picks), choices)
    st.markdown(f"**{len(rows):,} commitment{'s' if len(rows) != 1 else ''}**, as known at "
                f"{format_date(as_at)}; {escape_md(words)}.")
    if rows.empty:
        return
    table_ui(rows.head(ROWS_SHOWN))
    if len(rows) > ROWS_SHOWN:
        st.caption(f"The first {ROWS_SHOWN} of {len(rows):,} are shown; the downloads have them all.")
    download_ui(rows, f"commitments-{as_at}.csv", label="Download these commitments (CSV)",
                   key="explore-rows-download",
                   meta=_meta("Commitments behind a figure", as_at, words,
                              description="Each commitment with its owner, due date, status, ratings and latest "
                                          "commentary, as known at the as-at date"))

def changes_between_boards_ui(state: explore.ExploreState, choices: explore.Choices, as_at: str) -> None:
    """Two Board meetings side by side: the commitments whose status, rating or past-date flag changed."""
    boards = load_board_dates(as_at)
    if len(boards) < 2:
        st.caption("Fewer than two Board meetings are recorded by this date.")
        return
    columns = st.columns(2)
    # Both Boards are in the link (bound to the URL), so a colleague opens the same comparison.
    earlier = query_choice_ui("From the Board of", boards, f"{KEY}board_from", format_date, where=columns[0],
                              index=len(boards) - 2)
    later = query_choice_ui("To the Board of", boards, f"{KEY}board_to", format_date, where=columns[1],
                            index=len(boards) - 1)
    if earlier == later:
        st.info("Choose two different Board meetings.")
        return
    earlier, later = sorted((earlier, later))
    filters = {k: list(v) for k, v in state.filters.items()}
    changes = load_status_changes(earlier, later, json.dumps(filters, sort_keys=True))
    words = explore.describe_filters(state, choices)
    if changes.empty:
        st.markdown(f"No commitment changed status or rating, or passed its date, between the Boards of "
                    f"{format_date(earlier)} and {format_date(later)} ({escape_md(words)}).")
        return
    became = int((changes[f"{timescales.PAST_DATE_COLUMN} at {later}"] == explore.OVERDUE).sum()
                 - (changes[f"{timescales.PAST_DATE_COLUMN} at {earlier}"] == explore.OVERDUE).sum())
    completed = int(((changes[f"Status at {later}"] == "complete")
                     & (changes[f"Status at {earlier}"] != "complete")).sum())
    overdue = (f"{became:,} more past their date" if became > 0 else f"{-became:,} fewer past their date"
               if became < 0 else "as many past their date as before")
    st.markdown(f"**{len(changes):,} commitment{'s' if len(changes) != 1 else ''} changed** between the Boards of "
                f"{format_date(earlier)} and {format_date(later)}: {completed:,} completed; {overdue}.")
    table_ui(changes.head(ROWS_SHOWN))
    download_ui(changes, f"commitment-changes-{earlier}-to-{later}.csv", label="Download the changes (CSV)",
                   key="explore-changes-download",
                   meta=_meta(f"Commitments that changed between the Boards of {earlier} and {later}", later, words,
                              description="Status, rating and whether past its date at each Board, each as known "
                                          "on its date"))
