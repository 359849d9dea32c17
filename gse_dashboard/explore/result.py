"""Running a view: the grouped figures, the table as shown and downloaded, the chart, and notes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..charts import people_charts
from ..charts.style import Chart
from ..config import DEFAULT_PROFESSION
from ..people import disclosure, official_figures, protected_diversity, protection, published
from ..people.official_statistics import OFFICIAL_INDICATORS, PUBLISHER, STATUS_INDICATORS
from ..storage import queries, store
from ..strategy import commitments_over_time as over_time
from ..strategy import timescales
from ..views import official as official_views
from .choices import (
    BOARD,
    COMMITMENTS,
    COMMITMENTS_ILLUSTRATIVE,
    COMMITMENTS_SOURCE_LINE,
    LABELS,
    MEASURES,
    OVERDUE,
    POPULATION_DIMENSIONS,
    PROFESSION,
    PROFESSION_LABELS,
    PROFESSION_SOURCES,
    QUARTER,
    SHARE,
    SHARE_DUE,
    TIME_DIMENSIONS,
    Choices,
)
from .figures import (
    FigureContext,
    count_result,
    empty_result,
    group_labels,
    ordered,
    percent_result,
    ranked,
    workstream_label,
)
from .grouping import commitment_groups, observation_groups
from .state import ExploreState

# -- the result --------------------------------------------------------------------------------

@dataclass
class ExploreResult:
    """What Explore shows for one state: true figures, the table as shown, and a chart."""

    state: ExploreState
    as_at: str
    measure: str
    # The grouped figures before disclosure control: for use inside the server only.
    raw: pd.DataFrame
    # The table as shown and downloaded: suppressed where it counts people.
    display: pd.DataFrame
    chart: Chart
    people: bool
    # The one period shown when not grouped by period.
    period: str | None = None
    notes: list[str] = field(default_factory=list)
    # Whether the figures are shares (%), not counts.
    percent: bool = False

    @property
    def suppressed(self) -> bool:
        """Whether any figure in the table is hidden to protect individuals."""
        return bool(self.display.isin([disclosure.CONFIDENTIAL]).to_numpy().any())

    @property
    def illustrative(self) -> str:
        """Which of the figures are made up, in words ("" when every figure is real, as the statistics are)."""
        if self.raw.empty or "illustrative" not in self.raw:
            return ""
        marked = self.raw[self.raw["illustrative"].fillna(0).astype(bool)]
        if marked.empty:
            return ""
        if self.state.source == COMMITMENTS:
            return COMMITMENTS_ILLUSTRATIVE
        if "period" in marked:
            periods = sorted(str(p) for p in marked["period"].dropna().unique())
            if periods:
                span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
                return f"the figures for {span} (the illustrative history)"
        return "the figures from the illustrative history"


def describe_filters(state: ExploreState, choices: Choices | None = None) -> str:
    """The filters in words: 'Grade: SCS, Grade 6; due 2017-01-01 to 2017-12-31', or 'no filters'."""
    parts = []
    for name, values in state.filters.items():
        if name == "workstream" and choices:
            shown = [workstream_label(v, choices.workstreams.get(v, "")) for v in values]
        else:
            shown = [str(v) for v in values]
        parts.append(f"{LABELS[name]}: {', '.join(shown)}")
    if state.period_from or state.period_to:
        word = "due" if state.source == COMMITMENTS else "periods"
        parts.append(f"{word} {state.period_from or 'any'} to {state.period_to or 'any'}")
    return "; ".join(parts) if parts else "no filters"


def describe(state: ExploreState, choices: Choices | None = None) -> str:
    """A view in one line: 'GSE members by period and grade; Department: Home Office'."""
    if state.source == COMMITMENTS:
        noun = "Commitments"
    elif choices and state.source in choices.indicators:
        noun = choices.indicators[state.source].name
    else:
        noun = state.source
    groups = " and ".join(LABELS[g].lower() for g in state.group_by)
    text = f"{noun} by {groups}" if groups else noun
    filters = describe_filters(state, choices)
    return text if filters == "no filters" else f"{text}; {filters}"


def answer(conn: sqlite3.Connection, state: ExploreState, threshold: int,
           profession: str = DEFAULT_PROFESSION) -> ExploreResult:
    """Group, count and suppress what STATE asks for, as known at its as-at date (default: the latest).

    PROFESSION names the profession of post whose published Civil Service Statistics are read.
    """
    as_at = state.as_at or queries.latest_data_date(conn)
    if state.source == COMMITMENTS:
        return _run_commitments(conn, state, as_at)
    if state.source in PROFESSION_SOURCES:
        return _run_professions(conn, state, as_at, threshold, profession)
    definitions = queries.indicators(conn)
    row = definitions[definitions["code"] == state.source]
    if row.empty:
        raise ValueError(f"there is no indicator {state.source!r}")
    name, category, unit = row["name"].iloc[0], row["category"].iloc[0], row["unit"].iloc[0]
    people = bool(row["people_count"].iloc[0])
    filters = state.filters
    if not state.population and "population" not in state.group_by:
        # The profession is the subject; the Civil Service is there to compare with, when asked for.
        filters = {**filters, "population": (PROFESSION,)}
    diverse = people and category == "diversity"
    if diverse and ("role_type" in state.group_by or filters.get("role_type")):
        return _refused(state, as_at, name, [], reason=ROLE_TYPE_REASON)
    if diverse and len(filters.get("population", ())) > 1 and "population" not in state.group_by:
        # A share of the profession and the Civil Service added together means nothing, and where the
        # Civil Service has no such breakdown it would be the profession's own figure, unprotected.
        return _refused(state, as_at, name, [], reason=POPULATION_REASON)
    unions = [d for d in queries.BREAKDOWNS if len(filters.get(d, ())) > 1] if people else []
    if diverse and len(unions) == 1 and unions[0] in protected_diversity.BREAKDOWNS:
        # A union of departments (or grades) is shown where it is a sum of published figures (below).
        unions = []
    if unions:
        return _refused(state, as_at, name, unions)
    protected = None
    period_to = state.period_to
    if people and state.source in published.PROTECTED:
        # Members, joiners and leavers come from the protected table of each complete period, and only from there.
        protected = _protected_lookup(conn, as_at, threshold, filters, state.source)
        if "period" not in state.group_by:
            latest = queries.latest_cell_period(conn, state.source, as_at)
            period_to = min(filter(None, [latest, state.period_to])) if latest else period_to
    official = state.source in STATUS_INDICATORS.values()
    if official:
        # Published statistics: every figure, totals too, is the publisher's own cell as Membership shows it.
        fixed = {name: values[0] for name, values in filters.items() if values}
        protected = official_figures.cell_lookup(conn, as_at, state.source, profession, threshold, fixed)
    if diverse and "period" not in state.group_by:
        # The latest period whose return is complete, as on the Diversity page.
        complete = [p for p in protected_diversity.publishable_periods(conn, state.source, as_at)
                    if (not state.period_to or p <= state.period_to)
                    and (not state.period_from or p >= state.period_from)]
        if complete:
            period_to = complete[-1]
    arguments = {"group_by": state.group_by, "filters": filters, "period_from": state.period_from,
                 "period_to": period_to}
    raw = ordered(observation_groups(conn, state.source, as_at, **arguments), state.group_by)
    if diverse and not raw.empty:
        raw = _published_shares(conn, raw, state.source, filters, state.group_by, as_at, threshold)
    if people and "period" in state.group_by and not raw.empty:
        unfinished = set().union(*(queries.unpublished_periods(conn, state.source, each, as_at)
                                   for each in filters.get("population", store.POPULATIONS)))
        raw = raw[~raw["period"].isin(unfinished)].reset_index(drop=True)
    period = None if "period" in state.group_by or raw.empty else str(raw["latest_period"].max())
    sources = raw["sources"].iloc[0].split(chr(31)) if not raw.empty and raw["sources"].iloc[0] else []
    # Diversity and the published headcounts count civil servants in the profession's posts, not members.
    statistics = category == "diversity" or state.source in OFFICIAL_INDICATORS
    ours = f"{DEFAULT_PROFESSION} posts" if statistics else "GSE profession"
    population = " and ".join({PROFESSION: ours}.get(p, p) for p in filters.get("population", store.POPULATIONS))
    flow = official and state.source != STATUS_INDICATORS["In post"]
    when = (f"{'in the year to' if flow else 'at'} {period}" if period else
            f"{raw['period'].min()} to {raw['period'].max()}" if not raw.empty else "no period")
    measure = f"{name} (% of those who declared)" if category == "diversity" else name
    context = FigureContext(measure=name, groups=state.group_by, people=people, period=period,
                       subtitle=f"{measure}, {population}, {describe_filters(state)}, {when}, as known at {as_at}",
                       source=official_figures.sources_line(sources) if sources else "No figures recorded",
                       protected=protected,
                       subject=_subject(name, state), show=state.show, rounded=official,
                       flow=flow)
    if raw.empty:
        display, chart, notes = empty_result(context)
    elif unit == "percent":
        display, chart, notes = percent_result(raw, context, threshold)
    else:
        display, chart, notes = count_result(raw, raw["value"], context, threshold if people else None)
    if not raw.empty:
        notes += _observation_notes(raw, state, protected)
    released = not raw.empty and bool(raw["sources"].fillna("").astype(str).str.contains(PUBLISHER, regex=False).any())
    if statistics and not released:
        notes.append(official_figures.no_release_words(as_at, DEFAULT_PROFESSION))
    chosen = [d for d in protected_diversity.BREAKDOWNS if len(filters.get(d, ())) > 1]
    if diverse and chosen and not raw.empty and raw.loc[raw["published"], "share"].isna().any():
        note = DIVERSITY_UNION_NOTE.format(plural=_PLURALS[chosen[0]], what=LABELS[chosen[0]].lower())
        notes.append(note)
        if raw.loc[raw["published"], "share"].isna().all():
            # Not too small: not a sum of published figures. Say so rather than "widen the selection".
            chart.title = f"{context.named}: not shown, since one of the {_PLURALS[chosen[0]]} chosen is [c]"
            chart.note = note
    return ExploreResult(state=state, as_at=as_at, measure=name, raw=raw, display=display, chart=chart,
                         people=people, period=period, notes=notes, percent=unit == "percent")


def _subject(measure: str, state: ExploreState) -> str:
    """MEASURE as the filters narrow it, for titles: 'GSE members (SCS)', 'Commitments past their date (…)'.

    Up to three filter values are named; more are summed up as 'filtered'.
    """
    filters = dict(state.filters)
    if state.source == COMMITMENTS and filters.get("overdue") == (OVERDUE,):
        measure = timescales.PAST_DATE_FACT
        filters.pop("overdue")
    if filters.get("population") == (PROFESSION,):
        filters.pop("population")
    values = [str(v) if name != "workstream" else f"workstream {v}" for name, given in filters.items()
              for v in given]
    if not values:
        return measure
    return f"{measure} ({', '.join(values)})" if len(values) <= 3 else f"{measure} (filtered)"


def chart_groups(result: ExploreResult) -> list[str]:
    """The groups the chart can draw, as labelled: the lines over time, or the bars; the analyst picks among them."""
    raw, groups = result.raw, list(result.state.group_by)
    if raw.empty or not groups or result.state.source in PROFESSION_SOURCES:
        return []
    time = next((g for g in groups if g in TIME_DIMENSIONS), None)
    if time is not None:
        other = next((g for g in groups if g != time), None)
        return list(dict.fromkeys(group_labels(ordered(raw, [other]), other))) if other else []
    if result.percent:
        return list(dict.fromkeys(" · ".join(parts) for parts in zip(*(group_labels(raw, g) for g in groups))))
    return list(dict.fromkeys(group_labels(raw, groups[0])))


UNION_REASON = ("Counts of people are shown for one {what} at a time, or for all of them together: a total over "
                "several is not a published figure, and the difference between two such totals could reveal a "
                "small number. To compare {plural}, group by {what} instead of choosing several.")
_PLURALS = {"department": "departments", "grade": "grades", "role_type": "role types"}


DIVERSITY_UNION_NOTE = ("A share for several {plural} together is shown only where each {what}'s own figures are "
                        "published: it is then a sum of published figures. Where one of them is [c], so is the "
                        "total; group by {what} to see each one.")
POPULATION_REASON = ("A share for the GSE profession and the Civil Service added together is not a figure either "
                     "publishes: group by population to compare them.")
ROLE_TYPE_REASON = ("Diversity figures are published by department and by grade, not by role type: choose all "
                    "role types, and group by department or grade.")


def _refused(state: ExploreState, as_at: str, measure: str, unions: list[str], reason: str = "") -> ExploreResult:
    """A result that shows no figure, saying why a union of values (or a breakdown) is refused for counts of people."""
    reasons = [UNION_REASON.format(what=LABELS[u].lower(), plural=_PLURALS[u]) for u in unions]
    message = " ".join(dict.fromkeys([*reasons, reason] if reason else reasons))
    context = FigureContext(measure=measure, groups=state.group_by, people=True, period=None,
                       subtitle=f"{measure}, {describe_filters(state)}, as known at {as_at}", source="Not shown")
    _, chart, _ = empty_result(context)
    chart.title = (f"{measure}: choose one value of each breakdown, or all" if unions
                   else f"{measure}: group by population to compare" if reason == POPULATION_REASON
                   else f"{measure}: published by department and by grade only")
    chart.note = message
    chart.alt_text = f"Empty chart: {message}"
    table = pd.DataFrame({"Result": [message]})
    chart.table = table
    return ExploreResult(state=state, as_at=as_at, measure=measure, raw=pd.DataFrame(), display=table,
                         chart=chart, people=True, notes=[message])


def _protected_lookup(conn: sqlite3.Connection, as_at: str, threshold: int, filters: Mapping[str, Sequence],
                      indicator: str = published.INDICATOR) -> Callable[[str, dict], tuple[float, bool]]:
    """(period, selection) -> (figure, hidden) for INDICATOR, from each complete period's protected table.

    A period without cells (a total published on its own) shows its stored total, hidden when small.
    ``lookup.revised(period, selection)`` says whether a published figure was revised since first shown.
    """
    fixed = {name: values[0] for name, values in filters.items() if name in queries.BREAKDOWNS and values}
    complete = set(queries.complete_cell_periods(conn, indicator, as_at, published.POPULATION))
    totals: dict[str, float] = {}
    tables: dict[str, protection.ProtectedTable] = {}

    def table_of(period: str) -> protection.ProtectedTable:
        if period not in tables:
            tables[period] = published.table(conn, as_at, period, threshold, indicator)
        return tables[period]

    def lookup(period: str, selection: dict) -> tuple[float, bool]:
        chosen = {**fixed, **selection}
        if period in complete:
            table = table_of(period)
            key = table.key(**{d: chosen.get(d, store.ALL) for d in protection.DIMENSIONS})
            if key is None:
                return 0.0, True
            return float(table.values[key]), table.is_hidden(key)
        if period not in totals:
            series = queries.observation_series(conn, indicator, as_at, population=published.POPULATION,
                                                **{d: chosen.get(d, store.ALL) for d in protection.DIMENSIONS})
            totals.update(zip(series["period"], series["value"]))
        value = float(totals.get(period, 0.0))
        return value, value < threshold

    def labels(period: str, dimension: str) -> tuple[str, ...]:
        """Every value of DIMENSION in PERIOD's table: a group of nobody is listed too, as [c]."""
        return table_of(period).labels[dimension] if period in complete else ()

    def revised(period: str, selection: dict) -> bool | None:
        """Whether the figure is published and was revised since first shown; None for a period of totals only."""
        if period not in complete:
            return None
        table = table_of(period)
        chosen = {**fixed, **selection}
        key = table.key(**{d: chosen.get(d, store.ALL) for d in protection.DIMENSIONS})
        return key is not None and key in table.revised
    lookup.labels = labels  # type: ignore[attr-defined]
    lookup.revised = revised  # type: ignore[attr-defined]
    return lookup


def _published_shares(conn: sqlite3.Connection, raw: pd.DataFrame, code: str, filters: Mapping[str, Sequence],
                      group_by: Sequence[str], as_at: str, threshold: int) -> pd.DataFrame:
    """RAW with the profession's shares, declared counts and rates replaced by the published ones.

    Each GSE row's figures come from its period's protected table (protected_diversity): for the
    department and grade the row stands for, or the union the filters chose, which is shown only
    where every part is published (a sum of published figures). ``published`` marks those rows;
    their numerator is dropped, and share, denominator (declared) and declaration_rate are the
    shown values (NaN where hidden). Rows of the Civil Service (the publisher's) stay as they are.
    """
    frame = raw.copy()
    frame["published"] = False
    frame["unreliable"] = False
    tables: dict[str, protected_diversity.DiversityTable | None] = {}
    populations = filters.get("population", store.POPULATIONS)
    for index, row in frame.iterrows():
        population = row["population"] if "population" in frame else (populations[0] if len(populations) == 1
                                                                      else None)
        if population != protected_diversity.POPULATION or pd.isna(row["numerator"]) or pd.isna(row["denominator"]):
            continue  # the Civil Service's figures, and shares published without counts (2015), as given
        period = row["period"] if "period" in frame else row["latest_period"]
        if period not in tables:
            tables[period] = protected_diversity.table(conn, code, as_at, period, threshold)
        found = tables[period]
        selection = {by: tuple(filters.get(by, ())) for by in protected_diversity.BREAKDOWNS}
        for by in protected_diversity.BREAKDOWNS:
            if by in group_by:
                selection[by] = (row[by],)
        shown = found.union(selection) if found is not None else protected_diversity.HIDDEN
        frame.at[index, "published"] = True
        frame.at[index, "numerator"] = float("nan")
        for column, value in (("share", shown.share), ("denominator", shown.declared),
                              ("declaration_rate", shown.declaration_rate)):
            frame.at[index, column] = float("nan") if value is None else float(value)
        frame.at[index, "unreliable"] = shown.unreliable
    return frame


def _observation_notes(raw: pd.DataFrame, state: ExploreState,
                       protected: Callable[[str, dict], tuple[float, bool]] | None = None) -> list[str]:
    """Notes on the figures shown: revised, provisional, and any qualifier with its figure.

    For a protected count of people (PROTECTED) a note is about published figures only: a hidden
    figure's qualifier, revision or provisional mark is not mentioned (a note saying "about 3" under
    [c] would print it), and [r] marks a published figure whose value changed since first shown.
    """
    rows = raw
    revised = bool(raw["revised"].any())
    if protected is not None:
        def selection(row) -> tuple[str, dict]:
            period = row["period"] if "period" in raw else row["latest_period"]
            return period, {g: row[g] for g in state.group_by if g in queries.BREAKDOWNS}

        shown, revised = [], False
        for _, row in raw.iterrows():
            period, chosen = selection(row)
            _, hidden = protected(period, chosen)
            shown.append(not hidden)
            if not hidden:
                marked = protected.revised(period, chosen)  # type: ignore[attr-defined]
                revised |= bool(row["revised"]) if marked is None else marked
        rows = raw[pd.Series(shown, index=raw.index, dtype=bool)]
    notes = []
    if revised:
        notes.append("Some figures have been revised since first published [r].")
    if rows["provisional"].any():
        notes.append("Some figures are provisional.")
    for row in rows[rows["qualifier"].fillna("") != ""].itertuples():
        where = row.period if "period" in rows else row.latest_period
        notes.append(f"The figure for {where} is '{row.qualifier} {row.value:,.0f}'.")
    return notes


def _commitment_counts(conn: sqlite3.Connection, state: ExploreState, as_at: str, group_by: Sequence[str],
                       filters: Mapping[str, Sequence], due: bool) -> pd.DataFrame:
    """Commitments counted by GROUP_BY within FILTERS, at AS_AT or at each Board (quarter) when grouped by one.

    DUE keeps only the commitments due by the date they are counted at (AS_AT, or each Board's).
    """
    time = next((g for g in group_by if g in (BOARD, QUARTER)), None)
    if time:
        other = next((g for g in group_by if g != time), None)
        return over_time.grouped_over_time(conn, time, as_at, by=other, filters=filters,
                                           due_from=state.period_from, due_to=state.period_to, due_by_each=due)
    due_to = min(filter(None, [state.period_to, as_at])) if due else state.period_to
    return commitment_groups(conn, as_at, group_by=group_by, filters=filters, due_from=state.period_from,
                             due_to=due_to)


def _commitment_shares(conn: sqlite3.Connection, state: ExploreState, as_at: str) -> pd.DataFrame:
    """Each group's commitments as a share of its whole: the commitments of the same workstream, horizon and
    date (POPULATION_DIMENSIONS) within the same workstream and horizon filters, all of them or those due."""
    due = state.measure == SHARE_DUE
    part = _commitment_counts(conn, state, as_at, state.group_by, state.filters, due)
    keys = [g for g in state.group_by if g in POPULATION_DIMENSIONS]
    whole_filters = {k: v for k, v in state.filters.items() if k in POPULATION_DIMENSIONS}
    whole = _commitment_counts(conn, state, as_at, keys, whole_filters, due)
    whole = whole[[*keys, "commitments"]].rename(columns={"commitments": "whole"})
    frame = part.merge(whole, on=keys, how="left") if keys else part.assign(whole=int(whole["whole"].sum()))
    frame["whole"] = frame["whole"].fillna(0).astype("int64")
    frame["share"] = (100 * frame["commitments"] / frame["whole"]).where(frame["whole"] > 0)
    return frame


def _run_commitments(conn: sqlite3.Connection, state: ExploreState, as_at: str) -> ExploreResult:
    if state.measure in (SHARE, SHARE_DUE):
        return _run_commitment_shares(conn, state, as_at)
    time = next((g for g in state.group_by if g in (BOARD, QUARTER)), None)
    if time:
        other = next((g for g in state.group_by if g != time), None)
        raw = over_time.grouped_over_time(conn, time, as_at, by=other, filters=state.filters,
                                          due_from=state.period_from, due_to=state.period_to)
        raw = ordered(raw, state.group_by)
        when = (f"at each {'Board meeting' if time == BOARD else 'quarter end'} to {as_at}, each as known on its "
                "date")
    else:
        raw = ranked(ordered(commitment_groups(conn, as_at, group_by=state.group_by, filters=state.filters,
                                                 due_from=state.period_from, due_to=state.period_to), state.group_by),
                      state.group_by, "commitments")
        when = f"as known at {as_at}"
    illustrative = bool(not raw.empty and raw["illustrative"].any())
    context = FigureContext(
        measure="Commitments", groups=state.group_by, people=False, period=None,
        subtitle=f"Commitments in the strategy's Annex A, {describe_filters(state)}, {when}",
        source=COMMITMENTS_SOURCE_LINE + (" (illustrative history)" if illustrative else ""),
        subject=_subject("Commitments", state), show=state.show)
    if raw.empty:
        display, chart, notes = empty_result(context)
    else:
        display, chart, notes = count_result(raw, raw["commitments"], context, None)
        if "overdue" in state.group_by and not time:
            chart.title = _overdue_title(raw, state.group_by)
    return ExploreResult(state=state, as_at=as_at, measure="Commitments", raw=raw, display=display, chart=chart,
                         people=False, notes=notes)


def _run_professions(conn: sqlite3.Connection, state: ExploreState, as_at: str, threshold: int,
                     profession: str) -> ExploreResult:
    """Every profession of post on one measure in the latest release, ranked, PROFESSION highlighted."""
    measure = PROFESSION_SOURCES[state.source]
    comparison = official_views.profession_comparison(conn, as_at, profession, threshold)
    name = PROFESSION_LABELS[state.source]
    if comparison.empty:
        context = FigureContext(measure=name, groups=state.group_by, people=True, period=None,
                                 subtitle=f"{name}, as known at {as_at}", source="No figures recorded")
        display, chart, notes = empty_result(context)
        return ExploreResult(state=state, as_at=as_at, measure=name, raw=pd.DataFrame(), display=display,
                             chart=chart, people=True, notes=notes, percent=True)
    chart = people_charts.profession_chart(comparison, measure)
    column = comparison.column(measure)
    ranks = dict(zip(*comparison.ranked(measure)[["Profession", "Rank"]].T.values, strict=True))
    display = comparison.table[["Profession", column]].copy()
    display.insert(0, "Rank", [ranks.get(p, "") for p in display["Profession"]])
    service = official_figures.CIVIL_SERVICE
    order = sorted(range(len(display)), key=lambda i: (display["Profession"].iloc[i] == service,
                                                       display["Rank"].iloc[i] == "", display["Rank"].iloc[i] or 0))
    display = display.iloc[order].reset_index(drop=True)
    chart.table = display
    notes = [n for n in [chart.note] if n]
    if display[column].isin([disclosure.CONFIDENTIAL]).any():
        notes.append(f"[c]: suppressed by the publisher, or a count (or a share's count) below {threshold}.")
    raw = comparison.table.assign(illustrative=0)
    return ExploreResult(state=state, as_at=as_at, measure=name, raw=raw, display=display, chart=chart,
                         people=True, period=f"{comparison.year}-03-31", notes=notes,
                         percent=official_figures.COMPARED[measure][1] == "percent")


def _run_commitment_shares(conn: sqlite3.Connection, state: ExploreState, as_at: str) -> ExploreResult:
    """Commitments as a share (%) of their group's commitments, all of them or those due, by any grouping."""
    time = next((g for g in state.group_by if g in (BOARD, QUARTER)), None)
    raw = ordered(_commitment_shares(conn, state, as_at), state.group_by)
    due = state.measure == SHARE_DUE
    whole = "commitments due" if due else "commitments"
    within = [g for g in state.group_by if g in POPULATION_DIMENSIONS and g not in (BOARD, QUARTER)]
    where = (" of the same " + " and ".join(LABELS[g].lower() for g in within) if within else "") + (
        f" at each {LABELS[time].lower()}" if time else "")
    when = (f"at each {'Board meeting' if time == BOARD else 'quarter end'} to {as_at}, each as known on its date"
            if time else f"as known at {as_at}")
    illustrative = bool(not raw.empty and raw["illustrative"].any())
    measure = MEASURES[state.measure]
    context = FigureContext(
        measure=measure.removesuffix(" (%)"), groups=state.group_by, people=False, period=None,
        subtitle=f"Commitments as a percentage of the {whole}{where}"
                 f"{' (due: their date has passed)' if due else ''}, {describe_filters(state)}, {when}",
        source=COMMITMENTS_SOURCE_LINE + (" (illustrative history)" if illustrative else ""),
        subject=_subject(measure.removesuffix(" (%)"), state), show=state.show)
    if raw.empty:
        display, chart, notes = empty_result(context)
    else:
        display, chart, notes = percent_result(raw, context, 0, counts=("commitments", "whole"))
        notes.append(f"Share: the commitments in each row as a percentage of the {whole}{where} "
                     "(the workstream and horizon filters and due dates define the whole; status, rating and past "
                     "its date pick the part).")
    return ExploreResult(state=state, as_at=as_at, measure=measure, raw=raw, display=display, chart=chart,
                         people=False, notes=notes, percent=True)


def _overdue_title(raw: pd.DataFrame, group_by: Sequence[str]) -> str:
    """'3 of 45 commitments are past their date: WS1 …, WS2 …': the message when that is a grouping."""
    late = raw[raw["overdue"] == OVERDUE]
    count, total = int(late["commitments"].sum()), int(raw["commitments"].sum())
    title = f"{count} of {total} commitments {'is past its' if count == 1 else 'are past their'} date"
    other = next((g for g in group_by if g != "overdue"), None)
    if count and other:
        title += " in " + ", ".join(dict.fromkeys(group_labels(late, other)))
    return title
