"""Memory and NPS checks: the peak-end rule on the cold-pressor trials, and NPS arithmetic.

:func:`memory_checks` replays Kahneman et al. (1993) through ``memory_add`` and
``remembered_value``; :func:`nps_checks` scores known answers by hand and through the engine's
NPS KPI on ``+experiment=nps_lab``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from cxsim.config.loading import load_config
from cxsim.kernels.behaviour import DETRACTOR, PROMOTER, ltr_answer, memory_add, nps_class, remembered_value
from cxsim.kernels.params import MEMORY_MEAN, MEMORY_PEAK_END, pack_behaviour
from cxsim.theory_checks.checks import (
    FULL,
    Check,
    Settings,
    experiment_config,
    simulate_run,
)

__all__ = ["COLD_LONG", "COLD_SHORT", "KAHNEMAN", "NPS_LAB_SHARES", "memory_checks", "nps_checks"]

# A stylised cold-pressor profile (Kahneman et al. 1993): moments of 10 s, discomfort as negative
# value. The short trial is 60 s at 14 °C, pain building up; the long trial adds 30 s while the
# water warms to 15 °C: still unpleasant, less so than the end of the short trial.
COLD_SHORT = (-0.2, -0.4, -0.6, -0.8, -0.8, -0.8)
COLD_LONG = (*COLD_SHORT, -0.7, -0.65, -0.6)
KAHNEMAN = "Kahneman et al. (1993): the long trial is remembered as less aversive; 69% chose to repeat it"


def _remember(moments: Sequence[float], rule: int, params: NDArray[np.float64]) -> tuple[float, float]:
    """Remembered value under ``rule`` and the memory's total (sum of moments)."""
    m = (0.0, 0.0, 0.0, 0.0, 0.0)
    for v in moments:
        m = memory_add(*m, float(v), 1.0)
    return float(remembered_value(*m, rule, params)), float(m[0])


def memory_checks() -> list[Check]:
    """Peak-end on the cold-pressor trials: package kernels against the rules by hand."""
    params = pack_behaviour(load_config([]).behaviour)
    area = "Memory (peak-end)"
    pe_short, total_short = _remember(COLD_SHORT, MEMORY_PEAK_END, params)
    pe_long, total_long = _remember(COLD_LONG, MEMORY_PEAK_END, params)
    mean_short, _ = _remember(COLD_SHORT, MEMORY_MEAN, params)
    mean_long, _ = _remember(COLD_LONG, MEMORY_MEAN, params)

    def peak_end(xs: Sequence[float]) -> float:
        return (min(xs) + xs[-1]) / 2  # all moments are negative: the peak is the worst one

    return [
        Check(
            area,
            "peak-end, short trial (60 s at 14 °C)",
            "(peak + end) / 2 by hand",
            peak_end(COLD_SHORT),
            pe_short,
            note="memory_add + remembered_value",
        ),
        Check(
            area,
            "peak-end, long trial (+30 s warming to 15 °C)",
            "(peak + end) / 2 by hand",
            peak_end(COLD_LONG),
            pe_long,
            note="memory_add + remembered_value",
        ),
        Check(
            area,
            "peak-end: long minus short (> 0: long preferred)",
            KAHNEMAN,
            peak_end(COLD_LONG) - peak_end(COLD_SHORT),
            pe_long - pe_short,
            note="same sign as the 69% choice",
        ),
        Check(
            area,
            "mean rule: long minus short (< 0: predicts the reverse)",
            "mean of moments by hand",
            float(np.mean(COLD_LONG) - np.mean(COLD_SHORT)),
            mean_long - mean_short,
            note="duration-weighted mean",
        ),
        Check(
            area,
            "total discomfort: long minus short (< 0: predicts the reverse)",
            "sum of moments by hand",
            float(np.sum(COLD_LONG) - np.sum(COLD_SHORT)),
            total_long - total_short,
            note="memory's running sum",
        ),
    ]


NPS_SETS: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("answers 10,10,9,9,9,8,7,6,3,0", (10, 10, 9, 9, 9, 8, 7, 6, 3, 0)),
    ("LTR scores 9.5,8.5,8.49,6.5,6.49,0.2,9,10 (half up)", (9.5, 8.5, 8.49, 6.5, 6.49, 0.2, 9.0, 10.0)),
    ("all 9s and 10s", (9, 10, 9.6, 10, 9)),
    ("all 0-6", (0, 6, 3.2, 6.49, 5)),
)
NPS_LAB_SHARES = (0.5, 0.3, 0.2)  # promoters, passives, detractors of population/nps_lab.yaml


def _nps_by_hand(scores: Sequence[float]) -> float:
    answers = [math.floor(s + 0.5) for s in scores]
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    return 100.0 * (promoters - detractors) / len(answers)


def nps_checks(settings: Settings = FULL) -> list[Check]:
    """NPS arithmetic on known answer sets and the engine's NPS KPI on the NPS lab."""
    area = "NPS"
    ref = "Reichheld (2003): NPS = % promoters (9-10) - % detractors (0-6)"
    checks = []
    for label, scores in NPS_SETS:
        classes = [int(nps_class(int(ltr_answer(float(s))))) for s in scores]
        sim = 100.0 * (classes.count(PROMOTER) - classes.count(DETRACTOR)) / len(classes)
        checks.append(Check(area, f"ltr_answer + nps_class: {label}", ref, _nps_by_hand(scores), sim, unit="pts"))
    n = settings.nps_population
    res = simulate_run(
        experiment_config("nps_lab", {"population.size": n, "simulation.days": 2}), settings.seed + 300_000
    )
    last = res.daily.iloc[-1]
    p, _, d = NPS_LAB_SHARES
    expected = 100.0 * (p - d)
    se = 100.0 * math.sqrt((p + d - (p - d) ** 2) / n)
    kpi = float(last["nps"])
    by_counts = 100.0 * (float(last["promoters"]) - float(last["detractors"])) / float(last["customers"])
    checks += [
        Check(
            area,
            f"engine NPS KPI, NPS lab ({n:,} customers)",
            "population/nps_lab.yaml: 50/30/20 -> +30",
            expected,
            kpi,
            se,
            unit="pts",
            note="SE: multinomial draw of segments",
        ),
        Check(
            area,
            "engine NPS KPI = 100 (promoters - detractors) / customers",
            ref,
            by_counts,
            kpi,
            unit="pts",
            note="daily table, same day",
        ),
    ]
    return checks
