"""Voice of the customer: surveys measure, with non-response bias and noise, and never change behaviour."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clitools import assert_run_refuses
from scipy import stats

import cxsim
from cxsim.compare_tables import survey_size
from cxsim.config.validation import ConfigError
from cxsim.kernels.voc import NOT_ANSWERED, NOT_INVITED, SURVEY_RELATIONSHIP, SURVEY_TRANSACTIONAL, survey_answer
from cxsim.rng import STREAM_VOC, uniform
from cxsim.voc import nps_interval

BASE = ["population.size=1500", "simulation.days=60", "simulation.warmup_days=0", "simulation.progress=false"]
# Everybody surveyed, everybody answers, no noise: what the surveys see is the truth.
CENSUS = [
    "voc.transactional.p_invite=1",
    "voc.relationship.p_invite=1",
    "voc.relationship.period_days=1",
    "voc.response.promoter=1",
    "voc.response.passive=1",
    "voc.response.detractor=1",
    "voc.answer_sd=0",
]
NO_SURVEYS = ["voc.transactional.p_invite=0", "voc.relationship.p_invite=0"]


def run(overrides: list[str], engine: str = "vector") -> cxsim.SimulationResult:
    return cxsim.simulate(cxsim.load_config(BASE + overrides), engine=engine)


def test_survey_answer_follows_its_keyed_draws() -> None:
    """Invited iff U0 < p_invite, answers iff U1 < response[class], answer = truth without noise."""
    response = np.array([0.3, 0.0, 1.0])  # detractor, passive, promoter
    seen = {NOT_INVITED: 0, NOT_ANSWERED: 0}
    for i in range(2000):
        for ltr in (3, 8, 10):
            got = survey_answer(7, i, 5, SURVEY_RELATIONSHIP, ltr, 0.4, response, 0.0)
            u0, u1 = (uniform(7, STREAM_VOC, i, 5, 3 * SURVEY_RELATIONSHIP + k) for k in (0, 1))
            p_answer = response[0 if ltr <= 6 else (2 if ltr >= 9 else 1)]
            want = NOT_INVITED if u0 >= 0.4 else (NOT_ANSWERED if u1 >= p_answer else ltr)
            assert got == want
            seen[got] = seen.get(got, 0) + 1
    assert seen[NOT_INVITED] > 0 and seen[NOT_ANSWERED] > 0 and seen[10] > 0 and 8 not in seen  # passives never answer


def test_answer_noise_is_centred_and_bounded() -> None:
    """With noise sd 1 the answers scatter around the truth (mean within 0.1 of 5), inside 0-10."""
    answers = np.array([survey_answer(3, i, 1, SURVEY_TRANSACTIONAL, 5, 1.0, np.ones(3), 1.0) for i in range(4000)])
    assert answers.min() >= 0 and answers.max() <= 10
    assert abs(answers.mean() - 5.0) < 0.1
    assert 0.8 < answers.std() < 1.2  # rounding adds about 1/12 to the variance


def test_nps_interval_is_the_promoter_minus_detractor_variance() -> None:
    """p = 0.5, d = 0.2, n = 100: NPS 30, se = 100 sqrt((0.7 - 0.09) / 100) = 7.81."""
    nps, lo, hi = nps_interval(50, 20, 100, 0.95)
    half = stats.norm.ppf(0.975) * 100 * math.sqrt(0.61 / 100)
    assert nps == pytest.approx(30.0)
    assert (lo, hi) == pytest.approx((30.0 - half, 30.0 + half))
    assert all(math.isnan(x) for x in nps_interval(0, 0, 0, 0.95))


def test_survey_size_formula() -> None:
    """n = (z_0.975 + z_0.8)^2 (Va + Vb) / (effect / 100)^2: 5 points with V = 0.6 per arm -> 3,768."""
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert survey_size(5.0, 0.6, 0.6, 0.95) == pytest.approx(z * z * 1.2 / 0.0025)
    assert math.ceil(survey_size(5.0, 0.6, 0.6, 0.95)) == 3768
    assert survey_size(0.0, 0.6, 0.6, 0.95) == math.inf


@pytest.mark.parametrize("engine", ["vector", "agent"])
def test_surveys_never_change_behaviour(engine: str) -> None:
    """A census with noisy answers and no survey at all give the same customers, day by day."""
    small = ["population.size=600", "simulation.days=40"] if engine == "agent" else []
    noisy = [*CENSUS, "voc.answer_sd=2", "voc.response.passive=0.3"]
    with_surveys = run(small + noisy, engine)
    without = run(small + NO_SURVEYS, engine)
    assert with_surveys.summary["survey_responses_total"] > 100
    assert without.summary["survey_invitations_total"] == 0
    pd.testing.assert_frame_equal(with_surveys.daily, without.daily, check_exact=True)
    pd.testing.assert_frame_equal(with_surveys.touchpoints, without.touchpoints, check_exact=True)
    pd.testing.assert_frame_equal(with_surveys.referrers, without.referrers, check_exact=True)


def test_a_census_without_bias_or_noise_measures_the_true_nps() -> None:
    """Daily relationship waves to every customer, all answering truthfully: measured NPS = true NPS each day."""
    r = run(CENSUS)
    rel = r.voc[(r.voc["period"] == "day") & (r.voc["survey"] == "relationship")].set_index("first_day")
    truth = r.daily.set_index("day")
    assert (rel["responses"] == truth["customers"]).all()
    np.testing.assert_allclose(rel["nps_measured"], truth["nps"], rtol=0, atol=1e-9)


def test_non_response_bias_moves_the_measured_nps() -> None:
    """If only promoters answer (and truthfully), the surveys measure NPS +100; if only detractors, -100."""
    only = {"promoter": (1, 0, 0), "detractor": (0, 0, 1)}
    for who, (p, s, d) in only.items():
        r = run([*CENSUS, f"voc.response.promoter={p}", f"voc.response.passive={s}", f"voc.response.detractor={d}"])
        assert r.summary["nps_measured"] == (100.0 if who == "promoter" else -100.0)
        assert r.summary["survey_responses_total"] > 0


def test_transactional_survey_follows_ended_journeys_and_its_restrictions() -> None:
    """Inviting every ended journey invites journeys completed + given up; restricting to each
    journey type (or each touchpoint) splits those invitations exactly."""
    tx_only = ["voc.transactional.p_invite=1", "voc.relationship.p_invite=0"]
    everything = run(tx_only)
    ended = everything.daily["journeys_completed"] + everything.daily["journeys_failed"]
    tx = everything.surveys[everything.surveys["survey"] == "transactional"]
    assert (tx["invited"].to_numpy() == ended.to_numpy()).all()
    cfg = cxsim.load_config(BASE)
    for key, names in (("journeys", list(cfg.journey.journeys)), ("touchpoints", list(cfg.journey.touchpoints))):
        parts = [run([*tx_only, f"voc.transactional.{key}=[{n}]"]).summary["survey_invitations_total"] for n in names]
        assert sum(parts) == everything.summary["survey_invitations_total"], key
        assert sum(p > 0 for p in parts) >= 2, (key, parts)


def test_periods_add_up_and_cost_is_per_invitation() -> None:
    """Week and month rows sum the day rows; the survey cost is invitations x cost per invitation."""
    r = run(["voc.cost_per_invitation=0.4"])
    v = r.voc[r.voc["survey"] == "all"]
    days = v[v["period"] == "day"]
    for period in ("week", "month"):
        rows = v[v["period"] == period]
        assert rows["responses"].sum() == days["responses"].sum() > 0
        assert rows["invited"].sum() == days["invited"].sum()
        assert rows["first_day"].min() == 1 and rows["last_day"].max() == 60
    assert r.summary["survey_cost_total"] == pytest.approx(0.4 * r.summary["survey_invitations_total"])
    assert len(v[v["period"] == "week"]) == 9  # 60 days: 8 full weeks and 4 days


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("voc.response.detractor=1.5", "voc.response.detractor"),
        ("voc.transactional.p_invite=-0.1", "voc.transactional.p_invite"),
        ("voc.relationship.period_days=0", "voc.relationship.period_days"),
        ("voc.cost_per_invitation=-1", "voc.cost_per_invitation"),
        ("voc.answer_sd=-0.5", "voc.answer_sd"),
        ("voc.transactional.journeys=[nope]", "voc.transactional.journeys"),
        ("voc.transactional.touchpoints=[nope]", "voc.transactional.touchpoints"),
    ],
)
def test_bad_survey_settings_are_refused(override: str, key: str) -> None:
    with pytest.raises(ConfigError) as exc:
        cxsim.load_config([override])
    assert [k for k, _ in exc.value.problems] == [key]


@pytest.mark.parametrize(
    ("override", "key"),
    [("voc.response.promoter=2", "voc.response.promoter"), ("voc.relationship.period_days=0", "voc.relationship")],
)
def test_cli_refuses_bad_survey_settings(tmp_path: Path, override: str, key: str) -> None:
    """One clear message naming the key, exit 2, no traceback, nothing written."""
    assert_run_refuses(tmp_path, override, key)


def test_compare_reports_measured_nps_survey_size_and_value_of_promoter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The measured effect is the paired mean of the measured NPS differences; the survey size is
    the two-sample formula on each arm's answer shares; both reach summary.json, the terminal and
    the report, with the value of a promoter."""
    from cxsim.cli import print_comparison
    from cxsim.output import write_comparison

    small = ["population.size=1000", "simulation.warmup_days=10", "compare.horizon_days=60",
             "compare.robustness_horizons_days=[]", "simulation.progress=false",
             "voc.transactional.p_invite=1"]  # fmt: skip
    base = cxsim.load_config(small)
    res = cxsim.compare(base, [cxsim.load_config([*small, "scenario=more_agents"])], replications=3, n_jobs=1)
    runs = res.runs.pivot_table(index=["design", "replication"], columns="kpi", values="value")
    diff = runs.loc["more_agents"]["nps_measured"] - runs.loc["as_is"]["nps_measured"]
    row = res.survey_power.iloc[0]
    assert row["measured_delta"] == pytest.approx(diff.mean())
    true = (runs.loc["more_agents"]["nps_mean"] - runs.loc["as_is"]["nps_mean"]).mean()
    assert row["true_delta"] == pytest.approx(true)

    def v(design: str) -> float:
        p, d = runs.loc[design]["voc_promoter_share"].mean(), runs.loc[design]["voc_detractor_share"].mean()
        return p + d - (p - d) ** 2

    assert row["needed_per_arm"] == pytest.approx(survey_size(true, v("as_is"), v("more_agents"), 0.95))
    assert row["responses_baseline"] == pytest.approx(runs.loc["as_is"]["survey_responses_total"].mean())
    summary = res.summary()
    assert summary["survey_power"][0]["design"] == "more_agents"
    kpis = set(res.kpis["kpi"])
    assert {"nps_measured", "value_of_promoter", "survey_cost_total"} <= kpis
    write_comparison(tmp_path, res, base)
    report = (tmp_path / "report.html").read_text()
    assert "Listening and prescription" in report and "value of a promoter" in report
    print_comparison(res)
    out = capsys.readouterr().out
    assert "measured dNPS" in out and "value of a promoter" in out
