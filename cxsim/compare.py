"""Paired AS-IS vs TO-BE comparison: replications with common random numbers, CIs, NPV.

:func:`compare` runs every design on the same seeds (replication ``r`` uses ``seed + r`` for
all designs). Because every draw is keyed by (seed, purpose, person, day), designs share all
randomness that concerns the same customer and day, and each paired difference measures the
design's effect rather than noise (``docs/model.md`` §6).

The pieces: :class:`CompareSettings` (what to run, from ``compare.*``), :func:`replicate`
(every design on one seed, in a worker or in process), :class:`Ledger` (books each finished
replication: KPIs, cash flows, drivers, tables) and :func:`needs_more` (the sequential stopping
rule). Money follows :mod:`cxsim.money`: a design's investment includes the staff cost it adds
or removes, NPV is the headline, ROI exists only for a positive investment.

Each design's market is simulated for ``warmup_days + max(horizon, robustness horizons)`` days;
the first ``warmup_days`` (the market settling from its day-0 draws) are left out of every KPI
and of the money, and the business case runs over the ``horizon_days`` after them.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
from omegaconf import OmegaConf
from tqdm.auto import tqdm

from cxsim import compare_tables as tables
from cxsim.config.schema import CxConfig
from cxsim.config.validation import ConfigError, validate
from cxsim.interrupts import as_interrupted
from cxsim.intervals import paired_interval
from cxsim.kernels.staffing import staff_cost_at_load
from cxsim.money import CashFlows, cash_flows, discount_factors
from cxsim.result import SimulationResult, typical_day
from cxsim.resume import ReplicationStore, discard, store_key
from cxsim.simulation import simulate
from cxsim.spec import compile_spec
from cxsim.workers import WorkerPool

__all__ = [
    "BENEFIT_DRIVERS",
    "COMPARED_KPIS",
    "DRIVERS",
    "INVESTMENT_DRIVERS",
    "CompareSettings",
    "ComparisonResult",
    "Design",
    "Ledger",
    "compare",
    "discard_kept_replications",
    "discount_factors",
    "needs_more",
    "paired_interval",
    "replicate",
]

# Per-replication KPIs compared across designs (labels and units: cxsim.report.labels).
COMPARED_KPIS = (
    "npv",
    "roi",
    "investment",
    "benefit",
    "discounted_margin",
    "margin_total",
    "revenue_total",
    "cost_to_serve_total",
    "acquisition_cost_total",
    "nps_end",
    "nps_mean",
    "csat_mean",
    "effort_mean",
    "churned_total",
    "churn_rate_annual",
    "acquired_referral_total",
    "acquired_marketing_total",
    "customers_end",
    "visits_total",
    "abandonment_rate",
    "mean_wait_min",
    "resolution_rate",
    "nps_measured",
    "survey_responses_total",
    "survey_cost_total",
    "value_of_promoter",
    "referrals_per_referrer",
    "second_generation_share",
)
# Booked per replication for the survey-size calculation (compare_tables.survey_power_table), not compared.
_OBSERVED_KPIS = ("voc_promoter_share", "voc_detractor_share")
_MONEY_KPIS = ("npv", "roi", "investment", "benefit")
# Drivers of NPV: the benefit split by what customers did, then the investment (as negatives).
BENEFIT_DRIVERS = ("retention", "wom_acquisition", "marketing_acquisition", "cost_to_serve", "staff_for_load", "other")
INVESTMENT_DRIVERS = ("capex", "opex", "staff")
DRIVERS = BENEFIT_DRIVERS + INVESTMENT_DRIVERS
_TP_METRICS = ("visits", "mean_wait_min", "abandonment_rate", "resolution_rate", "mean_moment", "cost")
_DAILY_KEEP = ("day", "customers", "nps", "csat", "effort", "margin", "staff_cost", "churned", "acquired_referral")
# Throughput used for the up-front run-time estimate (person-days per second per worker);
# measured on the 2-core reference machine (benchmarks/results/full.json, 20k-person runs).
_PERSON_DAYS_PER_S = {"vector": 9e6, "agent": 1.5e5}


@dataclass(frozen=True)
class Design:
    """One journey design: its config and what it costs."""

    name: str
    title: str
    description: str
    capex: float
    opex_per_day: float
    cfg: Any = field(repr=False)

    @classmethod
    def from_config(cls, cfg: Any) -> Design:
        sc = cfg.scenario
        return cls(str(sc.name), str(sc.title), str(sc.description), float(sc.capex), float(sc.opex_per_day), cfg)


@dataclass(frozen=True)
class CompareSettings:
    """What a comparison runs; defaults come from the baseline's ``compare.*`` and ``simulation.*``."""

    replications: int
    seed: int
    ci_level: float
    target_roi_half_width: float
    max_replications: int
    horizon_days: int
    warmup_days: int
    robustness_horizons: tuple[int, ...]
    n_jobs: int
    engine: str | None
    progress: bool
    resume_dir: str = ""  # where finished replications are kept until the comparison ends ("" = nowhere)

    @classmethod
    def from_config(cls, cfg: Any, **overrides: Any) -> CompareSettings:
        """Settings from a baseline config; keyword arguments that are not None win."""
        c = cfg.compare
        values: dict[str, Any] = {
            "replications": int(c.replications),
            "seed": int(c.seed),
            "ci_level": float(c.ci_level),
            "target_roi_half_width": float(c.target_roi_half_width),
            "max_replications": int(c.max_replications),
            "horizon_days": int(c.horizon_days) or int(cfg.simulation.days),
            "warmup_days": int(cfg.simulation.warmup_days),
            "robustness_horizons": tuple(int(h) for h in c.robustness_horizons_days),
            "n_jobs": int(c.n_jobs) or (os.cpu_count() or 1),
            "engine": None,
            "progress": bool(cfg.simulation.progress),
            "resume_dir": str(c.get("resume_dir") or ""),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values["n_jobs"] == 0:
            values["n_jobs"] = os.cpu_count() or 1
        s = cls(**values)
        s.check()
        return s

    def check(self) -> None:
        if self.replications < 2:
            raise ConfigError(
                [("compare.replications", f"needs at least 2 paired replications, got {self.replications}")]
            )
        if not 0.0 < self.ci_level < 1.0:
            raise ConfigError([("compare.ci_level", f"must be in (0, 1), got {self.ci_level}")])
        if self.max_replications < self.replications:
            raise ConfigError(
                [
                    (
                        "compare.max_replications",
                        f"must be >= compare.replications ({self.replications}), got {self.max_replications}",
                    )
                ]
            )
        if self.horizon_days < 1:
            raise ConfigError([("compare.horizon_days", f"must be >= 1 day, got {self.horizon_days}")])
        if any(h < 1 for h in self.robustness_horizons):
            raise ConfigError(
                [("compare.robustness_horizons_days", f"must be >= 1 day each, got {list(self.robustness_horizons)}")]
            )

    @property
    def simulated_days(self) -> int:
        """Days each design's market is simulated: warm-up plus the longest horizon."""
        return self.warmup_days + max((self.horizon_days, *self.robustness_horizons))

    def estimate_seconds(self, population: int, designs: int) -> float:
        """Rough wall time of the whole comparison on this kind of machine (for the up-front notice)."""
        rate = _PERSON_DAYS_PER_S["agent" if self.engine == "agent" else "vector"]
        workers = max(1, min(self.n_jobs, self.replications))
        work = float(population) * self.simulated_days * designs * self.replications
        return work / (rate * workers) + 0.1 * designs * self.replications / workers


def replicate(
    cfgs: list[Any], seed: int, engine: str | None, report_days: int, jobs: int = 1
) -> list[SimulationResult]:
    """Every design on one seed (runs in a worker process when jobs > 1)."""
    if jobs > 1:
        # workers share the cores: each gets its slice of numba threads (results do not change)
        numba.set_num_threads(max(1, min(numba.get_num_threads(), (os.cpu_count() or 1) // jobs)))
    results = [
        simulate(c, engine=engine, seed=seed, progress=False, report_days=report_days, trace=False) for c in cfgs
    ]
    return [_staff_split(c, res, results[0]) for c, res in zip(cfgs, results, strict=True)]


def _staff_split(cfg: Any, res: SimulationResult, base: SimulationResult) -> SimulationResult:
    """Add ``staff_cost_policy`` to the daily table (the staff cost of the design's staffing at
    the baseline's load: what the design decides; see
    :func:`~cxsim.kernels.staffing.staff_cost_at_load`) and keep only the typical day of the
    intervals table (the report's figure; the full table would weigh megabytes a replication)."""
    daily = res.daily.copy()
    policy = None if res is base else staff_cost_at_load(compile_spec(cfg), base.intervals, base.daily)
    daily["staff_cost_policy"] = daily["staff_cost"] if policy is None else policy
    warmup = int(res.summary["warmup_days"])
    typical = typical_day(res.intervals, warmup + 1, warmup + int(res.summary["days"]))
    return dataclasses.replace(res, daily=daily, intervals=typical)


def _drivers(base: pd.DataFrame, des: pd.DataFrame, disc: np.ndarray, costs: tuple[float, float]) -> dict[str, float]:
    """Split one replication's benefit (Δ discounted margin before staff cost) into drivers."""
    cpa, reward = costs
    rho = float(base["revenue"].sum() / max(base["customers"].sum(), 1))  # revenue per customer-day
    d_churn = (des["churned"] - base["churned"]).to_numpy(dtype=np.float64)
    d_ref = (des["acquired_referral"] - base["acquired_referral"]).to_numpy(dtype=np.float64)
    d_mkt = (des["acquired_marketing"] - base["acquired_marketing"]).to_numpy(dtype=np.float64)
    retention = float(np.dot(disc, rho * -np.cumsum(d_churn)))
    wom = float(np.dot(disc, rho * np.cumsum(d_ref) - (cpa + reward) * d_ref))
    mkt = float(np.dot(disc, rho * np.cumsum(d_mkt) - cpa * d_mkt))
    contacts = -float(np.dot(disc, (des["contact_cost"] - base["contact_cost"]).to_numpy()))
    load = float(np.dot(disc, (des["staff_cost_policy"] - des["staff_cost"]).to_numpy()))
    benefit = float(
        np.dot(disc, (des["margin"] + des["staff_cost_policy"] - base["margin"] - base["staff_cost"]).to_numpy())
    )
    return {
        "retention": retention,
        "wom_acquisition": wom,
        "marketing_acquisition": mkt,
        "cost_to_serve": contacts,
        "staff_for_load": load,
        "other": benefit - (retention + wom + mkt + contacts + load),
    }


def _window(daily: pd.DataFrame, warmup: int, horizon: int) -> pd.DataFrame:
    """The business-case days: the ``horizon`` days after the warm-up."""
    return daily[(daily["day"] > warmup) & (daily["day"] <= warmup + horizon)].reset_index(drop=True)


class Ledger:
    """Books finished replications: per-replication KPIs, cash flows, drivers and tables."""

    def __init__(self, designs: Sequence[Design], settings: CompareSettings, costs: tuple[float, float], rate: float):
        self.designs = list(designs)
        self.settings = settings
        self.costs = costs
        self.disc = discount_factors(settings.horizon_days, rate)
        self.rate = rate
        self.runs: list[dict[str, Any]] = []
        self.flows: dict[str, list[CashFlows]] = {d.name: [] for d in self.designs[1:]}
        self.drivers: list[dict[str, Any]] = []
        self.robust: list[dict[str, Any]] = []
        self.daily: list[pd.DataFrame] = []
        self.touchpoints: list[pd.DataFrame] = []
        self.steps: list[pd.DataFrame] = []
        self.typical: list[pd.DataFrame] = []
        self.booked = 0

    def book(self, r: int, seed: int, results: list[SimulationResult]) -> None:
        """Add replication ``r`` (every design's result on ``seed``, baseline first)."""
        s = self.settings
        base = _window(results[0].daily, s.warmup_days, s.horizon_days)
        for d, res in zip(self.designs, results, strict=True):
            win = _window(res.daily, s.warmup_days, s.horizon_days)
            k = {
                name: (math.nan if res.summary.get(name) is None else float(res.summary[name]))
                for name in COMPARED_KPIS + _OBSERVED_KPIS
            }
            k["discounted_margin"] = float(np.dot(win["margin"].to_numpy(), self.disc))
            if d is not self.designs[0]:
                cf = self._flows(base, win, d)
                self.flows[d.name].append(cf)
                k.update(npv=cf.npv, roi=cf.roi, investment=cf.investment, benefit=cf.benefit)
                drv = _drivers(base, win, self.disc, self.costs)
                drv.update(self._investment_drivers(d, base, win))
                self.drivers.append({"design": d.name, "replication": r, **drv})
                self._robustness(r, d, results[0].daily, res.daily)
            self.runs += [
                {"design": d.name, "replication": r, "seed": seed, "kpi": kpi, "value": v}
                for kpi, v in k.items()
                if not (d is self.designs[0] and kpi in _MONEY_KPIS)
            ]
            self.daily.append(win[list(_DAILY_KEEP)].assign(design=d.name, replication=r))
            tp_cols = ["touchpoint", *_TP_METRICS, "occupancy"]
            self.touchpoints.append(res.touchpoints[tp_cols].assign(design=d.name, replication=r))
            self.steps.append(res.steps.assign(design=d.name, replication=r))
            if len(res.intervals):
                self.typical.append(res.intervals.assign(design=d.name, replication=r))
        self.booked += 1

    def _flows(self, base: pd.DataFrame, win: pd.DataFrame, d: Design, disc: np.ndarray | None = None) -> CashFlows:
        return cash_flows(
            base["margin"].to_numpy(),
            base["staff_cost"].to_numpy(),
            win["margin"].to_numpy(),
            win["staff_cost_policy"].to_numpy(),
            d.capex,
            d.opex_per_day,
            self.disc if disc is None else disc,
        )

    def _investment_drivers(self, d: Design, base: pd.DataFrame, win: pd.DataFrame) -> dict[str, float]:
        d_staff = (win["staff_cost_policy"] - base["staff_cost"]).to_numpy(dtype=np.float64)
        return {
            "capex": -d.capex,
            "opex": -d.opex_per_day * float(self.disc.sum()),
            "staff": -float(np.dot(self.disc, d_staff)),
        }

    def _robustness(self, r: int, d: Design, base_daily: pd.DataFrame, daily: pd.DataFrame) -> None:
        s = self.settings
        for h in sorted({s.horizon_days, *s.robustness_horizons}):
            cf = cash_flows(
                _window(base_daily, s.warmup_days, h)["margin"].to_numpy(),
                _window(base_daily, s.warmup_days, h)["staff_cost"].to_numpy(),
                _window(daily, s.warmup_days, h)["margin"].to_numpy(),
                _window(daily, s.warmup_days, h)["staff_cost_policy"].to_numpy(),
                d.capex,
                d.opex_per_day,
                discount_factors(h, self.rate),
            )
            self.robust.append({"design": d.name, "replication": r, "horizon_days": h, "npv": cf.npv})

    def roi_half_widths(self, level: float) -> list[float]:
        """Half-widths of the ROI intervals of designs that have an ROI (positive investment)."""
        widths = []
        for flows in self.flows.values():
            if flows and flows[0].investment > 0:
                _, lo, hi, _ = paired_interval(np.array([f.roi for f in flows]), level)
                if math.isfinite(lo):
                    widths.append((hi - lo) / 2.0)
        return widths


def needs_more(ledger: Ledger, settings: CompareSettings, done: int) -> int:
    """Sequential rule: how many replications to run in total (``done`` = stop now)."""
    if settings.target_roi_half_width <= 0 or done >= settings.max_replications:
        return done
    widths = ledger.roi_half_widths(settings.ci_level)
    if widths and max(widths) <= settings.target_roi_half_width:
        return done
    return min(settings.max_replications, done + max(2, done // 2))


def _check_designs(designs: Sequence[Design]) -> None:
    names = [d.name for d in designs]
    if len(set(names)) != len(names):
        raise ConfigError([("compare.candidates", f"design names must be unique, got {names}")])
    first = designs[0].cfg
    for d in designs:
        validate(d.cfg)
        for key in ("population.size", "simulation.days", "simulation.warmup_days", "economics.discount_rate_annual"):
            a, b = OmegaConf.select(first, key), OmegaConf.select(d.cfg, key)
            if a != b:
                raise ConfigError([(key, f"must be the same for every design; {designs[0].name}: {a}, {d.name}: {b}")])


def _with_days(cfg: Any, days: int) -> Any:
    """A copy of ``cfg`` simulated for ``days`` days."""
    if int(cfg.simulation.days) == days:
        return cfg
    out = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    out.simulation.days = days
    return OmegaConf.merge(OmegaConf.structured(CxConfig), out)


class _Progress:
    """A bar with an ETA on a terminal; one plain line per replication elsewhere (CI logs)."""

    def __init__(self, total: int, show: bool, designs: int):
        self.show, self.designs = show, designs
        self.tty = show and sys.stderr.isatty()
        self.bar = tqdm(total=total, desc="replications", unit="rep", leave=False) if self.tty else None
        self.total, self.done, self.kept, self.t0 = total, 0, 0, time.perf_counter()

    def grow(self, total: int) -> None:
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def step(self, kept: bool = False) -> None:
        """One more replication booked; ``kept``: read back from an earlier, stopped run."""
        self.done += 1
        if kept:
            self.kept += 1
            self.t0 = time.perf_counter()  # the ETA is over the replications actually run
        if self.bar is not None:
            self.bar.update(1)
        elif self.show:
            if kept:
                print(
                    f"cxsim compare: replication {self.done}/{self.total} kept from an earlier run",
                    file=sys.stderr,
                    flush=True,
                )
                return
            elapsed = time.perf_counter() - self.t0
            left = elapsed / (self.done - self.kept) * (self.total - self.done)
            print(
                f"cxsim compare: replication {self.done}/{self.total} done ({self.designs} designs, "
                f"{elapsed:.0f} s so far, about {left:.0f} s to go)",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _run(ledger: Ledger, cfgs: list[Any], settings: CompareSettings, store: ReplicationStore | None) -> None:
    """Run replications until the stopping rule is satisfied, booking each in order.

    Replications already in ``store`` are read back instead of run; each one run is kept there
    as soon as it finishes. A stop (Ctrl-C, SIGTERM) kills the workers and raises
    :class:`~cxsim.interrupts.Interrupted` saying how many replications are kept.
    """
    s = settings
    report_days = s.warmup_days + s.horizon_days
    jobs = min(s.n_jobs, s.max_replications)
    kept = set(store.seeds()) if store is not None else set()
    describe = {"designs": [str(c.scenario.name) for c in cfgs], "engine": s.engine, "report_days": report_days}
    progress = _Progress(s.replications, s.progress, len(cfgs))
    done, target = 0, s.replications
    with ExitStack() as stack:
        pool: WorkerPool | None = None
        try:
            while done < target:
                todo = range(done, target)
                missing = [r for r in todo if s.seed + r not in kept]
                if pool is None and jobs > 1 and len(missing) > 1:
                    pool = stack.enter_context(WorkerPool(min(jobs, len(missing))))
                args = ((cfgs, s.seed + r, s.engine, report_days, jobs) for r in missing)
                runs: Iterator[list[SimulationResult]] = (
                    pool.imap(replicate, args) if pool is not None else (replicate(*a) for a in args)
                )
                for r in todo:  # replication order, whatever the workers
                    seed = s.seed + r
                    results = store.load(seed) if store is not None and seed in kept else None
                    from_store = results is not None
                    if results is None:
                        results = next(runs) if seed not in kept else replicate(cfgs, seed, s.engine, report_days)
                        if store is not None and store.keep(seed, results, describe):
                            kept.add(seed)
                    ledger.book(r, seed, results)
                    progress.step(kept=from_store)
                done = target
                target = needs_more(ledger, s, done)
                progress.grow(target)
        except BaseException as exc:
            stop = as_interrupted(exc)
            if stop is None:
                raise
            where = f" in {store.dir}; run the same command again to resume" if store is not None and kept else ""
            stop.detail = f"{len(kept & {s.seed + r for r in range(target)})} of {target} replications kept{where}"
            raise stop from None
        finally:
            progress.close()


@dataclass(frozen=True)
class ComparisonResult:
    """Everything a comparison produced (immutable; DataFrames are tidy)."""

    designs: tuple[Design, ...]
    baseline: str
    seeds: tuple[int, ...]
    days: int  # business-case horizon (days after the warm-up)
    warmup_days: int
    population: int
    discount_rate_annual: float
    ci_level: float
    currency: str
    runs: pd.DataFrame  # design, replication, seed, kpi, value
    daily: pd.DataFrame  # design, replication, day, selected daily KPIs (horizon days only)
    touchpoints: pd.DataFrame  # design, replication, touchpoint, metrics
    steps: pd.DataFrame  # design, journey, step, touchpoint, visits/resolved/abandoned (mean per replication)
    kpis: pd.DataFrame  # design, kpi, mean, sd, delta, low, high, se
    money: pd.DataFrame  # candidate: kind, investment, benefit, NPV, ROI (CIs), P(NPV>0), payback
    waterfall: pd.DataFrame  # candidate, driver, mean, low, high
    touchpoint_deltas: pd.DataFrame  # candidate, touchpoint, metric, baseline, design, delta, low, high
    robustness: pd.DataFrame  # candidate, horizon_days, npv mean/low/high, rank
    survey_power: pd.DataFrame  # candidate: true and measured NPS effect, survey size for 80 % power
    wall_seconds: float
    kept_dir: str = ""  # where its replications are still kept (compare(discard_kept=False)), else ""
    typical_days: pd.DataFrame = field(default_factory=pd.DataFrame)  # design, touchpoint, interval: a typical day

    @property
    def replications(self) -> int:
        return len(self.seeds)

    @property
    def candidates(self) -> list[Design]:
        return [d for d in self.designs if d.name != self.baseline]

    def title(self, name: str) -> str:
        return next(d.title for d in self.designs if d.name == name)

    def best(self) -> str | None:
        """The candidate with the highest expected NPV, if any has a positive one."""
        if self.money.empty:
            return None
        row = self.money.sort_values("npv", ascending=False).iloc[0]
        return str(row["design"]) if row["npv"] > 0 else None

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable summary: designs, money with CIs, main KPI deltas, drivers."""

        def clean(x: Any) -> Any:
            if isinstance(x, (float, np.floating)):
                return None if not math.isfinite(float(x)) else float(x)
            if isinstance(x, (np.integer,)):
                return int(x)
            return x

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): clean(v) for k, v in row.items()} for row in df.to_dict("records")]

        return {
            "baseline": self.baseline,
            "best_design": self.best(),
            "replications": self.replications,
            "seeds": list(self.seeds),
            "horizon_days": self.days,
            "warmup_days": self.warmup_days,
            "population": self.population,
            "discount_rate_annual": self.discount_rate_annual,
            "ci_level": self.ci_level,
            "currency": self.currency,
            "designs": [
                {
                    "name": d.name,
                    "title": d.title,
                    "description": d.description,
                    "capex": d.capex,
                    "opex_per_day": d.opex_per_day,
                }
                for d in self.designs
            ],
            "money": records(self.money),
            "kpis": records(self.kpis),
            "waterfall": records(self.waterfall),
            "robustness": records(self.robustness),
            "survey_power": records(self.survey_power),
            "wall_seconds": round(self.wall_seconds, 2),
        }


def compare(
    baseline: Any,
    candidates: Sequence[Any],
    *,
    replications: int | None = None,
    seed: int | None = None,
    ci_level: float | None = None,
    target_roi_half_width: float | None = None,
    max_replications: int | None = None,
    engine: str | None = None,
    progress: bool | None = None,
    n_jobs: int | None = None,
    discard_kept: bool = True,
) -> ComparisonResult:
    """Compare a baseline design with candidate designs over paired replications.

    Args:
        baseline: the AS-IS config (from :func:`cxsim.load_config`).
        candidates: TO-BE configs (e.g. ``load_config(["scenario=more_agents"])``).
        replications: paired replications (default ``compare.replications`` of the baseline).
        seed: seed of the first replication (default ``compare.seed``); replication r uses seed + r.
        ci_level: confidence level (default ``compare.ci_level``).
        target_roi_half_width: if > 0, keep adding replications until every ROI interval (of the
            designs that have an ROI) is at most this wide on each side, or ``max_replications``.
        max_replications: cap for the sequential mode.
        engine: overrides ``simulation.engine`` for every design.
        progress: progress over replications: a bar on a terminal, a line per replication else.
        n_jobs: worker processes running replications (default ``compare.n_jobs``; 0 = one per
            CPU). Results do not depend on it.
        discard_kept: delete the replications kept in ``compare.resume_dir`` once the comparison
            has finished (pass False to delete them yourself, e.g. after the outputs are written,
            with :func:`discard_kept_replications`).

    Each finished replication is kept in ``compare.resume_dir`` (unless it is empty) under a hash
    of the designs' configs and the code version, so the same comparison stopped part-way (Ctrl-C,
    SIGTERM, a crash) and run again resumes with bit-identical results.

    The business case covers ``compare.horizon_days`` days (0: ``simulation.days`` minus the
    warm-up) after ``simulation.warmup_days`` days of warm-up that no KPI or cash flow counts.

    Raises:
        ConfigError: a design's config is invalid, or designs differ in market size, horizon,
            warm-up or discount rate (they must describe the same market).
    """
    t0 = time.perf_counter()
    s = CompareSettings.from_config(
        baseline,
        replications=replications,
        seed=seed,
        ci_level=ci_level,
        target_roi_half_width=target_roi_half_width,
        max_replications=max_replications,
        engine=engine,
        progress=progress,
        n_jobs=n_jobs,
    )
    days = s.simulated_days - s.warmup_days  # simulation.days: reported days after the warm-up
    designs = [Design.from_config(_with_days(c, days)) for c in (baseline, *candidates)]
    if len(designs) < 2:
        raise ConfigError([("compare.candidates", "needs at least one candidate design")])
    _check_designs(designs)
    base_cfg = designs[0].cfg
    rate = float(base_cfg.economics.discount_rate_annual)
    costs = (float(base_cfg.economics.cost_per_acquisition), float(base_cfg.economics.referral_reward))
    ledger = Ledger(designs, s, costs, rate)
    cfgs = [d.cfg for d in designs]
    store = None
    if s.resume_dir:
        key = store_key(cfgs, s.engine, s.simulated_days, s.warmup_days + s.horizon_days)
        store = ReplicationStore(Path(s.resume_dir), key, [d.name for d in designs])
    _run(ledger, cfgs, s, store)
    if store is not None and discard_kept:
        store.discard()

    return ComparisonResult(
        designs=tuple(designs),
        baseline=designs[0].name,
        seeds=tuple(s.seed + i for i in range(ledger.booked)),
        days=s.horizon_days,
        warmup_days=s.warmup_days,
        population=int(base_cfg.population.size),
        discount_rate_annual=rate,
        ci_level=s.ci_level,
        currency=str(base_cfg.economics.currency),
        runs=pd.DataFrame(ledger.runs, columns=["design", "replication", "seed", "kpi", "value"]),
        daily=pd.concat(ledger.daily, ignore_index=True),
        touchpoints=pd.concat(ledger.touchpoints, ignore_index=True),
        steps=tables.mean_steps(ledger.steps),
        kpis=tables.kpi_table(ledger, s.ci_level),
        money=tables.money_table(ledger, s.ci_level),
        waterfall=tables.waterfall_table(ledger, s.ci_level),
        touchpoint_deltas=tables.touchpoint_deltas(ledger, s.ci_level),
        robustness=tables.robustness_table(ledger, s.ci_level),
        survey_power=tables.survey_power_table(ledger, s.ci_level),
        wall_seconds=time.perf_counter() - t0,
        kept_dir=str(store.dir) if store is not None and not discard_kept else "",
        typical_days=_mean_typical_days(ledger.typical),
    )


def _mean_typical_days(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Each design's typical day (:func:`~cxsim.result.typical_day`), averaged over replications."""
    if not parts:
        return pd.DataFrame()
    df = pd.concat(parts, ignore_index=True)
    keys = ["design", "touchpoint", "interval", "start_min", "end_min"]
    values = ["arrivals", "servers", "service_level", "wait_min", "occupancy"]
    return df.groupby(keys, sort=False)[values].mean().reset_index()


def discard_kept_replications(result: ComparisonResult) -> None:
    """Delete the replications a finished comparison left kept (see ``compare(discard_kept=False)``)."""
    if result.kept_dir:
        discard(Path(result.kept_dir))
