"""Civil Service Statistics on the pages: the published figures drawn, and the Manage data upload.

Reading, checking and writing live in official_statistics, the figures in official_figures;
this only loads (cached on the database revision) and draws them. Every write goes through
official_statistics.apply_import, which checks the editor role itself.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import pandas as pd
import streamlit as st

from ..charts.tables import format_cell, format_date
from ..people import official_figures as figures
from ..people import official_statistics as official
from ..rules import auth
from ..rules.safe_text import escape_md
from ..storage import store
from ..views import official as official_views
from . import manage as manage_ui
from .session import db_path, settings
from .uploads import file_uploader
from .widgets import download_ui, table_ui

MAX_UPLOAD_MB = official.MAX_FILE_BYTES // (1024 * 1024)
BROWSER_URL = "https://www.gov.uk/government/collections/civil-service-statistics"


def _named(uploads: list) -> list[tuple[str, bytes]]:
    """Each upload (a zip opened into its tables) with a name problems can point at.

    A zip's tables are named by their folders; loose files that share a name (the browser names
    every table data.csv) are numbered, and the preview names each by the breakdown its header gives.
    """
    counts = Counter(upload.name for upload in uploads)
    seen: Counter = Counter()
    named = []
    for upload in uploads:
        seen[upload.name] += 1
        name = upload.name if counts[upload.name] == 1 else f"{upload.name} (file {seen[upload.name]})"
        named.append((name, upload.getvalue()))
    return official.expand_zips(named)


def _flash(message: str) -> None:
    st.session_state["_manage_flash"] = ("success", message)


def official_import_ui(user: auth.User) -> None:
    """Upload one or several data-browser CSVs, see every problem or what will change, then import."""
    profession = settings().profession
    st.markdown(
        "Civil Service Statistics (Cabinet Office, from the Annual Civil Service Employment Survey) as the data "
        "browser publishes them: upload the release as one zip (its folders of `data.csv` files as downloaded), "
        "or the tables' CSV files, several at once. The "
        f"profession's rows are those of **{escape_md(profession)}** (the `GSE_PROFESSION` setting); tables without a "
        "profession column give the Civil Service benchmark. Suppressed cells (`[c]`) stay suppressed.")
    st.caption(f"Where to find next year's files: {BROWSER_URL} → the year's data browser → each table → "
               "download CSV. The breakdown is read from each file's header, so file names do not matter.")
    uploads = file_uploader(f"The release as a zip, or its CSV files (up to {MAX_UPLOAD_MB} MB each)",
                               type=["csv", "zip"],
                               accept_multiple_files=True, key="upload_official",
                               max_upload_size=MAX_UPLOAD_MB)
    published = st.date_input(
        "Date the release was published (optional)", value=None, key="official_published_on", format="DD/MM/YYYY",
        help="Its figures are known from this day in every as-at view, the Board pack and Explore. Left empty, "
             "today's date (the import date) is used instead, and the figures' source says so.")
    if not uploads:
        return
    published_on = published.isoformat() if published else None
    digest = hashlib.sha256(b"".join(hashlib.sha256(u.getvalue()).digest() for u in uploads)).hexdigest()
    with st.spinner("Checking every table…"):
        try:
            files = _named(uploads)
            tables, problems = official.read_tables(files, profession)
            with store.reading(db_path()) as conn:
                plan = official.plan_import(conn, tables, problems, profession=profession, published_on=published_on)
                headlines = official.headlines(conn, plan)
        except official.OfficialImportError as refused:
            problems, plan = refused.problems, None
    if plan is None:
        st.error(f"{len(problems)} problem(s) in the files. Nothing has been imported. Correct or replace the "
                 "files and upload them again.", icon=":material/error:")
        shown = pd.DataFrame([{"File": p.filename, "Row": p.row or "", "Column": p.column or "",
                               "Problem": p.message} for p in problems])
        table_ui(shown)
        download_ui(shown, "problems-civil-service-statistics.csv", label="Download the problems (CSV)",
                    meta=manage_ui.file_meta("Problems found in the Civil Service Statistics files", "uploaded"))
        return
    for warning in plan.warnings:
        st.warning(escape_md(str(warning)))
    st.success(f"{len(plan.tables)} table(s) are valid: {escape_md(plan.summary())}. Nothing is written until you "
               "import them.", icon=":material/fact_check:")
    st.caption(f"Known from {format_date(plan.published_on)}, the day the release was published." if published_on
               else "No publication date given: the figures will be known from today, the import date, and their "
                    "source will say so. Give the release's publication date above if you know it.")
    headline_ui(headlines)
    st.markdown("**The tables read**")
    table_ui(pd.DataFrame([{"Table (breakdown)": t.shape, "Population": t.population, "File": t.filename,
                            "Rows": len(t.rows)} for t in plan.tables]))
    changes = pd.DataFrame(plan.changes(), columns=["action", "what", "file", "row", "key", "value"]).rename(
        columns={"action": "Action", "what": "What", "file": "File", "row": "Row", "key": "Figure",
                 "value": "Value"})
    table_ui(changes.head(200))
    if len(changes) > 200:
        st.caption("The first 200 figures to add or revise are shown; download the preview for them all.")
    download_ui(changes, "preview-civil-service-statistics.csv", label="Download the preview (CSV)",
                meta=manage_ui.file_meta("What importing the Civil Service Statistics files would do", "uploaded"))
    if plan.nothing_to_do:
        st.info("Everything in these files is already in the dashboard: there is nothing to import.")
        return
    if st.button(f"Import {len(changes)} figures", type="primary", key=f"apply_official_{digest}_{published_on}"):
        try:
            with st.spinner("Backing up, then importing in one transaction…"):
                result = official.apply_import(db_path(), plan, user=user)
        except (official.OfficialImportError, auth.PermissionDenied, store.StoreError) as refused:
            problems = getattr(refused, "problems", [refused])
            st.error("Not imported:\n\n" + "\n".join(f"- {escape_md(str(p))}" for p in problems[:20]),
                     icon=":material/error:")
            return
        if result.batch_id is None:
            st.info("Everything in these files is already in the dashboard: there is nothing to import.")
            return
        _flash(f"Imported {official.batch_name(plan)} as batch {result.batch_id}: {result.added} added, "
               f"{result.revised} revised. A backup was taken first; the batch can be undone under Import history.")
        st.rerun()


def headline_ui(headlines: list[dict]) -> None:
    """The release's headline figures for the profession beside the previous release's, to check before importing."""
    if not headlines:
        return
    release, previous = headlines[0]["release"], headlines[0]["previous_release"]

    def shown(value, indicator):
        if value is None:
            return "not in these files"
        return f"{value:,.0f}" if indicator == "acses_in_post" else f"{value:.1f}%"

    def change(row):
        if row["change"] is None:
            return ""
        if row["indicator"] == "acses_in_post":
            return f"{row['change']:+,.0f}"
        return f"{row['change']:+.1f} points"

    st.markdown(f"**Headline figures for {escape_md(settings().profession)}: the {release} release"
                + (f" against the {previous} release already loaded**" if previous else "** (no earlier release)"))
    table_ui(pd.DataFrame([{"Figure": row["figure"], str(release): shown(row["value"], row["indicator"]),
                            str(previous or "Previous"): shown(row["previous"], row["indicator"]),
                            "Change": change(row)} for row in headlines]))


# -- the published figures on the pages ---------------------------------------------------------


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, so [c] and numbers sit in one column and numbers get thousands separators."""
    return frame.map(lambda v: v if isinstance(v, str) else format_cell(v))


def headcount_ui(data: official_views.Headcount, as_at: str, threshold: int) -> None:
    """Civil servants in the profession's posts: headline, by year, grade mix, departments, entrants and leavers."""
    profession = settings().profession
    if data.empty:
        st.info(escape_md(figures.no_release_words(as_at, profession)).split(";")[0] + ". Editors import a "
                "release under Manage data, with the day it was published.")
        return
    latest = data.latest
    columns = st.columns(4)
    for column, label in zip(columns, ("In post at 31 March", "Of whom SCS", "New entrants to the Civil Service",
                                       "Left the Civil Service"), strict=True):
        value = latest[label]
        column.metric(f"{label} ({latest['Year']})", value if isinstance(value, str) else f"{value:,}", border=True)
    st.caption(f"**Real figures.** {escape_md(figures.MEASURE_DEFINITIONS['acses_in_post'])} "
               f"Counts rounded by the publisher; `[c]` is suppressed by the publisher or, below {threshold}, "
               f"by the dashboard. {figures.ROUNDING_NOTE}")
    st.markdown("**By year**")
    table_ui(_shown(data.by_year))
    st.markdown("**Grade mix (responsibility level), in post at 31 March**")
    table_ui(_shown(data.grades))
    st.markdown("**Departments (parent department), in post at 31 March**")
    table_ui(_shown(data.departments))
    download_ui(data.departments, f"profession-departments-{as_at}.csv", label="Download departments (CSV)",
                key="download-official-departments")
    st.markdown("**Entrants and leavers, year to 31 March**")
    table_ui(_shown(data.flows))
    st.caption(escape_md(figures.source_note(data.sources)))


def diversity_story_ui(story: official_views.DiversityStory, as_at: str) -> None:
    """Each characteristic: the profession against the Civil Service in 2015 and since, and whether the gap closed."""
    if story.empty:
        st.info("No real diversity figures are known at this date.")
        return
    if not story.released:
        st.info(escape_md(figures.no_release_words(as_at, settings().profession)))
        return
    st.markdown("**Has the gap closed?** The gap is the profession's share minus the Civil Service's, in "
                "percentage points, from the strategy's 2015 baseline to the latest published year.")
    table_ui(_shown(story.summary))
    st.markdown(f"**Each year: {', '.join(story.years)}**")
    table_ui(_shown(story.by_year))
    download_ui(story.by_year, "diversity-profession-against-civil-service.csv",
                label="Download this table (CSV)", key="download-diversity-story")
    st.caption("**Real figures.** 2015 as given in the GSE Strategy (2016) from the Annual Civil Service Employment "
               "Survey; later years from the published Civil Service Statistics (profession of post "
               f"{escape_md(settings().profession)}), each share of those who declared. "
               + escape_md(figures.source_note(story.sources)))


def overview_headcount_ui(data: official_views.Headcount) -> None:
    """The published headcount beside the registered members on the Overview, never added to them."""
    if data.empty:
        return
    latest = data.latest
    value = latest["In post at 31 March"]
    scs = latest["Of whom SCS"]
    shown = value if isinstance(value, str) else f"{value:,}"
    shown_scs = scs if isinstance(scs, str) else f"{scs:,}"
    st.caption(f"**Civil servants in {escape_md(settings().profession)} posts (Civil Service Statistics, 31 March "
               f"{latest['Year']}): {shown}, of whom {shown_scs} at SCS level** (real). Not the same measure as "
               "registration with the profession (above). " + escape_md(figures.source_note(data.sources)))
