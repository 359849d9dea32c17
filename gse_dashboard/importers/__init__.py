"""File imports: read a CSV or Excel upload, check every row, preview, apply as one batch, undo.

The flow is read_upload → validate → preview → apply_import, and undo_batch reverses a batch.
Nothing is written until apply_import, which writes every row in one transaction or none,
after a backup, and re-checks the file against the database as it is at that moment: if a
row the user saw in the preview has been changed by someone else since, the import is
refused rather than overwriting that change. Text is stored as text; nothing here renders it.

One module per step: `formats` (the kinds of file, their columns and limits, what a user is
told), `reading`, `checking`, `planning` (the preview), `writing`, `undoing`, `templates`.
"""

from __future__ import annotations

from .checking import validate
from .formats import (
    ADD,
    CHANGE,
    CLEAR,
    EXCEL_SUFFIXES,
    KINDS,
    MAX_PROBLEMS,
    MAX_ROWS,
    MAX_TEXT_CHARS,
    MAX_UNZIPPED_BYTES,
    MAX_UPLOAD_BYTES,
    TEXT_SUFFIXES,
    UNCHANGED,
    XLSM_MAIN_TYPE,
    XLSX_MAIN_TYPE,
    Column,
    ImportFileError,
    ImportRejected,
    Kind,
    Problem,
    UndoRefused,
    Validation,
    kind_of,
)
from .planning import preview
from .reading import read_path, read_upload
from .templates import template_bytes
from .undoing import undo_batch
from .writing import ImportResult, UndoResult, apply_import

__all__ = [
    "ADD", "CHANGE", "CLEAR", "EXCEL_SUFFIXES", "KINDS", "MAX_PROBLEMS", "MAX_ROWS", "MAX_TEXT_CHARS",
    "MAX_UNZIPPED_BYTES", "MAX_UPLOAD_BYTES", "TEXT_SUFFIXES", "UNCHANGED", "XLSM_MAIN_TYPE", "XLSX_MAIN_TYPE",
    "Column", "ImportFileError",
    "ImportRejected", "ImportResult", "Kind", "Problem", "UndoRefused", "UndoResult", "Validation", "apply_import",
    "kind_of", "preview", "read_path", "read_upload", "template_bytes", "undo_batch", "validate",
]
