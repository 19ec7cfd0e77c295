"""Police and Crime Plan performance dashboard: the frame (page config, navigation, shared filters)."""

import streamlit as st

from ui.filters import sync_filters
from ui.navigation import build_navigation
from ui.roles import render_account, require_sign_in

st.set_page_config(
    page_title="Police and Crime Plan performance",
    page_icon=":material/monitoring:",
    layout="wide",
)
require_sign_in()  # only when the deployment says readers must sign in
page = build_navigation()
render_account()
# Put the shared filters back into the link before the page runs, so they carry across pages.
sync_filters()
page.run()
