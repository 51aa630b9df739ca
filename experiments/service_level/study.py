"""Service level vs NPS and cost: contact-centre agents 1..5, three seeds each.

python experiments/service_level/study.py [--quick] [--from SWEEP_DIR] [hydra overrides]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxsim.sweeps.study import points, study_main

SERVERS = "journey.touchpoints.contact_centre.servers"
QUICK = ["population.size=300", "simulation.days=20", f"{SERVERS}=1,3", "simulation.seed=1"]


def _series(bp: pd.DataFrame, kpi: str, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = bp[bp["kpi"] == kpi].sort_values(SERVERS)
    x = rows[SERVERS].to_numpy(dtype=float)
    mean = rows["mean"].to_numpy(dtype=float) * scale
    err = np.vstack([mean - rows["low"].to_numpy(float) * scale, rows["high"].to_numpy(float) * scale - mean])
    return x, mean, np.nan_to_num(err)


def figure(table: pd.DataFrame, bp: pd.DataFrame | None) -> Figure:
    """Waits and abandonment, NPS, and money against the number of agents (mean and 95% CI over seeds)."""
    bp = points(table, bp)
    fig = Figure(figsize=(12, 4), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    x, m, e = _series(bp, "mean_wait_min")
    ax1.errorbar(x, m, yerr=e, marker="o", capsize=3, label="mean wait (min)")
    x, m, e = _series(bp, "abandonment_rate", 100.0)
    ax1.errorbar(x, m, yerr=e, marker="s", capsize=3, label="abandoned (%)")
    ax1.set_yscale("symlog", linthresh=1.0)
    ax1.set_title("Queue at staffed touchpoints")
    ax1.legend()
    x, m, e = _series(bp, "nps_end")
    ax2.errorbar(x, m, yerr=e, marker="o", capsize=3, color="tab:green")
    ax2.set_title("NPS at the end of the year")
    x, m, e = _series(bp, "margin_total", 1e-3)
    ax3.errorbar(x, m, yerr=e, marker="o", capsize=3, color="tab:orange", label="margin (left)")
    ax3.set_ylabel("margin (thousand USD)", color="tab:orange")
    cost = ax3.twinx()
    x, m, e = _series(bp, "cost_to_serve_total", 1e-3)
    cost.errorbar(x, m, yerr=e, marker="s", capsize=3, color="tab:blue", label="cost to serve (right)")
    cost.set_ylabel("cost to serve (thousand USD)", color="tab:blue")
    ax3.set_title("Money over the year")
    for ax in (ax1, ax2, ax3):
        ax.set_xlabel("contact-centre agents on shift")
        ax.set_xticks(sorted(bp[SERVERS].unique()))
        ax.grid(alpha=0.3)
    n = int(bp["n"].max())
    fig.suptitle(f"Contact-centre staffing: mean and 95% CI over {n} seeds per point")
    return fig


if __name__ == "__main__":
    sys.exit(
        study_main(sys.argv[1:], experiment="service_level", figure=figure, here=Path(__file__).parent, quick=QUICK)
    )
