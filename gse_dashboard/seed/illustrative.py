"""What every illustrative record shares: its seed, its recorder, the Board's meeting dates, its end.

The illustrative history (`sample`), the Board's illustrative records (`sample_board`) and the
larger history for the benchmark (`scale`) all draw from here, so none of them imports another's
internals.
"""

from __future__ import annotations

import datetime as dt
import random

from ..strategy.vocabulary import LAUNCH, quarter_ends

SEED = 2016
# The illustrative history runs from the launch to the last quarter before the data ends.
HISTORY_END = dt.date(2026, 9, 30)
RECORDER = "Illustrative history"


def rng_for(*key: object) -> random.Random:
    """A generator seeded by SEED and KEY, stable across runs and Python versions."""
    return random.Random("-".join(str(part) for part in (SEED, *key)))


def board_meeting_dates() -> list[dt.date]:
    """The third Wednesday of the month after each quarter end, from October 2016."""
    dates = []
    for quarter_end in quarter_ends(LAUNCH, HISTORY_END):
        year, month = (quarter_end.year + 1, 1) if quarter_end.month == 12 else (
            quarter_end.year, quarter_end.month + 1)
        first = dt.date(year, month, 1)
        first_wednesday = first + dt.timedelta(days=(2 - first.weekday()) % 7)
        dates.append(first_wednesday + dt.timedelta(days=14))
    return dates
