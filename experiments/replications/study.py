"""How many replications a comparison needs: CI half-width of NPV and ΔNPS against replications.

python experiments/replications/study.py [--quick] [--from SWEEP_DIR] [hydra overrides]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxsim.sweeps.study import study_main

REPS = "compare.replications"
QUICK = ["population.size=300", "simulation.days=20", "compare.horizon_days=20", "compare.n_jobs=1",
         "compare.candidates=[better_app]", f"{REPS}=2,3"]  # fmt: skip


def figure(table: pd.DataFrame, bp: pd.DataFrame | None) -> Figure:
    """Half-width of the 95% CI against replications (log-log), with the 1/sqrt(R) law through the last point."""
    ok = table[table["status"] == "ok"].sort_values(REPS)
    reps = ok[REPS].to_numpy(float)
    names = [c.removesuffix(".npv") for c in ok.columns if c.endswith(".npv")]
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for ax, col, unit in ((ax1, "npv", "USD"), (ax2, "dnps", "NPS points")):
        for d in names:
            half = (ok[f"{d}.{col}_high"].to_numpy(float) - ok[f"{d}.{col}_low"].to_numpy(float)) / 2.0
            (line,) = ax.plot(reps, half, marker="o", label=d)
            if np.isfinite(half[-1]):
                ax.plot(reps, half[-1] * np.sqrt(reps[-1] / reps), ls=":", color=line.get_color(), lw=1)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(reps)
        ax.set_xticklabels([f"{int(r)}" for r in reps])
        ax.set_xlabel("paired replications (compare.replications)")
        ax.set_ylabel(f"95% CI half-width ({unit})")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    ax1.set_title("NPV vs AS-IS")
    ax2.set_title("ΔNPS vs AS-IS")
    fig.suptitle("Precision of a paired comparison: half-width of the 95% CI (dotted: the 1/√R law)")
    return fig


if __name__ == "__main__":
    sys.exit(
        study_main(
            sys.argv[1:],
            experiment="replications",
            figure=figure,
            here=Path(__file__).parent,
            quick=QUICK,
            command="compare",
        )
    )
