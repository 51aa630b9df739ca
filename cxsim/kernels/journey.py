"""Journey mechanics as numba-compiled functions shared by both engines.

One function per rule, in the order of a day (arguments are scalars and arrays, never the
grouped named tuples: a call that takes a tuple of arrays pays reference counting for each of
them, per person and day): ``journey_to_start`` (what starts a journey) and
``start_journey`` (its fresh state), ``visits_today`` (whose step is due), ``plan_visit``
(``choose_touchpoint``, ``channel_switched``, ``touchpoint_arrival``, ``service_time``, patience),
``conclude_service`` (``resolve_chance``, ``wow_chance``), ``experience_contact`` (effort,
moment value, memory), ``contact_outcome`` and ``advance_journey`` (``next_target``: retry,
next step, due day) and ``finish_journey`` (``end_of_journey``: the remembered journey turned
into satisfaction, bond, expectations, likelihood-to-recommend and failures). Everything random
is a keyed draw (:mod:`cxsim.rng`); equations and references are in ``docs/model.md``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cxsim.kernels.behaviour import (
    adapt_expectation,
    ces_score,
    decayed_failures,
    effort_score,
    journey_value,
    ltr_answer,
    ltr_score,
    memory_add,
    moment_value,
    remembered_value,
    update_bond,
    update_satisfaction,
)
from cxsim.kernels.codes import (
    CUSTOMER,
    DIST_EXPONENTIAL,
    DIST_LOGNORMAL,
    NEXT_DONE,
    NEXT_GIVE_UP,
    NEXT_RETRY,
    OUTCOME_ABANDONED,
    OUTCOME_RESOLVED,
    OUTCOME_UNRESOLVED,
    TRIGGER_PERIODIC,
    TRIGGER_RATE,
)
from cxsim.kernels.params import EXP_RATE
from cxsim.kernels.week import weekday_rate
from cxsim.rng import (
    STREAM_ARRIVAL,
    STREAM_CHOICE,
    STREAM_INIT_PHASE,
    STREAM_PATIENCE,
    STREAM_RESOLVE,
    STREAM_SERVICE,
    STREAM_TRIGGER,
    STREAM_WOW,
    exponential,
    lognormal,
    uniform,
)

__all__ = [
    "advance_journey",
    "arrival_minute",
    "channel_switched",
    "choose_touchpoint",
    "conclude_service",
    "contact_outcome",
    "end_of_journey",
    "experience_contact",
    "finish_journey",
    "journey_ends",
    "journey_to_start",
    "may_start",
    "next_target",
    "periodic_due",
    "periodic_phase",
    "plan_visit",
    "profile_minute",
    "rate_fires",
    "resolve_chance",
    "service_time",
    "start_journey",
    "touchpoint_arrival",
    "trigger_draw",
    "visits_today",
    "wow_chance",
]


@njit(cache=True, inline="always")
def journey_to_start(
    seed: int,
    i: int,
    day: int,
    status: int,
    journey: int,
    segment: int,
    pending_onboarding: bool,
    trigger: np.ndarray,
    onboarding: int,
    journey_rate: np.ndarray,
    day_factor: float,
    period: np.ndarray,
) -> int:
    """The journey person ``i`` starts today, or -1: a customer not on a journey starts the
    ``onboarding`` journey if acquired since the last day, else the first journey in order
    (``trigger``) that is due today: a periodic one on its due day (:func:`periodic_due`,
    ``period`` in days), a rate-triggered one when its daily draw falls under the segment's
    ``journey_rate`` times today's weekday factor ``day_factor``
    (:func:`~cxsim.kernels.week.weekday_rate`). A periodic journey due while the customer is busy
    is skipped until its next due day."""
    if status != CUSTOMER or journey >= 0:
        return -1
    if pending_onboarding:
        return onboarding
    for j in range(trigger.shape[0]):
        if trigger[j] == TRIGGER_PERIODIC:
            if periodic_due(seed, i, day, j, period[j]):
                return j
            continue
        if trigger[j] != TRIGGER_RATE:
            continue
        if rate_fires(seed, i, day, j, journey_rate[segment, j], day_factor):
            return j
    return -1


@njit(cache=True, inline="always")
def rate_fires(seed: int, i: int, day: int, j: int, rate: float, day_factor: float) -> bool:
    """Rate-triggered journey ``j`` fires for person ``i`` today: its daily draw falls under the
    segment's ``rate`` times the weekday's ``day_factor`` (:func:`~cxsim.kernels.week.weekday_rate`)."""
    return trigger_draw(seed, i, day, j) < weekday_rate(rate, day_factor)


@njit(cache=True, inline="always")
def trigger_draw(seed: int, i: int, day: int, j: int) -> float:
    """Person ``i``'s draw of ``day`` for rate-triggered journey ``j`` (:func:`rate_fires`)."""
    return uniform(seed, STREAM_TRIGGER, i, day, j)


@njit(cache=True, inline="always")
def may_start(status: int, journey: int, pending_onboarding: bool) -> bool:
    """Who :func:`journey_to_start` can start today before looking at any journey's trigger: a
    customer on no journey who is owed their onboarding journey (True), or not (then one of
    :func:`periodic_due` or :func:`rate_fires` must hold for some journey). Without branches, so
    that an engine's loop over everyone vectorises."""
    return (status == CUSTOMER) & (journey < 0) & pending_onboarding


@njit(cache=True, inline="always")
def periodic_phase(seed: int, i: int, j: int, period: int) -> int:
    """Person ``i``'s day offset in ``[0, period)`` for periodic journey ``j``: one keyed draw
    (day 0), so it never changes during a run and is shared by every design of a comparison."""
    phase = int(uniform(seed, STREAM_INIT_PHASE, i, 0, j) * period)
    # NOTE: u < 1 but u * period can round up to period when period is not a power of two.
    return min(phase, period - 1)


@njit(cache=True, inline="always")
def periodic_due(seed: int, i: int, day: int, j: int, period: int) -> bool:
    """Periodic journey ``j`` is due for person ``i`` on days where ``(day + phase) % period == 0``."""
    return (day + periodic_phase(seed, i, j, period)) % period == 0


@njit(cache=True, inline="always")
def start_journey(
    journey: int, day: int, first_step: np.ndarray, memory: np.ndarray, perf: np.ndarray, row: int
) -> tuple[int, int, int, bool, int, int]:
    """A fresh journey: clears ``memory[row]`` and ``perf[row]`` (see :func:`experience_contact`).

    Returns:
        ``(step, due_day, contacts, retrying, last_tp, last_channel)``: the first step, due today.
    """
    for k in range(memory.shape[1]):
        memory[row, k] = 0.0
    for d in range(perf.shape[1]):
        perf[row, d] = 0.0
    return first_step[journey], day, 0, False, -1, -1


@njit(cache=True, inline="always")
def visits_today(day: int, status: int, journey: int, due_day: int) -> bool:
    """A customer on a journey whose step is due today makes a contact."""
    return status == CUSTOMER and journey >= 0 and due_day == day


@njit(cache=True, inline="always")
def channel_switched(last_channel: int, channel: int, shared_context: np.ndarray) -> bool:
    """The contact follows one in a channel that shares no context with this one."""
    return last_channel >= 0 and not shared_context[last_channel, channel]


@njit(cache=True, inline="always")
def arrival_minute(open_min: float, close_min: float, u: float) -> float:
    """Arrival minute, uniform within the touchpoint's opening hours."""
    return open_min + u * (close_min - open_min)


@njit(cache=True)
def profile_minute(u: float, edges: np.ndarray, cum: np.ndarray, n: int) -> float:
    """Arrival minute drawn from a piecewise-constant density by inversion: interval ``k`` spans
    ``[edges[k], edges[k + 1])`` and holds the share ``cum[k + 1] - cum[k]`` of the day's arrivals
    (``cum[0] == 0``, ``cum[n] == 1``); ``u`` in [0, 1). Intervals of weight 0 get no arrivals."""
    k = 0
    while k < n - 1 and u >= cum[k + 1]:
        k += 1
    lo = cum[k]
    share = cum[k + 1] - lo
    if share <= 0.0:  # u at or above the last positive interval's upper edge (rounding)
        return edges[k]
    x = edges[k] + (u - lo) / share * (edges[k + 1] - edges[k])
    if x >= edges[k + 1]:
        x = edges[k]
    return x


@njit(cache=True, inline="always")
def touchpoint_arrival(
    tp: int,
    wd: int,
    open_wd: np.ndarray,
    close_wd: np.ndarray,
    prof_n: np.ndarray,
    edges_wd: np.ndarray,
    cum_wd: np.ndarray,
    u: float,
) -> float:
    """Arrival minute at touchpoint ``tp`` on weekday ``wd``: from its arrival profile cut to that
    day's hours (``prof_n[tp]`` intervals, see :func:`profile_minute`) or, without one, uniform
    within that day's opening hours."""
    if prof_n[tp] == 0:
        return arrival_minute(open_wd[tp, wd], close_wd[tp, wd], u)
    return profile_minute(u, edges_wd[tp, wd], cum_wd[tp, wd], prof_n[tp])


@njit(cache=True)
def _pick(
    tps: np.ndarray, ntp: int, pref: np.ndarray, tp_channel: np.ndarray, open_today: np.ndarray, exclude: int, u: float
) -> int:
    total = 0.0
    for n in range(ntp):
        t = tps[n]
        if t != exclude and open_today[t]:
            total += pref[tp_channel[t]]
    if total <= 0.0:
        return -1
    target = u * total
    acc = 0.0
    last = -1
    for n in range(ntp):
        t = tps[n]
        if t == exclude or not open_today[t]:
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
    open_today: np.ndarray,
    last_tp: int,
    retrying: bool,
    u_switch: float,
    u_choice: float,
    p_switch: float,
) -> int:
    """Touchpoint for a step among those open today (``open_today``, by touchpoint): a retry stays
    where it was unless the customer switches channel (probability ``p_switch``, among the step's
    other open touchpoints) or that touchpoint is closed today; otherwise the choice is
    proportional to the segment's preference for each touchpoint's channel. -1 when no open
    touchpoint has a preferred channel (see :func:`~cxsim.kernels.week.step_is_open`)."""
    if retrying and last_tp >= 0 and open_today[last_tp]:
        if ntp > 1 and u_switch < p_switch:
            t = _pick(tps, ntp, pref, tp_channel, open_today, last_tp, u_choice)
            if t >= 0:
                return t
        for n in range(ntp):
            if tps[n] == last_tp:
                return last_tp
    return _pick(tps, ntp, pref, tp_channel, open_today, -1, u_choice)


@njit(cache=True)
def service_time(dist: int, mean: float, cv: float, seed: int, person: int, day: int, factor: float) -> float:
    """Minutes a contact takes (exponential, lognormal or fixed), times ``factor``."""
    if dist == DIST_EXPONENTIAL:
        s = exponential(seed, STREAM_SERVICE, person, day, 0, mean)
    elif dist == DIST_LOGNORMAL:
        s = lognormal(seed, STREAM_SERVICE, person, day, 0, mean, cv)
    else:
        s = mean
    return s * factor


@njit(cache=True)
def next_target(step_next: np.ndarray, step: int, outcome: int, contacts: int, max_contacts: int) -> int:
    """Where the journey goes after a contact: a step index, or NEXT_DONE / NEXT_GIVE_UP /
    NEXT_RETRY. A journey not done after ``max_contacts`` contacts is given up."""
    target = step_next[step, outcome]
    if target == NEXT_DONE:
        return target
    if contacts >= max_contacts:
        return NEXT_GIVE_UP
    return target


@njit(cache=True, inline="always")
def plan_visit(
    seed: int,
    i: int,
    day: int,
    wd: int,
    open_today: np.ndarray,
    last_tp: int,
    last_channel: int,
    retrying: bool,
    step_tps: np.ndarray,
    step_n_tps: int,
    preference: np.ndarray,
    patience_mean: np.ndarray,
    tp_channel: np.ndarray,
    tp_open_wd: np.ndarray,
    tp_close_wd: np.ndarray,
    tp_prof_n: np.ndarray,
    tp_prof_edges_wd: np.ndarray,
    tp_prof_cum_wd: np.ndarray,
    tp_dist: np.ndarray,
    tp_mean: np.ndarray,
    tp_cv: np.ndarray,
    shared_context: np.ndarray,
    p_switch: float,
    silo_time: float,
) -> tuple[int, bool, float, float, float]:
    """Where and when person ``i`` makes today's contact (weekday ``wd``; ``open_today`` by
    touchpoint, see :func:`~cxsim.kernels.week.open_today`) for a step offering ``step_tps`` (the
    first ``step_n_tps``, one of them open: :func:`~cxsim.kernels.week.step_is_open`);
    ``preference`` and ``patience_mean`` (by touchpoint) are their segment's.

    Returns:
        ``(touchpoint, switched, arrival, service, patience)``: ``switched`` is a channel switch
        without shared context (service takes ``silo_time`` times longer); minutes of the day.
    """
    tp = choose_touchpoint(
        step_tps,
        step_n_tps,
        preference,
        tp_channel,
        open_today,
        last_tp,
        retrying,
        uniform(seed, STREAM_CHOICE, i, day, 0),
        uniform(seed, STREAM_CHOICE, i, day, 1),
        p_switch,
    )
    switched = channel_switched(last_channel, tp_channel[tp], shared_context)
    u_arrival = uniform(seed, STREAM_ARRIVAL, i, day, 0)
    arrival = touchpoint_arrival(
        tp, wd, tp_open_wd, tp_close_wd, tp_prof_n, tp_prof_edges_wd, tp_prof_cum_wd, u_arrival
    )
    factor = silo_time if switched else 1.0
    service = service_time(tp_dist[tp], tp_mean[tp], tp_cv[tp], seed, i, day, factor)
    patience = exponential(seed, STREAM_PATIENCE, i, day, 0, patience_mean[tp])
    return tp, switched, arrival, service, patience


@njit(cache=True, inline="always")
def resolve_chance(p_resolve: float, switched: bool, silo_penalty: float) -> float:
    """Chance a served contact resolves the need; a switch without shared context costs
    ``silo_penalty`` of it (the customer repeats themselves to someone who cannot see why)."""
    if switched:
        return p_resolve * (1.0 - silo_penalty)
    return p_resolve


@njit(cache=True, inline="always")
def wow_chance(tp_p_wow: float, step_wow_extra: float) -> float:
    """Chance of a wow moment: the touchpoint's, plus the step's designed extra."""
    return tp_p_wow + step_wow_extra


@njit(cache=True, inline="always")
def conclude_service(
    seed: int,
    i: int,
    day: int,
    switched: bool,
    abandoned: bool,
    p_resolve: float,
    p_wow: float,
    step_wow_extra: float,
    silo_penalty: float,
) -> tuple[bool, bool]:
    """``(resolved, wow)`` of a contact after the queues ran: an abandoned contact is neither.
    ``p_resolve`` and ``p_wow`` are the touchpoint's, ``step_wow_extra`` the step's."""
    p_res = resolve_chance(p_resolve, switched, silo_penalty)
    u_res = uniform(seed, STREAM_RESOLVE, i, day, 0)
    u_wow = uniform(seed, STREAM_WOW, i, day, 0)
    resolved = (not abandoned) and u_res < p_res
    wow = (not abandoned) and u_wow < wow_chance(p_wow, step_wow_extra)
    return resolved, wow


@njit(cache=True, inline="always")
def experience_contact(
    wait: float,
    patience_mean: float,
    contacts: int,
    switched: bool,
    abandoned: bool,
    resolved: bool,
    wow: bool,
    quality: np.ndarray,
    tp: int,
    kano: int,
    step_weight: float,
    expectation: np.ndarray,
    memory: np.ndarray,
    perf: np.ndarray,
    row: int,
    params: np.ndarray,
) -> tuple[float, float, int]:
    """One contact lived through at touchpoint ``tp`` (``quality``: (T, 3)) of Kano class
    ``kano``: its effort and moment value, added with ``step_weight`` to the journey memory
    (``memory[row]``: sum, weight, max, min, last) and to the perceived-performance sums
    (``perf[row]``), both updated in place; ``expectation[row]`` are the person's three.
    NOTE: a person's rows come as (array, row), not as a row view: a view per call costs
    reference counting in the engines' loops.

    Returns:
        ``(moment value, CES score, contacts so far)``.
    """
    effort = effort_score(wait, patience_mean, contacts, switched, abandoned, params)
    value, p0, p1, p2 = moment_value(
        quality[tp, 0],
        quality[tp, 1],
        quality[tp, 2],
        expectation[row, 0],
        expectation[row, 1],
        expectation[row, 2],
        kano,
        resolved,
        wow,
        effort,
        params,
    )
    ms, mw, mx, mn, ml = memory_add(
        memory[row, 0], memory[row, 1], memory[row, 2], memory[row, 3], memory[row, 4], value, step_weight
    )
    memory[row, 0] = ms
    memory[row, 1] = mw
    memory[row, 2] = mx
    memory[row, 3] = mn
    memory[row, 4] = ml
    perf[row, 0] += p0
    perf[row, 1] += p1
    perf[row, 2] += p2
    return value, ces_score(effort), contacts + 1


@njit(cache=True, inline="always")
def contact_outcome(abandoned: bool, resolved: bool) -> int:
    """OUTCOME_ABANDONED, OUTCOME_RESOLVED or OUTCOME_UNRESOLVED."""
    if abandoned:
        return OUTCOME_ABANDONED
    if resolved:
        return OUTCOME_RESOLVED
    return OUTCOME_UNRESOLVED


@njit(cache=True, inline="always")
def journey_ends(target: int) -> bool:
    """The contact ended the journey: done, or given up."""
    return target in (NEXT_DONE, NEXT_GIVE_UP)


@njit(cache=True, inline="always")
def advance_journey(
    step: int,
    outcome: int,
    contacts: int,
    day: int,
    due_day: int,
    retrying: bool,
    step_next: np.ndarray,
    step_delay: np.ndarray,
    retry_delay: int,
    max_contacts: int,
) -> tuple[int, int, int, bool]:
    """The journey moved on by a contact's outcome.

    Returns:
        ``(target, step, due_day, retrying)``. ``target`` is the next step, NEXT_RETRY (the same
        step again after ``retry_delay`` days) or NEXT_DONE / NEXT_GIVE_UP (the journey ends:
        ``step`` is -1, see :func:`finish_journey`).
    """
    target = next_target(step_next, step, outcome, contacts, max_contacts)
    if target == NEXT_RETRY:
        return target, step, day + retry_delay, True
    if target >= 0:
        return target, target, day + step_delay[target], False
    return target, -1, due_day, retrying


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


@njit(cache=True, inline="always")
def finish_journey(
    gave_up: bool,
    day: int,
    satisfaction: float,
    bond: float,
    expectation: np.ndarray,
    memory: np.ndarray,
    perf: np.ndarray,
    row: int,
    contacts: int,
    failures: float,
    last_failure_day: int,
    disposition: float,
    memory_rule: int,
    params: np.ndarray,
) -> tuple[float, float, int, float, int]:
    """A finished (or given-up) journey remembered: ``expectation[row]`` adapts in place
    (``memory[row]``, ``perf[row]``: the journey's, see :func:`experience_contact`).

    Returns:
        ``(satisfaction, bond, ltr_answer, failures, last_failure_day)``; a given-up journey
        counts as a failure today.
    """
    _, s, b, e0, e1, e2, answer, f = end_of_journey(
        satisfaction,
        bond,
        expectation[row, 0],
        expectation[row, 1],
        expectation[row, 2],
        memory[row, 0],
        memory[row, 1],
        memory[row, 2],
        memory[row, 3],
        memory[row, 4],
        perf[row, 0],
        perf[row, 1],
        perf[row, 2],
        contacts,
        gave_up,
        failures,
        float(day - last_failure_day),
        memory_rule,
        params,
        disposition,
    )
    expectation[row, 0] = e0
    expectation[row, 1] = e1
    expectation[row, 2] = e2
    if gave_up:
        return s, b, answer, f, day
    return s, b, answer, failures, last_failure_day
