"""Retention and customer-lifetime-value checks under a constant churn hazard.

:func:`clv_checks` runs ``+experiment=constant_churn`` and compares retention with
``r = (1 − h)^L`` and CLV with the margin multiple ``r / (1 + i − r)`` (Gupta & Lehmann 2003).
"""

from __future__ import annotations

import math

import numpy as np

from cxsim import theory
from cxsim.theory_checks.checks import (
    FULL,
    Check,
    Settings,
    experiment_config,
    simulate_run,
)

__all__ = ["CLV_DISCOUNT", "CLV_PERIODS", "CLV_PERIOD_DAYS", "CLV_RETENTION", "clv_checks"]

CLV_PERIOD_DAYS = 30
CLV_RETENTION = 0.85  # per period, from experiment/constant_churn.yaml
CLV_DISCOUNT = 0.01  # per period (about 12.7% a year)
CLV_PERIODS = 36


def clv_checks(settings: Settings = FULL) -> list[Check]:
    """Constant churn hazard: retention per period and CLV against ``r / (1 + i − r)``."""
    area = "Retention & CLV"
    cfg = experiment_config("constant_churn", {"population.size": settings.clv_population})
    seg = cfg.population.segments.lab
    hazard = float(cfg.behaviour.churn.base_daily) * float(seg.churn_multiplier)
    m_day = float(seg.revenue_per_day)
    days = int(cfg.simulation.days)
    period = CLV_PERIOD_DAYS
    periods = days // period
    res = simulate_run(cfg, settings.seed + 400_000)
    d = res.daily
    customers = d["customers"].to_numpy(dtype=np.float64)
    churned = d["churned"].to_numpy(dtype=np.float64)
    n0 = float(customers[0] + churned[0])
    r_theory = (1.0 - hazard) ** period
    # retention: pooled over periods, customers at period ends
    at_end = customers[period - 1 :: period][:periods]
    at_start = np.concatenate(([n0], at_end[:-1]))
    r_sim = float(at_end.sum() / at_start.sum())
    r_se = math.sqrt(r_sim * (1 - r_sim) / float(at_start.sum()))
    # CLV per customer; a customer churned on day k was a customer at the end of days 1..k-1
    i = CLV_DISCOUNT
    m = m_day * period
    lifetimes = np.arange(1, days + 1)
    end_days = period * np.arange(1, periods + 1)
    disc_period = (1 + i) ** -np.arange(1, periods + 1, dtype=np.float64)
    x_churn = np.array([m * disc_period[end_days < k].sum() for k in lifetimes])
    x_stay = m * disc_period.sum()
    weights = np.concatenate((churned, [customers[-1]]))
    x = np.concatenate((x_churn, [x_stay]))
    clv = float(weights @ x / n0)
    clv_se = math.sqrt(float(weights @ (x - clv) ** 2) / n0) / math.sqrt(n0)
    multiple = theory.clv_multiple(r_theory, i)
    trunc = multiple - theory.clv_multiple(r_theory, i, periods)
    # daily version: revenue column discounted daily
    i_day = (1 + i) ** (1 / period) - 1
    disc_day = (1 + i_day) ** -lifetimes.astype(np.float64)
    clv_day = float(d["revenue"].to_numpy(dtype=np.float64) @ disc_day / n0)
    xd_churn = np.concatenate(([0.0], np.cumsum(m_day * disc_day)[:-1]))
    xd = np.concatenate((xd_churn, [float(np.sum(m_day * disc_day))]))
    clv_day_se = math.sqrt(float(weights @ (xd - clv_day) ** 2) / n0) / math.sqrt(n0)
    r_day = 1.0 - hazard
    mult_day = theory.clv_multiple(r_day, i_day)
    trunc_day = mult_day - theory.clv_multiple(r_day, i_day, days)
    note = f"{int(n0):,} customers, {periods} periods of {period} days"
    return [
        Check(
            area,
            f"retention per {period}-day period (hazard = base x segment multiplier)",
            "constant hazard: r = (1 - h)^L",
            r_theory,
            r_sim,
            r_se,
            unit="pct",
            note=note,
        ),
        Check(
            area,
            f"CLV multiple, margin paid at period ends (r = {r_theory:.2f}, i = {i:.0%})",
            "Gupta & Lehmann (2003): r / (1 + i - r)",
            multiple,
            clv / m,
            clv_se / m,
            trunc,
            "x",
            note=f"from customers at period ends; bias = horizon cut at {periods} periods",
        ),
        Check(
            area,
            "CLV in days of margin: daily revenue column, discounted daily",
            "r / (1 + i - r) with daily r and i",
            mult_day,
            clv_day / m_day,
            clv_day_se / m_day,
            trunc_day,
            "x",
            note="from the daily revenue column",
        ),
    ]
