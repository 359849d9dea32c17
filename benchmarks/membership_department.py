"""The first load of Membership for one department: its charts over time need every period's protected table.

    python benchmarks/membership_department.py DB [--department NAME] [--reps N] [--no-browser]

DB is copied afresh for every repetition (so what a run keeps in the database does not help the
next) and each repetition starts a new process, so every measurement is a first load:

- data: `published.series` for the department (cold, then warm) and `screens.membership` (the
  Membership view) for it, in a new Python process (highspy imported before the timing);
- AppTest: the Membership page with ``?department=NAME``, first run of a new AppTest, then a
  second run (pandas, plotly and highspy imported before the timing);
- browser: a new `streamlit run` server; the Overview is opened first (the server's first run),
  then Membership for the department, timed until its first chart has drawn; then again.

Prints one line per measurement and the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENT = "Animal and Plant Health Agency"

DATA = """
import sys, time
sys.path.insert(0, {root!r})
import highspy  # noqa: F401
from gse_dashboard.people import published
from gse_dashboard.storage import queries, store
from gse_dashboard.views import screens
database = store.connect({db!r})
conn = database.conn
as_at = queries.latest_data_date(conn)
start = time.perf_counter()
series = published.series(conn, as_at, 10, department={department!r})
cold = time.perf_counter() - start
start = time.perf_counter()
published.series(conn, as_at, 10, department={department!r})
warm = time.perf_counter() - start
start = time.perf_counter()
screens.membership(conn, as_at, 10, department={department!r})
whole = time.perf_counter() - start
print(f"data: series cold {{cold:.2f}} s, warm {{warm:.3f}} s; then membership() {{whole:.2f}} s "
      f"({{len(series)}} periods)")
"""

APPTEST = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ["GSE_DB_PATH"] = {db!r}
import pandas, plotly, highspy  # noqa: F401
from streamlit.testing.v1 import AppTest
for label in ("first", "second"):
    at = AppTest.from_file({app!r}, default_timeout=300)
    at.query_params["department"] = {department!r}
    start = time.perf_counter()
    at.switch_page("pages/membership.py").run()
    assert not at.exception, [e.value for e in at.exception]
    print(f"AppTest: {{label}} run {{time.perf_counter() - start:.2f}} s")
os._exit(0)
"""

BROWSER = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.browser import chromium, streamlit_server, wait_until_drawn
with streamlit_server(Path({db!r})) as url, chromium() as page:
    page.goto(url)
    wait_until_drawn(page)
    for label in ("first", "again"):
        start = time.perf_counter()
        page.goto(url + "/membership?department=" + {department!r}.replace(" ", "+"))
        wait_until_drawn(page, charts=1)
        print(f"browser: {{label}} load {{time.perf_counter() - start:.2f}} s")
"""


def _run(template: str, db: Path, department: str) -> None:
    code = textwrap.dedent(template).format(root=str(ROOT), db=str(db), department=department,
                                            app=str(ROOT / "app.py"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    print("\n".join(lines) if lines else f"failed: {result.stderr[-1500:]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--department", default=DEPARTMENT)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as work:
        for rep in range(args.reps):
            for name, template in (("data", DATA), ("apptest", APPTEST), ("browser", BROWSER)):
                if name == "browser" and args.no_browser:
                    continue
                copy = Path(work) / f"{name}-{rep}.db"
                shutil.copyfile(args.db, copy)
                _run(template, copy, args.department)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
