"""Which of two variable orders to give the pure modular diagram more nodes in, judged in microseconds from
the structure alone (risk.engine.bdd.compile_services' pure modular stages past their first trials).

Why: a decision diagram's size depends on its variable order, and neither of the modular diagram's two
orders (risk.engine.preprocess._order: the catalog's structure-aware order, or each module's own) wins
everywhere: edfpa14b builds 212,000 nodes in the modules' order and 504,000 in the catalog's, edfpa14p
227,000 and 451,000 the other way round. The pure engine builds about 800,000 nodes a second and the
compiled one first pays about 0.45 s to load numba, so a diagram of 200,000 to 300,000 nodes is cheaper in
pure Python, but only in the right order: the wrong one wastes the whole budget.

The measure (a classic proxy for a diagram's width; Bouissou, Rauzy): within each module (and each
service's own structure above its modules), number the module's own variables (its proxies among them)
in the order's sequence, 0, 1, 2, ..., and take each gate's *span*, the distance between the first and the
last variable below it. A gate whose variables lie far apart keeps its partial value alive across every
level between them, and the diagram must remember it there.

- `span`: the sum of every gate's span, over all modules: the smaller sum predicts the smaller diagram;
- `width`: the most gates straddling one point between two neighbouring variables of one module (the
  module's cut-width): the diagram's width grows with it, so a large width says the diagram will not fit.

Measured on the Aralia trees that get past the catalog order's 60,000-node trial (width of the order
chosen, nodes in it): edfpa14b 79, 212,000; edfpa14o 94, 218,000; edfpa14p 94, 227,000; edfpa14q 110,
388,000; edfpa14r 110, 390,000; edf9204 104, over 1,000,000; edf9203 198, 377,000. WIDTH_LIMIT is set
between the trees that fit 300,000 nodes and those that do not. The span picks the smaller order on every
tree where the two differ by more than 10% (das9207, edfpa14b, edfpa14p, edfpa15o, jbd9601) except edfpa15b
(135,000 nodes in the catalog's order, predicted, against 34,000) and edf9204 (past the width limit). A sum
of squared spans, of squared cut-widths, or the cut-width alone, each picks wrong on at least one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from risk.engine.structure import Delay, Gate, Node, Var

__all__ = ["Profile", "profile", "WIDTH_LIMIT"]

#: The largest cut-width (see the module's text) for which the pure engine is given the large budget.
WIDTH_LIMIT = 100


@dataclass(frozen=True)
class Profile:
    """An order's measure over a modular structure: `span`, the sum of every gate's span; `width`, the
    largest cut-width of one module."""

    span: int
    width: int


def _strip(node: Node) -> Var | Gate:
    while isinstance(node, Delay):
        node = node.child
    return node


def _one(root: Node, position: dict[str, int]) -> tuple[int, int]:
    """(sum of spans, cut-width) of one module's own gates: its variables (proxies included) numbered in
    the order's sequence, from 0."""
    names: set[str] = set()
    seen: set[int] = set()
    order: list[Gate] = []
    bounds: dict[int, tuple[int, int]] = {}
    stack: list[tuple[Var | Gate, bool]] = [(_strip(root), False)]
    while stack:  # iterative post-order: children before parents, no recursion limit
        node, done = stack.pop()
        if isinstance(node, Var):
            names.add(node.name)
            continue
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((_strip(c), False) for c in node.children)
    local = {name: i for i, name in enumerate(sorted(names, key=position.__getitem__))}
    for gate in order:
        lo, hi = len(local), -1
        for child in gate.children:
            c = _strip(child)
            a, b = (local[c.name], local[c.name]) if isinstance(c, Var) else bounds[id(c)]
            lo, hi = min(lo, a), max(hi, b)
        bounds[id(gate)] = (lo, hi)
    change = [0] * (len(local) + 1)
    span = 0
    for lo, hi in bounds.values():
        if hi > lo:
            span += hi - lo
            change[lo] += 1
            change[hi] -= 1
    width = running = 0
    for step in change:
        running += step
        width = max(width, running)
    return span, width


def profile(roots: Sequence[Node], levels: Sequence[str]) -> Profile:
    """The measure of an order (`levels`, every variable and proxy) over a modular structure's roots (each
    module's content and each service's structure, proxies standing for the modules inside them)."""
    position = {name: i for i, name in enumerate(levels)}
    parts = [_one(root, position) for root in roots]
    return Profile(span=sum(p[0] for p in parts), width=max((p[1] for p in parts), default=0))
