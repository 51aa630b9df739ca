"""Figures of an AS-IS vs TO-BE comparison (matplotlib ``Figure`` objects, no pyplot state).

``trajectory_figure`` (customers, NPS and the cumulative net value that shows payback, by month
of the business case), ``npv_figure`` (NPV of every design on one axis, with replications and
CIs), ``waterfall_figure`` (NPV built up from its drivers), ``touchpoint_figure`` (where the
experience changed) and ``flow_figure`` (the journey as a flow of contacts, with volumes).
Figures are at most 10.5 inches wide and use 10-pt text or larger, so that they stay legible
in a report shown at laptop width.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from cxsim.compare import DRIVERS, INVESTMENT_DRIVERS, ComparisonResult
from cxsim.intervals import mean_band
from cxsim.money import DAYS_PER_MONTH, discount_factors

__all__ = ["all_figures", "flow_figure", "npv_figure", "touchpoint_figure", "trajectory_figure", "waterfall_figure"]

_COLOURS = ["#4d4d4d", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
_TEXT = 10.5


def _colour(result: ComparisonResult, name: str) -> str:
    names = [d.name for d in result.designs]
    return _COLOURS[names.index(name) % len(_COLOURS)]


def _matrix(daily: pd.DataFrame, design: str, column: str) -> np.ndarray:
    d = daily[daily["design"] == design]
    return np.asarray(d.pivot(index="replication", columns="day", values=column), dtype=np.float64)


def _money_scale(values: np.ndarray) -> tuple[float, str]:
    """Divide money by 1e3 or 1e6 so that axis labels stay short."""
    top = float(np.nanmax(np.abs(values))) if np.size(values) and np.isfinite(values).any() else 0.0
    return (1e6, "million") if top >= 2e6 else (1e3, "thousand")


def trajectory_figure(result: ComparisonResult) -> Figure:
    """Customers, NPS and cumulative net value vs the AS-IS, by month; mean and CI band per design."""
    fig = Figure(figsize=(10.5, 7.2), layout="constrained")
    axes = fig.subplot_mosaic([["customers", "nps"], ["net", "net"]])
    daily, level = result.daily, result.ci_level
    months = np.arange(1, result.days + 1) / DAYS_PER_MONTH
    for d in result.designs:
        c = _colour(result, d.name)
        for key, col in (("customers", "customers"), ("nps", "nps")):
            m, lo, hi = mean_band(_matrix(daily, d.name, col), level)
            axes[key].plot(months, m, color=c, lw=1.5, label=d.title)
            axes[key].fill_between(months, lo, hi, color=c, alpha=0.18, lw=0)
    disc = discount_factors(result.days, result.discount_rate_annual)
    base_margin = _matrix(daily, result.baseline, "margin")
    nets = {}
    for d in result.candidates:
        gain = np.cumsum((_matrix(daily, d.name, "margin") - base_margin) * disc, axis=1)
        nets[d.name] = gain - (d.capex + np.cumsum(d.opex_per_day * disc))
    scale, word = _money_scale(np.concatenate([n.ravel() for n in nets.values()]))
    for d in result.candidates:
        m, lo, hi = mean_band(nets[d.name], level)
        c = _colour(result, d.name)
        axes["net"].plot(months, m / scale, color=c, lw=1.6, label=d.title)
        axes["net"].fill_between(months, lo / scale, hi / scale, color=c, alpha=0.18, lw=0)
    axes["net"].axhline(0, color="black", lw=0.8)
    axes["customers"].set_title("Active customers", fontsize=_TEXT + 1)
    axes["customers"].set_ylabel("customers", fontsize=_TEXT)
    axes["nps"].set_title("NPS of active customers", fontsize=_TEXT + 1)
    axes["nps"].set_ylabel("NPS (points, -100 to +100)", fontsize=_TEXT)
    axes["net"].set_title(
        f"Cumulative net value against {result.title(result.baseline)} (discounted, after the investment): "
        "above zero = paid back",
        fontsize=_TEXT + 1,
    )
    axes["net"].set_ylabel(f"{word} {result.currency}", fontsize=_TEXT)
    for ax in axes.values():
        ax.set_xlabel("months of the business case", fontsize=_TEXT)
        ax.tick_params(labelsize=_TEXT - 1)
        ax.grid(alpha=0.3)
    axes["net"].legend(fontsize=_TEXT - 1, loc="best")
    axes["customers"].legend(fontsize=_TEXT - 1.5, loc="best")
    return fig


def npv_figure(result: ComparisonResult) -> Figure:
    """NPV of every candidate on one shared axis: each replication (dots) and the mean with its CI."""
    money = result.money.sort_values("npv", ascending=False)
    runs = result.runs[result.runs["kpi"] == "npv"]
    fig = Figure(figsize=(10.5, 1.6 + 0.75 * len(money)), layout="constrained")
    ax = fig.subplots()
    values = runs["value"].to_numpy(dtype=np.float64)
    scale, word = _money_scale(values)
    for y, row in enumerate(money.to_dict("records")):
        vals = runs[runs["design"] == row["design"]]["value"].to_numpy(dtype=np.float64) / scale
        jitter = np.linspace(-0.16, 0.16, vals.size) if vals.size > 1 else np.zeros(vals.size)
        ax.scatter(vals, y + jitter, s=16, color=_colour(result, str(row["design"])), alpha=0.55, lw=0)
        m, lo, hi = row["npv"] / scale, row["npv_low"] / scale, row["npv_high"] / scale
        err = [[m - lo], [hi - m]] if math.isfinite(lo) else None
        ax.errorbar([m], [y], xerr=err, fmt="D", color="black", capsize=5, ms=6)
    ax.axvline(0, color="black", lw=0.9)
    ax.set_yticks(range(len(money)), [str(t) for t in money["title"]], fontsize=_TEXT)
    ax.invert_yaxis()
    ax.set_xlabel(
        f"NPV against {result.title(result.baseline)}, {word} {result.currency} (dots: simulated futures; "
        f"diamond: mean with {int(100 * result.ci_level)}% CI)",
        fontsize=_TEXT,
    )
    ax.tick_params(axis="x", labelsize=_TEXT - 1)
    ax.grid(axis="x", alpha=0.3)
    return fig


def waterfall_figure(result: ComparisonResult) -> Figure:
    """NPV of each candidate built up from its drivers: benefits first, then the investment."""
    cands = result.candidates
    cols = min(len(cands), 2)
    rows = math.ceil(len(cands) / 2)
    fig = Figure(figsize=(10.5, 4.6 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    w = result.waterfall
    scale, word = _money_scale(w["mean"].to_numpy(dtype=np.float64))
    short = {
        "retention": "retention",
        "wom_acquisition": "word of mouth",
        "marketing_acquisition": "marketing",
        "cost_to_serve": "contact costs",
        "staff_for_load": "staff for load",
        "other": "other",
        "capex": "capex",
        "opex": "opex",
        "staff": "staff change",
    }
    for ax, d in zip(axes, cands, strict=False):
        vals = [float(w[(w["design"] == d.name) & (w["driver"] == k)]["mean"].iloc[0]) for k in DRIVERS]
        start = 0.0
        for i, (k, v) in enumerate(zip(DRIVERS, vals, strict=True)):
            colour = ("#2ca02c" if v >= 0 else "#d62728") if k not in INVESTMENT_DRIVERS else "#9467bd"
            ax.bar(i, v / scale, bottom=start / scale, color=colour, width=0.7)
            start += v
        ax.bar(len(vals), start / scale, color="#1f77b4" if start >= 0 else "#7f7f7f", width=0.7)
        ax.axhline(0, color="black", lw=0.8)
        labels = [short[k] for k in DRIVERS] + ["NPV"]
        ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right", fontsize=_TEXT - 0.5)
        ax.set_title(d.title, fontsize=_TEXT + 1)
        ax.set_ylabel(f"{word} {result.currency} (discounted)", fontsize=_TEXT)
        ax.tick_params(axis="y", labelsize=_TEXT - 1)
        ax.grid(axis="y", alpha=0.3)
        tops = np.cumsum([0.0, *vals]) / scale
        lo, hi = min(tops.min(), 0.0), max(tops.max(), 0.0)
        pad = 0.08 * (hi - lo or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
    for ax in axes[len(cands) :]:
        ax.set_visible(False)
    fig.suptitle("Green/red: value from customers' behaviour; purple: the investment; blue/grey: NPV", fontsize=_TEXT)
    return fig


_TP_LABELS = {
    "visits": ("contacts", 1.0, "contacts over the horizon"),
    "mean_wait_min": ("mean wait", 1.0, "minutes"),
    "abandonment_rate": ("abandonment", 100.0, "percentage points"),
    "resolution_rate": ("resolution", 100.0, "percentage points"),
    "mean_moment": ("moment value", 1.0, "experience score, -1 to +1"),
}


def touchpoint_figure(result: ComparisonResult) -> Figure:
    """Change at each touchpoint (candidate − baseline, mean with CI) for five metrics, one row each."""
    td = result.touchpoint_deltas
    tps = sorted(td["touchpoint"].unique(), key=str)
    cands = result.candidates
    fig = Figure(figsize=(10.5, 2.2 + 1.0 * len(_TP_LABELS) * max(1.0, 0.35 * len(tps))), layout="constrained")
    grid = fig.subplots(math.ceil(len(_TP_LABELS) / 2), 2).ravel()
    width = 0.8 / max(len(cands), 1)
    for ax, (metric, (name, scale, unit)) in zip(grid, _TP_LABELS.items(), strict=False):
        for j, d in enumerate(cands):
            sub = td[(td["design"] == d.name) & (td["metric"] == metric)].set_index("touchpoint")
            y = np.arange(len(tps)) + (j - (len(cands) - 1) / 2) * width
            mean = np.array([sub["delta"].get(t, np.nan) for t in tps]) * scale
            lo = np.array([sub["low"].get(t, np.nan) for t in tps]) * scale
            hi = np.array([sub["high"].get(t, np.nan) for t in tps]) * scale
            err = np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)])
            ax.barh(y, np.nan_to_num(mean), height=width, color=_colour(result, d.name), label=d.title)
            ax.errorbar(np.nan_to_num(mean), y, xerr=err, fmt="none", color="black", lw=0.8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(tps)), [t.replace("_", " ") for t in tps], fontsize=_TEXT)
        ax.invert_yaxis()
        ax.set_title(f"Change in {name}", fontsize=_TEXT + 1)
        ax.set_xlabel(unit, fontsize=_TEXT - 0.5)
        ax.grid(axis="x", alpha=0.3)
        ax.locator_params(axis="x", nbins=5)
        ax.tick_params(axis="x", labelsize=_TEXT - 1)
    legend_ax = grid[len(_TP_LABELS)] if len(grid) > len(_TP_LABELS) else None
    handles, labels = grid[0].get_legend_handles_labels()
    if legend_ax is not None:
        legend_ax.axis("off")
        legend_ax.legend(handles, labels, loc="center", fontsize=_TEXT, title="design against the AS-IS")
    else:
        fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=_TEXT)
    return fig


def _step_rules(cfg: Any, journey: str, step: str) -> dict[str, str]:
    st = cfg.journey.journeys[journey].steps[step]
    return {"resolved": str(st.on_resolved), "unresolved": str(st.on_unresolved), "abandoned": str(st.on_abandoned)}


def flow_figure(result: ComparisonResult, design: str | None = None) -> Figure:
    """The journeys as flows: per step, contacts at each touchpoint split into resolved, unresolved
    and abandoned (mean per replication over the horizon), and where each outcome goes next."""
    name = design or result.baseline
    cfg = next(d.cfg for d in result.designs if d.name == name)
    p_switch = float(cfg.behaviour.p_switch_channel)
    max_contacts = int(cfg.behaviour.max_contacts)
    steps = result.steps[result.steps["design"] == name]
    journeys = list(dict.fromkeys(steps["journey"]))
    max_steps = max(len(dict.fromkeys(steps[steps["journey"] == j]["step"])) for j in journeys)
    max_tps = max(int(steps[(steps["journey"] == j)].groupby("step").size().max()) for j in journeys)
    box_h, gap, col_w, box_w = 0.78, 0.16, 4.6, 3.3
    row_h = 1.7 + max_tps * (box_h + gap)
    fig = Figure(figsize=(10.5, 0.95 * row_h * len(journeys) + 1.0), layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(-0.2, max(max_steps, 2) * col_w)
    ax.set_ylim(0, row_h * len(journeys))
    ax.axis("off")
    for row, j in enumerate(journeys):
        top = row_h * (len(journeys) - row) - 0.15
        js = steps[steps["journey"] == j]
        names = list(dict.fromkeys(js["step"]))
        ax.text(-0.1, top - 0.15, f"{j} journey", fontsize=_TEXT + 1.5, weight="bold", va="center")
        centres = []
        for k, st in enumerate(names):
            x0 = k * col_w + 0.2
            rows = js[js["step"] == st]
            total = float(rows["visits"].sum())
            ax.text(x0, top - 0.55, f"step '{st}': {total:,.0f} contacts", fontsize=_TEXT, va="center", weight="bold")
            ys = []
            for n, r in enumerate(rows.to_dict("records")):
                yb = top - 0.9 - (n + 1) * (box_h + gap) + gap
                visits = float(r["visits"])
                res, ab = float(r["resolved"]), float(r["abandoned"])
                unres = max(visits - res - ab, 0.0)
                ax.add_patch(
                    FancyBboxPatch((x0, yb), box_w, box_h, boxstyle="round,pad=0.02", fc="#f4f7fb", ec="#1f77b4")
                )
                left = x0
                for part, colour in ((res, "#2ca02c"), (unres, "#ff7f0e"), (ab, "#d62728")):
                    if visits > 0 and part > 0:
                        wpart = box_w * part / visits
                        ax.add_patch(
                            FancyBboxPatch((left, yb), wpart, box_h * 0.14, boxstyle="square,pad=0", fc=colour)
                        )
                        left += wpart
                label = f"{r['touchpoint'].replace('_', ' ')}: {visits:,.0f}"
                if float(r.get("switched", 0.0)) >= 0.5:
                    label += f"  ({float(r['switched']):,.0f} after a silo switch)"
                detail = f"{res:,.0f} resolved, {unres:,.0f} unresolved, {ab:,.0f} abandoned"
                after = (
                    f"then {float(r.get('retried', 0.0)):,.0f} tried again, {float(r.get('gave_up', 0.0)):,.0f} gave up"
                )
                ax.text(x0 + 0.08, yb + box_h * 0.80, label, fontsize=_TEXT - 0.5, va="center")
                ax.text(x0 + 0.08, yb + box_h * 0.55, detail, fontsize=_TEXT - 2, va="center", color="#444")
                ax.text(x0 + 0.08, yb + box_h * 0.33, after, fontsize=_TEXT - 2, va="center", color="#444")
                ys.append(yb + box_h / 2)
            rules = _step_rules(cfg, j, st)
            retried = float(rows["retried"].sum()) if "retried" in rows else 0.0
            gave_up = float(rows["gave_up"].sum()) if "gave_up" in rows else 0.0
            lines = [f"resolved -> {rules['resolved']}"]
            for outcome in ("unresolved", "abandoned"):
                target = rules[outcome]
                if target == "retry":
                    target = f"retry ({100 * p_switch:.0f}% try another channel)"
                lines.append(f"{outcome} -> {target}")
            lines.append(f"{retried:,.0f} retries; {gave_up:,.0f} journeys given up (after {max_contacts} contacts)")
            y_rules = top - 0.9 - len(rows) * (box_h + gap) - 0.05
            ax.text(x0, y_rules, "\n".join(lines), fontsize=_TEXT - 2, va="top", color="#333", linespacing=1.3)
            centres.append((x0, float(np.mean(ys)) if ys else top - 1.0))
        for (xa, ya), (xb, yb) in itertools.pairwise(centres):
            ax.add_patch(
                FancyArrowPatch(
                    (xa + box_w + 0.1, ya), (xb - 0.1, yb), arrowstyle="-|>", mutation_scale=16, color="#555"
                )
            )
    fig.suptitle(
        f"Journey flow, {result.title(name)}: contacts per replication over {result.days} days\n"
        "bar: green resolved, orange unresolved, red abandoned",
        fontsize=_TEXT + 0.5,
    )
    return fig


def all_figures(result: ComparisonResult) -> dict[str, Any]:
    """Every comparison figure by file stem."""
    figs: dict[str, Any] = {
        "trajectories": trajectory_figure(result),
        "npv": npv_figure(result),
        "waterfall": waterfall_figure(result),
        "touchpoints": touchpoint_figure(result),
        "flow_baseline": flow_figure(result),
    }
    best = result.best()
    if best:
        figs["flow_best"] = flow_figure(result, best)
    staffing = staffing_figure(result)
    if staffing is not None:
        figs["staffing"] = staffing
    return figs


def staffing_changed(result: ComparisonResult) -> list[str]:
    """Candidates whose typical day puts a different number of servers on duty than the AS-IS's
    (by more than 0.05 of a server in some interval, on average over the replications)."""
    t = result.typical_days
    if t.empty:
        return []
    base = t[t["design"] == result.baseline].set_index(["touchpoint", "interval"])["servers"]
    out = []
    for d in result.candidates:
        mine = t[t["design"] == d.name].set_index(["touchpoint", "interval"])["servers"]
        if not mine.index.equals(base.index) or float((mine - base).abs().max()) > 0.05:
            out.append(d.name)
    return out


def staffing_figure(result: ComparisonResult) -> Figure | None:
    """A typical day of the AS-IS and of every design that changes staffing; ``None`` if none does."""
    from cxsim.report.figures import typical_day_figure

    changed = staffing_changed(result)
    if not changed:
        return None
    t = result.typical_days
    days = {result.title(n): t[t["design"] == n] for n in [result.baseline, *changed]}
    colours = {result.title(n): _colour(result, n) for n in [result.baseline, *changed]}
    return typical_day_figure(days, colours=colours)
