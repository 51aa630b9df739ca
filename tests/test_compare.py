"""AS-IS vs TO-BE comparison: ROI arithmetic, common random numbers, sequential mode, outputs."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.cli import design_configs
from cxsim.compare import compare, discount_factors, paired_interval
from cxsim.config.validation import week_hours
from cxsim.kernels.week import weekday

SMALL = [
    "population.size=3000",
    "simulation.progress=false",
    "compare.horizon_days=120",
    "compare.robustness_horizons_days=[]",
    "compare.n_jobs=1",
]


def cfg(*overrides: str) -> object:
    return cxsim.load_config([*SMALL, *overrides])


def opening_days(config: object, touchpoint: str, days: int) -> np.ndarray:
    """Each business-case day's opening minutes at ``touchpoint`` in default opening days (1 on a
    weekday with the default hours, 0.5 on the bank's 5-hour Saturday, 0 when closed): staff cost
    is charged per server-minute on duty."""
    tp = config.journey.touchpoints[touchpoint]  # type: ignore[attr-defined]
    opens, closes = week_hours(tp)
    warmup, start = int(config.simulation.warmup_days), int(config.simulation.start_weekday)  # type: ignore[attr-defined]
    wd = [weekday(start, d) for d in range(warmup + 1, warmup + days + 1)]
    return np.array([(closes[w] - opens[w]) / (float(tp.close_min) - float(tp.open_min)) for w in wd])


def test_discount_factors_by_hand() -> None:
    """Day t is discounted by (1 + r)^(−t/365): day 365 at 8 % is exactly 1/1.08."""
    d = discount_factors(365, 0.08)
    assert d[0] == pytest.approx(1.08 ** (-1 / 365), rel=1e-15)
    assert d[-1] == pytest.approx(1 / 1.08, rel=1e-15)
    assert np.all(np.diff(d) < 0)


def test_paired_interval_by_hand() -> None:
    """Differences 1, 2, 3, 4: mean 2.5, s = 1.2910, se = 0.6455, t(0.975, 3) = 3.1824 → ±2.0543."""
    m, lo, hi, se = paired_interval(np.array([1.0, 2.0, 3.0, 4.0]), 0.95)
    assert m == 2.5
    assert se == pytest.approx(math.sqrt(5 / 3) / 2, rel=1e-12)
    assert hi - m == pytest.approx(3.182446305284263 * se, rel=1e-9)
    assert m - lo == pytest.approx(hi - m, rel=1e-12)


def test_cheaper_staff_is_a_saving_not_an_roi() -> None:
    """A design whose only change is a cheaper contact-centre staff day ($140 instead of the AS-IS's
    $320 for each of its 3 agents) saves exactly 3 x 180 = $540 a full weekday, in proportion on a
    short or closed day, and nothing else changes (staff cost does not touch behaviour). With capex
    $5,000 and opex $20/day its investment is 5,000 + Σ disc·(20 − saving) < 0: a saving. NPV,
    investment, benefit and payback follow by hand; it has no ROI."""
    days, rate = 120, 0.08
    fixed = "journey.touchpoints.contact_centre.staffing.policy=fixed"  # a fixed team of 3, not the planned one
    base = cfg(fixed)
    cc = base.journey.touchpoints.contact_centre  # type: ignore[attr-defined]
    assert cc.servers * (cc.staff_cost_per_server_day - 140.0) == 3 * 180.0
    saving = 3 * 180.0 * opening_days(base, "contact_centre", days)
    assert saving.max() == 540.0 and saving.min() < 540.0  # the bank's weekend hours are shorter
    cand = cfg(
        fixed,
        "scenario.name=cheaper_staff",
        "scenario.title=Cheaper staff",
        "scenario.capex=5000",
        "scenario.opex_per_day=20",
        "journey.touchpoints.contact_centre.staff_cost_per_server_day=140",
    )
    r = compare(base, [cand], replications=3, progress=False)
    t = np.arange(1, days + 1)
    disc = (1 + rate) ** (-t / 365)
    invest = 5000 + float(np.dot(20.0 - saving, disc))
    row = r.money.iloc[0]
    assert row["investment"] == pytest.approx(invest, rel=1e-12)
    assert abs(row["benefit"]) < 1e-6  # customers see no difference
    assert row["npv"] == pytest.approx(float(np.dot(saving, disc)) - 5000 - 20.0 * disc.sum(), rel=1e-9)
    assert row["kind"] == "saving"
    assert math.isnan(row["roi"])
    # the capex is earned back by the saving: first day with (540 - 20) x Σ disc >= 5,000
    assert row["payback_day"] == int(np.argmax(np.cumsum((saving - 20.0) * disc) >= 5000.0) + 1)
    assert row["recurring_per_year"] == pytest.approx((20.0 - saving.mean()) * 365, rel=1e-12)
    assert row["npv_low"] == pytest.approx(row["npv_high"], rel=1e-9)  # no noise: the paired difference is constant
    assert row["p_npv_positive"] == 1.0
    # the waterfall puts the saving in staff, the costs in capex and opex, and nothing in customers
    w = r.waterfall.set_index("driver")["mean"]
    assert w["staff"] == pytest.approx(float(np.dot(saving, disc)), rel=1e-9)
    assert w["capex"] == -5000.0
    assert w["opex"] == pytest.approx(-20.0 * disc.sum(), rel=1e-12)
    for drv in ("retention", "wom_acquisition", "marketing_acquisition", "cost_to_serve", "other"):
        assert abs(w[drv]) < 1e-6


def test_added_agent_counts_as_investment() -> None:
    """Agents added: their staff cost (320 a full day each, discounted) is part of the investment, so the
    ROI is NPV over capex plus staff, and the benefit is what customers do (Δ margin before staff).
    The AS-IS here has 1 agent and the design (more_agents) 4, so customers do notice."""
    days, rate = 120, 0.08
    base = cfg(
        "journey.touchpoints.contact_centre.servers=1", "journey.touchpoints.contact_centre.staffing.policy=fixed"
    )
    r = compare(base, [cfg("scenario=more_agents")], replications=3, progress=False)
    disc = (1 + rate) ** (-np.arange(1, days + 1) / 365)
    more = cxsim.load_config(["scenario=more_agents"])
    per_day = 3 * float(more.journey.touchpoints.contact_centre.staff_cost_per_server_day)
    staff = float(np.dot(per_day * opening_days(more, "contact_centre", days), disc))
    capex = float(more.scenario.capex)
    row = r.money.iloc[0]
    assert row["kind"] == "investment"
    assert row["investment"] == pytest.approx(capex + staff, rel=1e-12)
    runs = r.runs.pivot_table(index=["design", "replication"], columns="kpi", values="value")
    dm = (
        runs.xs("more_agents", level="design")["discounted_margin"]
        - runs.xs("as_is", level="design")["discounted_margin"]
    )
    assert row["benefit"] > 0  # fewer abandoned calls, fewer lost customers
    assert row["benefit"] == pytest.approx(float(dm.mean()) + staff, rel=1e-9)
    assert row["npv"] == pytest.approx(float(dm.mean()) - capex, rel=1e-9)
    assert row["roi"] == pytest.approx(row["npv"] / row["investment"], rel=1e-9)


def test_zero_cost_design_does_not_crash() -> None:
    """capex 0, opex 0, no staff change (the reported KeyError 'roi'): NPV is the benefit, no ROI."""
    cand = cfg("scenario=better_app", "scenario.capex=0", "scenario.opex_per_day=0")
    r = compare(cfg(), [cand], replications=2, progress=False)
    row = r.money.iloc[0]
    assert row["kind"] == "no_cost"
    assert row["investment"] == 0.0
    assert row["npv"] == pytest.approx(row["benefit"], rel=1e-12)
    assert math.isnan(row["roi"])


def test_identical_design_is_exactly_zero() -> None:
    """The AS-IS under another name: every paired difference is exactly zero."""
    r = compare(cfg(), [cfg("scenario.name=copy", "scenario.title=Copy")], replications=2, progress=False)
    row = r.money.iloc[0]
    assert (row["investment"], row["benefit"], row["npv"]) == (0.0, 0.0, 0.0)
    assert row["delta_nps"] == 0.0 and row["delta_customers_lost"] == 0.0
    assert r.best() is None


def test_one_agent_fewer_is_a_trade_off_with_no_roi() -> None:
    """One agent fewer (capex 1): a saving with customers lost, never "ROI 11 million %"."""
    cand = cfg(
        "scenario.name=fewer_agents",
        "scenario.title=One agent fewer",
        "scenario.capex=1",
        "journey.touchpoints.contact_centre.servers=1",
        "journey.touchpoints.contact_centre.staffing.policy=fixed",
    )
    r = compare(cfg(), [cand], replications=3, progress=False)
    row = r.money.iloc[0]
    assert row["investment"] < 0
    assert math.isnan(row["roi"]) and math.isnan(row["roi_low"])
    assert row["benefit"] < 0 and row["kind"] == "trade_off"
    from cxsim.report.answer import answer_sentences

    text = " ".join(answer_sentences(r))
    assert "trade-off" in text and "ROI" not in text.split("trade-off")[0]


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (-492.4, "492 fewer customers are lost"),
        (6.2, "6 more customers are lost"),
        (-1.0, "1 fewer customer is lost"),
        (0.3, "about as many customers are lost as under the AS-IS"),
    ],
)
def test_customers_lost_is_said_the_right_way_round(delta: float, text: str) -> None:
    """A design that loses more customers than the AS-IS says "more", never "-6 fewer"."""
    from cxsim.report.answer import customers_lost_text

    assert customers_lost_text(delta) == text


def test_waterfall_adds_up_to_npv() -> None:
    """Drivers (including investment and the remainder) add up to the NPV in every comparison."""
    r = compare(cfg(), [cfg("scenario=better_app"), cfg("scenario=shared_context")], replications=3, progress=False)
    for d in r.candidates:
        total = r.waterfall[r.waterfall["design"] == d.name]["mean"].sum()
        npv = float(r.money.set_index("design").loc[d.name, "npv"])
        assert total == pytest.approx(npv, rel=1e-9, abs=1e-6)


@pytest.mark.slow
def test_common_random_numbers_pay_off() -> None:
    """For a design that changes one touchpoint (one more agent), the paired difference's variance
    is at least 5× smaller with common random numbers than with independent seeds."""
    base = cfg("population.size=4000")
    cand = cfg("population.size=4000", "scenario=more_agents")
    reps = 8
    paired = compare(base, [cand], replications=reps, seed=100, progress=False)
    other = compare(base, [cand], replications=reps, seed=900, progress=False)

    def values(result: object, design: str, kpi: str) -> np.ndarray:
        runs = result.runs  # type: ignore[attr-defined]
        sel = runs[(runs["design"] == design) & (runs["kpi"] == kpi)]
        return sel.sort_values("replication")["value"].to_numpy()

    for kpi in ("discounted_margin", "nps_end", "churned_total"):
        crn = values(paired, "more_agents", kpi) - values(paired, "as_is", kpi)
        independent = values(paired, "more_agents", kpi) - values(other, "as_is", kpi)  # seeds 100+r vs 900+r
        ratio = np.var(independent, ddof=1) / max(np.var(crn, ddof=1), 1e-300)
        assert ratio >= 5.0, (kpi, ratio)


def test_sequential_mode_adds_replications_until_narrow() -> None:
    """With a ROI half-width target, replications are added until it is met or the cap is reached."""
    cand = cfg("scenario=better_app")
    r = compare(cfg(), [cand], replications=2, target_roi_half_width=1e-9, max_replications=5, progress=False)
    assert r.replications == 5  # the target is unreachable: stops at the cap
    wide = compare(cfg(), [cand], replications=2, target_roi_half_width=1e9, max_replications=5, progress=False)
    assert wide.replications == 2  # already narrow enough


@pytest.mark.slow
def test_workers_do_not_change_results() -> None:
    """Replications in two worker processes give exactly what one process gives."""
    a = compare(cfg(), [cfg("scenario=better_app")], replications=3, progress=False, n_jobs=1)
    b = compare(cfg(), [cfg("scenario=better_app")], replications=3, progress=False, n_jobs=2)
    pd.testing.assert_frame_equal(a.runs, b.runs, check_exact=True)


def test_designs_must_share_the_market() -> None:
    """Comparing designs on different market sizes is refused with a clear message."""
    with pytest.raises(cxsim.ConfigError, match=r"population\.size"):
        compare(cfg(), [cfg("population.size=2000", "scenario=better_app")], replications=2, progress=False)


@pytest.mark.parametrize("name", ["as_is", "shared_context", "more_agents", "better_app", "onboarding_wow"])
def test_shipped_scenarios_validate_and_cost_something(name: str) -> None:
    """Every shipped design composes, validates and states its investment."""
    c = cxsim.load_config([f"scenario={name}"])
    assert c.scenario.name == name
    assert c.scenario.description
    assert (c.scenario.capex > 0) == (name != "as_is")


def test_design_configs_from_compare_settings() -> None:
    """compare.baseline and compare.candidates name the designs; overrides apply to all of them."""
    base, cands = design_configs(["population.size=1234", "compare.candidates=[more_agents,better_app]"])
    assert base.scenario.name == "as_is"
    assert [c.scenario.name for c in cands] == ["more_agents", "better_app"]
    assert all(c.population.size == 1234 for c in cands)
    with pytest.raises(cxsim.ConfigError, match=r"compare\.candidates"):
        design_configs(["compare.candidates=[nowhere]"])


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxsim.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow
def test_cli_compare_writes_report(tmp_path: Path) -> None:
    """`cxsim compare` prints the table and writes the tidy tables, figures and a self-contained report."""
    out = _cli(
        [
            "compare",
            "population.size=2000",
            "compare.horizon_days=60",
            "compare.robustness_horizons_days=[30,90]",
            "compare.replications=3",
            "compare.candidates=[more_agents,better_app]",
            "compare.n_jobs=1",
        ],
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "NPV" in out.stdout and "P(NPV>0)" in out.stdout
    assert "One more contact-centre agent" in out.stdout and "Better digital self-service" in out.stdout  # full titles
    assert "How robust" in out.stdout
    assert "rough estimate" in out.stdout  # a run-time estimate before it starts
    assert "replication 1/3 done" in out.stderr and "replication 3/3 done" in out.stderr  # progress off a terminal
    (run_dir,) = list((tmp_path / "outputs").glob("*/*"))
    for name in ("comparison.parquet", "comparison.csv", "summary.json", "report.html", "run_meta.json"):
        assert (run_dir / name).is_file(), name
    for fig in ("trajectories", "npv", "waterfall", "touchpoints", "flow_baseline"):
        assert (run_dir / "figures" / f"{fig}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    tidy = pd.read_parquet(run_dir / "comparison.parquet")
    assert list(tidy.columns) == ["design", "replication", "seed", "kpi", "value"]
    assert set(tidy["design"]) == {"as_is", "more_agents", "better_app"}
    report = (run_dir / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 5
    assert "http://" not in report and "https://" not in report  # nothing fetched from the network
    for section in ("The answer", "The business case", "The designs", "Over time", "Why", "Every KPI",
                    "Is the AS-IS believable", "How this was computed", "Assumptions"):  # fmt: skip
        assert section in report
    assert "retail_bank_as_is" not in report  # titles, not internal ids
    assert "common random numbers" not in report.split("How this was computed")[0]  # jargon in the method only


def test_cli_compare_bad_candidate_exits_2(tmp_path: Path) -> None:
    """An unknown design name: one message naming compare.candidates, exit 2, nothing written."""
    out = _cli(["compare", "compare.candidates=[nowhere]"], tmp_path)
    assert out.returncode == 2
    assert "compare.candidates" in out.stderr and "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_terminal_table_stays_aligned_at_any_magnitude(capsys: pytest.CaptureFixture[str]) -> None:
    """Columns stay aligned for NPVs of any size, and long design titles are shown in full."""
    from cxsim.cli import print_comparison

    long_title = "A very long design title that used to be cut at thirty-three characters"
    r = compare(cfg(), [cfg("scenario=better_app", f"scenario.title={long_title}"), cfg("scenario=shared_context")],
                replications=2, progress=False)  # fmt: skip
    money = r.money
    money.loc[0, ["npv", "npv_low", "npv_high"]] = [-123456789012.0, -123456789999.0, -123456780000.0]
    print_comparison(r)
    lines = capsys.readouterr().out.splitlines()
    table = lines[: 1 + len(money)]
    assert any(long_title in ln for ln in table)
    ends = {ln.index("]") for ln in table[1:]}  # the NPV interval closes at the same column in every row
    assert len(ends) == 1, table
    assert table[0].index("NPV") < min(ends)
