"""One point of a study: parameter values applied to every design, evaluated with common random numbers.

A :class:`Market` holds the composed designs (the AS-IS first) and the keys each design sets
itself. :func:`apply_values` puts a point's values into a design's config, **except keys the
design sets itself, where the design's value wins** (as ``cxsim compare`` treats command-line
overrides, :mod:`cxsim.designs`), and validates the result. :func:`evaluate` runs the point:

* with candidate designs, a paired comparison (:func:`cxsim.compare.compare`) over the fixed
  seeds ``compare.seed + r``: per candidate ``<design>.npv``, ``.roi``, ``.investment``,
  ``.benefit`` and ``.dnps`` (mean over replications);
* without, the baseline simulated on the same seeds: the mean of each run KPI.

:func:`evaluate_points` evaluates a list of points in local worker processes, or as the jobs of a
Hydra launcher (Ray, SLURM, submitit, joblib: :mod:`cxsim.study.launch`), and keeps each finished
point in ``<folder>/<index>.json`` (written atomically), so an interrupted study resumes where
it stopped, whichever way it ran. A point's result depends only on its values and the seeds, never on the number of
workers or the order in which they finish.
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf

from cxsim.compare import COMPARED_KPIS, compare
from cxsim.config.loading import compose_config, group_options
from cxsim.config.validation import validate
from cxsim.designs import design_configs, patched_keys
from cxsim.output import atomic_write_text

if TYPE_CHECKING:
    from cxsim.study.launch import Launcher

__all__ = [
    "RUN_KPIS",
    "Evaluator",
    "Market",
    "apply_values",
    "evaluate",
    "evaluate_points",
    "kept_points",
    "market",
    "point_file",
    "write_point",
]

# What evaluates a point: its parameter values -> its outputs (picklable: it may run elsewhere).
Evaluator = Callable[[dict[str, Any]], dict[str, float]]

# Run KPIs a study can take as its output (means over the replications).
RUN_KPIS = tuple(k for k in COMPARED_KPIS if k not in ("npv", "roi", "investment", "benefit", "discounted_margin"))


@dataclass(frozen=True)
class Market:
    """The designs of a study (AS-IS first), the keys each sets itself, and the seeds."""

    designs: tuple[DictConfig, ...]
    patched: tuple[frozenset[str], ...]
    replications: int
    seed: int
    compared: bool  # True: compare the candidates with the AS-IS; False: simulate the AS-IS only

    @property
    def baseline(self) -> DictConfig:
        return self.designs[0]

    @property
    def candidates(self) -> list[str]:
        return [str(c.scenario.name) for c in self.designs[1:]]


def market(overrides: list[str], *, compared: bool) -> Market:
    """The designs named by ``compare.*`` under ``overrides`` (only the AS-IS if not ``compared``)."""
    if not compared:
        cfg = compose_config(overrides, validate_it=True)
        return Market((cfg,), (frozenset(),), int(cfg.compare.replications), int(cfg.compare.seed), False)
    baseline, candidates = design_configs(overrides)
    designs = (baseline, *candidates)
    options = group_options("scenario", overrides)
    names = [str(baseline.compare.baseline), *[str(c) for c in baseline.compare.candidates]]
    patched = tuple(frozenset(patched_keys(options[n])) for n in names)
    return Market(
        designs=tuple(designs),
        patched=patched,
        replications=int(baseline.compare.replications),
        seed=int(baseline.compare.seed),
        compared=compared,
    )


def _overlaps(key: str, path: str) -> bool:
    return key == path or path.startswith(key + ".") or key.startswith(path + ".")


def apply_values(cfg: DictConfig, values: dict[str, Any], patched: frozenset[str] = frozenset()) -> DictConfig:
    """A validated copy of ``cfg`` with ``values`` set (keys in ``patched`` keep the design's value)."""
    out = copy.deepcopy(cfg)
    for key, value in values.items():
        if any(_overlaps(key, p) for p in patched):
            continue
        OmegaConf.update(out, key, value, merge=False)
    validate(out)
    return out


def _share_threads(jobs: int) -> None:
    if jobs > 1:
        import numba

        numba.set_num_threads(max(1, min(numba.get_num_threads(), (os.cpu_count() or 1) // jobs)))


def evaluate(m: Market, values: dict[str, Any], jobs: int = 1, replication_jobs: int = 1) -> dict[str, float]:
    """The outputs of one point (see the module docstring)."""
    _share_threads(jobs)
    cfgs = [apply_values(c, values, p) for c, p in zip(m.designs, m.patched, strict=True)]
    out: dict[str, float] = {}
    if m.compared:
        result = compare(
            cfgs[0], cfgs[1:], replications=m.replications, seed=m.seed, progress=False, n_jobs=replication_jobs
        )
        for row in result.money.to_dict("records"):
            d = str(row["design"])
            for metric, col in (("npv", "npv"), ("roi", "roi"), ("investment", "investment"), ("benefit", "benefit")):
                out[f"{d}.{metric}"] = float(row[col])
            out[f"{d}.dnps"] = float(row["delta_nps"])
        return out
    from cxsim.simulation import simulate

    runs = [simulate(cfgs[0], seed=m.seed + r, progress=False).summary for r in range(m.replications)]
    for k in RUN_KPIS:
        xs = [math.nan if s.get(k) is None else float(s[k]) for s in runs]
        out[k] = float(np.mean(xs))
    return out


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(values, default=float))


def point_file(folder: Path, key: int) -> Path:
    """Where point ``key``'s values and outputs are kept."""
    return Path(folder) / f"{key:06d}.json"


def write_point(folder: Path, key: int, values: dict[str, Any], outputs: dict[str, float]) -> None:
    """Keep a finished point (atomically: a reader sees the whole file or none)."""
    atomic_write_text(point_file(folder, key), json.dumps({"values": values, "outputs": outputs}) + "\n")


def kept_points(folder: Path, plain: dict[int, dict[str, Any]]) -> dict[int, dict[str, float]]:
    """The outputs of the points of ``plain`` (by key) already in ``folder`` with the same values."""
    results: dict[int, dict[str, float]] = {}
    for key, values in plain.items():
        f = point_file(folder, key)
        if f.is_file():
            try:
                rec = json.loads(f.read_text(encoding="utf-8"))
            except ValueError:
                continue
            if rec.get("values") == values:
                results[key] = {str(k): float(v) for k, v in rec["outputs"].items()}
    return results


def _shared(evaluator: Evaluator, values: dict[str, Any], jobs: int) -> dict[str, float]:
    _share_threads(jobs)
    return evaluator(values)


def evaluate_points(
    m: Market | Evaluator,
    points: Sequence[dict[str, Any]],
    folder: Path,
    workers: int = 1,
    on_done: Callable[[int, int], None] | None = None,
    launcher: Launcher | None = None,
    keys: Sequence[int] | None = None,
) -> list[dict[str, float]]:
    """Every point's outputs, reusing the points already in ``folder`` (resume).

    ``m`` is a :class:`Market` (the points are evaluated by :func:`evaluate`) or any picklable
    evaluator of a point's values. Point ``j`` is kept in ``folder/<keys[j]>.json`` (default
    key: ``j``). With a ``launcher`` the points still to run are the jobs of one Hydra multirun
    (:mod:`cxsim.study.launch`); otherwise they run on ``workers`` local processes.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    evaluator: Evaluator = partial(evaluate, m) if isinstance(m, Market) else m
    names = list(range(len(points))) if keys is None else [int(k) for k in keys]
    plain = {k: _plain(p) for k, p in zip(names, points, strict=True)}
    results = kept_points(folder, plain)
    todo = [k for k in names if k not in results]
    if results:
        print(f"cxsim: resuming: {len(results)} of {len(points)} points already evaluated (kept)", file=sys.stderr)
    if launcher is not None:
        from cxsim.study.launch import launch_points

        if todo:
            results.update(launch_points(launcher, folder, evaluator, {k: plain[k] for k in todo}))
        if on_done is not None:
            on_done(len(results), len(points))
        return [results[k] for k in names]
    jobs = max(1, min(workers, len(todo) or 1))
    if jobs > 1:
        pool = Parallel(n_jobs=jobs, backend="loky", return_as="generator")
        outputs = pool(delayed(_shared)(evaluator, plain[k], jobs) for k in todo)
    else:
        outputs = (evaluator(plain[k]) for k in todo)
    for k, out in zip(todo, outputs, strict=True):
        write_point(folder, k, plain[k], out)
        results[k] = out
        if on_done is not None:
            on_done(len(results), len(points))
    return [results[k] for k in names]
