"""The one "worst first" order, used by every table and list of services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from risk.engine.assessment import ServiceResult

if TYPE_CHECKING:  # a type only: the terminal tables of an assessment need not load the advice layer
    from risk.advice.scenarios import ScenarioService

__all__ = ["worst_first", "worst_hit_first", "matrix_counts"]


def _key(s: ServiceResult) -> tuple:
    return (-s.score, -s.tolerance_breach_probability, s.tier, s.name.casefold(), s.id)


def worst_first(services: Iterable[ServiceResult]) -> list[ServiceResult]:
    """Highest rating score first, then the highest chance of an outage beyond tolerance, then the most
    critical tier; name and id make the order total, so every view lists ties the same way."""
    return sorted(services, key=_key)


def worst_hit_first(services: Iterable[ScenarioService]) -> list[ScenarioService]:
    """A scenario's services: beyond tolerance first, then down within tolerance, then up; by tier within."""
    return sorted(services, key=lambda s: (not s.breach, not s.down, s.tier, s.name.casefold(), s.id))


def matrix_counts(services: Iterable[ServiceResult]) -> list[list[int]]:
    """Services per cell of the 5x5 matrix: counts[likelihood - 1][impact - 1]."""
    counts = [[0] * 5 for _ in range(5)]
    for s in services:
        counts[s.likelihood - 1][s.impact - 1] += 1
    return counts
