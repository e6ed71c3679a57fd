"""One provider notice of an incident under way, read into what incident mode needs: the provider, products
and capability (so the importers' matching finds the catalog's dependencies it hits) and when it began.

Three forms, told apart by their shape: a Microsoft 365 service-health issue (Microsoft Graph
`serviceHealthIssue`, alone or in a Graph `value` list), a Statuspage incidents.json (`page` and
`incidents`, e.g. /api/v2/incidents/unresolved.json), and a Google Cloud incident (one object of its
incidents.json, or the list). A list with several incidents gives the latest unresolved one, and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from risk.history.model import OutageRecord
from risk.interchange.incidents import capability_of
from risk.problems import InputError, Location, Problem
from risk.untrusted import without_controls

__all__ = ["Notice", "read_notice", "read_open_notices"]

_FORMS = (
    "a Microsoft 365 service-health issue (Graph serviceHealthIssue JSON), a Statuspage incidents.json "
    "(with 'page' and 'incidents'), or a Google Cloud incident (from status.cloud.google.com/incidents.json)"
)


@dataclass
class Notice:
    record: OutageRecord  # provider, products, capability, start (and end, if over)
    title: str
    source: str  # m365 | statuspage | gcp
    resolved: bool
    notes: list[str] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.record.start_dt


def _when(text: Any) -> datetime | None:
    if not text:
        return None
    when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"time '{text}' has no time zone")
    return when


def _pick(items: list[dict], resolved, begun, what: str, notes: list[str]) -> dict:
    if not items:
        raise ValueError(f"no {what} in the file")
    if len(items) == 1:
        return items[0]
    open_ = [i for i in items if not resolved(i)] or items
    chosen = max(open_, key=lambda i: _when(begun(i)) or datetime.min)
    notes.append(f"the file holds {len(items)} {what}s; the latest {'unresolved ' if open_ is not items else ''}one")
    return chosen


def _m365(doc: Any, notes: list[str]) -> dict:
    items = doc.get("value") if isinstance(doc, dict) and "value" in doc else [doc]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError("'value' must be a list of serviceHealthIssue objects")
    issue = _pick(items, lambda i: i.get("isResolved"), lambda i: i.get("startDateTime"), "issue", notes)
    return {
        "id": "m365-" + str(issue["id"]).lower(),
        "provider": "Microsoft",
        "product": [issue["service"]],
        "words": (issue.get("service"), issue.get("feature"), issue.get("featureGroup"), issue.get("title")),
        "start": _when(issue["startDateTime"]),
        "end": _when(issue.get("endDateTime")) if issue.get("isResolved") else None,
        "severity": "partial" if issue.get("classification") == "incident" else "degraded",
        "summary": issue.get("title"),
        "source_url": None,
    }


def _statuspage(doc: dict, notes: list[str]) -> dict:
    provider = (doc.get("page") or {}).get("name")
    if not provider:
        raise ValueError("the file has no page name, so the provider is not known: give the whole incidents.json")
    items = doc["incidents"]
    if not isinstance(items, list):
        raise ValueError("'incidents' must be a list")
    incident = _pick(
        items, lambda i: i.get("resolved_at"), lambda i: i.get("started_at") or i.get("created_at"), "incident", notes
    )
    components = [c["name"] for c in incident.get("components") or [] if c.get("name")]
    return {
        "id": "statuspage-" + str(incident["id"]).lower(),
        "provider": provider,
        "product": components or [provider],
        "words": (*components, incident.get("name")),
        "start": _when(incident.get("started_at") or incident.get("created_at")),
        "end": _when(incident.get("resolved_at")),
        "severity": {"critical": "major", "major": "partial"}.get(incident.get("impact") or "", "degraded"),
        "summary": incident.get("name"),
        "source_url": incident.get("shortlink"),
    }


def _gcp(doc: Any, notes: list[str]) -> dict:
    items = doc if isinstance(doc, list) else [doc]
    incident = _pick(items, lambda i: i.get("end"), lambda i: i.get("begin"), "incident", notes)
    products = [p["title"] for p in incident.get("affected_products") or [] if p.get("title")]
    places = [p["id"] for p in incident.get("currently_affected_locations") or [] if p.get("id") != "global"]
    places = places or [p["id"] for p in incident.get("previously_affected_locations") or [] if p.get("id") != "global"]
    return {
        "id": "gcp-" + str(incident["id"]).lower(),
        "provider": "Google",
        "product": products or [incident.get("service_name") or "Google Cloud"],
        "words": (*products, incident.get("external_desc")),
        "start": _when(incident["begin"]),
        "end": _when(incident.get("end")),
        "severity": {"high": "major", "medium": "partial", "low": "degraded"}.get(
            incident.get("severity") or "", "partial"
        ),
        "summary": incident.get("external_desc"),
        "regions": places,
        "source_url": f"https://status.cloud.google.com/{incident['uri']}" if incident.get("uri") else None,
    }


def _form(doc: Any) -> str | None:
    first = doc[0] if isinstance(doc, list) and doc and isinstance(doc[0], dict) else doc
    if isinstance(doc, dict) and "incidents" in doc:
        return "statuspage"
    if isinstance(first, dict) and "begin" in first:
        return "gcp"
    if isinstance(doc, dict) and ("value" in doc or "startDateTime" in doc):
        return "m365"
    return None


_TOO_DEEP = "the document is nested too deeply to read"

#: The largest provider notice read, in bytes: one incident is a few KB (a long one with every update, tens
#: of KB). Read in the web process (the Incident now page), so a 10 MB upload of small JSON objects, which
#: took 250 MB and 2-3 s to parse before it was found not to be a notice, is refused unread.
NOTICE_MAX_BYTES = 1024 * 1024


def read_notice(data: bytes, name: str = "notice") -> Notice:
    """The incident a provider notice describes; InputError (where, what, how to fix) if it is not one."""
    if len(data) > NOTICE_MAX_BYTES:
        raise InputError(
            [
                Problem(
                    f"the notice is {len(data):,} bytes, over the limit of {NOTICE_MAX_BYTES:,} for one incident",
                    Location(name),
                    f"give one incident's notice: {_FORMS}",
                )
            ]
        )
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError([Problem(f"not JSON: {exc}", Location(name), f"give {_FORMS}")]) from None
    except RecursionError:
        raise InputError([Problem(_TOO_DEEP, Location(name), f"give {_FORMS}")]) from None
    source = _form(doc)
    if source is None:
        raise InputError([Problem("not a provider notice this reads", Location(name), f"give {_FORMS}")])
    notes: list[str] = []
    try:
        item = {"m365": _m365, "statuspage": _statuspage, "gcp": _gcp}[source](doc, notes)
        words = item.pop("words")
        if isinstance(item.get("summary"), str):  # anyone's text, shown in the terminal and the brief: no ESC
            item["summary"] = without_controls(item["summary"]).strip() or None
        start, end = item.pop("start"), item.pop("end")
        if start is None:
            raise ValueError("the incident has no start time")
        record = OutageRecord.model_validate(
            {
                **item,
                "capability": [capability_of(*words)],
                "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if end else None,
                "confidence": "high",
            }
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, ValidationError):
            what = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        else:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise InputError(
            [Problem(f"not a readable {source} notice: {what}", Location(name), f"give {_FORMS}")]
        ) from None
    if end is not None:
        notes.append(f"the notice says the incident ended at {record.end}")
    title = item.get("summary") or record.id
    return Notice(record=record, title=title, source=source, resolved=end is not None, notes=notes)


def read_open_notices(data: bytes, name: str = "feed") -> tuple[list[Notice], list[str]]:
    """Every incident still open in a feed document (any of the three forms), each read as one notice;
    with why each open incident that could not be read was left out. InputError if it is not a feed."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError([Problem(f"not JSON: {exc}", Location(name), f"give {_FORMS}")]) from None
    except RecursionError:
        raise InputError([Problem(_TOO_DEEP, Location(name), f"give {_FORMS}")]) from None
    source = _form(doc)
    if source is None:
        raise InputError([Problem("not a provider feed this reads", Location(name), f"give {_FORMS}")])
    if source == "m365":
        items = doc.get("value") if "value" in doc else [doc]
        wrap, open_ = (lambda i: i), (lambda i: not i.get("isResolved"))
    elif source == "statuspage":
        items = doc.get("incidents")
        wrap, open_ = (lambda i: {"page": doc.get("page"), "incidents": [i]}), (lambda i: not i.get("resolved_at"))
    else:
        items = doc if isinstance(doc, list) else [doc]
        wrap, open_ = (lambda i: i), (lambda i: not i.get("end"))
    notices, skipped = [], []
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not open_(item):
            continue
        try:
            notices.append(read_notice(json.dumps(wrap(item)).encode(), f"{name} incident {i + 1}"))
        except InputError as exc:
            skipped.append("; ".join(p.message for p in exc.problems))
    return notices, skipped
