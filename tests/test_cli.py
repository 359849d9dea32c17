"""The command line, run as a user runs it: real processes, real files, exit codes and messages."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the command line in subprocesses: out of the fast lane (-m "not slow").
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def run(*args, env_db=None):
    """Run `python -m gse_dashboard ARGS` and return the completed process."""
    env = None
    if env_db is not None:
        import os
        env = {**os.environ, "GSE_DB_PATH": str(env_db)}
    return subprocess.run([sys.executable, "-m", "gse_dashboard", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=120)


def test_init_builds_then_refuses_to_overwrite_without_force(tmp_path):
    """init builds a database at GSE_DB_PATH; a second init says to use --force and exits 2."""
    path = tmp_path / "gse.db"
    first = run("init", "--no-sample", env_db=path)
    assert first.returncode == 0 and "89 commitments" in first.stdout and path.exists()
    second = run("init", env_db=path)
    assert second.returncode == 2
    assert second.stderr.strip() == f"error: {path} already exists: use --force to rebuild it (a backup is kept)"


def test_init_force_keeps_a_backup_of_the_old_database(tmp_path):
    """Rebuilding with --force first copies the old database to backups/."""
    path = tmp_path / "gse.db"
    assert run("--db", path, "init", "--no-sample").returncode == 0
    rebuilt = run("--db", path, "init", "--force", "--no-sample")
    assert rebuilt.returncode == 0 and "backed up to" in rebuilt.stdout
    backups = list((tmp_path / "backups").glob("gse-*.db"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0


def test_check_passes_on_a_sound_database_and_fails_on_a_broken_one(tmp_path, built_db_file):
    """check exits 0 on the built database and 1 when a foreign key points nowhere."""
    import shutil
    import sqlite3
    assert run("--db", built_db_file, "check").returncode == 0
    broken = tmp_path / "broken.db"
    shutil.copyfile(built_db_file, broken)
    conn = sqlite3.connect(broken)
    conn.execute("UPDATE observations SET indicator = 'nonsense' WHERE id = 1")
    conn.commit()
    conn.close()
    result = run("--db", broken, "check")
    assert result.returncode == 1 and "observations row 1 refers to a missing row in indicators" in result.stderr


def test_export_commitments_writes_one_row_per_commitment(tmp_path, built_db_file):
    """The commitments export has the documented columns and all 89 commitments."""
    out = tmp_path / "commitments.csv"
    result = run("--db", built_db_file, "export", "commitments", "--out", out)
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 89
    assert {"ref", "workstream", "horizon", "title_summary", "description_summary", "strategy_ref", "due_date",
            "date_basis", "owner", "owner_assigned_by"} <= set(rows[0])
    assert rows[0]["ref"] == "WS1-S1" and rows[0]["due_date"] == "2017-09-30" and rows[0]["date_basis"] == "indicative"
    assert rows[0]["strategy_ref"] == "Annex A, section 1 (p. 15), short term, bullet 1"
    assert {r["owner"] for r in rows} == {"GSE Profession Board, per the strategy (GCSA is SRO)"}
    continuing = {r["ref"]: r for r in rows if r["continuing"] == "yes"}
    assert len(continuing) == 9 and all(r["due_date"] == "" and r["date_basis"] == "continuing"
                                        and r["past_its_date"] == "no" for r in continuing.values())
    # Item 6 of "every figure says truly what it is": the illustrative status and rating say so, per row.
    assert "yes" in {r["illustrative"] for r in rows} <= {"yes", "no"}


def test_export_observations_includes_the_real_baseline_with_source(tmp_path, baseline_db_file):
    """On a --no-sample database the observations export is the strategy's twelve figures and the published ones."""
    out = tmp_path / "observations.csv"
    assert run("--db", baseline_db_file, "export", "observations", "--out", out).returncode == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12 + 195
    assert {r["illustrative"] for r in rows} == {"0"}
    women = [r for r in rows if r["indicator"] == "women" and r["population"] == "GSE"][0]
    assert (women["period"], float(women["value"])) == ("2015-03-31", 21.5)
    assert "Employment Survey 2015" in women["source"]


def test_mistakes_get_one_line_and_exit_code_2_never_a_traceback(tmp_path, built_db_file):
    """A missing database, a bad output type and an unknown table each give one line on stderr."""
    missing = run("--db", tmp_path / "nope.db", "check")
    bad_suffix = run("--db", built_db_file, "export", "commitments", "--out", tmp_path / "x.pdf")
    for result in (missing, bad_suffix):
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "run `python -m gse_dashboard init` first" in missing.stderr
    assert "must end in .csv or .xlsx" in bad_suffix.stderr
    unknown = run("--db", built_db_file, "export", "nonsense", "--out", tmp_path / "x.csv")
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr


def test_backup_then_restore_brings_back_the_earlier_state(tmp_path, built_db_file):
    """A restore replaces the database with the backup and keeps the replaced one as a backup too."""
    import shutil
    import sqlite3
    path = tmp_path / "gse.db"
    shutil.copyfile(built_db_file, path)
    made = run("--db", path, "backup")
    assert made.returncode == 0
    saved = Path(made.stdout.strip().split(" to ")[1].rstrip("."))
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM board_meetings WHERE date > '2020-01-01'")
    conn.commit()
    conn.close()
    restored = run("--db", path, "restore", saved)
    assert restored.returncode == 0, restored.stderr
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM board_meetings").fetchone()[0] == 41
    conn.close()
    assert len(list((tmp_path / "backups").glob("gse-*.db"))) == 2


def test_restore_refuses_a_file_that_is_not_a_dashboard_database(tmp_path, built_db_file):
    """Restoring from a text file fails with one line and leaves the database alone."""
    import shutil
    path = tmp_path / "gse.db"
    shutil.copyfile(built_db_file, path)
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    result = run("--db", path, "restore", junk)
    assert result.returncode == 2 and "is not a SQLite database" in result.stderr
    assert run("--db", path, "check").returncode == 0


def test_any_table_exports_with_formula_injection_neutralised(tmp_path, db_copy):
    """Exporting the progress updates writes every version, and a commentary starting '=' is quoted."""
    import sqlite3
    conn = sqlite3.connect(db_copy)
    conn.execute("UPDATE progress_updates SET commentary = '=HYPERLINK(\"http://x\")' WHERE id = 1")
    total = conn.execute("SELECT COUNT(*) FROM progress_updates").fetchone()[0]
    conn.commit()
    conn.close()
    out = tmp_path / "updates.csv"
    assert run("--db", db_copy, "export", "progress_updates", "--out", out).returncode == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == total
    assert rows[0]["commentary"] == "'=HYPERLINK(\"http://x\")"


def test_every_stored_table_can_be_exported_whole(built_db_file):
    """Each table of the store is in the exports list but the internal ones (migrations, meta, the protected cache)."""
    import sqlite3

    from gse_dashboard.storage.exports import EXPORTS
    from gse_dashboard.storage.queries import INTERNAL_TABLES

    conn = sqlite3.connect(built_db_file)
    stored = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%'")}
    conn.close()
    assert "period_returns" in stored
    assert stored - set(INTERNAL_TABLES) <= set(EXPORTS), stored - set(EXPORTS)
    assert not set(INTERNAL_TABLES) & set(EXPORTS)


def test_export_period_returns_writes_each_complete_period_mark(tmp_path, built_db_file):
    """The complete-period marks export whole: one row per mark, with who made it and when."""
    import sqlite3
    conn = sqlite3.connect(built_db_file)
    total = conn.execute("SELECT COUNT(*) FROM period_returns").fetchone()[0]
    conn.close()
    out = tmp_path / "returns.csv"
    assert run("--db", built_db_file, "export", "period_returns", "--out", out).returncode == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert total > 0 and len(rows) == total
    assert {"indicator", "population", "period", "recorded_at", "recorded_by"} <= set(rows[0])
    assert rows[0]["indicator"] == "members"


def test_backup_to_a_chosen_file_refuses_to_overwrite(tmp_path, built_db_file):
    """backup --out writes a sound copy, and will not overwrite an existing file."""
    out = tmp_path / "copy.db"
    assert run("--db", built_db_file, "backup", "--out", out).returncode == 0
    assert run("--db", out, "check").returncode == 0
    again = run("--db", built_db_file, "backup", "--out", out)
    assert again.returncode == 2 and "already exists" in again.stderr
