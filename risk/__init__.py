"""Lynchpin: which critical services go down when a provider fails, and how likely that is to hurt.

The public API, used by the CLI, the dashboard and report writers alike:

    >>> import risk
    >>> catalog = risk.load_catalog("catalogs/examples/nhs-acute-trust.yaml")
    >>> run = risk.Run.build(catalog)                  # the shipped history, the catalog's own settings
    >>> assessment = run.assessment                    # also run.recommendations, run.severe, run.what_if(...)
    >>> assessment = risk.assess(catalog, seed=2)      # the same, in one call, with a setting overridden
"""

from risk.catalog import (
    Catalog,
    CatalogReport,
    Dependency,
    Provider,
    Service,
    catalog_from_dict,
    catalog_sha256,
    load_catalog,
    read_catalog,
)
from risk.catalog.writers import catalog_to_yaml, csv_zip_bytes, write_xlsx, xlsx_bytes
from risk.history import OutageRecord, OutageReport, load_history, read_outages, records_for
from risk.problems import InputError, Location, Problem
from risk.run import Run, resolve_settings
from risk.settings import Settings
from risk.version import __version__


def assess(catalog: Catalog, history: list[OutageRecord] | None = None, **overrides):
    """The assessment of a catalog: `Run.build(catalog, history, overrides).assessment`. `history=None`
    means the shipped outage history; keyword arguments override settings (e.g. seed=2)."""
    return Run.build(catalog, history, overrides).assessment


__all__ = [
    "Catalog",
    "CatalogReport",
    "Dependency",
    "InputError",
    "Location",
    "OutageRecord",
    "OutageReport",
    "Problem",
    "Provider",
    "Run",
    "Service",
    "Settings",
    "assess",
    "__version__",
    "catalog_from_dict",
    "catalog_sha256",
    "catalog_to_yaml",
    "csv_zip_bytes",
    "load_catalog",
    "load_history",
    "read_catalog",
    "read_outages",
    "records_for",
    "resolve_settings",
    "write_xlsx",
    "xlsx_bytes",
]
