"""Global sensitivity through SALib: Morris screening, Sobol first- and total-order indices.

:func:`design_matrix` draws the sample (Morris trajectories with ``levels`` grid levels, or
Saltelli's scheme for Sobol indices without second order: ``N (k + 2)`` points) on the unit
hypercube, seeded by the spec so that the same study draws the same points; :func:`points_of`
maps each column through its parameter's inverse CDF (uniform, log-uniform, triangular,
normal, lognormal: :class:`~cxsim.study.spec.Parameter`). For uniform priors this is SALib's
own scaling, bit for bit. Sobol indices are then those of the priors (the estimators need only
independent inputs); Morris's elementary effects are per grid step in probability space (a
step of ``levels / (2 (levels - 1))`` in the quantile), which for a uniform prior is a step of
that share of the range. :func:`indices` analyses each output with
SALib's bootstrap intervals (``conf_level``, ``bootstrap`` resamples, seeded):

* Morris: ``mu_star`` (mean absolute elementary effect, the screening measure, with its
  interval), ``sigma`` (spread: nonlinearity or interactions) and ``mu``;
* Sobol: ``S1`` (share of the output's variance due to the parameter alone) and ``ST`` (the
  share it is involved in, interactions included), each ± SALib's half-width.

:func:`robustness` says, for a comparison, in which share of the sample each design has the
highest NPV (the AS-IS counting 0) and in which share its NPV is positive.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cxsim.config.validation import ConfigError
from cxsim.study.spec import SensitivitySpec

__all__ = ["design_matrix", "indices", "points_of", "problem", "robustness"]


def problem(spec: SensitivitySpec) -> dict[str, Any]:
    """SALib's problem definition: every parameter on the unit interval (its quantiles)."""
    return {
        "num_vars": len(spec.parameters),
        "names": [p.path for p in spec.parameters],
        "bounds": [[0.0, 1.0] for _ in spec.parameters],
    }


def design_matrix(spec: SensitivitySpec) -> np.ndarray:
    """The sample on the unit hypercube (each column a parameter's quantiles), one row per point."""
    if spec.method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem(spec), spec.samples, num_levels=spec.levels, seed=spec.seed))
    from SALib.sample import sobol

    return np.asarray(sobol.sample(problem(spec), spec.samples, calc_second_order=False, seed=spec.seed))


def points_of(spec: SensitivitySpec, x: np.ndarray) -> list[dict[str, Any]]:
    """The parameter values of each row of the design matrix: each prior's inverse CDF (integers rounded)."""
    cols = []
    for j, p in enumerate(spec.parameters):
        v = np.asarray(p.values(x[:, j]), dtype=np.float64)
        if not np.all(np.isfinite(v)):  # a quantile 0 or 1 of an unbounded prior
            raise ConfigError([(f"parameters.{p.path}", "the sample reaches an infinite value; give low and high")])
        cols.append([round(float(a)) for a in v] if p.integer else [float(a) for a in v])
    return [dict(zip([p.path for p in spec.parameters], row, strict=True)) for row in zip(*cols, strict=True)]


def indices(spec: SensitivitySpec, x: np.ndarray, y: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Tidy table of indices with intervals for every output, and notes on outputs left out.

    Columns: ``output, parameter, index, value, low, high, rank`` (rank 1 = most influential by
    ``mu_star`` for Morris, ``ST`` for Sobol).
    """
    prob = problem(spec)
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for out in spec.outputs:
        v = y[out].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(v)):
            notes.append(f"{out}: not finite at {int((~np.isfinite(v)).sum())} points; no indices")
            continue
        if spec.method == "morris":
            from SALib.analyze import morris

            r = morris.analyze(
                prob,
                x,
                v,
                num_resamples=spec.bootstrap,
                conf_level=spec.conf_level,
                num_levels=spec.levels,
                seed=spec.seed,
            )
            order = _ranks(np.asarray(r["mu_star"]))
            for i, name in enumerate(prob["names"]):
                ms, conf = float(r["mu_star"][i]), float(r["mu_star_conf"][i])
                rows.append(_row(out, name, "mu_star", ms, ms - conf, ms + conf, order[i]))
                rows.append(_row(out, name, "sigma", float(r["sigma"][i]), math.nan, math.nan, order[i]))
                rows.append(_row(out, name, "mu", float(r["mu"][i]), math.nan, math.nan, order[i]))
        else:
            from SALib.analyze import sobol

            if float(np.var(v)) == 0.0:  # no parameter moves the output: every index is 0
                for name in prob["names"]:
                    for idx in ("S1", "ST"):
                        rows.append(_row(out, name, idx, 0.0, 0.0, 0.0, 1))
                notes.append(f"{out}: the same at every point (no parameter affects it)")
                continue
            r = sobol.analyze(
                prob,
                v,
                calc_second_order=False,
                num_resamples=spec.bootstrap,
                conf_level=spec.conf_level,
                seed=spec.seed,
            )
            order = _ranks(np.asarray(r["ST"]))
            for i, name in enumerate(prob["names"]):
                for idx in ("S1", "ST"):
                    s, conf = float(r[idx][i]), float(r[f"{idx}_conf"][i])
                    rows.append(_row(out, name, idx, s, s - conf, s + conf, order[i]))
    cols = ["output", "parameter", "index", "value", "low", "high", "rank"]
    return pd.DataFrame(rows, columns=cols), notes


def _ranks(score: np.ndarray) -> list[int]:
    """Rank 1 for the largest score (ties keep the parameters' order)."""
    order = np.argsort(-score, kind="stable")
    ranks = np.empty(len(score), dtype=np.int64)
    ranks[order] = np.arange(1, len(score) + 1)
    return [int(r) for r in ranks]


def _row(out: str, name: str, idx: str, value: float, low: float, high: float, rank: int) -> dict[str, Any]:
    return {"output": out, "parameter": name, "index": idx, "value": value, "low": low, "high": high, "rank": rank}


def robustness(y: pd.DataFrame, baseline: str, candidates: list[str]) -> pd.DataFrame:
    """Share of the sample in which each design wins (highest NPV, the AS-IS at 0) and has NPV > 0."""
    npv = np.column_stack([np.zeros(len(y)), *[y[f"{d}.npv"].to_numpy(dtype=np.float64) for d in candidates]])
    winner = np.argmax(npv, axis=1)  # ties: the first, i.e. the AS-IS before any candidate
    rows = []
    for j, d in enumerate([baseline, *candidates]):
        rows.append(
            {
                "design": d,
                "share_wins": float(np.mean(winner == j)),
                "share_npv_positive": math.nan if j == 0 else float(np.mean(npv[:, j] > 0)),
                "npv_mean": math.nan if j == 0 else float(np.mean(npv[:, j])),
                "npv_p05": math.nan if j == 0 else float(np.quantile(npv[:, j], 0.05)),
                "npv_p95": math.nan if j == 0 else float(np.quantile(npv[:, j], 0.95)),
                "points": len(y),
            }
        )
    return pd.DataFrame(rows)
