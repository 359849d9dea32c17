"""Safe by default on a network (issue 17, items 1 and 16): loopback only, editing only from the
machine itself, a page that rebinds its DNS name to 127.0.0.1 gets no editor, require_login
shows nothing but sign-in, and the signed-in name is text.
"""

from __future__ import annotations

import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard.config import ROOT
from tests.browser import streamlit_server
from tests.load import view_as

APP = str(ROOT / "app.py")
LOCAL_BANNER = "Local single-user mode"
READ_ONLY = "Read only"


def test_the_app_listens_on_loopback_unless_configured_otherwise():
    """config.toml sets server.address to 127.0.0.1, so `streamlit run app.py` is not on the network."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


@pytest.mark.slow
def test_only_a_request_from_this_machine_edits_and_dns_rebinding_gets_a_viewer(db_copy):
    """Over a real websocket: Host 127.0.0.1 is the local editor; a foreign Host with a matching Origin
    (DNS rebinding) and a proxied request are read-only viewers with no Manage data and no SQL box."""
    with streamlit_server(db_copy) as url:
        port = url.rsplit(":", 1)[1]
        local = view_as(url, "explore")
        assert "Manage data" in local.pages and any(LOCAL_BANNER in t for t in local.texts)
        assert any(t.startswith("[text_area] SQL") for t in local.texts), local.texts
        for host, headers in ((f"evil.example:{port}", {}), (f"rebind.attacker.test:{port}", {}),
                              (f"127.0.0.1:{port}", {"X-Forwarded-For": "203.0.113.9"})):
            seen = view_as(url, "explore", host=host, headers=headers)
            assert not seen.problems, seen.problems
            assert seen.pages and "Manage data" not in seen.pages, (host, seen.pages)
            assert any(t.startswith(f"**{READ_ONLY}.**") and "sign" in t.lower() for t in seen.texts), seen.texts
            assert not any(LOCAL_BANNER in t for t in seen.texts)
            assert not any(t.startswith("[text_area] SQL") for t in seen.texts)
            manage = view_as(url, "manage", host=host, headers=headers)
            assert not any(t.startswith("[button] Import") or "Restore" in t for t in manage.texts), manage.texts


def _app(db_file, monkeypatch, secrets: dict | None = None, page: str | None = None, **env) -> AppTest:
    monkeypatch.setenv("GSE_DB_PATH", str(db_file))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(APP, default_timeout=60)
    for section, values in (secrets or {}).items():
        at.secrets[section] = values
    if page:
        at.switch_page(page)
    return at.run()


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 40,
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://login.example/.well-known/openid-configuration"}


def test_require_login_without_sign_in_configured_shows_nothing_but_how_to_configure_it(built_db_file, monkeypatch):
    """GSE_REQUIRE_LOGIN=true with no [auth]: one page, no figures, no date, and a message for the admin."""
    at = _app(built_db_file, monkeypatch, GSE_REQUIRE_LOGIN="true")
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Sign in to see the dashboard"]
    assert any("require_login" in e.value and "[auth]" in e.value for e in at.error)
    assert not at.date_input and not at.metric and not at.dataframe and not at.table


def test_require_login_with_sign_in_shows_signed_out_visitors_only_the_sign_in_button(built_db_file, monkeypatch):
    """With [auth] and require_login, a signed-out visitor sees a sign-in button and cannot reach the Board pack."""
    at = _app(built_db_file, monkeypatch, secrets={"auth": AUTH}, GSE_REQUIRE_LOGIN="true")
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.date_input
    pack = _app(built_db_file, monkeypatch, secrets={"auth": AUTH}, page="pages/board_pack.py",
                GSE_REQUIRE_LOGIN="true")
    assert not any("Build" in b.label for b in pack.button), [b.label for b in pack.button]
    assert [t.value for t in pack.title] == ["Sign in to see the dashboard"]


def test_the_signed_in_name_is_shown_as_text(built_db_file, monkeypatch):
    """A name from the identity provider with Markdown and a link in it is shown escaped in the sidebar."""
    monkeypatch.setenv("GSE_DB_PATH", str(built_db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "someone@example.gov.uk",
               "name": "**Eve** [click](javascript:alert(1)) :red[x]"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = next(m.value for m in at.sidebar.markdown if m.value.startswith("Signed in as"))
    assert shown == ("Signed in as **\\*\\*Eve\\*\\* \\[click\\](javascript\\:alert(1)) \\:red\\[x\\]** (viewer)")
