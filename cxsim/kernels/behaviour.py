"""Behavioural equations as numba-compiled scalar functions (``docs/model.md`` §5: both engines call them).

Both engines update a customer's state only through these functions, so on the same inputs
they compute bit-identical numbers. The chain for one contact and one journey:

``moment_value`` (disconfirmation on product / interaction / brand, Kano class, effort, wow)
→ ``memory_add`` (running peak, end, weighted mean) → ``remembered_value`` (peak-end, mean or
linear rule) → ``update_satisfaction``, ``adapt_expectation``, ``update_bond`` →
``ltr_score`` / ``ltr_answer`` / ``nps_class`` → ``churn_hazard``.

Exact equations, defaults and references: ``docs/model.md``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from cxsim.kernels.params import (
    BOND_RATE,
    CHURN_BASE,
    CHURN_BOND_SENS,
    CHURN_FAIL_MEMORY,
    CHURN_FAIL_WEIGHT,
    CHURN_REF_BOND,
    CHURN_REF_SAT,
    CHURN_REFERRED_MULT,
    CHURN_SAT_SENS,
    CONFIRMATION_SAT,
    EFFORT_ABANDON,
    EFFORT_IMPACT,
    EFFORT_REPEAT,
    EFFORT_SWITCH,
    EFFORT_WAIT,
    GAIN_WEIGHT,
    GIVE_UP_PENALTY,
    KANO_ATTR_GAIN,
    KANO_ATTR_LOSS,
    KANO_ATTRACTIVE,
    KANO_MUST_BE,
    KANO_MUST_GAIN,
    KANO_MUST_LOSS,
    KANO_ONE_GAIN,
    KANO_ONE_LOSS,
    LOSS_WEIGHT,
    LTR_SAT_WEIGHT,
    MEM_END,
    MEM_MEAN,
    MEM_PEAK_NEG,
    MEM_PEAK_POS,
    MEMORY_MEAN,
    MEMORY_PEAK_END,
    SAT_RATE,
    SAT_SLOPE,
    UNRESOLVED_DROP,
    W_BRAND,
    W_INTERACTION,
    W_PRODUCT,
    WOW_BOOST,
)

__all__ = [
    "DETRACTOR",
    "PASSIVE",
    "PROMOTER",
    "ChurnCeiling",
    "adapt_expectation",
    "ces_score",
    "churn_ceiling",
    "churn_exp_ceiling",
    "churn_hazard",
    "churn_hazard_ceiling",
    "clip",
    "decayed_failures",
    "disconfirmation",
    "effort_score",
    "kano_gain_loss",
    "ltr_answer",
    "ltr_score",
    "memory_add",
    "moment_value",
    "nps_class",
    "remembered_value",
    "update_bond",
    "update_satisfaction",
]

PROMOTER = 1
PASSIVE = 0
DETRACTOR = -1


@njit(cache=True)
def clip(x: float, lo: float, hi: float) -> float:
    """``x`` limited to ``[lo, hi]``."""
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


@njit(cache=True)
def disconfirmation(performance: float, expectation: float, gain: float, loss: float) -> float:
    """Asymmetric disconfirmation: ``gain·d`` above expectation, ``loss·d`` below it.

    ``d = performance − expectation`` (Oliver 1980). With ``loss > gain`` falling short weighs
    more than exceeding (Anderson & Sullivan 1993).
    """
    d = performance - expectation
    if d >= 0.0:
        return gain * d
    return loss * d


@njit(cache=True)
def kano_gain_loss(kano: int, params: np.ndarray) -> tuple[float, float]:
    """Gain and loss weights of a touchpoint's Kano class, times the global asymmetry."""
    if kano == KANO_MUST_BE:
        g, lo = params[KANO_MUST_GAIN], params[KANO_MUST_LOSS]
    elif kano == KANO_ATTRACTIVE:
        g, lo = params[KANO_ATTR_GAIN], params[KANO_ATTR_LOSS]
    else:
        g, lo = params[KANO_ONE_GAIN], params[KANO_ONE_LOSS]
    return g * params[GAIN_WEIGHT], lo * params[LOSS_WEIGHT]


@njit(cache=True)
def effort_score(
    wait_min: float,
    patience_mean_min: float,
    repeats: int,
    switched: bool,
    abandoned: bool,
    params: np.ndarray,
) -> float:
    """Customer effort of one contact, ≥ 0.

    Waiting counts in units of the customer's mean patience (a wait as long as one's patience
    is one unit), plus each earlier contact in the same journey, a channel switch without shared
    context (repeat the story) and giving up in the queue.
    """
    e = params[EFFORT_WAIT] * wait_min / patience_mean_min
    e += params[EFFORT_REPEAT] * repeats
    if switched:
        e += params[EFFORT_SWITCH]
    if abandoned:
        e += params[EFFORT_ABANDON]
    return e


@njit(cache=True)
def ces_score(effort: float) -> float:
    """Effort mapped to a 1–7 customer-effort scale (1 effortless, 7 very hard)."""
    return 1.0 + 6.0 * effort / (1.0 + effort)


@njit(cache=True)
def moment_value(
    q_product: float,
    q_interaction: float,
    q_brand: float,
    e_product: float,
    e_interaction: float,
    e_brand: float,
    kano: int,
    resolved: bool,
    wow: bool,
    effort: float,
    params: np.ndarray,
) -> tuple[float, float, float, float]:
    """Value of one contact in [-1, 1] and the perceived performance on the three dimensions.

    Perceived product performance is the touchpoint's quality, cut by ``unresolved_drop`` when
    the need was not solved; interaction and brand performance are the touchpoint's quality.
    Each dimension is disconfirmed against the customer's expectation with the Kano-class
    weights; effort subtracts ``impact·E/(1+E)``; a wow moment adds ``wow_boost``.

    Returns:
        ``(value, perf_product, perf_interaction, perf_brand)``.
    """
    p_product = q_product
    if not resolved:
        p_product = q_product * (1.0 - params[UNRESOLVED_DROP])
    g, lo = kano_gain_loss(kano, params)
    v = params[W_PRODUCT] * disconfirmation(p_product, e_product, g, lo)
    v += params[W_INTERACTION] * disconfirmation(q_interaction, e_interaction, g, lo)
    v += params[W_BRAND] * disconfirmation(q_brand, e_brand, g, lo)
    v -= params[EFFORT_IMPACT] * effort / (1.0 + effort)
    if wow:
        v += params[WOW_BOOST]
    return clip(v, -1.0, 1.0), p_product, q_interaction, q_brand


@njit(cache=True)
def memory_add(
    m_sum: float,
    m_weight: float,
    m_max: float,
    m_min: float,
    m_last: float,
    value: float,
    weight: float,
) -> tuple[float, float, float, float, float]:
    """Add one moment to a journey's running memory.

    ``weight`` is the step's importance (moments of truth weigh more). The weighted moment
    ``clip(weight·value)`` feeds the peaks and the end; the mean is weighted by ``weight``.
    An empty memory has ``m_weight == 0``.
    """
    w_value = clip(weight * value, -1.0, 1.0)
    if m_weight == 0.0:
        return weight * value, weight, w_value, w_value, w_value
    return (
        m_sum + weight * value,
        m_weight + weight,
        max(m_max, w_value),
        min(m_min, w_value),
        w_value,
    )


@njit(cache=True)
def remembered_value(
    m_sum: float,
    m_weight: float,
    m_max: float,
    m_min: float,
    m_last: float,
    rule: int,
    params: np.ndarray,
) -> float:
    """How a journey is remembered, in [-1, 1].

    * ``peak_end`` (Kahneman et al. 1993): mean of the most intense moment and the last one;
    * ``mean``: the weighted mean of the moments;
    * ``linear`` (Verhoef, Antonides & de Hoog 2004 form): ``a·mean + b·max(peak⁺, 0) +
      c·min(peak⁻, 0) + d·end``.
    """
    if m_weight == 0.0:
        return 0.0
    mean = m_sum / m_weight
    if rule == MEMORY_PEAK_END:
        peak = m_max if abs(m_max) >= abs(m_min) else m_min
        return clip(0.5 * (peak + m_last), -1.0, 1.0)
    if rule == MEMORY_MEAN:
        return clip(mean, -1.0, 1.0)
    r = params[MEM_MEAN] * mean
    r += params[MEM_PEAK_POS] * max(m_max, 0.0)
    r += params[MEM_PEAK_NEG] * min(m_min, 0.0)
    r += params[MEM_END] * m_last
    return clip(r, -1.0, 1.0)


@njit(cache=True)
def journey_value(remembered: float, gave_up: bool, params: np.ndarray) -> float:
    """Remembered value of a finished journey, less ``give_up_penalty`` if the need was unmet."""
    if gave_up:
        return clip(remembered - params[GIVE_UP_PENALTY], -1.0, 1.0)
    return remembered


@njit(cache=True)
def update_satisfaction(satisfaction: float, journey: float, params: np.ndarray, disposition: float = 0.0) -> float:
    """Cumulative satisfaction after a journey (exponential smoothing toward its target).

    Target ``confirmation_satisfaction + disposition + slope·journey`` in [0, 1]: meeting
    expectations satisfies (Oliver 1980), disconfirmation moves satisfaction up or down, and
    ``disposition`` is the person's lasting tendency to be more or less satisfied than the
    average customer with the same experience (0 for the average person).
    """
    target = clip(params[CONFIRMATION_SAT] + disposition + params[SAT_SLOPE] * journey, 0.0, 1.0)
    return satisfaction + params[SAT_RATE] * (target - satisfaction)


@njit(cache=True)
def adapt_expectation(expectation: float, performance: float, rate: float) -> float:
    """Expectation drifts toward delivered performance (adaptation level)."""
    return clip(expectation + rate * (performance - expectation), 0.0, 1.0)


@njit(cache=True)
def update_bond(bond: float, journey: float, params: np.ndarray) -> float:
    """Brand bond moves slowly with each remembered journey."""
    return clip(bond + params[BOND_RATE] * journey, 0.0, 1.0)


@njit(cache=True)
def ltr_score(satisfaction: float, bond: float, params: np.ndarray) -> float:
    """Likelihood to recommend on 0–10 from satisfaction and bond."""
    w = params[LTR_SAT_WEIGHT]
    return 10.0 * clip(w * satisfaction + (1.0 - w) * bond, 0.0, 1.0)


@njit(cache=True)
def ltr_answer(score: float) -> int:
    """The 0–10 answer a customer gives to the NPS question (score rounded half up)."""
    a = int(math.floor(score + 0.5))  # noqa: RUF046 - numba types floor() as float here
    if a < 0:
        return 0
    if a > 10:
        return 10
    return a


@njit(cache=True)
def nps_class(answer: int) -> int:
    """PROMOTER (9–10), PASSIVE (7–8) or DETRACTOR (0–6)."""
    if answer >= 9:
        return PROMOTER
    if answer <= 6:
        return DETRACTOR
    return PASSIVE


@njit(cache=True)
def decayed_failures(failures: float, since_days: float, params: np.ndarray) -> float:
    """Recent unresolved journeys, fading exponentially with ``failure_memory_days``."""
    if failures == 0.0:
        return 0.0
    return failures * math.exp(-since_days / params[CHURN_FAIL_MEMORY])


@njit(cache=True)
def churn_hazard(
    satisfaction: float,
    bond: float,
    failures: float,
    segment_multiplier: float,
    referred: bool,
    params: np.ndarray,
) -> float:
    """Daily churn probability.

    ``base · segment · (referred) · exp(ks·(S_ref − S) + kb·(B_ref − B)) · (1 + kf·failures)``,
    capped at 1: the base hazard at reference attitudes, rising as satisfaction and bond fall
    (Bolton 1998) and after unresolved failures.
    """
    h = params[CHURN_BASE] * segment_multiplier
    if referred:
        h *= params[CHURN_REFERRED_MULT]
    h *= math.exp(
        params[CHURN_SAT_SENS] * (params[CHURN_REF_SAT] - satisfaction)
        + params[CHURN_BOND_SENS] * (params[CHURN_REF_BOND] - bond)
    )
    h *= 1.0 + params[CHURN_FAIL_WEIGHT] * failures
    return clip(h, 0.0, 1.0)


@njit(cache=True)
def churn_exp_ceiling(params: np.ndarray) -> float:
    """The largest attitude factor ``exp(ks·S_ref + kb·B_ref)`` of :func:`churn_hazard` over every
    satisfaction and bond ≥ 0 (computed as the hazard computes it at S = B = 0); infinite when a
    sensitivity is negative (then there is no ceiling). Once a run, for :func:`churn_hazard_ceiling`."""
    ks, kb = params[CHURN_SAT_SENS], params[CHURN_BOND_SENS]
    if ks < 0.0 or kb < 0.0:
        return math.inf
    return math.exp(ks * (params[CHURN_REF_SAT] - 0.0) + kb * (params[CHURN_REF_BOND] - 0.0))


class ChurnCeiling(NamedTuple):
    """What :func:`churn_hazard_ceiling` takes of the behaviour parameters, once a run
    (:func:`churn_ceiling`). Plain numbers: a loop over everyone that reads them needs no load
    from the parameter array, which the compiler cannot tell apart from the arrays it writes
    (such a loop does not vectorise)."""

    exp_ceiling: float  # churn_exp_ceiling
    base: float  # CHURN_BASE
    fail_weight: float  # CHURN_FAIL_WEIGHT
    referred_mult: float  # CHURN_REFERRED_MULT


def churn_ceiling(params: np.ndarray) -> ChurnCeiling:
    """The terms of :func:`churn_hazard_ceiling` for the packed behaviour ``params``."""
    return ChurnCeiling(
        float(churn_exp_ceiling(params)),
        float(params[CHURN_BASE]),
        float(params[CHURN_FAIL_WEIGHT]),
        float(params[CHURN_REFERRED_MULT]),
    )


@njit(cache=True)
def churn_hazard_ceiling(c: ChurnCeiling, segment_multiplier: float, referred: bool, failures: float) -> float:
    """An upper bound of :func:`churn_hazard` for a customer with satisfaction and bond ≥ 0 and
    ``failures`` (undecayed, see :func:`decayed_failures`) without its two ``exp``: the same
    products in the same order with the attitude factor at its ceiling (``c.exp_ceiling``, from
    :func:`churn_exp_ceiling`) and failures not decayed. Every factor is ≥ 0 and float rounding
    is monotone, so the bound holds bit for bit; a margin of 2⁻⁴⁰ covers any ``exp`` that is not
    exactly monotone. It grows with ``segment_multiplier``, so the highest multiplier of any
    segment bounds every segment's hazard. Infinite if a factor is negative (no bound)."""
    base, kf, ref = c.base, c.fail_weight, c.referred_mult
    h = base * segment_multiplier
    h = h * ref if referred else h
    h *= c.exp_ceiling
    h *= 1.0 + kf * failures
    negative = (base < 0.0) | (kf < 0.0) | (ref < 0.0) | (segment_multiplier < 0.0) | (failures < 0.0)
    return math.inf if negative else h * (1.0 + 2.0**-40)
