"""Police and Crime Plan performance dashboard: the frame (page config, navigation, shared filters)."""

import streamlit as st

from ui.data import read_figures_from
from ui.filters import sync_filters
from ui.navigation import build_navigation
from ui.render import apply_styles
from ui.roles import render_account, require_sign_in

APP_TITLE = "Police and Crime Plan performance"

st.set_page_config(page_title=APP_TITLE, page_icon=":material/monitoring:", layout="wide")
apply_styles()
require_sign_in()  # only when the deployment says readers must sign in
page = build_navigation()
# The browser's tab and history name the page, not only the app.
st.set_page_config(page_title=f"{page.title} · {APP_TITLE}")
render_account()
# Put the shared filters back into the link before the page runs, so they carry across pages.
sync_filters()
# Each page run starts on the live figures; a page showing a published report may switch to them as reported.
read_figures_from(None)
page.run()
