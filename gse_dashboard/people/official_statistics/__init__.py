"""Civil Service Statistics: read the Cabinet Office's data-browser CSVs, check them, and import them.

Every year the Cabinet Office publishes Civil Service Statistics from the Annual Civil Service
Employment Survey (ACSES, as at 31 March), and its data browser offers each table as a CSV:
a header naming the table's dimensions (`Status, Year, <dimensions>, Headcount, FTE,
Mean_salary, Median_salary`), the data rows, then rows of notes and metadata. This package
reads those files exactly as published and turns them into two things, written in one
import batch:

- published cells (`official_cells`): every published figure for the profession and for the
  whole Civil Service, `[c]` kept as suppressed (never 0, never dropped), with the file's
  `Version` and data source as its source;
- observations of the dashboard's indicators, derived from the cells as the strategy
  measures them: diversity shares of those declared (numerator, denominator, declaration
  rate), and civil servants in the profession's posts, by grade and department, with
  entrants and leavers.

The table's shape comes from its header only, never from the file's name or folder, and no
release year is special: next year's files import with no code change. Flow: read_tables →
plan_import (preview, every problem listed with file, row and column) → apply_import (backup,
one transaction, audit log) and undo_rows for `undo-import`.

One module per step, as in `importers`: `formats` (the published format, what a user is told),
`reading`, `records` (what the tables mean), `planning` (the preview), `writing`, `undoing`,
`shipped` (the releases in data/).
"""

from __future__ import annotations

from ...importers.formats import Problem
from .formats import (
    KIND,
    LICENCE,
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    MEASURES,
    METADATA_STARTS,
    POPULATION_CIVIL_SERVICE,
    POPULATION_PROFESSION,
    PROFESSION_COLUMN,
    PUBLISHER,
    RECORDER,
    STATUS_COLUMN,
    STATUSES,
    SUPPRESSED,
    YEAR_COLUMN,
    OfficialImportError,
)
from .planning import ADD, CHANGE, HEADLINES, UNCHANGED, Plan, headlines, plan_import
from .reading import (
    DataRow,
    Table,
    Value,
    decode,
    expand_zips,
    find_files,
    read_paths,
    read_table,
    read_tables,
    unzip_release,
)
from .records import (
    DEPARTMENT_DIMENSIONS,
    GRADE_DIMENSIONS,
    GRADES,
    NOT_DECLARED,
    OFFICIAL_INDICATORS,
    SHARE_BY_DIMENSION,
    SHARES,
    STATUS_INDICATORS,
    CellRecord,
    ObservationRecord,
    Share,
    cell_records,
    observation_records,
    period_of,
)
from .shipped import RELEASES_FILE, load_shipped, release_dates, shipped_folder
from .undoing import UndoRefused, undo_rows
from .writing import ImportResult, apply_import, batch_name, write_plan

__all__ = [
    "ADD", "CHANGE", "DEPARTMENT_DIMENSIONS", "HEADLINES", "expand_zips", "headlines", "unzip_release",
    "GRADES", "GRADE_DIMENSIONS", "KIND", "LICENCE", "MAX_FILE_BYTES",
    "MAX_PROBLEMS", "MEASURES", "METADATA_STARTS", "NOT_DECLARED", "OFFICIAL_INDICATORS", "POPULATION_CIVIL_SERVICE",
    "POPULATION_PROFESSION", "PROFESSION_COLUMN", "PUBLISHER", "RECORDER", "SHARES", "SHARE_BY_DIMENSION", "STATUSES",
    "STATUS_COLUMN", "STATUS_INDICATORS", "SUPPRESSED", "UNCHANGED", "YEAR_COLUMN", "CellRecord", "DataRow",
    "ImportResult", "ObservationRecord", "OfficialImportError", "Plan", "Problem", "Share", "Table", "UndoRefused",
    "RELEASES_FILE", "Value", "apply_import", "batch_name", "cell_records", "decode", "find_files", "load_shipped",
    "observation_records", "period_of", "plan_import", "read_paths", "release_dates", "read_table", "read_tables",
    "shipped_folder",
    "undo_rows", "write_plan",
]
