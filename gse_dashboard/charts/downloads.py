"""Downloads that say what they are: the table with its title, as-at date, filters, source and notes.

Every table the dashboard offers for download goes out three ways, each carrying the same
metadata (a `TableMeta`):

- **Spreadsheet (.xlsx)**, in the form of the Analysis Function's "Releasing statistics in
  spreadsheets" guidance, written by the ONS's `gptables`: a cover sheet (title, what the
  table is, as-at date, filters, source, illustrative and suppression notes), a contents
  sheet, a notes sheet, and the table on a sheet of its own, marked up as an Excel table,
  with no merged cells and no blank cells ("[x]" where there is no figure).
- **OpenDocument spreadsheet (.ods)**, the open format the guidance asks for alongside: the
  same four sheets, written by pandas with odfpy (ODS has no table mark-up to add).
- **CSV**: the metadata as leading lines that start with "#", the first of which says how
  many there are, so the table is read with `pandas.read_csv(path, skiprows=N)` (or by
  deleting those lines); a spreadsheet opening the file shows them above the table.

Formula injection stays neutralised in all three: text that a spreadsheet would run as a
formula starts with a quote (exports.neutralise_formulas), in the table and in the
metadata, and the workbook writer is told never to turn text into formulas or links.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
from dataclasses import dataclass, field

import pandas as pd

from ..storage.exports import neutralise_formulas
from ..strategy import vocabulary

PRODUCER = "GSE Strategy Dashboard"
NOT_AVAILABLE = "[x]"
TABLE_SHEET = "Table_1"
# Said of a table only when some of its figures are made up, naming which (TableMeta.illustrative).
ILLUSTRATIVE_WHICH = "the figures marked in the Illustrative column"
AS_AT_TEXT = ("Figures are as known at the as-at date: corrections recorded after it are not included, "
              "so the same table made at a later date may differ.")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class TableMeta:
    """What a downloaded table is: enough for the file, opened alone, to say so."""

    title: str
    as_at: str | None = None
    filters: str = "no filters"
    source: str = PRODUCER
    # Which figures of the table are made up, in words ('registered members after September 2016'),
    # or "" when every figure is real: a table of real figures says nothing about being illustrative.
    illustrative: str = ""
    # Said when some figures are hidden to protect individuals, e.g. "[c]: fewer than 5 …".
    suppression: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # One line on what the table covers (population, measure, periods), under the title.
    description: str = ""
    # When the file was made (default: today).
    produced: str | None = None

    def rows(self) -> list[tuple[str, str]]:
        """The metadata as (label, text) pairs, in the order every format gives them."""
        rows = [("Title", self.title)]
        if self.description:
            rows.append(("Description", self.description))
        rows += [
            ("As at", f"{self.as_at} (figures as known on this date)" if self.as_at else "latest figures"),
            ("Filters", self.filters or "no filters"),
            ("Source", self.source),
        ]
        if self.illustrative:
            rows.append(("Illustrative", self.illustrative_text.removeprefix("Illustrative: ")))
        rows.append(("Suppression", self.suppression or "No figure in this table is hidden."))
        rows += [("Note", note) for note in self.notes]
        rows.append(("Produced", f"{PRODUCER}, {self.produced or dt.date.today().isoformat()}"))
        return rows

    @property
    def illustrative_text(self) -> str:
        """The one line saying which figures are made up ("" for a table of real figures)."""
        return vocabulary.illustrative_line(self.illustrative) if self.illustrative else ""


def _one_line(text: object) -> str:
    """TEXT on one line, with '$$' broken up (gptables reads '$$name$$' as a note reference)."""
    return re.sub(r"\s+", " ", str(text)).strip().replace("$$", "$ $")


def _safe_text(text: object) -> str:
    line = _one_line(text)
    return neutralise_formulas(pd.DataFrame({"t": [line]}))["t"].iloc[0]


def _headers(columns) -> list[str]:
    """Column names as unique, non-empty text (a SQL result may name two columns alike)."""
    seen: dict[str, int] = {}
    names = []
    for position, column in enumerate(columns):
        name = _one_line(column) or f"Column {position + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _cell(value):
    """A cell as a spreadsheet can hold it: numbers as numbers, no blanks, dates and the rest as text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return NOT_AVAILABLE
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def table_for_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    """FRAME ready for a spreadsheet: unique headers, no blank cells, no index, formulas neutralised."""
    table = frame.reset_index(drop=True).copy()
    table.columns = _headers(table.columns)
    table = pd.DataFrame({name: [_cell(v) for v in table[name]] for name in table.columns}, dtype=object)
    if table.empty:
        table = pd.DataFrame({name: [NOT_AVAILABLE] for name in table.columns} or {"Result": ["No rows"]},
                             dtype=object)
    return neutralise_formulas(table)


def _notes(meta: TableMeta, table: pd.DataFrame) -> list[str]:
    """The numbered notes: as-at, illustrative, suppression, [x], then the table's own notes."""
    notes = [AS_AT_TEXT]
    if meta.illustrative:
        notes.append(meta.illustrative_text)
    if meta.suppression:
        notes.append(meta.suppression)
    if table.isin([NOT_AVAILABLE]).to_numpy().any():
        notes.append(f"{NOT_AVAILABLE}: not available (no figure, or not published).")
    return [_one_line(n) for n in (*notes, *meta.notes)]


def _table_name(title: str) -> str:
    """An Excel table name from TITLE: letters, digits and underscores, starting with a letter."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_").lower()[:40]
    return f"t_{slug}" if slug else "t_table"


def _cover_lines(meta: TableMeta, *, skip: tuple[str, ...] = ("Title", "Description")) -> list[str]:
    return [f"{label}: {_one_line(text)}" for label, text in meta.rows() if label not in skip]


def _table_subtitles(meta: TableMeta) -> list[str]:
    """What the table sheet says under its title: what it covers, the as-at date, the filters, if illustrative."""
    lines = [meta.description] if meta.description else []
    lines += [line for line in _cover_lines(meta) if line.startswith(("As at:", "Filters:"))]
    if meta.illustrative:
        lines.append(meta.illustrative_text)
    return [_safe_text(line) for line in lines]


def csv_bytes(frame: pd.DataFrame, meta: TableMeta) -> bytes:
    """FRAME as UTF-8 CSV (with a byte-order mark) led by the metadata, one '#' line each.

    The first line says how many '#' lines there are, so `pandas.read_csv(path, skiprows=N)`
    reads the table alone.
    """
    lines = [f"# {label}: {_one_line(text)}" for label, text in meta.rows()]
    count = len(lines) + 1
    lines.insert(0, f"# {PRODUCER} download: the table starts after these {count} lines beginning '#'; "
                    f"read it with pandas.read_csv(path, skiprows={count}).")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for line in lines:
        writer.writerow([line])
    neutralise_formulas(frame).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def metadata_line_count(data: bytes) -> int:
    """How many leading metadata lines a CSV made by csv_bytes has (0 for a plain CSV)."""
    text = data.decode("utf-8-sig")
    match = re.match(r'"?# .*?these (\d+) lines', text)
    return int(match.group(1)) if match else 0


def xlsx_bytes(frame: pd.DataFrame, meta: TableMeta) -> bytes:
    """FRAME as a workbook in the GSS form (cover, contents, notes, the table), written by gptables.

    Every piece of text is written as plain text, exactly as given: gptables would otherwise read
    `[words](address)` anywhere as a hyperlink (a comment becoming a disguised link in a reader's
    download) and refuse a cell of only punctuation (`-`, `?`, `…`), failing the whole download.
    Text handed to it as rich text of one piece with no formatting is written as it stands,
    with neither reading: `[{}, text]` above the table, a FormatList of the same in its cells.
    """
    import gptables  # noqa: PLC0415 - a second or so to import: only when someone downloads
    from gptables.core.gptable import FormatList  # noqa: PLC0415

    def plain(text: str) -> list:
        return [{}, text]

    def plain_cell(value):
        return FormatList(plain(value)) if isinstance(value, str) else value

    table = table_for_sheet(frame)
    notes = _notes(meta, table)
    references = "".join(f"$$note{i}$$" for i in range(1, len(notes) + 1))
    title = _safe_text(meta.title)
    subtitles = _table_subtitles(meta)
    gp_table = gptables.GPTable(
        table=table.map(plain_cell), table_name=_table_name(meta.title), title=plain(f"{title} {references}"),
        subtitles=[plain(line) for line in subtitles], source=plain(f"Source: {_safe_text(meta.source)}"),
        scope=None, units=None,
        instructions="This worksheet contains one table. Some cells refer to notes, which are on the Notes "
                     "worksheet.", index_columns={})
    cover = gptables.Cover(
        title=plain_cell(title),
        intro=[plain(_safe_text(meta.description or meta.title)),
               "This workbook has a contents sheet, a notes sheet and one table (Table_1)."],
        about=[plain(_safe_text(line)) for line in _cover_lines(meta)],
        contact=None)
    notes_table = pd.DataFrame({"Note number": [f"note{i}" for i in range(1, len(notes) + 1)],
                                "Note text": [plain_cell(_safe_text(n)) for n in notes]})
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = gptables.produce_workbook(
            buffer, {TABLE_SHEET: gp_table}, cover=cover, notes_table=notes_table,
            contentsheet_options={"title": "Table of contents"},
            workbook_options={"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True})
        workbook.close()
    return buffer.getvalue()


def ods_bytes(frame: pd.DataFrame, meta: TableMeta) -> bytes:
    """FRAME as an OpenDocument spreadsheet with the same cover, contents, notes and table sheets."""
    table = table_for_sheet(frame)
    notes = _notes(meta, table)
    title = _safe_text(meta.title)
    cover = pd.DataFrame({title: [_safe_text(meta.description or meta.title),
                                  *[_safe_text(line) for line in _cover_lines(meta)]]})
    contents = pd.DataFrame({"Sheet name": ["Notes", TABLE_SHEET],
                             "Table description": ["Notes for the table", title]})
    notes_sheet = pd.DataFrame({"Note number": [f"note {i}" for i in range(1, len(notes) + 1)],
                                "Note text": [_safe_text(n) for n in notes]})
    above = pd.DataFrame({title: [f"Notes: see the Notes sheet (notes 1 to {len(notes)})",
                                  f"Source: {_safe_text(meta.source)}"]})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="odf") as writer:
        cover.to_excel(writer, sheet_name="Cover", index=False)
        contents.to_excel(writer, sheet_name="Contents", index=False)
        notes_sheet.to_excel(writer, sheet_name="Notes", index=False)
        above.to_excel(writer, sheet_name=TABLE_SHEET, index=False)
        table.to_excel(writer, sheet_name=TABLE_SHEET, index=False, startrow=len(above) + 1)
    return buffer.getvalue()


def file_stem(title: str, as_at: str | None = None) -> str:
    """A file name (without suffix) from TITLE and AS_AT: 'gse-members-by-grade-2019-10-16'."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "table"
    return f"{slug}-{as_at}" if as_at else slug
