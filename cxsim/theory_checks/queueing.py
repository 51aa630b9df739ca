"""Queueing checks: Erlang C (three published staffing cases) and Erlang A (M/M/c+M).

Each number is reached two ways: :func:`cxsim.queueing.fifo_waits` on one long Poisson stream,
and full simulations of the queue lab (``+experiment=erlang_c`` / ``erlang_a``), whose callers
who waited, waits and hang-ups are counted day by day. The simulated days start empty; the gap
to the steady state is computed (``cxsim.theory.queue_day_average``) and allowed as bias.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from omegaconf import DictConfig

from cxsim import theory
from cxsim.config.validation import validate
from cxsim.engines.vector import VectorModel
from cxsim.kernels.tallies import SERVICE_LEVEL_MIN
from cxsim.queueing import fifo_waits
from cxsim.result import daily_frame, touchpoint_table
from cxsim.spec import compile_spec
from cxsim.theory_checks.checks import (
    DAY_MIN,
    FULL,
    Check,
    Settings,
    experiment_config,
    ratio,
)

__all__ = ["CASES", "ERLANG_A_AGENTS", "PATIENCE_MIN", "QueueCase", "QueueResults", "queueing_checks"]


@dataclass(frozen=True)
class QueueCase:
    """A published staffing case: calls per half hour, handle time, agents, answer-time target.

    Attributes:
        key: short identifier.
        title: the case's name in the report.
        source: where it is published.
        calls_per_30min: offered calls per half hour.
        handle_s: average handle time, seconds.
        agents: agents staffed.
        target_s: the service-level target of the publication, seconds.
    """

    key: str
    title: str
    source: str
    calls_per_30min: float
    handle_s: float
    agents: int
    target_s: float

    @property
    def arrival_rate(self) -> float:
        """Calls per minute."""
        return self.calls_per_30min / 30.0

    @property
    def mean_service(self) -> float:
        """Handle time, minutes."""
        return self.handle_s / 60.0

    @property
    def load(self) -> float:
        """Offered traffic, Erlangs."""
        return self.arrival_rate * self.mean_service

    @property
    def target(self) -> float:
        """Answer-time target, minutes."""
        return self.target_s / 60.0


CASES = (
    QueueCase(
        "cch",
        "Call Centre Helper worked example",
        "Call Centre Helper, 'Erlang C formula - made simple' (100 calls / 30 min, AHT 180 s, 80/20)",
        100.0,
        180.0,
        14,
        20.0,
    ),
    QueueCase(
        "icmi",
        "ICMI staffing table",
        "Cleveland & Mayben (1997), Call Center Management on Fast Forward: 250 calls / 30 min, 180 s talk + 30 s wrap",
        250.0,
        210.0,
        34,
        20.0,
    ),
    QueueCase(
        "westbay",
        "Westbay Engineers Erlang-C example",
        "Westbay Engineers, 'The Erlang-C formula': 360 calls / 30 min, 4-min calls, 55 agents, 15 s target",
        360.0,
        240.0,
        55,
        15.0,
    ),
)
PATIENCE_MIN = 2.0  # mean patience of the Erlang A cases (Mandelbaum & Zeltyn's "2 min" example)
ERLANG_A_AGENTS = (11, 9)  # the first case's 10 Erlangs on 11 agents, and overloaded on 9


@dataclass
class _LabDays:
    """Queue-lab outcomes: per day (all replications pooled) and per replication."""

    visits: list[float] = field(default_factory=list)
    waited: list[float] = field(default_factory=list)
    wait_sum: list[float] = field(default_factory=list)
    abandoned: list[float] = field(default_factory=list)
    run_visits: list[float] = field(default_factory=list)
    run_within: list[float] = field(default_factory=list)

    def arrays(self, name: str) -> NDArray[np.float64]:
        return np.asarray(getattr(self, name), dtype=np.float64)

    @property
    def arrival_rate(self) -> float:
        """Measured calls per minute: the effective λ (whatever thinning the engine applied)."""
        return float(np.sum(self.visits)) / (len(self.visits) * DAY_MIN)


def _lab_values(agents: int, mean_service: float, arrival_rate: float, rate: float) -> dict[str, Any]:
    """Queue-lab settings for a case: the population is sized so that size × rate / 1440 = λ."""
    return {
        "journey.touchpoints.agents.servers": agents,
        "journey.touchpoints.agents.service_time.mean_min": mean_service,
        "population.size": max(10, round(arrival_rate * DAY_MIN / rate)),
        "population.segments.lab.journey_rates.call": rate,
    }


def _lab_days(cfg: DictConfig, seed: int) -> tuple[list[int], pd.DataFrame, pd.DataFrame]:
    """One lab replication on the vector engine, counting each day the callers who waited
    (wait > 0) among that day's contacts. Returns ``(waited per day, daily, touchpoints)``."""
    validate(cfg)
    spec = dataclasses.replace(compile_spec(cfg), seed=seed)
    model = VectorModel(spec=spec)
    waited = []
    for _ in range(spec.days):
        model.step()
        waited.append(int(np.count_nonzero(model.visits.wait > 0.0)))
    return waited, daily_frame(model.history), touchpoint_table(spec, model.totals)


def _run_lab(experiment: str, values: dict[str, Any], runs: int, days: int, seed: int) -> _LabDays:
    out = _LabDays()
    cfg = experiment_config(experiment, {**values, "simulation.days": days})
    for k in range(runs):
        waited, d, tps = _lab_days(cfg, seed + k)
        visits = d["visits"].to_numpy(dtype=np.float64)
        out.visits += visits.tolist()
        out.waited += [float(w) for w in waited]
        out.wait_sum += (d["mean_wait_min"].to_numpy(dtype=np.float64) * visits).tolist()
        out.abandoned += d["abandoned"].to_numpy(dtype=np.float64).tolist()
        tp = tps.iloc[0]
        out.run_visits.append(float(tp["visits"]))
        out.run_within.append(round(float(tp["service_level_20s"]) * float(tp["visits"])))
    return out


def _poisson_stream(
    case_rate: float, mean_service: float, agents: int, n: int, seed: int, mean_patience: float = math.inf
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / case_rate, n))
    services = rng.exponential(mean_service, n)
    patience = np.full(n, np.inf) if math.isinf(mean_patience) else rng.exponential(mean_patience, n)
    return fifo_waits(arrivals, services, patience, agents)


def _batches(values: NDArray[np.float64], n_batches: int) -> NDArray[np.float64]:
    """Batch sums of ``values`` after dropping the first 2% as warm-up (the stream starts empty)."""
    v = values[int(0.02 * values.shape[0]) :]
    size = v.shape[0] // n_batches
    return np.asarray(v[: size * n_batches].reshape(n_batches, size).sum(axis=1), dtype=np.float64)


def _lab_bias(
    day: Callable[[float], theory.QueueMetrics], steady: dict[str, float], lam: float, rate: float
) -> tuple[dict[str, float], theory.QueueMetrics, float]:
    """Known gaps between a queue-lab day and the steady-state formula, per metric.

    * The empty queue each day starts with: ``|steady − day average|`` (exact, from
      :func:`cxsim.theory.queue_day_average`).
    * The daily call count is Binomial(N, rate), variance ``(1 − rate)`` times Poisson's. Given
      the count, arrival times are uniform exactly as for a Poisson process, so only the mixing
      over the count differs; to second order the pooled share moves by
      ``rate·|g′(λ) + λ·g″(λ)/2| / T``, ``g`` the day-average metric at arrival rate ``λ``.

    Returns:
        The bias bound of each metric of ``steady``, the day average at ``lam`` and the largest
        count-dispersion term relative to its metric.
    """
    eps = 0.03 * lam
    lo, mid, hi = day(lam - eps), day(lam), day(lam + eps)
    out = {}
    worst = 0.0
    for name, value in steady.items():
        g_lo, g_0, g_hi = (float(getattr(m, name)) for m in (lo, mid, hi))
        g1 = (g_hi - g_lo) / (2 * eps)
        g2 = (g_hi - 2 * g_0 + g_lo) / eps**2
        dispersion = rate * abs(g1 + 0.5 * lam * g2) / DAY_MIN
        out[name] = abs(value - g_0) + dispersion
        worst = max(worst, dispersion / abs(g_0)) if g_0 else worst
    return out, mid, worst


@dataclass(frozen=True)
class QueueResults:
    """Queueing checks plus what the report's Erlang C figure and case table need."""

    checks: list[Check]
    case_rows: list[dict[str, float | str]]
    sweep: list[dict[str, float]]


def _erlang_c_fifo(case: QueueCase, s: Settings, seed: int) -> list[Check]:
    """``fifo_waits`` on a long Poisson stream at the published inputs (steady state, warm-up dropped)."""
    c, h, a = case.agents, case.mean_service, case.load
    area, ref = "Queueing (Erlang C)", f"Erlang C, {case.title}"
    waits, _ = _poisson_stream(case.arrival_rate, h, c, s.fifo_arrivals, seed)
    ones = _batches(np.ones_like(waits), s.fifo_batches)
    pw, pw_se = ratio(_batches((waits > 0).astype(np.float64), s.fifo_batches), ones)
    asa, asa_se = ratio(_batches(waits, s.fifo_batches), ones)
    sl, sl_se = ratio(_batches((waits <= case.target).astype(np.float64), s.fifo_batches), ones)
    ec, ec_asa = theory.erlang_c(c, a), theory.erlang_c_asa(c, a, h)
    ec_sl = theory.erlang_c_service_level(c, a, h, case.target)
    tag = f"{case.key}: {c} agents, {a:.3g} Erl"
    return [
        Check(area, f"fifo_waits {tag}: P(wait)", ref, ec, pw, pw_se, unit="pct", note="batch means"),
        Check(area, f"fifo_waits {tag}: ASA", ref, 60 * ec_asa, 60 * asa, 60 * asa_se, unit="s", note="batch means"),
        Check(
            area,
            f"fifo_waits {tag}: answered within {case.target_s:.0f} s",
            ref,
            ec_sl,
            sl,
            sl_se,
            unit="pct",
            note="batch means",
        ),
    ]


def _erlang_c_case(case: QueueCase, s: Settings, seed: int) -> tuple[list[Check], dict[str, float | str]]:
    """The case's ``fifo_waits`` checks, then the full simulation (the queue lab sized to the
    case, independent days) and the case's row of the report table."""
    checks = _erlang_c_fifo(case, s, seed)
    c, h, a = case.agents, case.mean_service, case.load
    area = "Queueing (Erlang C)"
    tag = f"{case.key}: {c} agents, {a:.3g} Erl"
    lab = _run_lab(
        "erlang_c", _lab_values(c, h, case.arrival_rate, s.call_rate), s.queue_runs, s.queue_days, seed + 1000
    )
    lam = lab.arrival_rate
    a_eff = lam * h
    target = SERVICE_LEVEL_MIN
    steady = {
        "p_wait": theory.erlang_c(c, a_eff),
        "mean_wait": theory.erlang_c_asa(c, a_eff, h),
        "service_level": theory.erlang_c_service_level(c, a_eff, h, target),
    }

    def day(x: float) -> theory.QueueMetrics:
        return theory.queue_day_average(c, x, h, DAY_MIN, target=target)

    bias, day_avg, dispersion = _lab_bias(day, steady, lam, s.call_rate)
    visits = lab.arrays("visits")
    pw_sim, pw_sim_se = ratio(lab.arrays("waited"), visits)
    asa_sim, asa_sim_se = ratio(lab.arrays("wait_sum"), visits)
    sl_sim, sl_sim_se = ratio(lab.arrays("run_within"), lab.arrays("run_visits"))
    ref_sim = f"Erlang C at measured λ = {lam:.4f}/min, {case.title}"
    note = f"{len(lab.visits)} independent days; bias = empty-queue start of each day"
    checks += [
        Check(
            area,
            f"simulation {tag}: P(wait)",
            ref_sim,
            steady["p_wait"],
            pw_sim,
            pw_sim_se,
            bias["p_wait"],
            "pct",
            note=note,
        ),
        Check(
            area,
            f"simulation {tag}: ASA",
            ref_sim,
            60 * steady["mean_wait"],
            60 * asa_sim,
            60 * asa_sim_se,
            60 * bias["mean_wait"],
            "s",
            note=note,
        ),
        Check(
            area,
            f"simulation {tag}: answered within 20 s",
            ref_sim,
            steady["service_level"],
            sl_sim,
            sl_sim_se,
            bias["service_level"],
            "pct",
            df=s.queue_runs - 1,
            note=f"{s.queue_runs} replications (run totals); bias as above",
        ),
    ]
    simulated = {
        "lam_sim": lam,
        "day_p_wait": day_avg.p_wait,
        "day_asa_s": 60 * day_avg.mean_wait,
        "day_sl_20s": day_avg.service_level,
        "sim_days": len(lab.visits),
        "sim_calls": float(visits.sum()),
        "sim_abandoned": float(lab.arrays("abandoned").sum()),
        "dispersion_rel": dispersion,
        "sim_p_wait": pw_sim,
        "sim_p_wait_se": pw_sim_se,
        "sim_asa_s": 60 * asa_sim,
        "sim_asa_se": 60 * asa_sim_se,
        "sim_sl_20s": sl_sim,
        "sim_sl_se": sl_sim_se,
    }
    return checks, {**_case_row(case), **simulated}


def _case_row(case: QueueCase) -> dict[str, float | str]:
    """The closed-form columns of the case's row in the report table."""
    c, h, a = case.agents, case.mean_service, case.load
    return {
        "key": case.key,
        "case": case.title,
        "calls_per_30min": case.calls_per_30min,
        "handle_s": case.handle_s,
        "agents": c,
        "load": a,
        "target_s": case.target_s,
        "p_wait": theory.erlang_c(c, a),
        "asa_s": 60 * theory.erlang_c_asa(c, a, h),
        "sl_target": theory.erlang_c_service_level(c, a, h, case.target),
        "sl_20s": theory.erlang_c_service_level(c, a, h, 1 / 3),
        "agents_80_20": theory.agents_for_service_level(a, h, 1 / 3, 0.8),
    }


def _erlang_a_case(agents: int, s: Settings, seed: int) -> list[Check]:
    base = CASES[0]
    h, lam0, theta = base.mean_service, base.arrival_rate, 1.0 / PATIENCE_MIN
    area = "Queueing (Erlang A)"
    tag = f"{agents} agents, {base.load:.3g} Erl, patience {PATIENCE_MIN:g} min"
    ref = "Erlang A (M/M/c+M), birth-death chain"
    ident_ref = "identity P(abandon) = θ·E[wait] (ratio = 1)"
    # fifo_waits on a long stream
    waits, ab = _poisson_stream(lam0, h, agents, s.fifo_arrivals, seed, PATIENCE_MIN)
    ones = _batches(np.ones_like(waits), s.fifo_batches)
    ab_b = _batches(ab.astype(np.float64), s.fifo_batches)
    w_b = _batches(waits, s.fifo_batches)
    pa, pa_se = ratio(ab_b, ones)
    ew, ew_se = ratio(w_b, ones)
    ab_ratio, ab_ratio_se = ratio(ab_b, theta * w_b)
    m = theory.erlang_a(agents, lam0, h, PATIENCE_MIN)
    checks = [
        Check(area, f"fifo_waits {tag}: P(abandon)", ref, m.p_abandon, pa, pa_se, unit="pct", note="batch means"),
        Check(
            area,
            f"fifo_waits {tag}: E[wait]",
            ref,
            60 * m.mean_wait,
            60 * ew,
            60 * ew_se,
            unit="s",
            note="batch means; hang-ups count their wait",
        ),
        Check(area, f"fifo_waits {tag}: P(ab)/(θ·E[wait])", ident_ref, 1.0, ab_ratio, ab_ratio_se, note="batch means"),
    ]
    # full simulation
    lab = _run_lab("erlang_a", _lab_values(agents, h, lam0, s.call_rate), s.queue_runs, s.queue_days, seed + 1000)
    lam = lab.arrival_rate
    visits, abandoned, wait_sum = lab.arrays("visits"), lab.arrays("abandoned"), lab.arrays("wait_sum")
    steady = theory.erlang_a(agents, lam, h, PATIENCE_MIN)

    def day(x: float) -> theory.QueueMetrics:
        return theory.queue_day_average(agents, x, h, DAY_MIN, mean_patience=PATIENCE_MIN)

    steady_values = {"p_abandon": steady.p_abandon, "mean_wait": steady.mean_wait}
    bias, _, _ = _lab_bias(day, steady_values, lam, s.call_rate)
    b_ab, b_w = bias["p_abandon"], bias["mean_wait"]
    pa_sim, pa_sim_se = ratio(abandoned, visits)
    ew_sim, ew_sim_se = ratio(wait_sum, visits)
    r_sim, r_sim_se = ratio(abandoned, theta * wait_sum)
    note = f"{len(lab.visits)} independent days; bias = empty-queue start of each day"
    ref_sim = f"Erlang A at measured λ = {lam:.4f}/min"
    checks += [
        Check(
            area, f"simulation {tag}: P(abandon)", ref_sim, steady.p_abandon, pa_sim, pa_sim_se, b_ab, "pct", note=note
        ),
        Check(
            area,
            f"simulation {tag}: E[wait]",
            ref_sim,
            60 * steady.mean_wait,
            60 * ew_sim,
            60 * ew_sim_se,
            60 * b_w,
            "s",
            note=note,
        ),
        Check(
            area,
            f"simulation {tag}: P(ab)/(θ·E[wait])",
            ident_ref,
            1.0,
            r_sim,
            r_sim_se,
            note="exact for every caller, transient included",
        ),
    ]
    return checks


def _sweep(s: Settings, seed: int) -> list[dict[str, float]]:
    """P(wait) and service level across staffing levels for the first case (the figure)."""
    case = CASES[0]
    h = case.mean_service
    rows = []
    for i, c in enumerate(s.sweep_agents):
        if c <= case.load:
            continue
        lab = _run_lab("erlang_c", _lab_values(c, h, case.arrival_rate, s.call_rate), 1, s.sweep_days, seed + i)
        visits = lab.arrays("visits")
        pw, pw_se = ratio(lab.arrays("waited"), visits)
        waits, _ = _poisson_stream(case.arrival_rate, h, c, s.fifo_arrivals // 2, seed + 500 + i)
        lam = lab.arrival_rate
        day = theory.queue_day_average(c, lam, h, DAY_MIN, target=SERVICE_LEVEL_MIN)
        rows.append(
            {
                "agents": float(c),
                "erlang_c": theory.erlang_c(c, case.load),
                "erlang_c_sl": theory.erlang_c_service_level(c, case.load, h, SERVICE_LEVEL_MIN),
                "day_p_wait": day.p_wait,
                "sim_p_wait": pw,
                "sim_p_wait_se": pw_se,
                "sim_sl": float(np.sum(lab.run_within) / np.sum(lab.run_visits)),
                "fifo_p_wait": float(np.mean(waits > 0)),
                "fifo_sl": float(np.mean(waits <= SERVICE_LEVEL_MIN)),
            }
        )
    return rows


def queueing_checks(settings: Settings = FULL, *, sweep: bool = True) -> QueueResults:
    """Erlang C (three published cases) and Erlang A, via ``fifo_waits`` and full simulations.

    Args:
        settings: simulation effort.
        sweep: also simulate the staffing sweep drawn in the Erlang C figure.
    """
    checks: list[Check] = []
    rows = []
    for i, case in enumerate(CASES):
        ch, row = _erlang_c_case(case, settings, settings.seed + 10_000 * (i + 1))
        checks += ch
        rows.append(row)
    for i, agents in enumerate(ERLANG_A_AGENTS):
        checks += _erlang_a_case(agents, settings, settings.seed + 50_000 + 10_000 * i)
    sweep_rows = _sweep(settings, settings.seed + 90_000) if sweep else []
    return QueueResults(checks=checks, case_rows=rows, sweep=sweep_rows)
