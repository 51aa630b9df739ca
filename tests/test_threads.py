"""The vector engine's threads (cxsim.engines.threads): blocks of items, and results that do not
depend on how many threads run them."""

from __future__ import annotations

import os
import signal
import sys
import threading
from concurrent.futures import thread as futures_thread

import numpy as np
import pytest

import cxsim
from cxsim.engines import threads as engine_threads
from cxsim.engines.threads import Runner, blocks
from cxsim.engines.vector import VectorModel
from cxsim.engines.vector_day import CHUNK
from cxsim.interrupts import Interrupted, stop_on_signals
from cxsim.spec import compile_spec


@pytest.mark.parametrize(("n", "threads"), [(0, 2), (1, 2), (7, 2), (8, 3), (100, 7), (5, 8)])
def test_blocks_cover_the_items_once_in_order(n: int, threads: int) -> None:
    parts = blocks(n, threads)
    covered = [i for lo, hi in parts for i in range(lo, hi)]
    assert covered == list(range(n))
    assert len(parts) <= threads and all(hi > lo for lo, hi in parts)
    sizes = [hi - lo for lo, hi in parts]
    assert not sizes or max(sizes) - min(sizes) <= 1


def test_runner_returns_each_blocks_result_in_order() -> None:
    seen: list[tuple[int, int, str]] = []
    out = Runner(3).run(lambda lo, hi, tag: seen.append((lo, hi, tag)) or (lo, hi), 10, "x")
    assert out == [(0, 4), (4, 7), (7, 10)]
    assert sorted(seen) == [(0, 4, "x"), (4, 7, "x"), (7, 10, "x")]
    assert Runner(1).run(lambda lo, hi: hi - lo, 10) == [10]


def _block_sum(lo: int, hi: int) -> int:
    return sum(range(lo, hi))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signal masks")
def test_a_stop_signal_while_the_pool_starts_leaves_no_orphan_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM arriving just after the pool started a thread, before it registered that thread for
    its shutdown at exit: the stop is raised only once the thread is registered (else the
    interpreter waits for it forever at exit, as a CI run once did after "interrupted by
    SIGTERM"), and the run's blocks were still all submitted."""
    monkeypatch.setattr(engine_threads, "_POOLS", {})  # a fresh pool, started inside the test
    start = threading.Thread.start

    def start_then_stop(self: threading.Thread) -> None:
        start(self)
        if self.name.startswith("cxsim-vector"):
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(threading.Thread, "start", start_then_stop)
    with pytest.raises(Interrupted), stop_on_signals():
        Runner(3).run(_block_sum, 9)
    pool = engine_threads._POOLS[3]
    workers = [t for t in threading.enumerate() if t.name.startswith("cxsim-vector")]
    assert workers and all(t in futures_thread._threads_queues for t in workers)
    pool.shutdown(wait=True)


def test_one_and_two_threads_give_the_same_market() -> None:
    """Three chunks of the market and hundreds of visits a day, split over two threads: every
    array of every person and every day's KPIs are identical to one thread's."""
    n = 2 * CHUNK + 5000
    spec = compile_spec(cxsim.load_config([f"population.size={n}", "simulation.days=40"]))
    one, two = VectorModel(spec=spec, threads=1), VectorModel(spec=spec, threads=2)
    if two.threads < 2:
        pytest.skip("one CPU: the engine caps its threads at numba's")
    for _ in range(40):
        one.step()
        two.step()
    assert one.history == two.history
    for name in one.people._fields:
        np.testing.assert_array_equal(getattr(one.people, name), getattr(two.people, name), err_msg=name)
    assert sum(h["visits"] for h in one.history) > 10_000
