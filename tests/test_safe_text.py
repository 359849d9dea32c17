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


def test_addresses_and_rules_in_text_are_broken_for_markdown_but_read_the_same():
    """`http://…`, `www.…` and `a@b.c` get an invisible word joiner that no autolink matches; `---` is no rule.

    The attack: escaped commentary still became clickable links (GitHub-flavoured Markdown finds
    addresses after escapes are read) and a line of dashes drew a rule across a table cell.
    """
    cases = {"http://evil.example/x": "http\u2060\\://evil.example/x",
             "see HTTPS://evil.example": "see HTTPS\u2060\\://evil.example",
             "www.evil.example": "www\u2060.evil.example",
             "write to a@b.co": "write to a\u2060@b.co",
             "---": "\\---", "  - - -": "  \\- - -"}
    assert {text: escape_md(text) for text in cases} == cases
    for text, escaped in cases.items():
        assert escaped.replace("\u2060", "").replace("\\", "") == text  # reads as typed
    assert [escape_md(t) for t in ("--", "-5", "a -- b")] == ["--", "-5", "a -- b"]
