"""The compiled kernel behind risk.engine.sampled (numba): one block of states of the structure function,
64 states a uint64 word. Imported only when no decision diagram fits, so nothing else pays for loading it.

The random stream is splitmix64, seeded from (seed, block number) alone: the same block draws the same
bits whatever else ran, and the numbers do not depend on numba's or numpy's generators.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _next(state):  # pragma: no cover - compiled
    # splitmix64: (new state, 64 random bits)
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True, inline="always")
def _popcount(x):  # pragma: no cover - compiled
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True, nogil=True, inline="always")
def _mix(z):  # pragma: no cover - compiled
    # splitmix64's finaliser: a block's starting state from (seed, block), far from every other block's
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def draw(words, seed, block, q, buf):  # pragma: no cover - compiled
    """Each basic event's down bits (rows 0..q.size-1 of buf, which start at zero) for one block, by
    geometric skipping: Geometric(q) states up before the next one down, so the cost is about the number of
    down states; an event down more often than not starts all down and skips to its up states instead."""
    nbits = words * 64
    state = _mix(_mix(seed + np.uint64(0x632BE59BD9B4E019)) + (block + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15))
    for i in range(q.size):
        p = q[i]
        if p <= 0.0:
            continue
        flip = p > 0.5  # skip to the rarer side
        if flip:
            for w in range(words):
                buf[i, w] = _ONES
            p = 1.0 - p
            if p <= 0.0:
                continue
        log_up = np.log1p(-p)
        pos = 0
        while True:
            state, r = _next(state)
            u = (np.float64(r >> np.uint64(11)) + 1.0) * (1.0 / 9007199254740992.0)  # (0, 1]
            gap = np.log(u) / log_up  # Geometric(p): the states before the next one on the rare side
            if gap >= nbits - pos:
                break
            pos += int(gap)
            bit = np.uint64(1) << np.uint64(pos & 63)
            if flip:
                buf[i, pos >> 6] &= ~bit
            else:
                buf[i, pos >> 6] |= bit
            pos += 1
            if pos >= nbits:
                break


@njit(cache=True, nogil=True)
def evaluate(words, n_vars, k, ptr, kids, buf):  # pragma: no cover - compiled
    """Every gate's bits (rows n_vars.. of buf, in topological order) from its children's, a word at a time:
    "at least k of n down" is OR for k = 1, AND for k = n, and otherwise a bit-sliced counter, counter[j]
    holding the states with at least j of the children seen so far down (counter[j] |= counter[j-1] & x)."""
    n_gates = k.size
    counter = np.zeros(k.max() + 2 if n_gates else 1, dtype=np.uint64)
    for g in range(n_gates):
        slot = n_vars + g
        need = k[g]
        a, b = ptr[g], ptr[g + 1]
        n = b - a
        if need <= 0:
            for w in range(words):
                buf[slot, w] = _ONES
        elif need > n:
            for w in range(words):
                buf[slot, w] = 0
        elif need == 1:
            for w in range(words):
                x = np.uint64(0)
                for c in range(a, b):
                    x |= buf[kids[c], w]
                buf[slot, w] = x
        elif need == n:
            for w in range(words):
                x = _ONES
                for c in range(a, b):
                    x &= buf[kids[c], w]
                buf[slot, w] = x
        else:
            for w in range(words):
                counter[0] = _ONES
                for j in range(1, need + 1):
                    counter[j] = 0
                for c in range(a, b):
                    x = buf[kids[c], w]
                    for j in range(need, 0, -1):
                        counter[j] |= counter[j - 1] & x
                buf[slot, w] = counter[need]


@njit(cache=True, nogil=True)
def sample_block(words, seed, block, q, k, ptr, kids, tops, sup_ptr, sup_levels, hits, down_with):  # pragma: no cover
    """Draw one block of 64 x words states and add, per service (tops: its slot), the states it is down
    (hits) and, per level of its support (sup_levels[sup_ptr[i]:sup_ptr[i+1]]), the states it is down with
    that basic event down (down_with)."""
    buf = np.zeros((q.size + k.size, words), dtype=np.uint64)
    draw(words, seed, block, q, buf)
    evaluate(words, q.size, k, ptr, kids, buf)
    for t in range(tops.size):
        top = tops[t]
        for w in range(words):
            x = buf[top, w]
            if x == 0:
                continue
            hits[t] += _popcount(x)
            for j in range(sup_ptr[t], sup_ptr[t + 1]):
                down_with[j] += _popcount(x & buf[sup_levels[j], w])
