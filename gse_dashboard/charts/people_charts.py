"""The Membership and Diversity pages' charts, with their message titles, built from the views.

Streamlit-free, so the titles can be tested and the Board pack can draw the same figures: each
function takes a view (views.Membership or views.Diversity), the as-at date and the suppression
threshold, and returns a Chart (or, for a characteristic, its charts and suppressed tables).
Small groups are never charted: a series for a filtered selection loses its values below the
threshold, and a breakdown's bars carry the same [c] cells as its table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..people import official_figures
from ..people.disclosure import CONFIDENTIAL
from ..storage.store import ALL
from ..strategy import metrics, vocabulary
from ..views import official as official_views
from ..views.screens import Diversity, Membership
from . import builders
from .style import Chart
from .tables import diversity_breakdown_table, format_date, observation_source, protected_line_table

BREAKDOWN_LABELS = {"department": "Department", "grade": "Grade", "role_type": "Role type"}
_NO_TARGET = ("period", "value")


def hidden_periods(series: pd.DataFrame, threshold: int) -> list[str]:
    """The periods of a people-count series whose figure is not published (the chart's gaps)."""
    if series.empty:
        return []
    shown = set(suppressed_series(series, threshold)["period"])
    return sorted(set(series["period"]) - shown)


def suppressed_series(series: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A people-count series with its unpublished points removed (published.series marks them hidden)."""
    if series.empty:
        return series
    shown = ~series["hidden"] if "hidden" in series else series["value"] >= threshold
    return series[shown.to_numpy()].reset_index(drop=True)


def filter_phrase(filters: dict[str, str]) -> str:
    """Words for the chosen filters: 'the whole profession' or 'Grade: SCS; Role type: Policy'."""
    chosen = [f"{BREAKDOWN_LABELS[k]}: {v}" for k, v in filters.items() if v != ALL]
    return "; ".join(chosen) if chosen else "the whole profession"


# -- Membership ---------------------------------------------------------------------------------------

def members_chart(view: Membership, as_at: str, threshold: int) -> Chart:
    """Members over time, against the target trajectory for the whole profession."""
    series = suppressed_series(view.series, threshold)
    return builders.indicator_chart(series, view.target, name=vocabulary.MEMBERS_TITLE, unit="count",
                                  population=filter_phrase(view.filters), as_at=as_at,
                                  source=observation_source(view.series),
                                  gaps=hidden_periods(view.series, threshold))


def scs_scope(view: Membership) -> dict[str, str]:
    """The filters the SCS chart applies: the chosen department and role type, every grade."""
    return {**view.filters, "grade": ALL}


def scs_chart(view: Membership, as_at: str, threshold: int) -> Chart:
    """SCS members over time for the chosen department and role type."""
    scope = scs_scope(view)
    series = suppressed_series(view.scs, threshold)
    return builders.indicator_chart(series, pd.DataFrame(columns=list(_NO_TARGET)), name=vocabulary.MEMBERS_SCS_TITLE,
                                  unit="count", population=filter_phrase(scope), as_at=as_at,
                                  source=observation_source(view.scs), gaps=hidden_periods(view.scs, threshold))


def largest_group_title(frame: pd.DataFrame, by: str, hidden: pd.Series, total: int | None) -> str:
    """The message title of a breakdown: the largest group that can be shown, and its share of TOTAL (if shown)."""
    shown = frame[~hidden.to_numpy()]
    if shown.empty:
        return f"Every {BREAKDOWN_LABELS[by].lower()} is too small to show"
    top = shown.sort_values("members", ascending=False).iloc[0]
    share = f", {100 * top['members'] / total:.0f}% of the total" if total else ""
    return f"{top[by]} has the most {vocabulary.MEMBERS}: {top['members']:,.0f}{share}"


def breakdown_chart(view: Membership, by: str) -> Chart:
    """Members by one breakdown as bars, with its table, both from the protected table (published.line)."""
    frame = view.breakdowns[by]
    cells = frame["hidden"].astype(bool)
    total, total_hidden = view.breakdown_totals[by]
    others = {k: v for k, v in view.filters.items() if k != by}
    chart = builders.breakdown_chart(
        frame[[by, "members"]], group=by, value="members", hidden=cells,
        title=largest_group_title(frame, by, cells, None if total_hidden else total), value_title="Members",
        subtitle=f"{vocabulary.MEMBERS_TITLE} by {BREAKDOWN_LABELS[by].lower()}, {filter_phrase(others)}, "
                 f"{format_date(view.period)}",
        source=period_source(view))
    chart.table = protected_line_table(frame, by, BREAKDOWN_LABELS[by], total, total_hidden)
    chart.illustrative = period_illustrative(view)
    return chart


def period_source(view: Membership) -> str:
    """The source of the figures at the view's period only: a breakdown at a later date never cites the
    strategy's September 2016 count (the strategy gives no breakdown at all)."""
    return observation_source(view.series[view.series["period"] == view.period])


def period_illustrative(view: Membership) -> str:
    """Which figures of a breakdown of registered members at the view's period are made up ("" if real)."""
    if not view.period or "illustrative" not in view.series:
        return ""
    row = view.series[view.series["period"] == view.period]
    if row.empty or not bool(row["illustrative"].fillna(0).astype(bool).any()):
        return ""
    return f"every figure: {vocabulary.MEMBERS} at {format_date(view.period)} (the illustrative history)"


def joiners_leavers_title(joiners: pd.DataFrame, leavers: pd.DataFrame) -> str:
    """The message title: joiners, leavers and the net change over the last four quarters.

    Only when all eight figures are published: a sum over a hidden quarter would give it away.
    """
    frame = _joiners_leavers(joiners, leavers)
    recent = frame.tail(4)
    if recent[["joiners", "leavers"]].isna().to_numpy().any():
        return "Joiners and leavers per quarter; [c] where a figure is too small to show"
    net = recent["joiners"].sum() - recent["leavers"].sum()
    return (f"Over the last four quarters {recent['joiners'].sum():,.0f} joined and "
            f"{recent['leavers'].sum():,.0f} left: a net {'gain' if net >= 0 else 'loss'} of {abs(net):,.0f}")


def _joiners_leavers(joiners: pd.DataFrame, leavers: pd.DataFrame) -> pd.DataFrame:
    """Joined and left per period, NaN where a figure is not published (published.series marks it hidden)."""
    def shown(series: pd.DataFrame, name: str) -> pd.DataFrame:
        values = series["value"].where(~series["hidden"].astype(bool)) if "hidden" in series else series["value"]
        return pd.DataFrame({"period": series["period"], name: values.astype(float)})

    return shown(joiners, "joiners").merge(shown(leavers, "leavers"), on="period", how="outer")


def joiners_leavers_chart(joiners: pd.DataFrame, leavers: pd.DataFrame, as_at: str) -> Chart:
    """Joiners and leavers per quarter, whole profession: a hidden figure is [c] in the table, a gap in the line."""
    frame = _joiners_leavers(joiners, leavers)
    title = joiners_leavers_title(joiners, leavers)
    chart = builders.lines_chart(
        frame, x="period", series=[("joiners", "Joined"), ("leavers", "Left")], title=title,
        subtitle=f"{vocabulary.MEMBERS_TITLE} joining and leaving per quarter, whole profession, as known at {as_at}",
        source=observation_source(joiners), y_title="Registered members per quarter",
        alt_text=f"Line chart of joiners and leavers per quarter from {frame['period'].iloc[0]} to "
                 f"{frame['period'].iloc[-1]}. {title}.")
    table = chart.table.astype(object)
    for series, label in ((joiners, "Joined"), (leavers, "Left")):
        hidden = set(series.loc[series["hidden"].astype(bool), "period"]) if "hidden" in series else set()
        table.loc[frame["period"].isin(hidden).to_numpy(), label] = CONFIDENTIAL
    chart.table = table
    flows = pd.concat([joiners, leavers])
    if "illustrative" in flows and bool(flows["illustrative"].fillna(0).astype(bool).any()):
        chart.illustrative = "every figure: registered members joining and leaving (the illustrative history)"
    return chart


# -- Diversity & inclusion ----------------------------------------------------------------------------

@dataclass
class Characteristic:
    """One characteristic's charts and suppressed tables: benchmark, declaration rates (if any), breakdowns."""

    benchmark: Chart
    declaration: Chart | None
    tables: dict[str, pd.DataFrame]


def declaration_title(rates: pd.DataFrame, name: str) -> str:
    """The message title of the declaration-rate chart: the latest GSE rate, or what the chart shows."""
    if "GSE" in rates and rates["GSE"].notna().any():
        latest = rates.dropna(subset=["GSE"]).iloc[-1]
        return f"{latest['GSE']:.0f}% of {vocabulary.posts()} declared in {latest['period'][:4]}"
    return f"Declaration rates for {name.lower()}"


def source_kinds(series: pd.DataFrame) -> list[tuple[str, str]]:
    """(period, where its figures come from in a few words) for each period of a diversity SERIES, in order."""
    kinds = []
    for period, rows in series.sort_values("period").groupby("period", sort=True):
        sources = " ".join(str(s) for s in rows["source"])
        if "illustrative" in rows and rows["illustrative"].fillna(0).astype(bool).any():
            kind = "illustrative figures"
        elif "Civil Service Statistics" in sources:
            kind = "Civil Service Statistics"
        elif "GSE Strategy" in sources:
            kind = "the strategy's survey figures"
        else:
            kind = "the dashboard's returns"
        kinds.append((str(period), kind))
    return kinds


def characteristic(view: Diversity, code: str, name: str, as_at: str, threshold: int) -> Characteristic:
    """The charts and suppressed tables of one characteristic."""
    series, gaps = view.of(code)
    trend = metrics.gap_trend(view.gaps, code)
    benchmark = builders.benchmark_chart(gaps, trend, name=name, as_at=as_at, source=observation_source(series))
    builders.mark_source_changes(benchmark, source_kinds(series))
    rates = series.pivot_table(index="period", columns="population", values="declaration_rate",
                               aggfunc="last").reset_index()
    rate_columns = [(p, p if p != "GSE" else f"{vocabulary.DEFAULT_PROFESSION_OF_POST} posts")
                    for p in ("GSE", "Civil Service") if p in rates]
    declaration = None
    if not rates.dropna(how="all", subset=[c for c, _ in rate_columns]).empty:
        title = declaration_title(rates, name)
        declaration = builders.lines_chart(
            rates, x="period", series=rate_columns, title=title,
            subtitle=f"Share of staff answering the question on {name.lower()}, as known at {as_at}",
            source=observation_source(series), y_title="% who declared", percent=True,
            alt_text=f"Line chart of declaration rates for {name.lower()}. {title}.")
    breakdowns = {by: view.breakdowns[(code, by)] for by in ("grade", "department")}
    tables = {by: diversity_breakdown_table(frame, name, by, threshold)
              for by, frame in breakdowns.items() if not frame.empty}
    return Characteristic(benchmark=benchmark, declaration=declaration, tables=tables)


def _ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def profession_rank_title(comparison: official_views.ProfessionComparison, measure: str) -> str:
    """'Science and Engineering ranks 29th of 30 professions for women (% of known sex) in 2022: 31.3%, against
    54.5% for the Civil Service as a whole': the comparison's message in words."""
    label, unit = official_figures.COMPARED[measure]
    what = label[:1].lower() + label[1:] if not label[:4].isupper() else label
    if measure == "growth":
        what = f"growth in headcount from {comparison.previous} to {comparison.year}"
    rank = comparison.rank_of(measure)
    ranked = comparison.ranked(measure)
    if rank is None:
        return (f"{comparison.profession} has no figure to rank for {what} in {comparison.year}; "
                f"{len(ranked)} professions do")
    column = comparison.column(measure)
    mine = float(ranked.loc[ranked["Profession"].str.casefold() == comparison.profession.casefold(), column].iloc[0])
    shown = f"{mine:,.1f}%" if unit == "percent" else f"{mine:,.0f}"
    title = f"{comparison.profession} ranks {_ordinal(rank[0])} of {rank[1]} professions for {what} in " \
            f"{comparison.year}: {shown}"
    service = comparison.civil_service(measure)
    if service is not None:
        title += f", against {service:,.1f}%" if unit == "percent" else f", against {service:,.0f}"
        title += " for the Civil Service as a whole"
    return title


def profession_chart(comparison: official_views.ProfessionComparison, measure: str) -> Chart:
    """Every profession's figure for MEASURE, highest first, the profession highlighted, the Civil Service a line."""
    label, unit = official_figures.COMPARED[measure]
    column = comparison.column(measure)
    ranked = comparison.ranked(measure)
    service = comparison.civil_service(measure)
    chart = builders.ranked_bars_chart(
        ranked.rename(columns={column: "value"}), group="Profession", value="value", highlight=comparison.profession,
        title=profession_rank_title(comparison, measure),
        subtitle=f"{column}, every profession of post with a figure, {comparison.year} (31 March); "
                 f"{comparison.profession} highlighted",
        source=official_figures.sources_line(comparison.sources_of(measure)), value_title=column,
        percent=unit == "percent",
        reference=(official_figures.CIVIL_SERVICE, service) if service is not None and measure != "headcount"
        else None)
    left_out = [p for p in comparison.table["Profession"] if p != official_figures.CIVIL_SERVICE
                and p not in set(ranked["Profession"])]
    if left_out:
        chart.note = (f"Not ranked: {', '.join(left_out)} (no figure to show: [c] or [x], or not a profession).")
    chart.table = ranked.rename(columns={column: column})
    return chart
