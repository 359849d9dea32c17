"""Explore: any indicator, or the commitments, filtered and grouped as at a date; shareable and savable.

The whole state of the Explore page is an `ExploreState`. It goes into the URL's query
parameters and comes back out of them (`to_query_params`, `from_query_params`), so a link
reproduces the view; a hand-edited URL gets messages, never an exception. `answer` groups in
SQLite (only the groups leave the database) and returns the result three ways: the true
figures (server side only), the table as shown and downloaded, with disclosure control on
counts of people, and a chart. Saved views keep a state under a name, in `saved_views`.

One module per job: `choices` (sources, dimensions, limits), `state` (the state and the URL),
`grouping` (the grouped SQL), `figures` (tables and charts), `result` (running a view), `saved`.
"""

from __future__ import annotations

from .choices import (
    BOARD,
    COMMITMENT_DIMENSIONS,
    COMMITMENT_FILTERS,
    COMMITMENTS,
    COMMITMENTS_ILLUSTRATIVE,
    COMMITMENTS_SOURCE_LINE,
    COUNT,
    DEFAULT_SOURCE,
    FIXED_VALUES,
    LABELS,
    LIST_FILTERS,
    MAX_BARS,
    MAX_GROUPINGS,
    MAX_LINES,
    MEASURES,
    NO_GROUPING,
    NOT_OVERDUE,
    NOT_RATED,
    OBSERVATION_DIMENSIONS,
    OBSERVATION_FILTERS,
    ORDERED_DIMENSIONS,
    OVERDUE,
    PARAM_KEYS,
    PROFESSION,
    PROFESSION_LABELS,
    PROFESSION_SOURCES,
    QUARTER,
    SHARE,
    SHARE_DUE,
    TIME_DIMENSIONS,
    VALUE_MAX,
    VIEW_NAME_MAX,
    Choices,
    Indicator,
    ViewError,
    default_group_by,
    dimensions_for,
    filters_for,
    load_choices,
)
from .figures import workstream_label
from .grouping import PERIOD_TRIES, commitment_groups, latest_observation_period, observation_groups
from .result import ExploreResult, answer, chart_groups, describe, describe_filters
from .saved import delete_view, list_views, save_view, saved_params
from .state import ExploreState, from_query_params, to_query_params, view_link

__all__ = [
    "COMMITMENTS", "COUNT", "SHARE", "SHARE_DUE", "MEASURES", "PROFESSION_LABELS", "PROFESSION_SOURCES",
    "DEFAULT_SOURCE", "NOT_RATED", "PROFESSION", "OVERDUE", "NOT_OVERDUE", "NO_GROUPING",
    "MAX_GROUPINGS", "VIEW_NAME_MAX", "VALUE_MAX", "MAX_BARS", "MAX_LINES", "OBSERVATION_DIMENSIONS",
    "COMMITMENT_DIMENSIONS", "OBSERVATION_FILTERS", "COMMITMENT_FILTERS", "LIST_FILTERS", "LABELS",
    "PARAM_KEYS", "FIXED_VALUES", "COMMITMENTS_SOURCE_LINE", "COMMITMENTS_ILLUSTRATIVE", "ViewError", "Indicator",
    "Choices",
    "load_choices", "dimensions_for", "filters_for", "default_group_by", "ExploreState", "to_query_params",
    "view_link", "from_query_params", "PERIOD_TRIES", "latest_observation_period", "observation_groups",
    "commitment_groups", "workstream_label", "ExploreResult", "describe_filters", "describe", "answer",
    "save_view", "list_views", "saved_params", "delete_view", "BOARD", "QUARTER", "TIME_DIMENSIONS",
    "ORDERED_DIMENSIONS", "chart_groups"
]
