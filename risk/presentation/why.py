"""Why a dependency got its outage rate and duration: the matched records with their weights, the prior,
the history span, the duration model and the common causes it shares. Words only: every figure comes from
the Run's statistics."""

from __future__ import annotations

import math

from risk.engine.statistics import history_fit, record_weights
from risk.history.model import provider_product
from risk.presentation.format import hours
from risk.run import Run

__all__ = ["rate_explanation"]


def _prior_name(s) -> str:
    if s.prior_shape == 0.5 and s.prior_rate_years == 0:
        return "Jeffreys (half an event, no pseudo-years), the provider's allowance for outages nobody recorded"
    return f"{s.prior_shape:g} pseudo-events over {s.prior_rate_years:g} pseudo-years (from the settings)"


def rate_explanation(run: Run, dependency_id: str) -> list[str]:
    """Lines a person can read, most important first."""
    st = run.statistics[dependency_id]
    dep = next(d for d in run.catalog.dependencies if d.id == dependency_id)
    s = run.settings
    by_id = {r.id: r for r in run.records}
    lines = [
        f"{dep.name} ({dep.id}): {provider_product(dep.provider, dep.product)}, {dep.capability}"
        + (f", region {dep.region}" if dep.region else "")
    ]
    if st.source == "estimate":
        spread = (
            f", uncertain by an error factor of {s.estimate_error_factor:g} (90% range "
            f"{st.rate_interval[0]:.3g}-{st.rate_interval[1]:.3g})"
            if st.rate_interval
            else " (taken as given)"
        )
        lines.append(f"Rate: {st.annual_outages:.3g} outages a year, the catalog's own estimate{spread}.")
    elif st.source == "default":
        lines.append(
            f"Rate: {st.annual_outages:.3g} a year, the no-data default: no record in the history matches "
            f"{provider_product(dep.provider, dep.product)} ({dep.capability}) and the catalog gives no estimate."
        )
    else:
        n_eff = (st.rate_shape or 0) - s.prior_shape
        recency = s.recency_half_life_years
        exposure = st.rate_years - s.prior_rate_years if st.rate_years else st.history_years
        lines.append(
            f"Rate: ({s.prior_shape:g} prior + {n_eff:.3g} weighted records) / "
            f"({s.prior_rate_years:g} + {exposure:.2f} years of history"
            + (f", weighted by a {recency:g}-year half-life" if recency else "")
            + f") = {st.annual_outages:.3g} a year"
            + (f", 90% range {st.rate_interval[0]:.3g}-{st.rate_interval[1]:.3g}" if st.rate_interval else "")
            + "."
        )
        lines.append(f"Prior: {_prior_name(s)}, Gamma({s.prior_shape:g}, {s.prior_rate_years:g}).")
        weights = record_weights(run.records, s, history_fit(run.records)) if st.record_ids else {}
        for rid in st.record_ids:
            r = by_id.get(rid)
            if r is None:
                continue
            duration = "duration unknown" if r.duration_hours is None else hours(r.duration_hours)
            severity = s.severity_weights[r.severity]
            weight = weights.get(rid, severity)
            how = f"weight {weight:.3g}" + (
                f" = severity {severity:g} x recency {weight / severity:.3g}" if recency and severity else ""
            )
            lines.append(
                f"  {r.start_dt:%Y-%m-%d} {r.id}: {r.severity} ({how}), {duration}, confidence {r.confidence}; "
                f"{r.summary or ''}"
            )
            lines.append(f"    source: {r.source_url or 'none given'}")
        if not st.record_ids:
            lines.append(
                "  No record matches, but the history covers this provider and product: the rate is the "
                "prior spread over the whole history."
            )
    median = math.exp(st.mu)
    lines.append(
        f"Duration: lognormal, median {hours(median)}, mean {hours(st.mean_outage_hours)} (capped at "
        f"{hours(s.max_outage_hours)}), sigma {st.sigma:.2f}"
        + (
            f"; the ranges draw mu and sigma from their posterior ({st.nu:g} degrees of freedom for sigma)."
            if st.nu > 0
            else "."
        )
    )
    for note in st.notes:
        lines.append(f"Note: {note}.")
    for stream in st.shared:
        others = [m for m in stream.members if m != dependency_id]
        if stream.records:
            why = f"records {', '.join(stream.records)}"
        elif stream.key.startswith("prior:"):
            why = (
                f"the provider's prior allowance for unrecorded outages, {s.prior_shape:g} event over the history, "
                "shared by its dependencies"
            )
        else:
            why = f"common-cause share beta = {s.common_cause_beta:g} of identical redundant parts"
        lines.append(f"Fails together with {', '.join(others)} at {stream.rate:.3g} events a year ({why}).")
    lines.append(f"Data quality {st.data_quality}; unavailability {st.unavailability:.2e}.")
    return lines
