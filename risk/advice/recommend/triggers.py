"""Trigger checks, named in rules.yaml. Each returns (applies, services affected or None, detail).

`services` None means the check says nothing about which services (a control check); a rule applies when
every check applies, and affects the services all service-naming checks agree on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from risk.advice.recommend.context import Context

__all__ = ["CHECKS", "Outcome"]

Outcome = tuple[bool, set[str] | None, str]
CHECKS: dict[str, Callable[..., Outcome]] = {}


def check(fn: Callable[..., Outcome]) -> Callable[..., Outcome]:
    CHECKS[fn.__name__] = fn
    return fn


@check
def uses(ctx: Context, select: dict[str, Any], max_tier: int = 4) -> Outcome:
    """Services (up to a tier) that rely anywhere on a selected dependency."""
    deps = set(ctx.select(select))
    services = {s.id for s in ctx.catalog.services if s.tier <= max_tier and ctx.relies_on(s.id) & deps}
    return (
        bool(services),
        services,
        f"{len(services)} service{' relies' if len(services) == 1 else 's rely'} on {ctx.names(sorted(deps))}"
        if deps
        else "no matching dependency",
    )


@check
def exposed(ctx: Context, select: dict[str, Any], max_order: int = 1, max_tier: int = 4) -> Outcome:
    """Services (up to a tier) with a minimal cut set of at most max_order that contains a selected dependency."""
    deps = set(ctx.select(select))
    services: set[str] = set()
    hit: set[str] = set()  # the selected dependencies really in such a cut set (not every selected one)
    for s in ctx.assessment.services:
        if s.tier > max_tier:
            continue
        for c in s.cut_sets:
            if len(c) <= max_order and deps & set(c):
                services.add(s.id)
                hit |= deps & set(c)
    ordered = [d for d in ctx.select(select) if d in hit]
    many = len(ordered) > 1
    what = (
        f"{'are single points' if many else 'is a single point'} of failure"
        if max_order == 1
        else f"{'are' if many else 'is'} in a set of {max_order} or fewer failures that takes a service down"
    )
    plural = "s" if len(services) != 1 else ""
    where = (
        f"for {len(services)} tier-1 service{plural}"
        if max_tier == 1
        else f"for {len(services)} service{plural} of tier 1 to {max_tier}"
    )
    return bool(services), services, f"{ctx.names(ordered)} {what} {where}"


@check
def control(
    ctx: Context,
    field: str,
    below: float | None = None,
    above: float | None = None,
    is_not: Any = "__unset__",
    not_in: list | None = None,
    **kw: Any,
) -> Outcome:
    """A control not in place. Unknown (absent) values count as not in place, except for `is`."""
    value = getattr(ctx.controls, field)
    if "is" in kw:
        applies = value == kw["is"]
    elif below is not None:
        applies = value is None or value < below
    elif above is not None:
        applies = value is None or value > above
    elif is_not != "__unset__":
        applies = value != is_not
    elif not_in is not None:
        applies = value not in not_in
    else:
        raise ValueError(f"control check on {field} needs below, above, is, is_not or not_in")
    shown = (
        "not recorded"
        if value is None
        else "yes"
        if value is True
        else "no"
        if value is False
        else f"{value:g}"
        if isinstance(value, float)
        else str(value)
    )
    return applies, None, f"{field.replace('_', ' ')}: {shown} (controls.{field})"


@check
def provider_unmonitored(ctx: Context, provider: str | None = None, max_tier: int = 4) -> Outcome:
    """Services relying on a provider whose status feed nobody monitors."""
    monitored = {ctx.aliases.provider(p) for p in ctx.controls.status_feeds_monitored}
    providers = {d.provider for d in ctx.catalog.dependencies if d.provider and not d.is_logical}
    if provider:
        providers = {p for p in providers if ctx.aliases.provider(p) == ctx.aliases.provider(provider)}
    unwatched = {p for p in providers if ctx.aliases.provider(p) not in monitored}
    deps = {d.id for d in ctx.catalog.dependencies if d.provider in unwatched}
    services = {s.id for s in ctx.catalog.services if s.tier <= max_tier and ctx.relies_on(s.id) & deps}
    return bool(services), services, f"status feeds not monitored: {', '.join(sorted(unwatched))}"


@check
def services_without_workaround(ctx: Context, max_tier: int = 2) -> Outcome:
    services = {s.id for s in ctx.catalog.services if s.tier <= max_tier and s.workaround is None}
    return bool(services), services, "no workaround recorded"


@check
def provider_fact(ctx: Context, field: str, max_tier: int = 2, is_not: Any = "__unset__", **kw: Any) -> Outcome:
    """Providers exposing critical services whose recorded fact (exit_plan, substitutability) falls short."""
    facts = {p.name.lower(): p for p in ctx.catalog.providers}
    failing, services = [], set()
    for prov in ctx.assessment.providers:
        exposed_here = {s for s in prov.exposed_services if ctx.tier(s) <= max_tier}
        if not exposed_here:
            continue
        fact = facts.get(prov.name.lower())
        value = getattr(fact, field) if fact else None
        bad = value == kw["is"] if "is" in kw else value != is_not
        if bad:
            failing.append(prov.name)
            services |= exposed_here
    return bool(failing), services, f"{field} not recorded as in place for {', '.join(failing)}"


@check
def concentration(ctx: Context, hhi_above: float, tier1_services: int = 1) -> Outcome:
    top = ctx.assessment.providers[0] if ctx.assessment.providers else None
    hhi = ctx.assessment.concentration.hhi
    applies = top is not None and hhi > hhi_above and top.tier1_services_exposed >= tier1_services
    return (
        applies,
        set(top.exposed_services) if top else set(),
        (f"HHI {hhi:.2f}; {top.name} exposes {top.services_exposed} services" if top else "no providers"),
    )


@check
def breach_above(ctx: Context, probability: float, max_tier: int = 4) -> Outcome:
    services = {
        s.id for s in ctx.assessment.services if s.tier <= max_tier and s.tolerance_breach_probability > probability
    }
    return bool(services), services, f"chance of an outage beyond tolerance above {probability:.0%} a year"


@check
def sla_budget_exceeds_tolerance(ctx: Context) -> Outcome:
    """Services whose single points of failure include a provider whose SLA allows more monthly downtime
    than the service can bear (its impact tolerance plus what its workaround buys)."""
    budgets = {p.name.lower(): (1 - p.sla / 100) * 730 for p in ctx.catalog.providers if p.sla is not None}
    providers_of = {d.id: (d.provider or "").lower() for d in ctx.catalog.dependencies}
    providers_of |= {c.id: c.provider.lower() for c in ctx.assessment.common_causes}
    services, names = set(), set()
    for s in ctx.assessment.services:
        for dep in s.single_points_of_failure:
            budget = budgets.get(providers_of[dep])
            if budget is not None and budget > s.effective_tolerance_hours:
                services.add(s.id)
                names.add(providers_of[dep])
    return bool(services), services, f"monthly SLA downtime allowance exceeds tolerance ({', '.join(sorted(names))})"


@check
def history_cause(ctx: Context, cause: str) -> Outcome:
    """Services relying on dependencies whose matched outage records have this cause."""
    by_id = {r.id: r for r in ctx.records}
    deps = {
        d.id
        for d in ctx.assessment.dependencies
        if any((by_id[r].cause or "").lower() == cause.lower() for r in d.record_ids if r in by_id)
    }
    services = {s.id for s in ctx.catalog.services if ctx.relies_on(s.id) & deps}
    return bool(services), services, f"recorded '{cause}' outages of {', '.join(sorted(deps))}"
