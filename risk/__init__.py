"""Lynchpin: which critical services go down when a provider fails, and how likely that is to hurt.

The public API, used by the CLI, the dashboard and report writers alike:

    >>> import risk
    >>> catalog = risk.load_catalog("catalogs/examples/nhs-acute-trust.yaml")
    >>> records = risk.load_history()
"""

from importlib.metadata import PackageNotFoundError, version

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
from risk.outages import OutageRecord, OutageReport, load_history, read_outages, records_for
from risk.problems import InputError, Location, Problem

try:
    __version__ = version("lynchpin")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

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
    "Service",
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
    "write_xlsx",
    "xlsx_bytes",
]
