"""Recommendations: a rule library from vendor and regulatory guidance, each rule's trigger tested against
the catalog and its assessment, and each rule's effect measured by re-assessing a transformed catalog."""

from risk.advice.recommend.engine import (
    Effect,
    Recommendation,
    RecommendationReport,
    combined_effect,
    default_combination,
    recommend,
)
from risk.advice.recommend.rules import Rule, load_rules

__all__ = [
    "Effect",
    "Recommendation",
    "RecommendationReport",
    "Rule",
    "combined_effect",
    "default_combination",
    "load_rules",
    "recommend",
]
