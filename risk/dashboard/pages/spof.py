"""Single points of failure across the catalog, grouped by provider and dependency."""

import pandas as pd
import streamlit as st

from risk.dashboard import state
from risk.dashboard.widgets import explain, header, md_escape, sidebar

cur = sidebar()
a, _ = state.assessment(cur)
header("Single points of failure", "Which single failures take services down, and whose are they?")

rows = []
for d in a.dependencies:
    for sid in d.blast_radius.services:
        s = a.service(sid)
        rows.append(
            {
                "provider": d.provider,
                "dependency": d.name,
                "dependency id": d.id,
                "service": s.name,
                "tier": s.tier,
                "users": s.users or 0,
            }
        )
if not rows:
    st.success("No service in this catalog has a single point of failure.")
    st.stop()
df = pd.DataFrame(rows)
by_provider = (
    df.groupby("provider")
    .agg(
        dependencies=("dependency id", "nunique"),
        services=("service", "nunique"),
        tier_1=("tier", lambda t: int((t == 1).sum())),
        users=("users", "sum"),
    )
    .sort_values(["services", "users"], ascending=False)
    .reset_index()
)
c = st.columns(3)
c[0].metric("Single points of failure", df["dependency id"].nunique())
c[1].metric("Services with one", df["service"].nunique(), f"of {len(a.services)}", delta_color="off")
c[2].metric(
    "Tier-1 services with one",
    df[df.tier == 1]["service"].nunique(),
    f"of {sum(s.tier == 1 for s in a.services)}",
    delta_color="off",
)
st.dataframe(
    by_provider.rename(columns={"tier_1": "tier-1 service links", "users": "users behind them"}), hide_index=True
)
explain(
    "A single point of failure is one dependency whose failure alone takes a service down: no alternative "
    "path survives without it. Grouped by the provider that runs it.",
    "The order-1 minimal cut sets of each service, computed exactly (so a dependency with a working "
    "alternative, such as FIDO2 keys beside the MFA service, is not one).",
    "minimal-cut-sets",
)

for provider in by_provider["provider"]:
    part = df[df.provider == provider]
    n_deps, n_services = part["dependency id"].nunique(), part["service"].nunique()
    with st.expander(
        f"{md_escape(provider)}: {n_deps} single point{'s' if n_deps != 1 else ''} of failure "
        f"({', '.join(sorted(part['dependency id'].unique()))}) behind {n_services} "
        f"service{'s' if n_services != 1 else ''}",
        expanded=provider == by_provider["provider"][0],
    ):
        for dep_id, group in part.groupby("dependency id", sort=False):
            d = a.dependency(dep_id)
            st.markdown(
                f"**{md_escape(d.name)}** (`{dep_id}`): {len(group)} service(s), "
                f"{int(group.users.sum()):,} users; {d.annual_outages:.2f} outages a year "
                f"({d.source}, data quality {d.data_quality})"
            )
            st.dataframe(group[["service", "tier", "users"]], hide_index=True)
st.caption(f"{len(by_provider)} provider(s) with a single point of failure are listed above.")
