"""Roles and settings: who may edit in each way the app can be configured."""

import pytest

from gse_dashboard.config import load_settings
from gse_dashboard.rules import auth

EDITORS = frozenset({"analyst@example.gov.uk"})
# A browser on the server itself opening http://localhost:8501 (Streamlit reports loopback as no address).
HERE = auth.RequestFacts.from_request(None, {"Host": "localhost:8501", "Origin": "http://localhost:8501"})


def _user(**overrides):
    options = {"auth_configured": True, "logged_in": True, "email": "analyst@example.gov.uk",
               "name": "An Analyst", "editors": EDITORS, "require_login": False, "request": HERE, **overrides}
    return auth.resolve_user(**options)


def test_signed_in_user_on_the_allow_list_is_an_editor_whatever_the_case():
    """An allow-listed address signed in through OIDC may edit, however its letters are cased."""
    user = _user(email="Analyst@Example.GOV.UK")
    assert user.can_edit and user.mode == "oidc" and user.actor == "analyst@example.gov.uk"


def test_other_signed_in_users_and_anonymous_visitors_are_viewers():
    """Someone signed in but not on the list, or not signed in at all, may only view."""
    assert _user(email="someone@example.gov.uk").role == auth.VIEWER
    anonymous = _user(logged_in=False, email=None, name=None)
    assert anonymous.role == auth.VIEWER and anonymous.mode == "anonymous"
    with pytest.raises(auth.PermissionDenied, match="Nobody is signed in"):
        auth.require_editor(anonymous)


def test_local_mode_user_edits_unless_login_is_required():
    """Without sign-in configured the local user edits; with require_login on nobody sees anything."""
    local = _user(auth_configured=False, logged_in=False)
    assert local.can_edit and local.can_view and local.mode == "local" and local.actor == auth.LOCAL_USER
    locked = _user(auth_configured=False, logged_in=False, require_login=True)
    assert not locked.can_view and not locked.can_edit
    with pytest.raises(auth.PermissionDenied, match="Nobody is signed in"):
        auth.require_editor(locked)


@pytest.mark.parametrize(("ip", "headers", "editor"), [
    (None, {"Host": "localhost:8501", "Origin": "http://localhost:8501"}, True),
    (None, {"Host": "127.0.0.1:8501", "Origin": "http://127.0.0.1:8501"}, True),
    (None, {"Host": "[::1]:8501", "Origin": "http://[::1]:8501"}, True),
    ("127.0.0.2", {"Host": "LOCALHOST", "Origin": "http://LOCALHOST"}, True),
    (None, {}, True),  # no network session at all: a script run in-process (AppTest)
    # DNS rebinding: a page at evil.example whose name now resolves to 127.0.0.1, Origin matching its Host.
    (None, {"Host": "evil.example:8501", "Origin": "http://evil.example:8501"}, False),
    (None, {"Host": "localhost.evil.example:8501"}, False),
    (None, {"Host": "192.168.1.20:8501"}, False),
    ("192.168.1.7", {"Host": "localhost:8501"}, False),  # another machine, whatever it claims
    ("::ffff:10.0.0.1", {"Host": "[::1]:8501"}, False),
    (None, {"Host": "localhost:8501", "X-Forwarded-For": "203.0.113.9"}, False),  # through a proxy
    (None, {"host": "localhost", "forwarded": "for=203.0.113.9"}, False),
    (None, {"Host": "localhost", "X-Real-IP": "203.0.113.9"}, False),
    # Issue 28: nginx with only proxy_pass (loopback socket, loopback Host, the visitor's Origin, no
    # forwarding header); a proxy that strips Origin; X-Client-IP alone; any other proxy's header.
    (None, {"Host": "127.0.0.1:8501", "Origin": "https://gse.example.gov.uk"}, False),
    (None, {"Host": "127.0.0.1:8501"}, False),
    (None, {"Host": "localhost:8501", "Origin": "null"}, False),
    (None, {"Host": "localhost:8501", "Origin": "http://localhost:8501", "X-Client-IP": "203.0.113.9"}, False),
    (None, {"Host": "localhost:8501", "Origin": "http://localhost:8501", "Via": "1.1 proxy"}, False),
    (None, {"Host": "localhost:8501", "Origin": "http://localhost:8501", "X-Forwarded-Client": "a"}, False),
    (None, {"Host": "localhost:8501", "Origin": "http://localhost:8501", "CF-Connecting-IP": "203.0.113.9"}, False),
])
def test_without_sign_in_only_a_request_from_this_machine_edits(ip, headers, editor):
    """Local single-user mode makes an editor only of a loopback client asking for a loopback name, unproxied."""
    request = auth.RequestFacts.from_request(ip, headers)
    user = _user(auth_configured=False, logged_in=False, request=request)
    assert user.can_edit is editor and user.can_view
    assert user.mode == ("local" if editor else "remote")
    if not editor:
        with pytest.raises(auth.PermissionDenied, match="Sign-in is not configured"):
            auth.require_editor(user)


def test_with_sign_in_required_a_signed_out_visitor_sees_nothing():
    """require_login with sign-in configured: a visitor who has not signed in may not view; a signed-in one may."""
    assert not _user(logged_in=False, email=None, name=None, require_login=True).can_view
    assert _user(logged_in=False, email=None, name=None, require_login=False).can_view
    assert _user(require_login=True).can_view and _user(require_login=True).can_edit
    # Sign-in configured: where the request came from does not matter, only who signed in.
    far = auth.RequestFacts.from_request("203.0.113.9", {"Host": "gse.example.gov.uk"})
    assert _user(request=far).can_edit and not _user(request=far, email="x@example.gov.uk").can_edit


def test_settings_come_from_the_environment_before_secrets(monkeypatch):
    """GSE_* variables win over secrets; editor lists may be a TOML list or comma-separated."""
    monkeypatch.setenv("GSE_SUPPRESSION_THRESHOLD", "5")
    settings = load_settings({"suppression_threshold": 20, "editors": ["A@x.gov.uk", "b@x.gov.uk"],
                              "require_login": True})
    assert settings.suppression_threshold == 5
    assert settings.editors == frozenset({"a@x.gov.uk", "b@x.gov.uk"}) and settings.require_login


def test_a_bad_setting_is_a_clear_error(monkeypatch):
    """A threshold that is not a whole number names the setting and the value."""
    monkeypatch.setenv("GSE_SUPPRESSION_THRESHOLD", "ten")
    with pytest.raises(ValueError, match="GSE_SUPPRESSION_THRESHOLD must be a whole number, not 'ten'"):
        load_settings()
