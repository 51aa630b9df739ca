"""Worker processes that never outlive their parent, and a stop that really stops them.

A comparison runs its replications in a :class:`WorkerPool`: ``spawn``-ed processes (a fresh
interpreter each, safe next to numba's threads) that

- ignore Ctrl-C themselves (the terminal sends SIGINT to the whole process group; the parent
  decides and stops them, so one Ctrl-C prints one line, not a traceback per worker);
- die when their parent dies, however it dies (SIGKILL included): on Linux the kernel sends
  them SIGKILL (``PR_SET_PDEATHSIG``); everywhere, a watchdog thread exits the worker within a
  second of its parent's pid changing.

:meth:`WorkerPool.imap` yields results in submission order whatever the order the workers
finish in, so results never depend on the number of workers. Leaving the ``with`` block by an
exception (Ctrl-C, SIGTERM via :mod:`cxsim.interrupts`, an error) kills the workers at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["WorkerPool", "die_with_parent"]

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning"


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def die_with_parent(parent: int) -> None:
    """Worker initialiser: ignore SIGINT and exit when process ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc_name = ctypes.util.find_library("c")
        if libc_name:
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="cxsim-parent-watch").start()


class WorkerPool:
    """A process pool for ordered, interruptible parallel maps (see the module docstring).

    Args:
        workers: number of processes (>= 1).
    """

    def __init__(self, workers: int):
        self.workers = max(1, int(workers))
        # A worker killed mid-task cannot unregister the locks it created; multiprocessing's
        # resource tracker then frees them when this process exits (its job) and warns about
        # "leaked semaphore objects". The tracker takes its warning filters from ours.
        if _QUIET_TRACKER not in sys.warnoptions:
            sys.warnoptions.append(_QUIET_TRACKER)
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    def imap(self, fn: Callable[..., R], args: Iterable[tuple[Any, ...]], ahead: int | None = None) -> Iterator[R]:
        """``fn(*a)`` for each ``a`` in ``args``, in order; at most ``ahead`` tasks in flight (default 2 x workers)."""
        ahead = ahead or 2 * self.workers
        pending: deque[Future[R]] = deque()
        it = iter(args)
        for a in it:
            pending.append(self._executor.submit(fn, *a))
            if len(pending) >= ahead:
                break
        while pending:
            result = pending.popleft().result()
            for a in it:
                pending.append(self._executor.submit(fn, *a))
                break
            yield result

    def kill(self) -> None:
        """Stop every worker now (SIGKILL) and drop the queued tasks."""
        # NOTE: ProcessPoolExecutor has no public way to kill running workers; ``_processes``
        # (pid -> Process) has been there since Python 3.2.
        processes = dict(getattr(self._executor, "_processes", None) or {})
        for p in processes.values():
            with contextlib.suppress(OSError, ValueError):
                p.kill()
        for p in processes.values():
            p.join(timeout=5)
        # with its workers gone the executor notices a broken pool, fails the pending futures and
        # its manager thread ends
        self._executor.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Let the workers finish and exit."""
        self._executor.shutdown(wait=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.kill()
