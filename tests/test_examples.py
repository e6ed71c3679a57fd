"""The bundled example catalogs: realistic, and together they use every feature of the format."""

from __future__ import annotations

from risk.catalog import load_catalog
from risk.catalog.expressions import iter_refs
from risk.catalog.model import AllOf, AnyOf, AtLeast, Ref
from risk.history import load_history, records_for
from tests.conftest import EXAMPLE_FILES


def _nodes(expr):
    yield expr
    children = (
        expr.any_of
        if isinstance(expr, AnyOf)
        else expr.all_of
        if isinstance(expr, AllOf)
        else expr.of
        if isinstance(expr, AtLeast)
        else expr
        if isinstance(expr, list)
        else []
    )
    for child in children:
        yield from _nodes(child)


def test_three_examples_with_the_nhs_default():
    assert {p.stem for p in EXAMPLE_FILES} == {"nhs-acute-trust", "university-google-okta", "financial-firm-okta-aws"}


def test_every_dependency_has_history_or_an_estimate(example_path):
    catalog = load_catalog(example_path)
    history = load_history()
    for d in catalog.dependencies:
        if d.is_logical:
            continue
        assert d.has_estimate or records_for(d, history), f"{example_path.name}: {d.id} has neither"


def test_examples_together_use_every_feature():
    kinds = set()
    for path in EXAMPLE_FILES:
        catalog = load_catalog(path)
        service_ids = {s.id for s in catalog.services}
        for item in [*catalog.services, *catalog.dependencies]:
            for node in _nodes(item.requires):
                kinds.add(type(node).__name__)
            if any(r in service_ids for r, _, _ in iter_refs(item.requires)):
                kinds.add("service-to-service")
        kinds |= {"workaround"} if any(s.workaround for s in catalog.services) else set()
        kinds |= {"logical"} if any(d.is_logical for d in catalog.dependencies) else set()
        kinds |= {"grace"} if any(g for s in catalog.services for _, _, g in iter_refs(s.requires)) else set()
    assert {
        AnyOf.__name__,
        AllOf.__name__,
        AtLeast.__name__,
        Ref.__name__,
        "workaround",
        "logical",
        "grace",
        "service-to-service",
    } <= kinds
