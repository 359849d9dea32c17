"""How the Board pack and the brief write things: counts, changes, shortened text, dates, tables as text.

Shared by the covering paper (pack_paper), the data sections (pack_sections) and the brief, so
they word the same figure the same way. The measures themselves are in metrics.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..charts import tables
from ..documents import Table
from ..people import disclosure, official_figures
from ..views.screens import BoardPack


def shorten(text: str, limit: int) -> str:
    """TEXT cut at a word boundary to at most LIMIT characters, with an ellipsis if cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def first_sentences(text: str, limit: int) -> str:
    """As many whole sentences of TEXT as fit in LIMIT characters (at least the first, shortened)."""
    sentences = [s.strip() for s in str(text).replace("\n", " ").split(". ") if s.strip()]
    kept = ""
    for sentence in sentences:
        candidate = f"{kept} {sentence.rstrip('.')}.".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    return kept or shorten(text, limit)


def count_text(value: float | None) -> str:
    """A count with thousands separators, or [x] when there is none."""
    return disclosure.NOT_AVAILABLE if value is None else f"{value:,.0f}"


def signed_text(change: float | None, unit: str = "") -> str:
    """A change with its sign and UNIT: '+121', '−68 points', 'no change'; blank when there is none."""
    if change is None:
        return ""
    if change == 0:
        return "no change"
    return f"{change:+,.0f}{unit}".replace("-", "−")


def short_source(series: pd.DataFrame) -> str:
    """The publications behind a series without their tables, versions and addresses, for the line under a chart:
    those are given once, in the pack's Sources."""
    if series.empty:
        return "No figures recorded"
    firsts = dict.fromkeys(str(source).split("; ")[0] for source in series["source"])
    return "; ".join(firsts) + " (tables, versions and addresses: see Sources)"


def text_table(frame: pd.DataFrame, caption: str, note: str = "") -> Table:
    """A Table of FRAME with every cell as text, numbers written as the screen writes them."""
    shown = tables.formatted(frame.reset_index(drop=True)).astype(str).replace({"nan": "", "None": ""})
    return Table(shown, caption, note)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the pages show it: [c] kept, numbers with thousands separators."""
    return frame.map(lambda v: v if isinstance(v, str) else tables.format_cell(v))


def as_at_words(snap: BoardPack) -> str:
    """'as at 9 October 2019, the papers' deadline for the Board of 16 October 2019', or the date and the
    meeting held on it, if any."""
    words = f"as at {tables.format_date(snap.as_at)}"
    if snap.board:
        return words + f", the papers' deadline for the Board of {tables.format_date(snap.board)}"
    return words + (f" ({snap.meeting})" if snap.meeting else "")


def pack_for_words(snap: BoardPack) -> str:
    """What a document is for, in a few words: 'for the Board of 16 October 2019' or 'as at 9 October 2019'."""
    if snap.board:
        return f"for the Board of {tables.format_date(snap.board)}"
    return f"as at {tables.format_date(snap.as_at)}"


# Put after an illustrative figure wherever it is written, so a reader can tell it from a real one.
ILLUSTRATIVE_MARK = "(illustrative)"


def marked(text: str, illustrative: bool) -> str:
    """TEXT with the illustrative mark after it when the figure it gives is ILLUSTRATIVE: the one place the pack
    and the brief mark a figure (the cover says what the mark means; no page footer does)."""
    return f"{text} {ILLUSTRATIVE_MARK}" if illustrative else text


def delivery_illustrative(snap: BoardPack) -> bool:
    """Whether the delivery figures (commitments' progress and ratings) rest on the illustrative history."""
    return bool(snap.status["illustrative"].fillna(0).astype(bool).any()) if "illustrative" in snap.status else False


def illustrative_line(snap: BoardPack) -> str:
    """The warning printed on the cover when the database holds illustrative figures."""
    if not snap.illustrative:
        return ""
    return "Illustrative figures. " + official_figures.ILLUSTRATIVE_TEXT


def generated_words(generated_at: dt.datetime | None) -> str:
    """When the document was made, in UTC (now by default)."""
    moment = generated_at or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    return f"Generated on {moment.day} {moment.strftime('%B %Y at %H:%M')} UTC"
