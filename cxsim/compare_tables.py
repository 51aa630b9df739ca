"""The summary tables of a finished comparison, built from its ledger.

``kpi_table`` (every KPI per design, with paired deltas), ``money_table`` (the business case of
each candidate: kind, investment, benefit, NPV, ROI where it exists, payback, P(NPV > 0)),
``waterfall_table`` (NPV by driver), ``touchpoint_deltas``, ``robustness_table`` (NPV and
rank at other horizons) and ``survey_power_table`` (what the surveys see of each design's effect
on NPS, and how many answers it takes to see it). Every interval is
:func:`cxsim.intervals.paired_interval`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from cxsim.intervals import paired_interval
from cxsim.money import DAYS_PER_MONTH, classify, payback_day

if TYPE_CHECKING:
    from cxsim.compare import Ledger

__all__ = [
    "POWER",
    "kpi_table",
    "mean_steps",
    "money_table",
    "robustness_table",
    "survey_power_table",
    "survey_size",
    "touchpoint_deltas",
    "waterfall_table",
]

POWER = 0.80  # the power the survey size is planned for


def _wide(ledger: Ledger) -> pd.DataFrame:
    runs = pd.DataFrame(ledger.runs)
    return runs.pivot_table(
        index=["design", "replication"], columns="kpi", values="value", aggfunc="first", dropna=False
    )


def _series(wide: pd.DataFrame, design: str, kpi: str) -> np.ndarray:
    if kpi not in wide.columns:
        return np.full(len(wide.xs(design, level="design")), math.nan)
    return np.asarray(wide.xs(design, level="design")[kpi], dtype=np.float64)


def kpi_table(ledger: Ledger, level: float) -> pd.DataFrame:
    """Every compared KPI: mean and sd per design; for candidates the paired delta with its CI."""
    from cxsim.compare import _MONEY_KPIS, COMPARED_KPIS

    wide = _wide(ledger)
    base = ledger.designs[0].name
    rows = []
    for d in ledger.designs:
        for kpi in COMPARED_KPIS:
            if d.name == base and kpi in _MONEY_KPIS:
                continue
            x = _series(wide, d.name, kpi)
            finite = np.isfinite(x)
            row: dict[str, Any] = {
                "design": d.name,
                "kpi": kpi,
                "mean": float(np.nanmean(x)) if finite.any() else math.nan,
                "sd": float(np.nanstd(x, ddof=1)) if finite.sum() > 1 else math.nan,
            }
            if d.name != base:
                diff = x if kpi in _MONEY_KPIS else x - _series(wide, base, kpi)
                m, lo, hi, se = paired_interval(diff, level)
                row.update(delta=m, low=lo, high=hi, se=se)
            rows.append(row)
    return pd.DataFrame(rows, columns=["design", "kpi", "mean", "sd", "delta", "low", "high", "se"])


def money_table(ledger: Ledger, level: float) -> pd.DataFrame:
    """The business case of every candidate against the baseline (discounted money)."""
    wide = _wide(ledger)
    base = ledger.designs[0].name
    rows = []
    for d in ledger.designs[1:]:
        flows = ledger.flows[d.name]
        inv = np.array([f.investment for f in flows])
        ben = np.array([f.benefit for f in flows])
        npv = np.array([f.npv for f in flows])
        m_inv, lo_inv, hi_inv, _ = paired_interval(inv, level)
        m_ben, lo_ben, hi_ben, _ = paired_interval(ben, level)
        m_npv, lo_npv, hi_npv, se_npv = paired_interval(npv, level)
        kind = classify(m_inv, m_ben)
        has_roi = bool(np.all(inv > 0))
        roi = np.array([f.roi for f in flows]) if has_roi else np.full(len(flows), math.nan)
        m_roi, lo_roi, hi_roi, _ = paired_interval(roi, level) if has_roi else (math.nan,) * 4
        cum_b = np.mean(np.vstack([f.cum_benefit for f in flows]), axis=0)
        cum_i = np.mean(np.vstack([f.cum_investment for f in flows]), axis=0)
        pb = payback_day(cum_b, cum_i)
        d_nps = paired_interval(_series(wide, d.name, "nps_end") - _series(wide, base, "nps_end"), level)
        d_lost = paired_interval(_series(wide, d.name, "churned_total") - _series(wide, base, "churned_total"), level)
        rows.append(
            {
                "design": d.name,
                "title": d.title,
                "kind": kind.value,
                "investment": m_inv,
                "investment_low": lo_inv,
                "investment_high": hi_inv,
                "capex": d.capex,
                "recurring_per_year": float(np.mean([f.recurring_per_year for f in flows])),
                "benefit": m_ben,
                "benefit_low": lo_ben,
                "benefit_high": hi_ben,
                "npv": m_npv,
                "npv_low": lo_npv,
                "npv_high": hi_npv,
                "npv_se": se_npv,
                "roi": m_roi,
                "roi_low": lo_roi,
                "roi_high": hi_roi,
                "p_npv_positive": float(np.mean(npv > 0)),
                "payback_day": pb,
                "payback_months": None if pb is None else pb / DAYS_PER_MONTH,
                "delta_nps": d_nps[0],
                "delta_nps_low": d_nps[1],
                "delta_nps_high": d_nps[2],
                "delta_customers_lost": d_lost[0],
                "delta_customers_lost_low": d_lost[1],
                "delta_customers_lost_high": d_lost[2],
            }
        )
    return pd.DataFrame(rows)


def waterfall_table(ledger: Ledger, level: float) -> pd.DataFrame:
    """NPV of each candidate by driver (benefits, then the investment as negatives)."""
    from cxsim.compare import DRIVERS

    drivers = pd.DataFrame(ledger.drivers)
    rows = []
    for d in ledger.designs[1:]:
        g = drivers[drivers["design"] == d.name]
        for drv in DRIVERS:
            m, lo, hi, _ = paired_interval(g[drv].to_numpy(), level)
            rows.append({"design": d.name, "driver": drv, "mean": m, "low": lo, "high": hi})
    return pd.DataFrame(rows, columns=["design", "driver", "mean", "low", "high"])


def touchpoint_deltas(ledger: Ledger, level: float) -> pd.DataFrame:
    """Per touchpoint and metric: baseline, design and the paired delta with its CI."""
    from cxsim.compare import _TP_METRICS

    tps = pd.concat(ledger.touchpoints, ignore_index=True)
    base = ledger.designs[0].name
    rows = []
    b = tps[tps["design"] == base].set_index(["replication", "touchpoint"])
    for d in ledger.designs[1:]:
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


def robustness_table(ledger: Ledger, level: float) -> pd.DataFrame:
    """NPV of every candidate at each horizon (the business case's and the robustness ones), ranked."""
    cols = ["design", "horizon_days", "npv", "npv_low", "npv_high", "rank", "main"]
    if not ledger.robust:
        return pd.DataFrame(columns=cols)
    rob = pd.DataFrame(ledger.robust)
    rows = []
    for key, g in rob.groupby(["design", "horizon_days"], sort=True):
        design, h = (str(key[0]), int(str(key[1]))) if isinstance(key, tuple) else (str(key), 0)
        m, lo, hi, _ = paired_interval(g["npv"].to_numpy(), level)
        rows.append({"design": design, "horizon_days": h, "npv": m, "npv_low": lo, "npv_high": hi})
    out = pd.DataFrame(rows)
    out["rank"] = out.groupby("horizon_days")["npv"].rank(ascending=False, method="min").astype(int)
    out["main"] = out["horizon_days"] == ledger.settings.horizon_days
    return out[cols].sort_values(["horizon_days", "rank"], kind="stable").reset_index(drop=True)


def mean_steps(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Journey-step volumes per design, averaged over replications."""
    return (
        pd.concat(parts, ignore_index=True)
        .groupby(["design", "journey", "step", "touchpoint"], sort=False)[
            ["visits", "resolved", "abandoned", "switched", "retried", "gave_up"]
        ]
        .mean()
        .reset_index()
    )


def survey_size(effect: float, var_a: float, var_b: float, level: float, power: float = POWER) -> float:
    """Answers per arm for a two-sample test of an NPS difference (``docs/model.md`` section 6, "Listening").

    ``effect`` is the true difference in NPS points, ``var_a`` and ``var_b`` the per-answer
    variances ``p + d − (p − d)²`` of the promoter-minus-detractor score in each arm:
    ``n = (z_{1−α/2} + z_{power})² (var_a + var_b) / (effect / 100)²`` with ``α = 1 − level``;
    infinite when the effect is 0, NaN when it is unknown.
    """
    if not (math.isfinite(effect) and math.isfinite(var_a) and math.isfinite(var_b)):
        return math.nan
    if effect == 0.0:
        return math.inf
    z = float(stats.norm.ppf(0.5 + level / 2.0) + stats.norm.ppf(power))
    return z * z * (var_a + var_b) / (effect / 100.0) ** 2


def _answer_variance(wide: pd.DataFrame, design: str) -> float:
    """``p + d − (p − d)²`` from a design's promoter and detractor shares among answers (mean over replications)."""
    p = float(np.nanmean(_series(wide, design, "voc_promoter_share")))
    d = float(np.nanmean(_series(wide, design, "voc_detractor_share")))
    return p + d - (p - d) ** 2


def survey_power_table(ledger: Ledger, level: float) -> pd.DataFrame:
    """Per candidate: the true effect on NPS (paired Δ of the mean daily NPS of all customers),
    the effect the surveys measure (paired Δ of the measured NPS, with its CI), the answers each
    design's surveys got per replication, and the answers per arm a two-sample survey comparison
    needs to detect the true effect with 80 % power at the comparison's level."""
    cols = ["design", "true_delta", "true_low", "true_high", "measured_delta", "measured_low", "measured_high",
            "responses_baseline", "responses_design", "needed_per_arm", "baseline_nps_measured",
            "baseline_nps_true"]  # fmt: skip
    wide = _wide(ledger)
    base = ledger.designs[0].name
    rows = []
    for d in ledger.designs[1:]:
        true = paired_interval(_series(wide, d.name, "nps_mean") - _series(wide, base, "nps_mean"), level)
        measured = paired_interval(_series(wide, d.name, "nps_measured") - _series(wide, base, "nps_measured"), level)
        need = survey_size(true[0], _answer_variance(wide, base), _answer_variance(wide, d.name), level)
        rows.append(
            {
                "design": d.name,
                "true_delta": true[0],
                "true_low": true[1],
                "true_high": true[2],
                "measured_delta": measured[0],
                "measured_low": measured[1],
                "measured_high": measured[2],
                "responses_baseline": float(np.nanmean(_series(wide, base, "survey_responses_total"))),
                "responses_design": float(np.nanmean(_series(wide, d.name, "survey_responses_total"))),
                "needed_per_arm": need,
                "baseline_nps_measured": float(np.nanmean(_series(wide, base, "nps_measured"))),
                "baseline_nps_true": float(np.nanmean(_series(wide, base, "nps_mean"))),
            }
        )
    return pd.DataFrame(rows, columns=cols)
