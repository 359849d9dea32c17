"""Documents from sections of blocks: chart images, and writers for PDF, PowerPoint and Word.

A document is a cover and a list of sections, each a list of blocks (text, facts, tables,
charts). This package knows nothing of the strategy: pack.py decides what goes in, and each
writer here lays the same blocks out for its format, with the security marking on every page,
real headings, and alt text on every image. Charts are drawn to PNG by kaleido with the system
Chromium; the PDF is HTML printed by headless Chromium through Playwright.

`blocks` (the content), `images` (drawing the charts), `pdf`, `powerpoint`, `word`.
"""

from __future__ import annotations

from .blocks import (
    CHART_SCALE,
    CHART_WIDTH,
    MARKING,
    PX_PER_INCH,
    Bullets,
    Cover,
    Facts,
    Figure,
    FigureRow,
    Image,
    Progress,
    Section,
    Subheading,
    Table,
    Text,
)
from .images import draw, figures_of, size_figures
from .pdf import ChromiumMissing, chromium_path, html_document, print_pdf
from .powerpoint import pptx_document, slide_layout
from .word import docx_document

__all__ = [
    "Bullets", "CHART_SCALE", "CHART_WIDTH", "ChromiumMissing", "Cover", "Facts", "Figure", "FigureRow", "Image",
    "MARKING", "PX_PER_INCH", "Progress", "Section", "Subheading", "Table", "Text", "chromium_path", "docx_document",
    "draw", "figures_of", "html_document", "pptx_document", "print_pdf", "size_figures", "slide_layout",
]
