"""Config validation: every rule of cxsim/config/validation.py fires, names its key and the bad value.

Each failing example is built the way a user would build it: Hydra overrides passed to
``cxsim.load_config``. A case states the exact key path expected in ``ConfigError.problems``,
a fragment the message must contain (the offending value, or the sum/name it is about), and
which other keys may legitimately be reported alongside (cascades such as an unknown
transition target also making the journey unable to end).
"""

from __future__ import annotations

import copy
import functools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import DictConfig

import cxsim
from cxsim import ConfigError, load_config, validate
from cxsim.config.loading import config_dir

ANY_OTHERS = "*"  # the case may report further problems (a cascade we do not pin down)

TP = "journey.touchpoints"
SEG = "population.segments.mass"
SUPPORT = "journey.journeys.support.steps.resolve"
BEH = "behaviour"
# a journey that is no longer rate-triggered takes no daily rates
NO_SUPPORT_RATES = [f"~population.segments.{s}.journey_rates.support" for s in ("mass", "affluent")]


def case(
    case_id: str,
    overrides: list[str],
    key: str,
    fragment: str,
    also: tuple[str, ...] | str = (),
    marks: tuple[pytest.MarkDecorator, ...] = (),
) -> object:
    """One failing example: ``overrides`` must be rejected with a problem at ``key`` mentioning ``fragment``."""
    return pytest.param(overrides, key, fragment, also, id=case_id, marks=marks)


CASES = [
    # ---- population -------------------------------------------------------------------
    case("population.size<1", ["population.size=0"], "population.size", "got 0"),
    case("population.size-wrong-type", ["population.size=abc"], "population.size", "abc"),
    case("population.size-empty", ["population.size="], "population.size", "''"),
    case(
        "population.initial_customer_share>1",
        ["population.initial_customer_share=1.5"],
        "population.initial_customer_share",
        "1.5",
    ),
    case(
        "segments-empty",
        ["~population.segments.mass", "~population.segments.affluent"],
        "population.segments",
        "at least one segment",
    ),
    case("segment-shares-sum", ["population.segments.mass.share=0.5"], "population.segments", "0.75"),
    case(
        "segment-share-negative",
        ["population.segments.mass.share=-0.25", "population.segments.affluent.share=1.25"],
        f"{SEG}.share",
        "-0.25",
    ),
    case("segment-share-nan", ["population.segments.mass.share=nan"], f"{SEG}.share", "nan", also=ANY_OTHERS),
    case("segment-expectation>1", [f"{SEG}.expectations.brand=1.2"], f"{SEG}.expectations.brand", "1.2"),
    case("segment-expectation_sd<0", [f"{SEG}.expectation_sd=-0.1"], f"{SEG}.expectation_sd", "-0.1"),
    case("segment-initial_satisfaction<0", [f"{SEG}.initial_satisfaction=-0.1"], f"{SEG}.initial_satisfaction", "-0.1"),
    case("segment-initial_bond>1", [f"{SEG}.initial_bond=2"], f"{SEG}.initial_bond", "2"),
    case("segment-attitude_sd<0", [f"{SEG}.attitude_sd=-1"], f"{SEG}.attitude_sd", "-1"),
    case("segment-patience=0", [f"{SEG}.patience_mean_min=0"], f"{SEG}.patience_mean_min", "got 0"),
    case("segment-revenue<0", [f"{SEG}.revenue_per_day=-1"], f"{SEG}.revenue_per_day", "-1"),
    case("segment-churn_multiplier<0", [f"{SEG}.churn_multiplier=-1"], f"{SEG}.churn_multiplier", "-1"),
    case(
        "channel_preference-unknown-channel",
        [f"+{SEG}.channel_preference.fax=1"],
        f"{SEG}.channel_preference.fax",
        "'fax'",
    ),
    case(
        "channel_preference-negative",
        [f"{SEG}.channel_preference.phone=-0.4"],
        f"{SEG}.channel_preference.phone",
        "-0.4",
    ),
    case(
        "channel_preference-zero-for-every-channel-of-a-step",
        [f"{SUPPORT}.touchpoints=[branch]", f"{SEG}.channel_preference.branch=0"],
        f"{SEG}.channel_preference",
        "journey.journeys.support.steps.resolve",
    ),
    case(
        "journey_rate-for-non-rate-journey",
        [f"+{SEG}.journey_rates.onboarding=0.1"],
        f"{SEG}.journey_rates.onboarding",
        "'onboarding'",
    ),
    case("journey_rate>1", [f"{SEG}.journey_rates.support=2"], f"{SEG}.journey_rates.support", "2"),
    case(
        "journey_rate-missing-for-rate-journey",
        [f"~{SEG}.journey_rates.support"],
        f"{SEG}.journey_rates",
        "'support'",
    ),
    # ---- journey: channels and touchpoints ------------------------------------------------
    case("channels-empty", ["journey.channels=[]"], "journey.channels", "at least one channel", also=ANY_OTHERS),
    case("channels-duplicate", ["journey.channels=[digital,phone,branch,phone]"], "journey.channels", "'phone'"),
    case(
        "shared_context-unknown-channel", ["journey.shared_context=[[phone,fax]]"], "journey.shared_context[0]", "'fax'"
    ),
    case(
        "touchpoints-empty",
        [f"~{TP}.app", f"~{TP}.contact_centre", f"~{TP}.branch"],
        "journey.touchpoints",
        "at least one touchpoint",
        also=ANY_OTHERS,
    ),
    case("touchpoint-unknown-channel", [f"{TP}.app.channel=fax"], f"{TP}.app.channel", "'fax'"),
    case("touchpoint-servers-negative", [f"{TP}.branch.servers=-1"], f"{TP}.branch.servers", "-1"),
    case(
        "touchpoint-staffed-without-servers",
        [f"{TP}.branch.staffing.policy=fixed", f"{TP}.branch.servers=0"],
        f"{TP}.branch.servers",
        "got 0",
    ),
    case("touchpoint-self-service-with-servers", [f"{TP}.app.servers=3"], f"{TP}.app.servers", "got 3"),
    case("touchpoint-servers-wrong-type", [f"{TP}.branch.servers=1.5"], f"{TP}.branch.servers", "1.5"),
    case("touchpoint-mean_min=0", [f"{TP}.app.service_time.mean_min=0"], f"{TP}.app.service_time.mean_min", "got 0"),
    case("touchpoint-cv<0", [f"{TP}.app.service_time.cv=-1"], f"{TP}.app.service_time.cv", "-1"),
    case("touchpoint-open-after-close", [f"{TP}.branch.open_min=1100"], f"{TP}.branch.open_min", "1100"),
    case("touchpoint-open<0", [f"{TP}.branch.open_min=-5"], f"{TP}.branch.open_min", "-5"),
    case("touchpoint-close>1440", [f"{TP}.branch.close_min=2000"], f"{TP}.branch.open_min", "2000"),
    case("touchpoint-quality>1", [f"{TP}.app.quality.product=1.1"], f"{TP}.app.quality.product", "1.1"),
    case("touchpoint-p_resolve>1", [f"{TP}.app.p_resolve=1.5"], f"{TP}.app.p_resolve", "1.5"),
    case("touchpoint-p_resolve-nan", [f"{TP}.app.p_resolve=nan"], f"{TP}.app.p_resolve", "nan"),
    case("touchpoint-p_resolve-inf", [f"{TP}.app.p_resolve=inf"], f"{TP}.app.p_resolve", "inf"),
    case("touchpoint-p_resolve-list", [f"{TP}.app.p_resolve=[1,2]"], f"{TP}.app.p_resolve", "[1, 2]"),
    case("touchpoint-p_wow<0", [f"{TP}.app.p_wow=-0.1"], f"{TP}.app.p_wow", "-0.1"),
    case(
        "touchpoint-p_wow>1-blamed-on-touchpoint-only",
        [f"{TP}.branch.p_wow=1.5"],
        f"{TP}.branch.p_wow",
        "1.5",
    ),
    case("touchpoint-cost_per_contact<0", [f"{TP}.app.cost_per_contact=-1"], f"{TP}.app.cost_per_contact", "-1"),
    case(
        "touchpoint-staff_cost<0",
        [f"{TP}.branch.staff_cost_per_server_day=-1"],
        f"{TP}.branch.staff_cost_per_server_day",
        "-1",
    ),
    case("touchpoint-kano-unknown", [f"{TP}.app.kano=nope"], f"{TP}.app.kano", "nope"),
    # ---- journey: journeys and steps ------------------------------------------------------
    case(
        "journeys-empty",
        ["~journey.journeys.onboarding", "~journey.journeys.support"],
        "journey.journeys",
        "at least one journey",
        also=(f"{SEG}.journey_rates.support", "population.segments.affluent.journey_rates.support"),
    ),
    case(
        "two-acquisition-journeys",
        ["journey.journeys.support.trigger=acquisition"],
        "journey.journeys",
        "'support'",
        also=(f"{SEG}.journey_rates.support", "population.segments.affluent.journey_rates.support"),
    ),
    case(
        "steps-empty",
        [f"~{SUPPORT}"],
        "journey.journeys.support.steps",
        "at least one step",
    ),
    case(
        "step-named-done-is-reserved",
        ["+journey.journeys.support.steps={done:{touchpoints:[app]}}"],
        "journey.journeys.support.steps.done",
        "'done'",
    ),
    case("step-touchpoints-empty", [f"{SUPPORT}.touchpoints=[]"], f"{SUPPORT}.touchpoints", "at least one touchpoint"),
    case("step-touchpoints-duplicate", [f"{SUPPORT}.touchpoints=[app,app]"], f"{SUPPORT}.touchpoints", "'app'"),
    case("step-touchpoint-unknown", [f"{SUPPORT}.touchpoints=[app,kiosk]"], f"{SUPPORT}.touchpoints", "'kiosk'"),
    case("step-p_wow_extra>1", [f"{SUPPORT}.p_wow_extra=1.5"], f"{SUPPORT}.p_wow_extra", "1.5"),
    case(
        "step-p_wow-plus-extra>1",
        [f"{SUPPORT}.p_wow_extra=0.99"],
        f"{SUPPORT}.p_wow_extra",
        "0.99",
    ),
    case("step-delay_days<1", [f"{SUPPORT}.delay_days=0"], f"{SUPPORT}.delay_days", "got 0"),
    case("step-weight=0", [f"{SUPPORT}.weight=0"], f"{SUPPORT}.weight", "got 0"),
    case(
        "step-transition-to-unknown-step",
        [f"{SUPPORT}.on_resolved=nowhere"],
        f"{SUPPORT}.on_resolved",
        "'nowhere'",
        also=(SUPPORT,),  # with its only exit gone the journey also cannot end
    ),
    case(
        "journey-cannot-reach-done-all-give_up",
        [f"{SUPPORT}.on_resolved=give_up", f"{SUPPORT}.on_unresolved=give_up", f"{SUPPORT}.on_abandoned=give_up"],
        SUPPORT,
        "'done'",
    ),
    case(
        "journey-cannot-reach-done-cycle",
        ["journey.journeys.onboarding.steps.activate.on_resolved=apply"],
        "journey.journeys.onboarding.steps.activate",
        "'done'",
        also=("journey.journeys.onboarding.steps.apply",),
    ),
    case(
        "step-unreachable",
        ["+journey.journeys.support.steps={orphan:{touchpoints:[app]}}"],
        "journey.journeys.support.steps.orphan",
        "unreachable from the first step 'resolve'",
    ),
    # ---- behaviour ------------------------------------------------------------------------
    case("gain_weight<0", [f"{BEH}.gain_weight=-1"], f"{BEH}.gain_weight", "-1"),
    case("gain_weight-bool", [f"{BEH}.gain_weight=true"], f"{BEH}.gain_weight", "True"),
    case("loss_weight<0", [f"{BEH}.loss_weight=-1"], f"{BEH}.loss_weight", "-1"),
    case("dimension_weights-sum", [f"{BEH}.dimension_weights.product=0.9"], f"{BEH}.dimension_weights", "1.4"),
    case(
        "dimension_weight<0",
        [f"{BEH}.dimension_weights.brand=-0.2", f"{BEH}.dimension_weights.product=0.9"],
        f"{BEH}.dimension_weights.brand",
        "-0.2",
    ),
    case("kano-factor<0", [f"{BEH}.kano.attractive_gain=-1"], f"{BEH}.kano.attractive_gain", "-1"),
    case("unresolved_drop>1", [f"{BEH}.unresolved_drop=1.5"], f"{BEH}.unresolved_drop", "1.5"),
    case(
        "silo_resolution_penalty<0", [f"{BEH}.silo_resolution_penalty=-0.1"], f"{BEH}.silo_resolution_penalty", "-0.1"
    ),
    case("silo_time_factor=0", [f"{BEH}.silo_time_factor=0"], f"{BEH}.silo_time_factor", "got 0"),
    case("effort<0", [f"{BEH}.effort.wait=-1"], f"{BEH}.effort.wait", "-1"),
    case("wow_boost<0", [f"{BEH}.wow_boost=-1"], f"{BEH}.wow_boost", "-1"),
    case("memory-weight-inf", [f"{BEH}.memory.end_weight=inf"], f"{BEH}.memory.end_weight", "inf"),
    case(
        "memory-linear-all-zero",
        [
            f"{BEH}.memory.rule=linear",
            f"{BEH}.memory.mean_weight=0",
            f"{BEH}.memory.peak_positive_weight=0",
            f"{BEH}.memory.peak_negative_weight=0",
            f"{BEH}.memory.end_weight=0",
        ],
        f"{BEH}.memory",
        "non-zero weight",
    ),
    case("memory-rule-unknown", [f"{BEH}.memory.rule=nope"], f"{BEH}.memory.rule", "nope"),
    case("give_up_penalty<0", [f"{BEH}.give_up_penalty=-1"], f"{BEH}.give_up_penalty", "-1"),
    case(
        "confirmation_satisfaction>1",
        [f"{BEH}.confirmation_satisfaction=1.1"],
        f"{BEH}.confirmation_satisfaction",
        "1.1",
    ),
    case("satisfaction_slope<0", [f"{BEH}.satisfaction_slope=-1"], f"{BEH}.satisfaction_slope", "-1"),
    case("satisfaction_rate>1", [f"{BEH}.satisfaction_rate=1.1"], f"{BEH}.satisfaction_rate", "1.1"),
    case("expectation_rate<0", [f"{BEH}.expectation_rate=-0.1"], f"{BEH}.expectation_rate", "-0.1"),
    case("bond_rate>1", [f"{BEH}.bond_rate=2"], f"{BEH}.bond_rate", "2"),
    case("ltr_satisfaction_weight>1", [f"{BEH}.ltr_satisfaction_weight=2"], f"{BEH}.ltr_satisfaction_weight", "2"),
    case("csat_threshold-inf", [f"{BEH}.csat_threshold=-inf"], f"{BEH}.csat_threshold", "-inf"),
    case("p_switch_channel>1", [f"{BEH}.p_switch_channel=1.1"], f"{BEH}.p_switch_channel", "1.1"),
    case("retry_delay_days<1", [f"{BEH}.retry_delay_days=0"], f"{BEH}.retry_delay_days", "got 0"),
    case("max_contacts<1", [f"{BEH}.max_contacts=0"], f"{BEH}.max_contacts", "got 0"),
    case("churn.base_daily>1", [f"{BEH}.churn.base_daily=1.5"], f"{BEH}.churn.base_daily", "1.5"),
    case(
        "churn.satisfaction_sensitivity<0",
        [f"{BEH}.churn.satisfaction_sensitivity=-1"],
        f"{BEH}.churn.satisfaction_sensitivity",
        "-1",
    ),
    case("churn.bond_sensitivity<0", [f"{BEH}.churn.bond_sensitivity=-1"], f"{BEH}.churn.bond_sensitivity", "-1"),
    case(
        "churn.reference_satisfaction>1",
        [f"{BEH}.churn.reference_satisfaction=1.5"],
        f"{BEH}.churn.reference_satisfaction",
        "1.5",
    ),
    case("churn.reference_bond<0", [f"{BEH}.churn.reference_bond=-1"], f"{BEH}.churn.reference_bond", "-1"),
    case("churn.failure_weight<0", [f"{BEH}.churn.failure_weight=-1"], f"{BEH}.churn.failure_weight", "-1"),
    case(
        "churn.failure_memory_days=0",
        [f"{BEH}.churn.failure_memory_days=0"],
        f"{BEH}.churn.failure_memory_days",
        "got 0",
    ),
    case(
        "churn.referred_multiplier<0",
        [f"{BEH}.churn.referred_multiplier=-1"],
        f"{BEH}.churn.referred_multiplier",
        "-1",
    ),
    # ---- word of mouth and acquisition ----------------------------------------------------
    case("ws-degree-odd", ["wom.network.mean_degree=9"], "wom.network.mean_degree", "9"),
    case("ws-degree<2", ["wom.network.mean_degree=1"], "wom.network.mean_degree", "got 1"),
    case("ba-degree<2", ["wom=scale_free", "wom.network.mean_degree=0"], "wom.network.mean_degree", "got 0"),
    case(
        "degree>=size",
        ["population.size=20", "wom.network.mean_degree=20"],
        "wom.network.mean_degree",
        "got 20",
    ),
    case("network-kind-unknown", ["wom.network.kind=ring"], "wom.network.kind", "ring"),
    case("rewire_prob>1", ["wom.network.rewire_prob=1.5"], "wom.network.rewire_prob", "1.5"),
    case("p_talk_promoter>1", ["wom.p_talk_promoter=1.5"], "wom.p_talk_promoter", "1.5"),
    case("p_talk_detractor<0", ["wom.p_talk_detractor=-0.5"], "wom.p_talk_detractor", "-0.5"),
    case("bond_gain_per_message>1", ["wom.bond_gain_per_message=2"], "wom.bond_gain_per_message", "2"),
    case("bond_loss_per_message>1", ["wom.bond_loss_per_message=2"], "wom.bond_loss_per_message", "2"),
    case("hype_per_message>1", ["wom.hype_per_message=2"], "wom.hype_per_message", "2"),
    case("p_marketing>1", ["acquisition.p_marketing=2"], "acquisition.p_marketing", "2"),
    case("q_wom<0", ["acquisition.q_wom=-1"], "acquisition.q_wom", "-1"),
    case("nwom_suppression>1", ["acquisition.nwom_suppression=2"], "acquisition.nwom_suppression", "2"),
    case("q_wom/degree>1", ["acquisition.q_wom=11"], "acquisition.q_wom", "1.1"),
    case(
        "q_wom/degree>1-complete-network",
        ["wom=mean_field", "population.size=3", "acquisition.q_wom=5"],
        "acquisition.q_wom",
        "2.5",
    ),
    # ---- periodic journeys (trigger: periodic) ---------------------------------------------
    case(
        "period_days=0",
        ["journey.journeys.support.trigger=periodic", "journey.journeys.support.period_days=0", *NO_SUPPORT_RATES],
        "journey.journeys.support.period_days",
        "at least 1 day, got 0",
    ),
    case(
        "period_days-missing",
        ["journey.journeys.support.trigger=periodic", *NO_SUPPORT_RATES],
        "journey.journeys.support.period_days",
        "at least 1 day, got 0",
    ),
    case(
        "period_days-on-a-rate-journey",
        ["journey.journeys.support.period_days=30"],
        "journey.journeys.support.period_days",
        "trigger: periodic",
    ),
    # ---- economics and simulation ---------------------------------------------------------
    case(
        "marketing_cost<0",
        ["economics.marketing_cost_per_day=-1"],
        "economics.marketing_cost_per_day",
        "-1",
    ),
    case("cost_per_acquisition<0", ["economics.cost_per_acquisition=-1"], "economics.cost_per_acquisition", "-1"),
    case("referral_reward<0", ["economics.referral_reward=-1"], "economics.referral_reward", "-1"),
    case("days=0", ["simulation.days=0"], "simulation.days", "got 0"),
    case("days<0", ["simulation.days=-3"], "simulation.days", "-3"),
    case("days-nan", ["simulation.days=nan"], "simulation.days", "nan"),
    case("days-fractional", ["simulation.days=1.5"], "simulation.days", "1.5"),
    case("seed-negative", ["simulation.seed=-1"], "simulation.seed", "-1"),
    case("seed-too-large", [f"simulation.seed={2**63}"], "simulation.seed", str(2**63)),
    case("engine-unknown", ["simulation.engine=turbo"], "simulation.engine", "turbo"),
    # ---- composition ----------------------------------------------------------------------
    case("unknown-key", ["population.nope=1"], "population.nope", "nope"),
    case("unknown-top-level-key", ["nope=1"], "nope", "nope"),
    case("unknown-hydra-key", ["hydra.nope=1"], "hydra.nope", "nope"),
    case(
        "unknown-key-added-with-plus",
        ["+population.nope=1"],
        "population.nope",
        "nope",
    ),
    case("unknown-group-option", ["wom=nope"], "wom", "wom/nope"),
    case("malformed-override", ["population.size=["], "overrides", "'['"),
]


def _reject(overrides: list[str]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(overrides)
    return info.value


@pytest.mark.parametrize(("overrides", "key", "fragment", "also"), CASES)
def test_rule_rejects_bad_value(overrides: list[str], key: str, fragment: str, also: tuple[str, ...] | str) -> None:
    """The bad config is rejected; the problem sits at exactly ``key`` and its message names the bad value."""
    err = _reject(overrides)
    keys = [k for k, _ in err.problems]
    assert key in keys, err.problems
    if also != ANY_OTHERS:
        assert set(keys) == {key, *also}, err.problems
    messages = [msg for k, msg in err.problems if k == key]
    assert any(fragment in msg for msg in messages), f"{fragment!r} not in {messages}"
    # the user-facing text carries both the key and the message
    text = str(err)
    assert text.startswith("invalid config")
    assert f"{key}: " in text
    assert fragment in text


def test_problems_are_key_message_pairs() -> None:
    """``problems`` is a list of (str, str) pairs and ConfigError is a ValueError."""
    err = _reject(["journey.touchpoints.app.p_resolve=1.5"])
    assert isinstance(err, ValueError)
    assert err.problems == [("journey.touchpoints.app.p_resolve", "must be a probability in [0, 1], got 1.5")]
    assert str(err) == "invalid config: journey.touchpoints.app.p_resolve: must be a probability in [0, 1], got 1.5"


def test_default_config_is_valid() -> None:
    """The shipped default composes and validates with no problem."""
    cfg = load_config()
    assert isinstance(cfg, DictConfig)
    validate(cfg)  # no exception
    assert cfg.population.size > 0
    assert load_config([]) == cfg


def test_several_problems_reported_at_once() -> None:
    """Problems in different groups are collected into one error listing them all."""
    err = _reject(
        [
            "journey.touchpoints.app.p_resolve=1.5",
            "behaviour.dimension_weights.product=0.9",
            "simulation.days=0",
            "simulation.seed=-1",
            "economics.referral_reward=-5",
        ]
    )
    expected = {
        "journey.touchpoints.app.p_resolve",
        "behaviour.dimension_weights",
        "simulation.days",
        "simulation.seed",
        "economics.referral_reward",
    }
    assert {k for k, _ in err.problems} == expected
    assert len(err.problems) == len(expected)
    text = str(err)
    lines = text.splitlines()
    assert lines[0] == f"invalid config ({len(expected)} problems):"
    assert len(lines) == 1 + len(expected)
    for key in expected:
        assert any(line.startswith(f"  - {key}: ") for line in lines[1:]), key


def test_each_problem_reported_once() -> None:
    """A single bad value yields a single problem, not one per touchpoint of its step."""
    err = _reject([f"{SUPPORT}.p_wow_extra=nan"])
    assert len(err.problems) == len(set(err.problems)), err.problems


def test_add_step_with_dotted_plus_override_names_full_key() -> None:
    """``+a.b.steps.orphan={...}`` is rejected (or accepted and found unreachable) under its full key path."""
    err = _reject(["+journey.journeys.support.steps.orphan={touchpoints:[app]}"])
    assert [k for k, _ in err.problems] == ["journey.journeys.support.steps.orphan"], err.problems


WOM_OPTIONS = sorted(p.stem for p in (config_dir() / "wom").glob("*.yaml"))


def test_wom_options_include_the_documented_ones() -> None:
    assert {"default", "mean_field", "scale_free"} <= set(WOM_OPTIONS)


@pytest.mark.parametrize("option", WOM_OPTIONS)
def test_each_wom_option_validates(option: str) -> None:
    """Every word-of-mouth option composes and validates, also on a small market."""
    cfg = load_config([f"wom={option}"])
    kind = {"mean_field": "complete", "scale_free": "barabasi_albert", "default": "watts_strogatz"}.get(option)
    if kind is not None:
        assert cfg.wom.network.kind.name == kind
    load_config([f"wom={option}", "population.size=50"])


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param([f"{TP}.app.p_resolve=0", f"{TP}.app.p_wow=1"], id="probabilities-at-bounds"),
        # (new opening hours need an arrival profile of their own: the bank's is by hour of 09-17)
        pytest.param(
            [f"{TP}.branch.open_min=0", f"{TP}.branch.close_min=1440", f"{TP}.branch.arrival_profile=[]"],
            id="open-around-the-clock",
        ),
        pytest.param(
            [f"{TP}.branch.open_min=1439", f"{TP}.branch.close_min=1440", f"{TP}.branch.arrival_profile=[]"],
            id="open-one-minute",
        ),
        pytest.param(["simulation.seed=0", "simulation.days=1"], id="seed-0-days-1"),
        pytest.param([f"simulation.seed={2**63 - 1}"], id="seed-max"),
        pytest.param(["population.size=11", "wom.network.mean_degree=10"], id="degree-size-minus-1"),
        pytest.param(["wom=scale_free", "wom.network.mean_degree=9"], id="ba-odd-degree"),
        pytest.param(["wom=mean_field", "wom.network.mean_degree=1"], id="complete-ignores-degree"),
        pytest.param(["acquisition.q_wom=10"], id="q_wom-equals-degree"),
        pytest.param(["population.segments.mass.share=1", "population.segments.affluent.share=0"], id="share-zero"),
        pytest.param([f"{SEG}.journey_rates.support=0"], id="journey-rate-zero"),
        pytest.param([f"{SEG}.channel_preference.branch=0"], id="one-channel-unpreferred"),
        pytest.param([f"++{SEG}.channel_preference.phone=0.5"], id="double-plus-on-existing-entry"),
        pytest.param([f"{SUPPORT}.on_unresolved=give_up", f"{SUPPORT}.on_abandoned=give_up"], id="give-up-exits"),
        pytest.param(
            [f"{BEH}.memory.rule=linear", f"{BEH}.memory.mean_weight=0", f"{BEH}.memory.end_weight=-0.5"],
            id="linear-negative-end-weight",
        ),
        pytest.param(
            ["+journey.journeys.support.steps={followup:{touchpoints:[app]}}", f"{SUPPORT}.on_unresolved=followup"],
            id="added-reachable-step",
        ),
        pytest.param(["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], id="hydra-overrides"),
    ],
)
def test_edge_values_are_accepted(overrides: list[str]) -> None:
    """Values on the boundary of a rule are valid: the rules are not stricter than documented."""
    load_config(overrides)


@functools.cache
def _default_cfg() -> DictConfig:
    return load_config()


def _with(path: str, value: object) -> DictConfig:
    cfg = copy.deepcopy(_default_cfg())
    node = cfg
    *parents, leaf = path.split(".")
    for p in parents:
        node = node[p]
    node[leaf] = value
    return cfg


PROBABILITIES = [
    "journey.touchpoints.app.p_resolve",
    "journey.touchpoints.contact_centre.p_resolve",
    "behaviour.p_switch_channel",
    "behaviour.churn.base_daily",
    "wom.network.rewire_prob",
    "acquisition.p_marketing",
]


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(PROBABILITIES),
    value=st.floats(allow_nan=True, allow_infinity=True),
)
def test_probability_rule_matches_its_definition(key: str, value: float) -> None:
    """validate() accepts a probability exactly when it is a finite number in [0, 1], else names the key."""
    cfg = _with(key, value)
    if math.isfinite(value) and 0.0 <= value <= 1.0:
        validate(cfg)
        return
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    assert [k for k, _ in info.value.problems] == [key]
    assert repr(value) in info.value.problems[0][1] or str(value) in info.value.problems[0][1]


def test_validate_checks_a_mutated_config() -> None:
    """validate() on a config edited in Python catches what load_config would have caught."""
    cfg = _with("population.segments.mass.share", 0.1)
    with pytest.raises(ConfigError) as info:
        cxsim.validate(cfg)
    assert info.value.problems == [("population.segments", "segment shares must sum to 1, got 0.35")]
