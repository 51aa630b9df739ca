"""A study's points as the jobs of a Hydra launcher: Ray, SLURM, submitit, joblib, or Hydra's basic one.

``cxsim sensitivity --launcher ray_local`` (and ``cxsim optimise``) hand the points still to run
to one Hydra multirun whose job ``point=i`` is "evaluate point i of this study":

1. the driver freezes the study in ``OUT/launch/``: the evaluator (the market's designs and
   seeds, pickled) and the values of the points to run (``points.json``);
2. it runs a small Hydra app (:data:`JOB_CONFIG`, registered in Hydra's ConfigStore) over
   ``point=<i,j,...>`` with ``hydra/launcher=NAME``, the user's ``hydra.launcher.*`` overrides
   and ``hydra.sweep.dir=OUT/launch/jobs`` (absolute, as for a sweep: :func:`prepare_sweep`
   fixes it and takes care of the launchers' pitfalls); Hydra keeps each job's config and log in
   ``OUT/launch/jobs/<i>/``;
3. each job, wherever it runs, reads the frozen study from its sweep folder's parent, sets its
   numba threads from the launcher's resources (:func:`cxsim.sweeps.job.job_threads`), evaluates
   its point and writes ``OUT/points/<i>.json`` atomically, exactly the file a local worker
   writes (so resume is the same whichever way a point ran, and an interrupted multirun keeps
   its finished points); a point that fails writes ``OUT/launch/failed/<i>.json`` instead;
4. the driver reads the point files back.

A job on another machine writes into the study folder, so for ``slurm`` and ``ray_cluster``
``--out`` must be on a file system every node shares.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from cxsim.config.loading import config_dir, group_options
from cxsim.config.validation import ConfigError
from cxsim.output import atomic_write_bytes, atomic_write_text

__all__ = ["JOB_CONFIG", "Launcher", "launch_points", "launcher_of", "ray_session"]

JOB_CONFIG = "cxsim_study_job"  # the job app's primary config (ConfigStore): which point to evaluate
LAUNCH = "launch"  # OUT/launch: the frozen study, the jobs' folders, failure records
EVALUATOR, POINTS, FAILED = "evaluator.pkl", "points.json", "failed"

# Launchers cxsim knows: the Hydra plugin each needs and the extra that installs it.
_PLUGINS: dict[str, tuple[str, str]] = {
    "basic": ("hydra", ""),
    "joblib": ("hydra_plugins.hydra_joblib_launcher", ""),  # a dependency of cxsim
    "ray": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "ray_local": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "ray_cluster": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
    "submitit_slurm": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
    "slurm": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
}

ConfigStore.instance().store(name=JOB_CONFIG, node={"point": -1})


@dataclass(frozen=True)
class Launcher:
    """A launcher name (an option of ``hydra/launcher``) and the ``hydra.launcher.*`` overrides."""

    name: str
    overrides: tuple[str, ...] = ()


def is_launcher_override(override: str) -> bool:
    return override.lstrip("+~").startswith("hydra.launcher.")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def launcher_of(name: str | None, overrides: list[str]) -> tuple[Launcher | None, list[str]]:
    """The launcher asked for and the model overrides left, checked before anything runs.

    Raises:
        ConfigError: an unknown launcher, one whose plugin is not installed, ``hydra.launcher.*``
            overrides without ``--launcher``, or overrides the launcher's config refuses.
    """
    given = [o for o in overrides if is_launcher_override(o)]
    rest = [o for o in overrides if not is_launcher_override(o)]
    if name is None:
        if given:
            raise ConfigError(
                [(given[0], "a hydra.launcher.* override needs --launcher NAME (e.g. --launcher ray_local)")]
            )
        return None, rest
    known = sorted(set(_PLUGINS) | set(group_options("hydra/launcher")))
    if name not in known:
        raise ConfigError([("--launcher", f"unknown launcher {name!r} (known: {', '.join(known)})")])
    module, extra = _PLUGINS.get(name, ("hydra", ""))
    if not _installed(module):
        raise ConfigError([("--launcher", f"{name} needs the Hydra plugin {module}: pip install 'cxsim[{extra}]'")])
    from cxsim.sweeps.plan import compose_with_hydra

    compose_with_hydra([f"hydra/launcher={name}", *given])  # ConfigError: an override the launcher refuses
    return Launcher(name, tuple(given)), rest


def _frozen(study: Path) -> Path:
    return Path(os.path.abspath(study)) / LAUNCH


def launch_points(
    launcher: Launcher, folder: Path, evaluator: Any, todo: dict[int, dict[str, Any]]
) -> dict[int, dict[str, float]]:
    """Evaluate the points ``todo`` (key: values) as jobs of ``launcher``; their outputs by key.

    ``folder`` is the study's ``points`` folder (``OUT/points``).

    Raises:
        ConfigError: a point's values are refused by the model (finished points are kept).
        RuntimeError: a job failed otherwise, or left no result.
    """
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from cxsim.study.points import kept_points
    from cxsim.sweeps.launch import _quote, prepare_sweep

    launch = _frozen(Path(folder).parent)
    (launch / FAILED).mkdir(parents=True, exist_ok=True)
    for k in todo:
        (launch / FAILED / f"{k:06d}.json").unlink(missing_ok=True)
    atomic_write_bytes(launch / EVALUATOR, pickle.dumps(evaluator))
    atomic_write_text(launch / POINTS, json.dumps({str(k): v for k, v in todo.items()}) + "\n")
    hydra_args = [
        f"hydra/launcher={launcher.name}",
        *launcher.overrides,
        f"hydra.sweep.dir={_quote(str(launch / 'jobs'))}",
    ]
    args, code = prepare_sweep(hydra_args, hydra_args, kind="run")
    if code:
        raise ConfigError([("--launcher", f"{launcher.name} cannot start (see above)")])
    args += ["hydra.sweep.subdir=${point}", "point=" + ",".join(str(k) for k in todo)]
    with initialize_config_dir(version_base="1.3", config_dir=str(config_dir()), job_name="cxsim_study"):
        GlobalHydra.instance().hydra.multirun(config_name=JOB_CONFIG, task_function=_job, overrides=args)  # type: ignore[union-attr]
    results = kept_points(Path(folder), todo)
    for k in todo:
        if k in results:
            continue
        f = launch / FAILED / f"{k:06d}.json"
        if f.is_file():
            rec = json.loads(f.read_text(encoding="utf-8"))
            if rec["config_error"]:
                raise ConfigError([(f"point {k}", rec["message"])])
            raise RuntimeError(f"point {k} failed in its job: {rec['message']} (traceback in {f})")
        raise RuntimeError(f"point {k} left no result (its job's log: {launch / 'jobs' / str(k)})")
    return results


def _job(cfg: DictConfig) -> None:
    """The Hydra task of one job: evaluate point ``cfg.point`` and keep its result."""
    from hydra.core.hydra_config import HydraConfig

    from cxsim.study.points import kept_points, write_point
    from cxsim.sweeps.job import _set_threads, job_threads

    hc = HydraConfig.get()
    launch = Path(str(hc.sweep.dir)).parent
    folder = launch.parent / "points"
    key = int(cfg.point)
    values = json.loads((launch / POINTS).read_text(encoding="utf-8"))[str(key)]
    if kept_points(folder, {key: values}):
        print(f"cxsim: point {key} already evaluated: kept, not run again")
        return
    _set_threads(job_threads(hc.launcher))
    try:
        evaluator = pickle.loads((launch / EVALUATOR).read_bytes())
        outputs = evaluator(values)
    except Exception as exc:  # a failed point is reported by the driver, not the end of the other jobs
        record = {
            "config_error": isinstance(exc, ConfigError),
            "message": str(exc),
            "traceback": traceback.format_exc(),
        }
        atomic_write_text(launch / FAILED / f"{key:06d}.json", json.dumps(record) + "\n")
        print(f"cxsim: point {key} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return
    write_point(folder, key, values, outputs)


@contextmanager
def ray_session() -> Iterator[None]:
    """Shut down a Ray instance started by a launcher in this process once the study is done."""
    before = "ray" in sys.modules and sys.modules["ray"].is_initialized()
    try:
        yield
    finally:
        ray = sys.modules.get("ray")
        if ray is not None and not before and ray.is_initialized():
            ray.shutdown()
