"""Word: the blocks as a .docx with real headings, repeated table headers and alt text on images."""

from __future__ import annotations

import datetime as dt
import io

from ..rules import text_rules
from .blocks import MARKING, Bullets, Cover, Facts, Figure, Section, Table, Text, lower_first

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

    cover, sections, footer_note = text_rules.clean_for_xml((cover, sections, footer_note))  # stored before the rules
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    properties = document.core_properties
    properties.title = f"{cover.title}, {lower_first(cover.subtitle)}"
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
