"""Brute-force reference answers for small structures: the independent method the tests compare against.

It enumerates every combination of failed dependencies, so it is exact and obviously right, and only
usable up to about 20 variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations, product

from risk.engine.structure import Delay, Node, Var, support

__all__ = ["is_down", "probability", "minimal_cut_sets"]


def is_down(node: Node, down: set[str] | frozenset[str]) -> bool:
    """Whether the node is down when exactly the named basic dependencies are down."""
    if isinstance(node, Var):
        return node.name in down
    if isinstance(node, Delay):
        return is_down(node.child, down)
    return sum(is_down(c, down) for c in node.children) >= node.k if node.children else False


def probability(node: Node, q: Mapping[str, float]) -> float:
    """P(node down) by summing over all 2^n states of its support."""
    names = sorted(support(node))
    total = 0.0
    for states in product((False, True), repeat=len(names)):
        down = {n for n, s in zip(names, states, strict=True) if s}
        if is_down(node, down):
            weight = 1.0
            for n, s in zip(names, states, strict=True):
                weight *= q[n] if s else 1.0 - q[n]
            total += weight
    return total


def minimal_cut_sets(node: Node, max_order: int) -> list[frozenset[str]]:
    """Every minimal cut set up to max_order, by checking each set against its subsets."""
    names = sorted(support(node))
    found: list[frozenset[str]] = []
    for size in range(1, max_order + 1):
        for combo in combinations(names, size):
            c = frozenset(combo)
            if is_down(node, c) and not any(f <= c for f in found):
                found.append(c)
    return found
