"""The vector engine: the agent engine's model on struct-of-arrays state and numba loops.

The same phases, in the same order, as :mod:`cxsim.engines.agent`, each calling the shared
kernel for the rule (:mod:`cxsim.kernels`; the map is in ``docs/model.md`` §5). The whole-market
phases run fused in two parallel passes a day (:mod:`cxsim.engines.vector_day`: morning and
evening), the rest over today's visitors and talkers only; ``docs/performance.md`` describes the
passes. Each person's update depends only on that person's state and today's talk and message
counts, so results are identical at any thread count; phases over today's contacts, and every
float sum, run in person-index order.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba import njit

from cxsim.counters import DayCounters
from cxsim.engines.threads import Runner
from cxsim.engines.vector_day import EVENING_COUNTS, after_service, evening, gather, morning, n_chunks, tell
from cxsim.kernels.behaviour import churn_ceiling
from cxsim.kernels.codes import CUSTOMER, VIA_INITIAL
from cxsim.kernels.groups import (
    Heard,
    ReferralState,
    Rules,
    Segments,
    Steps,
    Touchpoints,
    Visits,
    new_totals,
    new_visits,
)
from cxsim.kernels.journey import plan_visit
from cxsim.kernels.population import initial_person
from cxsim.kernels.staffing import Staffing
from cxsim.kernels.tallies import satisfaction_sum, tally_contacts
from cxsim.kernels.voc import new_tally, survey_customers, survey_journeys
from cxsim.kernels.week import open_today, weekday
from cxsim.kernels.wom import message_probability, positive_talkers
from cxsim.kpis import day_kpis, history_row
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
# field read (or passed on) inside a loop costs reference counting on every iteration. No kernel
# uses prange any more (it also had a correctness trap: numba's parfor pass, 0.68, silently loses
# writes made to a named tuple's arrays inside the loop body); they run on
# cxsim.engines.threads. The rules are inline="always", so the loop body is as tight as if the
# rule were in it.


# -- day 0 ------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _init_people(
    lo: int, hi: int, seed: int, customer_share: float, segments: Segments, params: np.ndarray, p: People
) -> None:
    """Day 0 for people ``lo .. hi - 1`` (a block on :class:`~cxsim.engines.threads.Runner`)."""
    segment = p.segment
    status = p.status
    disposition = p.disposition
    satisfaction = p.satisfaction
    bond = p.bond
    ltr = p.ltr
    expectation = p.expectation
    for i in range(lo, hi):
        s, st, d, sat, b, answer = initial_person(seed, i, customer_share, segments, expectation[i], params)
        segment[i] = s
        status[i] = st
        disposition[i] = d
        satisfaction[i] = sat
        bond[i] = b
        ltr[i] = answer


# -- phase 2: visits (today's visitors come from vector_day.morning) --------------------------
@njit(cache=True, nogil=True)
def _plan_visits(
    n0: int,
    n1: int,
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
    p_switch = rules.p_switch
    silo_time = rules.silo_time
    # visits n0 .. n1 - 1 (Runner blocks): each is planned from its own person's state and keyed
    # draws, so blocks run in parallel
    for n in range(n0, n1):
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
            p_switch,
            silo_time,
        )
        v_tp[n] = tp
        v_step[n] = k
        v_switched[n] = switched
        v_arrival[n] = arrival
        v_service[n] = service
        v_patience[n] = patience


# -- phase 3: service ---------------------------------------------------------------------------
@njit(cache=True)
def _serve(v: Visits, tps: Touchpoints, n_intervals: np.ndarray, starts: np.ndarray, servers: np.ndarray) -> None:
    """One FIFO queue per staffed touchpoint, in (arrival, person) order; self-service waits 0.
    Today's servers: ``n_intervals[tp]`` intervals starting at ``starts[tp]`` with
    ``servers[tp]`` servers (:meth:`~cxsim.kernels.staffing.Staffing.schedule`), or the
    touchpoint's ``servers`` all day if 0.

    NOTE: the queues are independent and could be served in parallel, but one queue carries most
    visits (at most ~10 % faster at 1M people) and a parallel loop costs ~4 s of compile time."""
    staffed = tps.staffed
    for tp in range(staffed.shape[0]):
        if staffed[tp]:
            _serve_queue(tp, v, tps, n_intervals[tp], starts[tp], servers[tp])


@njit(cache=True)
def _serve_queue(tp: int, v: Visits, tps: Touchpoints, ns: int, edges: np.ndarray, servers: np.ndarray) -> None:
    """Touchpoint ``tp``'s queue of today (see :func:`_serve`)."""
    v_tp = v.tp
    v_arrival = v.arrival
    nv = v_tp.shape[0]
    m = 0
    for n in range(nv):
        if v_tp[n] == tp:
            m += 1
    if m == 0:
        return
    here = np.empty(m, dtype=np.int64)
    a = np.empty(m)
    c = 0
    for n in range(nv):
        if v_tp[n] == tp:
            here[c] = n
            a[c] = v_arrival[n]
            c += 1
    here = here[np.argsort(a, kind="mergesort")]  # stable: ties stay in person order
    if ns > 0:
        waits, abandoned = _shift_waits(v_arrival[here], v.service[here], v.patience[here], edges[:ns], servers[:ns])
    else:
        waits, abandoned = _fifo_waits(v_arrival[here], v.service[here], v.patience[here], tps.servers[tp])
    for c in range(m):
        v.wait[here[c]] = waits[c]
        v.abandoned[here[c]] = abandoned[c]


class VectorModel:
    """A market simulated on arrays; ``step()`` runs one day (same phases as ``AgentModel``).

    Args:
        spec: the compiled model (see :func:`cxsim.spec.compile_spec`).
        network: the social network; built from ``spec`` when omitted.
        threads: threads for the whole-market and per-visit phases (default: numba's thread count from
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
        Runner(self.threads).run(
            _init_people, n, spec.seed, spec.initial_customer_share, spec.segments, spec.params, self.people
        )
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
        # the fused passes' bookkeeping (cxsim.engines.vector_day): per-chunk lists and counts
        chunks = n_chunks(n)
        self._scratch = np.empty(n, dtype=np.int32)
        self._n_visitors = np.zeros(chunks, dtype=np.int64)
        self._n_talkers = np.zeros(chunks, dtype=np.int64)
        self._counts = np.zeros((chunks, len(EVENING_COUNTS)), dtype=np.int64)
        self._chunk_segments = np.zeros((chunks, len(spec.segment_names)), dtype=np.int64)
        self._churn_terms = churn_ceiling(spec.params)

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
        spec, p, net, run = self.spec, self.people, self.network, Runner(self.threads)
        self.day += 1
        day, seed = self.day, spec.seed
        segments, tps, steps, rules, params = spec.segments, spec.touchpoints, spec.steps, spec.rules, spec.params
        ev = DayCounters()
        wd = weekday(spec.start_weekday, day)
        is_open = open_today(tps.open_wd, tps.close_wd, wd)
        # 1. journeys start, 2. who is due, 5. who talks among those making no contact (one pass)
        ev.journeys_started, ev.visits_postponed = morning(
            run, seed, day, wd, is_open, p, spec.journeys, segments, tps, steps, self.market,
            self._scratch, self._n_visitors, self._n_talkers,
        )  # fmt: skip
        who, talkers = gather(self._scratch, spec.size, self._n_visitors, self._n_talkers)
        # 2. visits
        visits = new_visits(who.shape[0])._replace(person=who)
        run.run(_plan_visits, who.shape[0], seed, day, wd, is_open, p, visits, segments, tps, steps, rules)
        # 3. service, with today's servers (the weekday's schedule, or planned to a service level)
        staff = self.staffing
        sched_n, sched_edges, sched = staff.schedule(day)
        _serve(visits, tps, sched_n, sched_edges, sched)
        # 3. resolution, 4. experience and journeys ended, 5. the visitors' talk
        ev.journeys_completed, ev.journeys_failed = after_service(
            run, seed, day, p, visits, segments, tps, steps, rules, self.market
        )
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
        # 5. word of mouth, from today's talkers only
        talkers_pos, talkers_neg, ev.wom_positive, ev.wom_negative = tell(
            talkers, who, p.talk, net.complete, net.indptr, net.indices, self._pos, self._neg
        )
        heard = Heard(net.complete, talkers_pos, talkers_neg, p.talk, self._pos, self._neg)
        # 6. acquisition, 7. attitudes from word of mouth, 8. churn, 9. the people counts (one pass)
        praising = positive_talkers(p.talk) if net.complete else self._no_talkers
        evening(
            run, seed, day, p, heard, spec.onboarding_journey, self.market, segments, params, self._churn_terms,
            net.indptr, net.indices, praising, self._counts, self._chunk_segments,
        )  # fmt: skip
        prospects, customers, promoters, detractors, marketing, referral, attributed, churned = (
            int(x) for x in self._counts.sum(axis=0)
        )
        ev.acquired_marketing, ev.acquired_referral, ev.churned = marketing, referral, churned
        # 9. economics and KPIs
        survey_customers(seed, day, p.status, p.ltr, spec.survey, surveyed)
        self.surveys.append(surveyed)
        self.attributed.append(attributed)
        self._by_segment[:] = self._chunk_segments.sum(axis=0)
        people = (prospects, customers, promoters, detractors, satisfaction_sum(p.status, p.satisfaction))
        contacts = tally_contacts(visits, tps, spec.csat_threshold, self.totals)
        staff.record(day, visits.tp, visits.arrival, visits.wait, visits.abandoned, visits.service)
        staff_cost = float(np.sum(staff.server_days(day) * spec.tp_staff_cost))
        record = day_kpis(spec, day, ev, people, self._by_segment, visits.person.shape[0], contacts, staff_cost)
        self.visits = visits
        self.history.append(history_row(record))

    def referral_state(self) -> ReferralState:
        """Who referred whom, and when customers came and left (see :mod:`cxsim.referrals`)."""
        p = self.people
        return ReferralState(p.segment, p.status, p.ltr, p.acquired_via, p.acquired_day, p.referred_by, p.left_day)
