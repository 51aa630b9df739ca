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


def nps_interval(promoters: float, detractors: float, n: float, level: float) -> tuple[float, float, float]:
    """Measured NPS with its normal confidence interval (NaN without answers)."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    p, d = promoters / n, detractors / n
    nps = 100.0 * (p - d)
    half = _z(level) * 100.0 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return nps, max(nps - half, -100.0), min(nps + half, 100.0)


def _measured(t: pd.Series, level: float) -> dict[str, float]:
    """Measured KPIs of one summed tally (NPS over every answer; CSAT and effort over rated contacts)."""
    nps, nps_lo, nps_hi = nps_interval(t["promoters"], t["detractors"], t["responses"], level)
    z, m = _z(level), float(t["rated_contacts"])
    csat = csat_lo = csat_hi = eff = eff_lo = eff_hi = math.nan
    if m > 0:
        c = t["satisfied"] / m
        half = z * math.sqrt(c * (1.0 - c) / m)
        csat, csat_lo, csat_hi = 100.0 * c, 100.0 * max(c - half, 0.0), 100.0 * min(c + half, 1.0)
        eff = t["ces_sum"] / m
        if m > 1:
            var = max((t["ces_sq_sum"] - m * eff * eff) / (m - 1.0), 0.0)
            half = z * math.sqrt(var / m)
            eff_lo, eff_hi = eff - half, eff + half
    return {
        "nps_measured": nps, "nps_low": nps_lo, "nps_high": nps_hi,
        "csat_measured": csat, "csat_low": csat_lo, "csat_high": csat_hi,
        "effort_measured": eff, "effort_low": eff_lo, "effort_high": eff_hi,
    }  # fmt: skip


def _true(daily: pd.DataFrame) -> dict[str, float]:
    """The true KPIs of the same days: mean daily NPS of all customers, CSAT and effort of all contacts."""
    visits = float(daily["visits"].sum())
    return {
        "nps_true": float(daily["nps"].mean()) if len(daily) else math.nan,
        "csat_true": float(np.nansum(daily["csat"] * daily["visits"]) / visits) if visits else math.nan,
        "effort_true": float(np.nansum(daily["effort"] * daily["visits"]) / visits) if visits else math.nan,
    }


def measured_table(frame: pd.DataFrame, daily: pd.DataFrame, warmup: int, until: int, level: float) -> pd.DataFrame:
    """Measured vs true NPS, CSAT and effort per day, week (7 days) and month (365/12 days) of the
    reported window, for each survey and for all surveys together (``survey = "all"``)."""
    f = frame[(frame["day"] > warmup) & (frame["day"] <= until)]
    d = daily[(daily["day"] > warmup) & (daily["day"] <= until)]
    t = (f["day"] - warmup - 1).to_numpy()
    td = (d["day"] - warmup - 1).to_numpy()
    rows = []
    for period, index, index_d in (
        ("day", t + 1, td + 1),
        ("week", t // 7 + 1, td // 7 + 1),
        (
            "month",
            np.floor(t / DAYS_PER_MONTH).astype(np.int64) + 1,
            np.floor(td / DAYS_PER_MONTH).astype(np.int64) + 1,
        ),
    ):
        sums = f.assign(index=index).groupby(["index", "survey"], sort=True)[list(TALLY_COLUMNS)].sum()
        for k in sorted(set(index_d.tolist())):
            days = d[index_d == k]
            truth = _true(days)
            span = {"period": period, "index": int(k), "first_day": int(days["day"].min()),
                    "last_day": int(days["day"].max())}  # fmt: skip
            per_survey = [(s, sums.loc[(k, s)]) for s in SURVEYS if (k, s) in sums.index]
            everything = sum((x for _, x in per_survey), start=pd.Series(0.0, index=list(TALLY_COLUMNS)))
            for name, x in [*per_survey, ("all", everything)]:
                rows.append({**span, "survey": name, "invited": int(x["invited"]), "responses": int(x["responses"]),
                             **_measured(x, level), **truth})  # fmt: skip
    return pd.DataFrame(rows, columns=MEASURED_COLUMNS)


def voc_summary(spec: ModelSpec, frame: pd.DataFrame, daily: pd.DataFrame, until: int) -> dict[str, Any]:
    """The run summary's survey figures over the reported window (all surveys pooled, and each)."""
    w, level = spec.warmup_days, spec.voc_ci_level
    f = frame[(frame["day"] > w) & (frame["day"] <= until)]
    total = f[list(TALLY_COLUMNS)].sum()
    m = _measured(total, level)
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
