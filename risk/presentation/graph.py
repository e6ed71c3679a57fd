"""The catalog as a layered graph for drawing: providers -> dependencies -> groups -> services.

Pure layout (no risk maths): node columns, an ordering that keeps edges short, and the edges themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from risk.catalog.expressions import iter_refs
from risk.catalog.model import Catalog, Dependency, Service

__all__ = ["GraphNode", "layered_graph", "provider_reliance"]


@dataclass
class GraphNode:
    id: str
    label: str
    kind: str  # provider | dependency | logical | service
    x: int  # the column: 0 providers, 1 dependencies, 2 logical, 3 services
    y: float = 0.0


def layered_graph(catalog: Catalog) -> tuple[dict[str, GraphNode], list[tuple[str, str]]]:
    """Nodes keyed 'kind:id' with positions, and edges (from the thing needed to the thing needing it)."""
    nodes: dict[str, GraphNode] = {}
    edges: list[tuple[str, str]] = []
    service_ids = {s.id for s in catalog.services}
    dep_kind = {d.id: ("logical" if d.is_logical else "dependency") for d in catalog.dependencies}

    def key(ident: str) -> str:
        return f"service:{ident}" if ident in service_ids else f"{dep_kind[ident]}:{ident}"

    for d in catalog.dependencies:
        if d.is_logical:
            nodes[key(d.id)] = GraphNode(d.id, d.name, "logical", 2)
        else:
            nodes[key(d.id)] = GraphNode(d.id, d.name, "dependency", 1)
            pkey = f"provider:{d.provider}"
            nodes.setdefault(pkey, GraphNode(d.provider or "", d.provider or "", "provider", 0))
            edges.append((pkey, key(d.id)))
    for s in catalog.services:
        nodes[key(s.id)] = GraphNode(s.id, s.name, "service", 3)
    items: list[Dependency | Service] = [*catalog.dependencies, *catalog.services]
    for item in items:
        for ref, _, _ in iter_refs(item.requires):
            edges.append((key(ref), key(item.id)))

    # Order each column: providers alphabetically, then every later column by the mean position of what
    # feeds it (one barycentric sweep), which keeps most edges short.
    columns: dict[float, list[GraphNode]] = {}
    for n in nodes.values():
        columns.setdefault(n.x, []).append(n)
    feeds: dict[str, list[str]] = {}
    for a, b in edges:
        feeds.setdefault(b, []).append(a)
    for x in sorted(columns):
        col = columns[x]
        if x == 0:
            col.sort(key=lambda n: n.label.lower())
        else:

            def bary(n: GraphNode) -> float:
                ys = [nodes[f].y for f in feeds.get(f"{n.kind}:{n.id}", []) if nodes[f].x < n.x]
                return sum(ys) / len(ys) if ys else 0.5

            col.sort(key=lambda n: (bary(n), n.label.lower()))
        for i, n in enumerate(col):
            n.y = 1.0 - (i + 0.5) / len(col)
    return nodes, edges


def provider_reliance(catalog: Catalog) -> dict[str, set[str]]:
    """Provider -> the services that rely on at least one of its dependencies (through groups, other
    dependencies and other services): the edges of the aggregated, provider-level map."""
    deps = {d.id: d for d in catalog.dependencies}
    services = {s.id: s for s in catalog.services}
    memo: dict[str, set[str]] = {}

    def providers_of(ident: str, trail: frozenset[str] = frozenset()) -> set[str]:
        if ident in memo:
            return memo[ident]
        if ident in trail:
            return set()
        item = deps.get(ident) or services.get(ident)
        if item is None:
            return set()
        dep = deps.get(ident)
        out: set[str] = {dep.provider} if dep is not None and not dep.is_logical and dep.provider else set()
        for ref, _, _ in iter_refs(item.requires):
            out |= providers_of(ref, trail | {ident})
        memo[ident] = out
        return out

    reliance: dict[str, set[str]] = {}
    for sid in services:
        for provider in providers_of(sid):
            reliance.setdefault(provider, set()).add(sid)
    return reliance
