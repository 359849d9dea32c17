"""Downloads that carry their metadata: CSV with '#' lines, a GSS-form .xlsx (gptables) and .ods."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from gse_dashboard.charts import downloads
from gse_dashboard.charts.downloads import TableMeta
from gse_dashboard.storage import exports

FRAME = pd.DataFrame({"Grade": ["SCS", "Grade 6", "=HYPERLINK(\"x\")"], "GSE members": [12, "[c]", 1959],
                      "Share (%)": [10.5, None, 3.25]})
META = TableMeta(title="GSE members by grade", as_at="2019-10-16", filters="Department: Home Office",
                 source="Civil Service Statistics 2019", illustrative="the figures for 2019 (the illustrative history)",
                 suppression="[c]: fewer than 5 people, or hidden so a small number cannot be worked out.",
                 notes=("Some figures are provisional.",), description="GSE members, GSE profession, at 2019-03-31",
                 produced="2026-12-01")


def _cells(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True)]


def _text(rows) -> str:
    return " | ".join(str(v) for row in rows for v in row if v is not None)


def test_the_csv_starts_with_metadata_lines_that_say_how_to_skip_them():
    """The CSV's leading '#' lines carry the title, as-at, filters, source and notes; skiprows reads the table."""
    data = downloads.csv_bytes(FRAME, META)
    count = downloads.metadata_line_count(data)
    lines = data.decode("utf-8-sig").splitlines()
    head = "\n".join(lines[:count])
    for expected in ("GSE members by grade", "2019-10-16", "Department: Home Office", "Civil Service Statistics 2019",
                     "Illustrative", "[c]: fewer than 5", "Some figures are provisional"):
        assert expected in head
    assert all(line.lstrip('"').startswith("#") for line in lines[:count])
    table = pd.read_csv(io.BytesIO(data), skiprows=count, encoding="utf-8-sig")
    assert list(table.columns) == ["Grade", "GSE members", "Share (%)"]
    assert table["Grade"].tolist()[2].startswith("'=")
    assert table["GSE members"].tolist() == ["12", "[c]", "1959"]


def test_the_workbook_has_cover_contents_notes_and_one_marked_up_table_without_merged_cells():
    """The .xlsx follows the GSS form: Cover, Contents, Notes and Table_1 sheets, tables marked up, nothing merged."""
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(FRAME, META)))
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Table_1"]
    for sheet in book:
        assert not sheet.merged_cells.ranges
    cover = _text(_cells(book["Cover"]))
    for expected in ("GSE members by grade", "As at: 2019-10-16", "Filters: Department: Home Office",
                     "Source: Civil Service Statistics 2019",
                     "Illustrative: the figures for 2019 (the illustrative history) (made up", "Suppression: [c]"):
        assert expected in cover
    table = book["Table_1"]
    assert len(table.tables) == 1
    ref = next(iter(table.tables.values())).ref
    rows = _cells(table)
    header_row = next(i for i, row in enumerate(rows) if row[:3] == ("Grade", "GSE members", "Share (%)"))
    assert ref.startswith(f"A{header_row + 1}:C")
    body = rows[header_row + 1:header_row + 4]
    assert body[0] == ("SCS", 12, 10.5)
    assert body[1] == ("Grade 6", "[c]", "[x]")
    assert body[2][0].startswith("'=")
    assert body[2][1] == 1959
    assert "[note 1]" in rows[0][0]
    notes = _text(_cells(book["Notes"]))
    assert "as known at the as-at date" in notes and "[x]: not available" in notes and "provisional" in notes


def test_the_workbook_never_holds_a_formula():
    """Text that looks like a formula is stored as text in the workbook, never as a formula."""
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(FRAME, META)))
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_the_ods_has_the_same_sheets_and_says_what_it_is():
    """The .ods has Cover, Contents, Notes and Table_1 with the metadata and the table's values."""
    sheets = pd.read_excel(io.BytesIO(downloads.ods_bytes(FRAME, META)), engine="odf", sheet_name=None,
                           header=None)
    assert list(sheets) == ["Cover", "Contents", "Notes", "Table_1"]
    cover = " | ".join(sheets["Cover"].astype(str).stack())
    assert "GSE members by grade" in cover and "As at: 2019-10-16" in cover and "Illustrative" in cover
    table = sheets["Table_1"]
    header = table.index[table[0] == "Grade"][0]
    assert table.iloc[header + 1].tolist() == ["SCS", 12, 10.5]
    assert table.iloc[header + 3, 0].startswith("'=")


def test_an_empty_result_or_odd_headers_still_make_a_valid_workbook():
    """A table with no rows, or two columns of one name, is written without error and says so."""
    odd = pd.DataFrame([[1, 2]], columns=["n", "n"])
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(odd, TableMeta(title="Query"))))
    assert ("n", "n (2)") in _cells(book["Table_1"])
    empty = pd.DataFrame({"a": pd.Series(dtype=object)})
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(empty, TableMeta(title="Nothing"))))
    assert ("[x]",) in _cells(book["Table_1"])
    assert downloads.ods_bytes(empty, TableMeta(title="Nothing"))[:2] == b"PK"


MARKUP = "[Read the guidance](https://phish.example/login)"
SHARE = "[Board paper](file:///server/share/paper.docx)"
PUNCTUATION = ["-", "?", "…", "--", "(!)"]


def test_spreadsheet_text_is_written_as_given_never_as_a_link():
    """A `[words](address)` commentary stays that text in every sheet of the .xlsx: no hyperlink, nothing hidden.

    The attack: gptables read Markdown links in any text, so a commentary became a disguised
    phishing or file-share link in a viewer's download.
    """
    frame = pd.DataFrame({"Commentary": [MARKUP, SHARE], "Value": [1, 2]})
    meta = TableMeta(title=f"Query {MARKUP}", description=SHARE, filters=MARKUP, source=SHARE, notes=(MARKUP,))
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(frame, meta)))
    links = [(sheet.title, cell.hyperlink) for sheet in book for row in sheet.iter_rows() for cell in row
             if cell.hyperlink is not None]
    # Only the contents sheet's own link to the table, inside the workbook.
    assert [(title, link.target, link.location) for title, link in links] == [("Contents", None, "'Table_1'!A1")]
    table = _cells(book["Table_1"])
    assert (MARKUP, 1) in table and (SHARE, 2) in table
    assert table[0][0].startswith(f"Query {MARKUP}")
    assert f"Source: {SHARE}" in _text(table) and f"Filters: {MARKUP}" in _text(table)
    assert MARKUP in _text(_cells(book["Notes"])) and SHARE in _text(_cells(book["Cover"]))
    export = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes(frame))).active
    assert _cells(export) == [("Commentary", "Value"), (MARKUP, 1), (SHARE, 2)]
    assert all(cell.hyperlink is None for row in export.iter_rows() for cell in row)


def test_cells_of_only_punctuation_still_make_a_workbook():
    """Cells of only `-`, `?`, `…` or other punctuation are written as they are; the download never fails.

    The attack: gptables refused such a cell, so one comment of "-" made the Excel button give
    nothing, for every reader of that table.
    """
    frame = pd.DataFrame({"Comment": PUNCTUATION, "n": range(len(PUNCTUATION))})
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(frame, TableMeta(title="Comments"))))
    written = [row[0] for row in _cells(book["Table_1"]) if isinstance(row[1], int)]
    assert written == ["'-", "?", "…", "'--", "(!)"]  # a leading minus is neutralised as a formula start
    assert downloads.ods_bytes(frame, TableMeta(title="Comments"))[:2] == b"PK"
    export = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes(frame))).active
    assert [row[0] for row in _cells(export)[1:]] == written


REAL = TableMeta(title="Civil servants in Science and Engineering posts by grade", as_at="2022-09-30",
                 source="Cabinet Office, Civil Service Statistics", produced="2026-12-01")


def test_a_download_of_real_statistics_never_says_illustrative_in_any_format():
    """A table of real figures says nothing about being illustrative: not in the CSV, the .xlsx or the .ods."""
    frame = pd.DataFrame({"Grade": ["SCS", "G6/G7"], "Headcount": [130, 2400]})
    csv_text = downloads.csv_bytes(frame, REAL).decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(frame, REAL)))
    xlsx_text = " ".join(_text(_cells(sheet)) for sheet in book.worksheets)
    sheets = pd.read_excel(io.BytesIO(downloads.ods_bytes(frame, REAL)), engine="odf", sheet_name=None, header=None)
    ods_text = " ".join(" ".join(map(str, sheet.astype(str).stack().tolist())) for sheet in sheets.values())
    for text in (csv_text, xlsx_text, ods_text):
        assert "illustrative" not in text.lower() and "do not quote" not in text.lower()


def test_a_download_with_made_up_figures_says_which_in_its_metadata():
    """The metadata line of a table with illustrative figures names which figures they are, in every format."""
    csv_text = downloads.csv_bytes(FRAME, META).decode("utf-8-sig")
    assert "# Illustrative: the figures for 2019 (the illustrative history)" in csv_text
    notes = _text(_cells(openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(FRAME, META)))["Notes"]))
    assert "Illustrative: the figures for 2019" in notes
