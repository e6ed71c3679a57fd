"""Which outage records hit which dependency (contract: provider and product match, capability or 'all')."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from risk.catalog.model import Catalog, Dependency
from risk.data import DATA, read_yaml
from risk.history.aliases import AliasTable, load_aliases
from risk.history.model import OUTAGE_CAPABILITIES, OutageRecord
from risk.regions import overlap, region_of

__all__ = ["matches", "records_for", "records_hitting", "filter_records", "unrecognised_products"]


@lru_cache(maxsize=1)
def counts_for() -> dict[str, frozenset[str]]:
    """Incident capability -> the dependency capabilities it counts for (risk/data/capabilities.yaml)."""
    doc = read_yaml(DATA / "capabilities.yaml") or {}
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


def unrecognised_products(
    catalog: Catalog, records: Iterable[OutageRecord], aliases: AliasTable | None = None, where: str = "catalog"
):
    """Warnings for names the history does not recognise. First, provider names that only look like a known
    provider (an invisible or look-alike character, a full-width letter: risk.history.lookalike), or like
    another spelling in the same catalog. Then dependencies of a provider the history knows, under a product
    name it does not know and without an estimate: their rate would silently fall back to the no-data
    default. Each names the closest known product of that provider (by its look-alike skeleton, by name, or
    by one name containing the other), and the known ones."""
    from risk.history.lookalike import provider_lookalikes, skeleton
    from risk.problems import Location, Problem, Suggestions, WorkBudget

    records = list(records)
    table = aliases or load_aliases()
    out = provider_lookalikes(catalog, dict.fromkeys(r.provider for r in records), table, where)
    known: dict[str, dict[str, str]] = {}  # provider -> canonical product -> a name as written in history
    for r in records:
        for p in r.product:
            known.setdefault(table.provider(r.provider), {}).setdefault(table.product(p), p)
        for item in r.affects:
            name = item.split(":", 1)[0].strip()
            known.setdefault(table.provider(r.provider), {}).setdefault(table.product(name), name)
    guesses: dict[str, Suggestions] = {}  # per provider, built once; all within one budget of work
    work = WorkBudget()
    for i, dep in enumerate(catalog.dependencies):
        if dep.is_logical or dep.annual_outages is not None or dep.unavailability is not None:
            continue
        provider = table.provider(dep.provider or "")
        products = known.get(provider)
        if not products or table.product(dep.product or "") in products:
            continue
        wanted = " ".join((dep.product or "").casefold().split())
        names = sorted(products.values())
        guess = next((n for n in names if skeleton(n) == skeleton(dep.product or "")), None)
        guess = guess or next((n for n in names if wanted and (wanted in n.casefold() or n.casefold() in wanted)), None)
        if provider not in guesses:
            guesses[provider] = Suggestions(names, cutoff=0.5, budget=work)
        guess = guess or guesses[provider].nearest(dep.product or "")
        out.append(
            Problem(
                f"product '{dep.product}' of {dep.provider} is not in the outage history"
                + (f"; did you mean '{guess}'?" if guess else ".")
                + " Its outage rate falls back to the no-data default",
                Location(where, path=f"dependencies[{i}].product"),
                f"write the product as the history names it ({', '.join(names[:8])}"
                + (", ..." if len(names) > 8 else "")
                + "), add an alias, or give annual_outages and mean_outage",
                "warning",
            )
        )
    return out
