"""A small OpenID Connect identity provider for tests: st.login signs in through it on loopback.

It does what Streamlit's Authlib client checks and no more: discovery, an authorize endpoint
that signs in at once as the identity the test chose (no login form), a token endpoint that
checks the client, the redirect URI and the PKCE verifier and returns an RS256 id_token carrying
the authorize request's nonce, the key set and userinfo. The signing key is made at start.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.browser import free_port

CLIENT_ID = "gse-dashboard-test"
CLIENT_SECRET = "a-client-secret-for-tests-only"


@dataclass
class Identity:
    """Who the provider signs in as: the claims an identity provider such as Entra ID sends."""

    email: str
    name: str

    @property
    def sub(self) -> str:
        return hashlib.sha256(self.email.encode()).hexdigest()[:24]


@dataclass
class OidcStub:
    """The provider's state: its address, key, the identity it signs in as, and codes issued."""

    issuer: str
    key: RSAKey
    identity: Identity | None = None
    # code -> what the authorize request asked for (client, redirect URI, nonce, PKCE challenge, identity)
    codes: dict[str, dict] = field(default_factory=dict)
    # every request path the provider answered, in order: the test can see the flow went through it
    seen: list[str] = field(default_factory=list)

    def sign_in_as(self, email: str, name: str) -> None:
        """The next authorize request signs in as this person."""
        self.identity = Identity(email=email, name=name)

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def id_token(self, grant: dict, access_token: str) -> str:
        identity: Identity = grant["identity"]
        now = int(time.time())
        digest = hashlib.sha256(access_token.encode()).digest()
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": identity.sub, "iat": now, "exp": now + 600,
                  "nonce": grant["nonce"], "email": identity.email, "name": identity.name,
                  "at_hash": _b64(digest[:16])}
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _client_of(headers, form: dict) -> tuple[str | None, str | None]:
    """The client id and secret from HTTP Basic (client_secret_basic) or the form (client_secret_post)."""
    basic = headers.get("Authorization", "")
    if basic.startswith("Basic "):
        user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
        return urllib.parse.unquote(user), urllib.parse.unquote(password)
    return form.get("client_id"), form.get("client_secret")


def _handler(stub: OidcStub) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet: pytest shows failures, not every request
            pass

        def _json(self, body: dict, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            stub.seen.append(url.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(stub.metadata())
            elif url.path == "/jwks":
                self._json({"keys": [stub.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                self._authorize(query)
            elif url.path == "/userinfo":
                self._userinfo()
            else:
                self._json({"error": "not_found"}, 404)

        def _authorize(self, query: dict) -> None:
            problems = [name for name in ("client_id", "redirect_uri", "state", "nonce", "code_challenge")
                        if not query.get(name)]
            if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code" \
                    or "openid" not in query.get("scope", "").split() or stub.identity is None:
                problems.append("client_id, response_type, scope or identity")
            if problems:
                self._json({"error": "invalid_request", "error_description": ", ".join(problems)}, 400)
                return
            code = secrets.token_urlsafe(16)
            stub.codes[code] = {"redirect_uri": query["redirect_uri"], "nonce": query["nonce"],
                                "challenge": query["code_challenge"], "identity": stub.identity}
            back = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", back)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _userinfo(self) -> None:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            grant = next((g for g in stub.codes.values() if g.get("access_token") == token), None)
            if not token or grant is None:
                self._json({"error": "invalid_token"}, 401)
                return
            identity = grant["identity"]
            self._json({"sub": identity.sub, "email": identity.email, "name": identity.name})

        def do_POST(self) -> None:
            stub.seen.append(self.path)
            length = int(self.headers.get("Content-Length", "0"))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if self.path != "/token":
                self._json({"error": "not_found"}, 404)
                return
            client_id, client_secret = _client_of(self.headers, form)
            if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
                self._json({"error": "invalid_client"}, 401)
                return
            grant = stub.codes.get(form.get("code", ""))
            verifier = form.get("code_verifier", "")
            if (form.get("grant_type") != "authorization_code" or grant is None or "access_token" in grant
                    or form.get("redirect_uri") != grant["redirect_uri"]
                    or _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]):
                self._json({"error": "invalid_grant"}, 400)
                return
            grant["access_token"] = access_token = secrets.token_urlsafe(24)  # a code is used once
            self._json({"access_token": access_token, "token_type": "Bearer", "expires_in": 600,
                        "scope": "openid email profile", "id_token": stub.id_token(grant, access_token)})

    return Handler


@contextlib.contextmanager
def oidc_provider() -> Iterator[OidcStub]:
    """Run the provider in a thread on a free loopback port; yield it (its issuer is its base URL)."""
    port = free_port()
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
    stub = OidcStub(issuer=f"http://127.0.0.1:{port}", key=key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(stub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def secrets_toml(stub: OidcStub, *, editors: list[str], require_login: bool = True) -> str:
    """A secrets.toml for the app: sign-in through STUB (redirect to whatever port Streamlit got), the editors."""
    return "\n".join([
        "[auth]",
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"',
        f'cookie_secret = "{secrets.token_hex(32)}"',
        f'client_id = "{CLIENT_ID}"',
        f'client_secret = "{CLIENT_SECRET}"',
        f'server_metadata_url = "{stub.issuer}/.well-known/openid-configuration"',
        "",
        "[gse]",
        f"editors = {json.dumps(editors)}",
        f"require_login = {'true' if require_login else 'false'}",
        "",
    ])
