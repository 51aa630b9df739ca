"""Behaviour parameters packed into one float64 vector for the numba kernels.

The kernels take ``params`` plus named indices instead of two dozen scalar arguments, so the
agent engine and the vector engine call them with the very same signature. ``pack_behaviour``
is the only place that maps config keys to positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "BOND_RATE",
    "CHURN_BASE",
    "CHURN_BOND_SENS",
    "CHURN_FAIL_MEMORY",
    "CHURN_FAIL_WEIGHT",
    "CHURN_REFERRED_MULT",
    "CHURN_REF_BOND",
    "CHURN_REF_SAT",
    "CHURN_SAT_SENS",
    "CONFIRMATION_SAT",
    "EFFORT_ABANDON",
    "EFFORT_IMPACT",
    "EFFORT_REPEAT",
    "EFFORT_SWITCH",
    "EFFORT_WAIT",
    "EXP_RATE",
    "GAIN_WEIGHT",
    "GIVE_UP_PENALTY",
    "KANO_ATTRACTIVE",
    "KANO_ATTR_GAIN",
    "KANO_ATTR_LOSS",
    "KANO_MUST_BE",
    "KANO_MUST_GAIN",
    "KANO_MUST_LOSS",
    "KANO_ONE_DIMENSIONAL",
    "KANO_ONE_GAIN",
    "KANO_ONE_LOSS",
    "LOSS_WEIGHT",
    "LTR_SAT_WEIGHT",
    "MEMORY_LINEAR",
    "MEMORY_MEAN",
    "MEMORY_PEAK_END",
    "MEM_END",
    "MEM_MEAN",
    "MEM_PEAK_NEG",
    "MEM_PEAK_POS",
    "N_PARAMS",
    "SAT_RATE",
    "SAT_SLOPE",
    "UNRESOLVED_DROP",
    "WOW_BOOST",
    "W_BRAND",
    "W_INTERACTION",
    "W_PRODUCT",
    "pack_behaviour",
]

GAIN_WEIGHT = 0
LOSS_WEIGHT = 1
W_PRODUCT = 2
W_INTERACTION = 3
W_BRAND = 4
KANO_MUST_GAIN = 5
KANO_MUST_LOSS = 6
KANO_ONE_GAIN = 7
KANO_ONE_LOSS = 8
KANO_ATTR_GAIN = 9
KANO_ATTR_LOSS = 10
UNRESOLVED_DROP = 11
EFFORT_WAIT = 12
EFFORT_REPEAT = 13
EFFORT_SWITCH = 14
EFFORT_ABANDON = 15
EFFORT_IMPACT = 16
WOW_BOOST = 17
MEM_MEAN = 18
MEM_PEAK_POS = 19
MEM_PEAK_NEG = 20
MEM_END = 21
GIVE_UP_PENALTY = 22
CONFIRMATION_SAT = 23
SAT_SLOPE = 24
SAT_RATE = 25
EXP_RATE = 26
BOND_RATE = 27
LTR_SAT_WEIGHT = 28
CHURN_BASE = 29
CHURN_SAT_SENS = 30
CHURN_BOND_SENS = 31
CHURN_REF_SAT = 32
CHURN_REF_BOND = 33
CHURN_FAIL_WEIGHT = 34
CHURN_FAIL_MEMORY = 35
CHURN_REFERRED_MULT = 36
N_PARAMS = 37

# Integer codes shared by the kernels and the engines.
KANO_MUST_BE = 0
KANO_ONE_DIMENSIONAL = 1
KANO_ATTRACTIVE = 2
MEMORY_PEAK_END = 0
MEMORY_MEAN = 1
MEMORY_LINEAR = 2


def pack_behaviour(behaviour: Any) -> np.ndarray:
    """Pack a validated ``behaviour`` config node into the kernels' parameter vector."""
    b = behaviour
    p = np.zeros(N_PARAMS, dtype=np.float64)
    p[GAIN_WEIGHT] = b.gain_weight
    p[LOSS_WEIGHT] = b.loss_weight
    p[W_PRODUCT] = b.dimension_weights.product
    p[W_INTERACTION] = b.dimension_weights.interaction
    p[W_BRAND] = b.dimension_weights.brand
    p[KANO_MUST_GAIN] = b.kano.must_be_gain
    p[KANO_MUST_LOSS] = b.kano.must_be_loss
    p[KANO_ONE_GAIN] = b.kano.one_dimensional_gain
    p[KANO_ONE_LOSS] = b.kano.one_dimensional_loss
    p[KANO_ATTR_GAIN] = b.kano.attractive_gain
    p[KANO_ATTR_LOSS] = b.kano.attractive_loss
    p[UNRESOLVED_DROP] = b.unresolved_drop
    p[EFFORT_WAIT] = b.effort.wait
    p[EFFORT_REPEAT] = b.effort.repeat
    p[EFFORT_SWITCH] = b.effort.switch
    p[EFFORT_ABANDON] = b.effort.abandon
    p[EFFORT_IMPACT] = b.effort.impact
    p[WOW_BOOST] = b.wow_boost
    p[MEM_MEAN] = b.memory.mean_weight
    p[MEM_PEAK_POS] = b.memory.peak_positive_weight
    p[MEM_PEAK_NEG] = b.memory.peak_negative_weight
    p[MEM_END] = b.memory.end_weight
    p[GIVE_UP_PENALTY] = b.give_up_penalty
    p[CONFIRMATION_SAT] = b.confirmation_satisfaction
    p[SAT_SLOPE] = b.satisfaction_slope
    p[SAT_RATE] = b.satisfaction_rate
    p[EXP_RATE] = b.expectation_rate
    p[BOND_RATE] = b.bond_rate
    p[LTR_SAT_WEIGHT] = b.ltr_satisfaction_weight
    c = b.churn
    p[CHURN_BASE] = c.base_daily
    p[CHURN_SAT_SENS] = c.satisfaction_sensitivity
    p[CHURN_BOND_SENS] = c.bond_sensitivity
    p[CHURN_REF_SAT] = c.reference_satisfaction
    p[CHURN_REF_BOND] = c.reference_bond
    p[CHURN_FAIL_WEIGHT] = c.failure_weight
    p[CHURN_FAIL_MEMORY] = c.failure_memory_days
    p[CHURN_REFERRED_MULT] = c.referred_multiplier
    return p
