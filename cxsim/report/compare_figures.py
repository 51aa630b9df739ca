"""Figures of an AS-IS vs TO-BE comparison (matplotlib ``Figure`` objects, no pyplot state).

``trajectory_figure`` (KPIs over time with confidence bands, and the cumulative net value that
shows payback), ``roi_figure`` (ROI across replications), ``waterfall_figure`` (NPV by driver),
``touchpoint_figure`` (where the experience changed) and ``flow_figure`` (the journey as a flow
of contacts, with volumes).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from scipy import stats

from cxsim.compare import DRIVER_LABELS, DRIVERS, ComparisonResult, discount_factors

__all__ = ["flow_figure", "roi_figure", "touchpoint_figure", "trajectory_figure", "waterfall_figure"]

_COLOURS = ["#4d4d4d", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]


def _colour(result: ComparisonResult, name: str) -> str:
    names = [d.name for d in result.designs]
    return _COLOURS[names.index(name) % len(_COLOURS)]


def _title(result: ComparisonResult, name: str) -> str:
    return next(d.title for d in result.designs if d.name == name)


def _band(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replications (axis 0) and its confidence band."""
    mean = values.mean(axis=0)
    n = values.shape[0]
    if n < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def _matrix(daily: pd.DataFrame, design: str, column: str) -> np.ndarray:
    d = daily[daily["design"] == design]
    return np.asarray(d.pivot(index="replication", columns="day", values=column), dtype=np.float64)


def trajectory_figure(result: ComparisonResult) -> Figure:
    """Customers, NPS and cumulative net value vs AS-IS over time, mean ± CI band per design."""
    fig = Figure(figsize=(14, 4.4), layout="constrained")
    axes = fig.subplots(1, 3)
    daily, level = result.daily, result.ci_level
    days = np.arange(1, result.days + 1)
    for d in result.designs:
        c = _colour(result, d.name)
        for ax, col in ((axes[0], "customers"), (axes[1], "nps")):
            m, lo, hi = _band(_matrix(daily, d.name, col), level)
            ax.plot(days, m, color=c, lw=1.4, label=d.title)
            ax.fill_between(days, lo, hi, color=c, alpha=0.18, lw=0)
    disc = discount_factors(result.days, result.discount_rate_annual)
    base_margin = _matrix(daily, result.baseline, "margin")
    for d in result.candidates:
        c = _colour(result, d.name)
        gain = np.cumsum((_matrix(daily, d.name, "margin") - base_margin) * disc, axis=1)
        net = gain - (d.capex + np.cumsum(d.opex_per_day * disc))
        m, lo, hi = _band(net, level)
        axes[2].plot(days, m / 1e3, color=c, lw=1.4, label=d.title)
        axes[2].fill_between(days, lo / 1e3, hi / 1e3, color=c, alpha=0.18, lw=0)
    axes[2].axhline(0, color="black", lw=0.8)
    axes[0].set_title("Active customers")
    axes[1].set_title("NPS of active customers")
    axes[2].set_title(f"Cumulative net value vs {_title(result, result.baseline)}\n(discounted, after investment)")
    axes[2].set_ylabel(f"thousand {result.currency}")
    for ax in axes:
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    axes[2].legend(fontsize=8)
    return fig


def roi_figure(result: ComparisonResult) -> Figure:
    """ROI of each candidate in every replication, with the mean and its confidence interval."""
    cands = result.candidates
    fig = Figure(figsize=(8, 1.2 + 0.9 * len(cands)), layout="constrained")
    ax = fig.subplots()
    runs = result.runs[result.runs["kpi"] == "roi"]
    money = result.money.set_index("design")
    for y, d in enumerate(cands):
        vals = runs[runs["design"] == d.name]["value"].to_numpy(dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            continue
        jitter = np.linspace(-0.18, 0.18, vals.size)
        ax.scatter(vals * 100, y + jitter, s=14, color=_colour(result, d.name), alpha=0.6)
        row = money.loc[d.name]
        ax.errorbar(
            [row["roi"] * 100],
            [y],
            xerr=[[(row["roi"] - row["roi_low"]) * 100], [(row["roi_high"] - row["roi"]) * 100]],
            fmt="D",
            color="black",
            capsize=4,
        )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(cands)), [d.title for d in cands])
    ax.invert_yaxis()
    ax.set_xlabel("ROI over the horizon, % (dots: replications; diamond: mean with CI)")
    ax.grid(axis="x", alpha=0.3)
    return fig


def waterfall_figure(result: ComparisonResult) -> Figure:
    """NPV of each candidate built up from its drivers (mean over replications)."""
    cands = result.candidates
    fig = Figure(figsize=(6.2 * min(len(cands), 2), 4.2 * math.ceil(len(cands) / 2)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(math.ceil(len(cands) / 2), min(len(cands), 2))).ravel()
    w = result.waterfall
    for ax, d in zip(axes, cands, strict=False):
        vals = [float(w[(w["design"] == d.name) & (w["driver"] == k)]["mean"].iloc[0]) for k in DRIVERS]
        start = 0.0
        for i, v in enumerate(vals):
            ax.bar(i, v / 1e3, bottom=start / 1e3, color="#2ca02c" if v >= 0 else "#d62728", width=0.7)
            start += v
        npv = start
        ax.bar(len(vals), npv / 1e3, color="#1f77b4" if npv >= 0 else "#7f7f7f", width=0.7)
        ax.axhline(0, color="black", lw=0.8)
        labels = [DRIVER_LABELS[k].split(" (")[0] for k in DRIVERS] + ["NPV"]
        ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right", fontsize=8)
        ax.set_title(d.title, fontsize=10)
        ax.set_ylabel(f"thousand {result.currency} (discounted)")
        ax.grid(axis="y", alpha=0.3)
        tops = np.cumsum([0.0, *vals])
        lo, hi = min(tops.min(), npv, 0.0) / 1e3, max(tops.max(), npv, 0.0) / 1e3
        pad = 0.08 * (hi - lo or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
    for ax in axes[len(cands) :]:
        ax.set_visible(False)
    return fig


_TP_LABELS = {
    "visits": "contacts",
    "mean_wait_min": "mean wait (min)",
    "abandonment_rate": "abandonment (pts)",
    "resolution_rate": "resolution (pts)",
    "mean_moment": "mean moment value",
}


def touchpoint_figure(result: ComparisonResult) -> Figure:
    """Change at each touchpoint (candidate − baseline, mean with CI) for five metrics."""
    td = result.touchpoint_deltas
    metrics = list(_TP_LABELS)
    fig = Figure(figsize=(15, 4.0), layout="constrained")
    axes = fig.subplots(1, len(metrics))
    tps = sorted(td["touchpoint"].unique(), key=str)
    cands = result.candidates
    width = 0.8 / max(len(cands), 1)
    for ax, metric in zip(axes, metrics, strict=True):
        scale = 100.0 if metric in ("abandonment_rate", "resolution_rate") else 1.0
        for j, d in enumerate(cands):
            sub = td[(td["design"] == d.name) & (td["metric"] == metric)].set_index("touchpoint")
            y = np.arange(len(tps)) + (j - (len(cands) - 1) / 2) * width
            mean = np.array([sub["delta"].get(t, np.nan) for t in tps]) * scale
            lo = np.array([sub["low"].get(t, np.nan) for t in tps]) * scale
            hi = np.array([sub["high"].get(t, np.nan) for t in tps]) * scale
            err = np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)])
            ax.barh(y, np.nan_to_num(mean), height=width, color=_colour(result, d.name), label=d.title)
            ax.errorbar(np.nan_to_num(mean), y, xerr=err, fmt="none", color="black", lw=0.7)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(tps)), tps if ax is axes[0] else [""] * len(tps))
        ax.invert_yaxis()
        ax.set_title(f"Δ {_TP_LABELS[metric]}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.locator_params(axis="x", nbins=4)
        ax.tick_params(axis="x", labelsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(cands), fontsize=8)
    return fig


def flow_figure(result: ComparisonResult, design: str | None = None) -> Figure:
    """The journeys as flows: per step, the contacts at each touchpoint and the share resolved
    (mean per replication over the horizon)."""
    name = design or result.baseline
    steps = result.steps[result.steps["design"] == name]
    journeys = list(dict.fromkeys(steps["journey"]))
    max_steps = max(len(dict.fromkeys(steps[steps["journey"] == j]["step"])) for j in journeys)
    max_tps = max(int(steps[(steps["journey"] == j)].groupby("step").size().max()) for j in journeys)
    box_h, gap, col_w = 0.42, 0.18, 4.2
    row_h = 1.0 + max_tps * (box_h + gap)
    fig = Figure(figsize=(3.6 * max_steps + 1.5, 0.75 * row_h * len(journeys) + 0.6), layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(-0.2, max_steps * col_w)
    ax.set_ylim(0, row_h * len(journeys))
    ax.axis("off")
    for row, j in enumerate(journeys):
        top = row_h * (len(journeys) - row) - 0.15
        js = steps[steps["journey"] == j]
        names = list(dict.fromkeys(js["step"]))
        ax.text(-0.1, top - 0.2, j, fontsize=11, weight="bold", va="center")
        centres = []
        for k, st in enumerate(names):
            x0 = k * col_w + 0.3
            rows = js[js["step"] == st]
            total = float(rows["visits"].sum())
            ax.text(x0, top - 0.6, f"{st}: {total:,.0f} contacts", fontsize=9, va="center")
            ys = []
            for n, r in enumerate(rows.to_dict("records")):
                yb = top - 1.0 - (n + 1) * (box_h + gap) + gap
                visits = float(r["visits"])
                share = float(r["resolved"]) / visits if visits > 0 else 0.0
                width = 2.9
                ax.add_patch(
                    FancyBboxPatch((x0, yb), width, box_h, boxstyle="round,pad=0.02", fc="#e8f1fa", ec="#1f77b4")
                )
                resolved = FancyBboxPatch((x0, yb), width * share, box_h * 0.18, boxstyle="square,pad=0", fc="#2ca02c")
                ax.add_patch(resolved)
                label = f"{r['touchpoint']}: {visits:,.0f}  ({100 * share:.0f}% resolved)"
                ax.text(x0 + 0.08, yb + box_h * 0.58, label, fontsize=8, va="center")
                ys.append(yb + box_h / 2)
            centres.append((x0, float(np.mean(ys)) if ys else top - 1.0, total))
        for (xa, ya, _), (xb, yb, tot_b) in itertools.pairwise(centres):
            arrow = FancyArrowPatch((xa + 3.0, ya), (xb - 0.1, yb), arrowstyle="-|>", mutation_scale=14, color="#555")
            ax.add_patch(arrow)
            ax.text((xa + 3.0 + xb) / 2 - 0.3, (ya + yb) / 2 + 0.12, f"{tot_b:,.0f}", fontsize=8, color="#555")
    fig.suptitle(
        f"Journey flow: {_title(result, name)} (contacts per replication over {result.days} days; "
        "green bar: share resolved)"
    )
    return fig


def all_figures(result: ComparisonResult) -> dict[str, Any]:
    """Every comparison figure by file stem."""
    figs: dict[str, Any] = {
        "trajectories": trajectory_figure(result),
        "roi": roi_figure(result),
        "waterfall": waterfall_figure(result),
        "touchpoints": touchpoint_figure(result),
        "flow_baseline": flow_figure(result),
    }
    best = result.best()
    if best:
        figs["flow_best"] = flow_figure(result, best)
    return figs
