"""The check record, how much simulation the checks use, and the statistics they share.

:class:`Check` is one line of the validation table: a simulated value against a published or
closed-form one, with its standard error, a bias bound and the verdict ``|simulated − expected|
≤ k·SE + bias`` (``k`` from :func:`tolerance_multiplier`). :class:`Settings` sets the effort
(:data:`FULL` for the report, :data:`QUICK` for CI). ``ratio`` and ``mean_se`` are the
estimators; ``experiment_config`` and ``simulate_run`` run the ``configs/experiment/`` labs.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from omegaconf import DictConfig, OmegaConf
from scipy import stats

from cxsim.config.loading import load_config
from cxsim.result import SimulationResult
from cxsim.simulation import simulate

__all__ = [
    "DAY_MIN",
    "EXACT_TOL",
    "FULL",
    "QUICK",
    "Z_TOLERANCE",
    "Check",
    "Settings",
    "experiment_config",
    "mean_se",
    "ratio",
    "simulate_run",
    "tolerance_multiplier",
]

Z_TOLERANCE = 4.0  # a check passes within this many standard errors (plus the documented bias)
EXACT_TOL = 1e-9  # what "exact" allows: floating-point rounding
DAY_MIN = 1440.0  # the queue lab is open around the clock


# ------------------------------------------------------------------------------------ checks


def tolerance_multiplier(df: int | None = None) -> float:
    """Standard errors a check allows: 4, or with an SE estimated on ``df`` degrees of freedom the
    Student-t quantile with the same two-sided tail probability (6.3e-5)."""
    if df is None:
        return Z_TOLERANCE
    return float(stats.t.isf(stats.norm.sf(Z_TOLERANCE), df))


@dataclass(frozen=True)
class Check:
    """One line of the validation table.

    Attributes:
        area: group of checks (queueing, diffusion, memory & NPS, retention & CLV).
        name: what is compared.
        reference: where the reference value comes from.
        expected: the published or closed-form value.
        simulated: the package's value.
        se: standard error of ``simulated`` (0 for deterministic checks).
        bias: bound on a known deterministic gap between simulation and formula (≥ 0).
        unit: display unit: ``pct`` (shown ×100 with %), ``s`` (seconds), ``num``, ``pts`` (NPS
            points) or ``x`` (a multiple).
        df: degrees of freedom of ``se`` when it comes from few replications (t interval).
        informational: reported without a verdict.
        note: short explanation shown in the report.
    """

    area: str
    name: str
    reference: str
    expected: float
    simulated: float
    se: float = 0.0
    bias: float = 0.0
    unit: str = "num"
    df: int | None = None
    informational: bool = False
    note: str = ""

    @property
    def multiplier(self) -> float:
        """Standard errors allowed (see :func:`tolerance_multiplier`)."""
        return tolerance_multiplier(self.df)

    @property
    def tolerance(self) -> float:
        """Allowed ``|simulated − expected|``: ``multiplier·SE + bias`` (rounding for exact checks)."""
        return self.multiplier * self.se + self.bias + EXACT_TOL

    @property
    def passed(self) -> bool:
        """Whether the simulated value is within tolerance (informational checks always pass)."""
        if self.informational:
            return True
        return bool(abs(self.simulated - self.expected) <= self.tolerance)

    @property
    def ci95(self) -> tuple[float, float]:
        """95% confidence interval of the simulated value (t-based with few replications)."""
        q = float(stats.t.ppf(0.975, self.df)) if self.df is not None else 1.959963984540054
        return self.simulated - q * self.se, self.simulated + q * self.se

    @property
    def verdict(self) -> str:
        """``pass``, ``FAIL`` or ``reported`` (informational)."""
        if self.informational:
            return "reported"
        return "pass" if self.passed else "FAIL"


@dataclass(frozen=True)
class Settings:
    """How much simulation the checks use (the report uses :data:`FULL`, CI and tests less).

    Attributes:
        seed: first seed; replication ``k`` of a check uses ``seed + k``.
        queue_runs: replications of each queue-lab case (service level needs run totals).
        queue_days: days per replication (every lab day is an independent M/M/c day).
        call_rate: each lab customer's daily probability of calling (the population is sized
            to give the case's arrival rate; a small rate keeps the daily count near Poisson).
        fifo_arrivals: length of the Poisson stream fed to ``fifo_waits`` per case.
        fifo_batches: batches for batch-means standard errors of the ``fifo_waits`` stream.
        sweep_agents: staffing levels of the Erlang C figure (first case).
        sweep_days: simulated days per staffing level of the figure.
        bass_runs: replications of each mean-field Bass run.
        bass_population: market size of the Bass runs.
        sparse_runs: replications on the sparse networks (reported only).
        clv_population: customers of the retention / CLV run.
        nps_population: customers of the NPS run.
    """

    seed: int = 20240601
    queue_runs: int = 20
    queue_days: int = 15
    call_rate: float = 0.05
    fifo_arrivals: int = 1_000_000
    fifo_batches: int = 50
    sweep_agents: tuple[int, ...] = (11, 12, 13, 14, 15, 16, 17)
    sweep_days: int = 30
    bass_runs: int = 24
    bass_population: int = 20_000
    sparse_runs: int = 4
    clv_population: int = 40_000
    nps_population: int = 40_000


FULL = Settings()
QUICK = Settings(
    queue_runs=8,
    queue_days=4,
    fifo_arrivals=120_000,
    fifo_batches=20,
    sweep_agents=(12, 14, 16),
    sweep_days=6,
    bass_runs=8,
    bass_population=5_000,
    sparse_runs=1,
    clv_population=10_000,
    nps_population=10_000,
)


# ------------------------------------------------------------------------------- statistics


def ratio(num: NDArray[np.float64], den: NDArray[np.float64]) -> tuple[float, float]:
    """Ratio estimator ``Σnum / Σden`` over independent units and its delta-method SE."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    k = num.shape[0]
    r = float(num.sum() / den.sum())
    if k < 2:
        return r, math.nan
    resid = num - r * den
    se = math.sqrt(float(np.sum(resid**2)) / (k * (k - 1))) / float(den.mean())
    return r, se


def mean_se(x: NDArray[np.float64]) -> tuple[float, float]:
    """Mean of independent values and its standard error."""
    x = np.asarray(x, dtype=np.float64)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.shape[0])) if x.shape[0] > 1 else math.nan


@functools.cache
def _base_config(experiment: str) -> DictConfig:
    return load_config([f"+experiment={experiment}", "simulation.progress=false"])


def experiment_config(experiment: str, values: dict[str, Any]) -> DictConfig:
    """``cxsim run +experiment=<experiment> key=value ...`` as a config (composed once per experiment)."""
    cfg = copy.deepcopy(_base_config(experiment))
    for key, value in values.items():
        OmegaConf.update(cfg, key, value, merge=False)
    return cfg


def simulate_run(cfg: DictConfig, seed: int) -> SimulationResult:
    return simulate(cfg, engine="vector", seed=seed, progress=False)
