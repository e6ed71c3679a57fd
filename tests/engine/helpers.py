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


def engine_answers(engine, roots: dict, q, basic) -> dict:
    """Per service: (probability, non-zero Birnbaum figures by name, cut sets up to order 3 by name), from any
    exact engine, to compare engines with one another."""
    out = {}
    for sid, root in roots.items():
        p, deriv = engine.birnbaum(root, q)
        cuts = sorted(sorted(basic[v] for v in c) for c in engine.minimal_cut_sets(root, 3))
        out[sid] = (p, {basic[v]: b for v, b in deriv.items() if b}, cuts)
    return out


def assert_same_answers(got: dict, want: dict) -> None:
    """Two engines' answers agree: probabilities to rounding, Birnbaum figures closely, cut sets exactly."""
    import pytest

    for sid in want:
        assert got[sid][0] == pytest.approx(want[sid][0], rel=1e-12)
        assert got[sid][1] == pytest.approx(want[sid][1], rel=1e-9, abs=1e-15)
        assert got[sid][2] == want[sid][2]
