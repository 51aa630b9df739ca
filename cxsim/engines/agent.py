"""The agent engine: a Mesa model with one agent per person and SimPy queues each day.

This engine is the executable specification of the model (``docs/model.md``).
``AgentModel.step`` runs one day's nine phases in the order of ``docs/model.md`` §1.4, under the same names as the
vector engine's phases: each :class:`Person` method calls the shared kernel for its rule
(:mod:`cxsim.kernels`; the map is in ``docs/model.md`` §5) and only stores what it returns.
Every random number is keyed by (seed, stream, person, day, k), so no result depends on the
order in which agents are visited (each phase shuffles them to prove it).
``AgentModel.from_config(cfg)`` builds the model from a validated config.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import simpy

from cxsim.counters import DayCounters
from cxsim.kernels import journey as jk
from cxsim.kernels import population, tallies, week, wom
from cxsim.kernels import voc as surveys
from cxsim.kernels.behaviour import nps_class
from cxsim.kernels.codes import CHURNED, CUSTOMER, NEXT_GIVE_UP, PROSPECT, VIA_INITIAL, VIA_REFERRAL
from cxsim.kernels.groups import ReferralState, Visits, new_totals, new_visits
from cxsim.kernels.staffing import Staffing
from cxsim.kpis import day_kpis, history_row
from cxsim.network import SocialNetwork, build_network
from cxsim.queueing import add_simpy_queue, add_simpy_shift_queue
from cxsim.spec import ModelSpec, compile_spec
from cxsim.trace import TraceState

__all__ = ["AgentModel", "Person"]


class Person(mesa.Agent):
    """One person in the market: a prospect, a customer or a churned former customer."""

    def __init__(self, model: AgentModel, index: int) -> None:
        super().__init__(model)
        spec = model.spec
        self.index = index
        self.expectation = np.zeros((1, 3))  # one row: the kernels take (array, row)
        self.segment, self.status, self.disposition, self.satisfaction, self.bond, self.ltr = population.initial_person(
            spec.seed, index, spec.initial_customer_share, spec.segments, self.expectation[0], spec.params
        )
        self.acquired_via = VIA_INITIAL
        self.acquired_day = 0
        self.pending_onboarding = False
        self.failures = 0.0
        self.last_failure_day = 0
        self.referred_by = -1  # the referrer, if acquired by referral (observation only)
        self.left_day = 0  # the day this customer churned, 0 if not (observation only)
        # the running journey
        self.journey = -1
        self.step_index = -1
        self.due_day = -1
        self.contacts = 0
        self.retrying = False
        self.last_tp = -1
        self.last_channel = -1
        self.memory = np.zeros((1, 5))  # sum, weight, max, min, last
        self.perf = np.zeros((1, 3))  # perceived performance sums
        # today's contact
        self.tp = -1
        self.contact_step = -1
        self.switched = False
        self.arrival = 0.0
        self.service = 0.0
        self.patience = 0.0
        self.wait = 0.0
        self.abandoned = False
        self.resolved = False
        self.wow = False
        self.value = 0.0
        self.ces = 0.0
        self.target = 0
        self.talk = 0

    @property
    def nps_class(self) -> int:
        """PROMOTER, PASSIVE or DETRACTOR from the current 0–10 answer."""
        return int(nps_class(self.ltr))

    # -- phase 1: journeys start ---------------------------------------------------------
    def start_journeys(self) -> None:
        m = self.model
        spec = m.spec
        j = jk.journey_to_start(
            spec.seed,
            self.index,
            m.day,
            self.status,
            self.journey,
            self.segment,
            self.pending_onboarding,
            spec.journey_trigger,
            spec.onboarding_journey,
            spec.journey_rate,
            spec.weekday_factor[m.weekday],
            spec.journey_period,
        )
        if j < 0:
            return
        self.pending_onboarding = False
        self.journey = j
        fresh = jk.start_journey(j, m.day, spec.journey_first_step, self.memory, self.perf, 0)
        self.step_index, self.due_day, self.contacts, self.retrying, self.last_tp, self.last_channel = fresh
        m.today.journeys_started += 1

    # -- phase 2: visits -----------------------------------------------------------------
    def contact_today(self) -> bool:
        """The due contact happens today, or (the step's touchpoints all closed) moves to tomorrow."""
        m = self.model
        spec = m.spec
        k = self.step_index
        self.due_day = week.contact_day(
            m.day,
            spec.step_touchpoints[k],
            spec.step_n_touchpoints[k],
            spec.channel_preference[self.segment],
            spec.tp_channel,
            m.is_open,
        )
        if self.due_day == m.day:
            return True
        m.today.visits_postponed += 1
        return False

    def plan_visit(self) -> None:
        m = self.model
        spec = m.spec
        k, s = self.step_index, self.segment
        self.tp, self.switched, self.arrival, self.service, self.patience = jk.plan_visit(
            spec.seed,
            self.index,
            m.day,
            m.weekday,
            m.is_open,
            self.last_tp,
            self.last_channel,
            self.retrying,
            spec.step_touchpoints[k],
            spec.step_n_touchpoints[k],
            spec.channel_preference[s],
            spec.patience_mean[s],
            spec.tp_channel,
            spec.tp_open_wd,
            spec.tp_close_wd,
            spec.tp_prof_n,
            spec.tp_prof_edges_wd,
            spec.tp_prof_cum_wd,
            spec.tp_dist,
            spec.tp_mean,
            spec.tp_cv,
            spec.shared_context,
            spec.p_switch_channel,
            spec.silo_time_factor,
        )
        self.contact_step = self.step_index
        self.wait = 0.0
        self.abandoned = False

    # -- phase 3: service outcome (after the queues ran) -----------------------------------
    def conclude_service(self) -> None:
        m = self.model
        spec = m.spec
        self.resolved, self.wow = jk.conclude_service(
            spec.seed,
            self.index,
            m.day,
            self.switched,
            self.abandoned,
            spec.tp_p_resolve[self.tp],
            spec.tp_p_wow[self.tp],
            spec.step_wow_extra[self.contact_step],
            spec.silo_resolution_penalty,
        )

    # -- phase 4: experience ---------------------------------------------------------------
    def experience(self) -> None:
        m = self.model
        spec = m.spec
        self.value, self.ces, self.contacts = jk.experience_contact(
            self.wait,
            spec.patience_mean[self.segment, self.tp],
            self.contacts,
            self.switched,
            self.abandoned,
            self.resolved,
            self.wow,
            spec.tp_quality,
            self.tp,
            spec.tp_kano[self.tp],
            spec.step_weight[self.contact_step],
            self.expectation,
            self.memory,
            self.perf,
            0,
            spec.params,
        )
        outcome = jk.contact_outcome(self.abandoned, self.resolved)
        self.target, self.step_index, self.due_day, self.retrying = jk.advance_journey(
            self.step_index,
            outcome,
            self.contacts,
            m.day,
            self.due_day,
            self.retrying,
            spec.step_next,
            spec.step_delay,
            spec.retry_delay_days,
            spec.max_contacts,
        )
        self.last_tp = self.tp
        self.last_channel = int(spec.tp_channel[self.tp])
        if jk.journey_ends(self.target):
            self._finish(gave_up=self.target == NEXT_GIVE_UP)

    def _finish(self, gave_up: bool) -> None:
        m = self.model
        self.satisfaction, self.bond, self.ltr, self.failures, self.last_failure_day = jk.finish_journey(
            gave_up,
            m.day,
            self.satisfaction,
            self.bond,
            self.expectation,
            self.memory,
            self.perf,
            0,
            self.contacts,
            self.failures,
            self.last_failure_day,
            self.disposition,
            m.spec.memory_rule,
            m.spec.params,
        )
        self.journey = -1
        if gave_up:
            m.today.journeys_failed += 1
        else:
            m.today.journeys_completed += 1

    # -- phase 5: word of mouth --------------------------------------------------------------
    def decide_talk(self) -> None:
        m = self.model
        self.talk = wom.talks_today(m.spec.seed, self.index, m.day, self.status, self.ltr, m.market)

    # -- phase 6: acquisition -------------------------------------------------------------
    def consider_adoption(self) -> None:
        m = self.model
        spec = m.spec
        n_pos, n_neg = m.messages(self.index)
        adopted, via, pending, ltr = wom.consider_adoption(
            spec.seed,
            self.index,
            m.day,
            self.status,
            n_pos,
            n_neg,
            self.satisfaction,
            self.bond,
            spec.onboarding_journey,
            m.market,
            spec.params,
        )
        if not adopted:
            return
        self.status = CUSTOMER
        self.acquired_day = m.day
        self.acquired_via = via
        self.pending_onboarding = pending
        self.ltr = ltr
        if via == VIA_REFERRAL:
            net = m.network
            self.referred_by = wom.pick_referrer(
                spec.seed, self.index, m.day, n_pos, net.complete, net.indptr, net.indices, m.talk, m.talkers
            )
            m.attributed_today += int(self.referred_by >= 0)
            m.today.acquired_referral += 1
        else:
            m.today.acquired_marketing += 1

    # -- phase 7: attitudes from word of mouth ----------------------------------------------
    def hear_wom(self) -> None:
        m = self.model
        n_pos, n_neg = m.messages(self.index)
        if not wom.wom_reaches(self.status, n_pos, n_neg):
            return
        self.bond, self.ltr = wom.hear_wom(
            self.status,
            n_pos,
            n_neg,
            self.satisfaction,
            self.bond,
            self.ltr,
            self.expectation[0],
            m.market,
            m.spec.params,
        )

    # -- phase 8: churn ---------------------------------------------------------------------
    def consider_churn(self) -> None:
        m = self.model
        spec = m.spec
        if population.churns_today(
            spec.seed,
            self.index,
            m.day,
            self.status,
            self.acquired_day,
            self.acquired_via,
            self.satisfaction,
            self.bond,
            self.failures,
            self.last_failure_day,
            spec.churn_multiplier[self.segment],
            spec.params,
        ):
            self.status = CHURNED
            self.journey = -1
            self.step_index = -1
            self.pending_onboarding = False
            self.left_day = m.day
            m.today.churned += 1


class AgentModel(mesa.Model):
    """A market of people living through a journey, one Mesa step per day.

    Args:
        spec: the compiled model (see :func:`cxsim.spec.compile_spec`).
        network: the social network; built from ``spec`` when omitted.
    """

    def __init__(self, *, spec: ModelSpec, network: SocialNetwork | None = None) -> None:
        super().__init__(rng=spec.seed)
        self.spec = spec
        self.day = 0
        self.weekday = 0  # today's (cxsim.kernels.week.weekday)
        self.is_open = np.ones(len(spec.touchpoint_names), dtype=np.bool_)  # touchpoints open today
        self.network = network or build_network(
            spec.seed, spec.size, spec.network_kind, spec.mean_degree, spec.rewire_prob
        )
        self.market = spec.market(wom.message_probability(spec.q_wom, spec.size, self.network.mean_degree))
        self.people: list[Person] = [Person(self, i) for i in range(spec.size)]
        self.today = DayCounters()
        self.totals = new_totals(len(spec.touchpoint_names), len(spec.step_names))
        self.history: list[dict[str, float]] = []
        self.surveys: list[np.ndarray] = []  # each day's survey tally (cxsim.kernels.voc)
        self.attributed: list[int] = []  # each day's referral acquisitions attributed to a referrer
        self.attributed_today = 0
        self.talk = np.zeros(spec.size, dtype=np.int8)  # today's talk, for naming referrers
        self.talkers = np.zeros(0, dtype=np.int64)
        self._visitors: list[Person] = []
        self._pos = np.zeros(spec.size, dtype=np.int64)
        self._neg = np.zeros(spec.size, dtype=np.int64)
        self._heard_pos = np.zeros(spec.size, dtype=np.int64)
        self._heard_neg = np.zeros(spec.size, dtype=np.int64)
        self.staffing = Staffing(spec, sum(1 for p in self.people if p.status == CUSTOMER))
        self.talk = np.zeros(spec.size, dtype=np.int8)  # the last day's word of mouth per person
        self.visits = new_visits(0)  # the last day's contacts

    @classmethod
    def from_config(cls, cfg: Any) -> AgentModel:
        """Build the model from a validated config (see :func:`cxsim.load_config`)."""
        return cls(spec=compile_spec(cfg))

    def trace_state(self, ids: np.ndarray) -> TraceState:
        """The state of people ``ids`` now, for :class:`cxsim.trace.Tracer`."""
        who = [self.people[int(i)] for i in ids]

        def col(name: str, dtype: Any) -> np.ndarray:
            return np.array([getattr(p, name) for p in who], dtype=dtype)

        memory = np.array([p.memory[0] for p in who], dtype=np.float64).reshape(len(who), 5)
        return TraceState(
            segment=col("segment", np.int64),
            status=col("status", np.int8),
            acquired_via=col("acquired_via", np.int8),
            satisfaction=col("satisfaction", np.float64),
            ltr=col("ltr", np.int8),
            contacts=col("contacts", np.int32),
            memory=memory,
        )

    def messages(self, i: int) -> tuple[int, int]:
        """Positive and negative WOM messages person ``i`` heard today (``wom.heard_messages``)."""
        return int(self._heard_pos[i]), int(self._heard_neg[i])

    def _shuffled(self, people: list[Person]) -> list[Person]:
        order = list(people)
        self.random.shuffle(order)  # NOTE: order must not matter; shuffling proves it
        return order

    # -- one day ----------------------------------------------------------------------------
    def step(self) -> None:
        """Run one day: the nine phases of the model in order."""
        self.day += 1
        self.today = DayCounters()
        self.weekday = int(week.weekday(self.spec.start_weekday, self.day))
        self.is_open = week.open_today(self.spec.tp_open_wd, self.spec.tp_close_wd, self.weekday)
        customers = [p for p in self.people if p.status == CUSTOMER]
        # 1. journeys start
        for p in self._shuffled(customers):
            p.start_journeys()
        # 2. visits (a contact whose step is closed today moves to tomorrow)
        due = [p for p in customers if jk.visits_today(self.day, p.status, p.journey, p.due_day)]
        self._visitors = [p for p in self._shuffled(due) if p.contact_today()]
        self._visitors.sort(key=lambda p: p.index)
        for p in self._shuffled(self._visitors):
            p.plan_visit()
        # 3. service: SimPy queues at staffed touchpoints, then outcomes
        self._serve()
        for p in self._shuffled(self._visitors):
            p.conclude_service()
        # 4. experience
        for p in self._shuffled(self._visitors):
            p.experience()
        visits = self._visits()
        surveyed = surveys.new_tally()  # observation only: nothing below reads it
        ltr = np.fromiter((p.ltr for p in self._visitors), dtype=np.int8, count=len(self._visitors))
        spec = self.spec
        surveys.survey_journeys(
            spec.seed,
            self.day,
            visits.person,
            visits.step,
            visits.tp,
            visits.target,
            visits.value,
            visits.ces,
            ltr,
            spec.step_journey,
            spec.csat_threshold,
            spec.survey,
            surveyed,
        )
        # 5. word of mouth
        for p in self._shuffled(customers):
            p.decide_talk()
        self._deliver_wom()
        # 6. acquisition
        self.attributed_today = 0
        for p in self._shuffled([p for p in self.people if p.status == PROSPECT]):
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
        self._tally(visits, surveyed)

    def _serve(self) -> None:
        spec = self.spec
        env = simpy.Environment()
        queues: list[tuple[list[Person], np.ndarray, np.ndarray]] = []
        sched_n, sched_edges, sched = self.staffing.schedule(self.day)  # today's servers (planned or fixed)
        for tp in range(len(spec.touchpoint_names)):
            here = [p for p in self._visitors if p.tp == tp]
            if not here or not spec.tp_staffed[tp]:
                continue  # self-service: served at once, no wait
            here.sort(key=lambda p: (p.arrival, p.index))
            n = len(here)
            waits = np.zeros(n)
            abandoned = np.zeros(n, dtype=np.bool_)
            arrivals = np.array([p.arrival for p in here])
            services = np.array([p.service for p in here])
            patience = np.array([p.patience for p in here])
            ns = int(sched_n[tp])
            if ns > 0:  # servers on shifts
                edges, schedule = sched_edges[tp, :ns], sched[tp, :ns]
                add_simpy_shift_queue(env, arrivals, services, patience, edges, schedule, waits, abandoned)
            else:
                add_simpy_queue(env, arrivals, services, patience, int(spec.tp_servers[tp]), waits, abandoned)
            queues.append((here, waits, abandoned))
        env.run()
        for here, waits, abandoned in queues:
            for p, w, a in zip(here, waits, abandoned, strict=True):
                p.wait = float(w)
                p.abandoned = bool(a)

    def _deliver_wom(self) -> None:
        talk = np.array([p.talk for p in self.people], dtype=np.int8)
        self.talk = talk
        net = self.network
        self.talkers = wom.positive_talkers(talk) if net.complete else np.zeros(0, dtype=np.int64)
        pos, neg, self.today.wom_positive, self.today.wom_negative = wom.deliver_wom(
            talk, net.complete, net.indptr, net.indices, self._pos, self._neg
        )
        wom.heard_by_everyone(net.complete, pos, neg, talk, self._pos, self._neg, self._heard_pos, self._heard_neg)

    def _visits(self) -> Visits:
        """Today's contacts as arrays, in person-index order (what the tallies read)."""
        v = self._visitors

        def col(name: str, dtype: Any) -> np.ndarray:
            return np.fromiter((getattr(p, name) for p in v), dtype=dtype, count=len(v))

        return Visits(
            person=col("index", np.int64),
            tp=col("tp", np.int64),
            step=col("contact_step", np.int64),
            switched=col("switched", np.bool_),
            arrival=col("arrival", np.float64),
            service=col("service", np.float64),
            patience=col("patience", np.float64),
            wait=col("wait", np.float64),
            abandoned=col("abandoned", np.bool_),
            resolved=col("resolved", np.bool_),
            wow=col("wow", np.bool_),
            value=col("value", np.float64),
            ces=col("ces", np.float64),
            target=col("target", np.int64),
        )

    def _tally(self, visits: Visits, surveyed: np.ndarray) -> None:
        spec, people = self.spec, self.people
        status = np.array([p.status for p in people], dtype=np.int8)
        segment = np.array([p.segment for p in people], dtype=np.int64)
        ltr = np.array([p.ltr for p in people], dtype=np.int8)
        satisfaction = np.array([p.satisfaction for p in people], dtype=np.float64)
        by_segment = np.zeros(len(spec.segment_names), dtype=np.int64)
        surveys.survey_customers(spec.seed, self.day, status, ltr, spec.survey, surveyed)
        self.surveys.append(surveyed)
        self.attributed.append(self.attributed_today)
        counts = tallies.tally_people(status, segment, ltr, satisfaction, by_segment)
        self.visits = visits
        contacts = tallies.tally_contacts(visits, spec.touchpoints, spec.csat_threshold, self.totals)
        self.staffing.record(self.day, visits.tp, visits.arrival, visits.wait, visits.abandoned, visits.service)
        staff_cost = float(np.sum(self.staffing.server_days(self.day) * spec.tp_staff_cost))
        record = day_kpis(spec, self.day, self.today, counts, by_segment, len(self._visitors), contacts, staff_cost)
        self.history.append(history_row(record))

    def referral_state(self) -> ReferralState:
        """Who referred whom, and when customers came and left (see :mod:`cxsim.referrals`)."""

        def col(name: str, dtype: Any) -> np.ndarray:
            return np.fromiter((getattr(p, name) for p in self.people), dtype=dtype, count=len(self.people))

        return ReferralState(
            col("segment", np.int64),
            col("status", np.int8),
            col("ltr", np.int8),
            col("acquired_via", np.int8),
            col("acquired_day", np.int32),
            col("referred_by", np.int32),
            col("left_day", np.int32),
        )
