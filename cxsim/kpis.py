"""The day's KPI row, computed the same way by both engines.

Engines count the day's people and contacts (integers) and accumulate a few float sums in
person-index order; :func:`day_kpis` turns those into the daily KPI record, so the arithmetic
of every KPI lives in exactly one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cxsim.spec import ModelSpec
from cxsim.state import DayCounters

__all__ = ["SERVICE_LEVEL_MIN", "DayTally", "day_kpis", "staff_cost_per_day"]

SERVICE_LEVEL_MIN = 20.0 / 60.0  # "answered within 20 s", in minutes


@dataclass
class DayTally:
    """End-of-day counts and ordered sums an engine hands to :func:`day_kpis`."""

    prospects: int
    customers: int
    promoters: int
    detractors: int
    satisfaction_sum: float
    customers_by_segment: list[int]
    visits: int
    abandoned: int
    resolved: int
    staffed_visits: int
    wait_sum: float
    satisfied: int
    ces_sum: float
    contact_cost: float


def staff_cost_per_day(spec: ModelSpec) -> float:
    """Cost of all staffed servers for one day."""
    return float(np.sum(spec.tp_servers * spec.tp_staff_cost))


def day_kpis(spec: ModelSpec, day: int, events: DayCounters, tally: DayTally) -> dict[str, float]:
    """The daily KPI record (see ``cxsim.result.DAILY_COLUMNS``)."""
    t, c = tally, events
    revenue = 0.0
    for s, n in enumerate(t.customers_by_segment):
        revenue += n * spec.revenue_per_day[s]
    acquisitions = c.acquired_marketing + c.acquired_referral
    acquisition_cost = (
        spec.marketing_cost_per_day
        + spec.cost_per_acquisition * acquisitions
        + spec.referral_reward * c.acquired_referral
    )
    staff_cost = staff_cost_per_day(spec)
    cost_to_serve = t.contact_cost + staff_cost
    nan = math.nan
    return {
        "day": day,
        "prospects": t.prospects,
        "customers": t.customers,
        "churned": c.churned,
        "acquired_marketing": c.acquired_marketing,
        "acquired_referral": c.acquired_referral,
        "promoters": t.promoters,
        "passives": t.customers - t.promoters - t.detractors,
        "detractors": t.detractors,
        "nps": 100.0 * (t.promoters - t.detractors) / t.customers if t.customers else 0.0,
        "csat": 100.0 * t.satisfied / t.visits if t.visits else nan,
        "effort": t.ces_sum / t.visits if t.visits else nan,
        "satisfaction": t.satisfaction_sum / t.customers if t.customers else nan,
        "visits": t.visits,
        "served": t.visits - t.abandoned,
        "abandoned": t.abandoned,
        "resolved": t.resolved,
        "mean_wait_min": t.wait_sum / t.staffed_visits if t.staffed_visits else nan,
        "journeys_started": c.journeys_started,
        "journeys_completed": c.journeys_completed,
        "journeys_failed": c.journeys_failed,
        "wom_positive": c.wom_positive,
        "wom_negative": c.wom_negative,
        "revenue": revenue,
        "contact_cost": t.contact_cost,
        "staff_cost": staff_cost,
        "cost_to_serve": cost_to_serve,
        "acquisition_cost": acquisition_cost,
        "margin": revenue - cost_to_serve - acquisition_cost,
    }
