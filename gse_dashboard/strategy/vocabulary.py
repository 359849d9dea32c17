"""The strategy's vocabulary, in one place: its dates, horizons, statuses, ratings and quarter ends.

Everything else (the schema's CHECK constraints, the importers, the pages, the Board pack and the
illustrative history) takes these from here, so a word or a date is changed once. This module
imports nothing from the package: it sits under the store layer.
"""

from __future__ import annotations

import datetime as dt
import re

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
# A commitment no one has rated yet, where ratings are counted or compared.
NOT_RATED = "Not rated"
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


def long_date(iso: str) -> str:
    """A date written YYYY-MM-DD (or a timestamp starting so) as readers write it: '4 August 2022'."""
    day = dt.date.fromisoformat(str(iso)[:10])
    return f"{day.day} {day.strftime('%B')} {day.year}"


def quarter_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every 31 March, 30 June, 30 September and 31 December from START to END inclusive."""
    return [dt.date(year, month, day) for year in range(start.year, end.year + 1)
            for month, day in QUARTER_END_DAYS if start <= dt.date(year, month, day) <= end]


def last_quarter_end(today: dt.date) -> dt.date:
    """The most recent quarter end on or before TODAY: the usual date an update refers to."""
    return quarter_ends(dt.date(today.year - 1, 12, 31), today)[-1]


# -- the measures of the profession: one vocabulary for every title, caption, heading, download and document --
#
# Two different counts, never added, never drawn as one line, and never called by each other's name:
#
# - registered GSE members: civil servants who have registered as members of the profession with
#   Civil Service Learning. The strategy's "over 10,000" and "235 in the SCS" (September 2016)
#   count these;
# - civil servants in the profession's posts: everyone whose post is in the profession of post, as
#   counted by the Annual Civil Service Employment Survey and published in Civil Service Statistics.
#   The strategy's 2015 diversity figures come from the same survey, so 2015, 2021, 2022 ... is one
#   series of this measure: it counts posts, not members.

DEFAULT_PROFESSION_OF_POST = "Science and Engineering"

MEMBERS = "registered GSE members"
MEMBERS_TITLE = "Registered GSE members"
MEMBERS_SCS = "registered GSE members in the SCS"
MEMBERS_SCS_TITLE = "Registered GSE members in the SCS"
MEMBERS_SOURCE = "Civil Service Learning"
# The strategy's own words for its September 2016 count: a floor, not a figure.
MEMBERS_2016_WORDS = "over 10,000"

POSTS_SOURCE = "Civil Service Statistics (Annual Civil Service Employment Survey)"
# Words that may never describe a statistic about posts (a test reads every title and sentence for them).
MEMBER_WORDS = ("member", "members", "membership")


def posts(profession: str = DEFAULT_PROFESSION_OF_POST) -> str:
    """The measure of Civil Service Statistics: 'civil servants in Science and Engineering posts'."""
    return f"civil servants in {profession} posts"


def posts_title(profession: str = DEFAULT_PROFESSION_OF_POST) -> str:
    """The same measure starting a title or heading: 'Civil servants in Science and Engineering posts'."""
    text = posts(profession)
    return text[:1].upper() + text[1:]


def share_of_posts(profession: str = DEFAULT_PROFESSION_OF_POST) -> str:
    """What a diversity share of the statistics is a share of: 'of civil servants in … posts who declared'."""
    return f"of {posts(profession)} who declared"


def says_members(text: str) -> bool:
    """Whether TEXT calls something members (the test that statistics are never called so)."""
    return re.search(r"\bmember(s|ship)?\b", text, flags=re.IGNORECASE) is not None


# -- marking illustrative figures, at the figure ---------------------------------------------------
#
# A figure made up for demonstration is marked where it is shown (a value, a line, a table column, a
# download's column or metadata line); a page, chart, table or download of real figures only says
# nothing about being illustrative at all.

ILLUSTRATIVE = "illustrative"
ILLUSTRATIVE_COLUMN = "Illustrative"
ILLUSTRATIVE_MEANS = "made up to show how the dashboard works: not a real figure, do not quote it"


def marked(text: str, illustrative: bool) -> str:
    """TEXT with '(illustrative)' after it when the figure it shows is made up; unchanged when real."""
    return f"{text} ({ILLUSTRATIVE})" if illustrative else text


def illustrative_line(which: str) -> str:
    """The one line a chart, table or download carries when some of its figures are made up: says which."""
    return f"Illustrative: {which} ({ILLUSTRATIVE_MEANS})."
