"""Widgets of the Manage data page: record progress, change owner and due date, import files,
undo imports, read the audit log and manage backups. Every write goes through the package
(edits, importers, build), which checks the editor role itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from .. import importers
from ..charts import downloads
from ..charts.tables import format_date
from ..people import period_returns
from ..rules import auth
from ..rules.safe_text import escape_md
from ..storage import backups, queries, store
from ..strategy import edits, metrics, timescales, vocabulary
from ..strategy.vocabulary import LAUNCH, RATINGS, STATUSES
from .loaders import load_commitment_choices, load_current_status, load_restore_preview
from .session import db_path, settings
from .uploads import file_uploader
from .widgets import download_ui, table_ui

# Session keys: what each form was based on when the editor opened it.
BASED_ON_KEY = "_manage_based_on"
# The Board's rating on the progress form: keep what is recorded (the default), a rating, or remove it.
KEEP = "keep"
BOARD_CHOICES = [KEEP, *RATINGS, importers.CLEAR]


def board_choice_label(choice: str) -> str:
    """How the progress form names each choice of the Board's rating."""
    return {KEEP: "Leave as recorded", importers.CLEAR: "Remove it"}.get(choice) or metrics.rating_label(choice)


# The most an upload may be; importers enforces it again on the bytes.
MAX_UPLOAD_MB = importers.MAX_UPLOAD_BYTES // (1024 * 1024)


def file_meta(title: str, filename: str) -> downloads.TableMeta:
    """What a download about an uploaded file is: the dashboard's check of that file, never illustrative figures."""
    return downloads.TableMeta(title=title, source=f"{downloads.PRODUCER}: its check of the file {filename}",
                               description="Each row of the file as the dashboard checked it, before anything was "
                                           "imported.")


def _flash(kind: str, message: str) -> None:
    """Keep a message to show after the rerun that follows a write."""
    st.session_state["_manage_flash"] = (kind, message)


def flash_ui() -> None:
    """Show (once) the message left by the last write, announced to screen readers as an alert."""
    kind, message = st.session_state.pop("_manage_flash", (None, None))
    if kind == "success":
        st.success(message, icon=":material/check_circle:")
    elif kind == "error":
        st.error(message, icon=":material/error:")


def _open():
    return store.connect(db_path())


def last_quarter_end(today: dt.date | None = None) -> dt.date:
    """The most recent quarter end on or before TODAY: the usual date an update refers to."""
    return vocabulary.last_quarter_end(today or dt.date.today())


def form_based_on(slot: object, subject: object, read, *, refresh: bool = False):
    """What the editor's form in SLOT is based on: READ(conn), taken when they first opened SUBJECT in it (again
    when SUBJECT changes, or on REFRESH after a save). The one optimistic lock of Manage data's forms and the
    Board's records: the save is refused (StaleEdit) if what it was based on has changed since."""
    stored = st.session_state.get(BASED_ON_KEY, {})
    held = stored.get(slot)
    if refresh or held is None or held[0] != subject:
        with store.reading(db_path()) as conn:
            held = (subject, read(conn))
        st.session_state[BASED_ON_KEY] = {**stored, slot: held}
    return held[1]


def forget_based_on(slot: object) -> None:
    """Forget what the form in SLOT was based on: the next time it is drawn, it is read again."""
    stored = dict(st.session_state.get(BASED_ON_KEY, {}))
    stored.pop(slot, None)
    st.session_state[BASED_ON_KEY] = stored


def _based_on(ref: str, *, refresh: bool = False) -> edits.Version:
    """The version the editor's form for REF is based on, taken when they first opened REF."""
    return form_based_on("commitment", ref, lambda conn: edits.current_version(conn, ref), refresh=refresh)


def commitment_picker_ui() -> str:
    """Choose a commitment by reference and title."""
    choices = load_commitment_choices()
    titles = dict(zip(choices["ref"], choices["title"]))
    return st.selectbox("Commitment", choices["ref"].tolist(), format_func=lambda r: f"{r}: {titles[r]}",
                        key="manage_ref")


def latest_update_ui(ref: str) -> pd.Series:
    """What the commitment's latest update says now, as plain text."""
    today = dt.date.today().isoformat()
    row = load_current_status(today).loc[ref]
    owner = timescales.owner_text(row["owner"], row["owner_assigned_by"], row["owner_assigned_on"])
    due = timescales.due_text(row["due_date"], row["due_basis"], row["due_set_by"], row["due_set_on"])
    flag = timescales.past_date_label(bool(row["overdue"]), row["due_basis"])
    st.markdown(f"**{escape_md(ref)}: {escape_md(row['title'])}** (our summary; {escape_md(row['strategy_ref'])})  \n"
                f"Owner: {escape_md(owner)} · Date: {escape_md(due)}" + (f" · {flag}" if flag else ""))
    if row["update_id"] is None or pd.isna(row["update_id"]):
        st.info("No update has been recorded for this commitment yet.")
    else:
        st.markdown(f"Latest update, for {format_date(row['updated_as_of'])}: "
                    f"{metrics.status_label(row['status'])} · {metrics.rating_label(row['rating'])} · "
                    f"{row['percent_complete']:.0f}% complete")
        st.caption(f"Recorded by {escape_md(row['updated_by'])} at {escape_md(row['updated_at'])} UTC. Commentary:")
        st.text(row["commentary"] or "(none)")
    return row


def record_update_ui(user: auth.User, ref: str, latest: pd.Series) -> None:
    """The form to record a new update; a stale or wrong one is refused with the reason."""
    based_on = _based_on(ref)
    with st.form("record_update", clear_on_submit=False, enter_to_submit=False):
        st.markdown("**Record a new update**")
        columns = st.columns(3)
        as_of = columns[0].date_input("Refers to (date)", value=last_quarter_end(), max_value=dt.date.today(),
                                      format="DD/MM/YYYY", help="Usually the end of the quarter it reports on.")
        status_index = STATUSES.index(latest["status"]) if latest["status"] in STATUSES else 0
        status = columns[1].selectbox("Status", STATUSES, index=status_index)
        percent = columns[2].number_input("Percent complete", min_value=0, max_value=100,
                                          value=int(latest["percent_complete"]), step=5)
        # Radios, not select boxes: typing "Green" into a select box picked Amber/Green (issue 25).
        rating_index = RATINGS.index(latest["rating"]) if latest["rating"] in RATINGS else 0
        rating = st.radio("Delivery confidence (owner's)", RATINGS, index=rating_index, horizontal=True,
                          format_func=metrics.rating_label)
        board = st.radio("Board's rating", BOARD_CHOICES, horizontal=True, format_func=board_choice_label,
                         help="Left as it is, an update for a date that already has one keeps the Board's rating "
                              "recorded for that date (none for a new date). Removing it is a choice of its own.")
        evidence = st.text_input("Evidence link (optional)", placeholder="https://…", max_chars=2000)
        commentary = st.text_area("Commentary", max_chars=importers.MAX_TEXT_CHARS,
                                  help="Shown to the Board as plain text.")
        submitted = st.form_submit_button("Record update", type="primary")
    form = f"progress:{ref}"
    if submitted:
        fields = {"as_of": as_of.isoformat() if as_of else "", "status": status, "rating": rating,
                  "board_rating": "" if board == KEEP else board, "percent_complete": percent,
                  "commentary": commentary, "evidence_url": evidence}
        save_or_confirm(form, "progress", {"ref": ref, **fields},
                        lambda: _record_update(user, ref, fields, based_on))
    pending_ui(form, lambda fields: f"the update of {ref} for {format_date(fields['as_of'])}",
               lambda: _record_update(user, ref, pending_fields(form), based_on))


def _record_update(user: auth.User, ref: str, fields: dict, based_on: edits.Version) -> None:
    database = _open()
    try:
        edits.record_update(database, user, ref, fields, based_on=based_on)
    except edits.EditRejected as rejected:
        rejected_ui(rejected)
        return
    except (edits.StaleEdit, auth.PermissionDenied, store.StoreError) as refused:
        st.error(escape_md(str(refused)), icon=":material/sync_problem:")
        if st.button("Load the latest and try again", key="reload_update"):
            _based_on(ref, refresh=True)
            st.rerun()
        return
    finally:
        database.close()
    _based_on(ref, refresh=True)
    _flash("success", f"Update for {ref} recorded for {format_date(fields['as_of'])}.")
    st.rerun()


def rejected_ui(rejected: edits.EditRejected) -> None:
    """A form's mistakes, each naming its field."""
    st.error("Not saved. Please correct:\n\n" + "\n".join(f"- {escape_md(p)}" for p in rejected.problems),
             icon=":material/error:")


# A form whose save would correct a record, waiting for the editor to confirm: {form, fields, outcome}.
PENDING_KEY = "_manage_pending"


def save_or_confirm(form: str, kind: str, fields: dict, save) -> None:
    """After FORM is submitted: SAVE at once if it adds a record; if it corrects one, hold it for confirmation."""
    st.session_state.pop(PENDING_KEY, None)
    try:
        with store.reading(db_path()) as conn:
            outcome = edits.outcome(conn, kind, fields)
    except edits.EditRejected as rejected:
        rejected_ui(rejected)
        return
    if outcome.action == importers.UNCHANGED:
        st.info("Nothing to save: what is recorded already says exactly this.", icon=":material/info:")
        return
    if outcome.correction:
        st.session_state[PENDING_KEY] = {"form": form, "fields": fields, "outcome": outcome}
        return
    save()


def pending_fields(form: str) -> dict:
    """The fields FORM is waiting to save."""
    return st.session_state[PENDING_KEY]["fields"]


def pending_ui(form: str, what, save) -> None:
    """A correction FORM holds: what (WHAT(fields) names the record) it changes, old → new, to save or cancel."""
    pending = st.session_state.get(PENDING_KEY)
    if not pending or pending["form"] != form:
        return
    outcome = pending["outcome"]
    st.warning(f"**This corrects {escape_md(what(pending['fields']))}**, recorded by "
               f"{escape_md(outcome.recorded_by)} at "
               f"{escape_md(outcome.recorded_at.replace('T', ' '))} UTC:\n\n"
               + "\n".join(f"- {escape_md(change)}" for change in outcome.changes.split("; "))
               + "\n\nThe version it replaces stays in the history. Nothing is saved until you confirm.",
               icon=":material/edit_note:")
    columns = st.columns([1, 1, 4])
    if columns[0].button("Save the correction", type="primary", key=f"confirm_{form}"):
        save()
    if columns[1].button("Cancel", key=f"cancel_{form}"):
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()


def change_commitment_ui(user: auth.User, ref: str, latest: pd.Series) -> None:
    """The form to set a commitment's date or assign its owner, with a reason for the audit log."""
    based_on = _based_on(ref)
    continuing = bool(latest["continuing"])
    with st.form("change_commitment", enter_to_submit=False):
        st.markdown("**Set a date or assign an owner**")
        columns = st.columns(2)
        if continuing:
            due = None
            columns[0].markdown("**Date:** none. This is a continuing commitment: the strategy gives it no end, "
                                "so it is never past a date and is judged by its latest update and rating.")
        else:
            indicative = format_date(latest["indicative_due_date"])
            due = columns[0].date_input(
                "Date", value=dt.date.fromisoformat(latest["due_date"]), min_value=LAUNCH,
                format="DD/MM/YYYY",
                help=f"The indicative date is {indicative}, the end of its horizon: the strategy's timescales are "
                     "indicative. A different date replaces it and is shown as set, by you, today; choose "
                     f"{indicative} again to go back to the indicative date.")
        assigned = latest["owner"] if isinstance(latest["owner"], str) else ""
        owner = columns[1].text_input(
            "Owner", value=assigned, max_chars=200, placeholder="Not assigned: the GSE Profession Board's",
            help="The strategy names no owner per commitment: the GSE Profession Board is responsible for "
                 "delivery. An owner you assign is shown with your name and today's date; leave it blank for "
                 "the Board's.")
        reason = st.text_input("Reason for the change", max_chars=500,
                               help="Kept in the audit log, e.g. 'Re-planned by the Board on 18 October 2017'.")
        submitted = st.form_submit_button("Save change")
    if not submitted:
        return
    database = _open()
    try:
        edits.change_commitment(database, user, ref, due_date=due.isoformat() if due else "", owner=owner,
                                reason=reason, based_on=based_on)
    except edits.EditRejected as rejected:
        rejected_ui(rejected)
        return
    except (edits.StaleEdit, auth.PermissionDenied, store.StoreError) as refused:
        st.error(escape_md(str(refused)), icon=":material/sync_problem:")
        return
    finally:
        database.close()
    _based_on(ref, refresh=True)
    _flash("success", f"{ref}: the change is recorded in your name, with today's date and your reason.")
    st.rerun()


def import_ui(user: auth.User) -> None:
    """Upload a file, see every problem or a preview of what will change, then import it."""
    kinds = list(importers.KINDS)
    columns = st.columns([2, 3])
    kind = columns[0].selectbox("What the file holds", kinds, format_func=lambda k: importers.KINDS[k].title,
                                key="import_kind")
    spec = importers.KINDS[kind]
    with columns[1]:
        st.markdown("**Columns:** " + ", ".join(
            f"`{c.name}`" if c.required else f"`{c.name}` (optional)" for c in spec.columns))
        template = st.columns(2)
        template[0].download_button("Template (CSV)", importers.template_bytes(kind, "csv"),
                                    file_name=f"{kind}-template.csv", mime="text/csv", on_click="ignore",
                                    icon=":material/download:")
        choices = load_commitment_choices()
        template[1].download_button(
            "Template (Excel)", importers.template_bytes(kind, "xlsx", list(zip(choices["ref"], choices["title"]))),
            file_name=f"{kind}-template.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
            icon=":material/download:")
    upload = file_uploader(f"CSV or Excel file (up to {MAX_UPLOAD_MB} MB)", type=["csv", "xlsx"],
                              key=f"upload_{kind}", max_upload_size=MAX_UPLOAD_MB)
    if upload is None:
        return
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    try:
        with st.spinner("Checking every row…"):
            frame = importers.read_upload(data, upload.name)
            with store.reading(db_path()) as conn:
                validation = importers.validate(conn, kind, frame, filename=upload.name)
                changes = importers.preview(conn, validation) if validation.ok else None
    except importers.ImportFileError as error:
        st.error(escape_md(str(error)), icon=":material/error:")
        return
    for warning in validation.warnings:
        st.warning(escape_md(str(warning)))
    if not validation.ok:
        st.error(f"{validation.problem_count} problem(s) in {escape_md(upload.name)}. Nothing has been imported. "
                 "Correct the file and upload it again.", icon=":material/error:")
        problems = pd.DataFrame([{"Row": p.row or "", "Column": p.column or "", "Problem": p.message}
                                 for p in validation.problems])
        table_ui(problems)
        download_ui(problems, f"problems-{Path(upload.name).stem}.csv", label="Download the problems (CSV)",
                    meta=file_meta(f"Problems found in {upload.name}", upload.name))
        return
    counts = validation.counts()
    st.success(f"{escape_md(upload.name)} is valid: {counts['add']} to add, {counts['change']} to change, "
               f"{counts['unchanged']} unchanged. Nothing is written until you import it.",
               icon=":material/fact_check:")
    shown = changes.rename(columns={"row": "Row", "action": "Action", "key": "What",
                                    "changes": "Values (a change: old → new)", "flag": "Check",
                                    "current_recorded_by": "Current recorded by",
                                    "current_recorded_at": "Current recorded at"})
    drops = int((shown["Check"] != "").sum())
    if drops:
        st.warning(f"{drops} row(s) go back from the update before them (status or percent complete): see "
                   "**Check** below. Import them only if that is right.", icon=":material/trending_down:")
    if not shown["Check"].any():
        shown = shown.drop(columns=["Check"])
    table_ui(shown[shown["Action"] != importers.UNCHANGED].head(200))
    if counts["add"] + counts["change"] > 200:
        st.caption("The first 200 rows to add or change are shown; download the preview for them all.")
    download_ui(shown, f"preview-{Path(upload.name).stem}.csv", label="Download the preview (CSV)",
                meta=file_meta(f"What importing {upload.name} would do", upload.name))
    if counts["add"] + counts["change"] == 0:
        st.info("Everything in this file is already in the dashboard: there is nothing to import.")
        return
    in_parts = kind == "observations" and st.checkbox(
        "This file is one part of a return by department, grade and role type; more parts are to come",
        key=f"in_parts_{digest}",
        help="Its quarter is not shown until the last part is in and the return is marked complete below. "
             "Left unticked, the quarters this file brings are complete once it is imported.")
    if st.button(f"Import {counts['add'] + counts['change']} rows", type="primary", key=f"apply_{digest}"):
        try:
            with st.spinner("Backing up, then importing in one transaction…"):
                result = importers.apply_import(db_path(), kind, validation, user=user, filename=upload.name,
                                                sha256=digest, in_parts=in_parts)
        except (importers.ImportRejected, auth.PermissionDenied, importers.ImportFileError,
                store.StoreError) as refused:
            problems = getattr(refused, "problems", [refused])
            st.error("Not imported:\n\n" + "\n".join(f"- {escape_md(p)}" for p in problems[:20]),
                     icon=":material/error:")
            return
        _flash("success", f"Imported {upload.name} as batch {result.batch_id}: {result.added} added, "
                          f"{result.changed} changed. A backup was taken first; the batch can be undone below.")
        st.rerun()


def incomplete_returns_ui(user: auth.User) -> None:
    """Returns loaded in parts and not yet shown, with the mark that completes one."""
    with store.reading(db_path()) as conn:
        waiting = queries.incomplete_returns(conn)
    if not waiting:
        return
    st.markdown("**Returns loaded in parts, not yet shown.** A quarter is shown once its return is complete.")
    labels = {f"{indicator}, {population}, {format_date(period)} ({cells:,} cells so far)":
              (indicator, population, period) for indicator, population, period, cells in waiting}
    with st.form("complete_return"):
        chosen = st.selectbox("Return", list(labels))
        submitted = st.form_submit_button("Mark this return complete")
    if submitted:
        indicator, population, period = labels[chosen]
        try:
            message = period_returns.mark_period_complete(
                db_path(), indicator, period, user=user, population=population)
        except (period_returns.ReturnError, auth.PermissionDenied, store.StoreError) as refused:
            st.error(escape_md(str(refused)), icon=":material/error:")
            return
        _flash("success", message)
        st.rerun()


def batches_ui(user: auth.User) -> None:
    """The import history, with undo of a whole batch."""
    with store.reading(db_path()) as conn:
        batches = queries.import_batches(conn)
    if batches.empty:
        st.info("No files have been imported yet.")
        return
    shown = batches.rename(columns={"id": "Batch", "kind": "Kind", "filename": "File", "row_count": "Rows",
                                    "created_at": "Imported (UTC)", "created_by": "By", "undone_at": "Undone (UTC)",
                                    "undone_by": "Undone by"})
    table_ui(shown)
    live = batches[batches["undone_at"].isna()]["id"].tolist()
    if not live:
        return
    kinds, files = dict(zip(batches["id"], batches["kind"])), dict(zip(batches["id"], batches["filename"]))
    with st.form("undo_batch"):
        batch = st.selectbox("Undo an import batch", live, format_func=lambda b: f"Batch {b}: {kinds[b]}, {files[b]}")
        typed = st.text_input("To undo it, type the batch number", max_chars=12,
                              help="Undo removes every row the batch added and brings back what it replaced. "
                                   "A backup is taken first.")
        submitted = st.form_submit_button("Undo batch")
    if submitted:
        if typed.strip() != str(batch):
            st.error(f"Nothing was undone: type {batch}, the batch's number, to confirm.", icon=":material/error:")
            return
        try:
            with st.spinner(f"Backing up, then undoing batch {batch}…"):
                result = importers.undo_batch(db_path(), int(batch), user)
        except (importers.UndoRefused, auth.PermissionDenied, store.StoreError) as refused:
            st.error(escape_md(str(refused)), icon=":material/error:")
            return
        _flash("success", f"Batch {result.batch_id} undone: {result.removed} rows removed, "
                          f"{result.restored} restored. A backup was taken first.")
        st.rerun()


def audit_ui() -> None:
    """The audit log, filtered by who, what, table and dates, with a download of what is shown."""
    with store.reading(db_path()) as conn:
        choices = queries.audit_choices(conn)
        columns = st.columns(5)
        actor = columns[0].selectbox("Who", ["Anyone", *choices["actor"]], key="audit_actor")
        action = columns[1].selectbox("What", ["Any action", *choices["action"]], key="audit_action")
        table = columns[2].selectbox("Table", ["Any table", *choices["table_name"]], key="audit_table")
        since = columns[3].date_input("From", value=None, format="DD/MM/YYYY", key="audit_since")
        until = columns[4].date_input("To", value=None, format="DD/MM/YYYY", key="audit_until")
        log = queries.audit_log(
            conn, limit=5000, actor=None if actor == "Anyone" else actor,
            action=None if action == "Any action" else action, table=None if table == "Any table" else table,
            since=since.isoformat() if since else None, until=until.isoformat() if until else None)
    if log.empty:
        st.info("No audit entries match these filters." if choices["actor"] else
                "Nothing has been changed through the dashboard yet.")
        return
    st.caption(f"{len(log):,} entries{' (the newest 5,000)' if len(log) == 5000 else ''}; the newest 200 are "
               "shown, the download has them all with their details.")
    shown = log.rename(columns={"at": "When (UTC)", "actor": "Who", "action": "What", "table_name": "Table",
                                "row_key": "Row", "batch_id": "Import batch", "detail": "Detail"})
    table_ui(shown.drop(columns=["Detail"]).head(200))
    download_ui(shown, "audit-log.csv", label="Download these entries with details (CSV)")


def backups_ui(user: auth.User) -> None:
    """Backups beside the database, each with why it was taken: take one now, or restore one after a preview."""
    path = db_path()
    if st.button("Back up now", icon=":material/backup:"):
        auth.require_editor(user)
        with st.spinner("Backing up…"):
            saved = backups.backup(Path(path), actor=user.actor)
        _flash("success", f"Backed up to {saved.name}; recorded in the audit log.")
        st.rerun()
    kept = backups.list_backups(path)
    st.caption(f"One is taken automatically before every import, undo and restore; the newest "
               f"{settings().keep_backups} are kept (the GSE_KEEP_BACKUPS setting). Each file is readable by the "
               "dashboard's own account only: it holds every count unsuppressed.")
    if not kept:
        st.info("No backups yet.")
        return
    frame = pd.DataFrame(kept)
    table_ui(frame.assign(size=(frame["bytes"] / 1e6).round(1))[["file", "reason", "taken_at", "size"]].rename(
        columns={"file": "Backup", "reason": "Why", "taken_at": "Taken (UTC)", "size": "Size (MB)"}))
    names = {b["file"]: b for b in kept}
    chosen = st.selectbox("Restore a backup", list(names), index=None, placeholder="Choose a backup to see what "
                          "restoring it would lose", format_func=lambda f: f"{f} ({names[f]['reason']})",
                          key="restore_choice")
    if chosen is None:
        return
    with st.spinner("Comparing the backup with the database…"):
        try:
            lost = load_restore_preview(names[chosen]["path"])
        except store.StoreError as error:
            st.error(escape_md(str(error)), icon=":material/error:")
            return
    if lost:
        st.warning("**Restoring it loses what was recorded since it was taken:**\n\n" + "\n".join(
            f"- {item['rows']:,} {escape_md(item['what'])}"
            + (f" (the newest at {escape_md(item['newest'].replace('T', ' '))} UTC)" if item["newest"] else "")
            for item in lost) + "\n\nThe current database is backed up first, and the audit log is kept.",
                   icon=":material/warning:")
    else:
        st.info("Nothing recorded since this backup would be lost: the database holds nothing it lacks.")
    with st.form("restore"):
        typed = st.text_input("To restore it, type RESTORE", max_chars=20, key="restore_typed")
        submitted = st.form_submit_button("Restore this backup")
    if submitted:
        if typed.strip() != "RESTORE":
            st.error("Nothing was restored: type RESTORE in capitals to confirm.", icon=":material/error:")
            return
        auth.require_editor(user)
        try:
            with st.spinner("Backing up the current database, then restoring…"):
                safety = backups.restore(path, names[chosen]["path"], actor=user.actor)
        except store.StoreError as error:
            st.error(escape_md(str(error)), icon=":material/error:")
            return
        _flash("success", f"Restored {chosen}. The database it replaced was kept as "
                          f"{Path(safety).name if safety else 'nothing (there was none)'}; the restore is in the "
                          "audit log.")
        st.rerun()
