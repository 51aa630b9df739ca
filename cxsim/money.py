"""Money as finance defines it: a design's investment, its benefits, NPV, ROI and payback.

A journey design is judged against the AS-IS on the same market (paired replications). Its
cash flows against the AS-IS are split in two (``docs/model.md`` §6):

* **investment**: what the organisation decides to spend or save by adopting the design, i.e.
  its ``capex`` on day 0, its own ``opex_per_day`` every day (negative for a saving), and any
  change in recurring operating cost that the design itself makes: staff cost added (one more
  agent) or removed (one agent fewer, a saving);
* **benefit**: what follows from the customers' behaviour: margin kept because fewer customers
  leave, customers won by word of mouth or marketing (net of acquisition costs), contact costs
  of repeats and channel switches. It is the change in discounted margin *before* staff cost.

``NPV = benefit − investment`` (the headline). ``ROI = NPV / investment`` only where the
investment is positive; a design that saves money (negative investment) has no ROI: it is
described by what it saves a year and its NPV, and when it also loses customers (negative
benefit) it is a *trade-off*. Payback is the first month in which the cumulative discounted
benefit covers the cumulative discounted investment. Everything is discounted daily at
``(1 + annual_rate)^(−day/365)``; capex is paid on day 0 (undiscounted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

__all__ = [
    "DAYS_PER_MONTH",
    "CashFlows",
    "DesignKind",
    "cash_flows",
    "classify",
    "discount_factors",
    "payback_day",
]

DAYS_PER_MONTH = 365.0 / 12.0


class DesignKind(Enum):
    """What kind of business case a design is, from the signs of its investment and benefit."""

    INVESTMENT = "investment"  # spends money to gain customers' value: ROI is defined
    NO_COST = "no_cost"  # neither spends nor saves: NPV is the benefit
    SAVING = "saving"  # saves money and customers' value does not fall: a win on both counts
    TRADE_OFF = "trade_off"  # saves money but loses customers' value


def discount_factors(days: int, annual_rate: float) -> np.ndarray:
    """Discount factor of each day 1..days: ``(1 + annual_rate)^(−day/365)``."""
    return (1.0 + annual_rate) ** (-np.arange(1, days + 1) / 365.0)


@dataclass(frozen=True)
class CashFlows:
    """One design against the baseline in one replication (discounted money).

    Attributes:
        investment: capex + Σ disc·(opex + Δ staff cost); negative when the design saves.
        benefit: Σ disc·Δ(margin + staff cost): the value of the customers' response.
        npv: ``benefit − investment``.
        roi: ``npv / investment`` when the investment is positive, else NaN.
        recurring_per_year: undiscounted change in running cost per year that the design makes
            (its opex plus its staff cost change, averaged over the horizon).
        cum_benefit: cumulative discounted benefit by day.
        cum_investment: cumulative discounted investment by day (capex included from day 1).
    """

    investment: float
    benefit: float
    npv: float
    roi: float
    recurring_per_year: float
    cum_benefit: np.ndarray
    cum_investment: np.ndarray


def cash_flows(
    base_margin: np.ndarray,
    base_staff_cost: np.ndarray,
    design_margin: np.ndarray,
    design_staff_cost: np.ndarray,
    capex: float,
    opex_per_day: float,
    disc: np.ndarray,
) -> CashFlows:
    """Split a design's daily cash flows against the baseline into investment and benefit.

    Args:
        base_margin, design_margin: daily margin (revenue − cost to serve − acquisition cost)
            of the baseline and of the design, same days, same seed.
        base_staff_cost, design_staff_cost: the daily staff cost inside those margins.
        capex: one-off cost on day 0.
        opex_per_day: the design's own running cost per day (negative: a saving).
        disc: discount factor of each day (:func:`discount_factors`).
    """
    d_staff = np.asarray(design_staff_cost, dtype=np.float64) - np.asarray(base_staff_cost, dtype=np.float64)
    d_margin = np.asarray(design_margin, dtype=np.float64) - np.asarray(base_margin, dtype=np.float64)
    daily_invest = (opex_per_day + d_staff) * disc
    daily_benefit = (d_margin + d_staff) * disc  # margin before the staff cost the design itself changes
    cum_investment = capex + np.cumsum(daily_invest)
    cum_benefit = np.cumsum(daily_benefit)
    investment = float(cum_investment[-1]) if cum_investment.size else float(capex)
    benefit = float(cum_benefit[-1]) if cum_benefit.size else 0.0
    npv = benefit - investment
    roi = npv / investment if investment > 0 else math.nan
    recurring = (opex_per_day + (float(d_staff.mean()) if d_staff.size else 0.0)) * 365.0
    return CashFlows(investment, benefit, npv, roi, recurring, cum_benefit, cum_investment)


def classify(investment: float, benefit: float, tolerance: float = 0.5) -> DesignKind:
    """The kind of business case, from the expected investment and benefit.

    Amounts within ``tolerance`` (currency units) of zero count as zero, so rounding noise in a
    design identical to the baseline does not turn it into an "investment".
    """
    if investment > tolerance:
        return DesignKind.INVESTMENT
    if investment < -tolerance:
        return DesignKind.TRADE_OFF if benefit < -tolerance else DesignKind.SAVING
    return DesignKind.NO_COST


def payback_day(cum_benefit: np.ndarray, cum_investment: np.ndarray) -> int | None:
    """First day (1-based) from which the cumulative benefit covers the cumulative investment.

    Defined only for a design that needs money first (cumulative investment positive on day 1);
    ``None`` if it never pays back within the horizon, or when nothing has to be paid back.
    The design must *stay* paid back: a day after which it falls behind again does not count.
    """
    ci = np.asarray(cum_investment, dtype=np.float64)
    cb = np.asarray(cum_benefit, dtype=np.float64)
    if ci.size == 0 or ci[0] <= 0:
        return None
    behind = np.nonzero(cb < ci)[0]
    if behind.size == 0:
        return 1
    last_behind = int(behind[-1])
    return last_behind + 2 if last_behind + 1 < ci.size else None
