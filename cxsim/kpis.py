"""The day's KPI record, defined once: :class:`DayKpis`.

Engines count the day's people and contacts with the shared tallies
(:mod:`cxsim.kernels.tallies`) and hand them, with the day's events
(:class:`~cxsim.counters.DayCounters`), to :func:`day_kpis`, which does the arithmetic of every
KPI. The daily table's columns (``DAILY_COLUMNS``) and which of them are integer counts
(``INTEGER_COLUMNS``) are read off the dataclass, so adding a KPI is one field and one line of
arithmetic here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from cxsim.counters import DayCounters
from cxsim.kernels.tallies import SERVICE_LEVEL_MIN
from cxsim.kernels.week import weekday
from cxsim.spec import ModelSpec

__all__ = [
    "DAILY_COLUMNS",
    "INTEGER_COLUMNS",
    "SERVICE_LEVEL_MIN",
    "DayKpis",
    "day_kpis",
    "staff_cost_per_day",
]


@dataclass(frozen=True)
class DayKpis:
    """One row of ``result.daily``. ``int`` fields are counts; ``float`` fields may be NaN
    when their denominator is zero (no contacts, no customers). See docs/model.md §3.9.1."""

    day: int
    prospects: int  # at the end of the day
    customers: int  # active, at the end of the day
    churned: int  # today's events
    acquired_marketing: int
    acquired_referral: int
    promoters: int
    passives: int
    detractors: int
    nps: float  # 100 · (promoters − detractors) / customers
    csat: float  # % of today's contacts with a moment value above the CSAT threshold
    effort: float  # mean CES score of today's contacts
    satisfaction: float  # mean cumulative satisfaction of customers
    visits: int
    served: int
    abandoned: int
    resolved: int
    visits_postponed: int  # contacts due today moved to tomorrow: the step's touchpoints were all closed
    mean_wait_min: float  # over contacts at staffed touchpoints
    journeys_started: int
    journeys_completed: int
    journeys_failed: int
    wom_positive: int  # messages sent
    wom_negative: int
    revenue: float
    contact_cost: float
    staff_cost: float
    cost_to_serve: float  # contact cost + staff cost
    acquisition_cost: float  # marketing + per acquisition + referral rewards
    margin: float  # revenue − cost to serve − acquisition cost


DAILY_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DayKpis))
INTEGER_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DayKpis) if f.type in (int, "int"))


def history_row(record: DayKpis) -> dict[str, float]:
    """``record`` as the engines' history row, column by column: what ``dataclasses.asdict`` gives
    for these scalar fields, without its recursive deep copy (a cost paid every simulated day)."""
    return {name: getattr(record, name) for name in DAILY_COLUMNS}


def staff_cost_per_day(spec: ModelSpec, day: int) -> float:
    """Cost of all staffed servers on ``day``: the server-minutes on duty that weekday (a
    schedule's, cut to the day's hours; none on a closed day) in whole default opening days
    (``close_min - open_min``) x cost per server-day. That is staff_cost_per_server_day /
    (close_min - open_min) per server-minute; a day with the default hours costs what it did."""
    return float(np.sum(spec.tp_server_days_wd[:, weekday(spec.start_weekday, day)] * spec.tp_staff_cost))


def day_kpis(
    spec: ModelSpec,
    day: int,
    events: DayCounters,
    people: tuple[int, int, int, int, float],
    customers_by_segment: np.ndarray,
    visits: int,
    contacts: tuple[int, int, int, float, int, float, float],
    staff_cost: float | None = None,
) -> DayKpis:
    """The day's record from its events, ``people`` (:func:`~cxsim.kernels.tallies.tally_people`)
    and ``contacts`` (:func:`~cxsim.kernels.tallies.tally_contacts`) tallies; ``staff_cost`` is the
    day's (servers on duty x cost per server-day; default: the fixed staffing of ``spec``)."""
    prospects, customers, promoters, detractors, sat_sum = people
    abandoned, resolved, staffed, wait_sum, satisfied, ces_sum, contact_cost = contacts
    c = events
    revenue = 0.0
    for s, n in enumerate(customers_by_segment):
        revenue += int(n) * spec.revenue_per_day[s]
    acquisitions = c.acquired_marketing + c.acquired_referral
    acquisition_cost = (
        spec.marketing_cost_per_day
        + spec.cost_per_acquisition * acquisitions
        + spec.referral_reward * c.acquired_referral
    )
    if staff_cost is None:
        staff_cost = staff_cost_per_day(spec, day)
    cost_to_serve = contact_cost + staff_cost
    nan = math.nan
    return DayKpis(
        day=day,
        prospects=prospects,
        customers=customers,
        churned=c.churned,
        acquired_marketing=c.acquired_marketing,
        acquired_referral=c.acquired_referral,
        promoters=promoters,
        passives=customers - promoters - detractors,
        detractors=detractors,
        nps=100.0 * (promoters - detractors) / customers if customers else 0.0,
        csat=100.0 * satisfied / visits if visits else nan,
        effort=ces_sum / visits if visits else nan,
        satisfaction=sat_sum / customers if customers else nan,
        visits=visits,
        served=visits - abandoned,
        abandoned=abandoned,
        resolved=resolved,
        visits_postponed=c.visits_postponed,
        mean_wait_min=wait_sum / staffed if staffed else nan,
        journeys_started=c.journeys_started,
        journeys_completed=c.journeys_completed,
        journeys_failed=c.journeys_failed,
        wom_positive=c.wom_positive,
        wom_negative=c.wom_negative,
        revenue=revenue,
        contact_cost=contact_cost,
        staff_cost=staff_cost,
        cost_to_serve=cost_to_serve,
        acquisition_cost=acquisition_cost,
        margin=revenue - cost_to_serve - acquisition_cost,
    )
