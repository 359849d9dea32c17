"""Widgets for the Board pack page: choose a Board (or a date) and formats, build with progress, download.

Built files are cached (loaders.cached_document) on (database path, revision, date, format, for a Board),
so a rerun, or another user asking for the same pack, does not build it again.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ..board import pack
from ..charts.tables import format_date
from ..config import load_settings
from ..rules.safe_text import escape_md
from ..strategy.vocabulary import LAUNCH_DATE
from .loaders import keep_document, load_document
from .session import db_path, revision
from .turns import OneAtATime

OTHER_DATE = "Another date…"
# Word first: the brief is quick to build and the usual thing to send ahead of the pack.
DEFAULT_FORMATS = ("pdf", "docx")
BUILT_KEY = "_board_pack_built"


def default_pack_date(meetings: pd.DataFrame, as_at: str) -> str:
    """The latest Board meeting on or before AS_AT, or AS_AT itself when there is none."""
    held = meetings[meetings["date"] <= as_at]["date"] if not meetings.empty else pd.Series(dtype=str)
    return str(held.max()) if not held.empty else as_at


def pack_date_ui(meetings: pd.DataFrame, as_at: str) -> tuple[str, bool]:
    """Choose a Board meeting (the latest by default) or any other date.

    Returns (YYYY-MM-DD, whether it is a Board): a Board's pack is as known at its papers' deadline,
    so it holds none of the meeting's own decisions; another date's is as known at the end of it.
    """
    held = meetings[meetings["date"] <= as_at].sort_values("date", ascending=False) if not meetings.empty \
        else meetings
    titles = dict(zip(held["date"], held["title"])) if not held.empty else {}
    options = [*titles, OTHER_DATE]
    default = default_pack_date(held, as_at)
    chosen = st.selectbox(
        "Pack for", options, index=options.index(default) if default in options else 0,
        format_func=lambda d: d if d == OTHER_DATE else f"{format_date(d)}: {titles[d]}",
        help="A Board's pack is as known at its papers' deadline, "
             f"{load_settings().papers_deadline_days} working days before the meeting: what the meeting "
             "decides appears in the next Board's pack. Another date's pack is as known at the end of that day. "
             "The list shows Board meetings up to the as-at date chosen in the sidebar.",
    )
    if chosen != OTHER_DATE:
        st.caption(f"Papers as known at the end of {format_date(pack.papers_deadline(chosen))}.")
        return chosen, True
    day = st.date_input("Date", value=dt.date.fromisoformat(as_at), min_value=dt.date.fromisoformat(
        LAUNCH_DATE), format="DD/MM/YYYY")
    return (day or dt.date.fromisoformat(as_at)).isoformat(), False


def formats_ui() -> list[str]:
    """Checkboxes for the documents to build; returns their file formats."""
    st.markdown("**Documents**")
    return [fmt for fmt, (label, _) in pack.DOCUMENTS.items()
            if st.checkbox(label, value=fmt in DEFAULT_FORMATS, key=f"pack-format-{fmt}")]


# Every session of this server builds through this one queue.
BUILDS = OneAtATime()


def build_document(as_at: str, fmt: str, threshold: int, board: bool = False) -> bytes:
    """Build one file (for the Board on AS_AT when BOARD) with a progress bar, then keep it in the cache."""
    label = pack.DOCUMENTS[fmt][0]
    bar = st.progress(0.0, text=f"{label}: starting")
    data = pack.build(db_path(), None if board else as_at, fmt, threshold=threshold, board=as_at if board else None,
                      progress=lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0),
                                                                      text=f"{label}: {message}"))
    bar.empty()
    return keep_document(as_at, fmt, board, data)


def build_ui(as_at: str, formats: list[str], threshold: int, board: bool = False) -> None:
    """The build button, progress while building, and a download button per built file (for the Board on AS_AT
    when BOARD)."""
    path, rev = db_path(), revision()
    missing = pack.chromium_missing()
    if missing:  # every document draws charts with Chromium: say so before anyone tries
        st.warning(escape_md(missing), icon=":material/warning:")
    clicked = st.button("Build", type="primary", icon=":material/build:", disabled=not formats or bool(missing),
                        help="Chromium is not installed here." if missing else
                        None if formats else "Choose at least one document.")
    if clicked:
        what = f"the Board of {format_date(as_at)}" if board else format_date(as_at)
        with st.status(f"Building for {what}…", expanded=True) as status:
            try:
                for fmt in formats:
                    if load_document(as_at, fmt, board) is None:
                        place = st.empty()
                        with BUILDS.turn(lambda ahead, place=place: place.info(
                                f"Waiting: {ahead} build{'s' if ahead > 1 else ''} ahead of yours (one is built "
                                "at a time, so every page stays quick).", icon=":material/hourglass_top:")):
                            place.empty()
                            if load_document(as_at, fmt, board) is None:
                                build_document(as_at, fmt, threshold, board)
                    st.write(f"{pack.DOCUMENTS[fmt][0]}: ready.")
            except RuntimeError as error:  # Chromium or kaleido missing: a set-up problem to explain
                status.update(label="Could not build", state="error", expanded=True)
                st.error(str(error), icon=":material/error:")
                return
            status.update(label=f"Built for {what}", state="complete", expanded=False)
        st.session_state[BUILT_KEY] = (path, rev, as_at, board, tuple(formats))
    built = st.session_state.get(BUILT_KEY)
    if not built or built[:4] != (path, rev, as_at, board):
        return
    for fmt in built[4]:
        data = load_document(as_at, fmt, board)
        if data is None:
            continue
        label, mime = pack.DOCUMENTS[fmt]
        st.download_button(f"Download the {label}, {len(data) // 1024:,} KB", data=data,
                           file_name=pack.file_name(as_at, fmt, board=board), mime=mime, on_click="ignore",
                           icon=":material/download:", key=f"download-pack-{fmt}")
