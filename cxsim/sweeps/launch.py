"""The driver's side of a sweep: prepare the command line, check a resume, report the outcome.

``cxsim run -m ...`` and ``cxsim compare -m ...`` call :func:`prepare_sweep` after every point
has been validated and before Hydra starts, and :func:`finish_sweep` once Hydra returns (or
gives up). Between the two, the :class:`~cxsim.sweeps.callback.SweepDataset` callback collects
the sweep into ``sweep.parquet`` at the end of the multirun.

What :func:`prepare_sweep` takes care of, so that a user does not have to:

* the sweep folder is made absolute (Ray and SLURM workers do not share the driver's working
  directory, and a ``${now:...}`` resolved on a worker could name another folder);
* an existing sweep folder is a resume: finished jobs are kept when their config is the same,
  and the command is refused (exit 2) when a finished job's config differs;
* Ray: a new local instance gets ``RAY_AUTH_MODE=disabled`` unless set (Ray >= 2.59 turns token
  authentication on by itself, which breaks when the two sides disagree); connecting to an
  existing cluster drops the launcher's ``object_store_memory`` default, which Ray refuses there;
* numba's kernels are compiled (or loaded from the cache) once in the driver before workers
  start, so that workers on this machine load them instead of all compiling at once.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from cxsim.config.validation import ConfigError
from cxsim.sweeps.dataset import SweepCollection, collect
from cxsim.sweeps.marker import config_hash, read_marker
from cxsim.sweeps.plan import SweepPlan, compose_with_hydra, plan_from_overrides, sweeper_params

__all__ = ["finish_sweep", "prepare_sweep", "record_collection"]

# The sweep the current process is driving, and its collection once made (by the callback).
_STATE: dict[str, Any] = {}

_PLAIN_PATH = re.compile(r"^[\w./:@%+-]+$")


def _quote(value: str) -> str:
    """A path as a Hydra override value (quoted when it holds characters the parser reads)."""
    if _PLAIN_PATH.match(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _warm_numba() -> None:
    """Compile (or load from the cache) the vector engine's kernels in this process."""
    from cxsim.config.loading import load_config
    from cxsim.simulation import simulate

    simulate(load_config(["population.size=60", "simulation.days=3", "simulation.progress=false"]))


def _check_resume(sweep_dir: Path, plan: SweepPlan, *, kind: str) -> int:
    """Exit code 2 (with a message) if a finished job in ``sweep_dir`` is of another config."""
    from cxsim.config.loading import compose_config

    done = 0
    for n, overrides in enumerate(plan.jobs):
        marker = read_marker(sweep_dir / str(n))
        if marker is None:
            continue
        cfg = compose_config(list(overrides), validate_it=False)
        if marker.get("config_hash") != config_hash(cfg) or marker.get("kind", kind) != kind:
            point = " ".join(overrides) or "(no overrides)"
            print(
                f"cxsim: cannot resume {sweep_dir}: job {n} ({point}) was run with a different config "
                f"than this command gives it; results of two configs are not mixed in one sweep. "
                f"Use a new hydra.sweep.dir, or delete {sweep_dir / str(n)} to run that job again.",
                file=sys.stderr,
            )
            return 2
        done += 1
    if done:
        todo = len(plan) - done
        print(f"cxsim: resuming {sweep_dir}: {done} of {len(plan)} jobs already complete (kept), {todo} to run")
    return 0


def prepare_sweep(args: list[str], overrides: list[str], *, kind: str) -> tuple[list[str], int]:
    """The arguments to hand to Hydra for a ``-m`` command, and an exit code (0: go ahead).

    Args:
        args: the command line after the command name.
        overrides: its config overrides (Hydra's own included).
        kind: ``run`` or ``compare``.
    """
    _STATE.clear()
    args = list(args)
    try:
        hcfg = compose_with_hydra(overrides)
        plan = plan_from_overrides(overrides, sweeper_params(hcfg))
    except ConfigError as exc:
        print(f"cxsim: {exc}", file=sys.stderr)
        return args, 2
    # 1. an absolute sweep folder, fixed here once
    given = [i for i, a in enumerate(args) if a.lstrip("+~").startswith("hydra.sweep.dir=")]
    sweep_dir = Path(str(hcfg.hydra.sweep.dir)).expanduser()
    if not sweep_dir.is_absolute():
        sweep_dir = Path.cwd() / sweep_dir
    sweep_dir = Path(os.path.normpath(sweep_dir))
    arg = f"hydra.sweep.dir={_quote(str(sweep_dir))}"
    if given:
        for i in given:
            args[i] = arg
    else:
        args.append(arg)
    # 2. resume
    if sweep_dir.is_dir():
        code = _check_resume(sweep_dir, plan, kind=kind)
        if code:
            return args, code
    # 3. launcher pitfalls
    launcher = hcfg.hydra.launcher
    target = str(launcher.get("_target_", ""))
    if "ray" in target:
        init = OmegaConf.select(hcfg, "hydra.launcher.ray.init", default=None)
        init = init if isinstance(init, DictConfig) else OmegaConf.create({})
        address = init.get("address")
        if address in (None, "local"):
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        elif "object_store_memory" not in init:
            args.append("+hydra.launcher.ray.init.object_store_memory=null")
    if "BasicLauncher" not in target:
        _warm_numba()
    _STATE.update(sweep_dir=sweep_dir, jobs=len(plan))
    return args, 0


def record_collection(collection: SweepCollection) -> None:
    """Called by the end-of-multirun callback in the driver."""
    _STATE["collection"] = collection


def finish_sweep(*, crashed: bool = False) -> int:
    """Collect the sweep if the callback did not get to, report failed jobs; the exit code."""
    sweep_dir = _STATE.get("sweep_dir")
    coll: SweepCollection | None = _STATE.get("collection")
    if sweep_dir is None:
        return 1 if crashed else 0
    if coll is None:
        try:
            coll = collect(sweep_dir)
        except FileNotFoundError:
            print(f"cxsim: the sweep stopped before any job started ({sweep_dir})", file=sys.stderr)
            return 1
        print(coll.describe())
    failed = coll.failed
    if failed.empty:
        return 1 if crashed else 0
    print(f"cxsim: {len(failed)} of {coll.n_jobs} jobs failed (status and message in sweep.parquet):", file=sys.stderr)
    for row in failed.head(10).itertuples():
        print(f"  job {row.job}: {row.message}", file=sys.stderr)
    if len(failed) > 10:
        print(f"  ... and {len(failed) - 10} more", file=sys.stderr)
    print(f"  (run the same command with hydra.sweep.dir={sweep_dir} to run them again; finished jobs are kept)",
          file=sys.stderr)  # fmt: skip
    return 1
