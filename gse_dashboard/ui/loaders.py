"""Cached loaders: every st.cache_data and st.cache_resource of the app, keyed on (path, revision, ...).

Each cached function (`cached_*`) is keyed on the database path, its revision (every write bumps
it, so a cached answer is never stale) and a small key (the as-at date, filters), never on a
DataFrame. Pages and the other ui modules call the `load_*` beside it, which fills in this
session's database path and revision itself. What a loader returns is the view's own dataclass:
the pages and the Board pack read the same objects.

One cache lives elsewhere, for a reason: `session.db_path`'s `_prepared` builds or migrates the database
once per path, before there is a revision to key on, and every loader here depends on it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from urllib.parse import parse_qs

import pandas as pd
import streamlit as st

from .. import explore
from ..board import records
from ..charts import tables
from ..explore import saved_queries, sql_runner
from ..people import official_figures, published
from ..storage import backups, queries, store
from ..strategy import commitments_over_time as over_time
from ..strategy import metrics
from ..views import official as official_views
from ..views import screens
from .session import AS_AT_KEY, db_path, once_per_run, revision
from .turns import OneAtATime

# Every loader reads through one connection per call, opened by the store layer.
_read = store.reading


# -- the Overview, Workstreams, Membership, Diversity and About the data -----------------------

@st.cache_data(show_spinner=False, max_entries=64)
def cached_status(path: str, rev: str, as_at: str) -> pd.DataFrame:
    """Every commitment's status as known at AS_AT (the brief columns): shared by the Overview and its changes."""
    with _read(path) as conn:
        return queries.commitment_status(conn, as_at, brief=True)


def _status_at(path: str, rev: str):
    return lambda date: cached_status(path, rev, date)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_overview(path: str, rev: str, as_at: str, threshold: int) -> screens.Overview:
    """views.overview at AS_AT; the status tables come from cached_status, cached on their own."""
    with _read(path) as conn:
        return screens.overview(conn, as_at, threshold, status_at=_status_at(path, rev))


def load_overview(as_at: str, threshold: int) -> screens.Overview:
    """The Overview at AS_AT, for this session's database."""
    return cached_overview(db_path(), revision(), as_at, threshold)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_changes(path: str, rev: str, since: str, until: str, threshold: int) -> screens.Changes:
    """views.changes between two dates, each side as known on its own date; counts of people as published."""
    with _read(path) as conn:
        return screens.changes(conn, since, until, status_at=_status_at(path, rev), threshold=threshold)


def load_changes(since: str, until: str, threshold: int) -> screens.Changes:
    """What changed between two dates, for this session's database."""
    return cached_changes(db_path(), revision(), since, until, threshold)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_workstream(path: str, rev: str, as_at: str, number: int) -> screens.Workstream:
    """views.workstream: one workstream's commitments, trajectory and indicators at AS_AT."""
    with _read(path) as conn:
        return screens.workstream(conn, as_at, number)


def load_workstream(as_at: str, number: int) -> screens.Workstream:
    """One workstream at AS_AT, for this session's database."""
    return cached_workstream(db_path(), revision(), as_at, number)


@st.cache_data(show_spinner=False, max_entries=256)
def cached_update_history(path: str, rev: str, as_at: str, ref: str) -> pd.DataFrame:
    """The updates of one commitment known at AS_AT."""
    with _read(path) as conn:
        return queries.update_history(conn, ref, as_at)


def load_update_history(as_at: str, ref: str) -> pd.DataFrame:
    """The updates of commitment REF known at AS_AT, for this session's database."""
    return cached_update_history(db_path(), revision(), as_at, ref)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_database_facts(path: str, rev: str) -> screens.DatabaseFacts:
    """views.database_facts: facts that do not depend on the as-at date."""
    with _read(path) as conn:
        return screens.database_facts(conn)


def database_facts() -> screens.DatabaseFacts:
    """The facts of this session's database and revision (once per run: each cache hit is a copy)."""
    return once_per_run("database_facts", lambda: cached_database_facts(db_path(), revision()))


def current_as_at() -> str:
    """The as-at date chosen in the sidebar (set by app.py before any page runs)."""
    value = st.session_state.get(AS_AT_KEY)
    if isinstance(value, dt.date):
        return value.isoformat()
    return database_facts().latest


@st.cache_data(show_spinner=False, max_entries=8)
def cached_real_figures(path: str, rev: str) -> pd.DataFrame:
    """The real baseline figures (not illustrative), with their sources, for About the data."""
    with _read(path) as conn:
        return tables.real_figures_table(official_figures.real_figures(conn))


def load_real_figures() -> pd.DataFrame:
    """The real baseline figures of this session's database."""
    return cached_real_figures(db_path(), revision())


@st.cache_data(show_spinner=False, max_entries=64)
def cached_membership(path: str, rev: str, as_at: str, department: str, grade: str, role_type: str,
                      threshold: int) -> screens.Membership:
    """views.membership at AS_AT for one choice of filters, as published."""
    with _read(path) as conn:
        return screens.membership(conn, as_at, threshold, department=department, grade=grade, role_type=role_type)


def load_membership(as_at: str, department: str, grade: str, role_type: str, threshold: int) -> screens.Membership:
    """Membership at AS_AT for one choice of filters, for this session's database."""
    return cached_membership(db_path(), revision(), as_at, department, grade, role_type, threshold)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_breakdown_values(path: str, rev: str) -> dict[str, list[str]]:
    """The departments, grades and role types membership uses: the same at every as-at date."""
    with _read(path) as conn:
        return queries.breakdown_values(conn)


def load_breakdown_values() -> dict[str, list[str]]:
    """The departments, grades and role types of this session's database."""
    return cached_breakdown_values(db_path(), revision())


@st.cache_data(show_spinner=False, max_entries=64)
def cached_diversity(path: str, rev: str, as_at: str, threshold: int) -> screens.Diversity:
    """views.diversity at AS_AT, every figure of the profession's as published at THRESHOLD."""
    with _read(path) as conn:
        return screens.diversity(conn, as_at, threshold)


def load_diversity(as_at: str, threshold: int) -> screens.Diversity:
    """Diversity at AS_AT, for this session's database."""
    return cached_diversity(db_path(), revision(), as_at, threshold)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_professions(path: str, rev: str, as_at: str, profession: str,
                       threshold: int) -> official_views.ProfessionComparison:
    """Every profession of post in the latest release known at AS_AT, PROFESSION highlighted."""
    with _read(path) as conn:
        return official_views.profession_comparison(conn, as_at, profession, threshold)


def load_professions(as_at: str, profession: str, threshold: int) -> official_views.ProfessionComparison:
    """Every profession of post at AS_AT, PROFESSION highlighted, for this session's database."""
    return cached_professions(db_path(), revision(), as_at, profession, threshold)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_headcount(path: str, rev: str, as_at: str, profession: str,
                     threshold: int) -> official_views.Headcount:
    """The profession's headcount, grades, departments, entrants and leavers, as known at AS_AT."""
    with _read(path) as conn:
        return official_views.headcount(conn, as_at, profession, threshold)


def load_headcount(as_at: str, profession: str, threshold: int) -> official_views.Headcount:
    """The profession's published headcount at AS_AT, for this session's database."""
    return cached_headcount(db_path(), revision(), as_at, profession, threshold)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_diversity_story(path: str, rev: str, as_at: str, threshold: int) -> official_views.DiversityStory:
    """Each characteristic against the Civil Service in 2015 and every published year, as known at AS_AT."""
    with _read(path) as conn:
        return official_views.diversity_story(conn, as_at, threshold)


def load_diversity_story(as_at: str, threshold: int) -> official_views.DiversityStory:
    """The published diversity story at AS_AT, for this session's database."""
    return cached_diversity_story(db_path(), revision(), as_at, threshold)


@st.cache_resource(show_spinner=False, max_entries=4)
def cached_protection(path: str, rev: str, threshold: int) -> threading.Thread:
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


def warm_protected_tables(threshold: int) -> threading.Thread:
    """Start protecting this session's database's tables at THRESHOLD, once per revision."""
    return cached_protection(db_path(), revision(), threshold)


# -- figures and tables built once ------------------------------------------------------------

def _fingerprint(part) -> object:
    """PART as a small exact key: a DataFrame by its columns and a hash of its content."""
    if isinstance(part, pd.DataFrame):
        return ("frame", tuple(map(str, part.columns)), len(part),
                int(pd.util.hash_pandas_object(part, index=True).sum()))
    if isinstance(part, dict):
        return tuple((k, _fingerprint(v)) for k, v in part.items())
    return part


@st.cache_resource(show_spinner=False, max_entries=512)
def _built(key: tuple, _build) -> object:
    return _build()


def built_once(build, *inputs) -> object:
    """BUILD() once for these INPUTS (DataFrames by content), shared by every session and rerun.

    Figures and suppressed tables cost more to build than to look up; the inputs already come
    from loaders keyed on the database's revision and the as-at date. What is returned is
    shared, so callers only read it.
    """
    return _built(tuple(_fingerprint(part) for part in inputs), build)


# -- Manage data ---------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def cached_commitment_choices(path: str, rev: str) -> pd.DataFrame:
    """Every commitment's reference and title for the picker: thousands on a large database."""
    with _read(path) as conn:
        return queries.commitment_choices(conn)


def load_commitment_choices() -> pd.DataFrame:
    """Every commitment's reference and title in this session's database."""
    return cached_commitment_choices(db_path(), revision())


@st.cache_data(show_spinner=False, max_entries=8)
def cached_current_status(path: str, rev: str, today: str) -> pd.DataFrame:
    """Every commitment's latest update as known today, by ref; every write moves REV, so never stale."""
    with _read(path) as conn:
        return metrics.with_flags(queries.commitment_status(conn, today), today).set_index("ref")


def load_current_status(today: str) -> pd.DataFrame:
    """Every commitment's latest update as known TODAY, by ref, in this session's database."""
    return cached_current_status(db_path(), revision(), today)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_restore_preview(path: str, rev: str, source: str) -> list[dict]:
    """What restoring SOURCE would lose: records made since it, by table; REV keys the cache to the data."""
    return backups.restore_preview(path, source)


def load_restore_preview(source: str) -> list[dict]:
    """What restoring the backup SOURCE over this session's database would lose."""
    return cached_restore_preview(db_path(), revision(), source)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_board_records(path: str, rev: str, today: str) -> dict:
    """The workstreams, Board meetings and the records as known today, for the forms' choices."""
    with _read(path) as conn:
        return {"workstreams": queries.workstreams(conn), "meetings": queries.board_meetings(conn, today),
                "ratings": records.workstream_ratings(conn, today),
                "actions": records.action_history(conn, today),
                "risks": records.risk_history(conn, today)}


def load_board_records(today: str) -> dict:
    """The Board's records as known TODAY in this session's database."""
    return cached_board_records(db_path(), revision(), today)


# -- the Board pack: built files ---------------------------------------------------------------

class _NotBuilt(Exception):
    """Raised inside cached_document when the file is not in the cache and none was handed over."""


# The file just built, handed to cached_document to store; per thread, as each session's script
# runs on its own thread.
_handoff = threading.local()


@st.cache_data(show_spinner=False, max_entries=24)
def cached_document(path: str, rev: str, as_at: str, fmt: str, board: bool = False) -> bytes:
    """The built file for this key, from the cache; raises _NotBuilt when it has not been built.

    Building happens outside (see board_pack.build_document) so that its progress can be shown:
    Streamlit cannot update an element from inside a cached function. An exception is not cached,
    so a miss leaves nothing behind.
    """
    built = getattr(_handoff, "data", None)
    if built is None:
        raise _NotBuilt
    return built


def load_document(as_at: str, fmt: str, board: bool = False) -> bytes | None:
    """The file if it has been built for this key and this session's database is unchanged, else None."""
    try:
        return cached_document(db_path(), revision(), as_at, fmt, board)
    except _NotBuilt:
        return None


def keep_document(as_at: str, fmt: str, board: bool, data: bytes) -> bytes:
    """Keep DATA, just built, in the cache under this key; returns it as the cache holds it."""
    _handoff.data = data
    try:
        return cached_document(db_path(), revision(), as_at, fmt, board)
    finally:
        _handoff.data = None


# -- Explore -------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def cached_choices(path: str, rev: str) -> explore.Choices:
    """The indicators, breakdown values and workstreams a view can name."""
    with _read(path) as conn:
        return explore.load_choices(conn)


def load_choices() -> explore.Choices:
    """What an Explore view can name in this session's database."""
    return cached_choices(db_path(), revision())


# Views not seen before are worked out one at a time in this server (a view already worked out is
# read from the cache at once): one analyst cycling through new views cannot slow everyone's pages.
VIEWS = OneAtATime(poll_s=0.1)


@st.cache_data(show_spinner="Working out this view (new views are worked out one at a time, so every page stays "
                            "quick)…", max_entries=128)
def cached_result(path: str, rev: str, query: str, threshold: int, profession: str) -> explore.ExploreResult:
    """The grouped, suppressed result for one state, given as its URL query string (which holds as_at)."""
    state = explore.from_query_params(parse_qs(query))
    with VIEWS.turn(lambda ahead: None), _read(path) as conn:
        return explore.answer(conn, state, threshold, profession)


def load_result(query: str, threshold: int, profession: str) -> explore.ExploreResult:
    """The Explore result for the state in QUERY (a URL query string), for this session's database."""
    return cached_result(db_path(), revision(), query, threshold, profession)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_commitment_rows(path: str, rev: str, as_at: str, filters: str, due_from: str | None,
                           due_to: str | None) -> pd.DataFrame:
    """The commitments within FILTERS (JSON) as known at AS_AT, as shown and downloaded."""
    with _read(path) as conn:
        return over_time.shown_rows(over_time.commitment_rows(conn, as_at, filters=json.loads(filters),
                                                              due_from=due_from, due_to=due_to))


def load_commitment_rows(as_at: str, filters: str, due_from: str | None, due_to: str | None) -> pd.DataFrame:
    """The commitments within FILTERS (JSON) as known at AS_AT in this session's database."""
    return cached_commitment_rows(db_path(), revision(), as_at, filters, due_from, due_to)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_board_dates(path: str, rev: str, as_at: str) -> list[str]:
    """The Board meetings known at AS_AT, oldest first."""
    with _read(path) as conn:
        return over_time.time_points(conn, over_time.BOARD, as_at)


def load_board_dates(as_at: str) -> list[str]:
    """The Board meetings known at AS_AT in this session's database, oldest first."""
    return cached_board_dates(db_path(), revision(), as_at)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_status_changes(path: str, rev: str, earlier: str, later: str, filters: str) -> pd.DataFrame:
    """What changed between two dates for the commitments within FILTERS (JSON)."""
    with _read(path) as conn:
        return over_time.status_changes(conn, earlier, later, filters=json.loads(filters))


def load_status_changes(earlier: str, later: str, filters: str) -> pd.DataFrame:
    """What changed between two dates for the commitments within FILTERS (JSON), in this session's database."""
    return cached_status_changes(db_path(), revision(), earlier, later, filters)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_views(path: str, rev: str) -> pd.DataFrame:
    """The saved views, by name."""
    with _read(path) as conn:
        return explore.list_views(conn)


def load_views() -> pd.DataFrame:
    """The saved views of this session's database, by name."""
    return cached_views(db_path(), revision())


@st.cache_data(show_spinner=False, max_entries=4)
def cached_schema(path: str, rev: str) -> list:
    """Tables and their columns, for beside the SQL box."""
    return sql_runner.schema(path)


def load_schema() -> list:
    """The tables of this session's database and their columns."""
    return cached_schema(db_path(), revision())


@st.cache_data(show_spinner=False, max_entries=8)
def cached_queries(path: str, rev: str) -> list[saved_queries.SavedQuery]:
    """The ready-made and saved queries."""
    with _read(path) as conn:
        return saved_queries.list_queries(conn)


def load_queries() -> list[saved_queries.SavedQuery]:
    """The ready-made and saved queries of this session's database."""
    return cached_queries(db_path(), revision())
