"""Benchmark history: one JSON line per run (commit, date, machine, raw and normalised figures, compile time).

``record`` turns a run's result into a line, ``append`` adds it to ``history.jsonl``, ``load``
reads it back, and ``plot`` draws speed over commits: each normalised figure and the same figure
raw, both relative to the baseline, and the first-run compile time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gate import DEFAULT_MARGIN

__all__ = ["append", "load", "plot", "record", "relative", "summary"]


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Provenance and figures of one run, as both a history line and a baseline keep them."""
    return {
        "commit": result["commit"],
        "dirty": result["dirty"],
        "date": result["date"],
        "machine": result["machine"],
        "repeats": result["repeats"],
        "load_average_1min": result["load_average"]["start"][0],
        "raw": {k: f["raw"] for k, f in result["figures"].items()},
        "normalised": {k: f["normalised"] for k, f in result["figures"].items()},
    }


def record(result: dict[str, Any], passed: bool | None) -> dict[str, Any]:
    """The history line of one run; ``passed`` is the regression check's verdict (None: not checked)."""
    compile_ = result.get("compile") or {}
    return {
        **summary(result),
        "plan": result["plan"],
        "name": result["name"],
        "references": {k: f["reference_rate"] for k, f in result["figures"].items()},
        "vector_over_agent": result["vector_over_agent"],
        "compile_first_run_s": compile_.get("first_run_empty_cache_s"),
        "compile_first_run_cpu_s": compile_.get("first_run_cpu_s"),
        "compile_normalised": compile_.get("normalised"),
        "check": None if passed is None else ("pass" if passed else "fail"),
    }


def append(path: Path, line: dict[str, Any]) -> None:
    """Append one line (the file is created if absent)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(json.dumps(line, sort_keys=True) + "\n")


def load(path: Path) -> list[dict[str, Any]]:
    """Every line of the history, oldest first (an absent file is an empty history)."""
    if not path.exists():
        return []
    return [json.loads(s) for s in path.read_text().splitlines() if s.strip()]


def relative(lines: list[dict[str, Any]], key: str, baseline: dict[str, float]) -> dict[str, list[float | None]]:
    """Per figure, ``line[key][figure] / baseline[figure]`` along the history (None where unmeasured)."""
    return {f: [(ln[key].get(f) / b if ln[key].get(f) else None) for ln in lines] for f, b in baseline.items()}


def plot(
    lines: list[dict[str, Any]],
    out: Path,
    baselines: dict[str, Any],
    plan: str = "quick",
    margin: float = DEFAULT_MARGIN,
) -> None:
    """Draw the history of one plan to ``out`` (PNG): normalised and raw figures relative to the baseline."""
    from matplotlib.figure import Figure

    lines = [ln for ln in lines if ln["plan"] == plan]
    if not lines:
        raise SystemExit(f"no {plan} runs in the history yet: run benchmarks/run.py first")
    base = baselines.get(plan)
    if base is None:  # no baseline: relative to the first run
        first = lines[0]
        norm_base, raw_base = first["normalised"], first["raw"]
        margin_line = None
    else:
        norm_base, raw_base = base["normalised"], base["raw"]
        margin_line = 1.0 - margin
    x = list(range(len(lines)))
    labels = [f"{ln['commit'][:7]}{'+' if ln['dirty'] else ''}\n{ln['date'][5:16].replace('T', ' ')}" for ln in lines]
    fig = Figure(figsize=(11, 9), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True, height_ratios=[3, 3, 2])
    for ax, key, title in (
        (axes[0], "normalised", "normalised by the reference kernels (what --check gates)"),
        (axes[1], "raw", "raw throughput (what the machine's load does to it)"),
    ):
        rel = relative(lines, key, norm_base if key == "normalised" else raw_base)
        for name, ys in rel.items():
            ax.plot(x, [float("nan") if y is None else y for y in ys], marker="o", label=name)
        ax.axhline(1.0, color="0.5", lw=0.8)
        if margin_line is not None:
            ax.axhline(margin_line, color="tab:red", ls="--", lw=1, label=f"fails below (margin {margin:.0%})")
        ax.set_ylabel("now / baseline")
        ax.set_title(title, loc="left", fontsize=11)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize=9, ncol=3)
    for key, label in (("compile_first_run_s", "wall"), ("compile_first_run_cpu_s", "CPU")):
        comp = [ln.get(key) for ln in lines]
        axes[2].plot(x, [float("nan") if c is None else c for c in comp], marker="s", label=label)
    axes[2].legend(loc="lower left", fontsize=9)
    axes[2].set_ylabel("seconds")
    axes[2].set_title("first vector run with an empty numba cache (reported, not gated)", loc="left", fontsize=11)
    axes[2].set_ylim(bottom=0)
    axes[2].grid(alpha=0.3)
    axes[2].set_xticks(x, labels, fontsize=8)
    fig.suptitle(f"cxsim benchmark history ({plan} plan, {len(lines)} runs)", fontsize=13)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
