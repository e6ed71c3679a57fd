"""The assessment: the engine's single output, and the JSON contract (docs/assessment-contract.md).

Every view (terminal table, dashboard, reports) renders this object; none computes risk itself.
Infinite importance values (removing a failure makes a service unable to fail) are written to JSON as the
string "Infinity", which JavaScript's Number() and Python's float() both read; the published schema
(`lynchpin schema assessment`, docs/assessment-schema.json) says so for the fields that can be infinite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, WithJsonSchema

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Importance",
    "BlastRadius",
    "ServiceResult",
    "ExactServiceResult",
    "ExactAssessment",
    "DependencyResult",
    "CommonCauseResult",
    "ProviderResult",
    "Concentration",
    "Assessment",
    "LossPoint",
    "HistogramBin",
    "Headlines",
    "RateSource",
    "DataQuality",
    "StageName",
    "STAGES",
    "StageRecord",
    "YearlyTotals",
]

_CONFIG = ConfigDict(ser_json_inf_nan="strings", extra="forbid")

#: Where a dependency's outage rate comes from: its matched history, the catalog's estimate, or the no-data default.
RateSource = Literal["history", "estimate", "default"]
#: How a service's unavailability was found (risk.engine.sampled: when no decision diagram fits).
UnavailabilityMethod = Literal["exact", "sampled"]
#: How good a dependency's figures are: A (best) to D (assumed).
DataQuality = Literal["A", "B", "C", "D"]

# The three fields that say how a service's unavailability was found, the same in the full and the exact-only
# results.
MethodField = Annotated[
    UnavailabilityMethod,
    Field(
        description="How unavailability (and this service's importance figures) were found: 'exact' from a "
        "decision diagram, 'sampled' from the structure function's Monte Carlo when no decision diagram fits."
    ),
]
IntervalField = Annotated[
    list[float] | None,
    Field(description="When sampled: the 95% Wilson interval [low, high] of the unavailability (None when exact)."),
]
StatesField = Annotated[
    int | None, Field(description="When sampled: the states of the structure function sampled (None when exact).")
]

#: A number that may be infinite, written to JSON as the string "Infinity" (JSON has no infinity).
MaybeInfinite = Annotated[
    float,
    WithJsonSchema({"anyOf": [{"type": "number"}, {"const": "Infinity"}]}),
]


class Importance(BaseModel):
    """Importance of a dependency: Birnbaum, Fussell-Vesely, risk achievement and reduction worth."""

    model_config = _CONFIG
    birnbaum: float = Field(description="P(down | dependency down) - P(down | dependency up).")
    fussell_vesely: float = Field(description="Share of the risk that goes away if the dependency never fails.")
    risk_achievement_worth: MaybeInfinite = Field(
        description="How many times the risk grows if the dependency is down."
    )
    risk_reduction_worth: MaybeInfinite = Field(
        description='How many times the risk shrinks if it never fails ("Infinity": to 0).'
    )


class BlastRadius(BaseModel):
    model_config = _CONFIG
    services: list[str] = Field(description="Services that go down when this dependency alone fails.")
    users: int = Field(
        description="Service-users of those services: their users added together, so a person who uses two of "
        "them counts twice (a measure of disruption, not a head count; see people_at_least)."
    )
    people_at_least: int = Field(
        default=0, description="People affected, at least: the users of the largest of those services."
    )


class LossPoint(BaseModel):
    model_config = _CONFIG
    loss: float = Field(description="Annual loss (currency units).")
    probability: float = Field(description="Probability that a year's loss exceeds it.")


class HistogramBin(BaseModel):
    model_config = _CONFIG
    lower_hours: float
    upper_hours: float
    share: float = Field(description="Share of simulated years whose downtime falls in [lower, upper).")


class ServiceResult(BaseModel):
    """One service's exposure: structure (cut sets), exact and simulated figures, and its rating."""

    model_config = _CONFIG
    id: str
    name: str
    tier: int
    users: int | None = None
    hourly_cost: float | None = Field(default=None, description="Cost of an hour down (None: not set).")
    service_hours: str | None = Field(default=None, description="When the service is needed (None: 24x7).")
    impact_tolerance_hours: float
    workaround_hours: float = Field(description="Time the workaround buys beyond the tolerance (0 if none).")
    effective_tolerance_hours: float = Field(
        description="Impact tolerance plus workaround: the longest outage the service bears before a breach."
    )
    single_points_of_failure: list[str]
    cut_sets: list[list[str]]
    unavailability: float = Field(description="Exact P(down at a random moment); grace periods ignored.")
    unavailability_method: MethodField = "exact"
    unavailability_interval: IntervalField = None
    unavailability_states_sampled: StatesField = None
    tolerance_breach_probability: float = Field(description="P(at least one outage in a year outlasts tolerance).")
    tolerance_breach_probability_interval: list[float] = Field(
        description="[5th, 95th] percentile of the breach probability over what is not known about outage "
        "rates and durations (equal ends when nothing is uncertain)."
    )
    rating_probabilities: dict[str, float] = Field(
        description="Rating band -> probability that the service's true rating is that band; sums to 1."
    )
    breach_probability_standard_error: float
    breach_years_simulated: int = Field(
        description="Simulated years behind the breach probability (more than the setting when the breach "
        "is rare, to reach the target relative error)."
    )
    expected_annual_downtime_hours: float
    expected_annual_downtime_hours_interval: list[float] = Field(description="[5th, 95th] percentile.")
    expected_annual_user_hours_lost: float
    expected_annual_cost: float
    expected_annual_cost_interval: list[float] | None = Field(
        description="[5th, 95th] percentile; none without an hourly cost."
    )
    expected_outages_per_year: float = Field(description="Simulated service outages a year, after grace.")
    annual_downtime_hours_quantiles: dict[str, float]
    downtime_histogram: list[HistogramBin] = Field(description="Distribution of annual downtime over the years.")
    loss_exceedance: list[LossPoint]
    likelihood: int
    impact: int
    score: int
    rating: str
    dependency_importance: dict[str, Importance] = Field(
        description="Importance of each dependency the service relies on, for this service."
    )


class DependencyResult(BaseModel):
    """One basic dependency: its outage model, where the figures came from, importance and blast radius."""

    model_config = _CONFIG
    id: str
    name: str
    provider: str
    product: str
    capability: str
    kind: str | None = None
    annual_outages: float
    annual_outages_interval: list[float] | None = Field(default=None, description="90% credible interval.")
    mean_outage_hours: float
    unavailability: float
    records: int
    record_ids: list[str]
    history_years: float
    source: RateSource = Field(description="history | estimate | default")
    data_quality: DataQuality = Field(description="A (best) .. D (assumed)")
    notes: list[str] = Field(default_factory=list)
    importance: Importance
    blast_radius: BlastRadius


class CommonCauseResult(BaseModel):
    """A beta-factor common-cause group (risk.engine.common_cause): identical redundant parts a share beta of
    whose outages hit them all at once. Its id appears in cut sets and single-point lists like a dependency's."""

    model_config = _CONFIG
    id: str = Field(description="'common-cause:' and the members' ids joined by '+'.")
    name: str
    members: list[str] = Field(description="The dependencies the common event takes down together.")
    provider: str
    model: str = Field(default="beta-factor", description="The common-cause model (Open-PSA MEF's name).")
    beta: float = Field(description="Share of each member's outages that hit all members at once.")
    annual_outages: float = Field(description="Common events a year: beta x each member's rate.")
    mean_outage_hours: float
    member_unavailability: float = Field(description="p: each member's whole unavailability.")
    unavailability: float = Field(description="The common event's probability: beta x p.")
    importance: Importance
    blast_radius: BlastRadius


class ProviderResult(BaseModel):
    model_config = _CONFIG
    name: str
    dependencies: list[str]
    services_exposed: int = Field(description="Services with a single point of failure or order-2 cut set here.")
    tier1_services_exposed: int
    tier2_services_exposed: int
    exposed_services: list[str]
    user_share: float = Field(description="Share of all service users whose service is exposed to this provider.")
    spof_share: float = Field(description="This provider's share of user-weighted single-point-of-failure links.")
    substitutability: str | None = None
    exit_plan: bool | None = None
    single_points_of_failure: list[str] = Field(
        default_factory=list, description="This provider's dependencies that alone take down at least one service."
    )
    services_with_single_point: list[str] = Field(
        default_factory=list, description="Services that one of this provider's dependencies takes down alone."
    )
    tier1_services_with_single_point: int = Field(default=0, description="Tier-1 services among them.")
    users_with_single_point: int = Field(default=0, description="Users of those services, each service counted once.")


class Concentration(BaseModel):
    model_config = _CONFIG
    hhi: float = Field(description="Herfindahl-Hirschman index of the providers' spof_share (0..1).")


class Headlines(BaseModel):
    """The catalog-wide counts every view shows, worked out once (services counted once each)."""

    model_config = _CONFIG
    services: int
    tier1_services: int
    tier1_with_single_point: int = Field(description="Tier-1 services with at least one single point of failure.")
    services_with_single_point: int
    single_points_of_failure: list[str] = Field(
        description="Dependencies and common-cause groups that alone take down a service."
    )
    extreme_or_high: int = Field(description="Services rated extreme or high.")
    service_hours_down: float = Field(description="Expected downtime a year, summed over services (service-hours).")
    most_downtime_service: str | None = Field(default=None, description="The service with most expected downtime.")
    expected_annual_cost: float = Field(description="Summed over services with an hourly cost.")
    services_without_cost: int


#: The stages of an assessment, in the order they run (risk.engine.assess; docs/methodology.md, "Stages").
#: An exact-only assessment runs structure, statistics, exact, cut_sets and importance.
StageName = Literal[
    "structure", "statistics", "exact", "cut_sets", "simulation", "rare_breach", "ranges", "importance", "rating"
]
STAGES: tuple[StageName, ...] = get_args(StageName)


class StageRecord(BaseModel):
    """One stage of the assessment as it ran: its time, its warnings and what it worked through (as SCRAM
    reports each analysis's calculation time and warnings). Times differ from run to run; figures do not."""

    model_config = _CONFIG
    name: StageName = Field(description="The stage, in the order stages run.")
    wall_seconds: float = Field(ge=0, description="Elapsed (wall-clock) seconds.")
    cpu_seconds: float = Field(
        ge=0,
        description="CPU seconds of the whole process meanwhile: every thread, the simulation's workers included "
        "(so it can exceed wall_seconds); in a server, also other work running at the same time.",
    )
    reused: bool = Field(
        default=False,
        description="Worked out before this assessment for the same inputs and passed in (a Run works out the "
        "structure and the statistics once for all its results): the times are those it took then, when the "
        "caller measured them, plus what this assessment added.",
    )
    warnings: list[str] = Field(
        default_factory=list, description="The warnings this stage raised (each also in the assessment's warnings)."
    )
    counts: dict[str, int] = Field(
        default_factory=dict, description="What the stage worked through (services, cut sets, simulated years, ...)."
    )


@dataclass(frozen=True)
class YearlyTotals:
    """The whole catalog's figures in each simulated year: the expected-cost and downtime totals over the
    services (cost: priced services only), and how many consecutive years each parameter block holds. Kept
    with the assessment in memory, not written to JSON, so a recommendation's saving can be taken year by
    year against the same years of the baseline (risk.advice.recommend: the range of a saving)."""

    cost: np.ndarray
    downtime_hours: np.ndarray
    block_years: np.ndarray
    seed: int


class Assessment(BaseModel):
    """The assessment of one catalog against one outage history with one set of settings."""

    model_config = _CONFIG
    organisation: str
    currency: str = Field(default="GBP", description="ISO 4217 code of every cost (the catalog's currency).")
    catalog_version: str | None = None
    catalog_sha256: str
    generated_at: str
    lynchpin_version: str
    settings: dict[str, Any]
    history: dict[str, Any] = Field(description="The outage history used: records, span, sources.")
    services: list[ServiceResult]
    dependencies: list[DependencyResult]
    common_causes: list[CommonCauseResult] = Field(
        default_factory=list,
        description="Beta-factor common-cause groups: basic events of the exact figures besides the dependencies.",
    )
    providers: list[ProviderResult]
    concentration: Concentration
    loss_exceedance: list[LossPoint] = Field(description="Whole catalog: annual loss summed over services.")
    headlines: Headlines
    rating_grid: list[list[str]] = Field(
        description="The 5x5 matrix's band names: rating_grid[likelihood - 1][impact - 1], from the settings."
    )
    warnings: list[str] = Field(
        default_factory=list, description="Every stage's warnings, in stage order (with the inputs' notes first)."
    )
    stages: list[StageRecord] = Field(
        default_factory=list,
        description="The stages as they ran, in order: time, warnings and counts of each (docs/methodology.md).",
    )
    _yearly: YearlyTotals | None = PrivateAttr(default=None)

    @property
    def yearly_totals(self) -> YearlyTotals | None:
        """The per-year totals of the simulation behind it (None when read back from JSON)."""
        return self._yearly

    def __eq__(self, other: object) -> bool:
        """Equal when every field is: the per-year totals kept in memory are not part of the result (an
        assessment read back from JSON equals the one that wrote it)."""
        if not isinstance(other, Assessment):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def service(self, id: str) -> ServiceResult:
        return next(s for s in self.services if s.id == id)

    def dependency(self, id: str) -> DependencyResult:
        return next(d for d in self.dependencies if d.id == id)

    def common_cause(self, id: str) -> CommonCauseResult:
        return next(c for c in self.common_causes if c.id == id)

    def names(self) -> dict[str, str]:
        """Every basic event's display name by id: the dependencies' and the common-cause groups'."""
        return {d.id: d.name for d in self.dependencies} | {c.id: c.name for c in self.common_causes}

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    def without_timings(self) -> Self:
        """A copy without what differs between two runs of the same inputs (when it was made, how long each
        stage took): equal to another run's copy exactly when the figures and warnings are."""
        return self.model_copy(update={"generated_at": "", "stages": _untimed(self.stages)})


class ExactServiceResult(BaseModel):
    """The exact part of a service's result (no simulation): what it needs, its single points of failure
    and how likely it is to be down at a random moment."""

    model_config = _CONFIG

    id: str
    name: str
    tier: int
    users: int | None = None
    single_points_of_failure: list[str]
    cut_sets: list[list[str]]
    unavailability: float = Field(description="Exact P(down at a random moment); grace periods ignored.")
    unavailability_method: MethodField = "exact"
    unavailability_interval: IntervalField = None
    unavailability_states_sampled: StatesField = None
    expected_annual_downtime_hours: float = Field(
        description="unavailability x 8,760: the exact long-run hours down a year, before grace periods, "
        "service hours and the longest-outage cap (the simulation's figure applies those)."
    )
    dependency_importance: dict[str, Importance]


class ExactAssessment(BaseModel):
    """An exact-only assessment (simulated_years 0, `assess --exact`): the decision diagrams' figures, with
    nothing simulated, so no simulation budget applies. Breach probabilities, costs and ratings need the
    simulation and are absent."""

    model_config = _CONFIG

    mode: str = Field(default="exact", description="'exact': nothing was simulated.")
    organisation: str
    currency: str = "GBP"
    catalog_version: str | None = None
    catalog_sha256: str
    generated_at: str
    lynchpin_version: str
    settings: dict[str, Any]
    history: dict[str, Any]
    services: list[ExactServiceResult]
    dependencies: list[DependencyResult]
    common_causes: list[CommonCauseResult] = Field(default_factory=list)
    providers: list[ProviderResult]
    concentration: Concentration
    warnings: list[str] = Field(
        default_factory=list, description="Every stage's warnings, in stage order (with the inputs' notes first)."
    )
    stages: list[StageRecord] = Field(
        default_factory=list,
        description="The stages as they ran, in order: time, warnings and counts of each (docs/methodology.md).",
    )

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    def without_timings(self) -> Self:
        """A copy without what differs between two runs of the same inputs (when it was made, how long each
        stage took): equal to another run's copy exactly when the figures and warnings are."""
        return self.model_copy(update={"generated_at": "", "stages": _untimed(self.stages)})


def _untimed(stages: list[StageRecord]) -> list[StageRecord]:
    return [s.model_copy(update={"wall_seconds": 0.0, "cpu_seconds": 0.0}) for s in stages]
