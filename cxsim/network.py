"""Social networks for word of mouth, held as CSR arrays (``indptr``, ``indices``).

Generators are numba functions driven by keyed random numbers (stream ``NETWORK``), so a
given ``(seed, size, kind, degree)`` always yields the same graph, in both engines and for
every design of a comparison. Graphs are undirected and simple (no self-loops, no duplicate
ties). Complete mixing is not materialised: :class:`SocialNetwork` marks it and the engines
count messages from population totals (the mean-field case).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from cxsim.rng import STREAM_NETWORK, uniform

__all__ = [
    "SocialNetwork",
    "barabasi_albert",
    "barabasi_albert_edges",
    "build_network",
    "csr_from_edges",
    "watts_strogatz",
    "watts_strogatz_edges",
]

_INT32_LIMIT = 2**31


@dataclass(frozen=True)
class SocialNetwork:
    """Who talks to whom. ``complete`` means everyone hears everyone (no arrays)."""

    size: int
    complete: bool
    indptr: np.ndarray  # (size+1,) int32 (int64 from 2**31 ties on); empty when complete
    indices: np.ndarray  # (edges,) int32; empty when complete

    @property
    def mean_degree(self) -> float:
        """Mean number of neighbours (``size − 1`` when complete)."""
        if self.complete:
            return float(self.size - 1)
        return float(self.indices.shape[0]) / self.size

    def neighbours(self, i: int) -> np.ndarray:
        """Neighbours of person ``i`` (not defined for complete mixing)."""
        if self.complete:
            raise ValueError("a complete network has no neighbour lists")
        return self.indices[self.indptr[i] : self.indptr[i + 1]]


@njit(cache=True)
def csr_from_edges(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected simple graph in CSR form from an edge list (drops self-loops and duplicates).

    Each row's neighbours come out in increasing order. Two counting-sort passes over the
    directed ties, O(edges + n) whatever the graph's order (a comparison sort of the ties was
    quadratic on a ring lattice): the ties grouped by column, then the columns walked in order
    and appended to their rows. Returns ``indptr`` (int64) and ``indices`` (int32: ``n`` must be
    below 2**31).
    """
    m = src.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)  # the graph is symmetric: a row's ties = its column's
    for e in range(m):
        a, b = src[e], dst[e]
        if a != b:
            start[a + 1] += 1
            start[b + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    c = start[n]
    fill = start[:n].copy()
    rows = np.empty(c, dtype=np.int32)  # by column: the rows of its ties
    for e in range(m):
        a, b = src[e], dst[e]
        if a == b:
            continue
        rows[fill[b]] = a
        fill[b] += 1
        rows[fill[a]] = b
        fill[a] += 1
    fill[:] = start[:n]
    indices = np.empty(c, dtype=np.int32)
    for b in range(n):
        for e in range(start[b], start[b + 1]):
            a = rows[e]
            indices[fill[a]] = b
            fill[a] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    k = 0
    for a in range(n):  # duplicates are adjacent in a sorted row: keep the first
        prev = -1
        for e in range(start[a], start[a + 1]):
            if indices[e] != prev:
                prev = indices[e]
                indices[k] = prev
                k += 1
        indptr[a + 1] = k
    # NOTE: few duplicates (a rewired tie landing on a neighbour) are not worth a copy of the
    # whole array: keep the buffer and a view of its first k entries.
    if c - k > c // 16:
        return indptr, indices[:k].copy()
    return indptr, indices[:k]


def watts_strogatz(seed: int, n: int, k: int, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of :func:`watts_strogatz_edges`."""
    return csr_from_edges(n, *watts_strogatz_edges(seed, n, k, beta))


def barabasi_albert(seed: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of :func:`barabasi_albert_edges`."""
    return csr_from_edges(n, *barabasi_albert_edges(seed, n, m))


@njit(cache=True)
def watts_strogatz_edges(seed: int, n: int, k: int, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Watts & Strogatz (1998) small world: ring lattice of degree ``k`` (even), each tie's far
    end rewired with probability ``beta`` to a uniformly chosen person.

    A rewiring that would create a self-loop keeps the lattice tie; one that duplicates an
    existing tie is dropped when the graph is simplified, so the mean degree can fall slightly
    below ``k`` (by about ``beta·k²/n``).
    """
    half = k // 2
    src = np.empty(n * half, dtype=np.int32)
    dst = np.empty(n * half, dtype=np.int32)
    e = 0
    for i in range(n):
        for j in range(1, half + 1):
            v = (i + j) % n
            if uniform(seed, STREAM_NETWORK, i, 0, j) < beta:
                w = int(uniform(seed, STREAM_NETWORK, i, 1, j) * n)
                if w != i:
                    v = w
            src[e] = i
            dst[e] = v
            e += 1
    return src, dst


@njit(cache=True)
def barabasi_albert_edges(seed: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Barabási & Albert (1999) preferential attachment: a clique of ``m + 1`` people, then each
    newcomer ties to ``m`` distinct people chosen with probability proportional to degree.
    Mean degree ≈ ``2m``."""
    m0 = m + 1
    n_edges = m0 * (m0 - 1) // 2 + (n - m0) * m
    src = np.empty(n_edges, dtype=np.int32)
    dst = np.empty(n_edges, dtype=np.int32)
    ends = np.empty(2 * n_edges, dtype=np.int32)  # each person repeated once per tie
    e = 0
    ne = 0
    for a in range(m0):
        for b in range(a + 1, m0):
            src[e] = a
            dst[e] = b
            e += 1
            ends[ne] = a
            ends[ne + 1] = b
            ne += 2
    chosen = np.empty(m, dtype=np.int32)
    for t in range(m0, n):
        got = 0
        attempt = 0
        while got < m:
            cand = ends[int(uniform(seed, STREAM_NETWORK, t, 2, attempt) * ne)]
            attempt += 1
            dup = False
            for c in range(got):
                if chosen[c] == cand:
                    dup = True
                    break
            if not dup:
                chosen[got] = cand
                got += 1
        for c in range(m):
            src[e] = t
            dst[e] = chosen[c]
            e += 1
            ends[ne] = t
            ends[ne + 1] = chosen[c]
            ne += 2
    return src, dst


def build_network(seed: int, size: int, kind: int, mean_degree: int, rewire_prob: float) -> SocialNetwork:
    """Build the network of a :class:`~cxsim.spec.ModelSpec` (``kind`` is a ``NETWORK_*`` code).

    Person indices are int32 (4 bytes a tie), and so are the row offsets below 2**31 ties: every
    kernel reading the network then sees one array type and compiles once.
    """
    from cxsim.spec import NETWORK_BARABASI_ALBERT, NETWORK_COMPLETE, NETWORK_WATTS_STROGATZ

    if size >= _INT32_LIMIT:
        raise ValueError(f"a network of {size:,} people needs person indices beyond int32")
    empty = np.zeros(0, dtype=np.int32)
    if kind == NETWORK_COMPLETE:
        return SocialNetwork(size=size, complete=True, indptr=empty, indices=empty)
    if kind == NETWORK_WATTS_STROGATZ:
        indptr, indices = watts_strogatz(seed, size, mean_degree, rewire_prob)
    elif kind == NETWORK_BARABASI_ALBERT:
        indptr, indices = barabasi_albert(seed, size, max(1, mean_degree // 2))
    else:
        raise ValueError(f"unknown network kind code {kind}")
    if indices.shape[0] < _INT32_LIMIT:
        indptr = indptr.astype(np.int32)
    return SocialNetwork(size=size, complete=False, indptr=indptr, indices=indices)
