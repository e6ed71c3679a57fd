"""The importers: one record each, read by the CLI (`lynchpin outages import --from`, `lynchpin import`), the
dashboard (the Settings page's incident-log formats, the Catalog page's imports) and the docs.

Every importer says what it reads (`reads`: the export and how to get it, also the hint when a file is not
that export), what it gives (`gives`: outage records or a catalog document) and how it reports what it left
out (`left_out(result)`: one line per thing not carried over, with why). A new importer is one module with
its parsing functions plus one record in IMPORTERS; the functions are named as "module:function" so this
registry stays cheap to import (the CLI reads it to build its help).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module
from typing import Any, ClassVar, Protocol, runtime_checkable

__all__ = [
    "Gives",
    "Importer",
    "IncidentImporter",
    "CatalogImporter",
    "CatalogImport",
    "ImportFile",
    "ImportOption",
    "IMPORTERS",
    "incident_importers",
    "catalog_importers",
    "import_catalog",
    "catalog_yaml",
]


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
class ImportFile:
    """One file a catalog importer reads: a CLI argument (`name`, in the order given) and a dashboard
    uploader (labelled `help`, offering the suffixes `types`)."""

    name: str  # a Python identifier: the CLI argument's name
    help: str
    types: tuple[str, ...]  # suffixes without the dot: ("csv",), ("yaml", "yml")


@dataclass(frozen=True)
class ImportOption:
    """A text option of a catalog importer: `--name` on the CLI (default `default`); the dashboard uses the
    default."""

    name: str  # a Python identifier: the option is --name (underscores as hyphens)
    help: str
    default: str


@dataclass
class CatalogImport:
    """What a catalog importer gives: the catalog document, and what the import assumed or left out.

    `notes` are every line to show (each assumption, each thing left out with why), `left_out` names what
    was not carried over (a subset of what `notes` says, for the Importer protocol), `checks` are what a
    person should check by hand (shown as "check: ...")."""

    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CatalogImporter:
    """Another tool's export read into a catalog document.

    `run(files, mapping, **options)` is the module's import function: `files` the (name, bytes) of each of
    `files` in order, `mapping` (text, name) of the mapping file or None, one keyword per `options`; it
    returns a CatalogImport and raises InputError (located) or ValueError, TypeError or KeyError saying
    what in the files it cannot read. With `mapping_template` (a function giving a commented mapping file)
    the importer takes a mapping file. With `detect` (a function of a file's text) a single-file importer's
    files are recognised when uploaded as a catalog on the dashboard. `lynchpin import NAME` and the
    dashboard's Catalog page are built from these fields, so a new catalog importer needs no other edit."""

    name: str
    label: str
    reads: str
    run: str | Callable[..., CatalogImport]
    files: tuple[ImportFile, ...]
    tool: str  # the other tool's name, as the dashboard says it ("Imported from ServiceNow")
    help: str = ""  # what the import makes of the export (the CLI command's help, the dashboard's caption)
    options: tuple[ImportOption, ...] = ()
    mapping_template: str | Callable[[], str] | None = None
    detect: str | Callable[[str], bool] | None = None
    gives: ClassVar[Gives] = Gives.CATALOG

    def left_out(self, result: Any) -> list[str]:
        return list(result.left_out)

    def template(self) -> str | None:
        """The commented mapping file to start from (None: the importer takes no mapping)."""
        return _resolve(self.mapping_template)() if self.mapping_template is not None else None

    def recognises(self, text: str) -> bool:
        """Whether an uploaded file's text is this importer's (False for one without `detect`)."""
        return self.detect is not None and len(self.files) == 1 and bool(_resolve(self.detect)(text))


def import_catalog(
    importer: CatalogImporter,
    files: list[tuple[str, bytes]],
    mapping: tuple[str, str] | None = None,
    options: dict[str, str] | None = None,
) -> CatalogImport:
    """Run a catalog importer on its files (the same for the CLI and the dashboard): the right number of
    files, the options it declares (each defaulted), a mapping only when it takes one."""
    if len(files) != len(importer.files):
        wanted = ", ".join(f.name for f in importer.files)
        raise ValueError(f"{importer.name} reads {len(importer.files)} file(s) ({wanted}); {len(files)} given")
    given = {o.name: o.default for o in importer.options}
    unknown = set(options or {}) - set(given)
    if unknown:
        raise ValueError(f"{importer.name} has no option {', '.join(sorted(unknown))}")
    given.update(options or {})
    if mapping is not None and importer.mapping_template is None:
        raise ValueError(f"{importer.name} takes no mapping file")
    result = _resolve(importer.run)(files, mapping, **given)
    if not isinstance(result, CatalogImport):
        raise TypeError(f"the {importer.name} importer gave {type(result).__name__}, not a CatalogImport")
    return result


def catalog_yaml(
    importer: CatalogImporter,
    files: list[tuple[str, bytes]],
    mapping: tuple[str, str] | None = None,
    options: dict[str, str] | None = None,
) -> tuple[str, CatalogImport]:
    """The import as catalog YAML (validated) and what it assumed or left out: the whole import in one call,
    so that the dashboard can run it within an upload's budget (risk.catalog.sandbox.run_bounded)."""
    from risk.catalog.load import catalog_from_dict
    from risk.catalog.writers import catalog_to_yaml

    result = import_catalog(importer, files, mapping, options)
    return catalog_to_yaml(catalog_from_dict(result.document, name=files[0][0])), result


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
        "risk.interchange.backstage:import_catalog",
        (ImportFile("file", "A Backstage catalog-info.yaml (one or several entities).", ("yaml", "yml")),),
        tool="Backstage",
        help="Components of type service or website become services; Resources, APIs and other Components "
        "become dependencies; dependsOn and consumesApis become requirements, a Component needs its "
        "subcomponents and an API the Component that provides it. Every default used, and every entity of a "
        "kind that does not run (System, Domain, Group, User, Environment...), is listed.",
        options=(ImportOption("tolerance", "Impact tolerance where none is annotated.", "4h"),),
        detect="risk.interchange.backstage:looks_like_backstage",
    ),
    "servicenow": CatalogImporter(
        "servicenow",
        "a ServiceNow CMDB export (services and relations CSV)",
        "two CSV exports of the CMDB: the service CIs and the cmdb_rel_ci relations",
        "risk.interchange.servicenow:import_catalog",
        (
            ImportFile("services", "The business services list export (CSV).", ("csv",)),
            ImportFile("relations", "The CI relationships list export (CSV).", ("csv",)),
        ),
        tool="ServiceNow",
        help="Make a catalog from ServiceNow's business services (cmdb_ci_service) and CI relationships "
        "(cmdb_rel_ci: parent, type, child) exports; a mapping file says which columns hold tolerance, users "
        "and cost, and how other CIs map to provider, product and capability (docs/integrations/servicenow.md). "
        "Lists what was assumed, the CIs no mapping rule describes, and the services whose dependencies may be "
        "alternatives.",
        mapping_template="risk.interchange.servicenow:mapping_template",
    ),
}


def incident_importers() -> dict[str, IncidentImporter]:
    """The importers that give outage records, by name."""
    return {name: imp for name, imp in IMPORTERS.items() if isinstance(imp, IncidentImporter)}


def catalog_importers() -> dict[str, CatalogImporter]:
    """The importers that give a catalog, by name."""
    return {name: imp for name, imp in IMPORTERS.items() if isinstance(imp, CatalogImporter)}
