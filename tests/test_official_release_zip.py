"""The year's Civil Service Statistics release imported from one zip, with its headline figures previewed (issue 25).

The release is 15 tables all named data.csv in folders; a "2023-style" release is built from the shipped
2022 one (tests/releases.py), relabelled and with every headcount grown by 6%.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from gse_dashboard.people import official_statistics as official
from gse_dashboard.rules import auth
from gse_dashboard.storage import store

sys.path.insert(0, str(Path(__file__).resolve().parent))
import releases  # noqa: E402

EDITOR = auth.command_line_user("Ada Analyst")


def test_a_zip_of_the_release_reads_as_its_fifteen_tables_named_by_their_folders(tmp_path):
    """One zip gives the 15 tables, each named by its folder in the zip, not as one of fifteen data.csv."""
    tables, problems = official.read_paths([releases.release_zip(tmp_path / "acses-2023.zip")])
    assert problems == [] and len(tables) == 15
    names = {t.filename.split(": ", 1)[1] for t in tables}
    assert "acses-2023/Profession_of_post/Sex/data.csv" in names and len(names) == 15
    assert {row.year for t in tables for row in t.rows} == {2023}


def test_the_preview_gives_the_seven_headline_figures_against_the_previous_release(db_copy, tmp_path):
    """Headcount, SCS and the five shares of 2023 are shown beside 2022's as stored, then imported as previewed."""
    tables, problems = official.read_paths([releases.release_zip(tmp_path / "acses-2023.zip")])
    with store.reading(db_copy) as conn:
        plan = official.plan_import(conn, tables, problems)
        headlines = {h["indicator"] + "/" + h["figure"][:3]: h for h in official.headlines(conn, plan)}
    assert len(headlines) == 7
    headcount = headlines["acses_in_post/Civ"]
    assert (headcount["release"], headcount["previous_release"], headcount["previous"]) == (2023, 2022, 13945)
    assert headcount["value"] == 14780 and headcount["change"] == 835  # 13,945 grown 6%, as the publisher rounds
    assert headlines["acses_in_post/of "]["previous"] == 95
    assert headlines["women/Wom"]["previous"] == pytest.approx(31.29)
    assert headlines["women/Wom"]["value"] == pytest.approx(31.3, abs=0.1)
    official.apply_import(db_copy, plan, user=EDITOR)
    with store.reading(db_copy) as conn:
        stored = conn.execute("SELECT value FROM observations WHERE indicator = 'acses_in_post' AND population = 'GSE' "
                              "AND period = '2023-03-31' AND department = 'All' AND grade = 'All' "
                              "AND superseded_at IS NULL").fetchone()
    assert stored == (14780,)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


BAD_ZIPS = {
    "cut short": (lambda: b"PK\x03\x04 not really a zip", "is not a zip file that can be read"),
    "no tables": (lambda: _zip({"notes.txt": b"hello"}), "holds no .csv files"),
    "too many tables": (lambda: _zip({f"t{i}/data.csv": b"x" for i in range(201)}), "holds 201 CSV files"),
    "a table too large": (lambda: _zip({"big/data.csv": b"0" * (official.MAX_FILE_BYTES + 1)}),
                          "is over 25 MB unzipped"),
}


@pytest.mark.parametrize("case", list(BAD_ZIPS))
def test_a_bad_zip_is_refused_in_one_line_naming_it(case):
    """A cut-off zip, one with no tables, too many or one too large unzipped is refused, naming the zip."""
    build, message = BAD_ZIPS[case]
    data = build()
    with pytest.raises(official.OfficialImportError) as refused:
        official.unzip_release(data, "release.zip")
    (problem,) = refused.value.problems
    assert problem.filename == "release.zip" and message in problem.message
