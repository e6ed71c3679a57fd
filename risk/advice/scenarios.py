"""Scenarios: what happens to every service when chosen dependencies are down for a given time.

Three ways to pick what is down: replay a recorded outage (its matched dependencies, its duration), a
custom what-if (dependencies or whole providers, a duration, a start), and the severe-but-plausible set
(per provider, its longest and 90th-percentile recorded outage). Each is evaluated on the catalog's
structure with the same interval algebra as the simulation, so grace periods and workarounds apply.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from risk.catalog.model import Catalog
from risk.engine.simulate import Intervals, at_least, delay
from risk.engine.statistics import DependencyStats, dependency_stats
from risk.engine.structure import Delay, Gate, Node, Structure, Var, compile_catalog
from risk.history.aliases import AliasTable, load_aliases
from risk.history.match import matches
from risk.history.model import OutageRecord, provider_product
from risk.problems import InputError, Location, Problem, did_you_mean
from risk.settings import Settings

__all__ = [
    "Scenario",
    "ScenarioService",
    "ScenarioResult",
    "run_scenario",
    "replay",
    "what_if",
    "severe_but_plausible",
    "SevereScenario",
    "resolve_down",
]


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    down: list[str] = Field(description="Dependency ids that are down.")
    duration_hours: float
    start: str | None = Field(default=None, description="ISO 8601 UTC start, if given.")
    source: str = Field(description="custom, a record id, or severe-but-plausible.")
    title: str = ""
    assumptions: list[str] = Field(default_factory=list)


class ScenarioService(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    tier: int
    down: bool
    downtime_hours: float
    breach: bool
    tolerance_hours: float = Field(description="Impact tolerance plus workaround.")
    users_affected: int
    cost: float
    cost_known: bool = Field(default=True, description="False when the service has no hourly cost set.")


class ScenarioResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: Scenario
    services: list[ScenarioService]

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        """Read back what model_dump wrote: the computed people counts are outputs, recomputed on reading."""
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("people_affected_at_least", "service_users_affected")}
        return data

    @property
    def breaches(self) -> list[ScenarioService]:
        return [s for s in self.services if s.breach]

    @computed_field(
        description="People affected, at least: the users of the largest service that is down. The same staff "
        "use many services, so adding services' users together counts a person once per service."
    )
    @property
    def people_affected_at_least(self) -> int:
        return max((s.users_affected for s in self.services), default=0)

    @computed_field(
        description="Service-users affected: each down service's users added together (a person who uses three "
        "down services counts three times). A measure of disruption, not a head count."
    )
    @property
    def service_users_affected(self) -> int:
        return sum(s.users_affected for s in self.services)


def services_down(structure: Structure, down: set[str], hours: float) -> dict[str, Intervals]:
    """Each service's down intervals when the `down` dependencies fail together over [0, hours): the interval
    algebra of the simulation (grace periods as delays, k-of-n gates), shared by the scenarios and incident
    mode."""
    outage = Intervals(np.array([0.0]), np.array([hours]))
    memo: dict[int, Intervals] = {}

    def evaluate(node: Node) -> Intervals:
        key = id(node)
        if key not in memo:
            if isinstance(node, Var):
                memo[key] = outage if node.name in down else Intervals.empty()
            elif isinstance(node, Delay):
                memo[key] = delay(evaluate(node.child), node.hours)
            elif isinstance(node, Gate):
                memo[key] = (
                    at_least([evaluate(c) for c in node.children], node.k) if node.children else Intervals.empty()
                )
        return memo[key]

    return {sid: evaluate(node) for sid, node in structure.nodes.items()}


def run_scenario(catalog: Catalog, scenario: Scenario, structure: Structure | None = None) -> ScenarioResult:
    """Every service's downtime when the scenario's dependencies go down together at time 0."""
    structure = structure or compile_catalog(catalog)
    intervals = services_down(structure, set(scenario.down), scenario.duration_hours)
    origin = _hours_into_week(scenario.start, catalog.timezone)
    services = []
    for s in catalog.services:
        iv = intervals[s.id]
        durations = iv.durations
        weekly = s.weekly_hours
        if weekly is not None and origin is not None:  # only the part inside the service's hours counts
            durations = weekly.in_hours(iv.starts, iv.ends, origin)
        hours = float(durations.sum())
        tolerance = s.effective_tolerance
        longest = float(durations.max()) if durations.size else 0.0
        services.append(
            ScenarioService(
                id=s.id,
                name=s.name,
                tier=s.tier,
                down=hours > 0,
                downtime_hours=hours,
                breach=longest > tolerance,
                tolerance_hours=tolerance,
                users_affected=(s.users or 0) if hours > 0 else 0,
                cost=hours * (s.hourly_cost or 0.0),
                cost_known=s.hourly_cost is not None,
            )
        )
    return ScenarioResult(scenario=scenario, services=services)


def _hours_into_week(start: str | None, timezone: str) -> float | None:
    """Hours from Monday 00:00 (in the catalog's time zone) to the scenario's start; None without a start."""
    if not start or "T" not in start:  # none, or a date without a time of day: where it fell is unknown
        return None
    from zoneinfo import ZoneInfo

    when = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if not isinstance(when, datetime) or when.tzinfo is None:
        when = datetime.fromisoformat(start[:10]).replace(tzinfo=UTC)
    local = when.astimezone(ZoneInfo(timezone))
    return local.weekday() * 24 + local.hour + local.minute / 60 + local.second / 3600


def _hours_note(catalog: Catalog, start: datetime | str | None) -> list[str]:
    if start is None and any(s.hours for s in catalog.services):
        return [
            "no start time given: services with service hours are counted as if the whole outage fell in their "
            "hours (give a start to count only their hours)"
        ]
    return []


def resolve_down(catalog: Catalog, items: Sequence[str], aliases: AliasTable | None = None) -> list[str]:
    """Dependency ids from ids or 'provider:NAME' (every dependency of that provider); InputError if unknown."""
    table = aliases or load_aliases()
    basic = {d.id: d for d in catalog.dependencies if not d.is_logical}
    logical = {d.id: d for d in catalog.dependencies if d.is_logical}
    out: list[str] = []
    problems = []
    for raw in items:
        item = raw.strip()
        if item.lower().startswith("provider:"):
            name = table.provider(item.split(":", 1)[1])
            hits = [d for d in basic.values() if d.provider and table.provider(d.provider) == name]
            if not hits:
                providers = sorted({d.provider for d in basic.values() if d.provider})
                guess = did_you_mean(item.split(":", 1)[1], providers)
                problems.append(
                    Problem(
                        f"no dependency of provider '{item.split(':', 1)[1]}'" + (f"; {guess}" if guess else ""),
                        Location("down"),
                        f"providers in this catalog: {', '.join(providers)}",
                    )
                )
            out += [d.id for d in hits]
        elif item in basic:
            out.append(item)
        elif item in logical:
            problems.append(
                Problem(
                    f"'{item}' is a logical group, which cannot fail on its own",
                    Location("down"),
                    "name the dependencies in the group instead",
                )
            )
        else:
            guess = did_you_mean(item, list(basic))
            problems.append(
                Problem(
                    f"unknown dependency '{item}'" + (f"; {guess}" if guess else ""),
                    Location("down"),
                    "use a dependency id, or provider:NAME",
                )
            )
    if problems:
        raise InputError(problems)
    return list(dict.fromkeys(out))


def what_if(
    catalog: Catalog,
    items: Sequence[str],
    hours: float,
    start: datetime | None = None,
    aliases: AliasTable | None = None,
    structure: Structure | None = None,
) -> ScenarioResult:
    down = resolve_down(catalog, items, aliases)
    title = f"{', '.join(items)} down for {hours:g} h"
    return run_scenario(
        catalog,
        Scenario(
            down=down,
            duration_hours=hours,
            start=_iso(start),
            source="custom",
            title=title,
            assumptions=_hours_note(catalog, start),
        ),
        structure,
    )


def replay(
    catalog: Catalog,
    record: OutageRecord,
    hours: float | None = None,
    aliases: AliasTable | None = None,
    history: Sequence[OutageRecord] | None = None,
    structure: Structure | None = None,
) -> ScenarioResult:
    """A recorded outage against this catalog: the dependencies it matches, for its recorded duration."""
    table = aliases or load_aliases()
    down = [d.id for d in catalog.dependencies if matches(record, d, table)]
    assumptions = []
    duration = hours if hours is not None else record.duration_hours
    if duration is None and record.reported_minutes is not None:
        duration = record.reported_minutes / 60
        assumptions.append(
            f"the provider gives no start and end; replayed for the {duration:g} h others reported (disputed; "
            "give a duration to change it)"
        )
    if duration is None:
        known = [
            r.duration_hours
            for r in (history or [])
            if r.duration_hours and table.provider(r.provider) == table.provider(record.provider)
        ]
        duration = float(np.median(known)) if known else 4.0
        assumptions.append(
            f"the record gives no duration; {duration:.1f} h assumed, the median of "
            + (f"{len(known)} recorded {record.provider} outages" if known else "nothing: no recorded outage")
            + " (give a duration to change it)"
        )
    if not down:
        assumptions.append("no dependency in this catalog matches the record, so nothing goes down")
    if not isinstance(record.start, datetime) and any(s.hours for s in catalog.services):
        assumptions.append(
            "the record gives a date but no time: services with service hours are counted as if the whole "
            "outage fell in their hours"
        )
    start = _iso(record.start_dt) if isinstance(record.start, datetime) else record.start_dt.date().isoformat()
    title = (
        f"Replay of {record.id}: {provider_product(record.provider, record.product)} ({'; '.join(record.capability)})"
    )
    return run_scenario(
        catalog,
        Scenario(
            down=down,
            duration_hours=duration,
            start=start,
            source=record.id,
            title=title,
            assumptions=assumptions,
        ),
        structure,
    )


#: The two severe-but-plausible durations per provider: its longest and its 90th-percentile outage.
SevereKind = Literal["longest", "p90"]


class SevereScenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: str
    kind: SevereKind = Field(description="longest | p90")
    result: ScenarioResult
    records: int

    @property
    def within_tolerance(self) -> list[str]:
        return [s.id for s in self.result.services if not s.breach]


def severe_but_plausible(
    catalog: Catalog,
    records: Sequence[OutageRecord],
    settings: Settings,
    aliases: AliasTable | None = None,
    stats: dict[str, DependencyStats] | None = None,
    structure: Structure | None = None,
) -> list[SevereScenario]:
    """Per provider in the catalog, every one of its dependencies down together for (a) its longest and
    (b) its 90th-percentile recorded outage. A provider without recorded outages gets the same two points
    of its dependencies' fitted duration model instead (the 99th and 90th percentiles), so every provider
    is tested."""
    table = aliases or load_aliases()
    stats = stats if stats is not None else dependency_stats(catalog, records, settings, table)
    provider_of = {d.id: d.provider for d in catalog.dependencies if not d.is_logical and d.provider}
    names: dict[str, str] = {}
    for provider in provider_of.values():
        names.setdefault(table.provider(provider), provider)
    out: list[SevereScenario] = []
    for key, name in sorted(names.items(), key=lambda kv: kv[1].lower()):
        down = [dep_id for dep_id, provider in provider_of.items() if table.provider(provider) == key]
        # The provider's full outages set the severity: a long, narrow degradation (one feature, some users)
        # is not a plausible provider-wide outage. Major records first, then partial ones, then any.
        own = [(r, length) for r in records if (length := r.duration_hours) and table.provider(r.provider) == key]
        kinds = next(
            (k for k in (("major",), ("major", "partial")) if any(r.severity in k for r, _ in own)),
            ("major", "partial", "degraded"),
        )
        durations = [length for r, length in own if r.severity in kinds]
        points: tuple[tuple[SevereKind, float], ...]
        if durations:
            points = (("longest", max(durations)), ("p90", float(np.quantile(durations, 0.9))))
            basis = f"{len(durations)} recorded {' or '.join(kinds)} {name} outage(s) with a known duration"
        else:
            worst = max(down, key=lambda x: stats[x].mu + 2.326 * stats[x].sigma)
            mu, sigma = stats[worst].mu, stats[worst].sigma
            points = (
                ("longest", min(math.exp(mu + 2.326 * sigma), settings.max_outage_hours)),
                ("p90", min(math.exp(mu + 1.2816 * sigma), settings.max_outage_hours)),
            )
            basis = (
                f"no recorded {name} outage with a known duration: the 99th and 90th percentiles of "
                f"{worst}'s duration model "
                f"({stats[worst].source})"
            )
        for kind, hours in points:
            scenario = Scenario(
                down=down,
                duration_hours=round(hours, 3),
                source="severe-but-plausible",
                title=f"All {name} dependencies down for {hours:.1f} h ({'longest' if kind == 'longest' else '90th percentile'})",
                assumptions=[basis, *_hours_note(catalog, None)],
            )
            out.append(
                SevereScenario(
                    provider=name, kind=kind, result=run_scenario(catalog, scenario, structure), records=len(durations)
                )
            )
    return out


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
