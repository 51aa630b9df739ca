"""Reference kernels: how fast this machine is *right now*, measured next to every benchmark figure.

A shared machine's speed moves with whatever else runs on it. Three small kernels measure the
resources the benchmark figures depend on, in the same process and at the same thread count:

* ``triad``: STREAM's ``a = b + s*c`` over arrays several times the last-level cache
  (3 x 32 MiB against a 32 MiB L3): memory bandwidth, GB/s (24 bytes counted per element).
* ``draws``: a numba loop summing ``cxsim.rng.uniform`` keyed draws: scalar integer compute on
  registers, the work inside every per-person rule; million draws per second.
* ``python``: a pure-Python loop of attribute access, method calls and dict updates, the kind
  of work the Mesa/SimPy agent engine does; million iterations per second.

Each rate is the best of ``repeats`` timings (a rate can only be pulled down by interference).
"""

from __future__ import annotations

import time
from typing import Any

import numba
import numpy as np
from numba import njit, prange

from cxsim.rng import uniform

__all__ = ["REFERENCES", "Reference", "measure"]

REFERENCES = ("triad", "draws", "python")

_TRIAD_N = 1 << 22  # 4 Mi float64 = 32 MiB per array, 96 MiB touched per pass
_DRAWS_N = 1 << 21
_PYTHON_N = 200_000


@njit(cache=True, parallel=True)
def _triad(a: np.ndarray, b: np.ndarray, c: np.ndarray, s: float) -> None:
    for i in prange(a.shape[0]):
        a[i] = b[i] + s * c[i]


@njit(cache=True, parallel=True)
def _draws(n: int, day: int) -> float:
    total = 0.0
    for i in prange(n):
        total += uniform(7, 99, i, day, 0)
    return total


class _Visitor:
    __slots__ = ("count", "value")

    def __init__(self, value: int) -> None:
        self.value = value
        self.count = 0

    def visit(self, k: int) -> int:
        self.count += 1
        return (self.value * 31 + k) & 1023


def _python(n: int) -> int:
    table: dict[int, _Visitor] = {}
    acc = 0
    for i in range(n):
        key = i & 4095
        v = table.get(key)
        if v is None:
            v = table[key] = _Visitor(i)
        acc += v.visit(i)
    return acc


class Reference:
    """The reference kernels with their buffers allocated once (call ``measure`` repeatedly)."""

    def __init__(self) -> None:
        self._a = np.zeros(_TRIAD_N)
        self._b = np.full(_TRIAD_N, 1.5)
        self._c = np.full(_TRIAD_N, 0.5)
        _triad(self._a, self._b, self._c, 3.0)  # compile (or load from the cache) and fault the pages in
        _draws(1024, 0)
        _python(1000)
        self._day = 0

    def measure(self, threads: int, repeats: int = 3) -> dict[str, float]:
        """Best-of-``repeats`` rates of the three kernels at ``threads`` numba threads."""
        previous = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            triad = min(_timed(_triad, self._a, self._b, self._c, 3.0) for _ in range(repeats))
            draws = min(self._timed_draws() for _ in range(repeats))
        finally:
            numba.set_num_threads(previous)
        python = min(_timed(_python, _PYTHON_N) for _ in range(repeats))
        return {
            "triad": 24.0 * _TRIAD_N / triad / 1e9,
            "draws": _DRAWS_N / draws / 1e6,
            "python": _PYTHON_N / python / 1e6,
        }

    def _timed_draws(self) -> float:
        self._day += 1  # a new key every time, so nothing can be reused
        return _timed(_draws, _DRAWS_N, self._day)


def measure(threads: int = 1, repeats: int = 3) -> dict[str, float]:
    """One-off measurement (allocates the triad arrays; prefer ``Reference`` in a loop)."""
    return Reference().measure(threads, repeats)


def _timed(fn: Any, *args: Any) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0
