"""What a simulation returns: daily KPIs, the touchpoint table and a summary.

``SimulationResult`` is immutable; DataFrames are built from the engine's records only here,
at the boundary. ``summarise`` computes the end-of-run KPIs from the daily table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from cxsim.kernels.groups import Totals
from cxsim.kernels.week import DAYS_PER_WEEK, weekday
from cxsim.kpis import DAILY_COLUMNS, INTEGER_COLUMNS
from cxsim.spec import ModelSpec
from cxsim.trace import Traces

__all__ = [
    "DAILY_COLUMNS",
    "INTEGER_COLUMNS",
    "SimulationResult",
    "daily_frame",
    "step_table",
    "summarise",
    "touchpoint_table",
]

# DAILY_COLUMNS and INTEGER_COLUMNS are read off cxsim.kpis.DayKpis, the one definition of the day.


@dataclass(frozen=True)
class SimulationResult:
    """The outcome of one run.

    Attributes:
        daily: one row per day (see ``DAILY_COLUMNS``); ``churned`` and ``acquired_*`` count that
            day's events, ``nps`` is over active customers at the end of the day.
        touchpoints: one row per touchpoint with totals over the run.
        steps: one row per (journey step, touchpoint) that could serve it: contacts, resolved,
            abandoned over the run (the journey's flow volumes).
        summary: end-of-run KPIs (JSON-serialisable).
        intervals: one row per (staffed touchpoint, day, intraday interval), every day: arrivals,
            servers on duty, answered within the touchpoint's target, abandoned, waits
            (:func:`interval_table`).
        engine: the engine that produced it.
        seed: the seed used.
        traces: the traced people's contacts, journeys, messages and status changes over every
            simulated day (``simulation.trace``; see :mod:`cxsim.trace`), None when tracing is off.
        surveys: one row per day and survey: the surveys' tallies (``cxsim.voc.survey_frame``).
        voc: measured vs true NPS / CSAT / effort per day, week and month (``cxsim.voc.measured_table``),
            built on first use from ``surveys`` and ``daily`` over the days ``voc_window`` at ``voc_level``.
        referrers: one row per person who brought a customer by referral (``cxsim.referrals``).
        referrers_by_class: the same by segment and end state.
    """

    daily: pd.DataFrame
    touchpoints: pd.DataFrame
    steps: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    intervals: pd.DataFrame = field(default_factory=pd.DataFrame)
    engine: str = "agent"
    seed: int = 0
    traces: Traces | None = None
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)
    voc_window: tuple[int, int] = (0, 0)  # (warm-up days, last reported day)
    voc_level: float = 0.95
    referrers: pd.DataFrame = field(default_factory=pd.DataFrame)
    referrers_by_class: pd.DataFrame = field(default_factory=pd.DataFrame)

    # NOTE: a comparison never reads it; building it for every replication would cost more than the surveys.
    @cached_property
    def voc(self) -> pd.DataFrame:
        """Measured vs true NPS / CSAT / effort per day, week and month (see ``cxsim.voc``)."""
        from cxsim.voc import measured_table

        if self.surveys.empty:
            return pd.DataFrame()
        return measured_table(self.surveys, self.daily, self.voc_window[0], self.voc_window[1], self.voc_level)


def daily_frame(rows: list[dict[str, float]]) -> pd.DataFrame:
    """The daily KPI table with integer columns as int64."""
    df = pd.DataFrame.from_records(rows, columns=list(DAILY_COLUMNS))
    for col in INTEGER_COLUMNS:
        df[col] = df[col].astype(np.int64)
    return df


def touchpoint_table(spec: ModelSpec, totals: Totals, server_min: np.ndarray | None = None) -> pd.DataFrame:
    """Per-touchpoint totals over the run, with rates derived from them.

    ``server_min`` is the server time on duty over the reported days per touchpoint (the
    staffing plan's); ``None``: the fixed staffing of ``spec`` every day.
    """
    t = totals
    days = spec.days - spec.warmup_days  # the totals count the days after the warm-up
    hours = spec.tp_close - spec.tp_open
    if server_min is None:
        staff = _over_reported_days(spec, spec.tp_server_days_wd * spec.tp_staff_cost[:, None])
        server_min = _over_reported_days(spec, spec.tp_server_min_wd)
    else:
        staff = server_min / hours * spec.tp_staff_cost

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1), np.nan)

    return pd.DataFrame(
        {
            "touchpoint": list(spec.touchpoint_names),
            "channel": [spec.channel_names[c] for c in spec.tp_channel],
            "staffed": spec.tp_staffed.astype(bool),
            "servers": spec.tp_servers.astype(np.int64),
            "mean_servers": np.where(spec.tp_staffed, ratio(server_min, hours * days), 0.0),
            "visits": t.visits.copy(),
            "served": t.served.copy(),
            "abandoned": t.abandoned.copy(),
            "resolved": t.resolved.copy(),
            "wows": t.wows.copy(),
            "resolution_rate": ratio(t.resolved, t.visits),
            "abandonment_rate": ratio(t.abandoned, t.visits),
            "mean_wait_min": np.where(spec.tp_staffed, ratio(t.wait_sum, t.staffed_visits), 0.0),
            "service_level_20s": np.where(spec.tp_staffed, ratio(t.within_target, t.staffed_visits), np.nan),
            "mean_moment": ratio(t.moment_sum, t.visits),
            "contact_cost": t.contact_cost.copy(),
            "staff_cost": staff.astype(np.float64),
            "cost": t.contact_cost + staff,
            "busy_min": t.busy_min.copy(),
            "occupancy": np.where(spec.tp_staffed, ratio(t.busy_min, server_min), np.nan),
        }
    )


INTERVAL_COLUMNS = (
    "touchpoint", "day", "interval", "start_min", "end_min", "arrivals", "servers", "answered_in_target",
    "abandoned", "wait_min", "busy_min", "service_level", "occupancy",
)  # fmt: skip


def interval_table(spec: ModelSpec, staffing: Any) -> pd.DataFrame:
    """One row per (staffed touchpoint, day, interval of its grid), days 1 ... ``spec.days``.

    ``service_level`` = answered within the touchpoint's ``staffing.target_seconds`` ÷ arrivals
    (abandoned contacts count against it); ``wait_min`` is the mean wait of the interval's
    arrivals; ``occupancy`` = busy minutes of the contacts that arrived in the interval ÷ server
    minutes on duty in it (by arrival interval, so a long service near an interval's end counts in
    its arrival interval).
    """
    parts = []
    days = np.arange(1, spec.days + 1)
    for tp in range(len(spec.touchpoint_names)):
        k_n = int(spec.tp_int_n[tp])
        if not spec.tp_staffed[tp] or k_n == 0:
            continue
        edges = spec.tp_int_edges[tp, : k_n + 1]
        counts = staffing.counts[1:, tp, :k_n]
        minutes = staffing.minutes[1:, tp, :k_n]
        servers = staffing.servers[1:, tp, :k_n]
        arrivals = counts[..., 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            sl = np.where(arrivals > 0, counts[..., 1] / np.maximum(arrivals, 1), np.nan)
            wait = np.where(arrivals > 0, minutes[..., 0] / np.maximum(arrivals, 1), np.nan)
            cap = servers * np.diff(edges)[None, :]
            occ = np.where(cap > 0, minutes[..., 1] / np.maximum(cap, 1e-300), np.nan)
        parts.append(
            pd.DataFrame(
                {
                    "touchpoint": spec.touchpoint_names[tp],
                    "day": np.repeat(days, k_n),
                    "interval": np.tile(np.arange(k_n), days.size),
                    "start_min": np.tile(edges[:-1], days.size),
                    "end_min": np.tile(edges[1:], days.size),
                    "arrivals": arrivals.ravel(),
                    "servers": servers.ravel(),
                    "answered_in_target": counts[..., 1].ravel(),
                    "abandoned": counts[..., 2].ravel(),
                    "wait_min": wait.ravel(),
                    "busy_min": minutes[..., 1].ravel(),
                    "service_level": sl.ravel(),
                    "occupancy": occ.ravel(),
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: [] for c in INTERVAL_COLUMNS})
    return pd.concat(parts, ignore_index=True)[list(INTERVAL_COLUMNS)]


def typical_day(intervals: pd.DataFrame, first_day: int, last_day: int) -> pd.DataFrame:
    """The intervals table averaged over days ``first_day`` ... ``last_day`` on which each interval
    is open (weekday hours): one row per (touchpoint, interval) with mean arrivals and servers, and
    the service level, mean wait and occupancy of all those days' contacts together."""
    iv = intervals[(intervals["day"] >= first_day) & (intervals["day"] <= last_day)]
    iv = iv[iv["servers"] > 0].copy()  # the days each interval is open (a closed weekday hour has no one on duty)
    if iv.empty:
        return pd.DataFrame(columns=["touchpoint", "interval", "start_min", "end_min", "arrivals", "servers",
                                     "service_level", "wait_min", "occupancy"])  # fmt: skip
    iv["wait_total"] = iv["wait_min"].fillna(0.0) * iv["arrivals"]
    iv["capacity"] = iv["servers"] * (iv["end_min"] - iv["start_min"])
    g = iv.groupby(["touchpoint", "interval"], sort=False)
    out = g.agg(
        start_min=("start_min", "first"),
        end_min=("end_min", "first"),
        arrivals=("arrivals", "mean"),
        servers=("servers", "mean"),
        n_arrivals=("arrivals", "sum"),
        answered=("answered_in_target", "sum"),
        wait_total=("wait_total", "sum"),
        busy=("busy_min", "sum"),
        capacity=("capacity", "sum"),
    ).reset_index()
    # in the order of the day: the group order is first appearance, and a range that starts on a
    # day with later hours (a Saturday) would put the morning intervals last
    order = {tp: k for k, tp in enumerate(dict.fromkeys(out["touchpoint"]))}
    out = out.sort_values(["touchpoint", "interval"], key=lambda c: c.map(order) if c.name == "touchpoint" else c)
    out = out.reset_index(drop=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["service_level"] = np.where(out["n_arrivals"] > 0, out["answered"] / out["n_arrivals"], np.nan)
        out["wait_min"] = np.where(out["n_arrivals"] > 0, out["wait_total"] / out["n_arrivals"], np.nan)
        out["occupancy"] = np.where(out["capacity"] > 0, out["busy"] / out["capacity"], np.nan)
    return out[["touchpoint", "interval", "start_min", "end_min", "arrivals", "servers", "service_level", "wait_min",
                "occupancy"]]  # fmt: skip


def _over_reported_days(spec: ModelSpec, per_weekday: np.ndarray) -> np.ndarray:
    """(T,) sum over the days the totals count (after the warm-up) of a (T, 7) per-weekday amount
    (staff cost, server-minutes on duty). A touchpoint whose week is uniform: amount x days."""
    days = np.arange(spec.warmup_days + 1, spec.days + 1)
    counts = np.bincount([weekday(spec.start_weekday, int(d)) for d in days], minlength=DAYS_PER_WEEK)
    uniform = (per_weekday == per_weekday[:, :1]).all(axis=1)
    return np.where(uniform, per_weekday[:, 0] * days.size, per_weekday @ counts.astype(np.float64))


_STEP_COUNTS = ("visits", "resolved", "abandoned", "switched", "retried", "gave_up")


def step_table(spec: ModelSpec, totals: Totals) -> pd.DataFrame:
    """Contacts per (journey, step, touchpoint) over the run, for every touchpoint a step offers:
    how many were resolved or abandoned, came through a channel switch without shared context,
    were followed by another try of the step, or ended the journey given up."""
    rows = []
    for k, full in enumerate(spec.step_names):
        journey, step = full.split(".", 1)
        for n in range(int(spec.step_n_touchpoints[k])):
            tp = int(spec.step_touchpoints[k, n])
            rows.append(
                {
                    "journey": journey,
                    "step": step,
                    "touchpoint": spec.touchpoint_names[tp],
                    "visits": int(totals.step_visits[k, tp]),
                    "resolved": int(totals.step_resolved[k, tp]),
                    "abandoned": int(totals.step_abandoned[k, tp]),
                    "switched": int(totals.step_switched[k, tp]),
                    "retried": int(totals.step_retried[k, tp]),
                    "gave_up": int(totals.step_gave_up[k, tp]),
                }
            )
    return pd.DataFrame(rows, columns=["journey", "step", "touchpoint", *_STEP_COUNTS])


def _f(x: float) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def summarise(spec: ModelSpec, daily: pd.DataFrame, touchpoints: pd.DataFrame) -> dict[str, Any]:
    """End-of-run KPIs from the daily and touchpoint tables, over the days after the warm-up.

    The first ``spec.warmup_days`` days (the market settling from its day-0 draws) are left out of
    every total, mean and rate; "start" values are those at the end of the warm-up.
    """
    daily = daily[daily["day"] > spec.warmup_days]
    last = daily.iloc[-1]
    days = len(daily)
    churned = int(daily["churned"].sum())
    acq_m = int(daily["acquired_marketing"].sum())
    acq_r = int(daily["acquired_referral"].sum())
    mean_customers = float(daily["customers"].mean())
    visits = int(daily["visits"].sum())
    abandoned = int(daily["abandoned"].sum())
    staffed_visits = int(np.sum(touchpoints["visits"][touchpoints["staffed"]]))
    wait_total = float(np.nansum(touchpoints["mean_wait_min"] * touchpoints["visits"] * touchpoints["staffed"]))
    return {
        "days": days,
        "warmup_days": spec.warmup_days,
        "population": spec.size,
        "currency": spec.currency,
        "customers_start": int(
            daily["customers"].iloc[0]
            + daily["churned"].iloc[0]
            - daily["acquired_marketing"].iloc[0]
            - daily["acquired_referral"].iloc[0]
        ),
        "customers_end": int(last["customers"]),
        "prospects_end": int(last["prospects"]),
        "churned_total": churned,
        "churn_rate_annual": churned / mean_customers * 365.0 / days if mean_customers else None,
        "acquired_marketing_total": acq_m,
        "acquired_referral_total": acq_r,
        "referral_share": acq_r / (acq_m + acq_r) if acq_m + acq_r else None,
        "nps_end": float(last["nps"]),
        "nps_mean": float(daily["nps"].mean()),
        "promoters_end": int(last["promoters"]),
        "detractors_end": int(last["detractors"]),
        "csat_mean": _f(np.nansum(daily["csat"] * daily["visits"]) / visits) if visits else None,
        "effort_mean": _f(np.nansum(daily["effort"] * daily["visits"]) / visits) if visits else None,
        "satisfaction_end": _f(last["satisfaction"]),
        "visits_total": visits,
        "abandonment_rate": abandoned / staffed_visits if staffed_visits else None,
        "mean_wait_min": wait_total / staffed_visits if staffed_visits else None,
        "service_level_20s": _f(np.nansum(touchpoints["service_level_20s"] * touchpoints["visits"]) / staffed_visits)
        if staffed_visits
        else None,
        "resolution_rate": int(daily["resolved"].sum()) / visits if visits else None,
        "journeys_completed_total": int(daily["journeys_completed"].sum()),
        "journeys_failed_total": int(daily["journeys_failed"].sum()),
        "revenue_total": float(daily["revenue"].sum()),
        "cost_to_serve_total": float(daily["cost_to_serve"].sum()),
        "acquisition_cost_total": float(daily["acquisition_cost"].sum()),
        "margin_total": float(daily["margin"].sum()),
    }
