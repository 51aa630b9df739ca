"""Intraday queues at staffed touchpoints: FIFO, ``c`` identical servers, customer patience.

Two implementations of one queue discipline:

* :func:`add_simpy_queue` / :func:`simpy_waits`: the executable specification, one SimPy
  process per customer on a ``simpy.Resource`` with ``req | env.timeout(patience)``;
* :func:`fifo_waits`: the exact recursion over arrival order (numba), which the vector engine
  uses. Under FIFO a customer starts service at ``max(arrival, earliest server free time)``
  after every earlier customer has been placed; a customer whose patience runs out first
  abandons, having waited exactly their patience, and never occupies a server.

Ties (a server freeing at the very instant a patience runs out) have probability zero with
continuous draws and are resolved as abandonment in both.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from numba import njit

__all__ = [
    "add_simpy_queue",
    "add_simpy_shift_queue",
    "fifo_waits",
    "shift_waits",
    "simpy_shift_waits",
    "simpy_waits",
]


def _customer(
    env: simpy.Environment,
    servers: simpy.Resource,
    i: int,
    arrival: float,
    service: float,
    patience: float,
    waits: np.ndarray,
    abandoned: np.ndarray,
) -> Generator[Any, Any, None]:
    yield env.timeout(arrival)
    with servers.request() as req:
        if np.isinf(patience):
            yield req
            got = True
        else:
            result = yield req | env.timeout(patience)
            got = req in result
        if got:
            waits[i] = env.now - arrival
            yield env.timeout(service)
        else:
            # gave up: waited exactly their patience and leaves the queue
            waits[i] = patience
            abandoned[i] = True


def add_simpy_queue(
    env: simpy.Environment,
    arrivals: np.ndarray,
    services: np.ndarray,
    patience: np.ndarray,
    servers: int,
    waits: np.ndarray,
    abandoned: np.ndarray,
) -> None:
    """Add one touchpoint's queue for one day to ``env`` (arrivals in ascending order).

    ``waits`` and ``abandoned`` are filled in when ``env`` runs.
    """
    resource = simpy.Resource(env, capacity=servers)
    for i in range(arrivals.shape[0]):
        env.process(
            _customer(env, resource, i, float(arrivals[i]), float(services[i]), float(patience[i]), waits, abandoned)
        )


def simpy_waits(
    arrivals: np.ndarray, services: np.ndarray, patience: np.ndarray, servers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Waits (minutes) and abandonment flags of one FIFO queue, simulated with SimPy."""
    n = arrivals.shape[0]
    waits = np.zeros(n)
    abandoned = np.zeros(n, dtype=np.bool_)
    env = simpy.Environment()
    add_simpy_queue(env, arrivals, services, patience, servers, waits, abandoned)
    env.run()
    return waits, abandoned


@njit(cache=True)
def _fifo_waits(
    arrivals: np.ndarray, services: np.ndarray, patience: np.ndarray, servers: int
) -> tuple[np.ndarray, np.ndarray]:
    n = arrivals.shape[0]
    waits = np.zeros(n)
    abandoned = np.zeros(n, dtype=np.bool_)
    free = np.full(servers, -np.inf)  # time each server becomes free (never used: -inf)
    for i in range(n):
        a = arrivals[i]
        k = 0
        for j in range(1, servers):
            if free[j] < free[k]:
                k = j
        f = free[k]
        if f >= a and a + patience[i] <= f:
            # NOTE: written as SimPy evaluates it: the patience timer fires at a + patience, and at
            # a tie with a server's release (f == a + patience, zero patience included) the timer,
            # scheduled first, wins. Both implementations agree to the last bit.
            waits[i] = patience[i]
            abandoned[i] = True
        elif f <= a:
            free[k] = a + services[i]
        else:
            waits[i] = f - a
            free[k] = f + services[i]
    return waits, abandoned


def fifo_waits(
    arrivals: np.ndarray, services: np.ndarray, patience: np.ndarray, servers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Waits and abandonment of a FIFO queue with ``servers`` identical servers.

    Args:
        arrivals: arrival times in minutes, ascending.
        services: service times in minutes.
        patience: how long each customer will wait before giving up (``inf`` for never).
        servers: number of servers, ≥ 1.

    Returns:
        ``(waits, abandoned)``: each customer's time in queue and who gave up (an abandoning
        customer waited exactly their patience and occupied no server).
    """
    a = np.ascontiguousarray(arrivals, dtype=np.float64)
    s = np.ascontiguousarray(services, dtype=np.float64)
    p = np.ascontiguousarray(patience, dtype=np.float64)
    if not (a.ndim == s.ndim == p.ndim == 1) or not (a.shape == s.shape == p.shape):
        raise ValueError("arrivals, services and patience must be 1-D arrays of equal length")
    if servers < 1:
        raise ValueError(f"servers must be >= 1, got {servers}")
    if a.shape[0] > 1 and np.any(np.diff(a) < 0):
        raise ValueError("arrivals must be in ascending order")
    return _fifo_waits(a, s, p, int(servers))


# -- servers on shifts ----------------------------------------------------------------------------
# ``schedule[k]`` servers are on duty from ``edges[k]`` to ``edges[k + 1]`` (``edges[0]``: opening;
# after the last edge the last interval's servers stay on and clear the queue). A server going off
# duty finishes the customer in service (no pre-emption): a waiting customer starts only while
# fewer than the servers on duty are serving. A server coming on duty takes the head of the queue.


class _ShiftResource(simpy.Resource):
    """A ``simpy.Resource`` whose capacity a shift change can move: going down pre-empts no one
    (users beyond the new capacity finish), going up grants the head(s) of the queue at once."""

    def set_capacity(self, capacity: int) -> None:
        self._capacity = capacity
        while self.put_queue and len(self.users) < capacity:
            self._trigger_put(None)


def _shift_change(
    env: simpy.Environment, resource: _ShiftResource, at: float, servers: int
) -> Generator[Any, Any, None]:
    yield env.timeout(at)
    resource.set_capacity(servers)


def add_simpy_shift_queue(
    env: simpy.Environment,
    arrivals: np.ndarray,
    services: np.ndarray,
    patience: np.ndarray,
    edges: np.ndarray,
    schedule: np.ndarray,
    waits: np.ndarray,
    abandoned: np.ndarray,
) -> None:
    """As :func:`add_simpy_queue`, with ``schedule[k]`` servers on duty from ``edges[k]`` on.

    The shift changes are processes created before the customers, so a change at minute ``t``
    happens before an arrival at ``t`` (the arrival sees the new staffing), and a release or a
    patience running out at ``t`` after both.
    """
    resource = _ShiftResource(env, capacity=max(1, int(schedule[0])))
    resource._capacity = int(schedule[0])
    for k in range(1, schedule.shape[0]):
        env.process(_shift_change(env, resource, float(edges[k]), int(schedule[k])))
    for i in range(arrivals.shape[0]):
        env.process(
            _customer(env, resource, i, float(arrivals[i]), float(services[i]), float(patience[i]), waits, abandoned)
        )


def simpy_shift_waits(
    arrivals: np.ndarray, services: np.ndarray, patience: np.ndarray, edges: np.ndarray, schedule: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Waits and abandonment of a FIFO queue with servers on shifts, simulated with SimPy."""
    n = arrivals.shape[0]
    waits = np.zeros(n)
    abandoned = np.zeros(n, dtype=np.bool_)
    env = simpy.Environment()
    add_simpy_shift_queue(env, arrivals, services, patience, edges, schedule, waits, abandoned)
    env.run()
    return waits, abandoned


# Event kinds of the exact algorithm, in SimPy's terms (see _shift_waits).
_EV_CHANGE, _EV_ARRIVE, _EV_GRANTED, _EV_DECIDED, _EV_PATIENCE, _EV_DONE, _EV_RELEASED = 0, 1, 2, 3, 4, 5, 6


@njit(cache=True, inline="always")
def _swap(ht: np.ndarray, he: np.ndarray, hk: np.ndarray, hi: np.ndarray, a: int, b: int) -> None:
    """Swap heap entries ``a`` and ``b`` (all four arrays)."""
    ht[a], ht[b] = ht[b], ht[a]
    he[a], he[b] = he[b], he[a]
    hk[a], hk[b] = hk[b], hk[a]
    hi[a], hi[b] = hi[b], hi[a]


@njit("int64(float64[::1], int64[::1], int64[::1], int64[::1], int64, float64, int64, int64, int64)", cache=True)
def _push(
    ht: np.ndarray, he: np.ndarray, hk: np.ndarray, hi: np.ndarray, size: int, t: float, e: int, k: int, i: int
) -> int:
    """Push onto a binary min-heap ordered by (time, creation number); returns the new size."""
    c = size
    ht[c], he[c], hk[c], hi[c] = t, e, k, i
    while c > 0:
        p = (c - 1) // 2
        if ht[p] < ht[c] or (ht[p] == ht[c] and he[p] < he[c]):
            break
        _swap(ht, he, hk, hi, p, c)
        c = p
    return size + 1


@njit(cache=True, inline="always")
def _grant(
    j: int,
    t: float,
    waiting: np.ndarray,
    granted: np.ndarray,
    ht: np.ndarray,
    he: np.ndarray,
    hk: np.ndarray,
    hi: np.ndarray,
    size: int,
    eid: int,
) -> tuple[int, int]:
    """Give customer ``j`` a server at time ``t`` (its grant is processed as an event of its own).

    Returns the heap's new size and the next event number.
    """
    waiting[j] = False
    granted[j] = True
    return _push(ht, he, hk, hi, size, t, eid, _EV_GRANTED, j), eid + 1


@njit("int64(float64[::1], int64[::1], int64[::1], int64[::1], int64)", cache=True)
def _pop(ht: np.ndarray, he: np.ndarray, hk: np.ndarray, hi: np.ndarray, size: int) -> int:
    """Remove the heap's top (read it before calling); returns the new size."""
    size -= 1
    ht[0], he[0], hk[0], hi[0] = ht[size], he[size], hk[size], hi[size]
    c = 0
    while True:
        left = 2 * c + 1
        if left >= size:
            break
        m = left
        r = left + 1
        if r < size and (ht[r] < ht[left] or (ht[r] == ht[left] and he[r] < he[left])):
            m = r
        if ht[c] < ht[m] or (ht[c] == ht[m] and he[c] < he[m]):
            break
        _swap(ht, he, hk, hi, m, c)
        c = m
    return size


@njit(cache=True)
def _shift_waits(
    arrivals: np.ndarray, services: np.ndarray, patience: np.ndarray, edges: np.ndarray, schedule: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The queue of :func:`add_simpy_shift_queue`, event by event in SimPy's order.

    Events are ordered by (time, creation number), as SimPy orders them: shift changes and
    arrivals are created first (changes before arrivals), everything else when it happens. The
    kinds mirror SimPy's: a request granted (the server is taken at once, the customer learns it
    when the grant is processed), the customer's decision (``request | patience``: served if the
    grant was processed by then), patience running out, service done, a server released (the
    head of the queue is tried once). Constant ``schedule`` gives :func:`fifo_waits` exactly.
    ``arrivals`` must be in ascending order (:func:`shift_waits` checks it).
    """
    n = arrivals.shape[0]
    nk = schedule.shape[0]
    waits = np.zeros(n)
    abandoned = np.zeros(n, dtype=np.bool_)
    cap = 4 * n + nk + 8
    ht = np.empty(cap)
    he = np.empty(cap, dtype=np.int64)
    hk = np.empty(cap, dtype=np.int64)
    hi = np.empty(cap, dtype=np.int64)
    size = 0
    eid = 0
    for k in range(1, nk):
        size = _push(ht, he, hk, hi, size, edges[k], eid, _EV_CHANGE, k)
        eid += 1
    # Arrival i is event number first_arrival + i. The arrivals come in time order (shift_waits
    # checks it, the engines sort them), so they are in (time, number) order already: they are
    # read off their array, merged with the heap's top, instead of being pushed. The same events
    # in the same order, from a heap that holds only what is in the system instead of everyone.
    first_arrival = eid
    eid += n
    next_arrival = 0
    queue = np.empty(n, dtype=np.int64)  # waiting customers in order; cancelled ones marked
    waiting = np.zeros(n, dtype=np.bool_)
    q_head = 0
    q_tail = 0
    granted = np.zeros(n, dtype=np.bool_)  # holds a server (SimPy: in resource.users)
    grant_seen = np.zeros(n, dtype=np.bool_)  # the grant event was processed
    decided = np.zeros(n, dtype=np.bool_)  # the request | patience condition has fired
    servers = schedule[0]
    users = 0
    while size > 0 or next_arrival < n:
        if next_arrival < n and (
            size == 0
            or arrivals[next_arrival] < ht[0]
            or (arrivals[next_arrival] == ht[0] and first_arrival + next_arrival < he[0])
        ):
            t, kind, i = arrivals[next_arrival], _EV_ARRIVE, next_arrival
            next_arrival += 1
        else:
            t, kind, i = ht[0], hk[0], hi[0]
            size = _pop(ht, he, hk, hi, size)
        if kind == _EV_CHANGE:
            servers = schedule[i]
            while users < servers:
                while q_head < q_tail and not waiting[queue[q_head]]:
                    q_head += 1
                if q_head == q_tail:
                    break
                size, eid = _grant(queue[q_head], t, waiting, granted, ht, he, hk, hi, size, eid)
                q_head += 1
                users += 1
        elif kind == _EV_ARRIVE:
            queue[q_tail] = i
            q_tail += 1
            waiting[i] = True
            while q_head < q_tail and not waiting[queue[q_head]]:
                q_head += 1
            if users < servers:  # SimPy tries the head of the queue once
                size, eid = _grant(queue[q_head], t, waiting, granted, ht, he, hk, hi, size, eid)
                q_head += 1
                users += 1
            if not np.isinf(patience[i]):
                size = _push(ht, he, hk, hi, size, t + patience[i], eid, _EV_PATIENCE, i)
                eid += 1
        elif kind == _EV_GRANTED:
            grant_seen[i] = True
            if np.isinf(patience[i]):  # `yield req`: served when the grant is processed
                waits[i] = t - arrivals[i]
                size = _push(ht, he, hk, hi, size, t + services[i], eid, _EV_DONE, i)
                eid += 1
            elif not decided[i]:
                decided[i] = True
                size = _push(ht, he, hk, hi, size, t, eid, _EV_DECIDED, i)
                eid += 1
        elif kind == _EV_PATIENCE:
            if not decided[i]:
                decided[i] = True
                size = _push(ht, he, hk, hi, size, t, eid, _EV_DECIDED, i)
                eid += 1
        elif kind == _EV_DECIDED:
            if grant_seen[i]:
                waits[i] = t - arrivals[i]
                size = _push(ht, he, hk, hi, size, t + services[i], eid, _EV_DONE, i)
                eid += 1
            else:  # gave up: leaves the queue, or hands back a server granted but not yet seen
                waits[i] = patience[i]
                abandoned[i] = True
                waiting[i] = False
                if granted[i]:
                    granted[i] = False
                    users -= 1
                size = _push(ht, he, hk, hi, size, t, eid, _EV_RELEASED, i)
                eid += 1
        elif kind == _EV_DONE:
            granted[i] = False
            users -= 1
            size = _push(ht, he, hk, hi, size, t, eid, _EV_RELEASED, i)
            eid += 1
        else:  # _EV_RELEASED: the head of the queue is tried once
            while q_head < q_tail and not waiting[queue[q_head]]:
                q_head += 1
            if q_head < q_tail and users < servers:
                size, eid = _grant(queue[q_head], t, waiting, granted, ht, he, hk, hi, size, eid)
                q_head += 1
                users += 1
    return waits, abandoned


def shift_waits(
    arrivals: np.ndarray, services: np.ndarray, patience: np.ndarray, edges: np.ndarray, schedule: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Waits and abandonment of a FIFO queue whose servers work shifts.

    Args:
        arrivals, services, patience: as for :func:`fifo_waits`.
        edges: minutes at which the intervals start (ascending; ``edges[0]`` the opening).
        schedule: servers on duty from ``edges[k]`` (each >= 1); the last interval's servers stay
            until the queue is empty. A server going off duty finishes the customer in service.

    Returns:
        ``(waits, abandoned)`` as for :func:`fifo_waits`; with a constant schedule identical to it.
    """
    a = np.ascontiguousarray(arrivals, dtype=np.float64)
    s = np.ascontiguousarray(services, dtype=np.float64)
    p = np.ascontiguousarray(patience, dtype=np.float64)
    e = np.ascontiguousarray(edges, dtype=np.float64)
    c = np.ascontiguousarray(schedule, dtype=np.int64)
    if not (a.ndim == s.ndim == p.ndim == 1) or not (a.shape == s.shape == p.shape):
        raise ValueError("arrivals, services and patience must be 1-D arrays of equal length")
    if e.ndim != 1 or e.shape != c.shape or c.shape[0] < 1:
        raise ValueError("edges and schedule must be 1-D arrays of equal, non-zero length")
    if np.any(c < 1):
        raise ValueError(f"every interval needs at least 1 server, got {c.tolist()}")
    if np.any(np.diff(e) <= 0):
        raise ValueError("edges must be strictly ascending")
    if a.shape[0] > 1 and np.any(np.diff(a) < 0):
        raise ValueError("arrivals must be in ascending order")
    return _shift_waits(a, s, p, e, c)
