"""Word-of-mouth strength and network shape vs the share of customers acquired by referral.

python experiments/wom_network/study.py [--quick] [--from SWEEP_DIR] [hydra overrides]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxsim.sweeps.study import points, study_main

RATE, KIND = "wom.p_talk_promoter", "wom.network.kind"
QUICK = [
    "population.size=300",
    "simulation.days=20",
    f"{RATE}=0.01,0.04",
    f"{KIND}=watts_strogatz",
    "simulation.seed=1",
]
LABELS = {"watts_strogatz": "small world (Watts-Strogatz)", "barabasi_albert": "scale free (Barabási-Albert)"}


def figure(table: pd.DataFrame, bp: pd.DataFrame | None) -> Figure:
    """Referral share and acquisitions against the promoters' talk rate, one line per network."""
    bp = points(table, bp)
    if KIND not in bp.columns:  # one network only
        bp = bp.assign(**{KIND: "watts_strogatz"})
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    kinds = sorted(bp[KIND].astype(str).unique())
    for i, (kind, rows) in enumerate(bp.groupby(KIND, sort=True)):
        shift = 1.0 + 0.04 * (i - (len(kinds) - 1) / 2)  # side by side, so the intervals do not hide each other
        for ax, kpi, scale in ((ax1, "referral_share", 100.0), (ax2, "acquired_referral_total", 1.0)):
            r = rows[rows["kpi"] == kpi].sort_values(RATE)
            x = r[RATE].to_numpy(float) * shift
            m = r["mean"].to_numpy(float) * scale
            err = np.nan_to_num(
                np.vstack([m - r["low"].to_numpy(float) * scale, r["high"].to_numpy(float) * scale - m])
            )
            ax.errorbar(x, m, yerr=err, marker="o", capsize=3, label=LABELS.get(str(kind), str(kind)))
    ax1.set_title("Share of acquisitions by referral (%)")
    ax2.set_title("Customers acquired by referral in the year")
    ax1.set_ylabel("referral share of acquisitions (%)")
    ax2.set_ylabel("customers acquired by referral")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xticks(sorted(bp[RATE].unique()))
        ax.set_xticklabels([f"{v:g}" for v in sorted(bp[RATE].unique())])
        ax.minorticks_off()
        ax.set_xlabel("daily chance a promoter recommends (wom.p_talk_promoter)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"Word of mouth: mean and 95% CI over {int(bp['n'].max())} seeds per point (mean degree 10)")
    return fig


if __name__ == "__main__":
    sys.exit(study_main(sys.argv[1:], experiment="wom_network", figure=figure, here=Path(__file__).parent, quick=QUICK))
