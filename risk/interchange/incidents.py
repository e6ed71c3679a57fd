"""Tenant and provider incident logs into outage records: Microsoft 365 Service Health issues (Microsoft
Graph `serviceHealthIssue`), an Atlassian Statuspage `incidents.json`, and Google Cloud's public
`incidents.json`. The records are what `--outages` and the dashboard's incident logs read.

Each incident keeps its source (a link where the format has one) and its own id. Its capability comes from
the words of its product, feature and title (risk/data/incident-words.yaml); its severity from the
source's own scale. Products the alias table does not know are listed, so the user can add an alias; they
are kept as written (matching applies the aliases when it runs).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from risk.data import DATA, read_yaml
from risk.history.aliases import AliasTable, load_aliases
from risk.history.model import CSV_COLUMNS, OutageRecord
from risk.problems import InputError, Location, Problem
from risk.untrusted import spreadsheet_cell

__all__ = ["ImportResult", "import_incidents", "records_csv", "capability_of", "mapping_template"]

FIELDS = CSV_COLUMNS


@dataclass
class ImportResult:
    records: list[OutageRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why each incident left out was left out
    unknown_products: list[str] = field(default_factory=list)  # not in the alias table: add aliases for them
    records_in: int = 0  # incidents read from the export (records written + left out)
    unknown_locations: list[str] = field(default_factory=list)  # kept as text in scope, not as a region
    notes: list[str] = field(default_factory=list)  # about the file as a whole (e.g. 'page 1 of more')

    def summary(self) -> str:
        """'N incidents in, M records written, K left out' (every one left out is in `skipped`, with why)."""
        return f"{self.records_in} incident(s) in, {len(self.records)} record(s) written, {len(self.skipped)} left out"


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    doc = read_yaml(DATA / "incident-words.yaml") or {}
    return tuple(
        (capability, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
        for capability, patterns in (doc.get("capabilities") or {}).items()
    )


def capability_of(*texts: str | None) -> str:
    """The capability the texts name, the first text first (product, then feature, then title: a product
    called Exchange is about email whatever its feature group says), else 'other'."""
    for text in texts:
        if text:
            found = next((capability for capability, pattern in _patterns() if pattern.search(text)), None)
            if found:
                return found
    return "other"


_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def _when(text: Any) -> datetime | None:
    """A moment in UTC from ISO 8601 ('Z' or an offset such as '-06:00': converted, so 07:28-06:00 is
    13:28Z), or the '/Date(ms)/' form Windows PowerShell's ConvertTo-Json writes (milliseconds since
    1970 UTC; its trailing offset only says the zone it was shown in). A time without an offset is UTC."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a date")
    ms = _MS_DATE.match(text.strip().replace("\\/", "/"))
    if ms:
        return datetime.fromtimestamp(int(ms.group(1)) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO 8601 date") from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _ident(source: str, raw: Any) -> str:
    return f"{source}-" + re.sub(r"[^a-z0-9-]+", "-", str(raw).lower()).strip("-")


@dataclass
class _Context:
    """What a source's reader needs beyond one incident: the file's provider, the component mapping, and
    the result (for its unknown locations)."""

    result: ImportResult
    provider: str = ""
    mapping: dict[str, Any] = field(default_factory=dict)
    table: AliasTable | None = None
    rules: list[tuple[re.Pattern, str]] = field(default_factory=list)  # the mapping's component rules


def _component_rules(mapping: dict[str, Any]) -> list[tuple[re.Pattern, str]]:
    """The component mapping's rules, checked: each needs a `match` (a regular expression) and a
    `product`. A wrong rule is the mapping's problem, said with its number and how to fix it."""
    rules = mapping.get("components") or []
    if not isinstance(rules, list):
        raise InputError(
            [
                Problem(
                    "'components' is not a list of rules",
                    Location("component mapping"),
                    "see the mapping template (docs/methodology.md, incident logs)",
                )
            ]
        )
    out: list[tuple[re.Pattern, str]] = []
    for n, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict) or not rule.get("match") or not rule.get("product"):
            raise InputError(
                [
                    Problem(
                        f"component rule {n} needs a 'match' and a 'product'",
                        Location("component mapping", path=f"components[{n - 1}]"),
                        'write each rule as - match: "pattern" with product: Name (see the mapping template)',
                    )
                ]
            )
        try:
            out.append((re.compile(str(rule["match"]), re.IGNORECASE), str(rule["product"])))
        except re.error as exc:
            raise InputError(
                [
                    Problem(
                        f"component rule {n}: '{rule['match']}' is not a regular expression ({exc})",
                        Location("component mapping", path=f"components[{n - 1}].match"),
                        "escape special characters with a backslash, or write the plain name",
                    )
                ]
            ) from None
    return out


def _field(item: Any, name: str) -> Any:
    """A property read case-blind: Graph writes 'startDateTime', a PowerShell export 'StartDateTime'."""
    if not isinstance(item, dict):
        raise ValueError("an issue is not an object")
    if name in item:
        return item[name]
    folded = name.casefold()
    return next((v for k, v in item.items() if isinstance(k, str) and k.casefold() == folded), None)


def _m365_items(doc: Any, ctx: _Context) -> list[Any]:
    """The issues of a Graph response (`value`), of a saved set of pages (a list of responses), of one
    issue (Graph's GET of a single issue) or of a PowerShell export (`Get-MgServiceAnnouncementIssue -All |
    ConvertTo-Json`: a list of issues with PascalCase names, or one issue). A page whose `@odata.nextLink`
    names a page not given is reported: the set is 'page N of more'."""
    units = doc if isinstance(doc, list) else [doc]
    if not isinstance(doc, (dict, list)) or not all(isinstance(u, dict) for u in units):
        raise ValueError("expected the Graph response: an object with 'value', a list of serviceHealthIssue")
    pages = [u for u in units if isinstance(u.get("value"), list)]
    if isinstance(doc, dict) and not pages and (_field(doc, "id") is None or _field(doc, "service") is None):
        raise ValueError("expected the Graph response: an object with 'value', a list of serviceHealthIssue")
    issues: list[Any] = []
    for unit in units:  # a page of issues, or one issue (Graph's GET of one, or a PowerShell export's)
        issues += unit["value"] if isinstance(unit.get("value"), list) else [unit]
    last = pages[-1].get("@odata.nextLink") if pages else None
    if last:
        ctx.result.notes.append(
            f"page {len(pages)} of more: Microsoft Graph says more issues follow ({last}); only the "
            f"{len(pages)} page(s) given were read. Save every page (follow @odata.nextLink until there is none) "
            "and give them together, as a list of the responses or as several files"
        )
    return issues


def _m365(issue: Any, ctx: _Context) -> dict | str:
    ident = _field(issue, "id")
    if not ident:
        raise KeyError("id")
    status = str(_field(issue, "status") or "")
    if status.casefold() == "falsepositive":
        return f"{ident}: status falsePositive (Microsoft found no impact)"
    end = _field(issue, "endDateTime")
    if not _field(issue, "isResolved") or not end:
        return f"{ident}: not resolved yet (no end time)"
    service = _field(issue, "service")
    if not service:
        raise KeyError("service")
    classification = str(_field(issue, "classification") or "").casefold()
    return {
        "id": _ident("m365", ident),
        "provider": "Microsoft",
        "product": [str(service)],
        "words": (service, _field(issue, "feature"), _field(issue, "featureGroup"), _field(issue, "title")),
        "start": _when(_field(issue, "startDateTime")),
        "end": _when(end),
        "severity": "partial" if classification == "incident" else "degraded",
        "summary": _field(issue, "title"),
        "scope": _field(issue, "impactDescription"),
        "source_url": None,  # the tenant's own Service Health: no public address
    }


_STATUSPAGE_SEVERITY = {"critical": "major", "major": "partial", "minor": "degraded"}


def _statuspage_items(doc: Any, ctx: _Context) -> list[Any]:
    if not isinstance(doc, dict) or not isinstance(doc.get("incidents"), list):
        raise ValueError("expected a Statuspage incidents.json: an object with 'page' and 'incidents'")
    ctx.provider = str(ctx.mapping.get("provider") or (doc.get("page") or {}).get("name") or "unknown provider")
    return doc["incidents"]


def _component_products(components: list[str], ctx: _Context) -> list[str]:
    """Each component's product: the first component-mapping rule whose pattern matches its name, else
    the name itself when the alias table knows it, else the mapping's default product, else the name as
    written (then listed as a product the alias table does not know)."""
    rules = ctx.rules
    default = ctx.mapping.get("default_product")
    out: list[str] = []
    for name in components:
        product = next((p for pattern, p in rules if pattern.search(name)), None)
        if product is None and ctx.table is not None and _known(ctx.table, name):
            product = name
        product = product or (str(default) if default else name)
        if product not in out:
            out.append(product)
    return out


def _statuspage(incident: Any, ctx: _Context) -> dict | str:
    ident = incident["id"]
    impact = incident.get("impact") or "none"
    severity = _STATUSPAGE_SEVERITY.get(impact)
    if severity is None:
        return f"{ident}: impact '{impact}' (a notice, not an outage)"
    if not incident.get("resolved_at"):
        return f"{ident}: not resolved yet"
    components = [c["name"] for c in incident.get("components") or [] if c.get("name")]
    products = _component_products(components, ctx)
    fallback = ctx.mapping.get("default_product") or ctx.provider
    return {
        "id": _ident(re.sub(r"[^a-z0-9]+", "", ctx.provider.lower()) or "statuspage", ident),
        "provider": ctx.provider,
        "product": products or [str(fallback)],
        "words": (*products, *components, incident.get("name")),
        "start": _when(incident.get("started_at") or incident.get("created_at")),
        "end": _when(incident["resolved_at"]),
        "severity": severity,
        "summary": incident.get("name"),
        "scope": None,
        "source_url": incident.get("shortlink"),
    }


_GCP_SEVERITY = {"high": "major", "medium": "partial", "low": "degraded"}
#: Google Cloud's location names follow one convention (cloud.google.com/about/locations): the part before
#: the first '-' says the continent, and multi-regions ('nam5', 'eur3') start with their area. A location
#: that neither Lynchpin's region names, its place name ('Taiwan (asia-east1)') nor this convention places
#: is kept as text in the record's scope and reported.
_GCP_AREAS = {
    "asia": "asia-pacific",
    "australia": "asia-pacific",
    "europe": "europe",
    "eur": "europe",
    "us": "us",
    "nam": "us",
    "southamerica": "south-america",
    "me": "middle-east-africa",
    "africa": "middle-east-africa",
}


def _gcp_region(location: dict) -> str | None:
    from risk.regions import region_of, regions_in

    code, title = str(location.get("id") or ""), str(location.get("title") or "")
    found = region_of(code)
    if found:
        return found
    places = regions_in(title.split("(")[0])
    if len(places) == 1:
        return places[0]
    area = re.match(r"^([a-z]+)(?:\d+|-[a-z]+\d+)$", code)  # 'nam5' (a multi-region), 'europe-west10'
    if area and area.group(1) in _GCP_AREAS:
        return _GCP_AREAS[area.group(1)]
    if code.startswith("northamerica-northeast"):
        return "canada"
    return None


def _gcp_items(doc: Any, ctx: _Context) -> list[Any]:
    if not isinstance(doc, list):
        raise ValueError("expected Google Cloud's incidents.json: a list of incidents")
    return doc


def _gcp(incident: Any, ctx: _Context) -> dict | str:
    ident = incident["id"]
    if not incident.get("end"):
        return f"{ident}: not resolved yet"
    products = [p["title"] for p in incident.get("affected_products") or [] if p.get("title")]
    places = [p for p in incident.get("previously_affected_locations") or [] if p.get("id") != "global"]
    regions, unplaced = [], []
    for place in places:
        region = _gcp_region(place)
        if region is None:
            unplaced.append(str(place.get("title") or place.get("id")))
        elif region not in regions:
            regions.append(region)
    for name in unplaced:
        if name not in ctx.result.unknown_locations:
            ctx.result.unknown_locations.append(name)
    return {
        "id": _ident("gcp", ident),
        "provider": "Google",
        "product": products or [incident.get("service_name") or "Google Cloud"],
        "words": (*products, incident.get("external_desc")),
        "start": _when(incident["begin"]),
        "end": _when(incident["end"]),
        "severity": _GCP_SEVERITY.get(incident.get("severity") or "", "partial"),
        "summary": incident.get("external_desc"),
        "scope": ("Google Cloud locations not in Lynchpin's regions: " + "; ".join(unplaced)) if unplaced else None,
        "regions": sorted(regions),
        "source_url": f"https://status.cloud.google.com/{incident['uri']}" if incident.get("uri") else None,
    }


def _known(table: AliasTable, product: str) -> bool:
    """Whether the alias table knows a product (its canonical name or one of its aliases)."""
    canonical = table.product(product)
    return canonical in table.products or canonical in table.products.values()


def _incident_id(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("id", "Id", "ID"):
            if item.get(key):
                return str(item[key])
    return "an incident without an id"


def import_incidents(
    data: bytes | list[tuple[str, bytes]],
    source: str,
    name: str = "file",
    aliases: AliasTable | None = None,
    mapping: dict[str, Any] | None = None,
) -> ImportResult:
    """Outage records from one incident export (`source`: the name of one of
    risk.interchange.importers.incident_importers(): m365, statuspage, gcp), or from several saved
    pages of one (a list of (name, bytes); Microsoft Graph's pages). An incident that cannot be read is
    left out with its reason, never the whole file; a file that is not that export (or none of whose
    incidents can be read) raises InputError with where and how to fix it. `mapping` (statuspage): how the
    page's components map to products (mapping_template())."""
    from risk.interchange.importers import incident_importers

    sources = incident_importers()  # the registry: one record per export format
    if source not in sources:
        raise InputError([Problem(f"unknown source '{source}'", Location(name), f"use {', '.join(sources)}")])
    importer = sources[source]
    files = data if isinstance(data, list) else [(name, data)]
    docs = []
    for file_name, raw in files:
        try:
            docs.append(json.loads(raw.decode("utf-8-sig")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                [Problem(f"not JSON: {exc}", Location(file_name), "give the export file as downloaded")]
            ) from None
        except RecursionError:
            raise InputError(
                [
                    Problem(
                        "the document is nested too deeply to read",
                        Location(file_name),
                        "give the export file as downloaded",
                    )
                ]
            ) from None
    table = aliases or load_aliases()
    result = ImportResult()
    ctx = _Context(result, mapping=dict(mapping or {}), table=table)
    ctx.rules = _component_rules(ctx.mapping)
    read_items, read_one = importer.functions()
    items: list[Any] = []
    try:
        if importer.pages_as_one and len(docs) > 1:
            items = read_items(docs, ctx)  # several saved pages: read as one set
        else:
            for doc in docs:
                items += read_items(doc, ctx)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError) as exc:
        raise InputError(
            [Problem(f"not a {source} incident export: {exc}", Location(name), f"export it as {importer.reads}")]
        ) from None
    result.records_in = len(items)
    unreadable: list[str] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        try:
            converted = read_one(item, ctx)
            if isinstance(converted, str):
                result.skipped.append(converted)
                continue
            words = converted.pop("words")
            start, end = converted.pop("start"), converted.pop("end")
            minutes = (end - start).total_seconds() / 60 if start and end else None
            record = OutageRecord.model_validate(
                {
                    **converted,
                    "capability": [capability_of(*words)],
                    "start": _iso(start),
                    "end": _iso(end),
                    "duration_minutes": round(minutes, 1) if minutes is not None else None,
                    "confidence": "high",
                    "cause": None,
                }
            )
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError) as exc:
            why = f"no '{exc.args[0]}'" if isinstance(exc, KeyError) else _first_line(exc)
            reason = f"{_incident_id(item)} (incident {n}): cannot be read: {why}"
            result.skipped.append(reason)
            unreadable.append(reason)
            continue
        if record.id in seen:
            result.skipped.append(f"{_incident_id(item)}: the same incident again (id {record.id}); read once")
            continue
        seen.add(record.id)
        result.records.append(record)
        for product in record.product:
            if not _known(table, product) and product not in result.unknown_products:
                result.unknown_products.append(product)
    if items and not result.records and len(unreadable) == len(items):
        raise InputError(
            [
                Problem(
                    f"not a {source} incident export: no incident could be read ({unreadable[0]})",
                    Location(name),
                    f"export it as {importer.reads}",
                )
            ]
        )
    return result


def _first_line(exc: Exception) -> str:
    """A validation error's first complaint, in one line."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc") or ())
        return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def mapping_template() -> str:
    """A commented Statuspage component mapping to start from (lynchpin outages import --mapping FILE)."""
    return """# How a status page's components map to products (lynchpin outages import --from statuspage --mapping FILE).
# Without a mapping, a component is kept as its own product: that matches a catalog dependency only when the
# alias table knows the name (risk/data/aliases.yaml), and every name it does not know is listed.
provider: Cisco               # who runs the page, as your catalog names the provider (else the page's name)
components:                   # the first rule whose pattern matches a component's name gives its product
  - match: "authentication|DUO\\\\d+"     # case-blind regular expression on the component name
    product: Duo
  - match: "admin panel|dashboard"
    product: Duo
default_product: Duo          # for components no rule matches and incidents that name no component
"""


def records_csv(records: list[OutageRecord]) -> str:
    """The records in the outage-history CSV form (the columns of risk/data/history.csv)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        row = r.model_dump(mode="json")
        writer.writerow(
            {
                k: spreadsheet_cell("; ".join(v) if isinstance(v, list) else ("" if v is None else v))
                for k, v in ((f, row.get(f)) for f in FIELDS)
            }
        )
    return buffer.getvalue()
