"""Settings: where the database lives and the thresholds the rules of the field use.

Read from the environment first, then from Streamlit's secrets when running inside the app
(passed in by the caller, so this module does not import Streamlit).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

# The repository root: data/ and the default database live beside the package.
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "gse.db"

# Government Statistical Service practice: counts below 10 are not shown.
DEFAULT_SUPPRESSION_THRESHOLD = 10
# The SQL box stops a query after this long, so one runaway query cannot stall the server.
DEFAULT_SQL_TIME_LIMIT_S = 1.0
# The SQL box returns at most this many rows: enough to read, too few to exhaust memory.
DEFAULT_SQL_ROW_CAP = 10_000
# The profession of post whose Civil Service Statistics the dashboard reads (GSE_PROFESSION).
DEFAULT_PROFESSION = "Science and Engineering"
# Board papers go out this many working days (Monday to Friday) before the meeting (GSE_PAPERS_DEADLINE_DAYS):
# a pack for a Board is as known at the end of that day.
DEFAULT_PAPERS_DEADLINE_DAYS = 5
# Backups kept beside the database (GSE_KEEP_BACKUPS): the oldest beyond this are removed.
DEFAULT_KEEP_BACKUPS = 20
# Where the accessibility statement sends people who cannot use part of the dashboard.
DEFAULT_ACCESSIBILITY_CONTACT = "the GSE Profession team at the Government Office for Science"


@dataclass(frozen=True)
class Settings:
    """Everything the package needs to know about its environment."""

    db_path: Path
    suppression_threshold: int = DEFAULT_SUPPRESSION_THRESHOLD
    # E-mail addresses (lower case) allowed to edit when sign-in is configured.
    editors: frozenset[str] = frozenset()
    # In local mode (no [auth] in secrets), refuse all edits when this is on.
    require_login: bool = False
    sql_time_limit_s: float = DEFAULT_SQL_TIME_LIMIT_S
    sql_row_cap: int = DEFAULT_SQL_ROW_CAP
    # Named in the accessibility statement: a team mailbox, e.g. "gse-team@example.gov.uk".
    accessibility_contact: str = DEFAULT_ACCESSIBILITY_CONTACT
    # The profession of post, as Civil Service Statistics name it, whose figures are "the profession".
    profession: str = DEFAULT_PROFESSION
    # The Chromium that draws the documents' charts and prints the PDF (GSE_CHROMIUM); empty: the system's.
    chromium: str = ""
    # Working days between the Board papers' deadline and the meeting.
    papers_deadline_days: int = DEFAULT_PAPERS_DEADLINE_DAYS
    # How many backups to keep in backups/ beside the database; older ones are removed.
    keep_backups: int = DEFAULT_KEEP_BACKUPS


def _setting(name: str, secrets: dict | None) -> str | None:
    """Return the environment variable NAME, else the lower-case key in secrets, else None."""
    if os.environ.get(name):
        return os.environ[name]
    if secrets:
        value = secrets.get(name.lower().removeprefix("gse_"))
        if value is not None:
            if isinstance(value, list | tuple):
                return ",".join(str(v) for v in value)
            return str(value).lower() if isinstance(value, bool) else str(value)
    return None


def _number(name: str, secrets: dict | None, default, kind, minimum, maximum=None):
    text = _setting(name, secrets)
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name} must be a {'whole ' if kind is int else ''}number, not {text!r}") from None
    if not math.isfinite(value):  # float("nan") and float("inf") parse, and would switch a limit off
        raise ValueError(f"{name} must be a finite number, not {text!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, not {text!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    return value


def load_settings(secrets: dict | None = None) -> Settings:
    """Build the settings from GSE_* environment variables, then from secrets."""
    db_path = Path(_setting("GSE_DB_PATH", secrets) or DEFAULT_DB_PATH)
    editors = _setting("GSE_EDITORS", secrets) or ""
    require_login = (_setting("GSE_REQUIRE_LOGIN", secrets) or "false").strip().lower()
    if require_login not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"GSE_REQUIRE_LOGIN must be true or false, not {require_login!r}")
    return Settings(
        db_path=db_path,
        suppression_threshold=_number("GSE_SUPPRESSION_THRESHOLD", secrets, DEFAULT_SUPPRESSION_THRESHOLD, int, 1),
        editors=frozenset(e.strip().lower() for e in editors.split(",") if e.strip()),
        require_login=require_login in ("true", "1", "yes"),
        sql_time_limit_s=_number("GSE_SQL_TIME_LIMIT", secrets, DEFAULT_SQL_TIME_LIMIT_S, float, 0.01, 600),
        sql_row_cap=_number("GSE_SQL_ROW_CAP", secrets, DEFAULT_SQL_ROW_CAP, int, 1),
        accessibility_contact=(_setting("GSE_ACCESSIBILITY_CONTACT", secrets) or "").strip()
        or DEFAULT_ACCESSIBILITY_CONTACT,
        profession=(_setting("GSE_PROFESSION", secrets) or "").strip() or DEFAULT_PROFESSION,
        papers_deadline_days=_number("GSE_PAPERS_DEADLINE_DAYS", secrets, DEFAULT_PAPERS_DEADLINE_DAYS, int, 0, 60),
        chromium=(_setting("GSE_CHROMIUM", secrets) or "").strip(),
        keep_backups=_number("GSE_KEEP_BACKUPS", secrets, DEFAULT_KEEP_BACKUPS, int, 1),
    )
