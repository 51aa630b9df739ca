"""Study points as jobs of Hydra launchers: the same points, the same outputs, the same resume as local workers.

The market is tiny (300 people, 30 days) so that a study of six points takes seconds; what is
checked is that the launcher path changes nothing, bit for bit.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cxsim.cli import main
from cxsim.config.validation import ConfigError
from cxsim.study import launch
from cxsim.study.launch import Launcher, launch_points

TINY = ["population.size=300", "simulation.days=30", "simulation.warmup_days=5", "compare.replications=2"]
TINY_BANK = [
    "journey.touchpoints.contact_centre.staffing.policy=fixed",
    "population.size=300",
    "simulation.warmup_days=5",
    "compare.horizon_days=30",
    "compare.robustness_horizons_days=[]",
    "compare.replications=2",
]
KPI_SPEC = {
    "name": "kpi",
    "method": "morris",
    "outputs": ["nps_end", "churned_total"],
    "samples": 2,
    "seed": 4,
    "parameters": {
        "behaviour.churn.base_daily": {"low": 0.0005, "high": 0.005},
        "behaviour.loss_weight": {"low": 1.5, "high": 3.0},
    },
}
OPT_SPEC = {
    "name": "o",
    "budget": 50000,
    "trials": 4,
    "levers": {
        "agents": {
            "type": "int",
            "path": "journey.touchpoints.contact_centre.servers",
            "low": 2,
            "high": 6,
            "cost": {"capex_per_unit": 8000.0},
        }
    },
}


def _write(folder: Path, name: str, body: dict) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def local_study(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The Morris study of KPI_SPEC on one local worker: the reference every launcher must match."""
    root = tmp_path_factory.mktemp("local")
    spec = _write(root, "kpi", KPI_SPEC)
    out = root / "out"
    assert main(["sensitivity", "--spec", spec, "--out", str(out), "--workers", "1", *TINY]) == 0
    return spec, out


def _same_study(a: Path, b: Path) -> None:
    for name in ("samples.parquet", "indices.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name), check_exact=True)
    files = sorted(p.name for p in (a / "points").glob("*.json"))
    assert files == sorted(p.name for p in (b / "points").glob("*.json")) and len(files) == 6
    for f in files:
        assert (a / "points" / f).read_bytes() == (b / "points" / f).read_bytes(), f


def _launched(tmp_path: Path, local_study: tuple[str, Path], name: str, *extra: str) -> Path:
    spec, _ = local_study
    out = tmp_path / name
    assert main(["sensitivity", "--spec", spec, "--out", str(out), "--launcher", name, *extra, *TINY]) == 0
    return out


@pytest.mark.parametrize(("name", "extra"), [("basic", ()), ("joblib", ("hydra.launcher.n_jobs=2",))])
def test_launcher_gives_the_local_study_bit_for_bit(tmp_path, local_study, name, extra) -> None:
    out = _launched(tmp_path, local_study, name, *extra)
    _same_study(local_study[1], out)
    jobs = out / "launch" / "jobs"
    assert sorted(int(p.name) for p in jobs.iterdir() if p.is_dir()) == list(range(6))  # one job per point
    assert yaml.safe_load((jobs / "3" / ".hydra" / "overrides.yaml").read_text()) == ["point=3"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ray_local", "submitit_local"])
def test_ray_and_submitit_give_the_local_study_bit_for_bit(tmp_path, local_study, name) -> None:
    out = _launched(tmp_path, local_study, name)
    _same_study(local_study[1], out)
    if name == "ray_local":
        import ray

        assert not ray.is_initialized()  # the instance the launcher started is shut down


def test_launcher_resumes_a_local_study_running_only_the_missing_points(tmp_path, local_study, capsys) -> None:
    spec, ref = local_study
    out = tmp_path / "resumed"
    shutil.copytree(ref, out)
    for i in (1, 4):
        (out / "points" / f"{i:06d}.json").unlink()
    capsys.readouterr()
    assert main(["sensitivity", "--spec", spec, "--out", str(out), "--launcher", "basic", *TINY]) == 0
    assert "4 of 6 points already evaluated" in capsys.readouterr().err
    assert sorted(json.loads((out / "launch" / "points.json").read_text())) == ["1", "4"]  # only they were jobs
    assert sorted(p.name for p in (out / "launch" / "jobs").iterdir() if p.is_dir()) == ["1", "4"]
    _same_study(ref, out)


class _Refuses:
    """An evaluator that refuses one point the way the model refuses a config (picklable)."""

    def __call__(self, values: dict) -> dict:
        if values["x"] == 2:
            raise ConfigError([("behaviour.x", "out of range")])
        return {"y": 10.0 * values["x"]}


def test_a_refused_point_is_one_message_and_the_other_points_are_kept(tmp_path: Path) -> None:
    folder = tmp_path / "study" / "points"
    todo = {0: {"x": 1}, 1: {"x": 2}, 2: {"x": 3}}
    with pytest.raises(ConfigError, match=r"point 1: invalid config: behaviour\.x: out of range"):
        launch_points(Launcher("basic"), folder, _Refuses(), todo)
    kept = {p.name: json.loads(p.read_text()) for p in folder.glob("*.json")}
    assert kept == {
        "000000.json": {"values": {"x": 1}, "outputs": {"y": 10.0}},
        "000002.json": {"values": {"x": 3}, "outputs": {"y": 30.0}},
    }


def _refused(tmp_path: Path, monkeypatch, capsys, argv: list[str], key: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cxsim: ") and key in err and "Traceback" not in err, err
    assert err.count("\n") == 1, err  # one message
    assert list(work.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["--launcher", "no_such"], "unknown launcher 'no_such' (known: basic, joblib, ray, ray_cluster"),
        (["hydra.launcher.n_jobs=2"], "hydra.launcher.n_jobs=2: a hydra.launcher.* override needs --launcher"),
        (["--launcher", "joblib", "hydra.launcher.no_such_key=1"], "no_such_key"),
    ],
)
@pytest.mark.parametrize("command", ["sensitivity", "optimise"])
def test_bad_launcher_input_exit_2(tmp_path, monkeypatch, capsys, command, args, key) -> None:
    spec = _write(tmp_path / "specs", "s", KPI_SPEC if command == "sensitivity" else OPT_SPEC)
    _refused(tmp_path, monkeypatch, capsys, [command, "--spec", spec, *args, *TINY_BANK], key)


def test_launcher_without_its_plugin_names_the_extra(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(launch, "_installed", lambda module: module != "hydra_plugins.hydra_ray_launcher")
    spec = _write(tmp_path / "specs", "s", KPI_SPEC)
    argv = ["sensitivity", "--spec", spec, "--launcher", "ray_local", *TINY]
    _refused(tmp_path, monkeypatch, capsys, argv, "pip install 'cxsim[ray]'")


def _trials(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "trials.parquet")


def test_optimise_through_a_launcher_is_the_local_search(tmp_path: Path, capsys) -> None:
    spec = _write(tmp_path, "o", OPT_SPEC)
    runs = {
        "local": ["--workers", "1"],
        "basic": ["--launcher", "basic"],
        "batch2": ["--batch", "2", "--workers", "2"],
        "batch2_joblib": ["--batch", "2", "--launcher", "joblib", "hydra.launcher.n_jobs=2"],
    }
    for name, args in runs.items():
        assert main(["optimise", "--spec", spec, "--out", str(tmp_path / name), *args, *TINY_BANK]) == 0, name
    pd.testing.assert_frame_equal(_trials(tmp_path / "local"), _trials(tmp_path / "basic"), check_exact=True)
    pd.testing.assert_frame_equal(_trials(tmp_path / "batch2"), _trials(tmp_path / "batch2_joblib"), check_exact=True)
    # each trial's point file holds its lever values and outputs, numbered by trial
    points = sorted((tmp_path / "basic" / "points").glob("*.json"))
    assert [p.name for p in points] == [f"{i:06d}.json" for i in range(4)]
    rec = json.loads(points[2].read_text())
    row = _trials(tmp_path / "basic").set_index("trial").loc[2]
    assert rec["values"] == {"agents": int(row["agents"])} and rec["outputs"]["npv"] == row["npv"]
    # the batch size is part of the study: another one into the same folder is refused
    capsys.readouterr()
    argv = ["optimise", "--spec", spec, "--out", str(tmp_path / "local"), "--batch", "2", *TINY_BANK]
    assert main(argv) == 2
    assert "holds another study" in capsys.readouterr().err


def _default_signals() -> None:  # a backgrounded test runner starts its children with SIGINT ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_under_a_launcher_keeps_the_finished_points(tmp_path, local_study) -> None:
    spec, ref = local_study
    out = tmp_path / "int"
    cmd = [sys.executable, "-m", "cxsim.cli", "sensitivity", "--spec", spec, "--out", str(out)]
    cmd += ["--launcher", "basic", *TINY]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "cxsim-numba-cache"))
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_default_signals
    )
    points = out / "points"
    deadline = time.monotonic() + 300
    while proc.poll() is None and len(list(points.glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    kept = sorted(points.glob("*.json"))
    assert proc.returncode == 130 and "interrupted by Ctrl-C" in err, err[-2000:]
    assert 2 <= len(kept) < 6, "the study finished before it could be interrupted"
    for f in kept:  # whole files, the same as the local study's
        assert f.read_bytes() == (ref / "points" / f.name).read_bytes()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert again.returncode == 0 and f"{len(kept)} of 6 points already evaluated" in again.stderr, again.stderr
    _same_study(ref, out)
