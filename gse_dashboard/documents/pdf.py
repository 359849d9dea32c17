"""PDF: the blocks as HTML, printed by headless Chromium through Playwright, marked on every page."""

from __future__ import annotations

import base64
import html
import os
import shutil
from pathlib import Path

from ..config import load_settings
from .blocks import (
    FONT_STACK,
    MARKING,
    Bullets,
    Cover,
    Facts,
    Figure,
    FigureRow,
    Section,
    Subheading,
    Table,
    Text,
    is_numeric,
    lower_first,
)

# The PDF's text column: A4 less 16 mm margins either side, 178 mm.
PDF_BODY_IN = 178 / 25.4
# The tallest a chart may be in the PDF: most of the page's text height (A4 less margins is 10.3 in).
PDF_CHART_MAX_H_IN = 8.0
# Charts meant to be read together are drawn so that two share a page.
PDF_PAIR_MAX_H_IN = 4.6


CHROMIUM = "/usr/bin/chromium"
NEEDS_CHROMIUM = "The Board pack and the brief need Chromium to draw their charts and print the PDF"
# Every headless Chromium the documents start, kaleido's that draws the charts (images.py) and the
# one printing the PDF: no sandbox (containers), no GPU, and no network at all: the charts and the
# document are set as content, so no name needs looking up; every host resolves to nothing (even a
# proxy's: nothing it is asked for reaches one), and the background services that call Google (safe
# browsing, component and variations updates, domain reliability, translate, time queries, metrics)
# are off. Whatever its flags, Chromium still asks for the profile's Google accounts, an on-demand
# component and its default search engine (seen through a recording proxy with the rule left out); the
# resolver rule is what keeps those on the machine.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--no-pings",
                 "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                 "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
                 "--dns-prefetch-disable", "--host-resolver-rules=MAP * ~NOTFOUND",
                 "--disable-features=OptimizationHints,MediaRouter,Translate,NetworkTimeServiceQuerying,"
                 "AutofillServerCommunication,CertificateTransparencyComponentUpdater"]


# -- PDF: HTML printed by headless Chromium ------------------------------------------------------

PDF_CSS = f"""
@page {{ size: A4; }}
html {{ font-family: {FONT_STACK}; font-size: 11pt; color: #0B0C0C; overflow-wrap: anywhere; }}
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
caption, thead {{ break-after: avoid; }}
/* Keep-with-next: a table's caption, head and first two rows stay together, as do its last three rows and
   the note under it, so no heading is stranded at the foot of a page and no page carries one row. */
tbody tr:nth-child(-n+2), tbody tr:nth-last-child(-n+2) {{ break-before: avoid; }}
table.short {{ break-inside: avoid; }}
table + p.note {{ break-before: avoid; }}
td.num {{ text-align: right; white-space: nowrap; }}
.figure {{ margin: 2mm 0 3mm; break-inside: avoid; }}
.figure img {{ width: 100%; display: block; margin: 0 auto; }}
.nw {{ white-space: nowrap; }}
ul {{ margin: 0 0 3mm; padding-left: 6mm; }}
li {{ margin-bottom: 1.2mm; line-height: 1.35; }}
ul.contents {{ list-style: none; padding-left: 0; line-height: 1.5; columns: 2; }}
"""

_MARK = f"font-family: {FONT_STACK}; font-size: 9pt; font-weight: bold; letter-spacing: 0.5pt;"


# Cells this short (a reference, a status) read badly when broken over two lines; longer ones wrap
# so that no table is wider than the page (Chromium would shrink every page to fit it).
NOWRAP_CHARS = 12


# A table this short is never split over two pages.
SHORT_TABLE_ROWS = 6


def _cell_class(text: str) -> str:
    return ' class="num"' if is_numeric(text) else ' class="nw"' if len(text) <= NOWRAP_CHARS else ""


def _html_table(table: Table) -> str:
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(str(c))}</th>' for c in table.frame.columns)
    rows = []
    for values in table.frame.itertuples(index=False):
        cells = [f'<th scope="row"{_cell_class(str(values[0]))}>{esc(str(values[0]))}</th>']
        cells += [f"<td{_cell_class(v)}>{esc(v)}</td>" for v in map(str, values[1:])]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    note = f'<p class="note">{esc(table.note)}</p>' if table.note else ""
    short = ' class="short"' if len(rows) <= SHORT_TABLE_ROWS else ""
    return (f"<table{short}><caption>{esc(table.caption)}</caption><thead><tr>{head}</tr></thead>"
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
        f"<title>{esc(cover.title)}, {esc(lower_first(cover.subtitle))}</title><style>{PDF_CSS}</style></head><body>",
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


class ChromiumMissing(RuntimeError):
    """No Chromium where the documents look for one, so no chart can be drawn and no PDF printed."""


def chromium_path() -> str:
    """The Chromium that draws the charts (kaleido) and prints the PDF (Playwright).

    GSE_CHROMIUM if set, else /usr/bin/chromium, else chromium (or chromium-browser) on the
    PATH; ChromiumMissing, with what to do, if there is none.
    """
    chosen = load_settings().chromium
    if chosen:
        if Path(chosen).is_file() and os.access(chosen, os.X_OK):
            return chosen
        raise ChromiumMissing(f"{NEEDS_CHROMIUM}, and GSE_CHROMIUM names no program ({chosen}): install "
                              "Chromium (`apt-get install chromium`) and set GSE_CHROMIUM to its path, or unset it")
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise ChromiumMissing(f"{NEEDS_CHROMIUM}, and none is installed ({CHROMIUM}, or chromium on the PATH): "
                              "install it with `apt-get install chromium`")
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
