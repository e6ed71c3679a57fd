"""The dashboard's own hint for a problem the core located at, or whose fix names, a setting: the Settings
page field that sets it (the command line adds its flag instead, risk.cli._flag_hint). The core names the
setting (simulated_years), never how an interface sets it."""

from __future__ import annotations

import re

from risk.problems import Problem

__all__ = ["SETTING_FIELDS", "field_hint"]

#: Each setting the Settings page sets, and the label of its field there (risk/dashboard/pages/settings.py).
SETTING_FIELDS = {
    "simulated_years": "Simulated years",
    "cut_set_order": "Largest cut set listed",
    "seed": "Random seed",
}


def field_hint(p: Problem) -> str:
    """'on the Settings page: Simulated years' (and the others named), or '' when the problem names none."""
    named = [
        label
        for setting, label in SETTING_FIELDS.items()
        if re.search(rf"\b{setting}\b", p.hint) or (p.location.file == "settings" and p.location.path == setting)
    ]
    return f"on the Settings page: {', '.join(named)}" if named else ""
