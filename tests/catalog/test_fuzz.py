"""Generated documents and bytes never produce a traceback: either a catalog or located problems."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risk.catalog import read_catalog
from risk.catalog.writers import catalog_to_yaml

KEYS = [
    "organisation",
    "services",
    "dependencies",
    "providers",
    "id",
    "name",
    "tier",
    "impact_tolerance",
    "users",
    "requires",
    "any_of",
    "all_of",
    "at_least",
    "of",
    "grace",
    "provider",
    "product",
    "capability",
    "kind",
    "workaround",
    "buys",
    "description",
    "annual_outages",
    "mean_outage",
    "unavailability",
    "sla",
    "x",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10),
    st.floats(allow_nan=True),
    st.sampled_from(["a", "b", "4h", "sign-in", "logical", "Microsoft", "", "any_of(a, b", "a~2h"]),
    st.text(max_size=8),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.sampled_from(KEYS), children, max_size=5)
    ),
    max_leaves=30,
)


def _check(report):
    if report.catalog is None:
        assert report.errors
        for p in report.errors:
            assert p.message and str(p.location)
    else:
        # Whatever loads must save and load back to the same catalog.
        again = read_catalog(catalog_to_yaml(report.catalog).encode(), name="again.yaml")
        assert again.catalog == report.catalog


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), documents, max_size=6))
def test_generated_yaml_documents(doc):
    _check(read_catalog(yaml.safe_dump(doc, allow_unicode=True).encode(), name="gen.yaml"))


@settings(max_examples=200, deadline=None)
@given(documents)
def test_generated_json_documents(doc):
    _check(read_catalog(json.dumps(doc, allow_nan=True).encode(), name="gen.json"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["x.yaml", "x.json", "x.xlsx", "x.zip", "x"]))
def test_arbitrary_bytes(data, name):
    _check(read_catalog(data, name=name))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["id", "name", "tier", "impact_tolerance", "requires", "zz"]), min_size=1, max_size=6),
    st.lists(st.lists(st.sampled_from(["", "a", "1", "4h", "x, any_of(y", "=1+1", "\ufeff"]), max_size=6), max_size=4),
)
def test_generated_csv_archives(header, rows):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("services.csv", "\n".join(",".join(r) for r in [header, *rows]))
    _check(read_catalog(buffer.getvalue(), name="gen.zip"))
