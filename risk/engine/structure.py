"""Compile requirement expressions into one boolean structure over the basic dependencies.

Everything is in failure logic: a node is *down* when it is true. A basic dependency (not logical) is a
variable. Every requirement is a threshold gate "at least k of these children are down":

- a list or all_of needs all children up, so it is down when at least 1 child is down;
- any_of needs one child up, so it is down when all n children are down (k = n);
- at_least m of n up is down when at least n - m + 1 children are down.

A dependency is down when it fails on its own *or* its own requirement is down; a logical group is just its
requirement; a service is its requirement. References carry their grace period on the edge (a Delay node):
the exact calculation ignores it (contract: unavailability ignores grace), the simulation applies it.
Structures are shared: each service or dependency is compiled once, whoever requires it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from risk.catalog.model import AllOf, AnyOf, AtLeast, Catalog, Ref

__all__ = ["Var", "Gate", "Delay", "Node", "Structure", "compile_catalog", "support"]


@dataclass(frozen=True, eq=False)
class Var:
    """A basic dependency's own failure."""

    name: str


@dataclass(frozen=True, eq=False)
class Gate:
    """Down when at least k of the children are down."""

    k: int
    children: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Delay:
    """The child as seen through a grace period: only down once the child's outage outlasts `hours`."""

    hours: float
    child: Node


Node = Var | Gate | Delay


@dataclass
class Structure:
    """The compiled catalog: a node per service and dependency, and the basic variables in a good order."""

    nodes: dict[str, Node]
    services: list[str]
    basic: list[str]  # depth-first first-appearance order: a good BDD variable order
    _support: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)

    def support(self, node: Node) -> frozenset[str]:
        return support(node, self._support)


def _key(node: Node) -> tuple:
    """Identity of a child within one gate: the same item (with the same grace) listed twice is one child."""
    return ("delay", node.hours, id(node.child)) if isinstance(node, Delay) else ("node", id(node))


def _unique(children: list[Node]) -> list[Node]:
    """Children with repeats merged (validation warns about them): a repeated item adds nothing to an AND or
    an OR, and costs a simulation sweep per repeat."""
    return list({_key(c): c for c in children}.values())


def _gate(k: int, children: list[Node]) -> Node:
    if len(children) == 1 and k == 1:
        return children[0]
    return Gate(k, tuple(children))


def compile_catalog(catalog: Catalog) -> Structure:
    """The structure of every service and dependency (the catalog must be valid: no cycles)."""
    deps = {d.id: d for d in catalog.dependencies}
    services = {s.id: s for s in catalog.services}
    nodes: dict[str, Node] = {}
    order: list[str] = []
    seen_vars: set[str] = set()

    def item(ident: str) -> Node:
        if ident in nodes:
            return nodes[ident]
        if ident in deps:
            dep = deps[ident]
            if dep.is_logical:
                node = requirement(dep.requires)
            else:
                own = Var(ident)
                if ident not in seen_vars:
                    seen_vars.add(ident)
                    order.append(ident)
                node = _gate(1, [own, requirement(dep.requires)]) if dep.requires else own
        else:
            node = requirement(services[ident].requires)
        nodes[ident] = node
        return node

    def expr(e) -> Node:
        if isinstance(e, str):
            return item(e)
        if isinstance(e, Ref):
            child = item(e.id)
            return Delay(e.grace, child) if e.grace else child
        if isinstance(e, AnyOf):
            kids = _unique([expr(x) for x in e.any_of])
            return _gate(len(kids), kids) if len(kids) > 1 else kids[0]
        if isinstance(e, AllOf):
            return requirement(e.all_of)
        if isinstance(e, AtLeast):
            kids = [expr(x) for x in e.of]
            return _gate(len(kids) - e.at_least + 1, kids)
        return requirement(e)  # a nested list

    def requirement(items) -> Node:
        kids = _unique([expr(x) for x in items])
        if not kids:
            return Gate(1, ())  # needs nothing: never down
        return _gate(1, kids)

    for s in catalog.services:
        item(s.id)
    for d in catalog.dependencies:
        item(d.id)
    return Structure(nodes, [s.id for s in catalog.services], order)


def support(node: Node, memo: dict[int, frozenset[str]] | None = None) -> frozenset[str]:
    """The basic dependencies a node depends on."""
    memo = {} if memo is None else memo
    key = id(node)
    if key in memo:
        return memo[key]
    if isinstance(node, Var):
        out = frozenset([node.name])
    elif isinstance(node, Delay):
        out = support(node.child, memo)
    else:
        out = frozenset().union(*(support(c, memo) for c in node.children)) if node.children else frozenset()
    memo[key] = out
    return out


def parent_counts(roots: Iterable[Node]) -> dict[int, int]:
    """How many references each node has (id -> count): one per gate or grace period that lists it, and
    one per root it is. A node with one is needed by one parent only."""
    counts: dict[int, int] = {}
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        counts[id(node)] = counts.get(id(node), 0) + 1
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Delay):
            stack.append(node.child)
        elif isinstance(node, Gate):
            stack.extend(node.children)
    return counts


def _kind(gate: Gate) -> str | None:
    """'any' for a gate down when any child is (k = 1), 'all' for one down only when all are (k = n)."""
    if gate.k == 1:
        return "any"
    return "all" if gate.k == len(gate.children) else None


def operands(gate: Gate, parents: dict[int, int]) -> tuple[int, list[Node]]:
    """(k, children) of a gate with the gates nested in it opened: a child gate of the same kind ("any down"
    inside "any down", "all down" inside "all down", or a gate of one child) that no other parent needs
    (`parents`, from parent_counts) is replaced by its own children, recursively. Union and intersection
    are associative, so the opened gate is the same function, and has the same down time.

    Why: fault trees nest ORs deeply (edf9202: 347 of its 433 gates sit in a gate of their own kind). The
    simulation handled every interval again at each level, and the decision diagram combined its operands
    in the nesting's order, however large the intermediate results (see risk.engine.bdd)."""
    kind = _kind(gate)
    if kind is None:
        return gate.k, list(gate.children)
    flat: list[Node] = []
    pending = list(reversed(gate.children))
    while pending:
        child = pending.pop()
        alone = isinstance(child, Gate) and bool(child.children) and parents.get(id(child), 0) == 1
        if (
            alone and isinstance(child, Gate) and (_kind(child) == kind or len(child.children) == 1)
        ):  # one child: either kind
            pending.extend(reversed(child.children))
        else:
            flat.append(child)
    return (1 if kind == "any" else len(flat)), flat
