"""Sweeps through the ``cxsim`` command line: dataset, collect, failures, resume, launchers.

The sweeps are tiny: a 4-job grid (2 loss weights x 2 seeds, 300 people, 20 days) for the
dataset and resume, and a 2-job one (2 loss weights, one seed) for the launchers, each compared
bit for bit with the same sweep on the basic launcher.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as pads
import pytest

GRID = [
    "population.size=300",
    "simulation.days=20",
    "simulation.warmup_days=0",
    "behaviour.loss_weight=1.5,3",
    "simulation.seed=1,2",
]
PAIR = GRID[:4]  # two jobs: what the launcher tests run (each against the basic launcher's)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = env.get("NUMBA_CACHE_DIR") or str(Path(tempfile.gettempdir()) / "cxsim-numba-cache")
    env["MPLBACKEND"] = "Agg"
    env.update(extra)
    return env


def cli(
    *args: str, cwd: Path, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "cxsim.cli", *args]
    return subprocess.run(cmd, cwd=cwd, env=env or _env(), capture_output=True, text=True, timeout=timeout, check=False)


def sweep(
    cwd: Path, *extra: str, command: str = "run", grid: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    return cli(command, "-m", *(GRID if grid is None else grid), f"hydra.sweep.dir={cwd / 'sweep'}", *extra, cwd=cwd)


def table(sweep_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(sweep_dir / "sweep.parquet").sort_values("job").reset_index(drop=True)


def assert_same_dataset(a: Path, b: Path) -> None:
    """Same rows, same KPIs, bit for bit; same daily dataset."""
    pd.testing.assert_frame_equal(table(a), table(b), check_exact=True)
    da = pd.read_parquet(a / "sweep_daily").sort_values(["job", "day"]).reset_index(drop=True)
    db = pd.read_parquet(b / "sweep_daily").sort_values(["job", "day"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(da, db, check_exact=True)


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grid on Hydra's basic launcher (in process); returns its sweep folder."""
    cwd = tmp_path_factory.mktemp("basic")
    out = sweep(cwd)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 jobs, 4 ok, 0 failed" in out.stdout
    return cwd / "sweep"


@pytest.fixture(scope="module")
def basic_pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-job sweep on the basic launcher; returns its sweep folder."""
    cwd = tmp_path_factory.mktemp("basic_pair")
    out = sweep(cwd, grid=PAIR)
    assert out.returncode == 0, out.stdout + out.stderr
    return cwd / "sweep"


# ---- the dataset --------------------------------------------------------------------------------


def test_sweep_table_one_typed_row_per_job(basic: Path) -> None:
    t = table(basic)
    assert list(t["job"]) == [0, 1, 2, 3]
    assert list(t.columns[:6]) == ["job", "behaviour.loss_weight", "simulation.seed", "seed", "status", "message"]
    assert t["behaviour.loss_weight"].dtype == "float64"
    assert list(t["behaviour.loss_weight"]) == [1.5, 1.5, 3.0, 3.0]
    assert list(t["seed"]) == [1, 2, 1, 2]
    assert (t["status"] == "ok").all()
    for kpi in ("nps_end", "churn_rate_annual", "margin_total", "customers_end"):
        assert kpi in t.columns and t[kpi].notna().all(), kpi
    assert "wall_seconds" not in t.columns
    summary = json.loads((basic / "3" / "summary.json").read_text())
    assert t.loc[3, "nps_end"] == summary["nps_end"]


def test_daily_dataset_reads_in_one_call_with_the_key_columns(basic: Path) -> None:
    daily = pd.read_parquet(basic / "sweep_daily")
    assert len(daily) == 4 * 20
    for col in ("job", "behaviour.loss_weight", "simulation.seed", "seed", "day", "nps"):
        assert col in daily.columns, col
    ds = pads.dataset(basic / "sweep_daily", partitioning="hive")
    assert ds.count_rows() == 80
    job3 = daily[daily["job"].astype(int) == 3].sort_values("day")
    own = pd.read_parquet(basic / "3" / "daily.parquet")
    assert list(job3["nps"]) == list(own["nps"])
    assert set(job3["behaviour.loss_weight"]) == {3.0}


def test_by_point_table_over_seeds(basic: Path) -> None:
    bp = pd.read_parquet(basic / "sweep_by_point.parquet")
    nps = bp[bp["kpi"] == "nps_end"].sort_values("behaviour.loss_weight")
    assert list(nps["behaviour.loss_weight"]) == [1.5, 3.0]
    assert list(nps["n"]) == [2, 2]
    t = table(basic)
    assert nps["mean"].iloc[0] == pytest.approx(t.loc[:1, "nps_end"].mean())
    assert (nps["low"] <= nps["mean"]).all() and (nps["mean"] <= nps["high"]).all()


def test_collect_rebuilds_the_same_dataset(basic: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(basic, copy)
    for f in ("sweep.parquet", "sweep_by_point.parquet"):
        (copy / f).unlink()
    shutil.rmtree(copy / "sweep_daily")
    out = cli("collect", str(copy), "--by", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "4 jobs, 4 ok, 0 failed" in out.stdout
    assert "nps_end" in out.stdout and "95% CI" in out.stdout
    assert_same_dataset(basic, copy)


def test_collect_of_a_folder_that_is_not_a_sweep_exits_2(tmp_path: Path) -> None:
    out = cli("collect", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith("cxsim: ") and "multirun.yaml" in out.stderr
    assert "Traceback" not in out.stderr


# ---- launchers and workers ----------------------------------------------------------------------


@pytest.mark.slow
def test_joblib_two_workers_gives_the_same_dataset(basic_pair: Path, tmp_path: Path) -> None:
    out = sweep(tmp_path, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", grid=PAIR)
    assert out.returncode == 0, out.stdout + out.stderr
    assert_same_dataset(basic_pair, tmp_path / "sweep")


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is None, reason="needs cxsim[slurm]"
)
def test_submitit_local_gives_the_same_dataset(basic_pair: Path, tmp_path: Path) -> None:
    out = sweep(tmp_path, "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10", grid=PAIR)
    assert out.returncode == 0, out.stdout + out.stderr
    assert_same_dataset(basic_pair, tmp_path / "sweep")


def _netns_prefix() -> list[str]:
    """A fresh network namespace with only loopback, and its own pid namespace, if allowed here."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    cmd = [unshare, "--net", "--pid", "--fork", "--mount-proc"]
    probe = subprocess.run([*cmd, "true"], capture_output=True, check=False)
    return cmd if probe.returncode == 0 else []


def _ray_head(ray: Path, port: int, temp: Path, *, block: bool = False) -> list[str]:
    """``ray start`` for a one-node cluster on loopback, without dashboard, in its own temp folder."""
    return [str(ray), "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--include-dashboard=false",
            "--num-cpus=2", f"--temp-dir={temp}", "--disable-usage-stats", *(["--block"] if block else [])]  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None, reason="needs cxsim[ray]")
def test_ray_cluster_started_by_the_test_gives_the_same_dataset(basic_pair: Path, tmp_path: Path) -> None:
    """A Ray head on 127.0.0.1 without dashboard, joined through hydra/launcher=ray_cluster, then stopped.

    Where the machine allows it, all of it runs in a loopback-only network namespace with its own
    pid namespace, so that every Ray process the test started ends when its script ends.
    """
    ray = Path(sys.executable).parent / "ray"
    temp = Path(tempfile.mkdtemp(prefix="cxr", dir="/tmp"))  # Ray's socket paths must stay short
    port = 6399
    address = f"hydra.launcher.ray.init.address=127.0.0.1:{port}"
    cxsim = [sys.executable, "-m", "cxsim.cli", "run", "-m", "hydra/launcher=ray_cluster", address, *PAIR,
             f"hydra.sweep.dir={tmp_path / 'sweep'}"]  # fmt: skip
    env = _env(RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
    run = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True, "timeout": 300, "check": False}
    prefix = _netns_prefix()
    try:
        if prefix:
            q = shlex.join
            script = (f"ip link set lo up; {q(_ray_head(ray, port, temp))} >{temp}/start.log 2>&1 || exit 3; "
                      f"{q(cxsim)}; rc=$?; {q([str(ray), 'stop', '--force'])} >/dev/null 2>&1; exit $rc")  # fmt: skip
            out = subprocess.run([*prefix, "bash", "-c", script], **run)  # type: ignore[call-overload]
        else:  # no namespaces: run the head with --block and end it by its own pid
            head = subprocess.Popen(_ray_head(ray, port, temp, block=True), env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)  # fmt: skip
            try:
                status = [str(ray), "status", f"--address=127.0.0.1:{port}"]
                deadline = time.monotonic() + 60
                while subprocess.run(status, env=env, capture_output=True, check=False).returncode != 0:
                    assert time.monotonic() < deadline, "the Ray head did not come up"
                    time.sleep(1)
                out = subprocess.run(cxsim, **run)  # type: ignore[call-overload]
            finally:
                head.send_signal(signal.SIGTERM)
                head.wait(timeout=60)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert_same_dataset(basic_pair, tmp_path / "sweep")


# ---- failures, validation, resume ---------------------------------------------------------------


def test_a_failing_job_is_a_row_and_the_others_are_kept(basic: Path, tmp_path: Path) -> None:
    """Job 1 cannot write its daily table (a folder is in the way): the sweep goes on without it."""
    (tmp_path / "sweep" / "1" / "daily.parquet").mkdir(parents=True)
    out = sweep(tmp_path, grid=[*GRID[:3], "behaviour.loss_weight=1.5", "simulation.seed=1,2"])
    assert out.returncode == 1, out.stdout + out.stderr
    assert "1 of 2 jobs failed" in out.stderr
    assert "Traceback" not in out.stderr.split("cxsim: 1 of 2 jobs failed")[-1]
    t = table(tmp_path / "sweep")
    assert list(t["status"]) == ["ok", "failed"]
    assert "daily.parquet" in t.loc[1, "message"]
    assert pd.isna(t.loc[1, "nps_end"])
    assert t.loc[0, "nps_end"] == table(basic).loc[0, "nps_end"]  # same point as the basic sweep's job 0
    daily = pd.read_parquet(tmp_path / "sweep" / "sweep_daily")
    assert sorted(daily["job"].astype(int).unique()) == [0]


def test_every_point_is_validated_before_any_job(tmp_path: Path) -> None:
    out = cli("run", "-m", *GRID[:3], "journey.touchpoints.app.p_resolve=0.5,1.5", cwd=tmp_path)
    assert out.returncode == 2
    assert "journey.touchpoints.app.p_resolve" in out.stderr and "1.5" in out.stderr
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_resume_with_a_changed_config_is_refused(basic: Path, tmp_path: Path) -> None:
    shutil.copytree(basic, tmp_path / "sweep")
    out = sweep(tmp_path, "economics.cost_per_acquisition=51")
    assert out.returncode == 2, out.stdout + out.stderr
    assert "different config" in out.stderr and "job 0" in out.stderr
    assert "Traceback" not in out.stderr
    assert_same_dataset(basic, tmp_path / "sweep")


def test_killed_sweep_resumes(basic: Path, tmp_path: Path) -> None:
    """SIGTERM the whole command once its first job is finished; the same command then finishes the rest."""
    cmd = [sys.executable, "-m", "cxsim.cli", "run", "-m", *GRID, f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    first = tmp_path / "sweep" / "0" / ".cxsim-complete.json"
    deadline = time.monotonic() + 120
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    done = sorted(d.name for d in (tmp_path / "sweep").iterdir() if (d / ".cxsim-complete.json").exists())
    assert "0" in done and len(done) < 4, done
    kept = (tmp_path / "sweep" / "0" / "daily.parquet").stat().st_mtime_ns
    out = sweep(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{len(done)} of 4 jobs already complete (kept), {4 - len(done)} to run" in out.stdout
    assert out.stdout.count("already complete in") == len(done)
    assert (tmp_path / "sweep" / "0" / "daily.parquet").stat().st_mtime_ns == kept  # kept, not rewritten
    assert_same_dataset(basic, tmp_path / "sweep")


def test_compare_sweep_has_money_columns_per_design(tmp_path: Path) -> None:
    grid = ["population.size=300", "simulation.days=20", "simulation.warmup_days=0", "compare.horizon_days=20",
            "compare.robustness_horizons_days=[]", "compare.replications=2",
            "compare.n_jobs=1", "compare.candidates=[better_app]", "compare.seed=1,5"]  # fmt: skip
    out = sweep(tmp_path, command="compare", grid=grid)
    assert out.returncode == 0, out.stdout + out.stderr
    t = table(tmp_path / "sweep")
    assert list(t["compare.seed"]) == [1, 5]
    assert list(t["seed"]) == [1, 5]
    for col in ("better_app.npv", "better_app.npv_low", "better_app.npv_high", "better_app.roi",
                "better_app.dnps", "better_app.dnps_low", "better_app.dnps_high"):  # fmt: skip
        assert col in t.columns and t[col].notna().all(), col
    money = json.loads((tmp_path / "sweep" / "1" / "summary.json").read_text())["money"][0]
    assert t.loc[1, "better_app.npv"] == money["npv"]
    daily = pd.read_parquet(tmp_path / "sweep" / "sweep_daily")
    assert {"design", "replication", "compare.seed"} <= set(daily.columns)
