"""Voice of the customer: who is surveyed, who answers and what they answer, shared by both engines.

A survey only observes. Its draws come from the ``VOC`` stream (:mod:`cxsim.rng`), keyed by
(person, day, survey), and nothing in the model reads what these functions return, so the
customers' trajectories are the same with and without surveys (``docs/model.md`` §3.10).

``survey_answer`` is one person's invitation, response (non-response bias: the probability
depends on the true NPS class) and noisy 0–10 answer; ``survey_journeys`` runs the transactional
survey over today's contacts that ended a journey, ``survey_customers`` a relationship wave over
the active customers. Both add into one day's tally: a ``(SURVEYS, TALLY_COLUMNS)`` array.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cxsim.kernels.behaviour import DETRACTOR, PROMOTER, ltr_answer, nps_class
from cxsim.kernels.codes import CUSTOMER, NEXT_DONE, NEXT_GIVE_UP
from cxsim.kernels.groups import Survey
from cxsim.rng import STREAM_VOC, normal, uniform

__all__ = [
    "NOT_ANSWERED",
    "NOT_INVITED",
    "SURVEYS",
    "SURVEY_RELATIONSHIP",
    "SURVEY_TRANSACTIONAL",
    "TALLY_COLUMNS",
    "new_tally",
    "survey_answer",
    "survey_customers",
    "survey_journeys",
]

SURVEY_TRANSACTIONAL = 0  # after a journey ends
SURVEY_RELATIONSHIP = 1  # periodic wave over the active customers
SURVEYS = ("transactional", "relationship")
NOT_INVITED = -2
NOT_ANSWERED = -1

# Columns of a day's tally (one row per survey). Counts are whole numbers held as float64.
TALLY_COLUMNS = (
    "invited",
    "responses",
    "promoters",  # by the answer given
    "passives",
    "detractors",
    "true_promoters",  # respondents by their true class (separates non-response bias from answer noise)
    "true_detractors",
    "rated_contacts",  # respondents who rate a last contact (transactional only)
    "satisfied",  # of those: last contact's moment value above the CSAT threshold
    "ces_sum",  # of those: sum and sum of squares of the last contact's CES score
    "ces_sq_sum",
)
_INVITED, _RESPONSES, _PROM, _PASS, _DET, _TRUE_PROM, _TRUE_DET, _RATED, _SAT, _CES, _CES2 = range(11)


def new_tally() -> np.ndarray:
    """A zeroed day's tally."""
    return np.zeros((len(SURVEYS), len(TALLY_COLUMNS)))


@njit(cache=True, inline="always")
def survey_answer(
    seed: int, i: int, day: int, survey: int, ltr: int, p_invite: float, response: np.ndarray, answer_sd: float
) -> int:
    """Person ``i``'s part in today's ``survey``: ``NOT_INVITED``, ``NOT_ANSWERED`` or the 0–10 answer.

    Invited with ``p_invite``; answers with ``response[class + 1]`` (detractor, passive, promoter
    by the true answer ``ltr``); the answer is ``ltr`` plus normal noise of sd ``answer_sd``,
    rounded half up and limited to 0–10.
    """
    k = 3 * survey
    if uniform(seed, STREAM_VOC, i, day, k) >= p_invite:
        return NOT_INVITED
    if uniform(seed, STREAM_VOC, i, day, k + 1) >= response[nps_class(ltr) + 1]:
        return NOT_ANSWERED
    if answer_sd <= 0.0:
        return ltr
    return ltr_answer(ltr + answer_sd * normal(seed, STREAM_VOC, i, day, k + 2))


@njit(cache=True, inline="always")
def _count(tally: np.ndarray, survey: int, answer: int, ltr: int) -> bool:
    """Add one invitation (and its answer, if any) to the tally; True if answered."""
    if answer == NOT_INVITED:
        return False
    tally[survey, _INVITED] += 1.0
    if answer < 0:
        return False
    tally[survey, _RESPONSES] += 1.0
    cls = nps_class(answer)
    tally[survey, _PROM if cls == PROMOTER else (_DET if cls == DETRACTOR else _PASS)] += 1.0
    true_cls = nps_class(ltr)
    if true_cls == PROMOTER:
        tally[survey, _TRUE_PROM] += 1.0
    elif true_cls == DETRACTOR:
        tally[survey, _TRUE_DET] += 1.0
    return True


@njit(cache=True)
def survey_journeys(
    seed: int,
    day: int,
    person: np.ndarray,
    step: np.ndarray,
    tp: np.ndarray,
    target: np.ndarray,
    value: np.ndarray,
    ces: np.ndarray,
    ltr: np.ndarray,
    step_journey: np.ndarray,
    csat_threshold: float,
    survey: Survey,
    tally: np.ndarray,
) -> None:
    """The transactional survey after today's contacts that ended a journey (in person-index order).

    ``ltr[n]`` is contact ``n``'s customer's answer just after the journey was remembered; a
    respondent also rates the journey's last contact: satisfied when its moment value exceeds
    ``csat_threshold`` (the true CSAT's rule) and its CES score as their effort.
    """
    p_invite = survey.tx_p_invite
    if p_invite <= 0.0:
        return
    journeys = survey.tx_journey
    touchpoints = survey.tx_touchpoint
    response = survey.response
    sd = survey.answer_sd
    for n in range(person.shape[0]):
        t = target[n]
        if t != NEXT_DONE and t != NEXT_GIVE_UP:
            continue
        if not journeys[step_journey[step[n]]] or not touchpoints[tp[n]]:
            continue
        answer = survey_answer(seed, person[n], day, SURVEY_TRANSACTIONAL, ltr[n], p_invite, response, sd)
        if _count(tally, SURVEY_TRANSACTIONAL, answer, ltr[n]):
            tally[SURVEY_TRANSACTIONAL, _RATED] += 1.0
            if value[n] > csat_threshold:
                tally[SURVEY_TRANSACTIONAL, _SAT] += 1.0
            tally[SURVEY_TRANSACTIONAL, _CES] += ces[n]
            tally[SURVEY_TRANSACTIONAL, _CES2] += ces[n] * ces[n]


@njit(cache=True)
def survey_customers(
    seed: int, day: int, status: np.ndarray, ltr: np.ndarray, survey: Survey, tally: np.ndarray
) -> None:
    """A relationship wave on days that are multiples of the period: every active customer (at
    the end of the day) is invited with ``rel_p_invite``; answers as :func:`survey_answer`."""
    p_invite = survey.rel_p_invite
    if p_invite <= 0.0 or day % survey.rel_period != 0:
        return
    response = survey.response
    sd = survey.answer_sd
    for i in range(status.shape[0]):
        if status[i] != CUSTOMER:
            continue
        answer = survey_answer(seed, i, day, SURVEY_RELATIONSHIP, ltr[i], p_invite, response, sd)
        _count(tally, SURVEY_RELATIONSHIP, answer, ltr[i])
