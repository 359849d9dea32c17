"""The content of a document, independent of format: a cover and sections of blocks (text, facts,
tables, figures). Nothing here knows the strategy or any file format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ..charts.style import Chart
from ..people import disclosure

# The Government Security Classification of everything the documents hold; on every page.
MARKING = "OFFICIAL"
# Chart images are drawn at the size they print, 96 CSS pixels to the inch, so a chart's text
# prints at 0.75 pt per pixel (its smallest, 12 px, at 9 pt); three device pixels to each CSS
# pixel keep them sharp. CHART_WIDTH is the default; each writer sets its own (size_figures).
PX_PER_INCH = 96
CHART_WIDTH = 1000
CHART_SCALE = 3


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


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def is_numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").replace("−", "-").replace(" [r]", "").replace(" †", "")
    try:
        float(stripped)
    except ValueError:
        return text in (disclosure.CONFIDENTIAL, disclosure.NOT_AVAILABLE, disclosure.NOT_APPLICABLE)
    return True

