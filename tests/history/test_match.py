"""Matching records to dependencies: provider, product (with aliases) and capability or 'all'."""

from __future__ import annotations

from risk.catalog.model import Dependency
from risk.history.match import matches, records_for
from risk.history.model import OutageRecord


def rec(**kw):
    base = {
        "id": "r",
        "provider": "Microsoft",
        "product": "Entra ID",
        "capability": "mfa",
        "start": "2025-01-13",
        "severity": "major",
        "confidence": "high",
    }
    base.update(kw)
    return OutageRecord.model_validate(base)


def dep(**kw):
    base = {"id": "d", "name": "D", "provider": "Microsoft", "product": "Entra ID", "capability": "mfa"}
    base.update(kw)
    return Dependency.model_validate(base)


def test_aliases_are_case_insensitive():
    assert matches(rec(product="Azure Active Directory"), dep(product="entra id"))
    assert matches(rec(provider="Cisco Duo", product="Duo Security"), dep(provider="Cisco", product="Duo"))


def test_capability_must_match_unless_all():
    assert not matches(rec(capability="sign-in"), dep())
    assert matches(rec(capability="all"), dep())
    assert matches(rec(capability="sign-in; mfa"), dep())


def test_other_product_or_provider_does_not_match():
    assert not matches(rec(product="Exchange Online"), dep())
    assert not matches(rec(provider="Okta"), dep())
    assert not matches(rec(), Dependency.model_validate({"id": "g", "name": "G", "kind": "logical", "requires": ["d"]}))


def test_records_for_the_nhs_mfa_dependency_include_both_2025_incidents():
    from risk.catalog import load_catalog
    from risk.history import load_history
    from tests.paths import DEFAULT_CATALOG

    catalog = load_catalog(DEFAULT_CATALOG)
    ids = [r.id for r in records_for(catalog.dependency("entra-mfa"), load_history())]
    assert "microsoft-20250113" in ids
    reg = [r.id for r in records_for(catalog.dependency("entra-mfa-registration"), load_history())]
    assert "microsoft-20250613" in reg and "microsoft-20260601" in reg
