"""Imports under stress: a process killed mid-import changes nothing; eight at once all succeed."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gse_dashboard.storage import store

# Builds databases or runs subprocesses: out of the fast lane (-m "not slow").
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("progress_updates", "observations", "targets", "board_meetings", "audit_log", "import_batches")


def _content(path: Path) -> str:
    """A digest of every row of every data table: equal digests mean equal content."""
    database = store.connect(path, readonly=True)
    try:
        digest = hashlib.sha256()
        for table in TABLES:
            for row in database.conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        database.close()


def _observations_file(path: Path, rows: int, department: str) -> Path:
    lines = ["indicator,period,population,department,grade,role_type,value,source"]
    lines += [f"members,2026-09-30,GSE,{department},Grade {i % 9},Role {i // 9},{i % 50},stress test"
              for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_killed_import_leaves_the_data_unchanged_and_the_database_sound(db_copy, tmp_path):
    """Killing an import while its transaction is open leaves every table as it was, and check passes."""
    before = _content(db_copy)
    file = _observations_file(tmp_path / "big.csv", 150_000, "Stress Department")
    wal = Path(f"{db_copy}-wal")
    process = subprocess.Popen([sys.executable, "-m", "gse_dashboard", "--db", str(db_copy), "import",
                                "observations", str(file), "--actor", "Killed"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    # The backup is written first; a WAL over 2 MB means the import's own transaction is writing.
    while time.monotonic() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the import finished before it could be killed: make the file larger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert _content(db_copy) == before
    check = subprocess.run([sys.executable, "-m", "gse_dashboard", "--db", str(db_copy), "check"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr


def test_eight_processes_importing_at_once_all_succeed_with_every_row(db_copy, tmp_path):
    """Eight CLI imports started together all exit 0 and all their rows are present."""
    files = [_observations_file(tmp_path / f"part{n}.csv", 500, f"Department {n}") for n in range(8)]
    processes = [subprocess.Popen([sys.executable, "-m", "gse_dashboard", "--db", str(db_copy), "import",
                                   "observations", str(file), "--actor", f"Importer {n}"], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n, file in enumerate(files)]
    results = [p.communicate(timeout=240) for p in processes]
    assert [p.returncode for p in processes] == [0] * 8, [err for _, err in results]
    database = store.connect(db_copy, readonly=True)
    try:
        counts = dict(database.conn.execute(
            "SELECT department, COUNT(*) FROM observations WHERE department GLOB 'Department [0-9]' "
            "AND superseded_at IS NULL GROUP BY department").fetchall())
        batches = database.conn.execute("SELECT COUNT(*) FROM import_batches WHERE kind = 'observations'").fetchone()[0]
    finally:
        database.close()
    assert counts == {f"Department {n}": 500 for n in range(8)}
    assert batches == 8
