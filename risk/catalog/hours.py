"""Service hours: when a service is needed ("Mon-Fri 08:00-18:00"; 24x7 when not given).

An outage outside a service's hours does not count towards its downtime or towards a breach of its impact
tolerance, in the simulation and in scenarios. Hours are local to the catalog's `timezone`. The weekly
pattern is held as minutes from Monday 00:00, and the in-hours part of any stretch of time comes from one
cumulative function, so it is exact for outages of any length, however many weeks they span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where outages are counted, not to validate a catalog (start-up)
    import numpy as np

__all__ = ["WeeklyHours", "parse_hours", "HOURS_HELP"]

HOURS_HELP = (
    "write days and times, e.g. 'Mon-Fri 08:00-18:00', 'Mon-Sun 07:00-22:00; Sat 09:00-13:00', "
    "'Mon-Fri 22:00-06:00' (overnight) or '24x7'"
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(
    r"^\s*(?P<d1>[a-z]{3})[a-z]*\s*(?:-\s*(?P<d2>[a-z]{3})[a-z]*)?\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*$"
)
WEEK_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class WeeklyHours:
    """Disjoint [start, end) minute ranges within the week, Monday 00:00 = 0, sorted."""

    ranges: tuple[tuple[int, int], ...]
    text: str

    @property
    def minutes_per_week(self) -> int:
        return sum(e - s for s, e in self.ranges)

    def _cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (minutes in the week) and the in-hours minutes before each."""
        points, values, total = [0], [0], 0
        for s, e in self.ranges:
            points += [s, e]
            values += [total, total + (e - s)]
            total += e - s
        points.append(WEEK_MINUTES)
        values.append(total)
        import numpy as np

        return np.asarray(points, dtype=float), np.asarray(values, dtype=float)

    def in_hours(self, starts_h: np.ndarray, ends_h: np.ndarray, origin_h: float = 0.0) -> np.ndarray:
        """In-hours hours of each [start, end) stretch, times in hours after `origin_h` hours past Monday 00:00."""
        import numpy as np

        points, values = self._cumulative()
        week = self.minutes_per_week

        def cumulative(t_hours: np.ndarray) -> np.ndarray:
            minutes = (np.asarray(t_hours, dtype=float) + origin_h) * 60.0
            weeks, within = np.divmod(minutes, WEEK_MINUTES)
            return weeks * week + np.interp(within, points, values)

        return (cumulative(ends_h) - cumulative(starts_h)) / 60.0


def parse_hours(text: object) -> WeeklyHours | None:
    """The weekly pattern of a service-hours text (None for 24x7); ValueError with a plain message."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not service hours; {HOURS_HELP}")
    folded = " ".join(text.casefold().split())
    if folded in ("24x7", "24/7", "always", ""):
        return None
    minutes = bytearray(WEEK_MINUTES)  # 1 for each minute of the week in hours
    for part in folded.split(";"):
        m = _PART.match(part)
        if not m or m["d1"] not in _DAYS or (m["d2"] and m["d2"] not in _DAYS):
            raise ValueError(f"'{part.strip()}' is not service hours; {HOURS_HELP}")
        first = _DAYS.index(m["d1"])
        last = _DAYS.index(m["d2"]) if m["d2"] else first
        days = range(first, last + 1) if last >= first else [*range(first, 7), *range(0, last + 1)]
        h1, m1, h2, m2 = int(m["h1"]), int(m["m1"]), int(m["h2"]), int(m["m2"])
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h1 == 24 and m1) or (h2 == 24 and m2):
            raise ValueError(f"'{part.strip()}': times run from 00:00 to 24:00; {HOURS_HELP}")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start == end:
            raise ValueError(f"'{part.strip()}': the start and end times are the same; {HOURS_HELP}")
        for day in days:
            base = day * 1440
            if end > start:
                minutes[base + start : base + end] = b"\x01" * (end - start)
            else:  # overnight: to midnight, then on into the next day
                minutes[base + start : base + 1440] = b"\x01" * (1440 - start)
                following = ((day + 1) % 7) * 1440
                minutes[following : following + end] = b"\x01" * end
    if 0 not in minutes:
        return None
    ranges = tuple(run.span() for run in re.finditer(b"\x01+", minutes))
    return WeeklyHours(ranges, text.strip())
