"""Word of mouth and acquisition (prescription) as numba-compiled functions shared by both engines.

``talks_today`` is who speaks, ``deliver_wom`` carries the messages over the network and
``heard_messages`` counts what one person heard (``message_probability`` is the chance one
message convinces). ``adoption_hazard`` is the Bass/Goldenberg hazard of a prospect who heard
``n_pos`` positive and ``n_neg`` negative messages today, ``referral_share`` splits an adoption
between marketing and word of mouth, ``consider_adoption`` applies both; ``wom_bond`` and
``hype`` are the attitude changes of those who hear WOM, applied by ``hear_wom``.
``pick_referrer`` names the customer a referral acquisition is attributed to (observation only:
nothing in the model reads it). Equations and references: ``docs/model.md``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from cxsim.kernels.behaviour import DETRACTOR, PROMOTER, clip, ltr_answer, ltr_score, nps_class
from cxsim.kernels.codes import CHURNED, CUSTOMER, PROSPECT, VIA_MARKETING, VIA_REFERRAL
from cxsim.kernels.groups import Market
from cxsim.rng import STREAM_ADOPTION, STREAM_REFERRER, STREAM_TALK, uniform

__all__ = [
    "adoption_draw",
    "adoption_hazard",
    "consider_adoption",
    "deliver_wom",
    "hear_wom",
    "heard_by_everyone",
    "heard_messages",
    "hype",
    "may_adopt",
    "message_probability",
    "pick_referrer",
    "positive_talkers",
    "referral_share",
    "talks_today",
    "tell_neighbours",
    "wom_bond",
    "wom_reaches",
]

# NOTE: the per-person functions are inline="always" and take scalars and arrays (Market holds
# scalars only): they run once per person per day inside the vector engine's loops, where a
# call taking a named tuple of arrays pays reference counting for each array.


def message_probability(q_wom: float, size: int, mean_degree: float) -> float:
    """Chance that one positive message convinces a prospect: ``q_wom`` spread over the mean
    number of contacts, so the market-level imitation coefficient is ``q_wom`` whatever the
    network (Bass q with complete mixing, ``mean_degree = N − 1``). No one to talk to: 0."""
    return q_wom / mean_degree if size > 1 else 0.0


@njit(cache=True, inline="always")
def talks_today(seed: int, i: int, day: int, status: int, ltr: int, market: Market) -> int:
    """Today's word of mouth of person ``i``: +1 praise, -1 warning, 0 silence.

    Only customers talk: promoters praise with ``p_talk_promoter``, detractors warn with
    ``p_talk_detractor``, passives are silent; with ``talk_all`` every customer praises with
    ``p_talk_promoter`` (the mean-field Bass case).
    """
    if status != CUSTOMER:
        return 0
    if market.talk_all:
        return 1 if uniform(seed, STREAM_TALK, i, day, 0) < market.p_talk_promoter else 0
    cls = nps_class(ltr)
    # NOTE: passives never talk, so their draw is skipped; draws are keyed, nothing shifts.
    if cls == PROMOTER:
        return 1 if uniform(seed, STREAM_TALK, i, day, 0) < market.p_talk_promoter else 0
    if cls == DETRACTOR and uniform(seed, STREAM_TALK, i, day, 0) < market.p_talk_detractor:
        return -1
    return 0


@njit(cache=True, inline="always")
def tell_neighbours(i: int, t: int, indptr: np.ndarray, indices: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> int:
    """Talker ``i`` (today's talk ``t``: +1 or -1) tells each neighbour once: one message more in
    ``pos`` or ``neg`` for each of them. Returns the messages sent."""
    lo, hi = indptr[i], indptr[i + 1]
    target = pos if t > 0 else neg
    for e in range(lo, hi):
        target[indices[e]] += 1
    return hi - lo


@njit(cache=True)
def deliver_wom(
    talk: np.ndarray, complete: bool, indptr: np.ndarray, indices: np.ndarray, pos: np.ndarray, neg: np.ndarray
) -> tuple[int, int, int, int]:
    """Today's messages: every talker tells each neighbour once (CSR network ``indptr``,
    ``indices``); ``pos`` and ``neg`` receive the counts per listener. With complete mixing
    everyone hears everyone else and the counts are left to :func:`heard_messages`.

    Returns:
        ``(positive talkers, negative talkers, positive messages, negative messages)``.
    """
    n = talk.shape[0]
    talkers_pos = 0
    talkers_neg = 0
    sent_pos = 0
    sent_neg = 0
    if not complete:
        pos[:] = 0
        neg[:] = 0
    for i in range(n):
        t = talk[i]
        if t == 0:
            continue
        if t > 0:
            talkers_pos += 1
        else:
            talkers_neg += 1
        if complete:
            continue
        sent = tell_neighbours(i, t, indptr, indices, pos, neg)
        if t > 0:
            sent_pos += sent
        else:
            sent_neg += sent
    if complete:
        return talkers_pos, talkers_neg, talkers_pos * (n - 1), talkers_neg * (n - 1)
    return talkers_pos, talkers_neg, sent_pos, sent_neg


@njit(cache=True, inline="always")
def heard_messages(
    i: int, complete: bool, talkers_pos: int, talkers_neg: int, talk: np.ndarray, pos: np.ndarray, neg: np.ndarray
) -> tuple[int, int]:
    """Positive and negative messages person ``i`` heard today (see :class:`~cxsim.kernels.groups.Heard`);
    with complete mixing, every talker but oneself."""
    if complete:
        me = talk[i]
        return talkers_pos - (1 if me > 0 else 0), talkers_neg - (1 if me < 0 else 0)
    return pos[i], neg[i]


@njit(cache=True)
def heard_by_everyone(
    complete: bool,
    talkers_pos: int,
    talkers_neg: int,
    talk: np.ndarray,
    pos: np.ndarray,
    neg: np.ndarray,
    heard_pos: np.ndarray,
    heard_neg: np.ndarray,
) -> None:
    """:func:`heard_messages` of every person into ``heard_pos`` and ``heard_neg`` (for an engine
    that asks person by person from Python, where one call per person costs more than this)."""
    for i in range(talk.shape[0]):
        n_pos, n_neg = heard_messages(i, complete, talkers_pos, talkers_neg, talk, pos, neg)
        heard_pos[i] = n_pos
        heard_neg[i] = n_neg


@njit(cache=True, inline="always")
def wom_reaches(status: int, n_pos: int, n_neg: int) -> bool:
    """WOM moves the attitudes of a prospect or customer who heard at least one message."""
    return status != CHURNED and (n_pos > 0 or n_neg > 0)


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


@njit(cache=True, inline="always")
def adoption_draw(seed: int, i: int, day: int) -> float:
    """Prospect ``i``'s adoption draw of ``day``: they adopt when it falls under their hazard."""
    return uniform(seed, STREAM_ADOPTION, i, day, 0)


@njit(cache=True, inline="always")
def may_adopt(u: float, status: int, n_pos: int, market: Market) -> bool:
    """False only where :func:`consider_adoption` does not adopt, given today's draw ``u``
    (:func:`adoption_draw`): a prospect who heard no praise has a hazard of at most
    ``p_marketing`` (:func:`adoption_hazard`: ``p + (1−p)·0``, times a suppression factor ≤ 1),
    so a draw at or above it cannot adopt. An exact shortcut for an engine (the same draw, the
    same decision), not a rule; True whenever praise was heard. Without branches, so that an
    engine's loop over everyone vectorises."""
    s = market.suppression
    return (status == PROSPECT) & ((n_pos > 0) | (s < 0.0) | (s > 1.0) | (u < market.p_marketing))


@njit(cache=True, inline="always")
def consider_adoption(
    seed: int,
    i: int,
    day: int,
    status: int,
    n_pos: int,
    n_neg: int,
    satisfaction: float,
    bond: float,
    onboarding: int,
    market: Market,
    params: np.ndarray,
) -> tuple[bool, int, bool, int]:
    """Whether prospect ``i`` adopts today, by marketing or by referral.

    Returns:
        ``(adopted, acquired_via, pending_onboarding, ltr_answer)``: a new customer starts the
        ``onboarding`` journey (if there is one) the next day, and their likelihood to recommend
        comes from the attitudes they bring. The last three mean nothing when not adopted.
    """
    if status != PROSPECT:
        return False, 0, False, 0
    h = adoption_hazard(market.p_marketing, market.q_message, n_pos, n_neg, market.suppression)
    if adoption_draw(seed, i, day) >= h:
        return False, 0, False, 0
    share = referral_share(market.p_marketing, market.q_message, n_pos)
    via = VIA_REFERRAL if uniform(seed, STREAM_ADOPTION, i, day, 1) < share else VIA_MARKETING
    return True, via, onboarding >= 0, ltr_answer(ltr_score(satisfaction, bond, params))


@njit(cache=True, inline="always")
def hear_wom(
    status: int,
    n_pos: int,
    n_neg: int,
    satisfaction: float,
    bond: float,
    ltr: int,
    expectation: np.ndarray,
    market: Market,
    params: np.ndarray,
) -> tuple[float, int]:
    """Attitudes after hearing WOM (of someone it reaches, see :func:`wom_reaches`): a
    customer's bond (and so likelihood to recommend) moves, a prospect's expectations rise with
    praise (hype, updated in place).

    Returns:
        ``(bond, ltr_answer)``.
    """
    if status == CUSTOMER:
        b = wom_bond(bond, n_pos, n_neg, market.bond_gain, market.bond_loss)
        return b, ltr_answer(ltr_score(satisfaction, b, params))
    for d in range(expectation.shape[0]):
        expectation[d] = hype(expectation[d], n_pos, market.hype)
    return bond, ltr


@njit(cache=True)
def positive_talkers(talk: np.ndarray) -> np.ndarray:
    """Today's praising talkers in person-index order (what :func:`pick_referrer` draws from
    under complete mixing, where nobody's listeners are stored)."""
    n = 0
    for i in range(talk.shape[0]):
        if talk[i] > 0:
            n += 1
    out = np.empty(n, dtype=np.int64)
    n = 0
    for i in range(talk.shape[0]):
        if talk[i] > 0:
            out[n] = i
            n += 1
    return out


@njit(cache=True, inline="always")
def pick_referrer(
    seed: int,
    i: int,
    day: int,
    n_pos: int,
    complete: bool,
    indptr: np.ndarray,
    indices: np.ndarray,
    talk: np.ndarray,
    talkers: np.ndarray,
) -> int:
    """The referrer of person ``i``, acquired by referral today: one of the ``n_pos`` positive
    messages ``i`` heard, each as likely (a keyed draw, ``REFERRER`` stream), so a talker is
    chosen in proportion to the messages they sent ``i``. On a network the messages are ``i``'s
    praising neighbours in CSR order; under complete mixing every praising talker but ``i``
    (``talkers``, from :func:`positive_talkers`). -1 if ``i`` heard no praise."""
    if n_pos <= 0:
        return -1
    m = int(uniform(seed, STREAM_REFERRER, i, day, 0) * n_pos)
    if m >= n_pos:
        m = n_pos - 1
    if complete:
        # NOTE: talkers is sorted; skipping i (if i talked) shifts the m-th message by one
        return talkers[m + 1] if talkers[m] >= i and talk[i] > 0 else talkers[m]
    c = 0
    for e in range(indptr[i], indptr[i + 1]):
        j = indices[e]
        if talk[j] > 0:
            if c == m:
                return j
            c += 1
    return -1
