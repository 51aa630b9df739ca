"""Display names and units of the comparison's KPIs and value drivers, in one place.

The comparison computes KPIs under short names (``nps_end``, ``churn_rate_annual``); tables,
figures, the terminal and the report show them with these labels and format each value by its
unit, so a rate is always a percentage and money always carries its currency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DRIVER_LABELS", "KPI_INFO", "KpiInfo", "format_delta", "format_value"]


@dataclass(frozen=True)
class KpiInfo:
    """How a KPI is shown: its label, its unit, and whether more is better."""

    label: str
    unit: str  # currency | share (a fraction shown as %) | percent (already 0-100) | points | count | minutes | score
    higher_is_better: bool = True


KPI_INFO: dict[str, KpiInfo] = {
    "npv": KpiInfo("NPV vs AS-IS", "currency"),
    "roi": KpiInfo("ROI", "share"),
    "investment": KpiInfo("investment (capex, opex, staff change)", "currency", False),
    "benefit": KpiInfo("benefit from customers' behaviour", "currency"),
    "discounted_margin": KpiInfo("margin (discounted)", "currency"),
    "margin_total": KpiInfo("margin (undiscounted)", "currency"),
    "revenue_total": KpiInfo("revenue", "currency"),
    "cost_to_serve_total": KpiInfo("cost to serve (contacts and staff)", "currency", False),
    "acquisition_cost_total": KpiInfo("acquisition cost", "currency", False),
    "nps_end": KpiInfo("NPS at the end", "points"),
    "nps_mean": KpiInfo("NPS, average over the horizon", "points"),
    "csat_mean": KpiInfo("CSAT (satisfied contacts)", "percent"),
    "effort_mean": KpiInfo("customer effort (0 = effortless)", "score", False),
    "churned_total": KpiInfo("customers lost", "count", False),
    "churn_rate_annual": KpiInfo("churn per year", "share", False),
    "acquired_referral_total": KpiInfo("customers won by referral", "count"),
    "acquired_marketing_total": KpiInfo("customers won by marketing", "count"),
    "customers_end": KpiInfo("customers at the end", "count"),
    "visits_total": KpiInfo("contacts", "count", False),
    "abandonment_rate": KpiInfo("abandonment (staffed channels)", "share", False),
    "mean_wait_min": KpiInfo("mean wait (staffed channels)", "minutes", False),
    "resolution_rate": KpiInfo("contacts resolved", "share"),
    "nps_measured": KpiInfo("NPS measured by the surveys", "points"),
    "survey_responses_total": KpiInfo("survey answers", "count"),
    "survey_cost_total": KpiInfo("survey cost (not in the margin)", "currency", False),
    "value_of_promoter": KpiInfo("value of a promoter (per promoter-year)", "currency"),
    "referrals_per_referrer": KpiInfo("referrals per referrer", "score"),
    "second_generation_share": KpiInfo("new customers from referrals of referrals", "share"),
}

DRIVER_LABELS: dict[str, str] = {
    "retention": "retention (fewer customers lost)",
    "wom_acquisition": "customers won by word of mouth",
    "marketing_acquisition": "customers won by marketing",
    "cost_to_serve": "contact costs (repeats, channel mix)",
    "staff_for_load": "staff the changed load needs (same service level)",
    "other": "other (segment mix)",
    "capex": "capex",
    "opex": "the design's running cost (opex)",
    "staff": "staff the design adds or removes",
}


def format_value(x: float | None, unit: str, currency: str = "", *, signed: bool = False) -> str:
    """One value in its unit: ``12.3%``, ``+4.1 pts``, ``1,234 USD``, ``0.45 min``."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    sign = "+" if signed else ""
    if unit == "currency":
        text = f"{x:{sign},.0f}"
        return f"{text} {currency}".rstrip()
    if unit == "share":
        return f"{100 * x:{sign},.1f}%"
    if unit == "percent":
        return f"{x:{sign},.1f}%"
    if unit == "points":
        return f"{x:{sign}.1f} pts"
    if unit == "count":
        return f"{x:{sign},.0f}"
    if unit == "minutes":
        return f"{x:{sign}.2f} min"
    return f"{x:{sign}.2f}"


def format_delta(x: float | None, unit: str, currency: str = "") -> str:
    """A difference in its unit, signed; rates change in percentage points (``+1.2 pp``)."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    if unit == "share":
        return f"{100 * float(x):+,.1f} pp"
    if unit == "percent":
        return f"{float(x):+,.1f} pp"
    return format_value(x, unit, currency, signed=True)
