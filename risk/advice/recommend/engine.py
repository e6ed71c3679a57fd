"""Evaluate the rules, measure each triggered rule's effect by re-assessing, rank by risk reduction.

Risk index (docs/methodology.md, "Recommendations"): R = sum over services of impact x P(outage beyond
tolerance in a year), the expected number of impact-weighted tolerance breaches a year. A recommendation's
risk reduction is R before minus R after, with the same seed, so both runs share their random draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from risk.advice.recommend.context import Context
from risk.advice.recommend.rules import Rule, load_rules
from risk.advice.recommend.transforms import TRANSFORMS, describe
from risk.advice.recommend.triggers import CHECKS
from risk.catalog.load import catalog_from_dict
from risk.catalog.model import Catalog
from risk.engine.assess import assess
from risk.engine.assessment import Assessment
from risk.engine.structure import Structure
from risk.engine.uncertainty import block_moments, saving_interval
from risk.history.aliases import AliasTable, load_aliases
from risk.history.model import OutageRecord
from risk.settings import Settings

__all__ = [
    "ServiceChange",
    "Effect",
    "Recommendation",
    "RecommendationReport",
    "recommend",
    "combined_effect",
    "default_combination",
    "risk_index",
]


class ServiceChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    breach_probability_before: float
    breach_probability_after: float
    breach_probability_interval_before: list[float] = Field(default_factory=list, description="[5th, 95th].")
    breach_probability_interval_after: list[float] = Field(default_factory=list, description="[5th, 95th].")
    downtime_hours_before: float
    downtime_hours_after: float
    score_before: int
    score_after: int
    rating_before: str
    rating_after: str
    single_points_of_failure_removed: list[str]


class Effect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    risk_index_before: float
    risk_index_after: float
    risk_reduction: float = Field(description="Risk index before minus after (impact-weighted breaches a year).")
    downtime_hours_saved: float = Field(description="Expected service-hours of downtime saved a year.")
    cost_saved: float = Field(
        description="Expected cost of downtime saved a year (services with an hourly cost), in `currency`."
    )
    cost_saved_interval: list[float] | None = Field(
        default=None,
        description="[5th, 95th] of cost_saved over the parameter uncertainty (docs/methodology.md, "
        '"Range of a saving"); None when no service has an hourly cost.',
    )
    downtime_hours_saved_interval: list[float] | None = Field(
        default=None, description="[5th, 95th] of downtime_hours_saved over the parameter uncertainty."
    )
    currency: str = Field(default="GBP", description="ISO 4217 code of cost_saved (the catalog's currency).")
    priced: bool = Field(default=True, description="False when no service has an hourly cost: no money to show.")
    services: list[ServiceChange] = Field(description="Every service whose figures changed.")

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        """Read back what model_dump wrote (the workspace keeps results as JSON): risk_cut is recomputed.
        Without this every kept RecommendationReport failed to load and was measured again."""
        if isinstance(data, dict) and "risk_cut" in data:
            data = {k: v for k, v in data.items() if k != "risk_cut"}
        return data

    @computed_field(description="Share of the risk index it removes (0 to 1; negative if it adds risk).")
    @property
    def risk_cut(self) -> float:
        return self.risk_reduction / self.risk_index_before if self.risk_index_before else 0.0


class Recommendation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    rationale: str
    action: str
    effort: str
    source_url: str
    services: list[str] = Field(description="Services the trigger found (ids).")
    trigger: str = Field(description="Why the rule applies here.")
    controls: dict[str, list[str]] = Field(
        default_factory=dict,
        description="The framework controls it serves: nist-csf-2.0, dora, iso-27001-2022, nhs-dspt -> ids.",
    )
    change: str = Field(default="", description="What the measured transformation changes in the catalog.")
    effect: Effect | None = None
    unquantified_reason: str | None = None


class RecommendationReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: str
    risk_index: float
    rules_evaluated: int
    rules_disabled: list[str]
    recommendations: list[Recommendation]

    def get(self, rule_id: str) -> Recommendation:
        return next(r for r in self.recommendations if r.id == rule_id)


def risk_index(a: Assessment) -> float:
    return sum(s.impact * s.tolerance_breach_probability for s in a.services)


def _document(catalog: Catalog) -> dict:
    return catalog.model_dump(mode="json", exclude_none=True)


def _evaluate(rule: Rule, ctx: Context) -> tuple[bool, set[str], str]:
    services: set[str] | None = None
    details = []
    for condition in rule.trigger:
        name, params = next(iter(condition.items()))
        applies, found, detail = CHECKS[name](ctx, **params)
        if not applies:
            return False, set(), ""
        details.append(detail)
        if found is not None:
            services = found if services is None else services & found
    if services is not None and not services:
        return False, set(), ""
    return True, services or set(), "; ".join(details)


def _apply(rule: Rule, ctx: Context, services: set[str], doc: dict) -> dict:
    name, params = next(iter(rule.effect.items()))
    return TRANSFORMS[name](doc, ctx, services, **params)


def _effect(before: Assessment, after: Assessment) -> Effect:
    changes = []
    for b in before.services:
        a = after.service(b.id)
        if (a.tolerance_breach_probability, a.expected_annual_downtime_hours, a.score, a.single_points_of_failure) != (
            b.tolerance_breach_probability,
            b.expected_annual_downtime_hours,
            b.score,
            b.single_points_of_failure,
        ):
            changes.append(
                ServiceChange(
                    id=b.id,
                    name=b.name,
                    breach_probability_before=b.tolerance_breach_probability,
                    breach_probability_after=a.tolerance_breach_probability,
                    breach_probability_interval_before=b.tolerance_breach_probability_interval,
                    breach_probability_interval_after=a.tolerance_breach_probability_interval,
                    downtime_hours_before=b.expected_annual_downtime_hours,
                    downtime_hours_after=a.expected_annual_downtime_hours,
                    score_before=b.score,
                    score_after=a.score,
                    rating_before=b.rating,
                    rating_after=a.rating,
                    single_points_of_failure_removed=sorted(
                        set(b.single_points_of_failure) - set(a.single_points_of_failure)
                    ),
                )
            )
    r0, r1 = risk_index(before), risk_index(after)
    hours_saved = sum(s.expected_annual_downtime_hours for s in before.services) - sum(
        s.expected_annual_downtime_hours for s in after.services
    )
    cost_saved = sum(s.expected_annual_cost for s in before.services) - sum(
        s.expected_annual_cost for s in after.services
    )
    priced = any(s.hourly_cost is not None for s in before.services)
    return Effect(
        risk_index_before=r0,
        risk_index_after=r1,
        risk_reduction=r0 - r1,
        downtime_hours_saved=hours_saved,
        downtime_hours_saved_interval=_saving_range(before, after, "downtime_hours", hours_saved),
        cost_saved=cost_saved,
        cost_saved_interval=_saving_range(before, after, "cost", cost_saved) if priced else None,
        currency=before.currency,
        priced=priced,
        services=changes,
    )


def _saving_range(before: Assessment, after: Assessment, figure: str, value: float) -> list[float] | None:
    """[5th, 95th] of a saving over the parameter uncertainty (docs/methodology.md, "Range of a saving"). Both
    runs have the same seed, years and blocks, and the engine draws each dependency's parameters and outages
    from streams keyed by its product and id: an unchanged dependency has the same parameters and the same
    outages in year y of both runs. So the saving is taken year by year (before minus after, a paired
    difference), averaged per parameter block, its Monte Carlo noise taken out. None when either run's
    per-year totals are not in memory (read back from JSON) or the runs are not aligned."""
    b, a = before.yearly_totals, after.yearly_totals
    if b is None or a is None or b.seed != a.seed or not np.array_equal(b.block_years, a.block_years):
        return None
    per_year = getattr(b, figure) - getattr(a, figure)
    return saving_interval(*block_moments(per_year, b.block_years), value)


def _with_yearly(baseline: Assessment, compute) -> Assessment:
    """The baseline with its per-year totals: one read back from JSON (a kept or shipped result) is assessed
    again, which gives the same figures (same inputs and seed) and the years the saving is paired on."""
    return baseline if baseline.yearly_totals is not None else compute()


_EFFORT = {"low": 0, "medium": 1, "high": 2}


def _rank(r: Recommendation) -> tuple:
    """The order of the report: measured first, by risk reduction, then downtime saved, effort and id."""
    return (
        r.effect is None,
        -(r.effect.risk_reduction if r.effect else 0),
        -(r.effect.downtime_hours_saved if r.effect else 0),
        _EFFORT[r.effort],
        r.id,
    )


def default_combination(report: RecommendationReport, most: int = 3) -> tuple[str, ...]:
    """The recommendations whose combined effect is shown first (the dashboard's default pick): the first
    `most` measured ones, in the report's order."""
    return tuple(r.id for r in report.recommendations if r.effect is not None)[:most]


def recommend(
    catalog: Catalog,
    records: Sequence[OutageRecord],
    settings: Settings,
    baseline: Assessment | None = None,
    rules: Sequence[Rule] | None = None,
    aliases: AliasTable | None = None,
    structure: Structure | None = None,
    best: dict[str, Assessment] | None = None,
) -> RecommendationReport:
    """Every rule that applies, measured where possible, ranked by risk reduction (then effort). Each changed
    catalog is re-assessed with the same resolved settings as the baseline, so both share their draws.
    With `best` (an empty dict), the first-ranked measured recommendation's assessment after it is put there
    under its id (one assessment held, whatever the number of rules): the combination of that one alone."""
    records = list(records)
    table = aliases or load_aliases()
    baseline = baseline or assess(catalog, records, settings, table, structure=structure)
    ctx = Context(catalog, baseline, records, table, structure)
    paired = None
    rules = list(rules if rules is not None else load_rules())
    disabled = [r.id for r in rules if r.id in settings.disabled_rules]
    out: list[Recommendation] = []
    doc = _document(catalog)
    leader: tuple | None = None  # (rank key, rule id, assessment after) of the first-ranked so far
    for rule in rules:
        if rule.id in disabled:
            continue
        applies, services, detail = _evaluate(rule, ctx)
        if not applies:
            continue
        rec = Recommendation(
            id=rule.id,
            title=rule.title,
            rationale=" ".join(rule.rationale.split()),
            action=rule.action,
            effort=rule.effort,
            source_url=rule.source_url,
            services=sorted(services, key=[s.id for s in catalog.services].index),
            trigger=detail,
            controls=rule.controls,
        )
        if rule.quantified:
            changed = catalog_from_dict(_apply(rule, ctx, services, doc), name=f"{rule.id} transformation")
            if paired is None:
                paired = _with_yearly(baseline, lambda: assess(catalog, records, settings, table, structure=structure))
            after = assess(changed, records, settings, table)
            rec.effect = _effect(paired, after)
            rec.change = describe(rule.effect, ctx, services)
            if best is not None and (leader is None or _rank(rec) < leader[0]):
                leader = (_rank(rec), rec.id, after)
        else:
            rec.unquantified_reason = rule.effect["unquantified"]
        out.append(rec)
    out.sort(key=_rank)
    if best is not None and leader is not None:
        best[leader[1]] = leader[2]
    return RecommendationReport(
        organisation=catalog.organisation,
        risk_index=risk_index(baseline),
        rules_evaluated=len(rules) - len(disabled),
        rules_disabled=disabled,
        recommendations=out,
    )


def combined_effect(
    catalog: Catalog,
    records: Sequence[OutageRecord],
    rule_ids: Sequence[str],
    settings: Settings,
    baseline: Assessment | None = None,
    aliases: AliasTable | None = None,
    structure: Structure | None = None,
) -> tuple[Effect, Assessment]:
    """The effect of applying several recommendations together, and the assessment after them."""
    records = list(records)
    table = aliases or load_aliases()
    baseline = baseline or assess(catalog, records, settings, table, structure=structure)
    ctx = Context(catalog, baseline, records, table, structure)
    by_id = {r.id: r for r in load_rules()}
    doc = _document(catalog)
    for rule_id in rule_ids:
        rule = by_id[rule_id]
        applies, services, _ = _evaluate(rule, ctx)
        if applies and rule.quantified:
            doc = _apply(rule, ctx, services, doc)
    after = assess(catalog_from_dict(doc, name="combined recommendations"), records, settings, table)
    paired = _with_yearly(baseline, lambda: assess(catalog, records, settings, table, structure=structure))
    return _effect(paired, after), after
