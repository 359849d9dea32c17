"""Tables out of the dashboard: CSV and Excel files that are safe to open in a spreadsheet."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from . import queries

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection), with the
# full-width forms some spreadsheets also read as formula starts.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Named exports shaped for people; any stored table can also be exported whole.
EXPORTS = {
    "commitments": queries.commitments_export,
    "observations": queries.observations_export,
    **{table: (lambda conn, table=table: queries.whole_table(conn, table))
       for table in queries.TABLES if table not in ("commitments", "observations")},
}


def _neutral(value):
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of FRAME in which text cells and headers that a spreadsheet would run start with a quote.

    Headers too, and by position, because the SQL box's columns are named (and may be named
    twice) by whoever wrote the query.
    """
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            safe.isetitem(position, column.map(_neutral))
    safe.columns = [_neutral(name) for name in safe.columns]
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """FRAME as UTF-8 CSV with a byte-order mark, so Excel shows accents correctly."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """FRAME as an .xlsx workbook with one sheet."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: Path) -> int:
    """Write FRAME to PATH as CSV or Excel, chosen by its suffix; return the row count."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = csv_bytes(frame)
    elif suffix == ".xlsx":
        data = excel_bytes(frame)
    else:
        raise ValueError(f"{path}: the output file must end in .csv or .xlsx")
    path.write_bytes(data)
    return len(frame)
