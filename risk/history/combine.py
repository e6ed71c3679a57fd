"""One incident, one record: a tenant's incident log combined with the shipped history.

A record in the user's own incident log that describes an incident the shipped history already holds (same
provider and product, through the aliases, and overlapping times within MATCH_TOLERANCE) is not counted a
second time: it confirms the shipped record, or, where the shipped record does not know how long the
incident lasted and the user's record does, it replaces the shipped record by one carrying that duration.
Every pair is reported (`Merge`), so the assessment can say which of the user's records it folded in.
The rule and its reasons are in docs/methodology.md, 'One incident, one record'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from risk.history.aliases import AliasTable
from risk.history.model import OutageRecord
from risk.problems import Location, Problem

__all__ = ["MATCH_TOLERANCE", "Merge", "combine_history"]

#: How far apart two records' times may be and still describe one incident: status pages and tenant logs
#: often start an incident when it is noticed or posted, up to an hour after it began.
MATCH_TOLERANCE = timedelta(hours=1)


@dataclass(frozen=True)
class Merge:
    """A record of the user's folded into a shipped one: 'confirms' (the shipped record is kept as it is) or
    'replaces' (the shipped record, which had no duration, is replaced by a copy with the user's)."""

    yours: str
    shipped: str
    how: str  # "confirms" or "replaces"
    where: str = "incident log"
    hours: float | None = None

    def problem(self) -> Problem:
        text = f"your record {self.yours} {self.how} shipped record {self.shipped}"
        if self.how == "replaces":
            text += f" (its duration, unknown there, is yours: {self.hours:g} h)"
        return Problem(
            text + "; it is counted once",
            Location(self.where, path=self.yours),
            "remove it from your log, or change its provider, product or times, if it is another incident",
            "warning",
        )


def _span(record: OutageRecord) -> tuple[datetime, datetime]:
    """When the record says the incident ran: start to end (or start plus its duration); a date without a
    time stands for that whole day; an unknown length is taken as a moment."""
    start = record.start_dt
    hours = record.duration_hours
    if hours is not None:
        return start, start + timedelta(hours=hours)
    if record.end is not None:
        end = record.end if isinstance(record.end, datetime) else datetime.combine(record.end, start.timetz())
        return start, max(end, start)
    if isinstance(record.start, date) and not isinstance(record.start, datetime):
        return start, start + timedelta(days=1)
    return start, start


def _products(record: OutageRecord, table: AliasTable) -> set[str]:
    """The products a record names, its own and those it says it also took down (`affects`)."""
    names = {table.product(p) for p in record.product}
    names |= {table.product(item.split(":", 1)[0]) for item in record.affects}
    return names


def _same_incident(
    yours: OutageRecord, shipped: OutageRecord, table: AliasTable, tolerance: timedelta
) -> timedelta | None:
    """How long the two overlap (zero when they only meet within the tolerance), or None when they are not
    one incident: other provider, no product in common, or further apart than the tolerance."""
    if table.provider(yours.provider) != table.provider(shipped.provider):
        return None
    if not {table.product(p) for p in yours.product} & _products(shipped, table):
        return None
    a0, a1 = _span(yours)
    b0, b1 = _span(shipped)
    if a0 > b1 + tolerance or b0 > a1 + tolerance:
        return None
    return max(min(a1, b1) - max(a0, b0), timedelta(0))


def combine_history(
    shipped: Sequence[OutageRecord],
    yours: Sequence[OutageRecord],
    table: AliasTable,
    where: Sequence[str] | None = None,
    tolerance: timedelta = MATCH_TOLERANCE,
) -> tuple[list[OutageRecord], list[Merge]]:
    """The shipped records (each replaced where a record of yours completes it), then your records that
    match none. Each of yours folds into at most one shipped record and each shipped record takes at most
    one of yours: the one overlapping longest, then the nearest start, then the first id. `where` names the
    file of each of your records (for the located notes)."""
    combined = list(shipped)
    taken: set[int] = set()
    merges: list[Merge] = []
    kept: list[OutageRecord] = []
    by_provider: dict[str, list[int]] = {}  # only the same provider's records can be the same incident
    for i, candidate in enumerate(shipped):
        by_provider.setdefault(table.provider(candidate.provider), []).append(i)
    for n, record in enumerate(yours):
        best: tuple | None = None
        for i in by_provider.get(table.provider(record.provider), []):
            candidate = shipped[i]
            if i in taken:
                continue
            overlap = _same_incident(record, candidate, table, tolerance)
            if overlap is None:
                continue
            rank = (-overlap, abs(candidate.start_dt - record.start_dt), candidate.id)
            if best is None or rank < best[0]:
                best = (rank, i)
        if best is None:
            kept.append(record)
            continue
        i = best[1]
        taken.add(i)
        candidate = shipped[i]
        source = where[n] if where is not None and n < len(where) else "incident log"
        if candidate.duration_hours is None and record.duration_hours is not None:
            hours = round(record.duration_hours, 2)
            combined[i] = candidate.model_copy(update={"duration_minutes": round(record.duration_hours * 60, 1)})
            merges.append(Merge(record.id, candidate.id, "replaces", source, hours))
        else:
            merges.append(Merge(record.id, candidate.id, "confirms", source))
    return combined + kept, merges
