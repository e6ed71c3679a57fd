"""Small catalogs written by hand for engine tests."""

from __future__ import annotations

from typing import Any

from risk.catalog import catalog_from_dict


def dep(ident: str, provider: str = "P", rate: float = 1.0, mean: str = "2h", **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "name": ident,
        "provider": provider,
        "product": ident,
        "capability": "other",
        "annual_outages": rate,
        "mean_outage": mean,
        **extra,
    }


def catalog(requires: Any, deps: list[dict[str, Any]], tolerance: str = "4h", more_services=(), **service: Any):
    doc = {
        "organisation": "Test",
        "services": [
            {"id": "svc", "name": "Service", "tier": 1, "impact_tolerance": tolerance, "requires": requires, **service},
            *more_services,
        ],
        "dependencies": deps,
    }
    return catalog_from_dict(doc)
