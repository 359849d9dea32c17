"""Hardening, third round (issue 28), in a real browser: what Chromium actually draws, frames and fetches."""

from __future__ import annotations

import textwrap

import pytest

from tests.browser import READY, chromium, streamlit_process

pytestmark = pytest.mark.browser

# Text a commentary, a title or a file could carry, each once in a message, a caption and a table cell.
HOSTILE = ["http://evil.example/login", "see www.evil.example today", "write to someone@evil.example",
           "---", "HTTPS://evil.example/x"]


def test_escaped_text_draws_no_link_and_no_rule(tmp_path):
    """Addresses, e-mails and dashes put through escape_md are drawn as text: no <a>, no <hr> anywhere.

    The attack: `http://…`, `www.…` and `a@b.c` in a table cell or message became clickable links,
    and a cell of `---` drew a rule.
    """
    app = tmp_path / "escaped.py"
    app.write_text(textwrap.dedent(f"""
        import pandas as pd
        import streamlit as st
        from gse_dashboard.rules.safe_text import escape_md
        for text in {HOSTILE!r}:
            st.markdown(escape_md(text))
            st.caption(escape_md(text))
            st.info(escape_md(text))
        st.table(pd.DataFrame({{"Commentary": [escape_md(text) for text in {HOSTILE!r}]}}))
    """), encoding="utf-8")
    with streamlit_process(tmp_path / "unused.db", app=app) as (url, _), chromium() as page:
        page.goto(url)
        page.wait_for_selector(READY, timeout=90_000)
        page.wait_for_selector("[data-testid='stTable']", timeout=90_000)
        main = page.locator("[data-testid='stMain']")
        assert main.locator("a").count() == 0, main.locator("a").evaluate_all("l => l.map(a => a.outerHTML)")
        assert main.locator("hr").count() == 0
        shown = main.inner_text().replace("\u2060", "")
        for text in HOSTILE:
            assert shown.count(text) == 4, text
