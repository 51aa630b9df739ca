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

__all__ = ["add_simpy_queue", "fifo_waits", "simpy_waits"]


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
