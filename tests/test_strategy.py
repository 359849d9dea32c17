"""The strategy's content: every Annex A commitment and the real baseline, loaded from data/."""

import csv
import shutil
from collections import Counter

import pytest

from gse_dashboard.config import DATA_DIR
from gse_dashboard.storage import store
from gse_dashboard.strategy.reading import DataFileError, load_strategy
from gse_dashboard.strategy.vocabulary import DUE_DATES

# Annex A of the strategy, counted bullet by bullet: (short, medium, long) per workstream.
ANNEX_A_COUNTS = {
    1: (5, 3, 1), 2: (5, 2, 1), 3: (3, 5, 1), 4: (5, 4, 2), 5: (5, 3, 1),
    6: (5, 4, 1), 7: (3, 4, 1), 8: (4, 1, 1), 9: (5, 4, 1), 10: (5, 3, 1),
}


def _csv_rows(name):
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_commitment_in_the_csv_is_loaded_per_workstream_and_horizon(fresh_db):
    """The database holds exactly the CSV's commitments, counted per workstream and horizon."""
    load_strategy(fresh_db)
    expected = Counter((int(r["workstream"]), r["horizon"]) for r in _csv_rows("commitments.csv"))
    loaded = Counter({(w, h): n for w, h, n in fresh_db.conn.execute(
        "SELECT workstream, horizon, COUNT(*) FROM commitments GROUP BY workstream, horizon")})
    assert loaded == expected


def test_commitments_match_the_bullets_of_annex_a():
    """The CSV has one row per 'We will' bullet of Annex A: 89 in all, none merged or skipped."""
    rows = _csv_rows("commitments.csv")
    counts = Counter((int(r["workstream"]), r["horizon"]) for r in rows)
    for workstream, (short, medium, long) in ANNEX_A_COUNTS.items():
        assert (counts[(workstream, "short")], counts[(workstream, "medium")], counts[(workstream, "long")]) \
            == (short, medium, long), f"workstream {workstream}"
    assert len(rows) == 89
    assert len({r["ref"] for r in rows}) == 89


def test_indicative_dates_follow_the_horizons_and_refs_are_sayable(fresh_db):
    """Each commitment's indicative date is the end of its horizon (none if continuing); refs read WSn-Xk."""
    load_strategy(fresh_db)
    for ref, horizon, seq, workstream, due, continuing in fresh_db.conn.execute(
            "SELECT ref, horizon, seq, workstream, due_date, continuing FROM commitments"):
        assert due == (None if continuing else DUE_DATES[horizon])
        assert ref == f"WS{workstream}-{horizon[0].upper()}{seq}"


# The commitments whose wording in the strategy carries on with no end.
CONTINUING = {
    "WS1-S3": "Continue to promote the GSE story", "WS1-S5": "Continue to improve GSE communications",
    "WS1-L1": "Continue to monitor and develop", "WS2-S2": "Continue to review critical skills gaps",
    "WS5-S3": "Continue to grow the Science and Engineering Fast Stream", "WS5-M1": "Manage and maintain",
    "WS6-L1": "Continue to embed and review", "WS9-S3": "Continue to grow the network of GSE champions",
    "WS9-L1": "Monitor and develop",
}


def test_continuing_commitments_are_marked_in_the_csv_and_have_no_date(fresh_db):
    """Exactly the nine commitments worded as carrying on are marked continuing, with no indicative date."""
    rows = _csv_rows("commitments.csv")
    marked = {r["ref"]: r for r in rows if r["continuing"] == "yes"}
    assert set(marked) == set(CONTINUING)
    assert all(marked[ref]["description"].startswith(words) for ref, words in CONTINUING.items())
    assert all(r["indicative_due_date"] == "" for r in marked.values())
    assert {r["continuing"] for r in rows} == {"yes", "no"}
    assert "owner" not in rows[0], "the strategy names no owner per commitment"


def test_a_date_in_the_csv_other_than_the_horizons_end_is_refused(tmp_path, fresh_db):
    """A date typed into commitments.csv is refused: a date other than the indicative one is set on Manage data."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.db*", "backups"))
    text = (data / "commitments.csv").read_text(encoding="utf-8").splitlines()
    assert text[1].startswith("WS1-S1,") and "2017-09-30" in text[1]
    text[1] = text[1].replace("2017-09-30", "2017-06-30")
    (data / "commitments.csv").write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"commitments.csv: row 2, column indicative_due_date: .*Manage data"):
        load_strategy(fresh_db, data)


def test_all_ten_workstreams_have_an_aspiration(fresh_db):
    """The ten workstreams load in order with their aspiration and challenges."""
    load_strategy(fresh_db)
    rows = fresh_db.conn.execute(
        "SELECT number, name, aspiration, challenges FROM workstreams ORDER BY number").fetchall()
    assert [r[0] for r in rows] == list(range(1, 11))
    assert rows[6][1] == "Diversity & Inclusion"
    assert all(len(r[2]) > 40 and len(r[3]) > 40 for r in rows)


def test_real_baseline_figures_are_loaded_with_sources(fresh_db):
    """The strategy's own figures are in the store, not marked illustrative, with their source."""
    load_strategy(fresh_db)
    figures = {(i, p): (v, s, ill) for i, p, v, s, ill in fresh_db.conn.execute(
        "SELECT indicator, population, value, source, illustrative FROM observations WHERE grade = 'All'")}
    assert figures[("women", "GSE")][0] == 21.5 and figures[("women", "Civil Service")][0] == 53.9
    assert figures[("bame", "GSE")][0] == 3.8 and figures[("bame", "Civil Service")][0] == 10.6
    assert figures[("disabled", "GSE")][0] == 8.0 and figures[("lgbo", "Civil Service")][0] == 3.6
    assert figures[("age_50_plus", "GSE")][0] == 37.9 and figures[("members", "GSE")][0] == 10000
    assert all(ill == 0 and "GSE Strategy" in s for _, s, ill in figures.values())
    scs = fresh_db.conn.execute("SELECT value FROM observations WHERE grade = 'SCS'").fetchone()[0]
    lgbo_rate = fresh_db.conn.execute(
        "SELECT declaration_rate FROM observations WHERE indicator = 'lgbo' AND population = 'GSE'").fetchone()[0]
    assert scs == 235 and lgbo_rate == 50


def test_a_mistake_in_a_strategy_file_names_file_row_and_column_and_loads_nothing(tmp_path, fresh_db):
    """A bad horizon in commitments.csv is reported by row and column, and no table is filled."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.db*", "backups"))
    text = (data / "commitments.csv").read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace(",short,", ",soon,", 1)
    (data / "commitments.csv").write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"commitments.csv: row 4, column horizon"), \
            store.write_transaction(fresh_db):
        load_strategy(fresh_db, data)
    assert fresh_db.conn.execute("SELECT COUNT(*) FROM workstreams").fetchone()[0] == 0


def _by(rows, key):
    return {row[key]: row for row in rows}


def test_the_lgbo_baseline_is_stated_flatly_with_its_caveat_in_the_declaration_rate(fresh_db):
    """LGBO 2.2% (3.6%) carries no 'about': the 50% completion rate sits in the declaration rate."""
    load_strategy(fresh_db)
    rows = fresh_db.conn.execute(
        "SELECT population, value, qualifier, declaration_rate, note FROM observations WHERE indicator = 'lgbo' "
        "ORDER BY population").fetchall()
    assert rows[0][:4] == ("Civil Service", 3.6, "", None)
    assert rows[1][:4] == ("GSE", 2.2, "", 50.0)
    assert "50% completion rate" in rows[1][4] and "about" not in rows[1][4]
    qualifiers = dict(fresh_db.conn.execute(
        "SELECT indicator || '/' || population || '/' || grade, qualifier FROM observations WHERE qualifier != ''"))
    assert qualifiers == {"members/GSE/All": "more than"}


def test_the_scs_figure_is_235_in_the_store_and_in_the_challenge_text(fresh_db):
    """The strategy says 235 SCS, so the store holds 235 with no qualifier and WS5 does not say 'about'."""
    load_strategy(fresh_db)
    assert fresh_db.conn.execute(
        "SELECT value, qualifier FROM observations WHERE grade = 'SCS'").fetchone() == (235, "")
    challenges = fresh_db.conn.execute("SELECT challenges FROM workstreams WHERE number = 5").fetchone()[0]
    assert "only 235 SCS" in challenges and "about 235" not in challenges


def test_summaries_keep_the_strategys_meaning_where_they_once_drifted():
    """Each summary the fidelity review corrected keeps the strategy's modal verbs, names and purposes."""
    commitments = _by(_csv_rows("commitments.csv"), "ref")
    workstreams = _by(_csv_rows("workstreams.csv"), "number")
    text = {ref: row["title"] + " | " + row["description"] for ref, row in commitments.items()}
    assert "refer to delivering the GSE strategy" in text["WS1-S2"] and "responsibility" not in text["WS1-S2"]
    assert "independent" not in text["WS2-S1"].lower() and "external review" in text["WS2-S1"]
    assert "in the first instance this can be the departmental Chief Scientific Adviser" in text["WS3-S1"]
    assert "to maintain excellence and high standards" in text["WS4-M1"]
    assert "share, develop and maintain" in text["WS4-M4"]
    assert "must also demonstrate" in text["WS5-M3"] and "equivalent to Senior Civil Service grades" in text["WS5-M3"]
    assert commitments["WS1-S5"]["title"] == "Improve comms and look to develop a myth-busting blog"
    assert commitments["WS10-M3"]["title"].startswith("Explore")
    assert "unpaid" not in workstreams["1"]["challenges"]
    assert "voluntary role taken on in addition to existing duties" in workstreams["1"]["challenges"]
    assert "exemplar for the Civil Service Talent Action Plan" in workstreams["7"]["aspiration"]
    assert "socio-economic background" in workstreams["7"]["aspiration"]
    assert "attractive employer for all the population" in workstreams["7"]["challenges"]
    assert "A new generation of scientists and engineers" in workstreams["10"]["aspiration"]
    assert "include apprenticeships" in workstreams["10"]["challenges"]
    assert "owned by professional bodies" in workstreams["4"]["challenges"]
