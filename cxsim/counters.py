"""The events an engine counts during one day.

``DayCounters`` holds one day's acquisitions, churn, journeys and WOM messages; the engines fill
it phase by phase and :func:`cxsim.kpis.day_kpis` turns it into the day's record. Status codes
live in :mod:`cxsim.kernels.codes`, per-touchpoint totals in :class:`cxsim.kernels.groups.Totals`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DayCounters"]


@dataclass
class DayCounters:
    """Events counted during one day."""

    acquired_marketing: int = 0
    acquired_referral: int = 0
    churned: int = 0
    journeys_started: int = 0
    journeys_completed: int = 0
    journeys_failed: int = 0
    wom_positive: int = 0
    wom_negative: int = 0
    visits_postponed: int = 0  # due contacts moved to tomorrow: every touchpoint of the step closed today
