"""The exact part's answer when no decision diagram fits: the structure function sampled, cut sets listed
without a diagram.

When every decision-diagram stage refuses (risk.engine.bdd.compile_services raises DiagramTooLarge), the
assessment does not stop: it estimates each service's unavailability and its dependencies' Birnbaum
importance by Monte Carlo over the static structure function, and lists the minimal cut sets up to the
order asked for by working bottom-up on the structure itself (exact, not sampled). Everything it says is
marked as sampled, with its 95% interval (risk.engine.assessment: unavailability_method).

Sampling (docs/methodology.md, exact engine): the basic events are independent with the exact engine's
probabilities q; states are packed 64 to a uint64 word; each event's down bits in a block are drawn by
geometric skipping (the gap to its next down state is Geometric(q), so a block costs about the expected
number of down events, not the number of states; an event down more often than not has its *up* states
skipped to instead); the gates are evaluated in topological order as word operations (OR, AND, and k of n
by a bit-sliced counter), a block per thread at a time. Blocks are drawn until every service's 95% Wilson interval has a relative
half-width of at most TARGET_RELATIVE_HALF_WIDTH, or MAX_STATES states; each block's random stream comes
from (seed, block number) alone, so the answer is the same for a given seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from risk.engine.bdd import CutSetTally
from risk.engine.structure import Delay, Gate, Node, Structure, Var

__all__ = [
    "BLOCK_WORDS",
    "MAX_SAMPLING_WORK",
    "MAX_STATES",
    "TARGET_RELATIVE_HALF_WIDTH",
    "Sampled",
    "Flat",
    "flatten",
    "sample_services",
    "truncated_cut_sets",
    "wilson",
    "warm",
]

#: Words (64 states each) in one block: 2**16 states, the unit the stopping rule is checked after.
BLOCK_WORDS = 1024
#: States sampled at most (2,560 blocks). nus9601 (1,567 events at 0.01, 1,515 gates, P(top) about 1.0e-5,
#: the one Aralia tree no diagram fits) samples about 8 million states a CPU second (its gates about 0.25 s
#: of the 2 s per 2**24 states, the geometric draws the rest), and reaches the 5% target after 163 million
#: states in about 20 s of CPU (10 s on two threads), after the ~45 s the diagram stages spend refusing:
#: within 120 s whole-process with room to spare, on one core as on two.
MAX_STATES = 64 * BLOCK_WORDS * 2560  # 167,772,160
#: Work a sampling may do at most, in states x slots of the flattened structure (basic events and gates):
#: what it costs grows with both. nus9601 (1,567 events and 1,515 gates) reaches its target at about 5e11;
#: the limit lets it, and keeps a catalog built to refuse every diagram (a hostile upload among them) from
#: holding a worker much past a minute of CPU: a larger structure gets fewer states, and a wider interval
#: that says so.
MAX_SAMPLING_WORK = 10**12
#: Sampling stops once every service's 95% interval is within this fraction of its estimate either side.
TARGET_RELATIVE_HALF_WIDTH = 0.05
#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(hits: int, states: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion: hits out of states. With no hit it is
    [0, z^2 / (states + z^2)], a proper upper bound; with every state a hit, [states / (states + z^2), 1]."""
    if states <= 0:
        return 0.0, 1.0
    p = hits / states
    z2 = z * z
    centre = (p + z2 / (2 * states)) / (1 + z2 / states)
    half = z * math.sqrt(p * (1 - p) / states + z2 / (4 * states * states)) / (1 + z2 / states)
    low = 0.0 if hits == 0 else max(0.0, centre - half)
    high = 1.0 if hits == states else min(1.0, centre + half)
    return low, high


@dataclass
class Sampled:
    """One service's sampled figures: P(down) estimated from `hits` of `states`, its 95% interval, and each
    basic event's (by level) Birnbaum importance estimated from the same states."""

    probability: float
    interval: tuple[float, float]
    states: int
    hits: int
    birnbaum: dict[int, float] = field(default_factory=dict)


@dataclass
class Flat:
    """A structure flattened for the kernel: slots 0..n_vars-1 are the basic events (levels), then one slot
    per gate in topological order (children before parents), a gate's children listed in kids[ptr[g]:ptr[g+1]]."""

    n_vars: int
    k: np.ndarray  # per gate
    ptr: np.ndarray
    kids: np.ndarray
    roots: dict[str, int]  # service -> slot
    supports: dict[str, list[int]]  # service -> the levels it depends on


def _through(node: Node) -> Node:
    """The node the static structure function sees: grace periods are ignored (as the exact engine does)."""
    while isinstance(node, Delay):
        node = node.child
    return node


def flatten(structure: Structure, services: Sequence[str]) -> Flat:
    """The services' structure as arrays (Flat), without recursion (fault trees nest deeply)."""
    level = {name: i for i, name in enumerate(structure.basic)}
    n_vars = len(structure.basic)
    slot: dict[int, int] = {}
    gates: list[Gate] = []
    supports: dict[int, frozenset[int]] = {}

    def visit(root: Node) -> int:
        root = _through(root)
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in slot:
                continue
            if isinstance(node, Var):
                slot[id(node)] = level[node.name]
                supports[id(node)] = frozenset([level[node.name]])
                continue
            assert isinstance(node, Gate)
            kids = [_through(c) for c in node.children]
            if expanded:
                slot[id(node)] = n_vars + len(gates)
                gates.append(node)
                supports[id(node)] = frozenset().union(*(supports[id(c)] for c in kids))
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in kids if id(c) not in slot)
        return slot[id(root)]

    roots = {sid: visit(structure.nodes[sid]) for sid in services}
    ks = np.array([g.k for g in gates], dtype=np.int64)
    ptr = np.zeros(len(gates) + 1, dtype=np.int64)
    kids: list[int] = []
    for i, g in enumerate(gates):
        kids.extend(slot[id(_through(c))] for c in g.children)
        ptr[i + 1] = len(kids)
    tops = {sid: _through(structure.nodes[sid]) for sid in services}
    return Flat(
        n_vars,
        ks,
        ptr,
        np.array(kids, dtype=np.int64),
        roots,
        {sid: sorted(supports[id(tops[sid])]) for sid in services},
    )


def sample_services(
    structure: Structure,
    services: Sequence[str],
    q: Sequence[float],
    seed: int,
    max_states: int = MAX_STATES,
    target: float = TARGET_RELATIVE_HALF_WIDTH,
    block_words: int = BLOCK_WORDS,
) -> dict[str, Sampled]:
    """Each service's sampled P(down), 95% interval and Birnbaum importances (Sampled), from blocks of
    64 x block_words states until every interval's half-width is within `target` of its estimate or
    `max_states` states are sampled, or MAX_SAMPLING_WORK would be passed (at least one block). Deterministic
    for a given seed."""
    from risk.engine.sampled_kernels import sample_block
    from risk.engine.simulate import threads

    flat = flatten(structure, services)
    qs = np.asarray(q, dtype=np.float64)
    tops = np.array([flat.roots[sid] for sid in services], dtype=np.int64)
    sup_ptr = np.zeros(len(services) + 1, dtype=np.int64)
    sup: list[int] = []
    for i, sid in enumerate(services):
        sup.extend(flat.supports[sid])
        sup_ptr[i + 1] = len(sup)
    sup_levels = np.array(sup, dtype=np.int64)
    hits = np.zeros(len(services), dtype=np.int64)
    down_with = np.zeros(len(sup), dtype=np.int64)  # per (service, level in its support): top and x down
    per_block = 64 * block_words
    slots = flat.n_vars + len(flat.k)
    blocks = max(1, min(max_states, MAX_SAMPLING_WORK // slots) // per_block)

    def one_block(b: int) -> tuple[np.ndarray, np.ndarray]:
        h, d = np.zeros_like(hits), np.zeros_like(down_with)
        sample_block(
            block_words, np.uint64(seed), np.uint64(b), qs, flat.k, flat.ptr, flat.kids, tops, sup_ptr, sup_levels,
            h, d,
        )  # fmt: skip
        return h, d

    # Blocks run `workers` at a time (the kernel releases the GIL), but are added and judged one by one in
    # their order, so the figures and the block sampling stops after do not depend on the number of threads.
    workers = min(threads(), blocks)
    states = 0
    b = 0
    with ThreadPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        while b < blocks:
            wave = list(range(b, min(blocks, b + workers)))
            results = list(pool.map(one_block, wave)) if pool is not None else [one_block(w) for w in wave]
            done = False
            for h, d in results:
                hits += h
                down_with += d
                states += per_block
                b += 1
                if all(_settled(int(x), states, target) for x in hits):
                    done = True
                    break
            if done:
                break
    out: dict[str, Sampled] = {}
    for i, sid in enumerate(services):
        t = int(hits[i])
        birnbaum: dict[int, float] = {}
        for j in range(sup_ptr[i], sup_ptr[i + 1]):
            v = int(sup_levels[j])
            qv = qs[v]
            if 0.0 < qv < 1.0:  # an event never (or always) down has no state on its other side to count
                c = int(down_with[j])
                birnbaum[v] = c / (states * qv) - (t - c) / (states * (1.0 - qv))
        out[sid] = Sampled(t / states, wilson(t, states), states, t, birnbaum)
    return out


def _settled(hits: int, states: int, target: float) -> bool:
    """Whether an estimate's 95% interval is within `target` of it either side (never with no hit)."""
    if hits == 0:
        return False
    low, high = wilson(hits, states)
    p = hits / states
    return max(p - low, high - p) <= target * p


# ---- minimal cut sets without a diagram ----

CutSets = frozenset[frozenset[int]]


def _minimal(sets: set[frozenset[int]]) -> CutSets:
    """The sets of `sets` that hold no other set of it (supersets removed), smallest first: a set is kept
    when none of its proper subsets is kept (the sets are short: at most settings.cut_set_order)."""
    kept: set[frozenset[int]] = set()
    for s in sorted(sets, key=len):
        if frozenset() in kept:
            break
        n = len(s)
        if any(frozenset(sub) in kept for r in range(n) for sub in combinations(s, r)):
            continue
        kept.add(s)
    return frozenset(kept)


def truncated_cut_sets(
    structure: Structure,
    services: Sequence[str],
    max_order: int,
    limit: float | None = None,
    memo: dict[int, tuple[CutSets, int]] | None = None,
) -> dict[str, list[frozenset[int]]]:
    """Every minimal cut set of at most max_order basic events (as levels of structure.basic) of each
    service, bottom-up on the structure (MOCUS-style, supersets removed at every gate): a variable is its
    own set; a gate "at least k of n children down" takes, child by child, F[j] = F[j] + F[j-1] x child
    (F[0] = the empty set) and keeps F[k]; a product's sets larger than max_order are dropped. Truncating
    is exact for coherent structures: a minimal cut set of at most max_order events is a union of its
    children's minimal cut sets, each no larger. Every candidate set a gate works out (each basic event's
    own, each product of at most max_order) counts against MAX_CUT_SETS (CutSetTally) per service, the
    shared sub-trees' once each as if listed alone, as the diagram's listing does; past it, TooManyCutSets.
    `memo` (node id -> its sets and the work they took, at this max_order) keeps shared sub-trees' lists from
    call to call on the same structure."""
    level = {name: i for i, name in enumerate(structure.basic)}
    memo = {} if memo is None else memo
    out: dict[str, list[frozenset[int]]] = {}
    for sid in services:
        tally = CutSetTally(limit)
        root = _through(structure.nodes[sid])
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in memo:
                continue
            if isinstance(node, Var):
                memo[id(node)] = (frozenset([frozenset([level[node.name]])]), 1)
                tally.add(memo[id(node)][0])
                continue
            assert isinstance(node, Gate)
            kids = [_through(c) for c in node.children]
            if not expanded:
                stack.append((node, True))
                stack.extend((c, False) for c in kids if id(c) not in memo)
                continue
            family, work = _gate_sets(node.k, [memo[id(c)][0] for c in kids], max_order, tally)
            memo[id(node)] = (family, work)
        spent = _reached_work(root, memo)
        if spent > tally.limit:
            raise tally.over()
        out[sid] = sorted(memo[id(root)][0], key=lambda s: (len(s), sorted(s)))
    return out


def _gate_sets(k: int, children: list[CutSets], max_order: int, tally: CutSetTally) -> tuple[CutSets, int]:
    """A threshold gate's minimal cut sets up to max_order from its children's, and the sets worked out."""
    n = len(children)
    start = tally.spent
    if k <= 0:
        return frozenset([frozenset()]), 0
    if k > n:
        return frozenset(), 0
    table: list[CutSets] = [frozenset([frozenset()])] + [frozenset()] * k
    for m, child in enumerate(children):
        # F[j] for j above the children seen so far + 1 stays empty; F[j] below k - (children left) is not
        # needed for F[k]
        for j in range(min(k, m + 1), max(0, k - (n - m)), -1):
            below = table[j - 1]
            if not below or not child:
                continue
            grown = set(table[j])
            made = 0
            for a in below:
                for b in child:
                    u = a | b
                    if len(u) <= max_order:
                        grown.add(u)
                        made += 1
            tally.spent += made  # every candidate set counts, kept or not: the work done
            if tally.spent > tally.limit:
                raise tally.over()
            table[j] = _minimal(grown)
    return table[k], tally.spent - start


def _reached_work(root: Node, memo: dict[int, tuple[CutSets, int]]) -> int:
    """The sets worked out at every node a service reaches, each once: what it would cost listed alone."""
    seen = {id(root)}
    todo = [root]
    total = 0
    while todo:
        node = todo.pop()
        total += memo[id(node)][1]
        if isinstance(node, Gate):
            for c in node.children:
                c = _through(c)
                if id(c) not in seen:
                    seen.add(id(c))
                    todo.append(c)
    return total


def warm() -> None:
    """Load the sampling kernel's cached machine code (compiling it if not cached) on a tiny tree."""
    a, b, c = Var("a"), Var("b"), Var("c")
    top = Gate(1, (Gate(2, (a, b, c)), Gate(3, (a, b, c)), a))
    sample_services(Structure({"t": top}, ["t"], ["a", "b", "c"]), ["t"], [0.1, 0.6, 0.0], 1, 64, 1.0, 1)
