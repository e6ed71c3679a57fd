"""SCRAM-style preprocessing in front of the decision diagram, and the modular diagram it feeds.

Why: on the hardest Aralia trees (edf9202, edfpa15b, ...) the flat diagram passes through hundreds of
thousands to millions of intermediate nodes, and needs the compiled kernels, where SCRAM's preprocessing
(Rakhimov, src/preprocessor.cc; after Rauzy and Dutuit) keeps its diagrams tiny. The passes here, in
SCRAM's order (its Phase I and the parts of Phase II that a coherent threshold structure needs):

1. constant propagation: a gate that needs nothing is never down; a never-down child leaves a threshold
   gate (k stays, n drops), an always-down one lowers k; k <= 0 is always down, k > n never; a gate of one
   child is that child ("null gates");
2. multiple definitions: gates with the same threshold over the same children are one gate (hash-consing);
3. gate coalescing: an OR inside an OR (an AND inside an AND) that no other gate needs is opened into its
   parent (union and intersection are associative), unless it is a module (SCRAM preserves modules);
4. module detection (Dutuit and Rauzy's linear-time algorithm): a gate is a *module* when nothing outside
   it reaches anything below it; it is then an independent sub-function, and its diagram is built on its
   own and stands in its parents as one fresh variable (a proxy);
5. new modules from a gate's modular arguments (SCRAM's FindModules / ProcessModularArgs, see
   _new_modules), before the first coalescing and again after distributivity and after coalescing;
6. merging common arguments (SCRAM's MergeCommonArgs, see _merge_common): the children the same ORs (ANDs)
   all list become one new OR (AND) they share;
7. distributivity (SCRAM's DetectDistributivity, see _distribute): (x or a) and (x or b) = x or (a and b),
   and the dual;
8. absorption (a simple form of SCRAM's Boolean optimisation and decomposition of common nodes, see
   _absorb): below an OR that lists x, x is up; below an AND that lists x, x is down.

Each pass keeps every service's Boolean function (tests/engine/test_preprocess.py checks each one by brute
force on random structures). The modular diagram answers the same queries as the flat one, exactly:

- P(module) is its diagram's probability with each child module's proxy at that module's probability
  (the module's variables appear nowhere else, so it is independent of everything outside it);
- Birnbaum importance by the chain rule: dP/dq_x = sum over the modules M holding x of dP/dq_M . dP_M/dq_x,
  worked from the service down through the modules, containers first;
- minimal cut sets: those of the service in terms of its proxies, each proxy replaced by each of its
  module's minimal cut sets (modules have disjoint variables, so every such product is minimal and they
  are all); a proxy stands for at least one variable, so truncating at an order stays exact.

The order, SCRAM's Phase II: conversion (1, 2), new modules, coalescing, then ROUNDS times (SCRAM runs
Phase II again in its Phase III) merging, distributivity, new modules, absorption, coalescing, new
modules; then module detection.

Not done: SCRAM's full Boolean optimisation (a node whose failure alone fails a gate above it, lifted to
that gate: tried as "add x to the highest such gate, then absorb", it made the Aralia trees' largest
modules larger, edfpa15b 108 to 182 variables, so it is left out), and the normalisation of k-of-n gates
into ORs of ANDs (SCRAM's Phase III; here k-of-n gates are built directly). Grace periods (Delay) do not
change whether a service is down at a moment, so they are dropped here as in every exact engine.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from risk.engine.bdd import BDD, FALSE, TRUE, CutSetTally, Split, VariableOrder, rauzy_cut_sets
from risk.engine.structure import Delay, Gate, Node, Structure, Var, parent_counts, support

__all__ = ["Plan", "plan", "ModularBDD", "ALWAYS", "NEVER", "PROXY"]

#: A proxy variable's name: a catalog's names cannot hold control characters, so none can collide.
PROXY = "\x00module "


class _Constant:
    def __init__(self, down: bool):
        self.down = down

    def __repr__(self) -> str:
        return "ALWAYS" if self.down else "NEVER"


ALWAYS, NEVER = _Constant(True), _Constant(False)


class _Gate:
    """Down when at least k of the children are down; a child is a variable's name, a _Gate or a
    constant (ALWAYS, NEVER)."""

    __slots__ = ("k", "kids")

    def __init__(self, k: int, kids: list):
        self.k = k
        self.kids = kids


def _key(item: object) -> int | str:
    return item if isinstance(item, str) else id(item)


def _kind(k: int, n: int) -> str | None:
    return "or" if k == 1 else ("and" if k == n else None)


class _Builder:
    """Makes gates with constants propagated, null gates removed and equal gates shared."""

    def __init__(self):
        self.table: dict[tuple, _Gate] = {}

    def gate(self, k: int, kids: list):
        live = []
        for kid in kids:
            if kid is ALWAYS:
                k -= 1
            elif kid is not NEVER:
                live.append(kid)
        if k <= 0:
            return ALWAYS
        if k > len(live):
            return NEVER
        if _kind(k, len(live)) is not None:  # a repeat adds nothing to an OR or an AND (it does to k of n)
            live = list({_key(c): c for c in live}.values())
            k = 1 if k == 1 else len(live)
        if len(live) == 1:
            return live[0]
        key = (k, tuple(sorted((isinstance(c, str), str(_key(c))) for c in live)))
        hit = self.table.get(key)
        if hit is None:
            hit = self.table[key] = _Gate(k, live)
        return hit


def _convert(roots: Sequence[Node]) -> list:
    """The structure's roots as internal nodes: constants propagated, null gates gone, equal gates one."""
    builder = _Builder()
    memo: dict[int, object] = {}

    def walk(node: Node):
        while isinstance(node, Delay):
            node = node.child
        hit = memo.get(id(node))
        if hit is not None:
            return hit
        if isinstance(node, Var):
            out = node.name
        else:
            out = builder.gate(node.k, [walk(c) for c in node.children])
        memo[id(node)] = out
        return out

    return [walk(r) for r in roots]


def _parents(roots: Sequence) -> dict[int, int]:
    counts: dict[int, int] = {}
    seen: set[int] = set()
    stack = [r for r in roots if isinstance(r, _Gate)]
    for r in stack:
        counts[id(r)] = counts.get(id(r), 0) + 1
    while stack:
        gate = stack.pop()
        if id(gate) in seen:
            continue
        seen.add(id(gate))
        for kid in gate.kids:
            if isinstance(kid, _Gate):
                counts[id(kid)] = counts.get(id(kid), 0) + 1
                stack.append(kid)
    return counts


def _coalesce(roots: Sequence, keep: set[int] | frozenset[int] = frozenset()) -> list:
    """Open into each OR (AND) the ORs (ANDs) nested in it that no other gate or service needs, except the
    gates in `keep` (ids of modules: SCRAM's coalescing preserves modules, whose diagrams are then built on
    their own instead of being spread through their parent's)."""
    parents = _parents(roots)
    builder = _Builder()
    memo: dict[int, object] = {}

    def walk(item):
        if not isinstance(item, _Gate):
            return item
        hit = memo.get(id(item))
        if hit is not None:
            return hit
        kind = _kind(item.k, len(item.kids))
        flat: list = []
        pending = list(reversed(item.kids))
        while pending:
            kid = pending.pop()
            if (
                kind is not None
                and isinstance(kid, _Gate)
                and parents.get(id(kid), 0) == 1
                and id(kid) not in keep
                and _kind(kid.k, len(kid.kids)) == kind
            ):
                pending.extend(reversed(kid.kids))
            else:
                flat.append(walk(kid))
        k = item.k if kind is None else (1 if kind == "or" else len(flat))
        out = builder.gate(k, flat)
        memo[id(item)] = out
        return out

    return [walk(r) for r in roots]


class _TooManyGates(Exception):
    pass


#: Gates the absorption pass may make, as a multiple of the gates it starts from (plus a margin), before it
#: gives up and leaves the structure as it was: a gate shared under different known values is copied once
#: for each, which on some structures could multiply the gates.
ABSORB_GROWTH = 4

#: Rounds of merging, distributivity, new modules, absorption and coalescing. SCRAM runs its Phase II twice
#: (the second time after normalising k-of-n gates, its Phase III), and a second round finds what the first
#: made possible: on the Aralia trees edfpa14b's modular diagram falls from 368,000 nodes to 212,000,
#: jbd9601's from 42,000 to 32,000 and edfpa15b's from 39,000 to 34,000; a third changes little.
ROUNDS = 2


def _absorb(roots: Sequence) -> list:
    """Constant propagation from siblings (SCRAM's Boolean optimisation, in a simple form): an OR that
    lists a child x (a variable or a gate) is down whenever x is, so its other children matter only while
    x is up and may be read with x = up wherever x appears below them (x or G(x) = x or G(up)); an AND
    that lists x, with x = down. The values known at a gate pass down to every gate below it; a gate
    shared under different known values is copied for each. Why: the Aralia trees list the same events directly in a gate and deep inside its
    siblings (edf9202's top OR: its 104 operands' diagrams reach 41,000 nodes, the OR itself 7,153); the
    known values cut the siblings down before they are built (edf9202: 12,400 nodes built instead of
    168,000), and freed variables make more modules."""
    gates = _parents(roots)
    limit = ABSORB_GROWTH * len(gates) + 1000
    builder = _Builder()
    supports: dict[int, frozenset] = {}
    memo: dict[tuple[int, frozenset], object] = {}

    def support_of(gate: _Gate) -> frozenset:
        """The variables (names) and gates (ids) below a gate."""
        hit = supports.get(id(gate))
        if hit is None:
            below: set = set()
            for kid in gate.kids:
                below.add(_key(kid))
                if isinstance(kid, _Gate):
                    below |= support_of(kid)
            hit = supports[id(gate)] = frozenset(below)
        return hit

    def walk(item, known: dict):
        if not isinstance(item, (str, _Gate)):
            return item
        down = known.get(_key(item))
        if down is not None:
            return ALWAYS if down else NEVER
        if isinstance(item, str):
            return item
        below = support_of(item)
        relevant = {v: b for v, b in known.items() if v in below}
        key = (id(item), frozenset(relevant.items()))
        hit = memo.get(key)
        if hit is not None:
            return hit
        kind = _kind(item.k, len(item.kids))
        facts = dict(relevant)
        if kind is not None:
            for kid in item.kids:
                facts.setdefault(_key(kid), kind == "and")  # below an OR, a child is up; below an AND, down
        kids = []
        for kid in item.kids:
            if kind is None:
                kids.append(walk(kid, relevant))
            else:  # a child is read with what its siblings tell, not with its own value
                own = _key(kid)
                kids.append(walk(kid, {v: b for v, b in facts.items() if v != own or v in relevant}))
        out = builder.gate(item.k, kids)
        memo[key] = out
        if len(memo) > limit:
            raise _TooManyGates
        return out

    try:
        return [walk(r, {}) for r in roots]
    except _TooManyGates:
        return list(roots)


def _gates(roots: Sequence) -> list[_Gate]:
    """Every gate under the roots, children before parents (the order of a depth-first walk's leaving)."""
    return _times(roots).finished


def _merge_common(roots: Sequence) -> list:
    """SCRAM's merging of common arguments (Preprocessor::MergeCommonArgs), in a simple form: the children
    that the same OR gates (two or more) all list, and no other OR, become one new OR listed by each of
    them in their place; the same for ANDs. Union and intersection are associative, so every gate keeps
    its function. SCRAM gathers the arguments common to a pair of gates and chooses among overlapping
    options (its MergeTable); here the arguments are partitioned by exactly which gates list them, which
    needs no choice: arguments common to gates A, B and C go into one new gate, those common to A and B
    only into another, and A lists both. Why: the Aralia trees repeat long lists of the same events in
    the gates of redundant trains (edfpa15b: four ORs of about twenty events, most in all four); merged,
    the shared part is one gate, which distributivity (_distribute) then lifts out of the ANDs above."""
    gates = _gates(roots)
    listed: dict[tuple[str, int | str], list[_Gate]] = {}  # (kind, child) -> the gates of that kind listing it
    child: dict[int | str, object] = {}
    for gate in gates:
        kind = _kind(gate.k, len(gate.kids))
        if kind is None:
            continue
        for kid in gate.kids:
            child[_key(kid)] = kid
            listed.setdefault((kind, _key(kid)), []).append(gate)
    groups: dict[tuple[str, tuple[int, ...]], list[int | str]] = {}
    for (kind, key), parents in listed.items():
        if len(parents) >= 2:
            groups.setdefault((kind, tuple(id(p) for p in parents)), []).append(key)
    # gate id -> {child key: the group (its first member's key is where the new gate goes)}
    member: dict[int, dict[int | str, tuple[str, tuple[int | str, ...]]]] = {}
    for (kind, parent_ids), keys in groups.items():
        if len(keys) < 2:
            continue
        group = (kind, tuple(keys))
        for pid in parent_ids:
            for key in keys:
                member.setdefault(pid, {})[key] = group
    if not member:
        return list(roots)
    builder = _Builder()
    memo: dict[int, object] = {}
    merged: dict[tuple[str, tuple[int | str, ...]], object] = {}

    def walk(item):
        if not isinstance(item, _Gate):
            return item
        hit = memo.get(id(item))
        if hit is not None:
            return hit
        mine = member.get(id(item), {})
        kids = []
        for kid in item.kids:
            group = mine.get(_key(kid))
            if group is None:
                kids.append(walk(kid))
            elif group[1][0] == _key(kid):  # the new gate goes where its first member was
                new = merged.get(group)
                if new is None:
                    parts = [walk(child[key]) for key in group[1]]
                    new = merged[group] = builder.gate(1 if group[0] == "or" else len(parts), parts)
                kids.append(new)
        k = item.k if not mine else (1 if item.k == 1 else len(kids))
        out = builder.gate(k, kids)
        memo[id(item)] = out
        return out

    return [walk(r) for r in roots]


def _distribute(roots: Sequence) -> list:
    """SCRAM's distributivity (Preprocessor::DetectDistributivity): in an AND gate, ORs that list common
    children x are one OR: (x or a) and (x or b) = x or (a and b); in an OR gate, ANDs likewise:
    (x and a) or (x and b) = x and (a or b). Before that (SCRAM's FilterDistributiveArgs), an OR child of
    an AND that lists one of the AND's own children is dropped (x and (x or a) = x), and an OR child that
    lists every child of another is dropped ((a or b) and (a or b or c) = a or b); the same with AND and
    OR swapped. A group is the children listing the child most of them list, its common part their
    common children; the rest of each (a, b) is worked on again in the new inner gate, as SCRAM's
    TransformDistributiveArgs recurses. Children other gates also need are copied, not changed (SCRAM
    clones them). Why: after merging common arguments (_merge_common), the ANDs of redundant trains are
    ANDs of ORs with a common part; lifted out, the common part is built once, high in the diagram's
    order, and what remains falls into smaller modules."""
    builder = _Builder()
    memo: dict[int, object] = {}

    def kind_of(item) -> str | None:
        return _kind(item.k, len(item.kids)) if isinstance(item, _Gate) else None

    def make(kind: str, kids: list):
        """A gate of a kind over kids, its children of the other kind distributed."""
        dual = "and" if kind == "or" else "or"
        kids = list({_key(c): c for c in kids}.values())
        own = {_key(c) for c in kids}
        # x and (x or a) = x: an OR that lists a sibling is down whenever that sibling is
        kids = [c for c in kids if kind_of(c) != dual or not any(_key(x) in own for x in c.kids)]
        candidates = [c for c in kids if kind_of(c) == dual]
        sets = {id(c): frozenset(_key(x) for x in c.kids) for c in candidates}
        holders: dict[int | str, dict[int, _Gate]] = {}  # a child's key -> the candidates listing it
        for c in candidates:  # in the children's own order (a frozenset's order varies from run to run)
            for x in c.kids:
                holders.setdefault(_key(x), {})[id(c)] = c
        # (a or b) and (a or b or c) = a or b: a candidate listing every child of another is dropped;
        # its supersets all list its rarest child, so only those are compared
        dropped: set[int] = set()
        for c in sorted(candidates, key=lambda c: len(sets[id(c)])):
            if id(c) in dropped:
                continue
            rarest = min(sets[id(c)], key=lambda key: len(holders[key]))
            for d in holders[rarest].values():
                if d is not c and id(d) not in dropped and sets[id(c)] < sets[id(d)]:
                    dropped.add(id(d))
        if dropped:
            kids = [c for c in kids if id(c) not in dropped]
            for c in candidates:
                if id(c) in dropped:
                    for key in sets[id(c)]:
                        del holders[key][id(c)]
        # Groups: the candidates listing the child most of them list, the most-listed first (a lazy heap:
        # a child's count only falls as groups are made, but for the new gates' own children)
        seen = {key: i for i, key in enumerate(holders)}
        heap = [(-len(h), seen[key], key) for key, h in holders.items() if len(h) >= 2]
        heapq.heapify(heap)
        slot = {_key(c): i for i, c in enumerate(kids)}  # where each child sits; a group's new gate takes its first's
        placed: list = list(kids)
        while heap:
            negative, order, pivot = heapq.heappop(heap)
            group = list(holders[pivot].values())
            if len(group) != -negative:
                if len(group) >= 2:
                    heapq.heappush(heap, (-len(group), order, pivot))
                continue
            group.sort(key=lambda c: slot[id(c)])
            common = [x for x in group[0].kids if all(_key(x) in sets[id(c)] for c in group)]
            shared = {_key(x) for x in common}
            rests = []
            for c in group:
                rest = [x for x in c.kids if _key(x) not in shared]
                rests.append(builder.gate(1 if dual == "or" else len(rest), rest))
            inner = make(kind, rests)
            parts = [*common, inner]
            new = builder.gate(1 if dual == "or" else len(parts), parts)
            at = slot[id(group[0])]
            for c in group:
                placed[slot.pop(id(c))] = None
                for key in sets[id(c)]:
                    del holders[key][id(c)]
            placed[at] = new
            if _key(new) in slot:  # the new gate is a child already (equal gates are one): listed once
                placed[at] = None
            else:
                slot[_key(new)] = at
                if kind_of(new) == dual:  # a candidate in turn
                    sets[id(new)] = frozenset(_key(x) for x in new.kids)
                    for key in map(_key, new.kids):
                        h = holders.setdefault(key, {})
                        h[id(new)] = new
                        if key not in seen:
                            seen[key] = len(seen)
                        if len(h) >= 2:
                            heapq.heappush(heap, (-len(h), seen[key], key))
        kids = [c for c in placed if c is not None]
        return builder.gate(1 if kind == "or" else len(kids), kids)

    def walk(item):
        if not isinstance(item, _Gate):
            return item
        hit = memo.get(id(item))
        if hit is not None:
            return hit
        kids = [walk(kid) for kid in item.kids]
        kind = _kind(item.k, len(item.kids))
        out = builder.gate(item.k, kids) if kind is None else make(kind, kids)
        memo[id(item)] = out
        return out

    return [walk(r) for r in roots]


@dataclass
class _Times:
    """One depth-first walk's visit times (Dutuit and Rauzy): for each gate (by id) when it was entered and
    left and, when it was reached again, its last visit; for each variable its first and last visit; and
    for each gate the earliest and latest visit of anything below it (low, high)."""

    finished: list[_Gate]  # the gates in the order they were left: children before parents
    enter: dict[int, int]
    leave: dict[int, int]
    first: dict[object, int]
    last: dict[object, int]
    low: dict[int, int]
    high: dict[int, int]

    def span(self, item) -> tuple[int, int]:
        """The first and last visit of anything in an item's sub-structure, the item included."""
        if isinstance(item, _Gate):
            key = id(item)
            return min(self.enter[key], self.low[key]), max(self.leave[key], self.last.get(key, 0), self.high[key])
        return self.first[item], self.last[item]

    def is_module(self, gate: _Gate) -> bool:
        return self.enter[id(gate)] < self.low[id(gate)] and self.high[id(gate)] < self.leave[id(gate)]


def _times(roots: Sequence) -> _Times:
    time = 0
    enter: dict[int, int] = {}
    leave: dict[int, int] = {}
    first: dict[object, int] = {}
    last: dict[object, int] = {}
    finished: list[_Gate] = []
    for root in roots:
        if not isinstance(root, _Gate) or id(root) in enter:
            continue
        time += 1
        enter[id(root)] = time
        stack: list[tuple[_Gate, int]] = [(root, 0)]
        while stack:
            gate, i = stack[-1]
            if i == len(gate.kids):
                stack.pop()
                time += 1
                leave[id(gate)] = time
                finished.append(gate)
                continue
            stack[-1] = (gate, i + 1)
            kid = gate.kids[i]
            time += 1
            key = _key(kid)
            if isinstance(kid, _Gate):
                if id(kid) in enter:
                    last[key] = time
                else:
                    enter[id(kid)] = time
                    stack.append((kid, 0))
            else:
                first.setdefault(key, time)
                last[key] = time
    low: dict[int, int] = {}
    high: dict[int, int] = {}
    for gate in finished:  # children are left before their parents
        lo, hi = sys.maxsize, 0
        for kid in gate.kids:
            key = _key(kid)
            if isinstance(kid, _Gate):
                lo = min(lo, enter[id(kid)], low[id(kid)])
                hi = max(hi, last.get(key, 0), leave[id(kid)], high[id(kid)])
            else:
                lo = min(lo, first[key])
                hi = max(hi, last[key])
        low[id(gate)], high[id(gate)] = lo, hi
    return _Times(finished, enter, leave, first, last, low, high)


def _modules(roots: Sequence) -> tuple[list[_Gate], set[int]]:
    """Dutuit and Rauzy's module detection: one depth-first walk numbers every visit; a gate is a module
    when every node below it is first visited after the gate is entered and last visited before it is
    left. Returns the gates in the order they were left (children before parents) and the modules' ids."""
    times = _times(roots)
    return times.finished, {id(g) for g in times.finished if times.is_module(g)}


def _new_modules(roots: Sequence) -> None:
    """SCRAM's creation of modules from a gate's modular arguments (Preprocessor::FindModules and
    ProcessModularArgs), in place. In an OR (AND) gate G, the children that nothing else reaches (a
    variable only G lists, a module only G lists) are gathered into one new OR (AND) under G; of the
    other children, those whose whole sub-structure is visited only while G is (their visit times lie
    inside G's) and shares nothing with G's remaining children (their visit times do not overlap) are
    gathered into one new gate under G, and within it each group of them that overlap only one another
    into another. Union and intersection are associative, so G keeps its function; each new gate is a
    module, so its diagram is built on its own and stands in G's as one variable.

    Why: coalescing opens nested ORs (ANDs) into their parent, and with them the independent parts the
    catalog had grouped; G's diagram then interleaves them with the shared ones (edfpa15b: one module of
    267 variables whose diagram reached 325,000 nodes)."""
    times = _times(roots)
    parents = _parents(roots)
    listed: dict[str, int] = {}  # a variable -> the gates listing it
    for gate in times.finished:
        for kid in gate.kids:
            if isinstance(kid, str):
                listed[kid] = listed.get(kid, 0) + 1
    modules = {id(g) for g in times.finished if times.is_module(g)}

    def gather(gate: _Gate, members: list) -> _Gate | None:
        """A new gate of gate's kind over members (two or more, not all of its children) in place of them."""
        if len(members) < 2 or len(members) >= len(gate.kids):
            return None
        taken = {id(m) if isinstance(m, _Gate) else m for m in members}
        kind = _kind(gate.k, len(gate.kids))
        module = _Gate(1 if kind == "or" else len(members), list(members))
        gate.kids = [k for k in gate.kids if (id(k) if isinstance(k, _Gate) else k) not in taken] + [module]
        gate.k = 1 if kind == "or" else len(gate.kids)
        return module

    sp = times.span
    for gate in times.finished:  # children first, as SCRAM's recursion
        if _kind(gate.k, len(gate.kids)) is None:
            continue
        entered, left = times.enter[id(gate)], times.leave[id(gate)]
        alone: list = []
        inside: list = []
        outside: list = []
        for kid in gate.kids:
            if (isinstance(kid, _Gate) and id(kid) in modules and parents.get(id(kid), 0) == 1) or (
                isinstance(kid, str) and listed.get(kid, 0) == 1
            ):
                alone.append(kid)
            elif not isinstance(kid, (str, _Gate)):
                outside.append(kid)
            else:
                lo, hi = times.span(kid)
                (inside if entered < lo and hi < left else outside).append(kid)
        gather(gate, alone)
        # A child inside G that overlaps a child outside is not independent of it (nor then of anything
        # overlapping it in turn): SCRAM's FilterModularArgs.
        check = list(outside)
        while inside and check:
            keep: list = []
            moved: list = []
            for kid in inside:
                a, b = sp(kid)
                (moved if any(a <= d and c <= b for c, d in map(sp, check)) else keep).append(kid)
            inside, check = keep, moved
        if len(inside) < 2:
            continue
        # Groups of children whose visit spans overlap (SCRAM's GroupModularArgs).
        inside.sort(key=sp)
        groups: list[list] = []
        reach = -1
        for kid in inside:
            a, b = sp(kid)
            if groups and a <= reach:
                groups[-1].append(kid)
                reach = max(reach, b)
            else:
                groups.append([kid])
                reach = b
        main = gather(gate, inside) if len(inside) < len(gate.kids) else gate
        if main is None:
            continue
        if len(groups) > 1:
            for group in groups:
                gather(main, group)


@dataclass
class Plan:
    """The preprocessed structure: every module's own structure (proxies for the modules inside it),
    innermost first, and each service's structure (a Node, or ALWAYS / NEVER)."""

    modules: list[tuple[str, Node]]
    services: dict[str, Node | _Constant]


def plan(structure: Structure, services: Sequence[str] | None = None, need_module: bool = False) -> Plan | None:
    """Constant propagation, multiple definitions, coalescing, absorption and module detection over the
    services. With need_module, None when the coalesced structure has no module (before absorption, the
    costliest pass): a tree under one service always has one (its top), while a catalog of many services
    sharing their dependencies may have none, and there the modular diagram gains nothing (the synthetic
    2,000-service catalog: no module, and the passes and a failed build would cost about 2 s)."""
    if sys.getrecursionlimit() < 20_000:  # the passes walk the structure recursively, as the BDD builds it
        sys.setrecursionlimit(20_000)
    wanted = list(services if services is not None else structure.services)
    roots = _convert([structure.nodes[s] for s in wanted])
    _new_modules(roots)
    roots = _coalesce(roots, _modules(roots)[1])
    if need_module and not _modules(roots)[1]:
        return None
    for _ in range(ROUNDS):
        roots = _distribute(_merge_common(roots))
        _new_modules(roots)
        roots = _absorb(roots)
        roots = _coalesce(roots, _modules(roots)[1])
        _new_modules(roots)
    finished, module_ids = _modules(roots)
    proxy: dict[int, str] = {}
    for gate in finished:
        if id(gate) in module_ids:
            proxy[id(gate)] = f"{PROXY}{len(proxy)}"
    made: dict[object, Node] = {}

    def node(item, inside: _Gate | None = None) -> Node:
        """The structure of an internal node, with the modules below it (other than itself) as proxies."""
        if isinstance(item, str):
            hit = made.get(item)
            if hit is None:
                hit = made[item] = Var(item)
            return hit
        if item is not inside and id(item) in proxy:
            return node(proxy[id(item)])
        hit = made.get(id(item)) if item is not inside else None
        if hit is None:
            hit = Gate(item.k, tuple(node(kid) for kid in item.kids))
            if item is not inside:
                made[id(item)] = hit
        return hit

    try:
        modules = [(proxy[id(g)], node(g, inside=g)) for g in finished if id(g) in proxy]
        outs: dict[str, Node | _Constant] = {}
        for sid, root in zip(wanted, roots, strict=True):
            outs[sid] = root if isinstance(root, _Constant) else node(root)
    finally:
        # node calls itself through its closure: a reference cycle that would keep every preprocessed gate
        # (8,000 on the big catalog) until the cyclic collector ran; emptying the cell frees them now
        node = None  # type: ignore[assignment]  # noqa: F841
    return Plan(modules, outs)


def _order(structure: Structure, the_plan: Plan, tops: Sequence[Node], by_module: bool) -> list[str]:
    """The levels of a modular diagram: every variable and proxy. A module's variables appear in no other
    module, so each module's own variables (its proxies among them) may be ordered on their own.

    - by_module=False: the structure-aware order (risk.engine.order) of the structure as the catalog gives
      it, each proxy just before the first of its module's variables: the order the flat diagram would
      use, so a module's diagram is the flat one's restricted to it;
    - by_module=True: each module's own variables in the structure-aware order of the module as the
      preprocessing left it (proxies as variables), as SCRAM orders its preprocessed graph. Neither wins
      everywhere: on the Aralia trees that reach the compiled modular stage this one builds edfpa14b's
      diagrams in 377,000 nodes instead of 1,116,000, edf9204's in 2.2 million instead of 2.6 million,
      edfpa15b's in 243,000 instead of 395,000, and edfpa14o's in 410,000 instead of 226,000, edfpa14p's in
      387,000 instead of 226,000; on the small trees it is often the larger (das9207: 73,000 against
      12,000), so the pure stage keeps the other."""
    from risk.engine.order import variable_order

    basic = list(structure.basic)
    if by_module:
        levels: list[str] = []
        placed: set[str] = set()
        for root in [*tops, *reversed([content for _, content in the_plan.modules])]:  # outermost first
            for name in variable_order([root]):
                if name not in placed:
                    placed.add(name)
                    levels.append(name)
        return levels + [name for name in basic if name not in placed]
    flat = variable_order([structure.nodes[s] for s in structure.services], basic)
    position = {name: i for i, name in enumerate(flat)}
    first: dict[str, int] = {}
    for name, content in the_plan.modules:  # innermost first: the proxies inside are placed already
        first[name] = min((first[v] if v in first else position[v]) for v in support(content))
    keyed = [(i, 1, name) for i, name in enumerate(flat)] + [(i, 0, name) for name, i in first.items()]
    return [name for _, _, name in sorted(keyed)]


class ModularBDD:
    """The pure-Python BDD over a Plan: each module's diagram built on its own, its proxy a variable of the
    diagrams that use it. Answers birnbaum and minimal_cut_sets as the other engines do (variables
    numbered as in structure.basic); `compile` takes a service id."""

    def __init__(
        self,
        structure: Structure,
        the_plan: Plan,
        max_nodes: int | None = None,
        compiled: bool = False,
        order: VariableOrder = VariableOrder.CATALOG,
        deferred: bool = False,
    ):
        """`compiled`: the diagrams in risk.engine.fastbdd's arrays (numba) instead of pure Python, for a plan
        whose diagrams outgrow the pure engine; the same answers. `order`: VariableOrder.CATALOG, the
        structure-aware order of the structure as the catalog gives it, or VariableOrder.MODULES, each
        module's own (see _order); no other.
        `deferred`: the modules' diagrams are left to `build` (which may be called again past a budget)."""
        self.basic = list(structure.basic)
        self.plan = the_plan
        tops = [n for n in the_plan.services.values() if not isinstance(n, _Constant)]
        module_nodes = [n for _, n in the_plan.modules]
        order = VariableOrder(order)
        if order not in (VariableOrder.CATALOG, VariableOrder.MODULES):
            raise ValueError(f"ModularBDD is built in order=catalog or order=modules, not order={order}")
        levels = _order(structure, the_plan, tops, by_module=order == VariableOrder.MODULES)
        if compiled:
            from risk.engine.fastbdd import BYTES_PER_NODE, FastBDD
            from risk.limits import MAX_DIAGRAM_MB

            budget = int(MAX_DIAGRAM_MB * 2**20 // BYTES_PER_NODE)
            self.bdd: BDD = FastBDD(levels, max_nodes=budget if max_nodes is None else min(max_nodes, budget))
        else:
            self.bdd = BDD(levels, max_nodes=max_nodes)
        self.bdd.parents = parent_counts([*tops, *module_nodes])
        self.position = {name: i for i, name in enumerate(self.basic)}
        #: proxy level -> the module's diagram, innermost first
        self.module_root: dict[int, int] = {}
        self._answers: tuple[list[float], list[float], dict[int, dict[int, float]]] | None = None
        self._cuts: dict[tuple[int, int], frozenset[frozenset[int]]] = {}
        if not deferred:
            self.build(())

    def __len__(self) -> int:
        return len(self.bdd)

    def build(self, services: Sequence[str], max_nodes: int | None = None) -> dict[str, int]:
        """Every module's diagram (innermost first), then each service's: {service: root}. `max_nodes`
        (pure engine only) replaces the budget, so a build stopped by DiagramTooLarge can go on with a larger
        one where it stopped: the diagrams finished and the operation caches are kept, so nothing already
        made is made again (risk.engine.bdd.compile_services' third pure modular stage)."""
        if max_nodes is not None:
            self.bdd.max_nodes = max_nodes
        level = self.bdd.level
        for name, content in self.plan.modules:
            if level[name] not in self.module_root:
                self.module_root[level[name]] = self.bdd.compile(content)
        return {sid: self.compile(sid) for sid in services}

    def compile(self, service: str) -> int:
        root = self.plan.services[service]
        if isinstance(root, _Constant):
            return TRUE if root.down else FALSE
        return self.bdd.compile(root)

    def _levels(self, q: Sequence[float]) -> tuple[list[float], dict[int, dict[int, float]]]:
        """Each level's probability (a proxy's is its module's) and each module's Birnbaum derivatives."""
        if self._answers is not None and self._answers[0] == list(q):
            return self._answers[1], self._answers[2]
        order, level = self.bdd.order, self.bdd.level
        by_level = [0.0] * len(order)
        for name, i in self.position.items():
            if name in level:
                by_level[level[name]] = q[i]
        derivatives: dict[int, dict[int, float]] = {}
        for proxy_level, root in self.module_root.items():  # innermost first
            by_level[proxy_level], derivatives[proxy_level] = self.bdd.birnbaum(root, by_level)
        self._answers = (list(q), by_level, derivatives)
        return by_level, derivatives

    def birnbaum(self, root: int, q: Sequence[float]) -> tuple[float, dict[int, float]]:
        by_level, derivatives = self._levels(q)
        if root <= TRUE:
            return float(root), {}
        p, d = self.bdd.birnbaum(root, by_level)
        for proxy_level in reversed(self.module_root):  # containers before the modules inside them
            w = d.pop(proxy_level, None)
            if w is None:
                continue
            for v, dv in derivatives[proxy_level].items():
                d[v] = d.get(v, 0.0) + w * dv
        order = self.bdd.order
        return p, {self.position[order[v]]: dv for v, dv in d.items()}

    def probability(self, root: int, q: Sequence[float]) -> float:
        return self.birnbaum(root, q)[0]

    def minimal_cut_sets(self, root: int, max_order: int) -> list[frozenset[int]]:
        tally = CutSetTally()
        found = self._expanded(root, max_order, tally)
        order = self.bdd.order
        out = [frozenset(self.position[order[v]] for v in cut) for cut in found]
        return sorted(out, key=lambda s: (len(s), sorted(s)))

    def _expanded(self, root: int, max_order: int, tally: CutSetTally) -> frozenset[frozenset[int]]:
        """The minimal cut sets of a diagram node in basic levels: its own, each proxy replaced by each of
        its module's sets, within max_order."""
        key = (root, max_order)
        hit = self._cuts.get(key)
        if hit is not None:
            return hit
        bdd = self.bdd

        def split(node: int) -> Split:
            if node <= TRUE:
                return node == TRUE
            return int(bdd.var[node]), int(bdd.lo[node]), int(bdd.hi[node])

        out: set[frozenset[int]] = set()
        for cut in rauzy_cut_sets(root, max_order, split):
            proxies = [v for v in cut if v in self.module_root]
            partial = [frozenset(v for v in cut if v not in self.module_root)]
            for i, p in enumerate(proxies):
                room = max_order - len(proxies) + i + 1  # each proxy still to come takes at least one
                grown = []
                for base in partial:
                    if room - len(base) < 1:
                        continue
                    for sub in self._expanded(self.module_root[p], room - len(base), tally):
                        grown.append(base | sub)
                partial = grown
            out.update(c for c in partial if len(c) <= max_order)
        result = frozenset(out)
        tally.add(result)
        self._cuts[key] = result
        return result
