"""The day's tallies, as numba-compiled functions shared by both engines.

``tally_people`` counts prospects, customers, promoters and detractors at the end of the day;
``tally_contacts`` counts today's contacts into the day's totals and the run's per-touchpoint
``Totals``. Every float sum runs in person-index order, so both engines add the same numbers in
the same order (``docs/model.md`` §5: aggregates are order-independent or canonically ordered).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cxsim.kernels.behaviour import DETRACTOR, PROMOTER, nps_class
from cxsim.kernels.codes import CUSTOMER, NEXT_GIVE_UP, NEXT_RETRY, PROSPECT
from cxsim.kernels.groups import Totals, Touchpoints, Visits

__all__ = ["SERVICE_LEVEL_MIN", "person_counts", "satisfaction_sum", "tally_contacts", "tally_people"]

SERVICE_LEVEL_MIN = 20.0 / 60.0  # "answered within 20 s", in minutes


@njit(cache=True, inline="always")
def person_counts(status: int, ltr: int) -> tuple[int, int, int, int]:
    """One person's share of the end-of-day counts: ``(prospect, customer, promoter, detractor)``,
    each 0 or 1 (promoter and detractor by their NPS class, customers only)."""
    # NOTE: without branches (a status branch mispredicts on every other person of a market)
    customer = status == CUSTOMER
    cls = nps_class(ltr)
    return int(status == PROSPECT), int(customer), int(customer & (cls == PROMOTER)), int(customer & (cls == DETRACTOR))


@njit(cache=True)
def satisfaction_sum(status: np.ndarray, satisfaction: np.ndarray) -> float:
    """Sum of customers' satisfaction, in person-index order (sequential: an engine that counts
    in parallel still adds this float in one order, see the module docstring)."""
    sat_sum = 0.0
    for i in range(status.shape[0]):
        # NOTE: without a branch (4x faster): everyone else adds satisfaction × 0 = ±0.0, and
        # t + ±0.0 == t bit for bit for a sum that starts at +0.0 (it is never -0.0).
        sat_sum += satisfaction[i] * (status[i] == CUSTOMER)
    return sat_sum


@njit(cache=True)
def tally_people(
    status: np.ndarray, segment: np.ndarray, ltr: np.ndarray, satisfaction: np.ndarray, by_segment: np.ndarray
) -> tuple[int, int, int, int, float]:
    """End-of-day counts over everyone (``by_segment`` receives customers per segment).

    Returns:
        ``(prospects, customers, promoters, detractors, sum of customers' satisfaction)``.
    """
    prospects = 0
    customers = 0
    promoters = 0
    detractors = 0
    by_segment[:] = 0
    for i in range(status.shape[0]):
        a, c, pr, de = person_counts(status[i], ltr[i])
        prospects += a
        customers += c
        promoters += pr
        detractors += de
        if c:
            by_segment[segment[i]] += 1
    return prospects, customers, promoters, detractors, satisfaction_sum(status, satisfaction)


@njit(cache=True)
def tally_contacts(
    visits: Visits, tps: Touchpoints, csat_threshold: float, totals: Totals
) -> tuple[int, int, int, float, int, float, float]:
    """Today's contacts counted into ``totals`` (in place) and into the day's figures.

    Returns:
        ``(abandoned, resolved, staffed contacts, wait sum, satisfied contacts, CES sum,
        contact cost)``; a contact is satisfied when its moment value exceeds
        ``csat_threshold``, answered in time when served within ``SERVICE_LEVEL_MIN``.
    """
    t = totals
    abandoned = 0
    resolved = 0
    staffed = 0
    wait_sum = 0.0
    satisfied = 0
    ces_sum = 0.0
    contact_cost = 0.0
    for v in range(visits.tp.shape[0]):  # person-index order
        tp = visits.tp[v]
        k = visits.step[v]
        t.visits[tp] += 1
        t.step_visits[k, tp] += 1
        if visits.abandoned[v]:
            abandoned += 1
            t.abandoned[tp] += 1
            t.step_abandoned[k, tp] += 1
        else:
            t.served[tp] += 1
            t.busy_min[tp] += visits.service[v]
        if visits.switched[v]:
            t.step_switched[k, tp] += 1
        if visits.target[v] == NEXT_RETRY:
            t.step_retried[k, tp] += 1
        elif visits.target[v] == NEXT_GIVE_UP:
            t.step_gave_up[k, tp] += 1
        if visits.resolved[v]:
            resolved += 1
            t.resolved[tp] += 1
            t.step_resolved[k, tp] += 1
        if visits.wow[v]:
            t.wows[tp] += 1
        t.contact_cost[tp] += tps.cost[tp]
        contact_cost += tps.cost[tp]
        if tps.staffed[tp]:
            staffed += 1
            wait_sum += visits.wait[v]
            t.wait_sum[tp] += visits.wait[v]
            t.staffed_visits[tp] += 1
            if not visits.abandoned[v] and visits.wait[v] <= SERVICE_LEVEL_MIN:
                t.within_target[tp] += 1
        ces_sum += visits.ces[v]
        t.moment_sum[tp] += visits.value[v]
        if visits.value[v] > csat_threshold:
            satisfied += 1
    return abandoned, resolved, staffed, wait_sum, satisfied, ces_sum, contact_cost
