"""A deterministic, illustrative delivery history so a new user sees a living dashboard.

Nothing here is a real figure: every row it writes has illustrative = 1, and every page that
shows such rows says so. It covers only what no published figure covers: progress on the
commitments, registered members after 2016 (with their joiners and leavers), the workstream
indicators and Board meetings. Diversity, and civil servants in the profession's posts, come
from the published Civil Service Statistics (the official_statistics package), never from here.
Each series draws from its own seeded random generator, so the history of one commitment
does not change when another is added to the strategy files.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

import sqlite_utils

from ..storage.migrations import MARK_COMPLETE_FROM_CELLS
from ..storage.store import ALL
from ..strategy.vocabulary import DUE_DATES, LAUNCH, RATINGS, quarter_ends
from .illustrative import HISTORY_END, RECORDER, board_meeting_dates, rng_for
from .sample_board import load_board_records

# The illustrative history runs from the launch to the last quarter before the data ends.
HISTORY_START = dt.date(2016, 10, 31)
SAMPLE_SOURCE = "Illustrative data generated for the dashboard (not real figures)"

# Illustrative organisation of the profession; weights are relative sizes.
DEPARTMENTS = {
    "Ministry of Defence": 14,
    "Defence Science and Technology Laboratory": 16,
    "Department for Environment, Food & Rural Affairs": 7,
    "Animal and Plant Health Agency": 6,
    "Centre for Environment, Fisheries and Aquaculture Science": 3,
    "Department of Health": 3,
    "Public Health England": 12,
    "Food Standards Agency": 2,
    "Health and Safety Executive": 6,
    "Met Office": 9,
    "Department for Transport": 4,
    "Department for Business, Energy & Industrial Strategy": 6,
    "Home Office": 5,
    "Government Office for Science": 1,
    "Ministry of Justice": 1,
    "Other departments": 5,
}
# Departments renamed or replaced during the history, with the day the new body took over, so an
# illustrative count at a date names a body that existed then (no "Public Health England" in 2026).
RENAMED = {
    "Department of Health": (dt.date(2018, 1, 9), "Department of Health and Social Care"),
    "Public Health England": (dt.date(2021, 10, 1), "UK Health Security Agency"),
    "Department for Business, Energy & Industrial Strategy": (
        dt.date(2023, 2, 7), "Department for Science, Innovation and Technology"),
}


def department_at(name: str, period: dt.date) -> str:
    """The department's name at PERIOD: the body that held the work then (RENAMED), else NAME."""
    renamed = RENAMED.get(name)
    return renamed[1] if renamed and period >= renamed[0] else name


# Grades with their share of the profession at launch (SCS from the strategy: 235 of 10,000).
GRADES = {
    "AA/AO": 4.0, "EO": 14.0, "HEO": 22.0, "SEO": 24.0, "Grade 7": 24.0, "Grade 6": 9.65,
    "SCS": 2.35,
}
ROLE_TYPES = ("Deep specialist", "Specialist", "Policy", "Generalist")
# Role mix by grade: senior grades hold more policy and generalist roles.
ROLE_MIX = {
    "junior": (0.30, 0.55, 0.05, 0.10),
    "middle": (0.35, 0.40, 0.13, 0.12),
    "senior": (0.25, 0.20, 0.30, 0.25),
}
GRADE_BAND = {
    "AA/AO": "junior", "EO": "junior", "HEO": "middle", "SEO": "middle", "Grade 7": "middle",
    "Grade 6": "senior", "SCS": "senior",
}

# Illustrative targets for the end of the five years (September 2021) and the workstream
# indicators' paths: (value at launch, value in 2021, value in 2026).
MEMBERSHIP_TARGET_2021 = 15000
WORKSTREAM_PATHS = {
    "champions": (40, 420, 520),
    "mentoring_pairs": (0, 260, 340),
    "chartered_members": (1500, 2600, 3200),
}
WORKSTREAM_TARGETS_2021 = {
    "champions": 500, "mentoring_pairs": 300, "chartered_members": 3000,
    "secondments": 30, "fast_stream_intake": 120, "members": MEMBERSHIP_TARGET_2021,
}

COMMENTARY = {
    "not started": [
        "Not yet started; waiting for the lead to be confirmed.",
        "Scoping has not begun; planned to start next quarter.",
    ],
    "early": [
        "Work has started; scoping with the Heads of Profession.",
        "Project board formed and plan agreed.",
        "Initial engagement with departments under way.",
    ],
    "on track": [
        "Progressing to plan.",
        "Good progress this quarter; milestones met.",
        "On track; draft shared with the Profession Board.",
    ],
    "slipping": [
        "Behind plan: competing priorities in the GSE team.",
        "Delayed while funding is agreed with departments.",
        "Slipped a quarter; recovery plan agreed.",
        "Resourcing gap has slowed delivery.",
    ],
    "complete": [
        "Delivered and handed over to business as usual.",
        "Complete; evaluation to follow.",
    ],
    "closed": [
        "Closed without completion: superseded by wider Civil Service work.",
        "Closed: the Board agreed to stop this work.",
    ],
}


def _stamp(date: dt.date, hour: int = 12) -> str:
    return f"{date.isoformat()}T{hour:02d}:00:00"


def _record(date: dt.date, rng: random.Random) -> str:
    """When an illustrative figure for DATE was recorded: one to twelve days later."""
    return _stamp(date + dt.timedelta(days=rng.randint(1, 12)), rng.randint(9, 17))


# -- commitments -----------------------------------------------------------------------------

def _shift_rating(rating: str, steps: int) -> str:
    index = min(max(RATINGS.index(rating) + steps, 0), len(RATINGS) - 1)
    return RATINGS[index]


def _plan(ref: str, horizon: str, due: dt.date) -> dict:
    """Decide one commitment's illustrative story: when it starts, how it ends and when."""
    rng = rng_for("plan", ref)
    roll = rng.random()
    start_quarters = {"short": (0, 1), "medium": (0, 3), "long": (1, 10)}[horizon]
    start = HISTORY_START + dt.timedelta(days=91 * rng.randint(*start_quarters))
    if horizon == "short":
        outcome, slip = (("on time", 0) if roll < 0.68 else ("late", rng.randint(1, 4))
                         if roll < 0.90 else ("closed", 0) if roll < 0.96 else ("late", rng.randint(5, 9)))
    elif horizon == "medium":
        outcome, slip = (("on time", 0) if roll < 0.66 else ("late", rng.randint(1, 6))
                         if roll < 0.88 else ("closed", 0) if roll < 0.94 else ("open", 0))
    else:
        outcome, slip = (("on time", 0) if roll < 0.50 else ("late", rng.randint(1, 10))
                         if roll < 0.85 else ("closed", 0) if roll < 0.92 else ("open", 0))
    if outcome == "on time":
        finish = due - dt.timedelta(days=rng.randint(0, 200 if horizon != "short" else 150))
        finish = max(finish, start + dt.timedelta(days=120))
    elif outcome == "late":
        finish = due + dt.timedelta(days=91 * slip - rng.randint(0, 60))
    elif outcome == "closed":
        finish = start + dt.timedelta(days=rng.randint(250, 900))
    else:
        finish = HISTORY_END + dt.timedelta(days=365)
    return {"start": start, "finish": finish, "outcome": outcome, "rng": rng}


def commitment_updates(ref: str, horizon: str, due: dt.date | None,
                        dates: list[dt.date] | None = None) -> Iterator[dict]:
    """The quarterly (or DATES') updates of one commitment, from launch until it completes or closes.

    A continuing commitment (DUE None) carries on: in progress for as long as the history runs.
    """
    plan = _plan(ref, horizon, due or dt.date.fromisoformat(DUE_DATES[horizon]))
    rng, start, finish, outcome = plan["rng"], plan["start"], plan["finish"], plan["outcome"]
    if due is None:
        outcome, finish = "continuing", HISTORY_END + dt.timedelta(days=365)
    span = max((finish - start).days, 1)
    reached = 0.0 if outcome != "closed" else rng.uniform(30, 70)
    rating = "Green" if outcome == "on time" else rng.choice(["Green", "Amber/Green"])
    dates = dates or [HISTORY_START, *quarter_ends(dt.date(2016, 12, 31), HISTORY_END)]
    for as_of in dates:
        if as_of < start:
            status, percent = "not started", 0.0
            text = rng.choice(COMMENTARY["not started"])
        elif as_of >= finish:
            status = "closed" if outcome == "closed" else "complete"
            percent = round(reached if outcome == "closed" else 100.0)
            rating = "Red" if outcome == "closed" else "Green"
            yield _update_row(ref, as_of, status, rating, percent, rng.choice(COMMENTARY[status]), rng)
            return
        else:
            status = "in progress"
            share = (as_of - start).days / span
            target = (reached if outcome == "closed" else 97.0) * math.sqrt(min(share, 1.0))
            percent = round(max(percent if as_of != HISTORY_START else 0.0, target * rng.uniform(0.85, 1.0)), 0)
            late = outcome in ("late", "open", "closed") and share > 0.35
            overdue = due is not None and as_of > due
            step = rng.choice([-1, 0, 0, 0, 1]) if not late else rng.choice([0, 1, 1])
            rating = _shift_rating(rating, step)
            if overdue:
                rating = _shift_rating(rating, 1) if RATINGS.index(rating) < 2 else rating
            if not late and rating in ("Amber/Red", "Red"):
                rating = "Amber"
            text = rng.choice(COMMENTARY["slipping" if late else "on track" if share > 0.2 else "early"])
            board_cautious = rating == "Amber" and as_of.month in (3, 9)  # the Board will say Amber/Red
            if (overdue or board_cautious or rating in ("Amber/Red", "Red")) and text not in COMMENTARY["slipping"]:
                # Never "on track" while overdue or rated Amber/Red: the same draw picks a slipping line
                # instead, so the random stream (and every other figure) is unchanged.
                drawn_from = COMMENTARY["on track" if text in COMMENTARY["on track"] else "early"]
                text = COMMENTARY["slipping"][drawn_from.index(text) % len(COMMENTARY["slipping"])]
            forecast = finish if overdue and outcome == "late" else None
            yield _update_row(ref, as_of, status, rating, percent, text, rng, forecast)
            continue
        yield _update_row(ref, as_of, status, rating, percent, text, rng)


def _update_row(ref, as_of, status, rating, percent, text, rng, forecast: dt.date | None = None) -> dict:
    board = None
    if as_of.month in (3, 9) and status == "in progress":
        # The Board reviews each commitment twice a year and is a notch more cautious on risk.
        board = _shift_rating(rating, 1 if rating in ("Amber", "Amber/Red") else 0)
    return {
        "ref": ref,
        "as_of": as_of.isoformat(),
        "status": status,
        "rating": rating,
        "board_rating": board,
        "percent_complete": float(percent if status != "not started" else 0),
        "commentary": text,
        "evidence_url": None,
        "forecast_date": forecast.isoformat() if forecast else None,
        "recorded_at": _record(as_of, rng),
        "recorded_by": RECORDER,
        "illustrative": 1,
    }


def progress_history(commitments: list[dict]) -> list[dict]:
    """Quarterly updates for every commitment (dicts with ref, horizon, due_date)."""
    rows = []
    for c in commitments:
        due = dt.date.fromisoformat(c["due_date"]) if c["due_date"] else None
        rows.extend(commitment_updates(c["ref"], c["horizon"], due))
    return rows


# -- membership and indicators ---------------------------------------------------------------

def _smooth(start: float, middle: float, end: float, date: dt.date) -> float:
    """A path through START (launch), MIDDLE (Sept 2021) and END (Sept 2026)."""
    years = (date - LAUNCH).days / 365.25
    if years <= 5:
        return start + (middle - start) * (1 - (1 - years / 5) ** 1.6)
    return middle + (end - middle) * min((years - 5) / 5, 1.0)


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split TOTAL into whole numbers in proportion to WEIGHTS, summing exactly to TOTAL."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def membership_cells(periods: list[dt.date], departments: dict[str, float] = DEPARTMENTS,
                     grades: dict[str, float] = GRADES, bands: dict[str, str] = GRADE_BAND,
                     ) -> dict[dt.date, dict[tuple, int]]:
    """Members by (department, grade, role type) for each period, with a drifting mix."""
    rng = rng_for("membership")
    grade_names = list(grades)
    within = {g: [(d, g, r) for d in departments for r in ROLE_TYPES] for g in grade_names}
    drift = {key: 1.0 for keys in within.values() for key in keys}
    result = {}
    for period in periods:
        total = round(_smooth(10150, 13400, 14600, period) * rng.uniform(0.995, 1.005))
        scs_share = _smooth(2.35, 2.9, 3.1, period)
        others = (100 - scs_share) / (100 - grades.get("SCS", 0))
        grade_totals = _largest_remainder(
            total, [scs_share if g == "SCS" else w * others for g, w in grades.items()])
        for key in drift:
            drift[key] *= math.exp(rng.gauss(0, 0.03))
        counts = {}
        for grade, grade_total in zip(grade_names, grade_totals):
            mix = ROLE_MIX[bands.get(grade, "middle")]
            weights = [departments[d] * mix[ROLE_TYPES.index(r)] * drift[(d, g, r)]
                       for d, g, r in within[grade]]
            counts.update(zip(within[grade], _largest_remainder(grade_total, weights)))
        result[period] = {(department_at(d, period), g, r): n for (d, g, r), n in counts.items()}
    return result


def observation(indicator, period, value, *, population="GSE", department=ALL, grade=ALL,
                 role_type=ALL, numerator=None, denominator=None, declaration_rate=None,
                 rng=None) -> dict:
    return {
        "indicator": indicator,
        "period": period.isoformat(),
        "population": population,
        "department": department,
        "grade": grade,
        "role_type": role_type,
        "value": float(value),
        "numerator": numerator,
        "denominator": denominator,
        "declaration_rate": declaration_rate,
        "source": SAMPLE_SOURCE,
        "recorded_at": _record(period, rng),
        "recorded_by": RECORDER,
        "illustrative": 1,
    }


def membership_observations(cells: dict[dt.date, dict[tuple, int]]) -> list[dict]:
    """Cell rows, the total and the SCS figure per period, and joiners and leavers."""
    rng = rng_for("membership-rows")
    rows = []
    previous_total = 10000
    for period, counts in cells.items():
        for (department, grade, role), count in counts.items():
            rows.append(observation("members", period, count, department=department, grade=grade,
                                     role_type=role, rng=rng))
        total = sum(counts.values())
        scs = sum(v for (_, g, _), v in counts.items() if g == "SCS")
        rows.append(observation("members", period, total, rng=rng))
        rows.append(observation("members", period, scs, grade="SCS", rng=rng))
        leavers = round(total * rng.uniform(0.017, 0.026))
        joiners = max(total - previous_total + leavers, 0)
        rows.append(observation("leavers", period, leavers, rng=rng))
        rows.append(observation("joiners", period, joiners, rng=rng))
        previous_total = total
    return rows


def workstream_observations() -> list[dict]:
    """Champions, mentoring pairs, chartered members, secondments and Fast Stream intake."""
    rows = []
    periods = quarter_ends(dt.date(2016, 12, 31), HISTORY_END)
    for indicator, path in WORKSTREAM_PATHS.items():
        rng = rng_for("indicator", indicator)
        for period in periods:
            value = max(round(_smooth(*path, period) * rng.uniform(0.96, 1.04)), 0)
            rows.append(observation(indicator, period, value, rng=rng))
    rng = rng_for("indicator", "secondments")
    for period in periods:
        rows.append(observation("secondments", period,
                                 round(_smooth(6, 26, 30, period) * rng.uniform(0.7, 1.3)), rng=rng))
    rng = rng_for("indicator", "fast_stream_intake")
    for year in range(2016, HISTORY_END.year + 1):
        period = dt.date(year, 9, 30)
        rows.append(observation("fast_stream_intake", period,
                                 round(_smooth(60, 115, 125, period) * rng.uniform(0.9, 1.1)), rng=rng))
    return rows


def target_rows() -> list[dict]:
    """Illustrative yearly targets from launch to September 2021, straight-line to the aim."""
    baselines = {"members": 10000, "champions": 40, "mentoring_pairs": 0, "chartered_members": 1500,
                 "secondments": 6, "fast_stream_intake": 60}
    rows = []
    for indicator, aim in WORKSTREAM_TARGETS_2021.items():
        start = baselines[indicator]
        for step, year in enumerate(range(2016, 2022)):
            rows.append({
                "indicator": indicator,
                "period": f"{year}-09-30",
                "population": "GSE",
                "value": float(round(start + (aim - start) * step / 5)),
                "source": SAMPLE_SOURCE,
                "recorded_at": "2016-09-30T00:00:00",
                "recorded_by": RECORDER,
                "illustrative": 1,
            })
    return rows


def meeting_rows() -> list[dict]:
    """Quarterly Profession Board meetings."""
    return [
        {
            "date": date.isoformat(),
            "title": f"GSE Profession Board, {date.strftime('%B %Y')}",
            "recorded_at": _stamp(date - dt.timedelta(days=60), 9),
            "recorded_by": RECORDER,
            "illustrative": 1,
        }
        for date in board_meeting_dates()
    ]


# A few corrections recorded after the fact, so that revised figures and "as known then" can
# be seen: (table, key of the corrected row, change, days after the original was recorded).
CORRECTIONS = [
    ("observations", {"indicator": "champions", "period": "2018-12-31"}, {"value_factor": 1.12}, 75),
    ("progress_updates", {"as_of": "2017-06-30", "ref_index": 3}, {"percent_delta": -15}, 40),
    ("progress_updates", {"as_of": "2019-12-31", "ref_index": 40}, {"percent_delta": 10}, 30),
]


def apply_corrections(db: sqlite_utils.Database) -> int:
    """Record each correction as a new version that supersedes the original row."""
    applied = 0
    # The strategy's own commitments only, so a scaled database corrects the same rows.
    refs = [row[0] for row in db.conn.execute(
        "SELECT ref FROM commitments WHERE illustrative = 0 ORDER BY workstream, horizon, seq")]
    for table, key, change, days in CORRECTIONS:
        key = dict(key)
        if "ref_index" in key:
            if key["ref_index"] >= len(refs):
                continue
            key["ref"] = refs[key.pop("ref_index")]
        where = " AND ".join(f"{column} = :{column}" for column in key)
        original = db.conn.execute(
            f"SELECT * FROM {table} WHERE {where} AND superseded_at IS NULL", key).fetchone()
        if original is None:
            continue
        columns = [d[0] for d in db.conn.execute(f"SELECT * FROM {table} LIMIT 0").description]
        row = dict(zip(columns, original))
        recorded = dt.datetime.fromisoformat(row["recorded_at"]) + dt.timedelta(days=days)
        recorded_at = recorded.strftime("%Y-%m-%dT%H:%M:%S")
        new = {**row, "id": None, "revision_of": row["id"], "recorded_at": recorded_at}
        if "value_factor" in change:
            new["value"] = round(row["value"] * change["value_factor"])
        if "value_delta" in change:
            new["value"] = round(row["value"] + change["value_delta"], 2)
            new["numerator"] = round(new["value"] * row["denominator"] / 100) if row["denominator"] else None
        if "percent_delta" in change:
            new["percent_complete"] = min(max(row["percent_complete"] + change["percent_delta"], 0), 100)
            new["commentary"] = "Corrected: " + row["commentary"]
        db.conn.execute(f"UPDATE {table} SET superseded_at = ? WHERE id = ?", [recorded_at, row["id"]])
        new.pop("id")
        db[table].insert(new)
        applied += 1
    return applied


def load_sample(db: sqlite_utils.Database) -> dict[str, int]:
    """Write the whole illustrative history into DB (strategy already loaded); return counts."""
    commitments = [dict(zip(("ref", "horizon", "due_date"), row)) for row in db.conn.execute(
        "SELECT ref, horizon, due_date FROM commitments ORDER BY ref")]
    updates = progress_history(commitments)
    periods = quarter_ends(dt.date(2016, 12, 31), HISTORY_END)
    cells = membership_cells(periods)
    observations = membership_observations(cells) + workstream_observations()
    db["progress_updates"].insert_all(updates, batch_size=2000)
    db["observations"].insert_all(observations, batch_size=2000)
    # Each period's return is complete when its last cell is recorded (migrations.m006_period_returns_complete).
    db.conn.execute(MARK_COMPLETE_FROM_CELLS, {"recorded_by": RECORDER})
    db["targets"].insert_all(target_rows())
    db["board_meetings"].insert_all(meeting_rows())
    corrections = apply_corrections(db)
    board = load_board_records(db)
    return {
        **board,
        "progress_updates": len(updates),
        "observations": len(observations),
        "targets": len(target_rows()),
        "board_meetings": len(board_meeting_dates()),
        "corrections": corrections,
    }
