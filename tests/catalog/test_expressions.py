"""The one-cell requirement syntax: hand-written cases and a round trip over generated expressions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.catalog.expressions import RequirementSyntaxError, format_requirement, iter_refs, parse_requirement_text
from risk.catalog.model import AllOf, AnyOf, AtLeast, Ref, Service


def svc(requires):
    return Service.model_validate({"id": "s", "name": "S", "tier": 1, "impact_tolerance": "4h", "requires": requires})


def test_text_and_document_forms_give_the_same_model():
    text = "exchange-online, entra-signin~8h, any_of(mfa-push, mfa-sms, mfa-fido2), at_least(2, a, b, c)"
    doc = [
        "exchange-online",
        {"id": "entra-signin", "grace": "8h"},
        {"any_of": ["mfa-push", "mfa-sms", "mfa-fido2"]},
        {"at_least": 2, "of": ["a", "b", "c"]},
    ]
    assert svc(text).requires == svc(doc).requires
    assert svc(text).requires == [
        "exchange-online",
        Ref(id="entra-signin", grace=8.0),
        AnyOf(any_of=["mfa-push", "mfa-sms", "mfa-fido2"]),
        AtLeast(at_least=2, of=["a", "b", "c"]),
    ]


def test_canonical_forms():
    # A reference without grace is its id; a single requirement is a one-item list.
    assert svc({"id": "x"}).requires == ["x"]
    assert svc("x").requires == ["x"]
    assert svc(None).requires == []
    assert svc("any_of(all_of(a, b), (c, d))").requires == [AnyOf(any_of=[AllOf(all_of=["a", "b"]), ["c", "d"]])]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("a, any_of(b", "expected ')'"),
        ("a,,b", "expected an id"),
        ("at_least(x, a)", "whole number"),
        ("a~", "grace period"),
        ("a~soon", "not a duration"),
        ("a b", "unexpected text"),
        ("(a", "expected ')'"),
    ],
)
def test_syntax_errors_say_where(text, fragment):
    with pytest.raises(RequirementSyntaxError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse_requirement_text(text)


def test_iter_refs_walks_every_reference_with_grace():
    refs = list(iter_refs(svc("a, b~2h, any_of(c, at_least(1, d, e))").requires))
    assert [(r, g) for r, _, g in refs] == [("a", None), ("b", 2.0), ("c", None), ("d", None), ("e", None)]


ids = st.sampled_from(["a", "b", "c", "entra-signin", "x.y_z"])
durations = st.sampled_from(["30m", "1h", "8h", "2d"])


def _exprs():
    leaf = st.one_of(ids, st.builds(lambda i, g: {"id": i, "grace": g}, ids, durations))

    def extend(children):
        lists = st.lists(children, min_size=1, max_size=3)
        return st.one_of(
            lists,
            lists.map(lambda xs: {"any_of": xs}),
            lists.map(lambda xs: {"all_of": xs}),
            lists.flatmap(lambda xs: st.integers(1, len(xs)).map(lambda k: {"at_least": k, "of": xs})),
        )

    return st.recursive(leaf, extend, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(_exprs(), min_size=1, max_size=4))
def test_format_then_parse_gives_an_equal_requirement(requirement):
    model = svc(requirement).requires
    assert svc(format_requirement(model)).requires == model
