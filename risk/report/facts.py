"""The facts step: what a report says, worked out once from a Run, for every renderer to lay out.

Nothing here computes risk: it selects, orders and words what the assessment, the recommendations and the
scenarios already hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from risk.engine.assessment import DependencyResult, ServiceResult
from risk.history.model import OutageRecord
from risk.presentation.format import chance, effect_text, hours, how_often, money, names_list, pct, tolerance_phrase
from risk.presentation.order import worst_first
from risk.run import Run

__all__ = [
    "Facts",
    "work_out_facts",
    "key_figures",
    "executive_summary",
    "settings_rows",
    "since_rows",
    "since_sentence",
]


@dataclass(frozen=True)
class Facts:
    key_figures: list[tuple[str, str]]
    summary: list[str]
    services: list[ServiceResult]  # worst first
    single_points: list[DependencyResult]  # dependencies that alone take a service down, by provider exposure
    records_used: list[OutageRecord]  # newest first
    settings: list[tuple[str, str]]
    applied_rules: frozenset[str]

    dependency_names: dict[str, str] = field(default_factory=dict)

    def service_names(self, ids: list[str], limit: int | None = None) -> str:
        """Service names for a person to read; past `limit`, the first ones and 'and N more'."""
        names = {s.id: s.name for s in self.services}
        listed = [names.get(i, i) for i in ids]
        return names_list(listed, limit) if limit is not None else ", ".join(listed)

    def dependency_list(self, ids: list[str]) -> str:
        """Dependency names for a person to read ('none' when there are none)."""
        return ", ".join(self.dependency_names.get(i, i) for i in ids) or "none"


def key_figures(run: Run) -> list[tuple[str, str]]:
    a = run.assessment
    h = a.headlines
    return [
        ("Services assessed", f"{h.services} ({h.tier1_services} tier 1)"),
        ("Tier-1 services with a single point of failure", f"{h.tier1_with_single_point} of {h.tier1_services}"),
        ("Dependencies that are single points of failure", str(len(h.single_points_of_failure))),
        ("Services rated extreme or high", str(h.extreme_or_high)),
        ("Expected downtime, all services", f"{h.service_hours_down:,.0f} service-hours a year"),
        ("Expected cost of outages", _cost(h, a.currency)),
        (
            "Single points of failure with the most-used provider",
            f"{pct(a.providers[0].spof_share, 0)} ({a.providers[0].name})" if a.providers else "none",
        ),
        ("Outage history used", f"{a.history['records']} records over {a.history['years']:.1f} years"),
    ]


def _cost(h, currency: str) -> str:
    if h.services_without_cost == h.services:
        return "not set (no service has an hourly cost)"
    text = f"{money(h.expected_annual_cost, currency)} a year"
    if h.services_without_cost:
        n = h.services_without_cost
        text += f" ({n} service{'s' if n != 1 else ''} without an hourly cost not counted)"
    return text


def executive_summary(run: Run) -> list[str]:
    """Four or five short paragraphs a board member can read in a minute."""
    a = run.assessment
    out: list[str] = []
    worst = worst_first(a.services)
    h = a.headlines
    out.append(
        f"We assessed {h.services} services and the {len(a.dependencies)} dependencies they rely on, against "
        f"{a.history['records']} recorded outages of cloud and identity providers. {h.tier1_with_single_point} "
        f"of our {h.tier1_services} tier-1 services can be taken down by a single dependency failing."
    )
    if worst:
        parts = [
            f"{s.name}: {chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval)} a year "
            f"({how_often(s.tolerance_breach_probability)}) of an outage {tolerance_phrase(s)}"
            for s in worst[:3]
        ]
        out.append("The highest risks are outages longer than a service can tolerate. " + "; ".join(parts) + ".")
    if a.providers and a.providers[0].services_exposed:
        p = a.providers[0]
        names = a.names()
        sentence = (
            f"{p.name} is our biggest concentration: one {p.name}-wide failure could take down {p.services_exposed} "
            f"services ({p.tier1_services_exposed} of them tier 1) used by {pct(p.user_share, 0)} of our users."
        )
        if p.single_points_of_failure:
            spofs = [names[d] for d in p.single_points_of_failure]
            sentence += f" Its single point{'s' if len(spofs) > 1 else ''} of failure: {names_list(spofs)}."
        out.append(sentence)
    measured = [r for r in run.recommendations.recommendations if r.effect and r.effect.risk_reduction > 0]
    if measured:
        out.append(
            "What to do first: "
            + " ".join(
                f"({n}) {r.title}: {effect_text(r.effect)}."
                for n, r in enumerate(measured[:3], start=1)
            )
        )
    breaches = [r for r in run.severe if r.result.breaches]
    if breaches:
        worst_case = max(breaches, key=lambda r: len(r.result.breaches))
        out.append(
            f"In the severe-but-plausible tests, {len({r.provider for r in breaches})} of "
            f"{len({r.provider for r in run.severe})} providers' worst outages would push at least one service "
            f"beyond tolerance; the worst is {worst_case.provider} down for "
            f"{hours(worst_case.result.scenario.duration_hours)}, which {len(worst_case.result.breaches)} "
            f"service{'s' if len(worst_case.result.breaches) != 1 else ''} would not withstand."
        )
    return out


def settings_rows(run: Run) -> list[tuple[str, str]]:
    """The settings a reader needs to reproduce the figures, and where each came from."""
    s, source = run.settings, run.settings_sources

    def row(label: str, name: str, value: str) -> tuple[str, str]:
        return label, value + ("" if source[name] == "default" else f" (set in the {source[name]})")

    return [
        row("cut-set order", "cut_set_order", str(s.cut_set_order)),
        row("simulated years", "simulated_years", f"{s.simulated_years:,}"),
        row("seed", "seed", str(s.seed)),
        row("prior (shape, rate years)", "prior_shape", f"{s.prior_shape}, {s.prior_rate_years}"),
        row("severity weights", "severity_weights", ", ".join(f"{k} {v}" for k, v in s.severity_weights.items())),
        row("longest simulated outage", "max_outage_hours", hours(s.max_outage_hours)),
        row("likelihood thresholds", "likelihood_thresholds", ", ".join(f"{x:g}" for x in s.likelihood_thresholds)),
        row("rating bands (moderate, high, extreme from)", "rating_bands", ", ".join(str(x) for x in s.rating_bands)),
        row("rules switched off", "disabled_rules", ", ".join(s.disabled_rules) or "none"),
    ]


def work_out_facts(run: Run) -> Facts:
    a = run.assessment
    rank = {p.name: i for i, p in enumerate(a.providers)}
    single = sorted(
        (d for d in a.dependencies if d.blast_radius.services),
        key=lambda d: (rank.get(d.provider, len(rank)), -len(d.blast_radius.services), d.name.casefold()),
    )
    used = {rid for d in a.dependencies for rid in d.record_ids}
    return Facts(
        key_figures=key_figures(run),
        summary=executive_summary(run),
        services=worst_first(a.services),
        single_points=single,
        records_used=sorted((r for r in run.records if r.id in used), key=lambda r: r.start_dt, reverse=True),
        settings=settings_rows(run),
        applied_rules=frozenset(r.id for r in run.recommendations.recommendations),
        dependency_names=a.names(),
    )


def since_rows(report) -> list[tuple[str, str, str, str]]:
    """(service, rating, beyond tolerance a year, single points of failure) for every service that moved
    since the last kept assessment, for every report format to lay out."""
    if report.since is None:
        return []
    names = report.facts.dependency_names
    rows = []
    for m in report.since[1].services:
        spofs = [f"+{names.get(d, d)}" for d in m.single_points_added] + [
            f"-{names.get(d, d)}" for d in m.single_points_removed
        ]
        rows.append(
            (
                m.name,
                m.rating_after if m.rating_before == m.rating_after else f"{m.rating_before} → {m.rating_after}",
                f"{chance(m.breach_probability_before or 0, m.breach_interval_before)} → "
                f"{chance(m.breach_probability_after or 0, m.breach_interval_after)}",
                ", ".join(spofs) or "no change",
            )
        )
    return rows


def since_sentence(report) -> str:
    """One sentence on what changed since the last kept assessment ('' when there is none)."""
    if report.since is None:
        return ""
    label, d = report.since
    n = len(d.services)
    return (
        f"Since the last assessment ({label}): {n} service{'s' if n != 1 else ''} moved; rated extreme or high "
        f"{d.extreme_or_high_before} → {d.extreme_or_high_after}; single points of failure added "
        f"{len(d.single_points_added)}, removed {len(d.single_points_removed)}."
    )
