"""The catalog format, rendered from docs/catalog.md."""

import streamlit as st

from risk.dashboard.widgets import sidebar
from risk.data import help_page

sidebar()
st.markdown(help_page("catalog"))
