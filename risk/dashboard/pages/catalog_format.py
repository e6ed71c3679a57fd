"""The catalog format, rendered from docs/catalog.md."""

import streamlit as st

from risk.dashboard.widgets import sidebar
from risk.paths import PROJECT_ROOT

sidebar()
st.markdown((PROJECT_ROOT / "docs" / "catalog.md").read_text(encoding="utf-8"))
