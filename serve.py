"""Serve the dashboard (app.py) with the response headers Streamlit has no setting for.

    streamlit run serve.py          # as `streamlit run app.py`, with the headers below

Streamlit finds the `app` below and serves app.py through it, every page and every setting in
.streamlit/config.toml as before. Each response then says that no page of another origin may
frame the dashboard (`Content-Security-Policy: frame-ancestors 'self'`, and `X-Frame-Options:
SAMEORIGIN` for older browsers), so a page elsewhere cannot show Manage data in a frame and trick
an editor into clicking in it; and no response is sniffed as another type or leaks its address.

As the server starts, it imports the dashboard's modules (pandas, plotly, the solvers, the views)
in the background, so the first visitor after a start does not wait for them.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

# Added to every HTTP response that does not set its own; the websocket is left alone.
SECURITY_HEADERS = {
    b"content-security-policy": b"frame-ancestors 'self'",
    b"x-frame-options": b"SAMEORIGIN",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}


class SecurityHeaders:
    """ASGI middleware: SECURITY_HEADERS on every HTTP response (a header the response already has is kept)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in SECURITY_HEADERS.items() if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# What app.py's first run would otherwise import while a visitor waits.
WARM_MODULES = ("gse_dashboard.ui",)


@contextlib.asynccontextmanager
async def warm_up(_app):
    """The server's lifespan: start importing WARM_MODULES in a background thread, and serve at once."""
    threading.Thread(target=lambda: [importlib.import_module(name) for name in WARM_MODULES],
                     name="gse-warm-up", daemon=True).start()
    yield None


app = st.App(Path(__file__).with_name("app.py"), middleware=[Middleware(SecurityHeaders)], lifespan=warm_up)
