"""Why a dependency got its outage rate and duration: the matched records with their weights, the prior,
the history span, the duration model and the common causes it shares. Words only: every figure comes from
the Run's statistics."""

from __future__ import annotations

import math

from risk.presentation.format import hours
from risk.run import Run

__all__ = ["rate_explanation"]


def rate_explanation(run: Run, dependency_id: str) -> list[str]:
    """Lines a person can read, most important first."""
    st = run.statistics[dependency_id]
    dep = next(d for d in run.catalog.dependencies if d.id == dependency_id)
    s = run.settings
    by_id = {r.id: r for r in run.records}
    lines = [
        f"{dep.name} ({dep.id}): {dep.provider} {dep.product}, {dep.capability}"
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
            f"{dep.provider} {dep.product} ({dep.capability}) and the catalog gives no estimate."
        )
    else:
        n_eff = (st.rate_shape or 0) - s.prior_shape
        lines.append(
            f"Rate: ({s.prior_shape:g} prior + {n_eff:.3g} severity-weighted records) / "
            f"({s.prior_rate_years:g} + {st.history_years:.2f} years of history) = {st.annual_outages:.3g} a year"
            + (f", 90% range {st.rate_interval[0]:.3g}-{st.rate_interval[1]:.3g}" if st.rate_interval else "")
            + "."
        )
        for rid in st.record_ids:
            r = by_id.get(rid)
            if r is None:
                continue
            duration = "duration unknown" if r.duration_hours is None else hours(r.duration_hours)
            lines.append(
                f"  {r.start_dt:%Y-%m-%d} {r.id}: {r.severity} (weight {s.severity_weights[r.severity]:g}), "
                f"{duration}; {r.summary or ''}"
            )
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
        why = (
            f"records {', '.join(stream.records)}"
            if stream.records
            else f"common-cause share {s.common_cause_beta:g} of identical parts"
        )
        lines.append(f"Fails together with {', '.join(others)} at {stream.rate:.3g} events a year ({why}).")
    lines.append(f"Data quality {st.data_quality}; unavailability {st.unavailability:.2e}.")
    return lines
