"""The validated configuration compiled into arrays: what both engines read.

``ModelSpec`` holds segments, channels, touchpoints and the journey graph as numpy arrays with
integer codes, plus the packed behaviour parameters. It is built once per run by
:func:`compile_spec` from a config that passed :func:`cxsim.config.validate`; engines never
read the config again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from cxsim.config.schema import OUTCOME_DONE, OUTCOME_GIVE_UP, OUTCOME_RETRY
from cxsim.config.validation import week_hours
from cxsim.kernels.codes import (
    DIST_EXPONENTIAL,
    DIST_FIXED,
    DIST_LOGNORMAL,
    NEXT_DONE,
    NEXT_GIVE_UP,
    NEXT_RETRY,
    TRIGGER_ACQUISITION,
    TRIGGER_PERIODIC,
    TRIGGER_RATE,
)
from cxsim.kernels.groups import Journeys, Market, Rules, Segments, Steps, Survey, Touchpoints
from cxsim.kernels.params import (
    KANO_ATTRACTIVE,
    KANO_MUST_BE,
    KANO_ONE_DIMENSIONAL,
    MEMORY_LINEAR,
    MEMORY_MEAN,
    MEMORY_PEAK_END,
    pack_behaviour,
)
from cxsim.kernels.staffing import StaffingRule, interval_grid
from cxsim.kernels.week import DAYS_PER_WEEK

__all__ = ["NETWORK_BARABASI_ALBERT", "NETWORK_COMPLETE", "NETWORK_WATTS_STROGATZ", "ModelSpec", "compile_spec"]

# The journey, outcome, trigger and distribution codes are defined in cxsim.kernels.codes.
NETWORK_COMPLETE = 0
NETWORK_WATTS_STROGATZ = 1
NETWORK_BARABASI_ALBERT = 2

_KANO = {"must_be": KANO_MUST_BE, "one_dimensional": KANO_ONE_DIMENSIONAL, "attractive": KANO_ATTRACTIVE}
_MEMORY = {"peak_end": MEMORY_PEAK_END, "mean": MEMORY_MEAN, "linear": MEMORY_LINEAR}
_DIST = {"exponential": DIST_EXPONENTIAL, "lognormal": DIST_LOGNORMAL, "fixed": DIST_FIXED}
_TRIGGER = {"acquisition": TRIGGER_ACQUISITION, "rate": TRIGGER_RATE, "periodic": TRIGGER_PERIODIC}
_NETWORK = {
    "complete": NETWORK_COMPLETE,
    "watts_strogatz": NETWORK_WATTS_STROGATZ,
    "barabasi_albert": NETWORK_BARABASI_ALBERT,
}


def _name(value: Any) -> str:
    """Enum member or plain string → its name."""
    return str(getattr(value, "name", value))


@dataclass(frozen=True)
class ModelSpec:
    """Everything the engines need, as arrays. Indices follow config order."""

    size: int
    days: int  # days simulated: warm-up + simulation.days
    warmup_days: int  # first days that summaries and comparisons leave out
    seed: int
    initial_customer_share: float
    # segments
    segment_names: tuple[str, ...]
    segment_cum_share: np.ndarray  # (S,) cumulative shares, last == 1
    expectations: np.ndarray  # (S, 3)
    expectation_sd: np.ndarray  # (S,)
    initial_satisfaction: np.ndarray  # (S,)
    initial_bond: np.ndarray  # (S,)
    attitude_sd: np.ndarray  # (S,)
    patience_mean: np.ndarray  # (S, T): segment's mean patience x touchpoint's patience factor, minutes
    channel_preference: np.ndarray  # (S, C)
    journey_rate: np.ndarray  # (S, J)
    revenue_per_day: np.ndarray  # (S,)
    churn_multiplier: np.ndarray  # (S,)
    # channels and touchpoints
    channel_names: tuple[str, ...]
    shared_context: np.ndarray  # (C, C) bool, True on the diagonal
    touchpoint_names: tuple[str, ...]
    tp_channel: np.ndarray  # (T,)
    tp_staffed: np.ndarray  # (T,) bool
    tp_servers: np.ndarray  # (T,)
    tp_dist: np.ndarray  # (T,)
    tp_mean: np.ndarray  # (T,)
    tp_cv: np.ndarray  # (T,)
    tp_open: np.ndarray  # (T,)
    tp_close: np.ndarray  # (T,)
    tp_prof_n: np.ndarray  # (T,) intervals of the arrival profile, 0: uniform over the opening hours
    tp_prof_edges: np.ndarray  # (T, Kmax + 1) interval edges, minutes of the day
    tp_prof_cum: np.ndarray  # (T, Kmax + 1) cumulative share of arrivals at each edge, 0 ... 1
    tp_sched_n: np.ndarray  # (T,) intervals of the server schedule, 0: `tp_servers` all day
    tp_sched_edges: np.ndarray  # (T, Kmax) minute each interval of the schedule starts
    tp_sched: np.ndarray  # (T, Kmax) servers on duty in each interval
    tp_server_days: np.ndarray  # (T,) servers on duty per day in whole opening days (staff cost basis)
    tp_server_min: np.ndarray  # (T,) server-minutes on duty per day (occupancy's denominator)
    tp_int_n: np.ndarray  # (T,) intervals of a staffed touchpoint's grid (interval_min), 0 if self-service
    tp_int_edges: np.ndarray  # (T, Kmax + 1) edges of those intervals, minutes of the day
    tp_int_share: np.ndarray  # (T, Kmax) the arrival profile's share of a day's arrivals per interval
    tp_target_min: np.ndarray  # (T,) answer-time target, minutes (staffing.target_seconds / 60)
    tp_staffing_rules: tuple[tuple[int, StaffingRule], ...]  # service-level policies by touchpoint
    # the week (weekday 0 = Monday): a weekday with the default hours has exactly the arrays above
    tp_open_wd: np.ndarray  # (T, 7) opening minute per weekday; == tp_close_wd: closed that day
    tp_close_wd: np.ndarray  # (T, 7) closing minute per weekday
    tp_prof_edges_wd: np.ndarray  # (T, 7, Kmax + 1) the profile's edges clipped to the weekday's hours
    tp_prof_cum_wd: np.ndarray  # (T, 7, Kmax + 1) cumulative share of the weekday's arrivals (renormalised)
    tp_sched_n_wd: np.ndarray  # (T, 7) intervals of the schedule inside the weekday's hours
    tp_sched_edges_wd: np.ndarray  # (T, 7, Kmax) minute each of them starts (clipped to the opening)
    tp_sched_wd: np.ndarray  # (T, 7, Kmax) servers on duty in each of them
    tp_server_days_wd: np.ndarray  # (T, 7) server-minutes on duty that weekday / default opening minutes
    tp_server_min_wd: np.ndarray  # (T, 7) server-minutes on duty that weekday
    tp_quality: np.ndarray  # (T, 3)
    tp_kano: np.ndarray  # (T,)
    tp_p_resolve: np.ndarray  # (T,)
    tp_p_wow: np.ndarray  # (T,)
    tp_cost: np.ndarray  # (T,)
    tp_staff_cost: np.ndarray  # (T,) per server-day
    # journeys and steps (steps of all journeys in one global index)
    journey_names: tuple[str, ...]
    journey_trigger: np.ndarray  # (J,)
    journey_period: np.ndarray  # (J,) days between starts of a periodic journey, 0 for the others
    journey_first_step: np.ndarray  # (J,)
    onboarding_journey: int  # index of the acquisition-triggered journey, -1 if none
    step_names: tuple[str, ...]  # "journey.step"
    step_journey: np.ndarray  # (K,)
    step_touchpoints: np.ndarray  # (K, maxT) touchpoint indices, -1 padded
    step_n_touchpoints: np.ndarray  # (K,)
    step_next: np.ndarray  # (K, 3) target by outcome
    step_delay: np.ndarray  # (K,)
    step_weight: np.ndarray  # (K,)
    step_wow_extra: np.ndarray  # (K,)
    weekday_factor: np.ndarray  # (7,) factor on rate-triggered journeys' start probability, Monday first
    start_weekday: int  # weekday of day 0 (0 = Monday); see cxsim.kernels.week.weekday
    # behaviour
    params: np.ndarray
    memory_rule: int
    csat_threshold: float
    silo_resolution_penalty: float
    silo_time_factor: float
    p_switch_channel: float
    retry_delay_days: int
    max_contacts: int
    # word of mouth and acquisition
    network_kind: int
    mean_degree: int
    rewire_prob: float
    talk_all_customers: bool
    p_talk_promoter: float
    p_talk_detractor: float
    bond_gain_per_message: float
    bond_loss_per_message: float
    hype_per_message: float
    p_marketing: float
    q_wom: float
    nwom_suppression: float
    # economics
    currency: str
    marketing_cost_per_day: float
    cost_per_acquisition: float
    referral_reward: float
    discount_rate_annual: float
    # voice of the customer (observation only)
    voc_tx_p_invite: float
    voc_tx_journey: np.ndarray  # (J,) bool
    voc_tx_touchpoint: np.ndarray  # (T,) bool
    voc_rel_period: int
    voc_rel_p_invite: float
    voc_response: np.ndarray  # (3,) detractor, passive, promoter
    voc_answer_sd: float
    voc_cost_per_invitation: float
    voc_ci_level: float

    # The same arrays grouped as the kernels take them (cxsim.kernels.groups); built on first use.
    @cached_property
    def segments(self) -> Segments:
        """Per-segment parameters."""
        return Segments(
            cum_share=self.segment_cum_share,
            expectations=self.expectations,
            expectation_sd=self.expectation_sd,
            initial_satisfaction=self.initial_satisfaction,
            initial_bond=self.initial_bond,
            attitude_sd=self.attitude_sd,
            patience_mean=self.patience_mean,
            channel_preference=self.channel_preference,
            journey_rate=self.journey_rate,
            churn_multiplier=self.churn_multiplier,
        )

    @cached_property
    def touchpoints(self) -> Touchpoints:
        """Per-touchpoint parameters."""
        return Touchpoints(
            channel=self.tp_channel,
            staffed=self.tp_staffed,
            servers=self.tp_servers,
            dist=self.tp_dist,
            mean=self.tp_mean,
            cv=self.tp_cv,
            open=self.tp_open,
            close=self.tp_close,
            prof_n=self.tp_prof_n,
            prof_edges=self.tp_prof_edges,
            prof_cum=self.tp_prof_cum,
            sched_n=self.tp_sched_n,
            sched_edges=self.tp_sched_edges,
            sched=self.tp_sched,
            open_wd=self.tp_open_wd,
            close_wd=self.tp_close_wd,
            prof_edges_wd=self.tp_prof_edges_wd,
            prof_cum_wd=self.tp_prof_cum_wd,
            sched_n_wd=self.tp_sched_n_wd,
            sched_edges_wd=self.tp_sched_edges_wd,
            sched_wd=self.tp_sched_wd,
            quality=self.tp_quality,
            kano=self.tp_kano,
            p_resolve=self.tp_p_resolve,
            p_wow=self.tp_p_wow,
            cost=self.tp_cost,
        )

    @cached_property
    def steps(self) -> Steps:
        """The journey steps."""
        return Steps(
            touchpoints=self.step_touchpoints,
            n_touchpoints=self.step_n_touchpoints,
            next=self.step_next,
            delay=self.step_delay,
            weight=self.step_weight,
            wow_extra=self.step_wow_extra,
        )

    @cached_property
    def journeys(self) -> Journeys:
        """How journeys start."""
        return Journeys(
            trigger=self.journey_trigger,
            first_step=self.journey_first_step,
            onboarding=self.onboarding_journey,
            weekday_factor=self.weekday_factor,
            period=self.journey_period,
        )

    @cached_property
    def rules(self) -> Rules:
        """Behaviour around the contacts."""
        return Rules(
            params=self.params,
            memory_rule=self.memory_rule,
            shared_context=self.shared_context,
            p_switch=self.p_switch_channel,
            silo_penalty=self.silo_resolution_penalty,
            silo_time=self.silo_time_factor,
            retry_delay=self.retry_delay_days,
            max_contacts=self.max_contacts,
        )

    @cached_property
    def survey(self) -> Survey:
        """The surveys."""
        return Survey(
            tx_p_invite=self.voc_tx_p_invite,
            tx_journey=self.voc_tx_journey,
            tx_touchpoint=self.voc_tx_touchpoint,
            rel_period=self.voc_rel_period,
            rel_p_invite=self.voc_rel_p_invite,
            response=self.voc_response,
            answer_sd=self.voc_answer_sd,
        )

    def market(self, q_message: float) -> Market:
        """Word of mouth and acquisition, with the per-message chance of the run's network."""
        return Market(
            talk_all=self.talk_all_customers,
            p_talk_promoter=self.p_talk_promoter,
            p_talk_detractor=self.p_talk_detractor,
            p_marketing=self.p_marketing,
            q_message=q_message,
            suppression=self.nwom_suppression,
            bond_gain=self.bond_gain_per_message,
            bond_loss=self.bond_loss_per_message,
            hype=self.hype_per_message,
        )


def _shared_context(channels: tuple[str, ...], groups: Any) -> np.ndarray:
    """(C, C) bool: channels that see each other's history (every channel sees its own)."""
    ch_index = {c: i for i, c in enumerate(channels)}
    shared = np.eye(len(channels), dtype=np.bool_)
    for group in groups:
        idx = [ch_index[c] for c in group]
        for a in idx:
            for b in idx:
                shared[a, b] = True
    return shared


def _arr(values: list[Any]) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def _segment_fields(pop: Any, channels: tuple[str, ...], j_names: tuple[str, ...], jny: Any) -> dict[str, Any]:
    """ModelSpec fields of the population's segments (patience per segment and touchpoint)."""
    seg_names = tuple(pop.segments.keys())
    segs = [pop.segments[s] for s in seg_names]
    shares = _arr([s.share for s in segs])
    cum = np.cumsum(shares) / shares.sum()
    cum[-1] = 1.0
    pref = np.zeros((len(segs), len(channels)))
    rates = np.zeros((len(segs), len(j_names)))
    for si, s in enumerate(segs):
        for c, w in s.channel_preference.items():
            pref[si, channels.index(c)] = w
        for j, r in s.journey_rates.items():
            rates[si, j_names.index(j)] = r
    return {
        "segment_names": seg_names,
        "segment_cum_share": cum,
        "expectations": _arr(
            [[s.expectations.product, s.expectations.interaction, s.expectations.brand] for s in segs]
        ),
        "expectation_sd": _arr([s.expectation_sd for s in segs]),
        "initial_satisfaction": _arr([s.initial_satisfaction for s in segs]),
        "initial_bond": _arr([s.initial_bond for s in segs]),
        "attitude_sd": _arr([s.attitude_sd for s in segs]),
        "patience_mean": _arr(
            [[s.patience_mean_min * jny.touchpoints[t].patience_factor for t in jny.touchpoints] for s in segs]
        ),
        "channel_preference": pref,
        "journey_rate": rates,
        "revenue_per_day": _arr([s.revenue_per_day for s in segs]),
        "churn_multiplier": _arr([s.churn_multiplier for s in segs]),
    }


def _touchpoint_fields(jny: Any, channels: tuple[str, ...]) -> dict[str, Any]:
    """ModelSpec fields of the touchpoints."""
    tps = [jny.touchpoints[t] for t in jny.touchpoints]
    return {
        "touchpoint_names": tuple(jny.touchpoints.keys()),
        "tp_channel": np.array([channels.index(t.channel) for t in tps], dtype=np.int64),
        "tp_staffed": np.array([bool(t.staffed) for t in tps], dtype=np.bool_),
        "tp_servers": np.array([max(t.server_schedule, default=t.servers) for t in tps], dtype=np.int64),
        "tp_dist": np.array([_DIST[_name(t.service_time.dist)] for t in tps], dtype=np.int64),
        "tp_mean": _arr([t.service_time.mean_min for t in tps]),
        "tp_cv": _arr([t.service_time.cv for t in tps]),
        "tp_open": _arr([t.open_min for t in tps]),
        "tp_close": _arr([t.close_min for t in tps]),
        "tp_quality": _arr([[t.quality.product, t.quality.interaction, t.quality.brand] for t in tps]),
        "tp_kano": np.array([_KANO[_name(t.kano)] for t in tps], dtype=np.int64),
        "tp_p_resolve": _arr([t.p_resolve for t in tps]),
        "tp_p_wow": _arr([t.p_wow for t in tps]),
        "tp_cost": _arr([t.cost_per_contact for t in tps]),
        "tp_staff_cost": _arr([t.staff_cost_per_server_day for t in tps]),
        **_hours_fields(tps),
        **_staffing_fields(tps),
    }


def _hours_fields(tps: list[Any]) -> dict[str, np.ndarray]:
    """The opening hours, arrival profiles and server schedules (with the server time they put on
    duty: staff cost and occupancy) of the default day, and of each weekday."""
    fields = {**_profile_fields(tps), **_schedule_fields(tps)}
    return {**fields, **_week_fields(tps, fields)}


def _week_fields(tps: list[Any], day: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-weekday copies of the default day's arrays (``day``), cut to each weekday's hours: the
    profile's intervals clipped to them and renormalised, the schedule's intervals inside them, the
    server time on duty. A weekday with the default hours keeps the default day's arrays exactly."""
    n_t, w = len(tps), DAYS_PER_WEEK
    opens = np.zeros((n_t, w))
    closes = np.zeros((n_t, w))
    p_edges = np.repeat(day["tp_prof_edges"][:, None, :], w, axis=1)
    p_cum = np.repeat(day["tp_prof_cum"][:, None, :], w, axis=1)
    s_n = np.repeat(day["tp_sched_n"][:, None], w, axis=1)
    s_edges = np.repeat(day["tp_sched_edges"][:, None, :], w, axis=1)
    s_count = np.repeat(day["tp_sched"][:, None, :], w, axis=1)
    server_days = np.repeat(day["tp_server_days"][:, None], w, axis=1)
    server_min = np.repeat(day["tp_server_min"][:, None], w, axis=1)
    for k, t in enumerate(tps):
        opens[k], closes[k] = week_hours(t)
        hours = float(t.close_min) - float(t.open_min)
        for d in range(w):
            lo, hi = opens[k, d], closes[k, d]
            if (lo, hi) == (float(t.open_min), float(t.close_min)):
                continue  # the default day
            n = int(day["tp_prof_n"][k])
            if n:
                e = np.clip(day["tp_prof_edges"][k, : n + 1], lo, hi)
                mass = np.cumsum(np.array([float(x) for x in t.arrival_profile]) * np.diff(e))
                p_edges[k, d, : n + 1] = e
                p_cum[k, d] = 0.0
                if mass[-1] > 0:
                    p_cum[k, d, 1 : n + 1] = mass / mass[-1]
                    p_cum[k, d, n] = 1.0
            ns = int(day["tp_sched_n"][k])
            s_edges[k, d] = 0.0
            s_count[k, d] = 0
            if ns:
                e = np.clip(np.append(day["tp_sched_edges"][k, :ns], float(t.close_min)), lo, hi)
                c = day["tp_sched"][k, :ns]
                on = np.diff(e) > 0
                s_n[k, d] = int(on.sum())
                s_edges[k, d, : s_n[k, d]] = e[:-1][on]
                s_count[k, d, : s_n[k, d]] = c[on]
                server_min[k, d] = float(np.sum(c * np.diff(e)))
            else:
                server_min[k, d] = float(t.servers) * (hi - lo)
            server_days[k, d] = server_min[k, d] / hours
    return {
        "tp_open_wd": opens,
        "tp_close_wd": closes,
        "tp_prof_edges_wd": p_edges,
        "tp_prof_cum_wd": p_cum,
        "tp_sched_n_wd": s_n,
        "tp_sched_edges_wd": s_edges,
        "tp_sched_wd": s_count,
        "tp_server_days_wd": server_days,
        "tp_server_min_wd": server_min,
    }


def _staffing_fields(tps: list[Any]) -> dict[str, Any]:
    """The interval grid of every staffed touchpoint, its answer-time target and service-level rules."""
    grids = [interval_grid(t.open_min, t.close_min, t.interval_min) if t.staffed else np.zeros(1) for t in tps]
    n = np.array([g.shape[0] - 1 for g in grids], dtype=np.int64)
    width = max(int(n.max()) if n.size else 0, 1)
    edges = np.zeros((len(tps), width + 1))
    share = np.zeros((len(tps), width))
    rules: list[tuple[int, StaffingRule]] = []
    for k, (t, g) in enumerate(zip(tps, grids, strict=True)):
        if n[k] == 0:
            continue
        edges[k, : n[k] + 1] = g
        lengths = np.diff(g)
        profiled = len(t.arrival_profile) == n[k]  # else arrivals uniform over the opening hours
        mass = np.array([float(x) for x in t.arrival_profile]) * lengths if profiled else lengths
        share[k, : n[k]] = mass / mass.sum()
        st = t.staffing
        if _name(st.policy) == "service_level":
            rule = StaffingRule(
                target_share=float(st.target_share),
                target_min=float(st.target_seconds) / 60.0,
                max_occupancy=float(st.max_occupancy),
                cycle_days=int(st.cycle_days),
                history_cycles=int(st.history_cycles),
                initial_per_1000=float(st.initial_per_1000),
                block_intervals=int(st.block_intervals),
                min_servers=int(st.min_servers),
                mean_service=float(t.service_time.mean_min),
            )
            rules.append((k, rule))
    target = np.array([float(t.staffing.target_seconds) / 60.0 for t in tps])
    return {
        "tp_int_n": n,
        "tp_int_edges": edges,
        "tp_int_share": share,
        "tp_target_min": target,
        "tp_staffing_rules": tuple(rules),
    }


def _schedule_fields(tps: list[Any]) -> dict[str, np.ndarray]:
    """The server schedules, and the server time they put on duty each day (staff cost, occupancy)."""
    n = np.array([len(t.server_schedule) for t in tps], dtype=np.int64)
    width = max(int(n.max()) if n.size else 0, 1)
    edges = np.zeros((len(tps), width))
    sched = np.zeros((len(tps), width), dtype=np.int64)
    servers = np.array([t.servers for t in tps], dtype=np.int64)
    hours = np.array([float(t.close_min) - float(t.open_min) for t in tps])
    server_days = servers * np.ones(len(tps))
    server_min = servers * hours
    for k, t in enumerate(tps):
        if n[k] == 0:
            continue
        e = np.minimum(float(t.open_min) + float(t.interval_min) * np.arange(n[k] + 1), float(t.close_min))
        e[-1] = float(t.close_min)
        c = np.array([int(x) for x in t.server_schedule], dtype=np.int64)
        edges[k, : n[k]] = e[:-1]
        sched[k, : n[k]] = c
        server_min[k] = float(np.sum(c * np.diff(e)))
        server_days[k] = server_min[k] / hours[k]
    return {
        "tp_sched_n": n,
        "tp_sched_edges": edges,
        "tp_sched": sched,
        "tp_server_days": server_days,
        "tp_server_min": server_min,
    }


def _profile_fields(tps: list[Any]) -> dict[str, np.ndarray]:
    """The arrival profiles as interval edges and cumulative shares (see ``profile_minute``)."""
    n = np.array([len(t.arrival_profile) for t in tps], dtype=np.int64)
    width = int(n.max()) + 1 if n.size else 1
    edges = np.zeros((len(tps), width))
    cum = np.zeros((len(tps), width))
    for k, t in enumerate(tps):
        if n[k] == 0:
            continue
        w = np.array([float(x) for x in t.arrival_profile])
        e = np.minimum(float(t.open_min) + float(t.interval_min) * np.arange(n[k] + 1), float(t.close_min))
        e[-1] = float(t.close_min)
        mass = np.cumsum(w * np.diff(e))
        edges[k, : n[k] + 1] = e
        cum[k, 1 : n[k] + 1] = mass / mass[-1]
        cum[k, n[k]] = 1.0
    return {"tp_prof_n": n, "tp_prof_edges": edges, "tp_prof_cum": cum}


def _target_code(target: str, step_global: dict[str, int]) -> int:
    if target == OUTCOME_DONE:
        return NEXT_DONE
    if target == OUTCOME_GIVE_UP:
        return NEXT_GIVE_UP
    if target == OUTCOME_RETRY:
        return NEXT_RETRY
    return step_global[target]


def _journey_fields(jny: Any) -> dict[str, Any]:
    """ModelSpec fields of the journeys and their steps (all steps in one global index)."""
    tp_names = list(jny.touchpoints.keys())
    j_names = tuple(jny.journeys.keys())
    journeys = [jny.journeys[j] for j in j_names]
    step_names: list[str] = []
    step_journey: list[int] = []
    first_step: list[int] = []
    for ji, j in enumerate(journeys):
        first_step.append(len(step_names))
        step_names.extend(f"{j_names[ji]}.{sname}" for sname in j.steps)
        step_journey.extend(ji for _ in j.steps)
    n_steps = len(step_names)
    max_t = max(len(j.steps[s].touchpoints) for j in journeys for s in j.steps)
    step_tp = np.full((n_steps, max_t), -1, dtype=np.int64)
    step_ntp = np.zeros(n_steps, dtype=np.int64)
    step_next = np.zeros((n_steps, 3), dtype=np.int64)
    step_delay = np.zeros(n_steps, dtype=np.int64)
    step_weight = np.zeros(n_steps)
    step_wow = np.zeros(n_steps)
    for ji, j in enumerate(journeys):
        step_global = {sname: first_step[ji] + n for n, sname in enumerate(j.steps)}
        for sname, st in j.steps.items():
            k = step_global[sname]
            for n, t in enumerate(st.touchpoints):
                step_tp[k, n] = tp_names.index(t)
            step_ntp[k] = len(st.touchpoints)
            for col, target in enumerate((st.on_resolved, st.on_unresolved, st.on_abandoned)):
                step_next[k, col] = _target_code(target, step_global)
            step_delay[k] = st.delay_days
            step_weight[k] = st.weight
            step_wow[k] = st.p_wow_extra
    triggers = np.array([_TRIGGER[_name(j.trigger)] for j in journeys], dtype=np.int64)
    onboarding = [i for i, t in enumerate(triggers) if t == TRIGGER_ACQUISITION]
    return {
        "journey_names": j_names,
        "journey_trigger": triggers,
        "journey_period": np.array([j.period_days for j in journeys], dtype=np.int64),
        "journey_first_step": np.array(first_step, dtype=np.int64),
        "onboarding_journey": onboarding[0] if onboarding else -1,
        "step_names": tuple(step_names),
        "step_journey": np.array(step_journey, dtype=np.int64),
        "step_touchpoints": step_tp,
        "step_n_touchpoints": step_ntp,
        "step_next": step_next,
        "step_delay": step_delay,
        "step_weight": step_weight,
        "step_wow_extra": step_wow,
        "weekday_factor": _arr(list(jny.weekday_factors) or [1.0] * DAYS_PER_WEEK),
    }


def _voc_fields(voc: Any, jny: Any) -> dict[str, Any]:
    """ModelSpec fields of the surveys (an empty restriction list means every journey / touchpoint)."""
    tx = voc.transactional

    def mask(names: Any, every: Any) -> np.ndarray:
        chosen = set(names)
        return np.array([not chosen or n in chosen for n in every], dtype=np.bool_)

    r = voc.response
    return {
        "voc_tx_p_invite": float(tx.p_invite),
        "voc_tx_journey": mask(tx.journeys, jny.journeys.keys()),
        "voc_tx_touchpoint": mask(tx.touchpoints, jny.touchpoints.keys()),
        "voc_rel_period": int(voc.relationship.period_days),
        "voc_rel_p_invite": float(voc.relationship.p_invite),
        "voc_response": _arr([r.detractor, r.passive, r.promoter]),
        "voc_answer_sd": float(voc.answer_sd),
        "voc_cost_per_invitation": float(voc.cost_per_invitation),
        "voc_ci_level": float(voc.ci_level),
    }


def compile_spec(cfg: Any) -> ModelSpec:
    """Compile a validated config into a :class:`ModelSpec`."""
    pop, jny, beh = cfg.population, cfg.journey, cfg.behaviour
    wom, acq, eco, sim = cfg.wom, cfg.acquisition, cfg.economics, cfg.simulation
    channels = tuple(jny.channels)
    return ModelSpec(
        size=int(pop.size),
        days=int(sim.days) + int(sim.warmup_days),  # the warm-up comes first, then the reported days
        warmup_days=int(sim.warmup_days),
        seed=int(sim.seed),
        start_weekday=int(sim.start_weekday),
        initial_customer_share=float(pop.initial_customer_share),
        **_segment_fields(pop, channels, tuple(jny.journeys.keys()), jny),
        channel_names=channels,
        shared_context=_shared_context(channels, jny.shared_context),
        **_touchpoint_fields(jny, channels),
        **_journey_fields(jny),
        params=pack_behaviour(beh),
        memory_rule=_MEMORY[_name(beh.memory.rule)],
        csat_threshold=float(beh.csat_threshold),
        silo_resolution_penalty=float(beh.silo_resolution_penalty),
        silo_time_factor=float(beh.silo_time_factor),
        p_switch_channel=float(beh.p_switch_channel),
        retry_delay_days=int(beh.retry_delay_days),
        max_contacts=int(beh.max_contacts),
        network_kind=_NETWORK[_name(wom.network.kind)],
        mean_degree=int(wom.network.mean_degree),
        rewire_prob=float(wom.network.rewire_prob),
        talk_all_customers=_name(wom.talkers) == "all_customers",
        p_talk_promoter=float(wom.p_talk_promoter),
        p_talk_detractor=float(wom.p_talk_detractor),
        bond_gain_per_message=float(wom.bond_gain_per_message),
        bond_loss_per_message=float(wom.bond_loss_per_message),
        hype_per_message=float(wom.hype_per_message),
        p_marketing=float(acq.p_marketing),
        q_wom=float(acq.q_wom),
        nwom_suppression=float(acq.nwom_suppression),
        currency=str(eco.currency),
        marketing_cost_per_day=float(eco.marketing_cost_per_day),
        cost_per_acquisition=float(eco.cost_per_acquisition),
        referral_reward=float(eco.referral_reward),
        discount_rate_annual=float(eco.discount_rate_annual),
        **_voc_fields(cfg.voc, jny),
    )
