"""bench/synthetic.py: the benchmark and walk catalogs are made for any size, including the small ones with a
single shared platform (fewer than 20 dependencies), which used to loop forever."""

from __future__ import annotations

import pytest

from bench.synthetic import synthetic_document
from risk.catalog import catalog_from_dict

pytestmark = pytest.mark.timeout(30)


def _platform_links(doc) -> int:
    return sum(len(d.get("requires", [])) for d in doc["dependencies"])


@pytest.mark.parametrize(
    ("dependencies", "platforms", "links"),
    [
        (1, 1, 0),  # the one dependency is the platform: nothing to link
        (2, 1, 1),
        (10, 1, 9),  # used to hang: 18 links asked of a single platform, only 9 distinct ones exist
        (19, 1, 18),  # the largest catalog with one platform
        (20, 2, 36),  # two platforms from here: up to two links for each of the other 18
        (21, 2, 38),
    ],
)
def test_small_catalogs_are_made_with_every_link_their_platforms_allow(dependencies, platforms, links):
    doc = synthetic_document(services=10, dependencies=dependencies, edges=1000)
    assert sum(d["id"] == f"dep-{i}" for i, d in enumerate(doc["dependencies"][:platforms])) == platforms
    assert _platform_links(doc) == links
    for d in doc["dependencies"]:
        assert len(d.get("requires", [])) == len(set(d.get("requires", [])))  # no link twice
        assert all(int(r.removeprefix("dep-")) < platforms for r in d.get("requires", []))
    catalog_from_dict(doc)  # and it is a valid catalog


def test_a_large_catalog_keeps_its_tenth_of_the_edges_on_platforms():
    # 120 dependencies: 12 platforms, 1200 // 10 = 120 links (well under the cap of 216)
    assert _platform_links(synthetic_document(services=300, dependencies=120, edges=1200)) == 120


def test_the_same_seed_makes_the_same_catalog():
    assert synthetic_document(30, 12, 100, seed=7) == synthetic_document(30, 12, 100, seed=7)
    assert synthetic_document(30, 12, 100, seed=7) != synthetic_document(30, 12, 100, seed=8)


@pytest.mark.parametrize(("services", "dependencies"), [(0, 5), (5, 0)])
def test_an_empty_catalog_is_refused_with_what_to_give(services, dependencies):
    with pytest.raises(ValueError, match=r"at least one.*services >= 1 and dependencies >= 1"):
        synthetic_document(services=services, dependencies=dependencies, edges=10)
