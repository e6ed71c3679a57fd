"""Whole-catalog checks on hand-written documents."""

from __future__ import annotations

import pytest

from risk.catalog import catalog_from_dict
from risk.problems import InputError


def base(**over):
    doc = {
        "organisation": "T",
        "services": [{"id": "s", "name": "S", "tier": 1, "impact_tolerance": "4h", "requires": ["a"]}],
        "dependencies": [{"id": "a", "name": "A", "provider": "P", "product": "Q", "capability": "sign-in"}],
    }
    doc.update(over)
    return doc


def problems(doc):
    with pytest.raises(InputError) as info:
        catalog_from_dict(doc)
    return [p.message for p in info.value.problems]


def test_valid_minimal_catalog():
    assert catalog_from_dict(base()).services[0].requires == ["a"]


def test_all_problems_are_reported_at_once():
    doc = base()
    doc["services"].append({"id": "s", "name": "S2", "tier": 0, "impact_tolerance": "2h", "requires": ["zz"]})
    msgs = problems(doc)
    assert any("tier is 0" in m for m in msgs)
    assert any("duplicate id 's'" in m for m in msgs)


def test_service_to_service_cycle_is_named():
    doc = base(
        services=[
            {"id": "s1", "name": "S1", "tier": 1, "impact_tolerance": "4h", "requires": ["s2"]},
            {"id": "s2", "name": "S2", "tier": 1, "impact_tolerance": "4h", "requires": ["s1", "a"]},
        ]
    )
    assert any(m.startswith("requirement cycle: s1 -> s2 -> s1") for m in problems(doc))


def test_unknown_id_inside_nested_group_is_found():
    doc = base()
    doc["services"][0]["requires"] = ["a", {"any_of": [{"all_of": ["a", "b"]}]}]
    assert any("unknown id 'b'" in m for m in problems(doc))


def test_warnings_do_not_block():
    doc = base()
    doc["dependencies"].append({"id": "unused", "name": "U", "provider": "P", "product": "Q", "capability": "dns"})
    assert catalog_from_dict(doc).dependency("unused").name == "U"
