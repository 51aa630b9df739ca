"""Figures of a study: Morris μ*–σ, Sobol bars with intervals, optimisation history, Pareto front."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from cxsim.output import atomic_write_bytes

__all__ = ["history_figure", "sensitivity_figure"]


# money on an axis: 300,000 rather than 300000 or 3e5
_THOUSANDS = FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def _short(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else path


def _save(fig: plt.Figure, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


def sensitivity_figure(table: pd.DataFrame, method: str, path: Path) -> Path:
    """One panel per output: Morris μ* against σ (μ* interval as error bars), or Sobol S1/ST bars."""
    outputs = list(dict.fromkeys(table["output"]))
    n = max(len(outputs), 1)
    fig, axes = plt.subplots(1, n, figsize=(5.6 * n, 4.4), squeeze=False)
    for ax, out in zip(axes[0], outputs, strict=False):
        t = table[table["output"] == out]
        if method == "morris":
            ms = t[t["index"] == "mu_star"].sort_values("rank").reset_index(drop=True)
            sg = t[t["index"] == "sigma"].set_index("parameter")["value"]
            err = np.vstack([ms["value"] - ms["low"], ms["high"] - ms["value"]])
            ax.errorbar(ms["value"], sg.loc[ms["parameter"]].to_numpy(), xerr=err, fmt="o", color="#1f5f8b", capsize=3)
            # points are numbered by rank (names beside the points overlap when effects are close);
            # the key names them
            for k, r in ms.iterrows():
                ax.annotate(str(k + 1), (r["value"], sg[r["parameter"]]), fontsize=8, fontweight="bold",
                            xytext=(3, 4), textcoords="offset points")  # fmt: skip
                ax.plot([], [], ls="none", label=f"{k + 1}  {_short(str(r['parameter']))}")
            top = float(max(ms["high"].max(), sg.max(), 1e-12))
            ax.plot([0, top], [0, top], ls=":", color="grey", lw=0.8, label="σ = μ*")
            if top >= 1000:
                for axis in (ax.xaxis, ax.yaxis):
                    axis.set_major_formatter(_THOUSANDS)
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
            ax.set_xlabel("μ* (mean |elementary effect|)")
            ax.set_ylabel("σ (spread of effects)")
            ax.legend(fontsize=7.5, loc="upper left", handlelength=0.8, frameon=True)
        else:
            params = list(dict.fromkeys(t.sort_values("rank")["parameter"]))
            pos = np.arange(len(params))
            for k, (idx, colour) in enumerate((("S1", "#8fb8d8"), ("ST", "#1f5f8b"))):
                s = t[t["index"] == idx].set_index("parameter").loc[params]
                err = np.vstack([s["value"] - s["low"], s["high"] - s["value"]])
                ax.bar(pos + (k - 0.5) * 0.38, s["value"], 0.38, yerr=err, capsize=3, color=colour,
                       label=f"{idx} ({'first order' if idx == 'S1' else 'total order'})")  # fmt: skip
            ax.axhline(0, color="black", lw=0.6)
            ax.set_xticks(pos, [_short(p) for p in params], rotation=30, ha="right", fontsize=8)
            ax.set_ylabel("Sobol index (share of variance)")
            ax.legend(fontsize=8)
        ax.set_title(out, fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Morris screening: μ* against σ" if method == "morris" else "Sobol indices with bootstrap intervals",
        fontsize=11,
    )
    return _save(fig, path)


def history_figure(trials: pd.DataFrame, objectives: tuple[str, ...], currency: str, path: Path) -> Path:
    """Optimisation history (NPV of each trial, best feasible so far) and, for two objectives, the Pareto front."""
    two = len(objectives) > 1
    fig, axes = plt.subplots(1, 2 if two else 1, figsize=(11 if two else 6.5, 4.4), squeeze=False)
    ax = axes[0][0]
    ok = trials["feasible"].astype(bool).to_numpy()
    npv = trials["npv"].to_numpy(dtype=np.float64)
    ax.scatter(trials["trial"][ok], npv[ok], s=18, color="#1f5f8b", label="feasible trial")
    ax.scatter(
        trials["trial"][~ok], npv[~ok], s=18, marker="x", color="#c0504d", label="over budget / below ΔNPS floor"
    )
    best = np.maximum.accumulate(np.where(ok, npv, -np.inf))
    shown = np.isfinite(best)
    ax.step(trials["trial"][shown], best[shown], where="post", color="black", lw=1.2, label="best feasible so far")
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xlabel("trial")
    ax.set_ylabel(f"NPV against the AS-IS ({currency})")
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_title("Optimisation history", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    if two:
        ax2 = axes[0][1]
        dnps = trials["dnps"].to_numpy(dtype=np.float64)
        ax2.scatter(dnps[ok], npv[ok], s=18, color="#8fb8d8", label="feasible trial")
        front = trials["pareto"].astype(bool).to_numpy() & ok
        order = np.argsort(dnps[front])
        ax2.plot(dnps[front][order], npv[front][order], "o-", color="#1f5f8b", label="Pareto front")
        ax2.set_xlabel("ΔNPS against the AS-IS (points)")
        ax2.set_ylabel(f"NPV ({currency})")
        ax2.yaxis.set_major_formatter(_THOUSANDS)
        ax2.set_title("Pareto front: NPV against ΔNPS", fontsize=10)
        ax2.legend(fontsize=8)
        ax2.grid(alpha=0.3)
    return _save(fig, path)
