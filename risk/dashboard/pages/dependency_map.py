"""Dependency map: services, dependencies and providers; pick a dependency to see its blast radius."""

import plotly.graph_objects as go
import streamlit as st

from risk.dashboard import state
from risk.dashboard.widgets import capped, explain, header, md_escape, selected_points, sidebar
from risk.presentation.figures import TEMPLATE
from risk.presentation.format import people_phrase, prob
from risk.presentation.graph import layered_graph, provider_reliance
from risk.presentation.order import worst_first
from risk.presentation.text import shortened
from risk.presentation.theme import PALETTE
from risk.presentation.why import rate_explanation


def add_edges(fig: go.Figure, segments: list[tuple[float, float, float, float, bool]]) -> None:
    """Lines (x0, y0, x1, y1, hot): grey ones first, then the red ones (what goes down) on top."""
    for hot in (False, True):
        xs, ys = [], []
        for x0, y0, x1, y1, is_hot in segments:
            if is_hot == hot:
                xs += [x0, x1, None]
                ys += [y0, y1, None]
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            hoverinfo="skip",
            showlegend=False,
            line=dict(color=PALETTE[3] if hot else "#d0d0d0", width=2.2 if hot else 0.8),
        )


cur = sidebar()
run = state.run(cur)
a = state.assessment(run)
header("Dependency map", "What goes down, and for how many people, when one dependency fails?")

nodes, edges = run.remember(("layered graph",), lambda: layered_graph(cur.catalog))
LARGE = 80  # nodes: above this the full map is unreadable, so it opens by provider
MAP_ROWS = 40  # services drawn in the provider map at most
view = st.radio(
    "Show",
    ["by provider", "every dependency"],
    index=0 if len(nodes) > LARGE else 1,
    horizontal=True,
    key="map_view",
    help="By provider: one node per provider, linked to every service that relies on it. Every dependency: "
    "the full map of providers, dependencies, groups and services.",
)
if view == "by provider":
    reliance = provider_reliance(cur.catalog)
    provs = [p for p in a.providers if p.name in reliance] or a.providers
    by_name = {p.name: p for p in provs}
    pick = st.selectbox(
        "Provider",
        [p.name for p in provs],
        format_func=lambda n: f"{n}: {by_name[n].services_exposed} services exposed",
        key="map_provider",
    )
    exposed = set(by_name[pick].exposed_services)
    relied = reliance.get(pick, set())
    down = worst_first([a.service(x) for x in by_name[pick].exposed_services])
    st.markdown(
        f"**{md_escape(pick)}**: {len(relied)} services rely on it; **{len(exposed)}** of them go down when it "
        "fails (a single point of failure or a pair of its dependencies)" + (", worst first:" if down else ".")
    )
    listed = capped(down, "map_down_all")
    if listed:
        st.markdown(", ".join(md_escape(s.name) for s in listed) + ("." if len(listed) == len(down) else ", …"))
    svc = worst_first(a.services)
    if len(svc) > MAP_ROWS:  # too many to draw legibly: those relying on this provider, the ones it downs first
        svc = sorted(worst_first([s for s in svc if s.id in relied]), key=lambda s: s.id not in exposed)[:MAP_ROWS]
        st.caption(
            f"The map shows {len(svc)} of the {len(relied)} services that rely on {md_escape(pick)}: those it takes "
            "down first, worst first. The Services page lists every service."
        )
    prov_y = {p.name: 1 - (i + 0.5) / len(provs) for i, p in enumerate(provs)}
    svc_y = {s.id: 1 - (i + 0.5) / len(svc) for i, s in enumerate(svc)}
    figure = go.Figure()
    add_edges(
        figure,
        [
            (0, prov_y[provider], 1, svc_y[sid], provider == pick and sid in exposed)
            for provider, sids in reliance.items()
            if provider in prov_y
            for sid in sids
            if sid in svc_y
        ],
    )
    figure.add_scatter(
        x=[0] * len(provs),
        y=[prov_y[p.name] for p in provs],
        mode="markers+text",
        name="provider",
        marker=dict(symbol="square", size=[18 if p.name == pick else 12 for p in provs], color=PALETTE[7]),
        text=[p.name[:28] for p in provs],
        textposition="middle left",
        hovertext=[p.name for p in provs],
        hovertemplate="%{hovertext}<extra>provider</extra>",
    )
    figure.add_scatter(
        x=[1] * len(svc),
        y=[svc_y[s.id] for s in svc],
        mode="markers+text",
        name="service",
        marker=dict(size=10, color=[PALETTE[3] if s.id in exposed else PALETTE[0] for s in svc]),
        text=[("DOWN: " if s.id in exposed else "") + s.name[:36] for s in svc],
        textposition="middle right",
        hovertext=[s.name for s in svc],
        hovertemplate="%{hovertext}<extra>service</extra>",
    )
    figure.update_xaxes(visible=False, range=[-0.9, 2.2])
    figure.update_yaxes(visible=False, range=[-0.01, 1.01])
    figure.update_layout(
        height=min(4000, max(420, 22 * max(len(svc), len(provs)) + 80)),
        margin=dict(l=10, r=10, t=40, b=10),
        template="plotly_white",
        showlegend=False,
        title="providers  →  services (red: goes down)",
    )
    st.plotly_chart(figure, key="provider_map")
    explain(
        "Each line joins a provider to a service that relies on it somewhere in its requirements. Red: the "
        "services this provider's failure takes down on its own.",
        "From each service's minimal cut sets of size 1 and 2 whose dependencies all belong to the provider.",
        "provider-concentration",
    )
    st.stop()

deps = sorted(a.dependencies, key=lambda d: -d.importance.birnbaum)
names = {d.id: d.name for d in deps}
picked_id = st.session_state.get("map_pick")
options = [d.id for d in deps]
chosen = st.selectbox(
    "Dependency",
    options,
    index=options.index(picked_id) if picked_id in options else 0,
    format_func=lambda i: f"{names[i]} ({i})",
    key="map_dependency",
)
d = a.dependency(chosen)
victims = set(d.blast_radius.services)
st.markdown(
    f"If **{md_escape(d.name)}** fails on its own, **{len(victims)} service{'s' if len(victims) != 1 else ''}** "
    f"go down, affecting **{people_phrase(d.blast_radius.people_at_least, d.blast_radius.users)}**: "
    + (
        ", ".join(md_escape(a.service(v).name) for v in d.blast_radius.services)
        or "none (every service has an alternative)"
    )
    + "."
)

X = {0: 0.0, 1: 1.35, 2: 2.45, 3: 3.2}  # column positions, leaving room for labels
importance = {x.id: x.importance.birnbaum for x in a.dependencies}
top = max(importance.values()) or 1.0
chosen_key = f"dependency:{chosen}"
downstream = {chosen_key}
for _ in range(len(nodes)):
    grown = downstream | {b for a_key, b in edges if a_key in downstream}
    if grown == downstream:
        break
    downstream = grown


def _map() -> go.Figure:
    """The map with `chosen` and what goes down with it (drawn once per Run and choice)."""
    fig = go.Figure()
    add_edges(
        fig,
        [(X[nodes[p].x], nodes[p].y, X[nodes[q].x], nodes[q].y, p in downstream and q in downstream) for p, q in edges],
    )
    kinds = {
        "provider": ("square", PALETTE[7], "middle left"),
        "logical": ("diamond", PALETTE[4], "top center"),
        "service": ("circle", PALETTE[0], "middle right"),
    }
    for kind, (symbol, colour, position) in kinds.items():
        pts = [n for n in nodes.values() if n.kind == kind]
        down = [kind == "service" and n.id in victims for n in pts]
        fig.add_scatter(
            x=[X[n.x] for n in pts],
            y=[n.y for n in pts],
            mode="markers+text",
            name=kind,
            marker=dict(
                symbol=symbol,
                size=[16 if d else 12 for d in down],
                color=[PALETTE[3] if d else colour for d in down],
                line=dict(color="#333", width=0.6),
            ),
            text=[("DOWN: " if d else "") + shortened(n.label, 36) for n, d in zip(pts, down, strict=True)],
            textposition=position,
            textfont=dict(size=11),
            hovertext=[n.label for n in pts],
            hovertemplate="%{hovertext}<extra>" + kind + "</extra>",
        )
    pts = [n for n in nodes.values() if n.kind == "dependency"]
    fig.add_scatter(
        x=[X[n.x] for n in pts],
        y=[n.y for n in pts],
        mode="markers+text",
        name="dependency (colour: importance)",
        marker=dict(
            size=[20 if n.id == chosen else 13 for n in pts],
            color=[importance.get(n.id, 0) / top for n in pts],
            colorscale="Cividis",
            cmin=0,
            cmax=1,
            showscale=True,
            colorbar=dict(title="importance", x=-0.02, xanchor="right", len=0.5, thickness=12),
            line=dict(
                color=[PALETTE[3] if n.id == chosen else "#333" for n in pts],
                width=[3 if n.id == chosen else 0.6 for n in pts],
            ),
        ),
        text=[n.id for n in pts],
        textposition="middle right",
        textfont=dict(size=10),
        customdata=[n.id for n in pts],
        hovertext=[n.label for n in pts],
        hovertemplate="%{hovertext}<br>importance %{marker.color:.2f} of the highest<extra></extra>",
    )
    tallest = max(sum(1 for n in nodes.values() if n.x == c) for c in (0, 1, 2, 3))
    fig.update_xaxes(
        visible=False, range=[-0.9, 5.1]
    )  # room for a provider's label on the left and a service's on the right
    fig.update_yaxes(visible=False, range=[-0.02, 1.02])
    fig.update_layout(
        height=max(520, 30 * tallest + 80),
        margin=dict(l=60, r=10, t=80, b=10),
        template=TEMPLATE,
        # the legend just above the plot, the title above it at the top (they were drawn over each other)
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, xanchor="left"),
        font=dict(size=12),
        title=dict(text="providers  →  dependencies  →  groups  →  services (red: goes down)", y=0.995, yanchor="top"),
    )
    return fig


fig = run.remember(("dependency map", chosen), _map)
event = st.plotly_chart(fig, key="map", on_select="rerun", selection_mode="points")
points = selected_points(event)
if points:
    clicked = points[0].get("customdata")
    if isinstance(clicked, str) and clicked in options and clicked != chosen:
        st.session_state["map_pick"] = clicked
        st.session_state.pop("map_dependency", None)
        st.rerun()
explain(
    "Each dependency's colour shows how much the organisation's availability hangs on it (user-weighted "
    "Birnbaum importance, relative to the most important). Choosing one highlights the services that go "
    "down when it alone fails.",
    f"Blast radius: the services for which this dependency is a single point of failure. {md_escape(d.name)}: "
    f"{d.annual_outages:.2f} outages a year, unavailability {prob(d.unavailability)}, source {d.source}.",
    "blast-radius",
)

with st.expander(f"Why {md_escape(d.name)} has this outage rate", expanded=False):
    st.markdown("  \n".join(md_escape(line) for line in rate_explanation(run, d.id)))
