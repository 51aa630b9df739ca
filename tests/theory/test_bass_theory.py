"""Adoption against Bass (1969): the mean-field case of ``+experiment=bass_mean_field``.

Two (p, q) pairs, the classic p = 0.03, q = 0.38 per period (30-day periods) and a colour-TV
pair p = 0.005, q = 0.84 (60-day periods), replicated; the simulated share at every period
boundary is held to the Bass closed form within the t-equivalent of 4 standard errors plus the
exactly computed gap of the daily discretisation, and to the daily mean-field recursion (the
simulation's deterministic skeleton) without that gap.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from cxsim import load_config, theory
from cxsim.theory_checks import BassCurves, Check, Settings, diffusion_checks, tolerance_multiplier


def _df(checks: list[Check]) -> int | None:
    """Degrees of freedom of the replication standard errors."""
    return next(c.df for c in checks if c.df is not None)


@pytest.fixture(scope="module")
def diffusion(validation_settings: Settings) -> tuple[list[Check], list[BassCurves]]:
    """Mean-field runs of both pairs (no sparse networks: those are only reported)."""
    return diffusion_checks(validation_settings, sparse=False)


def test_mean_field_follows_bass(
    diffusion: tuple[list[Check], list[BassCurves]], failures: Callable[[list[Check]], list[str]]
) -> None:
    """The report's Bass rows pass, and every period boundary 1..15 is within tolerance."""
    checks, curves = diffusion
    assert len(curves) == 2 and not failures(checks)
    for c in curves:
        gap = np.abs(c.discrete - c.bass)
        allowed = tolerance_multiplier(_df(checks)) * c.sim_se + gap + 1e-9
        assert np.all(np.abs(c.sim_mean - c.bass) <= allowed), (c.label, c.sim_mean - c.bass, allowed)


def test_mean_field_follows_daily_recursion(diffusion: tuple[list[Check], list[BassCurves]]) -> None:
    """Against the daily mean-field recursion there is no discretisation gap to allow for."""
    checks, curves = diffusion
    for c in curves:
        allowed = tolerance_multiplier(_df(checks)) * c.sim_se + 1e-9
        assert np.all(np.abs(c.sim_mean - c.discrete) <= allowed), (c.label, c.sim_mean - c.discrete, allowed)


def test_bass_experiment_is_the_mean_field_case() -> None:
    """The experiment sets what the Bass case needs, and q_wom is split over N − 1 listeners."""
    cfg = load_config(["+experiment=bass_mean_field"])
    assert cfg.wom.network.kind.name == "complete"
    assert cfg.wom.talkers.name == "all_customers" and cfg.wom.p_talk_promoter == 1.0
    assert cfg.population.initial_customer_share == 0.0
    assert cfg.behaviour.churn.base_daily == 0.0 and cfg.acquisition.nwom_suppression == 0.0
    assert cfg.acquisition.p_marketing * 30 == pytest.approx(0.03)
    assert cfg.acquisition.q_wom * 30 == pytest.approx(0.38)
    assert theory.bass_discrete(0.001, 0.38 / 30, 10_000, 450)[-1] == pytest.approx(0.9711, abs=1e-3)
