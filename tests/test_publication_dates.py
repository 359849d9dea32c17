"""Each Civil Service Statistics release is known from the day it was published, in every as-at view."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gse_dashboard import cli, explore
from gse_dashboard.board import pack_sections
from gse_dashboard.people import official_statistics as official
from gse_dashboard.seed.build import build_database
from gse_dashboard.storage import store
from gse_dashboard.views import official as official_views
from gse_dashboard.views import screens

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "civil-service-statistics"
AFTER_BOTH = "2022-09-30"
BEFORE_2021 = "2021-06-30"
BETWEEN = "2022-03-31"


@pytest.fixture(scope="module")
def empty_db_template(tmp_path_factory) -> Path:
    """A database built from the strategy files only (no shipped releases, no sample), once for the module."""
    folder = tmp_path_factory.mktemp("strategy-only")
    data = folder / "data"
    data.mkdir()
    for name in ("workstreams.csv", "commitments.csv", "indicators.csv", "baseline_observations.csv"):
        shutil.copyfile(ROOT / "data" / name, data / name)
    build_database(folder / "gse.db", sample=False, data_dir=data)
    return folder / "gse.db"


@pytest.fixture
def empty_db_file(empty_db_template, tmp_path) -> Path:
    """A private copy of the strategy-only database that a test may change."""
    path = tmp_path / "gse.db"
    shutil.copyfile(empty_db_template, path)
    return path


@pytest.fixture
def built_conn(built_db_file):
    database = store.connect(built_db_file, readonly=True)
    yield database.conn
    database.close()


def test_the_shipped_releases_carry_their_publication_dates_and_sources():
    """releases.toml gives every shipped release folder a publication date and where that date comes from."""
    dates = official.release_dates(SHIPPED)
    assert {name: entry["published_on"] for name, entry in dates.items()} == {"2021": "2021-08-05",
                                                                            "2022": "2022-08-04"}
    assert all(entry["date_source"] for entry in dates.values())
    folders = {path.name for path in SHIPPED.iterdir() if path.is_dir()}
    assert folders == set(dates)


def test_each_shipped_release_is_recorded_as_known_from_its_publication_day(built_conn):
    """The 2021 figures are known from 5 August 2021 and the 2022 ones from 4 August 2022, not from 2023."""
    known = dict(built_conn.execute("SELECT year, MIN(recorded_at) FROM official_cells GROUP BY year").fetchall())
    assert known == {2021: "2021-08-05T00:00:00", 2022: "2022-08-04T00:00:00"}
    source = built_conn.execute("SELECT source FROM official_cells WHERE year = 2022 LIMIT 1").fetchone()[0]
    assert "published 4 August 2022" in source


def test_as_at_30_september_2022_the_diversity_page_explore_and_pack_show_2021_and_2022(built_conn):
    """After both releases, the Diversity story, Explore and the pack show the 2021 and 2022 published figures."""
    story = official_views.diversity_story(built_conn, AFTER_BOTH, 10)
    assert story.years == ["2015", "2021", "2022"] and story.released == ["2021", "2022"]
    women = story.summary.set_index("Characteristic").loc["Women"]
    assert (women["From"], women["To"]) == ("2015", "2022")
    choices = explore.load_choices(built_conn)
    state = explore.from_query_params({"source": "women", "by": "period", "as_at": AFTER_BOTH}, choices)
    periods = set(explore.answer(built_conn, state, 10).raw["period"])
    assert {"2021-03-31", "2022-03-31"} <= periods
    snap = screens.board_pack(built_conn, AFTER_BOTH, 10, "Science and Engineering")
    assert snap.headcount.years == [2021, 2022] and snap.story.released == ["2021", "2022"]
    assert "No Civil Service Statistics" not in " ".join(
        block.text for block in [pack_sections.story_block(snap)] if hasattr(block, "text"))


def test_between_the_releases_the_pack_shows_the_2021_release_only(built_conn):
    """As at 31 March 2022 (after the 2021 release, before the 2022 one) only 2021 is shown."""
    snap = screens.board_pack(built_conn, BETWEEN, 10, "Science and Engineering")
    assert snap.headcount.years == [2021] and snap.story.released == ["2021"]


def test_before_the_2021_release_none_are_shown_and_the_page_and_pack_say_so(built_conn):
    """As at 30 June 2021 no release had been published: no published figure, and a sentence that says so."""
    story = official_views.diversity_story(built_conn, BEFORE_2021, 10)
    assert story.released == [] and story.years == ["2015"]
    assert official_views.headcount(built_conn, BEFORE_2021, "Science and Engineering", 10).empty
    choices = explore.load_choices(built_conn)
    state = explore.from_query_params({"source": "women", "by": "period", "as_at": BEFORE_2021}, choices)
    assert set(explore.answer(built_conn, state, 10).raw["period"]) <= {"2015-03-31"}
    snap = screens.board_pack(built_conn, BEFORE_2021, 10, "Science and Engineering")
    said = pack_sections.story_block(snap).text
    assert "No Civil Service Statistics release had been published by 30 June 2021" in said
    assert "2015" in said


def test_an_import_with_a_publication_date_is_known_from_that_day(empty_db_file, capsys):
    """--published-on DATE records the release as known from DATE and its source says when it was published."""
    assert cli.main(["--db", str(empty_db_file), "import", "civil-service-statistics", str(SHIPPED / "2021"),
                     "--published-on", "2021-08-05"]) == 0
    assert "published 2021-08-05" in capsys.readouterr().out
    database = store.connect(empty_db_file, readonly=True)
    rows = database.conn.execute("SELECT DISTINCT recorded_at FROM official_cells").fetchall()
    source = database.conn.execute("SELECT source FROM observations WHERE batch_id = 1 LIMIT 1").fetchone()[0]
    database.close()
    assert rows == [("2021-08-05T00:00:00",)] and "published 5 August 2021" in source


def test_an_import_without_a_publication_date_uses_the_import_date_and_says_so(empty_db_file, capsys):
    """Without --published-on the import date is used, and the batch and every figure's source say so."""
    assert cli.main(["--db", str(empty_db_file), "import", "civil-service-statistics",
                     str(SHIPPED / "2022" / "Profession_of_post" / "data.csv")]) == 0
    assert "publication date not given: known from the import date" in capsys.readouterr().out
    database = store.connect(empty_db_file, readonly=True)
    source = database.conn.execute("SELECT source FROM official_cells LIMIT 1").fetchone()[0]
    database.close()
    assert "publication date not given: known from its import on" in source


@pytest.mark.parametrize(("given", "words"), [
    ("4/8/2022", "is not a date written YYYY-MM-DD"),
    ("2099-01-01", "is after today"),
    ("2022-03-01", "is not after 31 March 2022"),
])
def test_a_bad_publication_date_is_refused_with_one_line_and_nothing_written(empty_db_file, capsys, given, words):
    """A publication date that is not a date, is in the future or precedes the figures' date is refused."""
    assert cli.main(["--db", str(empty_db_file), "import", "civil-service-statistics",
                     str(SHIPPED / "2022" / "Profession_of_post" / "data.csv"), "--published-on", given]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    database = store.connect(empty_db_file, readonly=True)
    assert database.conn.execute("SELECT COUNT(*) FROM import_batches").fetchone()[0] == 0
    database.close()


def test_explore_says_when_no_release_had_been_published_and_names_posts(built_conn):
    """Explore as at a date before the 2021 release says none had been published; after it, it does not."""
    choices = explore.load_choices(built_conn)
    before = explore.answer(built_conn, explore.from_query_params(
        {"source": "women", "by": "period", "as_at": BEFORE_2021}, choices), 10)
    assert any("No Civil Service Statistics release had been published by 30 June 2021" in n for n in before.notes)
    after = explore.answer(built_conn, explore.from_query_params(
        {"source": "women", "by": "period", "as_at": AFTER_BOTH}, choices), 10)
    assert not any("No Civil Service Statistics release" in n for n in after.notes)
    assert "Science and Engineering posts" in after.chart.subtitle and "GSE profession" not in after.chart.subtitle
