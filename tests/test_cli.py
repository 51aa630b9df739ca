"""The ``cxsim`` command line, run as a subprocess the way a user runs it.

Every command runs in a fresh temporary working directory (Hydra writes ``outputs/`` and
``multirun/`` relative to it), with a headless matplotlib backend and a numba cache outside
the source tree. Markets are tiny so the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

REQUIRED_DAILY = [
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
RUN_FILES = ["daily.parquet", "touchpoints.parquet", "summary.json", "run_meta.json", "kpis.png", "voc.parquet",
             "surveys.parquet", "referrers.parquet", "referrers_by_class.parquet"]  # fmt: skip
SMALL_RUN = ["population.size=500", "simulation.days=10", "simulation.warmup_days=4"]
BAD_VALUE = "journey.touchpoints.app.p_resolve=1.5"
BAD_KEY = "journey.touchpoints.app.p_resolve"

DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_DIR = re.compile(r"^\d{2}-\d{2}-\d{2}$")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = env.get("NUMBA_CACHE_DIR") or str(Path(tempfile.gettempdir()) / "cxsim-numba-cache")
    env["MPLBACKEND"] = "Agg"
    return env


def cli(*args: str, cwd: Path, exe: list[str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``cxsim <args>`` in ``cwd`` (through ``python -m cxsim.cli`` unless ``exe`` is given)."""
    cmd = [*(exe or [sys.executable, "-m", "cxsim.cli"]), *args]
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False)


def assert_config_error(out: subprocess.CompletedProcess[str], key: str | None = None) -> None:
    """Exit code 2, a short message on stderr naming ``key``, and no Python traceback."""
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert "Traceback" not in out.stdout
    assert out.stderr.startswith("cxsim: "), out.stderr
    if key is not None:
        assert key in out.stderr, out.stderr


def run_dirs(root: Path) -> list[Path]:
    """The Hydra run directories ``root/outputs/<date>/<time>``."""
    return sorted(p for p in (root / "outputs").glob("*/*") if p.is_dir())


def job_dirs(root: Path) -> list[Path]:
    """The Hydra multirun job directories ``root/multirun/<date>/<time>/<job>``."""
    return sorted(p for p in (root / "multirun").glob("*/*/*") if p.is_dir() and p.name.isdigit())


def read_summary(d: Path) -> dict[str, object]:
    return json.loads((d / "summary.json").read_text())


# ---- help and command-line errors -------------------------------------------------------------


def test_help_exits_0_and_lists_commands(tmp_path: Path) -> None:
    out = cli("--help", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "usage: cxsim" in out.stdout
    assert "run" in out.stdout
    assert "validate" in out.stdout
    assert list(tmp_path.iterdir()) == []


def test_no_arguments_exits_2_with_usage(tmp_path: Path) -> None:
    out = cli(cwd=tmp_path)
    assert out.returncode == 2
    assert "usage: cxsim" in out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_command_exits_2_with_one_line(tmp_path: Path) -> None:
    out = cli("frobnicate", cwd=tmp_path)
    assert_config_error(out)
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "frobnicate" in out.stderr
    assert list(tmp_path.iterdir()) == []


# ---- validate ---------------------------------------------------------------------------------


def test_validate_ok(tmp_path: Path) -> None:
    out = cli("validate", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "config OK" in out.stdout
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_validate_sweep_checks_every_point(tmp_path: Path) -> None:
    out = cli("validate", "-m", "simulation.seed=1,2,3", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "3 configurations" in out.stdout


@pytest.mark.parametrize(
    ("override", "key", "value"),
    [
        pytest.param(BAD_VALUE, BAD_KEY, "1.5", id="out-of-range"),
        pytest.param("population.size=abc", "population.size", "abc", id="wrong-type"),
        pytest.param("population.nope=1", "population.nope", "nope", id="unknown-key"),
        pytest.param("wom=nope", "wom/nope", "nope", id="unknown-group-option"),
    ],
)
def test_validate_bad_config_exits_2_writes_nothing(tmp_path: Path, override: str, key: str, value: str) -> None:
    out = cli("validate", override, cwd=tmp_path)
    assert_config_error(out, key)
    assert value in out.stderr
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no outputs/ directory


# ---- run: errors ------------------------------------------------------------------------------


def test_run_bad_override_exits_2_writes_nothing(tmp_path: Path) -> None:
    out = cli("run", *SMALL_RUN, BAD_VALUE, cwd=tmp_path)
    assert_config_error(out, BAD_KEY)
    assert "1.5" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_sweep_without_multirun_exits_2(tmp_path: Path) -> None:
    out = cli("run", *SMALL_RUN, "simulation.seed=1,2", cwd=tmp_path)
    assert_config_error(out, "simulation.seed")
    assert "-m" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_sweep_value_exits_2_without_multirun_dir(tmp_path: Path) -> None:
    out = cli("run", "-m", *SMALL_RUN, "simulation.seed=1,x", cwd=tmp_path)
    assert_config_error(out, "simulation.seed")
    assert "'x'" in out.stderr
    assert not (tmp_path / "multirun").exists()
    assert list(tmp_path.iterdir()) == []


# ---- run: one job -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``cxsim run population.size=500 simulation.days=10`` in a fresh directory; returns (process, run dir)."""
    cwd = tmp_path_factory.mktemp("run")
    out = cli("run", *SMALL_RUN, cwd=cwd)
    assert out.returncode == 0, out.stdout + out.stderr
    dirs = run_dirs(cwd)
    assert len(dirs) == 1, dirs
    return out, dirs[0]


def test_run_prints_kpi_summary(small_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    out, run_dir = small_run
    assert "Traceback" not in out.stderr
    for label in ("days simulated", "NPS", "CSAT", "churn", "revenue", "margin", "outputs:"):
        assert label in out.stdout, label
    assert "500 people" in out.stdout
    assert str(run_dir) in out.stdout


def test_run_writes_files_into_dated_dir(small_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, run_dir = small_run
    assert run_dir.parent.parent.name == "outputs"
    assert DATE_DIR.match(run_dir.parent.name), run_dir
    assert TIME_DIR.match(run_dir.name), run_dir
    for name in RUN_FILES:
        f = run_dir / name
        assert f.is_file() and f.stat().st_size > 0, name
    assert not (run_dir / "daily.csv").exists()  # CSV only on request
    assert (run_dir / "kpis.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(run_dir.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_run_daily_table(small_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, run_dir = small_run
    daily = pd.read_parquet(run_dir / "daily.parquet")
    missing = [c for c in REQUIRED_DAILY if c not in daily.columns]
    assert not missing, missing
    assert len(daily) == 4 + 10  # the warm-up days come first and stay in the daily table
    assert list(daily["day"]) == list(range(1, 15))
    tps = pd.read_parquet(run_dir / "touchpoints.parquet")
    assert len(tps) >= 1


def test_run_meta_and_summary(small_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, run_dir = small_run
    meta = json.loads((run_dir / "run_meta.json").read_text())
    for key in ("config", "seed", "versions", "git_commit"):
        assert key in meta, key
    assert meta["config"]["population"]["size"] == 500
    assert meta["config"]["simulation"]["days"] == 10
    assert meta["seed"] == meta["config"]["simulation"]["seed"]
    assert meta["versions"]["cxsim"]
    assert meta["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", meta["git_commit"])
    summary = read_summary(run_dir)
    assert summary["days"] == 10


def test_same_seed_same_daily_table_in_another_dir(
    small_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    """Running the same command again elsewhere reproduces the daily table exactly."""
    _, first = small_run
    out = cli("run", *SMALL_RUN, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    (second,) = run_dirs(tmp_path)
    a = pd.read_parquet(first / "daily.parquet")
    b = pd.read_parquet(second / "daily.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert read_summary(first) == read_summary(second)


def test_run_csv_on_request(tmp_path: Path) -> None:
    out = cli(
        "run",
        "population.size=300",
        "simulation.days=5",
        "simulation.warmup_days=0",
        "simulation.csv=true",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    (run_dir,) = run_dirs(tmp_path)
    for name in [*RUN_FILES, "daily.csv", "touchpoints.csv"]:
        assert (run_dir / name).is_file(), name
    csv = pd.read_csv(run_dir / "daily.csv")
    parquet = pd.read_parquet(run_dir / "daily.parquet")
    assert list(csv.columns) == list(parquet.columns)
    assert len(csv) == 5


# ---- run: multirun ----------------------------------------------------------------------------


def test_multirun_basic_two_jobs(tmp_path: Path) -> None:
    out = cli("run", "-m", "population.size=300", "simulation.days=5", "simulation.seed=1,2", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    jobs = job_dirs(tmp_path)
    assert [j.name for j in jobs] == ["0", "1"], jobs
    for j in jobs:
        for name in RUN_FILES:
            assert (j / name).is_file(), (j, name)
    seeds = [json.loads((j / "run_meta.json").read_text())["seed"] for j in jobs]
    assert sorted(seeds) == [1, 2]
    assert read_summary(jobs[0]) != read_summary(jobs[1])
    assert not (tmp_path / "outputs").exists()


@pytest.mark.slow
def test_multirun_joblib_two_jobs(tmp_path: Path) -> None:
    out = cli(
        "run",
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "population.size=300",
        "simulation.days=5",
        "simulation.seed=1,2",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    jobs = job_dirs(tmp_path)
    assert [j.name for j in jobs] == ["0", "1"], jobs
    for j in jobs:
        assert (j / "summary.json").is_file()
        assert (j / "daily.parquet").is_file()
    assert read_summary(jobs[0]) != read_summary(jobs[1])


# ---- the installed console script ---------------------------------------------------------------


def _console_script() -> str | None:
    beside = Path(sys.executable).parent / "cxsim"
    if beside.is_file():
        return str(beside)
    return shutil.which("cxsim")


def test_installed_console_script(tmp_path: Path) -> None:
    exe = _console_script()
    if exe is None:
        pytest.skip("the cxsim console script is not installed")
    ok = cli("validate", "simulation.days=3", cwd=tmp_path, exe=[exe])
    assert ok.returncode == 0, ok.stderr
    assert "config OK" in ok.stdout
    bad = cli("validate", "simulation.days=0", cwd=tmp_path, exe=[exe])
    assert_config_error(bad, "simulation.days")
    assert list(tmp_path.iterdir()) == []
