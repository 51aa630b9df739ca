"""Memory rule (peak-end, mean, linear) and which journey design wins the comparison.

python experiments/memory_rule/study.py [--quick] [--from SWEEP_DIR] [hydra overrides]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxsim.sweeps.study import study_main

RULE = "behaviour.memory.rule"
QUICK = ["population.size=300", "simulation.days=20", "compare.horizon_days=20", "compare.replications=2",
         "compare.n_jobs=1", "compare.candidates=[better_app]", f"{RULE}=peak_end,mean"]  # fmt: skip


def designs(table: pd.DataFrame) -> list[str]:
    """The candidate designs of the comparison (from the ``<design>.npv`` columns)."""
    return [c.removesuffix(".npv") for c in table.columns if c.endswith(".npv")]


def figure(table: pd.DataFrame, bp: pd.DataFrame | None) -> Figure:
    """NPV and ΔNPS of every design against the AS-IS, grouped by memory rule (95% CIs)."""
    ok = table[table["status"] == "ok"].sort_values("job")
    names = designs(ok)
    rules = [str(r) for r in ok[RULE]]
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    width = 0.8 / max(len(names), 1)
    x = np.arange(len(rules))
    for i, d in enumerate(names):
        for ax, col, scale in ((ax1, "npv", 1e-3), (ax2, "dnps", 1.0)):
            m = ok[f"{d}.{col}"].to_numpy(float) * scale
            lo = ok[f"{d}.{col}_low"].to_numpy(float) * scale
            hi = ok[f"{d}.{col}_high"].to_numpy(float) * scale
            err = np.nan_to_num(np.vstack([m - lo, hi - m]))
            ax.bar(x + (i - (len(names) - 1) / 2) * width, m, width, yerr=err, capsize=3, label=d)
    for ax, title in ((ax1, "NPV vs AS-IS (thousand USD)"), (ax2, "ΔNPS vs AS-IS (points, end of horizon)")):
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xticks(x)
        ax.set_xticklabels(rules)
        ax.set_xlabel("memory rule (behaviour.memory.rule)")
        ax.set_title(title)
        ax.set_ylabel(title[title.index("(") + 1 : title.index(")")].split(",")[0])
        ax.grid(axis="y", alpha=0.3)
    fig.legend(*ax1.get_legend_handles_labels(), loc="outside lower center", ncol=max(len(names), 1), fontsize=9)
    winners = []
    for r, (_, row) in zip(rules, ok.iterrows(), strict=True):
        top = max(names, key=lambda d: float(row[f"{d}.npv"]))
        pays = "pays back" if isinstance(row["best_design"], str) else "but no design pays back"
        winners.append(f"{r}: {top} ({pays})")
    fig.suptitle("Highest NPV under each memory rule: " + "; ".join(winners))
    return fig


if __name__ == "__main__":
    sys.exit(
        study_main(
            sys.argv[1:],
            experiment="memory_rule",
            figure=figure,
            here=Path(__file__).parent,
            quick=QUICK,
            command="compare",
        )
    )
