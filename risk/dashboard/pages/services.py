"""Services: a sortable, filterable table, and one service in depth."""

import pandas as pd
import streamlit as st

from risk.dashboard import fields, state
from risk.dashboard.widgets import HALF_AT_1280, download_table, explain, fitted_table, header, md_escape, sidebar
from risk.engine.assessment import CommonCauseResult, DependencyResult
from risk.presentation import figures
from risk.presentation.format import (
    chance,
    hours,
    hours_range,
    one_in,
    pct,
    rating_certainty,
    sampled,
    service_cost,
    unavailability_text,
)
from risk.presentation.order import worst_first
from risk.presentation.tree import requirement_tree

cur = sidebar()
run = state.run(cur)
a = state.assessment(run)
header("Services", "Which services are exposed, and why?")

f1, f2, f3 = st.columns([1, 1, 2])
tiers = f1.multiselect("Tier", [1, 2, 3, 4], default=[], placeholder="all tiers")
ratings = f2.multiselect("Rating", ["extreme", "high", "moderate", "low"], default=[], placeholder="all ratings")
text = f3.text_input("Search", placeholder="service or dependency name", max_chars=fields.TEXT_CHARS)
rows = [
    s
    for s in worst_first(a.services)
    if (not tiers or s.tier in tiers)
    and (not ratings or s.rating in ratings)
    and (not text or text.lower() in (s.name + " " + s.id + " " + " ".join(s.single_points_of_failure)).lower())
]
# Decisions first: what a risk manager acts on leads; the analyst's columns follow.
shown = (tuple(tiers), tuple(ratings), text)
# When no decision diagram fitted the catalog, its unavailability is sampled (risk.engine.sampled), and says so.
method = "sampled" if sampled(a.services) else "exact"
share = f"share of time down ({method})"

table = run.remember(
    ("services frame", shown),
    lambda: pd.DataFrame(
        {
            "service": [s.name for s in rows],
            "rating": [rating_certainty(s.rating, s.rating_probabilities) for s in rows],
            "outage beyond tolerance a year": [
                chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval) for s in rows
            ],
            "downtime a year": [
                hours_range(s.expected_annual_downtime_hours, s.expected_annual_downtime_hours_interval) for s in rows
            ],
            f"cost a year ({a.currency})": [service_cost(s, a.currency) for s in rows],
            "tier": [s.tier for s in rows],
            "tolerance": [hours(s.impact_tolerance_hours) for s in rows],
            "single points of failure": [len(s.single_points_of_failure) for s in rows],
            "chance a year (to sort by)": [s.tolerance_breach_probability for s in rows],
            "score": [s.score for s in rows],
            share: [s.unavailability for s in rows],
            "id": [s.id for s in rows],
        }
    ),
)
# The decision's columns fit at 1280 px without a horizontal scroll; the analyst's follow in an expander.
fitted_table(
    state.table(run, ("services", shown), lambda: table),
    {
        "service": 230,
        "rating": 195,
        "outage beyond tolerance a year": 120,
        "downtime a year": 155,
        f"cost a year ({a.currency})": 95,
    },
    state.table(run, ("services", shown), lambda: table),
    f"tier, tolerance, single points of failure, score and the {method} share of time down",
    column_config={
        "outage beyond tolerance a year": st.column_config.Column(
            "beyond tolerance", help="The chance a year of an outage beyond the service's tolerance (90% range)."
        ),
        "downtime a year": st.column_config.Column(help="Expected downtime a year (90% range)."),
        f"cost a year ({a.currency})": st.column_config.Column(
            f"cost/yr ({a.currency})", help="Expected cost of downtime a year."
        ),
        share: st.column_config.NumberColumn(format="percent"),
        "chance a year (to sort by)": st.column_config.NumberColumn(format="percent"),
    },
    key="services_table",
)
download_table(table, "services", "dl_services")
st.caption(f"{len(rows)} of {len(a.services)} services. Click a column heading to sort.")

st.divider()
ids = [s.id for s in worst_first(a.services)]
names = {s.id: s.name for s in a.services}
sid = st.selectbox("Service", ids, format_func=lambda i: names[i], key="service_detail")
s = a.service(sid)
svc = cur.catalog.service(sid)
st.subheader(s.name)
m = st.columns(4)
low, high = s.tolerance_breach_probability_interval
m[0].metric(
    "Beyond tolerance",
    chance(s.tolerance_breach_probability),  # the same precision as every other breach probability
    f"range {chance(low)}–{chance(high)}, {one_in(s.tolerance_breach_probability)}"
    if chance(low) != chance(high)
    else one_in(s.tolerance_breach_probability),
    delta_color="off",
    delta_arrow="off",
    help=f"The chance a year of at least one outage longer than {hours(s.impact_tolerance_hours)}"
    f"{' + ' + hours(s.workaround_hours) + ' workaround' if s.workaround_hours else ''} in a year "
    f". The range is the 5th to 95th percentile over what is not known about the providers' outage rates and "
    f"durations; the simulation's own error is ± {pct(s.breach_probability_standard_error, 2)}. Rating "
    + ", ".join(f"{b} {p:.0%}" for b, p in s.rating_probabilities.items() if p > 0)
    + ".",
)
m[1].metric(
    "Expected downtime",
    f"{hours(s.expected_annual_downtime_hours)}/yr",
    f"range {hours(s.expected_annual_downtime_hours_interval[0])}–{hours(s.expected_annual_downtime_hours_interval[1])}",
    delta_color="off",
    delta_arrow="off",
    help="Mean downtime a year (simulated, after grace periods), with its 90% range over what is not known "
    f"about the providers. In 90% of years it is under {hours(s.annual_downtime_hours_quantiles['p90'])}.",
)
m[2].metric(
    "Expected cost",
    service_cost(s, a.currency) + ("/yr" if s.hourly_cost is not None else ""),
    f"{s.expected_annual_user_hours_lost:,.0f} user-hours",
    delta_color="off",
    delta_arrow="off",
)
m[3].metric(
    "Rating",
    f"{s.rating} ({s.score})",
    rating_certainty(s.rating, s.rating_probabilities, bare=True),
    delta_color="off",
    delta_arrow="off",
    help=f"Likelihood {s.likelihood} x impact {s.impact} = {s.score} on the 5x5 matrix; the chance that the "
    "rating is this band, over what is not known about the providers.",
)

t1, t2 = st.columns([1, 1])
with t1:
    st.markdown("**What it needs**")
    spof = set(s.single_points_of_failure)
    lines = []
    for line in requirement_tree(cur.catalog, sid):
        mark = " **← single point of failure**" if line.ident in spof else ""
        style = "_" if line.kind in ("group", "logical") else ""
        lines.append("    " * line.depth + f"- {style}{md_escape(line.text)}{style}{mark}")
    st.markdown("\n".join(lines) or "_nothing_")
    st.caption(
        f"{'Exact unavailability' if s.unavailability_method == 'exact' else 'Unavailability'} "
        f"{unavailability_text(s)} (grace periods ignored). Tolerance "
        f"{hours(s.impact_tolerance_hours)}; workaround: "
        f"{md_escape(svc.workaround.description) + ' for ' + hours(s.workaround_hours) if svc.workaround else 'none'}."
    )
with t2:
    st.markdown("**Single points of failure and cut sets**")
    dep_names: dict[str, DependencyResult | CommonCauseResult] = {
        **{d.id: d for d in a.dependencies},
        **{c.id: c for c in a.common_causes},
    }
    cut_sets = pd.DataFrame(
        {
            "size": [len(c) for c in s.cut_sets],
            "fails together": [" + ".join(dep_names[x].name for x in c) for c in s.cut_sets],
            "providers": [", ".join(sorted({dep_names[x].provider for x in c})) for c in s.cut_sets],
        }
    )
    # Half the page wide (about 400 px at 1280): what fails together fits; the providers are in the expander.
    fitted_table(
        cut_sets,
        {"size": 45, "fails together": 335},
        cut_sets,
        "the providers of each set",
        room=HALF_AT_1280,
        height=min(400, 38 + 35 * max(1, len(s.cut_sets))),
    )
    explain(
        "A cut set is a set of dependencies whose failure together takes the service down; a single point of "
        "failure is a cut set of one. Sets are listed up to the configured order.",
        "Exact, from a binary decision diagram of the service's requirements.",
        "minimal-cut-sets",
    )

imp = sorted(s.dependency_importance.items(), key=lambda kv: -kv[1].birnbaum)
st.markdown(
    "**Which dependencies matter most for this service:** "
    + ", ".join(md_escape(dep_names[k].name) for k, _ in imp[:3])
    + " (most first)."
)
analyst = st.expander("For analysts: importance measures of every dependency", expanded=False)
analyst.dataframe(
    pd.DataFrame(
        {
            "dependency": [dep_names[k].name for k, _ in imp],
            "provider": [dep_names[k].provider for k, _ in imp],
            "Birnbaum": [v.birnbaum for _, v in imp],
            "Fussell-Vesely": [v.fussell_vesely for _, v in imp],
            "RAW": [v.risk_achievement_worth for _, v in imp],
            "RRW": [v.risk_reduction_worth for _, v in imp],
        }
    ),
    hide_index=True,
    column_config={
        c: st.column_config.NumberColumn(format="%.3g") for c in ("Birnbaum", "Fussell-Vesely", "RAW", "RRW")
    },
)
with analyst:
    st.caption(
        "Birnbaum: how much the service's availability hangs on the dependency. Fussell-Vesely: the share of "
        "the risk that would go away if it never failed. RAW: how many times the risk grows while it is down. "
        "RRW: how many times the risk shrinks if it never fails (inf: the risk would vanish). Exact, from the "
        "same decision diagram; see the methodology, 'Importance'."
    )

g1, g2 = st.columns(2)
with g1:
    st.plotly_chart(run.remember(("histogram", s.id), lambda: figures.downtime_histogram(s)), key="hist")
    explain(
        "How much downtime the service has in a year, over the simulated years.",
        "Seeded Monte Carlo; outages of shared dependencies hit every service that needs them at once.",
        "simulation",
    )
with g2:
    if s.loss_exceedance:
        st.plotly_chart(
            run.remember(("loss curve", s.id), lambda: figures.loss_exceedance(s.loss_exceedance, currency=a.currency)),
            key="lec",
        )
    else:
        st.info("No hourly cost is set for this service, so there is no loss curve. Add hourly_cost to the catalog.")
    explain(
        "The chance that a year's loss from this service's outages reaches each amount.",
        "Annual downtime x hourly cost, for each simulated year.",
        "simulation",
    )
