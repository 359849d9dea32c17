"""What each view shows a viewer, read through the same package functions the pages call (no Streamlit).

Used by test_intruder: each harvest_* function adds every figure its view shows to a
`Published` collection, as (period, the selection the figure sums, value).
"""

from __future__ import annotations

import inspect
import itertools
import warnings

import pandas as pd

from gse_dashboard import explore, ui
from gse_dashboard import importers as im
from gse_dashboard.board import pack, pack_sections
from gse_dashboard.charts import tables
from gse_dashboard.explore.choices import LABELS as _LABELS
from gse_dashboard.people import published as figures
from gse_dashboard.storage import store
from gse_dashboard.ui import loaders

DIMENSIONS = ("department", "grade", "role_type")
LABEL_TO_DIMENSION = {"Department": "department", "Grade": "grade", "Role type": "role_type"}


def mark_complete(path, period, recorded_at, monkeypatch) -> None:
    """Mark PERIOD's members return complete, where the store has such a mark."""
    if not in_parts_supported():
        return
    from gse_dashboard.people import period_returns
    from gse_dashboard.rules import auth
    monkeypatch.setattr(store, "now", lambda: recorded_at)
    period_returns.mark_period_complete(path, "members", period, user=auth.command_line_user("Ivy Intruder"))


def in_parts_supported() -> bool:
    return "in_parts" in inspect.signature(im.apply_import).parameters


def _selection(filters: dict, **more) -> dict[str, tuple[str, ...]]:
    chosen = {k: (v,) for k, v in filters.items() if v != store.ALL}
    chosen.update({k: (v,) for k, v in more.items() if v not in (store.ALL, "Total")})
    return chosen


def _load_membership(path, as_at, filters, threshold):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loader = getattr(loaders.cached_membership, "__wrapped__", loaders.cached_membership)
        return loader(str(path), "0", as_at, **filters, threshold=threshold)


def harvest_membership(path, as_at, threshold, published) -> None:
    """The Membership page for every choice of filters: headlines, changes, charts, tabs and table."""
    values = loaders.cached_breakdown_values.__wrapped__(str(path), "0") \
        if hasattr(loaders.cached_breakdown_values, "__wrapped__") else loaders.cached_breakdown_values(str(path), "0")
    options = [[store.ALL, *values[d]] for d in DIMENSIONS]
    for combo in itertools.product(*options):
        filters = dict(zip(DIMENSIONS, combo))
        data = _load_membership(path, as_at, filters, threshold)
        where = f"Membership {filters} at {as_at}"
        for label, series, selection in (("Members", data.series, _selection(filters)),
                                         ("SCS members", data.scs, _selection(filters, grade="SCS"))):
            shown = membership_headline(data, series, as_at, threshold)
            if shown is None:
                continue
            value, change, period, before_period = shown
            published.add(period, as_at, selection, value, f"{where} headline {label}")
            if change is not None and before_period is not None:
                published.add(before_period, as_at, selection, value - change, f"{where} change {label}")
        for chart_series, selection in ((membership_chart_series(data, threshold, "series"), _selection(filters)),
                                        (membership_chart_series(data, threshold, "scs"),
                                         _selection(filters, grade="SCS"))):
            for period, value in chart_series:
                published.add(period, as_at, selection, value, f"{where} chart")
        if not data.period:
            continue
        for by in DIMENSIONS:
            frame = data.breakdowns[by]
            if frame.empty:
                continue
            table = membership_tab_table(data, frame, by, threshold)
            column = table.columns[0]
            others = {k: v for k, v in filters.items() if k != by}
            for label, value in zip(table[column], table["Members"]):
                published.add(data.period, as_at, _selection(others, **{by: label}), value, f"{where} tab {by}")
        crosstab = membership_crosstab(data, threshold)
        _add_crosstab(published, data.period, as_at, crosstab, "Department", "grade",
                      {"role_type": filters["role_type"]}, f"{where} department by grade")


def membership_headline(data, series, as_at, threshold):
    """What the headline shows: (value, change, period, the earlier period) or None when [c] or [x]."""
    value, change, period = figures.change_since(series, as_at, data.previous_board)
    if value is None:
        return None
    before = series[series["period"] <= data.previous_board] if data.previous_board else series.iloc[0:0]
    before_period = before.iloc[-1]["period"] if not before.empty else None
    return value, change, period, before_period


def membership_chart_series(data, threshold, name):
    """The points the page's chart draws (and its data table lists)."""
    frame = ui.suppressed_series(getattr(data, name), threshold)
    return list(zip(frame["period"], frame["value"]))


def membership_tab_table(data, frame, by, threshold):
    """The tab's table, as the page's chart carries it (people_charts.breakdown_chart builds it with this function)."""
    return tables.protected_line_table(frame, by, ui.BREAKDOWN_LABELS[by], *data.breakdown_totals[by])


def membership_crosstab(data, threshold):
    return tables.protected_crosstab_table(*data.crosstab)


def _add_crosstab(published, period, as_at, table: pd.DataFrame, row_label: str, column_dimension: str,
                  fixed: dict, where: str) -> None:
    row_dimension = LABEL_TO_DIMENSION[row_label]
    base = {k: v for k, v in fixed.items() if v != store.ALL}
    for _, row in table.iterrows():
        for column in table.columns[1:]:
            selection = _selection(base, **{row_dimension: row[row_label], column_dimension: column})
            published.add(period, as_at, selection, row[column], where)


def explore_figures(result) -> list[tuple[str, dict, object]]:
    """Every figure an Explore result's table shows: (period, selection, value)."""
    state = result.state
    display = result.display
    if not result.people or "Result" in display.columns:
        return []
    filters = {k: tuple(v) for k, v in state.filters.items() if k in DIMENSIONS}
    groups = state.group_by
    found = []
    if not groups:
        found.append((result.period, filters, display[display.columns[-1]].iloc[0]))
        return found
    first = display.columns[0]
    if len(groups) == 1:
        group = groups[0]
        for label, value in zip(display[first], display[display.columns[1]]):
            if group == "period":
                found.append((label, filters, value))
            else:
                selection = dict(filters)
                if label != "Total":
                    selection[group] = (label,)
                found.append((result.period, selection, value))
        return found
    rows, columns = (groups[1], groups[0]) if groups[1] == "period" else groups
    for _, row in display.iterrows():
        for column in display.columns[1:]:
            selection = dict(filters)
            period = result.period
            if rows == "period":
                period = row[first]
            elif row[first] != "Total":
                selection[rows] = (row[first],)
            if column != "Total":
                selection[columns] = (column,)
            found.append((period, selection, row[column]))
    return found


def explore_links(departments, grades, roles, *, sample: int = 60, seed: int = 18) -> list[dict]:
    """The Explore links (query parameters) the intruder tries.

    Every single-value selection, with no grouping and over time; every grouping by one or two
    breakdowns with single values elsewhere; and a fixed sample of SAMPLE unions (two values of
    one breakdown with single values of the others: the difference of two such is a cell).
    """
    import random

    options = {"department": departments, "grade": grades, "role_type": roles}
    singles = {d: [()] + [(v,) for v in values] for d, values in options.items()}
    links = []
    for combo in itertools.product(*(singles[d] for d in DIMENSIONS)):
        filters = {d: list(v) for d, v in zip(DIMENSIONS, combo) if v}
        links.append({**filters, "by": "none"})
    unions = []
    for dimension in DIMENSIONS:
        others = [d for d in DIMENSIONS if d != dimension]
        for pair in itertools.combinations(options[dimension], 2):
            for combo in itertools.product(*(singles[d] for d in others)):
                unions.append({dimension: list(pair), **{d: list(v) for d, v in zip(others, combo) if v},
                               "by": "none"})
    links += random.Random(seed).sample(  # noqa: S311 - a fixed, reproducible sample
        unions, min(sample, len(unions)))
    for by in DIMENSIONS:
        others = [d for d in DIMENSIONS if d != by]
        for combo in itertools.product(*(singles[d] for d in others)):
            links.append({**{d: list(v) for d, v in zip(others, combo) if v}, "by": by})
    for pair in itertools.combinations(DIMENSIONS, 2):
        third = next(d for d in DIMENSIONS if d not in pair)
        for value in singles[third]:
            links.append({**({third: list(value)} if value else {}), "by": list(pair)})
    for dimension in DIMENSIONS:
        for value in singles[dimension]:
            links.append({**({dimension: list(value)} if value else {}), "by": "period"})
    return links


def harvest_explore(path, as_at, threshold, published, departments, grades, roles) -> None:
    """Explore's members results for the links a viewer can make (see explore_links)."""
    database = store.connect(path, readonly=True)
    try:
        choices = explore.load_choices(database.conn)
        for params in explore_links(departments, grades, roles):
            state = explore.from_query_params({"source": "members", "as_at": as_at, **params}, choices)
            result = explore.answer(database.conn, state, threshold)
            for period, selection, value in explore_figures(result):
                if period is None:
                    continue
                published.add(period, as_at, selection, value, f"Explore {params} at {as_at}")
    finally:
        database.close()


def harvest_pack(path, as_at, threshold, published) -> None:
    """The Board pack's membership section: headline facts, changes since the last Board, and its tables."""
    snap = pack.read_snapshot(path, as_at, threshold)
    for series, selection in ((snap.members, {}), (snap.scs, {"grade": ("SCS",)})):
        value, change, period = figures.change_since(series, as_at, snap.previous)
        if value is None:
            continue
        published.add(period, as_at, selection, value, f"pack headline at {as_at}")
        if change is not None:
            before = series[series["period"] <= snap.previous]
            if not before.empty:
                published.add(before.iloc[-1]["period"], as_at, selection, value - change, f"pack change at {as_at}")
    period = snap.membership.period
    if not period:
        return
    section = pack_sections.membership_section(snap)
    for block in section.blocks:
        frame = getattr(block, "frame", None)
        if frame is None or frame.empty:
            continue
        first = frame.columns[0]
        if first == "Grade" and "Members" in frame.columns:
            for label, value in zip(frame["Grade"], frame["Members"]):
                published.add(period, as_at, {} if label == "Total" else {"grade": (label,)}, value,
                              f"pack by grade at {as_at}")
        elif first == "Department":
            _add_crosstab(published, period, as_at, frame, "Department", "grade", {}, f"pack crosstab at {as_at}")


# -- diversity: every view of the profession's shares, declared counts and declaration rates ---------------

def _diversity_view(conn, as_at, threshold):
    from gse_dashboard.views import screens
    try:
        return screens.diversity(conn, as_at, threshold)
    except TypeError:  # the code before diversity was protected took no threshold
        return screens.diversity(conn, as_at)


def _number_or_none(value):
    """A shown figure as a number; None for [c], [x], empty or words."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None if value != value else float(value)
    text = str(value).replace("†", "").replace(",", "").replace("%", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def harvest_diversity_page(path, as_at, threshold, published, code="women", period="2025-03-31") -> None:
    """The Diversity page: the summary against the Civil Service, the charts' data and each breakdown table."""
    from gse_dashboard.charts import people_charts
    from gse_dashboard.views import official as official_views

    database = store.connect(path, readonly=True)
    try:
        view = _diversity_view(database.conn, as_at, threshold)
        story = official_views.diversity_story(database.conn, as_at, threshold)
    finally:
        database.close()
    where = f"Diversity page at {as_at}"
    summary = tables.diversity_summary(view)
    name = view.definitions.set_index("code").at[code, "name"]
    row = summary[summary["Characteristic"] == name].iloc[0]
    if row["Year"] == period[:4]:
        published.add({}, share=_number_or_none(row["GSE (% of declared)"]),
                      rate=_number_or_none(row["GSE declaration rate (%)"]), where=f"{where} summary")
    if not story.empty:
        told = story.by_year[(story.by_year["Characteristic"] == view.definitions.set_index("code").at[code, "name"])
                             & (story.by_year["Year"] == period[:4])]
        for _, row in told.iterrows():
            published.add({}, share=_number_or_none(row["Profession (% of declared)"]),
                          rate=_number_or_none(row["Profession declaration rate (%)"]), where=f"{where} story")
    series, gaps = view.of(code)
    for value in gaps.loc[gaps["period"] == period, "gse"]:
        published.add({}, share=_number_or_none(value), where=f"{where} benchmark chart")
    gse = series[(series["population"] == "GSE") & (series["period"] == period)]
    for rate in gse["declaration_rate"]:
        published.add({}, rate=_number_or_none(rate), declared=None, where=f"{where} declaration chart")
    built = people_charts.characteristic(view, code, name, as_at, threshold)
    for by, table in built.tables.items():
        label = by.capitalize()
        for _, shown in table.iterrows():
            published.add({by: (shown[label],)}, share=_number_or_none(shown[f"{name} (% of declared)"]),
                          declared=_number_or_none(shown["Declared"]),
                          rate=_number_or_none(shown["Declaration rate (%)"]), where=f"{where} by {by}")


def diversity_links(departments, grades, roles) -> list[dict]:
    """The Explore links for a diversity source a viewer can make: single values, unions of two, groupings."""
    options = {"department": departments, "grade": grades, "role_type": roles}
    singles = {d: [()] + [(v,) for v in values] for d, values in options.items()}
    links = []
    for combo in itertools.product(*(singles[d] for d in DIMENSIONS)):
        links.append({**{d: list(v) for d, v in zip(DIMENSIONS, combo) if v}, "by": "none"})
    for dimension in ("department", "grade"):
        other = "grade" if dimension == "department" else "department"
        for pair in itertools.combinations(options[dimension], 2):
            for value in singles[other]:
                links.append({dimension: list(pair), **({other: list(value)} if value else {}), "by": "none"})
    for by in DIMENSIONS:
        others = [d for d in DIMENSIONS if d != by]
        for combo in itertools.product(*(singles[d] for d in others)):
            links.append({**{d: list(v) for d, v in zip(others, combo) if v}, "by": by})
    for pair in itertools.combinations(DIMENSIONS, 2):
        links.append({"by": list(pair)})
    links += [{"by": "population"}, {"by": "period"}]
    # Both populations at once: the Civil Service has no department rows, so this would be the profession's own.
    links += [{"population": ["GSE", "Civil Service"], "department": [d], "by": "none"} for d in departments]
    return links


def harvest_diversity_explore(path, as_at, threshold, published, departments, grades, roles, code="women",
                              period="2025-03-31") -> None:
    """Explore's results for a diversity source: the share, declared count and rate of every row shown."""
    database = store.connect(path, readonly=True)
    try:
        choices = explore.load_choices(database.conn)
        for params in diversity_links(departments, grades, roles):
            state = explore.from_query_params({"source": code, "as_at": as_at, **params}, choices)
            result = explore.answer(database.conn, state, threshold)
            display = result.display
            share_column = next((c for c in display.columns if "% of declared" in str(c)), None)
            if share_column is None:
                continue
            filters = {k: tuple(v) for k, v in state.filters.items() if k in DIMENSIONS}
            for _, row in display.iterrows():
                selection = dict(filters)
                population = "GSE"
                for group in state.group_by:
                    label = row[_LABELS[group]]
                    if group in DIMENSIONS:
                        selection[group] = (label,)
                    elif group == "population":
                        population = label
                    elif group == "period" and label != period:
                        population = None
                if population not in ("GSE", "GSE profession"):
                    continue
                published.add(selection, share=_number_or_none(row[share_column]),
                              declared=_number_or_none(row.get("Declared")),
                              rate=_number_or_none(row.get("Declaration rate (%)")),
                              where=f"Explore {params} at {as_at}")
    finally:
        database.close()


def harvest_diversity_pack(path, as_at, threshold, published, code="women", period="2025-03-31") -> None:
    """The Board pack's diversity section: its summary and the shares by grade and by department."""
    snap = pack.read_snapshot(path, as_at, threshold)
    section = pack_sections.diversity_section(snap)
    name = snap.diversity.definitions.set_index("code").at[code, "name"]
    for block in section.blocks:
        frame = getattr(block, "frame", None)
        if frame is None or frame.empty:
            continue
        first = frame.columns[0]
        if first == "Characteristic" and "GSE (% of declared)" in frame.columns:
            row = frame[(frame["Characteristic"] == name) & (frame["Year"] == period[:4])]
            if not row.empty:
                published.add({}, share=_number_or_none(row.iloc[0]["GSE (% of declared)"]),
                              rate=_number_or_none(row.iloc[0]["GSE declaration rate (%)"]),
                              where=f"pack summary at {as_at}")
        elif first in ("Grade", "Department") and name in frame.columns:
            by = first.lower()
            for label, share in zip(frame[first], frame[name]):
                published.add({by: (label,)}, share=_number_or_none(share), where=f"pack by {by} at {as_at}")



# -- every count of people: joiners and leavers, Explore's notes ------------------------------------------

def harvest_flows(path, as_at, threshold, joiners, leavers) -> None:
    """The Membership page's joiners and leavers: the headline and every point of the chart (and its table)."""
    from gse_dashboard.strategy import metrics

    data = _load_membership(path, as_at, dict.fromkeys(DIMENSIONS, store.ALL), threshold)
    for series, collector, name in ((data.joiners, joiners, "joined"), (data.leavers, leavers, "left")):
        if series.empty:
            continue
        if "hidden" in series.columns:
            value, _, period = figures.change_since(series, as_at, None)
            points = series[~series["hidden"].astype(bool)]
        else:
            value, _, period = metrics.change_since(series, as_at, None)
            points = series
        if value is not None:
            collector.add(period, as_at, {}, value, f"Membership headline {name} at {as_at}")
        for period_, value_ in zip(points["period"], points["value"]):
            collector.add(period_, as_at, {}, value_, f"Membership chart {name} at {as_at}")


def harvest_explore_source(path, as_at, threshold, collector, source, departments, grades, roles) -> list:
    """Explore's results for SOURCE (a count of people) for every link a viewer can make; the notes too.

    Returns (period, selection, notes) for each single-figure view, so a test can read what the notes say.
    """
    database = store.connect(path, readonly=True)
    noted = []
    try:
        choices = explore.load_choices(database.conn)
        for params in explore_links(departments, grades, roles):
            state = explore.from_query_params({"source": source, "as_at": as_at, **params}, choices)
            result = explore.answer(database.conn, state, threshold)
            for period, selection, value in explore_figures(result):
                if period is None:
                    continue
                collector.add(period, as_at, selection, value, f"Explore {source} {params} at {as_at}")
            if not state.group_by:
                filters = {k: tuple(v) for k, v in state.filters.items() if k in DIMENSIONS}
                noted.append((filters, list(result.notes)))
    finally:
        database.close()
    return noted


def harvest_changes(path, dates, threshold, collectors: dict) -> None:
    """The Overview's "what changed" indicator table between every two of DATES: the figure then and now.

    COLLECTORS maps an indicator code (members, joiners, leavers) to where its figures go.
    """
    from gse_dashboard.storage import queries
    from gse_dashboard.views import screens

    database = store.connect(path, readonly=True)
    try:
        names = dict(zip(queries.indicators(database.conn)["name"], queries.indicators(database.conn)["code"]))
        for since, until in itertools.combinations(sorted(dates), 2):
            try:
                found = screens.changes(database.conn, since, until, threshold=threshold)
            except TypeError:  # the code before people counts were read as published took no threshold
                found = screens.changes(database.conn, since, until)
            for row in found.indicators.itertuples():
                collector = collectors.get(names.get(row.indicator))
                if collector is None:
                    continue
                if isinstance(row.from_period, str):
                    collector.add(row.from_period, since, {}, row[3], f"changes {since}-{until} then")
                collector.add(row.to_period, until, {}, row.to, f"changes {since}-{until} now")
    finally:
        database.close()
