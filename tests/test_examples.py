"""The example industries besides the bank: ``+example=telecom`` and ``+example=hotel``.

Each is one switch (``configs/example/<name>.yaml``) that swaps the population, journey,
acquisition, economics and AS-IS scenario groups and names its own TO-BE designs for
``cxsim compare``; the bank stays the default. Both engines agree on each (tests/test_equivalence.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cxsim
from cxsim.designs import design_configs

EXAMPLES = {
    # name: (journey name, its periodic journey, the compare candidates)
    "telecom": ("telecom_as_is", "renewal", ["telecom_shared_context", "telecom_smart_app", "telecom_first_time_fix"]),
    "hotel": ("hotel_as_is", "stay", ["hotel_mobile_checkin", "hotel_service_recovery", "hotel_direct_booking"]),
}
SMALL = ["population.size=2000", "simulation.warmup_days=10", "simulation.progress=false"]


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxsim.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def test_the_bank_stays_the_default() -> None:
    cfg = cxsim.load_config()
    assert cfg.journey.name == "retail_bank_as_is"
    assert list(cfg.compare.candidates) == ["shared_context", "service_level_90", "better_app", "onboarding_wow"]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_loads_validates_and_swaps_every_group(name: str) -> None:
    journey, periodic, candidates = EXAMPLES[name]
    cfg = cxsim.load_config([f"+example={name}"])  # validated
    bank = cxsim.load_config()
    assert cfg.journey.name == journey
    assert set(cfg.population.segments).isdisjoint(bank.population.segments)
    assert cfg.economics != bank.economics and cfg.acquisition != bank.acquisition
    assert cfg.journey.journeys[periodic].trigger.name == "periodic" and cfg.journey.journeys[periodic].period_days > 1
    assert cfg.scenario.capex == 0 and cfg.scenario.description != bank.scenario.description  # its own AS-IS
    assert list(cfg.compare.candidates) == candidates
    assert cfg.compare.replications >= 2 and cfg.compare.horizon_days >= 365


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_designs_compose_and_cost_something(name: str) -> None:
    """Every TO-BE design of the example patches the example's journey (not the bank's) and states its
    investment; the designs differ from the baseline."""
    journey, _, candidates = EXAMPLES[name]
    notes: list[str] = []
    base, designs = design_configs([f"+example={name}"], notes)
    assert notes == []
    assert base.journey.name == journey
    assert [str(d.scenario.name) for d in designs] == candidates
    for d in designs:
        assert d.scenario.capex > 0 and d.scenario.description
        assert str(d.journey.name).startswith(name)
        assert set(d.journey.touchpoints) == set(base.journey.touchpoints)  # patches, no touchpoint added by a typo
        assert d.journey != base.journey or d.population != base.population


def test_an_unknown_example_is_refused(tmp_path: Path) -> None:
    """One message naming the group and the examples there are, exit 2, nothing written."""
    out = _cli(["run", "+example=casino"], tmp_path)
    assert out.returncode == 2, out.stderr
    assert "example" in out.stderr and "casino" in out.stderr and "hotel, telecom" in out.stderr
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_run_example_through_the_cli(name: str, tmp_path: Path) -> None:
    out = _cli(["run", f"+example={name}", *SMALL, "simulation.days=30"], tmp_path)
    assert out.returncode == 0, out.stderr
    (run_dir,) = list((tmp_path / "outputs").glob("*/*"))
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["population"] == 2000 and summary["visits_total"] > 0
    touchpoints = pd.read_parquet(run_dir / "touchpoints.parquet")
    assert set(touchpoints["touchpoint"]) == set(cxsim.load_config([f"+example={name}"]).journey.touchpoints)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_compare_example_through_the_cli(name: str, tmp_path: Path) -> None:
    """A small comparison of the example's own designs prints the table and writes the report."""
    out = _cli(
        [
            "compare",
            f"+example={name}",
            *SMALL,
            "compare.horizon_days=40",
            "compare.robustness_horizons_days=[20]",
            "compare.replications=2",
            "compare.n_jobs=1",
            "compare.resume_dir=",
        ],
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    designs = cxsim.load_config([f"+example={name}"]).compare.candidates
    titles = [str(cxsim.load_config([f"+example={name}", f"scenario={d}"]).scenario.title) for d in designs]
    assert all(t in out.stdout for t in titles), out.stdout
    (run_dir,) = list((tmp_path / "outputs").glob("*/*"))
    report = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", (run_dir / "report.html").read_text())
    assert all(t in report for t in titles)
    assert "Retail bank" not in report and "retail_bank" not in report  # nothing of the bank leaks into the report
    tidy = pd.read_parquet(run_dir / "comparison.parquet")
    assert set(tidy["design"]) == {"as_is", *designs}
