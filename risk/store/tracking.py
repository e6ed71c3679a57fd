"""What a team decided about each recommendation, and whether it is late.

A recommendation is open until someone accepts it, plans it (an owner and a due date), marks it done, or
accepts the risk instead (who, why, and until when: an acceptance expires and the item is due again). A
plan past its due date, or an acceptance past its end, is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["STATUSES", "Tracking", "achieved_cut"]

STATUSES = ("open", "accepted", "planned", "done", "risk accepted")


@dataclass(frozen=True)
class Tracking:
    rule_id: str
    status: str = "open"
    owner: str | None = None
    due: str | None = None  # YYYY-MM-DD
    reason: str | None = None
    until: str | None = None  # YYYY-MM-DD
    expected_cut: float | None = None
    risk_before: float | None = None
    updated_by: str | None = None
    updated_at: str | None = None

    def overdue(self, today: date | None = None) -> bool:
        """A plan past its due date, or a risk acceptance past its end."""
        today = today or date.today()
        if self.status == "planned" and self.due:
            return date.fromisoformat(self.due) < today
        if self.status == "risk accepted" and self.until:
            return date.fromisoformat(self.until) < today
        return False

    def describe(self, today: date | None = None) -> str:
        """One line for a table: 'planned: Olu, due 2027-01-31 (OVERDUE)'."""
        parts = [self.status]
        if self.status == "planned":
            parts.append(f": {self.owner or 'no owner'}, due {self.due or 'no date'}")
        elif self.status == "risk accepted":
            parts.append(f" by {self.updated_by or '?'} until {self.until or 'no end'}")
        text = "".join(parts)
        return text + (" (OVERDUE)" if self.overdue(today) else "")


def achieved_cut(tracking: Tracking, risk_now: float) -> float | None:
    """For a done recommendation: the share of the risk that has gone since it was marked done (to set
    beside the cut its measurement expected); None until there is a risk to compare with."""
    if tracking.status != "done" or not tracking.risk_before:
        return None
    return (tracking.risk_before - risk_now) / tracking.risk_before
