"""What needs the Board's attention at a date, read once for the Overview page and the Board pack.

A view (queries and board_paper's measures, no Streamlit): the exceptions list, each workstream's
rating as judged (or computed, labelled so) and its ratings at the last Boards, so the page and the
pack cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

import pandas as pd

from ..board import paper, records
from ..storage import queries
from ..strategy import metrics


@dataclass
class AttentionView:
    """The exceptions, the workstreams' ratings (judged and computed, apart), and the Boards they refer to."""

    as_at: str
    boards: list[str]  # the last Boards up to the date, newest first
    exceptions: pd.DataFrame
    judged: pd.DataFrame  # paper.judged_ratings: the Board's judgement and the computed average per workstream
    trend: dict[int, list[tuple[str, str]]]  # workstream: its last Board judgements (Board, rating), oldest first


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
    recorded = records.workstream_ratings(conn, as_at)
    judged = paper.judged_ratings(metrics.workstream_summary(status, ws, as_at), recorded, previous,
                                  metrics.workstream_summary(before, ws, previous) if previous else None)
    trend = {int(n): [(r.board_date, r.rating) for r in
                      recorded[recorded["workstream"] == n].head(paper.RATING_BOARDS).iloc[::-1].itertuples()]
             for n in ws["number"]}
    return AttentionView(as_at, boards, paper.exceptions(status, before, history, as_at), judged, trend)


TREND_NOTE = "The Board's own ratings at its last annual reviews, oldest first; computed averages are not mixed in."


def trend_words(trend: list[tuple[str, str]]) -> str:
    """A workstream's last Board judgements, oldest first: 'Amber (Oct 2017) → Amber/Red (Oct 2018)'."""
    if not trend:
        return "No Board rating recorded"
    return " → ".join(f"{rating} ({dt.date.fromisoformat(day):%b %Y})" for day, rating in trend)
