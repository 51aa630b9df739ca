"""Shared settings for the validation-against-theory tests (``tests/theory``).

The tests run the same checks as ``cxsim validate-model`` (``cxsim.theory_checks``), with
smaller samples: each check's tolerance is 4 standard errors of the simulation's own estimate
plus a documented, computed bias bound, so smaller samples widen the tolerance honestly instead
of loosening a constant.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cxsim.theory_checks import Check, Settings

# About a third of the report's effort: the whole directory runs in well under a minute on 2 cores.
TEST_SETTINGS = Settings(
    queue_runs=12,
    queue_days=4,
    fifo_arrivals=200_000,
    fifo_batches=25,
    sweep_agents=(),
    bass_runs=12,
    bass_population=5_000,
    sparse_runs=1,
    clv_population=20_000,
    nps_population=20_000,
)


@pytest.fixture(scope="session")
def validation_settings() -> Settings:
    """Simulation effort of the validation tests."""
    return TEST_SETTINGS


def _failures(checks: list[Check]) -> list[str]:
    return [
        f"{c.area}: {c.name}: reference {c.expected:.6g}, simulated {c.simulated:.6g} "
        f"(SE {c.se:.3g}, bias {c.bias:.3g}, tolerance {c.tolerance:.3g})"
        for c in checks
        if not c.passed
    ]


@pytest.fixture(scope="session")
def failures() -> Callable[[list[Check]], list[str]]:
    """``failures(checks)``: one line per failed check, for assertion messages."""
    return _failures
