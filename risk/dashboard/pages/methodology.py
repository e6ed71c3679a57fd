"""The methodology, rendered from docs/methodology.md so every figure's help links to the real text."""

import streamlit as st

from risk.dashboard.widgets import sidebar
from risk.data import help_page

sidebar()
st.markdown(help_page("methodology"))
