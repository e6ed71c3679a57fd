"""The catalog: model, loaders for every supported form, whole-catalog checks and writers."""

from risk.catalog.load import CatalogReport, catalog_from_dict, catalog_sha256, load_catalog, read_catalog
from risk.catalog.model import AllOf, AnyOf, AtLeast, Catalog, Dependency, Provider, Ref, Service, Workaround

__all__ = [
    "AllOf",
    "AnyOf",
    "AtLeast",
    "Catalog",
    "CatalogReport",
    "Dependency",
    "Provider",
    "Ref",
    "Service",
    "Workaround",
    "catalog_from_dict",
    "catalog_sha256",
    "load_catalog",
    "read_catalog",
]
