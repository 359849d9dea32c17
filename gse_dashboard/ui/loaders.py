"""Cached loaders: thin st.cache_data wrappers round the views (views.py), keyed on (path, revision, as-at).

Loaders are cached on a small key, never on a DataFrame; every write bumps the revision, so a
cached answer is never stale. What a loader returns is the view's own dataclass: the pages and
the Board pack read the same objects.
"""

from __future__ import annotations

import contextlib
import threading

import pandas as pd
import streamlit as st

from ..charts import tables
from ..people import official_figures, published
from ..storage import queries, store
from ..views import screens

# Every loader reads through one connection per call, opened by the store layer.
_read = store.reading


@st.cache_data(show_spinner=False, max_entries=64)
def load_status(path: str, rev: str, as_at: str) -> pd.DataFrame:
    """Every commitment's status as known at AS_AT (the brief columns): shared by the Overview and its changes."""
    with _read(path) as conn:
        return queries.commitment_status(conn, as_at, brief=True)


def _cached_status(path: str, rev: str):
    return lambda date: load_status(path, rev, date)


@st.cache_data(show_spinner=False, max_entries=64)
def load_overview(path: str, rev: str, as_at: str, threshold: int) -> screens.Overview:
    """views.overview at AS_AT; the status tables come from load_status, cached on their own."""
    with _read(path) as conn:
        return screens.overview(conn, as_at, threshold, status_at=_cached_status(path, rev))


@st.cache_data(show_spinner=False, max_entries=64)
def load_changes(path: str, rev: str, since: str, until: str, threshold: int) -> screens.Changes:
    """views.changes between two dates, each side as known on its own date; counts of people as published."""
    with _read(path) as conn:
        return screens.changes(conn, since, until, status_at=_cached_status(path, rev), threshold=threshold)


@st.cache_data(show_spinner=False, max_entries=64)
def load_workstream(path: str, rev: str, as_at: str, number: int) -> screens.Workstream:
    """views.workstream: one workstream's commitments, trajectory and indicators at AS_AT."""
    with _read(path) as conn:
        return screens.workstream(conn, as_at, number)


@st.cache_data(show_spinner=False, max_entries=256)
def load_update_history(path: str, rev: str, as_at: str, ref: str) -> pd.DataFrame:
    """The updates of one commitment known at AS_AT."""
    with _read(path) as conn:
        return queries.update_history(conn, ref, as_at)


@st.cache_data(show_spinner=False, max_entries=8)
def load_database_facts(path: str, rev: str) -> screens.DatabaseFacts:
    """views.database_facts: facts that do not depend on the as-at date."""
    with _read(path) as conn:
        return screens.database_facts(conn)


@st.cache_data(show_spinner=False, max_entries=8)
def load_real_figures(path: str, rev: str) -> pd.DataFrame:
    """The real baseline figures (not illustrative), with their sources, for About the data."""
    with _read(path) as conn:
        return tables.real_figures_table(official_figures.real_figures(conn))


@st.cache_data(show_spinner=False, max_entries=64)
def load_membership(path: str, rev: str, as_at: str, department: str, grade: str, role_type: str,
                    threshold: int) -> screens.Membership:
    """views.membership at AS_AT for one choice of filters, as published."""
    with _read(path) as conn:
        return screens.membership(conn, as_at, threshold, department=department, grade=grade, role_type=role_type)


@st.cache_data(show_spinner=False, max_entries=8)
def load_breakdown_values(path: str, rev: str) -> dict[str, list[str]]:
    """The departments, grades and role types membership uses: the same at every as-at date."""
    with _read(path) as conn:
        return queries.breakdown_values(conn)


@st.cache_data(show_spinner=False, max_entries=64)
def load_diversity(path: str, rev: str, as_at: str, threshold: int) -> screens.Diversity:
    """views.diversity at AS_AT, every figure of the profession's as published at THRESHOLD."""
    with _read(path) as conn:
        return screens.diversity(conn, as_at, threshold)


@st.cache_data(show_spinner=False, max_entries=32)
def load_professions(path: str, rev: str, as_at: str, profession: str,
                     threshold: int) -> official_figures.ProfessionComparison:
    """Every profession of post in the latest release known at AS_AT, PROFESSION highlighted."""
    with _read(path) as conn:
        return official_figures.profession_comparison(conn, as_at, profession, threshold)


@st.cache_resource(show_spinner=False, max_entries=4)
def warm_protected_tables(path: str, rev: str, threshold: int) -> threading.Thread:
    """Protect every complete period's table in the background, once per database revision.

    Every Membership, Explore and Board pack view of people counts starts from them, and a chart
    over time needs one per period; the latest comes first. Tables already kept in the database
    (protection_store: `init` and the command line's imports keep them) are only read, so after
    a change only the changed periods are protected, while the first page is read.
    """
    def work() -> None:
        with contextlib.suppress(Exception), _read(path) as conn:
            published.protect_complete_periods(conn, threshold)

    thread = threading.Thread(target=work, name="protect-tables", daemon=True)
    thread.start()
    return thread
