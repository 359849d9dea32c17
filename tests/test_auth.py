"""Roles and settings: who may edit in each way the app can be configured."""

import pytest

from gse_dashboard import auth
from gse_dashboard.config import load_settings

EDITORS = frozenset({"analyst@example.gov.uk"})


def _user(**overrides):
    options = {"auth_configured": True, "logged_in": True, "email": "analyst@example.gov.uk",
               "name": "An Analyst", "editors": EDITORS, "require_login": False, **overrides}
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
    """Without sign-in configured the local user edits, unless require_login is on."""
    local = _user(auth_configured=False, logged_in=False)
    assert local.can_edit and local.mode == "local" and local.actor == auth.LOCAL_USER
    locked = _user(auth_configured=False, logged_in=False, require_login=True)
    with pytest.raises(auth.PermissionDenied, match="local user is a viewer"):
        auth.require_editor(locked)


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
