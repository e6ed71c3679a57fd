"""The 5x5 rating: likelihood from the breach probability, impact from tier, users and cost (NHS convention)."""

from __future__ import annotations

from bisect import bisect_right

from risk.catalog.model import Service
from risk.settings import Settings

__all__ = ["likelihood", "impact", "band", "BANDS"]

BANDS = ("low", "moderate", "high", "extreme")


def likelihood(breach_probability: float, settings: Settings) -> int:
    """1 (rare) .. 5 (almost certain): one step up at each threshold the annual probability reaches."""
    return 1 + bisect_right(list(settings.likelihood_thresholds), breach_probability)


def impact(service: Service, settings: Settings) -> int:
    """1 .. 5: the worst of the tier's score, the users score and the hourly-cost score."""
    scores = [settings.tier_impact[service.tier]]
    if service.users is not None:
        scores.append(1 + bisect_right(list(settings.users_impact_thresholds), service.users))
    if service.hourly_cost is not None:
        scores.append(1 + bisect_right(list(settings.cost_impact_thresholds), service.hourly_cost))
    return max(scores)


def band(score: int, settings: Settings) -> str:
    """low (1-3), moderate (4-6), high (8-12), extreme (15-25) with the default bands."""
    return BANDS[bisect_right(list(settings.rating_bands), score)]
