"""Integer codes shared by the kernels, the compiled spec and both engines.

A person's status and how they were acquired, a contact's outcome, where a journey goes next,
what starts a journey and how service times are drawn. Defined once here; ``cxsim.spec`` and
``cxsim.counters`` re-export the ones their readers expect.
"""

from __future__ import annotations

__all__ = [
    "CHURNED",
    "CUSTOMER",
    "DIST_EXPONENTIAL",
    "DIST_FIXED",
    "DIST_LOGNORMAL",
    "NEXT_DONE",
    "NEXT_GIVE_UP",
    "NEXT_RETRY",
    "OUTCOME_ABANDONED",
    "OUTCOME_RESOLVED",
    "OUTCOME_UNRESOLVED",
    "PROSPECT",
    "TRIGGER_ACQUISITION",
    "TRIGGER_PERIODIC",
    "TRIGGER_RATE",
    "VIA_INITIAL",
    "VIA_MARKETING",
    "VIA_REFERRAL",
]

# A person's status.
PROSPECT = 0
CUSTOMER = 1
CHURNED = 2
# How a customer was acquired.
VIA_INITIAL = 0
VIA_MARKETING = 1
VIA_REFERRAL = 2
# Contact outcomes (the column of Steps.next).
OUTCOME_RESOLVED = 0
OUTCOME_UNRESOLVED = 1
OUTCOME_ABANDONED = 2
# Step transition targets (values >= 0 are global step indices).
NEXT_DONE = -1
NEXT_GIVE_UP = -2
NEXT_RETRY = -3
# What starts a journey.
TRIGGER_ACQUISITION = 0
TRIGGER_RATE = 1
TRIGGER_PERIODIC = 2
# Service-time distributions.
DIST_EXPONENTIAL = 0
DIST_LOGNORMAL = 1
DIST_FIXED = 2
