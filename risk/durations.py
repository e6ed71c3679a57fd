"""Durations as users write them (90m, 4h, 2d, 1w, or a number of hours), held as hours.

Hours are the one internal unit: impact tolerances, grace periods, workarounds and outage lengths are all
compared in hours, so every parse goes through here and every display comes back out through
`format_duration`, which round-trips exactly (format then parse gives the same float).
"""

from __future__ import annotations

import math
import re

__all__ = ["parse_duration", "format_duration", "DURATION_HELP", "MAX_DURATION_HOURS"]

#: Longest duration accepted anywhere (ten years): longer values are typing mistakes, and every duration
#: must stay a finite number the engine can add and compare.
MAX_DURATION_HOURS = 87_600.0

DURATION_HELP = "write a number with a unit, e.g. 90m, 4h, 1h30m, 2d, 1w, or a plain number of hours"

_UNITS: dict[str, tuple[str, float]] = {}
for names, op, factor in (
    (("m", "min", "mins", "minute", "minutes"), "div", 60.0),
    (("h", "hr", "hrs", "hour", "hours"), "mul", 1.0),
    (("d", "day", "days"), "mul", 24.0),
    (("w", "wk", "week", "weeks"), "mul", 168.0),
):
    for n in names:
        _UNITS[n] = (op, factor)

_PART = re.compile(r"\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-z]+)?\s*")


def parse_duration(value: object) -> float:
    """Hours from a duration; raises ValueError with a plain-English message when it is not one."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not a duration; {DURATION_HELP}")
    if isinstance(value, int | float):
        hours = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if not text:
            raise ValueError(f"an empty text is not a duration; {DURATION_HELP}")
        pos, hours, parts = 0, 0.0, 0
        while pos < len(text):
            m = _PART.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"'{value}' is not a duration; {DURATION_HELP}")
            number, unit = float(m.group(1)), m.group(2)
            if unit is None:
                if parts or m.end() != len(text):
                    raise ValueError(f"'{value}' is not a duration: every number needs a unit; {DURATION_HELP}")
                hours = number
            elif unit not in _UNITS:
                raise ValueError(f"'{value}' is not a duration: unknown unit '{unit}'; {DURATION_HELP}")
            else:
                op, factor = _UNITS[unit]
                hours += number / factor if op == "div" else number * factor
            parts += 1
            pos = m.end()
    else:
        raise ValueError(f"{value!r} is not a duration; {DURATION_HELP}")
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"'{value}' is not a duration: it must be zero or more; {DURATION_HELP}")
    if hours > MAX_DURATION_HOURS:
        raise ValueError(f"'{value}' is longer than ten years ({MAX_DURATION_HOURS:,.0f} h), the most accepted")
    return hours


def format_duration(hours: float) -> str:
    """The shortest exact text for a number of hours: whole weeks, days, hours or minutes when it is one."""
    minutes = hours * 60.0
    if not math.isfinite(minutes):
        return f"{hours!r}h"
    whole = round(minutes)
    if whole / 60.0 == hours:
        if whole == 0:
            return "0h"
        for unit, size in (("w", 10080), ("d", 1440), ("h", 60)):
            if whole % size == 0:
                return f"{whole // size}{unit}"
        return f"{whole}m"
    return f"{hours!r}h"
