"""The two engines compute the same model: identical integer KPIs, floats equal to 1e-9.

The agent engine (Mesa + SimPy) is the executable specification; the vector engine (numba,
struct of arrays) must reproduce it day by day on every config below, including the
per-touchpoint table.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.engines.vector import People
from cxsim.result import INTEGER_COLUMNS

BASE = ["population.size=3000", "simulation.days=60", "simulation.warmup_days=0", "simulation.progress=false"]

CASES = {
    "default": [],
    "complete_mixing": ["wom=mean_field", "population.initial_customer_share=0.1", "acquisition.q_wom=0.05"],
    "scale_free": ["wom=scale_free"],
    "watts_strogatz_random": ["wom.network.rewire_prob=1.0", "wom.network.mean_degree=6"],
    "heavy_queues": [
        "journey.touchpoints.contact_centre.servers=1",
        "journey.touchpoints.branch.servers=1",
        "journey.touchpoints.contact_centre.staffing.policy=fixed",
        "journey.touchpoints.branch.staffing.policy=fixed",
        "population.segments.mass.journey_rates.support=0.03",
        "population.segments.affluent.journey_rates.support=0.03",
    ],
    "high_churn": ["behaviour.churn.base_daily=0.01", "behaviour.churn.failure_weight=5"],
    "no_wom": ["wom.p_talk_promoter=0", "wom.p_talk_detractor=0", "acquisition.q_wom=0"],
    "silo_heavy": [
        "journey.shared_context=[]",
        "behaviour.p_switch_channel=0.9",
        "behaviour.silo_resolution_penalty=0.6",
        "behaviour.silo_time_factor=2.0",
    ],
    "mean_memory_all_talk": ["behaviour.memory.rule=mean", "wom.talkers=all_customers", "wom.p_talk_promoter=0.05"],
    "linear_memory": ["behaviour.memory.rule=linear", "behaviour.memory.end_weight=-0.1"],
    # the week (the default bank already has weekday factors, a short Saturday and a closed branch on Sunday)
    "weekday_factors": ["journey.weekday_factors=[2,1.5,1,1,1,0.5,0]", "simulation.start_weekday=3"],
    "closed_days": [  # on Sundays nothing is open for the activation step (app and phone): it waits for Monday
        "journey.touchpoints.app.close_by_weekday=[1440,1440,1440,1440,1440,1440,0]",
        "journey.touchpoints.contact_centre.open_by_weekday=[480,480,0,480,480,540,0]",
        "journey.touchpoints.contact_centre.close_by_weekday=[1080,1080,0,1080,1080,780,0]",
        "journey.touchpoints.branch.close_by_weekday=[1020,1020,1020,1020,1020,540,0]",
        "behaviour.p_switch_channel=0.6",
    ],
    "saturday_profile_shifts": [
        "journey.touchpoints.contact_centre.staffing.policy=fixed",  # fixed shifts, not the planned default
        "journey.touchpoints.branch.staffing.policy=fixed",
        "journey.touchpoints.contact_centre.server_schedule=[1,2,3,3,1,2,3,2,1,1]",
        "journey.touchpoints.contact_centre.open_by_weekday=[480,480,480,480,480,510,600]",
        "journey.touchpoints.contact_centre.close_by_weekday=[1080,1080,1080,1080,1080,750,840]",
        "journey.touchpoints.branch.interval_min=120",
        "journey.touchpoints.branch.arrival_profile=[1,3,0.5,2]",
        "journey.touchpoints.branch.server_schedule=[1,2,1,1]",
        "journey.touchpoints.branch.close_by_weekday=[1020,1020,1020,1020,1020,690,0]",
        "population.segments.mass.journey_rates.support=0.03",
        "population.segments.affluent.journey_rates.support=0.03",
    ],
    # scheduled journeys: a monthly statement (after support in the journey order) and a weekly
    # two-step check that often finds its customers busy and skips to the next week
    "periodic": [
        "+journey.journeys.statement={trigger:periodic,period_days:30,steps:{read:{touchpoints:[app,contact_centre]}}}",
        "+journey.journeys.check={trigger:periodic,period_days:7,steps:{ask:{touchpoints:[contact_centre,branch],"
        "on_resolved:confirm},confirm:{touchpoints:[app,branch],delay_days:3}}}",
    ],
    # the other industries, each a small market: a yearly renewal (telecom) and a stay every 90 days (hotel)
    "example_telecom": ["+example=telecom"],
    "example_hotel": ["+example=hotel"],
    # surveys (restricted, noisy, weekly waves) and referral attribution with lots of word of mouth
    "surveys_referrals": [
        "voc.transactional.p_invite=0.8",
        "voc.transactional.journeys=[support]",
        "voc.relationship.period_days=7",
        "voc.relationship.p_invite=0.5",
        "voc.answer_sd=2.5",
        "wom.p_talk_promoter=0.2",
        "acquisition.q_wom=0.2",
        "population.initial_customer_share=0.3",
    ],
    "surveys_referrals_complete": [
        "wom=mean_field",
        "population.initial_customer_share=0.1",
        "acquisition.q_wom=0.05",
        "voc.transactional.touchpoints=[contact_centre]",
        "voc.transactional.p_invite=1",
    ],
}


def assert_same(agent: cxsim.SimulationResult, vector: cxsim.SimulationResult) -> None:
    a, v = agent.daily, vector.daily
    assert list(a.columns) == list(v.columns)
    for col in INTEGER_COLUMNS:
        assert (a[col] == v[col]).all(), f"integer KPI {col!r} differs on day(s) {list(a['day'][a[col] != v[col]])[:5]}"
    for col in a.columns.difference(list(INTEGER_COLUMNS)):
        np.testing.assert_allclose(v[col], a[col], rtol=1e-9, atol=0, equal_nan=True, err_msg=f"float KPI {col!r}")
    ta, tv = agent.touchpoints, vector.touchpoints
    for col in ta.columns:
        if pd.api.types.is_float_dtype(ta[col]):
            np.testing.assert_allclose(tv[col], ta[col], rtol=1e-9, atol=0, equal_nan=True, err_msg=col)
        else:
            assert (ta[col] == tv[col]).all(), col
    pd.testing.assert_frame_equal(agent.steps, vector.steps, check_exact=True)
    assert agent.summary.keys() == vector.summary.keys()
    # what the surveys and the referral attribution observed
    for name in ("surveys", "voc", "referrers", "referrers_by_class"):
        a_t, v_t = getattr(agent, name), getattr(vector, name)
        pd.testing.assert_frame_equal(a_t, v_t, check_exact=False, rtol=1e-9, atol=0, obj=name)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_engines_agree(case: str) -> None:
    """On the same config and seed both engines give the same daily KPIs and touchpoint table."""
    cfg = cxsim.load_config(BASE + CASES[case])
    agent = cxsim.simulate(cfg, engine="agent")
    vector = cxsim.simulate(cfg, engine="vector")
    assert agent.daily["visits"].sum() > 0
    assert_same(agent, vector)


def test_cases_exercise_what_they_claim() -> None:
    """The stress cases really stress: queues abandon, churn is high, WOM is off, silos switch."""
    heavy = cxsim.simulate(cxsim.load_config(BASE + CASES["heavy_queues"]))
    assert heavy.summary["abandonment_rate"] > 0.15  # default journey: about 0.06
    churn = cxsim.simulate(cxsim.load_config(BASE + CASES["high_churn"]))
    assert churn.summary["churn_rate_annual"] > 1.0
    quiet = cxsim.simulate(cxsim.load_config(BASE + CASES["no_wom"]))
    assert quiet.daily["wom_positive"].sum() == 0 and quiet.summary["acquired_referral_total"] == 0
    closed = cxsim.simulate(cxsim.load_config(BASE + CASES["closed_days"])).daily
    assert closed["visits_postponed"].sum() > 0  # Sundays' activations wait for Monday
    assert (closed["visits_postponed"][closed["day"] % 7 != 6] == 0).all()
    shifts = cxsim.simulate(cxsim.load_config(BASE + CASES["saturday_profile_shifts"]))
    assert shifts.summary["abandonment_rate"] > 0.05  # short, busy Saturdays: the queues are really exercised
    periodic = cxsim.simulate(cxsim.load_config(BASE + CASES["periodic"])).steps.groupby(["journey", "step"])
    periodic = periodic.visits.sum()
    assert periodic["statement", "read"] > 0.5 * 3000 * 0.5 and periodic["check", "confirm"] > 1000  # both scheduled
    for case in ("surveys_referrals", "surveys_referrals_complete"):
        seen = cxsim.simulate(cxsim.load_config(BASE + CASES[case]))
        assert seen.summary["survey_responses_total"] > 100 and seen.summary["referrers_total"] > 20, case


_THREADS_SCRIPT = """
import sys, numba, numpy as np, pandas as pd, cxsim
from cxsim.engines.vector import VectorModel
from cxsim.spec import compile_spec
base = ["population.size=20000", "simulation.days=40", "simulation.warmup_days=0"]
spec = compile_spec(cxsim.load_config([*sys.argv[3:], *base]))
model = VectorModel(spec=spec, threads=numba.get_num_threads())  # every thread, whatever the size
assert model.threads == int(sys.argv[2]), (model.threads, sys.argv[2])
for _ in range(40):
    model.step()
pd.DataFrame(model.history).to_parquet(sys.argv[1])
# what the surveys and the referral attribution observed
pd.DataFrame(np.stack(model.surveys).reshape(40, -1)).to_parquet(sys.argv[1] + ".surveys")
pd.DataFrame({"referred_by": model.people.referred_by, "left_day": model.people.left_day}).to_parquet(
    sys.argv[1] + ".people"
)
np.savez(sys.argv[1] + ".state.npz", **model.people._asdict())  # every person's whole state
"""


@pytest.mark.slow
@pytest.mark.parametrize("overrides", [[], ["+example=telecom"]], ids=["bank", "telecom_periodic"])
def test_vector_identical_at_any_thread_count(tmp_path: pytest.TempPathFactory, overrides: list[str]) -> None:
    """The vector engine gives bit-identical results with 1 and 2 numba threads (also with a periodic journey)."""
    frames = []
    for threads in ("1", "2"):
        out = tmp_path / f"daily_{threads}.parquet"  # type: ignore[operator]
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        cmd = [sys.executable, "-c", _THREADS_SCRIPT, str(out), threads, *overrides]
        subprocess.run(cmd, check=True, env=env, timeout=600)
        frames.append([pd.read_parquet(f"{out}{part}") for part in ("", ".surveys", ".people")])
    for one, two in zip(frames[0], frames[1], strict=True):
        pd.testing.assert_frame_equal(one, two, check_exact=True)
    states = [np.load(tmp_path / f"daily_{threads}.parquet.state.npz") for threads in ("1", "2")]  # type: ignore[operator]
    assert sorted(states[0].files) == sorted(People._fields)
    for name in states[0].files:
        assert states[0][name].tobytes() == states[1][name].tobytes(), name  # bit for bit
