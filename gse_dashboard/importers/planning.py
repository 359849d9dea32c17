"""What an import will change: each checked row against the current rows, for the preview."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pandas as pd
import sqlite_utils

from .formats import (
    ADD,
    CHANGE,
    UNCHANGED,
    ImportRejected,
    Kind,
    Validation,
    key_getter,
    key_text,
    kind_of,
    raw_connection,
)

# -- what will change -------------------------------------------------------------------------

# The current rows an import's records might replace; json_each takes any number of values.
_CURRENT_SQL = {
    "progress": """
        SELECT id, ref, as_of, status, rating, board_rating, percent_complete, commentary, evidence_url,
               recorded_at, recorded_by
        FROM progress_updates
        WHERE superseded_at IS NULL AND ref IN (SELECT value FROM json_each(:a))
          AND as_of IN (SELECT value FROM json_each(:b))""",
    "observations": """
        SELECT id, indicator, period, population, department, grade, role_type, value, numerator,
               denominator, declaration_rate, qualifier, provisional, source, note, recorded_at, recorded_by
        FROM observations
        WHERE superseded_at IS NULL AND indicator IN (SELECT value FROM json_each(:a))
          AND population IN (SELECT value FROM json_each(:c))
          AND period IN (SELECT value FROM json_each(:b))""",
    "targets": """
        SELECT id, indicator, period, population, value, source, recorded_at, recorded_by
        FROM targets
        WHERE superseded_at IS NULL AND indicator IN (SELECT value FROM json_each(:a))
          AND period IN (SELECT value FROM json_each(:b))""",
    "meetings": """
        SELECT id, date, title, recorded_at, recorded_by, batch_id
        FROM board_meetings WHERE date IN (SELECT value FROM json_each(:a))""",
    "ratings": """
        SELECT id, workstream, board_date, rating, rationale, recorded_at, recorded_by
        FROM workstream_ratings
        WHERE superseded_at IS NULL AND workstream IN (SELECT value FROM json_each(:a))
          AND board_date IN (SELECT value FROM json_each(:b))""",
    "actions": """
        SELECT id, ref, as_of, board_date, workstream, action, owner, due_date, status, note, recorded_at, recorded_by
        FROM board_actions
        WHERE superseded_at IS NULL AND ref IN (SELECT value FROM json_each(:a))
          AND as_of IN (SELECT value FROM json_each(:b))""",
    "risks": """
        SELECT id, ref, as_of, workstream, risk, owner, likelihood, impact, mitigation, status, recorded_at,
               recorded_by
        FROM risks
        WHERE superseded_at IS NULL AND ref IN (SELECT value FROM json_each(:a))
          AND as_of IN (SELECT value FROM json_each(:b))""",
}
# Which record fields pick the rows to look at: (:a, :b, :c) above.
_CURRENT_FILTER = {"progress": ("ref", "as_of", None), "observations": ("indicator", "period", "population"),
                   "targets": ("indicator", "period", None), "meetings": ("date", None, None),
                   "ratings": ("workstream", "board_date", None), "actions": ("ref", "as_of", None),
                   "risks": ("ref", "as_of", None)}


def _current_rows(conn: sqlite3.Connection, spec: Kind, records: list[tuple]) -> dict[tuple, tuple]:
    """The current row (id, fields…, recorded_at, recorded_by[, batch_id]) for each key in RECORDS."""
    params = {}
    for name, field_name in zip("abc", _CURRENT_FILTER[spec.name], strict=True):
        if field_name:
            position = spec.fields.index(field_name)
            params[name] = json.dumps(sorted({r[position] for r in records}))
    rows = conn.execute(_CURRENT_SQL[spec.name], params).fetchall()
    key_positions = [spec.fields.index(k) + 1 for k in spec.key]
    return {tuple(row[p] for p in key_positions): row for row in rows}


def merged_record(spec: Kind, kept: frozenset, record: tuple, current: tuple | None) -> tuple:
    """RECORD with the fields its row left blank (KEPT, from Kind.keep) taken from the CURRENT row."""
    if current is None:
        return record
    merged = list(record)
    for name in kept:
        position = spec.fields.index(name)
        merged[position] = current[position + 1]
    return tuple(merged)


def changed_fields(spec: Kind, record: tuple, current: tuple) -> dict[str, list]:
    changes = {}
    for name in spec.compare:
        position = spec.fields.index(name)
        old, new = current[position + 1], record[position]
        if old != new:
            changes[name] = [old, new]
    return changes


def plan_rows(conn: sqlite3.Connection, spec: Kind, validation: Validation) -> list[tuple[str, tuple | None]]:
    current = _current_rows(conn, spec, validation.records)
    key_of = key_getter(spec)
    plan = []
    for record, kept in zip(validation.records, validation.kept, strict=True):
        row = current.get(key_of(record))
        if row is None:
            plan.append((ADD, None))
        elif changed_fields(spec, merged_record(spec, kept, record, row), row):
            plan.append((CHANGE, row))
        else:
            plan.append((UNCHANGED, row))
    return plan


def recorded_by(spec: Kind, current: tuple) -> tuple[str, str]:
    """Who recorded the CURRENT row and when."""
    offset = len(spec.fields) + 1
    return current[offset + 1], current[offset]


def _shown(value: Any) -> str:
    if value is None:
        return "(blank)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# How far along each status is: a row that goes back down this order is flagged as a drop.
_STATUS_ORDER = {"not started": 0, "in progress": 1, "complete": 2}


def _earlier_progress(conn: sqlite3.Connection, validation: Validation) -> dict[str, list[tuple]]:
    """Each ref's current updates as (as_of, status, percent), oldest first, for the refs in VALIDATION."""
    refs = sorted({record[0] for record in validation.records})
    rows = conn.execute("SELECT ref, as_of, status, percent_complete FROM progress_updates WHERE superseded_at IS NULL "
                        "AND ref IN (SELECT value FROM json_each(?)) ORDER BY ref, as_of", [json.dumps(refs)])
    found: dict[str, list[tuple]] = {}
    for ref, as_of, status, percent in rows:
        found.setdefault(ref, []).append((as_of, status, percent))
    return found


def _drop(record: tuple, earlier: list[tuple]) -> str:
    """Words flagging a progress RECORD that goes back from the update before it (status or percent), or ''."""
    _, as_of, status, _, _, percent, *_ = record
    before = [e for e in earlier if e[0] < as_of]
    if not before:
        return ""
    then, old_status, old_percent = before[-1]
    flags = []
    if _STATUS_ORDER.get(status, 3) < _STATUS_ORDER.get(old_status, -1):
        flags.append(f"status goes back: {old_status} → {status}")
    if percent < old_percent:
        flags.append(f"percent complete drops: {_shown(old_percent)} → {_shown(percent)}")
    return f"{'; '.join(flags)} (since the update for {then})" if flags else ""


def preview(conn: sqlite_utils.Database | sqlite3.Connection, validation: Validation) -> pd.DataFrame:
    """What each row will do against the database now: add (with its values), change (old → new) or unchanged.

    A progress row whose status or percent goes back from the update before it is flagged (a drop
    from complete to not started, or 88% to 0%, is usually a mistake in the file). The result is
    remembered on VALIDATION: apply_import refuses if a row it showed has been changed by someone
    else before the import is applied.
    """
    if not validation.ok:
        raise ImportRejected(validation.problems, validation.problem_count)
    spec = kind_of(validation.kind)
    conn = raw_connection(conn)
    validation.plan = plan_rows(conn, spec, validation)
    earlier = _earlier_progress(conn, validation) if spec.name == "progress" else {}
    key_positions = [spec.fields.index(k) for k in spec.key]
    out = []
    for row_number, record, kept, (action, current) in zip(validation.rows, validation.records, validation.kept,
                                                           validation.plan, strict=True):
        changes = ""
        if action == CHANGE:
            differences = changed_fields(spec, merged_record(spec, kept, record, current), current)
            changes = "; ".join(f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in differences.items())
        elif action == ADD:
            changes = "; ".join(f"{name}: {_shown(record[spec.fields.index(name)])}" for name in spec.compare
                                if record[spec.fields.index(name)] not in (None, ""))
        out.append({
            "row": row_number,
            "action": action,
            "key": key_text(record[p] for p in key_positions),
            "changes": changes,
            "flag": _drop(record, earlier.get(record[0], [])) if spec.name == "progress" else "",
            "current_recorded_by": recorded_by(spec, current)[0] if current else "",
            "current_recorded_at": recorded_by(spec, current)[1] if current else "",
        })
    return pd.DataFrame(out, columns=["row", "action", "key", "changes", "flag", "current_recorded_by",
                                      "current_recorded_at"])
