"""ServiceNow CMDB into a Lynchpin catalog, from two standard list exports (CSV): business services
(`cmdb_ci_service` and its subclasses) and CI relationships (`cmdb_rel_ci`: parent, type, child), with
display values or sys_ids, and with field names (`parent`) or the labels an XLSX export writes (`Parent`)
as headers. A relationship naming a CI by a sys_id neither export names is left out and listed (the CI
has no name to map); two business services whose names make one catalog id are refused, both rows named.

A mapping file (YAML; `lynchpin template servicenow-mapping` writes a commented one) says which columns hold
what the CMDB does not name the same way everywhere (impact tolerance, users, cost), which relationship
types mean "needs", and how CIs that are not business services map to provider, product and capability.
Business criticality "1 - most critical" ... "4 - not critical" gives the tier. What cannot be mapped is
listed, never dropped silently. A CMDB cannot say that two CIs are alternatives, so the import lists the
services that need several dependencies of one capability: they may be alternatives for the user to
confirm (as any_of).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from risk.catalog.vocabulary import CAPABILITIES

__all__ = ["DEFAULT_MAPPING", "ServiceNowImport", "from_servicenow", "mapping_template"]

DEFAULT_MAPPING: dict[str, Any] = {
    "columns": {
        "sys_id": "sys_id",
        "name": "name",
        "criticality": "busines_criticality",  # ServiceNow's own spelling of the field
        "impact_tolerance": None,
        "users": None,
        "hourly_cost": None,
    },
    "defaults": {"impact_tolerance": "4h", "tier": 3},
    "needs": ["Depends on::Used by", "Runs on::Runs", "Uses::Used by", "Hosted on::Hosts", "Consumes::Consumed by"],
    "items": [],
}


@dataclass
class ServiceNowImport:
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # CIs described only by defaults
    maybe_alternatives: list[str] = field(default_factory=list)


def mapping_template() -> str:
    """A commented mapping file to start from."""
    return """# How a ServiceNow CMDB export maps to a Lynchpin catalog (lynchpin import servicenow --mapping FILE).
columns:                      # columns of the business-services export
  sys_id: sys_id              # the CI's sys_id (relationships may name CIs by it)
  name: name
  criticality: busines_criticality   # "1 - most critical" ... "4 - not critical" -> tier 1-4
  impact_tolerance: u_impact_tolerance   # your custom field, if any (e.g. "4h"); else the default below
  users: u_users              # optional
  hourly_cost: u_hourly_cost  # optional
defaults:
  impact_tolerance: 4h
  tier: 3
needs:                        # relationship types where the parent needs the child
  - "Depends on::Used by"
  - "Runs on::Runs"
  - "Uses::Used by"
  - "Hosted on::Hosts"
items:                        # CIs that are not business services: the first rule whose pattern matches
  - match: "entra|azure ad|microsoft sign"   # case-blind regular expression on the CI name
    provider: Microsoft
    product: Entra ID
    capability: sign-in
  - match: "exchange"
    provider: Microsoft
    product: Exchange Online
    capability: email
"""


def _rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig", errors="replace")
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(io.StringIO(text))]


#: The column labels ServiceNow's XLSX (and 'display labels' CSV) export writes instead of field names.
LABELS: dict[str, tuple[str, ...]] = {
    "sys_id": ("Sys ID",),
    "name": ("Name",),
    "busines_criticality": ("Business criticality",),
    "parent": ("Parent",),
    "type": ("Type",),
    "child": ("Child",),
}
SYS_ID = re.compile(r"^[0-9a-f]{32}$", re.IGNORECASE)


def _fold(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", header.casefold())


def _column(headers: list[str], wanted: str | None) -> str | None:
    """The header that holds a field: its name ('busines_criticality'), its label ('Business
    criticality'), either written in any case or spacing; None when the export has no such column."""
    if not wanted:
        return None
    if wanted in headers:
        return wanted
    spellings = {_fold(wanted), *(_fold(label) for label in LABELS.get(wanted, ()))}
    return next((h for h in headers if _fold(h) in spellings), None)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._") or "ci"


def _tier(value: str) -> int | None:
    match = re.match(r"\s*([1-4])\b", value or "")
    return int(match.group(1)) if match else None


def from_servicenow(
    services_csv: bytes, relations_csv: bytes, mapping: dict[str, Any] | None = None
) -> ServiceNowImport:
    """The catalog document for the two exports, with what was assumed, unmapped or possibly redundant."""
    m = {**DEFAULT_MAPPING, **(mapping or {})}
    cols = {**DEFAULT_MAPPING["columns"], **(m.get("columns") or {})}
    defaults = {**DEFAULT_MAPPING["defaults"], **(m.get("defaults") or {})}
    needs = {t.casefold() for t in m.get("needs") or []}
    result = ServiceNowImport({})
    services_rows = _rows(services_csv)
    if services_rows:
        headers = list(services_rows[0])
        if _column(headers, cols["name"]) is None:
            raise ValueError(
                f"the services export has no '{cols['name']}' column (columns: {', '.join(headers)}); "
                "set columns.name in the mapping file"
            )
        cols = {key: _column(headers, wanted) or wanted for key, wanted in cols.items()}
    made_by: dict[str, tuple[int, str]] = {}  # catalog id -> (services row, name) that made it
    # Any spelling of a CI (sys_id or name) -> its catalog id.
    ids: dict[str, str] = {}
    services: dict[str, dict[str, Any]] = {}
    for row_number, row in enumerate(services_rows, start=2):
        name = row.get(cols["name"], "")
        if not name:
            result.notes.append(f"services row {row_number}: a business service without a name; left out")
            continue
        ident = _slug(name)
        if ident in made_by:
            first_row, first_name = made_by[ident]
            raise ValueError(
                f"services rows {first_row} ('{first_name}') and {row_number} ('{name}') both make the id "
                f"'{ident}'; rename one of them in ServiceNow (or remove the duplicate row) and export again"
            )
        made_by[ident] = (row_number, name)
        ids[name.casefold()] = ident
        if cols.get("sys_id") and row.get(cols["sys_id"]):
            ids[row[cols["sys_id"]].casefold()] = ident
        tier = _tier(row.get(cols["criticality"] or "", ""))
        if tier is None:
            tier = defaults["tier"]
            result.notes.append(f"{name}: no business criticality; tier {tier} assumed")
        tolerance = row.get(cols["impact_tolerance"] or "", "") if cols.get("impact_tolerance") else ""
        if not tolerance:
            tolerance = defaults["impact_tolerance"]
            result.notes.append(f"{name}: no impact tolerance; {tolerance} assumed")
        item: dict[str, Any] = {"id": ident, "name": name, "tier": tier, "impact_tolerance": tolerance, "requires": []}
        for key in ("users", "hourly_cost"):
            raw = row.get(cols[key] or "", "") if cols.get(key) else ""
            if raw:
                item[key] = int(float(raw)) if key == "users" else float(raw)
        services[ident] = item
    dependencies: dict[str, dict[str, Any]] = {}
    rules = [(re.compile(r["match"], re.IGNORECASE), r) for r in m.get("items") or [] if r.get("match")]

    def dependency(name: str) -> str:
        key = name.casefold()
        if key in ids:
            return ids[key]
        ident = _slug(name)
        if ident in services or ident in dependencies:
            taken = (services.get(ident) or dependencies[ident])["name"]
            while ident in services or ident in dependencies:
                ident += "-ci"
            result.notes.append(f"CI '{name}' makes the id of '{taken}'; it is '{ident}' in the catalog")
        ids[key] = ident
        rule = next((r for pattern, r in rules if pattern.search(name)), None)
        if rule is None:
            result.unmapped.append(name)
        capability = (rule or {}).get("capability", "other")
        if capability not in CAPABILITIES:
            result.notes.append(f"{name}: capability '{capability}' is not one of Lynchpin's; 'other' used")
            capability = "other"
        dependencies[ident] = {
            "id": ident,
            "name": name,
            "provider": (rule or {}).get("provider", "Internal"),
            "product": (rule or {}).get("product", name),
            "capability": capability,
            "kind": (rule or {}).get("kind", "internal" if rule is None else "saas"),
        }
        return ident

    relation_rows = _rows(relations_csv)
    headers = list(relation_rows[0]) if relation_rows else []
    parent_col, type_col, child_col = (_column(headers, c) for c in ("parent", "type", "child"))
    if relation_rows and (parent_col is None or child_col is None or type_col is None):
        raise ValueError(
            f"the relationships export has no parent, type and child columns (columns: {', '.join(headers)}); "
            "export cmdb_rel_ci with the fields parent, type and child (or their labels Parent, Type, Child)"
        )
    for n, row in enumerate(relation_rows, start=2):
        parent, kind, child = row.get(parent_col or "", ""), row.get(type_col or "", ""), row.get(child_col or "", "")
        if not (parent and child):
            result.notes.append(f"relationships row {n}: no parent or child; left out")
            continue
        if kind.casefold() not in needs:
            result.notes.append(f"relationships row {n}: type '{kind}' is not a 'needs' type; left out")
            continue
        raw = [v for v in (parent, child) if SYS_ID.match(v) and v.casefold() not in ids]
        if raw:
            result.notes.append(
                f"relationships row {n}: '{raw[0]}' is a sys_id that is not in the services export, so the CI "
                "has no name; left out (export the relationships with display values, or add the CI's sys_id "
                "column to the services export)"
            )
            continue
        source = ids.get(parent.casefold()) or dependency(parent)
        target = ids.get(child.casefold()) or dependency(child)
        holder = services.get(source) or dependencies[source]
        requires = holder.setdefault("requires", [])
        if target != source and target not in requires:
            requires.append(target)
    for item in services.values():
        if not item["requires"]:
            result.notes.append(f"{item['name']}: no 'needs' relationship in the export; it needs nothing here")
        by_capability: dict[str, list[str]] = {}
        for ref in item["requires"]:
            if ref in dependencies:
                by_capability.setdefault(dependencies[ref]["capability"], []).append(dependencies[ref]["name"])
        for capability, names in by_capability.items():
            if len(names) > 1 and capability != "other":
                result.maybe_alternatives.append(
                    f"{item['name']} needs {len(names)} {capability} dependencies ({', '.join(names)}): if either "
                    "one is enough, make them an any_of"
                )
    for dep in dependencies.values():
        if not dep.get("requires"):
            dep.pop("requires", None)
    result.document = {
        "organisation": "Imported from ServiceNow",
        "services": list(services.values()),
        "dependencies": list(dependencies.values()),
    }
    return result


def read_mapping(text: str) -> dict[str, Any]:
    doc = yaml.safe_load(text) or {}
    if not isinstance(doc, dict):
        raise ValueError("the mapping file must be a YAML mapping (see lynchpin template servicenow-mapping)")
    return doc
