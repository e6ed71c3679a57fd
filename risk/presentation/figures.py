"""Plotly figures for the dashboard and the HTML report: one look (presentation.theme), a colour-blind-safe
palette, text labels on every mark. Figures draw what the assessment holds; they compute no risk."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from risk.engine.assessment import Assessment, ServiceResult
from risk.presentation.format import hours
from risk.presentation.order import matrix_counts
from risk.presentation.text import shortened
from risk.presentation.theme import (
    BAND_COLOURS,
    BANDS,
    IMPACT_AXIS,
    IMPACT_LABELS,
    LIKELIHOOD_AXIS,
    LIKELIHOOD_LABELS,
    PALETTE,
    RISK_MATRIX_TITLE,
)

__all__ = ["risk_matrix", "loss_exceedance", "downtime_histogram", "provider_exposure", "outage_timeline"]

_FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=13)


def _template() -> go.layout.Template:
    """plotly_white's layout without its defaults for every trace type (the figures set their own colours):
    a tenth of its size, so building a figure and checking it again for the browser (Streamlit validates
    every chart on every page view) takes half the time."""
    import plotly.io as pio

    return go.layout.Template(layout=pio.templates["plotly_white"].layout)


TEMPLATE = _template()


def _layout(fig: go.Figure, height: int = 380, **kw) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=40, b=10), font=_FONT, template=TEMPLATE, colorway=PALETTE, **kw
    )
    return fig


def risk_matrix(a: Assessment, title: str = RISK_MATRIX_TITLE, compact: bool = False) -> go.Figure:
    """5x5 grid, likelihood up, impact across; each cell coloured by its band (the assessment's own grid)
    and labelled with its number of services. `compact` (two matrices side by side at half a 1280 px page):
    the likelihood levels by number, their words in the axis title, so the cells keep room for their
    labels ("moderate" ran into its neighbours there)."""
    counts = matrix_counts(a.services)
    grid = a.rating_grid

    def label(li: int, i: int) -> str:
        n = counts[li][i]
        name = grid[li][i]
        # The count alone (the title says it counts services), so it fits a cell at 300 services too.
        return f"<span style='font-size:15px'><b>{n}</b></span><br>{name}" if n else name

    text = [[label(li, i) for i in range(5)] for li in range(5)]
    z = [[BANDS.index(grid[li][i]) for i in range(5)] for li in range(5)]
    scale = []
    for n, b in enumerate(BANDS):
        scale += [(n / 4, BAND_COLOURS[b]), ((n + 1) / 4, BAND_COLOURS[b])]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[1, 2, 3, 4, 5],
            y=[1, 2, 3, 4, 5],
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=12, color="#111111"),
            colorscale=scale,
            zmin=0,
            zmax=4,
            showscale=False,
            xgap=3,
            ygap=3,
            customdata=counts,
            hovertemplate="impact %{x}, likelihood %{y}: %{customdata} service(s)<extra></extra>",
        )
    )
    # Number above word, level: at half a 1280 px page the one-line labels were turned on their side and
    # "5 catastrophic" was dropped for want of room.
    fig.update_xaxes(
        title=IMPACT_AXIS,
        tickvals=[1, 2, 3, 4, 5],
        ticktext=[label.replace(" ", "<br>", 1) for label in IMPACT_LABELS],
        tickangle=0,
    )
    if compact:
        levels = f"{LIKELIHOOD_LABELS[0]} to {LIKELIHOOD_LABELS[-1]}"
        fig.update_yaxes(title=f"{LIKELIHOOD_AXIS}<br>({levels})", tickvals=[1, 2, 3, 4, 5], ticktext=list("12345"))
    else:
        fig.update_yaxes(title=LIKELIHOOD_AXIS, tickvals=[1, 2, 3, 4, 5], ticktext=list(LIKELIHOOD_LABELS))
    return _layout(fig, 420, title=title)


def loss_exceedance(points: Sequence, title: str = "Loss exceedance", currency: str = "GBP") -> go.Figure:
    xs = [p.loss for p in points]
    ys = [p.probability for p in points]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            line=dict(color=PALETTE[0], shape="hv"),
            hovertemplate="loss ≥ %{x:,.0f}: %{y:.1%} of years<extra></extra>",
        )
    )
    fig.update_xaxes(title=f"annual loss ({currency})", type="log" if xs and min(xs) > 0 else "linear")
    fig.update_yaxes(title="probability a year's loss is at least this", tickformat=".0%", rangemode="tozero")
    return _layout(fig, 340, title=title)


def downtime_histogram(s: ServiceResult) -> go.Figure:
    bins = s.downtime_histogram
    labels = ["none"] + [f"{hours(b.lower_hours)} to {hours(b.upper_hours)}" for b in bins[1:]]
    fig = go.Figure(
        go.Bar(
            x=list(range(len(bins))),
            y=[b.share for b in bins],
            marker_color=PALETTE[0],
            text=[f"{b.share:.0%}" if b.share >= 0.01 else "" for b in bins],
            textposition="outside",
            # plotly shrinks a label to its bar's width (7 px at half a 1280 px page): one readable size
            # instead, allowed past the plot's top edge for the tallest bar
            textfont=dict(size=11),
            constraintext="none",
            cliponaxis=False,
            customdata=labels,
            hovertemplate="%{customdata}: %{y:.1%} of years<extra></extra>",
        )
    )
    # A readable axis: "none", then every fourth bin labelled with its lower edge, the full range on hover.
    # Not the first bin's: its lower edge (0 min) beside "none" drew the two labels over each other.
    ticks = [0] + list(range(4, len(bins), 4))
    fig.update_xaxes(
        title="downtime in a year",
        tickvals=ticks,
        ticktext=["none"] + [hours(bins[i].lower_hours) for i in ticks[1:]],
    )
    fig.update_yaxes(title="share of simulated years", tickformat=".0%")
    return _layout(fig, 340, title="Annual downtime distribution")


def _label(name: str, limit: int = 28) -> str:
    """An axis label that cannot garble the chart: long names are cut with an ellipsis (full on hover)."""
    return shortened(name, limit)


def provider_exposure(a: Assessment) -> go.Figure:
    provs = [p for p in a.providers if p.services_exposed][:10][::-1]
    fig = go.Figure()
    fig.add_bar(
        y=[_label(p.name) for p in provs],
        x=[p.services_exposed - p.tier1_services_exposed for p in provs],
        orientation="h",
        name="other tiers",
        marker_color=PALETTE[5],
        text=[p.services_exposed - p.tier1_services_exposed or "" for p in provs],
        textposition="inside",
    )
    fig.add_bar(
        y=[_label(p.name) for p in provs],
        x=[p.tier1_services_exposed for p in provs],
        orientation="h",
        name="tier 1",
        marker_color=PALETTE[3],
        text=[p.tier1_services_exposed or "" for p in provs],
        textposition="inside",
    )
    fig.update_layout(barmode="stack", legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"))
    most = max((p.services_exposed for p in provs), default=0)
    fig.update_xaxes(
        title="services it can take down (alone, or with one other failure)",
        dtick=1 if most <= 12 else None,  # a tick per service only while they fit
        tickformat="d",
    )
    return _layout(fig, 60 + 38 * max(3, len(provs)), title="Provider exposure")


def outage_timeline(rows: list[dict]) -> go.Figure:
    fig = go.Figure()
    severities = {"major": PALETTE[3], "partial": PALETTE[1], "degraded": PALETTE[5]}
    for sev, colour in severities.items():
        pts = [r for r in rows if r["severity"] == sev]
        if not pts:
            continue
        fig.add_scatter(
            x=[r["start"] for r in pts],
            y=[r["provider"] for r in pts],
            mode="markers",
            name=sev,
            marker=dict(
                color=colour,
                size=[max(7, min(30, 6 + 3 * (r["hours"] or 1) ** 0.5)) for r in pts],
                line=dict(color="#333", width=0.5),
                symbol="circle",
            ),
            customdata=[[r["id"], r["product"], r["capability"], r["hours_text"], r["summary"]] for r in pts],
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} (%{customdata[2]})<br>"
            "duration %{customdata[3]}<br>%{customdata[4]}<extra></extra>",
        )
    fig.update_yaxes(title="", categoryorder="category descending")
    fig.update_xaxes(title="outage start")
    return _layout(
        fig,
        140 + 26 * len({r["provider"] for r in rows}),
        title="Outage timeline (size: duration)",
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
    )


def trend(points: Sequence) -> go.Figure:
    """Kept assessments over time: services rated extreme or high (bars) and tier-1 services with a single
    point of failure (line). `points` are (when, label, extreme_or_high, tier1_with_spof)."""
    fig = go.Figure()
    fig.add_bar(
        x=[p[0] for p in points],
        y=[p[2] for p in points],
        name="rated extreme or high",
        marker_color=PALETTE[3],
        hovertext=[p[1] for p in points],
        hovertemplate="%{hovertext}: %{y} extreme or high<extra></extra>",
    )
    fig.add_scatter(
        x=[p[0] for p in points],
        y=[p[3] for p in points],
        name="tier-1 with a single point of failure",
        mode="lines+markers",
        line=dict(color=PALETTE[0]),
        hovertext=[p[1] for p in points],
        hovertemplate="%{hovertext}: %{y} tier-1 with a single point of failure<extra></extra>",
    )
    fig.update_yaxes(title="services", rangemode="tozero", tickformat="d")
    fig.update_xaxes(title="assessed on")
    fig.update_layout(legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"))
    return _layout(fig, 300, title="Trend across kept assessments")
