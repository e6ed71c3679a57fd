"""Backstage software catalog (`catalog-info.yaml`) into a Lynchpin catalog.

Components of type `service` or `website` become services; Resources, APIs and other Components become
dependencies; `spec.dependsOn` and `spec.consumesApis` become requirements (all needed: Backstage cannot
say "any one of these"). What Backstage does not hold comes from `lynchpin.io/...` annotations (tier,
impact-tolerance, users, hourly-cost, provider, product, capability) or a stated default, and every
default used is listed, as are references to entities not in the file and entities of kinds with no place
in a catalog (System, Domain, Group, User, Location).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from risk.catalog.sources.documents import load_yaml
from risk.catalog.vocabulary import CAPABILITIES

__all__ = ["BackstageImport", "from_backstage", "looks_like_backstage", "backstage_catalog_yaml"]

SERVICE_TYPES = ("service", "website")
IGNORED_KINDS = ("system", "domain", "group", "user", "location", "template")
PREFIX = "lynchpin.io/"


@dataclass
class BackstageImport:
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def looks_like_backstage(text: str) -> bool:
    """Whether a YAML text is a Backstage catalog file (its entities name a backstage.io apiVersion)."""
    return bool(re.search(r"^apiVersion:\s*['\"]?backstage\.io/", text, re.MULTILINE))


def _id(ref: str, default_kind: str) -> tuple[str, str]:
    """(kind, catalog id) of an entity reference such as 'resource:default/entra-id' or 'entra-id'."""
    kind, _, rest = ref.rpartition(":") if ":" in ref else (default_kind, "", ref)
    namespace, _, name = rest.rpartition("/")
    ident = name if namespace in ("", "default") else f"{namespace}.{name}"
    return kind.lower() or default_kind, re.sub(r"[^a-z0-9._-]+", "-", ident.lower()).strip("-._") or "x"


def from_backstage(
    text: str, default_tolerance: str = "4h", default_tier: int = 3, name: str = "catalog-info.yaml"
) -> BackstageImport:
    """The catalog document for the entities of a catalog-info.yaml (one or several YAML documents). Read
    with the catalog's limits (risk.catalog.sources.documents.load_yaml): raises InputError for a file that
    is not YAML or whose aliases expand too far. An entity of a shape this cannot read (metadata or spec that
    is not a mapping, dependsOn that is not a list, a tier annotation that is not a whole number) raises
    ValueError saying so, never anything else."""
    entities = [e for e in load_yaml(text, name, many=True) if isinstance(e, dict)]
    try:
        return _from_backstage(entities, default_tolerance, default_tier)
    except (AttributeError, TypeError, KeyError, ValueError, OverflowError, RecursionError) as exc:
        raise ValueError(
            f"an entity has a shape this cannot read ({exc}): each needs metadata: {{name: ...}} and spec: {{...}} "
            f"as mappings, dependsOn and consumesApis as lists, and whole numbers in {PREFIX}tier and {PREFIX}users"
        ) from None


def _from_backstage(entities: list[dict], default_tolerance: str, default_tier: int) -> BackstageImport:
    notes: list[str] = []
    services, dependencies = [], []
    known: dict[str, str] = {}  # catalog id -> 'service' or 'dependency'
    for e in entities:
        kind = str(e.get("kind", "")).lower()
        meta, spec = e.get("metadata") or {}, e.get("spec") or {}
        if kind in IGNORED_KINDS or not meta.get("name"):
            notes.append(f"{e.get('kind')} {meta.get('name', '?')}: not a service or a dependency; left out")
            continue
        _, ident = _id(f"{kind}:{meta.get('namespace', 'default')}/{meta['name']}", kind)
        is_service = kind == "component" and str(spec.get("type", "")).lower() in SERVICE_TYPES
        known[ident] = "service" if is_service else "dependency"
        (services if is_service else dependencies).append((ident, e))
    unresolved: list[str] = []

    def requires(e: dict) -> list[str]:
        spec = e.get("spec") or {}
        out = []
        for ref in [*(spec.get("dependsOn") or []), *(spec.get("consumesApis") or [])]:
            _, target = _id(str(ref), "component")
            if target not in known:
                if ref not in unresolved:
                    unresolved.append(str(ref))
                continue
            if target not in out:
                out.append(target)
        return out

    def note(key: str, ident: str, value: Any) -> Any:
        notes.append(f"{ident}: no {PREFIX}{key} annotation; {value} assumed")
        return value

    doc_services = []
    for ident, e in services:
        meta, spec = e.get("metadata") or {}, e.get("spec") or {}
        ann = meta.get("annotations") or {}
        item: dict[str, Any] = {
            "id": ident,
            "name": meta.get("title") or meta["name"],
            "tier": int(ann[PREFIX + "tier"]) if PREFIX + "tier" in ann else note("tier", ident, default_tier),
            "impact_tolerance": ann.get(PREFIX + "impact-tolerance")
            or note("impact-tolerance", ident, default_tolerance),
            "requires": requires(e) or note("dependsOn", ident, []),
        }
        if spec.get("owner"):
            item["owner"] = str(spec["owner"])
        for key, field_name in (("users", "users"), ("hourly-cost", "hourly_cost")):
            if PREFIX + key in ann:
                item[field_name] = float(ann[PREFIX + key]) if key == "hourly-cost" else int(ann[PREFIX + key])
        doc_services.append(item)
    doc_dependencies = []
    for ident, e in dependencies:
        meta = e.get("metadata") or {}
        ann = meta.get("annotations") or {}
        kind = str(e.get("kind", "")).lower()
        capability = ann.get(PREFIX + "capability") or ("api" if kind == "api" else None)
        if capability not in CAPABILITIES:
            capability = note("capability", ident, "other")
        item = {
            "id": ident,
            "name": meta.get("title") or meta["name"],
            "provider": ann.get(PREFIX + "provider") or note("provider", ident, "Internal"),
            "product": ann.get(PREFIX + "product") or meta.get("title") or meta["name"],
            "capability": capability,
            "kind": "internal" if not ann.get(PREFIX + "provider") else "saas",
        }
        needs = requires(e)
        if needs:
            item["requires"] = [n for n in needs if known[n] == "dependency"]
        doc_dependencies.append(item)
    notes += [f"{ref}: referenced, but not in the file; left out" for ref in unresolved]
    return BackstageImport(
        {"organisation": "Imported from Backstage", "services": doc_services, "dependencies": doc_dependencies},
        notes,
    )


def backstage_catalog_yaml(text: str, name: str = "catalog-info.yaml") -> tuple[str, list[str]]:
    """A Backstage file as catalog YAML and the notes on what was assumed: the whole conversion in one call,
    so that the dashboard can run it within an upload's budget (risk.catalog.sandbox.run_bounded)."""
    from risk.catalog.load import catalog_from_dict
    from risk.catalog.writers import catalog_to_yaml

    imported = from_backstage(text, name=name)
    return catalog_to_yaml(catalog_from_dict(imported.document, name=name)), imported.notes
