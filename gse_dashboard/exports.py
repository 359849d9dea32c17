"""Tables out of the dashboard: CSV and Excel files that are safe to open in a spreadsheet."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from . import queries

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

EXPORTS = {
    "commitments": queries.commitments_export,
    "observations": queries.observations_export,
}


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of FRAME in which text cells that a spreadsheet would run start with a quote."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            )
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
