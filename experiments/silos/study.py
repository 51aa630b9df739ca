"""The cost of silos: the AS-IS (the app does not share context) vs shared context, paired by seed.

python experiments/silos/study.py [--quick] [--from SWEEP_DIR] [hydra overrides]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from cxsim.sweeps.study import study_main

QUICK = ["population.size=300", "simulation.days=20", "simulation.seed=1"]
KPIS = {
    "effort_mean": "effort (1-7)",
    "nps_end": "NPS (end)",
    "resolution_rate": "resolution rate (pp)",
    "churn_rate_annual": "churn per year (pp)",
    "cost_to_serve_total": "cost to serve (k USD)",
    "margin_total": "margin (k USD)",
}
SCALE = {"resolution_rate": 100.0, "churn_rate_annual": 100.0, "cost_to_serve_total": 1e-3, "margin_total": 1e-3}


def paired(table: pd.DataFrame, kpi: str) -> tuple[float, float, int]:
    """Mean of (silos - shared context) over seeds and its 95% half-width."""
    ok = table[table["status"] == "ok"]
    wide = ok.pivot(index="seed", columns="scenario", values=kpi).dropna()
    d = (wide["as_is"] - wide["shared_context"]).to_numpy(float) * SCALE.get(kpi, 1.0)
    n = d.size
    half = float(stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return float(d.mean()), half, n


def figure(table: pd.DataFrame, bp: pd.DataFrame | None) -> Figure:
    """What the silo adds, KPI by KPI: paired difference with its 95% CI."""
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    axes = fig.subplots(1, len(KPIS))
    n = 0
    for ax, (kpi, label) in zip(axes, KPIS.items(), strict=True):
        mean, half, n = paired(table, kpi)
        color = (
            "tab:red"
            if (mean > 0) == (kpi in ("effort_mean", "churn_rate_annual", "cost_to_serve_total"))
            else "tab:blue"
        )
        ax.bar([0], [mean], yerr=[[0.0 if np.isnan(half) else half]], color=color, capsize=6, width=0.6)
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xticks([])
        ax.set_title(label, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(
        f"The cost of silos: AS-IS minus shared context, paired over {n} seeds (95% CI); red = the silo is worse"
    )
    return fig


if __name__ == "__main__":
    sys.exit(study_main(sys.argv[1:], experiment="silos", figure=figure, here=Path(__file__).parent, quick=QUICK))
