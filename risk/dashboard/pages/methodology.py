"""The methodology, rendered from docs/methodology.md so every figure's help links to the real text."""

import streamlit as st

from risk.dashboard.widgets import in_app_links, sidebar
from risk.data import help_page

sidebar()
st.markdown(in_app_links(help_page("methodology")))
