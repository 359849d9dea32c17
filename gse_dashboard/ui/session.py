"""Session glue: the pages and navigation, settings, the signed-in user, the database and its revision.

The database's facts and the as-at date in use are read through the loaders (`loaders.database_facts`,
`loaders.current_as_at`).

Values asked for several times in one script run (settings, database path, revision, the basic
facts) are worked out once per run and shared by every call in it.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..config import Settings, load_settings
from ..rules import auth
from ..rules.safe_text import escape_md
from ..seed.build import ensure_database
from ..storage import queries, store

AS_AT_KEY = "as_at"


# Set by app.py on every run: a page that runs without it was started by Streamlit's older
# pages/-folder routing (a deep link on a freshly started server) rather than by app.py.
APP_RAN_KEY = "_gse_app_ran"


def page_guard() -> None:
    """Make sure app.py (navigation, as-at control) runs before any page, even on a deep link.

    Streamlit runs pages/NAME.py directly for the first request of a new server when a pages/
    folder exists. Calling st.navigation switches that legacy mode off; the rerun then goes
    through app.py to the same URL.
    """
    if not st.session_state.get(APP_RAN_KEY):
        st.navigation(app_pages())
        st.rerun()


def app_pages() -> list:
    """The dashboard's pages, in the order the navigation lists them; only a sign-in page when login is required."""
    if not current_user().can_view:
        return [st.Page(sign_in_required_ui, title="Sign in", icon=":material/login:", default=True)]
    return [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/workstreams.py", title="Workstreams", icon=":material/account_tree:",
                url_path="workstreams"),
        st.Page("pages/membership.py", title="Membership", icon=":material/groups:", url_path="membership"),
        st.Page("pages/diversity.py", title="Diversity & inclusion", icon=":material/diversity_3:",
                url_path="diversity"),
        *([st.Page("pages/manage.py", title="Manage data", icon=":material/edit_note:", url_path="manage")]
          if current_user().can_edit else []),
        st.Page("pages/explore.py", title="Explore", icon=":material/query_stats:", url_path="explore"),
        st.Page("pages/board_pack.py", title="Board pack", icon=":material/picture_as_pdf:", url_path="board-pack"),
        st.Page("pages/strategy.py", title="The strategy", icon=":material/menu_book:", url_path="strategy"),
        st.Page("pages/about.py", title="About the data", icon=":material/info:", url_path="about"),
    ]


def _secrets() -> dict:
    """The parsed .streamlit/secrets.toml, or an empty dict when there is none (read once per run)."""
    def read() -> dict:
        try:
            return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
        except (FileNotFoundError, AttributeError):
            return {}
    return once_per_run("secrets", read)


# Values worked out once per script run and shared by every call in it, per session: a page asks
# for the database path, its revision and the basic facts several times in one run.
_RUN_MEMO: dict[str, tuple[dict, dict]] = {}


_RUN_MEMO_SESSIONS = 512


def once_per_run(name: str, make):
    """MAKE() the first time NAME is asked for in this script run; the same value after that.

    A run is told from the next by the cursors dict Streamlit gives each run (identity, not
    equality), so nothing is kept across runs: a write is always followed by a rerun that sees it.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return make()
    memo = _RUN_MEMO.get(ctx.session_id)
    if memo is None or memo[0] is not ctx.cursors:
        if len(_RUN_MEMO) >= _RUN_MEMO_SESSIONS:
            _RUN_MEMO.clear()
        memo = _RUN_MEMO[ctx.session_id] = (ctx.cursors, {})
    if name not in memo[1]:
        memo[1][name] = make()
    return memo[1][name]


def settings() -> Settings:
    """The settings, from the environment and then from the [gse] section of secrets.toml."""
    return once_per_run("settings", lambda: load_settings(dict(_secrets().get("gse", {}))))


def auth_configured() -> bool:
    """Whether sign-in through st.login (OIDC) is configured in secrets.toml."""
    return bool(_secrets().get("auth"))


def request_facts() -> auth.RequestFacts:
    """Where this session's request came from: client address and headers, as Streamlit saw them."""
    headers = st.context.headers
    pairs = [(name, value) for name in headers for value in headers.get_all(name)]
    return auth.RequestFacts.from_request(st.context.ip_address, pairs)


def current_user() -> auth.User:
    """The user of this session and their role, decided on the server (by auth.resolve_user)."""
    def resolve() -> auth.User:
        configured = auth_configured()
        logged_in = bool(configured and st.user.get("is_logged_in", False))
        chosen = settings()
        return auth.resolve_user(auth_configured=configured, logged_in=logged_in,
                                 email=st.user.get("email") if logged_in else None,
                                 name=st.user.get("name") if logged_in else None,
                                 editors=chosen.editors, require_login=chosen.require_login,
                                 request=request_facts())
    return once_per_run("user", resolve)


def sign_in_required_ui() -> None:
    """The only page a visitor sees when the settings require a login they have not given."""
    st.title("Sign in to see the dashboard")
    if auth_configured():
        st.write("This dashboard is available to signed-in users only.")
        st.button("Sign in", on_click=st.login, icon=":material/login:", type="primary")
    else:
        st.error("Sign-in is required (the require_login setting is on) but is not configured, so nobody can "
                 "see the dashboard. The person who runs it must add an [auth] section to "
                 ".streamlit/secrets.toml (see the README, Sign-in and editing), or turn require_login off.",
                 icon=":material/lock:")


def user_ui() -> auth.User:
    """Sign-in state in the sidebar: the local-mode banner, the read-only notice, or sign in / sign out."""
    user = current_user()
    if not user.can_view:
        return user  # the one page there is says how to sign in
    if user.mode == "local":
        st.sidebar.info("**Local single-user mode.** Sign-in is not configured, so you can edit the data "
                        "because this browser is on the server itself. From any other address the "
                        "dashboard is read only. See the README to configure sign-in.", icon=":material/person:")
    elif user.mode == "remote":
        st.sidebar.warning(f"**Read only.** {escape_md(auth.CONFIGURE_SIGN_IN)}", icon=":material/lock:")
    elif user.mode == "anonymous":
        st.sidebar.button("Sign in", on_click=st.login, icon=":material/login:")
    else:
        # The name comes from the identity provider: shown as text, never as Markdown.
        st.sidebar.markdown(f"Signed in as **{escape_md(user.name)}** ({user.role})")
        st.sidebar.button("Sign out", on_click=st.logout, icon=":material/logout:")
    return user


# The one cache outside loaders.py: it builds or migrates the database once per path, before there is a
# revision to key on, and every loader depends on it (loaders.py imports this module, not the other way).
@st.cache_resource(show_spinner="Building the database (first run only)…")
def _prepared(path: str) -> bool:
    """Build the database on first run, or bring an existing one's schema up to date."""
    return ensure_database(path)


def db_path() -> str:
    """The database file this app uses, built if it does not exist yet."""
    def prepared() -> str:
        path = str(settings().db_path)
        _prepared(path)
        return path
    return once_per_run("db_path", prepared)


def connection():
    """A connection for this script run (SQLite connections stay on their thread)."""
    return store.reading(db_path())


def revision() -> str:
    """A token that changes with every write and every rebuild: the part of cache keys that moves.

    The build time tells one database from another built at the same path; the revision
    number tells one state of a database from the next.
    """
    def read() -> str:
        with connection() as conn:
            return queries.revision_token(conn)
    return once_per_run("revision", read)
