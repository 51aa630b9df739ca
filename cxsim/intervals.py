"""Confidence intervals of paired differences: the one helper every table and figure uses."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy import stats

__all__ = ["mean_band", "paired_interval", "t_quantile"]


def t_quantile(n: int, level: float) -> float:
    """Two-sided Student-t quantile for a mean of ``n`` values at confidence ``level``."""
    return float(stats.t.ppf(0.5 + level / 2.0, n - 1)) if n >= 2 else math.nan


def mean_band(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replications (axis 0) and its confidence band (the mean itself with one replication)."""
    mean = values.mean(axis=0)
    n = values.shape[0]
    if n < 2:
        return mean, mean, mean
    half = t_quantile(n, level) * values.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def paired_interval(diffs: Iterable[float] | np.ndarray, level: float) -> tuple[float, float, float, float]:
    """Mean of paired differences with a Student-t confidence interval (the one CI helper).

    Returns:
        ``(mean, low, high, standard_error)``; with fewer than two finite values the interval is NaN.
    """
    d = np.asarray(list(diffs) if not isinstance(diffs, np.ndarray) else diffs, dtype=np.float64)
    d = d[np.isfinite(d)]
    n = d.size
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(d.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan
    se = float(d.std(ddof=1) / math.sqrt(n))
    half = t_quantile(n, level) * se
    return mean, mean - half, mean + half, se
