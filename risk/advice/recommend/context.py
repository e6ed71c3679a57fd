"""What rules look at: the catalog, its structure and assessment, the controls and the outage history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from risk.catalog.model import Catalog, Controls
from risk.engine.assessment import Assessment
from risk.engine.structure import Structure, compile_catalog
from risk.history.aliases import AliasTable
from risk.history.model import OutageRecord

__all__ = ["Context"]


@dataclass
class Context:
    catalog: Catalog
    assessment: Assessment
    records: list[OutageRecord]
    aliases: AliasTable
    structure: Structure | None = field(default=None)

    def __post_init__(self) -> None:
        if self.structure is None:
            self.structure = compile_catalog(self.catalog)

    @property
    def controls(self) -> Controls:
        return self.catalog.controls or Controls()

    def names(self, ids) -> str:
        """Dependency names a reader recognises, joined: 'A', 'A and B', 'A, B and C'."""
        by_id = {d.id: d.name for d in self.catalog.dependencies}
        names = [by_id.get(i, i) for i in ids]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else "none"

    def select(self, spec: dict[str, Any]) -> list[str]:
        """Basic dependencies matching {provider, product, capability (one or a list), kind}, via aliases."""
        capabilities = spec.get("capability")
        if isinstance(capabilities, str):
            capabilities = [capabilities]
        out = []
        for d in self.catalog.dependencies:
            if d.is_logical:
                continue
            if "provider" in spec and self.aliases.provider(d.provider or "") != self.aliases.provider(
                spec["provider"]
            ):
                continue
            if "product" in spec and self.aliases.product(d.product or "") != self.aliases.product(spec["product"]):
                continue
            if capabilities and d.capability not in capabilities:
                continue
            if "kind" in spec and d.kind != spec["kind"]:
                continue
            out.append(d.id)
        return out

    def tier(self, service_id: str) -> int:
        return self.catalog.service(service_id).tier

    def relies_on(self, service_id: str) -> frozenset[str]:
        """The basic dependencies a service relies on (anywhere in its structure)."""
        structure = self.structure
        assert structure is not None  # compiled in __post_init__
        return structure.support(structure.nodes[service_id])
