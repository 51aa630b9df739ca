"""Social networks: simple undirected CSR graphs with the requested mean degree, reproducible by seed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from cxsim.network import SocialNetwork, barabasi_albert_edges, build_network, csr_from_edges, watts_strogatz_edges
from cxsim.spec import NETWORK_BARABASI_ALBERT, NETWORK_COMPLETE, NETWORK_WATTS_STROGATZ

WS, BA = NETWORK_WATTS_STROGATZ, NETWORK_BARABASI_ALBERT


def edge_keys(g: SocialNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of every stored (directed) tie."""
    rows = np.repeat(np.arange(g.size, dtype=np.int64), np.diff(g.indptr))
    return rows, g.indices


def assert_simple_undirected(g: SocialNetwork) -> None:
    n = g.size
    assert not g.complete
    assert g.indptr.shape == (n + 1,)
    assert g.indptr[0] == 0
    assert g.indptr[-1] == g.indices.shape[0]
    assert (np.diff(g.indptr) >= 0).all()
    rows, cols = edge_keys(g)
    assert ((cols >= 0) & (cols < n)).all()
    assert (rows != cols).all(), "self-loop"
    keys = rows * n + cols
    assert np.unique(keys).shape[0] == keys.shape[0], "duplicate tie"
    assert np.array_equal(np.sort(keys), np.sort(cols * n + rows)), "asymmetric adjacency"


def is_connected(g: SocialNetwork) -> bool:
    adj = csr_matrix((np.ones(g.indices.shape[0]), g.indices, g.indptr), shape=(g.size, g.size))
    return connected_components(adj, directed=False)[0] == 1


CASES = [
    pytest.param(WS, 10, 0.0, id="ws-lattice"),
    pytest.param(WS, 10, 0.1, id="ws-0.1"),
    pytest.param(WS, 6, 1.0, id="ws-random"),
    pytest.param(BA, 4, 0.0, id="ba-m2"),
    pytest.param(BA, 10, 0.0, id="ba-m5"),
]


@pytest.mark.parametrize(("kind", "degree", "beta"), CASES)
@pytest.mark.parametrize("seed", [1, 42])
def test_network_is_simple_and_undirected(kind: int, degree: int, beta: float, seed: int) -> None:
    """Every generated network is a valid CSR graph: symmetric, no self-loops, no duplicate ties."""
    assert_simple_undirected(build_network(seed, 1500, kind, degree, beta))


@settings(deadline=None, max_examples=60)
@given(
    st.integers(0, 2**31),
    st.integers(5, 300),
    st.sampled_from([WS, BA]),
    st.integers(1, 10),
    st.floats(0.0, 1.0),
)
def test_network_invariants_any_parameters(seed: int, size: int, kind: int, half: int, beta: float) -> None:
    """For any valid (seed, size, even degree < size, beta) the graph is simple, undirected and reproducible."""
    degree = min(2 * half, size - 1 - (size - 1) % 2)
    g = build_network(seed, size, kind, degree, beta)
    assert_simple_undirected(g)
    assert g.mean_degree <= degree
    h = build_network(seed, size, kind, degree, beta)
    assert np.array_equal(g.indptr, h.indptr)
    assert np.array_equal(g.indices, h.indices)


# ---------------------------------------------------------------- Watts–Strogatz


def test_watts_strogatz_beta_zero_is_ring_lattice() -> None:
    """With beta = 0 everyone is tied to exactly the k/2 nearest people on each side: degree k exactly."""
    n, k = 200, 6
    g = build_network(3, n, WS, k, 0.0)
    assert g.mean_degree == k
    assert (np.diff(g.indptr) == k).all()
    for i in range(n):
        expected = sorted({(i + j) % n for j in range(-k // 2, k // 2 + 1) if j != 0})
        assert g.neighbours(i).tolist() == expected
    assert is_connected(g)


def test_watts_strogatz_mean_degree_close_to_k() -> None:
    """With rewiring the mean degree is at most k and falls short only by the rare duplicate ties (≈ beta·k²/n)."""
    n, k, beta = 2000, 10, 0.1
    g = build_network(5, n, WS, k, beta)
    expected_dups = n * (k // 2) * beta * k / n  # rewired ties landing on an existing neighbour
    max_loss = 2 * (expected_dups + 5 * math.sqrt(expected_dups)) / n
    assert k - max_loss <= g.mean_degree <= k


def test_watts_strogatz_rewires_a_beta_share_of_ties() -> None:
    """About a share beta of the lattice ties is rewired (5 SE, plus O(k/n) for rewirings that land back)."""
    n, k, beta = 2000, 10, 0.1
    g = build_network(11, n, WS, k, beta)
    rows, cols = edge_keys(g)
    present = set((rows * n + cols).tolist())
    lattice = [(i, (i + j) % n) for i in range(n) for j in range(1, k // 2 + 1)]
    missing = sum(1 for a, b in lattice if a * n + b not in present)
    frac = missing / len(lattice)
    se = math.sqrt(beta * (1 - beta) / len(lattice))
    assert abs(frac - beta) < 5 * se + k / n


# ---------------------------------------------------------------- Barabási–Albert


@pytest.mark.parametrize("degree", [2, 4, 6, 10])
def test_barabasi_albert_mean_degree(degree: int) -> None:
    """Mean degree is exactly 2E/n with E = m(m+1)/2 + (n−m−1)·m, m = degree/2: i.e. 2m − m(m+1)/n ≈ 2m."""
    n, m = 3000, degree // 2
    g = build_network(9, n, BA, degree, 0.0)
    assert g.mean_degree == pytest.approx(2 * m - m * (m + 1) / n, rel=1e-12)
    assert abs(g.mean_degree - degree) < 0.01


def test_barabasi_albert_preferential_attachment() -> None:
    """Everyone has at least m ties, the graph is connected, early joiners become hubs (heavy tail)."""
    n, m = 5000, 3
    g = build_network(2, n, BA, 2 * m, 0.0)
    deg = np.diff(g.indptr)
    assert deg.min() >= m
    assert is_connected(g)
    assert deg.max() > 10 * g.mean_degree
    assert deg[:50].mean() > 5 * deg[-50:].mean()


def test_barabasi_albert_smallest_degree_is_a_tree() -> None:
    """Mean degree 2 (m = 1) gives a connected tree: n − 1 ties."""
    g = build_network(4, 500, BA, 2, 0.0)
    assert g.indices.shape[0] == 2 * (500 - 1)
    assert is_connected(g)


# ---------------------------------------------------------------- determinism, complete mixing, CSR helper


@pytest.mark.parametrize(("kind", "degree", "beta"), [(WS, 10, 0.1), (BA, 6, 0.0)])
def test_same_seed_same_graph_other_seed_other_graph(kind: int, degree: int, beta: float) -> None:
    """The same seed rebuilds the identical graph; another seed builds a different one."""
    a = build_network(123, 1000, kind, degree, beta)
    b = build_network(123, 1000, kind, degree, beta)
    c = build_network(124, 1000, kind, degree, beta)
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert not (np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices))


def test_complete_network() -> None:
    """Complete mixing is flagged, not materialised: mean degree size − 1 and no neighbour lists."""
    g = build_network(1, 1000, NETWORK_COMPLETE, 10, 0.1)
    assert g.complete
    assert g.mean_degree == 999.0
    assert g.indptr.shape == g.indices.shape == (0,)
    with pytest.raises(ValueError):
        g.neighbours(0)


def test_unknown_network_kind_rejected() -> None:
    """An unknown kind code raises ValueError."""
    with pytest.raises(ValueError, match="unknown network kind"):
        build_network(1, 100, 99, 4, 0.1)


def test_csr_from_edges_drops_self_loops_and_duplicates() -> None:
    """An edge list with a self-loop and a repeated tie becomes a simple symmetric CSR graph."""
    src = np.array([0, 1, 2, 1, 3], dtype=np.int64)
    dst = np.array([1, 0, 2, 2, 1], dtype=np.int64)
    indptr, indices = csr_from_edges(4, src, dst)
    g = SocialNetwork(size=4, complete=False, indptr=indptr, indices=indices)
    assert [g.neighbours(i).tolist() for i in range(4)] == [[1], [0, 2, 3], [1], [1]]
    assert_simple_undirected(g)


def sorted_csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR by definition: every tie both ways, self-loops dropped, (row, column) keys sorted and made unique."""
    keep = src != dst
    rows = np.concatenate([src[keep], dst[keep]]).astype(np.int64)
    cols = np.concatenate([dst[keep], src[keep]]).astype(np.int64)
    keys = np.unique(rows * n + cols)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(keys // n, minlength=n))])
    return indptr, keys % n


EDGE_LISTS = [
    pytest.param(lambda n: watts_strogatz_edges(3, n, 10, 0.0), id="ws-lattice"),
    pytest.param(lambda n: watts_strogatz_edges(3, n, 10, 0.1), id="ws-0.1"),
    pytest.param(lambda n: watts_strogatz_edges(3, n, 6, 1.0), id="ws-random"),
    pytest.param(lambda n: barabasi_albert_edges(3, n, 5), id="ba-m5"),
]


@pytest.mark.parametrize("edges", EDGE_LISTS)
def test_csr_from_edges_is_the_sorted_definition(edges: object) -> None:
    """The counting-sort CSR equals the sorted, de-duplicated tie keys, for the generators' edge lists and for
    the same ties shuffled, reversed and repeated with self-loops added."""
    n = 3001
    src, dst = edges(n)  # type: ignore[operator]
    indptr, indices = csr_from_edges(n, src, dst)
    want_ptr, want_idx = sorted_csr(n, src, dst)
    assert np.array_equal(indptr, want_ptr)
    assert np.array_equal(indices, want_idx)
    gen = np.random.default_rng(0)
    order = gen.permutation(src.shape[0])
    loops = gen.integers(0, n, 50).astype(src.dtype)
    src2 = np.concatenate([dst[order], src, loops])
    dst2 = np.concatenate([src[order], dst, loops])
    indptr2, indices2 = csr_from_edges(n, src2, dst2)
    assert np.array_equal(indptr2, want_ptr)
    assert np.array_equal(indices2, want_idx)


@pytest.mark.parametrize(("kind", "degree", "beta"), [(WS, 10, 0.1), (BA, 6, 0.0), (NETWORK_COMPLETE, 10, 0.1)])
def test_network_arrays_are_int32(kind: int, degree: int, beta: float) -> None:
    """Person indices and row offsets are int32 (4 bytes a tie), complete mixing's empty arrays too: every
    kernel reading a network compiles for one array type."""
    g = build_network(1, 500, kind, degree, beta)
    assert g.indptr.dtype == np.int32
    assert g.indices.dtype == np.int32


def test_ring_lattice_of_80k_people_builds() -> None:
    """rewire_prob = 0 on 80,000 people (quadratic in the comparison sort this replaced): the exact ring lattice."""
    n, k = 80_000, 10
    g = build_network(5, n, WS, k, 0.0)
    assert (np.diff(g.indptr) == k).all()
    for i in (0, 1, n // 2, n - 1):
        assert g.neighbours(i).tolist() == sorted((i + j) % n for j in range(-k // 2, k // 2 + 1) if j != 0)


def test_network_beyond_int32_people_refused() -> None:
    """Person indices are int32: a network of 2**31 people is refused before anything is allocated."""
    with pytest.raises(ValueError, match="int32"):
        build_network(1, 2**31, WS, 10, 0.1)
