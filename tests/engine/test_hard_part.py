"""Where a structure is too hard for the exact engine (risk.engine.hard_part), and the message an assessment
stops with when no diagram fits (risk.engine.assess._too_large)."""

from __future__ import annotations

import pytest

from risk.engine.assess import assess
from risk.engine.hard_part import HardPart, hardest_part
from risk.engine.structure import compile_catalog
from risk.settings import Settings
from tests.engine.helpers import catalog, dep

pytestmark = pytest.mark.timeout(60)


def _two_of(*names: str) -> dict:
    return {"at_least": 2, "of": list(names)}


def _shared(other_inputs: int):
    """Service: up while two of a, b and c are, or two of b, c and d: in failure logic an AND of two 2-of-3
    gates that share b and c (4 inputs; with ORs in place of the 2-of-3s, distributivity would take the shared
    inputs out). Other: needs its own x0.. x{other_inputs - 1}, all of them (an OR)."""
    others = [f"x{i}" for i in range(other_inputs)]
    other = {"id": "svc2", "name": "Other", "tier": 2, "impact_tolerance": "2h", "requires": others}
    deps = [dep(x) for x in ["a", "b", "c", "d", *others]]
    return catalog([{"any_of": [_two_of("a", "b", "c"), _two_of("b", "c", "d")]}], deps, more_services=[other])


def test_the_hardest_part_is_the_and_of_two_groups_sharing_two_inputs():
    hard = hardest_part(compile_catalog(_shared(3)))
    assert hard == HardPart(service="svc", inputs=4, events=4, k=2, n=2, shared=2)
    assert hard.describe().endswith(
        "takes 4 inputs at once (4 basic events below it), an AND of 2 whose parts share 2 of those inputs"
    )


@pytest.mark.parametrize(("other_inputs", "service"), [(3, "svc"), (4, "svc"), (5, "svc2")])
def test_the_part_with_the_most_inputs_wins_and_the_first_service_on_a_tie(other_inputs, service):
    """4 inputs against 3, 4 (a tie: the first service) and 5."""
    hard = hardest_part(compile_catalog(_shared(other_inputs)))
    assert hard is not None and hard.service == service
    if service == "svc2":
        assert (hard.inputs, hard.k, hard.n, hard.shared) == (5, 1, 5, 0)
        assert "an OR of 5" in hard.describe() and "share" not in hard.describe()


def test_a_module_inside_counts_as_one_input_and_its_events_below():
    """Service needs, all at once, p or q together with the AND of the two shared groups: the AND is a module
    of its own (an input of the top, 4 events below it)."""
    deps = [dep(x) for x in ["a", "b", "c", "d", "p", "q", "r"]]
    inner = {"any_of": [_two_of("a", "b", "c"), _two_of("b", "c", "d")]}
    hard = hardest_part(compile_catalog(catalog(["r", {"any_of": ["p", "q"]}, inner], deps)))
    assert hard is not None and (hard.inputs, hard.events) == (4, 4)  # the inner AND: the top has 3 inputs


def test_a_diagram_past_its_memory_names_the_service_and_the_part(monkeypatch):
    """No diagram fits: the assessment is sampled (risk.engine.sampled), and its warning says why, where and
    what would make it exact."""
    from risk.engine import assess as assess_module

    monkeypatch.setenv("LYNCHPIN_BDD", "cudd")
    monkeypatch.setattr(assess_module, "MAX_DIAGRAM_MB", 0.0001)
    monkeypatch.setattr("risk.limits.MAX_DIAGRAM_MB", 0.0001)  # a node's worth
    result = assess(_shared(3), [], Settings(simulated_years=100))
    assert all(s.unavailability_method == "sampled" for s in result.services)
    (warning,) = [w for w in result.warnings if w.startswith("no decision diagram fits")]
    assert "service 'Service': the exact calculation needs a decision diagram" in warning
    assert "an AND of 2 whose parts share 2 of those inputs" in warning
    assert "are sampled from" in warning and "LYNCHPIN_MAX_DIAGRAM_MB" in warning


def test_a_sifting_budget_passed_says_so_and_does_not_offer_more_memory():
    """CUDD's sifting stops on work, not memory (risk.engine.cudd.MAX_SIFTING_WORK): the message says the
    order could not be settled, and the hint does not send an operator to the memory limit, which would not
    help; past memory, the hint does."""
    from risk.engine.assess import _too_large
    from risk.engine.bdd import DiagramTooLarge, SiftingTooLong

    structure = compile_catalog(_shared(3))
    sifting = _too_large(SiftingTooLong("13 reorderings"), _shared(3), structure)
    assert "found no variable order" in sifting.message and "13 reorderings" in sifting.message
    assert "LYNCHPIN_MAX_DIAGRAM_MB" not in sifting.hint and "fixed" in sifting.hint
    assert sifting.location.path == "services[0].requires"
    memory = _too_large(DiagramTooLarge("more than 6 nodes"), _shared(3), structure)
    assert "larger than" in memory.message and "LYNCHPIN_MAX_DIAGRAM_MB" in memory.hint
