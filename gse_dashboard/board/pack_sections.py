"""The Board pack's data sections: overview, changes since the last Board, each workstream, membership,
diversity, and sources, definitions and revisions.

Each reads the pages' own views in views.BoardPack and draws with the pages' tables and chart
builders, so a section and its page cannot disagree.
"""

from __future__ import annotations

import pandas as pd

from ..charts import builders, people_charts, tables
from ..config import load_settings
from ..documents import Bullets, Facts, Figure, FigureRow, Section, Subheading, Table, Text
from ..people import disclosure, official_figures, published
from ..strategy import metrics, timescales, vocabulary
from ..strategy.vocabulary import RATINGS, STATUSES
from ..views.screens import BoardPack
from . import paper, records
from .pack_words import (
    as_at_words,
    as_text,
    count_text,
    delivery_illustrative,
    first_sentences,
    marked,
    short_source,
    signed_text,
    text_table,
)

# A workstream's delivery chart in the pack, in px before its titles: its plot stays over two inches tall.
WORKSTREAM_CHART_PX = 300
# Aspirations are a paragraph; a pack page has room for its first sentence or so.
ASPIRATION_CHARS = 320


def people_fact(series: pd.DataFrame, as_at: str, previous: str | None) -> tuple[str, bool]:
    """A headline count as text with its period and change since the last Board (when both are shown)."""
    value, change, period = published.change_since(series, as_at, previous)
    if value is None and period is not None:
        return f"{disclosure.CONFIDENTIAL} at {tables.format_date(period)} (fewer than the threshold, or hidden " \
               "so that a small number cannot be worked out)", False
    if value is None:
        return disclosure.NOT_AVAILABLE + " (no figure recorded by this date)", False
    row = series[series["period"] == period].iloc[-1]
    qualifier = f"{row['qualifier']} " if row["qualifier"] else ""
    text = f"{qualifier}{marked(f'{value:,.0f}', bool(row.get('illustrative', 0)))} at {tables.format_date(period)}"
    if row["revised"]:
        text += f" {disclosure.REVISED}"
    if change is not None:
        text += f" ({signed_text(change)} since the last Board)"
    return text, bool(row["revised"])


def commitments_text(headline: dict, before: dict | None, illustrative: bool = False) -> tuple[str, str]:
    """Commitments complete against due, and past their date, each with its change since the last Board (marked
    when the progress records are ILLUSTRATIVE)."""
    complete = marked(f"{headline['actual_share']:.0f}% ({headline['complete']} of {headline['commitments']})",
                      illustrative) + f" against {headline['planned_share']:.0f}% due"
    overdue = f"{headline['overdue']}"
    if before is not None:
        moved = signed_text(headline["actual_share"] - before["actual_share"], " points")
        complete += f" ({moved} since the last Board)"
        overdue += f" ({signed_text(headline['overdue'] - before['overdue'])} since the last Board)"
    return complete, overdue


def headcount_fact(snap: BoardPack) -> tuple[str, str] | None:
    """The published headcount of the profession's posts, as a fact beside (never added to) registered members."""
    data = snap.headcount
    if data is None or data.empty:
        return None
    latest = data.latest
    value, scs = latest["In post at 31 March"], latest["Of whom SCS"]
    text = (f"{value if isinstance(value, str) else f'{value:,}'} at 31 March {latest['Year']}, "
            f"{scs if isinstance(scs, str) else f'{scs:,}'} at SCS level (Civil Service Statistics)")
    return (f"In {load_settings().profession} posts", text)


def _headcount_blocks(snap: BoardPack) -> list:
    """The published headcount by year and grade, with its source (the Membership page's tables)."""
    data = snap.headcount
    if data is None or data.empty:
        return [Text(official_figures.no_release_words(snap.as_at, load_settings().profession))]
    note = (official_figures.MEASURE_DEFINITIONS["acses_in_post"] + " [c]: suppressed by the publisher or, below "
            f"{snap.threshold}, by the dashboard. {official_figures.ROUNDING_NOTE} "
            + official_figures.source_note(data.sources))
    return [
        text_table(as_text(data.by_year), "Civil servants in the profession's posts, by year (real figures)", note),
        text_table(as_text(data.grades), "Grade mix of the profession's posts, in post at 31 March", note),
    ]


def story_block(snap: BoardPack):
    """Each characteristic against the Civil Service from 2015 to the latest published year."""
    story = snap.story
    if story is None or story.empty:
        return Text(f"No diversity figures for {vocabulary.posts(load_settings().profession)} were known by "
                    f"{tables.format_date(snap.as_at)}.")
    if not story.released:
        return Text(official_figures.no_release_words(snap.as_at, load_settings().profession))
    if len(story.years) < 2:  # one year only: nothing to compare, and the year's shares are in the table above
        return Text(f"Only {story.years[0] if story.years else 'one year'} is published so far, so there is no "
                    "change in the gaps to show.", "note")
    return text_table(as_text(story.summary), "Has the gap to the Civil Service closed since 2015? (real figures)",
                      "Gap: the profession's share of those who declared minus the Civil Service's, in points. "
                      + official_figures.source_note(story.sources))


# The overview's two rating columns: the Board's judgement and the computed average, each with its own movement.
RATING_COLUMN, AVERAGE_COLUMN = "Board's rating; how it moved", "Computed average; since the last Board"


def _with_movement(rating: str, movement: str) -> str:
    """A rating and, after a semicolon, how it moved, unless it did not ("No new Board rating since" is implied by
    the date the rating gives)."""
    return rating if movement.startswith(("No new Board rating", "No Board rating")) else f"{rating}; {movement}"


def overview_section(snap: BoardPack) -> Section:
    """Headline figures and the grid of the ten workstreams."""
    members, _ = people_fact(snap.members, snap.as_at, snap.previous)
    scs, _ = people_fact(snap.scs, snap.as_at, snap.previous)
    complete, overdue = commitments_text(snap.headline, snap.headline_before, delivery_illustrative(snap))
    facts = Facts([(vocabulary.MEMBERS_TITLE, members), (vocabulary.MEMBERS_SCS_TITLE, scs),
                   *filter(None, [headcount_fact(snap)]),
                   ("Commitments complete", complete), (timescales.PAST_DATE_FACT, overdue)])
    judged = snap.judged
    grid = pd.DataFrame({
        "Workstream": [f"{r.number}. {r.name}" for r in snap.summary.itertuples()],
        RATING_COLUMN: [_with_movement(paper.rating_words(r), paper.judgement_movement(r, snap.previous))
                        for _, r in judged.iterrows()],
        AVERAGE_COLUMN: [_with_movement(paper.average_words(r), paper.average_movement(r, snap.previous))
                         for _, r in judged.iterrows()],
        "Complete / due (%)": [f"{a:.0f} / {p:.0f}" for a, p in zip(snap.summary["actual_share"],
                                                                    snap.summary["planned_share"])],
        timescales.PAST_DATE_HEADING: snap.summary["overdue"].astype(int),
    })
    chart = builders.workstream_delivery_chart(snap.summary, snap.as_at, tables.source_line(snap.illustrative))
    return Section("Overview", [
        Text(f"How delivery of the strategy's {snap.headline['commitments']} commitments stood "
             f"{as_at_words(snap)}.", "lead"),
        facts,
        text_table(grid, f"The ten workstreams {as_at_words(snap)}"
                   + (f", and their ratings since the Board of {tables.format_date(snap.previous)}"
                      if snap.previous else ""),
                   "The Board's rating is its own judgement at the Board named; it moves only against the Board's "
                   f"previous judgement. {paper.AVERAGE_HELP} The average moves only against the average at the "
                   "last Board. The two are different measures and are never compared with each other. "
                   f"As symbol and word: ■■■■■ Green to ■□□□□ Red. {timescales.PAST_DATE_HEADING}: "
                   f"{timescales.PAST_DATE_HELP}"),
        Figure(chart),
    ])


def last_board_outcomes(snap: BoardPack) -> list:
    """What the last Board decided: the workstream ratings it recorded and the actions it set, as known now."""
    if snap.previous is None:
        return []
    when = tables.format_date(snap.previous)
    blocks = []
    ratings = snap.ratings[snap.ratings["board_date"] == snap.previous] if snap.ratings is not None else None
    names = dict(zip(snap.workstreams["number"], snap.workstreams["name"]))
    if ratings is not None and not ratings.empty:
        ratings = ratings.sort_values("workstream")
        blocks.append(text_table(pd.DataFrame({
            "Workstream": [f"{n}. {names.get(n, '')}" for n in ratings["workstream"]],
            "Board's rating": ratings["rating"].map(metrics.rating_label),
            "Rationale": ratings["rationale"],
            "Recorded by": ratings["recorded_by"],
        }), f"Ratings the Board of {when} agreed"))
    actions = snap.actions[snap.actions["board_date"] == snap.previous] if snap.actions is not None else None
    if actions is not None and not actions.empty:
        latest = records.latest(actions)
        blocks.append(text_table(pd.DataFrame({
            "Ref": latest["ref"], "Action": latest["action"], "Owner": latest["owner"],
            "Due": latest["due_date"].map(tables.format_date), "Now": latest["status"],
        }), f"Actions the Board of {when} set"))
    if not blocks:
        blocks.append(Text(f"The Board of {when} recorded no workstream ratings and set no actions."))
    return [Subheading(f"Decided at the Board of {when}"), *blocks, Subheading("Commitments since then")]


def changes_section(snap: BoardPack) -> Section:
    """What changed since the previous Board: commitments, then headline indicators."""
    section = Section("Since the last Board")
    if snap.previous is None:
        section.blocks.append(Text("There is no earlier Board meeting in the data to compare with."))
        return section
    between = f"Between {tables.format_date(snap.previous)} and {tables.format_date(snap.as_at)}"
    section.blocks += last_board_outcomes(snap)
    changes = snap.changes
    if changes.empty:
        section.blocks.append(Text(f"{between} no commitment changed status or rating, and none passed its date."))
    else:
        counts = changes["change"].value_counts()
        moved = ", ".join(paper.change_count_words(kind, n) for kind, n in counts.items())
        section.blocks.append(Text(f"{between}: {moved}."))
        shown = changes.rename(columns={"ref": "Ref", "workstream": "Workstream", "title": "Commitment (summary)",
                                        "change": "Change", "from": "From", "to": "To"})
        section.blocks.append(text_table(shown, f"Changes to commitments since the Board of "
                                                f"{tables.format_date(snap.previous)}"))
    rows = []
    named = [(vocabulary.MEMBERS_TITLE, snap.members), (vocabulary.MEMBERS_SCS_TITLE, snap.scs)]
    for number, data in snap.by_workstream.items():
        for row in data.indicators.itertuples():
            named.append((f"{row.name} (workstream {number})", data.indicator_data[row.code][0]))
    for name, series in named:
        # A change is given only when both figures are published (published.change_since).
        value, change, period = published.change_since(series, snap.as_at, snap.previous)
        if value is None and period is not None:
            rows.append({"Indicator": name, "At the last Board": disclosure.CONFIDENTIAL,
                         "Now": disclosure.CONFIDENTIAL, "Change": disclosure.CONFIDENTIAL,
                         "Latest figure for": tables.format_date(period)})
            continue
        if value is None:
            continue
        then = value - change if change is not None else None
        rows.append({"Indicator": name, "At the last Board": count_text(then), "Now": count_text(value),
                     "Change": signed_text(change) if change is not None else disclosure.NOT_AVAILABLE,
                     "Latest figure for": tables.format_date(period)})
    if rows:
        section.blocks.append(text_table(pd.DataFrame(rows), "Indicators: the latest figure known at each Board",
                                         "[x]: no figure had been recorded by the last Board."))
    return section


def _indicator_rows(data: dict, as_at: str, previous: str | None) -> pd.DataFrame:
    rows = []
    for row in data.indicators.itertuples():
        series, target = data.indicator_data[row.code]
        value, change, period = metrics.change_since(series, as_at, previous)
        if value is None:
            rows.append({"Indicator": row.name, "Latest": disclosure.NOT_AVAILABLE, "Refers to": "",
                         "Target by then": "", "Since the last Board": ""})
            continue
        latest = series[series["period"] == period].iloc[-1]
        due = target[target["period"] <= period] if not target.empty else target
        aim = f"{due.iloc[-1]['value']:,.0f} ({tables.format_date(due.iloc[-1]['period'])})" if not due.empty else \
            disclosure.NOT_APPLICABLE
        if not due.empty and bool(due.iloc[-1].get("illustrative", 0)):
            aim += " (illustrative target)"
        rows.append({
            "Indicator": row.name,
            "Latest": f"{value:,.0f}" + (f" {disclosure.REVISED}" if latest["revised"] else ""),
            "Refers to": tables.format_date(period),
            "Target by then": aim,
            "Since the last Board": signed_text(change) if change is not None else disclosure.NOT_AVAILABLE,
        })
    return pd.DataFrame(rows)


def _indicator_lines(rows: pd.DataFrame) -> list[str]:
    """Each indicator row as one line: latest figure, its date, the target by then and the change."""
    lines = []
    for row in rows.itertuples(index=False):
        if row.Latest == disclosure.NOT_AVAILABLE:
            lines.append(f"{row.Indicator}: no figure recorded by this date.")
            continue
        text = f"{row.Indicator}: {row.Latest} at {row[2]}"
        if row[3] and row[3] != disclosure.NOT_APPLICABLE:
            text += f"; target by then {row[3]}"
        if row[4] and row[4] != disclosure.NOT_AVAILABLE:
            text += f"; {row[4]} since the last Board"
        lines.append(text + ".")
    return lines


def _rating_facts(judged: pd.Series, previous: str | None) -> list[tuple[str, str]]:
    """A workstream's two ratings as facts, kept apart: the Board's judgement (who, when, why) and the average."""
    facts = [("Board's rating", paper.rating_words(judged))]
    if judged["judged"]:
        rationale = judged["rationale"]
        if judged["green_unexplained"]:
            rationale += (f" ⚠ Rated Green while {judged['behind']:.0f} points behind plan, and the rationale does "
                          "not say why.")
        facts += [("Rationale", f"{rationale} (recorded by {judged['rater']})"),
                  ("Board's rating moved", paper.judgement_movement(judged, previous))]
    facts += [("Computed average", paper.average_words(judged)),
              ("Average since the last Board", paper.average_movement(judged, previous))]
    return facts


def workstream_section(snap: BoardPack, number: int) -> Section:
    """One workstream: aspiration in brief, rating and trend, due or overdue commitments, trajectory, indicators."""
    ws = snap.workstreams[snap.workstreams["number"] == number].iloc[0]
    data = snap.by_workstream[number]
    status = data.status
    headline = metrics.headline(status, snap.as_at)
    judged = snap.judged[snap.judged["number"] == number].iloc[0]
    before_headline = None
    if snap.previous is not None:
        before_headline = {"complete": int(
            snap.summary_before.loc[snap.summary_before["number"] == number, "complete"].iloc[0])}
    complete = (marked(f"{headline['complete']} of {headline['commitments']} ({headline['actual_share']:.0f}%)",
                       delivery_illustrative(snap))
                + f" against {headline['planned_share']:.0f}% due; {headline['closed']} closed without completion")
    if before_headline is not None:
        complete += f"; {signed_text(headline['complete'] - before_headline['complete'])} since the last Board"
    blocks = [
        Text(f"What good looks like (our summary; the strategy's words are in {ws['strategy_ref']}): "
             f"{first_sentences(ws['aspiration'], ASPIRATION_CHARS)}", "lead"),
        Facts(_rating_facts(judged, snap.previous)
              + [("Commitments complete", complete),
                 (timescales.PAST_DATE_HEADING, str(headline["overdue"]))]),
    ]
    if not data.indicators.empty:
        # Its indicators as lines beside the chart (not a table under it): a workstream then fits one slide.
        blocks += [Subheading("Its indicators"), Bullets(_indicator_lines(_indicator_rows(data, snap.as_at,
                                                                                          snap.previous)))]
    chosen = metrics.due_or_overdue(status, snap.as_at)
    caption = f"Commitments past their date or due by {tables.format_date(metrics.due_soon_by(snap.as_at))}"
    if chosen.empty:  # one line among the facts, not a line on a page of its own after the chart
        blocks[1].items.append((caption, "none"))
    # Shorter than the page's own chart, so the workstream's commitments fit on its page beneath it.
    blocks.append(Figure(builders.trajectory_chart(data.trajectory, ws["name"], snap.as_at,
                                                 tables.source_line(snap.illustrative), height=WORKSTREAM_CHART_PX)))
    if not chosen.empty:
        shown = tables.commitment_table(chosen).drop(columns="In the strategy")
        note = (f"Our summaries; the strategy's words are in {ws['strategy_ref']}. "
                "Dates are indicative (end of horizon) unless shown as set.")
        if chosen["owner"].isna().all():
            # One sentence instead of the same owner on every row, so a workstream still fits a slide.
            shown = shown.drop(columns="Owner")
            note += " No owner assigned: the GSE Profession Board is responsible, as the strategy states."
        shown = tables.formatted(shown)
        revised = chosen["revised"].astype(bool).to_numpy()
        shown.loc[revised, "% complete"] = shown.loc[revised, "% complete"] + f" {disclosure.REVISED}"
        blocks.append(Table(shown.astype(str), caption, note))
    return Section(f"{number}. {ws['name']}", blocks)


def membership_section(snap: BoardPack) -> Section:
    """Members and SCS with the target trajectory, and suppressed breakdowns by grade and department."""
    members, _ = people_fact(snap.members, snap.as_at, snap.previous)
    scs, _ = people_fact(snap.scs, snap.as_at, snap.previous)
    section = Section("Membership", [
        *_headcount_blocks(snap),
        Text("Registered GSE members (Civil Service Learning): real in September 2016, illustrative after unless "
             "imported; a different measure from the published headcount above.", "note"),
        Facts([(vocabulary.MEMBERS_TITLE, members), (vocabulary.MEMBERS_SCS_TITLE, scs)]),
        Figure(builders.indicator_chart(snap.members, snap.membership.target, name=vocabulary.MEMBERS_TITLE,
                                        unit="count",
                                      population="the whole profession", as_at=snap.as_at,
                                      source=tables.observation_source(snap.members))),
    ])
    period = snap.membership.period
    if not period:
        section.blocks.append(Text("No breakdown of members by department or grade had been recorded by this date."))
        return section
    threshold = snap.threshold
    rule = (f"[c]: fewer than {threshold}, or hidden so that a small number cannot be worked out from the "
            "totals.")
    total, total_hidden = snap.membership.breakdown_totals["grade"]
    shown = tables.protected_line_table(snap.membership.breakdowns["grade"], "grade", "Grade", total, total_hidden)
    section.blocks.append(text_table(shown, f"{vocabulary.MEMBERS_TITLE} by grade, {tables.format_date(period)}"
                                           + (" (illustrative)" if people_charts.period_illustrative(snap.membership)
                                              else ""), rule))
    crosstab = tables.protected_crosstab_table(*snap.membership.crosstab)
    section.blocks.append(text_table(crosstab, f"{vocabulary.MEMBERS_TITLE} by department and grade, "
                                           f"{tables.format_date(period)}"
                                           + (" (illustrative)" if people_charts.period_illustrative(snap.membership)
                                              else ""), rule))
    return section


def diversity_breakdowns(snap: BoardPack, by: str) -> tuple[pd.DataFrame, str]:
    """Every characteristic's share by BY side by side, each cell as the screen's table shows it.

    The cells come from tables.diversity_breakdown_table, so suppression is the screen's. Returns
    the table and the year it refers to.
    """
    columns, year, rates = {}, "", []
    for row in snap.diversity.definitions.itertuples():
        frame = snap.diversity.breakdowns[(row.code, by)]
        if frame.empty:
            continue
        year = year or frame["period"].iloc[0][:4]
        shown = tables.diversity_breakdown_table(frame, row.name, by, snap.threshold)
        share = shown[f"{row.name} (% of declared)"]
        flagged = [f"{s} †" if unreliable and not isinstance(s, str) else s
                   for s, unreliable in zip(share, shown["Reliability"] != "")]
        columns[row.name] = pd.Series(flagged, index=shown[by.capitalize()].to_numpy(), dtype=object)
        rates += [r for r in shown["Declaration rate (%)"] if not isinstance(r, str)]
    if not columns:
        return pd.DataFrame(), year
    combined = pd.DataFrame(columns)
    combined = combined.fillna(disclosure.NOT_AVAILABLE).rename_axis(by.capitalize()).reset_index()
    combined = metrics.order_groups(combined.rename(columns={by.capitalize(): by}), by).rename(
        columns={by: by.capitalize()})
    return combined, year


def diversity_section(snap: BoardPack) -> Section:
    """Each characteristic against the Civil Service, then breakdowns with small numbers suppressed."""
    summary = tables.diversity_summary(snap.diversity)
    section = Section("Diversity and inclusion", [
        Text("Shares are the percentage of those who declared, beside the declaration rate, against the Civil "
             f"Service as a whole. Counts below {snap.threshold}, and shares resting on them, are shown as [c].",
             "lead"),
        text_table(summary, f"{vocabulary.posts_title(load_settings().profession)} against the Civil Service, "
                            f"latest year known "
                            f"{as_at_words(snap)}",
                   "Gap: GSE share minus Civil Service share, in percentage points. [r]: revised since first "
                   "recorded. [x]: not available."),
        story_block(snap),
    ])
    threshold_note = (f"[c]: fewer than {snap.threshold} people, or a share that would disclose such a count. "
                      "†: under 50% of the group declared, so the share is unreliable. "
                      "[x]: not available. Declaration rates by characteristic are in the table above.")
    missing = []
    for by in ("grade", "department"):
        combined, year = diversity_breakdowns(snap, by)
        if combined.empty:
            missing.append(by)
            continue
        section.blocks.append(Table(combined.astype(str), f"{vocabulary.posts_title(load_settings().profession)} "
                                                          f"by {by}, {year}: % of those who declared",
                                    threshold_note))
    if missing:
        section.blocks.append(Text(f"No diversity figures by {' or by '.join(missing)} had been recorded by this date.",
                                   "note"))
    figures = []
    for row in snap.diversity.definitions.itertuples():
        gaps = snap.diversity.gaps[snap.diversity.gaps["indicator"] == row.code]
        if gaps["period"].nunique() < 2:  # one year is a row of the table above, not a chart
            continue
        series = snap.diversity.series[snap.diversity.series["indicator"] == row.code]
        trend = metrics.gap_trend(snap.diversity.gaps, row.code)
        figures.append(Figure(builders.benchmark_chart(gaps, trend, name=row.name, as_at=snap.as_at,
                                                     source=short_source(series))))
    if figures:
        section.blocks.append(FigureRow(figures))
    return section


def revisions(snap: BoardPack) -> list[str]:
    """Every figure or update in the pack that had been revised by the as-at date, in words."""
    items = []
    for row in snap.status[snap.status["revised"].astype(bool)].itertuples():
        items.append(f"{disclosure.REVISED} {row.ref} ({row.title}): the progress update for "
                     f"{tables.format_date(row.updated_as_of)} was corrected after it was first recorded.")
    named = [(vocabulary.MEMBERS_TITLE, snap.members), (vocabulary.MEMBERS_SCS_TITLE, snap.scs)]
    for data in snap.by_workstream.values():
        for row in data.indicators.itertuples():
            named.append((row.name, data.indicator_data[row.code][0]))
    for row in snap.diversity.definitions.itertuples():
        series = snap.diversity.series
        for population in ("GSE", "Civil Service"):
            named.append((f"{row.name}, {population}", series[(series["indicator"] == row.code)
                                                               & (series["population"] == population)]))
    for name, series in named:
        for row in series[series["revised"].astype(bool)].itertuples():
            items.append(f"{disclosure.REVISED} {name}: the figure for {tables.format_date(row.period)} "
                         "was corrected after it was first recorded.")
    return items


def closing_section(snap: BoardPack) -> Section:
    """Sources, definitions and revisions."""
    sources = {
        "The strategy": "The Government Science and Engineering (GSE) Profession Strategy (Government Office for "
                        "Science, September 2016): workstreams, commitments, horizons and the baseline figures.",
        "Delivery": tables.source_line(snap.illustrative) + ".",
        "Membership": tables.observation_source(snap.members) + ".",
        "Diversity": tables.observation_source(snap.diversity.series) + ".",
    }
    indicator_series = [s for d in snap.by_workstream.values() for s, _ in d.indicator_data.values()]
    if indicator_series:
        sources["Workstream indicators"] = tables.observation_source(pd.concat(indicator_series)) + "."
    definitions = [
        "Status of a commitment: " + ", ".join(metrics.status_label(s) for s in STATUSES)
        + " (closed means closed without completion).",
        "Delivery confidence on the government's five-point scale, as symbol and word: "
        + "; ".join(metrics.rating_label(r) for r in RATINGS)
        + ". The Board's rating is used where it has given one. A workstream's rating is the average of its "
          "open commitments' ratings, rounding halves towards caution.",
        "Dates: " + timescales.HOW_DATES_ARE_DERIVED,
        f"{timescales.PAST_DATE_HEADING}: {timescales.PAST_DATE_HELP} Whatever their rating. Due (on a "
        f"workstream page): open and due within {metrics.DUE_SOON_DAYS} days of the as-at date.",
        "Owners: " + timescales.OWNERS_EXPLAINED,
        "Summaries: " + timescales.SUMMARIES_EXPLAINED,
        "Planned: the share of commitments due by a date. Actual: the share complete at that date. Work done "
        "(weighted): the average percent complete, which credits work part done.",
        "Diversity shares are the percentage of those who declared; a share resting on under 50% declared is "
        "unreliable.",
        f"Statistical disclosure control: counts below {snap.threshold}, shares based on fewer than "
        f"{snap.threshold} people, and any figure from which they could be worked out are not shown. "
        "[c] confidential; [x] not available; [z] not applicable; [r] revised.",
    ]
    revised = revisions(snap)
    return Section("Sources, definitions and revisions", [
        Subheading("Sources"),
        Bullets([f"{k}: {v}" for k, v in sources.items()]),
        Subheading("Definitions"),
        Bullets(definitions),
        Subheading("Revisions"),
        Text(f"Everything in this pack is as known at the end of {tables.format_date(snap.as_at)}: updates and "
             "corrections recorded later are left out, so the pack can be reproduced exactly. Figures and "
             "updates corrected by then are marked [r]."),
        Bullets(revised) if revised else Text("No figure or update in this pack had been revised by this date."),
    ])
