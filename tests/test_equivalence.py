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
    for case in ("surveys_referrals", "surveys_referrals_complete"):
        seen = cxsim.simulate(cxsim.load_config(BASE + CASES[case]))
        assert seen.summary["survey_responses_total"] > 100 and seen.summary["referrers_total"] > 20, case


_THREADS_SCRIPT = """
import sys, numba, numpy as np, pandas as pd, cxsim
from cxsim.engines.vector import VectorModel
from cxsim.spec import compile_spec
spec = compile_spec(cxsim.load_config(["population.size=20000", "simulation.days=40", "simulation.warmup_days=0"]))
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
"""


@pytest.mark.slow
def test_vector_identical_at_any_thread_count(tmp_path: pytest.TempPathFactory) -> None:
    """The vector engine gives bit-identical results with 1 and 2 numba threads."""
    frames = []
    for threads in ("1", "2"):
        out = tmp_path / f"daily_{threads}.parquet"  # type: ignore[operator]
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        subprocess.run([sys.executable, "-c", _THREADS_SCRIPT, str(out), threads], check=True, env=env, timeout=600)
        frames.append([pd.read_parquet(f"{out}{part}") for part in ("", ".surveys", ".people")])
    for one, two in zip(frames[0], frames[1], strict=True):
        pd.testing.assert_frame_equal(one, two, check_exact=True)
