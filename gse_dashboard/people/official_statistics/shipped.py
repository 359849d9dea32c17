"""The releases shipped in the project (data/civil-service-statistics/), imported when a database is built."""

from __future__ import annotations

import tomllib
from pathlib import Path

import sqlite_utils

from ...config import DEFAULT_PROFESSION
from ...importers.formats import Problem
from ...rules import auth
from .formats import RECORDER, OfficialImportError
from .planning import ADD, plan_import
from .reading import read_paths
from .writing import write_plan

# Each release folder's publication date and where that date comes from (the provenance note).
RELEASES_FILE = "releases.toml"


def shipped_folder(data_dir: Path) -> Path:
    """Where the project keeps the published files, as published: data/civil-service-statistics/."""
    return data_dir / "civil-service-statistics"


def release_dates(folder: Path) -> dict[str, dict[str, str]]:
    """Each release folder's name with its `published_on` (YYYY-MM-DD) and `date_source`, from releases.toml."""
    path = folder / RELEASES_FILE
    if not path.exists():
        return {}
    releases = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: {key: str(value) for key, value in entry.items()} for name, entry in releases.items()}


def load_shipped(db: sqlite_utils.Database, data_dir: Path, profession: str = DEFAULT_PROFESSION) -> dict[str, int]:
    """Import the shipped releases inside the caller's transaction (building a database); return counts.

    Each release's figures are recorded as known from the day it was published (releases.toml), so a
    view as at an earlier date does not show figures not yet published then, and one as at any later
    date does. A release folder without a date is refused: the build must not guess when it was known.
    """
    folder = shipped_folder(data_dir)
    if not folder.exists():
        return {"official_cells": 0}
    dates = release_dates(folder)
    user = auth.command_line_user(RECORDER)
    counts = {"official_cells": 0, "official_figures": 0}
    releases = sorted(path for path in folder.iterdir() if path.is_dir())
    for release in releases:
        entry = dates.get(release.name)
        if entry is None or not entry.get("published_on"):
            raise OfficialImportError([Problem(str(folder / RELEASES_FILE), None, release.name,
                                               "gives no published_on date for this release folder")])
        tables, problems = read_paths([release], profession)
        plan = plan_import(db.conn, tables, problems, profession=profession, published_on=entry["published_on"])
        write_plan(db.conn, plan, actor=user.actor)
        planned = plan.counts()
        counts["official_cells"] += planned["cells"][ADD]
        counts["official_figures"] += planned["figures"][ADD]
    return counts
