"""Reference kernels: how fast this machine is *right now*, measured next to every benchmark figure.

A shared machine's speed moves with whatever else runs on it. Three small kernels measure the
resources the benchmark figures depend on, in the same process and at the same thread count:

* ``triad``: STREAM's ``a = b + s*c`` over arrays several times the last-level cache
  (3 x 32 MiB against a 32 MiB L3): memory bandwidth, GB/s (24 bytes counted per element).
* ``draws``: a numba loop summing keyed uniform draws (five SplitMix64 rounds per draw, the work
  of ``cxsim.rng.uniform``): scalar integer compute on registers, the work inside every
  per-person rule; million draws per second. The hash is frozen here rather than imported from
  ``cxsim.rng``: a reference must not move with the code it measures, or a slower ``cxsim.rng``
  would slow the reference as much as the engine and cancel out of the normalised figure.
* ``python``: a pure-Python loop of attribute access, method calls and dict updates, the kind
  of work the Mesa/SimPy agent engine does; million iterations per second.

Each rate is the best of ``repeats`` timings (a rate can only be pulled down by interference), on
the wall clock and on the process's CPU-time clock.
"""

from __future__ import annotations

import time
from typing import Any

import numba
import numpy as np
from numba import njit, prange

__all__ = ["REFERENCES", "Reference", "measure"]

REFERENCES = ("triad", "draws", "python")

_TRIAD_N = 1 << 22  # 4 Mi float64 = 32 MiB per array, 96 MiB touched per pass
_DRAWS_N = 1 << 21
_PYTHON_N = 200_000


@njit(cache=True, parallel=True)
def _triad(a: np.ndarray, b: np.ndarray, c: np.ndarray, s: float) -> None:
    for i in prange(a.shape[0]):
        a[i] = b[i] + s * c[i]


_WEYL = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def _round(h: np.uint64, part: np.uint64) -> np.uint64:
    z = h ^ (part + _WEYL)
    z = (z ^ (z >> np.uint64(30))) * _MUL1
    z = (z ^ (z >> np.uint64(27))) * _MUL2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, parallel=True)
def _draws(n: int, seed: int, stream: int, day: int) -> float:
    total = 0.0
    for i in prange(n):
        h = _round(_round(np.uint64(0), np.uint64(seed)), np.uint64(stream))
        h = _round(_round(_round(h, np.uint64(i)), np.uint64(day)), np.uint64(0))
        total += (float(h >> np.uint64(12)) + 0.5) * (1.0 / 4503599627370496.0)
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
        _draws(1024, 7, 99, 0)
        _python(1000)
        self._day = 0

    def measure(self, threads: int, repeats: int = 3) -> dict[str, float]:
        """Best-of-``repeats`` rates of the three kernels at ``threads`` numba threads.

        Each kernel is timed on two clocks: wall time (``triad``, ``draws``, ``python``) and the
        process's CPU time (``triad_cpu``, ...), which other processes' time slices do not count.
        """
        previous = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            triad = _best([_timed(_triad, self._a, self._b, self._c, 3.0) for _ in range(repeats)])
            draws = _best([self._timed_draws() for _ in range(repeats)])
        finally:
            numba.set_num_threads(previous)
        python = _best([_timed(_python, _PYTHON_N) for _ in range(repeats)])
        rates = {}
        for clock, k in (("", 0), ("_cpu", 1)):
            rates["triad" + clock] = 24.0 * _TRIAD_N / triad[k] / 1e9
            rates["draws" + clock] = _DRAWS_N / draws[k] / 1e6
            rates["python" + clock] = _PYTHON_N / python[k] / 1e6
        return rates

    def _timed_draws(self) -> tuple[float, float]:
        self._day += 1  # a new key every time, so nothing can be reused
        return _timed(_draws, _DRAWS_N, 7, 99, self._day)


def measure(threads: int = 1, repeats: int = 3) -> dict[str, float]:
    """One-off measurement (allocates the triad arrays; prefer ``Reference`` in a loop)."""
    return Reference().measure(threads, repeats)


def _timed(fn: Any, *args: Any) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - w0, time.process_time() - c0


def _best(timings: list[tuple[float, float]]) -> tuple[float, float]:
    """The shortest wall time and the shortest CPU time (each clock on its own)."""
    return min(t[0] for t in timings), min(t[1] for t in timings)
