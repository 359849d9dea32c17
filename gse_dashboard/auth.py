"""Who may do what: viewers see the dashboard, editors change its data.

With sign-in configured (an [auth] section in .streamlit/secrets.toml, used through
Streamlit's st.login), editors are the signed-in users whose e-mail is on the allow-list in
the settings, and everyone else is a viewer. Without it the app runs in an explicit local
single-user mode whose user is an editor, unless the setting require_login is on. Every
write in the package calls `require_editor`, so hiding a page is never the only check.
"""

from __future__ import annotations

from dataclasses import dataclass

EDITOR = "editor"
VIEWER = "viewer"
# The name written to the audit log for edits made in local single-user mode.
LOCAL_USER = "local user"


class PermissionDenied(Exception):
    """A write attempted by someone who may not edit."""


@dataclass(frozen=True)
class User:
    """The person using the app, as far as the app knows."""

    name: str
    email: str | None
    role: str
    mode: str  # "oidc" (signed in through st.login), "anonymous" or "local"

    @property
    def can_edit(self) -> bool:
        """Whether this user may change data."""
        return self.role == EDITOR

    @property
    def actor(self) -> str:
        """How this user appears in the audit log."""
        return self.email or self.name


def resolve_user(*, auth_configured: bool, logged_in: bool, email: str | None, name: str | None,
                 editors: frozenset[str], require_login: bool) -> User:
    """Decide the user's role from how the app is configured and who has signed in."""
    if auth_configured:
        if not logged_in:
            return User(name="Not signed in", email=None, role=VIEWER, mode="anonymous")
        address = (email or "").strip().lower()
        role = EDITOR if address and address in editors else VIEWER
        return User(name=name or address or "Signed-in user", email=address or None, role=role, mode="oidc")
    return User(name=LOCAL_USER, email=None, role=VIEWER if require_login else EDITOR, mode="local")


def command_line_user(name: str) -> User:
    """The person running the command line: whoever can open the database file may edit it."""
    return User(name=name, email=None, role=EDITOR, mode="cli")


def require_editor(user: User | None) -> User:
    """Return USER if they may edit; otherwise raise PermissionDenied with a reason to show."""
    if user is None or not user.can_edit:
        who = "Nobody is signed in" if user is None or user.mode == "anonymous" else f"{user.name} is a viewer"
        raise PermissionDenied(f"{who}: only editors can change the dashboard's data.")
    return user
