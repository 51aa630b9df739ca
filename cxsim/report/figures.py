"""Figures of a run's KPIs, drawn on ``matplotlib.figure.Figure`` objects (no pyplot state)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["kpi_figure", "png_bytes", "typical_day_figure"]


def kpi_figure(daily: pd.DataFrame, *, currency: str = "") -> Figure:
    """Six panels over days: market, NPS, CSAT and effort, contacts, waits, cumulative margin."""
    fig = Figure(figsize=(13, 7.5), layout="constrained")
    axes = fig.subplots(2, 3)
    day = daily["day"]

    ax = axes[0, 0]
    ax.plot(day, daily["customers"], label="customers")
    ax.plot(day, daily["prospects"], label="prospects")
    ax.plot(day, daily["churned"].cumsum(), label="churned (cumulative)")
    ax.set_title("Market")
    ax.set_ylabel("people")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    ax.plot(day, daily["nps"], color="tab:green")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_title("NPS of active customers")
    ax.set_ylim(-100, 100)

    ax = axes[0, 2]
    ax.plot(day, daily["csat"].rolling(7, min_periods=1).mean(), label="CSAT % (7-day mean)")
    ax.set_ylabel("CSAT %")
    ax.set_ylim(0, 100)
    ax2 = ax.twinx()
    ax2.plot(day, daily["effort"].rolling(7, min_periods=1).mean(), color="tab:red", label="effort 1-7")
    ax2.set_ylabel("effort (1-7)")
    ax2.set_ylim(1, 7)
    ax.set_title("Contact satisfaction and effort")
    ax.legend(loc="upper left", fontsize=8)
    ax2.legend(loc="upper right", fontsize=8)

    ax = axes[1, 0]
    ax.plot(day, daily["visits"], label="contacts")
    ax.plot(day, daily["resolved"], label="resolved")
    ax.plot(day, daily["abandoned"], label="abandoned")
    ax.set_title("Contacts per day")
    ax.set_xlabel("day")
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    ax.plot(day, daily["mean_wait_min"], color="tab:purple")
    ax.set_title("Mean wait at staffed touchpoints")
    ax.set_ylabel("minutes")
    ax.set_xlabel("day")

    ax = axes[1, 2]
    ax.plot(day, daily["margin"].cumsum(), color="tab:olive")
    ax.set_title("Cumulative margin")
    ax.set_ylabel(currency)
    ax.set_xlabel("day")
    return fig


# The top panels' y range is this many times their tallest value: room for the legend.
HEADROOM = 1.3


def _clock(minute: float) -> str:
    return f"{int(minute) // 60:02d}:{int(minute) % 60:02d}"


def typical_day_figure(
    days: dict[str, pd.DataFrame], *, colours: dict[str, str] | None = None, targets: dict[str, float] | None = None
) -> Figure:
    """A typical day at each staffed touchpoint: arrivals (bars, from the first series), servers on
    duty (steps) and the share answered within the target (lines) by interval, one series per
    label (e.g. the AS-IS and a design). ``days`` maps a label to a
    :func:`~cxsim.result.typical_day` table; ``targets`` the service-level target by touchpoint."""
    first = next(iter(days.values()))
    names = list(dict.fromkeys(first["touchpoint"]))
    fig = Figure(figsize=(6.2 * max(len(names), 1), 6.4), layout="constrained")
    axes = np.array(fig.subplots(2, max(len(names), 1), squeeze=False))
    colours = colours or {}
    for j, name in enumerate(names):
        top, bottom = axes[0, j], axes[1, j]
        base = first[first["touchpoint"] == name]
        starts = base["start_min"].to_numpy(dtype=np.float64)
        widths = (base["end_min"] - base["start_min"]).to_numpy(dtype=np.float64)
        first_label = next(iter(days))
        top.bar(
            starts, base["arrivals"], width=widths, align="edge", color="#d9d9d9", label=f"arrivals ({first_label})"
        )
        top.set_ylabel("contacts per interval")
        ax2 = top.twinx()
        for k, (label, df) in enumerate(days.items()):
            d = df[df["touchpoint"] == name]
            colour = colours.get(label, f"C{k}")
            edges = np.append(d["start_min"].to_numpy(dtype=np.float64), float(d["end_min"].iloc[-1]))
            servers = d["servers"].to_numpy(dtype=np.float64)
            ax2.stairs(servers, edges, color=colour, lw=2, label=f"servers: {label}")
            mid = (d["start_min"] + d["end_min"]).to_numpy(dtype=np.float64) / 2
            bottom.plot(mid, 100 * d["service_level"], marker="o", color=colour, label=label)
        ax2.set_ylabel("servers on duty (mean)")
        # headroom above the tallest bar and step, so the legend sits over empty space
        top.set_ylim(0, HEADROOM * max(float(base["arrivals"].max()), 1.0))
        ax2.set_ylim(0, HEADROOM * max(ax2.get_ylim()[1], 1.0))
        top.set_title(f"{name.replace('_', ' ')}: arrivals and servers (mean over the days it is open)")
        lines = top.get_legend_handles_labels()
        lines2 = ax2.get_legend_handles_labels()
        handles, labels = lines[0] + lines2[0], lines[1] + lines2[1]
        top.legend(handles, labels, fontsize=8, loc="upper center", ncol=min(len(handles), 3), frameon=False)
        if targets and name in targets:
            bottom.axhline(100 * targets[name], color="grey", ls="--", lw=1, label="target")
        bottom.set_ylim(0, 100)
        bottom.set_ylabel("answered within target (%)")
        bottom.set_title(f"{name.replace('_', ' ')}: service level by interval")
        bottom.legend(fontsize=8, loc="lower left")
        ticks = np.append(starts, starts[-1] + widths[-1])
        step = max(1, len(ticks) // 6)
        for ax in (top, bottom):
            ax.set_xticks(ticks[::step], [_clock(t) for t in ticks[::step]])
        bottom.set_xlabel("time of day")
    return fig


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """Render a figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
