"""Text from users and data files shown as text: never as Markdown, HTML, links or LaTeX.

Streamlit renders Markdown in st.markdown, captions, alerts and st.table cells; this escapes
the characters that would start a link, emphasis, code, HTML, a colour or emoji directive
or LaTeX, so a commitment title or a commentary reads exactly as it was typed.

Backslashes do not stop GitHub-flavoured Markdown's autolinks: it finds `http://…`, `www.…`
and `name@host.tld` in the text after escapes are read. An invisible WORD JOINER (U+2060) put
inside each of those (`http⁠://`, `www⁠.`, `name⁠@`) leaves the text as it reads but matches no
autolink; a line of only dashes (`---`, a horizontal rule) gets a backslash on its first dash.
"""

from __future__ import annotations

import re

# Inline Markdown, Streamlit directives (:red[..], :material/x:, :emoji:) and LaTeX ($..$).
_SPECIAL = re.compile(r"([\\`*_\[\]<>$~|:#{}])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# What starts a list item at the start of a line: '1. ', '1) ', '- ', '+ '.
_LIST_START = re.compile(r"^(\s*\d{0,9})([.)\-+])(?=\s|$)")
# Where GitHub-flavoured Markdown's autolinks start: a web address's '://', 'www.', an e-mail's '@'.
_AUTOLINK = re.compile(r"(?i)(?:(?<=http)|(?<=https)|(?<=ftp))(?=:)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"
# A line of three or more dashes (spaces between allowed): a horizontal rule.
_RULE = re.compile(r"^(\s*)-(?=(?:\s*-){2,}\s*$)")


def escape_md(text: object) -> str:
    """TEXT escaped for Streamlit Markdown, on one line ('1. Raising…' stays text, not a numbered list)."""
    if text is None:
        return ""
    one_line = _AUTOLINK.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(text)))
    escaped = _RULE.sub(r"\1\\-", _SPECIAL.sub(r"\\\1", one_line))
    return _LIST_START.sub(r"\1\\\2", escaped)
