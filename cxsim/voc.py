"""Voice of the customer: the surveys' daily tallies turned into measured KPIs with intervals.

The engines tally each day's surveys (:mod:`cxsim.kernels.voc`); ``survey_frame`` makes that a
tidy table (one row per day and survey), ``measured_table`` the measured NPS, CSAT and effort per
day, week and month with confidence intervals next to the true ones, and ``voc_summary`` the
run's totals. The intervals (``docs/model.md`` §3.10):

* NPS: with promoter share ``p`` and detractor share ``d`` among ``n`` answers, NPS = 100 (p − d)
  and the per-answer variance of the promoter-minus-detractor score (+1, 0, −1) is
  ``p + d − (p − d)²``, so ``se = 100 √((p + d − (p − d)²) / n)``; normal interval ``± z se``,
  kept within [−100, 100];
* CSAT: a binomial share, ``se = 100 √(c (1 − c) / n)`` (kept within [0, 100]); effort: a mean,
  ``se = s / √n``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cxsim.kernels.voc import SURVEYS, TALLY_COLUMNS
from cxsim.money import DAYS_PER_MONTH
from cxsim.spec import ModelSpec

__all__ = ["MEASURED_COLUMNS", "measured_table", "nps_interval", "survey_frame", "voc_summary"]

_COUNTS = tuple(c for c in TALLY_COLUMNS if not c.startswith("ces"))
MEASURED_COLUMNS = [
    "period", "index", "first_day", "last_day", "survey", "invited", "responses",
    "nps_measured", "nps_low", "nps_high", "nps_true",
    "csat_measured", "csat_low", "csat_high", "csat_true",
    "effort_measured", "effort_low", "effort_high", "effort_true",
]  # fmt: skip


def survey_frame(tallies: list[np.ndarray]) -> pd.DataFrame:
    """One row per day (from 1) and survey: the day's tally (counts as int64)."""
    n = len(tallies)
    stacked = np.stack(tallies) if n else np.zeros((0, len(SURVEYS), len(TALLY_COLUMNS)))
    df = pd.DataFrame(stacked.reshape(n * len(SURVEYS), len(TALLY_COLUMNS)), columns=list(TALLY_COLUMNS))
    df.insert(0, "survey", np.tile(np.array(SURVEYS, dtype=object), n))
    df.insert(0, "day", np.repeat(np.arange(1, n + 1, dtype=np.int64), len(SURVEYS)))
    for col in _COUNTS:
        df[col] = df[col].astype(np.int64)
    return df


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _nps(promoters: np.ndarray, detractors: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, ...]:
    """Measured NPS and its interval, element by element (NaN without answers)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p, d = promoters / n, detractors / n
        nps = 100.0 * (p - d)
        half = z * 100.0 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0.0) / n)
    return nps, np.maximum(nps - half, -100.0), np.minimum(nps + half, 100.0)


def nps_interval(promoters: float, detractors: float, n: float, level: float) -> tuple[float, float, float]:
    """Measured NPS with its normal confidence interval (NaN without answers)."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    nps, lo, hi = _nps(np.array([promoters]), np.array([detractors]), np.array([float(n)]), _z(level))
    return float(nps[0]), float(lo[0]), float(hi[0])


def _measured(t: pd.DataFrame, level: float) -> pd.DataFrame:
    """Measured KPIs of summed tallies, one row each (NPS over every answer; CSAT and effort over
    rated contacts)."""
    z = _z(level)
    n = t["responses"].to_numpy(dtype=np.float64)
    nps, nps_lo, nps_hi = _nps(t["promoters"].to_numpy(), t["detractors"].to_numpy(), np.where(n > 0, n, np.nan), z)
    m = t["rated_contacts"].to_numpy(dtype=np.float64)
    m = np.where(m > 0, m, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = t["satisfied"].to_numpy() / m
        half = z * np.sqrt(c * (1.0 - c) / m)
        eff = t["ces_sum"].to_numpy() / m
        var = np.maximum((t["ces_sq_sum"].to_numpy() - m * eff * eff) / (m - 1.0), 0.0)
        eff_half = np.where(m > 1, z * np.sqrt(var / m), np.nan)
    return pd.DataFrame(
        {
            "nps_measured": nps, "nps_low": nps_lo, "nps_high": nps_hi,
            "csat_measured": 100.0 * c,
            "csat_low": 100.0 * np.maximum(c - half, 0.0),
            "csat_high": 100.0 * np.minimum(c + half, 1.0),
            "effort_measured": eff, "effort_low": eff - eff_half, "effort_high": eff + eff_half,
        },
        index=t.index,
    )  # fmt: skip


def measured_table(frame: pd.DataFrame, daily: pd.DataFrame, warmup: int, until: int, level: float) -> pd.DataFrame:
    """Measured vs true NPS, CSAT and effort per day, week (7 days) and month (365/12 days) of the
    reported window, for each survey and for all surveys together (``survey = "all"``).

    The true values of a period: the mean of the daily NPS of all customers; CSAT and effort over
    all the period's contacts (visit-weighted daily values)."""
    f = frame[(frame["day"] > warmup) & (frame["day"] <= until)]
    d = daily[(daily["day"] > warmup) & (daily["day"] <= until)]
    weighted = pd.DataFrame(
        {
            "day": d["day"].to_numpy(),
            "nps": d["nps"].to_numpy(),
            "visits": d["visits"].to_numpy(),
            "csat_x": np.nan_to_num(d["csat"].to_numpy() * d["visits"].to_numpy()),
            "effort_x": np.nan_to_num(d["effort"].to_numpy() * d["visits"].to_numpy()),
        }
    )
    parts = []
    for period, size in (("day", 1.0), ("week", 7.0), ("month", DAYS_PER_MONTH)):
        index_f = np.floor((f["day"].to_numpy() - warmup - 1) / size).astype(np.int64) + 1
        index_d = np.floor((weighted["day"].to_numpy() - warmup - 1) / size).astype(np.int64) + 1
        g = weighted.groupby(index_d)
        truth = pd.DataFrame(
            {
                "first_day": g["day"].min(),
                "last_day": g["day"].max(),
                "nps_true": g["nps"].mean(),
                "csat_true": g["csat_x"].sum() / g["visits"].sum().where(lambda v: v > 0),
                "effort_true": g["effort_x"].sum() / g["visits"].sum().where(lambda v: v > 0),
            }
        )
        by_survey = f.assign(index=index_f).groupby(["index", "survey"])[list(TALLY_COLUMNS)].sum()
        together = f.assign(index=index_f).groupby("index")[list(TALLY_COLUMNS)].sum()
        together["survey"] = "all"
        sums = pd.concat([by_survey.reset_index(), together.reset_index()], ignore_index=True)
        sums = pd.concat([sums, _measured(sums, level)], axis=1).join(truth, on="index")
        sums["period"] = period
        order = {name: k for k, name in enumerate((*SURVEYS, "all"))}
        parts.append(sums.sort_values(["index", "survey"], key=lambda c: c.map(order) if c.name == "survey" else c))
    out = pd.concat(parts, ignore_index=True)
    for col in ("index", "first_day", "last_day", "invited", "responses"):
        out[col] = out[col].astype(np.int64)
    return out[MEASURED_COLUMNS]


def voc_summary(spec: ModelSpec, frame: pd.DataFrame, daily: pd.DataFrame, until: int) -> dict[str, Any]:
    """The run summary's survey figures over the reported window (all surveys pooled, and each)."""
    w, level = spec.warmup_days, spec.voc_ci_level
    f = frame[(frame["day"] > w) & (frame["day"] <= until)]
    total = f[list(TALLY_COLUMNS)].sum()
    m = _measured(total.to_frame().T, level).iloc[0]
    n = float(total["responses"])

    def clean(x: float) -> float | None:
        return None if not math.isfinite(x) else float(x)

    out: dict[str, Any] = {
        "survey_invitations_total": int(total["invited"]),
        "survey_responses_total": int(n),
        "survey_response_rate": n / float(total["invited"]) if total["invited"] else None,
        "survey_cost_total": float(total["invited"]) * spec.voc_cost_per_invitation,
        "nps_measured": clean(m["nps_measured"]),
        "nps_measured_low": clean(m["nps_low"]),
        "nps_measured_high": clean(m["nps_high"]),
        "voc_promoter_share": float(total["promoters"]) / n if n else None,
        "voc_detractor_share": float(total["detractors"]) / n if n else None,
        "csat_measured": clean(m["csat_measured"]),
        "effort_measured": clean(m["effort_measured"]),
    }
    for s in SURVEYS:
        x = f[f["survey"] == s][list(TALLY_COLUMNS)].sum()
        out[f"nps_measured_{s}"] = clean(nps_interval(x["promoters"], x["detractors"], x["responses"], level)[0])
        out[f"survey_responses_{s}"] = int(x["responses"])
    return out
