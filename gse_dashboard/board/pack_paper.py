"""The Board pack's cover and covering paper: key messages, what the Board is asked to do, the exceptions,
the Board's actions and its risks.

What to say comes from board_paper (pure, shared with the Overview page); this module lays it out
as sections of blocks from the pack's view (views.BoardPack).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..charts import tables
from ..documents import MARKING, Bullets, Cover, Section, Subheading, Text
from ..strategy import metrics
from ..views.screens import BoardPack
from . import paper, records
from .pack_words import as_at_words, generated_words, illustrative_line, pack_for_words, signed_text, text_table


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


def _people_messages(snap: BoardPack) -> list[str]:
    """What the people figures say, for the key messages: members against the target, and the diversity gaps."""
    messages = []
    value, change, period = metrics.change_since(snap.members, snap.as_at, snap.previous)
    if value is not None:
        text = f"The profession had {value:,.0f} members at {tables.format_date(period)}"
        if change is not None:
            text += f" ({signed_text(change)} since the last Board)"
        target = snap.membership.target
        due = target[target["period"] <= period] if not target.empty else \
            target
        if not due.empty:
            aim = due.iloc[-1]
            made_up = " illustrative" if bool(aim.get("illustrative", 0)) else ""
            word = "above" if value > aim["value"] else "below" if value < aim["value"] else "at"
            text += f", {word} the{made_up} target of {aim['value']:,.0f} for {tables.format_date(aim['period'])}"
        messages.append(text + ".")
    directions = metrics.gap_directions(snap.diversity.definitions, snap.diversity.gaps)
    widening, closing = directions["widening"], directions["closing"]
    if widening or closing:
        messages.append("Against the Civil Service, the gap is "
                        + "; ".join(part for part in (
                            f"widening for {paper.join_words(widening)}" if widening else "",
                            f"closing for {paper.join_words(closing)}" if closing else "") if part) + ".")
    return messages


def key_messages(snap: BoardPack) -> list[str]:
    """The paper's three to five key messages, from the figures."""
    return paper.key_messages(headline=snap.headline, headline_before=snap.headline_before,
                                    changes=snap.changes, summary=snap.summary, exceptions_frame=snap.exceptions,
                                    people=_people_messages(snap), previous=snap.previous)


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
    """Every commitment past its due date, rated Amber/Red or Red, or worsened since the last Board."""
    section = Section("Needs the Board's attention", new_page=False)
    frame = snap.exceptions
    since = f" since the Board of {tables.format_date(snap.previous)}" if snap.previous else ""
    if frame.empty:
        section.blocks.append(Text(f"No commitment is past its date, rated Amber/Red or Red, or worsened{since}."))
        return section
    flagged = int((frame["contradiction"] != "").sum())
    section.blocks.append(Text(
        f"{paper.plural(len(frame), 'commitment is', 'commitments are')} past their date (indicative "
        f"unless set), rated Amber/Red or Red, or worsened{since}, in the strategy's order."
        + (f" ⚠ marks commentary that contradicts the rating or due date ({flagged})." if flagged else "")))
    section.blocks.append(text_table(exception_rows(snap),
                                     "Commitments needing the Board's attention",
                                     "Ratings: the owner's; the Board's; then the Board's rating at each of the last "
                                     f"{len(snap.boards)} Boards, oldest first ({', '.join(tables.format_date(d) for d in reversed(snap.boards))}). "  # noqa: E501
                                     "Forecast: the owner's forecast of delivery, where given."))
    return section


def exception_rows(snap: BoardPack) -> pd.DataFrame:
    """The exceptions as a table of six columns that fits a portrait page."""
    frame = snap.exceptions
    return pd.DataFrame({
        "Commitment": [f"{r.ref} {r.title}" for r in frame.itertuples()],
        "Owner": frame["owner"],
        "Why it is here": frame["why"],
        "Ratings": [f"Owner: {metrics.rating_label(r.owner_rating)}. Board: "
                    f"{metrics.rating_label(r.board_rating) if isinstance(r.board_rating, str) else 'not rated'}. "
                    f"Last Boards: {r.trend}" for r in frame.itertuples()],
        "Date; forecast": [f"{r.due_text}; "
                           + (f"forecast {tables.format_date(r.forecast_date)}" if isinstance(r.forecast_date, str)
                              else "no forecast")
                           for r in frame.itertuples()],
        "Latest commentary": [(f"{tables.format_date(r.updated_as_of)}: " if isinstance(r.updated_as_of, str) else "")
                              + r.commentary + (f" ⚠ {r.contradiction}" if r.contradiction else "")
                              for r in frame.itertuples()],
    })


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
    """A short risk register per workstream, with each risk's history."""
    section = Section("Risks", new_page=False)
    if snap.risks.empty:
        section.blocks.append(Text("No risks had been recorded by this date."))
        return section
    latest = records.latest(snap.risks)
    latest = latest[(latest["status"] == "open") | (latest["as_of"] > (snap.previous or snap.as_at))]
    latest = latest.iloc[sorted(range(len(latest)), key=lambda i: (int(latest["workstream"].iloc[i]),
                                                                     paper.natural_key(latest["ref"].iloc[i])))]
    shown = pd.DataFrame({
        "Ref": latest["ref"],
        "Workstream": latest["workstream"].astype(int).astype(str),
        "Risk": latest["risk"],
        "Owner": latest["owner"],
        "Likelihood / impact": latest["likelihood"] + " / " + latest["impact"],
        "Mitigation": latest["mitigation"],
        "Status and history": [_history_words(snap.risks[snap.risks["ref"] == ref]) for ref in latest["ref"]],
    })
    section.blocks.append(text_table(shown, f"Open risks (and any closed since the last Board) by workstream, as at "
                                            f"{tables.format_date(snap.as_at)}"))
    return section
