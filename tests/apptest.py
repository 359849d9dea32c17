"""The dashboard's pages under Streamlit's AppTest, opened as a link would open them."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def explore_page(db_file, monkeypatch, **params) -> AppTest:
    """Explore on DB_FILE with PARAMS in its address, run once; it raised nothing."""
    monkeypatch.setenv("GSE_DB_PATH", str(db_file))
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/explore.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at
