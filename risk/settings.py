"""Assessment settings: every threshold and modelling choice, with documented defaults.

A catalog may override any of them in an optional `settings:` block; the CLI and dashboard override a few
(cut-set order, simulated years, seed). docs/methodology.md explains each one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Settings", "DEFAULT_SETTINGS"]


class Settings(BaseModel):
    """What the engine assumes and where the rating bands sit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cut_set_order: int = Field(default=3, ge=1, le=6, description="Largest minimal cut set to list.")
    simulated_years: int = Field(default=20_000, ge=100, le=2_000_000, description="Monte Carlo years.")
    seed: int = Field(default=1, ge=0, description="Random seed; the same seed gives the same numbers.")

    # Outage statistics (docs/methodology.md, "Outage rate" and "Outage duration").
    prior_shape: float = Field(default=0.5, gt=0, description="Gamma prior shape for outage rates (0.5 = Jeffreys).")
    prior_rate_years: float = Field(default=0.0, ge=0, description="Gamma prior rate (pseudo-years of observation).")
    severity_weights: dict[Literal["major", "partial", "degraded"], float] = Field(
        default={"major": 1.0, "partial": 0.5, "degraded": 0.25},
        description="Chance that a recorded outage of each severity hits this organisation.",
    )
    min_records_for_own_duration_fit: int = Field(default=3, ge=2, description="Known durations needed for a fit.")
    default_annual_outages: float = Field(
        default=2.0, ge=0, description="Conservative outage rate for a dependency with no data at all."
    )
    default_mean_outage_hours: float = Field(default=4.0, gt=0, description="Mean outage for a no-data dependency.")
    max_outage_hours: float = Field(default=168.0, gt=0, description="Simulated outages are capped at this length.")

    disabled_rules: list[str] = Field(default_factory=list, description="Recommendation rule ids switched off.")

    # Rating (docs/methodology.md, "Rating").
    likelihood_thresholds: tuple[float, float, float, float] = Field(
        default=(0.01, 0.05, 0.2, 0.5),
        description="Breach probability at which likelihood becomes 2, 3, 4 and 5.",
    )
    tier_impact: dict[int, int] = Field(default={1: 4, 2: 3, 3: 2, 4: 1}, description="Impact score by tier.")
    users_impact_thresholds: tuple[float, float, float, float] = Field(
        default=(50, 500, 2000, 10000), description="Users at which impact becomes 2, 3, 4 and 5."
    )
    cost_impact_thresholds: tuple[float, float, float, float] = Field(
        default=(1000, 5000, 20000, 100000), description="Hourly cost at which impact becomes 2, 3, 4 and 5."
    )
    rating_bands: tuple[int, int, int] = Field(
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
        return self


DEFAULT_SETTINGS = Settings()
