"""The Streamlit dashboard: thin pages over the risk library. Streamlit is imported only below this folder
and in app.py; every figure shown comes from risk.assess."""
