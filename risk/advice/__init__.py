"""Advice: what to do (recommendations, measured by re-assessment) and what would happen (scenarios)."""
