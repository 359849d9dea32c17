"""Commitments followed over time: as each Board saw them, or at each quarter's end; and the rows behind a figure.

At every date the rules are those of the rest of the dashboard (queries.commitment_status and
metrics.with_flags): a commitment's latest update known at that date, the Board's rating where
it gave one ('Not rated' where there is none), past its date (the indicative date derived from
the horizon, or one the GSE team set) when neither complete nor closed, never for a continuing
commitment; the date and owner as set or assigned by then, with who did it and when.

`commitment_rows` is the row-level list behind any figure Explore shows for commitments (ref,
summary, owner, due date, status, ratings, latest commentary); `grouped_over_time` counts those
rows at each Board meeting (or quarter end) by up to one more dimension; `status_changes`
lists what changed between two dates.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping, Sequence

import pandas as pd

from ..storage import queries
from . import metrics, timescales
from .vocabulary import NOT_RATED

BOARD, QUARTER = "board", "quarter"
TIME_DIMENSIONS = (BOARD, QUARTER)
OVERDUE, NOT_OVERDUE = timescales.PAST_DATE_VALUE, timescales.NOT_PAST_DATE_VALUE
# The dimensions a commitment can be counted by, beside the time.
DIMENSIONS = ("workstream", "horizon", "status", "rating", "overdue")
# Column names of the row-level table, as shown and downloaded.
ROW_COLUMNS = {
    "ref": "Ref", "title": "Commitment (summary)", "workstream_label": "Workstream", "horizon": "Horizon",
    "owner_text": "Owner", "due_text": "Date", "status": "Status", "rating": "Rating",
    "progress_rating": "Owner's rating", "board_rating": "Board's rating", "overdue": "Past its date",
    "updated_as_of": "Latest update", "commentary": "Latest commentary",
    "strategy_ref": "In the strategy",
}


def workstream_label(number: int, name: str) -> str:
    """'1. Raising the profile of the profession': how every page names a workstream."""
    return f"{int(number)}. {name}".strip()


def quarter_ends(first: str, last: str) -> list[str]:
    """The last days of the quarters from FIRST's quarter to the last one ending on or before LAST."""
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    year, quarter = start.year, (start.month - 1) // 3 + 1
    ends = []
    while True:
        month = quarter * 3
        day = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
        if day > end:
            return ends
        ends.append(day.isoformat())
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def time_points(conn: sqlite3.Connection, kind: str, as_at: str, *, start: str | None = None,
                end: str | None = None) -> list[str]:
    """The dates to count at: Board meetings known at AS_AT (KIND 'board') or quarter ends (KIND 'quarter').

    START and END (inclusive) narrow them; none is after AS_AT.
    """
    if kind == BOARD:
        dates = queries.board_meetings(conn, as_at)["date"].tolist()
    elif kind == QUARTER:
        first = queries.first_update_date(conn, as_at)
        dates = quarter_ends(first, as_at) if first else []
    else:
        raise ValueError(f"commitments are followed over time by {' or '.join(TIME_DIMENSIONS)}, not {kind!r}")
    return [d for d in dates if (start is None or d >= start) and (end is None or d <= end) and d <= as_at]


def _flagged(frame: pd.DataFrame, as_at: str | pd.Series) -> pd.DataFrame:
    """STATUS rows (queries.commitment_status) with rating and overdue as Explore counts them, at AS_AT.

    AS_AT is a date, or a column of dates, one per row, for rows taken at several dates.
    """
    frame = metrics.with_flags(frame, as_at).rename(columns={"rating": "progress_rating"})
    frame["rating"] = frame["effective_rating"].fillna(NOT_RATED)
    frame["overdue"] = frame["overdue"].map({True: OVERDUE, False: NOT_OVERDUE})
    return frame


def _within(frame: pd.DataFrame, filters: Mapping[str, Sequence] | None, due_from: str | None,
            due_to: str | None) -> pd.DataFrame:
    """The rows of FRAME within FILTERS and the due-date range."""
    keep = pd.Series(True, index=frame.index)
    for name, values in (filters or {}).items():
        if values and name in DIMENSIONS:
            wanted = {int(v) for v in values} if name == "workstream" else set(values)
            keep &= frame[name].isin(wanted)
    if due_from:
        keep &= frame["due_date"] >= due_from
    if due_to:
        keep &= frame["due_date"] <= due_to
    return frame[keep].reset_index(drop=True)


def commitment_rows(conn: sqlite3.Connection, as_at: str, *, filters: Mapping[str, Sequence] | None = None,
                    due_from: str | None = None, due_to: str | None = None) -> pd.DataFrame:
    """Every commitment within FILTERS as known at AS_AT: ref, summary, owner, due date, status, ratings, commentary.

    FILTERS may name workstream (numbers), horizon, status, rating (the Board's where given,
    else the owner's, else 'Not rated') and overdue ('past its date' or 'not past its date'), each a list of
    values to keep; DUE_FROM and DUE_TO limit the due dates. Ordered by workstream, horizon, number.
    """
    frame = timescales.with_date_texts(_flagged(queries.commitment_status(conn, as_at), as_at))
    frame["workstream_label"] = [workstream_label(n, name) for n, name in
                                 zip(frame["workstream"], frame["workstream_name"])]
    frame["commentary"] = frame["commentary"].fillna("")
    return _within(frame, filters, due_from, due_to)


def shown_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """ROWS (from commitment_rows) with the columns and names a person reads, for the table and downloads."""
    table = rows[list(ROW_COLUMNS)].rename(columns=ROW_COLUMNS).copy()
    table["Past its date"] = table["Past its date"].map({OVERDUE: "Yes", NOT_OVERDUE: "No"})
    for column in ("Owner's rating", "Board's rating", "Latest update"):
        table[column] = table[column].fillna("")
    return table


def grouped_over_time(conn: sqlite3.Connection, kind: str, as_at: str, *, by: str | None = None,
                      filters: Mapping[str, Sequence] | None = None, due_from: str | None = None,
                      due_to: str | None = None, start: str | None = None, end: str | None = None,
                      due_by_each: bool = False) -> pd.DataFrame:
    """Counts of commitments at each Board meeting (or quarter end) up to AS_AT, by BY if given.

    One row per date (column KIND) and value of BY, with `commitments` and `illustrative`;
    for workstreams also `workstream_name`. Each date's figures are as known on that date.
    DUE_BY_EACH counts at each date only the commitments due by then (a continuing one never is).
    """
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"commitments cannot be grouped by {by!r} over time")
    dates = time_points(conn, kind, as_at, start=start, end=end)
    keys = [by] if by else []
    columns = [kind, *keys, *(["workstream_name"] if by == "workstream" else []), "commitments", "illustrative"]
    if not dates:
        return pd.DataFrame(columns=columns)
    # The brief status at each date (no descriptions or commentary), filtered, then counted once.
    every = pd.concat([queries.commitment_status(conn, date, brief=True).assign(**{kind: date}) for date in dates],
                      ignore_index=True)
    # Flagged once for every date: each row is judged against its own date (the rule takes a column).
    every = _within(_flagged(every, every[kind]), filters, due_from, due_to)
    if due_by_each:
        every = every[every["due_date"].notna() & (every["due_date"] <= every[kind])].reset_index(drop=True)
    counted = every.groupby([kind, *keys], sort=False).size().rename("commitments").reset_index()
    if by:
        # Every date with every value seen at any date: a zero is a figure, not a gap in the line.
        grid = pd.DataFrame({kind: dates}).merge(counted[[by]].drop_duplicates(), how="cross")
    else:
        grid = pd.DataFrame({kind: dates})
    frame = grid.merge(counted, on=[kind, *keys], how="left").fillna({"commitments": 0})
    if by == "workstream":
        names = queries.workstream_names(conn)
        frame["workstream_name"] = frame["workstream"].map(names)
    # Whether any figure rests on illustrative history: the same for every date, so asked once.
    frame["illustrative"] = queries.updates_illustrative(conn, dates[-1])
    frame["commitments"] = frame["commitments"].astype("int64")
    return frame[columns]


def status_changes(conn: sqlite3.Connection, earlier: str, later: str, *,
                   filters: Mapping[str, Sequence] | None = None, changed_only: bool = True) -> pd.DataFrame:
    """Each commitment's status, rating and overdue flag at EARLIER and at LATER, as known on each date.

    FILTERS apply at LATER. With CHANGED_ONLY, only commitments whose status, rating or
    overdue flag differ; a `Change` column says what changed in words.
    """
    if earlier > later:
        earlier, later = later, earlier
    after = commitment_rows(conn, later, filters=filters)
    before = commitment_rows(conn, earlier).set_index("ref")
    table = pd.DataFrame({
        "Ref": after["ref"], "Commitment": after["title"], "Workstream": after["workstream_label"],
        "Owner": after["owner_text"], "Date": after["due_text"],
        f"Status at {earlier}": after["ref"].map(before["status"]).fillna("not started"),
        f"Status at {later}": after["status"],
        f"Rating at {earlier}": after["ref"].map(before["rating"]).fillna(NOT_RATED),
        f"Rating at {later}": after["rating"],
        f"Past its date at {earlier}": after["ref"].map(before["overdue"]).fillna(NOT_OVERDUE),
        f"Past its date at {later}": after["overdue"],
        "Latest commentary": after["commentary"],
    })
    words = []
    for row in table.itertuples(index=False):
        parts = []
        if row[5] != row[6]:
            parts.append(f"status {row[5]} → {row[6]}")
        if row[7] != row[8]:
            parts.append(f"rating {row[7]} → {row[8]}")
        if row[9] != row[10]:
            parts.append("passed its date" if row[10] == OVERDUE else "no longer past its date")
        words.append("; ".join(parts))
    table.insert(5, "Change", words)
    if changed_only:
        table = table[table["Change"] != ""]
    return table.reset_index(drop=True)
