"""Shared fixtures: small configs that run in well under a second."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import cxsim

SMALL = ["population.size=1500", "simulation.days=60", "simulation.warmup_days=0", "simulation.progress=false"]


@pytest.fixture(scope="session")
def small_overrides() -> list[str]:
    """Overrides for a small, quick market."""
    return list(SMALL)


@pytest.fixture(scope="session")
def small_result() -> cxsim.SimulationResult:
    """One small default run, shared by read-only tests."""
    return cxsim.simulate(cxsim.load_config(SMALL))
