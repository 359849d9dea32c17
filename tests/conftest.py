"""Shared fixtures: tiny in-memory stores and default databases built once per test run, copied per test."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gse_dashboard.config import load_settings
from gse_dashboard.people import published
from gse_dashboard.seed.build import build_database
from gse_dashboard.storage import store


def pytest_collection_modifyitems(items):
    """Every browser test is slow too: the fast lane (-m "not slow") leaves them out without a second marker."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def fresh_db():
    """An empty in-memory database with the full schema and nothing loaded."""
    database = store.memory_db()
    yield database
    database.close()


def _as_init_leaves_it(path: Path, **options) -> None:
    """Build the database at PATH as `python -m gse_dashboard init` does: built, then every
    complete period's members table protected and kept (what the first page would otherwise do)."""
    build_database(path, **options)
    database = store.connect(path)
    try:
        published.protect_complete_periods(database.conn, load_settings().suppression_threshold)
    finally:
        database.close()


def _built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A private copy of the database BUILD makes, built once for the whole test run.

    With pytest-xdist the workers share one run folder: the first to get the lock builds the
    template there and every worker (this one included) copies it into its own folder, so no
    two processes ever write one file.
    """
    own = tmp_path_factory.getbasetemp()
    run = own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own
    template = run / f"template-{name}" / "gse.db"
    with (run / f"template-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            building = run / f"template-{name}.building"
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir()
            build(building / "gse.db")
            building.rename(template.parent)
    path = tmp_path_factory.mktemp(name) / "gse.db"
    shutil.copyfile(template, path)
    return path


@pytest.fixture(scope="session")
def built_db_file(tmp_path_factory) -> Path:
    """The default database (strategy plus illustrative history) as `init` leaves it, built once per test run."""
    return _built_once(tmp_path_factory, "built", _as_init_leaves_it)


@pytest.fixture(scope="session")
def baseline_db_file(tmp_path_factory) -> Path:
    """A database built with --no-sample (the strategy and its real baseline only) as `init` leaves it."""
    return _built_once(tmp_path_factory, "baseline", lambda path: _as_init_leaves_it(path, sample=False))


@pytest.fixture
def db_copy(built_db_file, tmp_path) -> Path:
    """A private copy of the default database that a test may change."""
    target = tmp_path / "gse.db"
    shutil.copyfile(built_db_file, target)
    return target


@pytest.fixture
def built(built_db_file):
    """A read-only connection to the shared default database."""
    database = store.connect(built_db_file, readonly=True)
    yield database
    database.close()
