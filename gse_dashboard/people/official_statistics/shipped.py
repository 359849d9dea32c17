"""The releases shipped in the project (data/civil-service-statistics/), imported when a database is built."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from ...config import DEFAULT_PROFESSION
from ...rules import auth
from .formats import RECORDER
from .planning import ADD, Plan, plan_import
from .reading import Table, read_paths
from .writing import write_plan


def shipped_folder(data_dir: Path) -> Path:
    """Where the project keeps the published files, as published: data/civil-service-statistics/."""
    return data_dir / "civil-service-statistics"


def load_shipped(db: sqlite_utils.Database, data_dir: Path, profession: str = DEFAULT_PROFESSION) -> dict[str, int]:
    """Import the shipped releases inside the caller's transaction (building a database); return counts.

    Each release's figures are recorded as known from the date its files were generated, so a
    view as at an earlier date does not show figures not yet published then.
    """
    folder = shipped_folder(data_dir)
    if not folder.exists():
        return {"official_cells": 0}
    tables, problems = read_paths([folder], profession)
    plan = plan_import(db.conn, tables, problems, profession=profession)
    by_date: dict[str | None, list[Table]] = {}
    for table in tables:
        by_date.setdefault(table.published_on, []).append(table)
    user = auth.command_line_user(RECORDER)
    for published, group in sorted(by_date.items(), key=lambda item: item[0] or ""):
        names = {t.filename for t in group}
        part = Plan(profession, group, [c for c in plan.cells if c[1].filename in names],
                    [o for o in plan.observations if o[1].filename in names], [])
        recorded = f"{published}T00:00:00" if published else None
        write_plan(db.conn, part, actor=user.actor, recorded_at=recorded)
    counts = plan.counts()
    return {"official_cells": counts["cells"][ADD], "official_figures": counts["figures"][ADD]}

