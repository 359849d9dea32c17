"""The data browser's published format: its columns, statuses and limits, and what a user is told."""

from __future__ import annotations

from ...importers.formats import Problem

KIND = "civil-service-statistics"
SUPPRESSED = "[c]"
PROFESSION_COLUMN = "Profession_of_post"
STATUS_COLUMN, YEAR_COLUMN = "Status", "Year"
MEASURES = ("Headcount", "FTE", "Mean_salary", "Median_salary")
# Status as published: a stock at 31 March of Year, or a flow over the year to 31 March.
STATUSES = ("In post", "New entrant CS", "Leaver CS", "Leaver Dept.")
# First cells that start the notes and metadata after the data rows.
METADATA_STARTS = ("Notes", "Data source", "Version", "Data column")
# Far beyond any published table (the largest is about 2,000 rows), small enough to hold in memory.
MAX_FILE_BYTES = 25 * 1024 * 1024
# A data-browser table has Status, Year, a few dimensions and four measures; far wider is another file.
MAX_COLUMNS = 64
# Enough to show every mistake in a badly wrong file without holding millions.
MAX_PROBLEMS = 2_000
POPULATION_PROFESSION, POPULATION_CIVIL_SERVICE = "GSE", "Civil Service"
PUBLISHER = "Cabinet Office, Civil Service Statistics (Annual Civil Service Employment Survey)"
LICENCE = ("Contains public sector information licensed under the Open Government Licence v3.0. "
           "Source: Cabinet Office, Civil Service Statistics.")
RECORDER = "Civil Service Statistics import"


# Problems are reported in the same form as every other import's (importers.formats.Problem).


class OfficialImportError(ValueError):
    """An import refused; `problems` lists every problem found, with file, row and column."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}" if problems else "the import was refused")
