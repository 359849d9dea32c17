"""Board pack: the pack (PDF, PowerPoint) and the GCSA's one-page brief (Word) for a Board or an as-at date."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.ui import board_pack as pack_ui

ui.page_guard()
st.title("Board pack")
ui.illustrative_notice()
st.markdown(
    "Build the **Board pack** (PDF or PowerPoint) and the **one-page brief** for the Government Chief "
    "Scientific Adviser (Word) for a Board meeting, as known at its papers' deadline, or as known on any "
    "other date. A pack for a past Board comes out exactly as it was sent: corrections recorded since are "
    "left out. Every page is marked OFFICIAL."
)
as_at, for_board = pack_ui.pack_date_ui(ui.database_facts().meetings, ui.current_as_at())
formats = pack_ui.formats_ui()
pack_ui.build_ui(as_at, formats, ui.settings().suppression_threshold, for_board)
