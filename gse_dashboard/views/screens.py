"""Views: what each screen and each Board-pack section shows, as known at a date, as small typed objects.

One function per screen or section takes a connection and an as-at date (and a setting such as
the suppression threshold where it matters) and returns a frozen dataclass. The pages read them
through thin cached wrappers in `ui.loaders`; the Board pack and the brief read the same ones
through `board_pack`, so a page and the pack cannot disagree. Nothing here imports Streamlit,
builds a chart or formats text for a reader: that is `charts`, `tables`, `ui` and `pack`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..board import records
from ..config import DEFAULT_SUPPRESSION_THRESHOLD
from ..people import protected_diversity, published
from ..storage import queries
from ..storage.store import ALL
from ..strategy import metrics
from ..strategy.vocabulary import DIVERSITY_WORKSTREAM, LAUNCH_DATE, STRATEGY_END
from . import attention as board_view
from . import official as official_views

# Every commitment's status at a date (queries.commitment_status, brief columns). The pages pass
# a cached one, shared by the Overview and its changes; the default reads the database.
StatusAt = Callable[[str], pd.DataFrame]


def _status_reader(conn: sqlite3.Connection) -> StatusAt:
    return lambda date: queries.commitment_status(conn, date, brief=True)


# -- facts that do not depend on the as-at date ---------------------------------------------------

@dataclass(frozen=True)
class DatabaseFacts:
    """The workstreams, the latest date with data, the Board meetings, whether figures are illustrative."""

    workstreams: pd.DataFrame
    latest: str
    meetings: pd.DataFrame
    illustrative: bool
    indicators: pd.DataFrame


def database_facts(conn: sqlite3.Connection) -> DatabaseFacts:
    """Facts that do not depend on the as-at date: workstreams, the latest date, meetings."""
    latest = queries.latest_data_date(conn)
    return DatabaseFacts(workstreams=queries.workstreams(conn), latest=latest,
                         meetings=queries.board_meetings(conn, latest),
                         illustrative=queries.illustrative_in_use(conn), indicators=queries.indicators(conn))


# -- Overview ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Overview:
    """The Overview page: headline figures, the ten workstreams, and the same at the previous Board."""

    workstreams: pd.DataFrame
    summary: pd.DataFrame
    headline: dict
    previous_board: str | None
    headline_before: dict | None
    members: pd.DataFrame
    scs: pd.DataFrame
    # What needs the Board's attention and the workstreams' ratings as judged: the pack's list too.
    attention: board_view.AttentionView | None = None


def overview(conn: sqlite3.Connection, as_at: str, threshold: int, *, status_at: StatusAt | None = None) -> Overview:
    """Everything the Overview shows at AS_AT (STATUS_AT reads a date's commitment status).

    Members and SCS are as published (published.series: hidden where below THRESHOLD).
    """
    status_at = status_at or _status_reader(conn)
    ws = queries.workstreams(conn)
    previous = queries.previous_board_date(conn, as_at)
    status = status_at(as_at)
    before = status_at(previous) if previous else None
    return Overview(
        workstreams=ws,
        summary=metrics.workstream_summary(status, ws, as_at),
        headline=metrics.headline(status, as_at),
        previous_board=previous,
        headline_before=metrics.headline(before, previous) if before is not None else None,
        members=published.series(conn, as_at, threshold),
        scs=published.series(conn, as_at, threshold, grade="SCS"),
        attention=board_view.attention_view(conn, as_at, workstreams=ws),
    )


@dataclass(frozen=True)
class Changes:
    """What changed between two dates, each side as known on its own date."""

    commitments: pd.DataFrame
    indicators: pd.DataFrame


def changes(conn: sqlite3.Connection, since: str, until: str, *, status_at: StatusAt | None = None,
            threshold: int = DEFAULT_SUPPRESSION_THRESHOLD) -> Changes:
    """Commitments that changed status or rating or became overdue, and how the count indicators moved.

    Members, joiners and leavers are as published at each date (published.series: from the
    protected table, NaN where hidden below THRESHOLD or to protect another figure).
    """
    status_at = status_at or _status_reader(conn)
    before, after = status_at(since), status_at(until)
    counts = queries.indicators(conn)
    counts = counts[(counts["unit"] == "count") & (counts["category"] != "diversity")]

    def read(code: str, when: str) -> pd.DataFrame:
        if code in published.PROTECTED:
            return published.series(conn, when, threshold, indicator=code)
        return queries.observation_series(conn, code, when, population="GSE")

    series = {when: {code: read(code, when) for code in counts["code"]} for when in (since, until)}
    return Changes(
        commitments=metrics.changes_between(before, after, since, until),
        indicators=metrics.indicator_movements(series[since], series[until],
                                               dict(zip(counts["code"], counts["name"]))),
    )


# -- Workstreams --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Workstream:
    """One workstream: its commitments (flagged), planned against actual delivery, its indicators."""

    status: pd.DataFrame
    trajectory: pd.DataFrame
    indicators: pd.DataFrame
    # indicator code → (its GSE series, its targets), as known at the date
    indicator_data: dict[str, tuple[pd.DataFrame, pd.DataFrame]]


def workstream(conn: sqlite3.Connection, as_at: str, number: int) -> Workstream:
    """One workstream's commitments, trajectory and indicators at AS_AT."""
    status = metrics.with_flags(queries.commitment_status(conn, as_at, workstream=number), as_at)
    updates = queries.known_updates(conn, as_at, workstream=number)
    definitions = queries.indicators(conn, workstream=number)
    definitions = definitions[definitions["category"] == "workstream"]
    end = max(as_at, STRATEGY_END)
    return Workstream(
        status=status,
        trajectory=metrics.trajectory(status, updates, metrics.timeline_dates(LAUNCH_DATE, end), as_at),
        indicators=definitions,
        indicator_data={row.code: (queries.observation_series(conn, row.code, as_at, population="GSE"),
                                   queries.targets(conn, row.code, as_at))
                        for row in definitions.itertuples()},
    )


# -- Membership --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Membership:
    """Membership over time and its breakdowns at a date, for one choice of filters, as published.

    series and scs carry ``hidden`` where a figure is not published; breakdowns hold, per
    breakdown, the line within the other filters (by, members, hidden) and breakdown_totals its
    total and whether that is hidden; crosstab is department by grade (values, hidden).
    """

    filters: dict[str, str]
    whole: bool
    period: str | None
    series: pd.DataFrame
    scs: pd.DataFrame
    target: pd.DataFrame
    joiners: pd.DataFrame
    leavers: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    breakdown_totals: dict[str, tuple[int, bool]]
    crosstab: tuple[pd.DataFrame, pd.DataFrame] | None
    previous_board: str | None


def membership(conn: sqlite3.Connection, as_at: str, threshold: int, *, department: str = ALL, grade: str = ALL,
               role_type: str = ALL) -> Membership:
    """Membership at AS_AT for one choice of filters (ALL: no filter), every people count from the protected table.

    series and scs: members and SCS members over time (``hidden`` where not published);
    breakdowns: per breakdown, the line within the other filters (by, members, hidden) and its
    total; crosstab: department by grade at the role type chosen (values, hidden).
    """
    filters = {"department": department, "grade": grade, "role_type": role_type}
    whole = all(v == ALL for v in filters.values())
    period = published.latest_period(conn, as_at)
    breakdowns, totals, crosstab = {}, {}, None
    if period:
        for by in published.DIMENSIONS:
            others = {k: v for k, v in filters.items() if k != by}
            breakdowns[by] = published.line(conn, as_at, period, threshold, by, others)
            totals[by] = published.line_total(conn, as_at, period, threshold, others)
        crosstab = published.crosstab(conn, as_at, period, threshold, "department", "grade", {"role_type": role_type})
    return Membership(
        filters=filters,
        whole=whole,
        period=period,
        series=published.series(conn, as_at, threshold, **filters),
        scs=published.series(conn, as_at, threshold, department=department, grade="SCS", role_type=role_type),
        target=queries.targets(conn, "members", as_at) if whole else pd.DataFrame(columns=["period", "value"]),
        joiners=published.series(conn, as_at, threshold, indicator="joiners"),
        leavers=published.series(conn, as_at, threshold, indicator="leavers"),
        breakdowns=breakdowns,
        breakdown_totals=totals,
        crosstab=crosstab,
        previous_board=queries.previous_board_date(conn, as_at),
    )


# -- Diversity & inclusion ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Diversity:
    """Diversity against the Civil Service, declaration rates, breakdowns, and the D&I workstream's delivery."""

    series: pd.DataFrame
    gaps: pd.DataFrame
    definitions: pd.DataFrame
    # (characteristic code, "grade" or "department") → that breakdown
    breakdowns: dict[tuple[str, str], pd.DataFrame]
    status: pd.DataFrame

    def of(self, code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """One characteristic's series and gaps."""
        return self.series[self.series["indicator"] == code], self.gaps[self.gaps["indicator"] == code]


def diversity(conn: sqlite3.Connection, as_at: str, threshold: int) -> Diversity:
    """Diversity against the Civil Service, declaration rates and breakdowns, at AS_AT, as published.

    The profession's figures come from each characteristic's protected table (protected_diversity):
    shares, declared counts and rates rounded as shown, NaN (None in breakdowns) where hidden.
    """
    definitions = queries.indicators(conn, category="diversity")
    series = protected_diversity.published_series(conn, queries.diversity_series(conn, as_at), as_at, threshold)
    return Diversity(
        series=series,
        gaps=metrics.benchmark_gaps(series),
        definitions=definitions,
        breakdowns={(code, by): protected_diversity.breakdown(conn, code, as_at, by, threshold)
                    for code in definitions["code"] for by in ("grade", "department")},
        status=metrics.with_flags(queries.commitment_status(conn, as_at, workstream=DIVERSITY_WORKSTREAM), as_at),
    )


# -- the Board pack and the brief -----------------------------------------------------------------

@dataclass(frozen=True)
class BoardPack:
    """Everything the Board pack and the brief show: the pages' views at the date, and what only the pack adds.

    The pack adds every commitment with its flags (for revisions and long-overdue decisions), the
    workstream summary at the previous Board (for trends), the changes since then, and delivery
    over all workstreams up to the date.
    """

    as_at: str
    threshold: int
    meeting: str | None
    illustrative: bool
    overview: Overview
    membership: Membership
    diversity: Diversity
    by_workstream: dict[int, Workstream]
    status: pd.DataFrame
    summary_before: pd.DataFrame | None
    changes: pd.DataFrame | None
    trajectory: pd.DataFrame
    # The published Civil Service Statistics: the profession's headcount and diversity since 2015.
    headcount: official_views.Headcount | None = None
    story: official_views.DiversityStory | None = None
    # The Board's action log and risk registers, every recorded state up to the date.
    actions: pd.DataFrame | None = None
    risks: pd.DataFrame | None = None
    # The Board meeting the paper is for, when built for one (its papers' deadline is the as-at date).
    board: str | None = None
    # Every Board rating of a workstream known at the date, newest Board first.
    ratings: pd.DataFrame | None = None

    # What needs the Board's attention: the Overview's own list.
    @property
    def boards(self) -> list[str]:
        """The last Boards up to the date, newest first."""
        return self.overview.attention.boards

    @property
    def exceptions(self) -> pd.DataFrame:
        """Every commitment past its date, rated Amber/Red or Red, or worsened since the last Board."""
        return self.overview.attention.exceptions

    @property
    def judged(self) -> pd.DataFrame:
        """Each workstream's latest Board rating and, apart from it, its commitments' computed average."""
        return self.overview.attention.judged

    @property
    def trend(self) -> dict:
        """Each workstream's last Board ratings, oldest first."""
        return self.overview.attention.trend

    # The Overview's figures, by the names the pack's sections use.
    @property
    def previous(self) -> str | None:
        """The previous Board meeting's date, if there was one."""
        return self.overview.previous_board

    @property
    def workstreams(self) -> pd.DataFrame:
        """The ten workstreams (number, name, aspiration, ...)."""
        return self.overview.workstreams

    @property
    def summary(self) -> pd.DataFrame:
        """One row per workstream: rating, planned and actual share, past their date."""
        return self.overview.summary

    @property
    def headline(self) -> dict:
        """Share complete against planned, and the count past their date."""
        return self.overview.headline

    @property
    def headline_before(self) -> dict | None:
        """The headline at the previous Board, if there was one."""
        return self.overview.headline_before

    @property
    def members(self) -> pd.DataFrame:
        """GSE members over time."""
        return self.overview.members

    @property
    def scs(self) -> pd.DataFrame:
        """GSE members in the Senior Civil Service over time."""
        return self.overview.scs


def board_pack(conn: sqlite3.Connection, as_at: str, threshold: int, profession: str,
               board: str | None = None) -> BoardPack:
    """Read what the pack and the brief need as known at AS_AT, through the pages' own views.

    PROFESSION names the profession in the published Civil Service Statistics (the settings' one).
    BOARD, if given, is the meeting the paper is for (AS_AT is then its papers' deadline, before it);
    otherwise the meeting is the one held on AS_AT, if any.
    """
    status_cache: dict[str, pd.DataFrame] = {}

    def status_at(date: str) -> pd.DataFrame:
        if date not in status_cache:
            status_cache[date] = queries.commitment_status(conn, date, brief=True)
        return status_cache[date]

    front = overview(conn, as_at, threshold, status_at=status_at)
    previous = front.previous_board
    status = metrics.with_flags(queries.commitment_status(conn, as_at), as_at)
    meetings = queries.board_meetings(conn, board or as_at)
    meeting = meetings.loc[meetings["date"] == (board or as_at), "title"]
    updates = queries.known_updates(conn, as_at)
    return BoardPack(
        as_at=as_at,
        threshold=threshold,
        meeting=meeting.iloc[0] if not meeting.empty else None,
        illustrative=queries.illustrative_in_use(conn),
        overview=front,
        membership=membership(conn, as_at, threshold),
        diversity=diversity(conn, as_at, threshold),
        by_workstream={int(number): workstream(conn, as_at, int(number)) for number in front.workstreams["number"]},
        status=status,
        summary_before=(metrics.workstream_summary(status_at(previous), front.workstreams, previous)
                        if previous else None),
        changes=changes(conn, previous, as_at, status_at=status_at).commitments if previous else None,
        trajectory=metrics.trajectory(status, updates, metrics.timeline_dates(LAUNCH_DATE, as_at), as_at),
        headcount=official_views.headcount(conn, as_at, profession, threshold),
        story=official_views.diversity_story(conn, as_at, threshold),
        actions=records.action_history(conn, as_at),
        risks=records.risk_history(conn, as_at),
        board=board,
        ratings=records.workstream_ratings(conn, as_at),
    )

