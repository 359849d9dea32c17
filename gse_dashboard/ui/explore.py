"""Streamlit widgets for the Explore view: its state kept in the URL, the result and the link to it.

The commitments detail is in `explore_commitments.py`, saved views in `saved_views.py` and
the SQL box in `sql_box.py`.
The page's state lives in the URL: read on first load and whenever a link (or an opened
saved view) changes it, written back on every run, so the address bar always reproduces the
view. Widget keys start with `explore_` because session state is shared by every page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from .. import explore
from ..charts import downloads
from ..rules.safe_text import escape_md
from ..strategy.vocabulary import HORIZON_LABELS, HORIZONS
from .session import AS_AT_KEY
from .widgets import chart_ui, download_ui, table_ui

KEY = "explore_"
# What this page last wrote to the URL: a URL that differs was changed by a link.
_WRITTEN = "_explore_url_written"
_LAST = "_explore_last_params"
_MESSAGES = "_explore_url_messages"
# The URL key that opens a saved query in the SQL box (explore?query=NAME): not part of the view.
QUERY_KEY = "query"
# Choices below the result kept in the URL by their widgets (the figure whose commitments are listed, the two
# Boards compared): in the link, but not part of the view's state.
DETAIL_PREFIXES = (f"{KEY}cell_", f"{KEY}board_")
# The date pickers' range: wide enough for any period the profession will record.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2040, 12, 31)


# -- cached loaders --------------------------------------------------------------------------

def query_string(state: explore.ExploreState) -> str:
    """STATE as a URL query string: the small, exact key the result is cached on."""
    return urlencode(explore.to_query_params(state), doseq=True)


# -- the state, in widgets and in the URL ------------------------------------------------------

def _canonical(params: dict) -> str:
    listed = {k: [str(v)] if isinstance(v, str | int) else [str(x) for x in v]
              for k, v in params.items() if k != AS_AT_KEY}
    return json.dumps(sorted(listed.items()))


def _url_params() -> dict[str, list[str]]:
    # The SQL box's ?query= is not part of the view: it is read by the SQL box.
    return {key: st.query_params.get_all(key) for key in st.query_params
            if key not in (AS_AT_KEY, QUERY_KEY) and not key.startswith(DETAIL_PREFIXES)}


def _to_widgets(state: explore.ExploreState) -> list[str]:
    """Put STATE into the widgets' session state; return anything that could not be shown."""
    messages = []
    for key, text in ((f"{KEY}from", state.period_from), (f"{KEY}to", state.period_to)):
        day = dt.date.fromisoformat(text) if text else None
        if day and not EARLIEST <= day <= LATEST:
            messages.append(f"{text} is outside {EARLIEST.year} to {LATEST.year}, so it was ignored.")
            day = None
        st.session_state[key] = day
    st.session_state[f"{KEY}source"] = state.source
    for name in explore.LIST_FILTERS:
        st.session_state[f"{KEY}{name}"] = list(getattr(state, name))
    st.session_state[f"{KEY}by"] = list(state.group_by)
    st.session_state[f"{KEY}show"] = list(state.show)
    st.session_state[f"{KEY}measure"] = state.measure
    return messages


def _follow_url(choices: explore.Choices) -> None:
    """On first load, or when a link changed the URL, make the widgets show what the URL says."""
    params = _url_params()
    if st.session_state.get(_WRITTEN) == _canonical(params):
        return
    if not params and st.session_state.get(_LAST):
        params = st.session_state[_LAST]  # back on the page from the menu: the last view, not the default
    state = explore.from_query_params(params, choices)
    st.session_state[_MESSAGES] = [*state.messages, *_to_widgets(state)]


def follow_url_next_run() -> None:
    """Make the next run take the view from the URL (after a saved view has been put there)."""
    st.session_state[_WRITTEN] = None


def _write_url(state: explore.ExploreState) -> None:
    """Make the URL say STATE (the as-at date is the sidebar's, which keeps it in the URL itself)."""
    params = explore.to_query_params(dataclasses.replace(state, as_at=None))
    for key in list(st.query_params):
        if key not in (AS_AT_KEY, QUERY_KEY) and key not in params and not key.startswith(DETAIL_PREFIXES):
            del st.query_params[key]
    for key, value in params.items():
        wanted = [value] if isinstance(value, str) else value
        if st.query_params.get_all(key) != wanted:
            st.query_params[key] = value
    st.session_state[_WRITTEN] = _canonical(params)
    st.session_state[_LAST] = {k: [v] if isinstance(v, str) else v for k, v in params.items()}


def _source_changed() -> None:
    """A new source starts from its own default grouping, with no filters."""
    source = st.session_state[f"{KEY}source"]
    st.session_state[f"{KEY}by"] = list(explore.default_group_by(source))
    st.session_state[f"{KEY}from"] = st.session_state[f"{KEY}to"] = None
    st.session_state[f"{KEY}show"] = []
    for name in explore.LIST_FILTERS:
        st.session_state[f"{KEY}{name}"] = []


def _keep_valid(key: str, options: list) -> None:
    """Drop from a multiselect's state anything that is no longer one of its options."""
    chosen = st.session_state.get(key) or []
    st.session_state[key] = [value for value in chosen if value in options]


def _filter_options(name: str, source: str, choices: explore.Choices) -> tuple[list, object]:
    """The options of filter NAME for SOURCE, and how to show each."""
    if name == "workstream":
        return list(choices.workstreams), lambda n: explore.workstream_label(n, choices.workstreams[n])
    if name == "horizon":
        return list(HORIZONS), HORIZON_LABELS.get
    if name in explore.FIXED_VALUES:
        present = choices.values.get(source, {}).get(name) if name == "population" else None
        return [v for v in explore.FIXED_VALUES[name] if present is None or v in present], str
    return list(choices.values.get(source, {}).get(name, ())), str


def state_ui(choices: explore.Choices, as_at: str) -> explore.ExploreState:
    """Source, grouping and filters, kept in the URL; returns the state they describe at AS_AT."""
    _follow_url(choices)
    labels = {explore.COMMITMENTS: "Commitments and their latest updates",
              **{code: indicator.label for code, indicator in choices.indicators.items()},
              **explore.PROFESSION_LABELS}
    sources = list(labels)
    if st.session_state.get(f"{KEY}source") not in sources:
        st.session_state[f"{KEY}source"] = explore.DEFAULT_SOURCE if explore.DEFAULT_SOURCE in sources else sources[0]
    left, right = st.columns([3, 2])
    source = left.selectbox("What to explore", sources, format_func=labels.get, key=f"{KEY}source",
                            on_change=_source_changed,
                            help="An indicator (membership, diversity or a workstream measure), or the commitments.")
    dimensions = list(explore.dimensions_for(source, choices))
    _keep_valid(f"{KEY}by", dimensions)
    group_by = right.multiselect(
        "Group by (up to two)", dimensions, format_func=explore.LABELS.get, key=f"{KEY}by",
        max_selections=explore.MAX_GROUPINGS, placeholder="No grouping: one figure for the selection",
        help="The first grouping makes the rows, the second the columns. Group by period to see change over time.")
    commitments = source == explore.COMMITMENTS
    measure = explore.COUNT
    if commitments:
        if st.session_state.get(f"{KEY}measure") not in explore.MEASURES:
            st.session_state[f"{KEY}measure"] = explore.COUNT
        measure = st.radio("Measure", list(explore.MEASURES), format_func=explore.MEASURES.get, horizontal=True,
                           key=f"{KEY}measure",
                           help="The number of commitments; or each group's as a percentage of its workstream's, "
                                "horizon's or Board's commitments (of all, or of those whose date has passed). "
                                "Filter by status to see, say, the share complete.")
    filters = explore.filters_for(source, choices)
    chosen: dict[str, tuple] = {}
    any_set = any(st.session_state.get(f"{KEY}{name}") for name in (*filters, "from", "to"))
    with st.expander("Filters", expanded=any_set, icon=":material/filter_alt:"):
        dates = st.columns(2)
        word = "Due" if commitments else "Period"
        period_from = dates[0].date_input(f"{word} from", key=f"{KEY}from", min_value=EARLIEST, max_value=LATEST,
                                          format="DD/MM/YYYY",
                                          help="Leave empty for no limit." + ("" if commitments else
                                               " Without grouping by period, the latest period in range is shown."))
        period_to = dates[1].date_input(f"{word} to", key=f"{KEY}to", min_value=EARLIEST, max_value=LATEST,
                                        format="DD/MM/YYYY", help="Leave empty for no limit.")
        columns = st.columns(3)
        for i, name in enumerate(filters):
            options, show = _filter_options(name, source, choices)
            _keep_valid(f"{KEY}{name}", options)
            values = columns[i % 3].multiselect(explore.LABELS[name], options, format_func=show,
                                                key=f"{KEY}{name}", placeholder="All")
            if values:
                chosen[name] = tuple(values)
        if not commitments:
            st.caption("Without a population filter or grouping, figures are for the GSE profession; "
                       "add the Civil Service to compare with it.")
    if period_from and period_to and period_from > period_to:
        st.warning("The start date is after the end date, so the dates are not applied.")
        period_from = period_to = None
    show = tuple(str(v) for v in st.session_state.get(f"{KEY}show") or ())
    state = explore.ExploreState(
        source=source, as_at=as_at, group_by=tuple(group_by), show=show, measure=measure,
        period_from=period_from.isoformat() if period_from else None,
        period_to=period_to.isoformat() if period_to else None, **chosen)
    _write_url(state)
    messages = st.session_state.pop(_MESSAGES, [])
    if messages:
        st.warning("Some of the link could not be used:\n\n" + "\n".join(f"- {escape_md(m)}" for m in messages),
                   icon=":material/link_off:")
    return state


# -- the result --------------------------------------------------------------------------------

def result_ui(result: explore.ExploreResult, threshold: int, choices: explore.Choices) -> None:
    """The chart (of the groups chosen), the table as shown (suppressed where it counts people) and its downloads."""
    st.header("The result")
    options = explore.chart_groups(result)
    if len(options) > 1:
        _keep_valid(f"{KEY}show", options)
        st.multiselect("Groups to chart", options, key=f"{KEY}show", placeholder="All of them",
                       help="Choose the groups the chart draws; the table keeps them all. More than four lines "
                            "are drawn as small multiples, one panel each.")
    chart_ui(dataclasses.replace(result.chart, illustrative=result.illustrative), key="explore-chart")
    st.subheader("The table")
    if result.people:
        st.markdown(f"Counts of people below {threshold} are shown as `[c]`, and figures that would let one "
                    "be worked out are hidden too; downloads are suppressed in the same way.")
    table_ui(page_table(result.display, result.state))
    for note in result.notes:
        st.caption(escape_md(note))
    state = result.state
    name = "-".join([state.source, *state.group_by]) or "explore"
    meta = downloads.TableMeta(
        title=result.chart.title, description=explore.describe(state, choices) + f", as known at {result.as_at}",
        as_at=result.as_at, filters=explore.describe_filters(state, choices), source=result.chart.source,
        illustrative=result.illustrative,
        suppression=next((n for n in result.notes if n.startswith("[c]")), None),
        notes=tuple(n for n in result.notes if not n.startswith("[c]")))
    download_ui(result.display, f"{name}-{result.as_at}.csv", label="Download the table (CSV)",
                   key="explore-download-csv", meta=meta)


# More columns than this do not fit the page: a table over time is then shown with its dates across instead.
WIDEST_TABLE = 8


def page_table(display: pd.DataFrame, state: explore.ExploreState) -> pd.DataFrame:
    """DISPLAY as the page shows it: a table with dates down the side and more groups than fit across the page
    (departments, say) is turned so the groups run down the side and the dates across. Downloads keep DISPLAY."""
    first = display.columns[0] if len(display.columns) else None
    times = {explore.LABELS[d] for d in explore.TIME_DIMENSIONS}
    if first not in times or len(display.columns) <= WIDEST_TABLE:
        return display
    turned = display.set_index(first).T
    turned.columns = [str(c) for c in turned.columns]
    other = next((g for g in state.group_by if g not in explore.TIME_DIMENSIONS), None)
    return turned.rename_axis(explore.LABELS[other] if other else "Group").reset_index()


def link_ui(state: explore.ExploreState) -> None:
    """The link to this view, with its date pinned, to copy into an e-mail."""
    relative = explore.view_link(state)
    # The figure whose commitments are listed and the Boards compared, as their widgets keep them in the URL.
    details = {key: st.query_params.get_all(key) for key in st.query_params if key.startswith(DETAIL_PREFIXES)}
    if details:
        relative += "&" + urlencode(details, doseq=True)
    base = st.context.url
    link = f"{base.rsplit('/', 1)[0]}/{relative}" if base else relative
    st.markdown("**Link to this view**, with its as-at date fixed, for a colleague (copy it with the button "
                "at the right of the box):")
    st.code(link, language=None, wrap_lines=True)
