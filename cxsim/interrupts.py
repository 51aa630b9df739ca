"""Ctrl-C, SIGTERM and SIGHUP as one exception, so a run stops cleanly whichever arrives.

A batch scheduler stops a job with SIGTERM (then SIGKILL after a grace period); a terminal
sends SIGINT on Ctrl-C and SIGHUP when it closes. Python turns only SIGINT into an exception
(``KeyboardInterrupt``, at any point, even where that is unsafe); the others kill the process
on the spot, leaving half-written folders and orphaned workers. Inside :func:`stop_on_signals`
each of them raises :class:`Interrupted` in the main thread instead, where the code on the way
out cleans up (kills the workers, keeps the finished replications, marks the run folder as
interrupted).

:class:`Interrupted` derives from ``BaseException`` like ``KeyboardInterrupt``: an ``except
Exception`` on the way (Hydra's own error reporting, a job wrapper) must not swallow it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import FrameType

__all__ = ["STOP_SIGNALS", "Interrupted", "as_interrupted", "ignore_signals", "stop_on_signals", "stop_while_importing"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # what ends a command cleanly


class Interrupted(BaseException):
    """The process was asked to stop by signal ``signum``."""

    def __init__(self, signum: int, detail: str = ""):
        self.signum = int(signum)
        self.detail = detail  # what was kept, e.g. "4 of 10 replications kept"
        super().__init__(signal.Signals(self.signum).name)

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM)."""
        return 128 + self.signum

    @property
    def name(self) -> str:
        return "Ctrl-C" if self.signum == signal.SIGINT else signal.Signals(self.signum).name


def as_interrupted(exc: BaseException) -> Interrupted | None:
    """``exc`` as an :class:`Interrupted` if it is one or a ``KeyboardInterrupt``, else None."""
    if isinstance(exc, Interrupted):
        return exc
    if isinstance(exc, KeyboardInterrupt):
        return Interrupted(signal.SIGINT)
    return None


# Raising from a signal handler is safe in Python code but not inside numba's compiler and
# cache loader, which run Python callbacks from native code (llvmlite): an exception there
# crashed the process (SIGSEGV) in tests. A signal that arrives there is delivered again a
# moment later, by when the kernel is loaded and running, or finished.
_DEFER_IN = ("numba", "llvmlite")
_RETRY_SECONDS = 0.05


def _in_native_toolchain(frame: FrameType | None) -> bool:
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).split(".")[0] in _DEFER_IN:
            return True
        frame = frame.f_back
    return False


def _raise(signum: int, frame: FrameType | None) -> None:
    if _in_native_toolchain(frame):
        threading.Timer(_RETRY_SECONDS, os.kill, (os.getpid(), signum)).start()
        return
    raise Interrupted(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (main thread only).

    A signal the process was started with ignored (``nohup``, a background job of a
    non-interactive shell) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = _raise_on_stop_signals()
    try:
        yield
    finally:
        _restore(previous)


def _raise_on_stop_signals() -> Mapping[signal.Signals, object]:
    """Make each stop signal raise :class:`Interrupted`, except one the process was started with
    ignored; returns the handlers it replaced (main thread only)."""
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    for s, handler in previous.items():
        if handler != signal.SIG_IGN:
            signal.signal(s, _raise)
    return previous


def _restore(previous: Mapping[signal.Signals, object]) -> None:
    for s, handler in previous.items():
        signal.signal(s, signal.SIG_DFL if handler is None else handler)  # type: ignore[arg-type]


@contextmanager
def ignore_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP are ignored (a clean-up that must not be cut short)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        _restore(previous)


def _started_as_command() -> bool:
    """True in the ``cxsim`` console script and in ``python -m cxsim.cli``."""
    argv = list(getattr(sys, "orig_argv", ()))
    if "-m" in argv:
        at = argv.index("-m")
        return argv[at + 1 : at + 2] == ["cxsim.cli"]
    return os.path.basename(sys.argv[0]) in ("cxsim", "cxsim.exe") if sys.argv else False


@contextmanager
def stop_while_importing() -> Iterator[None]:
    """The ``cxsim`` command's imports (several seconds: numba, pandas, Hydra) under the command's
    signal rules: Ctrl-C, SIGTERM or SIGHUP meanwhile end it with one line and 128 + the signal,
    not a traceback from inside some library. Imported as a library, cxsim leaves signals alone
    (Ctrl-C raises ``KeyboardInterrupt`` as usual)."""
    if not _started_as_command():
        yield
        return
    # The handlers stay in place after the imports: the command's main() takes over from them.
    # Restoring the defaults in between would let a signal that arrives then (or one numba's
    # import deferred, see _raise) kill the process without a word.
    if threading.current_thread() is threading.main_thread():
        _raise_on_stop_signals()
    try:
        yield
    except BaseException as exc:
        stop = as_interrupted(exc)
        if stop is None:
            raise
        print(f"cxsim: interrupted by {stop.name}", file=sys.stderr)
        raise SystemExit(stop.exit_code) from None
