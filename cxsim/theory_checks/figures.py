"""The report's figures: Erlang C across staffing levels, and adoption against the Bass curve."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from cxsim import theory
from cxsim.kernels.tallies import SERVICE_LEVEL_MIN
from cxsim.theory_checks.diffusion import BASS_PERIODS, SPARSE, BassCurves
from cxsim.theory_checks.queueing import CASES

__all__ = ["bass_figure", "erlang_figure"]


def erlang_figure(sweep: list[dict[str, float]]) -> Figure:
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    case = CASES[0]
    c_grid = np.arange(math.floor(case.load) + 1, max(r["agents"] for r in sweep) + 1)
    ax1.plot(c_grid, [theory.erlang_c(int(c), case.load) for c in c_grid], "-", color="black", label="Erlang C")
    agents = np.array([r["agents"] for r in sweep])
    ax1.plot(agents, [r["day_p_wait"] for r in sweep], "x", color="grey", label="day average, empty start")
    ax1.errorbar(
        agents - 0.08,
        [r["sim_p_wait"] for r in sweep],
        yerr=[1.96 * r["sim_p_wait_se"] for r in sweep],
        fmt="o",
        color="tab:blue",
        label="full simulation (95% CI)",
    )
    ax1.plot(agents + 0.08, [r["fifo_p_wait"] for r in sweep], "s", color="tab:orange", label="fifo_waits")
    ax1.set_xlabel("agents")
    ax1.set_ylabel("probability of waiting")
    ax1.set_title(f"P(wait): {case.calls_per_30min:.0f} calls / 30 min, AHT {case.handle_s:.0f} s")
    ax1.legend(fontsize=8)
    ax2.plot(
        c_grid,
        [theory.erlang_c_service_level(int(c), case.load, case.mean_service, SERVICE_LEVEL_MIN) for c in c_grid],
        "-",
        color="black",
        label="Erlang C",
    )
    ax2.plot(agents - 0.08, [r["sim_sl"] for r in sweep], "o", color="tab:blue", label="full simulation")
    ax2.plot(agents + 0.08, [r["fifo_sl"] for r in sweep], "s", color="tab:orange", label="fifo_waits")
    ax2.axhline(0.8, color="grey", lw=0.6, ls="--")
    ax2.set_xlabel("agents")
    ax2.set_ylabel("share answered within 20 s")
    ax2.set_title("Service level (80/20 target dashed)")
    ax2.legend(fontsize=8)
    return fig


def bass_figure(curves: list[BassCurves]) -> Figure:
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    axes = fig.subplots(1, len(curves))
    fine = np.linspace(0, BASS_PERIODS, 301)
    for ax, c in zip(np.atleast_1d(axes), curves, strict=True):
        ax.plot(fine, theory.bass_cdf(fine, c.p, c.q), "-", color="black", label="Bass closed form")
        ax.plot(c.t, c.discrete, ":", color="grey", label=f"daily recursion (L = {c.period_days} days)")
        ax.errorbar(
            c.t,
            c.sim_mean,
            yerr=1.96 * c.sim_se,
            fmt="o",
            ms=4,
            color="tab:blue",
            label="simulation, complete mixing (95% CI)",
        )
        for kind, colour in zip(SPARSE, ("tab:green", "tab:red"), strict=True):
            if kind in c.sparse:
                ax.plot(c.t, c.sparse[kind], "s--", ms=3, color=colour, label=f"simulation, {kind.replace('_', '-')}")
        ax.set_title(f"{c.label}: p = {c.p:g}, q = {c.q:g} per period")
        ax.set_xlabel("periods since launch")
        ax.set_ylabel("share adopted F(t)")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8, loc="lower right")
    return fig
