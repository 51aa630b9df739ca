"""The vector engine's threads: a compiled kernel run over contiguous blocks of its items.

The whole-market phases (:mod:`cxsim.engines.vector_day`) and the per-visit phases are written as
kernels ``kernel(lo, hi, *args)`` over items ``lo .. hi - 1`` (chunks of the market, or today's
visits), compiled with ``nogil=True``. :meth:`Runner.run` splits the items into one contiguous
block per thread and runs the blocks at once on Python threads, which do not hold the GIL while a
kernel runs.

Why not numba's ``prange``: a ``parallel=True`` function whose loop takes the engine's named
tuples of arrays costs 4-11 s of compile time on the first run (numba's parallel passes analyse
every array of every tuple); the same kernel compiled plainly costs well under a second, and the
blocks run as fast. It also leaves no choice of threading layer to make (``omp`` ran slower than
one thread on a loaded machine, see ``docs/performance.md``).

Every item's work reads and writes only its own item's state (and state nobody writes today), so
the results do not depend on the number of threads nor on how the items are split.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from cxsim.interrupts import STOP_SIGNALS

__all__ = ["Runner", "blocks"]

# one pool per thread count, shared by every model in the process (a model stays picklable)
_POOLS: dict[int, ThreadPoolExecutor] = {}


_HELD = STOP_SIGNALS if hasattr(signal, "pthread_sigmask") else ()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP wait (they are delivered, and raise, right
    after it). ``ThreadPoolExecutor.submit`` starts a pool thread and only then registers it for
    the pool's shutdown at exit; a stop signal raising in between (:mod:`cxsim.interrupts`) left
    a thread nobody wakes, and the interpreter hung at exit after "interrupted by SIGTERM". The
    pool's threads start with these signals blocked too: they are the main thread's to handle."""
    if not _HELD:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def blocks(n_items: int, threads: int) -> list[tuple[int, int]]:
    """``threads`` contiguous ``(lo, hi)`` blocks covering ``range(n_items)``, sizes differing by
    at most one (the first ones larger); empty blocks are left out."""
    base, extra = divmod(n_items, threads)
    out = []
    lo = 0
    for t in range(threads):
        hi = lo + base + (1 if t < extra else 0)
        if hi > lo:
            out.append((lo, hi))
        lo = hi
    return out


class Runner:
    """Runs kernels over blocks of items on ``threads`` threads (1: in the calling thread)."""

    def __init__(self, threads: int) -> None:
        self.threads = max(1, int(threads))

    def run(self, kernel: Callable[..., Any], n_items: int, *args: Any) -> list[Any]:
        """``kernel(lo, hi, *args)`` for each block of ``range(n_items)``, the first block in this
        thread and the others on the pool, all at once; returns their results in block order."""
        parts = blocks(n_items, self.threads)
        if len(parts) <= 1:
            return [kernel(0, n_items, *args)]
        pool = _POOLS.get(self.threads)
        if pool is None:
            pool = _POOLS[self.threads] = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="cxsim-vector")
        with _signals_held():
            futures = [pool.submit(kernel, lo, hi, *args) for lo, hi in parts[1:]]
        first = kernel(parts[0][0], parts[0][1], *args)
        return [first, *(f.result() for f in futures)]
