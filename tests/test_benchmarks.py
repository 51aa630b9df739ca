"""The benchmark gate's arithmetic: normalisation, comparison with a baseline, the table, the history.

Hand-made numbers only: nothing here times anything.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import gate  # noqa: E402
import history  # noqa: E402
import run  # noqa: E402


def test_normalise_is_best_throughput_over_best_reference() -> None:
    """Best of k for both: 12 / 3."""
    assert gate.normalise([10.0, 8.0, 12.0], [2.0, 3.0, 2.5]) == 4.0


def test_normalise_cancels_a_slowdown_shared_with_the_reference() -> None:
    """A machine twice as slow for the figure and its reference gives the same normalised figure."""
    quiet = gate.normalise([30e6, 28e6], [100.0, 96.0])
    loaded = gate.normalise([15e6, 14e6], [50.0, 48.0])
    assert loaded == pytest.approx(quiet, rel=1e-12)
    assert quiet == pytest.approx(3e5)


@pytest.mark.parametrize(("throughputs", "rates"), [([], [1.0]), ([1.0], []), ([0.0], [1.0]), ([1.0], [-2.0])])
def test_normalise_refuses_empty_or_non_positive_figures(throughputs: list[float], rates: list[float]) -> None:
    """No figure at all, or a throughput that is not positive, is a broken measurement, not a number."""
    with pytest.raises(ValueError):
        gate.normalise(throughputs, rates)


def test_compare_flags_a_loss_beyond_the_margin_and_nothing_else() -> None:
    """Margin 0.30: 71 % of the baseline passes, 69 % regresses, 135 % is 'faster' (a pass)."""
    base = {"a": 10.0, "b": 10.0, "c": 10.0, "d": 10.0}
    rows = gate.compare(base, {"a": 7.1, "b": 6.9, "c": 13.5, "d": 10.0}, 0.30)
    assert [(r.figure, r.status) for r in rows] == [("a", "ok"), ("b", "REGRESSED"), ("c", "faster"), ("d", "ok")]
    assert rows[1].ratio == pytest.approx(0.69)
    assert gate.failed(rows)
    assert not gate.failed([rows[0], rows[2], rows[3]])


def test_a_report_only_figure_shows_its_ratio_but_never_fails() -> None:
    """Half its baseline: 'not gated', ratio 0.5, no failure; the same figure gated would regress."""
    rows = gate.compare({"wom_delivery": 2.0}, {"wom_delivery": 1.0}, 0.30)
    assert [(r.status, r.ratio) for r in rows] == [("not gated", 0.5)]
    assert not gate.failed(rows)
    assert gate.compare({"wom_delivery": 2.0}, {"wom_delivery": 1.0}, 0.30, report_only=())[0].status == "REGRESSED"


def test_compare_margin_is_configurable() -> None:
    """The same 20 % loss regresses at margin 0.15 and passes at 0.25."""
    assert gate.compare({"a": 5.0}, {"a": 4.0}, 0.15)[0].status == "REGRESSED"
    assert gate.compare({"a": 5.0}, {"a": 4.0}, 0.25)[0].status == "ok"


def test_a_figure_missing_from_the_run_fails_and_a_new_one_does_not() -> None:
    """A baseline figure that was not measured fails (renames need a new baseline); an extra one is 'new'."""
    rows = gate.compare({"old": 1.0}, {"fresh": 2.0})
    assert [(r.figure, r.status, r.ratio) for r in rows] == [("old", "MISSING", None), ("fresh", "new", None)]
    assert gate.failed(rows)
    assert not gate.failed(rows[1:])


@pytest.mark.parametrize("margin", [0.0, 1.0, -0.1, 1.5])
def test_compare_refuses_a_margin_outside_zero_one(margin: float) -> None:
    """A margin is a fraction of throughput strictly between 0 and 1."""
    with pytest.raises(ValueError, match="margin"):
        gate.compare({"a": 1.0}, {"a": 1.0}, margin)


def test_table_shows_figure_baseline_now_ratio_threshold_and_status() -> None:
    """Every row carries the numbers a reader needs; absent values print as '-'."""
    rows = gate.compare({"vector_100k_60d": 2.0e5, "gone": 3.0}, {"vector_100k_60d": 1.0e5}, 0.30)
    table = gate.format_table(rows, {"vector_100k_60d": "customer-days per M draws"})
    line = next(s for s in table.splitlines() if s.startswith("vector_100k_60d"))
    cells = ["vector_100k_60d", "customer-days", "per", "M", "draws", "2e+05", "1e+05", "0.50", "0.70", "REGRESSED"]
    assert line.split() == cells
    gone = next(s for s in table.splitlines() if s.startswith("gone"))
    assert gone.split() == ["gone", "3", "-", "-", "0.70", "MISSING"]


def test_each_figure_has_the_reference_of_its_bottleneck() -> None:
    """Interpreter-bound agent engine by the Python loop; numba kernels by their declared reference."""
    assert gate.reference_for("agent_5k_30d") == "python"
    for name in ("vector_100k_60d", "vector_1m_365d", "fifo_waits", "wom_delivery"):
        assert gate.reference_for(name) in gate.REFERENCE_UNITS
    with pytest.raises(KeyError, match="REFERENCE_OF"):
        gate.reference_for("mystery_case")


def test_normalised_unit_reads_as_work_per_reference_unit() -> None:
    """customer-days/s divided by M draws/s is customer-days per M draws."""
    assert gate.normalised_unit("customer-days/s", "draws") == "customer-days per M draws"
    assert gate.normalised_unit("messages/s", "triad") == "messages per GB of triad"


def _refs(triad: float, draws: float, python: float) -> dict[str, float]:
    """Reference rates on both clocks; the CPU-time rates are made 3x the wall ones to tell them apart."""
    wall = {"triad": triad, "draws": draws, "python": python}
    return {**wall, **{f"{k}_cpu": 3.0 * v for k, v in wall.items()}}


def _result(scale: float = 1.0) -> dict[str, Any]:
    """A hand-made run result; ``scale`` multiplies every engine/kernel throughput (not the references)."""
    r: dict[str, Any] = {
        "name": "unit",
        "plan": "quick",
        "commit": "0123456789abcdef",
        "dirty": False,
        "date": "2026-12-02T03:00:00+00:00",
        "machine": {"cpu": "test cpu", "cpus": 2},
        "repeats": 2,
        "load_average": {"start": [1.5, 1.0, 0.5], "end": [1.0, 1.0, 0.5]},
        "vector_over_agent": 100.0,
        "engines": [
            {"name": "agent_5k_30d", "throughputs": [2e5, 1e5], "references": [_refs(10, 100, 4), _refs(9, 90, 5)]},
            {"name": "vector_100k_60d", "throughputs": [2e7, 3e7], "references": [_refs(10, 100, 4), _refs(12, 80, 5)]},
        ],
        "queue": {"throughputs": [6e7], "references": [_refs(10, 120, 4)]},
        "wom": {"throughputs": [1e8, 9e7], "references": [_refs(10, 100, 4), _refs(10, 110, 4)]},
        "compile": {"first_run_empty_cache_s": 20.0, "first_run_cpu_s": 16.0, "normalised": 100.0},
    }
    r["engines"].append(
        {"name": "vector_1m_365d", "threads": 2, "throughputs": [2e7], "references": [_refs(20, 200, 4)]}
    )
    for m in [*r["engines"], r["queue"], r["wom"]]:
        m["throughputs"] = [t * scale for t in m["throughputs"]]
        m["cpu_throughputs"] = [1.5 * t for t in m["throughputs"]]  # CPU time 1/1.5 of wall time
    r["figures"] = run.figures(r)
    return r


def test_figures_divide_best_throughput_by_best_rate_of_the_declared_reference() -> None:
    """Single-threaded figures on CPU time: agent (1.5 x 2e5) / (3 x 5) with the Python loop; vector by
    its own reference. The 2-thread figure on wall time: 2e7 / its reference's wall rate."""
    f = _result()["figures"]
    assert f["agent_5k_30d"]["normalised"] == pytest.approx(1.5 * 2e5 / (3 * 5))
    assert (f["agent_5k_30d"]["reference"], f["agent_5k_30d"]["clock"]) == ("python", "cpu")
    ref = gate.reference_for("vector_100k_60d")
    best = max(_refs(10, 100, 4)[ref], _refs(12, 80, 5)[ref])
    assert f["vector_100k_60d"]["normalised"] == pytest.approx(1.5 * 3e7 / (3 * best))
    assert f["vector_100k_60d"]["raw"] == 3e7  # raw is always wall-clock throughput
    assert f["vector_1m_365d"]["clock"] == "wall"
    assert f["vector_1m_365d"]["normalised"] == pytest.approx(2e7 / _refs(20, 200, 4)[ref])
    assert set(f) == {"agent_5k_30d", "vector_100k_60d", "vector_1m_365d", "fifo_waits", "wom_delivery"}


def test_one_thread_is_normalised_on_cpu_time_and_several_on_wall_time() -> None:
    """CPU time would hide a lost parallel speed-up, so only single-threaded figures use it."""
    assert gate.clock_for(1) == "cpu"
    assert gate.clock_for(2) == "wall"


def test_check_passes_against_its_own_baseline_and_fails_when_twice_as_slow(capsys: pytest.CaptureFixture[str]) -> None:
    """A run is within any margin of itself; halving every throughput regresses every figure."""
    base = run.baseline_entry(_result())
    assert run.check(_result(), base, 0.30)
    assert not run.check(_result(scale=0.5), base, 0.30)
    out = capsys.readouterr().out
    assert out.count("REGRESSED") == 4  # every figure but the report-only WOM delivery
    assert "first-run compile (reported, not gated): 20.0 s now (16.0 s CPU)" in out


def test_check_passes_a_slowdown_within_the_margin() -> None:
    """80 % of the baseline throughput, margin 30 %: passes; margin 10 %: fails."""
    base = run.baseline_entry(_result())
    assert run.check(_result(scale=0.8), base, 0.30)
    assert not run.check(_result(scale=0.8), base, 0.10)


def test_history_line_round_trips_with_raw_normalised_and_compile(tmp_path: Path) -> None:
    """Two appended runs read back in order with their figures, commit and verdict."""
    path = tmp_path / "results" / "history.jsonl"
    history.append(path, history.record(_result(), None))
    history.append(path, history.record(_result(scale=0.5), False))
    lines = history.load(path)
    assert [ln["check"] for ln in lines] == [None, "fail"]
    assert lines[1]["raw"]["vector_100k_60d"] == 1.5e7
    assert lines[1]["normalised"]["agent_5k_30d"] == pytest.approx(lines[0]["normalised"]["agent_5k_30d"] / 2)
    assert (lines[0]["compile_first_run_s"], lines[0]["compile_first_run_cpu_s"]) == (20.0, 16.0)
    assert lines[0]["commit"] == "0123456789abcdef"
    rel = history.relative(lines, "normalised", {"agent_5k_30d": lines[0]["normalised"]["agent_5k_30d"], "x": 1.0})
    assert rel == {"agent_5k_30d": [1.0, 0.5], "x": [None, None]}


def test_absent_history_is_empty(tmp_path: Path) -> None:
    """No file yet: no runs."""
    assert history.load(tmp_path / "none.jsonl") == []


def test_plot_draws_a_png_of_the_history(tmp_path: Path) -> None:
    """Three runs against a baseline give a PNG file."""
    lines = [history.record(_result(scale=s), True) for s in (1.0, 0.9, 1.1)]
    base = {"quick": run.baseline_entry(_result())}
    out = tmp_path / "h.png"
    history.plot(lines, out, base)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--margin", "1.5"], "--margin must lie strictly between 0 and 1"),
        (["--margin", "0"], "--margin must lie strictly between 0 and 1"),
        (["--repeats", "0"], "--repeats must be at least 1"),
    ],
)
def test_bad_arguments_exit_2_with_one_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before anything is measured or written."""
    with pytest.raises(SystemExit) as exc:
        run.main(["--quick", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_check_without_a_baseline_for_the_plan_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--check needs a baseline entry for the plan it runs."""
    monkeypatch.setattr(run, "BASELINE", tmp_path / "baseline.json")
    with pytest.raises(SystemExit) as exc:
        run.main(["--quick", "--check"])
    assert exc.value.code == 2
    assert "no baseline for the quick plan" in capsys.readouterr().err


def test_baseline_entry_keeps_provenance() -> None:
    """The baseline says which commit and machine its figures come from."""
    entry = run.baseline_entry(copy.deepcopy(_result()))
    assert entry["commit"] == "0123456789abcdef"
    assert entry["machine"]["cpu"] == "test cpu"
    assert entry["normalised"]["agent_5k_30d"] == pytest.approx(2e4)
    assert entry["units"]["agent_5k_30d"] == "customer-days per M Python loops"


def test_noise_spread_counts_every_ordered_pair_as_a_possible_false_alarm() -> None:
    """Runs at 1.0, 0.8 and 1.2: of the six (baseline, now) pairs only 0.8 / 1.2 = 0.67 is below 0.70."""
    import noise

    s = noise.spread([1.0, 0.8, 1.2], 0.30)
    assert s["pairs"] == 6
    assert s["pairs_below"] == 1
    assert s["worst_pair"] == pytest.approx(0.8 / 1.2)
    assert (s["min"], s["max"], s["below_margin"]) == (0.8, 1.2, 0)
    assert s["cv"] == pytest.approx((0.08 / 3) ** 0.5)
