"""Text shown as text: a workstream's '1. Raising…' is not turned into a numbered list by Markdown."""

from __future__ import annotations

from gse_dashboard.rules.safe_text import escape_md


def test_a_leading_number_or_dash_is_escaped_so_markdown_makes_no_list():
    """A leading '1.', '10)', '-' or '+' before a space gets a backslash, which CommonMark reads as plain text."""
    assert escape_md("1. Raising the Profile & Building Pride") == "1\\. Raising the Profile & Building Pride"
    assert escape_md("10) Outreach") == "10\\) Outreach"
    assert escape_md("- a dash") == "\\- a dash"
    assert escape_md("+ a plus") == "\\+ a plus"


def test_dates_and_numbers_are_left_as_they_are():
    """Dates, decimals and negative numbers are not changed by the escaping."""
    assert [escape_md(t) for t in ("2019-10-16", "403.0", "-5", "1.5%")] == ["2019-10-16", "403.0", "-5", "1.5%"]
