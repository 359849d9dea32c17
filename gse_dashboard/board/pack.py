"""The Board pack (PDF or PowerPoint) and the GCSA's one-page brief (Word), for a Board or any as-at date.

A pack for a Board is as known at the end of its papers' deadline (papers_deadline: working days
before the meeting, a setting), so it never holds the meeting's own ratings or actions: those
appear in the next Board's paper, "since the last Board". A pack for a date is as known at the
end of that date. Everything comes from the as-at queries, so a pack is what was known then:
a correction recorded later leaves it unchanged, and building it twice gives the same
content. It reads the pages' own views (views.board_pack: the Overview, Workstreams, Membership
and Diversity views at the date), so a page and the pack cannot disagree, and decides what goes
in, as sections of blocks (text, facts, tables, charts) built with the pages' tables and chart
builders; the documents package writes them out as PDF, PowerPoint or Word.

The parts: pack_words (wording shared by all), pack_paper (cover and covering paper, exceptions,
actions, risks), pack_sections (the data sections), brief (the GCSA brief). This module reads the
snapshot, puts the sections in order and writes the files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..charts import tables
from ..config import load_settings
from ..documents import (
    PX_PER_INCH,
    ChromiumMissing,
    Progress,
    Section,
    Text,
    chromium_path,
    docx_document,
    draw,
    figures_of,
    html_document,
    pptx_document,
    print_pdf,
    size_figures,
)
from ..rules import text_rules
from ..storage import queries, store
from ..strategy.vocabulary import LAUNCH_DATE
from ..views.screens import BoardPack
from ..views.screens import board_pack as board_pack_view
from . import pack_words
from .brief import BRIEF_CHART_MAX_H_IN, BRIEF_CHART_SHARE, brief_cover, brief_sections
from .pack_paper import actions_section, board_cover, exceptions_section, paper_section, risks_section
from .pack_sections import (
    changes_section,
    closing_section,
    diversity_section,
    membership_section,
    overview_section,
    workstream_section,
)

PACK_FORMATS = ("pdf", "pptx")


# -- what was known at the as-at date ---------------------------------------------------------

def papers_deadline(board: str, working_days: int | None = None) -> str:
    """The day the papers for the Board on BOARD go out: WORKING_DAYS (the setting by default) Monday-to-Friday
    days before it."""
    days = load_settings().papers_deadline_days if working_days is None else working_days
    day = dt.date.fromisoformat(board)
    while days > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day.isoformat()


def read_snapshot(db_path: str | Path, as_at: str | None, threshold: int | None = None, *,
                  board: str | None = None) -> BoardPack:
    """Open DB_PATH read-only and read views.board_pack at AS_AT, or for the Board on BOARD as known at its
    papers' deadline (the threshold from the settings by default)."""
    database = store.connect(db_path, readonly=True)
    try:
        if board is not None:
            check_board(database.conn, board)
            as_at = papers_deadline(board)
        check_as_at(as_at)
        threshold = load_settings().suppression_threshold if threshold is None else threshold
        return board_pack_view(database.conn, as_at, threshold, load_settings().profession, board=board)
    finally:
        database.close()


def check_board(conn, board: str) -> None:
    """Refuse a date on which no Board meeting is recorded, naming the nearest ones."""
    check_as_at(board)
    dates = queries.board_meetings(conn, "9999-12-31")["date"].tolist()
    if board not in dates:
        before = [d for d in dates if d < board][-1:]
        after = [d for d in dates if d > board][:1]
        near = " or ".join(tables.format_date(d) + f" ({d})" for d in before + after)
        raise ValueError(f"no Board meeting is recorded on {board}" + (f": the nearest are {near}" if near else ""))


def check_as_at(as_at: str) -> None:
    """Refuse anything but a YYYY-MM-DD date on or after the strategy's launch."""
    try:
        day = text_rules.parse_date(as_at)  # not fromisoformat, which also takes 2024-W01-1
    except (TypeError, ValueError):
        raise ValueError(f"as-at date {str(as_at)[:40]!r} is not a date in the form YYYY-MM-DD") from None
    if len(as_at) != 10 or day.isoformat() < LAUNCH_DATE:
        raise ValueError(f"as-at date {as_at!r} must be a YYYY-MM-DD date on or after "
                         f"{tables.format_date(LAUNCH_DATE)}, when the strategy was launched")


def board_sections(snap: BoardPack) -> list[Section]:
    """The pack after its cover: overview, changes, each workstream, membership, diversity, sources.

    A section with nothing to report (one line, "No ...") gets no page or slide: its line goes in the
    covering paper instead.
    """
    paper = paper_section(snap)
    sections = [paper]
    for section in [exceptions_section(snap), overview_section(snap), changes_section(snap),
                    actions_section(snap), risks_section(snap),
                    *[workstream_section(snap, int(n)) for n in snap.workstreams["number"]],
                    membership_section(snap), diversity_section(snap), closing_section(snap)]:
        if empty_section(section):
            paper.blocks.append(Text(f"{section.title}: {section.blocks[0].text}", "note"))
        else:
            sections.append(section)
    return sections


def empty_section(section: Section) -> bool:
    """Whether SECTION only says it has nothing: one line beginning "No " or "There is no"."""
    return (len(section.blocks) == 1 and isinstance(section.blocks[0], Text)
            and section.blocks[0].text.startswith(("No ", "There is no")))


# -- entry points ---------------------------------------------------------------------------------

def _reporter(progress: Progress | None) -> Progress:
    return progress if progress is not None else (lambda fraction, message: None)


def board_pack(db_path: str | Path, as_at: str | None, fmt: str, *, generated_at: dt.datetime | None = None,
               progress: Progress | None = None, threshold: int | None = None, board: str | None = None) -> bytes:
    """The Board pack as at AS_AT, or for the Board on BOARD (as at its papers' deadline), as "pdf" or "pptx" bytes.

    PROGRESS, if given, is called with (fraction done, what is happening) as the pack builds.
    THRESHOLD defaults to the settings' suppression threshold, as the pages use.
    """
    if fmt not in PACK_FORMATS:
        raise ValueError(f"the Board pack is made as {' or '.join(PACK_FORMATS)}, not {fmt!r}")
    report = _reporter(progress)
    report(0.0, "Reading the database as at the date")
    snap = read_snapshot(db_path, as_at, threshold, board=board)
    report(0.1, "Laying out the pack")
    cover, sections = board_cover(snap, generated_at), board_sections(snap)
    size_figures(sections, fmt)
    draw(figures_of(sections), report, 0.15, 0.8)
    # No "not real" line on every page: pages of real figures carry them, so each illustrative figure is marked
    # where it is given (pack_words.marked) and the cover says what the mark means.
    footer = f"GSE Profession Board pack, {pack_words.pack_for_words(snap)}"
    if fmt == "pdf":
        report(0.85, "Printing the PDF")
        data = print_pdf(html_document(cover, sections), footer)
    else:
        report(0.85, "Writing the PowerPoint slides")
        data = pptx_document(cover, sections, footer, generated_at)
    report(1.0, "Done")
    return data


def gcsa_brief(db_path: str | Path, as_at: str | None, *, generated_at: dt.datetime | None = None,
               progress: Progress | None = None, threshold: int | None = None, board: str | None = None) -> bytes:
    """The one-page brief for the Government Chief Scientific Adviser as at AS_AT (or for the Board on BOARD),
    as .docx bytes."""
    report = _reporter(progress)
    report(0.0, "Reading the database as at the date")
    snap = read_snapshot(db_path, as_at, threshold, board=board)
    report(0.2, "Laying out the brief")
    cover, sections = brief_cover(snap, generated_at), brief_sections(snap)
    size_figures(sections, "docx", share=BRIEF_CHART_SHARE)
    for figure in figures_of(sections):  # one small chart: the page has room for no more
        figure.max_height_px = int(BRIEF_CHART_MAX_H_IN * PX_PER_INCH)
    draw(figures_of(sections), report, 0.3, 0.8)
    report(0.85, "Writing the Word document")
    data = docx_document(cover, sections, generated_at, figure_width=BRIEF_CHART_SHARE)
    report(1.0, "Done")
    return data


# File formats a user can ask for, what each makes, and its media type.
DOCUMENTS = {
    "pdf": ("Board pack (PDF)", "application/pdf"),
    "pptx": ("Board pack (PowerPoint)", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "docx": ("GCSA brief (Word)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def build(db_path: str | Path, as_at: str | None, fmt: str, *, generated_at: dt.datetime | None = None,
          progress: Progress | None = None, threshold: int | None = None, board: str | None = None) -> bytes:
    """Any of the documents by file format: "pdf" or "pptx" for the pack, "docx" for the brief; for the Board on
    BOARD, else as at AS_AT."""
    options = {"generated_at": generated_at, "progress": progress, "threshold": threshold, "board": board}
    chromium_path()  # every document draws charts: without Chromium, say so before anything else
    if fmt == "docx":
        return gcsa_brief(db_path, as_at, **options)
    if fmt not in DOCUMENTS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(DOCUMENTS)}")
    return board_pack(db_path, as_at, fmt, **options)


def chromium_missing() -> str | None:
    """Why no document can be built on this machine (no Chromium), or None when one can."""
    try:
        chromium_path()
    except ChromiumMissing as missing:
        return str(missing)
    return None


def file_name(as_at: str, fmt: str, *, board: bool = False) -> str:
    """The file name a download or the CLI suggests: gse-board-pack-2019-10-16.pdf (for the Board on that day when
    BOARD, else as at it: gse-board-pack-as-at-2019-10-09.pdf)."""
    return f"gse-{'gcsa-brief' if fmt == 'docx' else 'board-pack'}-{'' if board else 'as-at-'}{as_at}.{fmt}"
