"""One job of a sweep, the same under every launcher: skip if done, share the cores, record.

:func:`sweep_job` wraps the work of a ``cxsim run`` or ``cxsim compare`` job. Outside a
multirun it does the work and writes the completion marker (or, if the work raised, the
failure record) into the run's staging folder (:mod:`cxsim.runfolder`). Inside one it

1. skips the job if its folder already holds a completion marker for this very config
   (resume), and refuses it if the marker is for another config;
2. sets numba's thread count for this job from the launcher's resources (joblib: cores /
   workers; Ray: the task's ``num_cpus``; submitit: ``cpus_per_task``), since neither Ray
   nor submitit sets ``NUMBA_NUM_THREADS``;
3. does the work; if it raises, writes a failure record with the message instead of letting
   the exception end the whole sweep, so the other jobs run and are collected;
4. writes the completion marker last.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from cxsim.sweeps.marker import config_hash, read_marker, write_failure, write_marker

__all__ = ["SweepConflict", "job_threads", "sweep_job"]

T = TypeVar("T")


class SweepConflict(RuntimeError):
    """A job folder holds the results of a different config than the one asked for."""


def job_threads(launcher: Any, cores: int | None = None) -> int | None:
    """numba threads one job of this launcher should use (None: leave numba's default).

    Args:
        launcher: the ``hydra.launcher`` node of the job's config.
        cores: CPUs of this machine (default: ``os.cpu_count()``).
    """
    cores = cores or os.cpu_count() or 1
    target = str(launcher.get("_target_", "")) if launcher is not None else ""
    if "joblib" in target:
        n_jobs = int(launcher.get("n_jobs") or -1)
        workers = cores if n_jobs < 0 else min(n_jobs, cores)
        return max(1, cores // max(workers, 1))
    if "ray" in target:
        remote = (launcher.get("ray") or {}).get("remote") or {}
        return max(1, int(float(remote.get("num_cpus") or 1)))
    if "submitit" in target:
        slurm = os.environ.get("SLURM_CPUS_PER_TASK")
        if slurm and slurm.isdigit():
            return max(1, int(slurm))
        return max(1, int(launcher.get("cpus_per_task") or 1))
    return None


def _set_threads(n: int | None) -> None:
    if n is None:
        return
    import numba

    numba.set_num_threads(max(1, min(n, int(numba.config.NUMBA_NUM_THREADS))))  # type: ignore[attr-defined]


def sweep_job(cfg: DictConfig, out_dir: Path, work: Callable[[], T], *, kind: str = "run") -> T | None:
    """Run ``work`` as one job of a sweep in ``out_dir`` (see the module docstring).

    Args:
        cfg: the job's config (what the marker's hash covers).
        out_dir: the job's folder.
        work: writes the job's files; its return value is passed through.
        kind: ``run`` or ``compare`` (stored in the marker; ``cxsim collect`` reads its KPIs by it).

    Returns:
        What ``work`` returned, or None if the job was skipped or failed.

    Raises:
        SweepConflict: ``out_dir`` holds a finished job of another config.
    """
    hc = HydraConfig.get()
    out_dir = Path(out_dir)
    seed = int(cfg.compare.seed if kind == "compare" else cfg.simulation.seed)
    if hc.mode != RunMode.MULTIRUN:  # a single run: its folder is staged (cxsim.runfolder)
        try:
            single = work()
        except Exception as exc:
            write_failure(out_dir, cfg, exc, kind=kind, seed=seed)
            raise
        write_marker(out_dir, cfg, kind=kind, seed=seed)
        return single
    marker = read_marker(out_dir)
    if marker is not None:
        if marker.get("config_hash") == config_hash(cfg):
            print(f"cxsim: job {hc.job.num} already complete in {out_dir}: kept, not run again")
            return None
        raise SweepConflict(
            f"{out_dir} holds job {hc.job.num} of a different config; use another hydra.sweep.dir or delete that folder"
        )
    _set_threads(job_threads(hc.launcher))
    try:
        result = work()
    except Exception as exc:  # a failed job is a row of the dataset, not the end of the sweep
        traceback.print_exc(file=sys.stderr)
        write_failure(out_dir, cfg, exc, kind=kind, seed=seed, job=int(hc.job.num))
        print(f"cxsim: job {hc.job.num} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    write_marker(out_dir, cfg, kind=kind, seed=seed, job=int(hc.job.num))
    return result
