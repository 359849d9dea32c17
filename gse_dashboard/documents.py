"""Documents from sections of blocks: chart images, and writers for PDF, PowerPoint and Word.

A document is a cover and a list of sections, each a list of blocks (text, facts, tables,
charts). This module knows nothing of the strategy: pack.py decides what goes in, and each
writer here lays the same blocks out for its format, with the security marking on every page,
real headings, and alt text on every image. Charts are drawn to PNG by kaleido with the system
Chromium; the PDF is HTML printed by headless Chromium through Playwright.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import html
import io
import math
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import charts, disclosure
from .charts import Chart

# The Government Security Classification of everything the documents hold; on every page.
MARKING = "OFFICIAL"
# Chart images are drawn at the size they print, 96 CSS pixels to the inch, so a chart's text
# prints at 0.75 pt per pixel (its smallest, 12 px, at 9 pt); three device pixels to each CSS
# pixel keep them sharp. CHART_WIDTH is the default; each writer sets its own (size_figures).
PX_PER_INCH = 96
CHART_WIDTH = 1000
CHART_SCALE = 3
# The PDF's text column: A4 less 16 mm margins either side, 178 mm.
PDF_BODY_IN = 178 / 25.4
# The tallest a chart may be in the PDF: most of the page's text height (A4 less margins is 10.3 in).
PDF_CHART_MAX_H_IN = 8.0
# Charts meant to be read together are drawn so that two share a page.
PDF_PAIR_MAX_H_IN = 4.6
# Chart images already drawn, by their figure's content: PDF and PowerPoint of one date share them.
_IMAGE_CACHE_SIZE = 128
CHROMIUM = "/usr/bin/chromium"
# Headless Chromium for printing: no sandbox (containers), no GPU, no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
FONT_STACK = "Arial, 'Liberation Sans', Helvetica, 'DejaVu Sans', sans-serif"

Progress = Callable[[float, str], None]


# -- the content, independent of format --------------------------------------------------------

@dataclass
class Text:
    """A paragraph; `kind` is "p", "lead" (larger) or "note" (smaller)."""

    text: str
    kind: str = "p"


@dataclass
class Subheading:
    """A heading one level below the section's."""

    text: str


@dataclass
class Bullets:
    """A bulleted list."""

    items: list[str]


@dataclass
class Facts:
    """Headline figures as label and value pairs."""

    items: list[tuple[str, str]]


@dataclass
class Table:
    """A table of text cells (already formatted and suppressed), its caption and a note below."""

    frame: pd.DataFrame
    caption: str
    note: str = ""


@dataclass
class Image:
    """A chart drawn to PNG, with its size in pixels and its alt text."""

    png: bytes
    width: int
    height: int
    alt: str


@dataclass
class Figure:
    """One chart; the image is drawn once the whole document is laid out, at the size it prints."""

    chart: Chart
    image: Image | None = None
    width_px: int = CHART_WIDTH
    max_height_px: int | None = None


@dataclass
class FigureRow:
    """Several charts meant to be read together (each still full width in print)."""

    figures: list[Figure]


@dataclass
class Section:
    """A titled part of the document: a page (or more) in the PDF, a slide (or more) in PowerPoint.

    NEW_PAGE False lets a short section follow the one before on the same PDF page.
    """

    title: str
    blocks: list = field(default_factory=list)
    new_page: bool = True


@dataclass
class Cover:
    """The first page: title, what it covers, when it was made and the illustrative warning."""

    title: str
    subtitle: str
    lines: list[str]
    warning: str = ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- drawing the charts -----------------------------------------------------------------------

_image_cache: OrderedDict[str, bytes] = OrderedDict()
_image_lock = threading.Lock()  # kaleido's server is one per process: one document draws at a time


def figures_of(sections: list[Section]) -> list[Figure]:
    """Every chart in SECTIONS, in order."""
    found = []
    for section in sections:
        for block in section.blocks:
            if isinstance(block, Figure):
                found.append(block)
            elif isinstance(block, FigureRow):
                found.extend(block.figures)
    return found


def _static_figure(chart: Chart, width: int = CHART_WIDTH, max_height: int | None = None):
    figure = charts.with_titles(chart, width=width)
    if figure.layout.showlegend:  # a legend above the plot needs its own line under the subtitle
        figure.update_layout(margin={"t": figure.layout.margin.t + 30})
    height = (chart.figure.layout.height or 380) + charts.title_room(figure, chart)
    figure.update_layout(height=min(height, max_height) if max_height else height)
    return figure


def size_figures(sections: list[Section], fmt: str) -> None:
    """Set each chart's drawing size to the space it takes in a FMT document ("pdf", "pptx", "docx").

    Drawn at its printed size, a chart's text prints at the size it was set in (12 px = 9 pt).
    """
    def inches(value: float) -> int:
        return int(value * PX_PER_INCH)

    for section in sections:
        text_before = False
        for block in section.blocks:
            if isinstance(block, Figure | FigureRow):
                figures = [block] if isinstance(block, Figure) else block.figures
                for figure in figures:
                    if fmt == "pdf":
                        tallest = PDF_CHART_MAX_H_IN if isinstance(block, Figure) else PDF_PAIR_MAX_H_IN
                        figure.width_px, figure.max_height_px = inches(PDF_BODY_IN), inches(tallest)
                    elif fmt == "docx":
                        figure.width_px, figure.max_height_px = inches(DOCX_BODY_IN), inches(DOCX_CHART_MAX_H_IN)
                    else:
                        tallest = BODY_BOTTOM - BODY_TOP
                        if isinstance(block, FigureRow) and len(figures) > 1:
                            width = (BODY_W - GAP) / 2
                        elif text_before:  # beside text, short enough to leave room for a small table below
                            width, tallest = BODY_W - SIDE_TEXT_W - GAP, SIDE_FIGURE_MAX_H
                        else:
                            width = BODY_W
                        figure.width_px, figure.max_height_px = inches(width), inches(tallest)
                text_before = False
            else:
                text_before = isinstance(block, Text | Subheading | Bullets | Facts)


@contextlib.contextmanager
def _kaleido() -> Iterator[Callable[[dict, dict], bytes]]:
    """kaleido's render function, with its Chromium server running for the duration."""
    import kaleido  # imported here: the pages import this module and may never draw a chart

    started = False
    if not kaleido._global_server.is_running():  # noqa: SLF001 - no public "is running" in kaleido 1.x
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        started = True
    try:
        yield lambda spec, opts: kaleido.calc_fig_sync(spec, opts=opts)
    finally:
        if started:
            kaleido.stop_sync_server(silence_warnings=True)


def draw(figures: list[Figure], progress: Progress, start: float, end: float) -> None:
    """Draw each figure to PNG (reusing any drawn before), reporting progress from START to END."""
    specs = []
    for figure in figures:
        static = _static_figure(figure.chart, figure.width_px, figure.max_height_px)
        spec = static.to_plotly_json()
        key = hashlib.sha256(static.to_json().encode() + f"|{CHART_SCALE}".encode()).hexdigest()
        specs.append((figure, spec, key, int(static.layout.width), int(static.layout.height)))
    with _image_lock:
        missing = [s for s in specs if s[2] not in _image_cache]
        renderer = _kaleido() if missing else contextlib.nullcontext(None)
        with renderer as render:
            for done, (figure, spec, key, width, height) in enumerate(specs, start=1):
                if key not in _image_cache:
                    opts = {"format": "png", "width": width, "height": height, "scale": CHART_SCALE}
                    _image_cache[key] = render(spec, opts)
                    while len(_image_cache) > _IMAGE_CACHE_SIZE:
                        _image_cache.popitem(last=False)
                _image_cache.move_to_end(key)
                figure.image = Image(_image_cache[key], width * CHART_SCALE, height * CHART_SCALE,
                                     figure.chart.alt_text)
                progress(start + (end - start) * done / len(specs), f"Drawing chart {done} of {len(specs)}")


# -- PDF: HTML printed by headless Chromium ------------------------------------------------------

PDF_CSS = f"""
@page {{ size: A4; }}
html {{ font-family: {FONT_STACK}; font-size: 11pt; color: #0B0C0C; }}
body {{ margin: 0; }}
h1 {{ font-size: 26pt; color: #12436D; margin: 30mm 0 4mm; }}
h2 {{ font-size: 17pt; color: #12436D; margin: 0 0 3mm; border-bottom: 2px solid #12436D; padding-bottom: 1mm;
      break-after: avoid; }}
h3 {{ font-size: 13pt; margin: 5mm 0 2mm; break-after: avoid; }}
section {{ break-before: page; }}
section.flow {{ break-before: auto; margin-top: 10mm; }}
p {{ margin: 0 0 2.5mm; line-height: 1.35; }}
p.lead {{ font-size: 12pt; }}
p.note, .note {{ font-size: 10pt; color: #3D3D3D; }}
p.subtitle {{ font-size: 16pt; margin-bottom: 10mm; }}
p.warning {{ border-left: 5px solid #F46A25; padding: 2mm 4mm; background: #FEF1EA; }}
dl.facts {{ display: grid; grid-template-columns: 45mm 1fr; gap: 1mm 4mm; margin: 0 0 3mm; }}
dl.facts dt {{ font-weight: bold; }}
dl.facts dd {{ margin: 0; }}
table {{ border-collapse: collapse; width: 100%; margin: 1mm 0 1mm; font-size: 10pt; }}
caption {{ caption-side: top; text-align: left; font-weight: bold; font-size: 11pt; padding: 2mm 0 1mm; }}
th, td {{ border-bottom: 1px solid #B1B4B6; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }}
thead th {{ border-bottom: 2px solid #0B0C0C; background: #F3F2F1; }}
tr {{ break-inside: avoid; }}
td.num {{ text-align: right; white-space: nowrap; }}
.figure {{ margin: 2mm 0 3mm; break-inside: avoid; }}
.figure img {{ width: 100%; display: block; margin: 0 auto; }}
.nw {{ white-space: nowrap; }}
ul {{ margin: 0 0 3mm; padding-left: 6mm; }}
li {{ margin-bottom: 1.2mm; line-height: 1.35; }}
ul.contents {{ list-style: none; padding-left: 0; line-height: 1.5; }}
"""

_MARK = f"font-family: {FONT_STACK}; font-size: 9pt; font-weight: bold; letter-spacing: 0.5pt;"


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").replace("−", "-").replace(" [r]", "").replace(" †", "")
    try:
        float(stripped)
    except ValueError:
        return text in (disclosure.CONFIDENTIAL, disclosure.NOT_AVAILABLE, disclosure.NOT_APPLICABLE)
    return True


# Cells this short (a reference, a rating, a status) read badly when broken over two lines.
NOWRAP_CHARS = 18


def _cell_class(text: str) -> str:
    return ' class="num"' if _numeric(text) else ' class="nw"' if len(text) <= NOWRAP_CHARS else ""


def _html_table(table: Table) -> str:
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(str(c))}</th>' for c in table.frame.columns)
    rows = []
    for values in table.frame.itertuples(index=False):
        cells = [f'<th scope="row"{_cell_class(str(values[0]))}>{esc(str(values[0]))}</th>']
        cells += [f"<td{_cell_class(v)}>{esc(v)}</td>" for v in map(str, values[1:])]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    note = f'<p class="note">{esc(table.note)}</p>' if table.note else ""
    return (f"<table><caption>{esc(table.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{note}")


def _html_figure(figure: Figure) -> str:
    data = base64.b64encode(figure.image.png).decode()
    note = f'<p class="note">{html.escape(figure.chart.note)}</p>' if figure.chart.note else ""
    # A div, not <figure>: Chromium tags <figure> as a second, empty Figure around the image's own.
    alt = html.escape(figure.image.alt)
    return f'<div class="figure"><img src="data:image/png;base64,{data}" alt="{alt}"></div>{note}'


def _html_block(block) -> str:
    esc = html.escape
    if isinstance(block, Text):
        return f'<p class="{block.kind}">{esc(block.text)}</p>'
    if isinstance(block, Subheading):
        return f"<h3>{esc(block.text)}</h3>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Facts):
        return ('<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in block.items)
                + "</dl>")
    if isinstance(block, Table):
        return _html_table(block)
    if isinstance(block, Figure):
        return _html_figure(block)
    if isinstance(block, FigureRow):
        return "".join(_html_figure(f) for f in block.figures)
    raise TypeError(f"no HTML for {type(block).__name__}")


def html_document(cover: Cover, sections: list[Section]) -> str:
    """The document as accessible HTML: real headings, tables and images with alt text."""
    esc = html.escape
    contents = "".join(f"<li>{esc(s.title)}</li>" for s in sections)
    warning = f'<p class="warning">{esc(cover.warning)}</p>' if cover.warning else ""
    parts = [
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{esc(cover.title)}, {esc(_lower_first(cover.subtitle))}</title><style>{PDF_CSS}</style></head><body>",
        f'<header><h1>{esc(cover.title)}</h1><p class="subtitle">{esc(cover.subtitle)}</p>',
        "".join(f"<p>{esc(line)}</p>" for line in cover.lines),
        warning,
        f"<nav aria-label=\"Contents\"><h2>Contents</h2><ul class=\"contents\">{contents}</ul></nav></header><main>",
    ]
    for section in sections:
        flow = "" if section.new_page else ' class="flow"'
        parts.append(f"<section{flow}><h2>{esc(section.title)}</h2>")
        parts.extend(_html_block(block) for block in section.blocks)
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "".join(parts)


def chromium_path() -> str:
    """The system Chromium that prints the PDF (and that kaleido finds on the PATH)."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("Chromium is needed to make the PDF: install it with `apt-get install chromium`")
    return found


def print_pdf(document: str, footer: str) -> bytes:
    """Print DOCUMENT to a tagged A4 PDF with an outline, the marking in the header and footer of every page."""
    from playwright.sync_api import sync_playwright

    header = f'<div style="{_MARK} width: 100%; text-align: center;">{MARKING}</div>'
    lines = "<br>".join(html.escape(line) for line in footer.split("\n"))
    footer_html = (f'<div style="{_MARK} width: 100%; display: flex; justify-content: space-between; '
                   f'margin: 0 16mm; font-weight: normal;"><span>{lines}</span>'
                   f'<span style="font-weight: bold;">{MARKING}</span>'
                   '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(document, wait_until="load")
            return page.pdf(format="A4", tagged=True, outline=True, print_background=True,
                            display_header_footer=True, header_template=header, footer_template=footer_html,
                            margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
        finally:
            browser.close()


# -- PowerPoint -------------------------------------------------------------------------------

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches, 16:9
MARGIN = 0.5
BODY_TOP, BODY_BOTTOM = 1.25, 6.95
BODY_W = SLIDE_W - 2 * MARGIN
GAP = 0.12
TEXT_PT, TABLE_PT, NOTE_PT = 13, 11, 11
# Text beside a chart takes this much of the width; the chart the rest.
SIDE_TEXT_W = 4.3
# A chart beside text may take the slide's whole body height: drawn at its printed size, it is
# never shrunk (see size_figures).
FIGURE_MAX_H = BODY_BOTTOM - BODY_TOP
# A chart beside text is drawn this tall, so that a table of a few rows fits under it.
SIDE_FIGURE_MAX_H = 3.9
CAPTION_H = 0.32
# Rough text metrics for laying out slides: the average Arial character is about half its
# point size wide; a line is about 1.2 times its point size tall.
CHAR_IN = 0.5 / 72
LINE_IN = 1.2 / 72


def _text_lines(text: str, width_in: float, points: float) -> int:
    per_line = max(1, int(width_in / (CHAR_IN * points)))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _unit_height(block, width_in: float) -> float:
    """The height of one text block on a slide, in inches (a Bullets or Facts block of one item)."""
    if isinstance(block, Subheading):
        return _text_lines(block.text, width_in, TEXT_PT + 2) * LINE_IN * (TEXT_PT + 2) + 0.1
    if isinstance(block, Text):
        points = NOTE_PT if block.kind == "note" else TEXT_PT
        return _text_lines(block.text, width_in, points) * LINE_IN * points + 0.1
    if isinstance(block, Bullets):
        return sum(_text_lines("• " + i, width_in, TEXT_PT - 1) * LINE_IN * (TEXT_PT - 1) + 0.08 for i in block.items)
    if isinstance(block, Facts):
        return sum(_text_lines(f"{k}: {v}", width_in, TEXT_PT) * LINE_IN * TEXT_PT + 0.06 for k, v in block.items)
    raise TypeError(f"not text: {type(block).__name__}")


def _text_height(blocks: list, width_in: float) -> float:
    return sum(_unit_height(block, width_in) for block in blocks)


def _text_units(blocks: list) -> list:
    """Text blocks cut into units that can go on different slides: one bullet or fact each."""
    units = []
    for block in blocks:
        if isinstance(block, Bullets):
            units += [Bullets([item]) for item in block.items]
        elif isinstance(block, Facts):
            units += [Facts([item]) for item in block.items]
        else:
            units.append(block)
    return units


def _merge_units(units: list) -> list:
    """Consecutive one-item Bullets (or Facts) joined back into one block."""
    merged = []
    for unit in units:
        if merged and type(unit) is type(merged[-1]) and isinstance(unit, Bullets | Facts):
            merged[-1] = type(unit)([*merged[-1].items, *unit.items])
        else:
            merged.append(unit)
    return merged


# Cell padding left and right in a PowerPoint table, in inches; capitals and digits run wider
# than the average character, so table text is measured a little generously.
CELL_PAD = 0.22
TABLE_CHAR_IN = 1.1 * CHAR_IN * TABLE_PT


def _column_needs(frame: pd.DataFrame) -> tuple[list[float], list[float]]:
    """Each column's comfortable and least width in inches: its longest cell, and its longest word."""
    wants, mins = [], []
    for column in frame.columns:
        cells = [str(v) for v in frame[column]]
        header = str(column)
        words = [len(word) for text in [header, *cells] for word in text.split()] or [1]
        longest_word = max(words)
        want = max(min(len(header), max(longest_word, 12)), min(max(map(len, cells), default=0), 45), 3)
        wants.append(want * TABLE_CHAR_IN + CELL_PAD)
        mins.append(max(longest_word, 3) * TABLE_CHAR_IN + CELL_PAD)
    return wants, mins


def _table_width(frame: pd.DataFrame) -> float:
    """As wide as the content needs (with room to breathe), at most the slide's body."""
    wants, _ = _column_needs(frame)
    return min(BODY_W, 1.15 * sum(wants))


def _column_widths(frame: pd.DataFrame, total: float) -> list[float]:
    """Column widths filling TOTAL: comfortable widths scaled, or long columns squeezed towards their least."""
    wants, mins = _column_needs(frame)
    if sum(wants) <= total:
        return [w * total / sum(wants) for w in wants]
    slack = [w - m for w, m in zip(wants, mins)]
    excess = sum(wants) - total
    if sum(slack) >= excess:
        return [w - s * excess / sum(slack) for w, s in zip(wants, slack)]
    return [m * total / sum(mins) for m in mins]


def _row_height(values: list, widths: list[float]) -> float:
    lines = max(_text_lines(str(v), max(w - CELL_PAD, 0.2), TABLE_PT * 1.1) for v, w in zip(values, widths))
    return lines * LINE_IN * TABLE_PT + 0.1


def _figure_size(image: Image, width: float, height: float) -> tuple[float, float]:
    """IMAGE's size when fitted into WIDTH by HEIGHT inches, keeping its shape."""
    aspect = image.width / image.height
    return (height * aspect, height) if width / height > aspect else (width, width / aspect)


@dataclass
class Placed:
    """One thing on a slide: its kind ("text", "figure", "table"), what it shows and where (inches)."""

    kind: str
    content: object
    left: float
    top: float
    width: float
    height: float


@dataclass
class Slide:
    """A slide's title and what is placed on it."""

    title: str
    items: list[Placed] = field(default_factory=list)


class _SlideFlow:
    """Lays a section's blocks down slides from top to bottom, starting a continuation slide when one is full."""

    def __init__(self, title: str):
        self.title = title
        self.slides: list[Slide] = []
        self._new()

    def _new(self) -> None:
        self.slides.append(Slide(self.title + (" (continued)" if self.slides else "")))
        self.y = BODY_TOP

    @property
    def room(self) -> float:
        return BODY_BOTTOM - self.y

    def _empty(self) -> bool:
        return not self.slides[-1].items

    def _place(self, kind: str, content, left: float, width: float, height: float) -> None:
        self.slides[-1].items.append(Placed(kind, content, left, self.y, width, height))

    def text(self, blocks: list) -> None:
        pending, height = [], 0.0
        for unit in _text_units(blocks):
            need = _unit_height(unit, BODY_W)
            if pending and height + need > self.room:
                self._place("text", _merge_units(pending), MARGIN, BODY_W, height)
                self._new()
                pending, height = [], 0.0
            elif not pending and need > self.room and not self._empty():
                self._new()
            pending.append(unit)
            height += need
        if pending:
            self._place("text", _merge_units(pending), MARGIN, BODY_W, height)
            self.y += height + GAP

    def figures(self, figures: list[Figure], text: list, per_row: int = 1) -> None:
        """One chart with TEXT beside it, or up to PER_ROW charts side by side under TEXT."""
        if len(figures) == 1 and text:
            text_h = _text_height(text, SIDE_TEXT_W)
            fig_w, fig_h = _figure_size(figures[0].image, BODY_W - SIDE_TEXT_W - GAP, FIGURE_MAX_H)
            height = max(text_h, fig_h)
            if height > self.room and not self._empty():
                self._new()
            self._place("text", text, MARGIN, SIDE_TEXT_W, text_h)
            self._place("figure", figures[0].image, SLIDE_W - MARGIN - fig_w, fig_w, fig_h)
            self.y += height + GAP
            return
        if text:
            self.text(text)
        each = (BODY_W - GAP * (per_row - 1)) / per_row
        sizes = [_figure_size(f.image, each, BODY_BOTTOM - BODY_TOP) for f in figures]
        height = max(h for _, h in sizes)
        if height > self.room and not self._empty():
            self._new()
        if height > self.room:
            sizes = [_figure_size(f.image, each, self.room) for f in figures]
            height = max(h for _, h in sizes)
        start = MARGIN + (BODY_W - len(figures) * each - (len(figures) - 1) * GAP) / 2
        for i, (figure, (width, _)) in enumerate(zip(figures, sizes)):
            self._place("figure", figure.image, start + i * (each + GAP) + (each - width) / 2, width, height)
        self.y += height + GAP

    def table(self, table: Table) -> None:
        """TABLE under its caption, split over slides by rows only if it fills more than one; the note after it."""
        width = _table_width(table.frame)
        widths = _column_widths(table.frame, width)
        header = _row_height(list(table.frame.columns), widths)
        rows = [_row_height(list(v), widths) for v in table.frame.itertuples(index=False)]
        note_h = _unit_height(Text(table.note, "note"), BODY_W) if table.note else 0.0
        whole = CAPTION_H + header + sum(rows) + 2 * GAP + note_h
        if whole > self.room and whole <= BODY_BOTTOM - BODY_TOP and not self._empty():
            self._new()
        start, parts = 0, []
        while start < len(rows) or not parts:
            room = self.room - CAPTION_H - header
            fits, used = 0, 0.0
            while start + fits < len(rows) and used + rows[start + fits] <= room:
                used += rows[start + fits]
                fits += 1
            if fits == 0 and rows and not self._empty():
                self._new()
                continue
            if start + fits == len(rows) and used + 2 * GAP + note_h > room and fits > 1:
                fits -= 1  # the last row goes over with the note rather than the note alone
            fits = max(fits, 1) if rows else 0
            chunk = table.frame.iloc[start:start + fits]
            height = CAPTION_H + header + sum(rows[start:start + fits])
            parts.append(Placed("table", Table(chunk, table.caption), MARGIN, self.y, width, height))
            self.slides[-1].items.append(parts[-1])
            self.y += height + 2 * GAP  # PowerPoint may grow rows a little beyond the estimate
            start += fits
            if start < len(rows):
                self._new()
        if len(parts) > 1:
            for n, part in enumerate(parts, start=1):
                part.content.caption += f" ({n} of {len(parts)})"
        if table.note:
            self.text([Text(table.note, "note")])


def slide_layout(section: Section) -> list[Slide]:
    """Lay SECTION out as slides (pure: positions in inches, estimated from text length)."""
    flow = _SlideFlow(section.title)
    text: list = []
    for block in section.blocks:
        if isinstance(block, Text | Subheading | Bullets | Facts):
            text.append(block)
        elif isinstance(block, Figure):
            flow.figures([block], text)
            text = []
        elif isinstance(block, FigureRow):
            for i in range(0, len(block.figures), 2):
                flow.figures(block.figures[i:i + 2], text if i == 0 else [], per_row=2)
            text = []
        elif isinstance(block, Table):
            if text:
                flow.text(text)
                text = []
            flow.table(block)
    if text:
        flow.text(text)
    return [slide for slide in flow.slides if slide.items]


def _inches(value: float):
    from pptx.util import Inches

    return Inches(value)


def _write_text(frame, blocks: list) -> None:
    """Fill a text frame with BLOCKS: paragraphs, subheadings, bullets and facts."""
    from pptx.util import Pt

    frame.word_wrap = True
    first = True

    def paragraph():
        nonlocal first
        para = frame.paragraphs[0] if first else frame.add_paragraph()
        first = False
        para.space_after = Pt(4)
        return para

    def run(para, text, size, bold=False):
        item = para.add_run()
        item.text = text
        item.font.size = Pt(size)
        item.font.bold = bold
        item.font.name = "Arial"

    for block in blocks:
        if isinstance(block, Text):
            run(paragraph(), block.text, NOTE_PT if block.kind == "note" else TEXT_PT)
        elif isinstance(block, Subheading):
            run(paragraph(), block.text, TEXT_PT + 2, bold=True)
        elif isinstance(block, Bullets):
            for item in block.items:
                run(paragraph(), f"• {item}", TEXT_PT - 1)
        elif isinstance(block, Facts):
            for label, value in block.items:
                para = paragraph()
                run(para, f"{label}: ", TEXT_PT, bold=True)
                run(para, value, TEXT_PT)


def _add_marking(slide, footer: str, number: int) -> None:
    """The marking centred at the top and bottom of SLIDE, with the pack's name and the slide number."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    def box(left, top, width, text, align, bold, name):
        shape = slide.shapes.add_textbox(_inches(left), _inches(top), _inches(width), _inches(0.3))
        shape.name = name
        for index, line in enumerate(text.split("\n")):
            para = shape.text_frame.paragraphs[0] if index == 0 else shape.text_frame.add_paragraph()
            para.alignment = align
            item = para.add_run()
            item.text = line
            item.font.size = Pt(10)
            item.font.bold = bold or index > 0  # a second footer line is the illustrative warning
            item.font.name = "Arial"

    box(SLIDE_W / 2 - 1.5, 0.06, 3, MARKING, PP_ALIGN.CENTER, True, "Marking (header)")
    box(SLIDE_W / 2 - 1.5, SLIDE_H - 0.42, 3, MARKING, PP_ALIGN.CENTER, True, "Marking (footer)")
    box(MARGIN, SLIDE_H - 0.5 if "\n" in footer else SLIDE_H - 0.42, 4.6, footer, PP_ALIGN.LEFT, False, "Footer")
    box(SLIDE_W - MARGIN - 2, SLIDE_H - 0.42, 2, f"Slide {number}", PP_ALIGN.RIGHT, False, "Slide number")


def _add_picture(slide, item: Placed) -> None:
    """The chart image with its alt text as the picture's description."""
    image = item.content
    picture = slide.shapes.add_picture(io.BytesIO(image.png), _inches(item.left), _inches(item.top),
                                       _inches(item.width), _inches(item.height))
    picture.name = f"Chart {len(slide.shapes)}"
    picture._element.nvPicPr.cNvPr.set("descr", image.alt)  # noqa: SLF001 - python-pptx has no alt text API


def _add_table(slide, item: Placed) -> None:
    from pptx.util import Pt

    table = item.content
    caption = slide.shapes.add_textbox(_inches(item.left), _inches(item.top), _inches(item.width), _inches(CAPTION_H))
    _write_text(caption.text_frame, [Text(table.caption)])
    caption.text_frame.paragraphs[0].runs[0].font.bold = True
    caption.text_frame.paragraphs[0].runs[0].font.size = Pt(TABLE_PT + 1)
    widths = _column_widths(table.frame, item.width)
    caption.width = _inches(BODY_W)
    heights = [_row_height(list(table.frame.columns), widths)]
    heights += [_row_height(list(v), widths) for v in table.frame.itertuples(index=False)]
    shape = slide.shapes.add_table(len(heights), len(widths), _inches(item.left), _inches(item.top + CAPTION_H),
                                   _inches(item.width), _inches(sum(heights)))
    grid = shape.table
    for j, width in enumerate(widths):
        grid.columns[j].width = _inches(width)
    for i, height in enumerate(heights):
        grid.rows[i].height = _inches(height)
    rows = [list(map(str, table.frame.columns)), *[list(map(str, v)) for v in table.frame.itertuples(index=False)]]
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            cell = grid.cell(i, j)
            cell.text = value
            cell.margin_top = cell.margin_bottom = _inches(0.03)
            for para in cell.text_frame.paragraphs:
                if j and _numeric(value) and i:
                    from pptx.enum.text import PP_ALIGN

                    para.alignment = PP_ALIGN.RIGHT
                for run in para.runs:
                    run.font.size = Pt(TABLE_PT)
                    run.font.name = "Arial"
                    run.font.bold = i == 0


def _titled_slide(prs, title: str, footer: str):
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    slide = prs.slides.add_slide(prs.slide_layouts[5])  # Title Only: the title sits in a real title placeholder
    shape = slide.shapes.title
    shape.left, shape.top = _inches(MARGIN), _inches(0.4)
    shape.width, shape.height = _inches(BODY_W), _inches(0.75)
    shape.text = title
    para = shape.text_frame.paragraphs[0]
    para.alignment = PP_ALIGN.LEFT
    for item in para.runs:
        item.font.size = Pt(26)
        item.font.bold = True
        item.font.name = "Arial"
    _add_marking(slide, footer, len(prs.slides))
    return slide


def pptx_document(cover: Cover, sections: list[Section], footer: str, generated_at: dt.datetime | None) -> bytes:
    """A 16:9 PowerPoint deck: the cover, then each section's slides; titles in title placeholders,
    the marking at the top and bottom of every slide, alt text on every picture."""
    from pptx import Presentation
    from pptx.util import Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = _inches(SLIDE_W), _inches(SLIDE_H)
    properties = prs.core_properties
    properties.title = f"{cover.title}, {_lower_first(cover.subtitle)}"
    properties.language = "en-GB"
    properties.subject = "Delivery of the GSE Strategy"
    properties.author = properties.last_modified_by = "GSE Strategy Dashboard"
    if generated_at is not None:
        properties.created = properties.modified = generated_at.replace(tzinfo=None)

    slide = prs.slides.add_slide(prs.slide_layouts[0])
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = _inches(1), _inches(1.2), _inches(SLIDE_W - 2), _inches(1.3)
    title.text = cover.title
    for item in title.text_frame.paragraphs[0].runs:
        item.font.size, item.font.bold, item.font.name = Pt(40), True, "Arial"
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top = _inches(1), _inches(2.7)
    subtitle.width, subtitle.height = _inches(SLIDE_W - 2), _inches(3.9)
    _write_text(subtitle.text_frame, [Subheading(cover.subtitle), *[Text(line) for line in cover.lines],
                                      *([Text(cover.warning, "note")] if cover.warning else [])])
    _add_marking(slide, footer, 1)

    for section in sections:
        for planned in slide_layout(section):
            slide = _titled_slide(prs, planned.title, footer)
            for item in planned.items:
                if item.kind == "figure":
                    _add_picture(slide, item)
                elif item.kind == "table":
                    _add_table(slide, item)
                else:
                    box = slide.shapes.add_textbox(_inches(item.left), _inches(item.top), _inches(item.width),
                                                   _inches(item.height))
                    _write_text(box.text_frame, item.content)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# -- Word ---------------------------------------------------------------------------------------

def _docx_repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()  # noqa: SLF001 - python-docx has no "repeat header row" API
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


# The Word page's text width (A4 less 1.8 cm margins) and the tallest a chart may be.
DOCX_BODY_IN = (21 - 2 * 1.8) / 2.54
DOCX_CHART_MAX_H_IN = 4.6


def docx_document(cover: Cover, sections: list[Section], generated_at: dt.datetime | None, *,
                  figure_width: float = 1.0, footer_note: str = "") -> bytes:
    """A Word document: A4, the marking in header and footer, real Heading styles, charts FIGURE_WIDTH of
    the text width with their alt text."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    properties = document.core_properties
    properties.title = f"{cover.title}, {_lower_first(cover.subtitle)}"
    properties.subject = "Delivery of the GSE Strategy"
    properties.language = "en-GB"
    properties.author = properties.last_modified_by = "GSE Strategy Dashboard"
    if generated_at is not None:
        properties.created = properties.modified = generated_at.replace(tzinfo=None)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(11)
    normal.paragraph_format.space_after = Pt(3)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-GB")
    normal.element.get_or_add_rPr().append(language)
    for name, size in (("Heading 1", 16), ("Heading 2", 13)):
        style = document.styles[name]
        style.font.name, style.font.size = "Arial", Pt(size)
        style.font.color.rgb = RGBColor(0x12, 0x43, 0x6D)
        style.paragraph_format.space_before = Pt(8 if name == "Heading 2" else 0)
        style.paragraph_format.space_after = Pt(3)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.6)
    section.header_distance = section.footer_distance = Cm(0.7)
    for part in (section.header, section.footer):
        para = part.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(MARKING)
        run.bold = True
        run.font.size = Pt(10)
    if footer_note:  # under the marking at the foot of every page
        run = section.footer.paragraphs[0].add_run(f"\n{footer_note}")
        run.bold = True
        run.font.size = Pt(10)

    document.add_heading(cover.title, level=1)
    for line in cover.lines:
        document.add_paragraph(line)
    if cover.warning:
        para = document.add_paragraph()
        run = para.add_run(cover.warning)
        run.italic = True
        run.font.size = Pt(10)
    usable = section.page_width - section.left_margin - section.right_margin
    for part in sections:
        document.add_heading(part.title, level=2)
        for block in part.blocks:
            if isinstance(block, Text):
                para = document.add_paragraph(block.text)
                if block.kind == "note":
                    para.runs[0].font.size = Pt(10)
            elif isinstance(block, Bullets):
                for item in block.items:
                    document.add_paragraph(item, style="List Bullet").paragraph_format.space_after = Pt(2)
            elif isinstance(block, Facts):
                for label, value in block.items:
                    para = document.add_paragraph(style="List Bullet")
                    para.paragraph_format.space_after = Pt(1)
                    para.add_run(f"{label}: ").bold = True
                    para.add_run(value)
            elif isinstance(block, Figure):
                picture = document.add_picture(io.BytesIO(block.image.png), width=int(usable * figure_width))
                picture._inline.docPr.set("descr", block.image.alt)  # noqa: SLF001 - no alt text API in python-docx
                document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif isinstance(block, Table):
                document.add_paragraph(block.caption).runs[0].bold = True
                grid = document.add_table(rows=1, cols=len(block.frame.columns))
                grid.style = "Table Grid"
                grid.autofit = True
                for cell, name in zip(grid.rows[0].cells, block.frame.columns):
                    cell.text = str(name)
                    cell.paragraphs[0].runs[0].bold = True
                _docx_repeat_header(grid.rows[0])
                for values in block.frame.itertuples(index=False):
                    for cell, value in zip(grid.add_row().cells, values):
                        cell.text = str(value)
                wants = [min(max(len(str(name)) * 0.6, *(len(str(v)) for v in block.frame[name]), 6), 30)
                         for name in block.frame.columns]
                for column, want in zip(grid.columns, wants):
                    column.width = int(usable * want / sum(wants))
                for row in grid.rows:
                    for cell, want in zip(row.cells, wants):
                        cell.width = int(usable * want / sum(wants))
                        for para in cell.paragraphs:
                            para.paragraph_format.space_after = Pt(0)
                            for run in para.runs:
                                run.font.size = Pt(10)
                if block.note:
                    para = document.add_paragraph(block.note)
                    para.runs[0].font.size = Pt(10)
            else:
                raise TypeError(f"no Word layout for {type(block).__name__}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
