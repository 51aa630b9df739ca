"""Who is in the market and who leaves it, as numba-compiled functions shared by both engines.

``initial_person`` draws a person's day-0 segment, status and attitudes; ``churns_today`` is
the daily churn decision (the hazard of ``cxsim.kernels.behaviour.churn_hazard``, never on the
day a customer joined). Equations and references: ``docs/model.md``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cxsim.kernels.behaviour import (
    ChurnCeiling,
    churn_hazard,
    churn_hazard_ceiling,
    decayed_failures,
    ltr_answer,
    ltr_score,
)
from cxsim.kernels.codes import CUSTOMER, PROSPECT, VIA_REFERRAL
from cxsim.kernels.groups import Segments
from cxsim.rng import (
    STREAM_ADOPTION,
    STREAM_CHURN,
    STREAM_INIT_ATTITUDE,
    STREAM_INIT_SEGMENT,
    STREAM_INIT_STATUS,
    key_prefix,
    normal,
    uniform,
    uniform_from,
)

__all__ = ["churn_draw", "churns_today", "evening_draw", "evening_prefixes", "initial_person", "may_churn", "unit"]


@njit(cache=True, inline="always")
def unit(x: float) -> float:
    """``x`` clamped to [0, 1]."""
    return min(1.0, max(0.0, x))


@njit(cache=True, inline="always")
def initial_person(
    seed: int, i: int, customer_share: float, segments: Segments, expectation: np.ndarray, params: np.ndarray
) -> tuple[int, int, float, float, float, int]:
    """Person ``i`` on day 0; their three expectations are written into ``expectation``.

    The segment by the population shares, customer with probability ``customer_share``, a
    lasting disposition (satisfaction offset, sd ``attitude_sd``), satisfaction, bond and
    expectations around the segment's means, each clamped to [0, 1].

    Returns:
        ``(segment, status, disposition, satisfaction, bond, ltr_answer)``.
    """
    n_seg = segments.cum_share.shape[0]
    s = int(np.searchsorted(segments.cum_share, uniform(seed, STREAM_INIT_SEGMENT, i, 0, 0), side="right"))
    if s > n_seg - 1:
        s = n_seg - 1
    status = CUSTOMER if uniform(seed, STREAM_INIT_STATUS, i, 0, 0) < customer_share else PROSPECT
    sd = segments.attitude_sd[s]
    disposition = sd * normal(seed, STREAM_INIT_ATTITUDE, i, 0, 0)
    satisfaction = unit(segments.initial_satisfaction[s] + disposition)
    bond = unit(segments.initial_bond[s] + sd * normal(seed, STREAM_INIT_ATTITUDE, i, 0, 1))
    for d in range(3):
        e = segments.expectations[s, d] + segments.expectation_sd[s] * normal(seed, STREAM_INIT_ATTITUDE, i, 0, 2 + d)
        expectation[d] = unit(e)
    return s, status, disposition, satisfaction, bond, ltr_answer(ltr_score(satisfaction, bond, params))


@njit(cache=True, inline="always")
def churns_today(
    seed: int,
    i: int,
    day: int,
    status: int,
    acquired_day: int,
    acquired_via: int,
    satisfaction: float,
    bond: float,
    failures: float,
    last_failure_day: int,
    churn_multiplier: float,
    params: np.ndarray,
) -> bool:
    """Whether customer ``i`` leaves today (``churn_multiplier``: their segment's); nobody leaves
    on the day they joined."""
    if status != CUSTOMER or acquired_day >= day:
        return False
    f = decayed_failures(failures, float(day - last_failure_day), params)
    referred = acquired_via == VIA_REFERRAL
    h = churn_hazard(satisfaction, bond, f, churn_multiplier, referred, params)
    return churn_draw(seed, i, day) < h


@njit(cache=True, inline="always")
def churn_draw(seed: int, i: int, day: int) -> float:
    """Customer ``i``'s churn draw of ``day``: they leave when it falls under their hazard."""
    return uniform(seed, STREAM_CHURN, i, day, 0)


@njit(cache=True, inline="always")
def evening_prefixes(seed: int) -> tuple[np.uint64, np.uint64]:
    """The key prefixes of :func:`evening_draw`: the adoption stream's, then the churn stream's."""
    return key_prefix(seed, STREAM_ADOPTION), key_prefix(seed, STREAM_CHURN)


@njit(cache=True, inline="always")
def evening_draw(prefixes: tuple[np.uint64, np.uint64], i: int, day: int, status: int) -> float:
    """The one draw of person ``i``'s day that can decide an adoption or a churn: a prospect's
    :func:`~cxsim.kernels.wom.adoption_draw`, anyone else's :func:`churn_draw` (the same
    numbers; ``prefixes`` from :func:`evening_prefixes`). An engine that pre-checks everyone
    (:func:`~cxsim.kernels.wom.may_adopt`, :func:`may_churn`) needs only this one: a prospect
    cannot churn and a customer cannot adopt. Without branches, so that the loop vectorises."""
    pre = prefixes[0] if status == PROSPECT else prefixes[1]
    return uniform_from(pre, i, day, 0)


@njit(cache=True, inline="always")
def may_churn(
    u: float,
    day: int,
    status: int,
    acquired_day: int,
    acquired_via: int,
    satisfaction: float,
    bond: float,
    failures: float,
    last_failure_day: int,
    churn_multiplier: float,
    ceiling_terms: ChurnCeiling,
) -> bool:
    """False only where :func:`churns_today` is False, given today's draw ``u``
    (:func:`churn_draw`): the draw is at or above a ceiling of the hazard
    (:func:`~cxsim.kernels.behaviour.churn_hazard_ceiling` of ``ceiling_terms``, no ``exp``; with
    ``churn_multiplier`` at least the segment's); True otherwise, and then
    :func:`churns_today` decides. An exact shortcut for an engine (the same draw, the same
    decision), not a rule: most customers' draw is far above their hazard. Outside the ceiling's
    premises (attitudes ≥ 0, the last failure not in the future; always so in a run) it lets the
    hazard decide. Without branches, so that an engine's loop over everyone vectorises."""
    referred = acquired_via == VIA_REFERRAL
    ceiling = churn_hazard_ceiling(ceiling_terms, churn_multiplier, referred, failures)
    premises = (satisfaction >= 0.0) & (bond >= 0.0) & (last_failure_day <= day)
    return (status == CUSTOMER) & (acquired_day < day) & ((u < ceiling) | (not premises))
