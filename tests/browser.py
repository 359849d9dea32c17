"""Start a real `streamlit run app.py` and drive it with headless Chromium (Playwright)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("GSE_CHROMIUM", "/usr/bin/chromium")
# Flags that let Chromium run as root in a container with no network but loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    """A TCP port on loopback nobody is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db_path: Path, *, extra_env: dict | None = None) -> Iterator[str]:
    """Run the dashboard on a free loopback port with GSE_DB_PATH=DB_PATH; yield its URL."""
    with streamlit_process(db_path, extra_env=extra_env) as (url, _):
        yield url


@contextlib.contextmanager
def streamlit_process(db_path: Path, *, app: Path = ROOT / "app.py", extra_env: dict | None = None,
                      python: str = sys.executable) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `streamlit run APP` on a free loopback port; yield its URL and process (the benchmark reads its memory).

    PYTHON runs it (another virtual environment's, say); a variable given as None in EXTRA_ENV is unset.
    """
    port = free_port()
    env = {**os.environ, "GSE_DB_PATH": str(db_path), **(extra_env or {})}
    env = {name: value for name, value in env.items() if value is not None}
    log = (ARTIFACTS / f"streamlit-{port}.log")
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as output:
        process = subprocess.Popen(
            [python, "-m", "streamlit", "run", str(app), "--server.headless=true",
             f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
             # Edits to the source while a test runs must not unload modules under a running script.
             "--server.fileWatcherType=none"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited early: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        else:
            raise RuntimeError("streamlit did not start listening within 60 s")
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 1000):
    """A Playwright page in the system's headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


# How many plotly charts have drawn: a chart counts once its div holds an svg, whatever the
# number of .main-svg layers it draws (three each in this plotly; counting layers would let
# "two charts drawn" be met by one).
_CHARTS_DRAWN_JS = """n => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(e => e.querySelector('.main-svg')).length >= n"""


def wait_until_drawn(page, *, charts: int = 0, timeout_ms: int = 90_000) -> None:
    """Wait for the script run to finish and, if CHARTS, for that many plotly charts (not svg layers) to draw."""
    page.wait_for_selector(READY, timeout=timeout_ms)
    if charts:
        page.wait_for_function(_CHARTS_DRAWN_JS, arg=charts, timeout=timeout_ms)
    page.wait_for_selector(READY, timeout=timeout_ms)


# The open tab's panel has content and every plotly chart in it has drawn.
_TAB_PANEL_DRAWN_JS = """() => {
  const panel = [...document.querySelectorAll("[data-testid='stMain'] [role='tabpanel']")]
    .find(e => e.getClientRects().length);
  return !!panel && panel.innerText.trim().length > 0
    && [...panel.querySelectorAll('.js-plotly-plot')].every(e => e.querySelector('.main-svg'));
}"""


def show_tab(page, tab, *, timeout_ms: int = 90_000) -> None:
    """Click TAB and wait until its panel has run and drawn.

    Lazy tabs (st.tabs with on_change or bind) rerun the script and fill the panel only then, so
    waiting for the script alone could catch the moment before the rerun starts.
    """
    tab.click()
    page.wait_for_function(_TAB_PANEL_DRAWN_JS, timeout=timeout_ms)
    page.wait_for_selector(READY, timeout=timeout_ms)


# axe-core's rule tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page, *, disabled: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core (bundled by the axe-playwright-python package) on PAGE; return its violations.

    Each violation is {id, impact, help, nodes: [html snippets]}; DISABLED rule ids are not run.
    """
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in disabled}}
    results = page.evaluate("options => axe.run(document, options)", options)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["html"][:200] for n in v["nodes"]]} for v in results["violations"]]
