"""Reading an upload: CSV (any common encoding and separator) or .xlsx into a frame of text cells,
refusing what is too big, not a spreadsheet, or a zip bomb, with a message naming the file."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import gc
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .formats import (
    EXCEL_SUFFIXES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    MAX_UPLOAD_BYTES,
    OLE_MAGIC,
    TEXT_SUFFIXES,
    XLSM_MAIN_TYPE,
    XLSX_MAIN_TYPE,
    ZIP_MAGIC,
    ImportFileError,
)

# Characters no typed text contains: their presence means binary data or a paste accident.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- reading a file ---------------------------------------------------------------------------


def read_path(path: str | Path) -> pd.DataFrame:
    """Read the import file at PATH (see read_upload), refusing a huge one before loading it."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ImportFileError(f"{path}: cannot open the file ({error.strerror or error})") from None
    if size > MAX_UPLOAD_BYTES:
        raise ImportFileError(_too_big(str(path), size))
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read the file ({error.strerror or error})") from None
    return read_upload(data, str(path))


def collector_paused(function: Callable) -> Callable:
    """FUNCTION with Python's cycle collector paused while it runs.

    Reading, checking and writing a file makes hundreds of thousands of small lists and tuples
    that hold no cycles; with them all alive the collector's repeated passes took half the time
    of reading a 100,000-row file (0.69 s against 0.29 s). Memory is still freed as usual by
    reference counting. Overlapping calls in several sessions leave it enabled at the end.
    """
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return wrapper


@collector_paused
def read_upload(data: bytes, filename: str) -> pd.DataFrame:
    """The rows of an uploaded CSV or .xlsx file as a DataFrame of strings.

    Columns are the header names trimmed, in lower case, with spaces as underscores; the index
    is the row number a spreadsheet shows (the header is row 1); blank rows are left out.
    `attrs` carries the filename, format, encoding, separator and the rows that had more
    values than the header. Every problem is an ImportFileError naming the file.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(_too_big(filename, len(data)))
    if not data.strip():
        raise ImportFileError(f"{filename}: the file is empty")
    suffix = Path(filename).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        records, meta = _read_xlsx(data, filename)
    elif suffix in TEXT_SUFFIXES:
        records, meta = _read_text(data, filename)
    elif suffix == ".xls":
        raise ImportFileError(f"{filename}: old-style .xls workbooks cannot be read: "
                              "open it in Excel and save it as .xlsx or CSV")
    elif suffix == ".xlsm":
        raise ImportFileError(f"{filename}: macro-enabled workbooks are not accepted: "
                              "save it as an Excel workbook (.xlsx) or CSV")
    else:
        raise ImportFileError(f"{filename}: only CSV (.csv) and Excel (.xlsx) files can be imported")
    frame = _frame(records, filename)
    frame.attrs.update(meta, filename=filename, sha256=hashlib.sha256(data).hexdigest())
    return frame


def _too_big(filename: str, size: int) -> str:
    return (f"{filename}: the file is {size / 1024 / 1024:.1f} MB, more than the "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB an import may be: split it into smaller files")


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    """DATA as text and the encoding it was in: UTF-8 (with or without BOM), UTF-16, Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(f"{filename}: the file says it is UTF-16 text but is not") from None
    if b"\x00" in data:
        raise ImportFileError(f"{filename}: this is not a text (CSV) file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportFileError(f"{filename}: the file says it is UTF-8 but is not: "
                                  "save it again as 'CSV UTF-8'") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data, filename)
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(f"{filename}: the text is neither UTF-8 nor Windows-1252: "
                              "save it from Excel as 'CSV UTF-8'") from None


def _refuse_mixed_encodings(data: bytes, filename: str) -> None:
    """Refuse a file with some lines in UTF-8 and others in Windows-1252, naming one of each.

    Decoding it all as Windows-1252 would store every UTF-8 "é" as "Ã©" without a word.
    """
    utf8_line = other_line = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and other_line:
            raise ImportFileError(
                f"{filename}: line {other_line} is not UTF-8 (Windows-1252?) but line {utf8_line} is UTF-8: "
                "the file mixes two encodings, so accented letters would be stored wrongly. Save it again "
                "from Excel as 'CSV UTF-8'")


def _separator(first_line: str) -> str:
    """The separator the header uses: comma, semicolon (European Excel) or tab, by count."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: counts[c])  # ties go to the comma, which comes first
    return best if counts[best] else ","


def _read_text(data: bytes, filename: str) -> tuple[list[tuple[int, list[str]]], dict]:
    if data.startswith(ZIP_MAGIC):
        raise ImportFileError(f"{filename}: this is an Excel workbook or other zip file, not CSV text: "
                              "if it is a workbook, its name should end in .xlsx")
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(f"{filename}: this is an old-style Excel or other Office file, not CSV "
                              "text: save it as .xlsx or CSV")
    text, encoding = _decode(data, filename)
    # A stray control character is a cell's problem; many of them mean this is not text at all.
    if len(CONTROL_CHARACTERS.findall(text[:4096])) > 8:
        raise ImportFileError(f"{filename}: this is not a text (CSV) file")
    lines = text.split("\n", 1)
    hint = re.fullmatch(r"sep=(.)\r?", lines[0])
    if hint:  # Excel's own separator hint line, which Excel hides, so rows count from after it
        separator, text = hint.group(1), lines[1] if len(lines) > 1 else ""
    else:
        # Before anything walks the header: 2.6 million columns took 35 s and 1.7 GB to read.
        widest = max(lines[0].count(candidate) for candidate in ",;\t") + 1
        if widest > MAX_COLUMNS:
            raise ImportFileError(f"{filename}: row 1 has {widest:,} columns; an import has at most "
                                  f"{MAX_COLUMNS:,}: is it the right file?")
        separator = _separator(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records: list[tuple[int, list[str]]] = []
    number = width = 0
    try:
        for number, values in enumerate(reader, start=1):
            if len(values) > MAX_COLUMNS:
                raise ImportFileError(f"{filename}: row {number} has {len(values):,} values; an import has at most "
                                      f"{MAX_COLUMNS:,} columns: is it the right file?")
            if "".join(values).strip():
                records.append((number, values))
                width = width or len(values)
                if len(records) > MAX_ROWS + 1:
                    raise ImportFileError(_too_many(filename))
                _refuse_too_many_cells(filename, len(records), max(width, len(values)))
    except csv.Error as error:
        raise ImportFileError(f"{filename}: row {number + 1}: cannot be read as CSV ({error})") from None
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    return records, {"format": "csv", "encoding": encoding, "separator": names.get(separator, separator),
                     "decimal_comma": separator == ";"}


def _too_many(filename: str) -> str:
    return f"{filename}: the file has more than {MAX_ROWS:,} rows: split it into smaller files"


def _refuse_too_many_cells(filename: str, rows: int, columns: int) -> None:
    """Refuse ROWS rows read so far of COLUMNS columns (the header's, or a wider row's) past MAX_CELLS.

    Checked as rows are read, before the short rows are padded out to the header's width: that
    padding is where a wide header over many short rows took gigabytes.
    """
    if rows * columns > MAX_CELLS:
        raise ImportFileError(f"{filename}: the file has more than {MAX_CELLS:,} cells (rows × columns, "
                              f"{columns:,} columns): is it the right file? Split it into smaller files")


# A cell's start tag in a worksheet's XML (any namespace prefix) and its reference, as in r="XFD12".
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="\$?([A-Z]{1,3})\$?\d+"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _refuse_wide_sheets(archive: zipfile.ZipFile, filename: str) -> None:
    """Refuse a workbook whose worksheets go past the reader's limits, before openpyxl reads a cell.

    Scans each worksheet's XML as it unzips, in pieces: its widest cell reference (a single cell at
    column XFD makes the reader pad every row to 16,384 cells), its cells, and rows × columns.
    """
    for info in archive.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        widest = cells = rows = 0
        tail = b""
        with archive.open(info) as part:
            while piece := part.read(1 << 20):
                # Tags cut at a piece's end are read whole with the next piece: keep the last tag's start.
                text = tail + piece
                cut = text.rfind(b"<")
                text, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
                cells += len(_CELL_TAG.findall(text))
                rows += len(_ROW_TAG.findall(text))
                widest = max([widest, *(_column_number(letters) for letters in set(_CELL_REF.findall(text)))])
                if widest > MAX_COLUMNS:
                    raise ImportFileError(f"{filename}: the sheet has a cell in column {column_letter(widest - 1)} "
                                          f"(column {widest:,}); an import has at most {MAX_COLUMNS:,} columns: "
                                          "is it the right file?")
                if cells > MAX_CELLS:
                    raise ImportFileError(f"{filename}: the sheet has more than {MAX_CELLS:,} cells: is it the "
                                          "right file? Split it into smaller files")
                if rows > MAX_ROWS + 1:
                    raise ImportFileError(_too_many(filename))
                _refuse_too_many_cells(filename, rows, widest)


def _check_workbook_zip(data: bytes, filename: str) -> None:
    """Refuse what is not a plain .xlsx before any XML parser sees it."""
    if not data.startswith(ZIP_MAGIC):
        if data.startswith(OLE_MAGIC):
            raise ImportFileError(f"{filename}: this is an old-style .xls or encrypted workbook: "
                                  "save it in Excel as an unprotected .xlsx or as CSV")
        head = data[:2048]
        looks_text = not CONTROL_CHARACTERS.search(head.decode("latin-1").replace("\x0c", "")) and b"\x00" not in head
        hint = ": it looks like CSV text, so its name should end in .csv" if looks_text else ""
        raise ImportFileError(f"{filename}: this is not an Excel workbook (.xlsx){hint}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(f"{filename}: the workbook is damaged and cannot be opened ({error})") from None
    with archive:
        if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
            raise ImportFileError(f"{filename}: the workbook unpacks to more than "
                                  f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MB: refused")
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names:
            raise ImportFileError(f"{filename}: this zip file is not an Excel workbook (.xlsx)")
        for info in infos:
            if info.filename.endswith((".xml", ".rels", ".vml")):
                with archive.open(info) as part:
                    head = part.read(65_536)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise ImportFileError(
                        f"{filename}: refused: the workbook's {info.filename} declares XML entities, "
                        "which are used to attack servers; save it again from Excel")
        types = archive.read("[Content_Types].xml")
        _refuse_wide_sheets(archive, filename)
    if XLSM_MAIN_TYPE.encode() in types or "xl/vbaProject.bin" in names:
        raise ImportFileError(f"{filename}: macro-enabled workbooks are not accepted: "
                              "save it as an Excel workbook (.xlsx) or CSV")
    if XLSX_MAIN_TYPE.encode() not in types:
        raise ImportFileError(f"{filename}: this is not an Excel workbook (.xlsx)")


def _cell_text(value: Any, number_format: str | None) -> str:
    """A cell's value as the text a user typed: dates as YYYY-MM-DD, 40% as 40."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        if number_format and "%" in number_format:
            value = value * 100
        if isinstance(value, float):
            if value.is_integer() and abs(value) < 1e15:
                return str(int(value))
            return f"{value:.12g}"
        return str(value)
    return str(value)


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether ERROR or anything in its chain of causes is a KIND (openpyxl wraps parser errors)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _read_xlsx(data: bytes, filename: str) -> tuple[list[tuple[int, list[str]]], dict]:
    _check_workbook_zip(data, filename)
    # Imported here so CSV-only callers never load openpyxl and its XML stack.
    import openpyxl
    from defusedxml import DefusedXmlException

    records: list[tuple[int, list[str]]] = []
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise ImportFileError(f"{filename}: the workbook has no worksheet")
            sheet = workbook.worksheets[0]
            # Some programs write a wrong size into the sheet; read every row that is there.
            sheet.reset_dimensions()
            for number, cells in enumerate(sheet.iter_rows(min_row=1, min_col=1), start=1):
                values = [_cell_text(cell.value, getattr(cell, "number_format", None)) for cell in cells]
                if "".join(values).strip():
                    records.append((number, values))
                    if len(records) > MAX_ROWS + 1:
                        raise ImportFileError(_too_many(filename))
            title = sheet.title
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many types for a damaged workbook
        if _caused_by(error, DefusedXmlException):
            raise ImportFileError(f"{filename}: refused: the workbook declares XML entities, which are used "
                                  "to attack servers; save it again from Excel") from None
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise ImportFileError(f"{filename}: the workbook cannot be read ({reason})") from None
    return records, {"format": "xlsx", "sheet": title, "decimal_comma": False}


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower().lstrip("\ufeff"))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _frame(records: list[tuple[int, list[str]]], filename: str) -> pd.DataFrame:
    if not records:
        raise ImportFileError(f"{filename}: the file is empty")
    header_row, header = records[0]
    names = [_normalise_header(h) for h in header]
    while names and not names[-1]:
        names.pop()
    width = len(names)
    data = records[1:]
    if not data:
        raise ImportFileError(f"{filename}: the file has a header (row {header_row}) but no rows of data")
    if len(data) > MAX_ROWS:
        raise ImportFileError(_too_many(filename))
    _refuse_too_many_cells(filename, len(records), width)
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            if any(position < len(v) and v[position].strip() for _, v in data):
                raise ImportFileError(f"{filename}: column {column_letter(position)} has values but no "
                                      f"name in the header (row {header_row})")
            names[position] = f"_blank_{position}"
        elif name in seen:
            raise ImportFileError(f"{filename}: the column {name} appears twice in the header "
                                  f"(columns {column_letter(seen[name])} and {column_letter(position)})")
        seen[name] = position
    ragged = []
    rows = []
    for number, values in data:
        if len(values) == width:  # nearly every row: kept as it is
            rows.append(values)
            continue
        if len(values) > width and any(v.strip() for v in values[width:]):
            ragged.append(number)
        rows.append((values + [""] * (width - len(values)))[:width])
    # Every cell is already text: object columns skip pandas' conversion of each value (100,000 rows).
    frame = pd.DataFrame(rows, columns=names, index=pd.Index([n for n, _ in data], name="row"), dtype=object)
    if any(n.startswith("_blank_") for n in names):
        frame = frame[[n for n in names if not n.startswith("_blank_")]]
    frame.attrs["ragged_rows"] = ragged
    frame.attrs["header_row"] = header_row
    return frame
