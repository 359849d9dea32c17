"""Reader limits on every import format, applied before parsing (issue 28, item 7): columns, rows × columns, cells."""

from __future__ import annotations

import io

import openpyxl
import pytest

from gse_dashboard import importers as im
from gse_dashboard.importers.formats import MAX_CELLS, MAX_COLUMNS
from gse_dashboard.people import official_statistics


def _far_column_workbook(rows: int) -> bytes:
    """An .xlsx of ROWS rows, each with a value in column A and one cell at column XFD (the last there is)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indicator", "period", "population", "value"])
    for row in range(2, rows + 2):
        sheet.cell(row=row, column=1, value="members")
        sheet.cell(row=row, column=16_384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_with_a_cell_at_column_xfd_is_refused_before_openpyxl_reads_it(monkeypatch):
    """A 100 KB workbook with one cell at column XFD per row is refused by its column, naming it, unparsed.

    The attack: the 1,000-column limit was applied to CSV only; openpyxl padded each row to
    16,384 cells (56 s, 2.7 GB) and the file was accepted.
    """
    data = _far_column_workbook(3_000)
    assert len(data) < 150_000

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was asked to read a workbook past the limits")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(im.ImportFileError, match=r"^far\.xlsx: the sheet has a cell in column XFD \(column 16,384\); "
                                                 rf"an import has at most {MAX_COLUMNS:,} columns"):
        im.read_upload(data, "far.xlsx")


def test_an_xlsx_within_the_limits_still_reads():
    """A workbook with its cells within the columns limit reads as before (the scan refuses only the wide)."""
    book = openpyxl.Workbook()
    book.active.append(["indicator", "period", "population", "value"])
    book.active.append(["members", "2019-03-31", "GSE", 12])
    book.active.cell(row=2, column=MAX_COLUMNS, value="")
    buffer = io.BytesIO()
    book.save(buffer)
    frame = im.read_upload(buffer.getvalue(), "fine.xlsx")
    assert frame.loc[2, "value"] == "12" and list(frame.columns) == ["indicator", "period", "population", "value"]


def test_a_csv_with_a_1000_column_header_over_short_rows_is_refused_by_its_cells():
    """A 1,000-column header over a megabyte of one-value rows is refused by rows × columns, not padded out.

    The attack: a 1.4 MB CSV with a 1,000-column header took 97 s and 4.7 GB, each short row
    padded to the header's width.
    """
    data = ",".join(f"c{i}" for i in range(1_000)).encode() + b"\n" + b"x\n" * 700_000
    with pytest.raises(im.ImportFileError, match=rf"^bomb\.csv: the file has more than {MAX_CELLS:,} cells "
                                                 r"\(rows × columns, 1,000 columns\)"):
        im.read_upload(data, "bomb.csv")


def test_a_civil_service_statistics_file_wider_than_any_table_is_refused_in_one_line():
    """A data-browser CSV with a 1,000-column header, or rows past the cells limit, is one problem, unparsed.

    The attack: the Civil Service Statistics reader had no column or cell limit at all.
    """
    dimensions = ",".join(f"Dimension_{i}" for i in range(994))
    header = f"Status,Year,{dimensions},Headcount,FTE,Mean_salary,Median_salary"
    table, problems = official_statistics.read_table((header + "\n" + "x\n" * 50_000).encode(), "wide.csv")
    assert table is None and len(problems) == 1
    assert problems[0].message.startswith("has 1,000 columns; a data-browser table has at most")
    sixty = ",".join(["1"] * 60)
    narrow = f"Status,Year,{sixty}\n" + f"In post,2019,{sixty}\n" * 70_000
    table, problems = official_statistics.read_table(narrow.encode(), "long.csv")
    assert table is None and len(problems) == 1 and "cells" in problems[0].message
