"""Which outage records hit which dependency (contract: provider and product match, capability or 'all')."""

from __future__ import annotations

from collections.abc import Iterable

from risk.catalog.model import Dependency
from risk.outages.aliases import AliasTable, load_aliases
from risk.outages.model import OutageRecord

__all__ = ["matches", "records_for"]


def matches(record: OutageRecord, dependency: Dependency, aliases: AliasTable | None = None) -> bool:
    """True when the record's provider and one of its products match the dependency (through aliases), and
    one of its capabilities is the dependency's or is 'all'. Logical dependencies never match."""
    if dependency.is_logical or not (dependency.provider and dependency.product and dependency.capability):
        return False
    table = aliases or load_aliases()
    if table.provider(record.provider) != table.provider(dependency.provider):
        return False
    product = table.product(dependency.product)
    if not any(table.product(p) == product for p in record.product):
        return False
    return "all" in record.capability or dependency.capability in record.capability


def records_for(
    dependency: Dependency, records: Iterable[OutageRecord], aliases: AliasTable | None = None
) -> list[OutageRecord]:
    """The records that hit a dependency, oldest first."""
    table = aliases or load_aliases()
    return sorted((r for r in records if matches(r, dependency, table)), key=lambda r: (r.start_dt, r.id))
