"""Memory, NPS, retention and CLV against their published or closed-form values.

Peak-end on the cold-pressor trials of Kahneman et al. (1993) through the package's memory
kernels; NPS arithmetic on known answer sets and the engine's NPS KPI on a market with known
answers (``+experiment=nps_lab``); retention and CLV under a constant churn hazard
(``+experiment=constant_churn``) against ``(1 − h)^L`` and ``r / (1 + i − r)``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cxsim import load_config
from cxsim.theory_checks import Check, Settings, clv_checks, memory_checks, nps_checks


def test_peak_end_prefers_the_long_cold_pressor_trial(failures: Callable[[list[Check]], list[str]]) -> None:
    """Peak-end remembers the long trial as less bad; the mean and the total say the reverse."""
    checks = memory_checks()
    assert not failures(checks)
    by_name = {c.name.split(":")[0]: c for c in checks}
    assert by_name["peak-end"].simulated > 0  # long minus short
    assert by_name["mean rule"].simulated < 0
    assert by_name["total discomfort"].simulated < 0


def test_nps_arithmetic_and_engine_kpi(
    validation_settings: Settings, failures: Callable[[list[Check]], list[str]]
) -> None:
    """Known answers give the hand-computed NPS; the engine's daily NPS matches its definition."""
    checks = nps_checks(validation_settings)
    assert not failures(checks)
    assert sum(c.se == 0 for c in checks) == len(checks) - 1  # one sampled check, the rest exact


def test_constant_hazard_retention_and_clv(
    validation_settings: Settings, failures: Callable[[list[Check]], list[str]]
) -> None:
    """Retention per period is (1 − h)^L and CLV is the Gupta–Lehmann multiple."""
    checks = clv_checks(validation_settings)
    assert len(checks) == 3 and not failures(checks)


@pytest.mark.parametrize("experiment", ["erlang_c", "erlang_a", "bass_mean_field", "constant_churn", "nps_lab"])
def test_experiments_compose(experiment: str) -> None:
    """Every lab composes and validates as an ordinary ``+experiment=`` overlay."""
    cfg = load_config([f"+experiment={experiment}"])
    assert cfg.behaviour.churn.base_daily >= 0.0


def test_constant_churn_hazard_is_base_times_multiplier() -> None:
    """The churn lab turns every sensitivity off, so its hazard is base × segment multiplier."""
    cfg = load_config(["+experiment=constant_churn"])
    churn = cfg.behaviour.churn
    assert churn.satisfaction_sensitivity == churn.bond_sensitivity == churn.failure_weight == 0.0
    hazard = churn.base_daily * cfg.population.segments.lab.churn_multiplier
    assert (1 - hazard) ** 30 == pytest.approx(0.85, rel=1e-12)
