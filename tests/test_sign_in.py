"""Sign-in end to end (issue 28, item 1): st.login through a local OpenID Connect provider, in Chromium.

One `streamlit run serve.py` with require_login on and sign-in configured (tests/oidc_stub.py is the
identity provider) serves every test here; each test has its own browser, so its own cookies.
The attack this answers: with the README's [auth] section, "Sign in" gave the crash page
(Authlib was not installed), so with require_login on nobody could get in.
"""

from __future__ import annotations

import shutil

import pytest

from tests.browser import ARTIFACTS, READY, ROOT, chromium, streamlit_process, wait_until_drawn
from tests.oidc_stub import oidc_provider, secrets_toml

pytestmark = pytest.mark.browser

EDITOR = ("Lead.Analyst@Example.gov.uk", "Lena Analyst")  # allow-listed in lower case: letter case must not matter
VIEWER = ("reader@example.gov.uk", "Rory Reader")


@pytest.fixture(scope="module")
def app(built_db_file, tmp_path_factory):
    """The dashboard, sign-in required, signing in through a local provider; yields (url, provider)."""
    folder = tmp_path_factory.mktemp("sign-in")
    db = folder / "gse.db"
    shutil.copyfile(built_db_file, db)
    with oidc_provider() as provider:
        # The secrets live in the test's folder, never in the repository: Streamlit is told where.
        secrets = folder / "secrets.toml"
        secrets.write_text(secrets_toml(provider, editors=[EDITOR[0].lower()]), encoding="utf-8")
        env = {"STREAMLIT_SECRETS_FILES": str(secrets), "GSE_EDITORS": None, "GSE_REQUIRE_LOGIN": None}
        # Served as the README's Deployment section runs it: serve.py (app.py plus response headers).
        with streamlit_process(db, app=ROOT / "serve.py", extra_env=env) as (url, _):
            yield url, provider


def _sign_in(page, url: str, provider, who: tuple[str, str]) -> None:
    """Open the dashboard signed out, press Sign in and come back signed in as WHO."""
    provider.sign_in_as(*who)
    tokens_before = provider.seen.count("/token")
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    page.get_by_role("button", name="Sign in").click()
    page.locator("[data-testid='stSidebar']").get_by_text("Signed in as").wait_for(timeout=60_000)
    assert provider.seen.count("/token") == tokens_before + 1  # the code was exchanged at the provider


def _sidebar(page) -> str:
    """The sidebar's text."""
    return page.locator("[data-testid='stSidebar']").inner_text()


def _navigation(page) -> list[str]:
    """The page titles the navigation lists (each link's last line: the first is its icon's name)."""
    return [t.strip().splitlines()[-1] for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


def test_before_sign_in_nobody_sees_data_only_the_sign_in_button(app):
    """Signed out, the home page and deep links show only the sign-in prompt: no figure, no page list."""
    url, _ = app
    with chromium() as page:
        for path in ("", "/manage", "/membership"):
            page.goto(url + path)
            page.wait_for_selector(READY, timeout=90_000)
            page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
            main = page.locator("[data-testid='stMain']")
            assert main.locator("h1").inner_text().strip() == "Sign in to see the dashboard", path
            assert main.locator("[data-testid='stMetric'], .js-plotly-plot, [data-testid='stDataFrame']").count() == 0
            assert page.get_by_role("button", name="Record update").count() == 0
            assert _navigation(page) in ([], ["Sign in"]), _navigation(page)
        page.screenshot(path=ARTIFACTS / "sign-in-signed-out.png", full_page=True)


def test_sign_in_through_the_provider_gives_the_listed_editor_the_editing_controls(app):
    """The allow-listed address comes back from the provider signed in, named, with Manage data's forms."""
    url, provider = app
    with chromium() as page:
        _sign_in(page, url, provider, EDITOR)
        assert "Signed in as Lena Analyst (editor)" in _sidebar(page)
        assert "Manage data" in _navigation(page)
        page.goto(f"{url}/manage")
        wait_until_drawn(page)
        main = page.locator("[data-testid='stMain']")
        main.get_by_role("button", name="Record update").wait_for(timeout=30_000)
        # escape_md puts a word joiner before "@" so the address is not drawn as a link.
        assert "Editing as lead.analyst@example.gov.uk." in main.inner_text().replace("\u2060", "")
        assert main.get_by_role("tab", name="Import a file").count() == 1
        page.screenshot(path=ARTIFACTS / "sign-in-editor-manage.png", full_page=True)
        # Signing out ends the session's sign-in: the prompt is back and the editor's page is gone.
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        page.goto(f"{url}/manage")
        page.wait_for_selector(READY, timeout=90_000)
        assert page.get_by_role("button", name="Sign in").count() == 1
        assert page.get_by_role("button", name="Record update").count() == 0


def test_sign_in_as_anyone_else_gives_a_viewer_who_sees_data_but_no_editing_control(app):
    """Another address signs in as a viewer: the overview shows figures, Manage data is neither listed nor usable."""
    url, provider = app
    with chromium() as page:
        _sign_in(page, url, provider, VIEWER)
        assert "Signed in as Rory Reader (viewer)" in _sidebar(page)
        nav = _navigation(page)
        assert "Overview" in nav and "Membership" in nav and "Manage data" not in nav
        main = page.locator("[data-testid='stMain']")
        wait_until_drawn(page)
        labels = main.locator("[data-testid='stMetricLabel']").all_inner_texts()
        assert {"GSE members", "SCS members"} <= {label.strip() for label in labels}, labels
        assert main.get_by_role("heading", name="Needs the Board's attention").count() == 1
        page.screenshot(path=ARTIFACTS / "sign-in-viewer-overview.png", full_page=True)
        page.goto(f"{url}/manage")  # the deep link is not a way round the role
        wait_until_drawn(page)
        assert page.get_by_role("button", name="Record update").count() == 0
        assert page.get_by_role("button", name="Undo batch").count() == 0
        assert "Editing as" not in page.locator("[data-testid='stMain']").inner_text()
        assert "Signed in as Rory Reader (viewer)" in _sidebar(page)
