"""Non-uniform priors of sensitivity parameters: sampled as the distributions say, uniform ones as before.

A parameter's sample value is its quantile; the value is the prior's inverse CDF there. Checked
against the distributions' own moments and quantiles (scipy), against SALib's own non-uniform
sampling (an independent implementation), and, for uniform priors, against the sample the
previous code drew (SALib scaling the box itself) bit for bit.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from cxsim.cli import main
from cxsim.config.loading import compose_config
from cxsim.study.sensitivity import design_matrix, points_of
from cxsim.study.spec import SensitivitySpec

TINY = ["population.size=300", "simulation.days=30", "simulation.warmup_days=5", "compare.replications=2"]
KPIS = ("nps_end", "churned_total", "customers_end")


@pytest.fixture(scope="module")
def cfg():
    return compose_config(TINY, validate_it=True)


def _spec(cfg, parameters: dict, method: str = "sobol", samples: int = 256, seed: int = 9) -> SensitivitySpec:
    data = {"name": "p", "method": method, "outputs": ["nps_end"], "samples": samples, "seed": seed}
    return SensitivitySpec.from_dict({**data, "parameters": parameters}, cfg, [], KPIS)


def _column(spec: SensitivitySpec, path: str) -> np.ndarray:
    return np.array([p[path] for p in points_of(spec, design_matrix(spec))])


UNIFORM = {
    "behaviour.loss_weight": {"low": 1.1, "high": 2.9},  # ends with inexact binary fractions: rounding shows
    "behaviour.churn.base_daily": {"low": 0.00008, "high": 0.00016, "log": True},
    "journey.touchpoints.contact_centre.servers": {"low": 2, "high": 9},  # an integer key: rounded
}


@pytest.mark.parametrize(("method", "samples"), [("morris", 4), ("sobol", 16)])
def test_uniform_priors_give_the_points_salib_scaled_before(cfg, method, samples) -> None:
    """The previous code: SALib draws on the box (log scale for log: true), values exp'd and rounded."""
    spec = _spec(cfg, UNIFORM, method, samples)
    box = {
        "num_vars": 3,
        "names": list(UNIFORM),
        "bounds": [[1.1, 2.9], [math.log(0.00008), math.log(0.00016)], [2.0, 9.0]],
    }
    if method == "morris":
        from SALib.sample import morris

        x = morris.sample(box, samples, num_levels=spec.levels, seed=spec.seed)
    else:
        from SALib.sample import sobol

        x = sobol.sample(box, samples, calc_second_order=False, seed=spec.seed)
    before = [
        {
            "behaviour.loss_weight": float(a),
            "behaviour.churn.base_daily": float(math.exp(b)),
            "journey.touchpoints.contact_centre.servers": round(float(c)),
        }
        for a, b, c in x
    ]
    now = points_of(spec, design_matrix(spec))
    assert repr(now) == repr(before)  # the same floats, bit for bit, and the same types
    assert {type(p["journey.touchpoints.contact_centre.servers"]) for p in now} == {int}


def test_dist_loguniform_is_log_true(cfg) -> None:
    other = {"behaviour.satisfaction_slope": {"low": 0.3, "high": 0.7}}
    old = _spec(cfg, {"behaviour.loss_weight": {"low": 1.5, "high": 3.0, "log": True}, **other})
    new = _spec(cfg, {"behaviour.loss_weight": {"low": 1.5, "high": 3.0, "dist": "loguniform"}, **other})
    x = _column(new, "behaviour.loss_weight")
    assert _column(old, "behaviour.loss_weight").tolist() == x.tolist()
    assert stats.kstest(np.log(x), stats.uniform(math.log(1.5), math.log(2.0)).cdf).pvalue > 0.05


PRIORS = {
    "behaviour.loss_weight": {"dist": "triangular", "low": 1.5, "high": 3.0, "mode": 2.0},
    "behaviour.satisfaction_slope": {"dist": "normal", "mean": 0.5, "sd": 0.08},
    "acquisition.q_wom": {"dist": "lognormal", "median": 0.02, "sd_log": 0.3},
}


def test_sampled_triangular_normal_lognormal_follow_their_distributions(cfg) -> None:
    spec = _spec(cfg, PRIORS)  # Saltelli: 256 x (3 + 2) = 1280 points
    tri = _column(spec, "behaviour.loss_weight")
    norm = _column(spec, "behaviour.satisfaction_slope")
    logn = _column(spec, "acquisition.q_wom")
    assert len(tri) == 1280
    theory = {
        "tri": stats.triang(c=(2.0 - 1.5) / 1.5, loc=1.5, scale=1.5),
        "norm": stats.norm(0.5, 0.08),
        "logn": stats.lognorm(s=0.3, scale=0.02),
    }
    for name, x in (("tri", tri), ("norm", norm), ("logn", logn)):
        d = theory[name]
        assert stats.kstest(x, d.cdf).pvalue > 0.05, name
        for q in (0.1, 0.5, 0.9):
            assert abs(np.mean(x <= d.ppf(q)) - q) < 0.02, (name, q)  # quasi-random: close to exact
    assert tri.mean() == pytest.approx((1.5 + 3.0 + 2.0) / 3, abs=0.01)  # (a + b + c) / 3
    assert tri.min() >= 1.5 and tri.max() <= 3.0
    assert norm.mean() == pytest.approx(0.5, abs=0.005) and norm.std() == pytest.approx(0.08, rel=0.03)
    assert np.median(logn) == pytest.approx(0.02, rel=0.02)
    assert np.mean(np.log(logn)) == pytest.approx(math.log(0.02), abs=0.01)


def test_priors_match_salibs_own_non_uniform_sampling(cfg) -> None:
    """SALib's dists (triang, truncnorm, lognorm) are another implementation of the same inverse CDFs."""
    from SALib.sample import sobol

    parameters = {
        **PRIORS,
        "behaviour.satisfaction_slope": {"dist": "normal", "mean": 0.5, "sd": 0.08, "low": 0.35, "high": 0.6},
    }
    spec = _spec(cfg, parameters, samples=64)
    salib = {
        "num_vars": 3,
        "names": list(parameters),
        "bounds": [[1.5, 3.0, 0.5 / 1.5], [0.35, 0.6, 0.5, 0.08], [math.log(0.02), 0.3]],
        "dists": ["triang", "truncnorm", "lognorm"],
    }
    x = sobol.sample(salib, 64, calc_second_order=False, seed=spec.seed)
    ours = points_of(spec, design_matrix(spec))
    for j, path in enumerate(parameters):
        np.testing.assert_allclose([p[path] for p in ours], x[:, j], rtol=1e-12, atol=0)


def test_morris_grid_levels_are_the_priors_quantiles(cfg) -> None:
    """Morris's levels 0, 1/3, 2/3, 1 become the triangular quantiles (the grid in probability space)."""
    spec = _spec(
        cfg,
        {
            "behaviour.loss_weight": PRIORS["behaviour.loss_weight"],
            "behaviour.satisfaction_slope": {"low": 0.3, "high": 0.7},
        },
        "morris",
        3,
    )
    tri = stats.triang(c=(2.0 - 1.5) / 1.5, loc=1.5, scale=1.5)
    grid = {round(float(v), 12) for v in tri.ppf([0.0, 1 / 3, 2 / 3, 1.0])}
    assert {round(float(v), 12) for v in _column(spec, "behaviour.loss_weight")} <= grid


def _bad(tmp_path: Path, monkeypatch, capsys, parameters: dict, key: str, method: str = "sobol") -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        yaml.safe_dump({"name": "b", "method": method, "outputs": ["nps_end"], "samples": 4, "parameters": parameters})
    )
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    capsys.readouterr()
    assert main(["sensitivity", "--spec", str(spec), *TINY]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cxsim: ") and key in err and "Traceback" not in err and err.count("\n") == 1, err
    assert list(work.iterdir()) == []


OK = {"behaviour.loss_weight": {"low": 1.5, "high": 3.0}}


@pytest.mark.parametrize(
    ("prior", "key"),
    [
        ({"dist": "normal", "mean": 0.5, "sd": 0.0}, "parameters.behaviour.satisfaction_slope.sd: must be > 0"),
        ({"dist": "normal", "mean": 0.5, "sd": -1}, "parameters.behaviour.satisfaction_slope.sd: must be > 0"),
        ({"dist": "lognormal", "median": 0.5, "sd_log": 0}, "satisfaction_slope.sd_log: must be > 0"),
        (
            {"dist": "triangular", "low": 0.3, "high": 0.7, "mode": 0.8},
            "satisfaction_slope.mode: must be in [low, high]",
        ),
        ({"dist": "beta", "low": 0.3, "high": 0.7}, "satisfaction_slope.dist: must be one of uniform, loguniform"),
        ({"dist": "normal", "sd": 0.1}, "parameters.behaviour.satisfaction_slope.mean: is missing"),
        ({"dist": "triangular", "low": 0.3, "high": 0.7}, "parameters.behaviour.satisfaction_slope.mode: is missing"),
        ({"dist": "normal", "mean": 0.5, "sd": 0.1, "mode": 0.5}, "satisfaction_slope.mode: unknown key"),
        ({"dist": "triangular", "low": 0.3, "high": 0.7, "mode": 0.5, "log": True}, "satisfaction_slope.log"),
        ({"dist": "normal", "mean": 0.5, "sd": 0.1, "low": 0.6, "high": 0.4}, "low must be < high"),
        ({"dist": "normal", "mean": 0.5, "sd": 0.5, "low": -1.0, "high": 0.7}, "-1 is not valid for the model"),
    ],
)
def test_bad_priors_exit_2_naming_the_key(tmp_path, monkeypatch, capsys, prior, key) -> None:
    _bad(tmp_path, monkeypatch, capsys, {**OK, "behaviour.satisfaction_slope": prior}, key)


def test_morris_refuses_an_unbounded_prior(tmp_path, monkeypatch, capsys) -> None:
    prior = {"dist": "normal", "mean": 0.5, "sd": 0.05}
    key = "parameters.behaviour.satisfaction_slope: a normal prior needs low and high for Morris"
    _bad(tmp_path, monkeypatch, capsys, {**OK, "behaviour.satisfaction_slope": prior}, key, method="morris")


def test_a_study_with_a_triangular_prior_runs_and_says_how_to_read_mu_star(tmp_path: Path) -> None:
    spec = tmp_path / "tri.yaml"
    body = {
        "name": "tri",
        "method": "morris",
        "outputs": ["nps_end", "churned_total"],
        "samples": 2,
        "seed": 4,
        "parameters": {
            "behaviour.churn.base_daily": {"dist": "triangular", "low": 0.0005, "high": 0.005, "mode": 0.001},
            "behaviour.loss_weight": {"low": 1.5, "high": 3.0},
        },
    }
    spec.write_text(yaml.safe_dump(body))
    out = tmp_path / "out"
    assert main(["sensitivity", "--spec", str(spec), "--out", str(out), "--workers", "1", *TINY]) == 0
    samples = pd.read_parquet(out / "samples.parquet")
    tri = stats.triang(c=0.0005 / 0.0045, loc=0.0005, scale=0.0045)
    levels = tri.ppf([0.0, 1 / 3, 2 / 3, 1.0])
    for v in samples["behaviour.churn.base_daily"]:
        assert np.isclose(levels, v, rtol=1e-12, atol=0).any()
    t = pd.read_parquet(out / "indices.parquet")
    top = t[(t["output"] == "churned_total") & (t["index"] == "mu_star")].sort_values("rank").iloc[0]
    assert top["parameter"] == "behaviour.churn.base_daily"  # the churn rate drives churn
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "triangular on [0.0005, 0.005], mode 0.001" in html and "probability space" in html


@pytest.mark.slow
def test_bass_sobol_with_a_triangular_prior_matches_the_closed_form(tmp_path: Path) -> None:
    """Early Bass adoption under a triangular prior on p (peak near its low end): the model's ST as theory's.

    Theory: the exact mean-field recursion (:func:`cxsim.theory.bass_discrete`) on SALib's own
    triangular sampling, a separate implementation of the prior.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from cxsim.theory import bass_discrete

    n, days, mode = 2000, 40, 0.0006
    prob = {
        "num_vars": 2,
        "names": ["p", "q"],
        "bounds": [[0.0005, 0.002, (mode - 0.0005) / 0.0015], [0.005, 0.02]],
        "dists": ["triang", "unif"],
    }
    x = sobol_sample.sample(prob, 512, calc_second_order=False, seed=1)
    y = np.array([bass_discrete(p, q, n, days)[-1] for p, q in x])
    theory = np.asarray(sobol_analyze.analyze(prob, y, calc_second_order=False, seed=1)["ST"])
    assert theory[0] > 5 * theory[1]
    spec = tmp_path / "bass.yaml"
    body = {
        "name": "bass",
        "method": "sobol",
        "outputs": ["customers_end"],
        "samples": 64,
        "seed": 5,
        "parameters": {
            "acquisition.p_marketing": {"dist": "triangular", "low": 0.0005, "high": 0.002, "mode": mode},
            "acquisition.q_wom": {"low": 0.005, "high": 0.02},
        },
    }
    spec.write_text(yaml.safe_dump(body))
    out = tmp_path / "out"
    args = ["+experiment=bass_mean_field", f"population.size={n}", f"simulation.days={days}", "compare.replications=2"]
    assert main(["sensitivity", "--spec", str(spec), "--out", str(out), "--workers", "2", *args]) == 0
    t = pd.read_parquet(out / "indices.parquet")
    st = t[(t["output"] == "customers_end") & (t["index"] == "ST")].set_index("parameter")
    assert st.loc["acquisition.p_marketing", "rank"] == 1
    for name, want in zip(["acquisition.p_marketing", "acquisition.q_wom"], theory, strict=True):
        assert st.loc[name, "low"] <= want <= st.loc[name, "high"], (name, want, st.loc[name].to_dict())
