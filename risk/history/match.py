"""Which outage records hit which dependency (contract: provider and product match, capability or 'all')."""

from __future__ import annotations

from collections.abc import Iterable

from risk.catalog.model import Catalog, Dependency
from risk.history.aliases import AliasTable, load_aliases
from risk.history.model import OutageRecord

__all__ = ["matches", "records_for", "records_hitting", "filter_records"]


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


def records_hitting(
    catalog: Catalog, records: Iterable[OutageRecord], aliases: AliasTable | None = None
) -> list[OutageRecord]:
    """The records that hit at least one dependency of the catalog, in their given order."""
    table = aliases or load_aliases()
    return [r for r in records if any(matches(r, d, table) for d in catalog.dependencies)]


def filter_records(
    records: Iterable[OutageRecord],
    provider: str | None = None,
    capability: str | None = None,
    aliases: AliasTable | None = None,
) -> list[OutageRecord]:
    """Records of a provider or product (any known spelling: 'Azure AD' finds the Entra ID records) and of a
    capability (records marked 'all' count for every capability), oldest first."""
    table = aliases or load_aliases()
    out = list(records)
    if provider:
        want, product = table.provider(provider), table.product(provider)
        out = [
            r for r in out if table.provider(r.provider) == want or any(table.product(p) == product for p in r.product)
        ]
    if capability:
        out = [r for r in out if capability in r.capability or "all" in r.capability]
    return sorted(out, key=lambda r: (r.start_dt, r.id))
