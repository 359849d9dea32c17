"""Who may do what: viewers see the dashboard, editors change its data.

With sign-in configured (an [auth] section in .streamlit/secrets.toml, used through
Streamlit's st.login), editors are the signed-in users whose e-mail is on the allow-list in
the settings, and everyone else is a viewer; with `require_login` on, a visitor who has not
signed in sees nothing but the sign-in button.

Without sign-in the app runs in an explicit local single-user mode, and only a browser on
the machine itself, talking to the app's own socket, is its user: the client address is
loopback, the Host header names loopback (so a page that rebinds its own DNS name to
127.0.0.1 gets nothing), the browser's Origin names loopback too, and no proxy header of any
kind is present. A reverse proxy on the same machine connects from loopback and, configured
with nothing but `proxy_pass`, adds no forwarding header and may send a loopback Host; but
it passes on the visitor's Origin (the public name the browser was at), and a proxy that
strips Origin leaves none, which no browser's websocket does: either way it is not local.
That user is an editor. Anyone else reaching the app this way (another machine,
a proxy, a rebound name) is a viewer and is told sign-in must be configured; with
`require_login` on and sign-in not configured nobody sees anything.

Every write in the package calls `require_editor`, so hiding a page is never the only check.
The role is decided here, from facts the ui gathers (`RequestFacts`); this module is pure.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

EDITOR = "editor"
VIEWER = "viewer"
# The name written to the audit log for edits made in local single-user mode.
LOCAL_USER = "local user"
# The names of this machine that no other machine's DNS can claim in a browser.
LOOPBACK_HOSTS = frozenset({"localhost", "localhost.", "127.0.0.1", "::1", "[::1]"})
# Headers a reverse proxy, load balancer or CDN adds: a request carrying any came through one, not from
# this machine (any header starting X-Forwarded counts too).
FORWARDING_HEADERS = frozenset({"forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
                                "x-forwarded-port", "x-forwarded-server", "x-real-ip", "x-original-forwarded-for",
                                "x-client-ip", "client-ip", "x-cluster-client-ip", "true-client-ip",
                                "cf-connecting-ip", "fastly-client-ip", "x-proxyuser-ip", "x-original-host",
                                "x-host", "via", "x-envoy-external-address", "x-azure-clientip",
                                "x-appgw-trace-id", "x-arr-log-id", "x-amzn-trace-id"})
# What a visitor reaching the app from elsewhere is told, for the person who runs it.
CONFIGURE_SIGN_IN = ("Sign-in is not configured, so editing is allowed only from a browser on the server itself "
                     "(http://localhost). To edit from elsewhere, add an [auth] section and an editors list to "
                     ".streamlit/secrets.toml (see the README, Sign-in and editing).")


class PermissionDenied(Exception):
    """A write attempted by someone who may not edit."""


@dataclass(frozen=True)
class User:
    """The person using the app, as far as the app knows."""

    name: str
    email: str | None
    role: str
    # "oidc" (signed in through st.login), "anonymous" (sign-in configured, not signed in),
    # "local" (no sign-in, a request from this machine), "remote" (no sign-in, any other request)
    # or "cli" (the command line)
    mode: str
    # False when the settings require a login this visitor has not given: they see only how to sign in.
    can_view: bool = True

    @property
    def can_edit(self) -> bool:
        """Whether this user may change data."""
        return self.role == EDITOR

    @property
    def actor(self) -> str:
        """How this user appears in the audit log."""
        return self.email or self.name


@dataclass(frozen=True)
class RequestFacts:
    """What the server knows about where a session's request came from."""

    # The client address; None when Streamlit reports loopback (it maps 127.0.0.1 and ::1 to None)
    # or when there is no network session at all (a script run in-process, as AppTest does).
    client_ip: str | None
    # The Host header as sent; None when there was none (no network session).
    host: str | None
    # Whether any proxy header (Forwarded, X-Forwarded-*, X-Real-IP, X-Client-IP, Via, ...) was present.
    forwarded: bool
    # The Origin header as sent (a browser sends it on every websocket); None when there was none.
    origin: str | None = None
    # Whether the request had any header at all: none means no network session (AppTest, in-process).
    networked: bool = True

    @classmethod
    def from_request(cls, client_ip: str | None,
                     headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> RequestFacts:
        """Facts from the client address and the request headers (a mapping or name-value pairs, any case).

        Two Host headers are joined, so they never read as one loopback name.
        """
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        hosts = [str(value) for name, value in pairs if str(name).lower() == "host"]
        origins = [str(value) for name, value in pairs if str(name).lower() == "origin"]
        # Streamlit gives a str or None; anything else (AppTest's stand-in) is no network session.
        ip = client_ip if isinstance(client_ip, str) and client_ip else None
        names = [str(name).lower() for name, _ in pairs]
        return cls(client_ip=ip, host=",".join(hosts) if hosts else None,
                   forwarded=any(name in FORWARDING_HEADERS or name.startswith("x-forwarded") for name in names),
                   origin=",".join(origins) if origins else None, networked=bool(pairs or ip))

    @property
    def from_this_machine(self) -> bool:
        """A loopback client, asking for a loopback name from a loopback page, with no proxy header.

        With no network session at all (a script run in-process, as AppTest does) there is nobody
        else: that is the machine itself.
        """
        if not self.networked:
            return True
        return (not self.forwarded and _loopback_address(self.client_ip) and self.host is not None
                and _loopback_host(self.host) and self.origin is not None and _loopback_origin(self.origin))


def _loopback_address(ip: str | None) -> bool:
    if ip is None:
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False


def _loopback_host(host: str | None) -> bool:
    """Whether the Host header HOST (with or without a port) names this machine's loopback."""
    if host is None:
        return True  # no network session: nothing was asked for by name
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:8501
        name = name[: name.find("]") + 1] if "]" in name else name
    elif name.count(":") == 1:
        name = name.rsplit(":", 1)[0]
    if name in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def _loopback_origin(origin: str) -> bool:
    """Whether ORIGIN (scheme://name[:port], as a browser sends it) is a page on this machine's loopback."""
    scheme, _, rest = origin.strip().partition("://")
    if scheme.lower() not in ("http", "https") or not rest or "/" in rest or "," in rest:
        return False
    return _loopback_host(rest)


def resolve_user(*, auth_configured: bool, logged_in: bool, email: str | None, name: str | None,
                 editors: frozenset[str], require_login: bool, request: RequestFacts) -> User:
    """Decide the user's role from how the app is configured, who has signed in and where the request came from."""
    if auth_configured:
        if not logged_in:
            return User(name="Not signed in", email=None, role=VIEWER, mode="anonymous", can_view=not require_login)
        address = (email or "").strip().lower()
        role = EDITOR if address and address in editors else VIEWER
        return User(name=name or address or "Signed-in user", email=address or None, role=role, mode="oidc")
    if require_login:
        return User(name="Not signed in", email=None, role=VIEWER, mode="anonymous", can_view=False)
    if request.from_this_machine:
        return User(name=LOCAL_USER, email=None, role=EDITOR, mode="local")
    return User(name="Visitor", email=None, role=VIEWER, mode="remote")


def command_line_user(name: str) -> User:
    """The person running the command line: whoever can open the database file may edit it."""
    return User(name=name, email=None, role=EDITOR, mode="cli")


def require_editor(user: User | None) -> User:
    """Return USER if they may edit; otherwise raise PermissionDenied with a reason to show."""
    if user is None or not user.can_edit:
        who = ("Nobody is signed in" if user is None or user.mode == "anonymous"
               else "Sign-in is not configured and this request is not from the server itself"
               if user.mode == "remote" else f"{user.name} is a viewer")
        raise PermissionDenied(f"{who}: only editors can change the dashboard's data.")
    return user
