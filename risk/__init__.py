"""Lynchpin: which critical services go down when a provider fails, and how likely that is to hurt.

The public API, used by the CLI, the dashboard and report writers alike:

    >>> import risk
    >>> catalog = risk.load_catalog("catalogs/examples/nhs-acute-trust.yaml")
    >>> run = risk.Run.build(catalog)                  # the shipped history, the catalog's own settings
    >>> assessment = run.assessment                    # also run.recommendations, run.severe, run.what_if(...)
    >>> assessment = risk.assess(catalog, seed=2)      # the same, in one call, with a setting overridden

Names are imported on first use (PEP 562), so `import risk` and `lynchpin --help` stay quick: the engine,
numpy and pydantic load only when something needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_EXPORTS = {
    "Catalog": "risk.catalog",
    "CatalogReport": "risk.catalog",
    "Dependency": "risk.catalog",
    "Provider": "risk.catalog",
    "Service": "risk.catalog",
    "catalog_from_dict": "risk.catalog",
    "catalog_sha256": "risk.catalog",
    "load_catalog": "risk.catalog",
    "read_catalog": "risk.catalog",
    "catalog_to_yaml": "risk.catalog.writers",
    "csv_zip_bytes": "risk.catalog.writers",
    "write_xlsx": "risk.catalog.writers",
    "xlsx_bytes": "risk.catalog.writers",
    "OutageRecord": "risk.history",
    "OutageReport": "risk.history",
    "load_history": "risk.history",
    "read_outages": "risk.history",
    "records_for": "risk.history",
    "InputError": "risk.problems",
    "Location": "risk.problems",
    "Problem": "risk.problems",
    "Run": "risk.run",
    "resolve_settings": "risk.run",
    "Settings": "risk.settings",
    "__version__": "risk.version",
}

if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from risk.catalog import (  # noqa: F401
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
    from risk.catalog.writers import catalog_to_yaml, csv_zip_bytes, write_xlsx, xlsx_bytes  # noqa: F401
    from risk.history import OutageRecord, OutageReport, load_history, read_outages, records_for  # noqa: F401
    from risk.problems import InputError, Location, Problem  # noqa: F401
    from risk.run import Run, resolve_settings  # noqa: F401
    from risk.settings import Settings  # noqa: F401
    from risk.version import __version__  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'risk' has no attribute {name!r}")


def assess(catalog, history=None, **overrides):
    """The assessment of a catalog: `Run.build(catalog, history, overrides).assessment`. `history=None`
    means the shipped outage history; keyword arguments override settings (e.g. seed=2)."""
    from risk.run import Run

    return Run.build(catalog, history, overrides).assessment


__all__ = sorted([*_EXPORTS, "assess"])
