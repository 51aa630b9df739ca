"""Sweep bookkeeping without running a simulation: job numbering, markers, typed columns, by-point."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from cxsim.sweeps import dataset as collect_mod
from cxsim.sweeps.job import job_threads
from cxsim.sweeps.marker import FAILURE, MARKER, config_hash, is_complete, read_marker, write_failure, write_marker
from cxsim.sweeps.plan import plan_from_overrides, plan_jobs


def test_plan_numbers_jobs_as_hydra_basic_sweeper() -> None:
    """Job n is the n-th combination of the product, in command-line order (last key fastest)."""
    plan = plan_from_overrides(["population.size=300", "behaviour.loss_weight=1.5,2,3", "simulation.seed=1,2"])
    expected = [
        ("population.size=300", f"behaviour.loss_weight={w}", f"simulation.seed={s}")
        for w, s in itertools.product(["1.5", "2", "3"], ["1", "2"])
    ]
    assert list(plan.jobs) == expected
    assert plan.swept == ("behaviour.loss_weight", "simulation.seed")
    assert plan.seed_key == "simulation.seed"
    assert plan.values(3) == {"behaviour.loss_weight": 2, "simulation.seed": 2}


def test_plan_puts_sweeper_params_first_and_lets_the_command_line_win() -> None:
    plan = plan_from_overrides(
        ["wom.p_talk_promoter=0.1"], {"wom.p_talk_promoter": "0.05,0.2", "simulation.seed": "1,2"}
    )
    assert plan.swept == ("simulation.seed",)
    assert len(plan) == 2
    assert all("wom.p_talk_promoter=0.1" in j for j in plan.jobs)


def test_plan_jobs_reads_experiment_sweeper_params_and_skips_hydra_overrides() -> None:
    plan = plan_jobs(["+experiment=nps_lab", "hydra/launcher=joblib", "simulation.seed=1,2,3"])
    assert len(plan) == 3
    assert not any(o.startswith("hydra") for j in plan.jobs for o in j)


def test_marker_is_complete_only_for_the_same_config(tmp_path: Path) -> None:
    cfg = OmegaConf.create({"simulation": {"seed": 1, "progress": True}, "population": {"size": 300}})
    assert not is_complete(tmp_path, cfg)
    write_marker(tmp_path, cfg, kind="run", seed=1)
    assert is_complete(tmp_path, cfg)
    assert read_marker(tmp_path)["seed"] == 1
    assert not list(tmp_path.glob(f".{MARKER}.*.tmp"))  # written atomically
    other = OmegaConf.create({"simulation": {"seed": 2, "progress": True}, "population": {"size": 300}})
    assert not is_complete(tmp_path, other)


def test_config_hash_ignores_the_progress_bar_only() -> None:
    a = {"simulation": {"seed": 1, "progress": True}}
    assert config_hash(a) == config_hash({"simulation": {"seed": 1, "progress": False}})
    assert config_hash(a) != config_hash({"simulation": {"seed": 1, "progress": True, "days": 5}})


def test_marker_replaces_an_earlier_failure(tmp_path: Path) -> None:
    cfg = {"simulation": {"seed": 1}}
    write_failure(tmp_path, cfg, ValueError("disk full\nmore"), kind="run", seed=1)
    assert json.loads((tmp_path / FAILURE).read_text())["message"] == "ValueError: disk full"
    write_marker(tmp_path, cfg)
    assert not (tmp_path / FAILURE).exists()


def test_typed_columns() -> None:
    assert collect_mod._typed([1.5, 2, 3]).dtype == "float64"
    assert collect_mod._typed([1, 2, None]).dtype == "Int64"
    assert collect_mod._typed([True, False]).dtype == "boolean"
    assert collect_mod._typed(["mean_field", "default"]).dtype == "string"


def test_by_point_student_t_interval_over_seeds() -> None:
    plan = plan_from_overrides(["behaviour.loss_weight=1,2", "simulation.seed=1,2,3"])
    x = [10.0, 12.0, 14.0, 1.0, 2.0, 3.0]
    table = pd.DataFrame(
        {
            "job": range(6),
            "behaviour.loss_weight": pd.Series([1, 1, 1, 2, 2, 2], dtype="Int64"),
            "simulation.seed": pd.Series([1, 2, 3] * 2, dtype="Int64"),
            "seed": pd.Series([1, 2, 3] * 2, dtype="Int64"),
            "status": pd.Series(["ok"] * 5 + ["failed"], dtype="string"),
            "message": pd.Series([None] * 6, dtype="string"),
            "nps_end": x,
        }
    )
    bp = collect_mod.by_point(table, plan, 0.95)
    assert bp is not None
    first = bp[(bp["behaviour.loss_weight"] == 1) & (bp["kpi"] == "nps_end")].iloc[0]
    half = 4.302652729911275 * 2.0 / np.sqrt(3)  # t(0.975, 2) * sd / sqrt(n)
    assert first["n"] == 3
    assert first["mean"] == pytest.approx(12.0)
    assert first["low"] == pytest.approx(12.0 - half)
    assert first["high"] == pytest.approx(12.0 + half)
    second = bp[(bp["behaviour.loss_weight"] == 2) & (bp["kpi"] == "nps_end")].iloc[0]
    assert (second["n"], second["n_failed"]) == (2, 1)  # the failed seed is left out and counted


def test_job_threads_per_launcher() -> None:
    joblib = OmegaConf.create({"_target_": "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"})
    assert job_threads(OmegaConf.merge(joblib, {"n_jobs": 2}), cores=8) == 4
    assert job_threads(OmegaConf.merge(joblib, {"n_jobs": -1}), cores=8) == 1
    ray = OmegaConf.create({"_target_": "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"})
    assert job_threads(OmegaConf.merge(ray, {"ray": {"remote": {"num_cpus": 2}}}), cores=8) == 2
    assert job_threads(OmegaConf.merge(ray, {"ray": {"remote": {}}}), cores=8) == 1
    sub = OmegaConf.create({"_target_": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher"})
    assert job_threads(OmegaConf.merge(sub, {"cpus_per_task": 3}), cores=8) == 3
    basic = OmegaConf.create({"_target_": "hydra._internal.core_plugins.basic_launcher.BasicLauncher"})
    assert job_threads(basic, cores=8) is None


@pytest.fixture()
def no_warmup(monkeypatch: pytest.MonkeyPatch) -> None:
    """prepare_sweep without compiling kernels, and without leaking RAY_AUTH_MODE into other tests."""
    from cxsim.sweeps import launch

    monkeypatch.setattr(launch, "_warm_numba", lambda: None)
    monkeypatch.setenv("RAY_AUTH_MODE", "unset")  # records the original state, restored after the test
    monkeypatch.delenv("RAY_AUTH_MODE")


def test_prepare_makes_the_sweep_folder_absolute(
    no_warmup: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxsim.sweeps.launch import prepare_sweep

    monkeypatch.chdir(tmp_path)
    args, code = prepare_sweep(
        ["simulation.seed=1,2", "hydra.sweep.dir=rel/dir"],
        ["simulation.seed=1,2", "hydra.sweep.dir=rel/dir"],
        kind="run",
    )
    assert code == 0
    assert args == ["simulation.seed=1,2", f"hydra.sweep.dir={tmp_path / 'rel' / 'dir'}"]
    args, code = prepare_sweep(["simulation.seed=1,2"], ["simulation.seed=1,2"], kind="run")
    assert code == 0 and args[-1].startswith(f"hydra.sweep.dir={tmp_path / 'multirun'}/")


@pytest.mark.skipif(importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None, reason="needs cxsim[ray]")
def test_prepare_handles_ray_pitfalls(no_warmup: None, tmp_path: Path) -> None:
    import os

    from cxsim.sweeps.launch import prepare_sweep
    from cxsim.sweeps.plan import compose_with_hydra

    join = ["hydra/launcher=ray", "hydra.launcher.ray.init.address=10.0.0.5:6379", f"hydra.sweep.dir={tmp_path}/s"]
    args, code = prepare_sweep(["-m", *join], join, kind="run")
    assert code == 0
    assert "+hydra.launcher.ray.init.object_store_memory=null" in args  # the launcher's default breaks joining
    cfg = compose_with_hydra([a for a in args if a != "-m"])
    assert cfg.hydra.launcher.ray.init.object_store_memory is None
    assert "RAY_AUTH_MODE" not in os.environ  # a cluster's auth mode is the user's to give
    mine = ["hydra/launcher=ray_cluster", f"hydra.sweep.dir={tmp_path}/s"]
    args, code = prepare_sweep(mine, mine, kind="run")
    assert code == 0 and not any("object_store_memory" in a for a in args)  # ray_cluster.yaml already unsets it
    local = ["hydra/launcher=ray_local", f"hydra.sweep.dir={tmp_path}/s"]
    prepare_sweep(local, local, kind="run")
    assert os.environ["RAY_AUTH_MODE"] == "disabled"
