"""Status codes and the counters an engine keeps while it runs.

``DayCounters`` holds the events of one day (acquisitions, churn, journeys, WOM messages);
``TouchpointTotals`` accumulates per-touchpoint statistics over the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "CHURNED",
    "CUSTOMER",
    "PROSPECT",
    "VIA_INITIAL",
    "VIA_MARKETING",
    "VIA_REFERRAL",
    "DayCounters",
    "TouchpointTotals",
]

PROSPECT = 0
CUSTOMER = 1
CHURNED = 2
VIA_INITIAL = 0
VIA_MARKETING = 1
VIA_REFERRAL = 2


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


def _zeros_int(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int64)


@dataclass
class TouchpointTotals:
    """Per-touchpoint statistics accumulated over a run (arrays indexed by touchpoint)."""

    n: int
    n_steps: int = 0
    visits: np.ndarray = field(init=False)
    served: np.ndarray = field(init=False)
    abandoned: np.ndarray = field(init=False)
    resolved: np.ndarray = field(init=False)
    wows: np.ndarray = field(init=False)
    staffed_visits: np.ndarray = field(init=False)
    within_target: np.ndarray = field(init=False)
    wait_sum: np.ndarray = field(init=False)
    moment_sum: np.ndarray = field(init=False)
    contact_cost: np.ndarray = field(init=False)
    step_visits: np.ndarray = field(init=False)  # (steps, touchpoints)
    step_resolved: np.ndarray = field(init=False)
    step_abandoned: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        for name in ("visits", "served", "abandoned", "resolved", "wows", "staffed_visits", "within_target"):
            setattr(self, name, _zeros_int(self.n))
        for name in ("wait_sum", "moment_sum", "contact_cost"):
            setattr(self, name, np.zeros(self.n))
        for name in ("step_visits", "step_resolved", "step_abandoned"):
            setattr(self, name, np.zeros((self.n_steps, self.n), dtype=np.int64))

    def reset(self) -> None:
        """Zero every total in place (end of the warm-up): engines keep writing into the same arrays."""
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value[...] = 0
