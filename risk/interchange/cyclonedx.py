"""CycloneDX (1.6, JSON) services export: every service and dependency of the catalog as a CycloneDX
`service`, with its provider, and the requirement links as the BOM's `dependencies` graph, so SBOM and
supply-chain tools can take in what the organisation's services rely on.

CycloneDX has no place for "at least 2 of 3" or "any one of these": a service's `dependsOn` lists every
item its requirements name (groups flattened), and the requirement itself is kept as a property
(`lynchpin:requires`) in Lynchpin's one-cell syntax, so nothing is lost for a reader who needs it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from risk.catalog.expressions import format_requirement, iter_refs
from risk.catalog.model import Catalog, Dependency, Service
from risk.version import __version__

__all__ = ["to_cyclonedx"]


def _ref(kind: str, ident: str) -> str:
    return f"{kind}:{ident}"


def to_cyclonedx(catalog: Catalog, timestamp: str | None = None) -> str:
    """The catalog as a CycloneDX 1.6 JSON BOM of services (deterministic for the same catalog and
    timestamp: the serial number is derived from the organisation and the items)."""
    kinds = {s.id: "service" for s in catalog.services} | {d.id: "dependency" for d in catalog.dependencies}

    def props(pairs) -> list[dict[str, str]]:
        return [{"name": f"lynchpin:{k}", "value": str(v)} for k, v in pairs if v not in (None, "", [])]

    services: list[dict[str, Any]] = []
    graph: list[dict[str, Any]] = []
    for s in catalog.services:
        services.append(
            {
                "bom-ref": _ref("service", s.id),
                "name": s.name,
                "properties": props(
                    [
                        ("kind", "business service"),
                        ("tier", s.tier),
                        ("impact_tolerance_hours", s.impact_tolerance),
                        ("users", s.users),
                        ("requires", format_requirement(s.requires) if s.requires else None),
                    ]
                ),
            }
        )
    for d in catalog.dependencies:
        services.append(
            {
                "bom-ref": _ref("dependency", d.id),
                "name": d.name,
                "provider": {"name": d.provider} if d.provider else None,
                "group": d.product or None,
                "properties": props(
                    [
                        ("kind", d.kind),
                        ("capability", d.capability),
                        ("region", d.region),
                        ("requires", format_requirement(d.requires) if d.requires else None),
                    ]
                ),
            }
        )
    items: list[Service | Dependency] = [*catalog.services, *catalog.dependencies]
    for item in items:
        needs: list[str] = []
        for ref, _, _ in iter_refs(item.requires, ()):
            target = _ref(kinds[ref], ref)
            if target not in needs:
                needs.append(target)
        graph.append({"ref": _ref(kinds[item.id], item.id), "dependsOn": needs})
    names = sorted(x["bom-ref"] for x in services)
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, catalog.organisation + '|' + '|'.join(names))}",
        "version": 1,
        "metadata": {
            "timestamp": timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "lynchpin", "version": __version__}]},
            "component": {"type": "application", "bom-ref": "catalog", "name": catalog.organisation},
        },
        "services": [{k: v for k, v in x.items() if v not in (None, [], "")} for x in services],
        "dependencies": graph,
    }
    return json.dumps(bom, indent=2, ensure_ascii=False) + "\n"
