"""A deterministic, illustrative database about N times the default, for the benchmark.

`init --scale N` builds the strategy and the default illustrative history with a bigger
organisation and more delivery behind it: membership cells by department, grade and role
type every month (16 departments at N=1 rising to 60 at N=100, eight grades), and
89 x (N - 1) extra commitments, spread over the ten workstreams and three horizons, each with
a monthly update until it completes or closes. Diversity is never invented: it comes from the
published Civil Service Statistics, as in the default database.

The real 89 commitments and their history are as in the default database. Every row written
here is illustrative: observations and updates carry illustrative = 1, and each extra
commitment has illustrative = 1 and refs that follow the strategy's pattern with sequence
numbers after the real ones (WS4-S7 onwards, say), so no page can take one for the strategy's.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from ..storage.migrations import MARK_COMPLETE_FROM_CELLS
from ..strategy.vocabulary import DUE_DATES
from . import illustrative, sample

# Departments at N=1 and at N=100; the count grows in a straight line between (and beyond).
BASE_DEPARTMENTS, DEPARTMENTS_AT_100 = len(sample.DEPARTMENTS), 60
# Eight grades: the default's AA/AO split into its two grades (shares of the profession at launch).
SCALED_GRADES = {"AA": 1.5, "AO": 2.5, **{g: w for g, w in sample.GRADES.items() if g != "AA/AO"}}
SCALED_BANDS = {**sample.GRADE_BAND, "AA": "junior", "AO": "junior"}
# Extra commitments cycle through the horizons evenly, so there is long-running work to update.
EXTRA_HORIZONS = ("short", "medium", "long")
EXTRA_STRATEGY_REF = "Illustrative commitment for the scale benchmark: not in the strategy"


def department_count(n: int) -> int:
    """How many departments the scale-N database has: 16 at N=1, 60 at N=100."""
    return BASE_DEPARTMENTS + round((DEPARTMENTS_AT_100 - BASE_DEPARTMENTS) * (n - 1) / 99)


def scaled_departments(n: int) -> dict[str, float]:
    """The default departments plus numbered illustrative public bodies, with seeded relative sizes."""
    rng = illustrative.rng_for("scale-departments")
    departments = dict(sample.DEPARTMENTS)
    for number in range(len(departments) + 1, department_count(n) + 1):
        departments[f"Illustrative public body {number:02d}"] = rng.choice([1, 1, 2, 2, 3, 4, 6, 9])
    return departments


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every month from START's month to END inclusive."""
    dates = []
    year, month = start.year, start.month
    while True:
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        day = following - dt.timedelta(days=1)
        if day > end:
            return dates
        if day >= start:
            dates.append(day)
        year, month = following.year, following.month


def membership_observations(cells: dict[dt.date, dict[tuple, int]]) -> list[dict]:
    """Monthly cells, totals and SCS; joiners and leavers per quarter, as in the default history."""
    rng = illustrative.rng_for("scale-membership-rows")
    rows = []
    previous_total = 10000
    for period, counts in cells.items():
        for (department, grade, role), count in counts.items():
            rows.append(sample.observation("members", period, count, department=department, grade=grade,
                                            role_type=role, rng=rng))
        total = sum(counts.values())
        rows.append(sample.observation("members", period, total, rng=rng))
        rows.append(sample.observation("members", period, sum(v for (_, g, _), v in counts.items() if g == "SCS"),
                                        grade="SCS", rng=rng))
        if period.month % 3 == 0:
            leavers = round(total * rng.uniform(0.017, 0.026))
            rows.append(sample.observation("leavers", period, leavers, rng=rng))
            rows.append(sample.observation("joiners", period, max(total - previous_total + leavers, 0), rng=rng))
            previous_total = total
    return rows


def extra_commitments(db: sqlite_utils.Database, n: int) -> list[dict]:
    """89 x (N - 1) illustrative commitments, numbered after the real ones in each workstream and horizon."""
    real = db.conn.execute("SELECT workstream, COUNT(*) FROM commitments GROUP BY workstream ORDER BY workstream")
    last_seq = {(w, h): s for w, h, s in db.conn.execute(
        "SELECT workstream, horizon, MAX(seq) FROM commitments GROUP BY workstream, horizon")}
    rows = []
    for workstream, count in real.fetchall():
        for index in range(count * (n - 1)):
            horizon = EXTRA_HORIZONS[index % len(EXTRA_HORIZONS)]
            seq = last_seq.get((workstream, horizon), 0) + 1
            last_seq[(workstream, horizon)] = seq
            ref = f"WS{workstream}-{horizon[0].upper()}{seq}"
            rows.append({
                "ref": ref, "workstream": workstream, "horizon": horizon, "seq": seq,
                "title": f"Illustrative commitment {ref}",
                "description": "A made-up commitment that gives the scale benchmark thousands of commitments to "
                               "show; it is not in the strategy.",
                "due_date": DUE_DATES[horizon], "strategy_ref": EXTRA_STRATEGY_REF,
                "illustrative": 1,
            })
    return rows


def load_scale(db: sqlite_utils.Database, n: int) -> dict[str, int]:
    """Write the scale-N illustrative history into DB (strategy already loaded); return counts."""
    if n < 2:
        return sample.load_sample(db)
    commitments = extra_commitments(db, n)
    db["commitments"].insert_all(commitments, batch_size=5000)
    real = [dict(zip(("ref", "horizon", "due_date"), row)) for row in db.conn.execute(
        "SELECT ref, horizon, due_date FROM commitments WHERE illustrative = 0 ORDER BY ref")]
    updates = sample.progress_history(real)
    monthly = [sample.HISTORY_START, *month_ends(dt.date(2016, 11, 1), illustrative.HISTORY_END)]
    for c in commitments:
        updates.extend(sample.commitment_updates(c["ref"], c["horizon"], dt.date.fromisoformat(c["due_date"]),
                                                  dates=monthly))
    departments = scaled_departments(n)
    periods = month_ends(dt.date(2016, 12, 1), illustrative.HISTORY_END)
    cells = sample.membership_cells(periods, departments, SCALED_GRADES, bands=SCALED_BANDS)
    observations = membership_observations(cells) + sample.workstream_observations()
    db["progress_updates"].insert_all(updates, batch_size=5000)
    db["observations"].insert_all(observations, batch_size=5000)
    # Each period's return is complete when its last cell is recorded (migrations.m006_period_returns_complete).
    db.conn.execute(MARK_COMPLETE_FROM_CELLS, {"recorded_by": illustrative.RECORDER})
    db["targets"].insert_all(sample.target_rows())
    db["board_meetings"].insert_all(sample.meeting_rows())
    corrections = sample.apply_corrections(db)
    return {
        "extra_commitments": len(commitments),
        "progress_updates": len(updates),
        "observations": len(observations),
        "targets": len(sample.target_rows()),
        "board_meetings": len(illustrative.board_meeting_dates()),
        "corrections": corrections,
    }

