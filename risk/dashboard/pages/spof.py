"""Single points of failure across the catalog, grouped by provider and dependency.

Every figure here is the assessment's own (each provider's single points of failure, the services behind
them and their users, counted once per service); the page only lays them out.
"""

from functools import partial

import pandas as pd
import streamlit as st

from risk.dashboard import state
from risk.dashboard.widgets import explain, header, md_escape, sidebar
from risk.engine.assessment import CommonCauseResult
from risk.presentation.format import people_phrase

cur = sidebar()
run = state.run(cur)
a = state.assessment(run)
header("Single points of failure", "Which single failures take services down, and whose are they?")

providers = [p for p in a.providers if p.single_points_of_failure]
if not providers:
    st.success("No service in this catalog has a single point of failure.")
    st.stop()
providers.sort(key=lambda p: (-len(p.services_with_single_point), -p.users_with_single_point, p.name.casefold()))
services = {s.id: s for s in a.services}
h = a.headlines
c = st.columns(3)
c[0].metric("Single points of failure", len(h.single_points_of_failure))
c[1].metric("Services with one", h.services_with_single_point, f"of {h.services}", delta_color="off", delta_arrow="off")
c[2].metric(
    "Tier-1 services with one",
    h.tier1_with_single_point,
    f"of {h.tier1_services}",
    delta_color="off",
    delta_arrow="off",
)
st.dataframe(
    state.table(
        run,
        ("spof providers",),
        lambda: pd.DataFrame(
            {
                "provider": [p.name for p in providers],
                "single points of failure": [len(p.single_points_of_failure) for p in providers],
                "services": [len(p.services_with_single_point) for p in providers],
                "tier-1 services": [p.tier1_services_with_single_point for p in providers],
                # People, not a sum: the largest service's users at least; the sum is named service-users.
                "people affected, at least": [
                    max((services[sid].users or 0 for sid in p.services_with_single_point), default=0)
                    for p in providers
                ],
                "service-users": [p.users_with_single_point for p in providers],
            }
        ),
    ),
    hide_index=True,
    column_config={
        "people affected, at least": st.column_config.NumberColumn(
            format="localized", help="The users of the provider's largest service with a single point of failure."
        ),
        "service-users": st.column_config.NumberColumn(
            format="localized",
            help="Those services' users added together: a person who uses three of them is counted three times.",
        ),
    },
)
explain(
    "A single point of failure is one dependency whose failure alone takes a service down: no alternative "
    "path survives without it. Grouped by the provider that runs it; users are counted once per service.",
    "The order-1 minimal cut sets of each service, computed exactly (so a dependency with a working "
    "alternative, such as FIDO2 keys beside the MFA service, is not one).",
    "minimal-cut-sets",
)


def _victims(d) -> pd.DataFrame:
    """The services a dependency takes down alone."""
    return pd.DataFrame(
        {
            "service": [services[sid].name for sid in d.blast_radius.services],
            "tier": [services[sid].tier for sid in d.blast_radius.services],
            "users": [
                "not set" if services[sid].users is None else f"{services[sid].users:,}"
                for sid in d.blast_radius.services
            ],
        }
    )


for n, p in enumerate(providers):
    common = {c.id: c for c in a.common_causes}
    deps = [common[d] if d in common else a.dependency(d) for d in p.single_points_of_failure]
    count = len(deps)
    with st.expander(
        f"{md_escape(p.name)}: {count} single point{'s' if count != 1 else ''} of failure behind "
        f"{len(p.services_with_single_point)} service{'s' if len(p.services_with_single_point) != 1 else ''}",
        expanded=n == 0,
    ):
        for d in deps:
            where = (
                f"common events of {', '.join(d.members)} (beta-factor, beta {d.beta:g})"
                if isinstance(d, CommonCauseResult)
                else f"{d.source}, data quality {d.data_quality}"
            )
            st.markdown(
                f"**{md_escape(d.name)}** (`{d.id}`): {len(d.blast_radius.services)} "
                f"service{'s' if len(d.blast_radius.services) != 1 else ''}, "
                f"{people_phrase(d.blast_radius.people_at_least, d.blast_radius.users)}; "
                f"{d.annual_outages:.2f} outages a year "
                f"({md_escape(where)})"
            )
            st.dataframe(state.table(run, ("spof services", d.id), partial(_victims, d)), hide_index=True)
st.caption(
    f"{len(providers)} provider{'s' if len(providers) != 1 else ''} with a single point of failure "
    f"{'are' if len(providers) != 1 else 'is'} listed above."
)
