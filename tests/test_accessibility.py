"""WCAG 2.2 AA in a real browser: axe-core on every page, a task done by keyboard alone, focus that
shows and is never hidden, messages announced; and the chart colours' contrast, without a browser.
"""

from __future__ import annotations

import contextlib
import json
import shutil

import pytest

from gse_dashboard.charts import builders as charts
from gse_dashboard.charts import style
from gse_dashboard.rules import accessibility
from tests.browser import ARTIFACTS, axe_violations, chromium, show_tab, streamlit_server, wait_until_drawn

# Rules switched off because what they flag comes from Streamlit itself and the app cannot change
# it; each is listed with its Streamlit issue in docs/ACCESSIBILITY.md.
STREAMLIT_RULES = {
    # The file uploader's drop zone is a <section role="presentation" aria-label=…>, left so by
    # Streamlit's fix of a double tab stop (streamlit/streamlit#15921, PR #15928); impact minor,
    # and the "Browse files" button inside it is the real, labelled control.
    "presentation-role-conflict": "streamlit/streamlit#15921",
}
# The as-at calendar puts its month heading in a <header>, a second banner landmark inside the
# dialog. Best-practice rules, not WCAG criteria; Streamlit's own markup since it rebuilt
# st.date_input on React Aria (streamlit/streamlit PR #16460). No Streamlit issue found yet.
CALENDAR_RULES = ("landmark-banner-is-top-level", "landmark-no-duplicate-banner", "landmark-unique")

# (name, path, plotly charts drawn on load, the page's name in the browser tab)
PAGES = [
    ("overview", "", 1, "Overview"),
    ("workstreams", "workstreams?workstream=4", 2, "Workstreams"),
    ("membership", "membership", 4, "Membership"),
    ("diversity", "diversity", 2, "Diversity & inclusion"),
    ("explore", "explore", 1, "Explore"),
    ("manage", "manage", 0, "Manage data"),
    ("board-pack", "board-pack", 0, "Board pack"),
    ("about", "about", 0, "About the data"),
]

# What has keyboard focus, where it is and how it is drawn; and whether something else covers it.
FOCUS_JS = """() => {
  // A radio button or checkbox is a visually hidden input: what a user sees focused is its label.
  const focused = document.activeElement;
  const e = (focused.matches('input[type=radio], input[type=checkbox]') && focused.closest('label')) || focused;
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  const x = Math.min(Math.max(r.left + r.width / 2, 1), innerWidth - 1);
  const y = Math.min(Math.max(r.top + r.height / 2, 1), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  return {tag: e.tagName, label: e.getAttribute('aria-label') || '', text: (e.innerText || '').trim().slice(0, 60),
          href: e.getAttribute('href') || '', id: focused.dataset.kbd || '',
          outline: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth),
          onScreen: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
          covered: !!hit && hit !== e && !e.contains(hit) && !hit.contains(e)};
}"""

# Every control a keyboard user should reach: visible, enabled, not taken out of the tab order.
MARK_CONTROLS_JS = """() => {
  const selector = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), textarea, select, '
    + 'summary, [role=spinbutton], [role=tab][aria-selected=true], [tabindex]:not([tabindex="-1"])';
  const controls = [...document.querySelectorAll(selector)].filter(e =>
    e.getClientRects().length && !e.closest('[aria-hidden=true], [inert]') && e.tabIndex >= 0
    && getComputedStyle(e).visibility !== 'hidden');
  controls.forEach((e, i) => { e.dataset.kbd = String(i); });
  return controls.map(e => (e.getAttribute('aria-label') || e.innerText || e.tagName).trim().slice(0, 50));
}"""


# The app's accessibility CSS is in the page (a session's very first run can come before it).
CSS_IN_PAGE_JS = ("() => [...document.querySelectorAll('style')]"
                  ".some(e => e.textContent.includes('stHeaderActionElements'))")


def _open(page, url: str, charts: int = 0) -> None:
    """Go to URL and wait until the run has finished, CHARTS charts are drawn and the app's CSS applies."""
    page.goto(url)
    wait_until_drawn(page, charts=charts)
    page.wait_for_function(CSS_IN_PAGE_JS, timeout=30_000)
    wait_until_drawn(page, charts=charts)


@pytest.fixture(scope="module")
def server(built_db_file, tmp_path_factory):
    """One dashboard for the module on a private copy of the default database (local mode: an editor)."""
    db_path = tmp_path_factory.mktemp("a11y") / "gse.db"
    shutil.copyfile(built_db_file, db_path)
    with streamlit_server(db_path) as url:
        yield url


@pytest.fixture(scope="module")
def browser_page():
    """One headless Chromium page shared by the module's browser tests."""
    with chromium() as page:
        yield page


@pytest.fixture
def fresh_page(browser_page):
    """A new page (own session, own URL state) in the module's browser, closed after the test."""
    page = browser_page.context.browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    yield page
    page.close()


def _audit(page) -> dict[str, dict]:
    """axe on the page with every expander opened and every tab shown in turn; violations by rule id."""
    found: dict[str, dict] = {}

    def run() -> None:
        for summary in page.locator("details:not([open]) > summary").all():
            if summary.is_visible():
                summary.click()
        for violation in axe_violations(page, disabled=tuple(STREAMLIT_RULES)):
            seen = found.setdefault(violation["id"], {**violation, "nodes": []})
            seen["nodes"] = sorted(set(seen["nodes"]) | set(violation["nodes"]))

    run()
    tabs = page.locator("[data-testid='stMain'] [role='tab']")
    for index in range(tabs.count()):
        if tabs.nth(index).get_attribute("aria-selected") != "true" and tabs.nth(index).is_visible():
            show_tab(page, tabs.nth(index))
            run()
    return found


@pytest.mark.browser
@pytest.mark.parametrize(("name", "path", "charts_drawn", "where"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_passes_axe_and_says_where_you_are(server, browser_page, name, path, charts_drawn, where):
    """Each page, every tab and expander open, has no axe-core WCAG 2.2 A/AA or best-practice violation."""
    page = browser_page
    _open(page, f"{server}/{path}", charts_drawn)
    assert page.title() == f"{where} – GSE Strategy Dashboard"
    assert page.locator("h1").count() == 1
    found = _audit(page)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(found, indent=1))
    assert found == {}, {rule: (v["impact"], v["help"], v["nodes"][:3]) for rule, v in found.items()}


# Metric labels and values whose text is wider than their box (cut off with an ellipsis).
CUT_OFF_JS = """() => [...document.querySelectorAll(
    "[data-testid='stMetricValue'] .stMarkdownEllipsis, [data-testid='stMetricLabel'] .stMarkdownEllipsis")]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 400])
def test_metric_values_are_never_cut_off(server, fresh_page, width):
    """A rating such as "Amber/Red" in a metric wraps in a narrow column; no label or value loses text (1.4.10)."""
    page = fresh_page
    page.set_viewport_size({"width": width, "height": 1000})
    for path, charts_drawn in (("?as_at=2019-10-16", 1), ("diversity?as_at=2019-10-16", 1),
                               ("workstreams?workstream=4&as_at=2019-10-16", 2)):
        _open(page, f"{server}/{path}", charts_drawn)
        values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
        assert values, path
        assert page.evaluate(CUT_OFF_JS) == [], path
    assert any("Amber" in value or "Green" in value or "Red" in value for value in values)


@pytest.mark.browser
def test_charts_have_alt_text_and_no_mode_bar(server, browser_page):
    """Every plotly chart is a labelled figure (its alt text) and shows no mode bar of unlabelled icons."""
    page = browser_page
    _open(page, f"{server}/workstreams?workstream=4", 2)
    figures = page.locator("[role='figure']:has(.js-plotly-plot)")
    assert figures.count() >= 2
    for index in range(figures.count()):
        assert figures.nth(index).get_attribute("aria-label").startswith("Line chart")
    assert page.locator(".modebar-container .modebar-btn").count() == 0


@pytest.mark.browser
def test_the_as_at_calendar_passes_axe(server, browser_page):
    """The as-at date's calendar, opened from its button, has no axe violation and closes with Escape."""
    page = browser_page
    _open(page, f"{server}/about")
    page.get_by_role("button", name="Choose date").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    violations = axe_violations(page, disabled=(*STREAMLIT_RULES, *CALENDAR_RULES))
    assert violations == []
    page.keyboard.press("ArrowLeft")  # the calendar is used with arrow keys, as its description says
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")


@pytest.mark.browser
def test_the_sql_result_grid_passes_axe(server, browser_page):
    """The SQL box's result (Streamlit's data grid) and its download add no axe violation."""
    page = browser_page
    _open(page, f"{server}/explore", 1)
    page.get_by_label("SQL (one SELECT statement; read only)").fill("SELECT code, name FROM indicators")
    page.get_by_role("button", name="Run query").click()
    page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)
    wait_until_drawn(page)
    assert axe_violations(page, disabled=tuple(STREAMLIT_RULES)) == []


def _press_tab_until(page, wanted, *, limit: int = 200, stops: list | None = None) -> list[dict]:
    """Press Tab until the focused element satisfies WANTED; return every stop, each checked on the way."""
    stops = [] if stops is None else stops
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        stops.append(focus)
        if focus["tag"] != "BODY":
            assert focus["outline"] >= 2, f"no visible focus on {focus}"
            assert focus["onScreen"] and not focus["covered"], f"focus hidden from view on {focus}"
        if wanted(focus):
            return stops
    raise AssertionError(f"not reached by Tab in {limit} presses; last stops: {stops[-5:]}")


@pytest.mark.browser
def test_a_full_task_by_keyboard_alone(server, fresh_page, tmp_path):
    """By keyboard only: set the as-at date, open workstream 4, download its commitments; focus always visible."""
    page = fresh_page
    if page:
        _open(page, f"{server}/", 1)
        _press_tab_until(page, lambda f: f["label"] == "day, As at date", limit=40)
        page.keyboard.type("17102018")  # day, month, year: each part moves on to the next when full
        # The date is committed when focus leaves the widget (its parts and its calendar button).
        _press_tab_until(page, lambda f: "date" not in f["label"].lower(), limit=5)
        page.get_by_text("as at 17 October 2018").wait_for(timeout=60_000)
        wait_until_drawn(page, charts=1)
        assert "as_at=2018-10-17" in page.url

        _press_tab_until(page, lambda f: f["text"] == "Open workstream" and "workstream=4&" in f["href"])
        page.keyboard.press("Enter")
        page.locator("h2").filter(has_text="4. Capability & Skills").wait_for(timeout=60_000)
        wait_until_drawn(page, charts=2)
        assert "workstream=4" in page.url and "as_at=2018-10-17" in page.url

        _press_tab_until(page, lambda f: "Download these commitments (CSV)" in f["text"], limit=300)
        with page.expect_download(timeout=30_000) as download:
            page.keyboard.press("Enter")
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
    assert saved.name == "workstream-4-commitments-2018-10-17.csv"
    text = saved.read_text(encoding="utf-8-sig")
    assert "WS4-S1" in text and "WS5-S1" not in text


@pytest.mark.browser
@pytest.mark.parametrize("path", ["", "manage"], ids=["overview", "manage"])
def test_every_control_is_reached_by_tab(server, fresh_page, path):
    """Tabbing round the page reaches every visible control, each with a visible, unobscured focus ring."""
    page = fresh_page
    if page:
        _open(page, f"{server}/{path}", 1 if not path else 0)
        controls = page.evaluate(MARK_CONTROLS_JS)
        assert len(controls) > 10
        stops: list[dict] = []
        with contextlib.suppress(AssertionError):  # reported below, by name, as the controls missed
            _press_tab_until(page, lambda _: len({s["id"] for s in stops} - {""}) == len(controls),
                             limit=len(controls) + 60, stops=stops)
    reached = {stop["id"] for stop in stops}
    missed = [label for index, label in enumerate(controls) if str(index) not in reached]
    assert missed == []


@pytest.mark.browser
def test_errors_are_alerts_and_successes_are_status_messages(server, fresh_page, tmp_path):
    """A refused upload is shown in role=alert (read out at once) and a valid one in role=status (read out politely)."""
    bad = tmp_path / "updates.csv"
    bad.write_text("ref,as_of,status,rating,percent_complete,commentary\nWS4-L1,2026-09-30,done,Purple,150,x\n",
                   encoding="utf-8")
    good = tmp_path / "fixed.csv"
    good.write_text("ref,as_of,status,rating,percent_complete,commentary\nWS4-L1,2026-09-30,in progress,Amber,50,x\n",
                    encoding="utf-8")
    page = fresh_page
    if page:
        _open(page, f"{server}/manage")
        page.get_by_role("tab", name="Import a file").click()
        uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']:not([multiple])")
        uploader.set_input_files(str(bad))
        alert = page.get_by_role("alert").filter(has_text="problem(s) in updates.csv")
        alert.wait_for(timeout=30_000)
        assert axe_violations(page, disabled=tuple(STREAMLIT_RULES)) == []
        uploader.set_input_files(str(good))
        page.get_by_role("status").filter(has_text="fixed.csv is valid").wait_for(timeout=30_000)


def test_chart_colours_meet_wcag_contrast_on_white():
    """Every palette colour reaches 3:1 against white as a line or bar, and its label colour 4.5:1 as text."""
    for colour in (*style.PALETTE, *style.TWO_SERIES):
        assert style.contrast_ratio(colour, "#FFFFFF") >= style.GRAPHIC_CONTRAST, colour
        label = style.label_colour(colour)
        assert style.contrast_ratio(label, "#FFFFFF") >= style.TEXT_CONTRAST, colour
    assert style.label_colour("#12436D") == "#12436D"  # dark enough already: unchanged
    assert round(style.contrast_ratio("#28A197", "#FFFFFF"), 2) == 3.17
    assert style.contrast_ratio(style.TEXT_COLOUR, "#FFFFFF") >= 7


def test_series_labels_on_charts_are_readable_text():
    """The words drawn at the end of each line are in a colour with 4.5:1 contrast on the white plot."""
    import pandas as pd

    frame = pd.DataFrame({"period": ["2020-01-01", "2021-01-01"], "a": [1, 2], "b": [3, 4], "c": [5, 6]})
    chart = charts.lines_chart(frame, x="period", series=[("a", "A"), ("b", "B"), ("c", "C")], title="t",
                               subtitle="s", source="x", alt_text="alt", y_title="y")
    colours = [a.font.color for a in chart.figure.layout.annotations]
    assert len(colours) == 3
    assert all(style.contrast_ratio(c, "#FFFFFF") >= style.TEXT_CONTRAST for c in colours)


def test_the_accessibility_statement_has_the_sections_government_services_use():
    """The statement names its contact and has every section of the GDS sample statement."""
    text = accessibility.statement("the *GSE* team <gse@example.gov.uk>")
    for section in ("How accessible this dashboard is", "Feedback and contact information",
                    "Enforcement procedure", "Technical information about this dashboard's accessibility",
                    "Compliance status", "Non-accessible content", "What we're doing to improve accessibility",
                    "Preparation of this accessibility statement"):
        assert f" {section}\n" in text, section
    assert "Equality and Human Rights Commission" in text and "Equality Commission for Northern Ireland" in text
    assert "WCAG 2.2" in text or "version 2.2" in text
    # Shown as typed: escaped, and the address is no autolink (a word joiner before its '@').
    assert "{contact}" not in text and "the \\*GSE\\* team \\<gse\u2060@example.gov.uk\\>" in text
