"""PowerPoint: the blocks laid out on 16:9 slides, flowing onto more slides when they do not fit."""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field

import pandas as pd

from ..rules import text_rules
from .blocks import (
    MARKING,
    Bullets,
    Cover,
    Facts,
    Figure,
    FigureRow,
    Image,
    Section,
    Subheading,
    Table,
    Text,
    is_numeric,
    lower_first,
)

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
SIDE_FIGURE_MAX_H = 3.5
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
                if j and is_numeric(value) and i:
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

    cover, sections, footer = text_rules.clean_for_xml((cover, sections, footer))  # text stored before the rules

    prs = Presentation()
    prs.slide_width, prs.slide_height = _inches(SLIDE_W), _inches(SLIDE_H)
    properties = prs.core_properties
    properties.title = f"{cover.title}, {lower_first(cover.subtitle)}"
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
