"""The week: which weekday a day is, weekday factors on journey starts, opening hours per weekday.

Hand-computed cases pin the weekday, the start probability, the choice among open touchpoints,
the arrival profile and the schedule cut to a short day, and the staff cost of a week; small
runs check both branches of a closed day (another open touchpoint, or tomorrow) in both engines;
the gate refuses weekday lists that cannot mean anything.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clitools import assert_refused, assert_run_refuses

import cxsim
from cxsim import load_config
from cxsim.engines.agent import AgentModel
from cxsim.engines.vector import VectorModel
from cxsim.kernels.codes import CUSTOMER, TRIGGER_RATE
from cxsim.kernels.journey import choose_touchpoint, journey_to_start
from cxsim.kernels.week import contact_day, open_today, step_is_open, weekday, weekday_rate
from cxsim.rng import STREAM_TRIGGER, uniform
from cxsim.spec import compile_spec
from tests.test_equivalence import assert_same

CC = "journey.touchpoints.contact_centre"
BR = "journey.touchpoints.branch"
APP = "journey.touchpoints.app"
QUICK = ["population.size=2000", "simulation.days=21", "simulation.warmup_days=0", "simulation.progress=false"]
# The default bank with every weekday key cleared: the same week seven times (as before the week).
FLAT_WEEK = [
    # and fixed teams, as before service-level planning: the week's arithmetic below is by hand
    f"{CC}.staffing.policy=fixed",
    f"{BR}.staffing.policy=fixed",
    "journey.weekday_factors=[]",
    *(f"{tp}.{k}=[]" for tp in (CC, BR, APP) for k in ("open_by_weekday", "close_by_weekday")),
]
# The queue lab (one touchpoint, one-step journeys that end the day they start) closed on Sundays.
LAB_SUNDAY_CLOSED = [
    "journey=queue_lab",
    "population=queue_lab",
    "population.size=3000",
    "simulation.days=21",
    "simulation.warmup_days=0",
    "simulation.progress=false",
    "journey.touchpoints.agents.servers=3",
    "journey.touchpoints.agents.close_by_weekday=[1440,1440,1440,1440,1440,1440,0]",
]


def _list(values: list[float]) -> str:
    return "[" + ",".join(f"{v:g}" for v in values) + "]"


# ---- the weekday and the start probability ---------------------------------------------------


def test_weekday_of_a_day() -> None:
    """Day 0 is start_weekday; the weekday of day d is (start_weekday + d) mod 7."""
    assert [weekday(0, d) for d in range(9)] == [0, 1, 2, 3, 4, 5, 6, 0, 1]
    assert weekday(5, 1) == 6 and weekday(6, 1) == 0 and weekday(3, 365) == (3 + 365) % 7


def test_weekday_rate_multiplies_and_caps() -> None:
    assert weekday_rate(0.008, 1.0) == 0.008  # factor 1: the rate exactly (old configs unchanged)
    assert weekday_rate(0.008, 1.25) == pytest.approx(0.01, abs=1e-15)
    assert weekday_rate(0.008, 0.0) == 0.0
    assert weekday_rate(0.6, 2.0) == 1.0


def test_journey_starts_follow_the_weekday_factor() -> None:
    """A rate journey starts when the keyed draw falls under rate x factor: exactly, draw by draw."""
    trigger = np.array([TRIGGER_RATE], dtype=np.int64)
    rate = np.array([[0.3]])
    for factor in (0.0, 0.5, 1.0, 2.0, 4.0):
        for i in range(200):
            u = uniform(7, STREAM_TRIGGER, i, 11, 0)
            j = journey_to_start(7, i, 11, CUSTOMER, -1, 0, False, trigger, -1, rate, factor, np.zeros(1, np.int64))
            assert j == (0 if u < min(0.3 * factor, 1.0) else -1), (factor, i, u)


def test_no_rate_journey_starts_on_a_zero_factor_day() -> None:
    """Everyone a customer (no onboarding), factor 0 on Sundays: no journey starts on a Sunday, in
    both engines; with day 0 a Wednesday, Sundays are days 4, 11, 18."""
    over = [
        *QUICK,
        "population.initial_customer_share=1.0",
        "simulation.start_weekday=2",
        "journey.weekday_factors=[1.2,1,1,1,1,1,0]",
    ]
    cfg = load_config(over)
    agent, vector = cxsim.simulate(cfg, engine="agent"), cxsim.simulate(cfg, engine="vector")
    assert_same(agent, vector)
    d = vector.daily.set_index("day")
    sundays = [4, 11, 18]
    assert (d.loc[sundays, "journeys_started"] == 0).all()
    assert (d.drop(index=sundays)["journeys_started"] > 0).all()


# ---- the choice among open touchpoints ---------------------------------------------------------

TP_CHANNEL = np.array([0, 1, 2], dtype=np.int64)  # touchpoint t is on channel t
PREF = np.array([0.5, 0.3, 0.2])
TPS = np.array([0, 1, 2], dtype=np.int64)


def _choose(
    open_: list[bool], u_choice: float, last_tp: int = -1, retrying: bool = False, u_switch: float = 0.99
) -> int:
    is_open = np.array(open_, dtype=np.bool_)
    return choose_touchpoint(TPS, 3, PREF, TP_CHANNEL, is_open, last_tp, retrying, u_switch, u_choice, 0.3)


def test_a_closed_touchpoint_is_never_chosen_hand_computed() -> None:
    """Touchpoint 1 closed: the choice is among 0 and 2 with weights 0.5 : 0.2 (total 0.7)."""
    assert _choose([True, True, True], 0.6) == 1  # all open: 0.6 x 1.0 = 0.6 falls in (0.5, 0.8]
    assert _choose([True, False, True], 0.6) == 0  # 0.6 x 0.7 = 0.42 < 0.5
    assert _choose([True, False, True], 0.8) == 2  # 0.8 x 0.7 = 0.56 >= 0.5
    grid = (np.arange(1000) + 0.5) / 1000
    picks = np.array([_choose([True, False, True], float(u)) for u in grid])
    assert np.mean(picks == 0) == pytest.approx(0.5 / 0.7, abs=0.001) and not (picks == 1).any()


def test_a_retry_whose_touchpoint_is_closed_chooses_among_the_open_ones() -> None:
    """The retry would stay at touchpoint 2 (no switch drawn); 2 is closed today, so the customer
    chooses afresh among the open ones, by preference (0.5 : 0.3)."""
    assert _choose([True, True, True], 0.1, last_tp=2, retrying=True) == 2  # open: stays
    assert _choose([True, True, False], 0.1, last_tp=2, retrying=True) == 0  # 0.1 x 0.8 = 0.08
    assert _choose([True, True, False], 0.9, last_tp=2, retrying=True) == 1  # 0.9 x 0.8 = 0.72
    # a switching retry from an open touchpoint goes to another open one only
    assert _choose([True, False, True], 0.1, last_tp=0, retrying=True, u_switch=0.0) == 2


def test_step_open_and_contact_day() -> None:
    """A step is open for a customer when one of its touchpoints is open in a channel they use;
    otherwise the contact moves to tomorrow."""
    is_open = np.array([False, True, True])
    assert step_is_open(TPS, 3, PREF, TP_CHANNEL, is_open)
    assert not step_is_open(TPS, 1, PREF, TP_CHANNEL, is_open)  # the step offers touchpoint 0 only
    no_phone_or_branch = np.array([0.5, 0.0, 0.0])
    assert not step_is_open(TPS, 3, no_phone_or_branch, TP_CHANNEL, is_open)
    assert contact_day(30, TPS, 3, PREF, TP_CHANNEL, is_open) == 30
    assert contact_day(30, TPS, 1, PREF, TP_CHANNEL, is_open) == 31


def test_open_today_from_the_hours() -> None:
    opens = np.array([[0.0] * 7, [540.0] * 5 + [540.0, 0.0]])
    closes = np.array([[1440.0] * 7, [1020.0] * 5 + [780.0, 0.0]])
    assert open_today(opens, closes, 5).tolist() == [True, True]
    assert open_today(opens, closes, 6).tolist() == [True, False]


# ---- the compiled week -----------------------------------------------------------------------


def _spec(overrides: list[str]) -> cxsim.spec.ModelSpec:
    return compile_spec(load_config([*FLAT_WEEK, *overrides]))


def test_default_hours_every_weekday_are_the_default_day() -> None:
    """Without weekday keys every weekday has exactly the default day's arrays."""
    spec = _spec([f"{CC}.server_schedule=[1,2,3,3,1,2,3,2,1,1]"])
    for d in range(7):
        np.testing.assert_array_equal(spec.tp_open_wd[:, d], spec.tp_open)
        np.testing.assert_array_equal(spec.tp_close_wd[:, d], spec.tp_close)
        np.testing.assert_array_equal(spec.tp_prof_cum_wd[:, d], spec.tp_prof_cum)
        np.testing.assert_array_equal(spec.tp_prof_edges_wd[:, d], spec.tp_prof_edges)
        np.testing.assert_array_equal(spec.tp_sched_wd[:, d], spec.tp_sched)
        np.testing.assert_array_equal(spec.tp_sched_n_wd[:, d], spec.tp_sched_n)
        np.testing.assert_array_equal(spec.tp_server_days_wd[:, d], spec.tp_server_days)
    np.testing.assert_array_equal(spec.weekday_factor, np.ones(7))


def test_a_short_saturday_cuts_the_profile_and_the_schedule() -> None:
    """Contact centre 08-18 by hour, Saturday 09:00-13:00 (540-780): the profile's hours 9-13 hold
    weights 1, 2, 2, 1 (shares 1/6, 2/6, 2/6, 1/6); the schedule's 2, 3, 3, 1 agents start at
    540, 600, 660, 720: 9 agent-hours = 540 server-minutes = 0.9 default days."""
    wk = [480.0] * 5 + [540.0, 480.0]
    cl = [1080.0] * 5 + [780.0, 1080.0]
    spec = _spec(
        [
            f"{CC}.arrival_profile=[5,1,2,2,1,5,5,5,5,5]",
            f"{CC}.server_schedule=[1,2,3,3,1,2,3,2,1,1]",
            f"{CC}.open_by_weekday={_list(wk)}",
            f"{CC}.close_by_weekday={_list(cl)}",
        ]
    )
    t = spec.touchpoint_names.index("contact_centre")
    np.testing.assert_array_equal(spec.tp_prof_edges_wd[t, 5, :11], [540] * 2 + [600, 660, 720] + [780] * 6)
    np.testing.assert_allclose(spec.tp_prof_cum_wd[t, 5, :11], [0, 0, 1 / 6, 3 / 6, 5 / 6, 1, 1, 1, 1, 1, 1])
    assert spec.tp_sched_n_wd[t, 5] == 4
    np.testing.assert_array_equal(spec.tp_sched_edges_wd[t, 5, :4], [540, 600, 660, 720])
    np.testing.assert_array_equal(spec.tp_sched_wd[t, 5, :4], [2, 3, 3, 1])
    assert spec.tp_server_min_wd[t, 5] == 540.0
    assert spec.tp_server_days_wd[t, 5] == 0.9
    # a Saturday opening at 08:30 (510) and closing at 12:30 (750): half hours at both ends
    spec = _spec(
        [
            f"{CC}.server_schedule=[1,2,3,3,1,2,3,2,1,1]",
            f"{CC}.open_by_weekday={_list([*wk[:5], 510.0, 480.0])}",
            f"{CC}.close_by_weekday={_list([*cl[:5], 750.0, 1080.0])}",
        ]
    )
    np.testing.assert_array_equal(spec.tp_sched_edges_wd[t, 5, :5], [510, 540, 600, 660, 720])
    np.testing.assert_array_equal(spec.tp_sched_wd[t, 5, :5], [1, 2, 3, 3, 1])
    assert spec.tp_server_min_wd[t, 5] == 30 * 1 + 60 * (2 + 3 + 3) + 30 * 1


def test_arrivals_fall_inside_a_short_days_hours() -> None:
    """Saturday 09:00-13:00 with the default bank's profile: every Saturday contact at the contact
    centre arrives within those hours, in both engines."""
    over = [
        *QUICK,
        *FLAT_WEEK,
        f"{CC}.open_by_weekday=[480,480,480,480,480,540,480]",
        f"{CC}.close_by_weekday=[1080,1080,1080,1080,1080,780,1080]",
    ]
    spec = compile_spec(load_config(over))
    t = spec.touchpoint_names.index("contact_centre")
    for cls in (VectorModel, AgentModel):
        model = cls(spec=spec)
        saturday, outside = 0, 0
        for day in range(1, 15):
            model.step()
            v = model.visits if isinstance(model, VectorModel) else model._visits()
            here = v.arrival[v.tp == t]
            if weekday(0, day) == 5:
                assert ((here >= 540) & (here < 780)).all()
                saturday += here.size
            else:
                outside += int(((here < 540) | (here >= 780)).sum())  # a full day reaches outside them
        assert saturday > 10 and outside > 10


# ---- closed days in a run --------------------------------------------------------------------


def test_a_closed_branch_sends_its_customers_to_the_open_touchpoints() -> None:
    """Branch closed on Sundays, contact centre open: no Sunday contact is at the branch, Sunday's
    branch-minded customers are served elsewhere the same day (nobody postponed); both engines."""
    over = [*QUICK, *FLAT_WEEK, f"{BR}.open_by_weekday=[540,540,540,540,540,540,0]",
            f"{BR}.close_by_weekday=[1020,1020,1020,1020,1020,1020,0]"]  # fmt: skip
    spec = compile_spec(load_config(over))
    b = spec.touchpoint_names.index("branch")
    models = [VectorModel(spec=spec), AgentModel(spec=spec)]
    at_branch = {True: 0, False: 0}
    for day in range(1, 15):
        tps = []
        for model in models:
            model.step()
            v = model.visits if isinstance(model, VectorModel) else model._visits()
            tps.append(v.tp)
        np.testing.assert_array_equal(tps[0], tps[1])
        at_branch[weekday(0, day) == 6] += int((tps[0] == b).sum())
    assert at_branch[True] == 0 and at_branch[False] > 10
    for model in models:
        assert pd.DataFrame(model.history)["visits_postponed"].sum() == 0


def test_a_step_with_nothing_open_comes_back_the_next_day() -> None:
    """The queue lab closed on Sundays (day 0 Monday: days 6, 13, 20): nobody calls on a Sunday;
    everyone who started a call that Sunday is postponed and calls on Monday, with Monday's own
    callers: visits(Mon) = postponed(Sun) + started(Mon). Both engines agree exactly."""
    cfg = load_config(LAB_SUNDAY_CLOSED)
    agent, vector = cxsim.simulate(cfg, engine="agent"), cxsim.simulate(cfg, engine="vector")
    assert_same(agent, vector)
    d = vector.daily.set_index("day")
    for sunday in (6, 13):
        assert d.loc[sunday, "visits"] == 0
        assert d.loc[sunday, "visits_postponed"] == d.loc[sunday, "journeys_started"] > 50
        assert d.loc[sunday + 1, "visits"] == d.loc[sunday, "visits_postponed"] + d.loc[sunday + 1, "journeys_started"]
    assert d.drop(index=[6, 13, 20])["visits_postponed"].sum() == 0
    # staff cost of a closed day is 0 (and a day with the default hours costs what it did)
    flat = cxsim.simulate(
        load_config([*LAB_SUNDAY_CLOSED[:-1], "journey.touchpoints.agents.staff_cost_per_server_day=100"])
    )
    week = cxsim.simulate(load_config([*LAB_SUNDAY_CLOSED, "journey.touchpoints.agents.staff_cost_per_server_day=100"]))
    assert (flat.daily["staff_cost"] == 300.0).all()
    w = week.daily.set_index("day")["staff_cost"]
    assert (w.loc[[6, 13, 20]] == 0.0).all() and (w.drop(index=[6, 13, 20]) == 300.0).all()


# ---- staff cost and occupancy follow the hours actually open ------------------------------------


def test_staff_cost_of_a_week_hand_computed() -> None:
    """Contact centre 3 agents at 320 per 10-hour day, Saturday 09-14 (5 h), Sunday closed; branch 3
    tellers at 240 per 8-hour day, Saturday 09-13 (4 h), Sunday closed. Daily staff cost: 1680 on
    weekdays, 3 x 320 x 0.5 + 3 x 240 x 0.5 = 840 on Saturdays, 0 on Sundays; the touchpoint table
    sums the days, and occupancy divides by the server-minutes on duty."""
    over = [
        *QUICK,
        *FLAT_WEEK,
        f"{CC}.open_by_weekday=[480,480,480,480,480,540,0]",
        f"{CC}.close_by_weekday=[1080,1080,1080,1080,1080,840,0]",
        f"{BR}.close_by_weekday=[1020,1020,1020,1020,1020,780,540]",
    ]
    result = cxsim.simulate(load_config(over))
    cost = result.daily.set_index("day")["staff_cost"]
    expected = {0: 1680.0, 1: 1680.0, 2: 1680.0, 3: 1680.0, 4: 1680.0, 5: 840.0, 6: 0.0}
    for day, value in cost.items():
        assert value == expected[weekday(0, int(day))], day
    t = result.touchpoints.set_index("touchpoint")
    # 21 days from a Tuesday (day 1): 3 of each weekday
    assert t.loc["contact_centre", "staff_cost"] == 3 * (5 * 960.0 + 480.0)
    assert t.loc["branch", "staff_cost"] == 3 * (5 * 720.0 + 360.0)
    assert t["staff_cost"].sum() == pytest.approx(cost.sum(), rel=1e-12)
    cc_min = 3 * 3 * (5 * 600 + 300)
    assert t.loc["contact_centre", "occupancy"] == t.loc["contact_centre", "busy_min"] / cc_min


def test_flat_week_keys_change_nothing() -> None:
    """Weekday hours equal to the default hours and factors all 1 are today's run bit for bit."""
    base = cxsim.simulate(load_config([*QUICK, *FLAT_WEEK]))
    same = cxsim.simulate(
        load_config(
            [
                *QUICK,
                *FLAT_WEEK,
                "journey.weekday_factors=[1,1,1,1,1,1,1]",
                f"{CC}.open_by_weekday=[480,480,480,480,480,480,480]",
                f"{BR}.close_by_weekday=[1020,1020,1020,1020,1020,1020,1020]",
                "simulation.start_weekday=4",
            ]
        )
    )
    pd.testing.assert_frame_equal(base.daily, same.daily, check_exact=True)
    pd.testing.assert_frame_equal(base.touchpoints, same.touchpoints, check_exact=True)


# ---- bad input ----------------------------------------------------------------------------------

BAD = [
    ("factors-6", ["journey.weekday_factors=[1,1,1,1,1,1]"], "journey.weekday_factors", "needs 7 values"),
    ("factor-negative", ["journey.weekday_factors=[1,1,1,1,1,1.5,-0.5]"], "journey.weekday_factors", ">= 0"),
    ("factor-text", ["journey.weekday_factors=[1,1,1,1,1,1,x]"], "journey.weekday_factors", "'x'"),
    ("open-8", [f"{BR}.open_by_weekday=[540,540,540,540,540,540,0,0]"], f"{BR}.open_by_weekday", "got 8"),
    (
        "open-after-close",
        [f"{APP}.open_by_weekday=[0,0,0,0,0,900,0]", f"{APP}.close_by_weekday=[1440,1440,1440,1440,1440,800,1440]"],
        f"{APP}.open_by_weekday",
        "Saturday 900-800",
    ),
    (
        "hours-over-1440",
        [f"{APP}.close_by_weekday=[1440,1440,1440,1440,1440,1440,1500]"],
        f"{APP}.close_by_weekday",
        "[0, 1440]",
    ),
    ("hours-negative", [f"{APP}.open_by_weekday=[0,0,0,0,0,0,-60]"], f"{APP}.open_by_weekday", "[0, 1440]"),
    ("closed-all-week", [f"{APP}.close_by_weekday=[0,0,0,0,0,0,0]"], f"{APP}.close_by_weekday", "every day"),
    (
        "outside-the-profile",
        [f"{CC}.open_by_weekday=[420,480,480,480,480,480,480]"],
        f"{CC}.open_by_weekday",
        "Monday 420-1080",
    ),
    (
        "no-weight-that-day",
        [
            f"{CC}.arrival_profile=[1,1,1,1,1,1,1,1,0,0]",
            f"{CC}.open_by_weekday=[480,480,480,480,480,960,480]",
        ],
        f"{CC}.arrival_profile",
        "Saturday",
    ),
    ("start-weekday-7", ["simulation.start_weekday=7"], "simulation.start_weekday", "got 7"),
    ("start-weekday-neg", ["simulation.start_weekday=-1"], "simulation.start_weekday", "got -1"),
]


@pytest.mark.parametrize(("overrides", "key", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_week_is_rejected_naming_the_key(overrides: list[str], key: str, fragment: str) -> None:
    assert_refused([*FLAT_WEEK, *overrides], key, fragment)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        (f"{BR}.open_by_weekday=[540,540,540]", f"{BR}.open_by_weekday"),
        ("simulation.start_weekday=9", "simulation.start_weekday"),
    ],
)
def test_cli_rejects_a_bad_week_with_exit_2(tmp_path: Path, override: str, key: str) -> None:
    assert_run_refuses(tmp_path, override, key)


def test_typical_day_is_in_the_order_of_the_day_when_the_range_starts_on_a_short_day() -> None:
    """A range starting on a day whose first open interval is 10:00 (a Saturday) still lists the
    8:00 and 9:00 intervals first, so the typical-day figure draws its steps left to right; each
    mean is over the days that interval was open."""
    from cxsim.result import typical_day

    rows = []
    for day, first in ((1, 2), (2, 0), (3, 0)):  # day 1 opens at 10:00, days 2-3 at 08:00
        for k in range(first, 4):
            start = 480 + 60 * k
            row = {"day": day, "touchpoint": "cc", "interval": k, "start_min": start, "end_min": start + 60}
            rows.append({**row, "arrivals": 10 * day + k, "servers": 2, "answered_in_target": 5, "wait_min": 0.5})
            rows[-1]["busy_min"] = 60
    out = typical_day(pd.DataFrame(rows), 1, 3)
    assert list(out["interval"]) == [0, 1, 2, 3]
    assert list(out["start_min"]) == [480, 540, 600, 660]
    assert out["arrivals"].tolist() == [25.0, 26.0, 22.0, 23.0]  # (20+30)/2 +k for k<2; (10+20+30)/3 +k
