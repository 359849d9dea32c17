"""What needs the Board's attention at a date, read once for the Overview page and the Board pack.

A view (queries and board_paper's measures, no Streamlit): the exceptions list, each workstream's
rating as judged (or computed, labelled so) and its ratings at the last Boards, so the page and the
pack cannot disagree.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pandas as pd

from ..board import paper, records
from ..storage import queries
from ..strategy import metrics


@dataclass
class AttentionView:
    """The exceptions, the workstreams' ratings now and at the last Boards, and the Boards they refer to."""

    as_at: str
    boards: list[str]  # the last Boards up to the date, newest first
    exceptions: pd.DataFrame
    judged: pd.DataFrame
    judged_before: pd.DataFrame | None
    trend: dict[int, list[tuple[str, str | None, bool]]]  # workstream: (Board, rating, judged), oldest first


def attention_view(conn: sqlite3.Connection, as_at: str, *, status: pd.DataFrame | None = None,
                   workstreams: pd.DataFrame | None = None) -> AttentionView:
    """Read what needs the Board's attention at AS_AT (STATUS, flagged, and WORKSTREAMS if already read)."""
    ws = workstreams if workstreams is not None else queries.workstreams(conn)
    if status is None:
        status = metrics.with_flags(queries.commitment_status(conn, as_at), as_at)
    meetings = queries.board_meetings(conn, as_at)
    boards = list(reversed(meetings["date"].tolist()))[:paper.RATING_BOARDS]
    previous = queries.previous_board_date(conn, as_at)
    history = {d: status if d == as_at else metrics.with_flags(queries.commitment_status(conn, d, brief=True), d)
               for d in boards}
    before = None
    if previous:
        before = history.get(previous)
        if before is None:
            before = metrics.with_flags(queries.commitment_status(conn, previous, brief=True), previous)
    judged_at = {}
    for board in boards:
        summary = metrics.workstream_summary(history[board], ws, board)
        judged_at[board] = paper.judged_ratings(summary, records.workstream_ratings(conn, board), board)
    judged = paper.judged_ratings(metrics.workstream_summary(status, ws, as_at),
                                        records.workstream_ratings(conn, as_at), boards[0] if boards else None)
    judged_before = None
    if previous:
        judged_before = judged_at.get(previous)
        if judged_before is None:
            judged_before = paper.judged_ratings(metrics.workstream_summary(before, ws, previous),
                                                       records.workstream_ratings(conn, previous), previous)
    trend = {int(n): [(b, *_rating_at(judged_at[b], int(n))) for b in reversed(boards)] for n in ws["number"]}
    return AttentionView(as_at, boards, paper.exceptions(status, before, history, as_at), judged,
                         judged_before, trend)


def _rating_at(judged: pd.DataFrame, number: int) -> tuple[str | None, bool]:
    row = judged[judged["number"] == number]
    if row.empty:
        return None, False
    return row.iloc[0]["rating"], bool(row.iloc[0]["judged"])


# Marks a rating at a past Board that was computed, not the Board's judgement (explained beside it).
COMPUTED_MARK = "*"
TREND_NOTE = "* computed from its commitments' ratings; no Board rating was recorded at that Board."


def trend_words(trend: list[tuple[str, str | None, bool]]) -> str:
    """A workstream's ratings at the last Boards, oldest first: 'Amber → Amber/Red* → Red' (* computed)."""
    return " → ".join((rating or metrics.NO_RATING) + ("" if judged else COMPUTED_MARK)
                      for _, rating, judged in trend)
