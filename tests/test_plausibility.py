"""Is the AS-IS believable? The baseline sanity check against plausible ranges."""

from __future__ import annotations

import pytest

import cxsim
from cxsim.plausibility import RANGES, findings, occupancy


def _run(*overrides: str) -> tuple[object, dict[str, object], object]:
    cfg = cxsim.load_config(["simulation.progress=false", *overrides])
    r = cxsim.simulate(cfg)
    return cfg, r.summary, r.touchpoints


def test_occupancy_by_hand() -> None:
    """120 served contacts of 6 min a day on 3 servers open 600 min: 720 / 1,800 = 40 %."""
    import pandas as pd

    cfg = cxsim.load_config([])
    tps = pd.DataFrame({"touchpoint": ["contact_centre", "app"], "served": [120.0 * 10, 500.0]})
    occ = occupancy(cfg, tps, days=10)
    assert occ == {"contact_centre": pytest.approx(120 * 6.0 / (3 * 600))}


@pytest.mark.slow
def test_default_bank_is_plausible() -> None:
    """The shipped AS-IS passes its own sanity check: every KPI inside its range."""
    cfg, summary, tps = _run()
    found = findings(cfg, summary, tps, int(summary["days"]))  # type: ignore[arg-type]
    assert {f.kpi for f in found} == set(RANGES)
    assert all(f.ok for f in found), [f.message() for f in found if not f.ok]


@pytest.mark.slow
def test_bank_four_times_its_size_with_a_fixed_team_is_flagged() -> None:
    """At 200,000 people a fixed team of 3 agents and 3 tellers is overwhelmed: abandonment is flagged."""
    fixed = [f"journey.touchpoints.{t}.staffing.policy=fixed" for t in ("contact_centre", "branch")]
    cfg, summary, tps = _run("population.size=200000", "simulation.days=60", *fixed)
    bad = [f for f in findings(cfg, summary, tps, int(summary["days"])) if not f.ok]  # type: ignore[arg-type]
    assert any(f.kpi == "abandonment" for f in bad), [f.message() for f in bad]
    assert "OUTSIDE" in bad[0].message()


@pytest.mark.slow
def test_bank_four_times_its_size_planned_to_a_service_level_is_plausible() -> None:
    """The default bank plans its staff to 80/20: at four times its size waits and abandonment stay
    inside their ranges (the reason it is planned)."""
    cfg, summary, tps = _run("population.size=200000", "simulation.days=60")
    found = findings(cfg, summary, tps, int(summary["days"]))  # type: ignore[arg-type]
    queues = [f for f in found if f.kpi == "abandonment"]
    assert queues and all(f.ok for f in queues), [f.message() for f in queues]
