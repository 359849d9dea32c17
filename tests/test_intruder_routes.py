"""The intruder, route by route: crafted returns imported through the documented imports, every view harvested.

Six routes once gave small counts away (issue 29): joiners and leavers on Membership, Explore's
joiners and leavers, a return with one role type, a correction across as-at dates, a qualifier
printing a hidden value, and diversity headcounts taken with the members table. Each test here
builds the return that route needs as CSV files, imports them as an editor would (validate, then
apply), harvests every view a viewer has at two or more as-at dates around a correction, and
bounds every hidden cell with linear and integer programming (intruder_routes). Run with ``-s``
to see the counts.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from . import intruder_routes as routes
from . import intruder_views as views
from .test_intruder import (
    DIV_CELLS,
    DIVERSITY,
    DIVERSITY_AS_AT,
    DIVERSITY_DEPARTMENTS,
    DIVERSITY_PERIOD,
    DIVERSITY_RECORDED,
    GRADES,
    ROLES,
    DiversityPublished,
    _import,
    _write_csv,
    build_crafted_diversity,
    diversity_attack,
    harvest_diversity,
)

THRESHOLD = 10
ALL = "All"
DEPTS = ("Dept North", "Dept South", "Dept East")
FIRST, SECOND = "2025-03-31", "2025-06-30"
FIRST_RECORDED, SECOND_RECORDED, CORRECTED = "2025-04-03T10:00:00", "2025-07-03T10:00:00", "2025-08-05T10:00:00"
# A viewer looks after the first quarter, after the second, and after its correction.
BEFORE, AFTER = "2025-07-20", "2025-08-20"
AS_AT = ("2025-04-20", BEFORE, AFTER)
HEADER = ["indicator", "period", "population", "department", "grade", "role_type", "value", "qualifier", "source"]
SOURCE = "Crafted HR return"

# Route 3: a return with one role type; one small cell among large ones.
ONE_ROLE = {(d, g, "Policy"): v for (d, g), v in zip(itertools.product(DEPTS, GRADES),
                                                      (31, 24, 3, 28, 35, 17, 22, 19, 15))}
# Routes 4 and 5: a full return with small cells; one of 9 is later corrected to 10, one of 3 is "about 3".
SECOND_CELLS = dict(zip(itertools.product(DEPTS, GRADES, ROLES),
                        (34, 9, 27, 3, 41, 12, 2, 30, 25, 38, 7, 19, 44, 22, 5, 33, 26, 4)))
CORRECTED_CELL, QUALIFIED_CELL = ("Dept North", "EO", "Policy"), ("Dept North", "HEO", "Deep specialist")
SECOND_CORRECTED = {**SECOND_CELLS, CORRECTED_CELL: 10}
# Routes 1 and 2: joiners and leavers, the first quarter as totals only, the second by cell.
FIRST_FLOWS = {"joiners": 5, "leavers": 3}
FLOWS = {"joiners": dict(zip(itertools.product(DEPTS, GRADES, ROLES),
                             (4, 0, 6, 1, 12, 2, 0, 3, 5, 11, 1, 0, 7, 2, 3, 1, 0, 2))),
         "leavers": dict(zip(itertools.product(DEPTS, GRADES, ROLES),
                             (1, 3, 0, 2, 1, 14, 3, 0, 1, 2, 4, 1, 0, 6, 1, 0, 2, 1)))}
TOTAL_CELL = (ALL, ALL, ALL)

TRUTH = routes.Truth({
    ("members", FIRST): [(FIRST_RECORDED[:10], ONE_ROLE)],
    ("members", SECOND): [(SECOND_RECORDED[:10], SECOND_CELLS), (CORRECTED[:10], SECOND_CORRECTED)],
    ("joiners", FIRST): [(FIRST_RECORDED[:10], {TOTAL_CELL: FIRST_FLOWS["joiners"]})],
    ("leavers", FIRST): [(FIRST_RECORDED[:10], {TOTAL_CELL: FIRST_FLOWS["leavers"]})],
    ("joiners", SECOND): [(SECOND_RECORDED[:10], FLOWS["joiners"])],
    ("leavers", SECOND): [(SECOND_RECORDED[:10], FLOWS["leavers"])],
})


def _rows(indicator: str, period: str, cells: dict, qualified=()) -> list[list]:
    rows = [[indicator, period, "GSE", d, g, r, v, "about" if (d, g, r) in qualified else "", SOURCE]
            for (d, g, r), v in cells.items()]
    return rows + [[indicator, period, "GSE", "", "", "", sum(cells.values()), "", SOURCE]]


def build_routes(folder: Path) -> Path:
    """The strategy, then the crafted returns imported through the observations import, and a correction."""
    monkeypatch = pytest.MonkeyPatch()
    path = folder / "gse.db"
    from gse_dashboard.seed.build import build_database
    build_database(path, sample=False)
    first = _rows("members", FIRST, ONE_ROLE) + [
        [code, FIRST, "GSE", "", "", "", value, "", SOURCE] for code, value in FIRST_FLOWS.items()]
    second = (_rows("members", SECOND, SECOND_CELLS, qualified={QUALIFIED_CELL})
              + _rows("joiners", SECOND, FLOWS["joiners"]) + _rows("leavers", SECOND, FLOWS["leavers"]))
    d, g, r = CORRECTED_CELL
    correction = [["members", SECOND, "GSE", d, g, r, SECOND_CORRECTED[CORRECTED_CELL], "", SOURCE]]
    try:
        _import(path, "observations", _write_csv(folder / "q1.csv", [HEADER, *first]), FIRST_RECORDED, monkeypatch)
        _import(path, "observations", _write_csv(folder / "q2.csv", [HEADER, *second]), SECOND_RECORDED,
                monkeypatch)
        _import(path, "observations", _write_csv(folder / "q2-correction.csv", [HEADER, *correction]), CORRECTED,
                monkeypatch)
    finally:
        monkeypatch.undo()
    return path


@pytest.fixture(scope="module")
def routes_db(tmp_path_factory) -> Path:
    return build_routes(tmp_path_factory.mktemp("routes"))


def _report(name: str, result: dict, capsys) -> None:
    with capsys.disabled():
        print(f"\nroute {name}: {result['figures']} figures; {result['small']} small cells; "
              f"{result['small shown']} small shown outright; {result['fixed']} fixed exactly; "
              f"{result['narrowed']} cells narrowed below {THRESHOLD} values")
        for line in result["details"][:8]:
            print("   ", line)


def _members_views(path: Path, harvest: routes.Harvest, dates) -> None:
    """Membership (every filter), the Board pack, Explore's members links and the Overview's changes, at DATES."""
    members = harvest.collector("members")
    views.harvest_changes(path, AS_AT, THRESHOLD, {"members": members})
    for as_at in dates:
        views.harvest_membership(path, as_at, THRESHOLD, members)
        views.harvest_pack(path, as_at, THRESHOLD, members)
        views.harvest_explore_source(path, as_at, THRESHOLD, members, "members", DEPTS, GRADES, ROLES)


def _clean(result: dict) -> bool:
    return result["small shown"] == 0 and result["narrowed"] == 0


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_route_1_membership_shows_no_small_joiners_or_leavers(routes_db, capsys):
    """Membership's joined / left headline and chart, and the Overview's changes, give no small flow away."""
    harvest = routes.Harvest(TRUTH)
    for as_at in AS_AT:
        views.harvest_flows(routes_db, as_at, THRESHOLD, harvest.collector("joiners"), harvest.collector("leavers"))
    views.harvest_changes(routes_db, AS_AT, THRESHOLD, {code: harvest.collector(code) for code in FIRST_FLOWS})
    result = routes.attack(harvest, THRESHOLD, {("joiners", FIRST), ("leavers", FIRST), ("joiners", SECOND),
                                                ("leavers", SECOND)})
    _report("1 (Membership joiners and leavers)", result, capsys)
    assert harvest.contradictions == []
    assert _clean(result), result["details"][:5]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_route_2_explore_joiners_and_leavers_are_protected_as_one_table(routes_db, capsys):
    """Every Explore link for joiners and leavers, put together, narrows no hidden cell below the threshold."""
    harvest = routes.Harvest(TRUTH)
    for source in ("joiners", "leavers"):
        for as_at in AS_AT[2:]:
            views.harvest_explore_source(routes_db, as_at, THRESHOLD, harvest.collector(source), source, DEPTS,
                                         GRADES, ROLES)
    result = routes.attack(harvest, THRESHOLD, {("joiners", SECOND), ("leavers", SECOND)})
    _report("2 (Explore joiners and leavers)", result, capsys)
    assert harvest.contradictions == []
    assert result["figures"] >= 10  # the views did show figures (the one-way margins and totals; cells mostly small)
    assert _clean(result), result["details"][:5]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_route_3_a_one_role_type_return_keeps_its_small_cell(routes_db, capsys):
    """With one role type, the headline is the table's published total (or hidden): no cell follows by subtraction."""
    harvest = routes.Harvest(TRUTH)
    _members_views(routes_db, harvest, AS_AT[:1])
    result = routes.attack(harvest, THRESHOLD, {("members", FIRST)})
    _report("3 (one role type)", result, capsys)
    assert harvest.contradictions == []
    assert _clean(result), result["details"][:5]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_route_4_a_correction_publishes_nothing_that_narrows_a_hidden_cell(routes_db, capsys):
    """Every view before and after a correction, harvested together, narrows no hidden cell of either version."""
    harvest = routes.Harvest(TRUTH)
    _members_views(routes_db, harvest, AS_AT[1:])
    result = routes.attack(harvest, THRESHOLD, {("members", SECOND)})
    _report("4 (a correction across as-at dates)", result, capsys)
    assert harvest.contradictions == [], harvest.contradictions[:5]
    assert _clean(result), result["details"][:5]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_route_5_no_note_prints_a_hidden_value(routes_db, capsys):
    """No Explore note (qualifier, revision, provisional) prints a figure the table hides, in the CSV or on screen."""
    harvest = routes.Harvest(TRUTH)
    members = harvest.collector("members")
    printed = 0
    for as_at in AS_AT[1:]:
        for filters, notes in views.harvest_explore_source(routes_db, as_at, THRESHOLD, members, "members", DEPTS,
                                                           GRADES, ROLES):
            for period, value in routes.qualified_figures(notes):
                printed += 1
                members.add(period, as_at, filters, value, f"Explore note {filters} at {as_at}")
    result = routes.attack(harvest, THRESHOLD, {("members", SECOND)})
    _report(f"5 (qualifiers; {printed} figures printed in notes)", result, capsys)
    assert harvest.contradictions == []
    assert _clean(result), result["details"][:5]


def test_the_headline_after_a_correction_is_the_tables_total(routes_db):
    """After a correction (9 to 10) the whole-profession headline is the table's published total, not the stored one."""
    from gse_dashboard.people import published
    from gse_dashboard.storage import store

    database = store.connect(routes_db, readonly=True)
    try:
        series = published.series(database.conn, AFTER, THRESHOLD)
        table = published.table(database.conn, AFTER, SECOND, THRESHOLD)
    finally:
        database.close()
    shown = series.set_index("period").loc[SECOND]
    total = table.figure()
    assert sum(SECOND_CORRECTED.values()) == sum(SECOND_CELLS.values()) + 1
    if total is None:
        assert bool(shown["hidden"]) and math.isnan(shown["value"])
    else:
        assert shown["value"] == total == sum(SECOND_CORRECTED.values())


# -- route 6: a diversity return whose headcounts are the members table's cells -------------------------------

class MembersAsHeadcounts:
    """Members figures as constraints on a diversity table's headcounts (in the group + others + undeclared)."""

    def __init__(self, published: DiversityPublished):
        self.published = published
        self.figures = 0

    def add(self, period, as_at, selection, value, where) -> None:
        number = routes._number(value)
        if period != DIVERSITY_PERIOD or number is None:
            return
        cells = DiversityPublished.cells(selection)
        if not cells:
            return
        truth = sum(sum(DIVERSITY[c]) for c in cells)
        if number != truth:
            self.published.contradictions.append(f"{where}: members {number}, truth {truth}")
            return
        self.figures += 1
        self.published.equalities.append(({3 * DIV_CELLS.index(c) + s: 1.0 for c in cells for s in (0, 1, 2)},
                                          number))


@pytest.fixture(scope="module")
def joint_db(tmp_path_factory) -> Path:
    """The crafted diversity return, and a members return whose cells are its headcounts (the normal case)."""
    folder = tmp_path_factory.mktemp("joint")
    path = build_crafted_diversity(folder)
    rows = [["members", DIVERSITY_PERIOD, "GSE", d, g, r, sum(DIVERSITY[(d, g, r)]), "", SOURCE]
            for d, g, r in DIV_CELLS]
    rows.append(["members", DIVERSITY_PERIOD, "GSE", "", "", "", sum(sum(v) for v in DIVERSITY.values()), "",
                 SOURCE])
    monkeypatch = pytest.MonkeyPatch()
    try:
        _import(path, "observations", _write_csv(folder / "members.csv", [HEADER, *rows]), DIVERSITY_RECORDED,
                monkeypatch)
    finally:
        monkeypatch.undo()
    return path


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_route_6_diversity_and_members_together_narrow_no_hidden_count(joint_db, capsys):
    """Diversity figures and the members table whose cells are the return's headcounts, together, narrow nothing."""
    published = harvest_diversity(joint_db)
    members = MembersAsHeadcounts(published)
    views.harvest_membership(joint_db, DIVERSITY_AS_AT, THRESHOLD, members)
    views.harvest_explore_source(joint_db, DIVERSITY_AS_AT, THRESHOLD, members, "members", DIVERSITY_DEPARTMENTS,
                                 GRADES, ROLES)
    result = diversity_attack(published)
    with capsys.disabled():
        print(f"\nroute 6 (diversity with members): {result['figures']} diversity figures, {members.figures} "
              f"members figures; {result['small']} small; {result['shown outright']} shown outright; "
              f"{result['fixed exactly']} fixed exactly; {result['narrowed']} narrowed below {THRESHOLD} values")
        for line in result["details"][:8]:
            print("   ", line)
    assert published.contradictions == [], published.contradictions[:5]
    assert members.figures > 20
    assert result["shown outright"] == 0 and result["narrowed"] == 0, result["details"][:10]
