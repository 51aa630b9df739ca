"""The week, as numba-compiled functions shared by both engines and the KPI arithmetic.

``weekday`` is the one definition of which day of the week a simulated day is; ``weekday_rate``
is a rate-triggered journey's start probability on that weekday; ``open_today`` says which
touchpoints open on it, and ``step_is_open`` whether a customer due at a journey step finds any
of the step's touchpoints open (if not, ``contact_day`` moves the visit to tomorrow). ``docs/model.md`` §1.4.1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["DAYS_PER_WEEK", "WEEKDAY_NAMES", "contact_day", "open_today", "step_is_open", "weekday", "weekday_rate"]

DAYS_PER_WEEK = 7
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@njit(cache=True, inline="always")
def weekday(start_weekday: int, day: int) -> int:
    """Weekday of ``day`` (0 = Monday ... 6 = Sunday) when day 0 is ``start_weekday``."""
    return (start_weekday + day) % DAYS_PER_WEEK


@njit(cache=True, inline="always")
def weekday_rate(rate: float, factor: float) -> float:
    """Daily start probability of a rate-triggered journey: the segment's ``rate`` times the
    weekday's ``factor``, capped at 1 (with factor 1 it is ``rate`` exactly)."""
    return min(rate * factor, 1.0)


@njit(cache=True)
def open_today(open_wd: np.ndarray, close_wd: np.ndarray, wd: int) -> np.ndarray:
    """(T,) bool: each touchpoint opens on weekday ``wd`` (its hours that day are not empty)."""
    out = np.zeros(open_wd.shape[0], dtype=np.bool_)
    for t in range(open_wd.shape[0]):
        out[t] = open_wd[t, wd] < close_wd[t, wd]
    return out


@njit(cache=True, inline="always")
def step_is_open(
    step_tps: np.ndarray, step_n_tps: int, pref: np.ndarray, tp_channel: np.ndarray, is_open: np.ndarray
) -> bool:
    """A customer with channel preferences ``pref`` can make today's contact for a step offering
    ``step_tps`` (the first ``step_n_tps``): one of them is open today (``is_open``, from
    :func:`open_today`) in a channel the customer uses (preference > 0). If not, the visit moves
    to the next day."""
    for n in range(step_n_tps):
        t = step_tps[n]
        if is_open[t] and pref[tp_channel[t]] > 0.0:
            return True
    return False


@njit(cache=True, inline="always")
def contact_day(
    day: int,
    step_tps: np.ndarray,
    step_n_tps: int,
    pref: np.ndarray,
    tp_channel: np.ndarray,
    is_open: np.ndarray,
) -> int:
    """The day a contact due today is made: today if the step has an open touchpoint the customer
    uses (:func:`step_is_open`), else tomorrow (no contact today; the journey's due day moves)."""
    if step_is_open(step_tps, step_n_tps, pref, tp_channel, is_open):
        return day
    return day + 1
