"""The catalog format, rendered from docs/catalog.md."""

import streamlit as st

from risk.dashboard.widgets import in_app_links, sidebar
from risk.data import help_page

sidebar()
st.markdown(in_app_links(help_page("catalog")))
