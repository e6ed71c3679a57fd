"""The exact engine's decision diagrams on CUDD (through `dd.cudd`), for catalogs and fault trees of industrial
size.

Why CUDD: the pure-Python BDD (risk.engine.bdd) builds each node through dictionaries of tuples, and on the
Aralia fault trees (issue 16) it took up to 37 s and 2.7 GB. CUDD keeps nodes in compact C structures with
complement edges, bounds its operation caches, limits its memory (`memory_mb`), and improves the variable
order as the diagram grows by Rudell's sifting. We tried `relibmss` and `oxidd` too; with no reordering,
both depend on the starting order as much as ours does (relibmss: 19 s and 2 GB on edfpa14o). CUDD builds;
the queries below walk the finished diagram once each, in Python: probability, Birnbaum importance of every
variable in one pass, and minimal cut sets up to an order, all exact.

Conventions match risk.engine.bdd: variables are failures, a variable is named by its position in `order`
(its "level" in our API, whatever CUDD's current level is), and `compile` returns a handle (an int).

Complement edges: a CUDD pointer with its low bit set means "not" the node it points to. Only else-edges and
roots can be complemented, and the constant is "one" (so "zero" is a complemented "one").
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from dd import cudd

from risk.engine.bdd import DiagramTooLarge, SiftingTooLong, Split, rauzy_cut_sets
from risk.engine.structure import Delay, Node, Var

__all__ = ["MAX_SIFTING_WORK", "CuddBDD"]

#: Sifting work a build with reordering may do before it stops with SiftingTooLong. Each of CUDD's
#: reorderings counts the largest live diagram so far (nodes) times the variables it may move (all of them, up
#: to CUDD's max_vars, 1,000): a sifting moves each variable through the levels, and a swap of two levels
#: costs their nodes. Counted, not timed, so the same catalog stops at the same point on any machine.
#: Measured (issue 29; docs/methodology.md, exact engine), counted after each operation: no catalog reaches this
#: stage unforced but nus9601; with sifting forced from the start (LYNCHPIN_BDD=cudd) on the 39 other Aralia
#: trees, the most any needs is jbd9601's 466 million (12 reorderings, 533 variables, 36 s CPU), then edf9203
#: 269 million, das9207 and edf9204 91 million. nus9601 has done 737 million after 12 reorderings (25 s) and
#: 1,038 million after 13 (38 s), then 1,974 million after 15 (78 s: reorderings inside one operation, which
#: no count can interrupt). The budget, 2.1 times jbd9601's need, stops nus9601 after its 13th reordering.
MAX_SIFTING_WORK = 1_000_000_000


class CuddBDD:
    """A CUDD manager over a fixed set of variables, with our API (compile, probability, birnbaum,
    minimal_cut_sets)."""

    def __init__(
        self,
        order: Sequence[str],
        initial: Sequence[str] | None = None,
        memory_mb: int = 768,
        sifting: bool = True,
        max_nodes: int | None = None,
        max_sifting_work: int | None = None,
    ):
        self.order = list(order)
        self.index = {name: i for i, name in enumerate(self.order)}
        self.memory_mb = memory_mb
        self._bdd = cudd.BDD(memory_estimate=memory_mb * 2**20)
        # memory_estimate is a target, not a wall: a single operation (an OR of two diagrams whose product is
        # exponential) grew CUDD to 3.7 GB and then CUDD's out-of-memory handler ended the process (a 29 KB
        # catalog took the dashboard's server down). max_memory is CUDD's hard limit (Cudd_SetMaxMemory):
        # past it an operation returns NULL, which dd raises and compile turns into DiagramTooLarge. Nodes
        # are counted too (about 64 bytes each, with their share of the unique table and caches), between
        # operations, to stop with a message well before.
        self._bdd.configure(max_memory=memory_mb * 2**20)
        self._max_nodes = min(memory_mb * 2**20 // 64, max_nodes or 2**62)
        self._bdd.declare(*(initial or self.order))
        # Sifting (CUDD's automatic group sifting) from the start: sifting a diagram that has already grown
        # large takes far longer. Without it, the build stops at max_nodes (the caller then tries with it).
        self._sifting = sifting
        self._bdd.configure(reordering=sifting, max_growth=1.1)
        # Sifting keeps the live diagram under max_nodes, so that budget alone may never stop a build that
        # sifts on and on (nus9601: 25 minutes): this one counts the sifting work instead.
        self.max_sifting_work = MAX_SIFTING_WORK if max_sifting_work is None else max_sifting_work
        self.reorderings = 0  # CUDD's reorderings seen so far
        self._sifted = min(len(self.order), self._bdd.configure()["max_vars"])  # variables one sifting moves
        self.sifting_work = 0  # their work, as MAX_SIFTING_WORK counts it
        self._one = int(self._bdd.true)
        self._roots: list[cudd.Function] = []  # a handle is an index here; keeping them referenced keeps them
        self._compiled: dict[int, tuple[Node, cudd.Function]] = {}  # id(node) -> (node kept alive, diagram)
        if sys.getrecursionlimit() < 20_000:
            sys.setrecursionlimit(20_000)

    def __len__(self) -> int:
        return len(self._bdd)

    # Building --------------------------------------------------------------------------------------------

    def _at_least(self, k: int, kids: list[cudd.Function]) -> cudd.Function:
        """Down when at least k of the children are down (dynamic programming over the children)."""
        bdd, n = self._bdd, len(kids)
        memo: dict[tuple[int, int], cudd.Function] = {}

        def t(i: int, need: int) -> cudd.Function:
            if need <= 0:
                return bdd.true
            if n - i < need:
                return bdd.false
            key = (i, need)
            if key not in memo:
                memo[key] = bdd.ite(kids[i], t(i + 1, need - 1), t(i + 1, need))
                self._count_sifting()
            return memo[key]

        try:
            return t(0, k)
        finally:
            # t and its closure cell refer to each other: only Python's cycle collector would free them, at a
            # moment that depends on everything else the process allocates, and the diagrams in memo with
            # them. Emptied here, they go now, so CUDD's dead nodes (and so when it reorders) depend on the
            # catalog alone.
            memo.clear()

    def _function(self, node: Node) -> cudd.Function:
        hit = self._compiled.get(id(node))
        if hit is not None:
            return hit[1]
        bdd = self._bdd
        if isinstance(node, Var):
            result = bdd.var(node.name)
        elif isinstance(node, Delay):
            result = self._function(node.child)
        elif not node.children:
            result = bdd.false
        else:
            kids = [self._function(c) for c in node.children]
            if node.k == 1:
                result = bdd.false
                for kid in kids:
                    result = result | kid
                    self._count_sifting()
            elif node.k == len(kids):
                result = bdd.true
                for kid in kids:
                    result = result & kid
                    self._count_sifting()
            else:
                result = self._at_least(node.k, kids)
            if len(self._bdd) > self._max_nodes:
                raise DiagramTooLarge(f"more than {self._max_nodes:,} nodes")
        self._compiled[id(node)] = (node, result)
        return result

    def _count_sifting(self) -> None:
        """Add the reorderings CUDD made since the last call to the sifting work (each counted with the
        largest live diagram so far, times the variables a sifting moves), and stop past the budget. Called
        after each operation of the build and at its end, so a build that needs exactly the budget is done and
        one that needs one more unit is not."""
        if not self._sifting:
            return
        with warnings.catch_warnings():  # dd warns on every call that its "mem" changed unit; we read no "mem"
            warnings.simplefilter("ignore", UserWarning)
            stats = self._bdd.statistics()
        new = stats["n_reorderings"] - self.reorderings
        if new <= 0:
            return
        self.reorderings += new
        self.sifting_work += new * stats["peak_live_nodes"] * self._sifted
        if self.sifting_work > self.max_sifting_work:
            raise SiftingTooLong(
                f"its variable order still not settled after {self.reorderings} reorderings of up to "
                f"{stats['peak_live_nodes']:,} live nodes, past the {self.max_sifting_work:,} units of sifting "
                "work a build may do"
            )

    def compile(self, node: Node) -> int:
        """A handle on the diagram of a structure node (grace periods do not change whether it is down)."""
        try:
            function = self._function(node)
            self._count_sifting()
        except DiagramTooLarge:
            raise
        except (MemoryError, RuntimeError) as error:
            raise DiagramTooLarge(str(error)) from error
        except ValueError as error:  # CUDD returned NULL past its hard memory limit ("`DdNode *node` is `NULL`")
            if "NULL" not in str(error):
                raise
            raise DiagramTooLarge(f"more than its {self.memory_mb:,} MiB of memory") from error
        self._roots.append(function)
        return len(self._roots) - 1

    # Walking the diagram ---------------------------------------------------------------------------------

    def _nodes(self, handle: int) -> tuple[int, dict[int, tuple[int, int, int, int]]]:
        """(root pointer, {regular node: (our variable, CUDD level, then pointer, else pointer)})."""
        root = self._roots[handle]
        index, one = self.index, self._one
        nodes: dict[int, tuple[int, int, int, int]] = {}
        stack = [root]
        while stack:
            u = stack.pop()
            key = int(u) & ~1
            if key == one or key in nodes:
                continue
            hi, lo = u.high, u.low
            nodes[key] = (index[u.var], u.level, int(hi), int(lo))
            stack.append(hi)
            stack.append(lo)
        return int(root), nodes

    def birnbaum(self, handle: int, q: Sequence[float]) -> tuple[float, dict[int, float]]:
        """P(root down) and, for every variable in the diagram, P(down | var down) - P(down | var up).

        P of a node is q P(then) + (1 - q) P(else), where an edge's value is 1 - P(node) when it is
        complemented. The derivative by q_v sums, over the nodes labelled v, the signed chance of reaching
        the node times the difference between its two branches; a complemented edge flips the sign.
        """
        self._bdd.configure(reordering=False)  # levels must hold still while we walk
        root, nodes = self._nodes(handle)
        one = self._one
        prob: dict[int, float] = {one: 1.0}

        def value(edge: int) -> float:
            p = prob[edge & ~1]
            return 1.0 - p if edge & 1 else p

        by_level = sorted(nodes, key=lambda n: nodes[n][1])  # parents sit on lower levels than children
        for node in reversed(by_level):
            v, _, hi, lo = nodes[node]
            prob[node] = q[v] * value(hi) + (1.0 - q[v]) * value(lo)
        reach: dict[int, float] = {root & ~1: -1.0 if root & 1 else 1.0}
        derivative: dict[int, float] = {}
        for node in by_level:
            r = reach.get(node, 0.0)
            v, _, hi, lo = nodes[node]
            derivative[v] = derivative.get(v, 0.0) + r * (value(hi) - value(lo))
            for child, weight in ((hi, q[v]), (lo, 1.0 - q[v])):
                target = child & ~1
                if target != one:
                    reach[target] = reach.get(target, 0.0) + (-r if child & 1 else r) * weight
        self._bdd.configure(reordering=self._sifting)
        return value(root), derivative

    def probability(self, handle: int, q: Sequence[float]) -> float:
        """Exact probability that the root is down, given each variable's independent probability q."""
        return self.birnbaum(handle, q)[0]

    def minimal_cut_sets(self, handle: int, max_order: int) -> list[frozenset[int]]:
        """Every minimal cut set with at most max_order variables, for a coherent function (Rauzy's
        decomposition, as in risk.engine.bdd, on edges: the cofactors of "not node" are "not" its
        cofactors). Truncating at an order is exact (see risk.engine.bdd)."""
        self._bdd.configure(reordering=False)
        root, nodes = self._nodes(handle)
        one = self._one

        def split(edge: int) -> Split:
            node, negated = edge & ~1, edge & 1
            if node == one:
                return not negated
            v, _, hi, lo = nodes[node]
            return v, lo ^ negated, hi ^ negated

        try:
            found = rauzy_cut_sets(root, max_order, split)
        finally:
            self._bdd.configure(reordering=self._sifting)
        return sorted(found, key=lambda s: (len(s), sorted(s)))
