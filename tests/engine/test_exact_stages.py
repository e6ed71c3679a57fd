"""The stages of risk.engine.bdd.compile_services as typed records (Stage, VariableOrder): the list is the one
compile_services' docstring gives (engines, budgets, orders, in order), compile_services walks exactly that
list, a stage no engine can run is refused, and the orders keep their old spellings."""

from __future__ import annotations

import pytest

from risk.engine import bdd as bdd_module
from risk.engine import preprocess as pp
from risk.engine.bdd import (
    CUDD_STATIC_NODES,
    MODULAR_COMPILED_NODES,
    MODULAR_LARGE_NODES,
    MODULAR_NODES,
    PYTHON_NODES,
    STRUCTURE_TRIAL_NODES,
    DiagramTooLarge,
    Engine,
    Stage,
    VariableOrder,
    compile_services,
    exact_stages,
    new_diagram,
)
from risk.engine.structure import compile_catalog
from tests.engine.test_preprocess import _one_tree

CATALOG, MODULES, STRUCTURE = VariableOrder.CATALOG, VariableOrder.MODULES, VariableOrder.STRUCTURE

#: compile_services' docstring, stage by stage: (docstring's number, engine, budget, compiled, order,
#: predicted, sifting)
DOCUMENTED = [
    (1, Engine.PYTHON, PYTHON_NODES, False, CATALOG, False, True),
    (2, Engine.MODULAR, MODULAR_NODES, False, CATALOG, False, True),  # the catalog's trial
    (2, Engine.MODULAR, MODULAR_LARGE_NODES, False, CATALOG, True, True),  # goes on if predicted the smaller
    (2, Engine.MODULAR, MODULAR_NODES, False, MODULES, False, True),  # the modules' trial
    (2, Engine.MODULAR, MODULAR_LARGE_NODES, False, MODULES, True, True),  # goes on if predicted the smaller
    (3, Engine.MODULAR, MODULAR_COMPILED_NODES, True, MODULES, False, True),
    (4, Engine.FAST, STRUCTURE_TRIAL_NODES, False, STRUCTURE, False, True),
    (5, Engine.FAST, None, False, CATALOG, False, True),  # within LYNCHPIN_MAX_DIAGRAM_MB alone
    (6, Engine.CUDD, CUDD_STATIC_NODES, False, STRUCTURE, False, False),  # without reordering
    (7, Engine.CUDD, None, False, STRUCTURE, False, True),  # with sifting
]


def _documented(numbers: set[int]) -> list[tuple]:
    return [row[1:] for row in DOCUMENTED if row[0] in numbers]


def _rows(stages: list[Stage]) -> list[tuple]:
    return [(s.engine, s.max_nodes, s.compiled, s.order, s.predicted, s.sifting) for s in stages]


def test_the_budgets_are_the_figures_their_docstrings_give():
    """Each budget's figure, as measured and argued beside it in risk/engine/bdd.py: a stage given another
    budget fails here as well as below."""
    assert PYTHON_NODES == 20_000
    assert MODULAR_NODES == 60_000
    assert MODULAR_LARGE_NODES == 300_000
    assert MODULAR_COMPILED_NODES == 3_000_000
    assert STRUCTURE_TRIAL_NODES == 1_000_000
    assert CUDD_STATIC_NODES == 300_000


def test_the_stages_are_the_seven_compile_services_documents_in_its_order():
    assert _rows(exact_stages(None, cudd=True)) == _documented({1, 2, 3, 4, 5, 6, 7})
    assert _rows(exact_stages(None, cudd=False)) == _documented({1, 2, 3, 4, 5})  # no CUDD where dd lacks it
    assert _rows(exact_stages(Engine.CUDD, cudd=True)) == _documented({7})  # forced: CUDD with sifting alone
    for forced in (Engine.PYTHON, Engine.MODULAR, Engine.FAST):  # forced: that engine alone, with no budget
        for cudd in (True, False):
            assert exact_stages(forced, cudd) == [Stage(forced)]
            assert Stage(forced).max_nodes is None and Stage(forced).order is CATALOG


def test_the_stages_take_the_budgets_as_the_module_holds_them_when_called(monkeypatch):
    """Tests and tuning set a budget on the module (monkeypatch): the list is made at each call, not at import."""
    monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", 7)
    assert [s.max_nodes for s in exact_stages(None, cudd=False) if s.predicted] == [7, 7]


def test_compile_services_walks_every_stage_in_turn_then_refuses(monkeypatch):
    """Every stage refusing: compile_services has run each stage of exact_stages once, in its order, and the
    last one's DiagramTooLarge comes out. A stage that does not apply (None) is passed over; the first stage
    that builds is the answer, and no stage after it runs."""
    s = compile_catalog(_one_tree())
    tried: list[Stage] = []

    def refuse(structure, wanted, stage, progress):
        tried.append(stage)
        if stage.predicted:
            return None  # as when the other order is predicted the smaller
        raise DiagramTooLarge(f"past {stage.max_nodes}")

    monkeypatch.setattr(bdd_module, "_run_stage", refuse)
    with pytest.raises(DiagramTooLarge, match="past None"):
        compile_services(s)
    assert tried == exact_stages(None, bdd_module._have_cudd())
    assert len(tried) in (8, 10)  # without CUDD, with it

    answer = object()

    def fourth_builds(structure, wanted, stage, progress):
        tried.append(stage)
        if len(tried) == 4:
            return answer
        raise DiagramTooLarge("")

    tried.clear()
    monkeypatch.setattr(bdd_module, "_run_stage", fourth_builds)
    assert compile_services(s) is answer
    assert tried == exact_stages(None, bdd_module._have_cudd())[:4]


def test_a_stage_no_engine_can_run_is_refused_when_made():
    for bad in (
        dict(engine=Engine.FAST, compiled=True),
        dict(engine=Engine.PYTHON, predicted=True),
        dict(engine=Engine.CUDD, order=MODULES),
        dict(engine=Engine.MODULAR, predicted=True, compiled=True),
        dict(engine=Engine.MODULAR, order=STRUCTURE),
    ):
        with pytest.raises(ValueError, match="Stage"):
            Stage(**bad)
    for good in (  # each of those one step back
        dict(engine=Engine.MODULAR, compiled=True),
        dict(engine=Engine.MODULAR, predicted=True),
        dict(engine=Engine.MODULAR, order=MODULES),
        dict(engine=Engine.FAST, order=STRUCTURE),
    ):
        Stage(**good)
    with pytest.raises(AttributeError):  # frozen: a stage's budget is not changed in passing
        Stage(Engine.PYTHON, 5).max_nodes = 6


def test_each_order_keeps_its_old_spelling():
    """The members compare equal to, and are made from, the strings the stages used before they were typed."""
    assert [o.value for o in VariableOrder] == ["catalog", "modules", "structure"]
    assert VariableOrder("modules") is MODULES and MODULES == "modules"
    s = compile_catalog(_one_tree())
    by_string = new_diagram(s, "fast", order="structure")
    by_member = new_diagram(s, Engine.FAST, order=STRUCTURE)
    assert by_string.order == by_member.order
    the_plan = pp.plan(s)
    assert pp.ModularBDD(s, the_plan, order="modules").bdd.order == (
        pp.ModularBDD(s, the_plan, order=MODULES).bdd.order
    )
    with pytest.raises(ValueError, match="order=catalog or order=modules"):
        pp.ModularBDD(s, the_plan, order=STRUCTURE)
