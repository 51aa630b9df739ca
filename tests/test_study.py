"""``cxsim sensitivity`` and ``cxsim optimise``: indices against known answers, resume, the best design.

The markets are small (a few thousand people, months rather than years) so that a study of a
few hundred runs takes seconds; the commands are the same at any size.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
import yaml

from cxsim.cli import main
from cxsim.queueing import fifo_waits
from cxsim.study.optimise import _pareto, best_row, search, trials_table
from cxsim.study.spec import Lever, OptimiseSpec
from cxsim.theory import bass_discrete

SMALL_RUN = ["population.size=2000", "simulation.days=120", "simulation.warmup_days=0", "compare.replications=2"]
SMALL_BANK = [
    "journey.touchpoints.contact_centre.staffing.policy=fixed",  # the "agents" levers below set servers
    "population.size=2000",
    "simulation.warmup_days=20",
    "compare.horizon_days=120",
    "compare.robustness_horizons_days=[]",
    "compare.replications=2",
]


def _spec(tmp: Path, name: str, body: dict) -> str:
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return str(path)


def _indices(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "indices.parquet")


def _one(t: pd.DataFrame, output: str, param: str, index: str) -> pd.Series:
    rows = t[(t["output"] == output) & (t["parameter"] == param) & (t["index"] == index)]
    assert len(rows) == 1
    return rows.iloc[0]


# ------------------------------------------------------------------------------------------ sensitivity


@pytest.mark.slow
def test_sobol_inert_parameter_ci_contains_zero_and_churn_driver_dominates(tmp_path: Path) -> None:
    spec = _spec(
        tmp_path,
        "inert",
        {
            "name": "inert",
            "method": "sobol",
            "outputs": ["nps_end", "churned_total"],
            "samples": 16,
            "seed": 3,
            "parameters": {
                "economics.referral_reward": {"low": 0.0, "high": 100.0},  # money only
                "behaviour.churn.base_daily": {"low": 0.0001, "high": 0.001},
                "behaviour.loss_weight": {"low": 1.5, "high": 3.0},
            },
        },
    )
    out = tmp_path / "out"
    assert main(["sensitivity", "--spec", spec, "--out", str(out), "--workers", "1", *SMALL_RUN]) == 0
    t = _indices(out)
    # the referral reward is paid money: it cannot move the NPS or who churns
    for output in ("nps_end", "churned_total"):
        st = _one(t, output, "economics.referral_reward", "ST")
        assert st["low"] <= 0.0 <= st["high"], st
    # the churn base rate drives churned customers: rank 1, its interval above every other's
    base = _one(t, "churned_total", "behaviour.churn.base_daily", "ST")
    assert base["rank"] == 1
    for other in ("economics.referral_reward", "behaviour.loss_weight"):
        assert base["low"] > _one(t, "churned_total", other, "ST")["high"]
    samples = pd.read_parquet(out / "samples.parquet")
    assert len(samples) == 16 * (3 + 2)  # Saltelli without second order: N (k + 2)
    assert {"economics.referral_reward", "out:nps_end", "out:churned_total"} <= set(samples.columns)
    assert (out / "sensitivity.png").is_file() and (out / "report.html").is_file()


def _theory_st(days: int, bounds: list[list[float]], n: int) -> np.ndarray:
    """Total-order indices of the mean-field Bass share at ``days`` (the exact mean recursion)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    prob = {"num_vars": 2, "names": ["p", "q"], "bounds": bounds}
    x = sobol_sample.sample(prob, 512, calc_second_order=False, seed=1)
    y = np.array([bass_discrete(p, q, n, days)[-1] for p, q in x])
    return np.asarray(sobol_analyze.analyze(prob, y, calc_second_order=False, seed=1)["ST"])


@pytest.mark.slow
@pytest.mark.parametrize("days", [40, 300])
def test_bass_sobol_ranking_matches_the_closed_form(tmp_path: Path, days: int) -> None:
    """Early adoption is driven by p (marketing), later by q (imitation): the model ranks as theory does."""
    bounds = [[0.0005, 0.002], [0.005, 0.02]]
    n = 2000
    spec = _spec(
        tmp_path,
        "bass",
        {
            "name": "bass",
            "method": "sobol",
            "outputs": ["customers_end"],
            "samples": 64,
            "seed": 5,
            "parameters": {
                "acquisition.p_marketing": {"low": bounds[0][0], "high": bounds[0][1]},
                "acquisition.q_wom": {"low": bounds[1][0], "high": bounds[1][1]},
            },
        },
    )
    out = tmp_path / "out"
    args = ["+experiment=bass_mean_field", f"population.size={n}", f"simulation.days={days}", "compare.replications=2"]
    assert main(["sensitivity", "--spec", spec, "--out", str(out), "--workers", "2", *args]) == 0
    t = _indices(out)
    theory = _theory_st(days, bounds, n)
    first = int(np.argmax(theory))
    names = ["acquisition.p_marketing", "acquisition.q_wom"]
    assert theory[first] > 2 * theory[1 - first]  # the two cases are clear-cut in theory
    top = _one(t, "customers_end", names[first], "ST")
    low = _one(t, "customers_end", names[1 - first], "ST")
    assert top["rank"] == 1 and low["rank"] == 2
    for row, st in ((top, theory[first]), (low, theory[1 - first])):  # theory inside the bootstrap intervals
        assert row["low"] <= st <= row["high"], (row, st)
    assert abs(top["value"] - theory[first]) < 0.15


def _morris_spec(tmp: Path) -> str:
    return _spec(
        tmp,
        "small",
        {
            "name": "small",
            "method": "morris",
            "outputs": ["better_app.npv", "better_app.dnps"],
            "samples": 3,
            "seed": 11,
            "parameters": {
                "behaviour.loss_weight": {"low": 1.5, "high": 3.0},
                "behaviour.satisfaction_slope": {"low": 0.3, "high": 0.7},
                "economics.referral_reward": {"low": 0.0, "high": 100.0},
            },
        },
    )


@pytest.mark.slow
def test_sensitivity_same_with_one_and_two_workers_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = _morris_spec(tmp_path)
    bank = [*(o.replace("2000", "1000") for o in SMALL_BANK), "compare.candidates=[better_app,more_agents]"]
    one, two = tmp_path / "w1", tmp_path / "w2"
    assert main(["sensitivity", "--spec", spec, "--out", str(one), "--workers", "1", *bank]) == 0
    assert main(["sensitivity", "--spec", spec, "--out", str(two), "--workers", "2", *bank]) == 0
    for name in ("samples.parquet", "indices.parquet", "robustness.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(one / name), pd.read_parquet(two / name), check_exact=True)
    samples = pd.read_parquet(one / "samples.parquet")
    assert len(samples) == 3 * (3 + 1)  # Morris: r (k + 1) points
    robust = pd.read_parquet(one / "robustness.parquet")
    assert list(robust["design"]) == ["as_is", "better_app", "more_agents"]
    assert robust["share_wins"].sum() == pytest.approx(1.0)
    npv = samples["out:better_app.npv"].to_numpy()
    assert robust.loc[1, "share_npv_positive"] == pytest.approx(float(np.mean(npv > 0)))
    # resume: drop two finished points, run again: only those two run, the outputs are the same
    before = pd.read_parquet(one / "indices.parquet")
    for i in (0, 5):
        (one / "points" / f"{i:06d}.json").unlink()
    capsys.readouterr()
    assert main(["sensitivity", "--spec", spec, "--out", str(one), "--workers", "1", *bank]) == 0
    assert "10 of 12 points already evaluated" in capsys.readouterr().err
    pd.testing.assert_frame_equal(before, pd.read_parquet(one / "indices.parquet"), check_exact=True)
    # another study into the same folder is refused
    other = [o.replace("1000", "1100") for o in bank]
    assert main(["sensitivity", "--spec", spec, "--out", str(one), *other]) == 2


# ---------------------------------------------------------------------------------------------- bad input


def _bad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, argv: list[str], key: str):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cxsim: ") and key in err and "Traceback" not in err, err
    assert list(work.iterdir()) == []  # nothing written


SENS = {"name": "s", "method": "morris", "outputs": ["nps_end"], "parameters": {}}


@pytest.mark.parametrize(
    ("parameters", "key"),
    [
        ({"behaviour.loss_weight": {"low": 3.0, "high": 3.0}}, "parameters.behaviour.loss_weight"),
        ({"behaviour.loss_weight": {"low": 3.0, "high": 1.0}}, "low must be < high"),
        ({"behaviour.no_such_thing": {"low": 0.0, "high": 1.0}}, "behaviour.no_such_thing"),
        ({"journey.touchpoints.app.p_resolve": {"low": 0.5, "high": 1.5}}, "journey.touchpoints.app.p_resolve"),
    ],
)
def test_sensitivity_bad_ranges_exit_2(tmp_path, monkeypatch, capsys, parameters, key) -> None:
    spec = _spec(tmp_path, "bad", {**SENS, "parameters": parameters})
    _bad(tmp_path, monkeypatch, capsys, ["sensitivity", "--spec", spec, *SMALL_RUN], key)


def test_sensitivity_bad_output_and_spec_exit_2(tmp_path, monkeypatch, capsys) -> None:
    p = {"behaviour.loss_weight": {"low": 1.0, "high": 2.0}}
    spec = _spec(tmp_path, "bad", {**SENS, "outputs": ["fewer_agents.npv"], "parameters": p})
    _bad(tmp_path, monkeypatch, capsys, ["sensitivity", "--spec", spec, "compare.candidates=[better_app]"], "outputs")
    (tmp_path / "work").rmdir()
    _bad(tmp_path, monkeypatch, capsys, ["sensitivity", "--spec", "no_such_study"], "--spec no_such_study")


OPT = {
    "name": "o",
    "budget": 50000,
    "levers": {
        "agents": {
            "type": "int",
            "path": "journey.touchpoints.contact_centre.servers",
            "low": 2,
            "high": 5,
            "cost": {"capex_per_unit": 8000.0},
        }
    },
}


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"budget": 0}, "budget"),
        ({"budget": -5}, "budget"),
        ({"levers": {"agents": {**OPT["levers"]["agents"], "cost": None}}}, "levers.agents.cost"),
        ({"levers": {"agents": {**OPT["levers"]["agents"], "path": "journey.nope"}}}, "journey.nope"),
        ({"levers": {"agents": {**OPT["levers"]["agents"], "low": 5}}}, "levers.agents"),
        ({"objective": "roi"}, "objective"),
    ],
)
def test_optimise_bad_input_exit_2(tmp_path, monkeypatch, capsys, change, key) -> None:
    spec = _spec(tmp_path, "bad", {**OPT, **change})
    _bad(tmp_path, monkeypatch, capsys, ["optimise", "--spec", spec, *SMALL_BANK], key)


def test_commands_have_their_own_help(capsys) -> None:
    assert main(["sensitivity", "--help"]) == 0
    assert "Morris" in capsys.readouterr().out
    assert main(["optimise", "--help"]) == 0
    assert "SQLite" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------ optimise


def _queue_case() -> tuple[dict[int, float], float, float]:
    """One day of an M/M/c+M queue: cost of each staffing level (servers x wage + abandonments x loss)."""
    rng = np.random.default_rng(7)
    lam, mean_service, mean_patience = 2.0, 4.0, 3.0  # per minute; 8 Erlangs offered
    n = rng.poisson(lam * 600)
    arrivals = np.sort(rng.uniform(0, 600, n))
    services = rng.exponential(mean_service, n)
    patience = rng.exponential(mean_patience, n)
    wage, loss = 250.0, 30.0
    cost = {}
    for s in range(1, 31):
        _, abandoned = fifo_waits(arrivals, services, patience, s)
        cost[s] = wage * s + loss * float(abandoned.sum())
    return cost, wage, loss


def _queue_spec(budget: float, trials: int) -> OptimiseSpec:
    lever = Lever("servers", "int", "x", 1, 30, 0, 250.0, 0.0, 1.0)
    return OptimiseSpec("queue", ("npv",), budget, None, trials, 1, (lever,))


def test_search_finds_the_staffing_optimum_fifo_waits_gives(tmp_path: Path) -> None:
    cost, wage, _ = _queue_case()
    best = min(cost, key=lambda s: cost[s])  # exhaustive: 30 staffing levels
    assert 5 < best < 25  # an interior optimum, not a bound of the range

    def evaluate(values: dict) -> dict:
        s = int(values["servers"])
        return {"npv": -cost[s], "dnps": 0.0, "investment": wage * s}

    # within 20 trials (two thirds of the 30 levels an exhaustive search needs)
    study = search(_queue_spec(1e9, 20), evaluate, f"sqlite:///{tmp_path / 'a.db'}")
    feasible = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    found = max(feasible, key=lambda t: t.value)
    assert found.params["servers"] == best
    # a budget below the optimum's wage bill: the best affordable staffing is the largest affordable one
    cap = wage * (best - 3)
    affordable = min((s for s in cost if wage * s <= cap), key=lambda s: cost[s])
    study = search(_queue_spec(cap, 20), evaluate, f"sqlite:///{tmp_path / 'b.db'}")
    ok = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE and t.user_attrs["investment"] <= cap]
    assert max(ok, key=lambda t: t.value).params["servers"] == affordable


def test_search_respects_the_dnps_floor(tmp_path: Path) -> None:
    cost, wage, _ = _queue_case()
    best = min(cost, key=lambda s: cost[s])
    floor = best + 4  # a "ΔNPS" that grows with staffing: only best + 4 servers or more meet the floor

    def evaluate(values: dict) -> dict:
        s = int(values["servers"])
        return {"npv": -cost[s], "dnps": float(s), "investment": wage * s}

    spec = _queue_spec(1e9, 20)
    spec = OptimiseSpec("floor", ("npv",), spec.budget, float(floor), 20, 1, spec.levers)
    table = trials_table(search(spec, evaluate, f"sqlite:///{tmp_path / 'c.db'}"), spec)
    assert (table["feasible"] == (table["servers"] >= floor)).all()
    assert (table[~table["feasible"]]["npv"] > table[table["feasible"]]["npv"].max()).any()  # the floor binds
    chosen = best_row(table)
    assert chosen is not None and chosen["servers"] >= floor
    assert chosen["npv"] == table[table["feasible"]]["npv"].max()
    # TPE under the floor gets near the constrained optimum (the floor itself) in 20 trials
    assert floor <= chosen["servers"] <= floor + 2


def test_pareto_front_hand_computed() -> None:
    npv = np.array([10.0, 5.0, 8.0, 1.0, 12.0])
    dnps = np.array([1.0, 3.0, 0.5, 4.0, -1.0])
    ok = np.array([True, True, True, True, False])
    # 2 (8, 0.5) is beaten by 0 (10, 1); 4 is infeasible; the rest trade NPV for ΔNPS
    assert _pareto(npv, dnps, ok).tolist() == [True, True, False, True, False]


@pytest.mark.slow
def test_optimise_writes_a_scenario_that_compare_reproduces(tmp_path: Path, monkeypatch) -> None:
    spec = _spec(
        tmp_path,
        "o",
        {
            **OPT,
            "objective": ["npv", "dnps"],
            "budget": 200000,
            "trials": 4,
            "levers": {
                **OPT["levers"],
                "app": {
                    "type": "float",
                    "path": "journey.touchpoints.app.p_resolve",
                    "low": 0.45,
                    "high": 0.7,
                    "cost": {"capex_per_unit": 400000.0, "opex_per_day_per_unit": 100.0},
                },
                "shared": {
                    "type": "switch",
                    "sets": {"journey.shared_context": [["digital", "phone", "branch"]]},
                    "cost": {"capex_per_unit": 40000.0},
                },
            },
        },
    )
    out = tmp_path / "opt"
    assert main(["optimise", "--spec", spec, "--out", str(out), "--workers", "1", *SMALL_BANK]) == 0
    trials = pd.read_parquet(out / "trials.parquet")
    assert len(trials) == 4 and trials["pareto"].any()
    best = trials[trials["feasible"]].sort_values("npv", ascending=False).iloc[0]
    assert best["investment"] <= 200000
    scenario = out / "scenario" / "o_best.yaml"
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    assert data["scenario"]["name"] == "o_best"
    assert data["journey"]["touchpoints"]["contact_centre"]["servers"] == int(best["agents"])
    assert main(["validate", "--config-dir", str(out), "scenario=o_best", *SMALL_BANK]) == 0
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "cmp"
    args = ["compare", "--config-dir", str(out), "compare.candidates=[o_best]", *SMALL_BANK, f"hydra.run.dir={run}"]
    assert main(args) == 0
    money = {m["design"]: m for m in json.loads((run / "summary.json").read_text())["money"]}
    assert money["o_best"]["npv"] == pytest.approx(best["npv"], rel=1e-12)  # the same design, the same seeds
    assert (out / "optimise.png").is_file() and (out / "report.html").is_file()


def _complete(db: Path) -> int:
    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(db) as con:
            return int(con.execute("select count(*) from trials where state = 'COMPLETE'").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_killed_search_resumes_from_its_sqlite_study(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "o", {**OPT, "trials": 6})
    out = tmp_path / "opt"
    cmd = [sys.executable, "-m", "cxsim.cli", "optimise", "--spec", spec, "--out", str(out), "--workers", "1"]
    cmd += SMALL_BANK
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "cxsim-numba-cache"))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = out / "study.db"
    while _complete(db) < 2 and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = _complete(db)
    assert 2 <= killed_at < 6, "the search finished before it could be killed"
    first = optuna.load_study(study_name="o", storage=f"sqlite:///{db}")
    kept = {t.number: t.params for t in first.trials if t.state == optuna.trial.TrialState.COMPLETE}
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {killed_at} of 6 trials already complete" in again.stderr
    study = optuna.load_study(study_name="o", storage=f"sqlite:///{db}")
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == 6
    assert {t.number: t.params for t in done if t.number in kept} == kept  # finished trials kept, not re-run
    assert len(pd.read_parquet(out / "trials.parquet")) == 6
    assert math.isfinite(float(pd.read_parquet(out / "trials.parquet")["npv"].max()))


@pytest.mark.slow
def test_bank_levers_experiment_runs_quick_and_draws_its_figure(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    folder = root / "experiments" / "bank_levers"
    for name in ("README.md", "study.py", "figure.png"):
        assert (folder / name).is_file(), name
    assert "figure.png" in (folder / "README.md").read_text(encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "cxsim-numba-cache"))
    cmd = [sys.executable, str(folder / "study.py"), "--quick", "--out-dir", str(tmp_path / "o"),
           "--out", str(tmp_path / "figure.png")]  # fmt: skip
    out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    for sub in ("morris", "sobol"):
        assert len(pd.read_parquet(tmp_path / "o" / sub / "indices.parquet")) > 0
    assert len(pd.read_parquet(tmp_path / "o" / "optimise" / "trials.parquet")) == 3
    png = (tmp_path / "figure.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
