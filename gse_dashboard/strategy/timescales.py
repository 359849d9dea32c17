"""Dates and owners as the strategy states them, and the words every page and document uses.

The strategy gives indicative timescales (short, medium and long term), names no owner for
any commitment and makes the GSE Profession Board responsible for delivery, with the GCSA as
senior responsible owner. So a commitment's date is *indicative* (derived by us from its
horizon) unless the GSE team set one, a continuing commitment has none and is never past it,
and an owner is shown only with who assigned it and when. One wording, here, so the pages,
exports, the Board pack and the brief say the same thing.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

# Where a commitment's date comes from (the `due_basis` column of commitment_status).
INDICATIVE, SET, CONTINUING = "indicative", "set", "continuing"

# What the owner column says until the GSE team assigns one: the strategy's own responsibility.
STRATEGY_OWNER = "GSE Profession Board, per the strategy (GCSA is SRO)"
HOW_DATES_ARE_DERIVED = (
    "The strategy gives its timescales as indicative horizons from its launch in September 2016: short "
    "term 6-12 months, medium term 12 months-2 years, long term 2-5 years (pp. 10-13). The dashboard "
    "derives an indicative date from the end of each horizon: 30 September 2017, 30 September 2018 and "
    "30 September 2021. The strategy itself sets no dates. Continuing commitments (\"continue to\", "
    "\"monitor\", \"manage and maintain\") have no date, are never past it, and are judged by their "
    "latest update and rating. A date the GSE team sets replaces the indicative one and is shown as set, "
    "with who set it and when.")
OWNERS_EXPLAINED = (
    "The strategy names no owner for any single commitment: the GSE Profession Board is responsible for "
    "delivering it and the Head of Profession (the GCSA) is its senior responsible owner (Introduction, "
    "pp. 7-9). A commitment's owner is therefore the Board's, as the strategy states, unless the GSE team "
    "has assigned one; an assigned owner is always shown with who assigned it and when.")
SUMMARIES_EXPLAINED = (
    "Commitment titles and descriptions, and the workstreams' aspirations and challenges, are our summaries "
    "of the strategy, not its words: each points to the section and page of the strategy where its own "
    "words are.")
PAST_DATE_HELP = ("Open commitments (not complete or closed) whose date has passed: the indicative date "
                  "derived from the horizon, or the date the GSE team set. Continuing commitments have no "
                  "date and are never counted.")
# Headings for counts and columns: never a bare "overdue" where the date is derived.
PAST_DATE_HEADING = "Past their date"
PAST_DATE_COLUMN = "Past its date"
PAST_DATE_FACT = "Commitments past their date"
# The values a commitment takes when counted or filtered by it (Explore, commitments over time).
PAST_DATE_VALUE, NOT_PAST_DATE_VALUE = "past its date", "not past its date"


def _day(text: str | None) -> str:
    if not isinstance(text, str) or not text:
        return ""
    day = dt.date.fromisoformat(text[:10])
    return f"{day.day} {day:%B %Y}"


def past_date_text(basis: str | None) -> str:
    """What an open commitment past its date is called: 'past its indicative date' or 'past its set date'."""
    return "past its set date" if basis == SET else "past its indicative date"


def past_date_label(past: bool, basis: str | None) -> str:
    """The flag beside a commitment: '⚠ Past its indicative date', '⚠ Past its set date' or ''."""
    if not past:
        return ""
    text = past_date_text(basis)
    return f"⚠ {text[0].upper()}{text[1:]}"


def past_date_count_text(count: int) -> str:
    """'3 past their date' (indicative or set); '1 past its date'."""
    return f"{count} past {'its' if count == 1 else 'their'} date"


def due_text(due_date: str | None, basis: str | None, set_by: str | None = None, set_on: str | None = None) -> str:
    """A commitment's date as a reader needs it: '30 September 2017 (indicative)', '31 March 2027 (set
    by alice on 2 March 2026)' or 'Continuing: no end date'."""
    if basis == CONTINUING or not isinstance(due_date, str) or not due_date:
        return "Continuing: no end date"
    if basis == SET:
        who = f" by {set_by}" if isinstance(set_by, str) and set_by else ""
        when = f" on {_day(set_on)}" if isinstance(set_on, str) and set_on else ""
        return f"{_day(due_date)} (set{who}{when})"
    return f"{_day(due_date)} (indicative)"


# The rating recorded with a progress update: the owner's only when an owner has been assigned. Until then
# the owner is the Board, per the strategy, and a rating beside it is the update's, not "the owner's".
UPDATE_RATING_HEADING = "Rating with the latest update"


def rating_giver(owner_shown: str) -> str:
    """Who gave the rating recorded with the latest update, for a line of ratings: 'Owner' or 'Latest update'."""
    return "Latest update" if owner_shown == STRATEGY_OWNER else "Owner"


def owner_text(owner: str | None, assigned_by: str | None = None, assigned_on: str | None = None) -> str:
    """The owner with its provenance: 'Jane Smith (assigned by alice on 2 March 2026)', or, until one is
    assigned, the strategy's own: the GSE Profession Board, with the GCSA as SRO."""
    if not isinstance(owner, str) or not owner:
        return STRATEGY_OWNER
    who = f" by {assigned_by}" if isinstance(assigned_by, str) and assigned_by else ""
    when = f" on {_day(assigned_on)}" if isinstance(assigned_on, str) and assigned_on else ""
    return f"{owner} (assigned{who}{when})"


def with_date_texts(status: pd.DataFrame) -> pd.DataFrame:
    """STATUS (flagged by metrics.with_flags) with `due_text`, `owner_text` and `past_date_label` columns."""
    frame = status.copy()
    basis = frame["due_basis"] if "due_basis" in frame else pd.Series(INDICATIVE, index=frame.index)
    get = lambda name: frame[name] if name in frame else pd.Series(None, index=frame.index)  # noqa: E731
    frame["due_text"] = [due_text(d, b, s, o) for d, b, s, o in
                         zip(frame["due_date"], basis, get("due_set_by"), get("due_set_on"))]
    frame["owner_text"] = [owner_text(o, b, d) for o, b, d in
                           zip(get("owner"), get("owner_assigned_by"), get("owner_assigned_on"))]
    frame["past_date_label"] = [past_date_label(bool(p), b) for p, b in zip(frame["overdue"], basis)]
    return frame
