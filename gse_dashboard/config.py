"""Settings: where the database lives and the thresholds the rules of the field use.

Read from the environment first, then from Streamlit's secrets when running inside the app
(passed in by the caller, so this module does not import Streamlit).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The repository root: data/ and the default database live beside the package.
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "gse.db"

# Government Statistical Service practice: counts below 10 are not shown.
DEFAULT_SUPPRESSION_THRESHOLD = 10


@dataclass(frozen=True)
class Settings:
    """Everything the package needs to know about its environment."""

    db_path: Path
    suppression_threshold: int = DEFAULT_SUPPRESSION_THRESHOLD


def _setting(name: str, secrets: dict | None) -> str | None:
    """Return the environment variable NAME, else the lower-case key in secrets, else None."""
    if os.environ.get(name):
        return os.environ[name]
    if secrets:
        value = secrets.get(name.lower().removeprefix("gse_"))
        if value is not None:
            return str(value)
    return None


def load_settings(secrets: dict | None = None) -> Settings:
    """Build the settings from GSE_* environment variables, then from secrets."""
    db_path = Path(_setting("GSE_DB_PATH", secrets) or DEFAULT_DB_PATH)
    threshold_text = _setting("GSE_SUPPRESSION_THRESHOLD", secrets)
    threshold = DEFAULT_SUPPRESSION_THRESHOLD
    if threshold_text is not None:
        try:
            threshold = int(threshold_text)
        except ValueError:
            raise ValueError(
                f"GSE_SUPPRESSION_THRESHOLD must be a whole number, not {threshold_text!r}"
            ) from None
        if threshold < 1:
            raise ValueError("GSE_SUPPRESSION_THRESHOLD must be at least 1")
    return Settings(db_path=db_path, suppression_threshold=threshold)
