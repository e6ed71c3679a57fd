"""Which outage records hit which dependency (contract: provider and product match, capability or 'all')."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import yaml

from risk.catalog.model import Catalog, Dependency
from risk.data import DATA, require
from risk.history.aliases import AliasTable, load_aliases
from risk.history.model import OUTAGE_CAPABILITIES, OutageRecord
from risk.regions import overlap, region_of

__all__ = ["matches", "records_for", "records_hitting", "filter_records"]


@lru_cache(maxsize=1)
def counts_for() -> dict[str, frozenset[str]]:
    """Incident capability -> the dependency capabilities it counts for (risk/data/capabilities.yaml)."""
    doc = yaml.safe_load(require(DATA / "capabilities.yaml").read_text(encoding="utf-8")) or {}
    extra = doc.get("counts_for") or {}
    return {c: frozenset([c, *(extra.get(c) or [])]) for c in OUTAGE_CAPABILITIES}


def capability_counts(incident: list[str], dependency: str) -> bool:
    """Whether an incident of these capabilities counts for a dependency of this capability."""
    table = counts_for()
    return "all" in incident or any(dependency in table.get(c, frozenset([c])) for c in incident)


def matches(record: OutageRecord, dependency: Dependency, aliases: AliasTable | None = None) -> bool:
    """True when the record hits the dependency: its provider matches (through aliases), it is in the
    dependency's region (or either is unstated), and either one of its products matches with a capability
    that counts for the dependency's (see counts_for), or it lists the dependency's product and capability
    among what it also took down (`affects`). Logical dependencies never match."""
    if dependency.is_logical or not (dependency.provider and dependency.product and dependency.capability):
        return False
    table = aliases or load_aliases()
    if table.provider(record.provider) != table.provider(dependency.provider):
        return False
    if not overlap(record.regions, region_of(dependency.region)):
        return False
    product = table.product(dependency.product)
    if any(table.product(p) == product for p in record.product) and capability_counts(
        record.capability, dependency.capability
    ):
        return True
    for item in record.affects:
        name, capability = (x.strip() for x in item.split(":", 1))
        if table.product(name) == product and capability_counts([capability], dependency.capability):
            return True
    return False


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
