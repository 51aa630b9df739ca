"""The compiled model as named tuples of arrays: what the vector engine's phases take.

``Segments``, ``Touchpoints``, ``Steps``, ``Journeys``, ``Rules`` and ``Market`` group the
arrays and scalars of :class:`cxsim.spec.ModelSpec` that travel together (built once per run as
``ModelSpec.segments`` and so on), so a phase takes ``tps`` instead of thirteen touchpoint
arrays. ``Heard`` is one day's word of mouth as listeners read it, ``Visits`` one day's
contacts (both engines build it for the tallies), ``Totals`` the per-touchpoint statistics of a
run. They are numba-compatible (``typing.NamedTuple``). The per-person kernels take the arrays
themselves, not these tuples: see the NOTE in :mod:`cxsim.engines.vector`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "Journeys",
    "Market",
    "ReferralState",
    "Rules",
    "Segments",
    "Steps",
    "Survey",
    "Totals",
    "Touchpoints",
    "Visits",
    "new_totals",
    "new_visits",
    "reset_totals",
]


class Segments(NamedTuple):
    """Per-segment parameters (index = segment)."""

    cum_share: np.ndarray  # (S,) cumulative population shares, last == 1
    expectations: np.ndarray  # (S, 3) mean initial expectation per dimension, [0, 1]
    expectation_sd: np.ndarray  # (S,)
    initial_satisfaction: np.ndarray  # (S,)
    initial_bond: np.ndarray  # (S,)
    attitude_sd: np.ndarray  # (S,)
    patience_mean: np.ndarray  # (S, T) minutes: segment's patience x touchpoint's patience factor
    channel_preference: np.ndarray  # (S, C) weights
    journey_rate: np.ndarray  # (S, J) daily probability of a rate-triggered journey
    churn_multiplier: np.ndarray  # (S,)


class Touchpoints(NamedTuple):
    """Per-touchpoint parameters (index = touchpoint)."""

    channel: np.ndarray  # (T,) channel index
    staffed: np.ndarray  # (T,) bool
    servers: np.ndarray  # (T,) servers on duty (with a schedule: the most at once)
    dist: np.ndarray  # (T,) DIST_* code
    mean: np.ndarray  # (T,) mean service minutes
    cv: np.ndarray  # (T,)
    open: np.ndarray  # (T,) opening minute of the day
    close: np.ndarray  # (T,) closing minute of the day
    prof_n: np.ndarray  # (T,) intervals of the arrival profile (0: uniform over the opening hours)
    prof_edges: np.ndarray  # (T, Kmax + 1) interval edges, minutes of the day
    prof_cum: np.ndarray  # (T, Kmax + 1) cumulative share of the day's arrivals at each edge
    sched_n: np.ndarray  # (T,) intervals of the server schedule (0: `servers` all day)
    sched_edges: np.ndarray  # (T, Kmax) minute each interval of the schedule starts
    sched: np.ndarray  # (T, Kmax) servers on duty in each interval
    open_wd: np.ndarray  # (T, 7) opening minute per weekday (Monday first); == close_wd: closed
    close_wd: np.ndarray  # (T, 7) closing minute per weekday
    prof_edges_wd: np.ndarray  # (T, 7, Kmax + 1) prof_edges clipped to each weekday's hours
    prof_cum_wd: np.ndarray  # (T, 7, Kmax + 1) cumulative share of that weekday's arrivals
    sched_n_wd: np.ndarray  # (T, 7) intervals of the schedule inside each weekday's hours
    sched_edges_wd: np.ndarray  # (T, 7, Kmax) minute each of them starts
    sched_wd: np.ndarray  # (T, 7, Kmax) servers on duty in each of them
    quality: np.ndarray  # (T, 3) performance per dimension
    kano: np.ndarray  # (T,) KANO_* code
    p_resolve: np.ndarray  # (T,)
    p_wow: np.ndarray  # (T,)
    cost: np.ndarray  # (T,) per contact


class Steps(NamedTuple):
    """Journey steps of all journeys in one global index."""

    touchpoints: np.ndarray  # (K, maxT) touchpoint indices, -1 padded
    n_touchpoints: np.ndarray  # (K,)
    next: np.ndarray  # (K, 3) target by OUTCOME_* (a step index or NEXT_*)
    delay: np.ndarray  # (K,) days before the step is due
    weight: np.ndarray  # (K,) weight in the journey memory
    wow_extra: np.ndarray  # (K,) extra wow probability


class Journeys(NamedTuple):
    """How journeys start."""

    trigger: np.ndarray  # (J,) TRIGGER_* code
    first_step: np.ndarray  # (J,) global step index
    onboarding: int  # the acquisition-triggered journey, -1 if none
    weekday_factor: np.ndarray  # (7,) factor on rate-triggered start probabilities per weekday
    period: np.ndarray  # (J,) days between starts of a periodic journey, 0 for the others


class Rules(NamedTuple):
    """Behaviour around the contacts: channel switches, retries, memory."""

    params: np.ndarray  # packed behaviour parameters (cxsim.kernels.params)
    memory_rule: int  # MEMORY_* code
    shared_context: np.ndarray  # (C, C) bool, True on the diagonal
    p_switch: float  # probability a retry switches channel
    silo_penalty: float  # relative loss of resolution after a switch without shared context
    silo_time: float  # service-time factor after such a switch
    retry_delay: int  # days
    max_contacts: int  # contacts before a journey is given up


class Market(NamedTuple):
    """Word of mouth and acquisition."""

    talk_all: bool  # every customer talks (positively), not only promoters and detractors
    p_talk_promoter: float  # daily
    p_talk_detractor: float  # daily
    p_marketing: float  # daily adoption chance from marketing
    q_message: float  # adoption chance per positive message (see message_probability)
    suppression: float  # relative damping per negative message
    bond_gain: float  # per positive message
    bond_loss: float  # per negative message
    hype: float  # expectation rise per positive message


class Survey(NamedTuple):
    """The voice-of-the-customer programme (observation only; see ``cxsim.kernels.voc``)."""

    tx_p_invite: float  # transactional: invitation probability after a journey ends
    tx_journey: np.ndarray  # (J,) bool: journey types the transactional survey follows
    tx_touchpoint: np.ndarray  # (T,) bool: last-contact touchpoints it follows
    rel_period: int  # relationship: days between waves
    rel_p_invite: float  # relationship: invitation probability per active customer and wave
    response: np.ndarray  # (3,) response probability of a detractor, a passive, a promoter (true class)
    answer_sd: float  # points of noise around the true 0-10 answer


class ReferralState(NamedTuple):
    """Per-person arrays at the end of a run (index = person)."""

    segment: np.ndarray
    status: np.ndarray
    ltr: np.ndarray
    acquired_via: np.ndarray
    acquired_day: np.ndarray
    referred_by: np.ndarray  # -1: not acquired by referral
    left_day: np.ndarray  # 0: still a customer (or never one)


class Heard(NamedTuple):
    """Today's word of mouth as the listeners read it (see ``cxsim.kernels.wom.heard_messages``)."""

    complete: bool  # complete mixing: everyone hears every talker but themselves
    talkers_pos: int
    talkers_neg: int
    talk: np.ndarray  # (N,) int8 today's talk per person: +1, -1, 0
    pos: np.ndarray  # (N,) positive messages per listener (empty with complete mixing)
    neg: np.ndarray  # (N,) negative messages per listener


class Visits(NamedTuple):
    """Today's contacts, one entry per visitor in person-index order."""

    person: np.ndarray  # int64
    tp: np.ndarray  # int64 touchpoint
    step: np.ndarray  # int64 global step index
    switched: np.ndarray  # bool: channel switch without shared context
    arrival: np.ndarray  # minute of the day
    service: np.ndarray  # minutes
    patience: np.ndarray  # minutes
    wait: np.ndarray  # minutes in the queue
    abandoned: np.ndarray  # bool
    resolved: np.ndarray  # bool
    wow: np.ndarray  # bool
    value: np.ndarray  # moment value
    ces: np.ndarray  # CES score
    target: np.ndarray  # int64 where the journey went: a step, NEXT_RETRY, NEXT_DONE or NEXT_GIVE_UP


def new_visits(n: int) -> Visits:
    """Storage for ``n`` visits (values to be filled in by the phases)."""
    i64, b = np.int64, np.bool_
    return Visits(
        person=np.empty(n, dtype=i64),
        tp=np.empty(n, dtype=i64),
        step=np.empty(n, dtype=i64),
        switched=np.zeros(n, dtype=b),
        arrival=np.empty(n),
        service=np.empty(n),
        patience=np.empty(n),
        wait=np.zeros(n),
        abandoned=np.zeros(n, dtype=b),
        resolved=np.zeros(n, dtype=b),
        wow=np.zeros(n, dtype=b),
        value=np.empty(n),
        ces=np.empty(n),
        target=np.empty(n, dtype=i64),
    )


class Totals(NamedTuple):
    """Per-touchpoint statistics accumulated over a run (arrays indexed by touchpoint)."""

    visits: np.ndarray
    served: np.ndarray
    abandoned: np.ndarray
    resolved: np.ndarray
    wows: np.ndarray
    staffed_visits: np.ndarray
    within_target: np.ndarray
    wait_sum: np.ndarray
    moment_sum: np.ndarray
    contact_cost: np.ndarray
    step_visits: np.ndarray  # (steps, touchpoints)
    step_resolved: np.ndarray
    step_abandoned: np.ndarray
    step_switched: np.ndarray  # contacts that came through a channel switch without shared context
    step_retried: np.ndarray  # unresolved or abandoned contacts after which the step is tried again
    step_gave_up: np.ndarray  # contacts after which the journey was given up
    busy_min: np.ndarray  # (touchpoints,) minutes of service given (served contacts' service times)


def new_totals(n_touchpoints: int, n_steps: int) -> Totals:
    """Zeroed totals for a run."""

    def ints() -> np.ndarray:
        return np.zeros(n_touchpoints, dtype=np.int64)

    def by_step() -> np.ndarray:
        return np.zeros((n_steps, n_touchpoints), dtype=np.int64)

    return Totals(
        visits=ints(),
        served=ints(),
        abandoned=ints(),
        resolved=ints(),
        wows=ints(),
        staffed_visits=ints(),
        within_target=ints(),
        wait_sum=np.zeros(n_touchpoints),
        moment_sum=np.zeros(n_touchpoints),
        contact_cost=np.zeros(n_touchpoints),
        step_visits=by_step(),
        step_resolved=by_step(),
        step_abandoned=by_step(),
        step_switched=by_step(),
        step_retried=by_step(),
        step_gave_up=by_step(),
        busy_min=np.zeros(n_touchpoints),
    )


def reset_totals(totals: Totals) -> None:
    """Zero every total in place (end of the warm-up): the engines keep writing into the same arrays."""
    for values in totals:
        values[...] = 0
