"""Is the AS-IS itself believable? A sanity check of the baseline before its comparison is read.

A comparison of designs is only as good as the market it runs on: at a market size its staffing
was not planned for, a bank can have 80 % of callers abandoning, and every design then "wins"
against a broken baseline. :func:`baseline_findings` puts the baseline's KPIs next to ranges
that real service operations report and returns one :class:`Finding` per KPI, flagged when it
is outside its range. The ranges are deliberately wide (they catch a broken baseline, not a
slightly uncalibrated one); sources are in ``RANGES``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["RANGES", "Finding", "baseline_findings", "occupancy"]


@dataclass(frozen=True)
class Range:
    """A plausible range of a KPI and where it comes from."""

    low: float
    high: float
    unit: str  # share | points
    source: str


RANGES: dict[str, Range] = {
    "abandonment": Range(
        0.0, 0.20, "share", "callers who hang up: 5-8 % is the usual convention, 12-16 % the high end (Talkdesk 2015)"
    ),
    "occupancy": Range(
        0.30, 0.92, "share", "share of staffed time busy serving: real centres run about 60-85 %; small teams lower"
    ),
    "churn": Range(0.02, 0.30, "share", "customers lost per year: banks 5-11 %, postpaid telecom about 10 %"),
    "nps": Range(-30.0, 70.0, "points", "relationship NPS of whole industries runs from about -10 to +45"),
    "csat": Range(0.45, 0.95, "share", "satisfied contacts: SQM reports 68-75 % top-box across industries"),
}


@dataclass(frozen=True)
class Finding:
    """One KPI of the baseline against its plausible range."""

    kpi: str
    where: str  # "all staffed touchpoints" or a touchpoint's name
    value: float
    range: Range
    ok: bool

    def message(self) -> str:
        val = f"{self.value:+.1f}" if self.range.unit == "points" else f"{100 * self.value:.1f}%"
        lo = f"{self.range.low:+.0f}" if self.range.unit == "points" else f"{100 * self.range.low:.0f}%"
        hi = f"{self.range.high:+.0f}" if self.range.unit == "points" else f"{100 * self.range.high:.0f}%"
        verdict = "within" if self.ok else "OUTSIDE"
        return f"{self.kpi} ({self.where}) {val} is {verdict} the plausible range {lo} to {hi} ({self.range.source})"


def occupancy(cfg: Any, touchpoints: pd.DataFrame, days: int) -> dict[str, float]:
    """Share of staffed server time spent serving, per staffed touchpoint.

    Served contacts times the touchpoint's mean service time, over servers times opening minutes
    times days. Silo repeats make some services longer (``behaviour.silo_time_factor``), so this
    slightly understates the true occupancy.
    """
    out = {}
    for row in touchpoints.to_dict("records"):
        tp = cfg.journey.touchpoints[row["touchpoint"]]
        if not bool(tp.staffed) or int(tp.servers) <= 0:
            continue
        capacity = float(tp.servers) * (float(tp.close_min) - float(tp.open_min)) * days
        out[str(row["touchpoint"])] = float(row["served"]) * float(tp.service_time.mean_min) / capacity
    return out


def _mean(values: Any) -> float:
    arr = np.asarray(values, dtype=np.float64)
    return float(np.nanmean(arr)) if np.isfinite(arr).any() else math.nan


def baseline_findings(result: Any) -> list[Finding]:
    """The baseline's abandonment, occupancy, churn, NPS and CSAT against plausible ranges.

    Args:
        result: a :class:`cxsim.compare.ComparisonResult` (its baseline's KPIs and touchpoints
            are averaged over replications).
    """
    base = result.baseline
    cfg = next(d.cfg for d in result.designs if d.name == base)
    k = result.kpis[result.kpis["design"] == base].set_index("kpi")["mean"]
    tps = result.touchpoints[result.touchpoints["design"] == base]
    found: list[Finding] = []

    def add(kpi: str, where: str, value: float) -> None:
        if math.isfinite(value):
            r = RANGES[kpi]
            found.append(Finding(kpi, where, value, r, r.low <= value <= r.high))

    add("abandonment", "all staffed touchpoints", float(k.get("abandonment_rate", math.nan)))
    per_tp = tps.groupby("touchpoint", sort=False).agg(visits=("visits", "mean"), ab=("abandonment_rate", "mean"))
    per_tp = per_tp.reset_index()
    per_tp["served"] = per_tp["visits"] * (1.0 - per_tp["ab"].fillna(0.0))
    for name, occ in occupancy(cfg, per_tp, result.days).items():
        add("occupancy", name, occ)
    add("churn", "customers", float(k.get("churn_rate_annual", math.nan)))
    add("nps", "end of the horizon", float(k.get("nps_end", math.nan)))
    add("csat", "all contacts", _mean(k.get("csat_mean", math.nan)) / 100.0)
    return found
