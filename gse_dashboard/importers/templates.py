"""An empty file to fill in for each kind: the header and one example row (CSV or Excel)."""

from __future__ import annotations

import csv
import io

from .formats import kind_of
from .reading import column_letter

# -- templates --------------------------------------------------------------------------------


def template_bytes(kind: str, fmt: str, commitments: list[tuple[str, str]] | None = None) -> bytes:
    """A file to fill in for KIND: the header and one example row, as "csv" or "xlsx".

    The workbook holds values only (no formulas, macros or links) and a second sheet that
    says what each column holds; imports read the first sheet only. Given COMMITMENTS (ref,
    summary), a workbook of a kind with a ref column also lists every commitment on a third
    sheet, and its ref column offers them as a drop-down list.
    """
    spec = kind_of(kind)
    header = [c.name for c in spec.columns]
    example = [c.example for c in spec.columns]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerow(example)
        # With a byte-order mark, so Excel opens accented text correctly.
        return buffer.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}: use csv or xlsx")
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = spec.name
    sheet.append(header)
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        # Kept as text so Excel does not turn dates or codes into something else.
        cell.data_type = "s"
        cell.number_format = "@"
    for index, column in enumerate(spec.columns):
        sheet.column_dimensions[column_letter(index)].width = max(14, len(column.name) + 4)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("columns")
    notes.append(["column", "required", "what it holds"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        notes.append([column.name, "yes" if column.required else "no", column.help])
    notes.column_dimensions["C"].width = 100
    if commitments and kind == "progress":
        _commitments_sheet(workbook, sheet, header.index("ref"), commitments)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _commitments_sheet(workbook, sheet, column: int, commitments: list[tuple[str, str]]) -> None:
    """Every commitment (ref and our summary) on a sheet of its own, offered as a list in SHEET's COLUMN."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    listed = workbook.create_sheet("commitments")
    listed.append(["ref", "commitment (our summary)"])
    for cell in listed[1]:
        cell.font = Font(bold=True)
    for ref, summary in commitments:
        listed.append([ref, summary])
    listed.column_dimensions["A"].width = 12
    listed.column_dimensions["B"].width = 100
    letter = column_letter(column)
    choice = DataValidation(type="list", formula1=f"commitments!$A$2:$A${len(commitments) + 1}", allow_blank=True,
                            showErrorMessage=True, errorTitle="Not a commitment",
                            error="Choose a commitment reference from the list (see the commitments sheet).")
    choice.add(f"{letter}2:{letter}5000")
    sheet.add_data_validation(choice)
