"""The methodology, rendered from docs/methodology.md so every figure's help links to the real text."""

import streamlit as st

from risk.dashboard.widgets import sidebar
from risk.paths import PROJECT_ROOT

sidebar()
st.markdown((PROJECT_ROOT / "docs" / "methodology.md").read_text(encoding="utf-8"))
