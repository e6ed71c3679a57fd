"""Where the bundled data lives: example catalogs, templates, the shipped outage history."""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROJECT_ROOT", "CATALOGS", "EXAMPLES", "TEMPLATES", "OUTAGES", "DEFAULT_CATALOG"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CATALOGS = PROJECT_ROOT / "catalogs"
EXAMPLES = CATALOGS / "examples"
TEMPLATES = CATALOGS / "templates"
OUTAGES = CATALOGS / "outages"
DEFAULT_CATALOG = EXAMPLES / "nhs-acute-trust.yaml"
