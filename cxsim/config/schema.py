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
    "SegmentConfig",
    "ServiceDist",
    "ServiceTimeConfig",
    "SimulationConfig",
    "StepConfig",
    "Talkers",
    "TouchpointConfig",
    "TriggerKind",
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


class Talkers(Enum):
    nps_class = "nps_class"  # promoters talk positively, detractors negatively
    all_customers = "all_customers"  # every customer talks positively (Bass mean-field case)


@dataclass
class Dimensions:
    """A value on each of the three factors of the experience, on a 0–1 scale."""

    product: float = 0.5
    interaction: float = 0.5
    brand: float = 0.5


@dataclass
class SegmentConfig:
    share: float = 1.0
    expectations: Dimensions = field(default_factory=Dimensions)
    expectation_sd: float = 0.0
    initial_satisfaction: float = 0.75
    initial_bond: float = 0.6
    attitude_sd: float = 0.0
    patience_mean_min: float = 3.0
    channel_preference: dict[str, float] = field(default_factory=dict)
    journey_rates: dict[str, float] = field(default_factory=dict)
    revenue_per_day: float = 0.0
    churn_multiplier: float = 1.0


@dataclass
class PopulationConfig:
    size: int = 20000
    initial_customer_share: float = 0.5
    segments: dict[str, SegmentConfig] = field(default_factory=dict)


@dataclass
class ServiceTimeConfig:
    dist: ServiceDist = ServiceDist.lognormal
    mean_min: float = 6.0
    cv: float = 0.5


@dataclass
class TouchpointConfig:
    channel: str = "???"
    staffed: bool = False
    servers: int = 0
    service_time: ServiceTimeConfig = field(default_factory=ServiceTimeConfig)
    open_min: float = 0.0
    close_min: float = 1440.0
    quality: Dimensions = field(default_factory=Dimensions)
    kano: KanoClass = KanoClass.one_dimensional
    p_resolve: float = 1.0
    p_wow: float = 0.0
    cost_per_contact: float = 0.0
    staff_cost_per_server_day: float = 0.0
    patience_factor: float = 1.0  # mean patience here = segment's patience_mean_min x this (> 0)


@dataclass
class StepConfig:
    touchpoints: list[str] = field(default_factory=list)
    on_resolved: str = OUTCOME_DONE
    on_unresolved: str = OUTCOME_RETRY
    on_abandoned: str = OUTCOME_RETRY
    delay_days: int = 1
    weight: float = 1.0
    p_wow_extra: float = 0.0


@dataclass
class JourneyTypeConfig:
    trigger: TriggerKind = TriggerKind.rate
    steps: dict[str, StepConfig] = field(default_factory=dict)


@dataclass
class JourneyConfig:
    name: str = "journey"  # identifier of the journey design (files, tables)
    title: str = ""  # what a reader of the report calls it, e.g. "Mid-size retail bank"
    channels: list[str] = field(default_factory=list)
    shared_context: list[list[str]] = field(default_factory=list)
    touchpoints: dict[str, TouchpointConfig] = field(default_factory=dict)
    journeys: dict[str, JourneyTypeConfig] = field(default_factory=dict)


@dataclass
class KanoFactors:
    must_be_gain: float = 0.25
    must_be_loss: float = 1.0
    one_dimensional_gain: float = 1.0
    one_dimensional_loss: float = 1.0
    attractive_gain: float = 1.5
    attractive_loss: float = 0.25


@dataclass
class EffortConfig:
    wait: float = 1.0
    repeat: float = 0.5
    switch: float = 1.0
    abandon: float = 0.5
    impact: float = 0.3


@dataclass
class MemoryConfig:
    rule: MemoryRule = MemoryRule.peak_end
    mean_weight: float = 0.5
    peak_positive_weight: float = 0.25
    peak_negative_weight: float = 0.25
    end_weight: float = 0.0


@dataclass
class ChurnConfig:
    base_daily: float = 0.000228
    satisfaction_sensitivity: float = 4.0
    bond_sensitivity: float = 2.0
    reference_satisfaction: float = 0.75
    reference_bond: float = 0.6
    failure_weight: float = 1.0
    failure_memory_days: float = 90.0
    referred_multiplier: float = 1.0


@dataclass
class BehaviourConfig:
    gain_weight: float = 1.0
    loss_weight: float = 2.0
    dimension_weights: Dimensions = field(default_factory=lambda: Dimensions(product=0.5, interaction=0.3, brand=0.2))
    kano: KanoFactors = field(default_factory=KanoFactors)
    unresolved_drop: float = 0.5
    silo_resolution_penalty: float = 0.2
    silo_time_factor: float = 1.3
    effort: EffortConfig = field(default_factory=EffortConfig)
    wow_boost: float = 0.5
    memory: MemoryConfig = field(default_factory=MemoryConfig)
    give_up_penalty: float = 0.3
    confirmation_satisfaction: float = 0.75
    satisfaction_slope: float = 0.5
    satisfaction_rate: float = 0.3
    expectation_rate: float = 0.1
    bond_rate: float = 0.05
    ltr_satisfaction_weight: float = 0.7
    csat_threshold: float = 0.0
    p_switch_channel: float = 0.3
    retry_delay_days: int = 1
    max_contacts: int = 5
    churn: ChurnConfig = field(default_factory=ChurnConfig)


@dataclass
class NetworkConfig:
    kind: NetworkKind = NetworkKind.watts_strogatz
    mean_degree: int = 10
    rewire_prob: float = 0.1


@dataclass
class WomConfig:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    talkers: Talkers = Talkers.nps_class
    p_talk_promoter: float = 0.02
    p_talk_detractor: float = 0.013
    bond_gain_per_message: float = 0.02
    bond_loss_per_message: float = 0.04
    hype_per_message: float = 0.01


@dataclass
class AcquisitionConfig:
    p_marketing: float = 0.0002
    q_wom: float = 0.01
    nwom_suppression: float = 0.05


@dataclass
class EconomicsConfig:
    currency: str = "USD"
    marketing_cost_per_day: float = 0.0
    cost_per_acquisition: float = 0.0
    referral_reward: float = 0.0
    discount_rate_annual: float = 0.08


@dataclass
class ScenarioConfig:
    """A journey design: AS-IS, or a TO-BE patch plus the investment it takes."""

    name: str = "as_is"
    title: str = "AS-IS"
    description: str = ""
    capex: float = 0.0  # one-off cost on the first day of the business case, >= 0 (currency)
    opex_per_day: float = 0.0  # the design's own running cost per day; negative = a saving (currency/day)


@dataclass
class CompareConfig:
    """Paired AS-IS vs TO-BE comparison settings (``cxsim compare``)."""

    baseline: str = "as_is"
    candidates: list[str] = field(default_factory=list)
    replications: int = 20
    seed: int = 1000  # replication r runs on seed + r for every design (common random numbers)
    ci_level: float = 0.95
    target_roi_half_width: float = 0.0  # > 0: add replications until every ROI CI is this narrow
    max_replications: int = 200
    horizon_days: int = 0  # business-case days after the warm-up (0: simulation.days)
    robustness_horizons_days: list[int] = field(default_factory=list)  # NPV and ranking also at these horizons
    n_jobs: int = 0  # worker processes for replications; 0 = one per CPU, 1 = in this process


@dataclass
class SimulationConfig:
    days: int = 365  # days reported (after the warm-up); >= 1
    warmup_days: int = 0  # days simulated first and left out of summaries and comparisons (the market settles); >= 0
    seed: int = 42
    engine: EngineKind = EngineKind.vector
    progress: bool = True
    csv: bool = False


@dataclass
class CxConfig:
    population: PopulationConfig = field(default_factory=PopulationConfig)
    journey: JourneyConfig = field(default_factory=JourneyConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    wom: WomConfig = field(default_factory=WomConfig)
    acquisition: AcquisitionConfig = field(default_factory=AcquisitionConfig)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    compare: CompareConfig = field(default_factory=CompareConfig)
