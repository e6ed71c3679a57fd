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
        per_log = 1.0 / np.log1p(-p)  # multiplied, not divided, in the loop below
        pos = 0
        while True:
            state, r = _next(state)
            u = (np.float64(r >> np.uint64(11)) + 1.0) * (1.0 / 9007199254740992.0)  # (0, 1]
            gap = np.log(u) * per_log  # Geometric(p): the states before the next one on the rare side
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


#: Words of a block the gates are evaluated over at a time: the gates' rows for 64 words (512 bytes each;
#: nus9601's 1,515 gates: 0.8 MB) stay in the core's cache while every gate reads its children's.
CHUNK_WORDS = 64


@njit(cache=True, nogil=True, inline="always")
def _word(slot, n_vars, variables, gates, c0, w):  # pragma: no cover - compiled
    # a child's word w of the chunk starting at c0: a basic event's from the whole block, a gate's from the chunk
    if slot < n_vars:
        return variables[slot, c0 + w]
    return gates[slot - n_vars, w]


@njit(cache=True, nogil=True)
def _evaluate_chunk(c0, cw, n_vars, k, ptr, kids, variables, gates, counter):  # pragma: no cover - compiled
    # child by child over the chunk's words (contiguous, so the word loops vectorise)
    for g in range(k.size):
        need = k[g]
        a, b = ptr[g], ptr[g + 1]
        n = b - a
        out = gates[g]
        if need <= 0 or need > n:
            fill = _ONES if need <= 0 else np.uint64(0)
            for w in range(cw):
                out[w] = fill
            continue
        if need == 1 or need == n:
            fill = np.uint64(0) if need == 1 else _ONES
            for w in range(cw):
                out[w] = fill
            for c in range(a, b):
                slot = kids[c]
                row = variables[slot, c0 : c0 + cw] if slot < n_vars else gates[slot - n_vars, :cw]
                if need == 1:
                    for w in range(cw):
                        out[w] |= row[w]
                else:
                    for w in range(cw):
                        out[w] &= row[w]
            continue
        for w in range(cw):
            counter[0, w] = _ONES
        for j in range(1, need + 1):
            for w in range(cw):
                counter[j, w] = 0
        for c in range(a, b):
            slot = kids[c]
            row = variables[slot, c0 : c0 + cw] if slot < n_vars else gates[slot - n_vars, :cw]
            for j in range(need, 0, -1):
                for w in range(cw):
                    counter[j, w] |= counter[j - 1, w] & row[w]
        for w in range(cw):
            out[w] = counter[need, w]


@njit(cache=True, nogil=True)
def evaluate(words, n_vars, k, ptr, kids, buf):  # pragma: no cover - compiled
    """Every gate's bits (rows n_vars.. of buf, in topological order) from its children's, a word at a time:
    "at least k of n down" is OR for k = 1, AND for k = n, and otherwise a bit-sliced counter, counter[j]
    holding the states with at least j of the children seen so far down (counter[j] |= counter[j-1] & x)."""
    counter = np.zeros((k.max() + 2 if k.size else 1, words), dtype=np.uint64)
    _evaluate_chunk(0, words, n_vars, k, ptr, kids, buf[:n_vars], buf[n_vars:], counter)


@njit(cache=True, nogil=True)
def sample_block(words, seed, block, q, k, ptr, kids, tops, sup_ptr, sup_levels, hits, down_with):  # pragma: no cover
    """Draw one block of 64 x words states and add, per service (tops: its slot), the states it is down
    (hits) and, per level of its support (sup_levels[sup_ptr[i]:sup_ptr[i+1]]), the states it is down with
    that basic event down (down_with). The gates are evaluated CHUNK_WORDS words at a time (as `evaluate`)."""
    n_vars = q.size
    variables = np.zeros((n_vars, words), dtype=np.uint64)
    draw(words, seed, block, q, variables)
    gates = np.zeros((k.size, CHUNK_WORDS), dtype=np.uint64)
    counter = np.zeros((k.max() + 2 if k.size else 1, CHUNK_WORDS), dtype=np.uint64)
    for c0 in range(0, words, CHUNK_WORDS):
        cw = min(CHUNK_WORDS, words - c0)
        _evaluate_chunk(c0, cw, n_vars, k, ptr, kids, variables, gates, counter)
        for t in range(tops.size):
            top = tops[t]
            for w in range(cw):
                x = _word(top, n_vars, variables, gates, c0, w)
                if x == 0:
                    continue
                hits[t] += _popcount(x)
                for j in range(sup_ptr[t], sup_ptr[t + 1]):
                    down_with[j] += _popcount(x & variables[sup_levels[j], c0 + w])
