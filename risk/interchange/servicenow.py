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
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from risk.catalog.sources.documents import load_yaml
from risk.catalog.vocabulary import CAPABILITIES
from risk.interchange.importers import CatalogImport

__all__ = [
    "DEFAULT_MAPPING",
    "ServiceNowImport",
    "from_servicenow",
    "mapping_template",
    "read_mapping",
    "rule_pattern",
    "import_catalog",
]

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


def _rows(data: bytes, which: str) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig", errors="replace")
    try:
        rows = csv.DictReader(io.StringIO(text))
        return [{k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str)} for row in rows]
    except csv.Error as exc:  # a field over the csv module's limit (131,072 characters), a stray NUL
        raise ValueError(
            f"the {which} export, line {rows.line_num + 1}: cannot read the CSV ({exc}); export the list again as CSV"
        ) from None


def _number(raw: str, column: str, name: str) -> float:
    """A finite number from a services export cell (users, hourly cost), or a ValueError saying where."""
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value):
        raise ValueError(
            f"the services export, service '{name}', column '{column}': '{raw[:40]}' is not a number "
            "Lynchpin can use; give an ordinary number (9400, 1250.50)"
        )
    return value


def _check_mapping(m: dict[str, Any]) -> None:
    """The mapping's shape, checked before use, so a wrong shape is a message and never a traceback."""
    for key in ("columns", "defaults"):
        if not isinstance(m.get(key) or {}, dict):
            raise ValueError(f"mapping: '{key}' must be a mapping of name: value (see the mapping template)")
    if not isinstance(m.get("needs") or [], list) or not all(isinstance(t, str) for t in m.get("needs") or []):
        raise ValueError("mapping: 'needs' must be a list of relationship types, e.g. - Depends on::Used by")
    items = m.get("items") or []
    if not isinstance(items, list):
        raise ValueError("mapping: 'items' must be a list of rules, each {match: ..., provider: ..., ...}")
    for n, rule in enumerate(items):
        if not isinstance(rule, dict):
            raise ValueError(f"mapping: items[{n}] must be a mapping such as {{match: ..., provider: ...}}")
        if not isinstance(rule.get("match", ""), str):
            raise ValueError(f"mapping: items[{n}].match must be text (a regular expression)")
        try:
            re.compile(rule.get("match") or "")
        except re.error as exc:
            raise ValueError(f"mapping: items[{n}].match is not a regular expression: {exc}") from None


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
    if not isinstance(mapping or {}, dict):
        raise ValueError("the mapping file must be a YAML mapping (see lynchpin template servicenow-mapping)")
    m = {**DEFAULT_MAPPING, **(mapping or {})}
    _check_mapping(m)
    cols = {**DEFAULT_MAPPING["columns"], **(m.get("columns") or {})}
    defaults = {**DEFAULT_MAPPING["defaults"], **(m.get("defaults") or {})}
    needs = {t.casefold() for t in m.get("needs") or []}
    result = ServiceNowImport({})
    services_rows = _rows(services_csv, "services")
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
                value = _number(raw, cols[key], name)
                item[key] = int(value) if key == "users" else value
        services[ident] = item
    dependencies: dict[str, dict[str, Any]] = {}
    rules = [
        (rule_pattern(r["match"], f"items[{i}].match"), r)
        for i, r in enumerate(m.get("items") or [])
        if isinstance(r, dict) and r.get("match")
    ]
    spent = [0.0]

    def first_rule(name: str) -> dict | None:
        """The first rule whose pattern is found in the name's first MAX_MATCHED characters, within the
        import's MATCH_SECONDS of matching in all (checked between names; one name's matching is bounded by
        the refusal of nested repetition and the length cap)."""
        start = time.monotonic()
        try:
            return next((r for pattern, r in rules if pattern.search(name[:MAX_MATCHED])), None)
        finally:
            spent[0] += time.monotonic() - start
            if spent[0] > MATCH_SECONDS:
                raise ValueError(
                    f"the mapping's match patterns took over {MATCH_SECONDS:g} s to apply to the CIs (at '{name[:60]}')"
                    "; simplify them: plain words joined by | are enough to name a product"
                )

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
        rule = first_rule(name)
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

    relation_rows = _rows(relations_csv, "relationships")
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
        unnamed = [v for v in (parent, child) if SYS_ID.match(v) and v.casefold() not in ids]
        if unnamed:
            result.notes.append(
                f"relationships row {n}: '{unnamed[0]}' is a sys_id that is not in the services export, so the CI "
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


#: Longest match pattern accepted, and how much of a CI name a pattern is tried against (CMDB names are short).
MAX_PATTERN = 500
MAX_MATCHED = 256
#: Most time all of an import's pattern matching may take, in seconds.
MATCH_SECONDS = 2.0
#: Most unbounded repetitions (*, +, {n,}) in one pattern: each multiplies the work a failed search does.
MAX_UNBOUNDED = 3


def rule_pattern(text: Any, where: str) -> re.Pattern:
    """A mapping rule's `match` compiled, or ValueError naming the rule when it cannot be, or when it could
    take exponential time: a repetition of something that itself repeats or has alternatives (`(a+)+$`,
    `(a|aa)*$`), or a back-reference. Python's re cannot be interrupted, so such patterns are refused before
    any name is tried; what is left is polynomial in the (capped) name length."""
    from re import _parser  # type: ignore[attr-defined]

    text = str(text)
    if len(text) > MAX_PATTERN:
        raise ValueError(f"mapping {where}: the pattern is {len(text)} characters long, over {MAX_PATTERN}")
    try:
        compiled = re.compile(text, re.IGNORECASE)
        parsed = _parser.parse(text, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ValueError(f"mapping {where}: the pattern '{text[:80]}' is not a regular expression: {exc}") from None
    repeats = (_parser.MAX_REPEAT, _parser.MIN_REPEAT)
    unbounded = [0]

    def risky(items, inside_repeat: bool) -> str | None:
        for op, av in items:
            if op in repeats:
                low, high, sub = av
                if high > 1 and inside_repeat:
                    return "a repetition inside a repetition"
                if high == _parser.MAXREPEAT:
                    unbounded[0] += 1
                found = risky(sub, inside_repeat or high > 1)
            elif op is _parser.BRANCH:
                if inside_repeat:
                    return "alternatives (|) inside a repetition"
                found = next((f for branch in av[1] if (f := risky(branch, inside_repeat))), None)
            elif op is _parser.SUBPATTERN:
                found = risky(av[-1], inside_repeat)
            elif op in (_parser.ASSERT, _parser.ASSERT_NOT):
                found = risky(av[1], inside_repeat)
            elif op in (_parser.GROUPREF, _parser.GROUPREF_EXISTS):
                return "a back-reference"
            else:
                found = None
            if found:
                return found
        return None

    why = risky(parsed, False)
    if why is None and unbounded[0] > MAX_UNBOUNDED:
        why = f"{unbounded[0]} unbounded repetitions (at most {MAX_UNBOUNDED})"
    if why:
        raise ValueError(
            f"mapping {where}: the pattern '{text[:80]}' has {why}, which can take the import minutes to apply; "
            "write it without nesting, e.g. 'a+$' for '(a+)+$', or plain words joined by | ('okta|auth0')"
        )
    return compiled


def read_mapping(text: str, name: str = "mapping.yaml") -> dict[str, Any]:
    """A mapping file, read with the catalog's YAML limits (InputError for a file that is not YAML or whose
    aliases expand too far; ValueError for the wrong shape)."""
    doc = load_yaml(text, name) or {}
    if not isinstance(doc, dict):
        raise ValueError("the mapping file must be a YAML mapping (see lynchpin template servicenow-mapping)")
    return doc


def import_catalog(files: list[tuple[str, bytes]], mapping: tuple[str, str] | None = None) -> CatalogImport:
    """The importer registry's entry (risk.interchange.importers, "servicenow"): the business services and
    the CI relationships exports, and an optional mapping file ((text, name))."""
    [(_, services), (_, relations)] = files
    rules = read_mapping(*mapping) if mapping is not None else None
    result = from_servicenow(services, relations, rules)
    unmapped = [f"no mapping rule: {n} (Internal, capability other)" for n in result.unmapped]
    return CatalogImport(
        result.document,
        notes=[*result.notes, *unmapped],
        left_out=list(result.unmapped),
        checks=list(result.maybe_alternatives),
    )
