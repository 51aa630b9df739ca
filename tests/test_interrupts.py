"""The command line under interrupts, kills and existing folders (issue 10, items 3-5).

Every test here starts ``cxsim`` as a separate process and stops it the way a user or a batch
scheduler would: Ctrl-C (SIGINT), SIGTERM, or asking for a folder that already holds results.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from proctools import alive, children

from cxsim.sweeps.marker import FAILURE, MARKER

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

RUN = ["run", "population.size=1500", "simulation.days=30", "simulation.warmup_days=0", "simulation.progress=false"]


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxsim.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def _default_signals() -> None:
    """In the child: the signals as a terminal gives them. A test runner started in the background
    of a non-interactive shell (``cmd &``, ``nohup``) ignores SIGINT, and cxsim rightly keeps a
    signal it was started with ignored; the Ctrl-C tests must not depend on how pytest was started."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cxsim.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )


def _wait_for(condition: object, proc: subprocess.Popen[str], timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert proc.poll() is None, f"cxsim ended before the test could stop it: {proc.communicate()}"
        assert time.monotonic() < end, "timed out waiting for cxsim to get going"
        time.sleep(0.05)


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_existing_results_refused_then_overwritten(tmp_path: Path) -> None:
    first = _cli([*RUN, "hydra.run.dir=out"], tmp_path)
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    assert (out / MARKER).exists() and (out / "summary.json").exists()
    assert not list(tmp_path.glob(".out.partial-*"))  # the staging folder was moved, not copied
    (out / "daily.csv").write_text("a stale table from another seed")
    before = _files(out)

    again = _cli([*RUN, "simulation.seed=7", "hydra.run.dir=out"], tmp_path)
    assert again.returncode == 2
    assert "already holds a run's results" in again.stderr and "--overwrite" in again.stderr
    assert "Traceback" not in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert _files(out) == before  # refused: nothing touched

    over = _cli([*RUN, "simulation.seed=7", "hydra.run.dir=out", "--overwrite"], tmp_path)
    assert over.returncode == 0, over.stderr
    assert not (out / "daily.csv").exists()  # the old results went first: nothing stale mixed in
    assert json.loads((out / "run_meta.json").read_text())["seed"] == 7
    assert f"outputs: {out}" in over.stdout  # the final folder, not the staging one


def test_sweeps_are_not_overwritten(tmp_path: Path) -> None:
    out = _cli([*RUN, "-m", "simulation.seed=1,2", "--overwrite"], tmp_path)
    assert out.returncode == 2 and "resumes in its hydra.sweep.dir" in out.stderr
    assert not any(tmp_path.iterdir())


def _console_script() -> list[str]:
    """The ``cxsim`` script pip installed next to this interpreter (``python -m cxsim.cli`` if none)."""
    script = Path(sys.executable).with_name("cxsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cxsim.cli"]


@pytest.mark.parametrize("how", ["script", "module"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["INT", "TERM", "HUP"])
def test_a_signal_while_the_command_starts_is_one_line(tmp_path: Path, how: str, signum: int) -> None:
    """The command spends its first seconds importing numba, pandas and Hydra; a signal then used
    to end it with a traceback from inside some library (SIGINT) or without a word (SIGTERM)."""
    command = _console_script() if how == "script" else [sys.executable, "-m", "cxsim.cli"]
    proc = subprocess.Popen(
        [*command, *RUN, "hydra.run.dir=out"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    time.sleep(1.0)  # interpreter up, imports (>= 2.5 s on the project's machines) under way
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    assert line.startswith(f"cxsim: interrupted by {name}")
    assert not (tmp_path / "out").exists()


def test_importing_cxsim_leaves_the_signals_alone() -> None:
    """As a library, cxsim keeps Python's own Ctrl-C (``KeyboardInterrupt``) and the defaults."""
    code = (
        "import signal, cxsim, cxsim.cli\n"
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler,"
        " signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        preexec_fn=_default_signals,
    )
    assert out.stdout.split() == ["True", "True"]


@pytest.mark.slow
def test_sigterm_stops_a_run_cleanly(tmp_path: Path) -> None:
    """SIGTERM mid-run: one line, exit 143, and a folder with no results that says why."""
    proc = _start(["run", "population.size=300000", "simulation.days=365", "hydra.run.dir=big"], tmp_path)
    _wait_for(lambda: any((p / ".hydra").is_dir() for p in tmp_path.glob(".big.partial-*")), proc)
    time.sleep(1.0)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    stopped = time.monotonic() - t0
    assert proc.returncode == 143, err
    assert stopped < 10, f"took {stopped:.1f} s to stop"
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith("cxsim: interrupted by SIGTERM") and "error.json" in line
    big = tmp_path / "big"
    assert sorted(p.name for p in big.iterdir()) == [".hydra", "cli.log", FAILURE]
    record = json.loads((big / FAILURE).read_text())
    assert record["interrupted"] is True and record["message"] == "interrupted by SIGTERM"
    assert not list(tmp_path.glob(".big.partial-*"))


COMPARE = [
    "compare",
    "population.size=3000",
    "compare.horizon_days=365",
    "compare.robustness_horizons_days=[]",
    "compare.replications=12",
    "compare.candidates=[better_app]",
    "compare.n_jobs=2",
]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_keeps_replications_and_the_rerun_is_bit_identical(tmp_path: Path) -> None:
    """Ctrl-C part-way: workers stopped, one line, exit 130; the same command resumes bit for bit."""
    store = tmp_path / "store"
    reference = _cli([*COMPARE, f"compare.resume_dir={tmp_path / 'other'}", "hydra.run.dir=reference"], tmp_path)
    assert reference.returncode == 0, reference.stderr
    command = [*COMPARE, f"compare.resume_dir={store}", "hydra.run.dir=resumed"]

    proc = _start(command, tmp_path)
    _wait_for(lambda: len(list(store.glob("*/seed-*"))) >= 1, proc)
    workers = children(proc.pid)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "leaked" not in err
    (line,) = [x for x in err.strip().splitlines() if not x.startswith("cxsim compare: replication")]
    assert line.startswith("cxsim: interrupted by Ctrl-C; ") and " of 12 replications kept in " in line
    kept = len(list(store.glob("*/seed-*")))
    assert 1 <= kept < 12
    assert f"{kept} of 12 replications kept" in line
    assert len(workers) >= 2  # two workers (and multiprocessing's resource tracker)
    end = time.monotonic() + 10
    while [p for p in workers if alive(p)] and time.monotonic() < end:
        time.sleep(0.1)
    assert not [p for p in workers if alive(p)], "worker processes outlived the interrupted comparison"
    assert sorted(p.name for p in (tmp_path / "resumed").iterdir()) == [".hydra", "cli.log", FAILURE]

    rerun = _cli(command, tmp_path)  # the same command: the interrupted folder is replaced, work resumed
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stderr.count("kept from an earlier run") == kept
    a, b = tmp_path / "reference", tmp_path / "resumed"
    for name in ("comparison.parquet", "comparison.csv", "trajectories.parquet", "touchpoint_deltas.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    sa.pop("wall_seconds"), sb.pop("wall_seconds")
    assert sa == sb
    assert not store.exists()  # finished: nothing kept
