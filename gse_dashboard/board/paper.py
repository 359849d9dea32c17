"""What a Board paper says, from the figures: the exceptions, the workstreams' ratings as judged,
the key messages and what the Board is asked to do.

Pure functions on the DataFrames the as-at queries return (no database, no Streamlit), so the
Overview page and the Board pack show the same list from the same function.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ..strategy import metrics, timescales


def format_date(date: str) -> str:
    """A stored ISO date as people in government write it: 16 October 2019 (as tables.format_date does)."""
    day = dt.date.fromisoformat(date[:10])
    return f"{day.day} {day:%B %Y}"

# Ratings that put a commitment on the exceptions list whatever else is true.
POOR_RATINGS = ("Amber/Red", "Red")
# A commitment this long past its due date needs a decision (re-plan or close), not a nudge.
LONG_OVERDUE_DAYS = 365
# A workstream this many points behind plan is not Green, whatever its commitments' ratings say.
BEHIND_PLAN_POINTS = 10.0
# A workstream whose last Board rating is older than this is due for the Board's (annual) rating.
RATING_REVIEW_DAYS = 330
# The Board ratings shown beside each exception: the last four Boards'.
RATING_BOARDS = 4
# Words in commentary that say all is well; with an overdue date or a poor rating they contradict it.
RECKONS_ON_TRACK = re.compile(r"\b(on track|progressing to plan|to plan|on schedule|milestones met|"
                              r"ahead of plan|no issues|good progress)\b", re.IGNORECASE)
# Commentary may say all is well for a commitment this many days overdue (a quarter's grace).
OVERDUE_GRACE_DAYS = 91


def natural_key(text: str) -> tuple:
    """A sort key that puts WS3 before WS10 and S before M before L within a workstream's references."""
    parts = re.split(r"(\d+)", str(text))
    horizon = {"S": 0, "M": 1, "L": 2}
    return tuple(int(p) if p.isdigit() else horizon.get(p.strip("-"), p) for p in parts)


def ref_order(refs) -> list[str]:
    """REFS in natural order (WS3-S1, WS3-M2, WS10-S1)."""
    return sorted(refs, key=natural_key)


def days_overdue(due: str, as_at: str) -> int:
    """Whole days from DUE to AS_AT (0 if not yet due)."""
    return max((dt.date.fromisoformat(as_at) - dt.date.fromisoformat(due[:10])).days, 0)


def contradiction(commentary: str | None, rating: str | None, overdue: bool, due: str, as_at: str) -> str:
    """Why COMMENTARY contradicts the commitment's rating or lateness, or '' if it does not."""
    if not isinstance(commentary, str) or not RECKONS_ON_TRACK.search(commentary):
        return ""
    reasons = []
    late = days_overdue(due, as_at) if overdue and isinstance(due, str) else 0
    if late > OVERDUE_GRACE_DAYS:
        reasons.append(f"{_duration(late)} past its date")
    if rating in POOR_RATINGS:
        reasons.append(f"rated {rating}")
    if not reasons:
        return ""
    said = RECKONS_ON_TRACK.search(commentary).group(0)
    return f"The commentary says “{said}” but the commitment is {' and '.join(reasons)}."


def duration(days: int) -> str:
    """A length of time in words: '3 months', 'a year', '2 years'."""
    return _duration(days)


def _duration(days: int) -> str:
    if days >= 365:
        years = days / 365
        return "a year" if years < 1.5 else f"{years:.0f} years"
    months = max(round(days / 30.4), 1)
    return f"{months} month{'s' if months != 1 else ''}"


def exceptions(status: pd.DataFrame, before: pd.DataFrame | None, history: dict[str, pd.DataFrame],
               as_at: str) -> pd.DataFrame:
    """Every commitment needing the Board's attention: overdue, rated Amber/Red or Red, or worsened.

    STATUS is metrics.with_flags(commitment_status at AS_AT); BEFORE the same at the last Board (or
    None); HISTORY maps each of the last Boards' dates (newest first) to its commitment_status
    (flagged). One row per commitment, in natural order, with why it is listed and any
    contradiction between its commentary and its state.
    """
    previous = ({r.ref: (r.rating, r.board_rating) for r in before.itertuples(index=False)}
                if before is not None else {})
    boards = list(history)[:RATING_BOARDS]
    at_board = {date: dict(zip(frame["ref"], frame["effective_rating"])) for date, frame in history.items()}
    rows = []
    for row in status.itertuples(index=False):
        if row.status in metrics.DONE:
            continue
        reasons = []
        basis = getattr(row, "due_basis", None)
        if row.overdue:
            reasons.append(f"{timescales.past_date_text(basis)} by {_duration(days_overdue(row.due_date, as_at))}")
        if row.effective_rating in POOR_RATINGS:
            reasons.append(f"rated {row.effective_rating}")
        old = _like_for_like(row, previous.get(row.ref))
        new_score, old_score = metrics.rating_score(row.effective_rating), metrics.rating_score(old)
        if new_score is not None and old_score is not None and new_score < old_score:
            reasons.append(f"worsened from {old}")
        if not reasons:
            continue
        rows.append({
            "ref": row.ref,
            "workstream": int(row.workstream),
            "title": row.title,
            "owner": timescales.owner_text(row.owner, getattr(row, "owner_assigned_by", None),
                                           getattr(row, "owner_assigned_on", None)),
            "why": "; ".join(reasons),
            "owner_rating": row.rating if isinstance(row.rating, str) else None,
            "board_rating": row.board_rating if isinstance(row.board_rating, str) else None,
            "trend": " → ".join(metrics.rating_label(at_board[d].get(row.ref)).split(" ", 1)[-1]
                                for d in reversed(boards)) if boards else "",
            "due_date": row.due_date,
            "due_text": timescales.due_text(row.due_date, basis, getattr(row, "due_set_by", None),
                                            getattr(row, "due_set_on", None)),
            "forecast_date": getattr(row, "forecast_date", None) if isinstance(
                getattr(row, "forecast_date", None), str) else None,
            "commentary": row.commentary if isinstance(row.commentary, str) else "",
            "updated_as_of": row.updated_as_of if isinstance(row.updated_as_of, str) else None,
            "contradiction": contradiction(row.commentary, row.effective_rating, bool(row.overdue), row.due_date,
                                           as_at),
            "rating": row.effective_rating if isinstance(row.effective_rating, str) else None,
            "days_late": days_overdue(row.due_date, as_at) if row.overdue and isinstance(row.due_date, str) else 0,
        })
    columns = ["ref", "workstream", "title", "owner", "why", "owner_rating", "board_rating", "trend", "due_date",
               "due_text", "forecast_date", "commentary", "updated_as_of", "contradiction", "rating", "days_late"]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    return frame.iloc[sorted(range(len(frame)), key=lambda i: severity_key(frame.iloc[i]))].reset_index(drop=True)


def severity_key(row) -> tuple:
    """Most severe first: rated Red, then the longest past its date, then the worse rating, then natural order."""
    score = metrics.rating_score(row["rating"])
    return (row["rating"] != "Red", -int(row["days_late"]), score if score is not None else 6.0,
            natural_key(row["ref"]))


def _like_for_like(row, before: tuple | None) -> str | None:
    """The rating at the last Board of the same kind as ROW's now: the Board's if both have one, the owner's if
    neither has; None when the kinds differ, so no movement is read across an owner's and the Board's rating."""
    if before is None:
        return None
    owner_then, board_then = before
    board_now = row.board_rating if isinstance(row.board_rating, str) else None
    board_then = board_then if isinstance(board_then, str) else None
    if board_now and board_then:
        return board_then
    if not board_now and not board_then:
        return owner_then if isinstance(owner_then, str) else None
    return None


# Likelihood and impact as scores, multiplied for a risk's score (1 to 9); this score or more is a high risk.
RISK_POINTS = {"low": 1, "medium": 2, "high": 3}
HIGH_RISK_SCORE = 6


def risk_register(history: pd.DataFrame, previous: str | None) -> pd.DataFrame:
    """Open risks (and any closed at or since the PREVIOUS Board), scored likelihood × impact, highest first, each
    with what changed since the register that Board was sent (its states before the meeting: a review recorded at
    the meeting is a change). HISTORY is board_records.risk_history (every state, oldest first per ref)."""
    columns = ["ref", "workstream", "risk", "owner", "likelihood", "impact", "score", "mitigation", "status",
               "reviewed", "change"]
    if history is None or history.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for ref, states in history.sort_values(["ref", "as_of"]).groupby("ref", sort=False):
        now = states.iloc[-1]
        then = states[states["as_of"] < previous] if previous else states.iloc[0:0]
        if now["status"] != "open" and (previous is None or now["as_of"] < previous):
            continue
        score = RISK_POINTS[now["likelihood"]] * RISK_POINTS[now["impact"]]
        rows.append({"ref": ref, "workstream": int(now["workstream"]), "risk": now["risk"], "owner": now["owner"],
                     "likelihood": now["likelihood"], "impact": now["impact"], "score": score,
                     "mitigation": now["mitigation"], "status": now["status"], "reviewed": now["as_of"],
                     "change": _risk_change(then.iloc[-1] if not then.empty else None, now, previous)})
    frame = pd.DataFrame(rows, columns=columns)
    order = sorted(range(len(frame)), key=lambda i: (-frame["score"].iloc[i], natural_key(frame["ref"].iloc[i])))
    return frame.iloc[order].reset_index(drop=True)


def _risk_change(then, now, previous: str | None) -> str:
    """What changed in a risk since the last Board: new, closed, likelihood or impact up or down, or nothing."""
    if previous is None:
        return "No earlier Board"
    if then is None:
        return "New since the last Board"
    if now["status"] == "closed" and then["status"] != "closed":
        return "Closed since the last Board"
    changes = []
    for part in ("likelihood", "impact"):
        old, new = RISK_POINTS[then[part]], RISK_POINTS[now[part]]
        if new != old:
            changes.append(f"{part.capitalize()} {'up' if new > old else 'down'}: {then[part]} → {now[part]}")
    if not changes:
        return "No change"
    old_score = RISK_POINTS[then["likelihood"]] * RISK_POINTS[then["impact"]]
    new_score = RISK_POINTS[now["likelihood"]] * RISK_POINTS[now["impact"]]
    return "; ".join(changes) + f" (score {old_score} → {new_score})"


def overdue_actions(latest_actions: pd.DataFrame, as_at: str) -> pd.DataFrame:
    """Board actions still open or in progress past the date set, the longest past first."""
    if latest_actions is None or latest_actions.empty:
        return pd.DataFrame(columns=["ref", "action", "owner", "due_date", "status", "board_date", "as_of"])
    late = latest_actions[latest_actions["status"].isin(("open", "in progress"))
                          & (latest_actions["due_date"] < as_at)]
    return late.sort_values(["due_date", "ref"]).reset_index(drop=True)


def exception_table(frame: pd.DataFrame, boards: list[str]) -> pd.DataFrame:
    """EXCEPTIONS as people read them: one row each, dates written out, ratings as symbol and word."""
    trend_title = ("Board ratings, " + " → ".join(format_date(d) for d in reversed(boards[:RATING_BOARDS]))
                   if boards else "Board ratings at earlier Boards")
    return pd.DataFrame({
        "Ref": frame["ref"],
        "Commitment": frame["title"],
        "Owner": frame["owner"],
        "Why it is here": frame["why"],
        timescales.UPDATE_RATING_HEADING: frame["owner_rating"].map(metrics.rating_label),
        "Board's rating": frame["board_rating"].map(metrics.rating_label),
        trend_title: frame["trend"],
        "Date": frame["due_text"],
        "Forecast": frame["forecast_date"].map(lambda d: format_date(d) if isinstance(d, str) else "Not given"),
        "Latest commentary": [
            (f"{format_date(u)}: {c}" if isinstance(u, str) else c) + (f" ⚠ {x}" if x else "")
            for c, u, x in zip(frame["commentary"], frame["updated_as_of"], frame["contradiction"])],
    })


# -- workstream ratings: the Board's judgement and the computed average, side by side, never mixed ---------

# Words in a Green rating's rationale that show the Board weighed the workstream being behind plan.
EXPLAINS_BEHIND = re.compile(r"\b(behind|plan|late|slipp|re-?plan|catch(?:ing)? up|recover)", re.IGNORECASE)


def judged_ratings(summary: pd.DataFrame, recorded: pd.DataFrame, previous: str | None,
                   summary_before: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each workstream's two ratings, kept apart: the Board's latest judgement and its commitments' average.

    SUMMARY is metrics.workstream_summary now, SUMMARY_BEFORE the same at the PREVIOUS Board (or
    None); RECORDED board_records.workstream_ratings (newest Board first). A judgement is compared
    only with the judgement before it, and an average only with the average at the previous Board,
    so no movement is ever read across the two. A Green judgement for a workstream more than
    BEHIND_PLAN_POINTS behind plan is flagged unless its rationale says why.
    """
    averages_before = (dict(zip(summary_before["number"], summary_before["rating"]))
                       if summary_before is not None else {})
    rows = []
    for ws in summary.itertuples(index=False):
        own = recorded[recorded["workstream"] == ws.number] if not recorded.empty else recorded
        latest = own.iloc[0] if not own.empty else None
        prior = own.iloc[1] if len(own) > 1 else None
        behind = float(ws.planned_share - ws.actual_share)
        caveats = []
        if behind >= 0.5:
            caveats.append(f"{behind:.0f} points behind plan")
        if ws.closed:
            caveats.append(f"{ws.closed} closed without completion")
        rating = latest["rating"] if latest is not None else None
        rationale = latest["rationale"] if latest is not None else ""
        unexplained = (rating == "Green" and behind > BEHIND_PLAN_POINTS
                       and not EXPLAINS_BEHIND.search(rationale or ""))
        rows.append({
            "number": ws.number,
            "name": ws.name,
            "judged": latest is not None,
            "rating": rating,
            "judged_on": latest["board_date"] if latest is not None else None,
            "rater": latest["recorded_by"] if latest is not None else None,
            "rationale": rationale,
            "prior_rating": prior["rating"] if prior is not None else None,
            "prior_on": prior["board_date"] if prior is not None else None,
            "average": ws.rating,
            "average_before": averages_before.get(ws.number),
            "behind": behind,
            "green_unexplained": bool(unexplained),
            "caveats": join_words(caveats),
            "complete": int(ws.complete),
            "closed": int(ws.closed),
            "commitments": int(ws.commitments),
        })
    return pd.DataFrame(rows)


# What the computed average is, wherever it is shown beside the Board's rating.
AVERAGE_HELP = ("Computed, not judged: the average of the workstream's open commitments' ratings (the Board's where "
                "given), rounding halves towards caution. It can read Green while a workstream is behind plan.")


def rating_words(row) -> str:
    """The Board's judgement as the paper writes it: '■■■□□ Amber (Board of 17 October 2018)', or that there is none."""
    if not row["judged"]:
        return "No Board rating recorded"
    return f"{metrics.rating_label(row['rating'])} (Board of {format_date(row['judged_on'])})"


def average_words(row) -> str:
    """The commitments' computed average as the paper writes it: '■■■□□ Amber', with its caveats."""
    label = metrics.rating_label(row["average"])
    return f"{label}, although {row['caveats']}" if row["average"] == "Green" and row["caveats"] else label


def judgement_movement(row, previous: str | None) -> str:
    """How the Board's judgement moved, compared only with its previous judgement."""
    if not row["judged"]:
        return "No Board rating"
    if previous is None or row["judged_on"] < previous:
        return f"No new Board rating since {format_date(row['judged_on'])}"
    if not isinstance(row["prior_rating"], str):
        return "First Board rating"
    movement = metrics.rating_movement(row["rating"], row["prior_rating"])
    since = f"the Board of {format_date(row['prior_on'])}"
    return (f"Unchanged since {since}" if movement == "unchanged"
            else f"{movement.capitalize()} from {metrics.rating_label(row['prior_rating'])} ({since})")


def average_movement(row, previous: str | None) -> str:
    """How the computed average moved since the last Board, compared only with the average then."""
    if previous is None:
        return "No earlier Board"
    movement = metrics.rating_movement(row["average"], row["average_before"])
    if movement in ("not rated", "newly rated"):
        return movement.capitalize()
    if movement == "unchanged":
        return "Unchanged"
    return f"{movement.capitalize()} from {metrics.rating_label(row['average_before'])}"


# -- key messages and what the Board is asked to do ------------------------------------------------

def key_messages(*, headline: dict, headline_before: dict | None, changes: pd.DataFrame | None,
                 summary: pd.DataFrame, exceptions_frame: pd.DataFrame, people: list[str],
                 previous: str | None) -> list[str]:
    """Three to five messages from the figures: what moved, what is furthest behind, what the people say."""
    messages = []
    if previous is not None and changes is not None:
        counts = changes["change"].value_counts() if not changes.empty else pd.Series(dtype=int)
        moved = [plural(int(counts[k]), one, many) for k, one, many in (
            ("Completed", "commitment completed", "commitments completed"),
            ("Closed without completion", "closed without completion", "closed without completion"),
            ("Newly overdue", "commitment newly overdue", "commitments newly overdue"),
            ("Rating worsened", "rating worsened", "ratings worsened"),
            ("Rating improved", "rating improved", "ratings improved")) if k in counts]
        if moved:
            messages.append(f"Since the Board of {format_date(previous)}: {join_words(moved)}.")
        else:
            messages.append(f"Nothing moved since the Board of {format_date(previous)}: no commitment completed, "
                            "closed, became overdue or changed rating.")
    gap = summary.assign(behind=summary["planned_share"] - summary["actual_share"])
    behind = gap[gap["behind"] >= 0.5].sort_values(["behind", "number"], ascending=[False, True])
    text = (f"{headline['actual_share']:.0f}% of the {headline['commitments']} commitments are complete against "
            f"{headline['planned_share']:.0f}% due, and {headline.get('closed', 0)} were closed without completion")
    if headline_before is not None:
        moved = _signed(headline["actual_share"] - headline_before["actual_share"])
        text += f" ({moved}{'' if moved == 'no change' else ' points'} since the last Board)"
    messages.append(text + ".")
    if not behind.empty:
        worst = behind.iloc[0]
        messages.append(f"{len(behind)} of {len(summary)} workstreams are behind plan; {worst['number']}. "
                        f"{worst['name']} is furthest behind, {worst['behind']:.0f} points "
                        f"({worst['actual_share']:.0f}% complete against {worst['planned_share']:.0f}% due).")
    if not exceptions_frame.empty:
        late = int(exceptions_frame["why"].str.contains("past its").sum())
        poor = int(exceptions_frame["why"].str.contains("rated").sum())
        messages.append(f"{plural(len(exceptions_frame), 'commitment needs', 'commitments need')} the Board's "
                        f"attention: {timescales.past_date_count_text(late)}, {poor} rated Amber/Red or Red; "
                        "the exceptions list follows.")
    messages.extend(people[:max(0, 5 - len(messages))])
    return messages[:5]


def board_asks(*, status: pd.DataFrame, judged: pd.DataFrame, exceptions_frame: pd.DataFrame,
               actions: pd.DataFrame, meeting: str | None, as_at: str, widening: list[str]) -> list[str]:
    """What the Board is asked to note, agree and decide: every item, in natural order, nothing cut."""
    asks = []
    review_by = (dt.date.fromisoformat(as_at) - dt.timedelta(days=RATING_REVIEW_DAYS)).isoformat()
    unjudged = judged[~judged["judged"] | (judged["judged_on"].fillna("") < review_by)]
    if not unjudged.empty:
        names = [f"{r.number}. {r.name}" for r in unjudged.sort_values("number").itertuples()]
        names = [f"all {len(names)} workstreams"] if len(names) == len(judged) > 2 else names
        asks.append(f"Agree a delivery confidence rating, with its rationale, for {join_words(names)}: the Board "
                    "has not rated them in the last year (their computed averages are shown for reference, not as "
                    "a rating).")
    unexplained = judged[judged["green_unexplained"]]
    if not unexplained.empty:
        names = [f"{r.number}. {r.name}" for r in unexplained.sort_values("number").itertuples()]
        asks.append(f"Confirm or change the Green rating of {join_words(names)}: more than {BEHIND_PLAN_POINTS:.0f} "
                    "points behind plan, and the rationale does not say why it is Green.")
    cutoff = (dt.date.fromisoformat(as_at) - dt.timedelta(days=LONG_OVERDUE_DAYS)).isoformat()
    stale = status[status["overdue"] & (status["due_date"].fillna("9999") < cutoff)]
    if not stale.empty:
        refs = ref_order(stale["ref"])
        asks.append(f"Decide whether to re-plan or close the {plural(len(refs), 'commitment')} more than a year "
                    f"past their date (indicative unless set): {join_words(refs)}.")
    asked = set(stale["ref"])  # each commitment is in one ask only, the first that fits it
    red = exceptions_frame[exceptions_frame["why"].str.contains("rated Red")] if not exceptions_frame.empty else \
        exceptions_frame
    red = red[~red["ref"].isin(asked)] if not red.empty else red
    if not red.empty:
        asks.append(f"Agree recovery plans for the commitments rated Red: {join_words(ref_order(red['ref']))}.")
        asked |= set(red["ref"])
    contradicted = exceptions_frame[exceptions_frame["contradiction"] != ""] if not exceptions_frame.empty else \
        exceptions_frame
    contradicted = contradicted[~contradicted["ref"].isin(asked)] if not contradicted.empty else contradicted
    if not contradicted.empty:
        asks.append("Ask the owners of " + join_words(ref_order(contradicted["ref"])) + " for commentary that matches "
                    "their rating and due date: it says they are on track when they are not.")
    if not actions.empty:
        late = actions[actions["status"].isin(("open", "in progress")) & (actions["due_date"] < as_at)]
        if not late.empty:
            asks.append(f"Review the {plural(len(late), 'Board action', 'Board actions')} open past the date set: "
                        f"{join_words(ref_order(late['ref']))}.")
    if widening:
        asks.append(f"Note that the gap with the Civil Service widened in the latest year for {join_words(widening)}.")
    if not asks:
        asks.append("Note the report: no decision is needed on the figures alone.")
    return asks


def _points(value: float) -> str:
    return f"{value:+.1f}".replace("-", "−")


def gap_story(name: str, trend: dict) -> str | None:
    """One sentence giving both directions of a gap when the latest year's and the since-the-first-year's differ
    ('widened from 2021 to 2022 ... but has narrowed since 2015 ...'); None when they agree or cannot be compared.
    TREND is metrics.gap_trend's."""
    latest, previous, first = trend["latest"], trend["previous"], trend["first"]
    if trend["direction"] not in ("closing", "widening") or previous is None or first["period"] == previous["period"]:
        return None
    change = abs(latest["gap"]) - abs(first["gap"])
    since = "narrowed" if change <= -0.1 else "widened" if change >= 0.1 else "not changed"
    recent = "widened" if trend["direction"] == "widening" else "narrowed"
    if since == recent:
        return None
    return (f"For {name} the gap with the Civil Service {recent} from {previous['period'][:4]} to "
            f"{latest['period'][:4]} ({_points(previous['gap'])} to {_points(latest['gap'])} points) but has {since} "
            f"since {first['period'][:4]} ({_points(first['gap'])} points then).")


def change_count_words(kind: str, count: int) -> str:
    """'7 ratings worsened', '1 rating worsened', '2 completed': a count of one kind of change."""
    word = kind.lower()
    if count != 1 and word.startswith(("rating ", "status ")):
        first, rest = word.split(" ", 1)
        word = f"{first}s {rest}"
    return f"{count} {word}"


def signed_change(value: float | None) -> str:
    """A change as the pack writes it: '+121', '−68', 'no change'; blank when there is nothing to compare."""
    if value is None or pd.isna(value):
        return ""
    if round(value) == 0 and abs(value) < 0.05:
        return "no change"
    text = f"{value:+,.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:+,.1f}"
    return text.replace("-", "−")


def plural(count: int, singular: str, plural: str | None = None) -> str:
    """COUNT with the word for one or for many: '1 commitment', '3 commitments'."""
    if plural is None:
        words = singular.split(" ", 1)
        plural = words[0] + "s" + (" " + words[1] if len(words) > 1 else "")
    return f"{count} {singular if count == 1 else plural}"


def _signed(value: float) -> str:
    return "no change" if round(value) == 0 else f"{value:+,.0f}".replace("-", "−")


def join_words(words: list[str]) -> str:
    """WORDS as a list in prose: 'a', 'a and b', 'a, b and c'."""
    words = list(words)
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
