"""The importers: one record each, read by the CLI (`lynchpin outages import --from`, `lynchpin import`), the
dashboard (the Settings page's incident-log formats) and the docs.

Every importer says what it reads (`reads`: the export and how to get it, also the hint when a file is not
that export), what it gives (`gives`: outage records or a catalog document) and how it reports what it left
out (`left_out(result)`: one line per thing not carried over, with why). A new importer is one module with
its parsing functions plus one record in IMPORTERS; the functions are named as "module:function" so this
registry stays cheap to import (the CLI reads it to build its help).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from importlib import import_module
from typing import Any, ClassVar, Protocol, runtime_checkable

__all__ = ["Gives", "Importer", "IncidentImporter", "CatalogImporter", "IMPORTERS", "incident_importers"]


class Gives(StrEnum):
    """What an importer gives."""

    RECORDS = "outage records"
    CATALOG = "catalog"


@runtime_checkable
class Importer(Protocol):
    """What every importer record answers."""

    # Read-only (the records are frozen dataclasses), hence properties here.
    @property
    def name(self) -> str:
        """The CLI's choice (`--from NAME`)."""
        ...

    @property
    def label(self) -> str:
        """The dashboard's choice."""
        ...

    @property
    def reads(self) -> str:
        """The export it reads and how to get it."""
        ...

    @property
    def gives(self) -> Gives:
        """What it gives: outage records or a catalog document (a class-level constant of each kind)."""
        ...

    def left_out(self, result: Any) -> list[str]:
        """What the import did not carry over, one line each with why."""
        ...


def _resolve(ref: str | Callable) -> Callable:
    """A function, or one named as 'module:function'."""
    if callable(ref):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(import_module(module), attr)


@dataclass(frozen=True)
class IncidentImporter:
    """An incident export read into outage records by risk.interchange.incidents.import_incidents.

    `items(doc, ctx)` lists the export's incidents (raising KeyError, TypeError or ValueError when the
    document is not that export); `one(item, ctx)` turns one incident into the record's fields (id, provider,
    product, words, start, end, severity, summary, scope, source_url; optionally regions) or returns the
    reason it is left out."""

    name: str
    label: str
    reads: str
    items: str | Callable[[Any, Any], list[Any]]
    one: str | Callable[[Any, Any], dict | str]
    pages_as_one: bool = False  # several files are the saved pages of one export, read as one set
    gives: ClassVar[Gives] = Gives.RECORDS

    def functions(self) -> tuple[Callable[[Any, Any], list[Any]], Callable[[Any, Any], dict | str]]:
        return _resolve(self.items), _resolve(self.one)

    def left_out(self, result: Any) -> list[str]:
        return list(result.skipped)


@dataclass(frozen=True)
class CatalogImporter:
    """Another tool's export read into a catalog document (`run`: the module's from_... function)."""

    name: str
    label: str
    reads: str
    run: str | Callable[..., Any]
    left_out_field: str  # the result's list of what was not carried over
    gives: ClassVar[Gives] = Gives.CATALOG

    def left_out(self, result: Any) -> list[str]:
        return list(getattr(result, self.left_out_field))


_INCIDENTS = "risk.interchange.incidents"

#: Every importer, by name, in the order offered.
IMPORTERS: dict[str, Importer] = {
    "m365": IncidentImporter(
        "m365",
        "Microsoft 365 service health issues (Microsoft Graph JSON)",
        "JSON from Microsoft Graph GET /admin/serviceAnnouncement/issues",
        f"{_INCIDENTS}:_m365_items",
        f"{_INCIDENTS}:_m365",
        pages_as_one=True,
    ),
    "statuspage": IncidentImporter(
        "statuspage",
        "a status page's incidents.json (Atlassian Statuspage)",
        "the provider's status page /api/v2/incidents.json",
        f"{_INCIDENTS}:_statuspage_items",
        f"{_INCIDENTS}:_statuspage",
    ),
    "gcp": IncidentImporter(
        "gcp",
        "Google Cloud's incidents.json",
        "https://status.cloud.google.com/incidents.json",
        f"{_INCIDENTS}:_gcp_items",
        f"{_INCIDENTS}:_gcp",
    ),
    "backstage": CatalogImporter(
        "backstage",
        "a Backstage catalog-info.yaml",
        "the catalog-info.yaml files of a Backstage software catalog (Component, Resource, API entities)",
        "risk.interchange.backstage:from_backstage",
        "ignored",
    ),
    "servicenow": CatalogImporter(
        "servicenow",
        "a ServiceNow CMDB export (services and relations CSV)",
        "two CSV exports of the CMDB: the service CIs and the cmdb_rel_ci relations",
        "risk.interchange.servicenow:from_servicenow",
        "unmapped",
    ),
}


def incident_importers() -> dict[str, IncidentImporter]:
    """The importers that give outage records, by name."""
    return {name: imp for name, imp in IMPORTERS.items() if isinstance(imp, IncidentImporter)}
