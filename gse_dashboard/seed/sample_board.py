"""The illustrative Board records: workstream ratings with a rationale, an action log and risk registers.

Made from the illustrative progress history already in the database, deterministically, so the
Board's judgements agree with the figures they judge. Like the rest of the illustrative history,
every row is marked illustrative and none of it is real; each rationale also says so in its words.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from ..storage import queries
from ..strategy import timescales
from ..strategy.vocabulary import RATINGS, RISK_LEVELS
from .illustrative import RECORDER, board_meeting_dates, rng_for

# The Board judges every workstream's delivery confidence at its October meeting (the annual review).
RATING_MONTH = 10
# Actions are set at Boards from this date, and the log stops with the history.
ACTIONS_FROM = dt.date(2017, 1, 1)
ACTION_TEMPLATES = (
    ("Bring a recovery plan for {ref} to the next Board", "Workstream {ws} lead"),
    ("Confirm funding for {ref} with the departments concerned", "GSE team"),
    ("Report on the evaluation of {ref}", "Workstream {ws} lead"),
    ("Propose whether {ref} should be re-planned or closed", "GSE team"),
)
# Illustrative risks: (text, owner, mitigation), each its own, as a real register's would be.
RISKS = (  # the first ten in workstream order: each workstream's own risk
    ("Senior sponsors lose interest once the launch is past", "Head of the GSE Profession",
     "Sponsors report in turn at each Board; the GCSA writes to any who miss two Boards."),
    ("Funding for the programme is not agreed in the spending round", "GSE team",
     "Bid prepared with the Government Office for Science finance team; a scaled-back plan is ready."),
    ("Departments cannot release staff time for profession activity", "Heads of Profession",
     "Agree a day a year of profession time in each department's people plan; report take-up to the Board."),
    ("The learning platform changes and course records are lost", "Capability lead",
     "Export of course records each quarter; migration plan checked with the platform's supplier."),
    ("Key people leave and what they know is lost", "Workstream lead",
     "Deputies named for each workstream; handover notes kept with the workstream's papers."),
    ("Secondment hosts withdraw when budgets tighten", "Interchange lead",
     "Memoranda of understanding with three standing hosts; costs shared with the home department."),
    ("Diversity data is too sparse to publish without disclosure", "Diversity lead",
     "Declaration campaign with departments; figures grouped where small numbers would show."),
    ("Too few mentors volunteer for the demand", "Mentoring lead",
     "Mentoring counted in objectives for Grade 6 and above; a mentors' network launched to keep them."),
    ("Events clash with departments' own, and attendance falls", "Networking lead",
     "One shared calendar with departmental networks; dates fixed a quarter ahead."),
    ("Volunteers for schools and careers events cannot be released", "Outreach lead",
     "Outreach counted as development time; a pool of volunteers shared across departments."),
    ("Departments send membership data late or incomplete", "GSE team",
     "Quarterly return deadline agreed with analysts in each department; missing returns chased at week two."),
)


def _stamp(day: str, hour: int) -> str:
    return f"{day}T{hour:02d}:00:00"


DONE = ("complete", "closed")


def _flagged(status, day: str):
    """STATUS with `overdue` (past its date, open), as metrics.with_flags adds it; the store layer cannot import
    metrics, so the two lines are repeated here."""
    return status.assign(overdue=(status["due_date"].fillna("9999-12-31") < day) & ~status["status"].isin(DONE))


def _summary(status, workstreams, day: str):
    """Per workstream what the Board's judgement rests on: the commitments' average rating (halves towards
    caution, as metrics.workstream_rating), planned and actual shares, complete, closed and past-date counts."""
    flagged = _flagged(status, day)
    rows = []
    for ws in workstreams.itertuples():
        own = flagged[flagged["workstream"] == ws.number]
        total = len(own) or 1
        open_ = own[~own["status"].isin(DONE)]
        pool = open_ if not open_.empty else own
        effective = pool["board_rating"].fillna(pool["rating"])
        scores = [len(RATINGS) - RATINGS.index(r) for r in effective if isinstance(r, str) and r in RATINGS]
        rating = None
        if scores:
            points = min(max(int(sum(scores) / len(scores) + 0.4999), 1), len(RATINGS))
            rating = RATINGS[len(RATINGS) - points]
        rows.append(type("Row", (), {
            "number": ws.number, "rating": rating, "commitments": len(own),
            "planned_share": 100 * (own["due_date"].fillna("9999-12-31") <= day).sum() / total,
            "actual_share": 100 * (own["status"] == "complete").sum() / total,
            "complete": int((own["status"] == "complete").sum()), "closed": int((own["status"] == "closed").sum()),
            "overdue": int(own["overdue"].sum())})())
    return rows


# How an illustrative Board might word its reasons: several phrasings, so no two rationales read alike.
BEHIND_WORDS = (
    "Delivery has slipped: {done} against {due}% due, {behind:.0f} points behind plan",
    "The Board is not confident the rest will land without re-planning; {behind:.0f} points behind plan ({done})",
    "{behind:.0f} points behind plan; the owners' updates do not yet show how it will catch up ({done})",
)
CLOSED_WORDS = (
    "{closed} closed without completion, which the Board counts against it",
    "work closed unfinished ({closed}) means some of the aspiration will not be met",
)
ON_PLAN_WORDS = (
    "Broadly to plan: {done} against {due}% due; evidence seen for the completed items",
    "{done} against {due}% due; the owners' forecasts are credible and the Board agrees their ratings",
    "On plan ({done}); the Board sees no reason to depart from its commitments' average",
)


def _judgement(summary_row, before_rating: str | None, rng) -> tuple[str, str]:
    """The Board's rating of one workstream and its rationale, from the figures: one notch more cautious than
    the commitments' average when behind plan by ten points or more, or when work was closed unfinished.
    The rationale is worded in one of several ways (RNG) and says it is illustrative."""
    computed = summary_row.rating or "Amber"
    behind = summary_row.planned_share - summary_row.actual_share
    rating = computed
    facts = {"done": f"{summary_row.complete} of {summary_row.commitments} complete",
             "due": f"{summary_row.planned_share:.0f}", "behind": behind, "closed": summary_row.closed}
    if behind >= 10 or summary_row.closed:
        rating = RATINGS[min(RATINGS.index(computed) + 1, len(RATINGS) - 1)]
        reasons = [rng.choice(BEHIND_WORDS if behind >= 10 else ON_PLAN_WORDS).format(**facts)]
        if summary_row.closed:
            reasons.append(rng.choice(CLOSED_WORDS).format(**facts))
        reasons.append(f"rated below its commitments' average ({computed})")
    else:
        reasons = [rng.choice(ON_PLAN_WORDS).format(**facts)]
    if summary_row.overdue:
        reasons.append(timescales.past_date_count_text(int(summary_row.overdue)))
    if before_rating and before_rating != rating:
        reasons.append(f"{'down' if RATINGS.index(rating) > RATINGS.index(before_rating) else 'up'} from "
                       f"{before_rating} a year ago")
    return rating, "Illustrative: " + "; ".join(reasons) + "."


def board_rows(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Ratings, actions and risks for the illustrative history, from the progress already loaded."""
    conn = db.conn
    workstreams = queries.workstreams(conn)
    meetings = board_meeting_dates()
    ratings, actions, risks = [], [], []
    last: dict[int, str] = {}
    for meeting in meetings:
        day = meeting.isoformat()
        if meeting.month != RATING_MONTH:
            continue
        status = queries.commitment_status(conn, day, brief=True)
        for row in _summary(status, workstreams, day):
            rating, rationale = _judgement(row, last.get(row.number), rng_for("rating", int(row.number), day))
            last[row.number] = rating
            ratings.append({"workstream": int(row.number), "board_date": day, "rating": rating,
                            "rationale": rationale, "recorded_at": _stamp(day, 17), "recorded_by": RECORDER,
                            "illustrative": 1})
    number, year = 0, None
    for index, meeting in enumerate(meetings):
        if meeting < ACTIONS_FROM:
            continue
        if meeting.year != year:  # numbered afresh each year: A2019-001
            number, year = 0, meeting.year
        day = meeting.isoformat()
        status = _flagged(queries.commitment_status(conn, day, brief=True), day)
        late = status[status["overdue"]].sort_values(["due_date", "ref"])
        rng = rng_for("actions", day)
        for ref in late["ref"].head(rng.randint(1, 2)):
            number += 1
            template, owner = ACTION_TEMPLATES[rng.randrange(len(ACTION_TEMPLATES))]
            ws = int(late.loc[late["ref"] == ref, "workstream"].iloc[0])
            later = meetings[index + 1:index + 4]
            if not later:
                continue
            due = later[0].isoformat()
            base = {"ref": f"A{meeting.year}-{number:03d}", "board_date": day, "workstream": ws,
                    "action": template.format(ref=ref, ws=ws), "owner": owner.format(ws=ws), "due_date": due,
                    "note": "", "recorded_by": RECORDER, "illustrative": 1}
            roll = rng.random()
            ends = ("done", 1) if roll < 0.6 else ("done", 2) if roll < 0.8 else ("dropped", 1) if roll < 0.9 \
                else ("open", 3)
            actions.append({**base, "as_of": day, "status": "open", "recorded_at": _stamp(day, 18)})
            final, at = ends
            for step, when in enumerate(later[:at], start=1):
                state = final if step == at else "in progress"
                if state == "open":
                    continue
                actions.append({**base, "as_of": when.isoformat(), "status": state,
                                "recorded_at": _stamp(when.isoformat(), 18)})
    first = next((m for m in meetings if m >= ACTIONS_FROM), None)
    for ws in workstreams["number"]:
        rng = rng_for("risks", int(ws))
        # The workstream's own risk first (as numbered), then one shared with others.
        own = (int(ws) - 1) % len(RISKS)
        others = [i for i in range(len(RISKS)) if i != own]
        for seq, choice in enumerate([own, rng.choice(others)], start=1):
            if first is None:
                break
            text, owner, mitigation = RISKS[choice]
            base = {"ref": f"R{int(ws)}-{seq}", "workstream": int(ws), "risk": text,
                    "owner": owner.replace("Workstream lead", f"Workstream {int(ws)} lead"),
                    "recorded_by": RECORDER, "illustrative": 1}
            likelihood = rng.choice(RISK_LEVELS)
            impact = rng.choice(RISK_LEVELS[1:])
            raised = meetings.index(first) + rng.randint(0, 3)
            closed_at = raised + rng.randint(4, 12) if rng.random() < 0.4 else None
            for step, meeting in enumerate(meetings[raised:], start=0):  # reviewed at every Board
                day = meeting.isoformat()
                state = "closed" if closed_at is not None and meetings.index(meeting) >= closed_at else "open"
                if step and rng.random() < 0.2:  # a review moves the likelihood a step, either way
                    index = RISK_LEVELS.index(likelihood) + rng.choice((-1, 1))
                    likelihood = RISK_LEVELS[min(max(index, 0), len(RISK_LEVELS) - 1)]
                risks.append({**base, "as_of": day, "likelihood": likelihood, "impact": impact,
                              "mitigation": mitigation if state == "open" else "Closed: the risk no longer applies.",
                              "status": state, "recorded_at": _stamp(day, 18)})
                if state == "closed":
                    break
    return {"workstream_ratings": ratings, "board_actions": actions, "risks": risks}


def load_board_records(db: sqlite_utils.Database) -> dict[str, int]:
    """Write the illustrative Board records into DB; return how many of each."""
    rows = board_rows(db)
    for table, records in rows.items():
        if records:
            db[table].insert_all(records, batch_size=2000)
    return {table: len(records) for table, records in rows.items()}
