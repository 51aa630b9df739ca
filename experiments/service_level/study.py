"""Service level vs NPS and cost: contact-centre agents 1..6, three seeds each.

python experiments/service_level/study.py [--quick] [--from SWEEP_DIR] [hydra overrides]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from cxsim.sweeps.study import points, study_main

SERVERS = "journey.touchpoints.contact_centre.servers"
AS_IS = 3  # agents on shift in the AS-IS
FIXED = "journey.touchpoints.contact_centre.staffing.policy=fixed"  # a fixed team: the sweep sets it
QUICK = ["population.size=300", "simulation.days=20", f"{SERVERS}=1,3", "simulation.seed=1", FIXED]


def _series(bp: pd.DataFrame, kpi: str, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = bp[bp["kpi"] == kpi].sort_values(SERVERS)
    x = rows[SERVERS].to_numpy(dtype=float)
    mean = rows["mean"].to_numpy(dtype=float) * scale
    err = np.vstack([mean - rows["low"].to_numpy(float) * scale, rows["high"].to_numpy(float) * scale - mean])
    return x, mean, np.nan_to_num(err)


def _paired(table: pd.DataFrame, kpi: str, ref: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds of (kpi at each staffing - kpi at ``ref`` agents, same seed) and its 95% half-width."""
    ok = table[table["status"] == "ok"]
    wide = ok.pivot_table(index="seed", columns=SERVERS, values=kpi)
    d = wide.sub(wide[ref], axis=0)
    n = d.notna().sum().to_numpy(float)
    sd = d.std(ddof=1).to_numpy(float) if len(d) > 1 else np.full(len(d.columns), np.nan)
    q = stats.t.ppf(0.975, np.maximum(n - 1, 1))
    half = np.nan_to_num(q * sd / np.sqrt(n))
    return d.columns.to_numpy(float), d.mean().to_numpy(float), half


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
    ax1.set_ylabel("minutes / percent (symlog)")
    ax1.set_title("Queue at staffed touchpoints")
    ax1.legend()
    x, m, e = _series(bp, "nps_end")
    ax2.errorbar(x, m, yerr=e, marker="o", capsize=3, color="tab:green")
    ax2.set_ylabel("NPS (points)")
    ax2.set_title("NPS at the end of the year")
    ref = AS_IS if AS_IS in set(table[SERVERS]) else int(table[SERVERS].min())
    for kpi, label, marker in (
        ("revenue_total", "revenue", "^"),
        ("cost_to_serve_total", "cost to serve (staff included)", "s"),
        ("margin_total", "margin", "o"),
    ):
        x, m, e = _paired(table, kpi, ref)
        ax3.errorbar(x, m * 1e-3, yerr=e * 1e-3, marker=marker, capsize=3, label=label)
    ax3.axhline(0.0, color="black", lw=0.8)
    ax3.set_ylabel(f"difference from {ref} agents (thousand USD)")
    ax3.set_title("Money over the year, paired by seed")
    ax3.legend(fontsize=8)
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
