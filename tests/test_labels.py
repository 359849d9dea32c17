"""Every figure says truly what it is: names of measures, illustrative marks at the figure, targets past their date."""

from __future__ import annotations

import pandas as pd

from gse_dashboard import explore
from gse_dashboard.charts import builders
from gse_dashboard.strategy import vocabulary

AS_AT_2026 = "2026-06-30"


def _series(rows, illustrative=None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "value"])
    frame["qualifier"] = ""
    frame["illustrative"] = illustrative if illustrative is not None else [0] * len(frame)
    return frame


def _target(rows, illustrative=1) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "value"])
    frame["illustrative"] = illustrative
    return frame


def test_a_target_whose_date_has_passed_is_reported_as_met_or_missed_at_its_date():
    """Item 9: in 2026, a target for 30 September 2021 is 'missed (value then)', never 'below the target of'."""
    series = _series([("2020-09-30", 13000), ("2021-09-30", 14100), ("2026-03-31", 16000)])
    target = _target([("2020-09-30", 13500), ("2021-09-30", 15000)])
    chart = builders.indicator_chart(series, target, name="Registered GSE members", unit="count",
                                     population="the whole profession", as_at=AS_AT_2026, source="x")
    assert "below the illustrative target" not in chart.title
    assert ("the illustrative target of 15,000 for 30 September 2021 was missed (14,100 at 30 September 2021)"
            in chart.title)
    met = builders.indicator_chart(_series([("2021-09-30", 15200), ("2026-03-31", 9000)]), target,
                                   name="Registered GSE members", unit="count", population="all",
                                   as_at=AS_AT_2026, source="x")
    assert "was met (15,200 at 30 September 2021)" in met.title


def test_a_target_still_ahead_is_compared_with_the_latest_figure():
    """Before its date a target is live: the latest figure is above or below it."""
    series = _series([("2019-09-30", 12000)])
    target = _target([("2019-09-30", 12500), ("2020-09-30", 13500)])
    chart = builders.indicator_chart(series, target, name="Registered GSE members", unit="count",
                                     population="all", as_at="2019-10-31", source="x")
    assert "below the illustrative target of 12,500 for 30 September 2019" in chart.title


def test_over_ten_thousand_is_never_shown_as_ten_thousand():
    """Item 8: the strategy's 'over 10,000' keeps its qualifier in the chart's title, table and description."""
    series = _series([("2016-09-30", 10000)])
    series["qualifier"] = ["more than"]
    chart = builders.indicator_chart(series, _target([]), name=vocabulary.MEMBERS_TITLE, unit="count",
                                     population="the whole profession", as_at="2016-10-31", source="x")
    assert "more than 10,000" in chart.title and "more than 10,000" in chart.alt_text
    assert chart.table["Qualifier"].tolist() == ["more than"]


def test_a_chart_with_made_up_figures_says_which_and_a_real_one_says_nothing():
    """Illustrative marking is per figure: the chart names its illustrative periods and its table has a column."""
    series = _series([("2016-09-30", 10000), ("2017-09-30", 11000)], illustrative=[0, 1])
    chart = builders.indicator_chart(series, _target([("2017-09-30", 11500)]), name="Registered GSE members",
                                     unit="count", population="all", as_at="2017-10-31", source="x")
    assert "30 September 2017" in chart.illustrative and "the target" in chart.illustrative
    assert chart.table[vocabulary.ILLUSTRATIVE_COLUMN].tolist() == ["No", "Yes"]
    real = builders.indicator_chart(series.iloc[:1], _target([]), name="Registered GSE members", unit="count",
                                    population="all", as_at="2017-10-31", source="x")
    assert real.illustrative == "" and vocabulary.ILLUSTRATIVE_COLUMN not in real.table


def test_the_diversity_series_is_named_as_posts_never_members():
    """Item 2: the 2015 → 2022 benchmark chart names civil servants in Science and Engineering posts."""
    gaps = pd.DataFrame({"period": ["2015-03-31", "2022-03-31"], "gse": [21.5, 31.3],
                         "civil_service": [53.9, 54.5], "gap": [-32.4, -23.2]})
    trend = {"latest": gaps.iloc[-1].to_dict(), "first": gaps.iloc[0].to_dict(), "direction": "closing"}
    chart = builders.benchmark_chart(gaps, trend, name="Women", as_at="2022-09-30", source="x")
    for text in (chart.title, chart.subtitle, chart.alt_text, " ".join(chart.table.columns)):
        assert not vocabulary.says_members(text), text
    assert "31.3% of civil servants in Science and Engineering posts" in chart.title


def test_explore_names_the_strategys_horizons_not_dates():
    """Item 3: Explore's source line says dates are indicative (the strategy gives horizons, not due dates)."""
    line = explore.COMMITMENTS_SOURCE_LINE
    assert "due dates from the GSE Strategy" not in line
    assert "indicative" in line and "horizons" in line


def test_marked_and_the_illustrative_line_say_which_figure():
    """The marking helper marks an illustrative figure and leaves a real one alone."""
    assert vocabulary.marked("14,658 registered GSE members", True) == "14,658 registered GSE members (illustrative)"
    assert vocabulary.marked("14,090 civil servants", False) == "14,090 civil servants"
    assert vocabulary.illustrative_line("the target").startswith("Illustrative: the target (made up")
    assert vocabulary.says_members("GSE members") and not vocabulary.says_members("civil servants in posts")


def test_the_strategys_words_are_kept_where_the_issue_found_slips():
    """Item 10: roles not posts (WS5-L1), 'may' identify, interdependent workstreams, workstream 10 named too."""
    import csv  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    data = Path(__file__).resolve().parent.parent / "data"
    with (data / "commitments.csv").open(encoding="utf-8") as handle:
        rows = {r["ref"]: r for r in csv.DictReader(handle)}
    assert "posts" not in rows["WS5-L1"]["description"] and "specialist roles" in rows["WS5-L1"]["description"]
    assert rows["WS1-S3"]["continuing"] == rows["WS1-S5"]["continuing"] == "yes"
    text = (data / "strategy.md").read_text(encoding="utf-8")
    assert "may identify strongly with the Policy Profession" in text
    assert "interdependent" in text and "depend on each other" not in text
    assert "and 10 (outreach)" in text


def test_an_illustrative_breakdown_cites_its_own_source_and_names_bodies_that_existed(built):
    """Item 7: a breakdown at a later date is not captioned with the strategy's 2016 source, and its
    departments are ones that existed then (no Public Health England in 2026)."""
    from gse_dashboard.charts import people_charts  # noqa: PLC0415
    from gse_dashboard.views import screens  # noqa: PLC0415

    view = screens.membership(built.conn, "2026-06-30", 10)
    chart = people_charts.breakdown_chart(view, "department")
    assert "Civil Service Learning" not in chart.source and "as given in the GSE Strategy" not in chart.source
    assert chart.illustrative
    departments = set(view.breakdowns["department"]["department"])
    assert "Public Health England" not in departments and "UK Health Security Agency" in departments


def _texts(blocks) -> list[str]:
    """Every sentence, heading, caption, column heading and chart title in BLOCKS (documents' blocks)."""
    from gse_dashboard import documents  # noqa: PLC0415

    out = []
    for block in blocks:
        if isinstance(block, documents.Section):
            out += [block.title, *_texts(block.blocks)]
        elif isinstance(block, documents.Text | documents.Subheading):
            out.append(block.text)
        elif isinstance(block, documents.Bullets):
            out += list(block.items)
        elif isinstance(block, documents.Facts):
            out += [f"{label}: {value}" for label, value in block.items]
        elif isinstance(block, documents.Table):
            out += [block.caption, block.note, *map(str, block.frame.columns)]
        elif isinstance(block, documents.Figure):
            chart = block.chart
            out += [chart.title, chart.subtitle, chart.alt_text, chart.source, *map(str, chart.table.columns)]
        elif isinstance(block, documents.FigureRow):
            out += _texts(block.figures)
    return out


def test_no_chart_title_caption_or_pack_sentence_calls_the_statistics_members(built):
    """Done when: the Civil Service Statistics (and the 2015 survey figures) are never called members, in the
    Diversity page's charts, the pack's diversity section and headcount tables, or the brief's diversity section."""
    from gse_dashboard.board import brief, pack_sections  # noqa: PLC0415
    from gse_dashboard.charts import people_charts  # noqa: PLC0415
    from gse_dashboard.views import screens  # noqa: PLC0415

    as_at = "2022-09-30"
    snap = screens.board_pack(built.conn, as_at, 10, "Science and Engineering")
    membership = pack_sections.membership_section(snap).blocks
    registered = next(i for i, b in enumerate(membership) if getattr(b, "text", "").startswith("Registered"))
    about_statistics = [pack_sections.diversity_section(snap), pack_sections.story_block(snap),
                        *membership[:registered]]
    texts = _texts(about_statistics)
    # The brief's sentences about the gaps (its people message also names registered members, as it should).
    texts += [t for t in _texts(brief.brief_sections(snap)) if "gap" in t.lower() and "People:" not in t]
    view = screens.diversity(built.conn, as_at, 10)
    for row in view.definitions.itertuples():
        shown = people_charts.characteristic(view, row.code, row.name, as_at, 10)
        for chart in filter(None, [shown.benchmark, shown.declaration]):
            texts += [chart.title, chart.subtitle, chart.alt_text, *map(str, chart.table.columns)]
    assert len(texts) > 40
    calling_members = [t for t in texts if vocabulary.says_members(t)]
    assert calling_members == []
    assert any("civil servants in science and engineering posts" in t.lower() for t in texts)


def test_a_rating_beside_the_board_as_owner_is_the_latest_updates_not_the_owners(built):
    """Item 5: where the owner is the Board (per the strategy), the exceptions call the rating the latest
    update's, never "Owner: Red" beside "Board: not rated"."""
    from gse_dashboard.board import pack_paper  # noqa: PLC0415
    from gse_dashboard.strategy import timescales  # noqa: PLC0415
    from gse_dashboard.views import screens  # noqa: PLC0415

    snap = screens.board_pack(built.conn, "2019-10-31", 10, "Science and Engineering")
    rows = pack_paper.exception_rows(snap)
    # A row with no owner named is the strategy's (the Board's); actions and risks carry no rating.
    board_owned = rows[(rows["Owner"] == "") & (rows["Ratings"] != "")]
    assert not board_owned.empty and timescales.rating_giver(timescales.STRATEGY_OWNER) == "Latest update"
    assert all(r.startswith("Latest update ") for r in board_owned["Ratings"])
    assert not any(r.startswith("Owner ") for r in board_owned["Ratings"])


def test_about_the_data_claims_nothing_the_strategy_does_not_say(built_db_file, monkeypatch):
    """Item 4: About the data no longer says the shares follow the strategy's definitions or that owners record."""
    from pathlib import Path  # noqa: PLC0415

    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

    monkeypatch.setenv("GSE_DB_PATH", str(built_db_file))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=90)
    at.switch_page("pages/about.py").run()
    assert not at.exception
    text = " ".join(" ".join(m.value for m in at.markdown).split())
    assert "follow the strategy's definitions" not in text and "commitment owners" not in text
    assert "without defining them" in text and "names no owner per commitment" in text


def test_the_list_of_what_is_illustrative_names_targets_boards_actions_and_risks():
    """Item 6: the notice of what is made up names the targets, Board meetings, actions and risks too,
    and no release year is written into it."""
    from gse_dashboard.people import official_figures  # noqa: PLC0415

    text = official_figures.ILLUSTRATIVE_TEXT
    for words in ("the targets", "Board meetings", "actions and risks", "ratings"):
        assert words in text
    assert "2021 and 2022" not in text


def test_the_commitments_export_says_which_rows_are_illustrative(built):
    """Item 6: `export commitments` carries an illustrative column, yes where status and rating are made up."""
    from gse_dashboard.storage import exports  # noqa: PLC0415

    frame = exports.commitments_export(built.conn)
    assert frame.columns[-1] == "illustrative"
    assert "yes" in set(frame["illustrative"]) and set(frame["illustrative"]) <= {"yes", "no"}
