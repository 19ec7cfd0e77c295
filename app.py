"""Police and Crime Plan performance dashboard: the frame (navigation, shared filters, config)."""

import streamlit as st

st.set_page_config(page_title="Police and Crime Plan performance", layout="wide")
st.title("Police and Crime Plan performance")
st.write("The pages arrive with the dashboard-pages work; load data with `make load`.")
