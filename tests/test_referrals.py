"""Referral attribution: every referral acquisition names one referrer among the praise heard that day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.engines.agent import AgentModel
from cxsim.engines.vector import VectorModel
from cxsim.kernels.codes import CUSTOMER, VIA_REFERRAL
from cxsim.kernels.groups import ReferralState
from cxsim.kernels.wom import pick_referrer, positive_talkers
from cxsim.money import discount_factors
from cxsim.referrals import referral_outputs, referred_values
from cxsim.spec import compile_spec

BASE = ["population.size=1500", "simulation.days=60", "simulation.warmup_days=0", "simulation.progress=false"]
# Lots of word of mouth, so that there are referrals to attribute.
TALKATIVE = ["wom.p_talk_promoter=0.2", "acquisition.q_wom=0.2", "population.initial_customer_share=0.3"]


def test_referrer_is_drawn_among_the_praising_neighbours_by_messages() -> None:
    """Person 0 hears praise from neighbours 1 and 3 (2 is silent): each is named about half the time."""
    indptr = np.array([0, 3, 4, 5, 6])
    indices = np.array([1, 2, 3, 0, 0, 0])
    talk = np.array([0, 1, 0, 1], dtype=np.int8)
    picks = np.array(
        [pick_referrer(5, 0, d, 2, False, indptr, indices, talk, np.zeros(0, np.int64)) for d in range(4000)]
    )
    assert set(picks.tolist()) == {1, 3}
    assert abs(np.mean(picks == 1) - 0.5) < 4 * 0.5 / np.sqrt(4000)
    assert pick_referrer(5, 0, 1, 0, False, indptr, indices, talk, np.zeros(0, np.int64)) == -1


def test_complete_mixing_draws_among_every_other_talker() -> None:
    """Complete mixing: any praising talker but oneself, each as likely."""
    talk = np.array([1, 0, 1, 1, 0], dtype=np.int8)
    talkers = positive_talkers(talk)
    assert talkers.tolist() == [0, 2, 3]
    empty = np.zeros(0, np.int64)
    picks = [pick_referrer(9, 1, d, 3, True, empty, empty, talk, talkers) for d in range(3000)]
    assert {p: round(picks.count(p) / 3000, 1) for p in set(picks)} == {0: 0.3, 2: 0.3, 3: 0.3}
    mine = {pick_referrer(9, 2, d, 2, True, empty, empty, talk, talkers) for d in range(200)}
    assert mine == {0, 3}  # a talker never refers themselves


def _check_day(model: VectorModel | AgentModel, state: ReferralState, talk: np.ndarray) -> int:
    day = model.day
    new = np.flatnonzero((state.acquired_day == day) & (state.acquired_via == VIA_REFERRAL))
    assert (state.referred_by[new] >= 0).all()
    net = model.network
    for i in new:
        j = int(state.referred_by[i])
        assert talk[j] > 0, (day, i, j)  # the referrer praised today
        assert state.status[j] != 0  # a customer (or one who churned later today)
        if not net.complete:
            assert j in net.indices[net.indptr[i] : net.indptr[i + 1]], (day, i, j)
    assert len(new) == model.history[-1]["acquired_referral"] == model.attributed[-1]
    return len(new)


@pytest.mark.parametrize("engine", ["vector", "agent"])
@pytest.mark.parametrize("wom", ["default", "mean_field"])
def test_referrals_attributed_equal_referral_acquisitions_every_day(engine: str, wom: str) -> None:
    """Conservation, day by day: every referral acquisition has one referrer, a praising
    neighbour (or, with complete mixing, any praising customer) of that day."""
    size = ["population.size=600"] if engine == "agent" else []
    spec = compile_spec(cxsim.load_config([*BASE, *TALKATIVE, *size, f"wom={wom}"]))
    model: VectorModel | AgentModel = VectorModel(spec=spec) if engine == "vector" else AgentModel(spec=spec)
    total = 0
    for _ in range(30):
        model.step()
        talk = model.people.talk if isinstance(model, VectorModel) else model.talk
        total += _check_day(model, model.referral_state(), talk)
    assert total > 10


def test_referred_value_by_hand() -> None:
    """Acquired on day w+2, churned on day w+5: customer at the end of days w+2..w+4; value =
    revenue x (D2 + D3 + D4) - (cost per acquisition + reward) x D2."""
    cfg = cxsim.load_config([*BASE, "simulation.warmup_days=10", "economics.referral_reward=7"])
    spec = compile_spec(cfg)
    n = 4
    state = ReferralState(
        segment=np.zeros(n, np.int64),
        status=np.array([CUSTOMER, 2, CUSTOMER, CUSTOMER], np.int8),
        ltr=np.array([9, 5, 10, 8], np.int8),
        acquired_via=np.array([0, VIA_REFERRAL, VIA_REFERRAL, VIA_REFERRAL], np.int8),
        acquired_day=np.array([0, 12, 20, 5], np.int32),  # person 3 came in the warm-up: not counted
        referred_by=np.array([-1, 0, 1, 0], np.int32),
        left_day=np.array([0, 15, 0, 0], np.int32),
    )
    who, value = referred_values(spec, state, until=40)
    d = discount_factors(30, spec.discount_rate_annual)
    rev, cpa = spec.revenue_per_day[0], spec.cost_per_acquisition + 7.0
    assert who.tolist() == [1, 2]
    assert value[0] == pytest.approx(rev * (d[1] + d[2] + d[3]) - cpa * d[1])
    assert value[1] == pytest.approx(rev * d[9:30].sum() - cpa * d[9])
    daily = pd.DataFrame({"day": np.arange(1, 41), "acquired_marketing": 0, "acquired_referral": 0, "promoters": 2})
    daily.loc[daily["day"] == 12, "acquired_referral"] = 1
    daily.loc[daily["day"] == 20, "acquired_referral"] = 1
    table, by_class, summary = referral_outputs(spec, state, daily, 40)
    # one referral each: the one who brought more value first; person 0's customer went on to refer
    assert table[["person", "referrals", "second_generation"]].values.tolist() == [[1, 1, 0], [0, 1, 1]]
    assert summary["second_generation_share"] == 0.5  # person 2 was brought by person 1, a referred customer
    assert summary["value_of_promoter"] == pytest.approx(value.sum() / (2 * 30 / 365))
    assert summary["referrals_per_promoter"] == {"0": 1, "1": 1, "2": 0, "3+": 0}  # persons 2 and 0
    assert by_class["referrals"].sum() == 2


def test_run_outputs_referrers() -> None:
    """The referrer table adds up to the referral acquisitions of the window, both engines alike."""
    cfg = cxsim.load_config([*BASE, *TALKATIVE, "population.size=600", "simulation.warmup_days=10"])
    v = cxsim.simulate(cfg, engine="vector")
    a = cxsim.simulate(cfg, engine="agent")
    assert (
        v.referrers["referrals"].sum()
        == v.summary["acquired_referral_total"]
        == v.summary["referrals_attributed_total"]
    )
    assert v.summary["acquired_referral_total"] > 10
    pd.testing.assert_frame_equal(v.referrers, a.referrers, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(v.referrers_by_class, a.referrers_by_class, check_exact=False, rtol=1e-9)
