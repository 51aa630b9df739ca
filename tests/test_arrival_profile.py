"""Intraday arrival profiles: a piecewise-constant arrival density inside the opening hours.

The kernel (``cxsim.kernels.journey.profile_minute``) inverts the cumulative share of arrivals;
hand-computed cases pin the inversion, a uniform grid of draws pins the shares per interval,
and the gate rejects profiles that cannot be a density.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from clitools import assert_run_refuses

import cxsim
from cxsim import ConfigError, load_config
from cxsim.kernels.journey import arrival_minute, profile_minute
from cxsim.spec import compile_spec
from tests.test_week import FLAT_WEEK

CC = "journey.touchpoints.contact_centre"
QUICK = ["population.size=2000", "simulation.days=20", "simulation.warmup_days=0", "simulation.progress=false"]


def _profile(open_min: float, close_min: float, interval: float, weights: list[float]) -> tuple[np.ndarray, np.ndarray]:
    cfg = load_config(
        [
            *FLAT_WEEK,  # the default day's profile, without the bank's weekday hours
            f"{CC}.open_min={open_min}",
            f"{CC}.close_min={close_min}",
            f"{CC}.interval_min={interval}",
            f"{CC}.arrival_profile=[{','.join(str(w) for w in weights)}]",
        ]
    )
    spec = compile_spec(cfg)
    t = spec.touchpoint_names.index("contact_centre")
    n = int(spec.tp_prof_n[t])
    return spec.tp_prof_edges[t, : n + 1], spec.tp_prof_cum[t, : n + 1]


def test_inversion_hand_computed() -> None:
    """Two hours weighted 1 and 3: a quarter of arrivals in the first hour, linear inside each."""
    edges, cum = _profile(0, 120, 60, [1, 3])
    np.testing.assert_array_equal(edges, [0.0, 60.0, 120.0])
    np.testing.assert_array_equal(cum, [0.0, 0.25, 1.0])
    assert profile_minute(0.0, edges, cum, 2) == 0.0
    assert profile_minute(0.1, edges, cum, 2) == pytest.approx(24.0, abs=1e-12)
    assert profile_minute(0.25, edges, cum, 2) == 60.0
    assert profile_minute(0.625, edges, cum, 2) == pytest.approx(90.0, abs=1e-12)
    assert profile_minute(np.nextafter(1.0, 0.0), edges, cum, 2) < 120.0


def test_shares_per_interval_follow_the_weights_and_zero_weight_gets_none() -> None:
    """On a uniform grid of draws each interval receives exactly its weight x length share."""
    weights = [0.0, 2.0, 5.0, 0.0, 3.0, 1.0]
    edges, cum = _profile(480, 1080, 100, weights)  # six 100-minute intervals
    grid = (np.arange(100_000) + 0.5) / 100_000
    minutes = np.array([profile_minute(u, edges, cum, len(weights)) for u in grid])
    assert minutes.min() >= 480.0 and minutes.max() < 1080.0
    counts = np.histogram(minutes, bins=edges)[0]
    expected = np.array(weights) / sum(weights) * grid.size
    np.testing.assert_allclose(counts, expected, atol=1)
    assert counts[0] == 0 and counts[3] == 0


def test_short_last_interval_and_flat_profile_is_uniform() -> None:
    """08:00-18:00 in 90-minute intervals: seven, the last 60 minutes; equal weights = uniform."""
    edges, cum = _profile(480, 1080, 90, [1.0] * 7)
    assert edges[-1] == 1080.0 and edges[-2] == 1020.0
    assert cum[1] == pytest.approx(90 / 600)
    for u in (0.0, 0.137, 0.5, 0.93, 0.999999):
        assert profile_minute(u, edges, cum, 7) == pytest.approx(arrival_minute(480.0, 1080.0, u), abs=1e-9)


def test_interval_is_unused_without_profile_or_schedule() -> None:
    """A touchpoint open for 30 minutes with the default 60-minute interval is fine without a profile."""
    load_config([f"{CC}.open_min=600", f"{CC}.close_min=630", f"{CC}.arrival_profile=[]"])


def test_no_profile_means_what_it_meant() -> None:
    """Without a profile the spec holds none and the draw stays the uniform one (old configs)."""
    spec = compile_spec(load_config(["journey=queue_lab", "population=queue_lab"]))
    assert (spec.tp_prof_n == 0).all()


def test_engines_agree_on_a_peaked_profile() -> None:
    """A steep two-peak profile with an empty interval: identical results in both engines."""
    from tests.test_equivalence import assert_same

    cfg = load_config(
        [
            *QUICK,
            f"{CC}.arrival_profile=[0.2,3,4,1,0,2.5,3,1,0.5,0.1]",
            "journey.touchpoints.branch.servers=1",
            "journey.touchpoints.branch.staffing.policy=fixed",
            "journey.touchpoints.branch.interval_min=120",
            "journey.touchpoints.branch.arrival_profile=[1,4,0,2]",
        ]
    )
    agent = cxsim.simulate(cfg, engine="agent")
    vector = cxsim.simulate(cfg, engine="vector")
    assert_same(agent, vector)


def test_peaks_lengthen_waits() -> None:
    """The same calls squeezed into a peak wait longer than calls spread evenly (fixed servers)."""
    flat = cxsim.simulate(load_config([*QUICK, *FLAT_WEEK]))
    peak = cxsim.simulate(load_config([*QUICK, *FLAT_WEEK, f"{CC}.arrival_profile=[0,0,10,10,0,0,0,0,0,0]"]))
    t_flat = flat.touchpoints.set_index("touchpoint").loc["contact_centre"]
    t_peak = peak.touchpoints.set_index("touchpoint").loc["contact_centre"]
    assert t_peak["mean_wait_min"] > 2 * t_flat["mean_wait_min"]


BAD = [
    ("negative", [f"{CC}.arrival_profile=[1,1,1,1,-1,1,1,1,1,1]"], f"{CC}.arrival_profile", ">= 0"),
    ("all-zero", [f"{CC}.arrival_profile=[0,0,0,0,0,0,0,0,0,0]"], f"{CC}.arrival_profile", "at least one"),
    ("wrong-count", [f"{CC}.arrival_profile=[1,2,3]"], f"{CC}.arrival_profile", "10 intervals"),
    ("not-a-number", [f"{CC}.arrival_profile=[1,2,x,1,1,1,1,1,1,1]"], f"{CC}.arrival_profile", "'x'"),
    ("interval-0", [f"{CC}.interval_min=0"], f"{CC}.interval_min", "got 0"),
    ("interval-too-long", [f"{CC}.interval_min=601"], f"{CC}.interval_min", "601"),
    ("too-many-intervals", [f"{CC}.interval_min=0.01"], f"{CC}.interval_min", "intervals a day"),
    ("hours-changed", [f"{CC}.close_min=1200"], f"{CC}.arrival_profile", "12 intervals"),
]


@pytest.mark.parametrize(("overrides", "key", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_profiles_are_rejected_naming_the_key(overrides: list[str], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(overrides)
    keys = [k for k, _ in err.value.problems]
    assert keys == [key], err.value.problems
    assert fragment in err.value.problems[0][1]


def test_cli_rejects_a_negative_weight_with_exit_2(tmp_path: Path) -> None:
    assert_run_refuses(tmp_path, f"{CC}.arrival_profile=[1,1,1,1,-1,1,1,1,1,1]", f"{CC}.arrival_profile")
