"""Word of mouth and acquisition as numba-compiled scalar functions (DESIGN D1).

``adoption_hazard`` is the Bass/Goldenberg hazard of a prospect who heard ``n_pos`` positive
and ``n_neg`` negative messages today; ``referral_share`` splits an adoption between marketing
and word of mouth; ``wom_bond`` and ``hype`` are the attitude changes of those who hear WOM.
"""

from __future__ import annotations

import math

from numba import njit

from cxsim.kernels.behaviour import clip

__all__ = ["adoption_hazard", "hype", "referral_share", "wom_bond"]


@njit(cache=True)
def _wom_chance(q_message: float, n_pos: int) -> float:
    """``1 − (1 − q)^n``: the chance that at least one of ``n`` messages convinces."""
    if n_pos <= 0 or q_message <= 0.0:
        return 0.0
    if q_message >= 1.0:
        return 1.0
    # NOTE: expm1/log1p keep full precision when q·n is small, where 1 − (1 − q)^n cancels.
    return -math.expm1(n_pos * math.log1p(-q_message))


@njit(cache=True)
def adoption_hazard(p: float, q_message: float, n_pos: int, n_neg: int, suppression: float) -> float:
    """Daily adoption probability ``[1 − (1−p)(1−q)^n⁺] · (1−s)^n⁻``.

    Goldenberg, Libai & Muller (2001): marketing (``p``) and each positive message
    (``q_message``) are independent chances to adopt; each negative message suppresses the
    result by ``s``. With complete mixing and ``q_message = q/(N−1)`` this is the discrete Bass
    (1969) hazard ``p + q·F`` to first order. Evaluated as ``p + (1−p)·(1 − (1−q)^n⁺)``, which
    is exactly ``p`` when no positive message was heard.
    """
    h = p + (1.0 - p) * _wom_chance(q_message, n_pos)
    if n_neg > 0:
        h *= (1.0 - suppression) ** n_neg
    return h


@njit(cache=True)
def referral_share(p: float, q_message: float, n_pos: int) -> float:
    """Probability that an adoption is due to word of mouth rather than marketing.

    Of the independent chances, marketing alone would have given ``p``; the share of the
    hazard not explained by it, ``(1−p)(1 − (1−q)^n) / h``, is attributed to the referrers
    (marketing-first attribution). Exactly 0 without positive messages, never negative.
    """
    wom = (1.0 - p) * _wom_chance(q_message, n_pos)
    h = p + wom
    if h <= 0.0:
        return 0.0
    return wom / h


@njit(cache=True)
def wom_bond(bond: float, n_pos: int, n_neg: int, gain: float, loss: float) -> float:
    """Bond of a customer after hearing WOM: each message closes part of the gap to 1 or 0."""
    b = bond
    if n_pos > 0:
        b = b + (1.0 - b) * (1.0 - (1.0 - gain) ** n_pos)
    if n_neg > 0:
        b = b * (1.0 - loss) ** n_neg
    return clip(b, 0.0, 1.0)


@njit(cache=True)
def hype(expectation: float, n_pos: int, rate: float) -> float:
    """Expectation of a prospect raised by praise: each message closes part of the gap to 1."""
    if n_pos == 0:
        return expectation
    return clip(expectation + (1.0 - expectation) * (1.0 - (1.0 - rate) ** n_pos), 0.0, 1.0)
