"""serve.py, the README's run command: the server imports the dashboard's modules as it starts."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# In a fresh process: nothing of the dashboard is imported by serve.py itself; the server's lifespan
# (what Streamlit enters as it starts) imports it in the background while the server goes on starting.
CHILD = """
import asyncio, sys, threading
import serve
before = sorted(name for name in sys.modules if name.startswith("gse_dashboard"))
async def start():
    async with serve.warm_up(serve.app):
        served = any(t.name == "gse-warm-up" and t.is_alive() for t in threading.enumerate())
        for thread in threading.enumerate():
            if thread.name == "gse-warm-up":
                thread.join(300)
        return served
served = asyncio.run(start())
print(before, served, all(name in sys.modules for name in
                          ("gse_dashboard.ui", "gse_dashboard.views.screens", "plotly.graph_objects", "pandas")))
"""


def test_the_server_imports_the_dashboard_as_it_starts_not_when_the_first_visitor_comes():
    """Entering serve.py's lifespan starts the import of the dashboard's modules in a background thread and
    returns at once; serve.py alone imports none of them."""
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[] True True"
