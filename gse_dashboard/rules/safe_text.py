"""Text from users and data files shown as text: never as Markdown, HTML, links or LaTeX.

Streamlit renders Markdown in st.markdown, captions, alerts and st.table cells; this escapes
the characters that would start a link, emphasis, code, HTML, a colour or emoji directive
or LaTeX, so a commitment title or a commentary reads exactly as it was typed.
"""

from __future__ import annotations

import re

# Inline Markdown, Streamlit directives (:red[..], :material/x:, :emoji:) and LaTeX ($..$).
_SPECIAL = re.compile(r"([\\`*_\[\]<>$~|:#{}])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# What starts a list item at the start of a line: '1. ', '1) ', '- ', '+ '.
_LIST_START = re.compile(r"^(\s*\d{0,9})([.)\-+])(?=\s|$)")


def escape_md(text: object) -> str:
    """TEXT escaped for Streamlit Markdown, on one line ('1. Raising…' stays text, not a numbered list)."""
    if text is None:
        return ""
    escaped = _SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    return _LIST_START.sub(r"\1\\\2", escaped)
