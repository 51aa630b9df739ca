"""Run folders that appear whole or not at all, kept replications, worker pools (issue 10, items 3-5)."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from proctools import alive, children

import cxsim
from cxsim.compare import compare, discard_kept_replications
from cxsim.config.validation import ConfigError
from cxsim.interrupts import Interrupted, as_interrupted
from cxsim.resume import ReplicationStore, store_key
from cxsim.runfolder import plan, shown_dir
from cxsim.sweeps.marker import FAILURE, MARKER, read_failure
from cxsim.workers import WorkerPool

compare_mod = importlib.import_module("cxsim.compare")  # the module (cxsim.compare is also a function)


def _fake_run(staging: Path, complete: bool) -> None:
    (staging / ".hydra").mkdir(parents=True)
    (staging / ".hydra" / "hydra.yaml").write_text(f"run:\n  dir: {staging}\n")
    (staging / "cli.log").write_text("")
    (staging / "daily.parquet").write_bytes(b"results")
    (staging / "figures").mkdir()
    (staging / "figures" / "a.png").write_bytes(b"png")
    if complete:
        (staging / MARKER).write_text("{}")


def test_finished_run_moves_into_place_whole(tmp_path: Path) -> None:
    folder = plan(str(tmp_path / "out"))
    assert folder.staging.parent == tmp_path and folder.staging.name.startswith(".out.partial-")
    assert shown_dir(folder.staging) == folder.target
    _fake_run(folder.staging, complete=True)
    assert not folder.target.exists()  # nothing at the target while the run works
    assert folder.settle() == folder.target
    assert not folder.staging.exists()
    assert (folder.target / "daily.parquet").read_bytes() == b"results" and (folder.target / MARKER).exists()
    assert str(folder.target) in (folder.target / ".hydra" / "hydra.yaml").read_text()  # not the staging name
    assert ".partial-" not in (folder.target / ".hydra" / "hydra.yaml").read_text()


def test_failed_run_leaves_no_results_and_says_why(tmp_path: Path) -> None:
    folder = plan(str(tmp_path / "out"))
    _fake_run(folder.staging, complete=False)
    folder.settle()
    assert sorted(p.name for p in folder.target.iterdir()) == [".hydra", "cli.log", FAILURE]
    assert "stopped before it finished" in json.loads((folder.target / FAILURE).read_text())["message"]


def test_interrupted_run_records_the_signal(tmp_path: Path) -> None:
    folder = plan(str(tmp_path / "out"))
    _fake_run(folder.staging, complete=True)  # even a run that got as far as its marker
    folder.settle(Interrupted(signal.SIGTERM, "3 of 10 replications kept"))
    assert not (folder.target / MARKER).exists() and not (folder.target / "daily.parquet").exists()
    record = read_failure(folder.target)
    assert record is not None and record["interrupted"] is True
    assert record["message"] == "interrupted by SIGTERM; 3 of 10 replications kept"


def test_existing_results_are_refused_unless_overwrite(tmp_path: Path) -> None:
    old = tmp_path / "out"
    _fake_run(old, complete=True)
    (old / "daily.csv").write_text("stale")
    with pytest.raises(ConfigError, match=r"already holds a run's results.*--overwrite"):
        plan(str(old))
    assert (old / "daily.csv").exists()  # refused: untouched
    folder = plan(str(old), overwrite=True)
    assert not old.exists()  # the old results are removed first: nothing stale can mix in
    _fake_run(folder.staging, complete=True)
    folder.settle()
    assert not (old / "daily.csv").exists() and (old / "daily.parquet").exists()


def test_a_failed_runs_folder_is_replaced_without_asking(tmp_path: Path) -> None:
    first = plan(str(tmp_path / "out"))
    _fake_run(first.staging, complete=False)
    first.settle()
    second = plan(str(tmp_path / "out"))  # no results there: no --overwrite needed
    _fake_run(second.staging, complete=True)
    second.settle()
    assert not (second.target / FAILURE).exists() and (second.target / MARKER).exists()


def test_folders_cxsim_did_not_write_are_never_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("precious")
    with pytest.raises(ConfigError, match="did not write"):
        plan(str(mine), overwrite=True)
    assert (mine / "chapter1.tex").read_text() == "precious"
    monkeypatch.chdir(mine)
    with pytest.raises(ConfigError, match="current folder"):
        plan(".", overwrite=True)
    with pytest.raises(ConfigError, match="current folder"):
        plan(str(tmp_path), overwrite=True)


def test_stale_staging_of_a_killed_run_is_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.partial-{dead.pid}"
    (stale / ".hydra").mkdir(parents=True)
    running = tmp_path / f".out.partial-{os.getpid()}"  # a run still under way (this process)
    (running / ".hydra").mkdir(parents=True)
    plan(str(tmp_path / "out"))
    assert not stale.exists()
    assert running.is_dir()  # never removed while its process lives


def test_interrupt_exit_codes() -> None:
    assert Interrupted(signal.SIGTERM).exit_code == 143
    stop = as_interrupted(KeyboardInterrupt())
    assert stop is not None and stop.exit_code == 130 and stop.name == "Ctrl-C"
    assert as_interrupted(ValueError("x")) is None


# --- kept replications -------------------------------------------------------------------------

SMALL = [
    "population.size=1500",
    "simulation.progress=false",
    "compare.horizon_days=60",
    "compare.robustness_horizons_days=[]",
    "compare.n_jobs=1",
]


def _cfg(store: Path, *more: str) -> object:
    return cxsim.load_config([*SMALL, f"compare.resume_dir={store}", *more])


def test_kept_replications_resume_exactly_and_are_discarded_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    base, cand = _cfg(store), _cfg(store, "scenario=better_app")
    reference = compare(_cfg(tmp_path / "other"), [_cfg(tmp_path / "other", "scenario=better_app")], replications=3)
    assert not (tmp_path / "other").exists()  # a finished comparison keeps nothing

    calls: list[int] = []
    real = compare_mod.replicate

    def stop_after_two(cfgs: list[object], seed: int, *args: object, **kw: object) -> object:
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(seed)
        return real(cfgs, seed, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(compare_mod, "replicate", stop_after_two)
    with pytest.raises(Interrupted, match="SIGINT") as info:
        compare(base, [cand], replications=3)
    assert info.value.detail.startswith("2 of 3 replications kept in ")
    (entry,) = [p for p in store.iterdir()]
    assert sorted(p.name for p in entry.glob("seed-*")) == ["seed-1000", "seed-1001"]

    calls.clear()
    monkeypatch.setattr(compare_mod, "replicate", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    resumed = compare(base, [cand], replications=3)
    assert calls == [1002]  # only the missing replication ran
    pd.testing.assert_frame_equal(resumed.runs, reference.runs, check_exact=True)
    pd.testing.assert_frame_equal(resumed.daily, reference.daily, check_exact=True)
    pd.testing.assert_frame_equal(resumed.money, reference.money, check_exact=True)
    assert not store.exists()  # finished: the kept replications are gone


def test_a_changed_config_never_mixes_in(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = compare(_cfg(store), [_cfg(store, "scenario=better_app")], replications=2, discard_kept=False)
    assert first.kept_dir and Path(first.kept_dir).is_dir()
    key = Path(first.kept_dir).name
    loss = "behaviour.loss_weight=3.0"
    changed = [_cfg(store, loss), _cfg(store, "scenario=better_app", loss)]
    more = [_cfg(store, "compare.replications=30", "compare.ci_level=0.9"), _cfg(store, "scenario=better_app")]
    settings = compare_mod.CompareSettings.from_config(changed[0])
    simulated = settings.simulated_days  # 90 warm-up + 60 days
    days = simulated - settings.warmup_days

    def key_of(cfgs: list[object]) -> str:
        return store_key([compare_mod._with_days(c, days) for c in cfgs], None, simulated, simulated)

    assert key_of(changed) != key
    assert key_of(more) == key  # more replications or another CI level reuse what was run
    discard_kept_replications(first)
    assert not store.exists()


def test_an_unreadable_kept_replication_is_run_again(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    base, cand = _cfg(store_dir), _cfg(store_dir, "scenario=better_app")
    first = compare(base, [cand], replications=2, discard_kept=False)
    store = ReplicationStore(store_dir, Path(first.kept_dir).name, ["as_is", "better_app"])
    assert store.seeds() == [1000, 1001]
    (Path(first.kept_dir) / "seed-1001" / "0.daily.parquet").write_bytes(b"garbage")
    assert store.load(1001) is None
    again = compare(base, [cand], replications=2)
    pd.testing.assert_frame_equal(again.runs, first.runs, check_exact=True)


# --- worker pool -------------------------------------------------------------------------------


def _square_slowly(x: int) -> int:
    time.sleep(0.05 * (5 - x))  # later tasks finish first
    return x * x


def _sleep_forever(flag: str) -> None:
    Path(flag).write_text(str(os.getpid()))  # the worker is up and running its task
    time.sleep(600)


def test_pool_keeps_submission_order() -> None:
    with WorkerPool(2) as pool:
        assert list(pool.imap(_square_slowly, [(i,) for i in range(5)])) == [0, 1, 4, 9, 16]


def _gone(pids: list[int], within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_when_their_parent_is_killed(tmp_path: Path) -> None:
    """SIGKILL to the parent (what a scheduler does after its grace period): the workers follow it."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, threading, time\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from cxsim.workers import WorkerPool\n"
        "from test_runfolder import _sleep_forever\n"
        "if __name__ == '__main__':\n"
        f"    flags = [({str(tmp_path / 'w0')!r},), ({str(tmp_path / 'w1')!r},)]\n"
        "    results = WorkerPool(2).imap(_sleep_forever, flags)\n"
        "    threading.Thread(target=lambda: next(results), daemon=True).start()\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        end = time.monotonic() + 120
        flags = [tmp_path / "w0", tmp_path / "w1"]
        while time.monotonic() < end and not all(f.exists() and f.read_text() for f in flags):
            time.sleep(0.1)
        workers = [int(f.read_text()) for f in flags]
        assert sorted(workers) == sorted(p for p in children(parent.pid) if p in workers)
        parent.kill()
        parent.wait()
        assert _gone(workers, within=10), f"workers {workers} outlived their parent"
    finally:
        parent.kill()
