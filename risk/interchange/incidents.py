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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from risk.data import DATA, read_yaml
from risk.history.aliases import AliasTable, load_aliases
from risk.history.model import CSV_COLUMNS, OutageRecord
from risk.problems import InputError, Location, Problem
from risk.untrusted import spreadsheet_cell

__all__ = ["SOURCES", "ImportResult", "import_incidents", "records_csv", "capability_of"]

FIELDS = CSV_COLUMNS


@dataclass
class ImportResult:
    records: list[OutageRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why each incident left out was left out
    unknown_products: list[str] = field(default_factory=list)  # not in the alias table: add aliases for them


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


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _ident(source: str, raw: Any) -> str:
    return f"{source}-" + re.sub(r"[^a-z0-9-]+", "-", str(raw).lower()).strip("-")


def _m365(doc: Any) -> Iterable[dict | str]:
    issues = doc.get("value") if isinstance(doc, dict) else doc
    if not isinstance(issues, list):
        raise ValueError("expected the Graph response: an object with 'value', a list of serviceHealthIssue")
    for issue in issues:
        if not issue.get("isResolved") or not issue.get("endDateTime"):
            yield f"{issue.get('id')}: not resolved yet (no end time)"
            continue
        yield {
            "id": _ident("m365", issue["id"]),
            "provider": "Microsoft",
            "product": [issue["service"]],
            "words": (issue.get("service"), issue.get("feature"), issue.get("featureGroup"), issue.get("title")),
            "start": _when(issue["startDateTime"]),
            "end": _when(issue["endDateTime"]),
            "severity": "partial" if issue.get("classification") == "incident" else "degraded",
            "summary": issue.get("title"),
            "scope": issue.get("impactDescription"),
            "source_url": None,  # the tenant's own Service Health: no public address
        }


_STATUSPAGE_SEVERITY = {"critical": "major", "major": "partial", "minor": "degraded"}


def _statuspage(doc: Any) -> Iterable[dict | str]:
    if not isinstance(doc, dict) or not isinstance(doc.get("incidents"), list):
        raise ValueError("expected a Statuspage incidents.json: an object with 'page' and 'incidents'")
    provider = (doc.get("page") or {}).get("name") or "unknown provider"
    for incident in doc["incidents"]:
        severity = _STATUSPAGE_SEVERITY.get(incident.get("impact") or "none")
        if severity is None:
            yield f"{incident.get('id')}: impact 'none' (a notice, not an outage)"
            continue
        if not incident.get("resolved_at"):
            yield f"{incident.get('id')}: not resolved yet"
            continue
        components = [c["name"] for c in incident.get("components") or [] if c.get("name")]
        yield {
            "id": _ident(re.sub(r"[^a-z0-9]+", "", provider.lower()) or "statuspage", incident["id"]),
            "provider": provider,
            "product": components or [provider],
            "words": (*components, incident.get("name")),
            "start": _when(incident.get("started_at") or incident.get("created_at")),
            "end": _when(incident["resolved_at"]),
            "severity": severity,
            "summary": incident.get("name"),
            "scope": None,
            "source_url": incident.get("shortlink"),
        }


_GCP_SEVERITY = {"high": "major", "medium": "partial", "low": "degraded"}


def _gcp(doc: Any) -> Iterable[dict | str]:
    if not isinstance(doc, list):
        raise ValueError("expected Google Cloud's incidents.json: a list of incidents")
    for incident in doc:
        if not incident.get("end"):
            yield f"{incident.get('id')}: not resolved yet"
            continue
        products = [p["title"] for p in incident.get("affected_products") or [] if p.get("title")]
        places = [p["id"] for p in incident.get("previously_affected_locations") or [] if p.get("id") != "global"]
        yield {
            "id": _ident("gcp", incident["id"]),
            "provider": "Google",
            "product": products or [incident.get("service_name") or "Google Cloud"],
            "words": (*products, incident.get("external_desc")),
            "start": _when(incident["begin"]),
            "end": _when(incident["end"]),
            "severity": _GCP_SEVERITY.get(incident.get("severity") or "", "partial"),
            "summary": incident.get("external_desc"),
            "scope": None,
            "regions": places,
            "source_url": f"https://status.cloud.google.com/{incident['uri']}" if incident.get("uri") else None,
        }


SOURCES: dict[str, Callable[[Any], Iterable[dict | str]]] = {"m365": _m365, "statuspage": _statuspage, "gcp": _gcp}


def import_incidents(data: bytes, source: str, name: str = "file", aliases: AliasTable | None = None) -> ImportResult:
    """Outage records from one incident export (`source`: m365, statuspage or gcp). A file that is not
    that export raises InputError with where and how to fix it."""
    if source not in SOURCES:
        raise InputError([Problem(f"unknown source '{source}'", Location(name), f"use {', '.join(SOURCES)}")])
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError([Problem(f"not JSON: {exc}", Location(name), "give the export file as downloaded")]) from None
    except RecursionError:
        raise InputError(
            [Problem("the document is nested too deeply to read", Location(name), "give the export file as downloaded")]
        ) from None
    table = aliases or load_aliases()
    known = set(table.products) | {table.product(v) for v in table.products.values()}
    result = ImportResult()
    try:
        for item in SOURCES[source](doc):
            if isinstance(item, str):
                result.skipped.append(item)
                continue
            words = item.pop("words")
            start, end = item.pop("start"), item.pop("end")
            minutes = (end - start).total_seconds() / 60 if start and end else None
            record = OutageRecord.model_validate(
                {
                    **item,
                    "capability": [capability_of(*words)],
                    "start": _iso(start),
                    "end": _iso(end),
                    "duration_minutes": round(minutes, 1) if minutes is not None else None,
                    "confidence": "high",
                    "cause": None,
                }
            )
            result.records.append(record)
            for product in record.product:
                if table.product(product) not in known and product not in result.unknown_products:
                    result.unknown_products.append(product)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError) as exc:
        raise InputError(
            [Problem(f"not a {source} incident export: {exc}", Location(name), f"export it as {_HOW[source]}")]
        ) from None
    return result


_HOW = {
    "m365": "JSON from Microsoft Graph GET /admin/serviceAnnouncement/issues",
    "statuspage": "the provider's status page /api/v2/incidents.json",
    "gcp": "https://status.cloud.google.com/incidents.json",
}


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
