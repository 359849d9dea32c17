"""Everything Streamlit: session glue, cached loaders, shared widgets, and one module per page.

`session` (pages, settings, user, database and revision), `loaders` (every cache, and the loaders that fill
in the database and its revision),
`widgets` (what every page shares), then one module per page for its own widgets: `overview`,
`workstreams`, `membership`, `diversity`, `manage` (with `board_records`), `board_pack`, `official`
(Civil Service Statistics on the pages, and their upload), and Explore's four: `explore` (the
view's state in the URL, the result), `explore_commitments`, `saved_views` and `sql_box`; and
`uploads` (the upload widget, and the server's upload endpoint guarded); `turns` (slow work one piece at a
time per server). The
names pages use most are re-exported here, so `from gse_dashboard import ui; ui.chart_ui(...)` works.
"""

from __future__ import annotations

from ..charts.people_charts import BREAKDOWN_LABELS, filter_phrase, suppressed_series
from ..charts.tables import (
    COMMITMENT_COLUMNS,
    commitment_table,
    diversity_summary,
    format_cell,
    format_date,
    observation_source,
    source_line,
)
from ..rules.safe_text import escape_md
from .diversity import characteristic_ui, diversity_workstream_ui, professions_ui
from .loaders import (
    built_once,
    current_as_at,
    database_facts,
    load_breakdown_values,
    load_changes,
    load_diversity,
    load_diversity_story,
    load_headcount,
    load_membership,
    load_overview,
    load_professions,
    load_real_figures,
    load_update_history,
    load_workstream,
    warm_protected_tables,
)
from .membership import (
    filters_ui,
    joiners_leavers_ui,
    members_chart,
    membership_breakdowns_ui,
    membership_headlines_ui,
    scs_chart,
)
from .overview import attention_ui, changes_ui, comparison_dates_ui, since_last_board_ui, workstream_grid_ui
from .session import (
    APP_RAN_KEY,
    AS_AT_KEY,
    app_pages,
    auth_configured,
    connection,
    current_user,
    db_path,
    page_guard,
    revision,
    settings,
    user_ui,
)
from .uploads import guard_uploads, start_of_run
from .widgets import (
    ILLUSTRATIVE_NOTICE,
    MEMBERS_ILLUSTRATIVE,
    accessibility_css_ui,
    as_at_ui,
    change_metric_ui,
    chart_ui,
    download_ui,
    illustrative_notice,
    people_metric_ui,
    query_choice_ui,
    table_ui,
)
from .workstreams import COMMITMENT_ROWS_SHOWN, commitments_ui, update_history_ui, workstream_ui

__all__ = [
    "guard_uploads",
    "start_of_run",
    "AS_AT_KEY",
    "APP_RAN_KEY",
    "page_guard",
    "app_pages",
    "settings",
    "auth_configured",
    "current_user",
    "user_ui",
    "db_path",
    "connection",
    "revision",
    "database_facts",
    "current_as_at",
    "load_overview",
    "load_changes",
    "load_workstream",
    "load_update_history",
    "load_headcount",
    "load_diversity_story",
    "load_real_figures",
    "load_membership",
    "warm_protected_tables",
    "load_breakdown_values",
    "load_diversity",
    "load_professions",
    "professions_ui",
    "ILLUSTRATIVE_NOTICE", "MEMBERS_ILLUSTRATIVE",
    "as_at_ui",
    "accessibility_css_ui",
    "illustrative_notice",
    "built_once",
    "chart_ui",
    "table_ui",
    "download_ui",
    "change_metric_ui",
    "people_metric_ui",
    "query_choice_ui",
    "workstream_grid_ui",
    "attention_ui",
    "comparison_dates_ui",
    "since_last_board_ui",
    "changes_ui",
    "workstream_ui",
    "COMMITMENT_ROWS_SHOWN",
    "commitments_ui",
    "update_history_ui",
    "filters_ui",
    "membership_headlines_ui",
    "members_chart",
    "scs_chart",
    "membership_breakdowns_ui",
    "joiners_leavers_ui",
    "diversity_workstream_ui",
    "characteristic_ui",
    "COMMITMENT_COLUMNS",
    "commitment_table",
    "diversity_summary",
    "format_cell",
    "format_date",
    "observation_source",
    "source_line",
    "BREAKDOWN_LABELS",
    "filter_phrase",
    "suppressed_series",
    "escape_md",
]
