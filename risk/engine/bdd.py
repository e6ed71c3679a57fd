"""A small reduced ordered binary decision diagram (BDD) for exact failure probabilities and cut sets.

Why our own: the structures are coherent (monotone) fault trees of at most a few hundred variables, and we
need four things only: build with threshold gates, exact probability, Birnbaum importance of every variable
in one pass, and minimal cut sets up to an order. Each is a few lines on a BDD, and keeping it in pure Python
keeps the engine installable anywhere. tests/engine checks it against brute-force enumeration.

Variables are *failures* (1 = the dependency is down); node 0 is "never down", node 1 is "always down".
Variable order is the depth-first first-appearance order of the catalog (see structure.py), which keeps
diagrams of nested redundancy small; sorting by name can make them explode.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import combinations
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from risk.engine.structure import Delay, Node, Structure, Var, operands, parent_counts, support

if TYPE_CHECKING:  # preprocess imports this module: its names are for the type checker only
    from risk.engine.preprocess import ModularBDD, Plan

__all__ = [
    "BDD",
    "DiagramTooLarge",
    "SiftingTooLong",
    "TooManyCutSets",
    "CutSetTally",
    "CutSetMemo",
    "rauzy_cut_sets",
    "Engine",
    "VariableOrder",
    "TooMuchForServer",
    "in_server",
    "within_server",
    "server_stages",
    "SERVER_CUT_SETS",
    "Stage",
    "exact_stages",
    "ExactEngine",
    "ENGINES",
    "forced_engine",
    "new_diagram",
    "compile_services",
]

FALSE, TRUE = 0, 1


def rauzy_join(v: int, k0: frozenset[frozenset[int]], k1: frozenset[frozenset[int]]) -> frozenset[frozenset[int]]:
    """One step of Rauzy's decomposition for f = v.f1 + f0 (f0 <= f1): the minimal cut sets of f0, plus v
    joined to each minimal cut set of f1 that contains no minimal cut set of f0.

    A set of f1 holding a variable that is alone a cut set of f0 is contained; otherwise a pair is looked up
    in k0 as a whole, and a larger set by each of its subsets of two or more (the lists are cut at order 3
    or so, where this is a handful of lookups). An empty k0 keeps every set, and a k0 holding the empty set
    (f0 always down) keeps none."""
    if not k1 or frozenset() in k0:
        return k0
    if not k0:
        return frozenset([c | {v} for c in k1])
    singles = {x for s in k0 if len(s) == 1 for x in s}
    out = set(k0)
    for c in k1:
        if not c.isdisjoint(singles):
            continue
        n = len(c)
        if n == 2:
            if c in k0:
                continue
        elif n > 2 and any(frozenset(sub) in k0 for r in range(2, n + 1) for sub in combinations(c, r)):
            continue
        out.add(c | {v})
    return frozenset(out)


#: What `split` says of a diagram node for rauzy_cut_sets: "always down", "never down", or (variable, the
#: node when it is up, the node when it is down).
Split = bool | tuple[int, int, int]


def rauzy_cut_sets(
    root: int, max_order: int, split: Callable[[int], Split], memo: CutSetMemo | None = None
) -> frozenset[frozenset[int]]:
    """Every minimal cut set of at most max_order variables of a coherent function, by Rauzy's
    decomposition over its diagram: for f = x.f1 + f0 with f0 <= f1, MCS(f) = MCS(f0) plus x joined to each
    set of MCS(f1) that contains no set of MCS(f0). Truncating at an order is exact: a set's proper subsets
    are all of lower order, so minimality is always judged against complete lists. Every engine walks its
    own diagram through `split`; the sets worked through count against MAX_CUT_SETS (CutSetTally).

    `memo` (CutSetMemo) keeps the partial lists of one diagram from listing to listing: services sharing
    sub-diagrams work each out once (the 2,000-service catalog: 40,700 joins instead of 43,900). The budget is still each listing's own: the sets of every partial list it reaches, each once,
    as if it had worked them out itself (CutSetMemo.spent), so a listing passes or stops exactly as alone."""
    shared = memo if memo is not None else CutSetMemo()
    families, below = shared.families, shared.below
    tally = CutSetTally()  # the sets this listing works out anew: all within its own budget
    never: frozenset[frozenset[int]] = frozenset()
    always: frozenset[frozenset[int]] = frozenset([frozenset()])

    def mcs(node: int, k: int) -> frozenset[frozenset[int]]:
        parts = split(node)
        if parts is True:
            return always
        if parts is False or k == 0:  # coherent and not constant: all-up is never down
            return never
        key = (node, k)
        hit = families.get(key)
        if hit is None:
            v, low, high = parts
            hit = families[key] = tally.add(rauzy_join(v, mcs(low, k), mcs(high, k - 1)))
            below[key] = (low, high)
            shared.total += len(hit)
        return hit

    try:
        found = mcs(root, max_order)
    finally:
        # mcs calls itself through its closure, a reference cycle that would keep every partial list of
        # this listing (2,000 listings: 350,000 objects) until the cyclic collector ran; emptying the cell
        # frees them as soon as the listing is done
        mcs = None  # type: ignore[assignment]  # noqa: F841
    if memo is not None and shared.total > tally.limit and shared.spent(root, max_order) > tally.limit:
        raise tally.over()
    return found


class CutSetMemo:
    """Rauzy's partial lists of one diagram, kept across listings (rauzy_cut_sets): (node, order) -> the
    node's minimal cut sets up to that order, with the node's two children, so that what one listing
    reaches can be counted (`spent`). Valid as long as the diagram's nodes are: they never change once made."""

    def __init__(self) -> None:
        self.families: dict[tuple[int, int], frozenset[frozenset[int]]] = {}
        self.below: dict[tuple[int, int], tuple[int, int]] = {}
        self.total = 0  # sets in all the partial lists kept

    def spent(self, root: int, max_order: int) -> int:
        """The sets a listing from scratch would work through: those of every partial list it reaches,
        each once."""
        families, below = self.families, self.below
        start = (root, max_order)
        if start not in families:
            return 0
        seen = {start}
        todo = [start]
        count = 0
        while todo:
            key = todo.pop()
            count += len(families[key])
            low, high = below[key]
            for child in ((low, key[1]), (high, key[1] - 1)):
                if child not in seen and child in families:
                    seen.add(child)
                    todo.append(child)
        return count


class DiagramTooLarge(RuntimeError):
    """A decision diagram went past the nodes or memory it was allowed."""


class SiftingTooLong(DiagramTooLarge):
    """CUDD's sifting went past its work budget (risk.engine.cudd.MAX_SIFTING_WORK) without settling on a
    variable order that keeps the diagram small: the diagram itself stayed within its memory, so more memory
    would not help; the structure is what is too hard."""


class TooManyCutSets(RuntimeError):
    """Listing a service's minimal cut sets went past the number it may work through (`limit`)."""

    def __init__(self, limit: float):
        super().__init__(limit)  # args = (limit,): it pickles, e.g. back from a worker process
        self.limit = limit

    def __str__(self) -> str:
        return f"more than {self.limit:,.0f} cut sets"


class CutSetTally:
    """Counts the cut sets a listing works through (every partial list it keeps), so a structure whose
    cut sets explode stops with TooManyCutSets instead of taking the machine's memory. Every engine's
    minimal_cut_sets counts through one."""

    def __init__(self, limit: float | None = None):
        #: Whether the server's own smaller limit applies (within in_server, below the real one): past it the
        #: listing is a job's, not the catalog's fault.
        self.for_server = False
        if limit is None:
            from risk.limits import MAX_CUT_SETS

            self.for_server = within_server() and SERVER_CUT_SETS < MAX_CUT_SETS
            limit = SERVER_CUT_SETS if self.for_server else MAX_CUT_SETS
        self.limit = limit
        self.spent = 0

    def add(self, family: frozenset) -> frozenset:
        self.spent += len(family)
        if self.spent > self.limit:
            raise self.over()
        return family

    def over(self) -> Exception:
        """What going past the limit raises: TooManyCutSets (the real limit: the catalog's answer, wherever
        it is listed), or past the server's own smaller one TooMuchForServer, so that a job lists them."""
        if self.for_server:
            return TooMuchForServer(f"more than {self.limit:,.0f} cut sets to list in the server process")
        return TooManyCutSets(self.limit)


def fold(members: Sequence[Node], kids: Sequence, combine: Callable, variables: Callable[[Node], frozenset]):
    """The OR (or AND) of many operands (`kids`, the diagrams of `members`), combining the two with the
    fewest variables first (`variables`: risk.engine.structure.support), as Huffman merges the two rarest
    symbols, the combination standing for the union of their variables.

    Why: folding in the catalog's order grows one large intermediate diagram and rebuilds it with every
    operand. On the Aralia trees, with nested ORs opened (risk.engine.structure.operands), this builds far
    fewer nodes for the same diagram: edf9202 170,000 instead of 690,000, elf9601 54,000 instead of 99,000,
    edf9203 (catalog order) 793,000 instead of 1,235,000; edf9206 builds 32,000 instead of 29,000. Ties go
    to the earlier operand, so the build is the same every time."""
    heap = [(len(variables(m)), i, variables(m), kid) for i, (m, kid) in enumerate(zip(members, kids, strict=True))]
    heapq.heapify(heap)
    made = len(heap)
    while len(heap) > 1:
        _, _, a_vars, a = heapq.heappop(heap)
        _, _, b_vars, b = heapq.heappop(heap)
        both = a_vars | b_vars
        heapq.heappush(heap, (len(both), made, both, combine(a, b)))
        made += 1
    return heap[0][3]


class BDD:
    """A shared BDD manager over a fixed variable order."""

    def __init__(self, order: Sequence[str], max_nodes: int | None = None):
        self.order = list(order)
        self.max_nodes = max_nodes
        self.level = {name: i for i, name in enumerate(self.order)}
        terminal = len(self.order)
        self.var: list[int] = [terminal, terminal]
        self.lo: list[int] = [FALSE, TRUE]
        self.hi: list[int] = [FALSE, TRUE]
        self._unique: dict[int, int] = {}  # v << 64 | lo << 32 | hi -> node (see _mk)
        self._ite: dict[tuple[int, int, int], int] = {}
        self._and: dict[int, int] = {}  # conj's cache (see _apply)
        self._or: dict[int, int] = {}  # disj's cache
        self._compiled: dict[int, tuple[Node, int]] = {}  # id(node) -> (node kept alive, diagram)
        #: The structure's reference counts (risk.engine.structure.parent_counts), when set: an OR or AND
        #: gate is then built with the gates of its kind nested in it opened, its operands combined smallest
        #: first (see `fold`). new_diagram sets it for the compiled engine; the pure engine keeps the
        #: catalog's nesting, so its diagrams are made exactly as every release has made them.
        self.parents: dict[int, int] | None = None
        self._supports: dict[int, frozenset[str]] = {}  # risk.engine.structure.support's memo, for `fold`
        self._cut_sets = CutSetMemo()  # the partial cut-set lists, shared by every listing (rauzy_cut_sets)
        if sys.getrecursionlimit() < 20_000:
            sys.setrecursionlimit(20_000)

    def __len__(self) -> int:
        return len(self.var)

    def _mk(self, v: int, lo: int, hi: int) -> int:
        if lo == hi:
            return lo
        key = v << 64 | lo << 32 | hi  # one int, not a tuple (see _apply)
        node = self._unique.get(key)
        if node is None:
            node = len(self.var)
            if self.max_nodes is not None and node >= self.max_nodes:
                raise DiagramTooLarge(f"more than {self.max_nodes:,} nodes")
            self.var.append(v)
            self.lo.append(lo)
            self.hi.append(hi)
            self._unique[key] = node
        return node

    def variable(self, name: str) -> int:
        return self._mk(self.level[name], FALSE, TRUE)

    def ite(self, f: int, g: int, h: int) -> int:
        """If f then g else h."""
        if f == TRUE:
            return g
        if f == FALSE:
            return h
        if g == h:
            return g
        if g == TRUE and h == FALSE:
            return f
        key = (f, g, h)
        hit = self._ite.get(key)
        if hit is not None:
            return hit
        var = self.var
        v = min(var[f], var[g], var[h])
        f0, f1 = (self.lo[f], self.hi[f]) if var[f] == v else (f, f)
        g0, g1 = (self.lo[g], self.hi[g]) if var[g] == v else (g, g)
        h0, h1 = (self.lo[h], self.hi[h]) if var[h] == v else (h, h)
        result = self._mk(v, self.ite(f0, g0, h0), self.ite(f1, g1, h1))
        self._ite[key] = result
        return result

    def conj(self, a: int, b: int) -> int:
        """a and b: ite(a, b, FALSE), by the two-operand recursion (Bryant's apply; see _apply)."""
        if a == FALSE or b == FALSE:
            return FALSE
        if a in (TRUE, b):
            return b
        if b == TRUE:
            return a
        return self._apply(a, b, self._and, FALSE, TRUE)

    def disj(self, a: int, b: int) -> int:
        """a or b: ite(a, TRUE, b), by the two-operand recursion (Bryant's apply; see _apply)."""
        if a == TRUE or b == TRUE:
            return TRUE
        if a in (FALSE, b):
            return b
        if b == FALSE:
            return a
        return self._apply(a, b, self._or, TRUE, FALSE)

    def _apply(self, a: int, b: int, cache: dict[int, int], absorbing: int, neutral: int) -> int:
        """a and b (absorbing FALSE, neutral TRUE) or a or b (absorbing TRUE, neutral FALSE), for two nodes
        neither terminal nor equal: Bryant's two-operand recursion, the operands in a fixed order so that
        (a, b) and (b, a) share one cache entry. It visits the sub-problems ite visits and makes the same
        nodes, about twice as fast (no third operand to split, one comparison of levels).

        The recursion runs on an explicit stack, with the node table, the unique table and the cache bound
        to locals: the same sub-problems in the same order (the low one, then the high one, then the node),
        so the same nodes with the same numbers as the recursive form, in about half the time. Unique-table
        and cache keys are one int (v << 64 | lo << 32 | hi; smaller << 32 | larger), cheaper to make and
        to hash than a tuple, and smaller. A frame on the stack is (its key, level, high operands, low
        result or -1)."""
        var, lo, hi, unique, limit = self.var, self.lo, self.hi, self._unique, self.max_nodes
        get, find = cache.get, unique.get
        new_var, new_lo, new_hi = var.append, lo.append, hi.append
        key = a << 32 | b if a < b else b << 32 | a
        hit = get(key)
        if hit is not None:
            return hit
        stack: list[tuple[int, int, int, int, int]] = []
        push, pop = stack.append, stack.pop
        while True:
            # (a, b), under `key`, is neither trivial nor cached: split it on its top level (the operands'
            # order does not matter: each sub-problem is symmetric, and keyed smaller first)
            va, vb = var[a], var[b]
            if va == vb:
                push((key, va, hi[a], hi[b], -1))
                a, b = lo[a], lo[b]
            elif va < vb:
                push((key, va, hi[a], b, -1))
                a = lo[a]
            else:
                push((key, vb, a, hi[b], -1))
                b = lo[b]
            while True:
                # the sub-problem (a, b): answered at once, or split (back to the outer loop); nodes 0 and 1
                # are the terminals, so two internal operands take two comparisons
                if a > 1 and b > 1:
                    if a == b:
                        result = a
                    else:
                        key = a << 32 | b if a < b else b << 32 | a
                        result = get(key, -1)
                        if result < 0:
                            break
                elif a == absorbing or b == absorbing:
                    result = absorbing
                elif a == neutral:
                    result = b
                else:  # b is the neutral terminal
                    result = a
                # hand the result up: to a frame waiting for its low result (then solve its high
                # sub-problem), or to one waiting for its high result (then make its node, and go on up)
                while stack:
                    frame_key, v, a, b, low = pop()
                    if low < 0:
                        push((frame_key, v, a, b, result))
                        break
                    if low != result:
                        node_key = v << 64 | low << 32 | result
                        node = find(node_key, -1)
                        if node < 0:
                            node = len(var)
                            if limit is not None and node >= limit:
                                raise DiagramTooLarge(f"more than {limit:,} nodes")
                            new_var(v)
                            new_lo(low)
                            new_hi(result)
                            unique[node_key] = node
                        result = node
                    cache[frame_key] = result
                else:
                    return result

    def at_least(self, k: int, children: Sequence[int]) -> int:
        """Down when at least k of the children are down (dynamic programming over the children)."""
        n = len(children)
        memo: dict[tuple[int, int], int] = {}

        def t(i: int, need: int) -> int:
            if need <= 0:
                return TRUE
            if n - i < need:
                return FALSE
            key = (i, need)
            if key not in memo:
                memo[key] = self.ite(children[i], t(i + 1, need - 1), t(i + 1, need))
            return memo[key]

        try:
            return t(0, k)
        finally:
            t = None  # type: ignore[assignment]  # noqa: F841  # t's closure holds t and self: free them now (see rauzy_cut_sets)

    def compile(self, node: Node) -> int:
        """The BDD of a structure node (grace periods do not change whether a service is down at a moment)."""
        key = id(node)
        hit = self._compiled.get(key)
        if hit is not None:
            return hit[1]
        if isinstance(node, Var):
            result = self.variable(node.name)
        elif isinstance(node, Delay):
            result = self.compile(node.child)
        elif not node.children:
            result = FALSE
        elif self.parents is not None and node.k in (1, len(node.children)):
            k, members = operands(node, self.parents)
            kids = [self.compile(c) for c in members]
            result = fold(members, kids, self.disj if k == 1 else self.conj, lambda n: support(n, self._supports))
        else:
            kids = [self.compile(c) for c in node.children]
            if node.k == 1:
                result = FALSE
                for kid in kids:
                    result = self.disj(result, kid)
            elif node.k == len(kids):
                result = TRUE
                for kid in kids:
                    result = self.conj(result, kid)
            else:
                result = self.at_least(node.k, kids)
        self._compiled[key] = (node, result)
        return result

    # Queries -------------------------------------------------------------------------------------------

    def probability(self, root: int, q: Sequence[float]) -> float:
        """Exact probability that the root is down, given each variable's independent probability q."""
        memo: dict[int, float] = {FALSE: 0.0, TRUE: 1.0}
        for node in self._postorder(root):
            v = self.var[node]
            memo[node] = q[v] * memo[self.hi[node]] + (1.0 - q[v]) * memo[self.lo[node]]
        return memo[root]

    def _postorder(self, root: int) -> list[int]:
        """Internal nodes reachable from root, children before parents (iterative, no recursion limit). A
        node on the stack waits as ~node (negative) for its children to be listed first."""
        lo, hi = self.lo, self.hi
        out: list[int] = []
        append = out.append
        seen = {FALSE, TRUE}
        add = seen.add
        stack = [root]
        push, pop = stack.append, stack.pop
        while stack:
            node = pop()
            if node < 0:
                append(~node)
            elif node not in seen:
                add(node)
                push(~node)
                push(hi[node])
                push(lo[node])
        return out

    def birnbaum(self, root: int, q: Sequence[float]) -> tuple[float, dict[int, float]]:
        """P(root down) and, for every variable level, P(down | var down) - P(down | var up), in one pass.

        The probability is multilinear in each q[v]; its derivative sums, over the nodes labelled v, the
        chance of reaching that node times the difference between its high and low branches.
        """
        var, lo, hi = self.var, self.lo, self.hi
        post = self._postorder(root)
        prob: dict[int, float] = {FALSE: 0.0, TRUE: 1.0}
        for node in post:
            qv = q[var[node]]
            prob[node] = qv * prob[hi[node]] + (1.0 - qv) * prob[lo[node]]
        reach: dict[int, float] = {root: 1.0}
        reached = reach.get
        derivative: dict[int, float] = {}
        # parents sit on lower levels than children; a level's nodes come together, and its derivative is
        # summed in their order, as a dictionary entry would be, then stored once
        v, total, qv, pv = -1, 0.0, 0.0, 0.0
        for node in sorted(post, key=var.__getitem__):
            if var[node] != v:
                if v >= 0:
                    derivative[v] = total
                v = var[node]
                total, qv = 0.0, q[v]
                pv = 1.0 - qv
            r = reached(node, 0.0)
            high, low = hi[node], lo[node]
            total = total + r * (prob[high] - prob[low])
            if high > TRUE:
                reach[high] = reached(high, 0.0) + r * qv
            if low > TRUE:
                reach[low] = reached(low, 0.0) + r * pv
        if v >= 0:
            derivative[v] = total
        return prob[root], derivative

    def minimal_cut_sets(self, root: int, max_order: int) -> list[frozenset[int]]:
        """Every minimal cut set with at most max_order variables (as levels), for a coherent function
        (rauzy_cut_sets over this diagram)."""

        def split(node: int) -> Split:
            if node <= TRUE:
                return node == TRUE
            return self.var[node], self.lo[node], self.hi[node]

        return sorted(rauzy_cut_sets(root, max_order, split, self._cut_sets), key=lambda s: (len(s), sorted(s)))


#: Nodes the pure-Python BDD may build before the build moves to the compiled one (about a tenth of a
#: second). Organisations' catalogs make a few thousand (the bundled examples about 100, a synthetic
#: 300-service catalog 3,815); past this, the compiled engine's start (about 0.3 s to load numba and its
#: machine code) is soon repaid: at 100,000 nodes the pure engine has spent 0.6 s.
PYTHON_NODES = 20_000
#: Nodes the pure-Python BDD may build over the preprocessed structure (risk.engine.preprocess: constants
#: propagated, equal gates merged, nested gates coalesced, common arguments merged, distributivity, values
#: known from siblings absorbed, modules kept and made from modular arguments, each module's diagram built
#: on its own) in a first trial of each of its two orders. Measured (CPU, exact part of an Aralia tree):
#: the compiled engine pays about 0.45 s to load numba and its kernels before it builds anything (import
#: 0.22 s, the first kernel's load 0.16-0.19 s); the pure engine built about 260,000 nodes a second when
#: the budget was set (edfpa15o: pure 43,100 nodes in 0.19 s, compiled 0.49 s; jbd9601: 53,400 in 0.16 s
#: against 0.57 s), and about 800,000 since AND and OR go through apply (BDD.conj, BDD.disj), in
#: isolation. Past it, the order predicted smaller may go on (MODULAR_LARGE_NODES).
MODULAR_NODES = 60_000
#: Nodes the pure-Python BDD may build over the preprocessed structure, in all, in the one order
#: risk.engine.order_choice predicts the smaller (the smaller sum of gate spans), when its cut-width is at
#: most order_choice.WIDTH_LIMIT: the build goes on from where that order's MODULAR_NODES trial stopped, at
#: once when it is the catalog's (no trial of the other order first). About 0.3 s of pure Python on an
#: idle machine, less than the compiled path costs once numba is loaded: an exact-only assessment that
#: stays in pure Python loads no numpy either (risk.engine.assess). The pure engine builds edfpa14b
#: (212,000 nodes in the modules' order), edfpa14o (218,000) and edfpa14p (227,000 in the catalog's)
#: within it; `lynchpin assess --order 1 --exact` of edfpa14p went from 0.96 s to 0.64 s (whole process,
#: fastest of 5; docs/methodology.md, exact engine). The trees past the width limit (edfpa14q/r, edf9203/4:
#: 377,000 nodes to over a million) keep the compiled path.
MODULAR_LARGE_NODES = 300_000
#: Nodes the compiled BDD may build over the preprocessed structure (the modular diagram in numba's arrays,
#: each module in its own order) before the build moves to the flat compiled diagram. The modular one is
#: smaller on most Aralia trees that get this far (CPU of the exact part, numba's loading included, modular
#: against flat: edfpa15b 243,000 nodes against 692,000; edfpa14q 0.62 s against 1.74 s; edfpa14b 377,000
#: nodes in 0.94 s against 688,000 in 2.0 s; edf9204 2.2 million nodes in 2.2 s against 5.2 million in
#: 4.7 s), larger on edf9203 (1.86 million nodes in 2.3 s against 848,000 in 1.7 s).
MODULAR_COMPILED_NODES = 3_000_000
#: Nodes the compiled BDD may build in the structure-aware order before it starts again in the catalog's
#: (a second). Neither order wins everywhere: on the Aralia trees the structure-aware one makes elf9601 20
#: times smaller (99,433 nodes against 2,023,460) and edfpa14o 3 times, the catalog's makes edf9203 and
#: edfpa14b 3 times smaller; every tree the structure-aware order builds within this many nodes it builds
#: smaller than the catalog's order, or within 2.5 times of it.
STRUCTURE_TRIAL_NODES = 1_000_000
#: Nodes CUDD may build in the structure-aware order before it starts again with sifting (half a second).
CUDD_STATIC_NODES = 300_000
#: Candidate cut sets a listing may work through in the server process (in_server; the real limit,
#: MAX_CUT_SETS, applies on a job's worker): a tenth of it, a fraction of a second of pure Python.
SERVER_CUT_SETS = 100_000

_IN_SERVER: ContextVar[bool] = ContextVar("lynchpin_exact_in_server", default=False)


class TooMuchForServer(RuntimeError):
    """The exact part needs more than the web server's own process may do (in_server): the pure engine's
    first budgets, or SERVER_CUT_SETS. Not a fault of the catalog: the caller hands the work to a job, where
    every stage (and the sampled fallback, and the real limits) applies."""


@contextmanager
def in_server() -> Iterator[None]:
    """Within it (in this thread), compile_services tries only the stages whose work is small and bounded
    whatever the catalog (server_stages: the pure engine within PYTHON_NODES, then the modular one within
    MODULAR_NODES in the catalog's order) and raises TooMuchForServer past them, and cut-set listings stop at
    SERVER_CUT_SETS. Why: the dashboard works out a small catalog's exact part in the web process (the
    first look, small assessments) for every user at once; a 29 KB catalog of crossed pairs drove CUDD to
    3.7 GB there and ended the server. Whatever these stages build, the full run builds the same way, so
    the figures are the ones a job gives."""
    token = _IN_SERVER.set(True)
    try:
        yield
    finally:
        _IN_SERVER.reset(token)


def within_server() -> bool:
    """Whether this thread is within in_server()."""
    return _IN_SERVER.get()


class Engine(StrEnum):
    """The exact engines, in the order compile_services tries them; each one record in ENGINES."""

    PYTHON = "python"  # this module: pure Python, the catalog's depth-first order
    # risk.engine.preprocess.ModularBDD (main, issue 29): pure Python over the preprocessed structure, one
    # diagram per module; compile_services builds it per service, so it has no diagram maker in ENGINES
    MODULAR = "modular"
    FAST = "fast"  # risk.engine.fastbdd: compiled arrays, the catalog's or the structure-aware order
    CUDD = "cudd"  # risk.engine.cudd: C (dd's CUDD), complement edges, bounded memory, sifting


class VariableOrder(StrEnum):
    """The variable orders a diagram is built in. Neither wins everywhere (see compile_services), so the
    stages try them in turn. Str-valued: each member compares equal to its old spelling ("catalog", ...)."""

    #: The catalog's: for the pure and the compiled flat diagrams, the depth-first first-appearance order of
    #: structure.basic; over the preprocessed structure (risk.engine.preprocess.ModularBDD), the
    #: structure-aware order of the structure as the catalog gives it, each proxy just before its module's
    #: variables (risk.engine.preprocess._order), so a module's diagram is the flat one's restricted to it.
    CATALOG = "catalog"
    #: Each module's own variables in the structure-aware order of the module as the preprocessing left it
    #: (risk.engine.preprocess._order, by_module), as SCRAM orders its preprocessed graph: ModularBDD only.
    MODULES = "modules"
    #: The structure-aware order of risk.engine.order, over the flat structure: the compiled array BDD's
    #: trial, and where CUDD starts (CUDD builds in no other).
    STRUCTURE = "structure"


@dataclass(frozen=True)
class Stage:
    """One stage of compile_services: the engine and what it is given.

    `max_nodes`: the stage's node budget (None: the engine's memory limit alone, LYNCHPIN_MAX_DIAGRAM_MB);
    `sifting`: CUDD reorders its variables as the diagram grows; `compiled`: the modular diagram in the
    compiled arrays (risk.engine.fastbdd) rather than pure Python; `order`: the variable order; `predicted`:
    the pure modular stage that goes on, within max_nodes, from the trial in `order` that an earlier stage
    stopped at its budget, only when risk.engine.order_choice predicts that order the smaller (else the stage
    is skipped). A stage no engine can run is refused when it is made."""

    engine: Engine
    max_nodes: int | None = None
    sifting: bool = True
    compiled: bool = False
    order: VariableOrder = VariableOrder.CATALOG
    predicted: bool = False

    def __post_init__(self) -> None:
        modular_only = [
            what
            for what, given in (
                ("compiled", self.compiled),
                ("predicted", self.predicted),
                ("order=modules", self.order == VariableOrder.MODULES),
            )
            if given
        ]
        if modular_only and self.engine != Engine.MODULAR:
            raise ValueError(f"{self}: {' and '.join(modular_only)} only with engine=modular")
        if self.predicted and self.compiled:
            raise ValueError(f"{self}: a predicted stage goes on from a pure trial, so it cannot be compiled")
        if self.engine == Engine.MODULAR and self.order == VariableOrder.STRUCTURE:
            raise ValueError(f"{self}: the modular engine is built in order=catalog or order=modules")


@runtime_checkable
class ExactEngine(Protocol):
    """What every exact engine's diagram answers, with variables numbered as in structure.basic. A new engine
    is a module whose diagram has these four methods, an Engine member and one record in ENGINES; the
    engine tests (assert_same_answers) then compare it with the others."""

    def compile(self, node: Node) -> int: ...

    def probability(self, root: int, q: Sequence[float]) -> float: ...

    def birnbaum(self, root: int, q: Sequence[float]) -> tuple[float, dict[int, float]]: ...

    def minimal_cut_sets(self, root: int, max_order: int) -> list[frozenset[int]]: ...


def _python_diagram(structure: Structure, max_nodes: int | None, sifting: bool, order: VariableOrder) -> ExactEngine:
    return BDD(structure.basic, max_nodes=max_nodes)


def _fast_diagram(structure: Structure, max_nodes: int | None, sifting: bool, order: VariableOrder) -> ExactEngine:
    from risk.engine.fastbdd import BYTES_PER_NODE, FastBDD
    from risk.limits import MAX_DIAGRAM_MB

    budget = int(MAX_DIAGRAM_MB * 2**20 // BYTES_PER_NODE)
    initial = None
    if order == VariableOrder.STRUCTURE:
        from risk.engine.order import variable_order

        initial = variable_order([structure.nodes[s] for s in structure.services], structure.basic)
    diagram = FastBDD(structure.basic, max_nodes=min(max_nodes or budget, budget), initial=initial)
    diagram.parents = parent_counts(structure.nodes[s] for s in structure.services)
    return diagram


def _cudd_diagram(structure: Structure, max_nodes: int | None, sifting: bool, order: VariableOrder) -> ExactEngine:
    from risk.engine.cudd import CuddBDD
    from risk.engine.order import variable_order
    from risk.limits import MAX_DIAGRAM_MB

    initial = variable_order([structure.nodes[s] for s in structure.services], structure.basic)
    return CuddBDD(structure.basic, initial, memory_mb=int(MAX_DIAGRAM_MB), sifting=sifting, max_nodes=max_nodes)


#: Each exact engine's diagram maker: (structure, max_nodes, sifting, order) -> an empty diagram.
ENGINES: dict[Engine, Callable[[Structure, int | None, bool, VariableOrder], ExactEngine]] = {
    Engine.PYTHON: _python_diagram,
    Engine.FAST: _fast_diagram,
    Engine.CUDD: _cudd_diagram,
}


def forced_engine() -> Engine | None:
    """The engine LYNCHPIN_BDD forces, or None when it is unset or 'auto' (each engine is then tried in turn).
    Read from the one settings object (risk.config), which refuses a value that names no engine, naming the
    variable and the values it takes."""
    from risk.config import check_config

    raw = check_config().bdd
    return None if raw == "auto" else Engine(raw)


def new_diagram(
    structure: Structure,
    engine: Engine | str | None = None,
    max_nodes: int | None = None,
    sifting: bool = True,
    order: VariableOrder = VariableOrder.CATALOG,
) -> ExactEngine:
    """An empty decision-diagram manager for a structure: "python" (this module, in the catalog's
    depth-first order), "fast" (risk.engine.fastbdd, compiled, in the catalog's order or, with
    order=VariableOrder.STRUCTURE, the structure-aware order of risk.engine.order) or "cudd"
    (risk.engine.cudd: C, complement edges, bounded memory, sifting, starting from the structure-aware order
    whatever `order` says). All answer the same queries exactly, with variables numbered as in
    structure.basic."""
    return ENGINES[Engine(engine or Engine.PYTHON)](structure, max_nodes, sifting, VariableOrder(order))


def exact_stages(forced: Engine | None = None, cudd: bool = True) -> list[Stage]:
    """The stages compile_services tries, in order (its docstring says why each is where it is), with the
    budgets as this module holds them when called; `forced`: the engine LYNCHPIN_BDD forces (its stage
    alone, with no budget; CUDD: with sifting); `cudd`: whether dd's CUDD extension is installed."""
    if forced is not None and forced != Engine.CUDD:
        return [Stage(forced)]
    stages: list[Stage] = []
    if forced != Engine.CUDD:
        catalog, modules = VariableOrder.CATALOG, VariableOrder.MODULES
        stages += [
            Stage(Engine.PYTHON, PYTHON_NODES),  # 1
            Stage(Engine.MODULAR, MODULAR_NODES, order=catalog),  # 2: the catalog's trial
            Stage(Engine.MODULAR, MODULAR_LARGE_NODES, order=catalog, predicted=True),  # 2: it goes on
            Stage(Engine.MODULAR, MODULAR_NODES, order=modules),  # 2: the modules' trial
            Stage(Engine.MODULAR, MODULAR_LARGE_NODES, order=modules, predicted=True),  # 2: it goes on
            Stage(Engine.MODULAR, MODULAR_COMPILED_NODES, compiled=True, order=modules),  # 3
            Stage(Engine.FAST, STRUCTURE_TRIAL_NODES, order=VariableOrder.STRUCTURE),  # 4
            Stage(Engine.FAST, order=catalog),  # 5
        ]
    if cudd:
        if forced != Engine.CUDD:
            stages.append(Stage(Engine.CUDD, CUDD_STATIC_NODES, sifting=False, order=VariableOrder.STRUCTURE))  # 6
        stages.append(Stage(Engine.CUDD, order=VariableOrder.STRUCTURE))  # 7
    return stages


def server_stages() -> list[Stage]:
    """The stages in_server allows: exact_stages' first two, which the full run tries first in the same way
    (so what they build is what a job builds), each with a small node budget and pure Python's memory."""
    return [Stage(Engine.PYTHON, PYTHON_NODES), Stage(Engine.MODULAR, MODULAR_NODES, order=VariableOrder.CATALOG)]


def compile_services(structure: Structure, services: Sequence[str] | None = None):
    """(engine, {service: root}) with every service's diagram built, by the first engine that can:

    1. the pure-Python BDD (this module), up to PYTHON_NODES: catalogs of organisations make diagrams of a
       few thousand nodes, built in milliseconds, with the figures every release has given;
    2. the pure-Python BDD over the preprocessed structure (risk.engine.preprocess.ModularBDD: SCRAM's
       constant propagation, merging of equal gates, coalescing, merging of common arguments,
       distributivity and module detection), up to MODULAR_NODES in the catalog's structure-aware order,
       then up to MODULAR_NODES in each module's own (neither wins everywhere: edfpa15b 135,000 nodes
       against 34,000, das9207 7,600 against 186,000); a trial whose order risk.engine.order_choice
       predicts the smaller goes on up to MODULAR_LARGE_NODES (the catalog's at once, before the other
       order's trial);
    3. the modular diagram in the compiled arrays (risk.engine.fastbdd), each module's variables in the
       module's own structure-aware order (risk.engine.preprocess._order), up to MODULAR_COMPILED_NODES;
    4. the compiled array BDD (risk.engine.fastbdd) in the structure-aware order, up to
       STRUCTURE_TRIAL_NODES;
    5. the compiled array BDD in the catalog's order (the pure engine's diagram, twenty times faster),
       within LYNCHPIN_MAX_DIAGRAM_MB (the Aralia trees: up to 6 million nodes, 5 s);
    6. CUDD (risk.engine.cudd, where dd's wheels carry it: Linux x86-64) in the structure-aware order
       without reordering, up to CUDD_STATIC_NODES;
    7. CUDD with sifting, which reorders the variables as the diagram grows, within the same memory.

    Stages 2 and 3 are skipped where the structure has no module (a catalog of many services sharing their
    dependencies), and share one preprocessing. exact_stages lists them as Stage records.

    Past the last, DiagramTooLarge. LYNCHPIN_BDD=python, =modular, =fast or =cudd forces one engine. Within
    in_server(), only server_stages, and past them TooMuchForServer.
    """
    wanted = list(services if services is not None else structure.services)
    forced = forced_engine()
    cudd = forced in (None, Engine.CUDD) and _have_cudd()  # (an engine forced otherwise needs no look)
    if forced == Engine.CUDD and not cudd:
        raise ImportError("LYNCHPIN_BDD=cudd, but dd's CUDD extension is not installed")
    server = within_server() and forced is None
    stages = server_stages() if server else exact_stages(forced, cudd)
    progress = _Progress()
    for n, stage in enumerate(stages):
        try:
            built = _run_stage(structure, wanted, stage, progress)
            if built is not None:
                return built
        except DiagramTooLarge:
            if n == len(stages) - 1 and not server:
                raise
    if server:
        raise TooMuchForServer("the exact part needs more than the server process may do: a job works it out")
    raise AssertionError("unreachable")


@dataclass
class _Progress:
    """What compile_services' modular stages hand on to the next: the preprocessed structure, once worked
    out (`plan`; None: it has no module), each pure order's trial where its MODULAR_NODES budget stopped it
    (`trials`), and the order risk.engine.order_choice predicts the smaller, once worked out (`prediction`;
    None: past its width limit)."""

    planned: bool = False
    plan: Plan | None = None
    trials: dict[VariableOrder, ModularBDD] = field(default_factory=dict)
    predicted: bool = False
    prediction: VariableOrder | None = None


def _run_stage(structure: Structure, wanted: Sequence[str], stage: Stage, progress: _Progress):
    """(engine, {service: root}) by one stage, None when the stage does not apply (a modular stage where the
    structure has no module, a predicted stage whose order is not the one predicted), DiagramTooLarge past
    its budget."""
    if stage.engine == Engine.MODULAR:
        return _modular(
            structure, wanted, stage.max_nodes, stage.compiled, progress, stage.order, predicted=stage.predicted
        )
    bdd = new_diagram(structure, stage.engine, stage.max_nodes, stage.sifting, stage.order)
    return bdd, {sid: bdd.compile(structure.nodes[sid]) for sid in wanted}


def _modular(
    structure: Structure,
    wanted: Sequence[str],
    max_nodes: int | None,
    compiled: bool = False,
    progress: _Progress | None = None,
    order: VariableOrder = VariableOrder.CATALOG,
    predicted: bool = False,
):
    """(the modular engine, {service: root}) over the preprocessed structure (risk.engine.preprocess), in
    pure Python or (`compiled`) in the compiled arrays, in the `order` ModularBDD takes; with a budget, None
    when the structure has no module (risk.engine.preprocess.plan). `progress` keeps the preprocessed
    structure for the next stage, and each pure order's diagram when its budget stops it, by order.
    `predicted`: that order's trial built on within max_nodes when risk.engine.order_choice predicts it the
    smaller (see _predicted), else None."""
    from risk.engine.preprocess import ModularBDD, plan

    if progress is not None and progress.planned:
        the_plan = progress.plan
    else:
        the_plan = plan(structure, wanted, need_module=max_nodes is not None)
        if progress is not None:
            progress.planned, progress.plan = True, the_plan
    if the_plan is None:
        return None
    if predicted:
        engine = _predicted(structure, the_plan, progress or _Progress(), order)
        if engine is None:
            return None
        return engine, engine.build(wanted, max_nodes)
    engine = ModularBDD(structure, the_plan, max_nodes=max_nodes, compiled=compiled, order=order, deferred=True)
    try:
        return engine, engine.build(wanted)
    except DiagramTooLarge:
        if progress is not None and not compiled:
            progress.trials[order] = engine
        raise


def _predicted(structure: Structure, the_plan: Plan, progress: _Progress, which: VariableOrder) -> ModularBDD | None:
    """The pure modular trial in the order `which` (the catalog's or the modules'), stopped at its budget,
    when risk.engine.order_choice predicts that order's diagram the smaller of the two (the smaller sum of
    gate spans; a tie to the catalog's order) and its cut-width is within order_choice.WIDTH_LIMIT (larger:
    the diagram would not fit); otherwise None. The other order's trial, if any, is dropped first (its
    memory goes before the build goes on); the prediction is worked out once (it needs no trial of the other
    order: its variable order alone) and kept in `progress`."""
    from risk.engine.order_choice import WIDTH_LIMIT, profile
    from risk.engine.preprocess import _Constant, _order

    if which not in progress.trials:
        return None
    if not progress.predicted:
        tops = [n for n in the_plan.services.values() if not isinstance(n, _Constant)]  # (ALWAYS, NEVER)
        roots = [content for _, content in the_plan.modules] + tops
        measured = {
            name: profile(roots, _order(structure, the_plan, tops, by_module=name == VariableOrder.MODULES))
            for name in (VariableOrder.CATALOG, VariableOrder.MODULES)
        }
        best = min(measured, key=lambda name: (measured[name].span, name != VariableOrder.CATALOG))
        progress.predicted = True
        progress.prediction = best if measured[best].width <= WIDTH_LIMIT else None
    if progress.prediction != which:
        return None
    chosen = progress.trials.pop(which)
    progress.trials.clear()
    return chosen


def _have_cudd() -> bool:
    """Whether dd's CUDD extension is installed, without importing dd (its import takes 0.2 s)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("dd")
    places = (spec.submodule_search_locations or []) if spec else []
    return any(f.suffix in (".so", ".pyd") for place in places for f in Path(place).glob("cudd.*"))
