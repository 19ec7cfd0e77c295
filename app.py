"""Police and Crime Plan performance dashboard: the frame (page config, navigation, shared filters)."""

import streamlit as st

from ui.filters import sync_filters
from ui.navigation import build_navigation

st.set_page_config(
    page_title="Police and Crime Plan performance",
    page_icon=":material/monitoring:",
    layout="wide",
)
page = build_navigation()
# Put the shared filters back into the link before the page runs, so they carry across pages.
sync_filters()
page.run()
