"""The vector engine: the agent engine's model on struct-of-arrays state and numba kernels.

Same nine phases, same shared scalar functions (:mod:`cxsim.kernels`), same keyed draws, so
on the same config and seed it reproduces the agent engine's daily KPIs exactly (integer
counts identical, floats equal to rounding). Phases over the whole market (journey triggers,
talk decisions, adoption, WOM attitudes, churn) are ``prange`` loops in which each person's
update depends only on that person's state and today's message counts, so results are
identical at any thread count; phases over today's contacts, and every float sum, run in
person-index order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange

from cxsim.kernels.behaviour import (
    DETRACTOR,
    PROMOTER,
    ces_score,
    churn_hazard,
    decayed_failures,
    effort_score,
    ltr_answer,
    ltr_score,
    memory_add,
    moment_value,
    nps_class,
)
from cxsim.kernels.journey import choose_touchpoint, end_of_journey, next_target, service_time
from cxsim.kernels.prescription import adoption_hazard, hype, referral_share, wom_bond
from cxsim.kpis import SERVICE_LEVEL_MIN, DayTally, day_kpis
from cxsim.network import SocialNetwork, build_network
from cxsim.queueing import _fifo_waits
from cxsim.rng import (
    STREAM_ADOPTION,
    STREAM_ARRIVAL,
    STREAM_CHOICE,
    STREAM_CHURN,
    STREAM_INIT_ATTITUDE,
    STREAM_INIT_SEGMENT,
    STREAM_INIT_STATUS,
    STREAM_PATIENCE,
    STREAM_RESOLVE,
    STREAM_TALK,
    STREAM_TRIGGER,
    STREAM_WOW,
    exponential,
    normal,
    uniform,
)
from cxsim.spec import (
    NEXT_DONE,
    NEXT_GIVE_UP,
    NEXT_RETRY,
    OUTCOME_ABANDONED,
    OUTCOME_RESOLVED,
    OUTCOME_UNRESOLVED,
    TRIGGER_RATE,
    ModelSpec,
)
from cxsim.state import (
    CHURNED,
    CUSTOMER,
    PROSPECT,
    VIA_INITIAL,
    VIA_MARKETING,
    VIA_REFERRAL,
    DayCounters,
    TouchpointTotals,
)

__all__ = ["PARALLEL_MIN_PEOPLE", "People", "VectorModel"]

# Markets at least this big run the whole-market phases on every numba thread; smaller ones on
# one thread. NOTE: a parallel region wakes the thread pool on every call; below ~200k people
# that costs more than it saves, and far more when the cores are shared with other processes.
PARALLEL_MIN_PEOPLE = 200_000


@dataclass
class People:
    """Struct-of-arrays state of everyone in the market (index = person)."""

    segment: np.ndarray  # int64
    status: np.ndarray  # int8
    acquired_via: np.ndarray  # int8
    acquired_day: np.ndarray  # int32
    pending_onboarding: np.ndarray  # bool
    satisfaction: np.ndarray  # float64
    disposition: np.ndarray  # float64, lasting satisfaction offset
    bond: np.ndarray  # float64
    expectation: np.ndarray  # (N, 3) float64
    ltr: np.ndarray  # int8 answer 0-10
    failures: np.ndarray  # float64
    last_failure_day: np.ndarray  # int32
    journey: np.ndarray  # int16, -1 none
    step: np.ndarray  # int32
    due_day: np.ndarray  # int32
    contacts: np.ndarray  # int32
    retrying: np.ndarray  # bool
    last_tp: np.ndarray  # int16
    last_channel: np.ndarray  # int16
    memory: np.ndarray  # (N, 5) float64: sum, weight, max, min, last
    perf: np.ndarray  # (N, 3) float64 perceived performance sums
    talk: np.ndarray  # int8 today's WOM: +1, -1, 0


@njit(cache=True, parallel=True)
def _init_people(
    seed: int,
    n: int,
    cum_share: np.ndarray,
    customer_share: float,
    init_s: np.ndarray,
    init_b: np.ndarray,
    att_sd: np.ndarray,
    exp_mean: np.ndarray,
    exp_sd: np.ndarray,
    params: np.ndarray,
    segment: np.ndarray,
    status: np.ndarray,
    satisfaction: np.ndarray,
    disposition: np.ndarray,
    bond: np.ndarray,
    expectation: np.ndarray,
    ltr: np.ndarray,
) -> None:
    n_seg = cum_share.shape[0]
    for i in prange(n):
        u = uniform(seed, STREAM_INIT_SEGMENT, i, 0, 0)
        s = np.searchsorted(cum_share, u, side="right")
        if s > n_seg - 1:
            s = n_seg - 1
        segment[i] = s
        status[i] = CUSTOMER if uniform(seed, STREAM_INIT_STATUS, i, 0, 0) < customer_share else PROSPECT
        disposition[i] = att_sd[s] * normal(seed, STREAM_INIT_ATTITUDE, i, 0, 0)
        sat = init_s[s] + disposition[i]
        bnd = init_b[s] + att_sd[s] * normal(seed, STREAM_INIT_ATTITUDE, i, 0, 1)
        satisfaction[i] = min(1.0, max(0.0, sat))
        bond[i] = min(1.0, max(0.0, bnd))
        for d in range(3):
            e = exp_mean[s, d] + exp_sd[s] * normal(seed, STREAM_INIT_ATTITUDE, i, 0, 2 + d)
            expectation[i, d] = min(1.0, max(0.0, e))
        ltr[i] = ltr_answer(ltr_score(satisfaction[i], bond[i], params))


@njit(cache=True, inline="always")
def _start(
    i: int,
    journey_id: int,
    first_step: np.ndarray,
    day: int,
    p_journey: np.ndarray,
    p_step: np.ndarray,
    p_due: np.ndarray,
    p_contacts: np.ndarray,
    p_retrying: np.ndarray,
    p_last_tp: np.ndarray,
    p_last_channel: np.ndarray,
    p_memory: np.ndarray,
    p_perf: np.ndarray,
) -> None:
    p_journey[i] = journey_id
    p_step[i] = first_step[journey_id]
    p_due[i] = day
    p_contacts[i] = 0
    p_retrying[i] = False
    p_last_tp[i] = -1
    p_last_channel[i] = -1
    for k in range(5):
        p_memory[i, k] = 0.0
    for d in range(3):
        p_perf[i, d] = 0.0


@njit(cache=True, parallel=True)
def _phase_start_journeys(
    seed: int,
    day: int,
    onboarding: int,
    trigger: np.ndarray,
    rate: np.ndarray,
    first_step: np.ndarray,
    segment: np.ndarray,
    status: np.ndarray,
    pending: np.ndarray,
    journey: np.ndarray,
    step: np.ndarray,
    due: np.ndarray,
    contacts: np.ndarray,
    retrying: np.ndarray,
    last_tp: np.ndarray,
    last_channel: np.ndarray,
    memory: np.ndarray,
    perf: np.ndarray,
) -> int:
    started = 0
    n_j = trigger.shape[0]
    for i in prange(status.shape[0]):
        if status[i] != CUSTOMER or journey[i] >= 0:
            continue
        if pending[i]:
            pending[i] = False
            _start(i, onboarding, first_step, day, journey, step, due, contacts, retrying, last_tp, last_channel,
                   memory, perf)  # fmt: skip
            started += 1
            continue
        s = segment[i]
        for j in range(n_j):
            if trigger[j] != TRIGGER_RATE:
                continue
            if uniform(seed, STREAM_TRIGGER, i, day, j) < rate[s, j]:
                _start(i, j, first_step, day, journey, step, due, contacts, retrying, last_tp, last_channel,
                       memory, perf)  # fmt: skip
                started += 1
                break
    return started


@njit(cache=True)
def _due_today(day: int, status: np.ndarray, journey: np.ndarray, due: np.ndarray) -> np.ndarray:
    count = 0
    for i in range(status.shape[0]):
        if status[i] == CUSTOMER and journey[i] >= 0 and due[i] == day:
            count += 1
    out = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(status.shape[0]):
        if status[i] == CUSTOMER and journey[i] >= 0 and due[i] == day:
            out[k] = i
            k += 1
    return out


@njit(cache=True)
def _phase_contacts(
    seed: int,
    day: int,
    visitors: np.ndarray,
    # spec
    step_tps: np.ndarray,
    step_ntp: np.ndarray,
    step_next: np.ndarray,
    step_delay: np.ndarray,
    step_weight: np.ndarray,
    step_wow: np.ndarray,
    pref: np.ndarray,
    patience_mean: np.ndarray,
    tp_channel: np.ndarray,
    tp_staffed: np.ndarray,
    tp_servers: np.ndarray,
    tp_dist: np.ndarray,
    tp_mean: np.ndarray,
    tp_cv: np.ndarray,
    tp_open: np.ndarray,
    tp_close: np.ndarray,
    tp_quality: np.ndarray,
    tp_kano: np.ndarray,
    tp_p_resolve: np.ndarray,
    tp_p_wow: np.ndarray,
    shared: np.ndarray,
    params: np.ndarray,
    memory_rule: int,
    p_switch: float,
    silo_penalty: float,
    silo_time: float,
    retry_delay: int,
    max_contacts: int,
    # people
    segment: np.ndarray,
    satisfaction: np.ndarray,
    disposition: np.ndarray,
    bond: np.ndarray,
    expectation: np.ndarray,
    ltr: np.ndarray,
    failures: np.ndarray,
    last_failure_day: np.ndarray,
    journey: np.ndarray,
    step: np.ndarray,
    due: np.ndarray,
    contacts: np.ndarray,
    retrying: np.ndarray,
    last_tp: np.ndarray,
    last_channel: np.ndarray,
    memory: np.ndarray,
    perf: np.ndarray,
    # outputs per visitor
    v_tp: np.ndarray,
    v_wait: np.ndarray,
    v_abandoned: np.ndarray,
    v_resolved: np.ndarray,
    v_wow: np.ndarray,
    v_value: np.ndarray,
    v_ces: np.ndarray,
    v_step: np.ndarray,
) -> tuple[int, int]:
    """Phases 2–4 for today's visitors: choose, queue, outcome, experience, move on."""
    nv = visitors.shape[0]
    arrival = np.empty(nv)
    service = np.empty(nv)
    patience = np.empty(nv)
    switched = np.zeros(nv, dtype=np.bool_)
    # 2. visits
    for v in range(nv):
        i = visitors[v]
        k = step[i]
        s = segment[i]
        tp = choose_touchpoint(
            step_tps[k],
            step_ntp[k],
            pref[s],
            tp_channel,
            last_tp[i],
            retrying[i],
            uniform(seed, STREAM_CHOICE, i, day, 0),
            uniform(seed, STREAM_CHOICE, i, day, 1),
            p_switch,
        )
        ch = tp_channel[tp]
        v_tp[v] = tp
        v_step[v] = k
        switched[v] = last_channel[i] >= 0 and not shared[last_channel[i], ch]
        arrival[v] = tp_open[tp] + uniform(seed, STREAM_ARRIVAL, i, day, 0) * (tp_close[tp] - tp_open[tp])
        factor = silo_time if switched[v] else 1.0
        service[v] = service_time(tp_dist[tp], tp_mean[tp], tp_cv[tp], seed, i, day, factor)
        patience[v] = exponential(seed, STREAM_PATIENCE, i, day, 0, patience_mean[s, tp])
        v_wait[v] = 0.0
        v_abandoned[v] = False
    # 3. service: one FIFO queue per staffed touchpoint, in (arrival, person) order
    for tp in range(tp_staffed.shape[0]):
        if not tp_staffed[tp]:
            continue
        m = 0
        for v in range(nv):
            if v_tp[v] == tp:
                m += 1
        if m == 0:
            continue
        here = np.empty(m, dtype=np.int64)
        a = np.empty(m)
        c = 0
        for v in range(nv):
            if v_tp[v] == tp:
                here[c] = v
                a[c] = arrival[v]
                c += 1
        order = np.argsort(a, kind="mergesort")  # stable: ties stay in person order
        here = here[order]
        waits, ab = _fifo_waits(arrival[here], service[here], patience[here], tp_servers[tp])
        for c in range(m):
            v_wait[here[c]] = waits[c]
            v_abandoned[here[c]] = ab[c]
    for v in range(nv):
        i = visitors[v]
        tp = v_tp[v]
        p_res = tp_p_resolve[tp]
        if switched[v]:
            p_res = p_res * (1.0 - silo_penalty)
        u_res = uniform(seed, STREAM_RESOLVE, i, day, 0)
        u_wow = uniform(seed, STREAM_WOW, i, day, 0)
        v_resolved[v] = (not v_abandoned[v]) and u_res < p_res
        v_wow[v] = (not v_abandoned[v]) and u_wow < tp_p_wow[tp] + step_wow[step[i]]
    # 4. experience
    completed = 0
    failed = 0
    for v in range(nv):
        i = visitors[v]
        tp = v_tp[v]
        eff = effort_score(v_wait[v], patience_mean[segment[i], tp], contacts[i], switched[v], v_abandoned[v], params)
        value, p0, p1, p2 = moment_value(
            tp_quality[tp, 0],
            tp_quality[tp, 1],
            tp_quality[tp, 2],
            expectation[i, 0],
            expectation[i, 1],
            expectation[i, 2],
            tp_kano[tp],
            v_resolved[v],
            v_wow[v],
            eff,
            params,
        )
        ms, mw, mx, mn, ml = memory_add(
            memory[i, 0], memory[i, 1], memory[i, 2], memory[i, 3], memory[i, 4], value, step_weight[step[i]]
        )
        memory[i, 0] = ms
        memory[i, 1] = mw
        memory[i, 2] = mx
        memory[i, 3] = mn
        memory[i, 4] = ml
        perf[i, 0] += p0
        perf[i, 1] += p1
        perf[i, 2] += p2
        contacts[i] += 1
        v_value[v] = value
        v_ces[v] = ces_score(eff)
        if v_abandoned[v]:
            outcome = OUTCOME_ABANDONED
        elif v_resolved[v]:
            outcome = OUTCOME_RESOLVED
        else:
            outcome = OUTCOME_UNRESOLVED
        target = next_target(step_next, step[i], outcome, contacts[i], max_contacts)
        last_tp[i] = tp
        last_channel[i] = tp_channel[tp]
        gave_up = target == NEXT_GIVE_UP
        if gave_up or target == NEXT_DONE:
            _, s_new, b_new, e0, e1, e2, answer, f_new = end_of_journey(
                satisfaction[i],
                bond[i],
                expectation[i, 0],
                expectation[i, 1],
                expectation[i, 2],
                memory[i, 0],
                memory[i, 1],
                memory[i, 2],
                memory[i, 3],
                memory[i, 4],
                perf[i, 0],
                perf[i, 1],
                perf[i, 2],
                contacts[i],
                gave_up,
                failures[i],
                float(day - last_failure_day[i]),
                memory_rule,
                params,
                disposition[i],
            )
            satisfaction[i] = s_new
            bond[i] = b_new
            expectation[i, 0] = e0
            expectation[i, 1] = e1
            expectation[i, 2] = e2
            ltr[i] = answer
            if gave_up:
                failures[i] = f_new
                last_failure_day[i] = day
                failed += 1
            else:
                completed += 1
            journey[i] = -1
            step[i] = -1
        elif target == NEXT_RETRY:
            retrying[i] = True
            due[i] = day + retry_delay
        else:
            retrying[i] = False
            step[i] = target
            due[i] = day + step_delay[target]
    return completed, failed


@njit(cache=True, parallel=True)
def _phase_talk(
    seed: int,
    day: int,
    talk_all: bool,
    p_promoter: float,
    p_detractor: float,
    status: np.ndarray,
    ltr: np.ndarray,
    talk: np.ndarray,
) -> None:
    for i in prange(status.shape[0]):
        talk[i] = 0
        if status[i] != CUSTOMER:
            continue
        if talk_all:
            if uniform(seed, STREAM_TALK, i, day, 0) < p_promoter:
                talk[i] = 1
            continue
        cls = nps_class(ltr[i])
        # NOTE: passives never talk, so their draw is skipped; draws are keyed, nothing shifts.
        if cls == PROMOTER:
            if uniform(seed, STREAM_TALK, i, day, 0) < p_promoter:
                talk[i] = 1
        elif cls == DETRACTOR and uniform(seed, STREAM_TALK, i, day, 0) < p_detractor:
            talk[i] = -1


@njit(cache=True)
def _deliver(talk: np.ndarray, indptr: np.ndarray, indices: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> None:
    pos[:] = 0
    neg[:] = 0
    for i in range(talk.shape[0]):
        t = talk[i]
        if t == 0:
            continue
        for e in range(indptr[i], indptr[i + 1]):
            if t > 0:
                pos[indices[e]] += 1
            else:
                neg[indices[e]] += 1


@njit(cache=True, inline="always")
def _messages(i: int, complete: bool, total_pos: int, total_neg: int, talk: np.ndarray, pos: np.ndarray,
              neg: np.ndarray) -> tuple[int, int]:  # fmt: skip
    if complete:
        me = talk[i]
        return total_pos - (1 if me > 0 else 0), total_neg - (1 if me < 0 else 0)
    return pos[i], neg[i]


@njit(cache=True, parallel=True)
def _phase_adoption(
    seed: int,
    day: int,
    p: float,
    q_message: float,
    suppression: float,
    onboarding: int,
    params: np.ndarray,
    complete: bool,
    total_pos: int,
    total_neg: int,
    talk: np.ndarray,
    pos: np.ndarray,
    neg: np.ndarray,
    status: np.ndarray,
    acquired_day: np.ndarray,
    acquired_via: np.ndarray,
    pending: np.ndarray,
    satisfaction: np.ndarray,
    bond: np.ndarray,
    ltr: np.ndarray,
) -> tuple[int, int]:
    marketing = 0
    referral = 0
    for i in prange(status.shape[0]):
        if status[i] != PROSPECT:
            continue
        n_pos, n_neg = _messages(i, complete, total_pos, total_neg, talk, pos, neg)
        h = adoption_hazard(p, q_message, n_pos, n_neg, suppression)
        if uniform(seed, STREAM_ADOPTION, i, day, 0) >= h:
            continue
        is_ref = uniform(seed, STREAM_ADOPTION, i, day, 1) < referral_share(p, q_message, n_pos)
        status[i] = CUSTOMER
        acquired_day[i] = day
        acquired_via[i] = VIA_REFERRAL if is_ref else VIA_MARKETING
        pending[i] = onboarding >= 0
        ltr[i] = ltr_answer(ltr_score(satisfaction[i], bond[i], params))
        if is_ref:
            referral += 1
        else:
            marketing += 1
    return marketing, referral


@njit(cache=True, parallel=True)
def _phase_hear_wom(
    gain: float,
    loss: float,
    hype_rate: float,
    params: np.ndarray,
    complete: bool,
    total_pos: int,
    total_neg: int,
    talk: np.ndarray,
    pos: np.ndarray,
    neg: np.ndarray,
    status: np.ndarray,
    satisfaction: np.ndarray,
    bond: np.ndarray,
    expectation: np.ndarray,
    ltr: np.ndarray,
) -> None:
    for i in prange(status.shape[0]):
        if status[i] == CHURNED:
            continue
        n_pos, n_neg = _messages(i, complete, total_pos, total_neg, talk, pos, neg)
        if n_pos == 0 and n_neg == 0:
            continue
        if status[i] == CUSTOMER:
            bond[i] = wom_bond(bond[i], n_pos, n_neg, gain, loss)
            ltr[i] = ltr_answer(ltr_score(satisfaction[i], bond[i], params))
        else:
            for d in range(3):
                expectation[i, d] = hype(expectation[i, d], n_pos, hype_rate)


@njit(cache=True, parallel=True)
def _phase_churn(
    seed: int,
    day: int,
    params: np.ndarray,
    churn_mult: np.ndarray,
    segment: np.ndarray,
    status: np.ndarray,
    acquired_day: np.ndarray,
    acquired_via: np.ndarray,
    satisfaction: np.ndarray,
    bond: np.ndarray,
    failures: np.ndarray,
    last_failure_day: np.ndarray,
    journey: np.ndarray,
    step: np.ndarray,
    pending: np.ndarray,
) -> int:
    churned = 0
    for i in prange(status.shape[0]):
        if status[i] != CUSTOMER or acquired_day[i] >= day:
            continue
        f = decayed_failures(failures[i], float(day - last_failure_day[i]), params)
        h = churn_hazard(satisfaction[i], bond[i], f, churn_mult[segment[i]], acquired_via[i] == VIA_REFERRAL, params)
        if uniform(seed, STREAM_CHURN, i, day, 0) < h:
            status[i] = CHURNED
            journey[i] = -1
            step[i] = -1
            pending[i] = False
            churned += 1
    return churned


@njit(cache=True)
def _tally_people(
    status: np.ndarray, segment: np.ndarray, ltr: np.ndarray, satisfaction: np.ndarray, by_seg: np.ndarray
) -> tuple[int, int, int, int, float]:
    prospects = 0
    customers = 0
    promoters = 0
    detractors = 0
    sat_sum = 0.0
    by_seg[:] = 0
    for i in range(status.shape[0]):  # sequential: the float sum in person-index order
        if status[i] == CUSTOMER:
            customers += 1
            by_seg[segment[i]] += 1
            sat_sum += satisfaction[i]
            cls = nps_class(ltr[i])
            if cls == PROMOTER:
                promoters += 1
            elif cls == DETRACTOR:
                detractors += 1
        elif status[i] == PROSPECT:
            prospects += 1
    return prospects, customers, promoters, detractors, sat_sum


@njit(cache=True)
def _tally_contacts(
    v_tp: np.ndarray,
    v_step: np.ndarray,
    v_wait: np.ndarray,
    v_abandoned: np.ndarray,
    v_resolved: np.ndarray,
    v_wow: np.ndarray,
    v_value: np.ndarray,
    v_ces: np.ndarray,
    tp_staffed: np.ndarray,
    tp_cost: np.ndarray,
    csat_threshold: float,
    sl_minutes: float,
    t_visits: np.ndarray,
    t_served: np.ndarray,
    t_abandoned: np.ndarray,
    t_resolved: np.ndarray,
    t_wows: np.ndarray,
    t_staffed: np.ndarray,
    t_within: np.ndarray,
    t_wait: np.ndarray,
    t_moment: np.ndarray,
    t_cost: np.ndarray,
    t_step_visits: np.ndarray,
    t_step_resolved: np.ndarray,
    t_step_abandoned: np.ndarray,
) -> tuple[int, int, int, float, int, float, float]:
    abandoned = 0
    resolved = 0
    staffed = 0
    wait_sum = 0.0
    satisfied = 0
    ces_sum = 0.0
    contact_cost = 0.0
    for v in range(v_tp.shape[0]):  # person-index order, as the agent engine
        tp = v_tp[v]
        k = v_step[v]
        t_visits[tp] += 1
        t_step_visits[k, tp] += 1
        if v_abandoned[v]:
            abandoned += 1
            t_abandoned[tp] += 1
            t_step_abandoned[k, tp] += 1
        else:
            t_served[tp] += 1
        if v_resolved[v]:
            resolved += 1
            t_resolved[tp] += 1
            t_step_resolved[k, tp] += 1
        if v_wow[v]:
            t_wows[tp] += 1
        t_cost[tp] += tp_cost[tp]
        contact_cost += tp_cost[tp]
        if tp_staffed[tp]:
            staffed += 1
            wait_sum += v_wait[v]
            t_wait[tp] += v_wait[v]
            t_staffed[tp] += 1
            if not v_abandoned[v] and v_wait[v] <= sl_minutes:
                t_within[tp] += 1
    for v in range(v_tp.shape[0]):
        ces_sum += v_ces[v]
        t_moment[v_tp[v]] += v_value[v]
        if v_value[v] > csat_threshold:
            satisfied += 1
    return abandoned, resolved, staffed, wait_sum, satisfied, ces_sum, contact_cost


class VectorModel:
    """A market simulated on arrays; ``step()`` runs one day (same phases as ``CxModel``).

    Args:
        spec: the compiled model (see :func:`cxsim.spec.compile_spec`).
        network: the social network; built from ``spec`` when omitted.
        threads: numba threads for the whole-market phases (default: all of them from
            ``PARALLEL_MIN_PEOPLE`` people on, one below). Results are identical at any count.
    """

    def __init__(self, *, spec: ModelSpec, network: SocialNetwork | None = None, threads: int | None = None) -> None:
        self.spec = spec
        self.day = 0
        if threads is None:
            threads = numba.get_num_threads() if spec.size >= PARALLEL_MIN_PEOPLE else 1
        self.threads = max(1, min(int(threads), int(numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
        self.network = network or build_network(
            spec.seed, spec.size, spec.network_kind, spec.mean_degree, spec.rewire_prob
        )
        self.q_message = spec.q_wom / self.network.mean_degree if spec.size > 1 else 0.0
        n = spec.size
        self.people = People(
            segment=np.zeros(n, dtype=np.int64),
            status=np.zeros(n, dtype=np.int8),
            acquired_via=np.full(n, VIA_INITIAL, dtype=np.int8),
            acquired_day=np.zeros(n, dtype=np.int32),
            pending_onboarding=np.zeros(n, dtype=np.bool_),
            satisfaction=np.zeros(n),
            disposition=np.zeros(n),
            bond=np.zeros(n),
            expectation=np.zeros((n, 3)),
            ltr=np.zeros(n, dtype=np.int8),
            failures=np.zeros(n),
            last_failure_day=np.zeros(n, dtype=np.int32),
            journey=np.full(n, -1, dtype=np.int16),
            step=np.full(n, -1, dtype=np.int32),
            due_day=np.full(n, -1, dtype=np.int32),
            contacts=np.zeros(n, dtype=np.int32),
            retrying=np.zeros(n, dtype=np.bool_),
            last_tp=np.full(n, -1, dtype=np.int16),
            last_channel=np.full(n, -1, dtype=np.int16),
            memory=np.zeros((n, 5)),
            perf=np.zeros((n, 3)),
            talk=np.zeros(n, dtype=np.int8),
        )
        p = self.people
        _init_people(
            spec.seed,
            n,
            spec.segment_cum_share,
            spec.initial_customer_share,
            spec.initial_satisfaction,
            spec.initial_bond,
            spec.attitude_sd,
            spec.expectations,
            spec.expectation_sd,
            spec.params,
            p.segment,
            p.status,
            p.satisfaction,
            p.disposition,
            p.bond,
            p.expectation,
            p.ltr,
        )
        self.totals = TouchpointTotals(len(spec.touchpoint_names), len(spec.step_names))
        self.history: list[dict[str, float]] = []
        complete = self.network.complete
        self._pos = np.zeros(0 if complete else n, dtype=np.int32)
        self._neg = np.zeros(0 if complete else n, dtype=np.int32)
        self._by_seg = np.zeros(len(spec.segment_names), dtype=np.int64)

    def step(self) -> None:
        """Run one day: the nine phases of the model in order."""
        previous = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        try:
            self._day()
        finally:
            numba.set_num_threads(previous)

    def _day(self) -> None:
        spec, p, t = self.spec, self.people, self.totals
        self.day += 1
        day, seed = self.day, spec.seed
        ev = DayCounters()
        # 1. journeys start
        ev.journeys_started = _phase_start_journeys(
            seed, day, spec.onboarding_journey, spec.journey_trigger, spec.journey_rate, spec.journey_first_step,
            p.segment, p.status, p.pending_onboarding, p.journey, p.step, p.due_day, p.contacts, p.retrying,
            p.last_tp, p.last_channel, p.memory, p.perf,
        )  # fmt: skip
        # 2-4. visits, service, experience
        visitors = _due_today(day, p.status, p.journey, p.due_day)
        nv = visitors.shape[0]
        v_tp = np.empty(nv, dtype=np.int64)
        v_wait = np.empty(nv)
        v_abandoned = np.empty(nv, dtype=np.bool_)
        v_resolved = np.empty(nv, dtype=np.bool_)
        v_wow = np.empty(nv, dtype=np.bool_)
        v_value = np.empty(nv)
        v_ces = np.empty(nv)
        v_step = np.empty(nv, dtype=np.int64)
        ev.journeys_completed, ev.journeys_failed = _phase_contacts(
            seed, day, visitors,
            spec.step_touchpoints, spec.step_n_touchpoints, spec.step_next, spec.step_delay, spec.step_weight,
            spec.step_wow_extra, spec.channel_preference, spec.patience_mean, spec.tp_channel, spec.tp_staffed,
            spec.tp_servers, spec.tp_dist, spec.tp_mean, spec.tp_cv, spec.tp_open, spec.tp_close, spec.tp_quality,
            spec.tp_kano, spec.tp_p_resolve, spec.tp_p_wow, spec.shared_context, spec.params, spec.memory_rule,
            spec.p_switch_channel, spec.silo_resolution_penalty, spec.silo_time_factor, spec.retry_delay_days,
            spec.max_contacts,
            p.segment, p.satisfaction, p.disposition, p.bond, p.expectation, p.ltr, p.failures, p.last_failure_day,
            p.journey,
            p.step, p.due_day, p.contacts, p.retrying, p.last_tp, p.last_channel, p.memory, p.perf,
            v_tp, v_wait, v_abandoned, v_resolved, v_wow, v_value, v_ces, v_step,
        )  # fmt: skip
        # 5. word of mouth
        _phase_talk(seed, day, spec.talk_all_customers, spec.p_talk_promoter, spec.p_talk_detractor, p.status,
                    p.ltr, p.talk)  # fmt: skip
        complete = self.network.complete
        total_pos = int(np.count_nonzero(p.talk > 0))
        total_neg = int(np.count_nonzero(p.talk < 0))
        if complete:
            ev.wom_positive = total_pos * (spec.size - 1)
            ev.wom_negative = total_neg * (spec.size - 1)
        else:
            _deliver(p.talk, self.network.indptr, self.network.indices, self._pos, self._neg)
            ev.wom_positive = int(self._pos.sum())
            ev.wom_negative = int(self._neg.sum())
        # 6. acquisition
        ev.acquired_marketing, ev.acquired_referral = _phase_adoption(
            seed, day, spec.p_marketing, self.q_message, spec.nwom_suppression, spec.onboarding_journey, spec.params,
            complete, total_pos, total_neg, p.talk, self._pos, self._neg, p.status, p.acquired_day, p.acquired_via,
            p.pending_onboarding, p.satisfaction, p.bond, p.ltr,
        )  # fmt: skip
        # 7. attitudes from word of mouth
        _phase_hear_wom(
            spec.bond_gain_per_message, spec.bond_loss_per_message, spec.hype_per_message, spec.params, complete,
            total_pos, total_neg, p.talk, self._pos, self._neg, p.status, p.satisfaction, p.bond, p.expectation,
            p.ltr,
        )  # fmt: skip
        # 8. churn
        ev.churned = _phase_churn(
            seed, day, spec.params, spec.churn_multiplier, p.segment, p.status, p.acquired_day, p.acquired_via,
            p.satisfaction, p.bond, p.failures, p.last_failure_day, p.journey, p.step, p.pending_onboarding,
        )  # fmt: skip
        # 9. economics and KPIs
        p.talk[:] = 0
        prospects, customers, promoters, detractors, sat_sum = _tally_people(
            p.status, p.segment, p.ltr, p.satisfaction, self._by_seg
        )
        abandoned, resolved, staffed, wait_sum, satisfied, ces_sum, contact_cost = _tally_contacts(
            v_tp, v_step, v_wait, v_abandoned, v_resolved, v_wow, v_value, v_ces, spec.tp_staffed, spec.tp_cost,
            spec.csat_threshold, SERVICE_LEVEL_MIN, t.visits, t.served, t.abandoned, t.resolved, t.wows,
            t.staffed_visits, t.within_target, t.wait_sum, t.moment_sum, t.contact_cost, t.step_visits,
            t.step_resolved, t.step_abandoned,
        )  # fmt: skip
        tally = DayTally(
            prospects=prospects,
            customers=customers,
            promoters=promoters,
            detractors=detractors,
            satisfaction_sum=sat_sum,
            customers_by_segment=[int(x) for x in self._by_seg],
            visits=nv,
            abandoned=abandoned,
            resolved=resolved,
            staffed_visits=staffed,
            wait_sum=wait_sum,
            satisfied=satisfied,
            ces_sum=ces_sum,
            contact_cost=contact_cost,
        )
        self.history.append(day_kpis(spec, day, ev, tally))
