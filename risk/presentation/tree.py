"""A service's requirement as an indented tree of lines, for the dashboard and reports."""

from __future__ import annotations

from dataclasses import dataclass

from risk.catalog.model import AllOf, AnyOf, AtLeast, Catalog, Ref
from risk.durations import format_duration
from risk.history.model import provider_product

__all__ = ["TreeLine", "requirement_tree"]


@dataclass(frozen=True)
class TreeLine:
    depth: int
    text: str
    ident: str | None = None  # the dependency or service id on this line, if any
    kind: str = "item"  # item | group | service | logical


def requirement_tree(catalog: Catalog, service_id: str, max_depth: int = 12) -> list[TreeLine]:
    """Every requirement of a service, expanded through logical groups, dependencies and other services."""
    deps = {d.id: d for d in catalog.dependencies}
    services = {s.id: s for s in catalog.services}
    lines: list[TreeLine] = []

    def item(ident: str, depth: int, grace: float | None, trail: tuple[str, ...]) -> None:
        suffix = f" (grace {format_duration(grace)})" if grace else ""
        if ident in services:
            lines.append(TreeLine(depth, f"service: {services[ident].name}{suffix}", ident, "service"))
            if ident not in trail and depth < max_depth:
                expr(services[ident].requires, depth + 1, (*trail, ident))
            return
        d = deps.get(ident)
        if d is None:
            lines.append(TreeLine(depth, f"{ident} (unknown)", ident))
            return
        if d.is_logical:
            lines.append(TreeLine(depth, f"{d.name}{suffix}", ident, "logical"))
        else:
            lines.append(
                TreeLine(depth, f"{d.name} — {provider_product(d.provider, d.product)} ({d.capability}){suffix}", ident)
            )
        if d.requires and ident not in trail and depth < max_depth:
            if not d.is_logical:
                lines.append(TreeLine(depth + 1, "which also needs:", None, "group"))
            expr(d.requires, depth + 1 + (0 if d.is_logical else 1), (*trail, ident))

    def expr(e, depth: int, trail: tuple[str, ...]) -> None:
        if isinstance(e, str):
            item(e, depth, None, trail)
        elif isinstance(e, Ref):
            item(e.id, depth, e.grace, trail)
        elif isinstance(e, AnyOf):
            lines.append(TreeLine(depth, f"any one of these {len(e.any_of)}:", None, "group"))
            for x in e.any_of:
                expr(x, depth + 1, trail)
        elif isinstance(e, AllOf):
            lines.append(TreeLine(depth, f"all of these {len(e.all_of)}:", None, "group"))
            for x in e.all_of:
                expr(x, depth + 1, trail)
        elif isinstance(e, AtLeast):
            lines.append(TreeLine(depth, f"at least {e.at_least} of these {len(e.of)}:", None, "group"))
            for x in e.of:
                expr(x, depth + 1, trail)
        elif isinstance(e, list):
            if depth > 0 and len(e) > 1:
                lines.append(TreeLine(depth, f"all of these {len(e)}:", None, "group"))
                depth += 1
            for x in e:
                expr(x, depth, trail)

    expr(services[service_id].requires, 0, (service_id,))
    return lines
