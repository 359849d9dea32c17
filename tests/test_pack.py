"""The Board pack (PDF, PowerPoint) and the GCSA brief (Word), opened with their own libraries."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from gse_dashboard import documents
from gse_dashboard.board import brief, pack, pack_paper, pack_sections
from gse_dashboard.documents import pdf
from gse_dashboard.storage import queries, store
from gse_dashboard.strategy import metrics
from gse_dashboard.ui import board_pack as pack_ui

ROOT = Path(__file__).resolve().parent.parent
# A Board meeting in the default database's illustrative history, late enough for small cells
# to be suppressed and commitments to be long overdue.
AS_AT = "2019-10-16"
AS_AT_WORDS = "16 October 2019"
GENERATED = dt.datetime(2026, 1, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def snap(built_db_file):
    """What the pack shows at AS_AT, read once."""
    return pack.read_snapshot(built_db_file, AS_AT, 10)


@pytest.fixture(scope="module")
def pdf_bytes(built_db_file) -> bytes:
    """The PDF pack at AS_AT, built once for the module."""
    return pack.board_pack(built_db_file, AS_AT, "pdf", generated_at=GENERATED, threshold=10)


@pytest.fixture(scope="module")
def pptx_bytes(built_db_file) -> bytes:
    """The PowerPoint pack at AS_AT, built once for the module."""
    return pack.board_pack(built_db_file, AS_AT, "pptx", generated_at=GENERATED, threshold=10)


@pytest.fixture(scope="module")
def docx_bytes(built_db_file) -> bytes:
    """The GCSA brief at AS_AT, built once for the module."""
    return pack.gcsa_brief(built_db_file, AS_AT, generated_at=GENERATED, threshold=10)


def _pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _struct_elements(node, kind: str) -> list:
    """Every element of type KIND in a PDF structure tree below NODE."""
    found = []
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for child in node:
            found += _struct_elements(child, kind)
    elif hasattr(node, "get"):
        if node.get("/S") == kind:
            found.append(node)
        if "/K" in node:
            found += _struct_elements(node["/K"], kind)
    return found


def _workstream_titles(snap) -> list[str]:
    return [f"{n}. {name}" for n, name in zip(snap.workstreams["number"], snap.workstreams["name"])]


# -- PDF ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_pdf_has_a_page_per_section_and_every_workstream(pdf_bytes, snap):
    """The PDF has a cover, then the covering paper and the exceptions, then a page per section or more."""
    pages = _pdf_pages(pdf_bytes)
    sections = pack.board_sections(snap)
    assert len(sections) == 19 and 16 <= len(pages) <= 34
    assert "Covering paper" in pages[1] and "Key messages" in pages[1] and "The Board is asked to" in pages[1]
    assert "Needs the Board's attention" in pages[1] + pages[2]
    assert "GSE Profession Board pack" in pages[0] and f"As at {AS_AT_WORDS}" in pages[0]
    assert "Generated on 2 January 2026 at 09:30 UTC" in pages[0] and "not real" in pages[0]
    for title in _workstream_titles(snap):
        starts = [i for i, text in enumerate(pages) if f"\n{title}\n" in f"\n{text}"]
        assert starts, title
    outline = PdfReader(io.BytesIO(pdf_bytes)).outline  # the cover's h1, then its h2s nested under it
    assert outline[0]["/Title"] == "GSE Profession Board pack"
    chapters = [item["/Title"] for item in outline[1] if not isinstance(item, list)]
    assert chapters == ["Contents", *[s.title for s in sections]]


@pytest.mark.slow
def test_pdf_is_marked_official_at_the_top_and_bottom_of_every_page(pdf_bytes):
    """Every page's text starts and ends with the header and footer marking OFFICIAL."""
    for number, text in enumerate(_pdf_pages(pdf_bytes), start=1):
        assert text.count("OFFICIAL") >= 2, number
        assert f"Page {number} of" in text


@pytest.mark.slow
def test_pdf_is_tagged_with_title_language_and_alt_text_on_every_image(pdf_bytes, snap):
    """The PDF is tagged, in en-GB, titled with its date, and each chart is a Figure with its alt text."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == f"GSE Profession Board pack, as at {AS_AT_WORDS}"
    figures = _struct_elements(root["/StructTreeRoot"], "/Figure")
    expected = [f.chart.alt_text for f in documents.figures_of(pack.board_sections(snap))]
    # 12 charts: in 2019 only the 2015 diversity figures exist, so they are a table, not five one-point charts.
    assert len(expected) == 12 and [str(f["/Alt"]) for f in figures] == expected


@pytest.mark.slow
def test_pdf_shows_suppressed_cells_as_c(pdf_bytes):
    """Small cells in the membership cross-tab print as [c]; statistics published after the as-at date are absent."""
    pages = _pdf_pages(pdf_bytes)
    start = next(i for i, t in enumerate(pages) if "Registered GSE members by department and grade" in t)
    membership = "\n".join(pages[start:start + 2])  # the table may run onto a second page
    assert "[c]" in membership
    # The shipped releases were published in August 2021 and 2022: a 2019 pack cannot know them, and says so.
    assert any("No Civil Service Statistics release had been published by" in " ".join(t.split()) for t in pages)
    assert not any("14,090" in t for t in pages)
    row = next(line for line in membership.splitlines() if line.startswith("Government Office for Science"))
    assert row.split()[-9:].count("[c]") >= 2  # AA/AO and SCS hidden, and complementary cells with them


@pytest.mark.slow
def test_a_correction_recorded_after_the_as_at_date_leaves_the_pack_unchanged(pdf_bytes, db_copy):
    """Marking an overdue commitment complete with a correction recorded after AS_AT changes nothing in the pack."""
    database = store.connect(db_copy)
    conn = database.conn
    status = metrics.with_flags(queries.commitment_status(conn, AS_AT), AS_AT)
    ref = status[status["overdue"]]["ref"].iloc[0]
    original = conn.execute("SELECT id, as_of FROM progress_updates WHERE ref = ? AND as_of <= ? "
                            "AND superseded_at IS NULL ORDER BY as_of DESC LIMIT 1", (ref, AS_AT)).fetchone()
    recorded = "2019-11-20T10:00:00"
    conn.execute("UPDATE progress_updates SET superseded_at = ? WHERE id = ?", (recorded, original[0]))
    conn.execute(
        "INSERT INTO progress_updates (ref, as_of, status, rating, percent_complete, commentary, "
        "revision_of, recorded_at, recorded_by) VALUES (?, ?, 'complete', 'Green', 100, "
        "'Corrected: delivered', ?, ?, 'test')", (ref, original[1], original[0], recorded))
    conn.commit()
    later = queries.commitment_status(conn, "2019-12-01").set_index("ref")
    assert later.loc[ref, "status"] == "complete" and later.loc[ref, "revised"]  # the correction is there
    database.close()
    rebuilt = pack.board_pack(db_copy, AS_AT, "pdf", generated_at=GENERATED, threshold=10)
    assert _pdf_pages(rebuilt) == _pdf_pages(pdf_bytes)


# -- PowerPoint ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_pptx_has_titled_slides_for_every_section_marked_official(pptx_bytes, snap):
    """One slide or more per section, each titled in its title placeholder and marked OFFICIAL top and bottom."""
    deck = Presentation(io.BytesIO(pptx_bytes))
    slides = list(deck.slides)
    sections = pack.board_sections(snap)
    documents.size_figures(sections, "pptx")
    documents.draw(documents.figures_of(sections), lambda fraction, message: None, 0.0, 1.0)  # drawn: cached
    expected = 1 + sum(len(documents.slide_layout(s)) for s in sections)
    assert len(slides) == expected and 16 <= expected <= 50  # the paper, exceptions, actions and risks added
    titles = [slide.shapes.title.text for slide in slides]
    assert titles[0] == "GSE Profession Board pack"
    assert all(title in titles for title in _workstream_titles(snap))
    cover = " ".join(shape.text_frame.text for shape in slides[0].shapes if shape.has_text_frame)
    assert f"As at {AS_AT_WORDS}" in cover and "not real" in cover
    for slide in slides:
        marks = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text == "OFFICIAL"]
        assert sorted(round(s.top / 914400, 1) < 1 for s in marks) == [False, True]


@pytest.mark.slow
def test_pptx_pictures_carry_alt_text_and_tables_show_c(pptx_bytes, snap):
    """Every picture has the chart's alt text as its description, and suppressed table cells read [c]."""
    deck = Presentation(io.BytesIO(pptx_bytes))
    shapes = [shape for slide in deck.slides for shape in slide.shapes]
    pictures = [s for s in shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    expected = [f.chart.alt_text for f in documents.figures_of(pack.board_sections(snap))]
    assert [p._element.nvPicPr.cNvPr.get("descr") for p in pictures] == expected
    cells = [cell.text for s in shapes if s.has_table for row in s.table.rows for cell in row.cells]
    # Membership's cross-tab hides several; diversity by department is no longer invented, so it adds none.
    assert cells.count("[c]") >= 5


# -- Word brief ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_brief_is_five_messages_one_chart_and_the_sources_with_the_marking(docx_bytes):
    """The brief has its three headings, five messages for the GCSA, one chart with alt text, OFFICIAL at the top
    and foot of the page and no blanket "not real" footer."""
    document = Document(io.BytesIO(docx_bytes))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", "GSE Strategy: brief for the GCSA"), ("Heading 2", "Five things to know"),
                        ("Heading 2", "Delivery against plan"), ("Heading 2", "Sources")]
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert [b.split(":")[0] for b in bullets] == ["Delivery", "Late", "People", "The Board is asked to",
                                                  "Asked of you as senior responsible owner"]
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "OFFICIAL" and section.footer.paragraphs[0].text == "OFFICIAL"
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"Delivery of the GSE Strategy as at {AS_AT_WORDS}." in text
    assert "(illustrative)" in bullets[0] and document.core_properties.language == "en-GB"
    shapes = list(document.inline_shapes)
    assert len(shapes) == 1 and shapes[0]._inline.docPr.get("descr").startswith("Line chart of delivery")


@pytest.mark.slow
@pytest.mark.parametrize("board", ["2019-10-16", "2026-10-21"])
def test_brief_renders_to_exactly_one_a4_page(board, built_db_file, tmp_path):
    """The brief for a Board, rendered by LibreOffice (headless), is exactly one page."""
    out = tmp_path / "brief.docx"
    out.write_bytes(pack.gcsa_brief(built_db_file, None, generated_at=GENERATED, threshold=10, board=board))
    soffice = shutil.which("soffice") or "/usr/bin/soffice"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(out)], check=True, capture_output=True, timeout=240)
    assert len(PdfReader(tmp_path / "brief.pdf").pages) == 1


def test_user_text_is_escaped_never_rendered_as_html():
    """Commitment titles and commentary go into the PDF's HTML as text, so markup in them stays inert."""
    table = documents.Table(pd.DataFrame({"Ref": ["WS1-S1"], "Commitment": ["<img src=x onerror=alert(1)>"]}), "T")
    cover = documents.Cover("Pack", "As at 1 January 2020", ["<b>line</b>"])
    page = documents.html_document(cover, [documents.Section("<script>x</script>", [table])])
    assert "<img src=x" not in page and "<script>x" not in page and "<b>line" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;script&gt;x&lt;/script&gt;" in page


# -- the measures behind them -------------------------------------------------------------------

def test_papers_deadline_is_working_days_before_the_board():
    """A Board's papers are as at five working days before it by default, weekends not counted."""
    assert pack.papers_deadline("2019-10-16") == "2019-10-09"
    assert pack.papers_deadline("2020-01-13", 5) == "2020-01-06"  # a Monday: the Monday before
    assert pack.papers_deadline("2020-01-15", 1) == "2020-01-14"
    assert pack.papers_deadline("2020-01-13", 1) == "2020-01-10"  # Friday before a Monday


def test_pack_date_defaults_to_the_latest_board_on_or_before_the_as_at_date():
    """The page's default is the last Board meeting up to the sidebar's date, else that date."""
    meetings = pd.DataFrame({"date": ["2019-07-17", "2019-10-16", "2020-01-15"]})
    assert pack_ui.default_pack_date(meetings, "2019-12-01") == "2019-10-16"
    assert pack_ui.default_pack_date(meetings, "2019-01-01") == "2019-01-01"


# -- command line and page ------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--as-at", "2019-02-30", "--format", "pdf"], "is not a date in the form YYYY-MM-DD"),
    (["--as-at", "2019-10-16", "--format", "xlsx"], "--format must be one of pdf, pptx, docx"),
    (["--as-at", "2019-10-16", "--format", "docx"], "a docx file's name should end in .docx, not .pdf"),
    (["--board", "2019-10-17", "--format", "pdf"], "no Board meeting is recorded on 2019-10-17: the nearest are "
                                                     "16 October 2019 (2019-10-16) or 15 January 2020 (2020-01-15)"),
])
@pytest.mark.slow
def test_cli_pack_refuses_a_bad_date_or_format_in_one_line(args, message, built_db_file, tmp_path):
    """A bad date or format ends with one line on standard error and exit code 2, and writes nothing."""
    out = tmp_path / "pack.pdf"
    result = subprocess.run([sys.executable, "-m", "gse_dashboard", "--db", str(built_db_file), "pack", *args,
                             "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and not out.exists()
    assert result.stderr.count("\n") == 1 and message in result.stderr


@pytest.mark.slow
def test_cli_pack_writes_the_brief(built_db_file, tmp_path):
    """`pack --format docx` writes the Word brief for the date and says so."""
    out = tmp_path / "brief.docx"
    result = subprocess.run([sys.executable, "-m", "gse_dashboard", "--db", str(built_db_file), "pack",
                             "--as-at", AS_AT, "--format", "docx", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Wrote the GCSA brief (Word)" in result.stdout
    assert f"as at {AS_AT_WORDS}" in "\n".join(p.text for p in Document(out).paragraphs)


class _Recorder(socketserver.ThreadingTCPServer):
    """A proxy on loopback that refuses everything and keeps each request's first line."""

    daemon_threads = True

    def __init__(self):
        self.requests: list[str] = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.server.requests.append(self.rfile.readline(2048).decode("latin-1").strip())
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.mark.slow
def test_a_pack_build_asks_no_host_outside_the_machine(built_db_file, tmp_path):
    """`pack --format pdf` (charts drawn by kaleido's Chromium, the PDF printed by Playwright's) sends no request
    to any host, through a proxy that Chromium is told to use for everything.

    The attack: every pack build's Chromium asked outside hosts (clients2.google.com for the time,
    update.googleapis.com, accounts.google.com, optimizationguide-pa.googleapis.com, start.duckduckgo.com), which a
    government network may block or log.
    """
    recorder = _Recorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{recorder.server_address[1]}"
    # Chromium on Linux without a desktop's own proxy settings takes its proxy from these variables.
    unset = {"no_proxy", "NO_PROXY", "DESKTOP_SESSION", "XDG_CURRENT_DESKTOP", "KDE_FULL_SESSION",
             "GNOME_DESKTOP_SESSION_ID"}
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env |= {"http_proxy": proxy, "https_proxy": proxy, "all_proxy": proxy, "ALL_PROXY": proxy}
    try:
        # The recorder sees what a Chromium started with no flags of the app's asks for.
        subprocess.run([pdf.chromium_path(), "--headless", "--no-sandbox", f"--user-data-dir={tmp_path / 'plain'}",
                        "--dump-dom", "http://proxy-check.invalid/"], env=env, capture_output=True, timeout=120)
        assert "GET http://proxy-check.invalid/ HTTP/1.1" in recorder.requests, recorder.requests
        recorder.requests.clear()
        out = tmp_path / "pack.pdf"
        result = subprocess.run([sys.executable, "-m", "gse_dashboard", "--db", str(built_db_file), "pack",
                                 "--as-at", AS_AT, "--format", "pdf", "--out", str(out)],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        assert len(PdfReader(out).pages) > 10
        assert recorder.requests == [], "asked: " + ", ".join(sorted(set(recorder.requests)))
    finally:
        recorder.shutdown()
        recorder.server_close()


@pytest.mark.slow
def test_board_pack_page_builds_the_brief_and_offers_it_for_download(built_db_file, monkeypatch):
    """The page opens at the latest Board meeting and, with Word chosen, builds the brief without error."""
    monkeypatch.setenv("GSE_DB_PATH", str(built_db_file))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["as_at"] = "2019-12-01"
    at.run()
    at.switch_page("pages/board_pack.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Board pack"
    assert at.selectbox[0].value == AS_AT
    at.checkbox(key="pack-format-pdf").uncheck()
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("GCSA brief (Word): ready." in md.value for md in at.markdown)
    labels = [button.label for button in at.get("download_button")]
    assert len(labels) == 1 and labels[0].startswith("Download the GCSA brief (Word), ")


def _words(sections) -> list[str]:
    """Every piece of text the sections hold: paragraphs, facts, bullets, table headers, cells and notes."""
    words = []
    for section in sections:
        for block in section.blocks:
            if isinstance(block, (documents.Text, documents.Subheading)):
                words.append(block.text)
            elif isinstance(block, documents.Bullets):
                words.extend(block.items)
            elif isinstance(block, documents.Facts):
                words.extend(f"{label}: {value}" for label, value in block.items)
            elif isinstance(block, documents.Table):
                words.extend([block.caption, block.note, *map(str, block.frame.columns),
                              *block.frame.astype(str).to_numpy().ravel().tolist()])
    return words


BOARD = "2019-10-16"
NEXT_BOARD = "2020-01-15"


@pytest.fixture(scope="module")
def board_snaps(built_db_file):
    """The packs for the Board of 16 October 2019 and the Board after it, as their papers' deadlines knew them."""
    return {board: pack.read_snapshot(built_db_file, None, 10, board=board) for board in (BOARD, NEXT_BOARD)}


@pytest.fixture(scope="module")
def meeting_outcomes(built_db_file):
    """What the Board of 16 October 2019 decided, read straight from the database: its ratings and actions."""
    database = store.connect(built_db_file, readonly=True)
    try:
        rationales = [r[0] for r in database.conn.execute(
            "SELECT rationale FROM workstream_ratings WHERE board_date = ?", (BOARD,))]
        actions = [r[0] for r in database.conn.execute(
            "SELECT DISTINCT ref FROM board_actions WHERE board_date = ?", (BOARD,))]
    finally:
        database.close()
    assert len(rationales) == 10 and "A2019-005" in actions
    return rationales, actions


def test_the_pack_for_a_board_holds_none_of_that_meetings_ratings_or_actions(board_snaps, meeting_outcomes):
    """The paper for 16 October 2019 is as at its deadline: it names none of the ratings or actions made there."""
    snap = board_snaps[BOARD]
    assert snap.as_at == "2019-10-09" and snap.board == BOARD and snap.previous == "2019-07-17"
    cover = pack_paper.board_cover(snap, GENERATED)
    text = "\n".join([cover.subtitle, *cover.lines, *_words(pack.board_sections(snap))])
    rationales, actions = meeting_outcomes
    assert [r for r in rationales if r in text] == []
    assert [ref for ref in actions if ref in text] == []
    assert "For the Board of 16 October 2019" in text
    assert (snap.judged["judged_on"] < BOARD).all()


def test_the_next_boards_pack_shows_that_meetings_decisions_since_the_last_board(board_snaps, meeting_outcomes):
    """The paper for 15 January 2020 shows the ratings and actions of 16 October 2019 in "Since the last Board"."""
    snap = board_snaps[NEXT_BOARD]
    assert snap.previous == BOARD
    section = pack_sections.changes_section(snap)
    assert section.title == "Since the last Board"
    text = "\n".join(_words([section]))
    assert "Decided at the Board of 16 October 2019" in text
    rationales, actions = meeting_outcomes
    assert [r for r in rationales if r not in text] == []
    assert [ref for ref in actions if ref not in text] == []


def test_no_workstream_moves_between_a_computed_and_a_judged_rating(board_snaps, built_db_file):
    """Every movement of a Board rating is from the Board's previous rating, and every movement of the average
    from the average at the last Board, in both packs."""
    database = store.connect(built_db_file, readonly=True)
    try:
        for snap in board_snaps.values():
            grid = next(b for b in pack_sections.overview_section(snap).blocks if isinstance(b, documents.Table))
            frame = grid.frame.set_index(grid.frame["Workstream"].str.split(".").str[0].astype(int))
            for number, row in frame.iterrows():
                judged = database.conn.execute(
                    "SELECT board_date, rating FROM workstream_ratings WHERE workstream = ? AND board_date < ? "
                    "ORDER BY board_date DESC LIMIT 2", (number, snap.previous)).fetchall()
                rating, _, moved = row[pack_sections.RATING_COLUMN].partition("; ")
                if " from " in moved:  # a new judgement at the last Board, against the Board's judgement before
                    assert moved.split(" from ")[1].startswith(metrics.rating_label(judged[0][1])), (number, moved)
                else:
                    assert moved == "" or moved.startswith(("Unchanged", "First")), moved
                before = snap.summary_before.set_index("number").loc[number, "rating"]
                average_moved = row[pack_sections.AVERAGE_COLUMN].partition("; ")[2]
                if " from " in average_moved:
                    assert average_moved.endswith(metrics.rating_label(before)), (number, average_moved)
    finally:
        database.close()


def test_the_pack_calls_derived_dates_indicative_and_commitments_summaries(snap):
    """No bare 'overdue' in the pack; every date shown is marked indicative or set; titles are called summaries."""
    sections = pack.board_sections(snap)
    text = "\n".join(_words(sections))
    assert "overdue" not in text.lower()
    assert "Commitments past their date" in text and "past its indicative date" in text.lower()
    tables = [b for s in sections for b in s.blocks
              if isinstance(b, documents.Table) and "Date" in b.frame.columns]
    assert tables, "the workstream pages list commitments with their dates"
    for table in tables:
        assert "Commitment (our summary)" in table.frame.columns and "Our summaries" in table.note
        assert "Annex A, section" in table.note
        dates = table.frame["Date"].tolist()
        assert all(d.endswith("(indicative)") or "(set" in d for d in dates), dates
        assert "Owner" not in table.frame.columns and "the GSE Profession Board is responsible" in table.note
    definitions = next(b for b in pack_sections.closing_section(snap).blocks if isinstance(b, documents.Bullets)
                       and any(item.startswith("Dates:") for item in b.items))
    assert any("derives an indicative date from the end of each horizon" in item for item in definitions.items)


def test_the_brief_says_past_their_date_and_never_a_bare_overdue(snap):
    """The brief names commitments past their date with the date's basis, and never says 'overdue'."""
    text = "\n".join(_words(brief.brief_sections(snap)))
    assert "overdue" not in text.lower()
    assert "commitments are past their date" in text


@pytest.mark.slow
def test_pdf_text_prints_at_its_set_size_never_shrunk(pdf_bytes):
    """Measured in the PDF: no text below 9 pt, and body paragraphs at 11 pt (no page shrunk to fit a table)."""
    sizes = {}
    for page in PdfReader(io.BytesIO(pdf_bytes)).pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                points = round(size * abs(tm[3]) * abs(cm[3]), 1)
                sizes[text.strip()[:40]] = min(points, sizes.get(text.strip()[:40], points))
        page.extract_text(visitor_text=visit)
    assert min(sizes.values()) >= 9.0
    purpose = next(v for k, v in sizes.items() if k.startswith("Purpose: to report delivery"))
    assert purpose >= 11.0


def test_pack_builds_take_turns_and_the_waiting_are_told_their_place():
    """Three builds at once run one at a time, in the order they asked, and each waiting one is told how many
    are ahead of it.

    The attack: four viewers building packs at once took 81–94 s each and doubled another viewer's page time.
    """
    import threading

    from gse_dashboard.ui.turns import OneAtATime

    queue = OneAtATime(poll_s=0.01)
    running, order, told = [], [], {0: [], 1: [], 2: []}
    release = threading.Event()
    first_in = threading.Event()

    def build(number: int) -> None:
        with queue.turn(told[number].append):
            running.append(number)
            assert len(running) == 1  # never two at once
            order.append(number)
            if number == 0:
                first_in.set()
                release.wait(10)
            running.remove(number)

    threads = [threading.Thread(target=build, args=(0,))]
    threads[0].start()
    first_in.wait(10)
    for number in (1, 2):
        threads.append(threading.Thread(target=build, args=(number,)))
        threads[-1].start()
        while queue.ahead_of(number) == 0 and not told[number]:
            threading.Event().wait(0.01)
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2]
    # The third is told 2 when it asks, then 1 if it looks while the second is building (a race it may lose).
    assert told[0] == [] and told[1] == [1] and told[2] in ([2], [2, 1])
