"""Servers on shifts in a full simulation: both engines agree, a constant schedule is the fixed
number of servers, and staff cost and occupancy follow the server time actually scheduled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clitools import assert_refused, assert_run_refuses

import cxsim
from cxsim import load_config
from tests.test_equivalence import assert_same
from tests.test_week import FLAT_WEEK

CC = "journey.touchpoints.contact_centre"
BR = "journey.touchpoints.branch"
# these tests are about fixed schedules: the default bank plans both queues to a service level
FIXED = [f"{CC}.staffing.policy=fixed", "journey.touchpoints.branch.staffing.policy=fixed"]
QUICK = ["population.size=3000", "simulation.days=30", "simulation.warmup_days=0", "simulation.progress=false", *FIXED]
SHIFTS = [
    f"{CC}.server_schedule=[1,2,3,3,1,2,3,2,1,1]",
    f"{BR}.interval_min=120",
    f"{BR}.arrival_profile=[1,1.2,1.2,0.9]",
    f"{BR}.server_schedule=[1,2,2,1]",
]


def test_engines_agree_with_shifts_and_a_profile() -> None:
    """Shifts at both staffed touchpoints, a peaked profile and heavy load: identical results."""
    heavy = [
        "population.segments.mass.journey_rates.support=0.05",
        "population.segments.affluent.journey_rates.support=0.05",
        f"{CC}.arrival_profile=[0,1,4,4,1,1,3,2,1,0.5]",
    ]
    cfg = load_config([*QUICK, *SHIFTS, *heavy])
    agent = cxsim.simulate(cfg, engine="agent")
    vector = cxsim.simulate(cfg, engine="vector")
    assert agent.summary["abandonment_rate"] > 0.05, agent.summary  # the queues are really exercised
    assert_same(agent, vector)


def test_constant_schedule_is_the_fixed_number() -> None:
    """Three agents scheduled in every hour mean exactly `servers: 3` (every table bit for bit)."""
    fixed = cxsim.simulate(load_config(QUICK))
    scheduled = cxsim.simulate(load_config([*QUICK, f"{CC}.server_schedule=[3,3,3,3,3,3,3,3,3,3]"]))
    pd.testing.assert_frame_equal(fixed.daily, scheduled.daily, check_exact=True)
    pd.testing.assert_frame_equal(fixed.touchpoints, scheduled.touchpoints, check_exact=True)


def test_staff_cost_and_occupancy_follow_the_scheduled_server_time() -> None:
    """Contact centre 08-18 with 19 server-hours: 1.9 agent-days at 320 a day; branch 09-17 in
    two-hour intervals with 12 server-hours: 1.5 teller-days at 240. Occupancy's denominator is
    the scheduled server-minutes."""
    result = cxsim.simulate(load_config([*QUICK, *FLAT_WEEK, *SHIFTS]))  # the same hours every day
    cc_server_min = 60.0 * (1 + 2 + 3 + 3 + 1 + 2 + 3 + 2 + 1 + 1)
    br_server_min = 120.0 * (1 + 2 + 2 + 1)
    per_day = cc_server_min / 600.0 * 320.0 + br_server_min / 480.0 * 240.0
    assert cc_server_min / 600.0 * 320.0 == pytest.approx(608.0, abs=1e-9)
    assert br_server_min / 480.0 * 240.0 == 360.0
    assert (result.daily["staff_cost"] == per_day).all()
    t = result.touchpoints.set_index("touchpoint")
    assert t.loc["contact_centre", "staff_cost"] == cc_server_min / 600.0 * 320.0 * 30
    assert t.loc["contact_centre", "servers"] == 3  # the most on duty at once
    assert t.loc["contact_centre", "occupancy"] == t.loc["contact_centre", "busy_min"] / (cc_server_min * 30)
    assert t.loc["branch", "occupancy"] == t.loc["branch", "busy_min"] / (br_server_min * 30)


def test_more_servers_at_the_peak_cut_waits() -> None:
    """The same calls with a fourth agent in the two peak hours wait less (common random numbers)."""
    profile = f"{CC}.arrival_profile=[0.5,1,3,3,1,1,1,1,0.5,0.5]"
    base = cxsim.simulate(load_config([*QUICK, profile, f"{CC}.server_schedule=[2,2,2,2,2,2,2,2,2,2]"]))
    peak = cxsim.simulate(load_config([*QUICK, profile, f"{CC}.server_schedule=[2,2,4,4,2,2,2,2,2,2]"]))
    w = [r.touchpoints.set_index("touchpoint").loc["contact_centre", "mean_wait_min"] for r in (base, peak)]
    assert w[1] < 0.8 * w[0]


BAD = [
    ("wrong-count", [f"{CC}.server_schedule=[3,3,3]"], f"{CC}.server_schedule", "10 intervals"),
    ("outside-hours", [f"{CC}.server_schedule=[3,3,3,3,3,3,3,3,3,3,3,3]"], f"{CC}.server_schedule", "got 12"),
    ("zero-servers", [f"{CC}.server_schedule=[3,3,3,0,3,3,3,3,3,3]"], f"{CC}.server_schedule", "at least 1"),
    (
        "self-service",
        ["journey.touchpoints.app.server_schedule=[1]"],
        "journey.touchpoints.app.server_schedule",
        "self-service",
    ),
]
SL_BAD = [
    ("planned-and-scheduled", [f"{CC}.server_schedule=[1,1,1,1,1,1,1,1,1,1]"], f"{CC}.staffing.policy", "remove"),
]


@pytest.mark.parametrize(("overrides", "key", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_schedules_are_rejected_naming_the_key(overrides: list[str], key: str, fragment: str) -> None:
    assert_refused([*FIXED, *overrides], key, fragment)


@pytest.mark.parametrize(("overrides", "key", "fragment"), [b[1:] for b in SL_BAD], ids=[b[0] for b in SL_BAD])
def test_a_schedule_on_a_planned_touchpoint_is_refused(overrides: list[str], key: str, fragment: str) -> None:
    """The default contact centre is planned to a service level: a typed schedule would be ignored."""
    assert_refused(overrides, key, fragment)


def test_schedule_replaces_servers_in_the_gate() -> None:
    """With a schedule, `servers` is not used: 0 there is no error."""
    cfg = load_config([*FIXED, f"{CC}.servers=0", f"{CC}.server_schedule=[1,1,1,1,1,1,1,1,1,1]"])
    assert np.array_equal(list(cfg.journey.touchpoints.contact_centre.server_schedule), [1] * 10)


def test_cli_rejects_a_bad_schedule_with_exit_2(tmp_path: Path) -> None:
    assert_run_refuses(tmp_path, f"{CC}.server_schedule=[3,3,3,0,3,3,3,3,3,3]", f"{CC}.server_schedule")
