"""Panel pack: the Word paper for the Police and Crime Panel (built by the export module)."""

import streamlit as st

from ui.data import require_data

st.title("Panel pack")
require_data()
st.info("The panel pack export is not available in this version yet.")
