"""Assessment settings: every threshold and modelling choice, with documented defaults.

A catalog may override any of them in an optional `settings:` block; the CLI and dashboard override a few
(cut-set order, simulated years, seed). docs/methodology.md explains each one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = ["Settings", "DEFAULT_SETTINGS", "Count"]


def _not_bool(value: Any) -> Any:
    """true/false are not numbers: pydantic would read true as 1 (tier: true would be tier 1)."""
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not a number; write a whole number")
    return value


Count = Annotated[int, BeforeValidator(_not_bool)]
Probability = Annotated[float, Field(gt=0, le=1)]
Users = Annotated[float, Field(ge=0, le=1e10)]
Cost = Annotated[float, Field(ge=0, le=1e13)]
Score = Annotated[Count, Field(ge=1, le=25)]


class Settings(BaseModel):
    """What the engine assumes and where the rating bands sit."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    cut_set_order: Count = Field(
        default=3,
        ge=1,
        le=6,
        description="Largest minimal cut set to list (1 to 6). A service may have at most a million cut sets worked through (LYNCHPIN_MAX_CUT_SETS); past that, lower this.",
    )
    simulated_years: Count = Field(
        default=20_000, ge=100, le=2_000_000, description="Monte Carlo years (100 to 2,000,000)."
    )
    seed: Count = Field(
        default=1, ge=0, le=2**32 - 1, description="Random seed; the same seed gives the same numbers (0 to 2^32-1)."
    )

    rare_event_relative_error: float = Field(
        default=0.2,
        gt=0,
        le=1,
        description="Target relative error of a breach probability: rarer breaches get more simulated years.",
    )
    max_rare_event_years: Count = Field(
        default=200_000, ge=0, le=2_000_000, description="Most simulated years spent on one service's rare breaches."
    )
    uncertainty_draws: Count = Field(
        default=100,
        ge=1,
        le=1000,
        description="Plausible parameter sets the simulated years are split across, for the ranges (1: none; at "
        "most simulated_years).",
    )

    # Outage statistics (docs/methodology.md, "Outage rate" and "Outage duration").
    prior_shape: float = Field(
        default=0.5, gt=0, le=100, description="Gamma prior shape for outage rates (0.5 = Jeffreys; at most 100)."
    )
    prior_rate_years: float = Field(
        default=0.0, ge=0, le=1000, description="Gamma prior rate (pseudo-years of observation; at most 1000)."
    )
    severity_weights: dict[Literal["major", "partial", "degraded"], Annotated[float, Field(ge=0, le=1)]] = Field(
        default={"major": 1.0, "partial": 0.5, "degraded": 0.25},
        description="Chance (0 to 1) that a recorded outage of each severity hits this organisation.",
    )
    recency_half_life_years: float | None = Field(
        default=3.0,
        gt=0,
        le=100,
        description="Weight each record by 2^(-age / half-life) so recent outages count more (years; none: no "
        "weighting). 3 years: chosen by the backtest (docs/methodology.md, 'Backtest').",
    )
    min_records_for_own_duration_fit: Count = Field(
        default=5,
        ge=2,
        le=1000,
        description="Known full-outage durations from which a dependency's (or provider's) durations are fitted "
        "from its own records alone, without pooling (5: chosen by the duration backtest).",
    )
    duration_prior_records: float = Field(
        default=3.0,
        gt=0,
        le=1_000_000,
        description="Weight, in records, of the pooled duration fit a dependency's own full-outage durations are "
        "shrunk towards (more: stronger pooling; 3: chosen by the duration backtest, docs/methodology.md, "
        "'Backtest').",
    )
    duration_pooling: Literal["provider", "history"] = Field(
        default="provider",
        description="What a product's durations are shrunk towards: its provider's (itself shrunk towards the "
        "whole history) or the whole history's.",
    )
    default_annual_outages: float = Field(
        default=0.5,
        ge=0,
        le=1000,
        description="Outage rate for a dependency with no data at all (0.5 a year: chosen by the backtest).",
    )
    default_mean_outage_hours: float = Field(
        default=4.0, gt=0, le=8760, description="Mean outage for a no-data dependency (hours, at most a year)."
    )
    estimate_error_factor: float = Field(
        default=3.0,
        ge=1,
        le=100,
        description="Error factor (95th percentile / median) of an expert estimate's rate and mean outage "
        "(1: taken as given).",
    )
    common_cause_beta: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Share of each identical redundant part's outages that hit all of them at once (beta factor).",
    )
    max_outage_hours: float = Field(
        default=168.0, gt=0, le=8760, description="Simulated outages are capped at this length (hours, at most a year)."
    )

    disabled_rules: list[str] = Field(default_factory=list, description="Recommendation rule ids switched off.")

    # Rating (docs/methodology.md, "Rating").
    likelihood_thresholds: tuple[Probability, Probability, Probability, Probability] = Field(
        default=(0.01, 0.05, 0.2, 0.5),
        description="Breach probability at which likelihood becomes 2, 3, 4 and 5.",
    )
    tier_impact: dict[int, Count] = Field(default={1: 4, 2: 3, 3: 2, 4: 1}, description="Impact score by tier.")
    users_impact_thresholds: tuple[Users, Users, Users, Users] = Field(
        default=(50, 500, 2000, 10000), description="Users at which impact becomes 2, 3, 4 and 5."
    )
    cost_impact_thresholds: tuple[Cost, Cost, Cost, Cost] = Field(
        default=(1000, 5000, 20000, 100000), description="Hourly cost at which impact becomes 2, 3, 4 and 5."
    )
    rating_bands: tuple[Score, Score, Score] = Field(
        default=(4, 8, 15), description="Score at which the band becomes moderate, high and extreme (NHS 5x5)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Settings:
        for name in ("likelihood_thresholds", "users_impact_thresholds", "cost_impact_thresholds", "rating_bands"):
            values = list(getattr(self, name))
            if values != sorted(values):
                raise ValueError(f"{name} must be in increasing order")
        if set(self.tier_impact) != {1, 2, 3, 4} or not all(1 <= v <= 5 for v in self.tier_impact.values()):
            raise ValueError("tier_impact must give a score from 1 to 5 for each of tiers 1, 2, 3 and 4")
        if self.uncertainty_draws > self.simulated_years:  # a block without years has no figures
            raise ValueError(
                f"uncertainty_draws ({self.uncertainty_draws:,}) must be at most simulated_years "
                f"({self.simulated_years:,}): every parameter draw is simulated for at least one year"
            )
        return self


DEFAULT_SETTINGS = Settings()
