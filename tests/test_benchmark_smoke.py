"""The benchmark script runs end to end at tiny sizes and writes its table (no timing is asserted)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.browser


# It builds a database at scale 2, serves pages, imports and builds a pack: minutes when CI runs other tests beside it.
@pytest.mark.timeout(1200)
def test_quick_benchmark_writes_a_report_with_every_part(tmp_path):
    """`benchmarks/run.py --quick` on one page at scale 2 measures each part and writes the Markdown table."""
    out = tmp_path / "BENCHMARKS.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--scale", "2", "--pages", "about",
         "--reps", "2", "--out", str(out), "--json", str(tmp_path / "results.json")],
        capture_output=True, text=True, cwd=ROOT, timeout=1100)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert "## Machine" in text and "SQLite" in text
    for heading in ("## Pages against their static replicas: default",
                    "## Pages in Chromium: default", "## Pages in Chromium: scale 2", "## Script time under AppTest",
                    "## Server memory", "## Import", "## Board pack", "## Summary"):
        assert heading in text, heading
    for row in ("| About the data |", "| Reference: empty page |", "| Reference: one chart |"):
        assert row in text
    assert "checks met" in text
    # The replica row: the elements drawn, then the page's and its replica's times and the three ratios.
    replica_row = re.search(r"^\| About the data \| (\d+) \|.*$", text, re.MULTILINE)
    assert replica_row and int(replica_row[1]) > 5 and replica_row[0].count("×") == 3, text
