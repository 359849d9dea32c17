"""Pure functions on DataFrames: the measures the pages show, tested without a database.

Delivery confidence uses the government's five-point scale; a commitment past its date (the
indicative one derived from its horizon, or one the GSE team set) and neither complete nor
closed is flagged whatever its rating. A continuing commitment has no date and is never past
it: it is judged by its latest update and rating. The words for all this are in timescales.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .vocabulary import RATINGS, quarter_ends

DONE = ("complete", "closed")
# Ratings as word and symbol, so nothing is told by colour alone: filled squares count the
# points on the five-point scale (Green = 5).
RATING_SYMBOLS = {rating: "■" * (5 - i) + "□" * i for i, rating in enumerate(RATINGS)}
STATUS_SYMBOLS = {"not started": "○", "in progress": "◐", "complete": "✓", "closed": "✕"}
NO_RATING = "Not rated"
# The change a commitment makes when its date (indicative or set) passes while it is open.
NEWLY_PAST_DATE = "Newly past its date"
# "Due" on a workstream page: falling due in about the next six months, i.e. by the Board
# after next, so the Board sees what is coming as well as what is late.
DUE_SOON_DAYS = 183
# How a gap to the Civil Service moved since the previous year (gap_trend's directions).
GAP_DIRECTIONS = ("closing", "widening", "unchanged", "no comparison")


def rating_label(rating: str | None) -> str:
    """A rating as symbol and word, e.g. '■■■□□ Amber'; 'Not rated' when there is none."""
    if not isinstance(rating, str) or rating not in RATING_SYMBOLS:
        return NO_RATING
    return f"{RATING_SYMBOLS[rating]} {rating}"


def status_label(status: str) -> str:
    """A status as symbol and words, e.g. '✓ complete'."""
    return f"{STATUS_SYMBOLS.get(status, '')} {status}".strip()


def rating_score(rating: str | None) -> float | None:
    """Green 5 down to Red 1, so ratings can be averaged and compared."""
    if not isinstance(rating, str) or rating not in RATINGS:
        return None
    return float(len(RATINGS) - RATINGS.index(rating))


def score_rating(score: float | None) -> str | None:
    """The rating nearest to an average SCORE (halves round towards caution)."""
    if score is None or pd.isna(score):
        return None
    points = int(score + 0.4999)  # 3.5 rounds down to Amber, not up to Amber/Green
    points = min(max(points, 1), len(RATINGS))
    return RATINGS[len(RATINGS) - points]


def past_date(status: pd.DataFrame, as_at: str) -> pd.Series:
    """True where a commitment is open and its date (indicative or set) is before AS_AT.

    A continuing commitment has no date and is never past it, whatever its status.
    """
    due = status["due_date"].where(status["due_date"].map(lambda d: isinstance(d, str) and d != ""), None)
    continuing = status["continuing"].fillna(0).astype(bool) if "continuing" in status else False
    return due.notna() & (due.fillna("9999-12-31") < as_at) & ~status["status"].isin(DONE) & ~continuing


def due_soon_by(as_at: str) -> str:
    """The last date on which an open commitment counts as due soon at AS_AT (DUE_SOON_DAYS later)."""
    return (dt.date.fromisoformat(as_at) + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()


def due_or_overdue(status: pd.DataFrame, as_at: str) -> pd.DataFrame:
    """Commitments past their date, or open and due within DUE_SOON_DAYS of AS_AT, soonest first.

    Dates are indicative (or set); a continuing commitment has none and is never chosen here.
    """
    horizon = due_soon_by(as_at)
    open_ = ~status["status"].isin(DONE)
    chosen = status[status["overdue"] | (open_ & (status["due_date"] <= horizon))]
    return chosen.sort_values(["due_date", "ref"]).reset_index(drop=True)


def rating_movement(now: str | None, before: str | None) -> str:
    """How a rating moved from BEFORE to NOW: improved, worsened, unchanged, newly rated or not rated."""
    if not isinstance(now, str):
        return "not rated"
    if not isinstance(before, str):
        return "newly rated"
    old, new = rating_score(before), rating_score(now)
    return "improved" if new > old else "worsened" if new < old else "unchanged"


def with_flags(status: pd.DataFrame, as_at: str) -> pd.DataFrame:
    """Add `overdue` (past its date: see past_date) and `effective_rating` (the Board's where given) to STATUS."""
    frame = status.copy()
    frame["overdue"] = past_date(frame, as_at)
    board = frame.get("board_rating")
    frame["effective_rating"] = board.fillna(frame["rating"]) if board is not None else frame["rating"]
    return frame


def attention_first(status: pd.DataFrame) -> pd.DataFrame:
    """STATUS (flagged by with_flags) with what most needs attention first.

    Commitments past their date, longest past first; then the other open ones, soonest due
    first (continuing ones, which have no date, after them); then those complete or closed.
    Ties keep the strategy's order (by reference).
    """
    rank = np.where(status["overdue"], 0, np.where(status["status"].isin(DONE), 2, 1))
    return (status.assign(_rank=rank).sort_values(["_rank", "due_date"], kind="stable")
            .drop(columns="_rank"))


def workstream_rating(status: pd.DataFrame) -> str | None:
    """A workstream's rating: the average of its open commitments' ratings, or of all if none open.

    Open means not complete or closed; the Board's rating is used where it has given one.
    """
    open_ = status[~status["status"].isin(DONE)]
    pool = open_ if not open_.empty else status
    scores = pool["effective_rating"].map(rating_score).dropna()
    return score_rating(scores.mean()) if not scores.empty else None


def _due_by(status: pd.DataFrame, as_at: str) -> pd.Series:
    """Planned to be complete by AS_AT: a date on or before it (a continuing commitment never is)."""
    return status["due_date"].map(lambda d: isinstance(d, str) and d != "" and d <= as_at)


def workstream_summary(status: pd.DataFrame, workstreams: pd.DataFrame, as_at: str) -> pd.DataFrame:
    """One row per workstream: rating, planned and actual share complete, overdue count."""
    flagged = with_flags(status, as_at)
    rows = []
    for ws in workstreams.itertuples():
        own = flagged[flagged["workstream"] == ws.number]
        total = len(own)
        rows.append({
            "number": ws.number,
            "name": ws.name,
            "commitments": total,
            "rating": workstream_rating(own) if total else None,
            "planned_share": 100 * _due_by(own, as_at).sum() / total if total else 0.0,
            "actual_share": 100 * (own["status"] == "complete").sum() / total if total else 0.0,
            "complete": int((own["status"] == "complete").sum()),
            "closed": int((own["status"] == "closed").sum()),
            "overdue": int(own["overdue"].sum()),
            "mean_percent": float(own["percent_complete"].mean()) if total else 0.0,
        })
    return pd.DataFrame(rows)


def headline(status: pd.DataFrame, as_at: str) -> dict:
    """Share of commitments complete against planned, and the overdue count, at AS_AT."""
    flagged = with_flags(status, as_at)
    total = len(flagged)
    return {
        "commitments": total,
        "complete": int((flagged["status"] == "complete").sum()),
        "closed": int((flagged["status"] == "closed").sum()),
        "actual_share": 100 * (flagged["status"] == "complete").sum() / total if total else 0.0,
        "planned_share": 100 * _due_by(flagged, as_at).sum() / total if total else 0.0,
        "overdue": int(flagged["overdue"].sum()),
    }


def changes_between(before: pd.DataFrame, after: pd.DataFrame, before_date: str,
                    after_date: str) -> pd.DataFrame:
    """What changed for each commitment between two as-at snapshots of commitment_status.

    One row per change: completions, closures, other status changes, rating changes and
    commitments newly past their date (indicative or set).
    """
    old = with_flags(before, before_date).set_index("ref")
    new = with_flags(after, after_date)
    # Plain lists, not iterrows: a scaled database has thousands of commitments.
    before_refs = set(old.index)
    new = new[[ref in before_refs for ref in new["ref"].tolist()]]
    then = old.loc[new["ref"]]
    rows = []
    bases = new["due_basis"].tolist() if "due_basis" in new else ["indicative"] * len(new)
    for ref, workstream, title, status, rating, overdue, due, basis, old_status, old_rating, old_overdue in zip(
            new["ref"].tolist(), new["workstream"].tolist(), new["title"].tolist(), new["status"].tolist(),
            new["effective_rating"].tolist(), new["overdue"].tolist(), new["due_date"].tolist(), bases,
            then["status"].tolist(), then["effective_rating"].tolist(), then["overdue"].tolist()):
        base = {"ref": ref, "workstream": workstream, "title": title}
        if status != old_status:
            kind = {"complete": "Completed", "closed": "Closed without completion"}.get(status, "Status changed")
            rows.append({**base, "change": kind, "from": old_status, "to": status})
        if isinstance(rating, str) and rating != old_rating and status not in DONE:
            old_score, new_score = rating_score(old_rating), rating_score(rating)
            direction = ("Rating changed" if old_score is None else
                         "Rating improved" if new_score > old_score else "Rating worsened")
            rows.append({**base, "change": direction,
                         "from": old_rating if isinstance(old_rating, str) else NO_RATING, "to": rating})
        if overdue and not old_overdue:
            rows.append({**base, "change": NEWLY_PAST_DATE, "from": f"{basis} date {due}", "to": status})
    order = ["Completed", "Closed without completion", NEWLY_PAST_DATE, "Rating worsened",
             "Rating improved", "Rating changed", "Status changed"]
    frame = pd.DataFrame(rows, columns=["ref", "workstream", "title", "change", "from", "to"])
    frame["_order"] = frame["change"].map(order.index)
    return frame.sort_values(["_order", "workstream", "ref"]).drop(columns="_order").reset_index(drop=True)


def timeline_dates(start: str, end: str) -> list[str]:
    """Quarter ends from START to END, with END itself last, for trajectory charts."""
    first = dt.date.fromisoformat(start)
    last = dt.date.fromisoformat(end)
    return [date.isoformat() for date in quarter_ends(first, last) if date < last] + [last.isoformat()]


def trajectory(commitments: pd.DataFrame, updates: pd.DataFrame, dates: list[str],
               as_at: str) -> pd.DataFrame:
    """Planned and actual delivery at each date, as known at AS_AT.

    planned: % of commitments due by the date (indicative or set; continuing ones never are);
    actual: % complete at the date (only for dates
    up to AS_AT); weighted: the mean percent complete, which credits work part done.
    COMMITMENTS needs ref and due_date; UPDATES needs ref, as_of, status, percent_complete.

    Each commitment's latest update by each date is found in one pass (a commitment by date
    grid carried forward), not by filtering the updates once per date.
    """
    total = len(commitments)
    # A continuing commitment has no date, so it is never planned to be complete.
    dated = commitments["due_date"][commitments["due_date"].map(lambda d: isinstance(d, str) and d != "")]
    due = np.sort(dated.to_numpy(dtype=str)) if total else np.array([], dtype=str)
    stops = np.array(dates, dtype=str)
    complete = weighted_sum = None
    if total and not updates.empty:
        frame = pd.DataFrame({"ref": updates["ref"].to_numpy(), "as_of": updates["as_of"].to_numpy(),
                              "complete": (updates["status"] == "complete").to_numpy(dtype=float),
                              "percent": updates["percent_complete"].to_numpy(dtype=float)})
        # The first date on or after each update: from there on it is that commitment's latest.
        frame["stop"] = np.searchsorted(stops, frame["as_of"].to_numpy(dtype=str), side="left")
        frame = frame[frame["stop"] < len(stops)].sort_values(["ref", "as_of"], kind="stable")
        frame = frame.drop_duplicates(["ref", "stop"], keep="last")
        grid = range(len(stops))
        complete = frame.pivot(index="stop", columns="ref", values="complete").reindex(grid).ffill().sum(axis=1)
        weighted_sum = frame.pivot(index="stop", columns="ref", values="percent").reindex(grid).ffill().sum(axis=1)
    rows = []
    for index, date in enumerate(dates):
        planned = 100 * int(np.searchsorted(due, date, side="right")) / total if total else 0.0
        actual = weighted = None
        if date <= as_at and total:
            actual = 100 * float(complete.iloc[index]) / total if complete is not None else 0.0
            weighted = float(weighted_sum.iloc[index]) / total if weighted_sum is not None else 0.0
        rows.append({"date": date, "planned": planned, "actual": actual, "weighted": weighted})
    return pd.DataFrame(rows)


def change_since(series: pd.DataFrame, as_at: str, since: str | None) -> tuple[float | None, float | None, str | None]:
    """The latest value at AS_AT, the change from the latest value at SINCE, and its period.

    SERIES needs period and value columns; a missing value gives None.
    """
    upto = series[series["period"] <= as_at]
    if upto.empty:
        return None, None, None
    latest = upto.iloc[-1]
    change = None
    if since:
        before = series[series["period"] <= since]
        if not before.empty:
            change = float(latest["value"] - before.iloc[-1]["value"])
    return float(latest["value"]), change, latest["period"]


# The one grade order (juniormost first): the grades of members' returns and the publisher's grouped levels
# (AA/AO, EO, SEO/HEO, G6/G7, SCS) in one sequence, so every page, table and chart lists grades alike.
GRADE_ORDER = ("AA/AO", "AA", "AO", "EO", "SEO/HEO", "HEO", "SEO", "G6/G7", "Grade 7", "Grade 6", "SCS", "Unknown")


def grade_sort_key(grade: str) -> tuple[int, str]:
    """Sort key putting known grades in seniority order and any others after, alphabetically."""
    return (GRADE_ORDER.index(grade), "") if grade in GRADE_ORDER else (len(GRADE_ORDER), grade)


def order_groups(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """FRAME sorted by COLUMN, in seniority order when COLUMN holds grades."""
    if column == "grade":
        return frame.sort_values(column, key=lambda s: s.map(grade_sort_key)).reset_index(drop=True)
    return frame.sort_values(column).reset_index(drop=True)


def benchmark_gaps(series: pd.DataFrame) -> pd.DataFrame:
    """GSE against the Civil Service per indicator and period: both shares and the gap in points.

    SERIES is queries.diversity_series. Only periods with both populations give a gap.
    """
    wide = series.pivot_table(index=["indicator", "period"], columns="population", values="value",
                              aggfunc="last").reset_index()
    for population in ("GSE", "Civil Service"):
        if population not in wide:
            wide[population] = float("nan")
    wide = wide.rename(columns={"GSE": "gse", "Civil Service": "civil_service"})
    wide["gap"] = wide["gse"] - wide["civil_service"]
    return wide[["indicator", "period", "gse", "civil_service", "gap"]]


def gap_trend(gaps: pd.DataFrame, indicator: str) -> dict:
    """For one indicator: the first and latest gap, the previous one, and whether it is closing.

    Closing means the gap's size is smaller at the latest period than at the previous one;
    a change of under 0.1 points counts as no change.
    """
    rows = gaps[(gaps["indicator"] == indicator)].dropna(subset=["gap"]).sort_values("period")
    if rows.empty:
        return {"latest": None, "first": None, "previous": None, "direction": "no comparison"}
    latest, first = rows.iloc[-1], rows.iloc[0]
    previous = rows.iloc[-2] if len(rows) > 1 else None
    direction = "no comparison"
    if previous is not None:
        change = abs(latest["gap"]) - abs(previous["gap"])
        direction = "closing" if change <= -0.1 else "widening" if change >= 0.1 else "unchanged"
    return {
        "latest": latest.to_dict(),
        "first": first.to_dict(),
        "previous": previous.to_dict() if previous is not None else None,
        "direction": direction,
    }


def gap_directions(definitions: pd.DataFrame, gaps: pd.DataFrame) -> dict[str, list[str]]:
    """Each direction of GAP_DIRECTIONS → the characteristics (names, in DEFINITIONS' order) whose gap moved so.

    DEFINITIONS has a code and a name per characteristic; GAPS is benchmark_gaps of their series.
    """
    directions: dict[str, list[str]] = {direction: [] for direction in GAP_DIRECTIONS}
    for row in definitions.itertuples():
        directions[gap_trend(gaps, row.code)["direction"]].append(row.name)
    return directions


def indicator_movements(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame],
                        names: dict[str, str]) -> pd.DataFrame:
    """Each indicator's latest figure as known at two dates, and the movement between them.

    BEFORE and AFTER map indicator codes to series (period, value) as known at each date.
    """
    rows = []
    for code, name in names.items():
        old, new = before.get(code), after.get(code)
        if new is None or new.empty:
            continue
        new_row = new.iloc[-1]
        old_row = old.iloc[-1] if old is not None and not old.empty else None
        rows.append({
            "indicator": name,
            "from_period": old_row["period"] if old_row is not None else None,
            "from": float(old_row["value"]) if old_row is not None else None,
            "to_period": new_row["period"],
            "to": float(new_row["value"]),
            "change": float(new_row["value"] - old_row["value"]) if old_row is not None else None,
        })
    return pd.DataFrame(rows, columns=["indicator", "from_period", "from", "to_period", "to", "change"])
