"""Backstage software catalog (`catalog-info.yaml`) into a Lynchpin catalog.

Components of type `service` or `website` become services; Resources, APIs and other Components become
dependencies. The relations keep their meaning: `spec.dependsOn` and `spec.consumesApis` are what an
entity needs (all needed: Backstage cannot say "any one of these"); a Component needs its subcomponents
(`subcomponentOf` names the parent); an API needs the Component that provides it (`providesApis`). Ids are
unique by kind: an API or Resource sharing its name with another kind gets its kind in front
(`api-wayback-archive`). What Backstage does not hold comes from `lynchpin.io/...` annotations (tier,
impact-tolerance, users, hourly-cost, provider, product, capability) or a stated default, and every
default used is listed, as are references to entities not in the file and the entities of kinds that do
not run (System, Domain, Group, User, Location, Template, Environment, AiResource; see RUNTIME_KINDS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from risk.catalog.sources.documents import load_yaml
from risk.catalog.vocabulary import CAPABILITIES
from risk.interchange.importers import CatalogImport

__all__ = ["BackstageImport", "from_backstage", "looks_like_backstage", "import_catalog"]

SERVICE_TYPES = ("service", "website")
#: The kinds that run: a Component (a service, website, library...), a Resource (a database, a bucket, a
#: queue) and an API (what a Component provides). Every other kind is left out and listed: System and
#: Domain group entities (their parts are listed themselves), Group and User are people, Location and
#: Template are catalog machinery, Environment is a place (prod, dev), AiResource a prompt or skill.
RUNTIME_KINDS = ("component", "resource", "api")
IGNORED_KINDS = ("system", "domain", "group", "user", "location", "template", "environment", "airesource")
PREFIX = "lynchpin.io/"


@dataclass
class BackstageImport:
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # 'Kind name' of each entity left out for its kind


def looks_like_backstage(text: str) -> bool:
    """Whether a YAML text is a Backstage catalog file (its entities name a backstage.io apiVersion)."""
    return bool(re.search(r"^apiVersion:\s*['\"]?backstage\.io/", text, re.MULTILINE))


def _id(ref: str, default_kind: str) -> tuple[str, str]:
    """(kind, catalog id) of an entity reference such as 'resource:default/entra-id' or 'entra-id'."""
    kind, _, rest = ref.rpartition(":") if ":" in ref else (default_kind, "", ref)
    namespace, _, name = rest.rpartition("/")
    ident = name if namespace in ("", "default") else f"{namespace}.{name}"
    return kind.lower() or default_kind, re.sub(r"[^a-z0-9._-]+", "-", ident.lower()).strip("-._") or "x"


class BackstageError(ValueError):
    """A file this reads but cannot import as it stands (two entities making one id): said as it is."""


def from_backstage(
    text: str, default_tolerance: str = "4h", default_tier: int = 3, name: str = "catalog-info.yaml"
) -> BackstageImport:
    """The catalog document for the entities of a catalog-info.yaml (one or several YAML documents), read
    with the catalog's limits (risk.catalog.sources.documents.load_yaml): InputError for a file that is not
    YAML or whose aliases expand too far. An entity of a shape this cannot read (metadata or spec that is not
    a mapping, dependsOn that is not a list, a tier annotation that is not a whole number) raises ValueError
    saying so, never anything else.

    Ids are unique by kind: a Component keeps its name; an API or Resource whose name another kind also
    has gets its kind in front ('api-wayback-archive'), so a Component and the API it provides stay two
    items. Two entities that would still make one id are refused, both named. The relations keep their
    meaning: dependsOn and consumesApis are what the entity needs; a Component's subcomponents are what
    it is made of, so it needs them; an API needs the Component that provides it (when that Component is a
    service, the API needs what the service needs: a dependency does not require a service)."""
    entities = [e for e in load_yaml(text, name, many=True) if isinstance(e, dict)]
    try:
        return _from_backstage(entities, default_tolerance, default_tier)
    except BackstageError:
        raise
    except (AttributeError, TypeError, KeyError, ValueError, OverflowError, RecursionError) as exc:
        raise ValueError(
            f"an entity has a shape this cannot read ({exc}): each needs metadata: {{name: ...}} and spec: {{...}} "
            f"as mappings, dependsOn and consumesApis as lists, and whole numbers in {PREFIX}tier and {PREFIX}users"
        ) from None


def _from_backstage(entities: list[dict], default_tolerance: str, default_tier: int) -> BackstageImport:
    result = BackstageImport({})
    notes = result.notes
    kept: list[tuple[str, str, dict]] = []  # (kind, base id, entity)
    for e in entities:
        kind = str(e.get("kind", "")).lower()
        meta = e.get("metadata") or {}
        if kind not in RUNTIME_KINDS or not meta.get("name"):
            notes.append(f"{e.get('kind')} {meta.get('name', '?')}: not a service or a dependency; left out")
            result.ignored.append(f"{e.get('kind')} {meta.get('name', '?')}")
            continue
        _, base = _id(f"{kind}:{meta.get('namespace', 'default')}/{meta['name']}", kind)
        kept.append((kind, base, e))
    kinds_of: dict[str, set[str]] = {}
    for kind, base, _ in kept:
        kinds_of.setdefault(base, set()).add(kind)
    ids: dict[tuple[str, str], str] = {}  # (kind, base id) -> catalog id
    owner: dict[str, str] = {}  # catalog id -> 'Kind name' that made it
    services: list[tuple[str, Any]] = []
    dependencies: list[tuple[str, Any]] = []
    known: dict[str, str] = {}  # catalog id -> 'service' or 'dependency'
    for kind, base, e in kept:
        shared = len(kinds_of[base]) > 1
        ident = f"{kind}-{base}" if shared and kind != "component" else base
        who = f"{e.get('kind')} {(e.get('metadata') or {}).get('name')}"
        if ident in owner:
            raise BackstageError(
                f"{owner[ident]} and {who} both make the catalog id '{ident}'; rename one of them "
                "(or give it another namespace)"
            )
        owner[ident] = who
        ids[(kind, base)] = ident
        spec = e.get("spec") or {}
        is_service = kind == "component" and str(spec.get("type", "")).lower() in SERVICE_TYPES
        known[ident] = "service" if is_service else "dependency"
        (services if is_service else dependencies).append((ident, e))
    unresolved: list[str] = []

    def resolve(ref: Any, default_kind: str) -> str | None:
        kind, base = _id(str(ref), default_kind)
        found = ids.get((kind, base))
        if found is None and ":" not in str(ref):  # a bare name: any runtime kind that has it, if only one
            matches = [v for (k, b), v in ids.items() if b == base]
            found = matches[0] if len(matches) == 1 else None
        if found is None and str(ref) not in unresolved:
            unresolved.append(str(ref))
        return found

    needs: dict[str, list[str]] = {ident: [] for ident in known}

    def add(holder: str, target: str | None) -> None:
        if target and target != holder and target not in needs[holder]:
            needs[holder].append(target)

    for ident, e in [*services, *dependencies]:
        spec = e.get("spec") or {}
        for ref in spec.get("dependsOn") or []:
            add(ident, resolve(ref, "component"))
        for ref in spec.get("consumesApis") or []:
            add(ident, resolve(ref, "api"))
        for ref in spec.get("providesApis") or []:
            api = resolve(ref, "api")
            if api:
                add(api, ident)  # the API is up only while what provides it is
        if spec.get("subcomponentOf"):
            parent = resolve(spec["subcomponentOf"], "component")
            if parent:
                add(parent, ident)  # the parent is made of its subcomponents

    def dependency_needs(ident: str, seen: frozenset = frozenset()) -> list[str]:
        """What a dependency needs, with each service it names replaced by what that service needs."""
        out: list[str] = []
        for target in needs[ident]:
            if known[target] == "dependency":
                expanded = [target]
            elif target in seen:
                expanded = []
            else:
                expanded = [t for t in _flatten(target, seen | {ident}) if known[t] == "dependency"]
            out += [t for t in expanded if t not in out and t != ident]
        return out

    def _flatten(service: str, seen: frozenset) -> list[str]:
        out: list[str] = []
        for target in needs[service]:
            if known[target] == "dependency":
                out.append(target)
            elif target not in seen:
                out += _flatten(target, seen | {service})
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
            "requires": needs[ident] or note("dependsOn", ident, []),
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
        if any(known[t] == "service" for t in needs[ident]):
            providers = ", ".join(t for t in needs[ident] if known[t] == "service")
            notes.append(f"{ident}: provided by (or made of) the service {providers}; it needs what that service needs")
            item["notes"] = f"Provided by (or made of) the service {providers} (Backstage providesApis/subcomponentOf)."
        requires = dependency_needs(ident)
        if requires:
            item["requires"] = requires
        doc_dependencies.append(item)
    notes += [f"{ref}: referenced, but not in the file; left out" for ref in unresolved]
    result.document = {
        "organisation": "Imported from Backstage",
        "services": doc_services,
        "dependencies": doc_dependencies,
    }
    return result


def import_catalog(
    files: list[tuple[str, bytes]], mapping: tuple[str, str] | None = None, *, tolerance: str = "4h"
) -> CatalogImport:
    """The importer registry's entry (risk.interchange.importers, "backstage"): one catalog-info.yaml."""
    [(name, data)] = files
    result = from_backstage(data.decode("utf-8", errors="replace"), default_tolerance=tolerance, name=name)
    return CatalogImport(result.document, notes=list(result.notes), left_out=list(result.ignored))
