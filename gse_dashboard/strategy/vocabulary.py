"""The strategy's vocabulary, in one place: its dates, horizons, statuses, ratings and quarter ends.

Everything else (the schema's CHECK constraints, the importers, the pages, the Board pack and the
illustrative history) takes these from here, so a word or a date is changed once. This module
imports nothing from the package: it sits under the store layer.
"""

from __future__ import annotations

import datetime as dt

# -- the strategy's dates ----------------------------------------------------------------------

# The strategy launched on 30 September 2016: the earliest date the dashboard can be viewed at.
LAUNCH = dt.date(2016, 9, 30)
LAUNCH_DATE = LAUNCH.isoformat()
# Workstream trajectories run at least to the end of the strategy's five years (and the quarter
# after), so the planned line is drawn in full even at an early as-at date.
STRATEGY_END = "2022-03-31"

# -- horizons ----------------------------------------------------------------------------------

HORIZONS = ("short", "medium", "long")
# The strategy calls its timescales indicative: a commitment's indicative date is the end of its
# horizon (6-12 months, 12 months-2 years, 2-5 years).
DUE_DATES = {"short": "2017-09-30", "medium": "2018-09-30", "long": "2021-09-30"}
HORIZON_LABELS = {"short": "Short term (6–12 months)", "medium": "Medium term (12 months–2 years)",
                  "long": "Long term (2–5 years)"}

# -- statuses and the five-point delivery confidence scale -----------------------------------

STATUSES = ("not started", "in progress", "complete", "closed")
# Best first: a rating's position is its distance from Green.
RATINGS = ("Green", "Amber/Green", "Amber", "Amber/Red", "Red")
# A Board action's state, and a risk's scoring and state, on fixed short lists (the schema checks them,
# the import and the form offer them).
ACTION_STATUSES = ("open", "in progress", "done", "dropped")
RISK_LEVELS = ("low", "medium", "high")
RISK_STATUSES = ("open", "closed")

# -- workstreams -------------------------------------------------------------------------------

# The Diversity & Inclusion workstream, shown beside the diversity figures.
DIVERSITY_WORKSTREAM = 7

# -- quarter ends ------------------------------------------------------------------------------

QUARTER_END_DAYS = ((3, 31), (6, 30), (9, 30), (12, 31))


def quarter_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every 31 March, 30 June, 30 September and 31 December from START to END inclusive."""
    return [dt.date(year, month, day) for year in range(start.year, end.year + 1)
            for month, day in QUARTER_END_DAYS if start <= dt.date(year, month, day) <= end]


def last_quarter_end(today: dt.date) -> dt.date:
    """The most recent quarter end on or before TODAY: the usual date an update refers to."""
    return quarter_ends(dt.date(today.year - 1, 12, 31), today)[-1]
