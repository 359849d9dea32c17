"""Hardening, third round (issue 28), in a real browser: what Chromium actually draws, frames and fetches."""

from __future__ import annotations

import contextlib
import http.server
import textwrap
import threading
import urllib.error
import urllib.request

import pytest

from tests.browser import READY, ROOT, chromium, free_port, streamlit_process
from tests.load import view_as

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


def test_a_proxy_that_adds_no_header_gets_a_viewer_over_a_real_websocket(db_copy):
    """Through a same-machine proxy with only proxy_pass (loopback socket and Host, the page's own Origin, no
    forwarding header), or with only X-Client-IP, the app is read only: no Manage data, no SQL box.

    The attack: nginx with nothing but proxy_pass made every visitor the local editor.
    """
    public = "http://gse.example.gov.uk:8080"
    with streamlit_process(db_copy, extra_env={"STREAMLIT_SERVER_CORS_ALLOWED_ORIGINS": public}) as (url, _):
        port = url.rsplit(":", 1)[1]
        local = view_as(url, "explore")
        assert "Manage data" in local.pages, local.pages
        for headers, origin in (({}, public), ({"X-Client-IP": "203.0.113.9"}, None)):
            seen = view_as(url, "explore", host=f"127.0.0.1:{port}", headers=headers, origin=origin)
            assert not seen.problems, seen.problems
            assert seen.pages and "Manage data" not in seen.pages, (headers, origin, seen.pages)
            assert not any(t.startswith("[text_area] SQL") for t in seen.texts)
            assert any(t.startswith("**Read only.**") for t in seen.texts), seen.texts


@contextlib.contextmanager
def _page_elsewhere(html: str):
    """Serve HTML at / on another loopback port (another origin than the app's); yield its URL."""
    body = html.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_on_another_origin_cannot_frame_the_dashboard(db_copy):
    """Served by `streamlit run serve.py`, the dashboard says frame-ancestors 'self': Chromium refuses to show
    Manage data inside a page from another origin, while the page itself still opens.

    The attack: with no frame-ancestors or X-Frame-Options, another origin could frame /manage with the
    local editor's rights and trick clicks into it.
    """
    with streamlit_process(db_copy, app=ROOT / "serve.py") as (url, _):
        with urllib.request.urlopen(f"{url}/manage", timeout=60) as response:  # noqa: S310 - loopback
            assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
            assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        html = f'<h1>Elsewhere</h1><iframe id="gse" src="{url}/manage" width="900" height="600"></iframe>'
        with _page_elsewhere(html) as elsewhere, chromium() as page:
            refused = []
            page.on("console", lambda message: refused.append(message.text) if "frame-ancestors" in message.text
                    else None)
            page.goto(elsewhere)
            page.wait_for_timeout(5_000)
            framed = [frame for frame in page.frames if frame != page.main_frame]
            assert len(framed) == 1
            assert not framed[0].url.startswith(url) or framed[0].locator("[data-testid='stApp']").count() == 0
            assert any("frame-ancestors" in text for text in refused), refused
            page.goto(f"{url}/manage")
            page.wait_for_selector(READY, timeout=90_000)
            assert page.locator("[data-testid='stApp']").count() == 1


PAGES = ["", "workstreams", "membership", "diversity", "explore", "manage", "board-pack", "strategy", "about"]


@pytest.mark.timeout(900)
def test_no_page_asks_any_host_but_the_apps_own(db_copy):
    """Every page, drawn in Chromium, requests nothing from any host but the app's (fonts, icons and the favicon
    are served by the app or drawn in the browser).

    The attack: every page loaded its favicon from a Google font host, which a government network may block
    or log.
    """
    with streamlit_process(db_copy) as (url, _), chromium() as page:
        own = url.split("://", 1)[1]
        elsewhere = []
        page.on("request", lambda request: elsewhere.append(request.url)
                if request.url.split("://", 1)[0] in ("http", "https", "ws", "wss")
                and request.url.split("://", 1)[1].split("/", 1)[0] != own else None)
        for path in PAGES:
            page.goto(f"{url}/{path}")
            page.wait_for_selector(READY, timeout=120_000)
            page.wait_for_timeout(1_000)
        assert elsewhere == []
