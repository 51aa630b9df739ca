"""Scheduled journeys (``trigger: periodic``): a bill, a renewal, a stay, due every ``period_days``.

Person ``i`` starts periodic journey ``j`` on the days where ``(day + phase) % period == 0``, the
phase being ``floor(u * period)`` for one keyed uniform ``u = uniform(seed, STREAM_INIT_PHASE, i,
0, j)``. A customer still on a journey on a due day skips it until the next due day. The start
days of a small market are computed here by hand from those draws and compared with both engines.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from clitools import assert_run_refuses

import cxsim
from cxsim.kernels.journey import periodic_due, periodic_phase
from cxsim.rng import STREAM_INIT_PHASE, uniform

# The queue lab (one 24-hour contact centre nobody abandons, every call resolved: a one-step
# journey ends the day it starts), no churn, acquisition or WOM, with its call made periodic.
CALL = "journey.journeys.call"
LAB = [
    "+experiment=erlang_c",
    "population.size=40",
    "simulation.days=30",
    "simulation.progress=false",
    f"{CALL}.trigger=periodic",
    "~population.segments.lab.journey_rates.call",
]


def _phases(seed: int, n: int, journey: int, period: int) -> list[int]:
    """The phase by hand: floor(u * period) of the person's keyed draw."""
    return [math.floor(uniform(seed, STREAM_INIT_PHASE, i, 0, journey) * period) for i in range(n)]


def test_phase_is_the_keyed_draw_scaled_to_the_period() -> None:
    for period in (1, 7, 30, 365):
        expect = _phases(42, 200, 0, period)
        got = [periodic_phase(42, i, 0, period) for i in range(200)]
        assert got == expect
        assert all(0 <= p < period for p in got)
    assert len(set(_phases(42, 200, 0, 30))) > 20  # spread over the month, not one day for all
    assert _phases(42, 50, 0, 30) != _phases(42, 50, 1, 30)  # each periodic journey its own phase
    assert _phases(42, 50, 0, 30) != _phases(43, 50, 0, 30)  # and each seed


def test_due_days_repeat_every_period() -> None:
    period = 7
    for i in range(30):
        days = [d for d in range(1, 50) if periodic_due(5, i, d, 0, period)]
        assert np.all(np.diff(days) == period)
        assert (days[0] + periodic_phase(5, i, 0, period)) % period == 0 and days[0] <= period


def _expected_starts(n: int, days: int, period: int, seed: int, busy_days: int) -> np.ndarray:
    """Journeys started per day 1..days by hand: due days of each person, skipping those that fall
    while the journey started ``busy_days`` earlier is still running (it ends on its last day)."""
    starts = np.zeros(days, dtype=np.int64)
    for p in _phases(seed, n, 0, period):
        free_from = 1
        for day in range(1, days + 1):
            if (day + p) % period == 0 and day >= free_from:
                starts[day - 1] += 1
                free_from = day + busy_days + 1  # busy through its last contact day
    return starts


@pytest.mark.parametrize("engine", ["agent", "vector"])
def test_start_days_of_a_small_market_by_hand(engine: str) -> None:
    """Every customer starts on each of its due days (the one-step journey ends the same day)."""
    cfg = cxsim.load_config([*LAB, f"{CALL}.period_days=7"])
    res = cxsim.simulate(cfg, engine=engine)
    expect = _expected_starts(40, 30, 7, int(cfg.simulation.seed), busy_days=0)
    assert res.daily["journeys_started"].tolist() == expect.tolist()
    assert expect.sum() >= 40 * 4  # every customer four or five times in 30 days


@pytest.mark.parametrize("engine", ["agent", "vector"])
def test_a_due_day_while_busy_is_skipped_until_the_next(engine: str) -> None:
    """A two-step journey lasting 5 days (follow-up 4 days after the call) with a 3-day period:
    the due day 3 days after a start falls inside the journey and is skipped, so each customer
    starts every 6 days, not every 3."""
    cfg = cxsim.load_config(
        [
            *LAB,
            f"{CALL}.period_days=3",
            f"+{CALL}.steps.followup={{touchpoints:[agents],delay_days:4}}",
            f"{CALL}.steps.answer.on_resolved=followup",
        ]
    )
    res = cxsim.simulate(cfg, engine=engine)
    expect = _expected_starts(40, 30, 3, int(cfg.simulation.seed), busy_days=4)
    assert res.daily["journeys_started"].tolist() == expect.tolist()
    every_period = _expected_starts(40, 30, 3, int(cfg.simulation.seed), busy_days=0)
    assert 1.8 * expect.sum() < every_period.sum()  # about half the starts of a free customer


def test_periodic_journeys_start_only_for_active_customers_not_on_a_journey() -> None:
    """Prospects never start one; a churned customer stops; onboarding goes first."""
    cfg = cxsim.load_config(
        [
            "population.size=400",
            "simulation.days=40",
            "simulation.warmup_days=0",
            "simulation.progress=false",
            "+journey.journeys.bill={trigger:periodic,period_days:10,steps:{read:{touchpoints:[app]}}}",
        ]
    )
    res = cxsim.simulate(cfg, engine="vector")
    customers = res.daily["customers"].to_numpy()
    # about a tenth of the customers are due each day; some are busy with support or onboarding
    starts = res.daily["journeys_started"].to_numpy()
    assert np.all(starts <= customers)
    assert 0.07 * customers.mean() < starts.mean() < 0.13 * customers.mean()


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ([f"{CALL}.period_days=0"], "at least 1 day, got 0"),
        ([], "at least 1 day, got 0"),  # left out: the schema default 0
        ([f"{CALL}.period_days=-7"], "got -7"),
        ([f"{CALL}.period_days=36501"], "36501"),
    ],
    ids=["zero", "missing", "negative", "too-long"],
)
def test_a_periodic_journey_needs_a_period(overrides: list[str], fragment: str) -> None:
    with pytest.raises(cxsim.ConfigError) as exc:
        cxsim.load_config([*LAB, *overrides])
    assert [k for k, _ in exc.value.problems] == [f"{CALL}.period_days"]
    assert fragment in str(exc.value)


def test_a_period_on_another_trigger_is_refused() -> None:
    """A period on a rate journey would be ignored: the user probably forgot ``trigger: periodic``."""
    with pytest.raises(cxsim.ConfigError) as exc:
        cxsim.load_config(["journey.journeys.support.period_days=30"])
    assert exc.value.problems[0][0] == "journey.journeys.support.period_days"
    assert "trigger: periodic" in exc.value.problems[0][1]


def test_cli_refuses_a_period_of_zero(tmp_path: Path) -> None:
    """One clear message naming the key, exit 2, no traceback, nothing written."""
    override = "+journey.journeys.bill={trigger:periodic,period_days:0,steps:{read:{touchpoints:[app]}}}"
    assert_run_refuses(tmp_path, override, "journey.journeys.bill.period_days")
