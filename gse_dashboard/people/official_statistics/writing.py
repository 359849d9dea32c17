"""Writing a planned import: backup, the plan made again inside one transaction, the audit log."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from ...rules import auth
from ...storage import backups, store
from .formats import KIND
from .planning import ADD, CHANGE, UNCHANGED, Plan, plan_cells, plan_observations
from .records import OFFICIAL_INDICATORS


@dataclass(frozen=True)
class ImportResult:
    """What an applied import did; batch_id is None when nothing changed."""

    batch_id: int | None
    added: int
    revised: int
    unchanged: int
    backup: Path | None


class _NothingToDo(Exception):
    pass


def _ensure_indicators(conn: sqlite3.Connection) -> None:
    """The official indicators exist in every database, including ones built before they were defined."""
    conn.executemany(
        "INSERT OR IGNORE INTO indicators (code, name, category, unit, workstream, characteristic, people_count, "
        "frequency, description) VALUES (?, ?, ?, ?, NULL, NULL, 1, ?, ?)",
        [(code, *definition) for code, definition in OFFICIAL_INDICATORS.items()])


def batch_name(plan: Plan) -> str:
    """How the batch is named: the years and the number of files."""
    years = plan.years()
    what = f"Civil Service Statistics {', '.join(str(y) for y in years)}" if years else "Civil Service Statistics"
    when = (f"published {plan.published_on}" if plan.published_on
            else "publication date not given: known from the import date")
    return f"{what} ({len(plan.tables)} files, profession {plan.profession}, {when})"


def apply_import(db: str | Path | sqlite_utils.Database, plan: Plan, *, user: auth.User,
                 recorded_at: str | None = None, backup: bool = True) -> ImportResult:
    """Write a planned import as one batch in one transaction, after a backup; nothing on any error.

    The plan is made again inside the transaction, so a change by someone else since the
    preview is taken into account rather than overwritten. RECORDED_AT is when the figures became
    known: by default the plan's publication date (plan_import's published_on), else now.
    """
    actor = auth.require_editor(user).actor
    database, close, path = store.writable(db)
    try:
        saved = (backups.backup(path, reason=backups.BEFORE_IMPORT)
                 if (path and backup and not plan.nothing_to_do) else None)
        try:
            with store.busy_refused("imported"), store.write_transaction(database):
                fresh = Plan(plan.profession, plan.tables, plan_cells(database.conn, [c for _, c, _ in plan.cells]),
                             plan_observations(database.conn, [o for _, o, _ in plan.observations]), plan.warnings,
                             plan.published_on)
                if fresh.nothing_to_do:
                    # Rolled back, so not even the revision number moves.
                    raise _NothingToDo
                batch_id = write_plan(database.conn, fresh, actor=actor, backup=saved, recorded_at=recorded_at)
        except _NothingToDo:
            counts = fresh.counts()
            return ImportResult(None, 0, 0, counts["cells"][UNCHANGED] + counts["figures"][UNCHANGED], saved)
    finally:
        if close:
            database.close()
    counts = fresh.counts()
    return ImportResult(batch_id, counts["cells"][ADD] + counts["figures"][ADD],
                        counts["cells"][CHANGE] + counts["figures"][CHANGE],
                        counts["cells"][UNCHANGED] + counts["figures"][UNCHANGED], saved)


def write_plan(conn: sqlite3.Connection, plan: Plan, *, actor: str, backup: Path | None = None,
               recorded_at: str | None = None) -> int:
    """Write PLAN inside the caller's transaction as one import batch; return the batch id."""
    stamp = store.now()
    known = recorded_at or plan.known_from or stamp
    _ensure_indicators(conn)
    counts = plan.counts()
    changed = sum(c[ADD] + c[CHANGE] for c in counts.values())
    sha = hashlib.sha256("".join(sorted(t.sha256 for t in plan.tables)).encode()).hexdigest()
    batch_id = conn.execute(
        "INSERT INTO import_batches (kind, filename, sha256, row_count, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?)", [KIND, batch_name(plan), sha, changed, stamp, actor]).lastrowid
    audit = []
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM official_cells").fetchone()[0]
    supersede, inserts = [], []
    for action, record, current in plan.cells:
        if action == UNCHANGED:
            continue
        if action == CHANGE:
            supersede.append((known, current))
        inserts.append((next_id, record.profession, record.shape, record.status, record.year, record.dimensions,
                        record.measure, record.value, record.suppressed, record.population, record.source,
                        record.filename, current, known, actor, batch_id))
        detail = {"id": next_id, "file": record.filename, "file_row": record.row}
        if current is not None:
            detail["replaces"] = current
        audit.append((stamp, actor, action, "official_cells",
                      f"{record.shape} {record.status} {record.year} {record.dimensions} {record.measure}",
                      json.dumps(detail, ensure_ascii=False), batch_id))
        next_id += 1
    conn.executemany("UPDATE official_cells SET superseded_at = ? WHERE id = ? AND superseded_at IS NULL", supersede)
    conn.executemany(
        "INSERT INTO official_cells (id, profession, shape, status, year, dimensions, measure, value, suppressed, "
        "population, source, filename, revision_of, recorded_at, recorded_by, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM observations").fetchone()[0]
    supersede, inserts = [], []
    for action, record, current in plan.observations:
        if action == UNCHANGED:
            continue
        if action == CHANGE:
            supersede.append((known, current))
        inserts.append((next_id, record.indicator, record.period, record.population, record.department,
                        record.grade, store.ALL, record.value, record.numerator, record.denominator,
                        record.declaration_rate, record.source, record.note, current, known, actor, batch_id))
        detail = {"id": next_id, "file": record.filename, "file_row": record.row}
        if current is not None:
            detail["replaces"] = current
        audit.append((stamp, actor, action, "observations",
                      " / ".join(str(part) for part in record.key), json.dumps(detail, ensure_ascii=False), batch_id))
        next_id += 1
    conn.executemany("UPDATE observations SET superseded_at = ? WHERE id = ? AND superseded_at IS NULL", supersede)
    conn.executemany(
        "INSERT INTO observations (id, indicator, period, population, department, grade, role_type, value, "
        "numerator, denominator, declaration_rate, source, note, revision_of, recorded_at, recorded_by, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
    store.audit_many(conn, audit)
    detail = {"kind": KIND, "profession": plan.profession, "files": [t.filename for t in plan.tables],
              "versions": sorted({t.version for t in plan.tables if t.version}),
              "cells": counts["cells"], "figures": counts["figures"], "backup": str(backup) if backup else None}
    store.audit(conn, at=stamp, actor=actor, action="import", table="import_batches", key=str(batch_id),
                detail=detail, batch_id=batch_id)
    return batch_id
