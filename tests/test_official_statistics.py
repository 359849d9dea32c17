"""Civil Service Statistics: the published data-browser CSVs read, checked, imported, revised and undone."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gse_dashboard import cli, importers
from gse_dashboard.config import load_settings
from gse_dashboard.people import official_statistics as official
from gse_dashboard.rules import auth
from gse_dashboard.seed.build import build_database
from gse_dashboard.storage import store
from gse_dashboard.strategy.reading import load_strategy

EDITOR = auth.command_line_user("Ada Analyst")
ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "civil-service-statistics"
PROFESSION = "Science and Engineering"
# Tables an import or undo may change, compared whole to prove "nothing written".
TABLES = ("meta", "official_cells", "observations", "indicators", "audit_log", "import_batches")
VERSION = "Generated on 2024-01-31, with GIT 1234567."


@pytest.fixture
def fresh_db():
    """An in-memory database with the strategy's indicators and no figures at all (not even its baseline)."""
    database = store.memory_db()
    with store.write_transaction(database):
        load_strategy(database)
        database.conn.execute("DELETE FROM observations")
    yield database
    database.close()


def table_csv(dimensions: list[str], rows: list[list[str]], *, version: str = VERSION,
              encoding: str = "cp1252", metadata: bool = True) -> bytes:
    """A data-browser table as published: header, data rows, then notes and metadata rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    width = 2 + len(dimensions) + 4
    writer.writerow(["Status", "Year", *dimensions, "Headcount", "FTE", "Mean_salary", "Median_salary"])
    writer.writerows(rows)
    if metadata:
        pad = [""] * (width - 2)
        writer.writerow(["Notes", "Figures are rounded to the nearest 5, or £10 as appropriate.", *pad])
        writer.writerow(["Data source", "All figures are aggregated from the Cabinet Office ACSES collection.", *pad])
        writer.writerow(["Version", version, *pad])
        writer.writerow(["Data column", "Description", *pad])
        writer.writerow(["Status", "Employment status of the civil servants.", *pad])
        writer.writerow(["", "In post - includes staff that were in post on the reference date (31 March).", *pad])
        writer.writerow(["Mean_salary", "Average salary (mean, rounded to nearest £10).", *pad])
    return buffer.getvalue().encode(encoding)


def sex_rows(year: str = "2024", female: str = "4500", male: str = "9500", unknown: str = "[c]") -> list[list[str]]:
    """Profession-by-sex rows for the profession and one other profession."""
    return [
        ["In post", year, PROFESSION, "Female", female, "4200", "38000", "37000"],
        ["In post", year, PROFESSION, "Male", male, "9300", "39000", "37500"],
        ["In post", year, PROFESSION, "Unknown", unknown, "[c]", "[c]", "[c]"],
        ["In post", year, "Finance", "Female", "6000", "5800", "40000", "39000"],
        ["Leaver CS", year, PROFESSION, "Female", "300", "[c]", "31000", "29000"],
    ]


def sex_table(**kwargs) -> bytes:
    return table_csv(["Profession_of_post", "Sex"], sex_rows(**{k: kwargs.pop(k) for k in list(kwargs)
                                                                if k in ("year", "female", "male", "unknown")}),
                     **kwargs)


def fingerprint(database: store.sqlite_utils.Database) -> str:
    """A hash of every row of every table an import could touch."""
    digest = hashlib.sha256()
    for table in TABLES:
        for row in database.conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def plan_of(database, files: list[tuple[str, bytes]], profession: str = PROFESSION) -> official.Plan:
    tables, problems = official.read_tables(files, profession)
    return official.plan_import(database.conn, tables, problems, profession=profession)


def import_files(database, files: list[tuple[str, bytes]]) -> official.ImportResult:
    return official.apply_import(database, plan_of(database, files), user=EDITOR)


def refused(database, files: list[tuple[str, bytes]]) -> list[official.Problem]:
    """The problems an import of FILES is refused with (and proof that nothing was written)."""
    before = fingerprint(database)
    with pytest.raises(official.OfficialImportError) as caught:
        plan_of(database, files)
    assert fingerprint(database) == before
    return caught.value.problems


def current(database, sql: str, params=()) -> list[tuple]:
    return database.conn.execute(sql, params).fetchall()


# -- the shipped files ----------------------------------------------------------------------------


def test_shipped_files_are_the_published_files_byte_for_byte():
    """The project keeps each release's 15 tables, in Windows-1252 as published, with the publisher's metadata."""
    files = sorted(SHIPPED.rglob("*.csv"))
    assert len(files) == 30
    tables, problems = official.read_paths([SHIPPED])
    assert problems == []
    assert {t.encoding for t in tables} == {"Windows-1252"}
    assert {t.version for t in tables} == {"Generated on 2023-02-14, with GIT 71a76ea."}
    assert {t.source(2022).split("; ")[-1] for t in tables} == {
        "data source: https://www.gov.uk/government/collections/civil-service-statistics"}
    shapes = {t.shape for t in tables}
    assert {"Total", "Profession_of_post", "Profession_of_post/Sex", "Ethnicity/Profession_of_post",
            "Parent_department/Profession_of_post", "Profession_of_post/Responsibility_level_grouped"} <= shapes


def test_shipped_headcounts_match_the_published_files(fresh_db):
    """Headcounts in post for the profession and the Civil Service are the published ones, with SCS and departments."""
    tables, problems = official.read_paths([SHIPPED])
    official.apply_import(fresh_db, official.plan_import(fresh_db.conn, tables, problems), user=EDITOR)

    def figure(indicator, period, population, department="All", grade="All"):
        return current(fresh_db, "SELECT value FROM observations WHERE indicator = ? AND period = ? AND population = ? "
                       "AND department = ? AND grade = ? AND superseded_at IS NULL",
                       [indicator, period, population, department, grade])[0][0]

    assert figure("acses_in_post", "2021-03-31", "GSE") == 14090
    assert figure("acses_in_post", "2022-03-31", "GSE") == 13945
    assert figure("acses_in_post", "2021-03-31", "Civil Service") == 484880
    assert figure("acses_in_post", "2022-03-31", "Civil Service") == 510080
    assert figure("acses_in_post", "2021-03-31", "GSE", grade="SCS") == 130
    assert figure("acses_in_post", "2022-03-31", "GSE", department="Ministry of Defence") == 8150
    assert figure("acses_entrants", "2022-03-31", "GSE") == 1690
    assert figure("acses_leavers", "2022-03-31", "GSE") == 1445
    assert figure("acses_department_leavers", "2021-03-31", "GSE") == 130


def test_shipped_shares_follow_the_strategy_definitions(fresh_db):
    """Women, ethnic minority, disabled, LGBO and 50+ are shares of those declared, with counts and rates kept."""
    tables, problems = official.read_paths([SHIPPED])
    official.apply_import(fresh_db, official.plan_import(fresh_db.conn, tables, problems), user=EDITOR)
    rows = {(i, p, per): (v, n, d, r) for i, p, per, v, n, d, r in current(
        fresh_db, "SELECT indicator, population, period, value, numerator, denominator, declaration_rate "
                  "FROM observations WHERE indicator IN ('women', 'bame', 'disabled', 'lgbo', 'age_50_plus')")}
    assert rows[("women", "GSE", "2021-03-31")] == (31.81, 4480, 4480 + 9605, 100.0)
    # 2021 shows Chinese separately, 2022 counts it within Asian: both are in the minority numerator.
    assert rows[("bame", "GSE", "2021-03-31")][1:3] == (1205, 12000)
    assert rows[("bame", "GSE", "2022-03-31")][1:3] == (1195, 12050)
    assert rows[("disabled", "GSE", "2022-03-31")][:3] == (8.84, 1015, 11480)
    assert rows[("lgbo", "GSE", "2021-03-31")] == (4.56, 425, 9310, 66.1)
    assert rows[("age_50_plus", "Civil Service", "2022-03-31")][1:3] == (196185, 510060)
    assert len(rows) == 20


def test_shipped_suppressed_cells_are_stored_as_suppressed(fresh_db):
    """Every [c] in the profession's published rows is stored as suppressed with no value, none as 0 or dropped."""
    expected = 0
    for path in SHIPPED.rglob("*.csv"):
        for record in csv.reader(io.StringIO(path.read_bytes().decode("cp1252"))):
            if record[0] in official.STATUSES and ("Profession_of_post" not in path.parts or PROFESSION in record):
                expected += sum(1 for cell in record[-4:] if cell == "[c]")
            elif (record[0] == "In post" and "Profession_of_post" in path.parts
                  and "Parent_department" not in path.parts):
                expected += record[-4] == "[c]"  # another profession's headcount, kept for the comparison
    tables, problems = official.read_paths([SHIPPED])
    official.apply_import(fresh_db, official.plan_import(fresh_db.conn, tables, problems), user=EDITOR)
    stored = current(fresh_db, "SELECT COUNT(*), COUNT(value) FROM official_cells WHERE suppressed = 1")[0]
    assert stored == (expected, 0)
    assert expected > 500
    dit = current(fresh_db, "SELECT suppressed, value FROM official_cells WHERE shape = "
                            "'Parent_department/Profession_of_post' AND year = 2022 AND status = 'In post' "
                            "AND measure = 'Headcount' AND dimensions LIKE '%Department for International Trade%'")
    assert dit == [(1, None)]


def test_build_imports_the_shipped_releases_with_or_without_the_sample(baseline_db_file):
    """init --no-sample keeps the official figures: they are real, recorded as known from their publication."""
    database = store.connect(baseline_db_file, readonly=True)
    try:
        rows = current(database, "SELECT illustrative, recorded_at FROM observations WHERE indicator = 'acses_in_post' "
                                 "AND population = 'GSE' AND department = 'All' AND grade = 'All' ORDER BY period")
        assert rows == [(0, "2021-08-05T00:00:00"), (0, "2022-08-04T00:00:00")]
        # One batch per release, each known from its own publication day.
        assert current(database, "SELECT kind FROM import_batches") == [(official.KIND,), (official.KIND,)]
    finally:
        database.close()


# -- the rules, on small files written here ----------------------------------------------------------


def test_suppressed_cell_is_stored_as_suppressed_and_shares_skip_it(fresh_db):
    """A [c] headcount is stored as suppressed (no value); a share still uses the published categories."""
    import_files(fresh_db, [("sex.csv", sex_table())])
    cells = dict(current(fresh_db, "SELECT dimensions, suppressed FROM official_cells WHERE measure = 'Headcount' "
                                   "AND status = 'In post'"))
    assert cells == {'{"Sex": "Female"}': 0, '{"Sex": "Male"}': 0, '{"Sex": "Unknown"}': 1}
    assert current(fresh_db, "SELECT value, numerator, denominator FROM observations WHERE indicator = 'women'") == [
        (32.14, 4500, 14000)]


def test_a_suppressed_category_the_share_needs_means_no_share_and_a_warning(fresh_db):
    """When a category in the share is [c], the share is not made up: a warning names the cell."""
    plan = plan_of(fresh_db, [("sex.csv", sex_table(female="[c]"))])
    assert [o for _, o, _ in plan.observations if o.indicator == "women"] == []
    assert plan.warnings and plan.warnings[0].row == 2 and "Female" in plan.warnings[0].message


def test_utf8_and_windows_1252_files_import_the_same(fresh_db):
    """The same table in UTF-8 (with BOM) and Windows-1252 gives the same cells and figures."""
    first = plan_of(fresh_db, [("a.csv", sex_table(encoding="cp1252"))])
    second = plan_of(fresh_db, [("b.csv", b"\xef\xbb\xbf" + sex_table(encoding="utf-8"))])
    tables, _ = official.read_tables([("b.csv", b"\xef\xbb\xbf" + sex_table(encoding="utf-8"))])
    assert tables[0].encoding == "UTF-8"
    assert [c.key + (c.value,) for _, c, _ in first.cells] == [c.key + (c.value,) for _, c, _ in second.cells]


def test_metadata_rows_are_kept_as_source_and_never_read_as_data(fresh_db):
    """The Version and Data source lines go with every figure as its source; notes and descriptions are not data."""
    import_files(fresh_db, [("sex.csv", sex_table())])
    sources = {s for (s,) in current(fresh_db, "SELECT source FROM observations")}
    assert len(sources) == 1
    source = sources.pop()
    assert VERSION in source and "data source: All figures are aggregated from the Cabinet Office ACSES" in source
    assert current(fresh_db, f"SELECT COUNT(*) FROM official_cells WHERE profession = '{PROFESSION}'")[0][0] == 4 * 4
    # Another profession's rows keep only their headcount in post, for the comparison of professions.
    others = current(fresh_db, "SELECT DISTINCT status, measure FROM official_cells "
                               f"WHERE profession != '{PROFESSION}'")
    assert others == [("In post", "Headcount")]
    assert current(fresh_db, "SELECT DISTINCT status FROM official_cells ORDER BY 1") == [("In post",), ("Leaver CS",)]


def test_a_second_identical_import_changes_nothing(fresh_db):
    """Importing the same release twice writes nothing the second time: no batch, no row, same revision."""
    import_files(fresh_db, [("sex.csv", sex_table())])
    before = fingerprint(fresh_db)
    result = import_files(fresh_db, [("sex.csv", sex_table())])
    assert result.batch_id is None and result.added == result.revised == 0
    assert fingerprint(fresh_db) == before


def test_a_later_release_revising_a_figure_records_a_revision_and_keeps_history(fresh_db):
    """A revised headcount supersedes the stored one ([r]) and the old value stays in the history."""
    import_files(fresh_db, [("v1.csv", sex_table())])
    result = import_files(fresh_db, [("v2.csv", sex_table(female="4600", version="Generated on 2025-01-31."))])
    assert result.revised > 0
    history = current(fresh_db, "SELECT value, superseded_at IS NOT NULL, revision_of IS NOT NULL FROM official_cells "
                                "WHERE measure = 'Headcount' AND status = 'In post' AND dimensions LIKE '%Female%' "
                                f"AND profession = '{PROFESSION}' ORDER BY id")
    assert history == [(4500.0, 1, 0), (4600.0, 0, 1)]
    women = current(fresh_db, "SELECT value, superseded_at IS NULL, revision_of IS NOT NULL, source FROM observations "
                              "WHERE indicator = 'women' ORDER BY id")
    assert [w[:3] for w in women] == [(32.14, 0, 0), (32.62, 1, 1)]
    assert "2025-01-31" in women[1][3]


def test_undo_removes_the_batch_and_restores_the_revised_figures(fresh_db):
    """undo-import of the revising release brings back the earlier figures exactly."""
    import_files(fresh_db, [("v1.csv", sex_table())])
    before = current(fresh_db, "SELECT * FROM official_cells ORDER BY id")
    result = import_files(fresh_db, [("v2.csv", sex_table(female="4600"))])
    undone = importers.undo_batch(fresh_db, result.batch_id, EDITOR)
    assert undone.restored > 0
    assert current(fresh_db, "SELECT * FROM official_cells ORDER BY id") == before
    with pytest.raises(importers.UndoRefused, match="already undone"):
        importers.undo_batch(fresh_db, result.batch_id, EDITOR)


def test_whole_civil_service_files_give_the_benchmark(fresh_db):
    """A table with no Profession_of_post column is the Civil Service, stored as the benchmark population."""
    table = table_csv(["Sex"], [["In post", "2024", "Female", "280000", "250000", "33000", "28000"],
                                ["In post", "2024", "Male", "230000", "220000", "36000", "31000"]])
    import_files(fresh_db, [("cs.csv", table)])
    assert current(fresh_db, "SELECT population, value FROM observations WHERE indicator = 'women'") == [
        ("Civil Service", 54.9)]


def test_the_shape_comes_from_the_header_not_the_file_name(fresh_db):
    """A grade table saved under a misleading name is still read as grade, with SCS level as SCS."""
    table = table_csv(["Profession_of_post", "Responsibility_level_grouped"],
                      [["In post", "2024", PROFESSION, "SCS level", "135", "120", "99000", "95000"],
                       ["In post", "2024", PROFESSION, "G6/G7", "3200", "3000", "56000", "55000"]])
    import_files(fresh_db, [("Sex/data.csv", table)])
    assert current(fresh_db, "SELECT grade, value FROM observations ORDER BY grade") == [("G6/G7", 3200.0),
                                                                                       ("SCS", 135.0)]


def test_next_years_files_import_with_no_code_change(fresh_db):
    """A release for a year never seen before (2031) imports like any other."""
    import_files(fresh_db, [("2031.csv", sex_table(year="2031"))])
    assert current(fresh_db, "SELECT period FROM observations WHERE indicator = 'women'") == [("2031-03-31",)]


def test_profession_is_a_setting(fresh_db, monkeypatch):
    """GSE_PROFESSION (or --profession) chooses whose rows are the profession's."""
    monkeypatch.setenv("GSE_PROFESSION", "Finance")
    assert load_settings().profession == "Finance"
    plan = plan_of(fresh_db, [("sex.csv", sex_table())], profession="Finance")
    assert {c.profession for _, c, _ in plan.cells if c.measure != "Headcount"} == {"Finance"}
    # Every other profession's headcount in post is kept under its own name, for the comparison.
    assert {c.profession for _, c, _ in plan.cells} == {"Finance", PROFESSION}
    assert [o.value for _, o, _ in plan.observations if o.indicator == "women"] == [100.0]


# -- bad input: a message naming file, row and column, and nothing changed ---------------------------


def test_a_file_in_another_format_is_refused(fresh_db):
    """An observations import file, or a spreadsheet, is not a data-browser table: refused by name."""
    other = b"indicator,period,population,value\nwomen,2024-03-31,GSE,30\n"
    problems = refused(fresh_db, [("observations.csv", other)])
    assert "observations.csv, row 1" in str(problems[0]) and "not a Civil Service Statistics" in str(problems[0])
    problems = refused(fresh_db, [("book.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4)])
    assert problems[0].filename == "book.xlsx"


def test_a_table_without_the_profession_is_refused(fresh_db):
    """A profession table with no rows for the profession says so and lists the professions it has."""
    table = table_csv(["Profession_of_post", "Sex"],
                      [["In post", "2024", "Finance", "Female", "6000", "5800", "1", "1"]])
    problems = refused(fresh_db, [("finance.csv", table)])
    assert len(problems) == 1 and problems[0].column == "Profession_of_post"
    assert "'Science and Engineering'" in problems[0].message and "Finance" in problems[0].message


def test_a_truncated_file_is_refused(fresh_db):
    """A download cut off mid-row, mid-quote or before its metadata is refused as truncated."""
    whole = sex_table()
    cut_before_metadata = table_csv(["Profession_of_post", "Sex"], sex_rows(), metadata=False)
    for data in (whole[: whole.index(b'"Leaver CS"') + 30], whole[: whole.index(b"9500") + 2], cut_before_metadata):
        problems = refused(fresh_db, [("cut.csv", data)])
        assert any("truncated" in p.message for p in problems), problems


def test_a_headcount_that_is_not_a_number_is_refused_with_row_and_column(fresh_db):
    """A headcount of 'n/a' or 12.5 is refused naming file, row 3 and column Headcount; nothing is written."""
    for bad in ("n/a", "12.5", ""):
        problems = refused(fresh_db, [("sex.csv", sex_table(male=bad))])
        assert [(p.filename, p.row, p.column) for p in problems] == [("sex.csv", 3, "Headcount")]


def test_one_bad_file_among_good_ones_changes_nothing(fresh_db):
    """Every file is checked before anything is written: one bad file refuses the whole import."""
    problems = refused(fresh_db, [("good.csv", sex_table()), ("bad.csv", sex_table(male="lots"))])
    assert [p.filename for p in problems] == ["bad.csv"]


def test_two_files_disagreeing_on_a_figure_are_refused(fresh_db):
    """Two files giving different values for the same published cell are refused, naming both."""
    problems = refused(fresh_db, [("a.csv", sex_table()), ("b.csv", sex_table(female="4600"))])
    assert problems and "a.csv row 2" in problems[0].message


# -- the command line -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_db_template(tmp_path_factory) -> Path:
    """A database built from the strategy files only (no shipped releases, no sample), once for the module."""
    folder = tmp_path_factory.mktemp("strategy-only")
    data = folder / "data"
    data.mkdir()
    for name in ("workstreams.csv", "commitments.csv", "indicators.csv", "baseline_observations.csv"):
        shutil.copyfile(ROOT / "data" / name, data / name)
    path = folder / "gse.db"
    build_database(path, sample=False, data_dir=data)
    return path


@pytest.fixture
def empty_db_file(empty_db_template, tmp_path) -> Path:
    """A private copy of the strategy-only database that a test may change."""
    path = tmp_path / "gse.db"
    shutil.copyfile(empty_db_template, path)
    return path


def test_cli_dry_run_then_import_then_second_run_then_undo(empty_db_file, capsys):
    """The command imports a release folder; the dry run and the second run write nothing; undo reverses it."""
    database = store.connect(empty_db_file)
    start = fingerprint(database)
    assert cli.main(["--db", str(empty_db_file), "import", "civil-service-statistics", str(SHIPPED / "2021"),
                     "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "cells to add" in dry and "(dry run: nothing written)" in dry and "row 2: add" in dry
    assert fingerprint(database) == start
    assert cli.main(["--db", str(empty_db_file), "import", "civil-service-statistics", str(SHIPPED / "2021"),
                     str(SHIPPED / "2022" / "Profession_of_post" / "data.csv")]) == 0
    out = capsys.readouterr().out
    assert "as batch 1" in out and "backed up" in out
    after = fingerprint(database)
    assert cli.main(["--db", str(empty_db_file), "import", "civil-service-statistics", str(SHIPPED / "2021")]) == 0
    assert "nothing to import" in capsys.readouterr().out
    assert fingerprint(database) == after
    assert cli.main(["--db", str(empty_db_file), "undo-import", "1"]) == 0
    assert current(database, "SELECT COUNT(*) FROM official_cells")[0][0] == 0
    database.close()


@pytest.mark.slow
def test_cli_refuses_a_bad_file_with_its_row_and_column(empty_db_file, tmp_path):
    """A bad file ends with exit code 2, a message naming file, row and column, and no change."""
    bad = tmp_path / "bad.csv"
    bad.write_bytes(sex_table(male="many"))
    run = subprocess.run([sys.executable, "-m", "gse_dashboard", "--db", str(empty_db_file), "import",
                          "civil-service-statistics", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2
    assert f"error: {bad}, row 3, column Headcount: 'many' is neither a whole number nor [c]" in run.stderr
    assert "Traceback" not in run.stderr
    database = store.connect(empty_db_file, readonly=True)
    assert current(database, "SELECT COUNT(*) FROM import_batches")[0][0] == 0
    database.close()


def test_cli_profession_option_chooses_the_profession(empty_db_file, tmp_path, capsys):
    """--profession Finance imports the Finance rows as the profession's."""
    path = tmp_path / "sex.csv"
    path.write_bytes(sex_table())
    assert cli.main(["--db", str(empty_db_file), "import", "civil-service-statistics", str(path),
                     "--profession", "Finance"]) == 0
    assert "profession Finance" in capsys.readouterr().out
