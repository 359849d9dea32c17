"""Shared fixtures: tiny in-memory stores and a once-per-session built default database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gse_dashboard import store
from gse_dashboard.build import build_database


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


@pytest.fixture(scope="session")
def built_db_file(tmp_path_factory) -> Path:
    """The default database (strategy plus illustrative history), built once per test run."""
    path = tmp_path_factory.mktemp("built") / "gse.db"
    build_database(path)
    return path


@pytest.fixture(scope="session")
def baseline_db_file(tmp_path_factory) -> Path:
    """A database built with --no-sample: the strategy and its real baseline only."""
    path = tmp_path_factory.mktemp("baseline") / "gse.db"
    build_database(path, sample=False)
    return path


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
