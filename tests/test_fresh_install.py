"""The README's run command on a fresh machine: a virtual environment from requirements.txt alone runs everything.

Every other test runs with the development requirements installed, so none of them would notice
a package the app needs that only requirements-dev.txt brings. Here a new virtual environment
gets `pip install -r requirements.txt` and nothing else (pip's cache makes it quicker the second
time); `init` builds the database with it, `streamlit run` serves every page from it to headless
Chromium, and the Board pack, the spreadsheet downloads and sign-in work from it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, ERRORS, chromium, streamlit_process, wait_until_drawn

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parent.parent
# Every page, as its link and the title the browser tab starts with (the navigation in ui/session.py).
PAGES = [("", "Overview"), ("workstreams", "Workstreams"), ("membership", "Membership"),
         ("diversity", "Diversity & inclusion"), ("manage", "Manage data"), ("explore", "Explore"),
         ("board-pack", "Board pack"), ("strategy", "The strategy"), ("about", "About the data")]


class Venv:
    """A virtual environment with requirements.txt installed, and how to run its Python."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.python = str(folder / "bin" / "python")
        # Nothing of the environment running the tests leaks in (PYTHONPATH would bring its packages).
        self.env = {name: value for name, value in os.environ.items()
                    if name not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")}
        self.env.update(VIRTUAL_ENV=str(folder), PATH=f"{folder / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                        PYTHONNOUSERSITE="1")

    def run(self, *args: str, cwd: Path = ROOT, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        """Run this environment's Python with ARGS in CWD."""
        return subprocess.run([self.python, *args], cwd=cwd, env={**self.env, **env}, capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Venv:
    """`python -m venv`, then `pip install -r requirements.txt` and nothing else."""
    folder = tmp_path_factory.mktemp("fresh-install") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    made = Venv(folder)
    installed = made.run("-m", "pip", "install", "--disable-pip-version-check", "-q", "-r",
                         str(ROOT / "requirements.txt"), timeout=1500)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return made


@pytest.fixture(scope="module")
def initialised(venv, tmp_path_factory) -> tuple[Venv, Path, subprocess.CompletedProcess]:
    """`python -m gse_dashboard init` run with the fresh environment's Python, on a new database."""
    db_path = tmp_path_factory.mktemp("fresh-db") / "gse.db"
    return venv, db_path, venv.run("-m", "gse_dashboard", "--db", str(db_path), "init")


def test_the_environment_holds_only_what_requirements_txt_brings(venv):
    """The fresh environment has no test tools and no scipy, and pip finds every installed package's needs met."""
    missing = venv.run("-c", "import importlib.util as u; print([m for m in ('scipy', 'pytest', 'deptry') "
                             "if u.find_spec(m)])")
    assert missing.stdout.strip() == "[]", missing.stderr
    checked = venv.run("-m", "pip", "check")
    assert checked.returncode == 0, checked.stdout


def test_init_builds_the_database_from_requirements_txt_alone(initialised):
    """`init` succeeds, says what it built, and `check` then finds the database sound."""
    venv, db_path, result = initialised
    assert result.returncode == 0, result.stderr
    assert db_path.exists() and "Built" in result.stdout, result.stdout
    checked = venv.run("-m", "gse_dashboard", "--db", str(db_path), "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_page_serves_without_error_from_the_fresh_environment(initialised):
    """The README's run command (`streamlit run serve.py`, which serves app.py) with the fresh environment's Python:
    every page opens in Chromium with no error."""
    venv, db_path, _ = initialised
    unset = dict.fromkeys(("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE"))
    served = streamlit_process(db_path, app=ROOT / "serve.py", python=venv.python, extra_env={**venv.env, **unset})
    with served as (url, _), chromium() as page:
        for path, title in PAGES:
            page.goto(f"{url}/{path}")
            wait_until_drawn(page, timeout_ms=240_000)  # a first page on a busy machine can take a minute or more
            assert page.title().startswith(title), (path, page.title())
            assert page.locator(ERRORS).count() == 0, (path, page.locator(ERRORS).all_inner_texts())
            page.screenshot(path=ARTIFACTS / f"fresh-install-{path or 'overview'}.png", full_page=True)


def test_the_board_pack_pdf_builds_from_the_fresh_environment(initialised, tmp_path):
    """`pack --format pdf` with the fresh environment draws its charts (kaleido) and prints the PDF (Playwright)."""
    venv, db_path, _ = initialised
    out = tmp_path / "pack.pdf"
    result = venv.run("-m", "gse_dashboard", "--db", str(db_path), "pack", "--as-at", "2019-10-16", "--format", "pdf",
                      "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF-") and out.stat().st_size > 100_000


def test_downloads_and_sign_in_work_from_the_fresh_environment(venv, tmp_path):
    """The .xlsx (gptables) and .ods (odfpy, used by pandas) downloads are written, and st.login finds Authlib."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import pandas as pd
        from gse_dashboard.charts import downloads
        frame = pd.DataFrame({{"grade": ["AA/AO", "SCS"], "members": [120, 35]}})
        meta = downloads.TableMeta(title="Members by grade", as_at="2019-10-16")
        for name, data in (("xlsx", downloads.xlsx_bytes(frame, meta)), ("ods", downloads.ods_bytes(frame, meta))):
            print(name, data[:2].decode(), len(data) > 1000)
    """)
    written = venv.run("-c", script)
    assert written.returncode == 0, written.stderr
    assert written.stdout.split("\n")[:2] == ["xlsx PK True", "ods PK True"], written.stdout
    # Sign-in configured as the README's [auth] section says: st.login needs Authlib (streamlit[auth]).
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(textwrap.dedent("""
        [auth]
        redirect_uri = "http://localhost:8501/oauth2callback"
        cookie_secret = "a-cookie-secret-for-this-test-only-0123456789"
        client_id = "dashboard"
        client_secret = "not-a-real-secret"
        server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
    """))
    (tmp_path / "login.py").write_text("import streamlit as st\nst.login()\nst.write('asked to sign in')\n")
    login = venv.run("-c", textwrap.dedent("""
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file("login.py").run()
        print([e.value for e in at.exception] or [m.value for m in at.markdown])
    """), cwd=tmp_path)
    assert login.returncode == 0, login.stderr
    assert login.stdout.strip() == "['asked to sign in']", login.stdout
