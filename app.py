"""Lynchpin dashboard entry point (`make run`): lists the bundled example catalog and its dependencies.

The dashboard only renders what the `risk` library computes; it computes no risk itself.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import risk
from risk.catalog.expressions import format_requirement
from risk.durations import format_duration
from risk.paths import DEFAULT_CATALOG, EXAMPLES

st.set_page_config(page_title="Lynchpin", layout="wide")
st.title("Lynchpin")
st.caption("Dependency risk for critical services: which services go down when a provider fails.")

examples = sorted(EXAMPLES.glob("*.yaml"))
default_index = next((i for i, p in enumerate(examples) if p == DEFAULT_CATALOG), 0)
choice = st.selectbox("Catalog", examples, index=default_index, format_func=lambda p: p.stem.replace("-", " "))
report = risk.read_catalog(choice)
if report.catalog is None:
    st.error("This catalog has errors:")
    for problem in report.errors:
        st.write(f"- **{problem.location}**: {problem.message}")
    st.stop()

catalog = report.catalog
st.subheader(catalog.organisation)
cols = st.columns(3)
cols[0].metric("Services", len(catalog.services))
cols[1].metric("Dependencies", len(catalog.dependencies))
cols[2].metric("Tier-1 services", sum(s.tier == 1 for s in catalog.services))

st.markdown("#### Services")
st.dataframe(
    pd.DataFrame(
        {
            "id": s.id,
            "service": s.name,
            "tier": s.tier,
            "impact tolerance": format_duration(s.impact_tolerance),
            "users": s.users,
            "requires": format_requirement(s.requires),
        }
        for s in catalog.services
    ),
    hide_index=True,
    width="stretch",
)
st.markdown("#### Dependencies")
st.dataframe(
    pd.DataFrame(
        {
            "id": d.id,
            "dependency": d.name,
            "provider": d.provider or "(group)",
            "product": d.product or "",
            "capability": d.capability or "",
            "requires": format_requirement(d.requires),
        }
        for d in catalog.dependencies
    ),
    hide_index=True,
    width="stretch",
)
