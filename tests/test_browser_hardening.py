"""Hardening, third round (issue 28), in a real browser: what Chromium actually draws, frames and fetches."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import textwrap
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.browser import READY, ROOT, chromium, free_port, streamlit_process
from tests.load import session_socket, start_run, view_as

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



def _xsrf_cookie(url: str) -> str:
    """The XSRF cookie Streamlit sets (on its health check, as the page's script asks), sent back on uploads."""
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=60) as response:  # noqa: S310 - the test server on loopback
        cookies = response.headers.get_all("Set-Cookie") or []
    return next(c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("_streamlit_xsrf="))


def _put(url: str, session: str, file_id: str, size: int, xsrf: str) -> int:
    """PUT a SIZE-byte file to Streamlit's upload endpoint for SESSION and FILE_ID, as the browser does; the status."""
    boundary = "gse-upload-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(  # noqa: S310 - the test server on loopback
        f"{url}/_stcore/upload_file/{session}/{file_id}", data=body, method="PUT",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": xsrf,
                 "Cookie": f"_streamlit_xsrf={xsrf}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


async def _receive_until(socket, kind: str) -> ForwardMsg:
    """Read the session's messages until one of KIND arrives; that message."""
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(socket.recv(), 180))
        if message.WhichOneof("type") == kind:
            return message


async def _uploads(url: str, page: str, query: str, sizes: list[int]) -> dict:
    """Open a session on PAGE with QUERY, as a browser tab does; PUT a file with an id never issued, then SIZES.

    The files of SIZES go to the addresses the session asks for, as the upload widget asks.
    """
    xsrf = await asyncio.to_thread(_xsrf_cookie, url)
    statuses: dict = {"issued": []}
    async with session_socket(url, headers={"Cookie": f"_streamlit_xsrf={xsrf}"}) as socket:
        await start_run(socket, page, query)
        session = (await _receive_until(socket, "new_session")).new_session.initialize.session_id
        await _receive_until(socket, "script_finished")
        statuses["unissued"] = await asyncio.to_thread(_put, url, session, str(uuid.uuid4()), 1000, xsrf)
        ask = BackMsg()
        ask.file_urls_request.request_id = "r1"
        ask.file_urls_request.session_id = session
        ask.file_urls_request.file_names.extend([f"f{i}.csv" for i in range(len(sizes))])
        await socket.send(ask.SerializeToString())
        response = (await _receive_until(socket, "file_urls_response")).file_urls_response
        ids = [urls.file_id for urls in response.file_urls]
        statuses["given"] = len(ids)
        for file_id, size in zip(ids, sizes, strict=False):
            statuses["issued"].append(await asyncio.to_thread(_put, url, session, file_id, size, xsrf))
    return statuses


@pytest.mark.timeout(900)
def test_uploads_are_refused_where_the_page_has_no_uploader_and_capped_per_session(db_copy):
    """A session whose page draws no upload widget gets no upload address and its PUTs are refused (403); on
    Manage data's import tab only addresses given to it are accepted, up to the per-session cap (then 413).

    The attack: any visitor's session could PUT 25 MB files to /_stcore/upload_file/... although its page
    had no uploader, and each stayed in memory (447 MB to 2,473 MB in a minute).
    """
    kilobytes = 1024
    import_tab = urllib.parse.urlencode({"tab": "Import a file"})
    # A 1 MB cap for the session here (100 MB by default), so the test sends little.
    with streamlit_process(db_copy, app=ROOT / "serve.py", extra_env={"GSE_SESSION_UPLOAD_MB": "1"}) as (url, _):
        overview = asyncio.run(_uploads(url, "", "", [1000]))
        assert overview == {"unissued": 403, "given": 0, "issued": []}
        # Manage data open on another tab draws no uploader either.
        assert asyncio.run(_uploads(url, "manage", "", [1000])) == {"unissued": 403, "given": 0, "issued": []}
        manage = asyncio.run(_uploads(url, "manage", import_tab, [300 * kilobytes] * 5))
        assert manage["unissued"] == 403 and manage["given"] == 5
        # Three files of 300 KB fit the 1 MB cap; the fourth and fifth do not.
        assert manage["issued"] == [204, 204, 204, 413, 413], manage


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
