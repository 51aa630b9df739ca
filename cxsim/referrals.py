"""Referral attribution read off the end-of-run state: who brought whom, and what they were worth.

Each customer acquired by referral names one referrer (``referred_by``, drawn by
:func:`cxsim.kernels.wom.pick_referrer` in both engines); with the days customers came
(``acquired_day``) and left (``left_day``) that is enough to answer, after the run, how many
customers each person brought, what those customers' margin was, how many came through referrals
of referrals, and what a promoter is worth (``docs/model.md`` §3.11). Nothing here feeds back
into the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxsim.kernels.codes import CHURNED, CUSTOMER, VIA_INITIAL, VIA_MARKETING, VIA_REFERRAL
from cxsim.kernels.groups import ReferralState
from cxsim.money import discount_factors
from cxsim.spec import ModelSpec

__all__ = ["REFERRER_COLUMNS", "ReferralState", "referral_outputs", "referred_values"]

_VIA = {VIA_INITIAL: "initial", VIA_MARKETING: "marketing", VIA_REFERRAL: "referral"}
REFERRER_COLUMNS = ["person", "segment", "state_end", "acquired_via", "referrals", "second_generation", "value"]
_BY_CLASS_COLUMNS = ["segment", "state_end", "people", "referrers", "referrals", "referrals_per_person", "value",
                     "value_per_person"]  # fmt: skip


def _state_end(state: ReferralState) -> np.ndarray:
    """promoter / passive / detractor (customers at the end, by their answer), churned or prospect."""
    ltr = state.ltr.astype(np.int64)
    cls = np.where(ltr >= 9, "promoter", np.where(ltr <= 6, "detractor", "passive"))
    return np.where(state.status == CUSTOMER, cls, np.where(state.status == CHURNED, "churned", "prospect"))


def referred_values(spec: ModelSpec, state: ReferralState, until: int) -> tuple[np.ndarray, np.ndarray]:
    """The customers acquired by referral in the reported window (days ``warmup + 1 .. until``)
    and each one's discounted value: the revenue (the segment's margin per day) of every day they
    were a customer at the end of the day, from their acquisition to the day before they churned
    or ``until``, minus the cost per acquisition and the referral reward paid on their first day;
    discounted as the business case is, ``(1 + r)^(−t/365)`` on day ``t`` of the window.

    Returns:
        ``(person indices, values)``.
    """
    w = spec.warmup_days
    a = state.acquired_day.astype(np.int64)
    who = np.flatnonzero((state.referred_by >= 0) & (a > w) & (a <= until))
    disc = discount_factors(until - w, spec.discount_rate_annual)
    cum = np.concatenate(([0.0], np.cumsum(disc)))  # cum[t] = sum of the factors of window days 1..t
    start = a[who] - w
    left = state.left_day[who].astype(np.int64)
    end = np.where((left > 0) & (left <= until), left - 1, until) - w
    revenue = spec.revenue_per_day[state.segment[who]] * (cum[end] - cum[start - 1])
    cost = (spec.cost_per_acquisition + spec.referral_reward) * disc[start - 1]
    return who, revenue - cost


def referral_outputs(
    spec: ModelSpec, state: ReferralState, daily: pd.DataFrame, until: int
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The referrer table (one row per person who brought a customer in the window, most
    referrals first), the same by segment and end state, and the summary's referral figures."""
    w = spec.warmup_days
    who, value = referred_values(spec, state, until)
    ref = state.referred_by[who].astype(np.int64)
    referrers, inverse = np.unique(ref, return_inverse=True)
    made = np.bincount(inverse, minlength=referrers.size)
    brought = np.bincount(inverse, weights=value, minlength=referrers.size)
    # second generation: customers brought by someone who was themselves brought by a referral
    second = state.acquired_via[ref] == VIA_REFERRAL
    # customers each referrer brought who went on to refer someone in the window
    referring = np.isin(who, referrers)
    onward = np.bincount(inverse, weights=referring.astype(np.float64), minlength=referrers.size)
    ends = _state_end(state)
    segments = np.array(spec.segment_names, dtype=object)
    table = pd.DataFrame(
        {
            "person": referrers,
            "segment": segments[state.segment[referrers]] if referrers.size else np.array([], dtype=object),
            "state_end": ends[referrers],
            "acquired_via": [_VIA[int(v)] for v in state.acquired_via[referrers]],
            "referrals": made.astype(np.int64),
            "second_generation": onward.astype(np.int64),
            "value": brought,
        },
        columns=REFERRER_COLUMNS,
    )
    table = table.sort_values(["referrals", "value", "person"], ascending=[False, False, True], kind="stable")
    by_class = _by_class(spec, state, ends, table)
    window = daily[(daily["day"] > w) & (daily["day"] <= until)]
    new = int(window["acquired_marketing"].sum() + window["acquired_referral"].sum())
    promoter_years = float(window["promoters"].sum()) / 365.0
    promoters_end = np.flatnonzero(ends == "promoter")
    per_promoter = np.zeros(state.segment.shape[0], dtype=np.int64)
    per_promoter[referrers] = made
    counts = per_promoter[promoters_end]
    total = float(value.sum())
    summary = {
        "referrals_attributed_total": int(who.size),
        "referrers_total": int(referrers.size),
        "referrals_per_referrer": float(made.mean()) if referrers.size else None,
        "second_generation_share": float(second.sum()) / new if new else None,
        "referred_value_total": total,
        "promoter_years": promoter_years,
        "value_of_promoter": total / promoter_years if promoter_years > 0 else None,
        "value_per_referral": total / who.size if who.size else None,
        "referrals_per_promoter": {
            "0": int(np.sum(counts == 0)),
            "1": int(np.sum(counts == 1)),
            "2": int(np.sum(counts == 2)),
            "3+": int(np.sum(counts >= 3)),
        },
        "referrals_by_end_promoters_share": float(counts.sum()) / who.size if who.size else None,
    }
    return table.reset_index(drop=True), by_class, summary


def _by_class(spec: ModelSpec, state: ReferralState, ends: np.ndarray, table: pd.DataFrame) -> pd.DataFrame:
    """Per segment and end state (promoter, passive, detractor, churned): people, referrers, referrals, value."""
    rows = []
    seg = state.segment
    for s, name in enumerate(spec.segment_names):
        for end in ("promoter", "passive", "detractor", "churned"):
            people = int(np.sum((seg == s) & (ends == end)))
            t = table[(table["segment"] == name) & (table["state_end"] == end)]
            referrals = int(t["referrals"].sum())
            value = float(t["value"].sum())
            rows.append(
                {
                    "segment": name,
                    "state_end": end,
                    "people": people,
                    "referrers": len(t),
                    "referrals": referrals,
                    "referrals_per_person": referrals / people if people else float("nan"),
                    "value": value,
                    "value_per_person": value / people if people else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=_BY_CLASS_COLUMNS)
