"""Tables out of the dashboard: CSV and Excel files that are safe to open in a spreadsheet."""

from __future__ import annotations

import io

import pandas as pd

from ..strategy import metrics, timescales
from . import queries

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection), with the
# full-width forms some spreadsheets also read as formula starts.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")



def commitments_export(conn) -> pd.DataFrame:
    """One row per commitment as known today, for `export commitments`.

    Titles and descriptions are our summaries, named so, beside the strategy_ref that says where
    the strategy's words are. The date says whether it is indicative, set (by whom, when) or none
    (continuing); the owner is blank until the GSE team assigns one, then comes with who and when.
    """
    frame = queries.commitments_export(conn)
    today = max(pd.Timestamp.today().date().isoformat(), queries.LAUNCH_DATE)
    frame["past_its_date"] = metrics.past_date(frame, today).map({True: "yes", False: "no"})
    frame["continuing"] = frame["continuing"].map({1: "yes", 0: "no"})
    # Which rows' status, rating and percent complete are made up (the illustrative history): said per row.
    frame["illustrative"] = frame["illustrative"].fillna(0).astype(int).map({1: "yes", 0: "no"})
    frame = frame.rename(columns={"title": "title_summary", "description": "description_summary",
                                  "due_basis": "date_basis", "due_set_by": "date_set_by", "due_set_on": "date_set_on",
                                  "indicative_due_date": "indicative_date", "owner": "assigned_owner"})
    frame["owner"] = [timescales.owner_text(o, b, d) for o, b, d in
                      zip(frame["assigned_owner"], frame["owner_assigned_by"], frame["owner_assigned_on"])]
    return frame[["ref", "workstream", "workstream_name", "horizon", "seq", "title_summary", "description_summary",
                  "strategy_ref", "continuing", "due_date", "date_basis", "date_set_by", "date_set_on",
                  "indicative_date", "past_its_date", "owner", "assigned_owner", "owner_assigned_by",
                  "owner_assigned_on", "status", "rating", "percent_complete", "updated_as_of", "illustrative"]]


# Named exports shaped for people; any stored table can also be exported whole.
EXPORTS = {
    "commitments": commitments_export,
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


def table_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    """FRAME as the bytes of a .csv or .xlsx file."""
    if suffix == ".csv":
        return csv_bytes(frame)
    if suffix == ".xlsx":
        return excel_bytes(frame)
    raise ValueError(f"the output file must end in .csv or .xlsx, not {suffix or 'no suffix'}")
