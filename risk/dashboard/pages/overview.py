"""Overview: the headline figures, the risk matrix, the top risks and provider concentration."""

import pandas as pd
import streamlit as st

from risk.compare import assessment_diff
from risk.dashboard import firstlook, page, state
from risk.dashboard.widgets import capped, explain, fitted_table, header, md_escape, selected_points, sidebar
from risk.presentation import figures
from risk.presentation.format import (
    chance,
    effect_text,
    hours,
    one_in,
    pct,
    rating_certainty,
    service_cost,
    tolerance_phrase,
)
from risk.presentation.order import worst_first

cur = sidebar()
run = state.run(cur)
if state.awaits_job(run):  # a job on Dask: the exact part now, the rest when it is done
    firstlook.while_simulating(cur, run)
    st.stop()
a = state.assessment(run)
header("Overview", f"{cur.catalog.organisation}: where are we exposed, and how badly?")
if run.naming_problems:
    with st.expander(
        f"{len(run.naming_problems)} provider or product name(s) the outage history does not recognise: "
        "their rates may be guesses",
        expanded=True,
    ):
        for p in run.naming_problems:
            st.warning(f"{md_escape(p.message)}. Fix: {md_escape(p.hint)}.")
if run.notes:
    with st.expander(
        f"{len(run.notes)} note(s) on your aliases and incident logs (records counted once, aliases overriding "
        "the shipped table)"
    ):
        for p in run.notes:
            st.info(f"{md_escape(p.location)}: {md_escape(p.message)}")


#: Up to this many services the Overview measures the recommendations itself (about a second for the bundled
#: examples); above it, a button does, so a large catalog's Overview opens at once.
MEASURE_FIXES_UP_TO = 50

worry, fix = st.columns(2)
with worry:
    st.markdown("**What to worry about**")
    dep_name = a.names()
    for s in worst_first(a.services)[:3]:
        # The single point of failure behind most of this service's risk first.
        spofs = [
            dep_name[d]
            for d in sorted(
                s.single_points_of_failure,
                key=lambda d: -s.dependency_importance[d].fussell_vesely if d in s.dependency_importance else 0,
            )
        ]
        st.markdown(
            f"- **{md_escape(s.name)}** ({s.rating}): "
            f"{chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval)} chance a year "
            f"of an outage {tolerance_phrase(s)}"
            + (
                f"; {len(spofs)} single point{'s' if len(spofs) > 1 else ''} of failure, such as {md_escape(spofs[0])}"
                if len(spofs) > 1
                else f"; single point of failure: {md_escape(spofs[0])}"
                if spofs
                else ""
            )
        )
with fix:
    st.markdown("**What would fix it most**")
    # Filled after the headline figures below: measuring the fixes re-assesses the catalog once per
    # recommendation, and the headline needs only the assessment, so it is on the page first.
    fixes = st.container()

h = a.headlines
top_provider = a.providers[0] if a.providers else None
c = st.columns(4)
c[0].metric("Services", h.services, help="Services in the catalog.")
c[1].metric(
    "Tier-1 services with a SPOF",
    f"{h.tier1_with_single_point} of {h.tier1_services}",
    help="Tier-1 services with a single point of failure (SPOF): one dependency whose failure alone takes them down.",
)
worst_down = a.service(h.most_downtime_service or a.services[0].id)  # None only without services
c[2].metric(
    "Most downtime",
    f"{hours(worst_down.expected_annual_downtime_hours)}/yr",
    help="The service with the most expected downtime a year (simulated, after grace periods). Across all "
    f"{h.services} services: {h.service_hours_down:,.0f} "
    "service-hours a year.",
)
# Its name below the figure, where a long one wraps (as the metric's delta chip, it was cut at 1280 px).
c[2].caption(md_escape(worst_down.name))
c[3].metric(
    "Most exposure",
    firstlook.short_name(top_provider.name) if top_provider else "none",
    f"{top_provider.services_exposed} services" if top_provider else None,
    delta_color="off",
    delta_arrow="off",
    help="The provider whose failure alone could take down the most services"
    + (f": {top_provider.name}." if top_provider else "."),
)


previous = state.since_last(run)
if previous is not None:
    snap, before = previous
    change = assessment_diff(before, a)
    with st.container(border=True):
        st.markdown(
            f"**Since the last assessment** (version {snap.catalog_version}, {snap.created_at[:10]}, by "
            f"{md_escape(snap.author)}): {len(change.services)} service{'s' if len(change.services) != 1 else ''} "
            f"moved; rated extreme or high {change.extreme_or_high_before} → {change.extreme_or_high_after}; "
            f"single points of failure added: {len(change.single_points_added)}, removed: "
            f"{len(change.single_points_removed)}."
        )
        if change.services:
            moved = change.services[:10]
            st.dataframe(
                pd.DataFrame(
                    {
                        "service": [m.name for m in moved],
                        "rating": [
                            m.rating_after
                            if m.rating_before == m.rating_after
                            else f"{m.rating_before} → {m.rating_after}"
                            for m in moved
                        ],
                        "beyond tolerance, a year": [
                            f"{chance(m.breach_probability_before or 0, m.breach_interval_before)} → "
                            f"{chance(m.breach_probability_after or 0, m.breach_interval_after)}"
                            for m in moved
                        ],
                        "single points of failure": [
                            ", ".join(
                                [f"+{dep_name.get(d, d)}" for d in m.single_points_added]
                                + [f"−{dep_name.get(d, d)}" for d in m.single_points_removed]
                            )
                            or "no change"
                            for m in moved
                        ],
                    }
                ),
                hide_index=True,
            )
        kept = state.trend(run)
        if len(kept) >= 2:
            st.plotly_chart(
                figures.trend(
                    [
                        (
                            x.created_at,
                            f"version {x.catalog_version}",
                            y.headlines.extreme_or_high,
                            y.headlines.tier1_with_single_point,
                        )
                        for x, y in kept
                    ]
                ),
                key="trend",
            )

left, right = st.columns([3, 2])
with left:
    event = st.plotly_chart(
        run.remember(("risk matrix",), lambda: figures.risk_matrix(a)),
        key="matrix",
        on_select="rerun",
        selection_mode="points",
    )
    explain(
        "Each service sits in the cell of its likelihood (how probable an outage longer than its impact "
        "tolerance is this year) and its impact (tier, users and cost). The number is how many services "
        "are there; the colour is the NHS 5x5 band.",
        "Likelihood comes from the simulated tolerance-breach probability; impact is the worst of the tier, "
        "users and hourly-cost scores.",
        "rating",
    )
with right:
    cells = sorted({(s.likelihood, s.impact) for s in a.services}, key=lambda x: -x[0] * x[1])
    picked = None
    points = selected_points(event)
    if points:
        picked = (int(points[0]["y"]), int(points[0]["x"]))
    choice = st.selectbox(
        "Services in cell",
        cells,
        index=cells.index(picked) if picked in cells else 0,
        format_func=lambda c: f"likelihood {c[0]} x impact {c[1]} = {c[0] * c[1]}",
        key="cell",
    )
    in_cell = worst_first([s for s in a.services if (s.likelihood, s.impact) == choice])
    shown_here = capped(in_cell, "cell_all")
    if len(shown_here) < len(in_cell):
        st.caption(f"The 10 worst of {len(in_cell)} services in this cell.")
    for s in shown_here:
        st.markdown(
            f"**{md_escape(s.name)}** (tier {s.tier}): "
            f"{chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval)} a year "
            f"({one_in(s.tolerance_breach_probability)}), {rating_certainty(s.rating, s.rating_probabilities)}"
        )

st.subheader("Top risks")
top = worst_first(a.services)[:10]
dep_names = a.names()
top_risks = pd.DataFrame(
    {
        "service": [s.name for s in top],
        "rating": [f"{rating_certainty(s.rating, s.rating_probabilities)} ({s.score})" for s in top],
        "beyond tolerance a year (90% range)": [
            chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval) for s in top
        ],
        f"cost/yr ({a.currency})": [service_cost(s, a.currency) for s in top],
        "single points": [len(s.single_points_of_failure) for s in top],
        "tier": [s.tier for s in top],
        "chance a year of an outage beyond tolerance": [s.tolerance_breach_probability for s in top],
        "how often": [one_in(s.tolerance_breach_probability) for s in top],
        "single points of failure": [
            ", ".join(dep_names[d] for d in s.single_points_of_failure) or "none" for s in top
        ],
        "downtime/yr": [hours(s.expected_annual_downtime_hours) for s in top],
    }
)
fitted_table(
    top_risks,
    {
        "service": 225,
        "rating": 235,
        "beyond tolerance a year (90% range)": 130,
        f"cost/yr ({a.currency})": 95,
        "single points": 95,
    },
    top_risks,
    "tier, how often, downtime and the single points of failure by name",
    column_config={
        "beyond tolerance a year (90% range)": st.column_config.Column(
            "beyond tolerance",
            help="The chance a year of an outage longer than the service's tolerance, with its 90% range.",
        ),
        "chance a year of an outage beyond tolerance": st.column_config.ProgressColumn(
            format="percent", min_value=0, max_value=1
        ),
    },
)
explain(
    "The services with the highest score (likelihood x impact), then the highest chance of an outage "
    "longer than they can tolerate.",
    "From the seeded simulation of outages over many years; a service's grace periods and workaround count.",
    "simulation",
)

st.subheader("Provider concentration")
pc1, pc2 = st.columns([3, 1])
with pc1:
    st.plotly_chart(run.remember(("providers",), lambda: figures.provider_exposure(a)), key="providers")
with pc2:
    top_share = a.providers[0].spof_share if a.providers else 0.0
    st.metric(
        "Top provider's share of SPOFs",
        pct(top_share, 0),
        help="The share of all (user-weighted) single-point-of-failure links that sit with the provider most "
        f"services lean on. For analysts: the concentration index (HHI) is {a.concentration.hhi:.2f}, where 1 "
        "means every single point of failure sits with one provider.",
    )
    for prov in a.providers[:3]:
        st.markdown(f"**{md_escape(prov.name)}**: {prov.services_exposed} services, {pct(prov.user_share, 0)} of users")
explain(
    "How many services one provider's failure could take down: through a single point of failure, or a "
    "pair of that provider's dependencies failing together.",
    "From each service's minimal cut sets of size 1 and 2.",
    "provider-concentration",
)

# Last: the rest of the page is on the screen while the fixes are measured (the column above is filled in).
with fixes:
    if (
        run.has("recommendations")
        or len(a.services) <= MEASURE_FIXES_UP_TO
        or st.button("Work out what would fix it", key="overview_fix")
    ):
        measured = [r for r in state.recommendations(run).recommendations if r.effect and r.effect.risk_reduction > 0]
        for r in measured[:3]:
            st.markdown(f"- **{md_escape(r.title)}**: {effect_text(r.effect)} (effort {r.effort})")
        if not measured:
            st.markdown("No measured recommendation lowers the risk; see the Recommendations page.")
        st.page_link(page("recommendations"), label="All recommendations and their effect")
    else:
        st.caption("Each recommendation is measured by assessing the catalog again with it applied.")
        state.prepare(run, "recommendations")  # on Dask, measured meanwhile: the button and page find them
