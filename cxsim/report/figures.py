"""Figures of a run's KPIs, drawn on ``matplotlib.figure.Figure`` objects (no pyplot state)."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["kpi_figure", "png_bytes"]


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


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """Render a figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
