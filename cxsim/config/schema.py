"""Structured-config schema: the dataclasses Hydra validates every config against.

``CxConfig`` is the root; its groups mirror ``configs/``: ``population``, ``journey``,
``behaviour``, ``wom``, ``acquisition``, ``economics`` and ``simulation``. Values live in the
YAML files (commented for strategists); this module only says which keys exist, their types
and their neutral defaults. Semantic rules (probabilities in [0, 1], known touchpoints, …) are
checked by :mod:`cxsim.config.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "OUTCOME_DONE",
    "OUTCOME_GIVE_UP",
    "OUTCOME_RETRY",
    "AcquisitionConfig",
    "BehaviourConfig",
    "ChurnConfig",
    "CxConfig",
    "Dimensions",
    "EconomicsConfig",
    "EffortConfig",
    "EngineKind",
    "JourneyConfig",
    "JourneyTypeConfig",
    "KanoClass",
    "KanoFactors",
    "MemoryConfig",
    "MemoryRule",
    "NetworkConfig",
    "NetworkKind",
    "PopulationConfig",
    "RelationshipSurveyConfig",
    "ResponseConfig",
    "SegmentConfig",
    "ServiceDist",
    "ServiceTimeConfig",
    "SimulationConfig",
    "StaffingConfig",
    "StaffingPolicy",
    "StepConfig",
    "Talkers",
    "TouchpointConfig",
    "TransactionalSurveyConfig",
    "TriggerKind",
    "VocConfig",
    "WomConfig",
]

# Special transition targets of a journey step (anything else names a step of the journey).
OUTCOME_DONE = "done"  # the journey ends with the need met
OUTCOME_GIVE_UP = "give_up"  # the journey ends with the need unmet
OUTCOME_RETRY = "retry"  # the same step again after behaviour.retry_delay_days


class EngineKind(Enum):
    agent = "agent"  # Mesa agents + SimPy queues: the executable specification
    vector = "vector"  # numba kernels on struct-of-arrays state: same results, much faster


class NetworkKind(Enum):
    complete = "complete"
    watts_strogatz = "watts_strogatz"
    barabasi_albert = "barabasi_albert"


class MemoryRule(Enum):
    peak_end = "peak_end"
    mean = "mean"
    linear = "linear"


class KanoClass(Enum):
    must_be = "must_be"
    one_dimensional = "one_dimensional"
    attractive = "attractive"


class ServiceDist(Enum):
    exponential = "exponential"
    lognormal = "lognormal"
    fixed = "fixed"


class TriggerKind(Enum):
    acquisition = "acquisition"  # started the day after a prospect becomes a customer
    rate = "rate"  # started by active customers at a per-segment daily rate
    periodic = "periodic"  # started every period_days on a per-person day (a bill, a renewal, a stay)


class Talkers(Enum):
    nps_class = "nps_class"  # promoters talk positively, detractors negatively
    all_customers = "all_customers"  # every customer talks positively (Bass mean-field case)


@dataclass
class Dimensions:
    """A value on each of the three factors of the experience, on a 0–1 scale."""

    product: float = 0.5  # [0, 1]
    interaction: float = 0.5  # [0, 1]
    brand: float = 0.5  # [0, 1]


@dataclass
class SegmentConfig:
    share: float = 1.0  # share of the population (the shares of all segments sum to 1), ≥ 0
    expectations: Dimensions = field(default_factory=Dimensions)  # mean day-0 expectation per dimension, [0, 1]
    expectation_sd: float = 0.0  # sd of day-0 expectations, ≥ 0
    initial_satisfaction: float = 0.75  # mean day-0 satisfaction, [0, 1]
    initial_bond: float = 0.6  # mean day-0 brand bond, [0, 1]
    attitude_sd: float = 0.0  # sd of the lasting disposition and of the day-0 bond, ≥ 0
    patience_mean_min: float = 3.0  # mean patience in a queue, minutes, > 0
    channel_preference: dict[str, float] = field(default_factory=dict)  # weight per channel, ≥ 0, not all 0
    journey_rates: dict[str, float] = field(default_factory=dict)  # daily probability per rate journey, [0, 1]
    revenue_per_day: float = 0.0  # margin per active customer per day, currency, ≥ 0
    churn_multiplier: float = 1.0  # factor on the churn hazard, ≥ 0


@dataclass
class PopulationConfig:
    size: int = 20000  # people in the market (prospects + customers), ≥ 1
    initial_customer_share: float = 0.5  # share who are customers on day 0, [0, 1]
    segments: dict[str, SegmentConfig] = field(default_factory=dict)  # at least one


@dataclass
class ServiceTimeConfig:
    dist: ServiceDist = ServiceDist.lognormal  # exponential, lognormal or fixed
    mean_min: float = 6.0  # mean service time, minutes, > 0
    cv: float = 0.5  # coefficient of variation (lognormal), ≥ 0


class StaffingPolicy(Enum):
    fixed = "fixed"  # `servers` (or `server_schedule`) every day, whatever the load
    service_level = "service_level"  # a planner sets servers per interval from a forecast (Erlang C)


@dataclass
class StaffingConfig:
    """How a staffed touchpoint decides how many servers are on duty (see docs/model.md §3.3)."""

    policy: StaffingPolicy = StaffingPolicy.fixed  # fixed or service_level
    target_share: float = 0.8  # service_level: share of contacts to answer within target_seconds, (0, 1)
    target_seconds: float = 20.0  # service_level: answer-time target, seconds, > 0
    max_occupancy: float = 1.0  # service_level: planned busy share of each interval's servers at most this, (0, 1]
    # (a cycle longer than a week must fit in the run: warm-up + days)
    cycle_days: int = 7  # service_level: servers are set for the next cycle_days days at the start of each cycle, ≥ 1
    history_cycles: int = 4  # service_level: the forecast averages the same interval of the last K cycles, ≥ 1
    initial_per_1000: float = (
        0.0  # service_level: first cycle's forecast, contacts a day per 1,000 customers of day 0, ≥ 0
    )
    block_intervals: int = (
        0  # service_level: servers stay the same over blocks of this many intervals (shifts); 0: the whole day, ≥ 0
    )
    min_servers: int = 1  # service_level: fewest servers on duty in an open interval, ≥ 1


@dataclass
class TouchpointConfig:
    channel: str = "???"  # one of journey.channels
    staffed: bool = False  # True: a FIFO queue with `servers` (or `server_schedule`); False: self-service, no wait
    servers: int = 0  # staff serving at once, ≥ 1 if staffed
    service_time: ServiceTimeConfig = field(default_factory=ServiceTimeConfig)
    open_min: float = 0.0  # opening minute of the day, [0, close_min)
    close_min: float = 1440.0  # closing minute of the day, (open_min, 1440]
    quality: Dimensions = field(default_factory=Dimensions)  # performance per dimension, [0, 1]
    kano: KanoClass = KanoClass.one_dimensional  # must_be, one_dimensional or attractive
    p_resolve: float = 1.0  # probability a served contact resolves the need, [0, 1]
    p_wow: float = 0.0  # probability of a wow moment, [0, 1]
    cost_per_contact: float = 0.0  # currency, ≥ 0
    staff_cost_per_server_day: float = 0.0  # currency per server per opening day, ≥ 0
    patience_factor: float = 1.0  # mean patience here = segment's patience_mean_min x this, > 0
    interval_min: float = 60.0  # intraday interval of arrival_profile, minutes, (0, close_min - open_min]
    # relative arrival weights per interval from open_min (each ≥ 0, not all 0); one per interval,
    # the last one may be shorter (it ends at close_min). Empty: arrivals uniform over the opening hours.
    arrival_profile: list[float] = field(default_factory=list)
    # servers on duty in each interval_min interval from open_min (each ≥ 1; one per interval, as
    # arrival_profile). Empty: `servers` all day. With a schedule, `servers` is not used.
    server_schedule: list[int] = field(default_factory=list)
    # hours per weekday, Monday first (7 values each; open == close: closed that day; empty: open_min /
    # close_min every day). arrival_profile and server_schedule (defined from open_min) apply to the
    # part of their intervals inside a day's hours, which must then lie within open_min-close_min.
    open_by_weekday: list[float] = field(default_factory=list)  # opening minute per weekday, Mon first, [0, 1440]
    close_by_weekday: list[float] = field(default_factory=list)  # closing minute per weekday, Mon first, [0, 1440]
    staffing: StaffingConfig = field(default_factory=StaffingConfig)  # fixed servers, or planned to a service level


@dataclass
class StepConfig:
    touchpoints: list[str] = field(default_factory=list)  # touchpoints that can serve the step, at least one
    on_resolved: str = OUTCOME_DONE  # a step of the same journey, done, retry or give_up
    on_unresolved: str = OUTCOME_RETRY  # as on_resolved
    on_abandoned: str = OUTCOME_RETRY  # as on_resolved
    delay_days: int = 1  # days after the previous contact the step is due, ≥ 1
    weight: float = 1.0  # weight of the step's moments in the journey memory, > 0
    p_wow_extra: float = 0.0  # added to the touchpoint's p_wow; the sum within [0, 1]


@dataclass
class JourneyTypeConfig:
    trigger: TriggerKind = TriggerKind.rate  # acquisition (onboarding, at most one), rate or periodic
    # periodic: a customer starts the journey on days where (day + phase) % period_days == 0, phase a
    # keyed draw per person in [0, period_days); due while on another journey, it is skipped until the
    # next due day. Must be set (from 1) for trigger periodic and left 0 for the other triggers.
    period_days: int = 0  # days between starts of a periodic journey (from 1; 0 for the other triggers), ≥ 0
    steps: dict[str, StepConfig] = field(default_factory=dict)  # in order; the first is where the journey starts


@dataclass
class JourneyConfig:
    name: str = "journey"  # identifier of the journey design (files, tables)
    title: str = ""  # what a reader of the report calls it, e.g. "Mid-size retail bank"
    channels: list[str] = field(default_factory=list)  # at least one
    shared_context: list[list[str]] = field(default_factory=list)  # groups of channels that see each other's history
    touchpoints: dict[str, TouchpointConfig] = field(default_factory=dict)  # at least one
    journeys: dict[str, JourneyTypeConfig] = field(default_factory=dict)  # at least one; every one can end
    # factor on every rate-triggered journey's daily start probability per weekday, Monday first
    # (7 values, each ≥ 0; a mean of 1 keeps the weekly volume; rate x factor is capped at 1). Empty: all 1.
    weekday_factors: list[float] = field(default_factory=list)  # start-rate factor per weekday, Mon first, ≥ 0


@dataclass
class KanoFactors:
    must_be_gain: float = 0.25  # factor on gains, ≥ 0
    must_be_loss: float = 1.0  # factor on losses, ≥ 0
    one_dimensional_gain: float = 1.0  # ≥ 0
    one_dimensional_loss: float = 1.0  # ≥ 0
    attractive_gain: float = 1.5  # ≥ 0
    attractive_loss: float = 0.25  # ≥ 0


@dataclass
class EffortConfig:
    wait: float = 1.0  # effort per patience-length of waiting, ≥ 0
    repeat: float = 0.5  # effort per earlier contact in the journey, ≥ 0
    switch: float = 1.0  # effort of a channel switch without shared context, ≥ 0
    abandon: float = 0.5  # effort of hanging up, ≥ 0
    impact: float = 0.3  # moment value lost per unit of effort, ≥ 0


@dataclass
class MemoryConfig:
    rule: MemoryRule = MemoryRule.peak_end  # peak_end, mean or linear
    mean_weight: float = 0.5  # weight of the weighted mean, a real number
    peak_positive_weight: float = 0.25  # weight of the best moment, a real number
    peak_negative_weight: float = 0.25  # weight of the worst moment, a real number
    end_weight: float = 0.0  # weight of the last moment, a real number


@dataclass
class ChurnConfig:
    base_daily: float = 0.000228  # daily hazard at the reference attitudes, [0, 1]
    satisfaction_sensitivity: float = 4.0  # ≥ 0, per unit of satisfaction below the reference
    bond_sensitivity: float = 2.0  # ≥ 0, per unit of bond below the reference
    reference_satisfaction: float = 0.75  # [0, 1]
    reference_bond: float = 0.6  # [0, 1]
    failure_weight: float = 1.0  # hazard rise per recent given-up journey, ≥ 0
    failure_memory_days: float = 90.0  # e-folding time of remembered failures, days, > 0
    referred_multiplier: float = 1.0  # factor on the hazard of referred customers, ≥ 0


@dataclass
class BehaviourConfig:
    gain_weight: float = 1.0  # weight of exceeded expectations, ≥ 0
    loss_weight: float = 2.0  # weight of unmet expectations, ≥ 0 (loss aversion: > gain_weight)
    dimension_weights: Dimensions = field(default_factory=lambda: Dimensions(product=0.5, interaction=0.3, brand=0.2))
    kano: KanoFactors = field(default_factory=KanoFactors)
    unresolved_drop: float = 0.5  # share of product performance lost when unresolved, [0, 1]
    silo_resolution_penalty: float = 0.2  # relative loss of p_resolve after a switch without shared context, [0, 1]
    silo_time_factor: float = 1.3  # service-time factor after such a switch, > 0
    effort: EffortConfig = field(default_factory=EffortConfig)
    wow_boost: float = 0.5  # moment value added by a wow, ≥ 0
    memory: MemoryConfig = field(default_factory=MemoryConfig)
    give_up_penalty: float = 0.3  # journey value lost when given up, ≥ 0
    confirmation_satisfaction: float = 0.75  # satisfaction when expectations are just met, [0, 1]
    satisfaction_slope: float = 0.5  # satisfaction per unit of journey value, ≥ 0
    satisfaction_rate: float = 0.3  # weight of a journey in cumulative satisfaction, [0, 1]
    expectation_rate: float = 0.1  # adaptation of expectations to perceived performance, [0, 1]
    bond_rate: float = 0.05  # bond change per journey, [0, 1]
    ltr_satisfaction_weight: float = 0.7  # weight of satisfaction (vs bond) in likelihood to recommend, [0, 1]
    csat_threshold: float = 0.0  # a contact counts as satisfied when its moment value exceeds this, a real number
    p_switch_channel: float = 0.3  # probability a retry switches channel, [0, 1]
    retry_delay_days: int = 1  # days before a retry, ≥ 1
    max_contacts: int = 5  # contacts before a journey is given up, ≥ 1
    churn: ChurnConfig = field(default_factory=ChurnConfig)


@dataclass
class NetworkConfig:
    kind: NetworkKind = NetworkKind.watts_strogatz  # complete, watts_strogatz or barabasi_albert
    mean_degree: int = 10  # mean contacts per person, ≥ 2 (even for watts_strogatz), < population.size
    rewire_prob: float = 0.1  # Watts–Strogatz rewiring probability, [0, 1]


@dataclass
class WomConfig:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    talkers: Talkers = Talkers.nps_class  # nps_class or all_customers
    p_talk_promoter: float = 0.02  # daily probability a promoter recommends, [0, 1]
    p_talk_detractor: float = 0.013  # daily probability a detractor warns, [0, 1]
    bond_gain_per_message: float = 0.02  # share of the gap to 1 closed per praise heard, [0, 1]
    bond_loss_per_message: float = 0.04  # share of the bond lost per warning heard, [0, 1]
    hype_per_message: float = 0.01  # share of a prospect's expectation gap to 1 closed per praise, [0, 1]


@dataclass
class TransactionalSurveyConfig:
    """A survey sent after a journey ends (done or given up)."""

    p_invite: float = 0.0  # probability a customer whose journey ended today is invited, [0, 1]
    journeys: list[str] = field(default_factory=list)  # only after these journey types (empty: every journey)
    touchpoints: list[str] = field(default_factory=list)  # only when the last contact was at one of these (empty: any)


@dataclass
class RelationshipSurveyConfig:
    """A periodic survey of a sample of the active customers."""

    period_days: int = 90  # a wave every this many days (on days period_days, 2 x period_days, ...), ≥ 1
    p_invite: float = 0.0  # probability each active customer is invited in a wave, [0, 1]


@dataclass
class ResponseConfig:
    """Probability an invited customer answers, by their true NPS class (non-response bias)."""

    promoter: float = 1.0  # [0, 1]
    passive: float = 1.0  # [0, 1]
    detractor: float = 1.0  # [0, 1]


@dataclass
class VocConfig:
    """Voice of the customer: surveys that measure NPS, CSAT and effort; they never change behaviour."""

    transactional: TransactionalSurveyConfig = field(default_factory=TransactionalSurveyConfig)  # after a journey
    relationship: RelationshipSurveyConfig = field(default_factory=RelationshipSurveyConfig)  # periodic waves
    response: ResponseConfig = field(default_factory=ResponseConfig)  # answer probability by true NPS class
    answer_sd: float = 0.0  # sd of the answer around the true likelihood to recommend, points on 0-10, ≥ 0
    cost_per_invitation: float = 0.0  # currency per invitation sent, ≥ 0
    ci_level: float = 0.95  # confidence level of the measured KPIs' intervals, (0, 1)


@dataclass
class AcquisitionConfig:
    p_marketing: float = 0.0002  # daily adoption probability from marketing (Bass p per day), [0, 1]
    q_wom: float = 0.01  # imitation coefficient per day, spread over the mean degree, ≥ 0
    nwom_suppression: float = 0.05  # relative damping of adoption per warning heard, [0, 1]


@dataclass
class EconomicsConfig:
    currency: str = "USD"  # label
    marketing_cost_per_day: float = 0.0  # currency, ≥ 0
    cost_per_acquisition: float = 0.0  # currency per new customer, ≥ 0
    referral_reward: float = 0.0  # currency per referred customer, ≥ 0
    discount_rate_annual: float = 0.08  # for NPV, per year, [0, 1]


@dataclass
class ScenarioConfig:
    """A journey design: AS-IS, or a TO-BE patch plus the investment it takes."""

    name: str = "as_is"  # the scenario's key
    title: str = "AS-IS"  # display name
    description: str = ""  # a sentence on what the design changes
    capex: float = 0.0  # one-off cost on the first day of the business case, >= 0 (currency)
    opex_per_day: float = 0.0  # the design's own running cost per day; negative = a saving (currency/day)


@dataclass
class CompareConfig:
    """Paired AS-IS vs TO-BE comparison settings (``cxsim compare``)."""

    baseline: str = "as_is"  # scenario key
    candidates: list[str] = field(default_factory=list)  # scenario keys
    replications: int = 20  # paired replications per design, ≥ 2
    seed: int = 1000  # replication r runs on seed + r for every design (common random numbers), [0, 2**62)
    ci_level: float = 0.95  # confidence level of the intervals, (0, 1)
    target_roi_half_width: float = 0.0  # when not 0: add replications until every ROI CI is this narrow, ≥ 0
    max_replications: int = 200  # cap when target_roi_half_width adds replications, ≥ replications
    horizon_days: int = 0  # business-case days after the warm-up, ≥ 0 (0: simulation.days)
    robustness_horizons_days: list[int] = field(default_factory=list)  # NPV and ranking also at these horizons, ≥ 1
    n_jobs: int = 0  # worker processes for replications; 0 = one per CPU, 1 = in this process, ≥ 0
    resume_dir: str = ""  # folder where finished replications are kept until the comparison ends ("" = not kept)


@dataclass
class SimulationConfig:
    days: int = 365  # days reported (after the warm-up), ≥ 1
    warmup_days: int = 0  # days simulated first and left out of summaries and comparisons, ≥ 0
    seed: int = 42  # random seed of the run, [0, 2**63)
    start_weekday: int = 0  # weekday of day 0, 0 = Monday ... 6 = Sunday; day d is (start_weekday + d) mod 7, [0, 6]
    engine: EngineKind = EngineKind.vector  # vector or agent
    progress: bool = True  # progress bar on a terminal
    csv: bool = False  # also write CSV next to Parquet
    trace: Any = 0  # people traced: a list of ids in [0, population.size), or n for a keyed sample; 0 = off


@dataclass
class CxConfig:
    population: PopulationConfig = field(default_factory=PopulationConfig)  # who is in the market: size, segments
    journey: JourneyConfig = field(default_factory=JourneyConfig)  # channels, touchpoints, journeys and their steps
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)  # how customers feel, remember and churn
    wom: WomConfig = field(default_factory=WomConfig)  # word of mouth: the network and who talks
    acquisition: AcquisitionConfig = field(default_factory=AcquisitionConfig)  # prospects becoming customers (Bass)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)  # money: currency, costs, discounting
    simulation: SimulationConfig = field(default_factory=SimulationConfig)  # days, warm-up, seed, engine
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)  # the journey design and its investment
    compare: CompareConfig = field(default_factory=CompareConfig)  # cxsim compare: designs, replications, horizon
    voc: VocConfig = field(default_factory=VocConfig)  # voice of the customer: surveys (observation only)
