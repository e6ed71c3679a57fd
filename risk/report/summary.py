"""The executive summary in plain English, written from the report's own figures."""

from __future__ import annotations

from risk.report.model import Report
from risk.views.format import hours, one_in, pct

__all__ = ["executive_summary", "key_figures"]


def key_figures(report: Report) -> list[tuple[str, str]]:
    a = report.assessment
    tier1 = [s for s in a.services if s.tier == 1]
    spof_deps = {d for s in a.services for d in s.single_points_of_failure}
    return [
        ("Services assessed", f"{len(a.services)} ({len(tier1)} tier 1)"),
        (
            "Tier-1 services with a single point of failure",
            f"{sum(bool(s.single_points_of_failure) for s in tier1)} of {len(tier1)}",
        ),
        ("Dependencies that are single points of failure", str(len(spof_deps))),
        ("Services rated extreme or high", str(sum(s.rating in ("extreme", "high") for s in a.services))),
        (
            "Expected downtime, all services",
            f"{sum(s.expected_annual_downtime_hours for s in a.services):,.0f} service-hours a year",
        ),
        ("Expected cost of outages", f"{sum(s.expected_annual_cost for s in a.services):,.0f} a year"),
        ("Provider concentration (HHI)", f"{a.concentration.hhi:.2f}"),
        ("Outage history used", f"{a.history['records']} records over {a.history['years']:.1f} years"),
    ]


def executive_summary(report: Report) -> list[str]:
    """Four or five short paragraphs a board member can read in a minute."""
    a = report.assessment
    out: list[str] = []
    worst = sorted(a.services, key=lambda s: (-s.score, -s.tolerance_breach_probability))
    tier1 = [s for s in a.services if s.tier == 1]
    exposed_t1 = [s for s in tier1 if s.single_points_of_failure]
    out.append(
        f"We assessed {len(a.services)} services and the {len(a.dependencies)} dependencies they rely on, against "
        f"{a.history['records']} recorded outages of cloud and identity providers. {len(exposed_t1)} of our "
        f"{len(tier1)} tier-1 services can be taken down by a single dependency failing."
    )
    if worst:
        top = worst[:3]
        parts = [
            f"{s.name} ({pct(s.tolerance_breach_probability, 0)} a year, about {one_in(s.tolerance_breach_probability)}; "
            f"tolerance {hours(s.impact_tolerance_hours)})"
            for s in top
        ]
        out.append("The highest risks are outages longer than the service can tolerate for " + "; ".join(parts) + ".")
    if a.providers and a.providers[0].services_exposed:
        p = a.providers[0]
        out.append(
            f"{p.name} is our biggest concentration: one {p.name}-wide failure could take down {p.services_exposed} "
            f"services ({p.tier1_services_exposed} of them tier 1) used by {pct(p.user_share, 0)} of our users. "
            f"Its single points of failure are "
            + ", ".join(
                sorted(
                    {
                        d
                        for s in a.services
                        for d in s.single_points_of_failure
                        if any(x.id == d and x.provider == p.name for x in a.dependencies)
                    }
                )
            )
            + "."
        )
    measured = [r for r in report.recommendations.recommendations if r.effect and r.effect.risk_reduction > 0]
    if measured:
        firsts = measured[:3]
        out.append(
            "What to do first: "
            + " ".join(
                f"({n}) {r.title} — cuts the risk index by {r.effect.risk_reduction / r.effect.risk_index_before:.0%}."
                for n, r in enumerate(firsts, start=1)
            )
        )
    breaches = [r for r in report.severe if r.result.breaches]
    if breaches:
        worst_case = max(breaches, key=lambda r: len(r.result.breaches))
        out.append(
            f"In the severe-but-plausible tests, {len({r.provider for r in breaches})} of "
            f"{len({r.provider for r in report.severe})} providers' worst outages would push at least one service "
            f"beyond tolerance; the worst is {worst_case.provider} down for "
            f"{hours(worst_case.result.scenario.duration_hours)}, which {len(worst_case.result.breaches)} services "
            "would not withstand."
        )
    return out
