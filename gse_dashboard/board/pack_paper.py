"""The Board pack's cover and covering paper: key messages, what the Board is asked to do, the exceptions,
the Board's actions and its risks.

What to say comes from board_paper (pure, shared with the Overview page); this module lays it out
as sections of blocks from the pack's view (views.BoardPack).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..charts import builders, tables
from ..documents import MARKING, Bullets, Cover, Section, Subheading, Text
from ..strategy import metrics, timescales, vocabulary
from ..views.screens import BoardPack
from . import paper, records
from .pack_words import (
    as_at_words,
    generated_words,
    illustrative_line,
    marked,
    pack_for_words,
    signed_text,
    text_table,
)


def board_cover(snap: BoardPack, generated_at: dt.datetime | None) -> Cover:
    """The pack's cover."""
    lines = [f"Delivery of the GSE Strategy {as_at_words(snap)}: as known at the end of that day."]
    if snap.board:
        lines.append("What the meeting itself decides will be reported in the next Board's paper.")
    if snap.previous:
        lines.append(f"Changes are since the previous Board meeting, {tables.format_date(snap.previous)}, "
                     "including what it decided.")
    else:
        lines.append("There is no earlier Board meeting in the data to compare with.")
    lines.append(f"Security marking: {MARKING}.")
    lines.append(generated_words(generated_at) + " from the GSE Strategy Dashboard.")
    return Cover(title="GSE Profession Board pack", subtitle=pack_for_words(snap)[0].upper() + pack_for_words(snap)[1:],
                 lines=lines, warning=illustrative_line(snap))


def people_messages(snap: BoardPack) -> list[str]:
    """What the people figures say, for the key messages: members against the target, and the diversity gaps."""
    messages = []
    value, change, period = metrics.change_since(snap.members, snap.as_at, snap.previous)
    if value is not None:
        row = snap.members[snap.members["period"] == period].iloc[-1]
        qualifier = f"{row['qualifier']} " if isinstance(row.get("qualifier"), str) and row["qualifier"] else ""
        members = marked(f"{qualifier}{value:,.0f}", bool(row.get("illustrative", 0)))
        text = f"The profession had {members} {vocabulary.MEMBERS} at {tables.format_date(period)}"
        if change is not None:
            text += f" ({signed_text(change)} since the last Board)"
        target = snap.membership.target
        made_up = "illustrative target" if "illustrative" in target and bool(
            target["illustrative"].fillna(0).astype(bool).any()) else "target"
        known = snap.members[snap.members["period"] <= period]
        text += builders.target_phrase(known, target, snap.as_at, words=made_up)
        messages.append(text + ".")
    directions = metrics.gap_directions(snap.diversity.definitions, snap.diversity.gaps)
    # Where the latest year and the long run disagree, one sentence says both; the rest are listed together.
    stories = {row.name: paper.gap_story(row.name, metrics.gap_trend(snap.diversity.gaps, row.code))
               for row in snap.diversity.definitions.itertuples()}
    widening = [n for n in directions["widening"] if not stories.get(n)]
    closing = [n for n in directions["closing"] if not stories.get(n)]
    if widening or closing:
        messages.append("Against the Civil Service, the gap is "
                        + "; ".join(part for part in (
                            f"widening for {paper.join_words(widening)}" if widening else "",
                            f"closing for {paper.join_words(closing)}" if closing else "") if part)
                        + " since the previous year.")
    messages.extend(story for story in stories.values() if story)
    return messages


def key_messages(snap: BoardPack) -> list[str]:
    """The paper's three to five key messages, from the figures."""
    return paper.key_messages(headline=snap.headline, headline_before=snap.headline_before,
                                    changes=snap.changes, summary=snap.summary, exceptions_frame=snap.exceptions,
                                    people=people_messages(snap), previous=snap.previous)


def asks(snap: BoardPack) -> list[str]:
    """What the Board is asked to do: every item, in natural order."""
    return paper.board_asks(status=snap.status, judged=snap.judged, exceptions_frame=snap.exceptions,
                                  actions=records.latest(snap.actions), meeting=snap.meeting,
                                  as_at=snap.as_at, widening=metrics.gap_directions(snap.diversity.definitions,
                                                                  snap.diversity.gaps)["widening"])


def paper_section(snap: BoardPack) -> Section:
    """The covering paper: purpose, key messages and what the Board is asked to do."""
    board = snap.meeting or "the GSE Profession Board"
    return Section("Covering paper", [
        Text(f"Purpose: to report delivery of the GSE Strategy as at {tables.format_date(snap.as_at)} to {board}, "
             "to bring "
             "to its attention the commitments that are late, poorly rated or worsening, and to ask for "
             "its decisions.", "lead"),
        Subheading("Key messages"),
        Bullets(key_messages(snap)),
        Subheading("The Board is asked to"),
        Bullets(asks(snap)),
    ])


def exceptions_section(snap: BoardPack) -> Section:
    """One list by severity: commitments (Red first, then the longest past their date), then Board actions open
    past their date, then risks scored high; each once."""
    section = Section("Needs the Board's attention", new_page=False)
    rows = exception_rows(snap)
    since = f" since the Board of {tables.format_date(snap.previous)}" if snap.previous else ""
    if rows.empty:
        section.blocks.append(Text(f"No commitment is past its date, rated Amber/Red or Red, or worsened{since}; "
                                   "no Board action is open past its date and no risk is scored high."))
        return section
    frame = snap.exceptions
    flagged = int((frame["contradiction"] != "").sum()) if not frame.empty else 0
    counts = [paper.plural(len(frame), "commitment")] if not frame.empty else []
    actions = paper.overdue_actions(records.latest(snap.actions), snap.as_at)
    risks = high_risks(snap)
    if not actions.empty:
        counts.append(paper.plural(len(actions), "Board action"))
    if not risks.empty:
        counts.append(paper.plural(len(risks), "high risk"))
    section.blocks.append(Text(
        f"{paper.join_words(counts)}, most severe first: commitments rated Red, then the longest past their date "
        f"(indicative unless set), then those rated Amber/Red or worsened{since}; then Board actions open past "
        f"their date; then risks scored {paper.HIGH_RISK_SCORE} or more (likelihood × impact)."
        + (f" ⚠ marks commentary that contradicts the rating or due date ({flagged})." if flagged else "")))
    section.blocks.append(text_table(rows, "Needs the Board's attention, most severe first",
                                     "Ratings: the owner's where one is assigned, else the latest update's; "
                                     "the Board's; then "
                                     "the Board's rating (or the owner's where "
                                     f"the Board gave none) at each of the last {len(snap.boards)} Boards, oldest "
                                     f"first ({', '.join(tables.format_date(d) for d in reversed(snap.boards))}). "
                                     "Forecast: the owner's forecast of delivery, where given. A commitment with no "
                                     f"owner named is the strategy's: {timescales.STRATEGY_OWNER}."))
    return section


def high_risks(snap: BoardPack) -> pd.DataFrame:
    """Open risks scored high (HIGH_RISK_SCORE or more), highest first."""
    register = paper.risk_register(snap.risks, snap.previous)
    return register[(register["status"] == "open") & (register["score"] >= paper.HIGH_RISK_SCORE)]


def exception_rows(snap: BoardPack) -> pd.DataFrame:
    """The exceptions as one table of six columns that fits a portrait page: commitments, actions, risks."""
    frame = snap.exceptions
    rows = [{
        "Item": f"{r.ref} {r.title}",
        # Unassigned, a commitment is the Board's own (the strategy's owner): said once in the note, not per row.
        "Owner": "" if r.owner == timescales.STRATEGY_OWNER else r.owner,
        "Why it is here": r.why,
        "Ratings": f"{timescales.rating_giver(r.owner)} {metrics.rating_label(r.owner_rating)}; Board "
                   f"{metrics.rating_label(r.board_rating) if isinstance(r.board_rating, str) else 'not rated'}; "
                   f"last Boards {r.trend}",
        "Date; forecast": f"{r.due_text}; " + (f"forecast {tables.format_date(r.forecast_date)}"
                                               if isinstance(r.forecast_date, str) else "no forecast"),
        "Latest": (f"{tables.format_date(r.updated_as_of)}: " if isinstance(r.updated_as_of, str) else "")
                  + r.commentary + (f" ⚠ {r.contradiction}" if r.contradiction else ""),
    } for r in frame.itertuples()]
    for r in paper.overdue_actions(records.latest(snap.actions), snap.as_at).itertuples():
        rows.append({
            "Item": f"{r.ref} (Board action) {r.action}",
            "Owner": r.owner,
            "Why it is here": f"Board action {r.status}, past its date by "
                              f"{paper.duration(paper.days_overdue(r.due_date, snap.as_at))}",
            "Ratings": "",
            "Date; forecast": f"due {tables.format_date(r.due_date)} (set by the Board of "
                              f"{tables.format_date(r.board_date)})",
            "Latest": f"{tables.format_date(r.as_of)}: {r.status}",
        })
    for r in high_risks(snap).itertuples():
        rows.append({
            "Item": f"{r.ref} (risk) {r.risk}",
            "Owner": r.owner,
            "Why it is here": f"risk scored {r.score} ({r.likelihood} likelihood × {r.impact} impact)",
            "Ratings": "",
            "Date; forecast": f"reviewed {tables.format_date(r.reviewed)}",
            "Latest": f"{r.change}. Mitigation: {r.mitigation}",
        })
    return pd.DataFrame(rows, columns=["Item", "Owner", "Why it is here", "Ratings", "Date; forecast", "Latest"])


def _history_words(rows: pd.DataFrame) -> str:
    """A record's states over time: 'open (17 July 2019) → done (16 October 2019)'."""
    words, last = [], None
    for row in rows.itertuples():
        if row.status != last:
            words.append(f"{row.status} ({tables.format_date(row.as_of)})")
            last = row.status
    return " → ".join(words)


def actions_section(snap: BoardPack) -> Section:
    """The Board's action log: each action, its owner, due date, state, the Board that set it, its history."""
    section = Section("Board actions", new_page=False)
    if snap.actions.empty:
        section.blocks.append(Text("No Board actions had been recorded by this date."))
        return section
    latest = records.latest(snap.actions)
    since = snap.previous or snap.as_at
    # Open actions, and those finished since the last Board; older finished ones are counted, not listed.
    shown_refs = latest["status"].isin(("open", "in progress")) | (latest["as_of"] > since)
    finished = int((~shown_refs).sum())
    latest = latest[shown_refs]
    latest = latest.iloc[sorted(range(len(latest)), key=lambda i: paper.natural_key(latest["ref"].iloc[i]))]
    shown = pd.DataFrame({
        "Ref": latest["ref"],
        "Action": latest["action"],
        "Owner": latest["owner"],
        "Set by the Board of": latest["board_date"].map(tables.format_date),
        "Due": latest["due_date"].map(tables.format_date),
        "Status and history": [_history_words(snap.actions[snap.actions["ref"] == ref]) for ref in latest["ref"]],
    })
    late = latest[latest["status"].isin(("open", "in progress")) & (latest["due_date"] < snap.as_at)]
    late_words = paper.plural(len(late), "action is", "actions are")
    section.blocks.append(text_table(shown, f"Actions open, or finished since the last Board, as at "
                                            f"{tables.format_date(snap.as_at)}",
                                     f"{late_words} open past the date set. {finished} earlier actions were done or "
                                     "dropped before the last Board and are not listed."))
    return section


def risks_section(snap: BoardPack) -> Section:
    """The risk register: open risks (and any closed since the last Board), scored and highest first, each with its
    owner, mitigation, last review and what changed since the last Board."""
    section = Section("Risks", new_page=False)
    register = paper.risk_register(snap.risks, snap.previous)
    if register.empty:
        section.blocks.append(Text("No risks had been recorded by this date."))
        return section
    shown = pd.DataFrame({
        "Ref": register["ref"],
        "Risk": register["risk"] + register["status"].map(lambda s: "" if s == "open" else " (closed)"),
        "Owner": register["owner"],
        "Score": [f"{r.score} ({r.likelihood} × {r.impact})" for r in register.itertuples()],
        "Mitigation": register["mitigation"],
        "Reviewed": register["reviewed"].map(tables.format_date),
        "Since the last Board": register["change"],
    })
    section.blocks.append(text_table(shown, f"Risk register {as_at_words(snap)}, highest score first",
                                     "Score: likelihood × impact, each low 1, medium 2, high 3 (9 is the highest). "
                                     "Reviewed: the last Board that recorded the risk's state. Risks closed before "
                                     "the last Board are not listed."))
    return section
