"""The Overview page's own widgets: the workstream cards and what changed since the last Board."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..board import paper
from ..charts.tables import format_date
from ..rules.safe_text import escape_md
from ..strategy import metrics, timescales
from ..views import attention as board_view
from ..views import screens
from .loaders import load_changes
from .session import AS_AT_KEY, settings
from .widgets import download_ui, table_ui


def workstream_grid_ui(summary: pd.DataFrame, as_at: str, attention: board_view.AttentionView | None = None) -> None:
    """The ten workstreams as cards: the Board's latest rating and its last ratings, the computed average
    apart from it, planned vs actual, closed without completion, past their date."""
    per_row = 5
    judged = attention.judged.set_index("number") if attention is not None else None
    for start in range(0, len(summary), per_row):
        for column, ws in zip(st.columns(per_row), summary.iloc[start:start + per_row].itertuples()):
            with column.container(border=True):
                st.markdown(f"**{ws.number}. {escape_md(ws.name)}**")
                if judged is not None and ws.number in judged.index:
                    row = judged.loc[ws.number]
                    st.markdown("Board: " + escape_md(paper.rating_words(row)),
                                help=escape_md(row["rationale"]) or None)
                    trend = attention.trend.get(int(ws.number), [])
                    if len(trend) > 1:
                        st.caption("Board's last ratings: " + escape_md(board_view.trend_words(trend)),
                                   help=board_view.TREND_NOTE)
                    st.markdown("Computed average: " + escape_md(paper.average_words(row)),
                                help=paper.AVERAGE_HELP)
                else:
                    st.markdown(f"Computed average: {metrics.rating_label(ws.rating)}", help=paper.AVERAGE_HELP)
                st.markdown(f"{ws.actual_share:.0f}% complete · {ws.planned_share:.0f}% due · "
                            f"{ws.closed} closed without completion")
                st.markdown(f"{'⚠ ' if ws.overdue else ''}{timescales.past_date_count_text(ws.overdue)}",
                            help=timescales.PAST_DATE_HELP)
                st.page_link("pages/workstreams.py", label="Open workstream",
                             query_params={"workstream": str(ws.number), AS_AT_KEY: as_at})


def attention_ui(attention: board_view.AttentionView, previous: str | None) -> None:
    """Every commitment past its date, rated Amber/Red or Red, or worsened since the last Board: the list
    the Board pack opens with, from the same function."""
    frame = attention.exceptions
    since = f" since the Board of {format_date(previous)}" if previous else ""
    if frame.empty:
        st.success(f"No commitment is past its date, rated Amber/Red or Red, or worsened{since}.")
        return
    flagged = int((frame["contradiction"] != "").sum())
    st.markdown(f"{paper.plural(len(frame), 'commitment is', 'commitments are')} past their date "
                f"(indicative unless set), rated Amber/Red or Red, or worsened{since}."
                + (f" ⚠ {flagged} with commentary that contradicts the rating or date." if flagged else ""))
    shown = paper.exception_table(frame, attention.boards)
    table_ui(shown)
    download_ui(shown, f"needs-the-boards-attention-{attention.as_at}.csv", label="Download this list (CSV)")


def comparison_dates_ui(meetings: pd.DataFrame, previous: str | None, as_at: str) -> tuple[str, str] | None:
    """Choose the two dates to compare: by default the last Board before AS_AT, and AS_AT."""
    dates = [d for d in meetings["date"] if d < as_at]
    if not dates:
        return None
    choices = [*dates[::-1]]
    columns = st.columns(2)
    # In the link (?compare_from=2019-07-17), so a colleague opening it compares the same Boards.
    since = columns[0].selectbox("Compare from the Board meeting of", choices,
                                 index=choices.index(previous) if previous in choices else 0,
                                 format_func=format_date, key="compare_from", bind="query-params")
    later = [d for d in meetings["date"] if since < d < as_at][::-1]
    until = columns[1].selectbox("to", [as_at, *later], format_func=lambda d: (
        f"{format_date(d)} (the as-at date)" if d == as_at else f"{format_date(d)} (Board meeting)"),
        key="compare_to", bind="query-params")
    return since, until


@st.fragment
def since_last_board_ui(meetings: pd.DataFrame, previous: str | None, as_at: str) -> None:
    """The two dates to compare and what changed between them.

    A fragment: choosing another Board meeting reruns this section only, not the whole page.
    """
    compared = comparison_dates_ui(meetings, previous, as_at)
    if compared is None:
        st.info("There is no Board meeting before this date to compare with.")
    else:
        changes_ui(load_changes(*compared, settings().suppression_threshold), *compared)


def changes_ui(changes: screens.Changes, since: str, until: str) -> None:
    """What changed between two dates: commitments, then indicators, each with a download."""
    commitments = changes.commitments
    if commitments.empty:
        st.success(f"No commitment changed status or rating, or passed its date, between {format_date(since)} "
                   f"and {format_date(until)}.")
    else:
        counts = commitments["change"].value_counts()
        st.markdown(f"Between {format_date(since)} and {format_date(until)}: "
                    + ", ".join(paper.change_count_words(kind, n) for kind, n in counts.items()) + ".")
        shown = commitments.rename(columns={"ref": "Ref", "workstream": "Workstream", "title": "Commitment (summary)",
                                            "change": "Change", "from": "From", "to": "To"})
        table_ui(shown)
        download_ui(shown, f"changes-{since}-to-{until}.csv", label="Download the changes (CSV)")
    movements = changes.indicators
    if not movements.empty:
        st.markdown("**Indicators**")
        hidden = "[c]"  # a count of people not published at that date (published.series)
        shown = movements.assign(
            change=[hidden if isinstance(p, str) and (pd.isna(f) or pd.isna(t)) else paper.signed_change(v)
                    for v, f, t, p in zip(movements["change"], movements["from"], movements["to"],
                                          movements["from_period"])],
            to=[hidden if pd.isna(v) else v for v in movements["to"]],
            **{"from": [hidden if isinstance(p, str) and pd.isna(v) else v
                        for v, p in zip(movements["from"], movements["from_period"])]},
            from_period=movements["from_period"].map(lambda d: format_date(d) if isinstance(d, str) else ""),
            to_period=movements["to_period"].map(format_date),
        ).rename(columns={"indicator": "Indicator", "from_period": "Figure for", "from": "Then",
                          "to_period": "Latest figure for", "to": "Now", "change": "Change"})
        table_ui(shown)
        download_ui(shown, f"indicator-movements-{since}-to-{until}.csv",
                    label="Download the indicator movements (CSV)")
