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

record, owner, board, imports, official, history, audit, backups = st.tabs(
    ["Record progress", "Date and owner", "Board ratings, actions and risks", "Import a file",
     "Civil Service Statistics", "Import history",
     "Audit log", "Backups"])
with record:
    ref = manage_ui.commitment_picker_ui()
    latest = manage_ui.latest_update_ui(ref)
    manage_ui.record_update_ui(user, ref, latest)
with owner:
    st.markdown(f"For **{ui.escape_md(ref)}** (choose the commitment on the first tab).")
    manage_ui.change_commitment_ui(user, ref, latest)
with board:
    board_records_ui.board_records_ui(user)
with imports:
    manage_ui.import_ui(user)
    manage_ui.incomplete_returns_ui(user)
with official:
    official_ui.official_import_ui(user)
with history:
    manage_ui.batches_ui(user)
with audit:
    manage_ui.audit_ui()
with backups:
    manage_ui.backups_ui(user)
