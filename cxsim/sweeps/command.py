"""``cxsim collect DIR [--by] [--kpi K,...] [--level L]``: rebuild a sweep's dataset from its folder.

Useful after jobs ran on several machines (copy their job folders into one sweep folder), after
an interrupted sweep, or to look at a sweep's result by point.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cxsim.sweeps.dataset import BY_POINT, collect

__all__ = ["main"]

# KPIs shown by --by unless --kpi names others (the first of these present in the sweep).
_SHOWN = ("nps_end", "churn_rate_annual", "referral_share", "margin_total", "cost_to_serve_total")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cxsim collect",
        description="Gather a sweep folder (hydra.sweep.dir of a cxsim -m command) into sweep.parquet "
        "(one row per job), sweep_daily/ (the daily tables, partitioned by job) and, when the seed is "
        "swept, sweep_by_point.parquet (mean and Student-t interval over seeds of every other point).",
    )
    p.add_argument("sweep_dir", type=Path, help="the sweep folder, e.g. multirun/2026-01-31/12-00-00")
    p.add_argument("--by", action="store_true", help="print each point's mean and interval over seeds")
    p.add_argument("--kpi", default="", help="comma-separated KPI columns to print with --by")
    p.add_argument("--level", type=float, default=0.95, help="confidence level of the intervals (default 0.95)")
    return p


def main(argv: list[str]) -> int:
    """Entry point of ``cxsim collect``; returns the exit code (1 if any job failed)."""
    try:
        ns = _parser().parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    if not 0.0 < ns.level < 1.0:
        print(f"cxsim: --level must be in (0, 1), got {ns.level}", file=sys.stderr)
        return 2
    try:
        coll = collect(ns.sweep_dir, level=ns.level)
    except FileNotFoundError as exc:
        print(f"cxsim: {exc}", file=sys.stderr)
        return 2
    print(coll.describe())
    if ns.by:
        if coll.by_point is None:
            print("cxsim: the seed is not swept in this sweep, so there is nothing to average over", file=sys.stderr)
            return 2
        bp = coll.by_point
        wanted = [k for k in ns.kpi.split(",") if k] or [k for k in _SHOWN if k in set(bp["kpi"])]
        if not wanted:
            wanted = [k for k in bp["kpi"].unique() if k.endswith((".npv", ".dnps"))] or list(bp["kpi"].unique()[:4])
        unknown = [k for k in wanted if k not in set(bp["kpi"])]
        if unknown:
            print(f"cxsim: --kpi: unknown KPI {unknown[0]!r} (known: {', '.join(bp['kpi'].unique())})", file=sys.stderr)
            return 2
        shown = bp[bp["kpi"].isin(wanted)].copy()
        level = round(100 * ns.level)
        shown[f"{level}% CI"] = [f"[{lo:.4g}, {hi:.4g}]" for lo, hi in zip(shown["low"], shown["high"], strict=True)]
        cols = [c for c in shown.columns if c not in ("low", "high", "level", "sd")]
        with pd.option_context("display.width", 200, "display.max_rows", 500, "display.max_columns", 50):
            print(shown[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        print(f"(all KPIs in {coll.sweep_dir / BY_POINT})")
    failed = coll.failed
    if not failed.empty:
        print(f"cxsim: {len(failed)} of {coll.n_jobs} jobs failed:", file=sys.stderr)
        for row in failed.head(10).itertuples():
            print(f"  job {row.job}: {row.message}", file=sys.stderr)
        return 1
    return 0
