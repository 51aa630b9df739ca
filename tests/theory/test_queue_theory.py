"""The queue against Erlang C and Erlang A: ``fifo_waits`` and full simulations of the queue lab.

Three published staffing cases (probability of waiting, average speed of answer, service level)
and two Erlang A cases (abandonment, mean wait and the identity P(abandon) = θ·E[wait]), each
through a long Poisson stream fed to ``fifo_waits`` and through ``cxsim.simulate`` on
``+experiment=erlang_c`` / ``erlang_a``. Tolerances: 4 standard errors of the simulation's own
estimate (Student-t equivalent for replications) plus the computed bias of each simulated day
starting with an empty queue; the second test removes that bias by comparing the simulation with
the exact day average instead of the steady state.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cxsim.theory_checks import CASES, Check, QueueResults, Settings, queueing_checks, tolerance_multiplier


@pytest.fixture(scope="module")
def queue(validation_settings: Settings) -> QueueResults:
    """All queueing checks, run once for this module (no staffing sweep: that is the figure)."""
    return queueing_checks(validation_settings, sweep=False)


def test_erlang_c_fifo_waits(queue: QueueResults, failures: Callable[[list[Check]], list[str]]) -> None:
    """fifo_waits on a long Poisson stream: P(wait), ASA and service level of three published cases."""
    checks = [c for c in queue.checks if c.area == "Queueing (Erlang C)" and c.name.startswith("fifo_waits")]
    assert len(checks) == 3 * len(CASES)
    assert not failures(checks)


def test_erlang_c_full_simulation(queue: QueueResults, failures: Callable[[list[Check]], list[str]]) -> None:
    """The queue lab simulated day by day: P(wait), ASA and service level against Erlang C."""
    checks = [c for c in queue.checks if c.area == "Queueing (Erlang C)" and c.name.startswith("simulation")]
    assert len(checks) == 3 * len(CASES)
    assert not failures(checks)


def test_full_simulation_matches_exact_day_average(queue: QueueResults, validation_settings: Settings) -> None:
    """Without the transient bias: simulated days against the exact average of a day starting empty.

    Only the (second-order) effect of the binomial daily call count remains, at most
    ``dispersion_rel`` of the metric; the simulation never lets anyone hang up in Erlang C.
    """
    for row in queue.case_rows:
        slack = float(row["dispersion_rel"])
        for sim, se, day in (
            ("sim_p_wait", "sim_p_wait_se", "day_p_wait"),
            ("sim_asa_s", "sim_asa_se", "day_asa_s"),
            ("sim_sl_20s", "sim_sl_se", "day_sl_20s"),
        ):
            # the service level's SE comes from replication totals, the others' from days
            z = tolerance_multiplier(validation_settings.queue_runs - 1 if sim == "sim_sl_20s" else None)
            allowed = z * float(row[se]) + slack * abs(float(row[day])) + 1e-12
            assert abs(float(row[sim]) - float(row[day])) <= allowed, (row["key"], sim, row[sim], row[day], allowed)
        assert float(row["sim_abandoned"]) == 0.0


def test_erlang_a(queue: QueueResults, failures: Callable[[list[Check]], list[str]]) -> None:
    """Abandonment and mean wait against Erlang A, and P(abandon) = θ·E[wait], both routes."""
    checks = [c for c in queue.checks if c.area == "Queueing (Erlang A)"]
    assert len(checks) == 12
    assert not failures(checks)
    identity = [c for c in checks if "θ·E[wait]" in c.name]
    assert len(identity) == 4 and all(c.bias == 0.0 for c in identity)
