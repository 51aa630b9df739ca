"""FIFO multi-server queues with patience: the SimPy specification and the numba recursion agree.

Hand-computed small cases for both implementations, then a property test on random queues
(including many exact ties from integer times) that the two give bit-identical waits and the same
abandonment flags, plus the queue's invariants.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsim.queueing import fifo_waits, shift_waits, simpy_shift_waits, simpy_waits

INF = np.inf
WaitsFn = Callable[[np.ndarray, np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray]]
IMPLEMENTATIONS = [pytest.param(fifo_waits, id="fifo"), pytest.param(simpy_waits, id="simpy")]


def arr(*xs: float) -> np.ndarray:
    return np.array(xs, dtype=np.float64)


# ---------------------------------------------------------------- hand-computed cases


@pytest.mark.parametrize("waits_fn", IMPLEMENTATIONS)
def test_one_server_builds_a_queue(waits_fn: WaitsFn) -> None:
    """One server, arrivals 0, 1, 2, services 3 each, endless patience: waits 0, 2, 4."""
    w, ab = waits_fn(arr(0, 1, 2), arr(3, 3, 3), arr(INF, INF, INF), 1)
    assert w.tolist() == [0.0, 2.0, 4.0]
    assert not ab.any()


@pytest.mark.parametrize("waits_fn", IMPLEMENTATIONS)
def test_two_servers(waits_fn: WaitsFn) -> None:
    """Two servers, arrivals 0, 0, 0, 1 with services 4, 2, 3, 1: the third waits for the server free at 2,
    the fourth for the one free at 4 — waits 0, 0, 2, 3."""
    w, ab = waits_fn(arr(0, 0, 0, 1), arr(4, 2, 3, 1), arr(INF, INF, INF, INF), 2)
    assert w.tolist() == [0.0, 0.0, 2.0, 3.0]
    assert not ab.any()


@pytest.mark.parametrize("waits_fn", IMPLEMENTATIONS)
def test_abandonment_frees_the_queue(waits_fn: WaitsFn) -> None:
    """A customer whose patience (2) runs out waits exactly 2, gives up and occupies no server,
    so the next customer is served at 5 (wait 3) instead of 6 (wait 4)."""
    w, ab = waits_fn(arr(0, 1, 2), arr(5, 1, 1), arr(INF, 2, INF), 1)
    assert w.tolist() == [0.0, 2.0, 3.0]
    assert ab.tolist() == [False, True, False]
    w_patient, ab_patient = waits_fn(arr(0, 1, 2), arr(5, 1, 1), arr(INF, INF, INF), 1)
    assert w_patient.tolist() == [0.0, 4.0, 4.0]
    assert not ab_patient.any()


@pytest.mark.parametrize("waits_fn", IMPLEMENTATIONS)
def test_patience_equal_to_wait_abandons(waits_fn: WaitsFn) -> None:
    """A tie (the server frees at the very instant patience runs out) is resolved as abandonment."""
    w, ab = waits_fn(arr(0, 1), arr(3, 1), arr(INF, 2), 1)
    assert w.tolist() == [0.0, 2.0]
    assert ab.tolist() == [False, True]


@pytest.mark.parametrize("waits_fn", IMPLEMENTATIONS)
def test_no_wait_when_arrivals_are_spaced(waits_fn: WaitsFn) -> None:
    """Arrivals further apart than the service times, or at least as many servers as customers: nobody waits."""
    w, ab = waits_fn(arr(0, 10, 20), arr(5, 5, 5), arr(1, 1, 1), 1)
    assert w.tolist() == [0.0, 0.0, 0.0]
    assert not ab.any()
    w, ab = waits_fn(arr(0, 0, 0), arr(5, 5, 5), arr(0.5, 0.5, 0.5), 3)
    assert w.tolist() == [0.0, 0.0, 0.0]
    assert not ab.any()


@pytest.mark.parametrize("waits_fn", IMPLEMENTATIONS)
def test_arrival_at_release_instant_is_served_without_wait(waits_fn: WaitsFn) -> None:
    """A customer arriving exactly when the server frees starts at once (wait 0)."""
    w, ab = waits_fn(arr(0, 3), arr(3, 1), arr(INF, 1), 1)
    assert w.tolist() == [0.0, 0.0]
    assert not ab.any()


@pytest.mark.parametrize("waits_fn", IMPLEMENTATIONS)
def test_empty_queue(waits_fn: WaitsFn) -> None:
    """No customers: empty waits and flags."""
    w, ab = waits_fn(arr(), arr(), arr(), 2)
    assert w.shape == ab.shape == (0,)


def test_zero_patience_at_release_instant_agrees() -> None:
    """fifo_waits and simpy_waits agree for a zero-patience customer arriving as the server frees."""
    a, s, p = arr(0, 1), arr(1, 1), arr(INF, 0)
    wf, abf = fifo_waits(a, s, p, 1)
    ws, abs_ = simpy_waits(a, s, p, 1)
    assert np.array_equal(wf, ws)
    assert np.array_equal(abf, abs_)


# ---------------------------------------------------------------- property test: the two implementations agree

# Integer-valued times make exact ties (simultaneous arrivals, releases at arrival instants,
# patience running out as a server frees) frequent; arbitrary floats cover the generic case.
times = st.one_of(st.integers(0, 40).map(float), st.floats(0.0, 40.0, allow_nan=False))
services = st.one_of(st.integers(1, 8).map(float), st.floats(1e-3, 8.0, allow_nan=False))
patiences = st.one_of(st.just(INF), st.integers(1, 8).map(float), st.floats(1e-3, 8.0, allow_nan=False))


@settings(deadline=None, max_examples=300)
@given(st.lists(st.tuples(times, services, patiences), max_size=30), st.integers(1, 5))
def test_fifo_equals_simpy_and_invariants(rows: list[tuple[float, float, float]], servers: int) -> None:
    """fifo_waits and simpy_waits give identical waits and flags; waits ≥ 0, an abandoner waited exactly
    their patience, a served customer less than it, FIFO start order and at most `servers` in service."""
    a = np.sort(np.array([r[0] for r in rows], dtype=np.float64))
    s = np.array([r[1] for r in rows], dtype=np.float64)
    p = np.array([r[2] for r in rows], dtype=np.float64)
    wf, abf = fifo_waits(a, s, p, servers)
    ws, abs_ = simpy_waits(a, s, p, servers)
    assert np.array_equal(wf, ws)
    assert np.array_equal(abf, abs_)

    assert (wf >= 0.0).all()
    assert np.array_equal(wf[abf], p[abf])
    served = ~abf
    assert (wf[served] < p[served]).all()
    # start = a + (f − a) reconstructs the server-free time f only to an ulp, hence the 1e-9 slack
    start = (a + wf)[served]
    end = start + s[served]
    assert (np.diff(start) >= -1e-9).all()  # first come, first served
    for t in start:  # capacity: customers in service at each start instant
        assert ((start <= t) & (end > t + 1e-9)).sum() <= servers


# ---------------------------------------------------------------- input validation


def test_fifo_rejects_unsorted_arrivals() -> None:
    """Arrivals out of ascending order are rejected."""
    with pytest.raises(ValueError, match="ascending"):
        fifo_waits(arr(0, 2, 1), arr(1, 1, 1), arr(INF, INF, INF), 1)


@pytest.mark.parametrize("servers", [0, -1])
def test_fifo_rejects_no_servers(servers: int) -> None:
    """Fewer than one server is rejected."""
    with pytest.raises(ValueError, match="servers"):
        fifo_waits(arr(0, 1), arr(1, 1), arr(INF, INF), servers)


@pytest.mark.parametrize(
    ("a", "s", "p"),
    [
        (arr(0, 1), arr(1), arr(INF, INF)),
        (arr(0, 1), arr(1, 1), arr(INF)),
        (np.zeros((2, 2)), np.ones((2, 2)), np.ones((2, 2))),
    ],
)
def test_fifo_rejects_mismatched_shapes(a: np.ndarray, s: np.ndarray, p: np.ndarray) -> None:
    """Arrivals, services and patience must be 1-D arrays of one length."""
    with pytest.raises(ValueError, match="1-D"):
        fifo_waits(a, s, p, 1)


# ---------------------------------------------------------------- servers on shifts

SHIFT_IMPLEMENTATIONS = [pytest.param(shift_waits, id="exact"), pytest.param(simpy_shift_waits, id="simpy")]


@pytest.mark.parametrize("waits_fn", SHIFT_IMPLEMENTATIONS)
def test_server_going_off_duty_finishes_its_customer(waits_fn: Callable[..., tuple[np.ndarray, np.ndarray]]) -> None:
    """Two servers until minute 5, then one: both customers in service at 5 finish (no
    pre-emption). The third (arrived 4) cannot start at 8, when the first is done, because the
    second (until 10) still fills the one place on duty: it starts at 10, a wait of 6."""
    w, ab = waits_fn(arr(0, 1, 4), arr(8, 9, 1), arr(INF, INF, INF), arr(0, 5), np.array([2, 1]))
    assert w.tolist() == [0.0, 0.0, 6.0]
    assert not ab.any()


@pytest.mark.parametrize("waits_fn", SHIFT_IMPLEMENTATIONS)
def test_server_coming_on_duty_takes_the_head_of_the_queue(
    waits_fn: Callable[..., tuple[np.ndarray, np.ndarray]],
) -> None:
    """One server busy 0-10; a second comes on at 3 and serves the customer waiting since 1."""
    w, ab = waits_fn(arr(0, 1, 2), arr(10, 4, 1), arr(INF, INF, INF), arr(0, 3), np.array([1, 2]))
    assert w.tolist() == [0.0, 2.0, 5.0]  # third: the server from 3 is free at 7
    assert not ab.any()


@pytest.mark.parametrize("waits_fn", SHIFT_IMPLEMENTATIONS)
def test_arrival_at_a_shift_start_sees_the_new_server(waits_fn: Callable[..., tuple[np.ndarray, np.ndarray]]) -> None:
    """A change at minute 2 happens before an arrival at minute 2: served at once, even with zero patience."""
    w, ab = waits_fn(arr(0, 2), arr(10, 1), arr(INF, 0.0), arr(0, 2), np.array([1, 2]))
    assert w.tolist() == [0.0, 0.0]
    assert not ab.any()


@settings(deadline=None, max_examples=300)
@given(
    st.lists(st.tuples(times, st.one_of(services, st.just(0.0)), st.one_of(patiences, st.just(0.0))), max_size=30),
    st.lists(st.tuples(st.integers(1, 39), st.integers(1, 4)), max_size=5, unique_by=lambda r: r[0]),
    st.integers(1, 4),
)
def test_shift_exact_equals_simpy_and_constant_equals_fifo(
    rows: list[tuple[float, float, float]], changes: list[tuple[int, int]], first: int
) -> None:
    """Random queues and shift patterns (integer times: many ties between arrivals, releases,
    patience and shift changes): the exact algorithm and SimPy agree to the last bit; with one
    interval it is fifo_waits; nobody starts while the servers on duty are all serving."""
    rows = sorted(rows)
    a = np.array([r[0] for r in rows], dtype=np.float64)
    s = np.array([r[1] for r in rows], dtype=np.float64)
    p = np.array([r[2] for r in rows], dtype=np.float64)
    changes = sorted(changes)
    edges = np.array([0.0] + [float(t) for t, _ in changes])
    schedule = np.array([first] + [c for _, c in changes], dtype=np.int64)
    w1, ab1 = shift_waits(a, s, p, edges, schedule)
    w2, ab2 = simpy_shift_waits(a, s, p, edges, schedule)
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(ab1, ab2)
    w3, ab3 = fifo_waits(a, s, p, first)
    w4, ab4 = shift_waits(a, s, p, edges[:1], schedule[:1])
    np.testing.assert_array_equal(w3, w4)
    np.testing.assert_array_equal(ab3, ab4)
    # invariants: waits >= 0, an abandoner waited exactly its patience, and at each start the
    # number already serving is below the servers on duty
    assert (w1 >= 0).all()
    np.testing.assert_array_equal(w1[ab1], p[ab1])
    start = a + w1
    end = start + s
    for i in np.flatnonzero(~ab1):
        on = schedule[np.searchsorted(edges, start[i], side="right") - 1]
        earlier = ~ab1 & (np.arange(a.size) < i) & (end > start[i])  # FIFO: earlier ones started first
        assert earlier.sum() < on


def test_shift_waits_rejects_bad_schedules() -> None:
    one = arr(1.0)
    with pytest.raises(ValueError, match="at least 1 server"):
        shift_waits(one, one, one, arr(0, 5), np.array([1, 0]))
    with pytest.raises(ValueError, match="ascending"):
        shift_waits(one, one, one, arr(0, 0), np.array([1, 2]))
    with pytest.raises(ValueError, match="equal"):
        shift_waits(one, one, one, arr(0, 5), np.array([1]))
