"""Cached loaders: (database path, revision, as-at date) in, small answers out.

Loaders are cached on a small key, never on a DataFrame; every write bumps the revision, so a
cached answer is never stale.
"""

from __future__ import annotations

import contextlib
import threading

import pandas as pd
import streamlit as st

from .. import db as store
from .. import metrics, published, queries
from ..tables import (
    format_date,
)
from ..vocabulary import DIVERSITY_WORKSTREAM, LAUNCH_DATE, STRATEGY_END


@st.cache_data(show_spinner=False, max_entries=64)
def load_status(path: str, rev: str, as_at: str) -> pd.DataFrame:
    """Every commitment's status as known at AS_AT (the brief columns): shared by the Overview and its changes."""
    with _read(path) as conn:
        return queries.commitment_status(conn, as_at, brief=True)


@st.cache_data(show_spinner=False, max_entries=64)
def load_overview(path: str, rev: str, as_at: str) -> dict:
    """Everything the Overview page shows at AS_AT, computed once per key.

    Only what the page draws is returned: the cached answer is copied on every run, and the
    full status table of a large database is the part that costs (load_status keeps it).
    """
    with _read(path) as conn:
        ws = queries.workstreams(conn)
        previous = queries.previous_board_date(conn, as_at)
        members = queries.observation_series(conn, "members", as_at, population="GSE")
        scs = queries.observation_series(conn, "members", as_at, population="GSE", grade="SCS")
    status = load_status(path, rev, as_at)
    before = load_status(path, rev, previous) if previous else None
    return {
        "workstreams": ws,
        "summary": metrics.workstream_summary(status, ws, as_at),
        "headline": metrics.headline(status, as_at),
        "previous_board": previous,
        "headline_before": metrics.headline(before, previous) if before is not None else None,
        "members": members,
        "scs": scs,
    }


@st.cache_data(show_spinner=False, max_entries=64)
def load_workstream(path: str, rev: str, as_at: str, number: int) -> dict:
    """One workstream's commitments, trajectory and indicators at AS_AT."""
    with _read(path) as conn:
        status = metrics.with_flags(queries.commitment_status(conn, as_at, workstream=number), as_at)
        updates = queries.known_updates(conn, as_at, workstream=number)
        indicator_defs = queries.indicators(conn, workstream=number)
        indicator_data = {
            row.code: (queries.observation_series(conn, row.code, as_at, population="GSE"),
                       queries.targets(conn, row.code, as_at))
            for row in indicator_defs.itertuples() if row.category == "workstream"
        }
    end = max(as_at, STRATEGY_END)
    return {
        "status": status,
        "trajectory": metrics.trajectory(status, updates, metrics.timeline_dates(LAUNCH_DATE, end), as_at),
        "indicators": indicator_defs[indicator_defs["category"] == "workstream"],
        "indicator_data": indicator_data,
    }


@st.cache_data(show_spinner=False, max_entries=256)
def load_update_history(path: str, rev: str, as_at: str, ref: str) -> pd.DataFrame:
    """The updates of one commitment known at AS_AT."""
    with _read(path) as conn:
        return queries.update_history(conn, ref, as_at)


@st.cache_data(show_spinner=False, max_entries=8)
def load_basics(path: str, rev: str) -> dict:
    """Facts that do not depend on the as-at date: workstreams, the latest date, meetings."""
    with _read(path) as conn:
        latest = queries.latest_data_date(conn)
        return {
            "workstreams": queries.workstreams(conn),
            "latest": latest,
            "meetings": queries.board_meetings(conn, latest),
            "illustrative": queries.illustrative_in_use(conn),
            "indicators": queries.indicators(conn),
        }


# Every loader reads through one connection per call, opened by the store layer.
_read = store.reading


@st.cache_data(show_spinner=False, max_entries=64)
def load_changes(path: str, rev: str, since: str, until: str) -> dict:
    """What changed between two dates, each side as known on its own date."""
    before = load_status(path, rev, since)
    after = load_status(path, rev, until)
    with _read(path) as conn:
        counts = queries.indicators(conn)
        counts = counts[(counts["unit"] == "count") & (counts["category"] != "diversity")]
        series = {when: {code: queries.observation_series(conn, code, when, population="GSE")
                         for code in counts["code"]} for when in (since, until)}
    return {
        "commitments": metrics.changes_between(before, after, since, until),
        "indicators": metrics.indicator_movements(series[since], series[until],
                                                  dict(zip(counts["code"], counts["name"]))),
    }


@st.cache_data(show_spinner=False, max_entries=8)
def load_real_figures(path: str, rev: str) -> pd.DataFrame:
    """The real baseline figures (not illustrative), with their sources, for About the data."""
    with _read(path) as conn:
        real = queries.observations_export(conn, real_only=True)
    return pd.DataFrame({
        "Measure": real["indicator_name"],
        "Population": real["population"],
        "Breakdown": real["grade"].where(real["grade"] != store.ALL, "All"),
        "Refers to": real["period"].map(format_date),
        "Figure": [f"{q + ' ' if q else ''}{v:,.1f}%" if u == "percent" else f"{q + ' ' if q else ''}{v:,.0f}"
                   for q, v, u in zip(real["qualifier"], real["value"], real["unit"])],
        "Note": real["note"],
        "Source": real["source"],
    })


@st.cache_data(show_spinner=False, max_entries=64)
def load_membership(path: str, rev: str, as_at: str, department: str, grade: str, role_type: str,
                    threshold: int) -> dict:
    """Membership over time and its breakdowns at AS_AT for one choice of filters, as published."""
    with _read(path) as conn:
        return published.membership(conn, as_at, threshold, department, grade, role_type)


@st.cache_data(show_spinner=False, max_entries=8)
def load_breakdown_values(path: str, rev: str) -> dict[str, list[str]]:
    """The departments, grades and role types membership uses: the same at every as-at date."""
    with _read(path) as conn:
        return queries.breakdown_values(conn)


@st.cache_data(show_spinner=False, max_entries=64)
def load_diversity(path: str, rev: str, as_at: str) -> dict:
    """Diversity against the Civil Service, declaration rates and breakdowns, at AS_AT."""
    with _read(path) as conn:
        series = queries.diversity_series(conn, as_at)
        definitions = queries.indicators(conn, category="diversity")
        breakdowns = {(code, by): queries.diversity_breakdown(conn, code, as_at, by)
                      for code in definitions["code"] for by in ("grade", "department")}
        status = metrics.with_flags(queries.commitment_status(conn, as_at, workstream=DIVERSITY_WORKSTREAM), as_at)
    return {"series": series, "gaps": metrics.benchmark_gaps(series), "definitions": definitions,
            "breakdowns": breakdowns, "status": status}


@st.cache_resource(show_spinner=False, max_entries=4)
def warm_protected_tables(path: str, rev: str, threshold: int) -> threading.Thread:
    """Protect the latest complete period's table in the background, once per database revision.

    Every Membership, Explore and Board pack view of people counts starts from it; building it
    here while the first page is read keeps that page from waiting (protection.protect_cached
    keeps it for every session). Earlier periods are protected when a chart over time needs them.
    """
    def work() -> None:
        with contextlib.suppress(Exception), _read(path) as conn:
            as_at = queries.latest_data_date(conn)
            period = published.latest_period(conn, as_at)
            if period:
                published.table(conn, as_at, period, threshold)

    thread = threading.Thread(target=work, name="protect-latest-table", daemon=True)
    thread.start()
    return thread
