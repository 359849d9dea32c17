"""What the dashboard adds to Streamlit to meet WCAG 2.2 AA, and its accessibility statement.

Pure text, no Streamlit: ui.accessibility_css_ui injects the CSS once per run, and the About
page shows the statement (kept in accessibility_statement.md beside this file so it can be
edited as a document). docs/ACCESSIBILITY.md says which Streamlit issue each rule works round.
"""

from __future__ import annotations

from pathlib import Path

from .safe_text import escape_md

STATEMENT_FILE = Path(__file__).with_name("accessibility_statement.md")

# GOV.UK's secondary text colour: 7:1 on white, where Streamlit's captions (its text colour at
# 60% opacity) reach only 3.9:1 (WCAG 1.4.3).
SECONDARY_TEXT = "#505A5F"
# GOV.UK's focus colours: yellow with a black edge shows on any background (WCAG 2.4.7).
FOCUS_YELLOW = "#FFDD00"
FOCUS_BLACK = "#0B0C0C"

CSS = f"""
/* 1.4.3 Contrast: captions at full strength in a darker grey. */
[data-testid="stCaptionContainer"] {{ opacity: 1 !important; color: {SECONDARY_TEXT} !important; }}
/* 1.4.11 Non-text contrast: Streamlit's faint link icon beside each heading is hidden (and so
   leaves the tab order); headings are still listed by screen readers. */
[data-testid="stHeaderActionElements"] {{ display: none !important; }}
/* 2.5.8 Target size: each part of a date (day, month, year) at least 24 by 24 pixels. */
[data-testid="stDateInputField"] [role="spinbutton"] {{
  display: inline-block; min-width: 24px; min-height: 24px; line-height: 24px; text-align: center;
}}
/* 2.4.7 Focus visible: a thick yellow and black ring on whatever has keyboard focus. */
:focus-visible {{
  outline: 3px solid {FOCUS_BLACK} !important; outline-offset: 0 !important;
  box-shadow: 0 0 0 6px {FOCUS_YELLOW} !important;
}}
/* 2.4.7 Focus visible: a radio button or checkbox is a visually hidden input inside its label,
   so the ring goes round the label the user sees. */
label:has(input:is([type="radio"], [type="checkbox"]):focus-visible) {{
  outline: 3px solid {FOCUS_BLACK} !important; outline-offset: 0 !important;
  box-shadow: 0 0 0 6px {FOCUS_YELLOW} !important;
}}
/* 2.4.11 Focus not obscured: scrolling to a focused control leaves room for the sticky header. */
html, [data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"] {{ scroll-padding-top: 6rem; }}
[data-testid="stMain"] :is(a, button, input, textarea, select, summary, [tabindex], [role="spinbutton"]) {{
  scroll-margin-top: 6rem; scroll-margin-bottom: 2rem;
}}
/* 1.4.10 Reflow: long words and links in text wrap instead of widening the page. */
[data-testid="stMarkdownContainer"], [data-testid="stTable"] td, [data-testid="stTable"] th,
[data-testid="stText"] {{ overflow-wrap: anywhere; }}
/* 1.4.10 Reflow: a table wider than the page scrolls sideways in its own box instead of being cut off. */
[data-testid="stTable"] {{ overflow-x: auto !important; max-width: 100%; }}
/* 1.4.10 Reflow: a metric's label and value wrap in a narrow column instead of being cut off
   with an ellipsis ("Amber/…" hid the rating's word). */
:is([data-testid="stMetricValue"], [data-testid="stMetricLabel"]) :is(.stMarkdownEllipsis, p) {{
  white-space: normal !important; text-overflow: clip !important; overflow-wrap: anywhere;
}}
"""


def statement(contact: str) -> str:
    """The accessibility statement as Markdown, naming CONTACT (a setting, escaped) for feedback."""
    return STATEMENT_FILE.read_text(encoding="utf-8").replace("{contact}", escape_md(contact))
