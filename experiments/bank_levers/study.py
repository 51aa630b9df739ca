"""Which priors drive the better app's NPV, and the best design under a 100,000 USD budget.

python experiments/bank_levers/study.py [--quick] [--out-dir DIR] [--out FIGURE] [overrides]

Runs ``cxsim sensitivity --spec bank`` (Morris, 6 priors, every design), ``cxsim sensitivity
--spec bank_sobol`` (Sobol, the 3 that matter, better_app) and ``cxsim optimise --spec bank``
on the same market, then draws ``figure.png`` from their outputs. Each step resumes when run
again with the same ``--out-dir``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxsim.cli import main as cxsim

HERE = Path(__file__).resolve().parent
# The bank at its full size (50,000 people) over a two-year business case, two paired replications a point.
MARKET = [
    "compare.horizon_days=730",
    "compare.robustness_horizons_days=[]",
    "compare.replications=2",
    "compare.candidates=[better_app]",
]
QUICK = [
    "population.size=400",
    "simulation.warmup_days=5",
    "compare.horizon_days=30",
    "compare.robustness_horizons_days=[]",
    "compare.replications=2",
    "compare.candidates=[better_app]",
]


def _short(path: str) -> str:
    return ".".join(path.split(".")[-2:])


def figure(out_dir: Path) -> Figure:
    """Morris μ* and Sobol ST/S1 for the better app's NPV (with intervals), and the search history."""
    fig = Figure(figsize=(15, 4.6), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    m = pd.read_parquet(out_dir / "morris" / "indices.parquet")
    m = m[(m["output"] == "better_app.npv") & (m["index"] == "mu_star")].sort_values("value")
    err = np.vstack([m["value"] - m["low"], m["high"] - m["value"]]) / 1e3
    ax1.barh([_short(p) for p in m["parameter"]], m["value"] / 1e3, xerr=err, capsize=3, color="#1f5f8b")
    ax1.set_xlabel("μ*: mean |elementary effect| on NPV (thousand USD)")
    ax1.set_title("Morris screening: better app's NPV")
    s = pd.read_parquet(out_dir / "sobol" / "indices.parquet")
    s = s[s["output"] == "better_app.npv"]
    params = list(s[s["index"] == "ST"].sort_values("rank")["parameter"])
    pos = np.arange(len(params))
    for k, (idx, colour) in enumerate((("S1", "#8fb8d8"), ("ST", "#1f5f8b"))):
        t = s[s["index"] == idx].set_index("parameter").loc[params]
        e = np.vstack([t["value"] - t["low"], t["high"] - t["value"]])
        ax2.bar(pos + (k - 0.5) * 0.38, t["value"], 0.38, yerr=e, capsize=3, color=colour, label=idx)
    ax2.set_xticks(pos, [_short(p) for p in params], rotation=20, ha="right")
    ax2.axhline(0, color="black", lw=0.6)
    ax2.set_ylabel("share of the NPV's variance")
    ax2.set_title("Sobol indices (95% bootstrap intervals)")
    ax2.legend()
    tr = pd.read_parquet(out_dir / "optimise" / "trials.parquet")
    ok = tr["feasible"].to_numpy(dtype=bool)
    ax3.scatter(tr["trial"][ok], tr["npv"][ok] / 1e3, s=16, color="#1f5f8b", label="within budget")
    ax3.scatter(tr["trial"][~ok], tr["npv"][~ok] / 1e3, s=16, marker="x", color="#c0504d", label="over budget")
    best = np.maximum.accumulate(np.where(ok, tr["npv"].to_numpy(), -np.inf)) / 1e3
    shown = np.isfinite(best)
    ax3.step(tr["trial"][shown], best[shown], where="post", color="black", label="best so far")
    ax3.axhline(0, color="grey", lw=0.6)
    ax3.set_xlabel("trial")
    ax3.set_ylabel("NPV against the AS-IS (thousand USD)")
    ax3.set_title("Design search (Optuna), budget 100,000 USD")
    ax3.legend(fontsize=8)
    for ax in (ax1, ax2, ax3):
        ax.grid(alpha=0.3)
    return fig


# --quick: fewer Morris trajectories, a smaller Sobol base sample, fewer trials
QUICK_SIZES = {"morris": ["--samples", "2"], "sobol": ["--samples", "4"], "optimise": ["--trials", "3"]}


def run(out_dir: Path, market: list[str], quick: bool) -> int:
    size = QUICK_SIZES if quick else {k: [] for k in QUICK_SIZES}
    steps = [
        ["sensitivity", "--spec", "bank", "--out", str(out_dir / "morris"), *size["morris"], *market],
        ["sensitivity", "--spec", "bank_sobol", "--out", str(out_dir / "sobol"), *size["sobol"], *market],
        ["optimise", "--spec", "bank", "--out", str(out_dir / "optimise"), *size["optimise"], *market],
    ]  # fmt: skip
    for argv in steps:
        print("cxsim " + " ".join(argv), flush=True)
        code = cxsim(argv)
        if code:
            return code
    return 0


def cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a tiny market and sample (what the tests run)")
    p.add_argument("--out-dir", type=Path, default=Path("outputs/bank_levers"), help="where the three studies go")
    p.add_argument("--out", type=Path, default=HERE / "figure.png", help="the figure")
    p.add_argument("--from", dest="from_", action="store_true", help="only draw the figure from --out-dir")
    ns, overrides = p.parse_known_args(argv)
    if not ns.from_:
        market = [*(QUICK if ns.quick else MARKET), *overrides]
        code = run(ns.out_dir, market, ns.quick)
        if code:
            return code
    figure(ns.out_dir).savefig(ns.out, dpi=110)
    print(f"figure: {ns.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
