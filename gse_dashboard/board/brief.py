"""The GCSA's one-page brief: key messages, asks and exceptions as in the Board pack's covering paper,
then the headline figures and diversity against the Civil Service.

Built from the pack's own sections (pack_paper, pack_sections), so the brief and the pack say the same.
"""

from __future__ import annotations

import datetime as dt

from ..charts import builders, tables
from ..documents import MARKING, Cover, Facts, Figure, Section
from ..strategy import timescales
from ..views.screens import BoardPack
from .pack_paper import exceptions_section, paper_section
from .pack_sections import commitments_text, headcount_fact, people_fact, story_block
from .pack_words import as_at_words, generated_words, illustrative_line, text_table


def brief_sections(snap: BoardPack) -> list[Section]:
    """The brief, built as the pack's covering paper is: key messages, asks, exceptions, then the figures."""
    paper = paper_section(snap)
    purpose, _, messages, _, board_asks_ = paper.blocks
    members, _ = people_fact(snap.members, snap.as_at, snap.previous)
    scs, _ = people_fact(snap.scs, snap.as_at, snap.previous)
    complete, overdue = commitments_text(snap.headline, snap.headline_before)
    headlines = Section("Headlines", [
        Facts([("GSE members", members), ("SCS members", scs), *filter(None, [headcount_fact(snap)]),
               ("Commitments complete", complete), ("Closed without completion", str(snap.headline["closed"])),
               (timescales.PAST_DATE_FACT, overdue)]),
        Figure(builders.trajectory_chart(snap.trajectory, "All workstreams", snap.as_at,
                                       tables.source_line(snap.illustrative))),
    ])
    summary = tables.diversity_summary(snap.diversity)
    gaps = summary[["Characteristic", "Year", "GSE (% of declared)", "Civil Service (%)",
                    "Gap (points, GSE minus CS)", "Gap since previous year"]].rename(
        columns={"Gap (points, GSE minus CS)": "Gap (points)", "Gap since previous year": "Gap is"})
    diversity = Section("Diversity against the Civil Service", [
        text_table(gaps, "Latest year: share of the profession who declared, against the Civil Service; the gap in "
                         "points, and whether it is closing since the previous year"),
        story_block(snap),
    ])
    return [Section("Key messages", [purpose, messages]), Section("The Board is asked to", [board_asks_]),
            exceptions_section(snap), headlines, diversity]


def brief_cover(snap: BoardPack, generated_at: dt.datetime | None) -> Cover:
    """The brief's heading lines."""
    lines = [f"Delivery of the GSE Strategy {as_at_words(snap)}"
             + (f"; changes since the Board of {tables.format_date(snap.previous)}. " if snap.previous else ". ")
             + generated_words(generated_at) + f" from the GSE Strategy Dashboard. {MARKING}."]
    return Cover(title="GSE Strategy: brief for the Government Chief Scientific Adviser",
                 subtitle=f"As at {tables.format_date(snap.as_at)}", lines=lines,
                 warning=illustrative_line(snap))
