"""Benchmark the dashboard against Streamlit's own floor, on the default database and a scaled one.

One command (see benchmarks/README.md) builds both databases, then measures, each several
times: every page in headless Chromium against a real `streamlit run` (cold, warm, and a
rerun after changing the as-at date), the same for two reference apps (an empty page and a
one-chart page), each page's script time under AppTest, the server's peak memory after
visiting every page, an import of observation rows against a plain executemany, and the
board pack in each format. It writes docs/BENCHMARKS.md: the machine, the results with
medians and spread, and the ratios against the targets.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import io
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chromium, streamlit_process  # noqa: E402

BENCH = ROOT / "benchmarks"

# The dashboard's pages are read from its navigation (app_pages), so a new page is measured with no new code;
# Explore's views are added as links (explore_views). The two reference apps: (label, URL path, app script).
# The dashboard as the README's run command serves it (serve.py serves app.py).
DASHBOARD = ROOT / "serve.py"
REFERENCES = [
    ("Reference: empty page", "", BENCH / "reference_empty.py"),
    ("Reference: one chart", "", BENCH / "reference_chart.py"),
]
# Targets, as ratios measured in the same run.
LOAD_TARGET, RERUN_TARGET, SCALE_TARGET, IMPORT_TARGET, MEMORY_TARGET_MB = 1.3, 1.5, 1.5, 3.0, 500
# Against the page's own static replica: load (cold and warm), and rerun after a widget change.
REPLICA_LOAD_TARGET, REPLICA_RERUN_TARGET = 1.15, 1.2
# Each rerun moves the as-at year to one not seen before by that server, so no cached answer is reused.
RERUN_YEARS = ("2025", "2024", "2023", "2022", "2021", "2020", "2019", "2018", "2017")
PACK_AS_AT = "2026-07-15"

# True when the script run has finished, the page has its heading, no element is still a loading
# skeleton (Streamlit loads charts and other components lazily and shows a skeleton meanwhile)
# and every visible chart has drawn.
DRAWN = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const main = document.querySelector("[data-testid='stMain']");
  if (!main || !main.querySelector('h1')) return false;
  const visible = e => e.offsetParent !== null;
  if ([...main.querySelectorAll("[data-testid='stSkeleton']")].some(visible)) return false;
  const charts = [...main.querySelectorAll("[data-testid='stPlotlyChart']")].filter(visible);
  return charts.every(c => c.querySelector('.main-svg'));
}"""
TIMEOUT_MS = 120_000
# The messages a replica sends again: elements and blocks, page settings, the logo and the URL.
REPLAYED = ("delta", "page_config_changed", "page_info_changed", "logo")


# -- statistics and the machine ----------------------------------------------------------------

@dataclass
class Sample:
    """Repeated measurements of one thing, in seconds (or MB)."""

    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    def text(self, unit: str = "s", digits: int = 2) -> str:
        if not self.values:
            return "–"
        spread = f" ({min(self.values):.{digits}f}–{max(self.values):.{digits}f})" if len(self.values) > 1 else ""
        return f"{self.median:.{digits}f}{spread}"


def machine() -> dict:
    """CPU, cores, memory and the versions that matter, for the top of the report."""
    import pandas
    import plotly
    import streamlit

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")), 0)
    return {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu, "cores": os.cpu_count(),
            "memory": f"{memory_kb / 1024 / 1024:.1f} GiB", "os": platform.platform(),
            "python": platform.python_version(), "streamlit": streamlit.__version__, "pandas": pandas.__version__,
            "plotly": plotly.__version__, "sqlite": sqlite3.sqlite_version,
            "chromium": _chromium_version()}


def _chromium_version() -> str:
    from tests.browser import CHROMIUM

    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    return "unknown"


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


# -- databases -----------------------------------------------------------------------------------

def build(path: Path, scale: int) -> dict:
    """Build the database at PATH (scale 1 is the default database); return its row counts and size."""
    from gse_dashboard.seed.build import build_database

    started = time.perf_counter()
    build_database(path, force=True, scale=scale)
    seconds = time.perf_counter() - started
    shutil.rmtree(path.parent / "backups", ignore_errors=True)
    conn = sqlite3.connect(path)
    try:
        rows = {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("commitments", "progress_updates", "observations")}
    finally:
        conn.close()
    return {"scale": scale, "rows": rows, "total_rows": sum(rows.values()), "mb": path.stat().st_size / 2**20,
            "build_s": seconds}


# -- pages in the browser ------------------------------------------------------------------------

def _timed_load(page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(DRAWN, polling="raf", timeout=TIMEOUT_MS)
    return time.perf_counter() - started


class RunWatcher:
    """Reads the app's websocket: counts the script runs the server reports finished, and records what they drew.

    The page's own script-state attribute can skip 'running' when a run is very short, so the
    end of a rerun is taken from Streamlit's `script_finished` message itself. While recording,
    the messages of the latest script run that draw something (elements, blocks, page settings,
    the URL) are kept exactly as sent, a reference to a message sent before resolved to it: the
    static replica of the page sends them again (benchmarks/replica.py).
    """

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.finished = 0
        self.navigation = None
        self.recording: list | None = None
        self._run: list = []
        self._sent: dict = {}
        self._message = ForwardMsg
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if not isinstance(payload, bytes | bytearray):
            return
        try:
            msg = self._message.FromString(bytes(payload))
        except Exception:  # noqa: BLE001 - not a ForwardMsg: nothing to count or record
            return
        if msg.hash:
            self._sent[msg.hash] = msg
        kind = msg.WhichOneof("type")
        if kind == "ref_hash" and msg.ref_hash in self._sent:
            resolved = self._message()
            resolved.CopyFrom(self._sent[msg.ref_hash])
            resolved.metadata.CopyFrom(msg.metadata)
            msg, kind = resolved, resolved.WhichOneof("type")
        if kind == "script_finished":
            self.finished += 1
            if self.recording is not None:
                self.recording = list(self._run)
        elif kind == "new_session":
            self._run = []
        elif kind == "navigation":
            self.navigation = msg
        elif kind in REPLAYED:
            self._run.append(msg)

    def wait_for_run_after(self, page, count: int) -> None:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while self.finished <= count:
            if time.monotonic() > deadline:
                raise TimeoutError("no script run finished after the change")
            page.wait_for_timeout(5)

    def record(self) -> None:
        """Keep what the next script runs draw, until `recorded` is read."""
        self.recording = []

    def recorded(self, page) -> list:
        """What the latest finished run drew (waiting briefly for the last messages to be read)."""
        page.wait_for_timeout(200)
        runs, self.recording = self.recording, None
        return runs


def _timed_rerun(page, watcher: RunWatcher, year: str) -> float:
    """Type a new year into the sidebar's as-at date and click away (which commits it); time the rerun."""
    field_ = page.locator("[data-testid='stSidebar'] [data-testid='stDateInput'] [data-type='year']")
    field_.click(force=True)
    page.keyboard.type(year)
    before = watcher.finished
    started = time.perf_counter()
    # The date field commits when focus leaves it: click the page's heading, as a person would click away.
    page.locator("[data-testid='stMain'] h1").first.click()
    watcher.wait_for_run_after(page, before)
    page.wait_for_function(DRAWN, polling="raf", timeout=TIMEOUT_MS)
    return time.perf_counter() - started


def browser_page(db: Path, label: str, path: str, app: Path | None, reps: int, *, extra_env: dict | None = None,
                 record: bool = False) -> dict:
    """Cold (a new server each time), warm and rerun times of one page, REPS of each.

    With RECORD, what the first load and each rerun drew is kept (as the replica replays it).
    """
    cold, warm, rerun = Sample(), Sample(), Sample()
    recording: dict = {"navigation": None, "runs": []}
    for rep in range(reps):
        with streamlit_process(db, app=app or DASHBOARD, extra_env=extra_env) as (url, _), \
                chromium() as page:
            watcher = RunWatcher(page)
            keep = record and rep == 0
            if keep:
                watcher.record()
            cold.values.append(_timed_load(page, f"{url}/{path}"))
            if rep == 0:
                if keep:
                    recording["runs"].append(watcher.recorded(page))
                    recording["navigation"] = watcher.navigation
                for _ in range(reps):
                    warm.values.append(_timed_load(page, f"{url}/{path}"))
                for year in RERUN_YEARS[:reps]:
                    if keep:
                        watcher.record()
                    rerun.values.append(_timed_rerun(page, watcher, year))
                    if keep:
                        recording["runs"].append(watcher.recorded(page))
    log(f"  {label}: cold {cold.text()}, warm {warm.text()}, rerun {rerun.text()}")
    result = {"cold": cold, "warm": warm, "rerun": rerun}
    if record:
        result["recording"] = recording
    return result


def elements_drawn(run: list) -> int:
    """How many elements and blocks a recorded run drew (each counted once, wherever it was replaced)."""
    return len({tuple(msg.metadata.delta_path) for msg in run if msg.WhichOneof("type") == "delta"})


def write_recording(recording: dict, path: Path) -> None:
    """The recorded navigation and runs as the replica reads them (each message base64-encoded)."""
    def encode(msg) -> str:
        return base64.b64encode(msg.SerializeToString()).decode()

    navigation = recording["navigation"]
    path.write_text(json.dumps({"navigation": encode(navigation) if navigation is not None else None,
                                "runs": [[encode(msg) for msg in run] for run in recording["runs"]]}),
                    encoding="utf-8")


def page_and_replica(db: Path, label: str, path: str, reps: int, work: Path) -> dict:
    """One page measured, then its static replica (what it drew, sent again with no computation), in turn."""
    result = browser_page(db, label, path, None, reps, record=True)
    recording = result.pop("recording")
    file = work / f"replica-{len(list(work.glob('replica-*.json'))):02d}.json"
    write_recording(recording, file)
    result["elements"] = elements_drawn(recording["runs"][0])
    replica = browser_page(db, f"{label} (replica)", path, BENCH / "replica.py", reps,
                           extra_env={"GSE_REPLICA": str(file)})
    result["replica"] = replica
    log(f"  {label}: {result['elements']} elements; load {_ratio(result['cold'].median, replica['cold'].median):.2f}× "
        f"its replica, rerun {_ratio(result['rerun'].median, replica['rerun'].median):.2f}×")
    return result


def app_pages(db: Path) -> list[tuple[str, str]]:
    """The dashboard's pages as its navigation lists them (title, URL path), read from the browser."""
    with streamlit_process(db, app=DASHBOARD) as (url, _), chromium() as page:
        watcher = RunWatcher(page)
        _timed_load(page, f"{url}/")
        page.wait_for_timeout(200)
    if watcher.navigation is None:
        raise RuntimeError("the dashboard sent no navigation")
    return [(p.page_name, p.url_pathname) for p in watcher.navigation.navigation.app_pages if not p.is_hidden]


def chosen_pages(pages: list[tuple[str, str]], asked: str | None) -> list[tuple[str, str]]:
    """The PAGES ASKED for (comma-separated names or URL paths; 'overview' is the first page, 'explore' has its
    views too), or all of them."""
    if not asked:
        return pages
    wanted = {p.strip().lower() for p in asked.split(",")}
    chosen = [(name, url) for name, url in pages
              if name.lower() in wanted or (url.split("?")[0] or "overview") in wanted]
    if not chosen:
        raise SystemExit(f"--pages {asked}: no such page; the pages are: "
                         + ", ".join(f"{name} ({url or 'overview'})" for name, url in pages))
    return chosen


def page_script(url: str) -> str | None:
    """The script of the page at URL (pages/<path>.py, whatever its query string), for AppTest."""
    script = f"pages/{(url.split('?')[0] or 'overview').replace('-', '_')}.py"
    return script if (ROOT / script).exists() else None


def explore_views(db: Path) -> list[tuple[str, str]]:
    """The Explore views an analyst uses, as links: their data decides the two Board meetings compared."""
    from gse_dashboard.storage import store
    from gse_dashboard.strategy import commitments_over_time as over_time

    with store.reading(str(db)) as conn:
        boards = over_time.time_points(conn, over_time.BOARD, dt.date.today().isoformat())
    earlier, later = (boards[0], boards[-1]) if len(boards) > 1 else ("", "")
    return [
        ("Explore: members by department and grade", "explore?source=members&by=department&by=grade"),
        ("Explore: commitments by Board meeting", "explore?source=commitments&by=board"),
        ("Explore: the commitments behind a figure",
         "explore?source=commitments&by=workstream&explore_cell_workstream=4"),
        ("Explore: what changed between two Boards",
         f"explore?source=commitments&by=status&explore_board_from={earlier}&explore_board_to={later}"),
    ]


def server_memory(db: Path, pages: list) -> dict:
    """Peak and final resident memory (MB) of a server that has drawn every page once."""
    with streamlit_process(db, app=DASHBOARD) as (url, process), chromium() as page:
        for _, path in pages:
            _timed_load(page, f"{url}/{path}")
        status = Path(f"/proc/{process.pid}/status").read_text()
    values = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in status.splitlines()
              if line.startswith(("VmHWM", "VmRSS"))}
    return {"peak_mb": values.get("VmHWM"), "rss_mb": values.get("VmRSS")}


# -- AppTest -------------------------------------------------------------------------------------

APPTEST_CHILD = """
import json, os, sys, time
from urllib.parse import parse_qs
from streamlit.testing.v1 import AppTest
app, page, query, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
years = json.loads(sys.argv[5])
def timed(at):
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")
    return elapsed
def one():
    at = AppTest.from_file(app, default_timeout=600)
    for key, values in parse_qs(query).items():
        at.query_params[key] = values if len(values) > 1 else values[0]
    if page != "pages/overview.py":
        at.switch_page(page)
    return at, timed(at)
cold = one()[1]
warm = [one()[1] for _ in range(reps)]
# A rerun at an as-at year not seen before (as the browser's rerun): the app's own work on a rerun.
at, _ = one()
day = at.session_state["as_at"]
rerun = []
for year in years:
    at.session_state["as_at"] = day.replace(year=int(year))
    rerun.append(timed(at))
print(json.dumps({"cold": cold, "warm": warm, "rerun": rerun}), flush=True)
# Leave without interpreter teardown: a native thread pool torn down at exit has aborted the
# process ("terminate called without an active exception") after the timings were printed.
os._exit(0)
"""



def apptest_page(db: Path, page: str, reps: int, query: str = "") -> dict:
    """One page's script time under AppTest in a fresh process (QUERY its link's query string): the first run,
    REPS warm runs, and REPS reruns at as-at years not seen before."""
    env = {**os.environ, "GSE_DB_PATH": str(db)}
    result = subprocess.run([sys.executable, "-c", APPTEST_CHILD, str(ROOT / "app.py"), page, query, str(reps),
                             json.dumps(RERUN_YEARS[:reps])],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=1200)
    if result.returncode:
        raise RuntimeError(f"AppTest of {page} failed: {result.stderr[-2000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return {"cold": Sample([data["cold"]]), "warm": Sample(data["warm"]), "rerun": Sample(data["rerun"])}


# -- import --------------------------------------------------------------------------------------

def _import_rows(count: int) -> list[dict]:
    """COUNT new membership cells, monthly from 2001, for departments the database does not have."""
    from gse_dashboard.seed.sample import ROLE_TYPES
    from gse_dashboard.seed.scale import SCALED_GRADES, month_ends

    periods = month_ends(dt.date(2001, 1, 1), dt.date(2015, 12, 31))
    rows = []
    number = 0
    while len(rows) < count:
        department = f"Benchmark department {number:03d}"
        for period in periods:
            for grade in SCALED_GRADES:
                for role in ROLE_TYPES:
                    rows.append({"indicator": "members", "period": period.isoformat(), "population": "GSE",
                                 "value": str(10 + (len(rows) % 90)), "department": department, "grade": grade,
                                 "role_type": role, "source": "Benchmark import"})
                    if len(rows) == count:
                        return rows
        number += 1
    return rows


def import_benchmark(db: Path, count: int, reps: int) -> dict:
    """COUNT observation rows through the importer (read, validate, apply) against a plain executemany."""
    import csv

    from gse_dashboard import importers
    from gse_dashboard.rules import auth
    from gse_dashboard.storage import store

    rows = _import_rows(count)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    user = auth.command_line_user("benchmark")
    parts = {"read": Sample(), "validate": Sample(), "apply": Sample(), "importer": Sample(), "executemany": Sample()}
    work = Path(tempfile.mkdtemp(prefix="gse-import-"))
    try:
        for _ in range(reps):
            copy = work / "import.db"
            shutil.copyfile(db, copy)
            started = time.perf_counter()
            frame = importers.read_upload(data, "benchmark.csv")
            read = time.perf_counter()
            database = store.connect(copy)
            validation = importers.validate(database, "observations", frame, filename="benchmark.csv")
            checked = time.perf_counter()
            if not validation.ok:
                raise RuntimeError("; ".join(validation.problem_lines()[:5]))
            importers.apply_import(database, "observations", validation, user=user, filename="benchmark.csv")
            done = time.perf_counter()
            database.close()
            parts["read"].values.append(read - started)
            parts["validate"].values.append(checked - read)
            parts["apply"].values.append(done - checked)
            parts["importer"].values.append(done - started)
            shutil.rmtree(work)
            work.mkdir()

            shutil.copyfile(db, copy)
            database = store.connect(copy)
            values = [(r["indicator"], r["period"], r["population"], r["department"], r["grade"], r["role_type"],
                       float(r["value"]), r["source"], store.now(), "benchmark") for r in rows]
            started = time.perf_counter()
            with database.conn:
                database.conn.executemany(
                    "INSERT INTO observations (indicator, period, population, department, grade, role_type, value, "
                    "source, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
            parts["executemany"].values.append(time.perf_counter() - started)
            database.close()
            shutil.rmtree(work)
            work.mkdir()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"  import {count:,} rows: importer {parts['importer'].text()} "
        f"(read {parts['read'].text()}, validate {parts['validate'].text()}, apply {parts['apply'].text()}); "
        f"executemany {parts['executemany'].text()}")
    return parts


# -- board pack ----------------------------------------------------------------------------------

def pack_benchmark(db: Path, formats: list[str], reps: int) -> dict:
    """Building the pack (pdf, pptx) and brief (docx) as at a date, REPS times each."""
    from gse_dashboard.board import pack

    results = {}
    for fmt in formats:
        sample = Sample()
        for _ in range(reps):
            started = time.perf_counter()
            data = pack.build(db, PACK_AS_AT, fmt)
            sample.values.append(time.perf_counter() - started)
        results[fmt] = {"time": sample, "kb": len(data) // 1024}
        log(f"  pack {fmt}: {sample.text()} ({len(data) // 1024:,} KB)")
    return results


# -- the report ----------------------------------------------------------------------------------

def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value is not None and base else None


def _verdict(ratio: float | None, target: float) -> str:
    if ratio is None:
        return "–"
    return f"{ratio:.2f}× {'✓' if ratio <= target else '✗'}"


def report(results: dict, args) -> str:
    """The Markdown report: the machine, the databases, every measurement and the ratios."""
    info = results["machine"]
    labels = [d["label"] for d in results["databases"]]
    lines = [
        "## Speed against Streamlit's own floor",
        "",
        "Written by `python benchmarks/run.py" + (" " + " ".join(args.argv) if args.argv else "") + "` "
        "(see `benchmarks/README.md`). Times in seconds: median of the runs, with the fastest and slowest in "
        "brackets. Every ratio is between two measurements of the same run on the same machine.",
        "",
        "## Machine",
        "",
        f"- Date: {info['date']}",
        f"- CPU: {info['cpu']}, {info['cores']} cores; memory {info['memory']}",
        f"- {info['os']}",
        f"- Python {info['python']}, Streamlit {info['streamlit']}, pandas {info['pandas']}, plotly {info['plotly']}, "
        f"SQLite {info['sqlite']}, {info['chromium']}",
        f"- Repetitions: {args.reps} per browser measurement (cold: a new server each time), "
        f"{args.reps} warm AppTest runs, {args.import_reps} imports, {args.pack_reps} builds of each pack",
        "",
        "## Databases",
        "",
        "| database | commitments | progress updates | observations | rows in all | file (MB) | build (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for d in results["databases"]:
        rows = d["rows"]
        lines.append(f"| {d['label']} | {rows['commitments']:,} | {rows['progress_updates']:,} | "
                     f"{rows['observations']:,} | {d['total_rows']:,} | {d['mb']:.0f} | {d['build_s']:.1f} |")
    lines += ["", "## Targets", "",
              f"- every page and Explore view: load (cold and warm) at most **{REPLICA_LOAD_TARGET}×** its own static "
              f"replica's, rerun at most **{REPLICA_RERUN_TARGET}×** its replica's rerun;",
              f"- every page's load (cold and warm) at most **{LOAD_TARGET}×** the one-chart reference page's;",
              f"- every rerun at most **{RERUN_TARGET}×** the empty page's rerun;",
              f"- on the scaled database, every page within **{SCALE_TARGET}×** its own time on the default one;",
              f"- import within **{IMPORT_TARGET}×** a plain `executemany` of the same rows;",
              f"- the server's peak memory under **{MEMORY_TARGET_MB} MB** on the scaled database.", ""]
    met, missed = [], []
    for d in results["databases"]:
        label = d["label"]
        browser = results["browser"].get(label, {})
        replicated = {name: r for name, r in browser.items() if "replica" in r}
        if not replicated:
            continue
        lines += [f"## Pages against their static replicas: {label}", "",
                  "Each page's replica (`benchmarks/replica.py`) sends again, with no computation, exactly what the "
                  "page sent to the browser on its first load and on each rerun: the same navigation, elements, "
                  "charts, tables and widgets at the same places. Page and replica are measured one after the "
                  "other, in the same way. Elements: the elements and blocks the page draws on its first load.", "",
                  "| page | elements | cold (s) | replica cold (s) | cold vs replica | warm vs replica | rerun (s) | "
                  "replica rerun (s) | rerun vs replica |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, result in replicated.items():
            replica = result["replica"]
            checks = [(_ratio(result["cold"].median, replica["cold"].median), REPLICA_LOAD_TARGET, "cold load"),
                      (_ratio(result["warm"].median, replica["warm"].median), REPLICA_LOAD_TARGET, "warm load"),
                      (_ratio(result["rerun"].median, replica["rerun"].median), REPLICA_RERUN_TARGET, "rerun")]
            for r, t, what in checks:
                if r is not None:
                    (met if r <= t else missed).append(f"{label}: {name} {what} {r:.2f}× its replica (target {t}×)")
            cold, warm, rerun = (_verdict(r, t) for r, t, _ in checks)
            lines.append(f"| {name} | {result['elements']} | {result['cold'].text()} | {replica['cold'].text()} | "
                         f"{cold} | {warm} | {result['rerun'].text()} | {replica['rerun'].text()} | {rerun} |")
        lines.append("")
    for d in results["databases"]:
        label = d["label"]
        browser = results["browser"].get(label, {})
        empty = browser.get(REFERENCES[0][0], {})
        chart = browser.get(REFERENCES[1][0], {})
        lines += [f"## Pages in Chromium: {label}", "",
                  "Cold: the first visit after the server starts. Warm: the same page again. Rerun: after typing "
                  "a new as-at year (one not seen before, so no cached answer is reused). Each ends when the "
                  "script has finished and every visible chart has drawn.", "",
                  "| page | cold (s) | warm (s) | rerun (s) | cold vs one-chart | warm vs one-chart | "
                  "rerun vs empty |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name, result in browser.items():
            is_reference = name.startswith("Reference")
            cells = [result["cold"].text(), result["warm"].text(), result["rerun"].text()]
            if is_reference:
                ratios = ["", "", ""]
            else:
                checks = [(_ratio(result["cold"].median, chart["cold"].median), LOAD_TARGET, "cold load"),
                          (_ratio(result["warm"].median, chart["warm"].median), LOAD_TARGET, "warm load"),
                          (_ratio(result["rerun"].median, empty["rerun"].median), RERUN_TARGET, "rerun")]
                ratios = [_verdict(r, t) for r, t, _ in checks]
                for r, t, what in checks:
                    if r is not None:
                        (met if r <= t else missed).append(f"{label}: {name} {what} {r:.2f}× (target {t}×)")
            lines.append(f"| {name} | {' | '.join(cells)} | {' | '.join(ratios)} |")
        lines.append("")
    if len(labels) == 2 and all(label in results["browser"] for label in labels):
        small, big = (results["browser"][label] for label in labels)
        lines += [f"## Scaled against default: {labels[1]} / {labels[0]}", "",
                  "| page | cold | warm | rerun | AppTest (warm) |", "|---|---:|---:|---:|---:|"]
        for name in small:
            if name.startswith("Reference") or name not in big:
                continue
            checks = [(_ratio(big[name][k].median, small[name][k].median), k) for k in ("cold", "warm", "rerun")]
            apptest = results.get("apptest", {})
            at_small = apptest.get(labels[0], {}).get(name)
            at_big = apptest.get(labels[1], {}).get(name)
            at_ratio = _ratio(at_big["warm"].median, at_small["warm"].median) if at_small and at_big else None
            for r, k in checks:
                if r is not None:
                    (met if r <= SCALE_TARGET else missed).append(f"scaled/default: {name} {k} {r:.2f}× "
                                                                  f"(target {SCALE_TARGET}×)")
            lines.append(f"| {name} | {' | '.join(_verdict(r, SCALE_TARGET) for r, _ in checks)} | "
                         f"{_verdict(at_ratio, SCALE_TARGET)} |")
        lines.append("")
    if results.get("apptest"):
        lines += ["## Script time under AppTest", "",
                  "The page's script alone (no browser), from `app.py` in a fresh process: the first run (empty "
                  "caches), the median of the warm runs (the same page again), and the median of the reruns at an "
                  "as-at year not seen before, as the browser's rerun: the app's own work on a rerun, which its "
                  "replica does not do.", "",
                  "| page | " + " | ".join(f"{label}: first | {label}: warm | {label}: rerun" for label in labels)
                  + " |",
                  "|---|" + "---:|---:|---:|" * len(labels)]
        names = list(dict.fromkeys(n for label in labels for n in results["apptest"].get(label, {})))
        for name in names:
            cells = []
            for label in labels:
                r = results["apptest"].get(label, {}).get(name)
                cells += [r["cold"].text(), r["warm"].text(), r["rerun"].text()] if r else ["–", "–", "–"]
            lines.append(f"| {name} | {' | '.join(cells)} |")
        lines.append("")
    if results.get("memory"):
        lines += ["## Server memory", "", "Resident memory of the `streamlit run` process after drawing every page "
                  "once (VmHWM is the peak).", "", "| database | peak (MB) | at the end (MB) | target |",
                  "|---|---:|---:|---|"]
        for label in labels:
            m = results["memory"].get(label)
            if not m:
                continue
            ok = m["peak_mb"] < MEMORY_TARGET_MB
            if label == labels[-1]:
                (met if ok else missed).append(f"{label}: server peak memory {m['peak_mb']:.0f} MB "
                                               f"(target < {MEMORY_TARGET_MB} MB)")
            lines.append(f"| {label} | {m['peak_mb']:.0f} | {m['rss_mb']:.0f} | "
                         f"{'under' if ok else 'over'} {MEMORY_TARGET_MB} MB {'✓' if ok else '✗'} |")
        lines.append("")
    if results.get("import"):
        lines += ["## Import", "",
                  f"{args.import_rows:,} new observation rows (membership cells) as a CSV file through "
                  "`importers.read_upload`, `validate` and `apply_import` (which takes a backup first and writes "
                  "an audit row per row), against a plain `executemany` of the same rows into a copy of the "
                  "same database.", "",
                  "| database | read | validate | apply | importer in all | plain executemany | ratio |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for label in labels:
            r = results["import"].get(label)
            if not r:
                continue
            ratio = _ratio(r["importer"].median, r["executemany"].median)
            if ratio is not None:
                (met if ratio <= IMPORT_TARGET else missed).append(
                    f"{label}: import {ratio:.2f}× executemany (target {IMPORT_TARGET}×)")
            lines.append(f"| {label} | {r['read'].text()} | {r['validate'].text()} | {r['apply'].text()} | "
                         f"{r['importer'].text()} | {r['executemany'].text()} | {_verdict(ratio, IMPORT_TARGET)} |")
        lines.append("")
    if results.get("pack"):
        formats = list(dict.fromkeys(f for label in labels for f in results["pack"].get(label, {})))
        lines += ["## Board pack", "", f"`pack.build` as at {PACK_AS_AT}, in each format (no target is set).", "",
                  "| database | " + " | ".join(f"{f} (s)" for f in formats) + " |",
                  "|---|" + "---:|" * len(formats)]
        for label in labels:
            r = results["pack"].get(label, {})
            lines.append(f"| {label} | " + " | ".join(
                f"{r[f]['time'].text()}, {r[f]['kb']:,} KB" if f in r else "–" for f in formats) + " |")
        lines.append("")
    lines += ["## Summary", "", f"{len(met)} of {len(met) + len(missed)} checks met.", ""]
    if missed:
        lines += ["Not met:", ""] + [f"- {m}" for m in missed] + [""]
    results["summary"] = {"met": met, "missed": missed}
    # One section of a shared file: its parts are subsections.
    return "\n".join([lines[0], *(f"#{line}" if line.startswith("## ") else line for line in lines[1:])])


# The report is one block of the file between these markers; other sections (the load test's)
# are left as they are, and notes written by people after NOTES inside the block survive a new run.
START, END, NOTES = "<!-- benchmark:start -->", "<!-- benchmark:end -->", "<!-- notes -->"


def merged_report(previous: str, text: str) -> str:
    """PREVIOUS (the file as it was) with this run's block replaced, or added after the title."""
    notes = ""
    if START in previous and END in previous:
        before, rest = previous.split(START, 1)
        block, after = rest.split(END, 1)
        if NOTES in block:
            notes = block[block.index(NOTES):].rstrip() + "\n"
    else:
        title = "# Benchmarks\n"
        body = previous[len(title):] if previous.startswith(title) else previous
        before, after = title + "\n", ("\n" + body.lstrip("\n")) if body.strip() else ""
    return f"{before}{START}\n{text.rstrip()}\n\n{notes}{END}{after}"


def _jsonable(value):
    if isinstance(value, Sample):
        return {"median": value.median, "values": value.values}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


# -- main ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 repetitions, small import, docx only")
    parser.add_argument("--scale", type=int, default=100,
                        help="the scaled database's N (default 100; 1: the default database only)")
    parser.add_argument("--reps", type=int, help="repetitions per browser and AppTest measurement (default 5)")
    parser.add_argument("--pages", help="comma-separated URL paths or names of pages to measure (default: all); "
                                        "'overview' is the first page")
    parser.add_argument("--parts", default="browser,apptest,memory,import,pack",
                        help="what to measure (default: browser,apptest,memory,import,pack)")
    parser.add_argument("--replicas", choices=("default", "all", "none"), default="default",
                        help="measure each page's static replica beside it on the default database (default), "
                             "on every database, or not at all")
    parser.add_argument("--import-rows", type=int, help="rows to import (default 100,000; quick 2,000)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARKS.md", help="the report to write")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--work", type=Path, help="where to build the databases (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="reuse databases already built in --work")
    args = parser.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    args.reps = args.reps or (2 if args.quick else 5)
    args.import_rows = args.import_rows or (2_000 if args.quick else 100_000)
    args.import_reps = 1 if args.quick else 3
    args.pack_reps = 1 if args.quick else 3
    formats = ["docx"] if args.quick else ["pdf", "pptx", "docx"]
    parts = set(args.parts.split(","))
    pages: list[tuple[str, str]] = []
    work = args.work or Path(tempfile.mkdtemp(prefix="gse-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "databases": [], "browser": {}, "apptest": {}, "memory": {},
                     "import": {}, "pack": {}}
    try:
        for scale in (1, args.scale) if args.scale > 1 else (1,):
            label = "default" if scale == 1 else f"scale {scale}"
            path = work / f"gse-{scale}" / "gse.db"
            path.parent.mkdir(exist_ok=True)
            if args.keep and path.exists():
                info = {"scale": scale, "rows": {}, "build_s": 0.0, "mb": path.stat().st_size / 2**20}
                conn = sqlite3.connect(path)
                info["rows"] = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                                for t in ("commitments", "progress_updates", "observations")}
                conn.close()
                info["total_rows"] = sum(info["rows"].values())
            else:
                log(f"building the {label} database")
                info = build(path, scale)
            results["databases"].append({"label": label, "path": str(path), **info})
            log(f"{label}: {info['total_rows']:,} rows, {info['mb']:.0f} MB")
            if not pages:
                pages = chosen_pages(app_pages(path) + explore_views(path), args.pages)
                log(f"pages: {', '.join(name for name, _ in pages)}")
            if "browser" in parts:
                log(f"{label}: pages in Chromium")
                replicas = args.replicas == "all" or (args.replicas == "default" and scale == 1)
                results["browser"][label] = {
                    name: (page_and_replica(path, name, url, args.reps, work) if replicas
                           else browser_page(path, name, url, None, args.reps)) for name, url in pages}
                results["browser"][label].update({name: browser_page(path, name, url, app, args.reps)
                                                  for name, url, app in REFERENCES})
            if "apptest" in parts:
                log(f"{label}: AppTest")
                results["apptest"][label] = {}
                for name, url in pages:
                    script = page_script(url)
                    if script is None:
                        continue
                    results["apptest"][label][name] = apptest_page(path, script, args.reps,
                                                                   url.partition("?")[2])
                    measured = results["apptest"][label][name]
                    log(f"  {name}: first {measured['cold'].text()}, warm {measured['warm'].text()}, "
                        f"rerun at a new date {measured['rerun'].text()}")
            if "memory" in parts:
                results["memory"][label] = server_memory(path, pages)
                log(f"{label}: server memory {results['memory'][label]}")
            if "import" in parts:
                results["import"][label] = import_benchmark(path, args.import_rows, args.import_reps)
            if "pack" in parts:
                results["pack"][label] = pack_benchmark(path, formats, args.pack_reps)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    text = report(results, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    args.out.write_text(merged_report(previous, text), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(_jsonable(results), indent=1), encoding="utf-8")
    log(f"wrote {args.out}: {len(results['summary']['met'])} checks met, {len(results['summary']['missed'])} not")
    return 0


if __name__ == "__main__":
    sys.exit(main())
