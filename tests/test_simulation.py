"""End-to-end behaviour of one simulation: determinism, conservation, bounds, mechanisms."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.config.validation import week_hours
from cxsim.engines.agent import AgentModel
from cxsim.kernels.codes import CUSTOMER
from cxsim.kernels.week import weekday
from cxsim.result import DAILY_COLUMNS
from cxsim.spec import compile_spec

REQUIRED = [
    "day",
    "prospects",
    "customers",
    "churned",
    "acquired_marketing",
    "acquired_referral",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "csat",
    "effort",
    "visits",
    "abandoned",
    "mean_wait_min",
    "revenue",
    "cost_to_serve",
    "margin",
]


def run(overrides: list[str], **kw: object) -> cxsim.SimulationResult:
    return cxsim.simulate(cxsim.load_config(overrides), **kw)  # type: ignore[arg-type]


def test_daily_has_required_columns(small_result: cxsim.SimulationResult) -> None:
    """The daily table has every column the API promises, one row per day."""
    d = small_result.daily
    assert set(REQUIRED) <= set(d.columns)
    assert list(d.columns) == list(DAILY_COLUMNS)
    assert list(d["day"]) == list(range(1, 61))


def test_same_seed_identical_other_seed_different(small_overrides: list[str]) -> None:
    """Same config and seed give an identical daily table; another seed gives another one."""
    a = run(small_overrides)
    b = run(small_overrides)
    pd.testing.assert_frame_equal(a.daily, b.daily, check_exact=True)
    pd.testing.assert_frame_equal(a.touchpoints, b.touchpoints, check_exact=True)
    c = run(small_overrides, seed=7)
    assert not a.daily.equals(c.daily)


def test_visiting_order_does_not_matter(small_overrides: list[str]) -> None:
    """Shuffling agents with a different generator changes nothing: results never depend on visiting order."""
    spec = compile_spec(cxsim.load_config(small_overrides))
    m1 = AgentModel(spec=spec)
    m2 = AgentModel(spec=spec)
    m2.random = random.Random(123456)
    for _ in range(40):
        m1.step()
        m2.step()
    assert m1.history == m2.history


def test_conservation_every_day(small_result: cxsim.SimulationResult) -> None:
    """prospects + customers + cumulative churned equals the market size on every day."""
    d = small_result.daily
    total = d["prospects"] + d["customers"] + d["churned"].cumsum()
    assert (total == 1500).all()


def test_flows_balance(small_result: cxsim.SimulationResult) -> None:
    """Customers change by acquisitions minus churn; prospects fall by acquisitions."""
    d = small_result.daily
    dc = d["customers"].diff().iloc[1:]
    flow = (d["acquired_marketing"] + d["acquired_referral"] - d["churned"]).iloc[1:]
    assert (dc == flow).all()
    dp = d["prospects"].diff().iloc[1:]
    assert (dp == -(d["acquired_marketing"] + d["acquired_referral"]).iloc[1:]).all()


def test_nps_bounds_and_classes(small_result: cxsim.SimulationResult) -> None:
    """NPS lies in [-100, 100] and equals 100·(promoters − detractors)/customers."""
    d = small_result.daily
    assert ((d["nps"] >= -100) & (d["nps"] <= 100)).all()
    assert (d["promoters"] + d["passives"] + d["detractors"] == d["customers"]).all()
    expected = 100.0 * (d["promoters"] - d["detractors"]) / d["customers"]
    np.testing.assert_allclose(d["nps"], expected, rtol=0, atol=1e-12)


def test_contact_accounting(small_result: cxsim.SimulationResult) -> None:
    """Every contact is served or abandoned; resolution needs service; tables agree."""
    d, t = small_result.daily, small_result.touchpoints
    assert (d["served"] + d["abandoned"] == d["visits"]).all()
    assert (d["resolved"] <= d["served"]).all()
    assert t["visits"].sum() == d["visits"].sum()
    assert t["abandoned"].sum() == d["abandoned"].sum()
    assert t["resolved"].sum() == d["resolved"].sum()
    assert (t.loc[~t["staffed"], "abandoned"] == 0).all()
    steps = small_result.steps
    assert steps["visits"].sum() == d["visits"].sum()
    assert steps["resolved"].sum() == d["resolved"].sum()
    assert steps.groupby("touchpoint")["visits"].sum().to_dict() == t.set_index("touchpoint")["visits"].to_dict()
    assert (d["mean_wait_min"].dropna() >= 0).all()
    assert ((d["csat"].dropna() >= 0) & (d["csat"].dropna() <= 100)).all()
    assert ((d["effort"].dropna() >= 1) & (d["effort"].dropna() < 7)).all()


def test_money_accounting(small_result: cxsim.SimulationResult) -> None:
    """cost_to_serve = contact + staff costs; margin = revenue − cost_to_serve − acquisition cost."""
    d = small_result.daily
    np.testing.assert_allclose(d["cost_to_serve"], d["contact_cost"] + d["staff_cost"], rtol=1e-12)
    np.testing.assert_allclose(d["margin"], d["revenue"] - d["cost_to_serve"] - d["acquisition_cost"], rtol=1e-12)
    s = small_result.summary
    assert s["margin_total"] == pytest.approx(d["margin"].sum())


def test_summary_consistent(small_result: cxsim.SimulationResult) -> None:
    """The summary's totals are the sums of the daily table."""
    s, d = small_result.summary, small_result.daily
    assert s["churned_total"] == d["churned"].sum()
    assert s["customers_end"] == d["customers"].iloc[-1]
    assert s["nps_end"] == d["nps"].iloc[-1]
    assert (
        s["customers_start"]
        == d["customers"].iloc[0]
        - d["acquired_marketing"].iloc[0]
        - d["acquired_referral"].iloc[0]
        + d["churned"].iloc[0]
    )


def test_model_from_config_registers_agents(small_overrides: list[str]) -> None:
    """AgentModel.from_config builds one Mesa agent per person in the market."""
    model = AgentModel.from_config(cxsim.load_config(small_overrides))
    assert len(model.agents) == 1500
    customers = sum(1 for p in model.people if p.status == CUSTOMER)
    assert 0.4 * 1500 < customers < 0.6 * 1500  # initial_customer_share 0.5


def test_more_staff_less_abandonment(small_overrides: list[str]) -> None:
    """More contact-centre agents cut abandonment and waits there (common random numbers)."""
    base = [
        *small_overrides,
        "population.size=4000",
        "journey.touchpoints.contact_centre.staffing.policy=fixed",
        "journey.touchpoints.contact_centre.servers=1",
    ]
    few = run(base).touchpoints.set_index("touchpoint").loc["contact_centre"]
    many = (
        run([*base[:-1], "journey.touchpoints.contact_centre.servers=4"])
        .touchpoints.set_index("touchpoint")
        .loc["contact_centre"]
    )
    assert many["abandonment_rate"] < few["abandonment_rate"]
    assert many["mean_wait_min"] < few["mean_wait_min"]


def test_shared_context_lowers_effort(small_overrides: list[str]) -> None:
    """When every channel shares context, switching costs no extra effort: mean effort falls."""
    silo = run([*small_overrides, "population.size=4000", "journey.shared_context=[]"])
    shared = run([*small_overrides, "population.size=4000", "journey.shared_context=[[digital,phone,branch]]"])
    assert shared.summary["effort_mean"] < silo.summary["effort_mean"]


def test_no_wom_no_referrals(small_overrides: list[str]) -> None:
    """Without word of mouth nobody is acquired by referral."""
    r = run([*small_overrides, "acquisition.q_wom=0"])
    assert r.daily["acquired_referral"].sum() == 0
    assert r.daily["acquired_marketing"].sum() > 0


@pytest.mark.parametrize("wom", ["mean_field", "scale_free"])
def test_other_networks_run(small_overrides: list[str], wom: str) -> None:
    """Complete mixing and scale-free networks run and conserve people."""
    r = run([*small_overrides, f"wom={wom}", "simulation.days=20"])
    d = r.daily
    assert (d["prospects"] + d["customers"] + d["churned"].cumsum() == 1500).all()


def test_mean_field_everyone_adopts_eventually() -> None:
    """In the mean-field case with strong imitation the market fills up (Bass dynamics)."""
    r = run(
        [
            "population.size=800",
            "simulation.days=120",
            "simulation.progress=false",
            "population.initial_customer_share=0.02",
            "wom=mean_field",
            "acquisition.p_marketing=0.003",
            "acquisition.q_wom=0.2",
            "acquisition.nwom_suppression=0",
            "behaviour.churn.base_daily=0",
        ]
    )
    d = r.daily
    assert d["churned"].sum() == 0
    assert d["prospects"].iloc[-1] < 0.05 * 800
    assert d["acquired_referral"].sum() > d["acquired_marketing"].sum()


def test_unknown_engine_rejected(small_overrides: list[str]) -> None:
    """An unknown engine name is a config error, not a crash."""
    with pytest.raises(cxsim.ConfigError, match=r"simulation.engine"):
        run(small_overrides, engine="warp")


def test_flow_counts_say_where_unresolved_contacts_go(small_overrides: list[str]) -> None:
    """Where contacts go: a retry follows only an unresolved or abandoned contact; every given-up
    journey ends on exactly one contact; at the one-step support journey (resolved means done) every
    other contact is retried or given up, exactly. The engines agree on every count."""
    over = [
        *small_overrides,
        "population.size=3000",
        "journey.touchpoints.contact_centre.staffing.policy=fixed",
        "journey.touchpoints.contact_centre.servers=1",
    ]
    vec = run(over)
    agent = run(over, engine="agent")
    pd.testing.assert_frame_equal(vec.steps, agent.steps, check_exact=True)
    pd.testing.assert_frame_equal(vec.touchpoints, agent.touchpoints, check_exact=True)
    s = vec.steps
    assert (s["retried"] <= s["visits"] - s["resolved"]).all()
    support = s[s["journey"] == "support"]
    assert (support["visits"] - support["resolved"] == support["retried"] + support["gave_up"]).all()
    assert s["gave_up"].sum() > 0 and s["retried"].sum() > 0
    assert (s["switched"] <= s["visits"]).all() and s["switched"].sum() > 0  # the app is a silo
    assert int(s["gave_up"].sum()) == int(vec.daily["journeys_failed"].sum())  # no warm-up here


def test_occupancy_is_busy_minutes_over_staffed_minutes(small_overrides: list[str]) -> None:
    """Occupancy = minutes of service given / server-minutes on duty; within (0, 1). A fixed team:
    servers x each day's opening minutes; a planned one: the plan's servers x interval minutes."""
    fixed = "journey.touchpoints.contact_centre.staffing.policy=fixed"
    cfg = cxsim.load_config([*small_overrides, "population.size=3000", fixed])
    r = cxsim.simulate(cfg)
    t = r.touchpoints.set_index("touchpoint")
    cc = cfg.journey.touchpoints.contact_centre
    opens, closes = week_hours(cc)
    wds = [weekday(cfg.simulation.start_weekday, d) for d in r.daily["day"]]
    cap = cc.servers * sum(closes[w] - opens[w] for w in wds)
    planned = cxsim.simulate(cxsim.load_config([*small_overrides, "population.size=3000"]))
    iv = planned.intervals[(planned.intervals["touchpoint"] == "contact_centre") & (planned.intervals["day"] > 0)]
    on_duty = float((iv["servers"] * (iv["end_min"] - iv["start_min"])).sum())
    tp = planned.touchpoints.set_index("touchpoint").loc["contact_centre"]
    assert tp["occupancy"] == pytest.approx(tp["busy_min"] / on_duty, rel=1e-12)
    assert t.loc["contact_centre", "occupancy"] == pytest.approx(t.loc["contact_centre", "busy_min"] / cap, rel=1e-12)
    assert 0 < t.loc["contact_centre", "occupancy"] < 1
    # about served x mean service time (a little more: silo switches take longer)
    approx = t.loc["contact_centre", "served"] * cc.service_time.mean_min / cap
    assert approx * 0.85 < t.loc["contact_centre", "occupancy"] < approx * 1.3
    assert np.isnan(t.loc["app", "occupancy"])
