"""Hardening: hostile text wherever text can enter is shown as text with the layout intact, bad
uploads are refused with a message, twenty readers and an importing editor share the server
without error, and the Streamlit settings keep their safe values.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import tomllib

import pytest

from gse_dashboard import explore, importers
from gse_dashboard.config import DATA_DIR, ROOT
from gse_dashboard.rules import auth
from gse_dashboard.seed.build import build_database
from gse_dashboard.storage import store
from gse_dashboard.strategy import edits
from tests.browser import ARTIFACTS, chromium, streamlit_server, wait_until_drawn
from tests.load import LOAD_DEPARTMENT, import_while_reading
from tests.test_accessibility import CSS_IN_PAGE_JS
from tests.test_importers import bomb_workbook

# Markup, a Markdown link, Streamlit directives, LaTeX, a right-to-left override, zero-width
# characters and emoji: every way text has been seen to escape into a page.
MARKUP = ('<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> '
          '<a href="javascript:window.__xss=3">a</a> [click me](javascript:window.__xss=4) **bold** '
          ':red[red] $x^2$ \u202eevil\u202c zero\u200bwidth\u200djoin \U0001F469\u200d\U0001F52C\U0001F9EA')
# A title of 5,000 characters with no space to break at.
TITLE = MARKUP + " " + "W" * 5000
DEPARTMENT = ("<img src=x onerror=\"window.__xss=5\">[dept](javascript:window.__xss=6) **Dept** "
              "\u202eTNEMTRAPED\u202c z\u200bw \U0001F9EA")
VIEW_NAME = '<img src=x onerror="window.__xss=7">[v](javascript:1) \u202e\U0001F9EA'
ACTOR = '<b>Mallory</b> [m](javascript:window.__xss=8) \u202e\U0001F9EA'
FILE_NAME = '<img src=x onerror="window.__xss=9">[f](javascript:1)\u202evsc\U0001F9EA.csv'

# Script that says whether anything ran or was injected, and whether the page is wider than the window.
INSPECT_JS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const block = document.querySelector('[data-testid=stMainBlockContainer]');
  return {xss: window.__xss === undefined ? null : window.__xss,
          injected: document.querySelectorAll('img[src="x"], [onerror], a[href^="javascript"]').length,
          overflow: Math.max(document.documentElement.scrollWidth - innerWidth, main.scrollWidth - main.clientWidth,
                             block.getBoundingClientRect().right - innerWidth),
          text: main.textContent.replace(/\\s+/g, ' ')};
}"""


# Whether the main area's text, spacing collapsed, contains the argument.
SHOWN_JS = "t => document.querySelector('[data-testid=stMain]').textContent.replace(/\\s+/g, ' ').includes(t)"


def _hostile_data(target):
    """A copy of data/ whose commitment WS4-S1 has the hostile 5,000-character title."""
    shutil.copytree(DATA_DIR, target)
    path = target / "commitments.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["ref"] == "WS4-S1":
            row["title"] = TITLE
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """A database with hostile text in a title, a commentary, a department, a view name, an actor and a file name."""
    base = tmp_path_factory.mktemp("hostile")
    db_path = base / "gse.db"
    build_database(db_path, data_dir=_hostile_data(base / "data"))
    mallory = auth.command_line_user(ACTOR)
    database = store.connect(db_path)
    try:
        edits.record_update(database, mallory, "WS4-S1", {
            "as_of": "2026-09-30", "status": "in progress", "rating": "Red", "percent_complete": 40,
            "commentary": TITLE}, based_on=edits.current_version(database.conn, "WS4-S1"))
        rows = io.StringIO()
        csv.writer(rows).writerows([["indicator", "period", "population", "department", "grade", "role_type",
                                     "value", "source"],
                                    ["members", "2026-09-30", "GSE", DEPARTMENT, "Grade 7", "Specialist", "60", "test"],
                                    ["members", "2026-09-30", "GSE", DEPARTMENT, "SEO", "Policy", "40", "test"]])
        data = rows.getvalue().encode()
        validation = importers.validate(database, "observations", importers.read_upload(data, FILE_NAME),
                                        filename=FILE_NAME)
        assert validation.ok, validation.problems
    finally:
        database.close()
    importers.apply_import(db_path, "observations", validation, user=mallory, filename=FILE_NAME,
                           sha256=hashlib.sha256(data).hexdigest())
    database = store.connect(db_path)
    try:
        explore.save_view(database, VIEW_NAME, explore.from_query_params({"source": ["members"],
                                                                          "by": ["department"]}), mallory)
    finally:
        database.close()
    return db_path


# (path, the tab or button to click there first, the hostile text the page must then show as text)
HOSTILE_PAGES = [
    ("workstreams?workstream=4", None, [MARKUP, "W" * 5000]),
    ("", None, [MARKUP]),
    ("membership", ("tab", "Department by grade"), [DEPARTMENT]),
    ("explore?source=members&by=department", ("button", "Open this view"), [DEPARTMENT, VIEW_NAME]),
    ("manage", ("tab", "Import history"), [FILE_NAME, ACTOR]),
    ("manage", ("tab", "Audit log"), [ACTOR]),
]


def _plain(text: str) -> str:
    """Text as compared: without the line breaks and spacing the page adds round cells."""
    return re.sub(r"\s+", " ", text)


@pytest.mark.browser
def test_hostile_text_is_shown_as_text_and_the_layout_holds(hostile_db):
    """On every page where it appears, hostile text reads as typed, runs nothing, and the page stays window-wide."""
    with streamlit_server(hostile_db) as url, chromium(width=1280, height=900) as page:
        for path, click, texts in HOSTILE_PAGES:
            page.goto(f"{url}/{path}")
            wait_until_drawn(page)
            if click:
                page.get_by_role(click[0], name=click[1]).click()
            for text in texts:
                page.wait_for_function(SHOWN_JS, arg=_plain(text), timeout=60_000)
            page.wait_for_function(CSS_IN_PAGE_JS, timeout=30_000)
            wait_until_drawn(page)
            seen = page.evaluate(INSPECT_JS)
            name = (path.split("?")[0] or "overview") + (f"-{click[1].split()[0].lower()}" if click else "")
            page.screenshot(path=ARTIFACTS / f"hostile-{name}.png", full_page=True)
            assert seen["xss"] is None, path
            assert seen["injected"] == 0, path
            assert seen["overflow"] <= 1, (path, seen["overflow"])
        # The commitment picker offers the 5,000-character title as text too.
        page.goto(f"{url}/manage")
        wait_until_drawn(page)
        page.get_by_role("combobox", name="Commitment").first.click()
        page.keyboard.type("WS4-S1")
        page.keyboard.press("Enter")
        page.wait_for_function(SHOWN_JS, arg=_plain(MARKUP), timeout=60_000)
        wait_until_drawn(page)
        seen = page.evaluate(INSPECT_JS)
        assert seen["xss"] is None and seen["injected"] == 0 and seen["overflow"] <= 1
        assert _plain(MARKUP) in seen["text"]


def _uploads(tmp_path):
    """Each bad file with the words the page must show about it."""
    too_big = tmp_path / "too-big.csv"
    with too_big.open("wb") as handle:  # one byte over the limit: refused before it reaches the app
        handle.write(b"ref,as_of\n")
        handle.truncate(importers.MAX_UPLOAD_BYTES + 1)
    return [
        (too_big, "File must be 25.0MB or smaller"),
        (tmp_path / "notes.txt", "text/plain files are not allowed"),
        (tmp_path / "not-really.xlsx", "not-really.xlsx: this is not an Excel workbook"),
        (tmp_path / "bomb.xlsx", re.compile(r"bomb\.xlsx: refused: .*declares XML entities")),
        (tmp_path / FILE_NAME, "problem(s) in"),
    ]


@pytest.mark.browser
def test_bad_uploads_are_refused_with_a_message_on_manage_data(db_copy, tmp_path):
    """Over the size limit, the wrong type, the wrong content, an XML bomb, a hostile name: each is refused and said."""
    (tmp_path / "notes.txt").write_text("ref,as_of\nWS4-S1,2026-09-30\n", encoding="utf-8")
    (tmp_path / "not-really.xlsx").write_text("ref,as_of\nWS4-S1,2026-09-30\n", encoding="utf-8")
    (tmp_path / "bomb.xlsx").write_bytes(bomb_workbook())
    (tmp_path / FILE_NAME).write_text("ref,as_of,status\nWS4-S1,2026-09-30,finished\n", encoding="utf-8")
    database = store.connect(db_copy, readonly=True)
    before = database.conn.execute("SELECT COUNT(*) FROM progress_updates").fetchone()[0]
    database.close()
    with streamlit_server(db_copy) as url, chromium() as page:
        page.goto(f"{url}/manage")
        wait_until_drawn(page)
        page.get_by_role("tab", name="Import a file").click()
        uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']:not([multiple])")
        for path, message in _uploads(tmp_path):
            uploader.set_input_files(str(path))
            page.get_by_text(message).first.wait_for(timeout=30_000)
            wait_until_drawn(page)
            assert page.evaluate("window.__xss") is None
            assert page.locator("img[src='x'], a[href^='javascript']").count() == 0
            if path.name == FILE_NAME:
                # Chromium sends a double quote in a file name as %22 (multipart form encoding).
                sent = FILE_NAME.replace('"', "%22")
                assert _plain(sent) in _plain(page.locator("[data-testid='stMain']").text_content())
            page.screenshot(path=ARTIFACTS / f"upload-refused-{path.suffix.strip('.')}-{len(path.name)}.png")
            for delete in page.locator("[data-testid='stFileUploaderDeleteBtn'] button").all():
                delete.click()
            wait_until_drawn(page)
    database = store.connect(db_copy, readonly=True)
    after = database.conn.execute("SELECT COUNT(*) FROM progress_updates").fetchone()[0]
    database.close()
    assert after == before


def test_streamlit_settings_keep_their_safe_values():
    """config.toml keeps XSRF protection and CORS on, usage statistics off, uploads capped at the import limit."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["maxUploadSize"] == importers.MAX_UPLOAD_BYTES // (1024 * 1024)
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"
    text = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8").lower()
    assert not re.search(r"(secret|password|client_id|cookie)\s*=", text), "secrets belong in secrets.toml"


def test_secrets_are_never_committed():
    """secrets.toml is ignored by git, and no tracked file holds an [auth] section with a secret in it."""
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored
    for path in (*ROOT.glob("*.toml"), *(ROOT / ".streamlit").glob("*.toml")):
        if path.name != "secrets.toml":
            assert "client_secret" not in path.read_text(encoding="utf-8"), path


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_twenty_readers_and_an_importing_editor_see_no_error_and_lose_nothing(db_copy):
    """Twenty sessions reading pages for 20 s while an editor imports 2,000 rows: no error, every row kept."""
    rows = 2_000
    with streamlit_server(db_copy) as url:
        result, imported = import_while_reading(db_copy, url, sessions=20, seconds=20, rows=rows)
    summary = result.summary()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load-20-sessions.json").write_text(json.dumps(
        {**summary, "import": imported, "by_page": {p: len(t) for p, t in result.by_page.items()}}, indent=1))
    assert result.errors == []
    assert "error" not in imported and imported["added"] == rows
    assert summary["reruns"] >= 2 * result.sessions
    assert result.titles == {page or "overview": {title} for page, title in (
        ("", "Overview"), ("workstreams", "Workstreams"), ("membership", "Membership"),
        ("diversity", "Diversity and inclusion"), ("explore", "Explore"), ("about", "About the data"))}
    database = store.connect(db_copy, readonly=True)
    try:
        kept = database.conn.execute("SELECT COUNT(*) FROM observations WHERE department = ? AND batch_id = ?",
                                     (LOAD_DEPARTMENT, imported["batch"])).fetchone()[0]
        assert database.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        database.close()
    assert kept == rows
