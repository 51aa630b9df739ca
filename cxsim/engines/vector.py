"""The vector engine: the agent engine's model on struct-of-arrays state and numba loops.

The same phases under the same names as :mod:`cxsim.engines.agent` (``start_journeys``,
``plan_visits``, ``serve``, ``conclude_service``, ``experience``, ``decide_talk``,
``deliver_wom``, ``consider_adoption``, ``hear_wom``, ``consider_churn``, ``tally``), each a
loop over :class:`People` (or today's :class:`~cxsim.kernels.groups.Visits`) that calls the
shared kernel for the rule (:mod:`cxsim.kernels`; the map is in ``docs/model.md`` §5). Phases over
the whole market are ``prange`` loops in which each person's update depends only on that
person's state and today's message counts, so results are identical at any thread count; phases
over today's contacts, and every float sum, run in person-index order.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numba
import numpy as np
from numba import njit, prange

from cxsim.counters import DayCounters
from cxsim.kernels.codes import CHURNED, CUSTOMER, NEXT_GIVE_UP, PROSPECT, VIA_INITIAL, VIA_REFERRAL
from cxsim.kernels.groups import (
    Heard,
    Journeys,
    Market,
    ReferralState,
    Rules,
    Segments,
    Steps,
    Touchpoints,
    Visits,
    new_totals,
    new_visits,
)
from cxsim.kernels.journey import (
    advance_journey,
    conclude_service,
    contact_outcome,
    experience_contact,
    finish_journey,
    journey_ends,
    journey_to_start,
    plan_visit,
    start_journey,
    visits_today,
)
from cxsim.kernels.population import churns_today, initial_person
from cxsim.kernels.staffing import Staffing
from cxsim.kernels.tallies import tally_contacts, tally_people
from cxsim.kernels.voc import new_tally, survey_customers, survey_journeys
from cxsim.kernels.week import contact_day, open_today, weekday
from cxsim.kernels.wom import (
    consider_adoption,
    deliver_wom,
    hear_wom,
    heard_messages,
    message_probability,
    pick_referrer,
    positive_talkers,
    talks_today,
    wom_reaches,
)
from cxsim.kpis import day_kpis
from cxsim.network import SocialNetwork, build_network
from cxsim.queueing import _fifo_waits, _shift_waits
from cxsim.spec import ModelSpec
from cxsim.trace import TraceState

__all__ = ["PARALLEL_MIN_PEOPLE", "People", "VectorModel", "new_people"]

# Markets at least this big run the whole-market phases on every numba thread; smaller ones on
# one thread. NOTE: a parallel region wakes the thread pool on every call; below ~200k people
# that costs more than it saves, and far more when the cores are shared with other processes.
PARALLEL_MIN_PEOPLE = 200_000


class People(NamedTuple):
    """Struct-of-arrays state of everyone in the market (index = person)."""

    segment: np.ndarray  # int8 (int32 from 128 segments on)
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
    step_index: np.ndarray  # int32, -1 none
    due_day: np.ndarray  # int32
    contacts: np.ndarray  # int32
    retrying: np.ndarray  # bool
    last_tp: np.ndarray  # int16
    last_channel: np.ndarray  # int16
    memory: np.ndarray  # (N, 5) float64: sum, weight, max, min, last
    perf: np.ndarray  # (N, 3) float64 perceived performance sums
    talk: np.ndarray  # int8 today's WOM: +1, -1, 0
    referred_by: np.ndarray  # int32 the referrer of a customer acquired by referral, -1 none (observation only)
    left_day: np.ndarray  # int32 day the customer churned, 0 if not (observation only)


def new_people(n: int, segments: int) -> People:
    """Storage for ``n`` people of ``segments`` segments before day 0's draws."""
    return People(
        segment=np.zeros(n, dtype=np.int8 if segments <= np.iinfo(np.int8).max else np.int32),
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
        step_index=np.full(n, -1, dtype=np.int32),
        due_day=np.full(n, -1, dtype=np.int32),
        contacts=np.zeros(n, dtype=np.int32),
        retrying=np.zeros(n, dtype=np.bool_),
        last_tp=np.full(n, -1, dtype=np.int16),
        last_channel=np.full(n, -1, dtype=np.int16),
        memory=np.zeros((n, 5)),
        perf=np.zeros((n, 3)),
        talk=np.zeros(n, dtype=np.int8),
        referred_by=np.full(n, -1, dtype=np.int32),
        left_day=np.zeros(n, dtype=np.int32),
    )


# NOTE: every phase takes its arrays out of the named tuples before its loop, one plain
# assignment each, and the kernels take arrays and scalars, not named tuples: a named tuple's
# field read (or passed on) inside a loop costs reference counting on every iteration. In the
# whole-market (prange) phases it is also a matter of correctness: numba's parfor pass (0.68)
# silently loses writes made to a named tuple's arrays inside the loop body, and to arrays
# hoisted by unpacking a tuple of them (`a, b = (p.a, p.b)`); tests/test_pinned.py would catch
# it. The kernels are inline="always", so the loop body is as tight as if the rule were in it.


# -- day 0 ------------------------------------------------------------------------------------
@njit(cache=True, parallel=True)
def _init_people(seed: int, customer_share: float, segments: Segments, params: np.ndarray, p: People) -> None:
    segment = p.segment
    status = p.status
    disposition = p.disposition
    satisfaction = p.satisfaction
    bond = p.bond
    ltr = p.ltr
    expectation = p.expectation
    for i in prange(status.shape[0]):
        s, st, d, sat, b, answer = initial_person(seed, i, customer_share, segments, expectation[i], params)
        segment[i] = s
        status[i] = st
        disposition[i] = d
        satisfaction[i] = sat
        bond[i] = b
        ltr[i] = answer


# -- phase 1: journeys start --------------------------------------------------------------------
@njit(cache=True, parallel=True)
def _start_journeys(seed: int, day: int, wd: int, p: People, journeys: Journeys, segments: Segments) -> int:
    status = p.status
    journey = p.journey
    segment = p.segment
    pending = p.pending_onboarding
    memory = p.memory
    perf = p.perf
    step_index = p.step_index
    due_day = p.due_day
    contacts = p.contacts
    retrying = p.retrying
    last_tp = p.last_tp
    last_channel = p.last_channel
    trigger = journeys.trigger
    first_step = journeys.first_step
    onboarding = journeys.onboarding
    journey_rate = segments.journey_rate
    day_factor = journeys.weekday_factor[wd]
    period = journeys.period
    started = 0
    for i in prange(status.shape[0]):
        if status[i] != CUSTOMER:
            continue  # as the agent engine, visit customers only
        j = journey_to_start(
            seed,
            i,
            day,
            status[i],
            journey[i],
            segment[i],
            pending[i],
            trigger,
            onboarding,
            journey_rate,
            day_factor,
            period,
        )
        if j < 0:
            continue
        pending[i] = False
        journey[i] = j
        k, due, c, r, tp, ch = start_journey(j, day, first_step, memory, perf, i)
        step_index[i] = k
        due_day[i] = due
        contacts[i] = c
        retrying[i] = r
        last_tp[i] = tp
        last_channel[i] = ch
        started += 1
    return started


# -- phase 2: visits ----------------------------------------------------------------------------
@njit(cache=True)
def _visitors(
    day: int, p: People, segments: Segments, tps: Touchpoints, steps: Steps, is_open: np.ndarray
) -> tuple[np.ndarray, int]:
    """Today's visitors in person order, and how many due customers found their step closed
    (their contact moves to tomorrow: ``contact_day``)."""
    status = p.status
    journey = p.journey
    due_day = p.due_day
    all_open = is_open.all()
    step_index = p.step_index
    segment = p.segment
    step_tps = steps.touchpoints
    step_n_tps = steps.n_touchpoints
    preference = segments.channel_preference
    tp_channel = tps.channel
    count = 0
    postponed = 0
    for i in range(status.shape[0]):
        if visits_today(day, status[i], journey[i], due_day[i]):
            if not all_open:
                k = step_index[i]
                due_day[i] = contact_day(day, step_tps[k], step_n_tps[k], preference[segment[i]], tp_channel, is_open)
                if due_day[i] != day:
                    postponed += 1
                    continue
            count += 1
    out = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(status.shape[0]):
        if visits_today(day, status[i], journey[i], due_day[i]):
            out[k] = i
            k += 1
    return out, postponed


@njit(cache=True)
def _plan_visits(
    seed: int,
    day: int,
    wd: int,
    is_open: np.ndarray,
    p: People,
    v: Visits,
    segments: Segments,
    tps: Touchpoints,
    steps: Steps,
    rules: Rules,
) -> None:
    v_arrival = v.arrival
    v_patience = v.patience
    v_person = v.person
    v_service = v.service
    v_step = v.step
    v_switched = v.switched
    v_tp = v.tp
    p_last_channel = p.last_channel
    p_last_tp = p.last_tp
    p_retrying = p.retrying
    p_segment = p.segment
    p_step_index = p.step_index
    step_tps = steps.touchpoints
    step_n_tps = steps.n_touchpoints
    preference = segments.channel_preference
    patience_mean = segments.patience_mean
    tp_channel = tps.channel
    tp_open_wd = tps.open_wd
    tp_close_wd = tps.close_wd
    tp_prof_n = tps.prof_n
    tp_prof_edges_wd = tps.prof_edges_wd
    tp_prof_cum_wd = tps.prof_cum_wd
    tp_dist = tps.dist
    tp_mean = tps.mean
    tp_cv = tps.cv
    shared = rules.shared_context
    for n in range(v_person.shape[0]):
        i = v_person[n]
        k = p_step_index[i]
        s = p_segment[i]
        tp, switched, arrival, service, patience = plan_visit(
            seed,
            i,
            day,
            wd,
            is_open,
            p_last_tp[i],
            p_last_channel[i],
            p_retrying[i],
            step_tps[k],
            step_n_tps[k],
            preference[s],
            patience_mean[s],
            tp_channel,
            tp_open_wd,
            tp_close_wd,
            tp_prof_n,
            tp_prof_edges_wd,
            tp_prof_cum_wd,
            tp_dist,
            tp_mean,
            tp_cv,
            shared,
            rules.p_switch,
            rules.silo_time,
        )
        v_tp[n] = tp
        v_step[n] = k
        v_switched[n] = switched
        v_arrival[n] = arrival
        v_service[n] = service
        v_patience[n] = patience


# -- phase 3: service ---------------------------------------------------------------------------
@njit(cache=True)
def _serve(v: Visits, tps: Touchpoints, sched_n: np.ndarray, sched_edges: np.ndarray, sched: np.ndarray) -> None:
    """One FIFO queue per staffed touchpoint, in (arrival, person) order; self-service waits 0.
    Today's servers: ``sched_n[tp]`` intervals starting at ``sched_edges[tp]`` with ``sched[tp]``
    servers (:meth:`~cxsim.kernels.staffing.Staffing.schedule`), or ``servers`` all day if 0."""
    v_abandoned = v.abandoned
    v_arrival = v.arrival
    v_patience = v.patience
    v_person = v.person
    v_service = v.service
    v_tp = v.tp
    v_wait = v.wait
    nv = v_person.shape[0]
    for tp in range(tps.staffed.shape[0]):
        if not tps.staffed[tp]:
            continue
        m = 0
        for n in range(nv):
            if v_tp[n] == tp:
                m += 1
        if m == 0:
            continue
        here = np.empty(m, dtype=np.int64)
        a = np.empty(m)
        c = 0
        for n in range(nv):
            if v_tp[n] == tp:
                here[c] = n
                a[c] = v_arrival[n]
                c += 1
        here = here[np.argsort(a, kind="mergesort")]  # stable: ties stay in person order
        ns = sched_n[tp]
        if ns > 0:
            waits, abandoned = _shift_waits(
                v_arrival[here], v_service[here], v_patience[here], sched_edges[tp, :ns], sched[tp, :ns]
            )
        else:
            waits, abandoned = _fifo_waits(v_arrival[here], v_service[here], v_patience[here], tps.servers[tp])
        for c in range(m):
            v_wait[here[c]] = waits[c]
            v_abandoned[here[c]] = abandoned[c]


@njit(cache=True)
def _conclude_service(seed: int, day: int, v: Visits, tps: Touchpoints, steps: Steps, rules: Rules) -> None:
    v_abandoned = v.abandoned
    v_person = v.person
    v_resolved = v.resolved
    v_step = v.step
    v_switched = v.switched
    v_tp = v.tp
    v_wow = v.wow
    p_resolve = tps.p_resolve
    p_wow = tps.p_wow
    wow_extra = steps.wow_extra
    for n in range(v_person.shape[0]):
        tp = v_tp[n]
        resolved, wow = conclude_service(
            seed,
            v_person[n],
            day,
            v_switched[n],
            v_abandoned[n],
            p_resolve[tp],
            p_wow[tp],
            wow_extra[v_step[n]],
            rules.silo_penalty,
        )
        v_resolved[n] = resolved
        v_wow[n] = wow


# -- phase 4: experience ------------------------------------------------------------------------
@njit(cache=True)
def _experience(
    day: int, p: People, v: Visits, segments: Segments, tps: Touchpoints, steps: Steps, rules: Rules
) -> None:
    v_person = v.person
    v_tp = v.tp
    v_step = v.step
    v_target = v.target
    p_segment = p.segment
    p_contacts = p.contacts
    p_expectation = p.expectation
    p_memory = p.memory
    p_perf = p.perf
    p_step_index = p.step_index
    p_due_day = p.due_day
    p_retrying = p.retrying
    p_last_tp = p.last_tp
    p_last_channel = p.last_channel
    patience_mean = segments.patience_mean
    quality = tps.quality
    kano = tps.kano
    tp_channel = tps.channel
    step_weight = steps.weight
    step_next = steps.next
    step_delay = steps.delay
    params = rules.params
    for n in range(v_person.shape[0]):
        i = v_person[n]
        tp, k = v_tp[n], v_step[n]
        abandoned, resolved = v.abandoned[n], v.resolved[n]
        value, ces, contacts = experience_contact(
            v.wait[n],
            patience_mean[p_segment[i], tp],
            p_contacts[i],
            v.switched[n],
            abandoned,
            resolved,
            v.wow[n],
            quality,
            tp,
            kano[tp],
            step_weight[k],
            p_expectation,
            p_memory,
            p_perf,
            i,
            params,
        )
        v.value[n] = value
        v.ces[n] = ces
        p_contacts[i] = contacts
        target, k_next, due, retrying = advance_journey(
            k,
            contact_outcome(abandoned, resolved),
            contacts,
            day,
            p_due_day[i],
            p_retrying[i],
            step_next,
            step_delay,
            rules.retry_delay,
            rules.max_contacts,
        )
        v_target[n] = target
        p_step_index[i] = k_next
        p_due_day[i] = due
        p_retrying[i] = retrying
        p_last_tp[i] = tp
        p_last_channel[i] = tp_channel[tp]


@njit(cache=True)
def _finish_journeys(day: int, p: People, v: Visits, rules: Rules) -> tuple[int, int]:
    """Journeys today's contacts ended, remembered; ``(completed, given up)``."""
    v_person = v.person
    v_target = v.target
    p_satisfaction = p.satisfaction
    p_bond = p.bond
    p_ltr = p.ltr
    p_failures = p.failures
    p_last_failure_day = p.last_failure_day
    p_journey = p.journey
    p_expectation = p.expectation
    p_memory = p.memory
    p_perf = p.perf
    completed = 0
    failed = 0
    for n in range(v_person.shape[0]):
        if not journey_ends(v_target[n]):
            continue
        i = v_person[n]
        gave_up = v_target[n] == NEXT_GIVE_UP
        sat, bond, ltr, failures, last_failure = finish_journey(
            gave_up,
            day,
            p_satisfaction[i],
            p_bond[i],
            p_expectation,
            p_memory,
            p_perf,
            i,
            p.contacts[i],
            p_failures[i],
            p_last_failure_day[i],
            p.disposition[i],
            rules.memory_rule,
            rules.params,
        )
        p_satisfaction[i] = sat
        p_bond[i] = bond
        p_ltr[i] = ltr
        p_failures[i] = failures
        p_last_failure_day[i] = last_failure
        p_journey[i] = -1
        if gave_up:
            failed += 1
        else:
            completed += 1
    return completed, failed


# -- phase 5: word of mouth ---------------------------------------------------------------------
@njit(cache=True, parallel=True)
def _decide_talk(seed: int, day: int, p: People, market: Market) -> None:
    status = p.status
    ltr = p.ltr
    talk = p.talk
    for i in prange(status.shape[0]):
        talk[i] = talks_today(seed, i, day, status[i], ltr[i], market)


# -- phase 6: acquisition -----------------------------------------------------------------------
@njit(cache=True, parallel=True)
def _consider_adoption(
    seed: int,
    day: int,
    p: People,
    heard: Heard,
    onboarding: int,
    market: Market,
    params: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    talkers: np.ndarray,
) -> tuple[int, int, int]:
    status = p.status
    referred_by = p.referred_by
    satisfaction = p.satisfaction
    bond = p.bond
    ltr = p.ltr
    acquired_day = p.acquired_day
    acquired_via = p.acquired_via
    pending = p.pending_onboarding
    complete = heard.complete
    talkers_pos = heard.talkers_pos
    talkers_neg = heard.talkers_neg
    talk = heard.talk
    pos = heard.pos
    neg = heard.neg
    marketing = 0
    referral = 0
    attributed = 0
    for i in prange(status.shape[0]):
        if status[i] != PROSPECT:
            continue  # as the agent engine, visit prospects only
        n_pos, n_neg = heard_messages(i, complete, talkers_pos, talkers_neg, talk, pos, neg)
        adopted, via, onboards, answer = consider_adoption(
            seed, i, day, status[i], n_pos, n_neg, satisfaction[i], bond[i], onboarding, market, params
        )
        if not adopted:
            continue
        status[i] = CUSTOMER
        acquired_day[i] = day
        acquired_via[i] = via
        pending[i] = onboards
        ltr[i] = answer
        if via == VIA_REFERRAL:
            referral += 1
            j = pick_referrer(seed, i, day, n_pos, complete, indptr, indices, talk, talkers)
            referred_by[i] = j
            if j >= 0:
                attributed += 1
        else:
            marketing += 1
    return marketing, referral, attributed


# -- phase 7: attitudes from word of mouth ------------------------------------------------------
@njit(cache=True, parallel=True)
def _hear_wom(p: People, heard: Heard, market: Market, params: np.ndarray) -> None:
    status = p.status
    satisfaction = p.satisfaction
    bond = p.bond
    ltr = p.ltr
    expectation = p.expectation
    complete = heard.complete
    talkers_pos = heard.talkers_pos
    talkers_neg = heard.talkers_neg
    talk = heard.talk
    pos = heard.pos
    neg = heard.neg
    for i in prange(status.shape[0]):
        if status[i] == CHURNED:
            continue  # as the agent engine, visit prospects and customers only
        n_pos, n_neg = heard_messages(i, complete, talkers_pos, talkers_neg, talk, pos, neg)
        if wom_reaches(status[i], n_pos, n_neg):
            b, answer = hear_wom(
                status[i], n_pos, n_neg, satisfaction[i], bond[i], ltr[i], expectation[i], market, params
            )
            bond[i] = b
            ltr[i] = answer


# -- phase 8: churn -----------------------------------------------------------------------------
@njit(cache=True, parallel=True)
def _consider_churn(seed: int, day: int, p: People, segments: Segments, params: np.ndarray) -> int:
    status = p.status
    segment = p.segment
    satisfaction = p.satisfaction
    bond = p.bond
    failures = p.failures
    last_failure_day = p.last_failure_day
    acquired_day = p.acquired_day
    acquired_via = p.acquired_via
    journey = p.journey
    step_index = p.step_index
    pending = p.pending_onboarding
    left_day = p.left_day
    churn_multiplier = segments.churn_multiplier
    churned = 0
    for i in prange(status.shape[0]):
        if status[i] != CUSTOMER:
            continue  # as the agent engine, visit customers only
        if churns_today(
            seed,
            i,
            day,
            status[i],
            acquired_day[i],
            acquired_via[i],
            satisfaction[i],
            bond[i],
            failures[i],
            last_failure_day[i],
            churn_multiplier[segment[i]],
            params,
        ):
            status[i] = CHURNED
            journey[i] = -1
            step_index[i] = -1
            pending[i] = False
            left_day[i] = day
            churned += 1
    return churned


class VectorModel:
    """A market simulated on arrays; ``step()`` runs one day (same phases as ``AgentModel``).

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
        self.market = spec.market(message_probability(spec.q_wom, spec.size, self.network.mean_degree))
        n = spec.size
        self.people = new_people(n, len(spec.segment_names))
        _init_people(spec.seed, spec.initial_customer_share, spec.segments, spec.params, self.people)
        self.totals = new_totals(len(spec.touchpoint_names), len(spec.step_names))
        self.history: list[dict[str, float]] = []
        self.surveys: list[np.ndarray] = []  # each day's survey tally (cxsim.kernels.voc)
        self.attributed: list[int] = []  # each day's referral acquisitions attributed to a referrer
        self.visits = new_visits(0)  # the last day's contacts
        complete = self.network.complete
        self._pos = np.zeros(0 if complete else n, dtype=np.int32)
        self._neg = np.zeros(0 if complete else n, dtype=np.int32)
        self._by_segment = np.zeros(len(spec.segment_names), dtype=np.int64)
        self.staffing = Staffing(spec, int(np.count_nonzero(self.people.status == CUSTOMER)))
        self._no_talkers = np.zeros(0, dtype=np.int64)

    @property
    def talk(self) -> np.ndarray:
        """The last day's word of mouth per person: +1 praise, -1 warning, 0 silence."""
        return self.people.talk

    def trace_state(self, ids: np.ndarray) -> TraceState:
        """The state of people ``ids`` now, for :class:`cxsim.trace.Tracer` (array look-ups only)."""
        p = self.people
        return TraceState(**{name: getattr(p, name)[ids] for name in TraceState._fields})

    def step(self) -> None:
        """Run one day: the nine phases of the model in order."""
        previous = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        try:
            self._day()
        finally:
            numba.set_num_threads(previous)

    def _day(self) -> None:
        spec, p, net = self.spec, self.people, self.network
        self.day += 1
        day, seed = self.day, spec.seed
        segments, tps, steps, rules, params = spec.segments, spec.touchpoints, spec.steps, spec.rules, spec.params
        ev = DayCounters()
        wd = weekday(spec.start_weekday, day)
        is_open = open_today(tps.open_wd, tps.close_wd, wd)
        # 1. journeys start
        ev.journeys_started = _start_journeys(seed, day, wd, p, spec.journeys, segments)
        # 2. visits
        who, ev.visits_postponed = _visitors(day, p, segments, tps, steps, is_open)
        visits = new_visits(who.shape[0])._replace(person=who)
        _plan_visits(seed, day, wd, is_open, p, visits, segments, tps, steps, rules)
        # 3. service, with today's servers (the weekday's schedule, or planned to a service level)
        staff = self.staffing
        sched_n, sched_edges, sched = staff.schedule(day)
        _serve(visits, tps, sched_n, sched_edges, sched)
        _conclude_service(seed, day, visits, tps, steps, rules)
        # 4. experience
        _experience(day, p, visits, segments, tps, steps, rules)
        ev.journeys_completed, ev.journeys_failed = _finish_journeys(day, p, visits, rules)
        surveyed = new_tally()  # observation only: nothing below reads it
        survey_journeys(
            seed,
            day,
            visits.person,
            visits.step,
            visits.tp,
            visits.target,
            visits.value,
            visits.ces,
            p.ltr[visits.person],
            spec.step_journey,
            spec.csat_threshold,
            spec.survey,
            surveyed,
        )
        # 5. word of mouth
        _decide_talk(seed, day, p, self.market)
        talkers_pos, talkers_neg, ev.wom_positive, ev.wom_negative = deliver_wom(
            p.talk, net.complete, net.indptr, net.indices, self._pos, self._neg
        )
        heard = Heard(net.complete, talkers_pos, talkers_neg, p.talk, self._pos, self._neg)
        # 6. acquisition
        talkers = positive_talkers(p.talk) if net.complete else self._no_talkers
        ev.acquired_marketing, ev.acquired_referral, attributed = _consider_adoption(
            seed, day, p, heard, spec.onboarding_journey, self.market, params, net.indptr, net.indices, talkers
        )
        # 7. attitudes from word of mouth
        _hear_wom(p, heard, self.market, params)
        # 8. churn
        ev.churned = _consider_churn(seed, day, p, segments, params)
        # 9. economics and KPIs
        survey_customers(seed, day, p.status, p.ltr, spec.survey, surveyed)
        self.surveys.append(surveyed)
        self.attributed.append(attributed)
        people = tally_people(p.status, p.segment, p.ltr, p.satisfaction, self._by_segment)
        contacts = tally_contacts(visits, tps, spec.csat_threshold, self.totals)
        staff.record(day, visits.tp, visits.arrival, visits.wait, visits.abandoned, visits.service)
        staff_cost = float(np.sum(staff.server_days(day) * spec.tp_staff_cost))
        record = day_kpis(spec, day, ev, people, self._by_segment, visits.person.shape[0], contacts, staff_cost)
        self.visits = visits
        self.history.append(dataclasses.asdict(record))

    def referral_state(self) -> ReferralState:
        """Who referred whom, and when customers came and left (see :mod:`cxsim.referrals`)."""
        p = self.people
        return ReferralState(p.segment, p.status, p.ltr, p.acquired_via, p.acquired_day, p.referred_by, p.left_day)
