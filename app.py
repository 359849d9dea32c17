"""The GSE Strategy Dashboard: page set-up, navigation and the global as-at date. Nothing else."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.ui import saved_views

# The favicon is an emoji, drawn in the browser: a ":material/..." favicon is fetched from a Google font
# host, and no page may make a request to any host but the app's own.
st.set_page_config(page_title="GSE Strategy Dashboard", page_icon="🔬", layout="wide")

# Uploads only from a page that offers them, within a per-session cap (ui/uploads.py).
ui.guard_uploads()
ui.start_of_run()
page = st.navigation(ui.app_pages())
# The browser tab says where you are, then what the service is.
st.set_page_config(page_title=f"{page.title} – GSE Strategy Dashboard")
ui.accessibility_css_ui()
st.sidebar.markdown("**GSE Strategy Dashboard**  \nDelivery of the Government Science and "
                    "Engineering profession strategy, 2016 to 2021 and after.")
st.session_state[ui.APP_RAN_KEY] = True
if page.url_path == "explore":
    # A link to a saved view (explore?view=NAME) sets the view's kept date before the sidebar draws it.
    saved_views.follow_view_link()
ui.as_at_ui()
# Members' protected tables are built in the background once per database revision (ui/loaders.py).
ui.warm_protected_tables(ui.settings().suppression_threshold)
ui.user_ui()
page.run()
