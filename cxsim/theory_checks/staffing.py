"""Staffing to a service level: the planner's Erlang C, SIPP on a two-level day, staff cost.

* The planner's kernel (:func:`cxsim.kernels.staffing.servers_for_level`) against
  :func:`cxsim.theory.agents_for_service_level` on a grid of loads and targets: exact.
* A day whose arrival rate steps from 40 to 120 calls an hour and back, with servers sized per
  hour by Erlang C for 80/20 (the stationary independent period-by-period approximation, SIPP),
  run through :func:`cxsim.queueing.shift_waits` with Poisson arrivals, exponential 6-minute
  service and no abandonment (Erlang C's own assumptions): the service level of an hour whose
  rate equals the previous hour's matches Erlang C's prediction for its servers; the first quiet
  hour after the peak inherits the peak's queue, where SIPP is known to be optimistic (reported).
* A planned bank run: each day's staff cost equals the server-hours the plan put on duty times
  the rate per server-hour, exactly.
"""

from __future__ import annotations

import numpy as np

from cxsim import theory
from cxsim.config.loading import load_config
from cxsim.kernels.staffing import servers_for_level
from cxsim.queueing import shift_waits
from cxsim.simulation import simulate
from cxsim.spec import compile_spec
from cxsim.theory_checks.checks import Check, Settings, ratio

__all__ = ["RATES", "staffing_checks"]

AREA = "Staffing (service level)"
RATES = (40, 40, 120, 120, 120, 40, 40)  # calls an hour, one-hour intervals
MEAN_SERVICE = 6.0  # minutes
TARGET = 1 / 3  # 20 s
LEVEL = 0.8


def _kernel_grid() -> Check:
    mismatches = 0
    cases = 0
    for load in np.linspace(0.0, 150.0, 61):
        for target, level in ((1 / 3, 0.8), (1 / 3, 0.9), (5.0, 0.8), (0.1, 0.95)):
            cases += 1
            a = servers_for_level(float(load), MEAN_SERVICE, target, level)
            b = theory.agents_for_service_level(float(load), MEAN_SERVICE, target, level)
            mismatches += int(a != b)
    return Check(AREA, f"planner's servers = Erlang C search ({cases} cases)", "Erlang C (cxsim.theory)",
                 0.0, float(mismatches), note="count of mismatches")  # fmt: skip


def _sipp(days: int, seed: int) -> list[Check]:
    rng = np.random.default_rng(seed)
    servers = np.array(
        [theory.agents_for_service_level(r / 60 * MEAN_SERVICE, MEAN_SERVICE, TARGET, LEVEL) for r in RATES]
    )
    edges = 60.0 * np.arange(len(RATES))
    within = np.zeros((days, len(RATES)))
    total = np.zeros((days, len(RATES)))
    for d in range(days):
        arr = np.concatenate([np.sort(rng.uniform(60 * k, 60 * (k + 1), rng.poisson(r))) for k, r in enumerate(RATES)])
        waits, _ = shift_waits(arr, rng.exponential(MEAN_SERVICE, arr.size), np.full(arr.size, np.inf), edges, servers)
        hour = np.minimum((arr // 60).astype(np.int64), len(RATES) - 1)
        np.add.at(total[d], hour, 1.0)
        np.add.at(within[d], hour, (waits <= TARGET).astype(np.float64))
    out = []
    for k, note, judged in (
        (1, "quiet hour after a quiet hour: stationary", True),
        (4, "third peak hour: stationary", True),
        (5, "first quiet hour after the peak: inherits the peak's queue (SIPP optimistic)", False),
    ):
        sl, se = ratio(within[:, k], total[:, k])
        expected = theory.erlang_c_service_level(int(servers[k]), RATES[k] / 60 * MEAN_SERVICE, MEAN_SERVICE, TARGET)
        out.append(
            Check(
                AREA,
                f"SIPP 40/120 calls an hour, hour {k + 1} ({servers[k]} agents): answered within 20 s",
                "Erlang C at the interval's load",
                expected,
                sl,
                se,
                bias=0.01,
                unit="pct",
                df=days - 1,
                informational=not judged,
                note=note,
            )
        )
    return out


def _staff_cost_exact() -> Check:
    blocks = "journey.touchpoints.contact_centre.staffing.block_intervals=2"
    cfg = load_config(["population.size=3000", "simulation.days=30", "simulation.warmup_days=0",
                       "simulation.progress=false", blocks])  # fmt: skip
    res = simulate(cfg)
    spec = compile_spec(cfg)
    iv = res.intervals.assign(minutes=lambda d: d["servers"] * (d["end_min"] - d["start_min"]))
    per_tp = iv.groupby(["touchpoint", "day"])["minutes"].sum()
    cost = np.zeros(spec.days)
    for t, name in enumerate(spec.touchpoint_names):
        if name in per_tp.index.get_level_values(0):
            hours = float(spec.tp_close[t] - spec.tp_open[t])
            cost += per_tp.loc[name].to_numpy() / hours * float(spec.tp_staff_cost[t])
    gap = float(np.max(np.abs(cost - res.daily["staff_cost"].to_numpy()) / np.maximum(cost, 1.0)))
    return Check(AREA, "staff cost = planned server-hours x rate (30 days, largest relative gap)",
                 "arithmetic", 0.0, gap, note="exact")  # fmt: skip


def staffing_checks(settings: Settings) -> list[Check]:
    """The staffing checks at ``settings``' effort (SIPP days: 30 x ``queue_days``)."""
    return [_kernel_grid(), *_sipp(30 * settings.queue_days, settings.seed + 70_000), _staff_cost_exact()]
