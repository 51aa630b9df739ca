"""Journey mechanics as numba-compiled scalar functions shared by both engines.

``choose_touchpoint`` picks where a customer goes for a step, ``service_time`` draws how long
the contact takes, ``next_target`` moves the journey on by outcome, and ``end_of_journey``
turns a finished journey's memory into new satisfaction, bond, expectations and
likelihood-to-recommend. Everything random comes in as keyed draws (:mod:`cxsim.rng`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cxsim.kernels.behaviour import (
    adapt_expectation,
    decayed_failures,
    journey_value,
    ltr_answer,
    ltr_score,
    remembered_value,
    update_bond,
    update_satisfaction,
)
from cxsim.kernels.params import EXP_RATE
from cxsim.rng import STREAM_SERVICE, exponential, lognormal

__all__ = ["choose_touchpoint", "end_of_journey", "next_target", "service_time"]

_DIST_EXPONENTIAL = 0
_DIST_LOGNORMAL = 1
_NEXT_DONE = -1
_NEXT_GIVE_UP = -2
_NEXT_RETRY = -3


@njit(cache=True)
def _pick(tps: np.ndarray, ntp: int, pref: np.ndarray, tp_channel: np.ndarray, exclude: int, u: float) -> int:
    total = 0.0
    for n in range(ntp):
        t = tps[n]
        if t != exclude:
            total += pref[tp_channel[t]]
    if total <= 0.0:
        return -1
    target = u * total
    acc = 0.0
    last = -1
    for n in range(ntp):
        t = tps[n]
        if t == exclude:
            continue
        w = pref[tp_channel[t]]
        if w <= 0.0:
            continue
        acc += w
        last = t
        if target < acc:
            return t
    return last  # rounding: u·total landed on the upper edge


@njit(cache=True)
def choose_touchpoint(
    tps: np.ndarray,
    ntp: int,
    pref: np.ndarray,
    tp_channel: np.ndarray,
    last_tp: int,
    retrying: bool,
    u_switch: float,
    u_choice: float,
    p_switch: float,
) -> int:
    """Touchpoint for a step: a retry stays where it was unless the customer switches channel
    (probability ``p_switch``, among the step's other touchpoints); otherwise the choice is
    proportional to the segment's preference for each touchpoint's channel."""
    if retrying and last_tp >= 0:
        if ntp > 1 and u_switch < p_switch:
            t = _pick(tps, ntp, pref, tp_channel, last_tp, u_choice)
            if t >= 0:
                return t
        for n in range(ntp):
            if tps[n] == last_tp:
                return last_tp
    return _pick(tps, ntp, pref, tp_channel, -1, u_choice)


@njit(cache=True)
def service_time(dist: int, mean: float, cv: float, seed: int, person: int, day: int, factor: float) -> float:
    """Minutes a contact takes (exponential, lognormal or fixed), times ``factor``."""
    if dist == _DIST_EXPONENTIAL:
        s = exponential(seed, STREAM_SERVICE, person, day, 0, mean)
    elif dist == _DIST_LOGNORMAL:
        s = lognormal(seed, STREAM_SERVICE, person, day, 0, mean, cv)
    else:
        s = mean
    return s * factor


@njit(cache=True)
def next_target(step_next: np.ndarray, step: int, outcome: int, contacts: int, max_contacts: int) -> int:
    """Where the journey goes after a contact: a step index, or NEXT_DONE / NEXT_GIVE_UP /
    NEXT_RETRY. A journey not done after ``max_contacts`` contacts is given up."""
    target = step_next[step, outcome]
    if target == _NEXT_DONE:
        return target
    if contacts >= max_contacts:
        return _NEXT_GIVE_UP
    return target


@njit(cache=True)
def end_of_journey(
    satisfaction: float,
    bond: float,
    e_product: float,
    e_interaction: float,
    e_brand: float,
    m_sum: float,
    m_weight: float,
    m_max: float,
    m_min: float,
    m_last: float,
    perf_product: float,
    perf_interaction: float,
    perf_brand: float,
    contacts: int,
    gave_up: bool,
    failures: float,
    since_failure: float,
    rule: int,
    params: np.ndarray,
    disposition: float = 0.0,
) -> tuple[float, float, float, float, float, float, int, float]:
    """State after a journey ends.

    ``perf_*`` are sums of perceived performance over the journey's ``contacts``;
    ``disposition`` is the person's lasting satisfaction offset (see ``update_satisfaction``).

    Returns:
        ``(journey_value, satisfaction, bond, e_product, e_interaction, e_brand, ltr_answer,
        failures)``; ``failures`` is the decayed count, plus one if the journey was given up.
    """
    j = journey_value(remembered_value(m_sum, m_weight, m_max, m_min, m_last, rule, params), gave_up, params)
    s = update_satisfaction(satisfaction, j, params, disposition)
    b = update_bond(bond, j, params)
    n = float(max(contacts, 1))
    rate = params[EXP_RATE]
    ep = adapt_expectation(e_product, perf_product / n, rate)
    ei = adapt_expectation(e_interaction, perf_interaction / n, rate)
    eb = adapt_expectation(e_brand, perf_brand / n, rate)
    f = failures
    if gave_up:
        f = decayed_failures(failures, since_failure, params) + 1.0
    return j, s, b, ep, ei, eb, ltr_answer(ltr_score(s, b, params)), f
