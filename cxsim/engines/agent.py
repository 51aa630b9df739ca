"""The agent engine: a Mesa model with one agent per person and SimPy queues each day.

This engine is the executable specification of the model (``docs/model.md``). ``CxModel.step``
runs one day's nine phases in DESIGN order; every per-person update goes through the shared
numba kernels and every random number is keyed by (seed, stream, person, day, k), so no
result depends on the order in which agents are visited (each phase shuffles them to prove
it). ``CxModel.from_config(cfg)`` builds the model from a validated config.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import simpy

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
from cxsim.queueing import add_simpy_queue
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
    compile_spec,
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

__all__ = ["CxModel", "Person"]


class Person(mesa.Agent):
    """One person in the market: a prospect, a customer or a churned former customer."""

    def __init__(self, model: CxModel, index: int) -> None:
        super().__init__(model)
        spec = model.spec
        seed = spec.seed
        self.index = index
        u = uniform(seed, STREAM_INIT_SEGMENT, index, 0, 0)
        self.segment = int(np.searchsorted(spec.segment_cum_share, u, side="right"))
        self.segment = min(self.segment, len(spec.segment_names) - 1)
        s = self.segment
        is_customer = uniform(seed, STREAM_INIT_STATUS, index, 0, 0) < spec.initial_customer_share
        self.status = CUSTOMER if is_customer else PROSPECT
        self.acquired_via = VIA_INITIAL
        self.acquired_day = 0
        self.pending_onboarding = False
        att, exp_sd = spec.attitude_sd[s], spec.expectation_sd[s]
        # a lasting disposition: the person's initial satisfaction offset stays their offset
        self.disposition = att * normal(seed, STREAM_INIT_ATTITUDE, index, 0, 0)
        self.satisfaction = _unit(spec.initial_satisfaction[s] + self.disposition)
        self.bond = _unit(spec.initial_bond[s] + att * normal(seed, STREAM_INIT_ATTITUDE, index, 0, 1))
        self.expectation = [
            _unit(spec.expectations[s, d] + exp_sd * normal(seed, STREAM_INIT_ATTITUDE, index, 0, 2 + d))
            for d in range(3)
        ]
        self.ltr = ltr_answer(ltr_score(self.satisfaction, self.bond, spec.params))
        self.failures = 0.0
        self.last_failure_day = 0
        # the running journey
        self.journey = -1
        self.step = -1
        self.due_day = -1
        self.contacts = 0
        self.retrying = False
        self.last_tp = -1
        self.last_channel = -1
        self._reset_memory()
        # today's contact
        self.tp = -1
        self.arrival = 0.0
        self.service = 0.0
        self.patience = 0.0
        self.switched = False
        self.wait = 0.0
        self.abandoned = False
        self.resolved = False
        self.wow = False
        self.talk = 0

    def _reset_memory(self) -> None:
        self.m_sum = 0.0
        self.m_weight = 0.0
        self.m_max = 0.0
        self.m_min = 0.0
        self.m_last = 0.0
        self.perf = [0.0, 0.0, 0.0]

    @property
    def nps_class(self) -> int:
        """PROMOTER, PASSIVE or DETRACTOR from the current 0–10 answer."""
        return int(nps_class(self.ltr))

    # -- phase 1: journeys start ---------------------------------------------------------
    def start_journeys(self) -> None:
        m = self.model
        spec, day = m.spec, m.day
        if self.status != CUSTOMER or self.journey >= 0:
            return
        if self.pending_onboarding:
            self.pending_onboarding = False
            self._start(spec.onboarding_journey)
            return
        for j in range(len(spec.journey_names)):
            if spec.journey_trigger[j] != TRIGGER_RATE:
                continue
            if uniform(spec.seed, STREAM_TRIGGER, self.index, day, j) < spec.journey_rate[self.segment, j]:
                self._start(j)
                return

    def _start(self, journey: int) -> None:
        m = self.model
        self.journey = journey
        self.step = int(m.spec.journey_first_step[journey])
        self.due_day = m.day
        self.contacts = 0
        self.retrying = False
        self.last_tp = -1
        self.last_channel = -1
        self._reset_memory()
        m.today.journeys_started += 1

    # -- phase 2: visits -----------------------------------------------------------------
    def plan_visit(self) -> None:
        m = self.model
        spec, day, i = m.spec, m.day, self.index
        seed = spec.seed
        k = self.step
        tp = choose_touchpoint(
            spec.step_touchpoints[k],
            int(spec.step_n_touchpoints[k]),
            spec.channel_preference[self.segment],
            spec.tp_channel,
            self.last_tp,
            self.retrying,
            uniform(seed, STREAM_CHOICE, i, day, 0),
            uniform(seed, STREAM_CHOICE, i, day, 1),
            spec.p_switch_channel,
        )
        ch = int(spec.tp_channel[tp])
        self.tp = int(tp)
        self.switched = self.last_channel >= 0 and not spec.shared_context[self.last_channel, ch]
        open_, close = spec.tp_open[tp], spec.tp_close[tp]
        self.arrival = open_ + uniform(seed, STREAM_ARRIVAL, i, day, 0) * (close - open_)
        factor = spec.silo_time_factor if self.switched else 1.0
        self.service = service_time(int(spec.tp_dist[tp]), spec.tp_mean[tp], spec.tp_cv[tp], seed, i, day, factor)
        self.patience = exponential(seed, STREAM_PATIENCE, i, day, 0, spec.patience_mean[self.segment, tp])
        self.wait = 0.0
        self.abandoned = False

    # -- phase 3: service outcome (after the queues ran) -----------------------------------
    def conclude_service(self) -> None:
        m = self.model
        spec, day, i, tp = m.spec, m.day, self.index, self.tp
        p_res = spec.tp_p_resolve[tp]
        if self.switched:
            p_res = p_res * (1.0 - spec.silo_resolution_penalty)
        u_res = uniform(spec.seed, STREAM_RESOLVE, i, day, 0)
        u_wow = uniform(spec.seed, STREAM_WOW, i, day, 0)
        self.resolved = (not self.abandoned) and u_res < p_res
        self.wow = (not self.abandoned) and u_wow < spec.tp_p_wow[tp] + spec.step_wow_extra[self.step]

    # -- phase 4: experience ---------------------------------------------------------------
    def experience(self) -> None:
        m = self.model
        spec, tp, params = m.spec, self.tp, m.spec.params
        effort = effort_score(
            self.wait, spec.patience_mean[self.segment, tp], self.contacts, self.switched, self.abandoned, params
        )
        q = spec.tp_quality[tp]
        e = self.expectation
        value, p0, p1, p2 = moment_value(
            q[0], q[1], q[2], e[0], e[1], e[2], int(spec.tp_kano[tp]), self.resolved, self.wow, effort, params
        )
        self.m_sum, self.m_weight, self.m_max, self.m_min, self.m_last = memory_add(
            self.m_sum, self.m_weight, self.m_max, self.m_min, self.m_last, value, spec.step_weight[self.step]
        )
        self.perf[0] += p0
        self.perf[1] += p1
        self.perf[2] += p2
        self.contacts += 1
        m.record_contact(self, value, ces_score(effort))
        outcome = OUTCOME_ABANDONED if self.abandoned else (OUTCOME_RESOLVED if self.resolved else OUTCOME_UNRESOLVED)
        target = int(next_target(spec.step_next, self.step, outcome, self.contacts, spec.max_contacts))
        self.last_tp = tp
        self.last_channel = int(spec.tp_channel[tp])
        if target == NEXT_DONE:
            self._finish(gave_up=False)
        elif target == NEXT_GIVE_UP:
            self._finish(gave_up=True)
        elif target == NEXT_RETRY:
            self.retrying = True
            self.due_day = m.day + spec.retry_delay_days
        else:
            self.retrying = False
            self.step = target
            self.due_day = m.day + int(spec.step_delay[target])

    def _finish(self, gave_up: bool) -> None:
        m = self.model
        spec = m.spec
        _, s, b, e0, e1, e2, ltr, f = end_of_journey(
            self.satisfaction,
            self.bond,
            self.expectation[0],
            self.expectation[1],
            self.expectation[2],
            self.m_sum,
            self.m_weight,
            self.m_max,
            self.m_min,
            self.m_last,
            self.perf[0],
            self.perf[1],
            self.perf[2],
            self.contacts,
            gave_up,
            self.failures,
            float(m.day - self.last_failure_day),
            spec.memory_rule,
            spec.params,
            self.disposition,
        )
        self.satisfaction, self.bond, self.expectation = s, b, [e0, e1, e2]
        self.ltr = int(ltr)
        if gave_up:
            self.failures = f
            self.last_failure_day = m.day
            m.today.journeys_failed += 1
        else:
            m.today.journeys_completed += 1
        self.journey = -1
        self.step = -1

    # -- phase 5: word of mouth --------------------------------------------------------------
    def decide_talk(self) -> None:
        spec = self.model.spec
        u = uniform(spec.seed, STREAM_TALK, self.index, self.model.day, 0)
        self.talk = 0
        if spec.talk_all_customers:
            if u < spec.p_talk_promoter:
                self.talk = 1
            return
        cls = self.nps_class
        if cls == PROMOTER and u < spec.p_talk_promoter:
            self.talk = 1
        elif cls == DETRACTOR and u < spec.p_talk_detractor:
            self.talk = -1

    # -- phase 6: acquisition -------------------------------------------------------------
    def consider_adoption(self) -> None:
        m = self.model
        spec, day, i = m.spec, m.day, self.index
        n_pos, n_neg = m.messages(i)
        h = adoption_hazard(spec.p_marketing, m.q_message, n_pos, n_neg, spec.nwom_suppression)
        if uniform(spec.seed, STREAM_ADOPTION, i, day, 0) >= h:
            return
        referral = uniform(spec.seed, STREAM_ADOPTION, i, day, 1) < referral_share(spec.p_marketing, m.q_message, n_pos)
        self.status = CUSTOMER
        self.acquired_day = day
        self.acquired_via = VIA_REFERRAL if referral else VIA_MARKETING
        self.pending_onboarding = spec.onboarding_journey >= 0
        self.ltr = ltr_answer(ltr_score(self.satisfaction, self.bond, spec.params))
        if referral:
            m.today.acquired_referral += 1
        else:
            m.today.acquired_marketing += 1

    # -- phase 7: attitudes from word of mouth ----------------------------------------------
    def hear_wom(self) -> None:
        m = self.model
        spec = m.spec
        n_pos, n_neg = m.messages(self.index)
        if n_pos == 0 and n_neg == 0:
            return
        if self.status == CUSTOMER:
            self.bond = wom_bond(self.bond, n_pos, n_neg, spec.bond_gain_per_message, spec.bond_loss_per_message)
            self.ltr = ltr_answer(ltr_score(self.satisfaction, self.bond, spec.params))
        elif self.status == PROSPECT:
            self.expectation = [hype(e, n_pos, spec.hype_per_message) for e in self.expectation]

    # -- phase 8: churn ---------------------------------------------------------------------
    def consider_churn(self) -> None:
        m = self.model
        spec, day = m.spec, m.day
        if self.acquired_day >= day:
            return  # nobody leaves on the day they joined
        failures = decayed_failures(self.failures, float(day - self.last_failure_day), spec.params)
        h = churn_hazard(
            self.satisfaction,
            self.bond,
            failures,
            spec.churn_multiplier[self.segment],
            self.acquired_via == VIA_REFERRAL,
            spec.params,
        )
        if uniform(spec.seed, STREAM_CHURN, self.index, day, 0) < h:
            self.status = CHURNED
            self.journey = -1
            self.step = -1
            self.pending_onboarding = False
            m.today.churned += 1


def _unit(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


class CxModel(mesa.Model):
    """A market of people living through a journey, one Mesa step per day.

    Args:
        spec: the compiled model (see :func:`cxsim.spec.compile_spec`).
        network: the social network; built from ``spec`` when omitted.
    """

    def __init__(self, *, spec: ModelSpec, network: SocialNetwork | None = None) -> None:
        super().__init__(rng=spec.seed)
        self.spec = spec
        self.day = 0
        self.network = network or build_network(
            spec.seed, spec.size, spec.network_kind, spec.mean_degree, spec.rewire_prob
        )
        self.q_message = spec.q_wom / self.network.mean_degree if spec.size > 1 else 0.0
        self.people: list[Person] = [Person(self, i) for i in range(spec.size)]
        self.today = DayCounters()
        self.totals = TouchpointTotals(len(spec.touchpoint_names), len(spec.step_names))
        self.history: list[dict[str, float]] = []
        self._visitors: list[Person] = []
        self._contact_values: list[tuple[int, float, float]] = []
        self._pos = np.zeros(spec.size, dtype=np.int64)
        self._neg = np.zeros(spec.size, dtype=np.int64)
        self._total_pos = 0
        self._total_neg = 0

    @classmethod
    def from_config(cls, cfg: Any) -> CxModel:
        """Build the model from a validated config (see :func:`cxsim.load_config`)."""
        return cls(spec=compile_spec(cfg))

    # -- helpers used by the agents ----------------------------------------------------------
    def messages(self, i: int) -> tuple[int, int]:
        """Positive and negative WOM messages person ``i`` heard today."""
        if self.network.complete:
            me = self.people[i].talk
            return self._total_pos - (1 if me > 0 else 0), self._total_neg - (1 if me < 0 else 0)
        return int(self._pos[i]), int(self._neg[i])

    def record_contact(self, person: Person, value: float, ces: float) -> None:
        """Book one contact's outcome into today's counters and the touchpoint totals."""
        self._contact_values.append((person.index, value, ces))
        t = self.totals
        tp = person.tp
        k = person.step
        t.visits[tp] += 1
        t.step_visits[k, tp] += 1
        if person.abandoned:
            t.abandoned[tp] += 1
            t.step_abandoned[k, tp] += 1
        else:
            t.served[tp] += 1
        if person.resolved:
            t.resolved[tp] += 1
            t.step_resolved[k, tp] += 1
        if person.wow:
            t.wows[tp] += 1

    def _shuffled(self, people: list[Person]) -> list[Person]:
        order = list(people)
        self.random.shuffle(order)  # NOTE: order must not matter; shuffling proves it
        return order

    # -- one day ----------------------------------------------------------------------------
    def step(self) -> None:
        """Run one day: the nine phases of the model in order."""
        self.day += 1
        self.today = DayCounters()
        customers = [p for p in self.people if p.status == CUSTOMER]
        # 1. journeys start
        for p in self._shuffled(customers):
            p.start_journeys()
        # 2. visits
        self._visitors = sorted(
            (p for p in customers if p.journey >= 0 and p.due_day == self.day), key=lambda p: p.index
        )
        for p in self._shuffled(self._visitors):
            p.plan_visit()
        # 3. service: SimPy queues at staffed touchpoints, then outcomes
        self._serve()
        for p in self._shuffled(self._visitors):
            p.conclude_service()
        # 4. experience
        self._contact_values = []
        for p in self._shuffled(self._visitors):
            p.experience()
        # 5. word of mouth
        for p in self._shuffled(customers):
            p.decide_talk()
        self._deliver_wom(customers)
        # 6. acquisition
        prospects = [p for p in self.people if p.status == PROSPECT]
        for p in self._shuffled(prospects):
            p.consider_adoption()
        # 7. attitudes from word of mouth
        for p in self._shuffled([p for p in self.people if p.status != CHURNED]):
            p.hear_wom()
        # 8. churn
        for p in self._shuffled([p for p in self.people if p.status == CUSTOMER]):
            p.consider_churn()
        # 9. economics and KPIs
        for p in customers:
            p.talk = 0
        self.history.append(self._kpis())

    def _serve(self) -> None:
        spec = self.spec
        env = simpy.Environment()
        queues: list[tuple[list[Person], np.ndarray, np.ndarray]] = []
        for tp in range(len(spec.touchpoint_names)):
            here = [p for p in self._visitors if p.tp == tp]
            if not here or not spec.tp_staffed[tp]:
                continue  # self-service: served at once, no wait
            here.sort(key=lambda p: (p.arrival, p.index))
            n = len(here)
            waits = np.zeros(n)
            abandoned = np.zeros(n, dtype=np.bool_)
            add_simpy_queue(
                env,
                np.array([p.arrival for p in here]),
                np.array([p.service for p in here]),
                np.array([p.patience for p in here]),
                int(spec.tp_servers[tp]),
                waits,
                abandoned,
            )
            queues.append((here, waits, abandoned))
        env.run()
        for here, waits, abandoned in queues:
            for p, w, a in zip(here, waits, abandoned, strict=True):
                p.wait = float(w)
                p.abandoned = bool(a)

    def _deliver_wom(self, customers: list[Person]) -> None:
        self._pos[:] = 0
        self._neg[:] = 0
        pos = [p.index for p in customers if p.talk > 0]
        neg = [p.index for p in customers if p.talk < 0]
        self._total_pos, self._total_neg = len(pos), len(neg)
        net = self.network
        if net.complete:
            n_other = self.spec.size - 1
            self.today.wom_positive = len(pos) * n_other
            self.today.wom_negative = len(neg) * n_other
            return
        for i in pos:
            self._pos[net.neighbours(i)] += 1
        for i in neg:
            self._neg[net.neighbours(i)] += 1
        self.today.wom_positive = int(self._pos.sum())
        self.today.wom_negative = int(self._neg.sum())

    def _kpis(self) -> dict[str, float]:
        spec, t = self.spec, self.totals
        by_seg = [0] * len(spec.segment_names)
        prospects = customers = promoters = detractors = 0
        sat_sum = 0.0
        for p in self.people:  # person-index order: float sums in a canonical order
            if p.status == CUSTOMER:
                customers += 1
                by_seg[p.segment] += 1
                sat_sum += p.satisfaction
                cls = p.nps_class
                if cls == PROMOTER:
                    promoters += 1
                elif cls == DETRACTOR:
                    detractors += 1
            elif p.status == PROSPECT:
                prospects += 1
        # the day's contacts, in person-index order
        staffed = 0
        wait_sum = 0.0
        contact_cost = 0.0
        for p in self._visitors:
            tp = p.tp
            t.contact_cost[tp] += spec.tp_cost[tp]
            contact_cost += spec.tp_cost[tp]
            if spec.tp_staffed[tp]:
                staffed += 1
                wait_sum += p.wait
                t.wait_sum[tp] += p.wait
                t.staffed_visits[tp] += 1
                if not p.abandoned and p.wait <= SERVICE_LEVEL_MIN:
                    t.within_target[tp] += 1
        satisfied = 0
        ces_sum = 0.0
        for idx, value, ces in sorted(self._contact_values):
            ces_sum += ces
            t.moment_sum[self.people[idx].tp] += value
            if value > spec.csat_threshold:
                satisfied += 1
        tally = DayTally(
            prospects=prospects,
            customers=customers,
            promoters=promoters,
            detractors=detractors,
            satisfaction_sum=sat_sum,
            customers_by_segment=by_seg,
            visits=len(self._visitors),
            abandoned=sum(1 for p in self._visitors if p.abandoned),
            resolved=sum(1 for p in self._visitors if p.resolved),
            staffed_visits=staffed,
            wait_sum=wait_sum,
            satisfied=satisfied,
            ces_sum=ces_sum,
            contact_cost=contact_cost,
        )
        return day_kpis(spec, self.day, self.today, tally)
