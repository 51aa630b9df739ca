"""Paired AS-IS vs TO-BE comparison: replications with common random numbers, CIs, ROI.

``compare(baseline, candidates)`` runs every design on the same seeds (replication ``r`` uses
``seed + r`` for all designs). Because every draw is keyed by (seed, purpose, person, day),
designs share all randomness that concerns the same customer and day, and each paired
difference measures the design's effect rather than noise (DESIGN D2, D6).

Money: daily margins are discounted at ``economics.discount_rate_annual``; a design's
investment is its ``capex`` on day 0 plus ``opex_per_day`` every day, discounted the same way.

* NPV of a design = Δ discounted margin − discounted investment;
* ROI = NPV / discounted investment;
* payback day = first day on which the cumulative discounted Δ margin covers the cumulative
  discounted investment (from the mean paired daily difference);
* P(ROI > 0) = share of replications (possible futures of the same market) in which the
  design's NPV is positive.

The ROI waterfall splits each replication's NPV into drivers: retention (customers not lost),
word-of-mouth and marketing acquisition (net of acquisition costs), cost to serve (contacts,
repeats), staff cost, investment, and the remainder (segment mix).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import OmegaConf
from scipy import stats
from tqdm.auto import tqdm

from cxsim.config.schema import CxConfig
from cxsim.config.validation import ConfigError, validate
from cxsim.result import SimulationResult
from cxsim.simulation import simulate

__all__ = ["KPI_LABELS", "ComparisonResult", "Design", "compare", "discount_factors", "paired_interval"]

# Per-replication KPIs compared across designs, with their labels (higher is better unless noted).
KPI_LABELS: dict[str, str] = {
    "npv": "NPV vs baseline",
    "roi": "ROI",
    "discounted_margin": "discounted margin",
    "margin_total": "margin (undiscounted)",
    "revenue_total": "revenue",
    "cost_to_serve_total": "cost to serve",
    "acquisition_cost_total": "acquisition cost",
    "nps_end": "NPS (end)",
    "nps_mean": "NPS (mean)",
    "csat_mean": "CSAT %",
    "effort_mean": "effort (1-7)",
    "churned_total": "customers churned",
    "churn_rate_annual": "churn rate (annual)",
    "acquired_referral_total": "acquired by referral",
    "acquired_marketing_total": "acquired by marketing",
    "customers_end": "customers (end)",
    "visits_total": "contacts",
    "abandonment_rate": "abandonment rate",
    "mean_wait_min": "mean wait (min)",
    "resolution_rate": "resolution rate",
}

DRIVERS = (
    "retention",
    "wom_acquisition",
    "marketing_acquisition",
    "cost_to_serve",
    "staff_cost",
    "investment",
    "other",
)
DRIVER_LABELS = {
    "retention": "retention (fewer churners)",
    "wom_acquisition": "acquisition by word of mouth",
    "marketing_acquisition": "acquisition by marketing",
    "cost_to_serve": "cost to serve (contacts, repeats)",
    "staff_cost": "staff cost",
    "investment": "investment (capex + opex)",
    "other": "other (segment mix)",
}
_TP_METRICS = ("visits", "mean_wait_min", "abandonment_rate", "resolution_rate", "mean_moment", "cost")
_DAILY_KEEP = ("day", "customers", "nps", "csat", "effort", "margin", "churned", "acquired_referral", "visits")


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


def discount_factors(days: int, annual_rate: float) -> np.ndarray:
    """Discount factor of each day 1..days: (1 + annual_rate)^(−day/365)."""
    return (1.0 + annual_rate) ** (-np.arange(1, days + 1) / 365.0)


def paired_interval(diffs: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """Mean of paired differences with a Student-t confidence interval.

    Returns:
        ``(mean, low, high, standard_error)``; with fewer than two values the interval is NaN.
    """
    d = np.asarray(diffs, dtype=np.float64)
    d = d[np.isfinite(d)]
    n = d.size
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(d.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan
    se = float(d.std(ddof=1) / math.sqrt(n))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * se
    return mean, mean - half, mean + half, se


@dataclass(frozen=True)
class ComparisonResult:
    """Everything a comparison produced (immutable; DataFrames are tidy)."""

    designs: tuple[Design, ...]
    baseline: str
    seeds: tuple[int, ...]
    days: int
    population: int
    discount_rate_annual: float
    ci_level: float
    currency: str
    runs: pd.DataFrame  # design, replication, seed, kpi, value
    daily: pd.DataFrame  # design, replication, day, selected daily KPIs
    touchpoints: pd.DataFrame  # design, replication, touchpoint, metrics
    steps: pd.DataFrame  # design, journey, step, touchpoint, visits/resolved/abandoned (mean per replication)
    kpis: pd.DataFrame  # design, kpi, mean, sd, delta, low, high, se
    money: pd.DataFrame  # candidate: investment, Δ discounted margin, NPV, ROI (CIs), P(ROI>0), payback
    waterfall: pd.DataFrame  # candidate, driver, mean, low, high
    touchpoint_deltas: pd.DataFrame  # candidate, touchpoint, metric, baseline, design, delta, low, high
    wall_seconds: float

    @property
    def replications(self) -> int:
        return len(self.seeds)

    @property
    def candidates(self) -> list[Design]:
        return [d for d in self.designs if d.name != self.baseline]

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

        money = [{k: clean(v) for k, v in row.items()} for row in self.money.to_dict("records")]
        kpis = [{k: clean(v) for k, v in row.items()} for row in self.kpis.to_dict("records")]
        water = [{k: clean(v) for k, v in row.items()} for row in self.waterfall.to_dict("records")]
        return {
            "baseline": self.baseline,
            "best_design": self.best(),
            "replications": self.replications,
            "seeds": list(self.seeds),
            "days": self.days,
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
            "money": money,
            "kpis": kpis,
            "waterfall": water,
            "wall_seconds": round(self.wall_seconds, 2),
        }


def _investment(design: Design, disc: np.ndarray) -> tuple[float, np.ndarray]:
    """Discounted total investment and the cumulative discounted investment by day."""
    daily = design.opex_per_day * disc
    cum = design.capex + np.cumsum(daily)
    return float(cum[-1]) if cum.size else design.capex, cum


def _replication_kpis(res: SimulationResult, disc: np.ndarray) -> dict[str, float]:
    s = res.summary
    out = {k: (math.nan if s.get(k) is None else float(s[k])) for k in KPI_LABELS if k in s}
    out["discounted_margin"] = float(np.dot(res.daily["margin"].to_numpy(), disc))
    return out


def _drivers(
    base: pd.DataFrame, des: pd.DataFrame, disc: np.ndarray, spec_costs: tuple[float, float]
) -> dict[str, float]:
    """Split one replication's Δ discounted margin into drivers (before investment)."""
    cpa, reward = spec_costs
    rho = float(base["revenue"].sum() / max(base["customers"].sum(), 1))  # revenue per customer-day
    d_churn = (des["churned"] - base["churned"]).to_numpy(dtype=np.float64)
    d_ref = (des["acquired_referral"] - base["acquired_referral"]).to_numpy(dtype=np.float64)
    d_mkt = (des["acquired_marketing"] - base["acquired_marketing"]).to_numpy(dtype=np.float64)
    retention = float(np.dot(disc, rho * -np.cumsum(d_churn)))
    wom = float(np.dot(disc, rho * np.cumsum(d_ref) - (cpa + reward) * d_ref))
    mkt = float(np.dot(disc, rho * np.cumsum(d_mkt) - cpa * d_mkt))
    contacts = -float(np.dot(disc, (des["contact_cost"] - base["contact_cost"]).to_numpy()))
    staff = -float(np.dot(disc, (des["staff_cost"] - base["staff_cost"]).to_numpy()))
    total = float(np.dot(disc, (des["margin"] - base["margin"]).to_numpy()))
    return {
        "retention": retention,
        "wom_acquisition": wom,
        "marketing_acquisition": mkt,
        "cost_to_serve": contacts,
        "staff_cost": staff,
        "other": total - (retention + wom + mkt + contacts + staff),
    }


def _tp_frame(res: SimulationResult) -> pd.DataFrame:
    t = res.touchpoints.set_index("touchpoint")
    return t[list(_TP_METRICS)]


def _check_designs(designs: Sequence[Design]) -> None:
    names = [d.name for d in designs]
    if len(set(names)) != len(names):
        raise ConfigError([("compare.candidates", f"design names must be unique, got {names}")])
    first = designs[0].cfg
    for d in designs:
        validate(d.cfg)
        if d.capex < 0 or d.opex_per_day < 0:
            raise ConfigError([(f"scenario ({d.name})", "capex and opex_per_day must be >= 0")])
        for key in ("population.size", "simulation.days", "economics.discount_rate_annual"):
            a, b = _get(first, key), _get(d.cfg, key)
            if a != b:
                raise ConfigError([(key, f"must be the same for every design; {designs[0].name}: {a}, {d.name}: {b}")])


def _get(cfg: Any, dotted: str) -> Any:
    node = cfg
    for part in dotted.split("."):
        node = node[part]
    return node


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
) -> ComparisonResult:
    """Compare a baseline design with candidate designs over paired replications.

    Args:
        baseline: the AS-IS config (from :func:`cxsim.load_config`).
        candidates: TO-BE configs (e.g. ``load_config(["scenario=more_agents"])``).
        replications: paired replications (default ``compare.replications`` of the baseline).
        seed: seed of the first replication (default ``compare.seed``); replication r uses seed + r.
        ci_level: confidence level (default ``compare.ci_level``).
        target_roi_half_width: if > 0, keep adding replications until every candidate's ROI
            interval half-width is at most this, or ``max_replications`` is reached.
        max_replications: cap for the sequential mode.
        engine: overrides ``simulation.engine`` for every design.
        progress: progress bar over replications (shown on a terminal only).
        n_jobs: worker processes running replications (default ``compare.n_jobs``; 0 = one per
            CPU). Results do not depend on it.

    Every design is simulated for ``compare.horizon_days`` days when that is set (> 0), else
    for the baseline's ``simulation.days``.

    Raises:
        ConfigError: a design's config is invalid, or designs differ in market size, horizon or
            discount rate (they must describe the same market).
    """
    t0 = time.perf_counter()
    cmp_cfg = baseline.compare
    reps = int(replications if replications is not None else cmp_cfg.replications)
    seed0 = int(seed if seed is not None else cmp_cfg.seed)
    level = float(ci_level if ci_level is not None else cmp_cfg.ci_level)
    target = float(target_roi_half_width if target_roi_half_width is not None else cmp_cfg.target_roi_half_width)
    cap = int(max_replications if max_replications is not None else cmp_cfg.max_replications)
    if reps < 2:
        raise ConfigError([("compare.replications", f"needs at least 2 paired replications, got {reps}")])
    if not 0.0 < level < 1.0:
        raise ConfigError([("compare.ci_level", f"must be in (0, 1), got {level}")])
    if cap < reps:
        raise ConfigError([("compare.max_replications", f"must be >= compare.replications ({reps}), got {cap}")])
    horizon = int(cmp_cfg.horizon_days) or int(baseline.simulation.days)
    jobs = int(n_jobs if n_jobs is not None else cmp_cfg.n_jobs) or (os.cpu_count() or 1)
    designs = [Design.from_config(_with_days(baseline, horizon))]
    designs += [Design.from_config(_with_days(c, horizon)) for c in candidates]
    if len(designs) < 2:
        raise ConfigError([("compare.candidates", "needs at least one candidate design")])
    _check_designs(designs)
    base_cfg = designs[0].cfg
    days = int(base_cfg.simulation.days)
    rate = float(base_cfg.economics.discount_rate_annual)
    disc = discount_factors(days, rate)
    costs = (float(base_cfg.economics.cost_per_acquisition), float(base_cfg.economics.referral_reward))
    show = bool(base_cfg.simulation.progress) if progress is None else progress

    run_rows: list[dict[str, Any]] = []
    daily_parts: list[pd.DataFrame] = []
    tp_parts: list[pd.DataFrame] = []
    step_parts: list[pd.DataFrame] = []
    driver_rows: list[dict[str, Any]] = []
    margins: dict[str, list[np.ndarray]] = {d.name: [] for d in designs}
    invest = {d.name: _investment(d, disc) for d in designs}

    def book(r: int, results: list[SimulationResult]) -> None:
        s = seed0 + r
        base_res = results[0]
        base_k = _replication_kpis(base_res, disc)
        for d, res in zip(designs, results, strict=True):
            k = _replication_kpis(res, disc)
            inv_total, _ = invest[d.name]
            if d.name != designs[0].name:
                npv = k["discounted_margin"] - base_k["discounted_margin"] - inv_total
                k["npv"] = npv
                k["roi"] = npv / inv_total if inv_total > 0 else math.nan
                drv = _drivers(base_res.daily, res.daily, disc, costs)
                drv["investment"] = -inv_total
                driver_rows.append({"design": d.name, "replication": r, **drv})
            for kpi, value in k.items():
                run_rows.append({"design": d.name, "replication": r, "seed": s, "kpi": kpi, "value": value})
            part = res.daily[list(_DAILY_KEEP)].copy()
            part.insert(0, "replication", r)
            part.insert(0, "design", d.name)
            daily_parts.append(part)
            tp = res.touchpoints[["touchpoint", *_TP_METRICS]].copy()
            tp.insert(0, "replication", r)
            tp.insert(0, "design", d.name)
            tp_parts.append(tp)
            st = res.steps.copy()
            st.insert(0, "replication", r)
            st.insert(0, "design", d.name)
            step_parts.append(st)
            margins[d.name].append(res.daily["margin"].to_numpy())

    cfgs = [d.cfg for d in designs]
    bar = tqdm(total=reps, desc="replications", unit="rep", disable=None if show else True, leave=False)
    pool = Parallel(n_jobs=jobs, backend="loky", return_as="generator") if jobs > 1 else None
    done = 0
    while True:
        todo = range(done, reps)
        if pool is not None:
            outputs = pool(delayed(_replicate)(cfgs, seed0 + r, engine, jobs) for r in todo)
        else:
            outputs = (_replicate(cfgs, seed0 + r, engine) for r in todo)
        for r, results in zip(todo, outputs, strict=True):  # replication order, whatever the workers
            book(r, results)
            bar.update(1)
        done = reps
        if target <= 0 or reps >= cap:
            break
        widths = _roi_half_widths(pd.DataFrame(run_rows), designs[0].name, level)
        if widths and max(widths) <= target:
            break
        reps = min(cap, reps + max(2, reps // 2))
        bar.total = reps
        bar.refresh()
    bar.close()

    runs = pd.DataFrame(run_rows, columns=["design", "replication", "seed", "kpi", "value"])
    daily = pd.concat(daily_parts, ignore_index=True)
    tps = pd.concat(tp_parts, ignore_index=True)
    steps = (
        pd.concat(step_parts, ignore_index=True)
        .groupby(["design", "journey", "step", "touchpoint"], sort=False)[["visits", "resolved", "abandoned"]]
        .mean()
        .reset_index()
    )
    kpis = _kpi_table(runs, designs, level)
    money = _money_table(runs, designs, invest, margins, disc, level)
    waterfall = _waterfall_table(pd.DataFrame(driver_rows), designs, level)
    tp_deltas = _touchpoint_deltas(tps, designs, level)
    return ComparisonResult(
        designs=tuple(designs),
        baseline=designs[0].name,
        seeds=tuple(seed0 + i for i in range(reps)),
        days=days,
        population=int(base_cfg.population.size),
        discount_rate_annual=rate,
        ci_level=level,
        currency=str(base_cfg.economics.currency),
        runs=runs,
        daily=daily,
        touchpoints=tps,
        steps=steps,
        kpis=kpis,
        money=money,
        waterfall=waterfall,
        touchpoint_deltas=tp_deltas,
        wall_seconds=time.perf_counter() - t0,
    )


def _with_days(cfg: Any, days: int) -> Any:
    """A copy of ``cfg`` simulated for ``days`` days."""
    if int(cfg.simulation.days) == days:
        return cfg
    out = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    out.simulation.days = days
    return OmegaConf.merge(OmegaConf.structured(CxConfig), out)


def _replicate(cfgs: list[Any], seed: int, engine: str | None, jobs: int = 1) -> list[SimulationResult]:
    """Every design on one seed (runs in a worker process when jobs > 1)."""
    if jobs > 1:
        # workers share the cores: each gets its slice of numba threads (results do not change)
        numba.set_num_threads(max(1, min(numba.get_num_threads(), (os.cpu_count() or 1) // jobs)))
    return [simulate(c, engine=engine, seed=seed, progress=False) for c in cfgs]


def _roi_half_widths(runs: pd.DataFrame, baseline: str, level: float) -> list[float]:
    widths = []
    for name, g in runs[(runs["kpi"] == "roi") & (runs["design"] != baseline)].groupby("design"):
        _, lo, hi, _ = paired_interval(g["value"].to_numpy(), level)
        if math.isfinite(lo):
            widths.append((hi - lo) / 2.0)
        del name
    return widths


def _series(wide: pd.DataFrame, design: str, kpi: str) -> np.ndarray:
    """One KPI of one design across replications, from a (design, replication) x kpi table."""
    return np.asarray(wide.xs(design, level="design")[kpi], dtype=np.float64)


def _kpi_table(runs: pd.DataFrame, designs: list[Design], level: float) -> pd.DataFrame:
    base = designs[0].name
    wide = runs.pivot_table(index=["design", "replication"], columns="kpi", values="value", aggfunc="first")
    rows = []
    for d in designs:
        for kpi in KPI_LABELS:
            if kpi not in wide.columns:
                continue
            x = _series(wide, d.name, kpi)
            row: dict[str, Any] = {
                "design": d.name,
                "kpi": kpi,
                "label": KPI_LABELS[kpi],
                "mean": float(np.nanmean(x)) if np.isfinite(x).any() else math.nan,
                "sd": float(np.nanstd(x, ddof=1)) if np.isfinite(x).sum() > 1 else math.nan,
            }
            if d.name != base and kpi not in ("npv", "roi"):
                diff = x - _series(wide, base, kpi)
                m, lo, hi, se = paired_interval(diff, level)
                row.update(delta=m, low=lo, high=hi, se=se)
            elif d.name != base:
                m, lo, hi, se = paired_interval(x, level)
                row.update(delta=m, low=lo, high=hi, se=se)
            rows.append(row)
    return pd.DataFrame(rows, columns=["design", "kpi", "label", "mean", "sd", "delta", "low", "high", "se"])


def _money_table(
    runs: pd.DataFrame,
    designs: list[Design],
    invest: dict[str, tuple[float, np.ndarray]],
    margins: dict[str, list[np.ndarray]],
    disc: np.ndarray,
    level: float,
) -> pd.DataFrame:
    base = designs[0].name
    wide = runs.pivot_table(index=["design", "replication"], columns="kpi", values="value", aggfunc="first")
    base_margin = np.mean(np.vstack(margins[base]), axis=0)
    rows = []
    for d in designs[1:]:
        dm = _series(wide, d.name, "discounted_margin") - _series(wide, base, "discounted_margin")
        npv = _series(wide, d.name, "npv")
        roi = _series(wide, d.name, "roi")
        inv_total, inv_cum = invest[d.name]
        m_dm, lo_dm, hi_dm, _ = paired_interval(dm, level)
        m_npv, lo_npv, hi_npv, se_npv = paired_interval(npv, level)
        m_roi, lo_roi, hi_roi, _ = paired_interval(roi, level) if inv_total > 0 else (math.nan,) * 4
        gain = np.cumsum((np.mean(np.vstack(margins[d.name]), axis=0) - base_margin) * disc)
        reached = np.nonzero(gain >= inv_cum)[0]
        payback = int(reached[0] + 1) if reached.size else None
        rows.append(
            {
                "design": d.name,
                "title": d.title,
                "investment": inv_total,
                "delta_discounted_margin": m_dm,
                "delta_discounted_margin_low": lo_dm,
                "delta_discounted_margin_high": hi_dm,
                "npv": m_npv,
                "npv_low": lo_npv,
                "npv_high": hi_npv,
                "npv_se": se_npv,
                "roi": m_roi,
                "roi_low": lo_roi,
                "roi_high": hi_roi,
                "p_roi_positive": float(np.mean(npv > 0)),
                "payback_day": payback,
            }
        )
    return pd.DataFrame(rows)


def _waterfall_table(drivers: pd.DataFrame, designs: list[Design], level: float) -> pd.DataFrame:
    rows = []
    for d in designs[1:]:
        g = drivers[drivers["design"] == d.name]
        for drv in DRIVERS:
            m, lo, hi, _ = paired_interval(g[drv].to_numpy(), level)
            rows.append(
                {"design": d.name, "driver": drv, "label": DRIVER_LABELS[drv], "mean": m, "low": lo, "high": hi}
            )
    return pd.DataFrame(rows, columns=["design", "driver", "label", "mean", "low", "high"])


def _touchpoint_deltas(tps: pd.DataFrame, designs: list[Design], level: float) -> pd.DataFrame:
    base = designs[0].name
    rows = []
    b = tps[tps["design"] == base].set_index(["replication", "touchpoint"])
    for d in designs[1:]:
        x = tps[tps["design"] == d.name].set_index(["replication", "touchpoint"])
        joined = b.merge(x, how="outer", left_index=True, right_index=True, suffixes=("_base", "_design"))
        for tp in sorted(set(joined.index.get_level_values("touchpoint")), key=str):
            sub = joined.xs(tp, level="touchpoint")
            for metric in _TP_METRICS:
                bv = np.asarray(sub[f"{metric}_base"], dtype=np.float64)
                dv = np.asarray(sub[f"{metric}_design"], dtype=np.float64)
                if metric in ("visits", "cost"):  # a touchpoint a design does not have: zero volume
                    bv, dv = np.nan_to_num(bv), np.nan_to_num(dv)
                m, lo, hi, _ = paired_interval(dv - bv, level)
                rows.append(
                    {
                        "design": d.name,
                        "touchpoint": tp,
                        "metric": metric,
                        "baseline": float(np.nanmean(bv)) if np.isfinite(bv).any() else math.nan,
                        "value": float(np.nanmean(dv)) if np.isfinite(dv).any() else math.nan,
                        "delta": m,
                        "low": lo,
                        "high": hi,
                    }
                )
    return pd.DataFrame(rows, columns=["design", "touchpoint", "metric", "baseline", "value", "delta", "low", "high"])
