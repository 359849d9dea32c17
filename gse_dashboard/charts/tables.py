"""Tables as people read them: pure shaping shared by the pages, the Board pack and the brief.

Moved out of ui.py so that the pack shows the same tables, with the same disclosure control,
as the screen does, without importing Streamlit. DataFrames in, DataFrames or text out.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..people import disclosure, official_figures, protected_diversity
from ..storage.store import ALL
from ..strategy import metrics, timescales


def format_date(date: str | None) -> str:
    """A stored ISO date as people in government write it: 18 October 2017."""
    if not isinstance(date, str) or not date:
        return "no date"
    day = dt.date.fromisoformat(date[:10])
    return f"{day.day} {day.strftime('%B %Y')}"


def format_cell(value: object) -> str:
    """A table cell as text: whole numbers with thousands separators, others to one decimal place."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy and pandas scalars
        value = value.item()
    if isinstance(value, bool) or value is None or value is pd.NA:
        return "" if value is None or value is pd.NA else ("Yes" if value else "No")
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:,.1f}"
    return str(value)


def whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """FRAME with each column of decimals that are all whole (counts stored as REAL) as whole numbers.

    So a count reads '403', never '403.0', on every page and in every download; a column with
    any fraction is left as it is.
    """
    shown = frame.copy()
    for position in range(shown.shape[1]):
        column = shown.iloc[:, position]
        if pd.api.types.is_float_dtype(column):
            values = column.dropna()
            if not values.empty and bool((values % 1 == 0).all()) and values.abs().max() < 2**53:
                shown.isetitem(position, column.astype("Int64"))
    return shown


def formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """FRAME with every number written as format_cell writes it; text columns left as they are."""
    shown = frame.copy()
    for column in shown.columns:
        if not pd.api.types.is_string_dtype(shown[column]) or shown[column].dtype == object:
            shown[column] = [format_cell(v.item() if hasattr(v, "item") else v) for v in shown[column]]
    return shown


def observation_source(series: pd.DataFrame) -> str:
    """The sources behind an indicator series, for the line under its chart."""
    sources = sorted(set(series["source"])) if not series.empty else []
    return official_figures.sources_line(sources) if sources else "No figures recorded"


def source_line(illustrative: bool) -> str:
    """The source to show under charts of delivery data."""
    dates = "indicative dates derived from the horizons of the GSE Strategy (2016), Annex A, unless set"
    return (f"GSE team progress records (illustrative history); {dates}" if illustrative
            else f"GSE team progress records; {dates}")


# The title is our summary of the commitment, never the strategy's words: the last column says
# where to read those. The date says whether it is indicative or set; the owner, who assigned it.
COMMITMENT_COLUMNS = {
    "ref": "Ref", "title": "Commitment (our summary)", "status_label": "Status", "rating_label": "Rating",
    "percent_complete": "% complete", "owner_text": "Owner", "due_text": "Date",
    "past_date_label": timescales.PAST_DATE_COLUMN, "strategy_ref": "In the strategy",
}


def commitment_table(status: pd.DataFrame) -> pd.DataFrame:
    """Commitments as people read them: symbols and words, not codes; dates and owners with their provenance."""
    frame = timescales.with_date_texts(status).assign(
        status_label=status["status"].map(metrics.status_label),
        rating_label=status["effective_rating"].map(metrics.rating_label),
        percent_complete=status["percent_complete"].round(0).astype(int),
    )
    return frame[list(COMMITMENT_COLUMNS)].rename(columns=COMMITMENT_COLUMNS)


def diversity_summary(data) -> pd.DataFrame:
    """One row per characteristic: latest GSE and Civil Service shares, gap, direction, declaration.

    DATA is a views.Diversity: its `definitions` (diversity indicators), `series`
    (protected_diversity.published_series) and `gaps` (metrics.benchmark_gaps of it).
    """
    rows = []
    for row in data.definitions.itertuples():
        trend = metrics.gap_trend(data.gaps, row.code)
        gse = data.series[(data.series["indicator"] == row.code) & (data.series["population"] == "GSE")]
        last = gse.iloc[-1] if not gse.empty else None
        latest = trend["latest"]
        rate = last["declaration_rate"] if last is not None else None
        marks = []
        if last is not None and last["revised"]:
            marks.append(disclosure.REVISED)
        if last is not None and last["illustrative"]:
            marks.append("illustrative")
        rows.append({
            "Characteristic": row.name,
            "Year": latest["period"][:4] if latest else disclosure.NOT_AVAILABLE,
            "GSE (% of declared)": round(latest["gse"], 1) if latest else disclosure.NOT_AVAILABLE,
            "Civil Service (%)": round(latest["civil_service"], 1) if latest else disclosure.NOT_AVAILABLE,
            "Gap (points, GSE minus CS)": round(latest["gap"], 1) if latest else disclosure.NOT_AVAILABLE,
            "Gap since previous year": trend["direction"],
            "GSE declaration rate (%)": _rate_as_shown(last, rate),
            "Reliability": "unreliable: under 50% declared" if rate is not None and not pd.isna(rate)
            and rate < disclosure.UNRELIABLE_BELOW else "",
            "Notes": " ".join(marks),
        })
    return pd.DataFrame(rows)


def _rate_as_shown(last, rate) -> float | str:
    """The profession's latest declaration rate: [c] where the protected table hides it, [x] where none is recorded."""
    if rate is not None and not pd.isna(rate):
        return round(float(rate), 1)
    if last is not None and bool(last.get("rated", False)):
        return disclosure.CONFIDENTIAL
    return disclosure.NOT_AVAILABLE


def diversity_breakdown_table(frame: pd.DataFrame, name: str, by: str, threshold: int) -> pd.DataFrame:
    """One characteristic by grade or department as shown: % of declared, declared, rate, with `[c]`.

    FRAME is protected_diversity.breakdown: the published figures only (None where hidden), so
    nothing here can show more than the protected table publishes. THRESHOLD is the one it was
    protected at (kept for the callers' sake).
    """
    frame = metrics.order_groups(frame.rename(columns={"group": by}), by).rename(columns={by: "group"})
    safe = protected_diversity.as_shown(frame)
    return pd.DataFrame({
        by.capitalize(): safe["group"],
        f"{name} (% of declared)": safe["share"],
        "Declared": safe["declared"],
        "Declaration rate (%)": safe["declaration_rate"],
        "Reliability": safe["unreliable"].map(lambda u: "unreliable: under 50% declared" if u else ""),
    })


def protected_line_table(frame: pd.DataFrame, by: str, label: str, total: int, total_hidden: bool) -> pd.DataFrame:
    """One line of the protected table as shown: LABEL column, Members ([c] where hidden) and a Total row.

    FRAME is published.line (by, members, hidden); the total is the line's own published figure.
    """
    shown = [disclosure.CONFIDENTIAL if hidden else int(value) for value, hidden in zip(frame["members"],
                                                                                           frame["hidden"])]
    return pd.DataFrame({label: [*map(str, frame[by]), disclosure.TOTAL],
                         "Members": [*shown, disclosure.CONFIDENTIAL if total_hidden else int(total)]})


def protected_crosstab_table(values: pd.DataFrame, hidden: pd.DataFrame, label: str = "Department") -> pd.DataFrame:
    """A cross-tab of the protected table (published.crosstab) as shown, grades in seniority order."""
    columns = sorted([c for c in values.columns if c != disclosure.TOTAL], key=metrics.grade_sort_key)
    order = [*columns, disclosure.TOTAL]
    shown = values[order].astype(object).mask(hidden[order], disclosure.CONFIDENTIAL)
    shown = shown.map(lambda v: v if v == disclosure.CONFIDENTIAL else int(v))
    return shown.rename_axis(label).reset_index()


def as_shown(frame: pd.DataFrame, decimals: int = 1) -> pd.DataFrame:
    """FRAME with every number at most DECIMALS places, as the screen shows it, for downloads."""
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = [round(float(v), decimals) if isinstance(v, float) and v == v else v
                         for v in (x.item() if hasattr(x, "item") else x for x in shown[column])]
    return shown


def real_figures_table(real: pd.DataFrame) -> pd.DataFrame:
    """The real figures (official_figures.real_figures: the strategy's and the publisher's) as About lists them."""
    return pd.DataFrame({
        "Measure": real["indicator_name"],
        "Population": real["population"],
        "Breakdown": real["grade"].where(real["grade"] != ALL, "All"),
        "Refers to": real["period"].map(format_date),
        "Figure": [f"{q + ' ' if q else ''}{v:,.1f}%" if u == "percent" else f"{q + ' ' if q else ''}{v:,.0f}"
                   for q, v, u in zip(real["qualifier"], real["value"], real["unit"])],
        "Note": real["note"],
        "Source": real["source"],
    })
