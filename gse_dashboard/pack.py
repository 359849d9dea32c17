"""The Board pack (PDF or PowerPoint) and the GCSA's one-page brief (Word), for any as-at date.

Everything comes from the as-at queries, so a pack is what was known at the end of its date:
a correction recorded later leaves it unchanged, and building it twice gives the same
content. It reads the pages' own views (views.board_pack: the Overview, Workstreams, Membership
and Diversity views at the date), so a page and the pack cannot disagree, and decides what goes
in, as sections of blocks (text, facts, tables, charts) built with the pages' tables and chart
builders; the documents package writes them out as PDF, PowerPoint or Word.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from . import (
    board_paper,
    board_records,
    board_view,
    charts,
    disclosure,
    metrics,
    official_figures,
    published,
    store,
    tables,
    text_rules,
    timescales,
)
from .config import load_settings
from .documents import (
    MARKING,
    Bullets,
    Cover,
    Facts,
    Figure,
    FigureRow,
    Progress,
    Section,
    Subheading,
    Table,
    Text,
    docx_document,
    draw,
    figures_of,
    html_document,
    pptx_document,
    print_pdf,
    size_figures,
)
from .views import BoardPack
from .views import board_pack as board_pack_view
from .vocabulary import LAUNCH_DATE, RATINGS, STATUSES

PACK_FORMATS = ("pdf", "pptx")
# "Due" on a workstream page: falling due in about the next six months, i.e. by the Board
# after next, so the Board sees what is coming as well as what is late.
DUE_SOON_DAYS = 183
# On every page and slide of a document made from a database holding made-up figures.
ILLUSTRATIVE_FOOTER = "Illustrative figures, not real"
# Aspirations are a paragraph; a pack page has room for its first sentence or so.
ASPIRATION_CHARS = 320


# -- what was known at the as-at date ---------------------------------------------------------

def read_snapshot(db_path: str | Path, as_at: str, threshold: int | None = None) -> BoardPack:
    """Open DB_PATH read-only and read views.board_pack at AS_AT (the threshold from the settings by default)."""
    check_as_at(as_at)
    threshold = load_settings().suppression_threshold if threshold is None else threshold
    database = store.connect(db_path, readonly=True)
    try:
        return board_pack_view(database.conn, as_at, threshold, load_settings().profession)
    finally:
        database.close()


def check_as_at(as_at: str) -> None:
    """Refuse anything but a YYYY-MM-DD date on or after the strategy's launch."""
    try:
        day = text_rules.parse_date(as_at)  # not fromisoformat, which also takes 2024-W01-1
    except (TypeError, ValueError):
        raise ValueError(f"as-at date {str(as_at)[:40]!r} is not a date in the form YYYY-MM-DD") from None
    if len(as_at) != 10 or day.isoformat() < LAUNCH_DATE:
        raise ValueError(f"as-at date {as_at!r} must be a YYYY-MM-DD date on or after "
                         f"{tables.format_date(LAUNCH_DATE)}, when the strategy was launched")


# -- measures the pack adds to the pages' ones (pure) -------------------------------------------

def rating_trend(now: str | None, before: str | None, previous: str | None, *, short: bool = False) -> str:
    """How a rating moved since the last Board, in words: 'Worsened from ■■■□□ Amber'.

    SHORT leaves out the date of the last Board, for tables that give it once in their caption.
    """
    if previous is None:
        return "No earlier Board" if short else "No earlier Board to compare with"
    if not isinstance(now, str):
        return "Not rated"
    if not isinstance(before, str):
        return "Newly rated" if short else f"Newly rated (not rated at the Board of {tables.format_date(previous)})"
    old, new = metrics.rating_score(before), metrics.rating_score(now)
    if new > old:
        return f"Improved from {metrics.rating_label(before)}"
    if new < old:
        return f"Worsened from {metrics.rating_label(before)}"
    return "Unchanged" if short else f"Unchanged since the Board of {tables.format_date(previous)}"


def due_or_overdue(status: pd.DataFrame, as_at: str) -> pd.DataFrame:
    """Commitments past their date, or open and due within DUE_SOON_DAYS of AS_AT, soonest first.

    Dates are indicative (or set); a continuing commitment has none and is never chosen here.
    """
    horizon = (dt.date.fromisoformat(as_at) + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    open_ = ~status["status"].isin(metrics.DONE)
    chosen = status[status["overdue"] | (open_ & (status["due_date"] <= horizon))]
    return chosen.sort_values(["due_date", "ref"]).reset_index(drop=True)


def _shorten(text: str, limit: int) -> str:
    """TEXT cut at a word boundary to at most LIMIT characters, with an ellipsis if cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _first_sentences(text: str, limit: int) -> str:
    """As many whole sentences of TEXT as fit in LIMIT characters (at least the first, shortened)."""
    sentences = [s.strip() for s in str(text).replace("\n", " ").split(". ") if s.strip()]
    kept = ""
    for sentence in sentences:
        candidate = f"{kept} {sentence.rstrip('.')}.".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    return kept or _shorten(text, limit)


def _count(value: float | None) -> str:
    return disclosure.NOT_AVAILABLE if value is None else f"{value:,.0f}"


def _signed(change: float | None, unit: str = "") -> str:
    if change is None:
        return ""
    if change == 0:
        return "no change"
    return f"{change:+,.0f}{unit}".replace("-", "−")


def _people_fact(series: pd.DataFrame, as_at: str, previous: str | None) -> tuple[str, bool]:
    """A headline count as text with its period and change since the last Board (when both are shown)."""
    value, change, period = published.change_since(series, as_at, previous)
    if value is None and period is not None:
        return f"{disclosure.CONFIDENTIAL} at {tables.format_date(period)} (fewer than the threshold, or hidden " \
               "so that a small number cannot be worked out)", False
    if value is None:
        return disclosure.NOT_AVAILABLE + " (no figure recorded by this date)", False
    row = series[series["period"] == period].iloc[-1]
    qualifier = f"{row['qualifier']} " if row["qualifier"] else ""
    text = f"{qualifier}{value:,.0f} at {tables.format_date(period)}"
    if row["revised"]:
        text += f" {disclosure.REVISED}"
    if change is not None:
        text += f" ({_signed(change)} since the last Board)"
    return text, bool(row["revised"])


def _commitments_text(headline: dict, before: dict | None) -> tuple[str, str]:
    complete = (f"{headline['actual_share']:.0f}% ({headline['complete']} of {headline['commitments']}) "
                f"against {headline['planned_share']:.0f}% due")
    overdue = f"{headline['overdue']}"
    if before is not None:
        complete += f" ({_signed(headline['actual_share'] - before['actual_share'], ' points')} since the last Board)"
        overdue += f" ({_signed(headline['overdue'] - before['overdue'])} since the last Board)"
    return complete, overdue


def _table(frame: pd.DataFrame, caption: str, note: str = "") -> Table:
    """A Table of FRAME with every cell as text, numbers written as the screen writes them."""
    shown = tables.formatted(frame.reset_index(drop=True)).astype(str).replace({"nan": "", "None": ""})
    return Table(shown, caption, note)


# -- the Board pack's sections ------------------------------------------------------------------

def _as_at_words(snap: BoardPack) -> str:
    words = f"as at {tables.format_date(snap.as_at)}"
    return words + (f" ({snap.meeting})" if snap.meeting else "")


def illustrative_line(snap: BoardPack) -> str:
    """The warning printed on the cover when the database holds illustrative figures."""
    if not snap.illustrative:
        return ""
    return "Illustrative figures. " + official_figures.ILLUSTRATIVE_TEXT


def _generated_words(generated_at: dt.datetime | None) -> str:
    moment = generated_at or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    return f"Generated on {moment.day} {moment.strftime('%B %Y at %H:%M')} UTC"


def _headcount_fact(snap: BoardPack) -> tuple[str, str] | None:
    """The published headcount of the profession's posts, as a fact beside (never added to) registered members."""
    data = snap.headcount
    if data is None or data.empty:
        return None
    latest = data.latest
    value, scs = latest["In post at 31 March"], latest["Of whom SCS"]
    text = (f"{value if isinstance(value, str) else f'{value:,}'} at 31 March {latest['Year']}, "
            f"{scs if isinstance(scs, str) else f'{scs:,}'} at SCS level (Civil Service Statistics)")
    return (f"In {load_settings().profession} posts", text)


def _headcount_blocks(snap: BoardPack) -> list:
    """The published headcount by year and grade, with its source (the Membership page's tables)."""
    data = snap.headcount
    if data is None or data.empty:
        return [Text("No Civil Service Statistics for the profession had been imported by this date.")]
    note = (official_figures.MEASURE_DEFINITIONS["acses_in_post"] + " [c]: suppressed by the publisher or, below "
            f"{snap.threshold}, by the dashboard. " + official_figures.source_note(data.sources))
    return [
        _table(_as_text(data.by_year), "Civil servants in the profession's posts, by year (real figures)", note),
        _table(_as_text(data.grades), "Grade mix of the profession's posts, in post at 31 March", note),
    ]


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the pages show it: [c] kept, numbers with thousands separators."""
    return frame.map(lambda v: v if isinstance(v, str) else tables.format_cell(v))


def _story_block(snap: BoardPack):
    """Each characteristic against the Civil Service from 2015 to the latest published year."""
    story = snap.story
    if story is None or story.empty:
        return Text("No real diversity figures were known by this date.")
    return _table(_as_text(story.summary), "Has the gap to the Civil Service closed since 2015? (real figures)",
                  "Gap: the profession's share of those who declared minus the Civil Service's, in points. "
                  + official_figures.source_note(story.sources))


def board_cover(snap: BoardPack, generated_at: dt.datetime | None) -> Cover:
    """The pack's cover."""
    lines = [f"Delivery of the GSE Strategy {_as_at_words(snap)}: as known at the end of that day."]
    if snap.previous:
        lines.append(f"Changes are since the previous Board meeting, {tables.format_date(snap.previous)}.")
    else:
        lines.append("There is no earlier Board meeting in the data to compare with.")
    lines.append(f"Security marking: {MARKING}.")
    lines.append(_generated_words(generated_at) + " from the GSE Strategy Dashboard.")
    return Cover(title="GSE Profession Board pack", subtitle=f"As at {tables.format_date(snap.as_at)}",
                 lines=lines, warning=illustrative_line(snap))


def _people_messages(snap: BoardPack) -> list[str]:
    """What the people figures say, for the key messages: members against the target, and the diversity gaps."""
    messages = []
    value, change, period = metrics.change_since(snap.members, snap.as_at, snap.previous)
    if value is not None:
        text = f"The profession had {value:,.0f} members at {tables.format_date(period)}"
        if change is not None:
            text += f" ({_signed(change)} since the last Board)"
        target = snap.membership.target
        due = target[target["period"] <= period] if not target.empty else \
            target
        if not due.empty:
            aim = due.iloc[-1]
            made_up = " illustrative" if bool(aim.get("illustrative", 0)) else ""
            word = "above" if value > aim["value"] else "below" if value < aim["value"] else "at"
            text += f", {word} the{made_up} target of {aim['value']:,.0f} for {tables.format_date(aim['period'])}"
        messages.append(text + ".")
    summary = tables.diversity_summary(snap.diversity)
    if not summary.empty:
        widening = summary.loc[summary["Gap since previous year"] == "widening", "Characteristic"].tolist()
        closing = summary.loc[summary["Gap since previous year"] == "closing", "Characteristic"].tolist()
        if widening or closing:
            messages.append("Against the Civil Service, the gap is "
                            + "; ".join(part for part in (
                                f"widening for {board_paper._join(widening)}" if widening else "",
                                f"closing for {board_paper._join(closing)}" if closing else "") if part) + ".")
    return messages


def _widening(snap: BoardPack) -> list[str]:
    summary = tables.diversity_summary(snap.diversity)
    return summary.loc[summary["Gap since previous year"] == "widening", "Characteristic"].tolist() \
        if not summary.empty else []


def key_messages(snap: BoardPack) -> list[str]:
    """The paper's three to five key messages, from the figures."""
    return board_paper.key_messages(headline=snap.headline, headline_before=snap.headline_before,
                                    changes=snap.changes, summary=snap.summary, exceptions_frame=snap.exceptions,
                                    people=_people_messages(snap), previous=snap.previous)


def asks(snap: BoardPack) -> list[str]:
    """What the Board is asked to do: every item, in natural order."""
    return board_paper.board_asks(status=snap.status, judged=snap.judged, exceptions_frame=snap.exceptions,
                                  actions=board_records.latest(snap.actions), meeting=snap.meeting,
                                  as_at=snap.as_at, widening=_widening(snap))


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
        f"{board_paper._plural(len(frame), 'commitment is', 'commitments are')} past their date (indicative "
        f"unless set), rated Amber/Red or Red, or worsened{since}, in the strategy's order."
        + (f" ⚠ marks commentary that contradicts the rating or due date ({flagged})." if flagged else "")))
    section.blocks.append(_table(exception_rows(snap),
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
    latest = board_records.latest(snap.actions)
    since = snap.previous or snap.as_at
    # Open actions, and those finished since the last Board; older finished ones are counted, not listed.
    shown_refs = latest["status"].isin(("open", "in progress")) | (latest["as_of"] > since)
    finished = int((~shown_refs).sum())
    latest = latest[shown_refs]
    latest = latest.iloc[sorted(range(len(latest)), key=lambda i: board_paper.natural_key(latest["ref"].iloc[i]))]
    shown = pd.DataFrame({
        "Ref": latest["ref"],
        "Action": latest["action"],
        "Owner": latest["owner"],
        "Set by the Board of": latest["board_date"].map(tables.format_date),
        "Due": latest["due_date"].map(tables.format_date),
        "Status and history": [_history_words(snap.actions[snap.actions["ref"] == ref]) for ref in latest["ref"]],
    })
    late = latest[latest["status"].isin(("open", "in progress")) & (latest["due_date"] < snap.as_at)]
    late_words = board_paper._plural(len(late), "action is", "actions are")
    section.blocks.append(_table(shown, f"Actions open, or finished since the last Board, as at "
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
    latest = board_records.latest(snap.risks)
    latest = latest[(latest["status"] == "open") | (latest["as_of"] > (snap.previous or snap.as_at))]
    latest = latest.iloc[sorted(range(len(latest)), key=lambda i: (int(latest["workstream"].iloc[i]),
                                                                     board_paper.natural_key(latest["ref"].iloc[i])))]
    shown = pd.DataFrame({
        "Ref": latest["ref"],
        "Workstream": latest["workstream"].astype(int).astype(str),
        "Risk": latest["risk"],
        "Owner": latest["owner"],
        "Likelihood / impact": latest["likelihood"] + " / " + latest["impact"],
        "Mitigation": latest["mitigation"],
        "Status and history": [_history_words(snap.risks[snap.risks["ref"] == ref]) for ref in latest["ref"]],
    })
    section.blocks.append(_table(shown, f"Open risks (and any closed since the last Board) by workstream, as at "
                                        f"{tables.format_date(snap.as_at)}"))
    return section


def overview_section(snap: BoardPack) -> Section:
    """Headline figures and the grid of the ten workstreams."""
    members, _ = _people_fact(snap.members, snap.as_at, snap.previous)
    scs, _ = _people_fact(snap.scs, snap.as_at, snap.previous)
    complete, overdue = _commitments_text(snap.headline, snap.headline_before)
    facts = Facts([("GSE members", members), ("SCS members", scs), *filter(None, [_headcount_fact(snap)]),
                   ("Commitments complete", complete), (timescales.PAST_DATE_FACT, overdue)])
    before = (dict(zip(snap.judged_before["number"], snap.judged_before["rating"]))
              if snap.judged_before is not None else {})
    judged = snap.judged
    grid = pd.DataFrame({
        "Workstream": [f"{r.number}. {r.name}" for r in snap.summary.itertuples()],
        "Delivery confidence": [board_paper.rating_words(r) for _, r in judged.iterrows()],
        "Since the last Board": [rating_trend(r.rating, before.get(r.number), snap.previous, short=True)
                                 for r in judged.itertuples()],
        "At the last Boards": [board_view.trend_words(snap.trend[int(r.number)]) for r in judged.itertuples()],
        "Complete (%)": snap.summary["actual_share"].round(0).astype(int),
        "Closed without completion": snap.summary["closed"].astype(int),
        "Due (planned, %)": snap.summary["planned_share"].round(0).astype(int),
        timescales.PAST_DATE_HEADING: snap.summary["overdue"].astype(int),
    })
    chart = charts.workstream_delivery_chart(snap.summary, snap.as_at, tables.source_line(snap.illustrative))
    return Section("Overview", [
        Text(f"How delivery of the strategy's {snap.headline['commitments']} commitments stood "
             f"{_as_at_words(snap)}.", "lead"),
        facts,
        _table(grid, f"The ten workstreams {_as_at_words(snap)}"
               + (f", and their ratings since the Board of {tables.format_date(snap.previous)}"
                  if snap.previous else ""),
               "Delivery confidence is the Board's rating with its rationale where the Board has recorded one; "
               "otherwise it is marked (computed): the average of the workstream's open commitments' ratings, "
               f"which can read Green while a workstream is behind plan. At the last Boards: {board_view.TREND_NOTE} "
               "As symbol and word: ■■■■■ Green to "
               f"■□□□□ Red. {timescales.PAST_DATE_HEADING}: {timescales.PAST_DATE_HELP}"),
        Figure(chart),
    ])


def changes_section(snap: BoardPack) -> Section:
    """What changed since the previous Board: commitments, then headline indicators."""
    section = Section("Since the last Board")
    if snap.previous is None:
        section.blocks.append(Text("There is no earlier Board meeting in the data to compare with."))
        return section
    between = f"Between {tables.format_date(snap.previous)} and {tables.format_date(snap.as_at)}"
    changes = snap.changes
    if changes.empty:
        section.blocks.append(Text(f"{between} no commitment changed status or rating, and none passed its date."))
    else:
        counts = changes["change"].value_counts()
        moved = ", ".join(board_paper.change_count_words(kind, n) for kind, n in counts.items())
        section.blocks.append(Text(f"{between}: {moved}."))
        shown = changes.rename(columns={"ref": "Ref", "workstream": "Workstream", "title": "Commitment (summary)",
                                        "change": "Change", "from": "From", "to": "To"})
        section.blocks.append(_table(shown, f"Changes to commitments since the Board of "
                                            f"{tables.format_date(snap.previous)}"))
    rows = []
    named = [("GSE members", snap.members), ("SCS members", snap.scs)]
    for number, data in snap.by_workstream.items():
        for row in data.indicators.itertuples():
            named.append((f"{row.name} (workstream {number})", data.indicator_data[row.code][0]))
    for name, series in named:
        # A change is given only when both figures are published (published.change_since).
        value, change, period = published.change_since(series, snap.as_at, snap.previous)
        if value is None and period is not None:
            rows.append({"Indicator": name, "At the last Board": disclosure.CONFIDENTIAL,
                         "Now": disclosure.CONFIDENTIAL, "Change": disclosure.CONFIDENTIAL,
                         "Latest figure for": tables.format_date(period)})
            continue
        if value is None:
            continue
        then = value - change if change is not None else None
        rows.append({"Indicator": name, "At the last Board": _count(then), "Now": _count(value),
                     "Change": _signed(change) if change is not None else disclosure.NOT_AVAILABLE,
                     "Latest figure for": tables.format_date(period)})
    if rows:
        section.blocks.append(_table(pd.DataFrame(rows), "Indicators: the latest figure known at each Board",
                                     "[x]: no figure had been recorded by the last Board."))
    return section


def _indicator_rows(data: dict, as_at: str, previous: str | None) -> pd.DataFrame:
    rows = []
    for row in data.indicators.itertuples():
        series, target = data.indicator_data[row.code]
        value, change, period = metrics.change_since(series, as_at, previous)
        if value is None:
            rows.append({"Indicator": row.name, "Latest": disclosure.NOT_AVAILABLE, "Refers to": "",
                         "Target by then": "", "Since the last Board": ""})
            continue
        latest = series[series["period"] == period].iloc[-1]
        due = target[target["period"] <= period] if not target.empty else target
        aim = f"{due.iloc[-1]['value']:,.0f} ({tables.format_date(due.iloc[-1]['period'])})" if not due.empty else \
            disclosure.NOT_APPLICABLE
        if not due.empty and bool(due.iloc[-1].get("illustrative", 0)):
            aim += " (illustrative target)"
        rows.append({
            "Indicator": row.name,
            "Latest": f"{value:,.0f}" + (f" {disclosure.REVISED}" if latest["revised"] else ""),
            "Refers to": tables.format_date(period),
            "Target by then": aim,
            "Since the last Board": _signed(change) if change is not None else disclosure.NOT_AVAILABLE,
        })
    return pd.DataFrame(rows)


def _indicator_lines(rows: pd.DataFrame) -> list[str]:
    """Each indicator row as one line: latest figure, its date, the target by then and the change."""
    lines = []
    for row in rows.itertuples(index=False):
        if row.Latest == disclosure.NOT_AVAILABLE:
            lines.append(f"{row.Indicator}: no figure recorded by this date.")
            continue
        text = f"{row.Indicator}: {row.Latest} at {row[2]}"
        if row[3] and row[3] != disclosure.NOT_APPLICABLE:
            text += f"; target by then {row[3]}"
        if row[4] and row[4] != disclosure.NOT_AVAILABLE:
            text += f"; {row[4]} since the last Board"
        lines.append(text + ".")
    return lines


def workstream_section(snap: BoardPack, number: int) -> Section:
    """One workstream: aspiration in brief, rating and trend, due or overdue commitments, trajectory, indicators."""
    ws = snap.workstreams[snap.workstreams["number"] == number].iloc[0]
    data = snap.by_workstream[number]
    status = data.status
    headline = metrics.headline(status, snap.as_at)
    judged = snap.judged[snap.judged["number"] == number].iloc[0]
    rating = judged["rating"]
    before = None
    if snap.judged_before is not None:
        before = snap.judged_before.loc[snap.judged_before["number"] == number, "rating"].iloc[0]
    before_headline = None
    if snap.previous is not None:
        before_headline = {"complete": int(
            snap.summary_before.loc[snap.summary_before["number"] == number, "complete"].iloc[0])}
    complete = (f"{headline['complete']} of {headline['commitments']} ({headline['actual_share']:.0f}%) against "
                f"{headline['planned_share']:.0f}% due; {headline['closed']} closed without completion")
    if before_headline is not None:
        complete += f"; {_signed(headline['complete'] - before_headline['complete'])} since the last Board"
    blocks = [
        Text(f"What good looks like (our summary; the strategy's words are in {ws['strategy_ref']}): "
             f"{_first_sentences(ws['aspiration'], ASPIRATION_CHARS)}", "lead"),
        Facts([("Delivery confidence", board_paper.rating_words(judged)),
               ("How it was rated", judged["rationale"] or judged["basis"]),
               ("Trend", rating_trend(rating, before, snap.previous)),
               ("Commitments complete", complete),
               (timescales.PAST_DATE_HEADING, str(headline["overdue"]))]),
    ]
    if not data.indicators.empty:
        # Its indicators as lines beside the chart (not a table under it): a workstream then fits one slide.
        blocks += [Subheading("Its indicators"), Bullets(_indicator_lines(_indicator_rows(data, snap.as_at,
                                                                                          snap.previous)))]
    blocks.append(Figure(charts.trajectory_chart(data.trajectory, ws["name"], snap.as_at,
                                                 tables.source_line(snap.illustrative))))
    chosen = due_or_overdue(status, snap.as_at)
    horizon = (dt.date.fromisoformat(snap.as_at) + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    caption = f"Commitments past their date or due by {tables.format_date(horizon)}"
    if chosen.empty:
        blocks.append(Text(f"{caption}: none.", "p"))
    else:
        shown = tables.commitment_table(chosen).drop(columns="In the strategy")
        note = (f"Our summaries; the strategy's words are in {ws['strategy_ref']}. "
                "Dates are indicative (end of horizon) unless shown as set.")
        if chosen["owner"].isna().all():
            # One sentence instead of the same owner on every row, so a workstream still fits a slide.
            shown = shown.drop(columns="Owner")
            note += " No owner assigned: the GSE Profession Board is responsible, as the strategy states."
        shown = tables.formatted(shown)
        revised = chosen["revised"].astype(bool).to_numpy()
        shown.loc[revised, "% complete"] = shown.loc[revised, "% complete"] + f" {disclosure.REVISED}"
        blocks.append(Table(shown.astype(str), caption, note))
    return Section(f"{number}. {ws['name']}", blocks)


def membership_section(snap: BoardPack) -> Section:
    """Members and SCS with the target trajectory, and suppressed breakdowns by grade and department."""
    members, _ = _people_fact(snap.members, snap.as_at, snap.previous)
    scs, _ = _people_fact(snap.scs, snap.as_at, snap.previous)
    section = Section("Membership", [
        *_headcount_blocks(snap),
        Text("Registered GSE members (Civil Service Learning): real in September 2016, illustrative after unless "
             "imported; a different measure from the published headcount above.", "note"),
        Facts([("GSE members", members), ("SCS members", scs)]),
        Figure(charts.indicator_chart(snap.members, snap.membership.target, name="GSE members", unit="count",
                                      population="the whole profession", as_at=snap.as_at,
                                      source=tables.observation_source(snap.members))),
    ])
    period = snap.membership.period
    if not period:
        section.blocks.append(Text("No breakdown of members by department or grade had been recorded by this date."))
        return section
    threshold = snap.threshold
    rule = (f"[c]: fewer than {threshold}, or hidden so that a small number cannot be worked out from the "
            "totals.")
    total, total_hidden = snap.membership.breakdown_totals["grade"]
    shown = tables.protected_line_table(snap.membership.breakdowns["grade"], "grade", "Grade", total, total_hidden)
    section.blocks.append(_table(shown, f"Members by grade, {tables.format_date(period)}", rule))
    crosstab = tables.protected_crosstab_table(*snap.membership.crosstab)
    section.blocks.append(_table(crosstab, f"Members by department and grade, {tables.format_date(period)}", rule))
    return section


def diversity_breakdowns(snap: BoardPack, by: str) -> tuple[pd.DataFrame, str]:
    """Every characteristic's share by BY side by side, each cell as the screen's table shows it.

    The cells come from tables.diversity_breakdown_table, so suppression is the screen's. Returns
    the table and the year it refers to.
    """
    columns, year, rates = {}, "", []
    for row in snap.diversity.definitions.itertuples():
        frame = snap.diversity.breakdowns[(row.code, by)]
        if frame.empty:
            continue
        year = year or frame["period"].iloc[0][:4]
        shown = tables.diversity_breakdown_table(frame, row.name, by, snap.threshold)
        share = shown[f"{row.name} (% of declared)"]
        flagged = [f"{s} †" if unreliable and not isinstance(s, str) else s
                   for s, unreliable in zip(share, shown["Reliability"] != "")]
        columns[row.name] = pd.Series(flagged, index=shown[by.capitalize()].to_numpy(), dtype=object)
        rates += [r for r in shown["Declaration rate (%)"] if not isinstance(r, str)]
    if not columns:
        return pd.DataFrame(), year
    combined = pd.DataFrame(columns)
    combined = combined.fillna(disclosure.NOT_AVAILABLE).rename_axis(by.capitalize()).reset_index()
    combined = metrics.order_groups(combined.rename(columns={by.capitalize(): by}), by).rename(
        columns={by: by.capitalize()})
    return combined, year


def diversity_section(snap: BoardPack) -> Section:
    """Each characteristic against the Civil Service, then breakdowns with small numbers suppressed."""
    summary = tables.diversity_summary(snap.diversity)
    section = Section("Diversity and inclusion", [
        Text("Shares are the percentage of those who declared, beside the declaration rate, against the Civil "
             f"Service as a whole. Counts below {snap.threshold}, and shares resting on them, are shown as [c].",
             "lead"),
        _table(summary, f"The GSE profession against the Civil Service, latest year known "
                        f"{_as_at_words(snap)}",
               "Gap: GSE share minus Civil Service share, in percentage points. [r]: revised since first "
               "recorded. [x]: not available."),
        _story_block(snap),
    ])
    threshold_note = (f"[c]: fewer than {snap.threshold} people, or a share that would disclose such a count. "
                      "†: under 50% of the group declared, so the share is unreliable. "
                      "[x]: not available. Declaration rates by characteristic are in the table above.")
    for by in ("grade", "department"):
        combined, year = diversity_breakdowns(snap, by)
        if combined.empty:
            section.blocks.append(Text(f"No diversity figures by {by} had been recorded by this date."))
            continue
        section.blocks.append(Table(combined.astype(str), f"GSE members by {by}, {year}: % of those who declared",
                                    threshold_note))
    figures = []
    for row in snap.diversity.definitions.itertuples():
        gaps = snap.diversity.gaps[snap.diversity.gaps["indicator"] == row.code]
        series = snap.diversity.series[snap.diversity.series["indicator"] == row.code]
        trend = metrics.gap_trend(snap.diversity.gaps, row.code)
        figures.append(Figure(charts.benchmark_chart(gaps, trend, name=row.name, as_at=snap.as_at,
                                                     source=tables.observation_source(series))))
    section.blocks.append(FigureRow(figures))
    return section


def revisions(snap: BoardPack) -> list[str]:
    """Every figure or update in the pack that had been revised by the as-at date, in words."""
    items = []
    for row in snap.status[snap.status["revised"].astype(bool)].itertuples():
        items.append(f"{disclosure.REVISED} {row.ref} ({row.title}): the progress update for "
                     f"{tables.format_date(row.updated_as_of)} was corrected after it was first recorded.")
    named = [("GSE members", snap.members), ("SCS members", snap.scs)]
    for data in snap.by_workstream.values():
        for row in data.indicators.itertuples():
            named.append((row.name, data.indicator_data[row.code][0]))
    for row in snap.diversity.definitions.itertuples():
        series = snap.diversity.series
        for population in ("GSE", "Civil Service"):
            named.append((f"{row.name}, {population}", series[(series["indicator"] == row.code)
                                                               & (series["population"] == population)]))
    for name, series in named:
        for row in series[series["revised"].astype(bool)].itertuples():
            items.append(f"{disclosure.REVISED} {name}: the figure for {tables.format_date(row.period)} "
                         "was corrected after it was first recorded.")
    return items


def closing_section(snap: BoardPack) -> Section:
    """Sources, definitions and revisions."""
    sources = {
        "The strategy": "The Government Science and Engineering (GSE) Profession Strategy (Government Office for "
                        "Science, September 2016): workstreams, commitments, horizons and the baseline figures.",
        "Delivery": tables.source_line(snap.illustrative) + ".",
        "Membership": tables.observation_source(snap.members) + ".",
        "Diversity": tables.observation_source(snap.diversity.series) + ".",
    }
    indicator_series = [s for d in snap.by_workstream.values() for s, _ in d.indicator_data.values()]
    if indicator_series:
        sources["Workstream indicators"] = tables.observation_source(pd.concat(indicator_series)) + "."
    definitions = [
        "Status of a commitment: " + ", ".join(metrics.status_label(s) for s in STATUSES)
        + " (closed means closed without completion).",
        "Delivery confidence on the government's five-point scale, as symbol and word: "
        + "; ".join(metrics.rating_label(r) for r in RATINGS)
        + ". The Board's rating is used where it has given one. A workstream's rating is the average of its "
          "open commitments' ratings, rounding halves towards caution.",
        "Dates: " + timescales.HOW_DATES_ARE_DERIVED,
        f"{timescales.PAST_DATE_HEADING}: {timescales.PAST_DATE_HELP} Whatever their rating. Due (on a "
        f"workstream page): open and due within {DUE_SOON_DAYS} days of the as-at date.",
        "Owners: " + timescales.OWNERS_EXPLAINED,
        "Summaries: " + timescales.SUMMARIES_EXPLAINED,
        "Planned: the share of commitments due by a date. Actual: the share complete at that date. Work done "
        "(weighted): the average percent complete, which credits work part done.",
        "Diversity shares are the percentage of those who declared; a share resting on under 50% declared is "
        "unreliable.",
        f"Statistical disclosure control: counts below {snap.threshold}, shares based on fewer than "
        f"{snap.threshold} people, and any figure from which they could be worked out are not shown. "
        "[c] confidential; [x] not available; [z] not applicable; [r] revised.",
    ]
    revised = revisions(snap)
    return Section("Sources, definitions and revisions", [
        Subheading("Sources"),
        Bullets([f"{k}: {v}" for k, v in sources.items()]),
        Subheading("Definitions"),
        Bullets(definitions),
        Subheading("Revisions"),
        Text(f"Everything in this pack is as known at the end of {tables.format_date(snap.as_at)}: updates and "
             "corrections recorded later are left out, so the pack can be reproduced exactly. Figures and "
             "updates corrected by then are marked [r]."),
        Bullets(revised) if revised else Text("No figure or update in this pack had been revised by this date."),
    ])


def board_sections(snap: BoardPack) -> list[Section]:
    """The pack after its cover: overview, changes, each workstream, membership, diversity, sources."""
    return [paper_section(snap), exceptions_section(snap), overview_section(snap), changes_section(snap),
            actions_section(snap), risks_section(snap),
            *[workstream_section(snap, int(n)) for n in snap.workstreams["number"]],
            membership_section(snap), diversity_section(snap), closing_section(snap)]


# -- the GCSA brief ---------------------------------------------------------------------------

def brief_sections(snap: BoardPack) -> list[Section]:
    """The brief, built as the pack's covering paper is: key messages, asks, exceptions, then the figures."""
    paper = paper_section(snap)
    purpose, _, messages, _, board_asks_ = paper.blocks
    members, _ = _people_fact(snap.members, snap.as_at, snap.previous)
    scs, _ = _people_fact(snap.scs, snap.as_at, snap.previous)
    complete, overdue = _commitments_text(snap.headline, snap.headline_before)
    headlines = Section("Headlines", [
        Facts([("GSE members", members), ("SCS members", scs), *filter(None, [_headcount_fact(snap)]),
               ("Commitments complete", complete), ("Closed without completion", str(snap.headline["closed"])),
               (timescales.PAST_DATE_FACT, overdue)]),
        Figure(charts.trajectory_chart(snap.trajectory, "All workstreams", snap.as_at,
                                       tables.source_line(snap.illustrative))),
    ])
    summary = tables.diversity_summary(snap.diversity)
    gaps = summary[["Characteristic", "Year", "GSE (% of declared)", "Civil Service (%)",
                    "Gap (points, GSE minus CS)", "Gap since previous year"]].rename(
        columns={"Gap (points, GSE minus CS)": "Gap (points)", "Gap since previous year": "Gap is"})
    diversity = Section("Diversity against the Civil Service", [
        _table(gaps, "Latest year: share of the profession who declared, against the Civil Service; the gap in "
                     "points, and whether it is closing since the previous year"),
        _story_block(snap),
    ])
    return [Section("Key messages", [purpose, messages]), Section("The Board is asked to", [board_asks_]),
            exceptions_section(snap), headlines, diversity]


def brief_cover(snap: BoardPack, generated_at: dt.datetime | None) -> Cover:
    """The brief's heading lines."""
    lines = [f"Delivery of the GSE Strategy {_as_at_words(snap)}"
             + (f"; changes since the Board of {tables.format_date(snap.previous)}. " if snap.previous else ". ")
             + _generated_words(generated_at) + f" from the GSE Strategy Dashboard. {MARKING}."]
    return Cover(title="GSE Strategy: brief for the Government Chief Scientific Adviser",
                 subtitle=f"As at {tables.format_date(snap.as_at)}", lines=lines,
                 warning=illustrative_line(snap))

# -- entry points ---------------------------------------------------------------------------------

def _reporter(progress: Progress | None) -> Progress:
    return progress if progress is not None else (lambda fraction, message: None)


def board_pack(db_path: str | Path, as_at: str, fmt: str, *, generated_at: dt.datetime | None = None,
               progress: Progress | None = None, threshold: int | None = None) -> bytes:
    """The Board pack as at AS_AT, as "pdf" or "pptx" bytes.

    PROGRESS, if given, is called with (fraction done, what is happening) as the pack builds.
    THRESHOLD defaults to the settings' suppression threshold, as the pages use.
    """
    if fmt not in PACK_FORMATS:
        raise ValueError(f"the Board pack is made as {' or '.join(PACK_FORMATS)}, not {fmt!r}")
    report = _reporter(progress)
    report(0.0, "Reading the database as at the date")
    snap = read_snapshot(db_path, as_at, threshold)
    report(0.1, "Laying out the pack")
    cover, sections = board_cover(snap, generated_at), board_sections(snap)
    size_figures(sections, fmt)
    draw(figures_of(sections), report, 0.15, 0.8)
    footer = f"GSE Profession Board pack, as at {tables.format_date(as_at)}"
    if snap.illustrative:
        footer += f"\n{ILLUSTRATIVE_FOOTER}"
    if fmt == "pdf":
        report(0.85, "Printing the PDF")
        data = print_pdf(html_document(cover, sections), footer)
    else:
        report(0.85, "Writing the PowerPoint slides")
        data = pptx_document(cover, sections, footer, generated_at)
    report(1.0, "Done")
    return data


def gcsa_brief(db_path: str | Path, as_at: str, *, generated_at: dt.datetime | None = None,
               progress: Progress | None = None, threshold: int | None = None) -> bytes:
    """The one-page brief for the Government Chief Scientific Adviser as at AS_AT, as .docx bytes."""
    report = _reporter(progress)
    report(0.0, "Reading the database as at the date")
    snap = read_snapshot(db_path, as_at, threshold)
    report(0.2, "Laying out the brief")
    cover, sections = brief_cover(snap, generated_at), brief_sections(snap)
    size_figures(sections, "docx")
    draw(figures_of(sections), report, 0.3, 0.8)
    report(0.85, "Writing the Word document")
    data = docx_document(cover, sections, generated_at,
                         footer_note=ILLUSTRATIVE_FOOTER if snap.illustrative else "")
    report(1.0, "Done")
    return data


# File formats a user can ask for, what each makes, and its media type.
DOCUMENTS = {
    "pdf": ("Board pack (PDF)", "application/pdf"),
    "pptx": ("Board pack (PowerPoint)", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "docx": ("GCSA brief (Word)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def build(db_path: str | Path, as_at: str, fmt: str, *, generated_at: dt.datetime | None = None,
          progress: Progress | None = None, threshold: int | None = None) -> bytes:
    """Any of the documents by file format: "pdf" or "pptx" for the pack, "docx" for the brief."""
    if fmt == "docx":
        return gcsa_brief(db_path, as_at, generated_at=generated_at, progress=progress, threshold=threshold)
    if fmt not in DOCUMENTS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(DOCUMENTS)}")
    return board_pack(db_path, as_at, fmt, generated_at=generated_at, progress=progress, threshold=threshold)


def file_name(as_at: str, fmt: str) -> str:
    """The file name a download or the CLI suggests: gse-board-pack-2019-10-16.pdf."""
    return f"gse-{'gcsa-brief' if fmt == 'docx' else 'board-pack'}-{as_at}.{fmt}"
