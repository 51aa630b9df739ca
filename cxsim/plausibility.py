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

import pandas as pd

__all__ = ["RANGES", "Finding", "baseline_findings", "findings", "occupancy"]


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

    Taken from the touchpoint table's ``occupancy`` (minutes of service given over servers x
    opening minutes x days) when it has one; otherwise estimated as served contacts times the
    touchpoint's mean service time over the same capacity (which slightly understates it: silo
    repeats take longer, ``behaviour.silo_time_factor``).
    """
    if "occupancy" in touchpoints.columns:
        rows = touchpoints.dropna(subset=["occupancy"])
        return {str(t): float(o) for t, o in zip(rows["touchpoint"], rows["occupancy"], strict=True)}
    out = {}
    for row in touchpoints.to_dict("records"):
        tp = cfg.journey.touchpoints[row["touchpoint"]]
        schedule = [int(x) for x in tp.get("server_schedule", [])]
        if not bool(tp.staffed) or (int(tp.servers) <= 0 and not schedule):
            continue
        hours = float(tp.close_min) - float(tp.open_min)
        if schedule:  # server-minutes on duty: each interval's servers x its length (the last may be shorter)
            step = float(tp.interval_min)
            per_day = sum(c * (min(step * (k + 1), hours) - step * k) for k, c in enumerate(schedule))
            capacity = per_day * days
        else:
            capacity = float(tp.servers) * hours * days
        out[str(row["touchpoint"])] = float(row["served"]) * float(tp.service_time.mean_min) / capacity
    return out


def findings(cfg: Any, kpis: dict[str, Any], touchpoints: pd.DataFrame, days: int) -> list[Finding]:
    """A design's abandonment, occupancy, churn, NPS and CSAT against plausible ranges.

    Args:
        cfg: the design's config (touchpoint staffing and opening hours).
        kpis: its summary KPIs (``abandonment_rate``, ``churn_rate_annual``, ``nps_end``, ``csat_mean``).
        touchpoints: one row per touchpoint with ``touchpoint``, ``visits`` and ``abandonment_rate``.
        days: the days those touchpoint totals cover.
    """
    found: list[Finding] = []

    def add(kpi: str, where: str, value: Any) -> None:
        v = math.nan if value is None else float(value)
        if math.isfinite(v):
            r = RANGES[kpi]
            found.append(Finding(kpi, where, v, r, r.low <= v <= r.high))

    add("abandonment", "all staffed touchpoints", kpis.get("abandonment_rate"))
    tps = touchpoints.copy()
    tps["served"] = tps["visits"] * (1.0 - tps["abandonment_rate"].fillna(0.0))
    for name, occ in occupancy(cfg, tps, days).items():
        add("occupancy", name, occ)
    add("churn", "customers", kpis.get("churn_rate_annual"))
    add("nps", "end of the horizon", kpis.get("nps_end"))
    csat = kpis.get("csat_mean")
    add("csat", "all contacts", None if csat is None else float(csat) / 100.0)
    return found


def baseline_findings(result: Any) -> list[Finding]:
    """The baseline of a comparison against plausible ranges (KPIs and touchpoints averaged over
    replications).

    Args:
        result: a :class:`cxsim.compare.ComparisonResult`.
    """
    base = result.baseline
    cfg = next(d.cfg for d in result.designs if d.name == base)
    k = result.kpis[result.kpis["design"] == base].set_index("kpi")["mean"].to_dict()
    tps = result.touchpoints[result.touchpoints["design"] == base]
    per_tp = tps.groupby("touchpoint", sort=False)[["visits", "abandonment_rate", "occupancy"]].mean().reset_index()
    return findings(cfg, k, per_tp, result.days)
