"""The Workstreams page's own widgets: choosing a workstream, its commitments and their update history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..charts.tables import commitment_table, format_date
from ..strategy import metrics
from ..strategy.vocabulary import HORIZON_LABELS
from .loaders import load_update_history
from .widgets import download_ui, query_choice_ui, table_ui


def workstream_ui(names: dict[int, str]) -> int:
    """Choose a workstream; the choice is kept in the URL as ?workstream=N."""
    return int(query_choice_ui("Workstream", list(names), "workstream", lambda n: f"{n}. {names[n]}"))


# A static table longer than this is not read on a screen and takes seconds to draw; the download
# under the tables has every row. The strategy itself has at most five per horizon in a workstream.
COMMITMENT_ROWS_SHOWN = 25


def commitments_ui(status: pd.DataFrame, number: int, as_at: str) -> None:
    """The workstream's commitments grouped by horizon, with a download of them all."""
    for horizon, label in HORIZON_LABELS.items():
        rows = status[status["horizon"] == horizon]
        if rows.empty:
            continue
        st.markdown(f"**{label}**")
        if len(rows) <= COMMITMENT_ROWS_SHOWN:
            table_ui(commitment_table(rows))
            continue
        # Too many to read on screen: those that most need attention, and the rest in the download.
        table_ui(commitment_table(metrics.attention_first(rows).head(COMMITMENT_ROWS_SHOWN)))
        st.caption(f"The {COMMITMENT_ROWS_SHOWN} of {len(rows):,} commitments that most need attention: "
                   "those past their date first, then open ones by date. The download below has them all.")
    download_ui(commitment_table(status), f"workstream-{number}-commitments-{as_at}.csv",
                label="Download these commitments (CSV)")


@st.fragment
def update_history_ui(status: pd.DataFrame, as_at: str) -> None:
    """Pick a commitment and see every update recorded for it by AS_AT.

    A fragment: picking another commitment reruns this section only, not the whole page.
    """
    refs = status["ref"].tolist()
    titles = dict(zip(status["ref"], status["title"]))
    ref = st.selectbox("Commitment", refs, format_func=lambda r: f"{r}: {titles[r]}", key="history_ref")
    history = load_update_history(as_at, ref)
    if history.empty:
        st.info(f"No updates recorded for {ref} by {format_date(as_at)}.")
        return
    shown = history.assign(
        status=history["status"].map(metrics.status_label),
        rating=history["rating"].map(metrics.rating_label),
        board_rating=history["board_rating"].map(lambda r: metrics.rating_label(r) if isinstance(r, str) else ""),
        percent_complete=history["percent_complete"].round(0).astype(int),
        note=[("[r] revised" if r else "") + ("; replaced by a later correction" if x else "")
              for r, x in zip(history["revised"], history["replaced"])],
    )[["as_of", "status", "rating", "board_rating", "percent_complete", "commentary", "recorded_at",
       "recorded_by", "note"]].rename(columns={
        "as_of": "Refers to", "status": "Status", "rating": "Owner's rating", "board_rating": "Board's rating",
        "percent_complete": "% complete", "commentary": "Commentary", "recorded_at": "Recorded (UTC)",
        "recorded_by": "Recorded by", "note": "Note"})
    table_ui(shown)
    download_ui(shown, f"{ref}-updates-{as_at}.csv", label="Download this history (CSV)")
