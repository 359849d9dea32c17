"""File imports: real CSV and Excel files, a real SQLite file, every bad input, preview, apply, undo."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from gse_dashboard import cli
from gse_dashboard import importers as im
from gse_dashboard.rules import auth
from gse_dashboard.storage import queries, store

# The editor every test imports as (the package refuses imports from anyone else).
EDITOR = auth.command_line_user("Ada Analyst")

ROOT = Path(__file__).resolve().parent.parent
PROGRESS = ["ref", "as_of", "status", "rating", "percent_complete", "commentary"]
OBSERVATIONS = ["indicator", "period", "population", "department", "grade", "role_type", "value",
                "numerator", "denominator", "source"]
TODAY = dt.date.today().isoformat()
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()
# Tables whose content an import or undo may change, compared whole to prove "nothing written".
TABLES = ("meta", "progress_updates", "observations", "targets", "board_meetings", "audit_log",
          "import_batches", "commitment_changes")


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8", separator: str = ",") -> Path:
    """Write ROWS as a CSV file in ENCODING with SEPARATOR, the way a spreadsheet saves one."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    """Write ROWS to the first sheet of a real .xlsx workbook."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def fingerprint(path: Path) -> str:
    """A hash of every row of every table an import could touch, to prove nothing changed."""
    database = store.connect(path, readonly=True)
    digest = hashlib.sha256()
    for table in TABLES:
        for row in database.conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            digest.update(repr(row).encode())
    database.close()
    return digest.hexdigest()


def counts(path: Path) -> tuple:
    """The revision and each table's row count: a quick check that nothing was written."""
    database = store.connect(path, readonly=True)
    found = (store.revision(database),
             *(database.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES))
    database.close()
    return found


def data_rows(path: Path, table: str) -> list[tuple]:
    """Every row of TABLE in id order."""
    database = store.connect(path, readonly=True)
    rows = database.conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    database.close()
    return rows


def check(db_path: Path, kind: str, file: Path, **kwargs) -> im.Validation:
    """Read FILE and validate it as KIND against the database at DB_PATH."""
    database = store.connect(db_path, readonly=True)
    try:
        return im.validate(database, kind, im.read_path(file), **kwargs)
    finally:
        database.close()


def do_import(db_path: Path, kind: str, file: Path, user: auth.User | None = None, **kwargs) -> im.ImportResult:
    """Validate FILE and apply it, failing the test if it has problems."""
    validation = check(db_path, kind, file, **kwargs)
    assert validation.ok, validation.problem_lines()
    return im.apply_import(db_path, kind, validation, user=user or EDITOR)


def status_of(db_path: Path, ref: str, as_at: str) -> dict:
    """The commitment_status row of REF as known at AS_AT."""
    database = store.connect(db_path, readonly=True)
    frame = queries.commitment_status(database.conn, as_at)
    database.close()
    return frame.set_index("ref").loc[ref].to_dict()


def latest_update(db_path: Path, ref: str) -> tuple[str, str]:
    """The as_of date and rating of REF's newest current update in the database."""
    database = store.connect(db_path, readonly=True)
    row = database.conn.execute("SELECT as_of, rating FROM progress_updates WHERE ref = ? AND superseded_at "
                                "IS NULL ORDER BY as_of DESC LIMIT 1", [ref]).fetchone()
    database.close()
    return row


def only_problem(validation: im.Validation) -> im.Problem:
    """The single problem VALIDATION found."""
    assert validation.problem_count == 1, validation.problem_lines()
    return validation.problems[0]


# -- good files --------------------------------------------------------------------------------


def test_reading_and_checking_leave_the_cycle_collector_as_they_found_it(db_copy, tmp_path):
    """The importer pauses Python's cycle collector for speed; it is on again after a good file and a bad one."""
    import gc

    assert gc.isenabled()
    file = write_csv(tmp_path / "updates.csv", [PROGRESS, ["WS1-S1", TODAY, "complete", "Green", "100", "Done."]])
    frame = im.read_path(file)
    assert gc.isenabled()
    database = store.connect(db_copy)
    assert im.validate(database, "progress", frame).ok and gc.isenabled()
    database.close()
    with pytest.raises(im.ImportFileError):
        im.read_upload(b"ref,as_of\n", "header-only.csv")
    assert gc.isenabled()
    gc.disable()
    try:
        im.read_path(file)
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()



def test_good_progress_file_adds_rows_that_show_as_at_today(db_copy, tmp_path):
    """A valid progress file adds its updates, audited in one batch, and the dashboard shows them today."""
    file = write_csv(tmp_path / "updates.csv", [
        PROGRESS + ["evidence_url"],
        ["ws4-s3", TODAY, "In Progress", "amber/green", "55", "Course piloted.", "https://example.org/a"],
        ["WS1-S1", TODAY, "complete", "GREEN", "100", "Done.", ""],
    ])
    result = do_import(db_copy, "progress", file)
    assert (result.added, result.changed, result.unchanged) == (2, 0, 0)
    assert result.batch_id is not None and result.backup.exists()
    shown = status_of(db_copy, "WS4-S3", TODAY)
    assert (shown["status"], shown["rating"], shown["percent_complete"]) == ("in progress", "Amber/Green", 55)
    assert shown["updated_by"] == "Ada Analyst" and shown["evidence_url"] == "https://example.org/a"
    assert status_of(db_copy, "WS1-S1", TODAY)["status"] == "complete"
    audit = [row for row in data_rows(db_copy, "audit_log") if row[7] == result.batch_id]
    assert sorted(row[3] for row in audit) == ["add", "add", "import"]
    assert {row[2] for row in audit} == {"Ada Analyst"}
    assert "WS4-S3 / " + TODAY in {row[5] for row in audit}


def test_excel_file_with_real_dates_and_percent_cells_imports(db_copy, tmp_path):
    """An .xlsx with date cells and a 40%-formatted cell reads as 2024-… dates and 40 percent."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Ref", " As of ", "STATUS", "Rating", "Percent complete", "Commentary"])
    sheet.append(["WS2-S1", dt.date(2026, 10, 31), "in progress", "Red", 0.4, "Stalled."])
    sheet["E2"].number_format = "0%"
    workbook.save(tmp_path / "updates.xlsx")
    validation = check(db_copy, "progress", tmp_path / "updates.xlsx")
    assert validation.ok, validation.problem_lines()
    assert validation.records == [("WS2-S1", "2026-10-31", "in progress", "Red", None, 40.0, "Stalled.", None)]


def test_observations_import_with_default_source_and_breakdowns(db_copy, tmp_path):
    """Observation rows take blank breakdowns as All and a caller's default source, and are stored so."""
    file = write_csv(tmp_path / "obs.csv", [
        ["indicator", "period", "population", "grade", "value", "numerator", "denominator", "declaration_rate"],
        ["members", "2031-03-31", "GSE", "", "12001", "", "", ""],
        ["women", "2031-03-31", "gse", "SCS", "25.0", "50", "200", "87.5"],
    ])
    result = do_import(db_copy, "observations", file, default_source="HR extract, March 2031")
    assert result.added == 2
    database = store.connect(db_copy, readonly=True)
    rows = database.conn.execute("SELECT indicator, population, department, grade, role_type, value, numerator, "
                                 "source FROM observations WHERE period = '2031-03-31' ORDER BY indicator").fetchall()
    database.close()
    assert rows == [("members", "GSE", "All", "All", "All", 12001.0, None, "HR extract, March 2031"),
                    ("women", "GSE", "All", "SCS", "All", 25.0, 50, "HR extract, March 2031")]


def test_targets_and_meetings_import(db_copy, tmp_path):
    """Targets default to the GSE population and the file's name as source; meetings need a date and title."""
    targets = write_csv(tmp_path / "targets.csv", [["indicator", "period", "value"],
                                                   ["champions", "2030-03-31", "700"]])
    meetings = write_csv(tmp_path / "meetings.csv", [["date", "title"], ["2030-01-15", "GSE Profession Board"]])
    assert do_import(db_copy, "targets", targets).added == 1
    assert do_import(db_copy, "meetings", meetings).added == 1
    database = store.connect(db_copy, readonly=True)
    assert database.conn.execute("SELECT population, value, source FROM targets WHERE period = '2030-03-31'"
                                 ).fetchall() == [("GSE", 700.0, "Imported from targets.csv")]
    assert database.conn.execute("SELECT title FROM board_meetings WHERE date = '2030-01-15'").fetchall() == [
        ("GSE Profession Board",)]
    database.close()


def test_text_is_stored_exactly_as_text(db_copy, tmp_path):
    """Markup, links and formula-like text in commentary are stored verbatim, never interpreted."""
    text = '<script>alert("x")</script> [link](javascript:alert(1)) =HYPERLINK("http://evil")'
    file = write_csv(tmp_path / "updates.csv", [PROGRESS, ["WS3-S1", TODAY, "in progress", "Amber", "10", text]])
    do_import(db_copy, "progress", file)
    assert status_of(db_copy, "WS3-S1", TODAY)["commentary"] == text


# -- encodings and separators -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252"])
def test_utf8_with_or_without_bom_and_windows_1252_are_read(db_copy, tmp_path, encoding):
    """UTF-8 with and without a byte-order mark and Windows-1252 all give the same accented text."""
    text = "Café budget agreed: £5,000 for the pilot."
    file = write_csv(tmp_path / "updates.csv", [PROGRESS, ["WS4-S3", TODAY, "in progress", "Amber", "20", text]],
                     encoding=encoding)
    frame = im.read_path(file)
    assert list(frame.columns) == PROGRESS  # no BOM left on the first header
    do_import(db_copy, "progress", file)
    assert status_of(db_copy, "WS4-S3", TODAY)["commentary"] == text


def test_semicolon_file_from_european_excel_is_read_with_decimal_commas(db_copy, tmp_path):
    """A semicolon-separated file is detected, and its decimal commas read as decimals."""
    file = write_csv(tmp_path / "updates.csv", [PROGRESS, ["WS4-S3", TODAY, "in progress", "Amber", "45,5",
                                                           "Half done, roughly"]], separator=";")
    frame = im.read_path(file)
    assert frame.attrs["separator"] == "semicolon"
    validation = check(db_copy, "progress", file)
    assert validation.ok and validation.records[0][5] == 45.5 and validation.records[0][6] == "Half done, roughly"


def test_excel_unicode_text_with_tabs_is_read():
    """Excel's "Unicode text" (UTF-16 with tabs) reads like any CSV."""
    data = "ref\tas_of\r\nWS4-S3\t2025-06-30\r\n".encode("utf-16")
    frame = im.read_upload(data, "unicode.txt")
    assert frame.attrs["separator"] == "tab" and frame.loc[2].tolist() == ["WS4-S3", "2025-06-30"]


def test_european_thousands_dot_is_refused_not_misread(db_copy, tmp_path):
    """In a semicolon file, 10.000 could mean ten thousand, so it is refused rather than read as 10."""
    file = write_csv(tmp_path / "obs.csv", [OBSERVATIONS, ["members", "2031-03-31", "GSE", "", "", "", "10.000", "",
                                                           "", "HR"]], separator=";")
    problem = only_problem(check(db_copy, "observations", file))
    assert problem.column == "value" and "ambiguous" in problem.message


# -- bad rows: reported by row and column, nothing written -------------------------------------

GOOD_PROGRESS = ["WS4-S3", "2025-06-30", "in progress", "Amber", "50", "Fine."]


@pytest.mark.parametrize(("column", "value", "message"), [
    ("ref", "WS4-S99", "'WS4-S99' is not a commitment reference"),
    ("as_of", "2025-02-30", "'2025-02-30' is not a real date"),
    ("as_of", "30/06/2025", "write 2025-06-30"),
    ("as_of", "31/11/2025", "'31/11/2025' is not a date in the form YYYY-MM-DD, nor a real date read day first"),
    ("as_of", "2999-01-01", "outside the years"),
    ("status", "finished", "'finished' is not a status"),
    ("rating", "Amberish", "'Amberish' is not on the delivery confidence scale"),
    ("percent_complete", "101", "'101' is outside 0–100"),
    ("percent_complete", "-5", "'-5' is outside 0–100"),
    ("percent_complete", "half", "'half' is not a number"),
    ("commentary", "bad\x07bell", "control character"),
])
def test_bad_progress_value_is_reported_at_its_row_and_column_and_nothing_is_written(
        db_copy, tmp_path, column, value, message):
    """Each kind of bad progress value names row 3 and its column, and applying it writes nothing."""
    bad = list(GOOD_PROGRESS)
    bad[PROGRESS.index(column)] = value
    file = write_csv(tmp_path / "updates.csv", [PROGRESS, ["WS1-S2"] + GOOD_PROGRESS[1:], bad])
    before = counts(db_copy)
    validation = check(db_copy, "progress", file)
    problem = only_problem(validation)
    assert (problem.row, problem.column) == (3, column) and message in problem.message
    assert str(problem).startswith(f"{file}, row 3, column {column}: ")
    with pytest.raises(im.ImportRejected):
        im.apply_import(db_copy, "progress", validation, user=EDITOR)
    assert counts(db_copy) == before


def test_evidence_link_must_be_a_web_link(db_copy, tmp_path):
    """An evidence_url that is not http(s), such as javascript:, is refused at its row and column."""
    file = write_csv(tmp_path / "updates.csv", [PROGRESS + ["evidence_url"],
                                                GOOD_PROGRESS + ["javascript:alert(1)"]])
    problem = only_problem(check(db_copy, "progress", file))
    assert (problem.row, problem.column) == (2, "evidence_url") and "http://" in problem.message


@pytest.mark.parametrize(("cells", "column", "message"), [
    ({"value": "-3"}, "value", "is a negative count"),
    ({"value": "10.5"}, "value", "is not a whole number"),
    ({"indicator": "women", "value": "120"}, "value", "is outside 0–100"),
    ({"numerator": "30", "denominator": "20"}, "numerator", "numerator 30 is above the denominator 20"),
    ({"denominator": "-1"}, "denominator", "is a negative count"),
    ({"indicator": "unicorns"}, "indicator", "'unicorns' is not an indicator"),
    ({"population": "Everyone"}, "population", "'Everyone' is not a population"),
    ({"source": ""}, "source", "must say where the figure comes from"),
])
def test_bad_observation_value_is_reported_and_nothing_is_written(db_copy, tmp_path, cells, column, message):
    """Negative counts, numerators above denominators and other bad figures name their row and column."""
    good = dict(zip(OBSERVATIONS, ["members", "2031-03-31", "GSE", "", "", "", "100", "", "", "HR"], strict=True))
    file = write_csv(tmp_path / "obs.csv", [OBSERVATIONS, list({**good, **cells}.values())])
    before = counts(db_copy)
    validation = check(db_copy, "observations", file)
    problem = only_problem(validation)
    assert (problem.row, problem.column) == (2, column) and message in problem.message
    with pytest.raises(im.ImportRejected):
        im.apply_import(db_copy, "observations", validation, user=EDITOR)
    assert counts(db_copy) == before


def test_every_problem_in_a_file_is_reported_at_once(db_copy, tmp_path):
    """A file with several bad rows lists every problem, not just the first."""
    file = write_csv(tmp_path / "updates.csv", [
        PROGRESS,
        ["WS4-S99", "2025-06-30", "in progress", "Purple", "50", "x"],
        GOOD_PROGRESS,
        ["WS4-S3", "not a date", "done", "Red", "500", "y"],
    ])
    validation = check(db_copy, "progress", file)
    assert [(p.row, p.column) for p in validation.problems] == [
        (2, "ref"), (2, "rating"), (4, "as_of"), (4, "status"), (4, "percent_complete")]
    assert validation.rows == [3] and not validation.ok and validation.plan is None


def test_missing_columns_are_named_and_unknown_ones_warned(db_copy, tmp_path):
    """A header without required columns names them; columns the kind does not use are warned about."""
    file = write_csv(tmp_path / "updates.csv", [["ref", "as_of", "status", "owner"],
                                                ["WS4-S3", TODAY, "complete", "x"]])
    validation = check(db_copy, "progress", file)
    problem = only_problem(validation)
    assert (problem.row, problem.column) == (1, "rating, percent_complete, commentary")
    assert "required columns rating, percent_complete, commentary are missing" in problem.message
    assert [(w.column, w.row) for w in validation.warnings] == [("owner", 1)]


def test_duplicate_rows_in_a_file_are_reported(db_copy, tmp_path):
    """The same commitment and date twice in one file is a problem on the second row naming the first."""
    file = write_csv(tmp_path / "updates.csv", [PROGRESS, GOOD_PROGRESS, GOOD_PROGRESS[:2] + ["complete", "Green",
                                                                                              "100", "Done"]])
    problem = only_problem(check(db_copy, "progress", file))
    assert (problem.row, problem.column) == (3, "ref, as_of") and "repeats row 2" in problem.message


def test_future_progress_dates_are_refused(db_copy, tmp_path):
    """An update cannot refer to a date after today."""
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    file = write_csv(tmp_path / "updates.csv", [PROGRESS, ["WS4-S3", tomorrow, "in progress", "Amber", "5", ""]])
    problem = only_problem(check(db_copy, "progress", file))
    assert problem.column == "as_of" and "in the future" in problem.message


# -- files refused outright ---------------------------------------------------------------------


def test_empty_and_header_only_files_are_refused(tmp_path):
    """An empty file and a file with only a header are refused with a message naming the file."""
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(im.ImportFileError, match=r"empty\.csv: the file is empty"):
        im.read_path(empty)
    header = write_csv(tmp_path / "header.csv", [PROGRESS])
    with pytest.raises(im.ImportFileError, match=r"header\.csv: the file has a header \(row 1\) but no rows"):
        im.read_path(header)


def test_a_file_far_too_large_is_refused_before_it_is_read(tmp_path):
    """A file over MAX_UPLOAD_BYTES is refused from its size alone, and so are uploads of that size."""
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:
        handle.truncate(im.MAX_UPLOAD_BYTES + 1)  # sparse: costs no disk or time
    with pytest.raises(im.ImportFileError, match=r"huge\.csv: the file is 25\.0 MB, more than the 25 MB"):
        im.read_path(big)
    with pytest.raises(im.ImportFileError, match="more than the 25 MB"):
        im.read_upload(b"x" * (im.MAX_UPLOAD_BYTES + 1), "upload.csv")


def test_too_many_rows_are_refused(tmp_path, monkeypatch):
    """A file with more than MAX_ROWS rows is refused and the user told to split it."""
    monkeypatch.setattr(im.reading, "MAX_ROWS", 3)
    file = write_csv(tmp_path / "many.csv", [PROGRESS] + [GOOD_PROGRESS] * 4)
    with pytest.raises(im.ImportFileError, match="more than 3 rows: split it"):
        im.read_path(file)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.pdf", b"%PDF-1.4", "only CSV (.csv) and Excel (.xlsx) files"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old-style .xls workbooks cannot be read"),
    ("macro.xlsm", b"PK\x03\x04", "macro-enabled workbooks are not accepted"),
    ("text.xlsx", b"ref,as_of\nWS4-S3,2025-01-01\n", "not an Excel workbook (.xlsx): it looks like CSV text"),
    ("zip.csv", b"PK\x03\x04\x14\x00rest", "is an Excel workbook or other zip file, not CSV"),
    ("binary.csv", b"ref\x00\x01\x02\x03", "not a text (CSV) file"),
    ("plain.xlsx", b"PK\x03\x04 not really a zip", "damaged"),
    ("latin.csv", b"ref,as_of\nWS4-S3,\x81\x8d\n", "neither UTF-8 nor Windows-1252"),
])
def test_wrong_extension_or_content_is_refused(name, content, message):
    """A file whose name or content is not CSV text or an .xlsx workbook is refused with a clear reason."""
    with pytest.raises(im.ImportFileError) as raised:
        im.read_upload(content, name)
    assert str(raised.value).startswith(f"{name}: ") and message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    """A real zip without the OOXML spreadsheet content types is not taken for a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(im.ImportFileError, match=r"this zip file is not an Excel workbook"):
        im.read_upload(buffer.getvalue(), "archive.xlsx")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>"""


SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"


def minimal_workbook(shared_strings: str) -> bytes:
    """The smallest real .xlsx: one sheet whose cell A1 is shared string 0 from SHARED_STRINGS."""
    parts = {
        "[Content_Types].xml": f"""<?xml version="1.0"?><Types xmlns="{PACKAGE}/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{im.XLSX_MAIN_TYPE}"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>""",
        "_rels/.rels": f"""<?xml version="1.0"?><Relationships xmlns="{PACKAGE}/relationships">
<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>""",
        "xl/workbook.xml": f"""<?xml version="1.0"?><workbook xmlns="{SPREADSHEET}" xmlns:r="{RELATIONSHIPS}">
<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>""",
        "xl/_rels/workbook.xml.rels": f"""<?xml version="1.0"?><Relationships xmlns="{PACKAGE}/relationships">
<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>""",
        "xl/worksheets/sheet1.xml": f"""<?xml version="1.0"?><worksheet xmlns="{SPREADSHEET}"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>as_of</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>WS4-S3</t></is></c><c r="B2"><v>1</v></c></row>
</sheetData></worksheet>""",
        "xl/sharedStrings.xml": shared_strings,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def bomb_workbook(padding: int = 0) -> bytes:
    """A real .xlsx whose sharedStrings.xml is a billion-laughs bomb, after PADDING bytes of comment."""
    declaration, rest = BILLION_LAUGHS.split("\n", 1)
    return minimal_workbook(f"{declaration}\n<!--{' ' * padding}-->\n{rest}")


def test_minimal_workbook_used_for_the_bomb_is_otherwise_readable():
    """The hand-built workbook reads normally with harmless shared strings, so the bomb test tests the bomb."""
    frame = im.read_upload(minimal_workbook(f'<?xml version="1.0"?><sst xmlns="{SPREADSHEET}" count="1" '
                                            'uniqueCount="1"><si><t>ref</t></si></sst>'), "fine.xlsx")
    assert list(frame.columns) == ["ref", "as_of"] and frame.loc[2, "ref"] == "WS4-S3"


@pytest.mark.parametrize("padding", [0, 100_000], ids=["plain", "entity-hidden-past-the-prescan"])
def test_xml_bomb_workbook_is_refused(padding):
    """A workbook whose XML declares entities (billion laughs) is refused before it can expand."""
    with pytest.raises(im.ImportFileError) as raised:
        im.read_upload(bomb_workbook(padding), "bomb.xlsx")
    assert str(raised.value).startswith("bomb.xlsx: refused: ") and "XML entities" in str(raised.value)


def test_workbook_that_unpacks_too_large_is_refused(tmp_path, monkeypatch):
    """A workbook that would unpack past MAX_UNZIPPED_BYTES (a zip bomb) is refused."""
    monkeypatch.setattr(im.reading, "MAX_UNZIPPED_BYTES", 1000)
    data = write_xlsx(tmp_path / "big.xlsx", [PROGRESS, GOOD_PROGRESS]).read_bytes()
    with pytest.raises(im.ImportFileError, match="unpacks to more than"):
        im.read_upload(data, "big.xlsx")


# -- preview, corrections, re-imports --------------------------------------------------------


def test_correction_supersedes_old_row_and_earlier_as_at_still_shows_it(db_copy, tmp_path):
    """Re-stating an existing update changes it today, while as at yesterday the old value still shows."""
    as_of, old_rating = latest_update(db_copy, "WS4-S3")
    new_rating = "Red" if old_rating != "Red" else "Green"
    file = write_csv(tmp_path / "fix.csv", [PROGRESS, ["WS4-S3", as_of, "in progress", new_rating, "12", "Corrected."]])
    validation = check(db_copy, "progress", file)
    assert validation.counts() == {"add": 0, "change": 1, "unchanged": 0}
    database = store.connect(db_copy, readonly=True)
    shown = im.preview(database, validation)
    database.close()
    assert shown.loc[0, "action"] == "change" and f"rating: {old_rating} → {new_rating}" in shown.loc[0, "changes"]
    result = im.apply_import(db_copy, "progress", validation, user=EDITOR)
    assert result.changed == 1
    assert status_of(db_copy, "WS4-S3", TODAY)["rating"] == new_rating
    assert status_of(db_copy, "WS4-S3", TODAY)["revised"] == 1
    assert status_of(db_copy, "WS4-S3", YESTERDAY)["rating"] == old_rating
    database = store.connect(db_copy, readonly=True)
    old, new = database.conn.execute(
        "SELECT id, superseded_at, revision_of, batch_id FROM progress_updates WHERE ref = 'WS4-S3' AND as_of = ? "
        "ORDER BY id", [as_of]).fetchall()
    database.close()
    assert old[1] is not None and new[1] is None and new[2] == old[0] and new[3] == result.batch_id


def test_reimporting_the_same_file_changes_nothing(db_copy, tmp_path):
    """A second import of the same file finds every row unchanged and writes no batch."""
    file = write_csv(tmp_path / "updates.csv", [PROGRESS, ["WS5-S1", TODAY, "in progress", "Amber", "30", "On it."]])
    do_import(db_copy, "progress", file)
    before = fingerprint(db_copy)
    validation = check(db_copy, "progress", file)
    assert validation.counts() == {"add": 0, "change": 0, "unchanged": 1}
    result = im.apply_import(db_copy, "progress", validation, user=EDITOR)
    assert result.batch_id is None and result.unchanged == 1
    assert fingerprint(db_copy) == before


def test_left_out_board_rating_is_kept_on_a_correction(db_copy, tmp_path):
    """A correction from a file without a board_rating column keeps the Board's current rating."""
    first = write_csv(tmp_path / "a.csv", [PROGRESS + ["board_rating"], GOOD_PROGRESS + ["amber/red"]])
    do_import(db_copy, "progress", first)
    second = write_csv(tmp_path / "b.csv", [PROGRESS, GOOD_PROGRESS[:5] + ["Updated words."]])
    assert do_import(db_copy, "progress", second).changed == 1
    database = store.connect(db_copy, readonly=True)
    row = database.conn.execute("SELECT board_rating, commentary FROM progress_updates WHERE ref = 'WS4-S3' "
                                "AND as_of = '2025-06-30' AND superseded_at IS NULL").fetchone()
    database.close()
    assert row == ("Amber/Red", "Updated words.")


def test_stale_preview_is_refused_rather_than_overwriting_a_later_change(db_copy, tmp_path):
    """If someone changes a previewed row before the import is applied, the import is refused whole."""
    mine = write_csv(tmp_path / "mine.csv", [PROGRESS, GOOD_PROGRESS, ["WS1-S2", "2025-06-30", "complete", "Green",
                                                                       "100", "Done."]])
    validation = check(db_copy, "progress", mine)
    assert validation.counts()["add"] == 2
    theirs = write_csv(tmp_path / "theirs.csv", [PROGRESS, GOOD_PROGRESS[:5] + ["Their words."]])
    do_import(db_copy, "progress", theirs, user=auth.command_line_user("Bob Editor"))
    before = fingerprint(db_copy)
    with pytest.raises(im.ImportRejected) as raised:
        im.apply_import(db_copy, "progress", validation, user=EDITOR)
    problem = only_problem(im.Validation("progress", "x", problems=raised.value.problems,
                                         problem_count=raised.value.total))
    assert problem.row == 2 and "was changed by Bob Editor after this file was checked" in problem.message
    assert fingerprint(db_copy) == before


# -- undo ------------------------------------------------------------------------------------------


def test_undo_restores_the_exact_previous_state(db_copy, tmp_path):
    """Undoing a batch that added and corrected rows leaves the data exactly as before the import."""
    as_of, _ = latest_update(db_copy, "WS6-S1")
    before = {table: data_rows(db_copy, table) for table in ("progress_updates", "observations", "targets")}
    file = write_csv(tmp_path / "mixed.csv", [PROGRESS, ["WS6-S1", as_of, "closed", "Red", "10", "Stopped."],
                                              GOOD_PROGRESS])
    result = do_import(db_copy, "progress", file)
    assert (result.added, result.changed) == (1, 1)
    undone = im.undo_batch(db_copy, result.batch_id, EDITOR)
    assert (undone.removed, undone.restored) == (2, 1) and undone.backup.exists()
    assert {table: data_rows(db_copy, table) for table in before} == before
    batch = data_rows(db_copy, "import_batches")[-1]
    assert batch[0] == result.batch_id and batch[7] is not None and batch[8] == "Ada Analyst"
    actions = [row[3] for row in data_rows(db_copy, "audit_log") if row[7] == result.batch_id]
    assert actions.count("undo") == 2 and "undo-import" in actions
    with pytest.raises(im.UndoRefused, match="already undone by Ada Analyst"):
        im.undo_batch(db_copy, result.batch_id, EDITOR)


def test_undo_is_refused_while_a_later_batch_depends_on_it(db_copy, tmp_path):
    """A batch whose row a later import corrected cannot be undone until that later batch is."""
    first = do_import(db_copy, "progress", write_csv(tmp_path / "a.csv", [PROGRESS, GOOD_PROGRESS]))
    second = do_import(db_copy, "progress", write_csv(tmp_path / "b.csv", [PROGRESS, GOOD_PROGRESS[:5] + ["New."]]),
                       user=auth.command_line_user("Bob Editor"))
    before = fingerprint(db_copy)
    with pytest.raises(im.UndoRefused) as raised:
        im.undo_batch(db_copy, first.batch_id, EDITOR)
    assert "corrected by Bob Editor" in str(raised.value) and f"import batch {second.batch_id}" in str(raised.value)
    assert fingerprint(db_copy) == before
    im.undo_batch(db_copy, second.batch_id, EDITOR)
    im.undo_batch(db_copy, first.batch_id, EDITOR)
    database = store.connect(db_copy, readonly=True)
    assert database.conn.execute("SELECT COUNT(*) FROM progress_updates WHERE ref = 'WS4-S3' "
                                 "AND as_of = '2025-06-30'").fetchone()[0] == 0
    database.close()


def test_meeting_title_change_is_undone_from_the_audit_log(db_copy, tmp_path):
    """A meeting renamed by an import gets its old title back when the batch is undone."""
    database = store.connect(db_copy, readonly=True)
    date, title = database.conn.execute("SELECT date, title FROM board_meetings ORDER BY date LIMIT 1").fetchone()
    database.close()
    result = do_import(db_copy, "meetings", write_csv(tmp_path / "m.csv", [["date", "title"], [date, "Renamed"]]))
    assert result.changed == 1
    im.undo_batch(db_copy, result.batch_id, EDITOR)
    database = store.connect(db_copy, readonly=True)
    assert database.conn.execute("SELECT title, batch_id FROM board_meetings WHERE date = ?", [date]).fetchone() == (
        title, None)
    database.close()


def test_undo_of_an_unknown_batch_is_refused(db_copy):
    """Undoing a batch number that does not exist says so."""
    with pytest.raises(im.UndoRefused, match="there is no import batch 999"):
        im.undo_batch(db_copy, 999, EDITOR)


# -- templates and the command line -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", sorted(im.KINDS))
def test_template_imports_cleanly_in_a_dry_run(db_copy, tmp_path, capsys, kind, fmt):
    """A template written by the command line passes its own dry run with no problems and no writes."""
    out = tmp_path / f"{kind}.{fmt}"
    assert cli.main(["--db", str(db_copy), "template", kind, "--out", str(out)]) == 0
    before = counts(db_copy)
    assert cli.main(["--db", str(db_copy), "import", kind, str(out), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "(dry run: nothing written)" in captured.out and "1 to" in captured.out and captured.err == ""
    assert counts(db_copy) == before


def test_xlsx_template_holds_values_only(tmp_path):
    """The Excel template has no macros, formulas or external links: only values and column notes."""
    data = im.template_bytes("progress", "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert not any("vba" in n.lower() or "externalLink" in n for n in names)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    values = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert workbook.sheetnames == ["progress", "columns"]


@pytest.mark.slow
def test_cli_dry_run_previews_and_writes_nothing(db_copy, tmp_path, capsys):
    """import --dry-run prints what would be added and changed, exits 0 and leaves the database alone."""
    as_of, _ = latest_update(db_copy, "WS4-S3")
    file = write_csv(tmp_path / "u.csv", [PROGRESS, ["WS4-S3", as_of, "complete", "Green", "100", "Done."],
                                          GOOD_PROGRESS[:1] + ["2025-01-31"] + GOOD_PROGRESS[2:]])
    before = fingerprint(db_copy)
    assert cli.main(["--db", str(db_copy), "import", "progress", str(file), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{file}: 1 to add, 1 to change, 0 unchanged (dry run: nothing written)." in out
    assert "row 2: change WS4-S3 / " in out and "row 3: add WS4-S3 / 2025-01-31" in out
    assert fingerprint(db_copy) == before


@pytest.mark.slow
def test_cli_import_applies_and_names_batch_and_backup_then_undo_reverses_it(db_copy, tmp_path, capsys):
    """import prints its batch and backup; undo-import with that batch restores the data."""
    before = data_rows(db_copy, "progress_updates")
    file = write_csv(tmp_path / "u.csv", [PROGRESS, GOOD_PROGRESS])
    assert cli.main(["--db", str(db_copy), "import", "progress", str(file), "--actor", "Cy"]) == 0
    out = capsys.readouterr().out
    batch = re.search(r"as batch (\d+): 1 added, 0 changed, 0 unchanged\.", out)
    assert batch and "backed up to" in out
    audit = data_rows(db_copy, "audit_log")
    assert audit[-1][2] == "Cy" and json.loads(audit[-1][6])["filename"] == str(file)
    assert cli.main(["--db", str(db_copy), "undo-import", batch.group(1), "--actor", "Cy"]) == 0
    assert data_rows(db_copy, "progress_updates") == before


@pytest.mark.slow
def test_cli_bad_file_exits_2_with_one_line_per_problem_and_no_traceback(db_copy, tmp_path):
    """A bad file ends with exit code 2, one line per problem naming file, row and column, and no writes."""
    file = write_csv(tmp_path / "bad.csv", [PROGRESS, GOOD_PROGRESS[:3] + ["Amberish"] + GOOD_PROGRESS[4:],
                                            ["WS9-S99"] + GOOD_PROGRESS[1:]])
    before = fingerprint(db_copy)
    done = subprocess.run([sys.executable, "-m", "gse_dashboard", "--db", str(db_copy), "import", "progress",
                           str(file)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {file}, row 2, column rating: 'Amberish' is not on the delivery confidence scale "
        "(Green, Amber/Green, Amber, Amber/Red, Red)",
        f"error: {file}, row 3, column ref: 'WS9-S99' is not a commitment reference in the dashboard "
        "(see the commitments export)",
    ]
    assert fingerprint(db_copy) == before


def test_cli_unreadable_file_exits_2_with_one_line(db_copy, tmp_path, capsys):
    """A file that cannot be read at all gives one error line naming it and exit code 2."""
    file = tmp_path / "empty.csv"
    file.write_bytes(b"")
    assert cli.main(["--db", str(db_copy), "import", "progress", str(file)]) == 2
    assert capsys.readouterr().err == f"error: {file}: the file is empty\n"


def test_a_viewer_cannot_import_or_undo(db_copy, tmp_path):
    """The package itself refuses an import or an undo by a viewer, and nothing is written."""
    file = tmp_path / "progress.csv"
    file.write_text("ref,as_of,status,rating,percent_complete,commentary\n"
                    "WS1-S1,2020-06-30,complete,Green,100,done\n", encoding="utf-8")
    viewer = auth.User(name="Vi Ewer", email="vi@example.gov.uk", role=auth.VIEWER, mode="oidc")
    database = store.connect(db_copy)
    before = store.revision(database)
    validation = im.validate(database, "progress", im.read_path(file))
    with pytest.raises(auth.PermissionDenied, match="Vi Ewer is a viewer"):
        im.apply_import(database, "progress", validation, user=viewer)
    assert store.revision(database) == before
    database.close()
    result = do_import(db_copy, "progress", file)
    with pytest.raises(auth.PermissionDenied):
        im.undo_batch(db_copy, result.batch_id, viewer)
