"""Manage data (editors): record progress, set dates and assign owners, import files, audit, backups."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.ui import board_records as board_records_ui
from gse_dashboard.ui import manage as manage_ui
from gse_dashboard.ui import official as official_ui

ui.page_guard()
st.title("Manage data")
user = ui.current_user()
if not user.can_edit:
    st.error("Only editors can change the dashboard's data. "
             + ("Sign in with an editor's account." if user.mode != "local" else
                "This dashboard is set to require sign-in for editing."), icon=":material/lock:")
    st.stop()
manage_ui.flash_ui()
st.caption(f"Editing as **{ui.escape_md(user.actor)}**. Every change is recorded in the audit log; "
           "nothing is ever overwritten or deleted without a backup.")

# Keyed and in the link: the tab in use stays open after a save, and only it is worked out (issue 25).
record, owner, board, imports, official, history, audit, backups = st.tabs(
    ["Record progress", "Date and owner", "Board ratings, actions and risks", "Import a file",
     "Civil Service Statistics", "Import history", "Audit log", "Backups"], key="tab", bind="query-params")
if record.open:
    with record:
        ref = manage_ui.commitment_picker_ui()
        latest = manage_ui.latest_update_ui(ref)
        manage_ui.record_update_ui(user, ref, latest)
if owner.open:
    with owner:
        ref = manage_ui.commitment_picker_ui()
        latest = manage_ui.latest_update_ui(ref)
        manage_ui.change_commitment_ui(user, ref, latest)
if board.open:
    with board:
        board_records_ui.board_records_ui(user)
if imports.open:
    with imports:
        manage_ui.import_ui(user)
        manage_ui.incomplete_returns_ui(user)
if official.open:
    with official:
        official_ui.official_import_ui(user)
if history.open:
    with history:
        manage_ui.batches_ui(user)
if audit.open:
    with audit:
        manage_ui.audit_ui()
if backups.open:
    with backups:
        manage_ui.backups_ui(user)
