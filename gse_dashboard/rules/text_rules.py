"""What text the dashboard accepts, in one place, for every way text gets in.

Imports, the Manage data forms, the edit functions, saved view names and the command line all
check text with these rules, so what one entry point refuses no other lets through:

- no character an XML document cannot hold (C0 controls other than tab and line breaks,
  U+FFFE, U+FFFF, lone surrogates): the Word and PowerPoint files are XML, and one such
  character would make every document for that date fail;
- no control characters at all (tab and line breaks included) in a one-line field such as an
  owner, a name or a title;
- dates only as YYYY-MM-DD (not 2024-W01-1, not 20240101, not 1/2/2024);
- a name that must not pass for another (a saved query's and a ready-made one's) is compared by
  `lookalike_key`: the same letters whatever their case, width or alphabet (Cyrillic "а" is "a").

`xml_safe` is the last line of defence for text stored before these rules: documents pass
everything they write through it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Characters XML 1.0 cannot hold (tab, LF and CR are allowed), plus DEL, which is never typed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
# In a one-line field, no line breaks or tabs either (U+2028/2029 are line and paragraph separators).
_NOT_ONE_LINE = re.compile("[\t\n\r\x85\u2028\u2029]")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


# Cyrillic and Greek letters drawn like Latin ones (after NFKC and casefolding), as their Latin twins.
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ь": "b", "г": "r", "п": "n", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i",
    "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ζ": "z",
})


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def text_problem(text: str, *, one_line: bool = False) -> str | None:
    """Why TEXT is not acceptable (a phrase to follow the field's name), or None if it is."""
    bad = _NOT_XML.search(text)
    if bad:
        return (f"contains the invisible character {_describe(bad.group())} at position {bad.start() + 1} "
                "(copied from another program?): remove it")
    if one_line:
        bad = _NOT_ONE_LINE.search(text)
        if bad:
            return f"must be one line: it contains a line break or tab at position {bad.start() + 1}"
    return None


def lookalike_key(text: str) -> str:
    """TEXT as it looks: NFKC (full-width and other compatibility forms), no invisible format characters
    (zero-width spaces, joiners), case folded, Cyrillic and Greek look-alikes as Latin, spaces single."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(visible.translate(_LOOKALIKES).split())


def parse_date(text: str) -> dt.date:
    """TEXT as a date, only in the form YYYY-MM-DD; ValueError for anything else (ISO week dates included)."""
    match = ISO_DATE.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a date as YYYY-MM-DD")
    return dt.date(*(int(g) for g in match.groups()))


def is_date(text: str) -> bool:
    """Whether TEXT is a real date written YYYY-MM-DD."""
    try:
        parse_date(text)
    except ValueError:
        return False
    return True


# A value from a link or a file repeated in a message is cut to this many characters.
ECHO_CHARS = 40


def echo(value: object, limit: int = ECHO_CHARS) -> str:
    """VALUE as text to repeat in a message: at most LIMIT characters, then an ellipsis saying how long it was."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def xml_safe(text: str) -> str:
    """TEXT without the characters an XML document cannot hold (for text stored before these rules)."""
    return _NOT_XML.sub("", text) if isinstance(text, str) else text


def clean_for_xml(value):
    """VALUE (text, a table, a list or a dataclass of them) with every string passed through xml_safe."""
    import dataclasses

    import pandas as pd

    if isinstance(value, str):
        return xml_safe(value)
    if type(value).__module__.startswith(("plotly", "gse_dashboard.charts.builders")):
        return value  # charts are drawn to images (their alt text is cleaned with the image)
    if isinstance(value, pd.DataFrame):
        cleaned = value.rename(columns=lambda c: xml_safe(c) if isinstance(c, str) else c)
        return cleaned.map(lambda v: xml_safe(v) if isinstance(v, str) else v)
    if isinstance(value, list):
        return [clean_for_xml(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(clean_for_xml(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: clean_for_xml(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value
