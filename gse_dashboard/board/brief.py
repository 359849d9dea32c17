"""The GCSA's brief, on one A4 page: five messages for the senior responsible owner, one small chart, the sources.

The messages come from the pack's own measures and words (paper, pack_paper, pack_sections), so the
brief and the pack say the same; the brief only chooses and shortens. The GCSA reads it in a minute:
delivery against plan, what is late and why it matters, the people figures against the Civil Service
with their trend, what the Board is deciding, and what is asked of the GCSA.
"""

from __future__ import annotations

import datetime as dt

from ..charts import builders, tables
from ..documents import MARKING, Bullets, Cover, Figure, Section, Text
from ..views.screens import BoardPack
from . import paper
from .pack_paper import asks, high_risks, people_messages
from .pack_words import delivery_illustrative, generated_words, marked, pack_for_words

# The brief's chart: its width as a share of the page's, and its greatest height (drawn at that size, so its
# text prints at 9 pt or more).
BRIEF_CHART_SHARE = 1.0
BRIEF_CHART_MAX_H_IN = 3.2
# How many commitments the brief names in one message before saying "and N more".
NAMED = 3


def _names(refs: list[str]) -> str:
    shown = refs[:NAMED]
    more = len(refs) - len(shown)
    return paper.join_words(shown + ([f"{more} more"] if more else []))


def delivery_message(snap: BoardPack) -> str:
    """Delivery against plan: the share complete against due, and the workstream furthest behind."""
    head = snap.headline
    share = marked(f"{head['actual_share']:.0f}%", delivery_illustrative(snap))
    text = (f"Delivery: {share} of the "
            f"{head['commitments']} commitments are complete against {head['planned_share']:.0f}% due")
    summary = snap.summary.assign(behind=snap.summary["planned_share"] - snap.summary["actual_share"])
    behind = summary[summary["behind"] >= 0.5].sort_values(["behind", "number"], ascending=[False, True])
    if not behind.empty:
        worst = behind.iloc[0]
        text += (f"; {len(behind)} of {len(summary)} workstreams are behind plan, {worst['name']} furthest "
                 f"({worst['behind']:.0f} points)")
    return text + "."


def late_message(snap: BoardPack) -> str:
    """What is late and why it matters: the count past their date, the longest late, and what it holds up."""
    frame = snap.exceptions
    late = frame[frame["days_late"] > 0] if not frame.empty else frame
    if late.empty:
        return "Late: no commitment is past its date."
    long_late = late[late["days_late"] > paper.LONG_OVERDUE_DAYS]
    text = f"Late: {paper.plural(len(late), 'commitment is', 'commitments are')} past their date"
    if not long_late.empty:
        text += (f", {len(long_late)} by more than a year ({_names(long_late['ref'].tolist())}): without a decision "
                 "to re-plan or close them, the strategy's plan no longer says what will be delivered")
    red = late[late["rating"] == "Red"]
    if not red.empty:
        text += f"; {paper.plural(len(red), 'is', 'are')} rated Red"
    return text + "."


def board_message(snap: BoardPack) -> str:
    """What the Board is deciding, in one line: its asks, shortened to their verbs and counts."""
    firsts = []
    for ask in asks(snap):
        first = ask.split(":")[0].split(" for ")[0] if ask.startswith("Note") else ask.split(":")[0]
        first = first.replace(", with its rationale,", "").replace(" (indicative unless set)", "").rstrip(".")
        firsts.append(first[0].lower() + first[1:])
    return f"The Board is asked to: {'; '.join(firsts)}."


def gcsa_message(snap: BoardPack) -> str:
    """What is asked of the GCSA as senior responsible owner, from what the Board decides."""
    asked = []
    stale = [a for a in asks(snap) if a.startswith("Decide whether to re-plan or close")]
    if stale:
        asked.append("back the Board's decision on the commitments more than a year late, and tell departments "
                     "what changes")
    if any(a.startswith("Agree a delivery confidence rating") for a in asks(snap)):
        asked.append("chair the Board's rating of the workstreams and sign off the ratings with their reasons")
    risks = high_risks(snap)
    if not risks.empty:
        asked.append(f"take the {paper.plural(len(risks), 'high risk', 'high risks')} to the departments' Heads of "
                     "Profession where the mitigation needs their staff or money")
    if not asked:
        asked.append("note the report; no decision needs you before the Board")
    return "Asked of you as senior responsible owner: " + "; ".join(asked) + "."


def brief_sections(snap: BoardPack) -> list[Section]:
    """Five messages, one small chart of delivery against plan, and the sources."""
    people = people_messages(snap)
    # Members, then one sentence on the gaps: the reconciled one (both directions) where there is one.
    people = people[:1] + ([p for p in people[1:] if p.startswith("For ")] or people[1:])[:1]
    messages = [delivery_message(snap), late_message(snap),
                "People: " + " ".join(people) if people else "People: no figures were known by this date.",
                board_message(snap), gcsa_message(snap)]
    chart = builders.trajectory_chart(snap.trajectory, "All workstreams", snap.as_at,
                                      tables.source_line(snap.illustrative))
    sources = ("Sources: GSE team progress records"
               + (" (illustrative history)" if delivery_illustrative(snap) else "")
               + "; Civil Service Learning membership returns; Annual Civil Service Employment Survey and Civil "
                 "Service Statistics (Cabinet Office, Open Government Licence). The Board pack has the full "
                 "exceptions list, risk register and definitions.")
    return [Section("Five things to know", [Bullets(messages)]),
            Section("Delivery against plan", [Figure(chart)]),
            Section("Sources", [Text(sources, "note")])]


def brief_cover(snap: BoardPack, generated_at: dt.datetime | None) -> Cover:
    """The brief's heading lines: what it is for, as at when, and what the mark (illustrative) means."""
    when = f"Delivery of the GSE Strategy as at {tables.format_date(snap.as_at)}"
    if snap.board:
        when += f", the papers' deadline for the Board of {tables.format_date(snap.board)}"
    lines = [f"{when}. {generated_words(generated_at)}. {MARKING}."]
    warning = ("Figures marked (illustrative) are made up to show how the dashboard works; the others are real."
               if snap.illustrative else "")
    return Cover(title="GSE Strategy: brief for the GCSA",
                 subtitle=pack_for_words(snap)[0].upper() + pack_for_words(snap)[1:], lines=lines, warning=warning)
