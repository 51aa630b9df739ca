"""Gathering a finished (or interrupted) sweep folder into one dataset.

:func:`collect` reads every job folder of a Hydra multirun and writes, into the sweep folder:

* ``sweep.parquet``: one row per job: ``job``, every swept override as its own typed column,
  ``seed``, ``status`` (``ok`` / ``failed``) and ``message``, then the job's summary KPIs
  (a ``cxsim run`` job: its ``summary.json``; a ``cxsim compare`` job: per design NPV, ROI,
  ΔNPS, ... with their intervals, as ``<design>.<metric>`` columns);
* ``sweep_daily/``: the daily tables of the finished jobs as one Parquet dataset partitioned
  by ``job`` (``job=<n>/part-0.parquet``), each row carrying the same key columns: read it
  with ``pandas.read_parquet(dir / "sweep_daily")`` or ``pyarrow.dataset.dataset(...)``;
* ``sweep_by_point.parquet`` when the seed is swept: each other point's mean, standard
  deviation and Student-t interval over seeds, one row per (point, KPI).

A job is ``ok`` when its completion marker is there; otherwise it is ``failed`` with the
message its failure record holds, or "did not finish" / "did not run". Nothing here depends on
which launcher ran the jobs or in which order, so the dataset does not either.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from cxsim.intervals import paired_interval
from cxsim.output import atomic_write_bytes
from cxsim.sweeps.marker import read_failure, read_marker
from cxsim.sweeps.plan import SweepPlan, plan_from_dir

__all__ = ["BY_POINT", "DAILY", "TABLE", "SweepCollection", "by_point", "collect", "sweep_table"]

TABLE = "sweep.parquet"
DAILY = "sweep_daily"
BY_POINT = "sweep_by_point.parquet"

KEY_COLUMNS = ("job", "seed", "status", "message")
# Per-design money columns of a comparison job (from summary.json "money").
_MONEY = (
    "investment",
    "benefit",
    "benefit_low",
    "benefit_high",
    "npv",
    "npv_low",
    "npv_high",
    "roi",
    "roi_low",
    "roi_high",
    "p_npv_positive",
    "payback_months",
)
# KPI deltas of a comparison job (from summary.json "kpis"): column prefix for each KPI.
_DELTAS = {"nps_end": "dnps", "churn_rate_annual": "dchurn", "csat_mean": "dcsat"}
# Summary fields that describe the run rather than its results, or vary between identical runs.
_SKIP = {"wall_seconds"}


@dataclass(frozen=True)
class SweepCollection:
    """What :func:`collect` found and wrote."""

    sweep_dir: Path
    table: pd.DataFrame
    by_point: pd.DataFrame | None
    paths: tuple[Path, ...]

    @property
    def n_jobs(self) -> int:
        return len(self.table)

    @property
    def failed(self) -> pd.DataFrame:
        """The failed jobs' rows (job, message, swept values)."""
        return self.table[self.table["status"] != "ok"]

    def describe(self) -> str:
        """One line for the terminal."""
        n_failed = len(self.failed)
        return (
            f"cxsim sweep: {self.n_jobs} job{'s' if self.n_jobs != 1 else ''}, {self.n_jobs - n_failed} ok, "
            f"{n_failed} failed; dataset: {self.sweep_dir / TABLE}"
        )


def _job_dirs(sweep_dir: Path, plan: SweepPlan) -> list[Path | None]:
    """The folder of each planned job (``<sweep>/<n>``, or found by its overrides), or None."""
    by_overrides: dict[tuple[str, ...], Path] = {}
    for d in sweep_dir.iterdir():
        f = d / ".hydra" / "overrides.yaml"
        if d.is_dir() and f.is_file():
            by_overrides.setdefault(tuple(str(o) for o in OmegaConf.load(f)), d)
    out: list[Path | None] = []
    for n, overrides in enumerate(plan.jobs):
        own = sweep_dir / str(n)
        f = own / ".hydra" / "overrides.yaml"
        if f.is_file() and tuple(str(o) for o in OmegaConf.load(f)) == overrides:
            out.append(own)
        else:
            out.append(by_overrides.get(overrides, own if own.is_dir() else None))
    return out


def _number(x: Any) -> Any:
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, float)):
        return x
    return None


def _run_kpis(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k not in _SKIP and (v is None or isinstance(v, (int, float, bool)))}


def _compare_kpis(summary: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"best_design": summary.get("best_design")}
    for row in summary.get("money", []):
        out[f"{row['design']}.kind"] = row.get("kind")  # investment, saving, trade_off, no_cost
        for m in _MONEY:
            out[f"{row['design']}.{m}"] = _number(row.get(m))
    for row in summary.get("kpis", []):
        prefix = _DELTAS.get(str(row.get("kpi")))
        if prefix is None or row.get("design") == summary.get("baseline"):
            continue
        d = row["design"]
        out[f"{d}.{prefix}"] = _number(row.get("delta"))
        out[f"{d}.{prefix}_low"] = _number(row.get("low"))
        out[f"{d}.{prefix}_high"] = _number(row.get("high"))
    return out


def _seed_from_config(overrides: tuple[str, ...], kind: str) -> int | None:
    """The seed a job that left nothing behind would have used (its config, composed)."""
    from cxsim.config.loading import compose_config
    from cxsim.config.validation import ConfigError

    try:
        cfg = compose_config(list(overrides), validate_it=False)
    except ConfigError:
        return None
    return int(cfg.compare.seed if kind == "compare" else cfg.simulation.seed)


def _typed(values: list[Any]) -> pd.Series:
    """A column of the values' own type: Int64, float64, boolean or string."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if present and all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean")
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="Int64")
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")
    return pd.Series([None if v is None else str(v) for v in values], dtype="string")


def sweep_table(sweep_dir: Path, plan: SweepPlan | None = None) -> tuple[pd.DataFrame, list[Path | None], str]:
    """The one-row-per-job table of ``sweep_dir`` (not written), the job folders, the job kind."""
    sweep_dir = Path(sweep_dir)
    plan = plan or plan_from_dir(sweep_dir)
    dirs = _job_dirs(sweep_dir, plan)
    records: list[dict[str, Any]] = []
    kinds = set()
    for d in dirs:
        rec = (read_marker(d) or read_failure(d)) if d is not None else None
        if rec and rec.get("kind"):
            kinds.add(str(rec["kind"]))
    kind = "compare" if "compare" in kinds else "run"
    kpi_order: dict[str, None] = {}
    for n, d in enumerate(dirs):
        marker = read_marker(d) if d is not None else None
        failure = read_failure(d) if d is not None and marker is None else None
        row: dict[str, Any] = {"job": n}
        if marker is not None:
            row.update(status="ok", message=None, seed=marker.get("seed"))
            assert d is not None
            summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
            kpis = _compare_kpis(summary) if kind == "compare" else _run_kpis(summary)
            row.update(kpis)
            kpi_order.update(dict.fromkeys(kpis))
        elif failure is not None:
            row.update(status="failed", message=str(failure.get("message")), seed=failure.get("seed"))
        else:
            why = "did not finish (no completion marker: killed or interrupted)" if d is not None else "did not run"
            row.update(status="failed", message=why, seed=_seed_from_config(plan.jobs[n], kind))
        records.append(row)
    swept_values = [plan.values(n) for n in range(len(plan))]
    cols: dict[str, pd.Series] = {"job": pd.Series([r["job"] for r in records], dtype="int64")}
    for key in plan.swept:
        cols[key] = _typed([v[key] for v in swept_values])
    cols["seed"] = _typed([r.get("seed") for r in records])
    cols["status"] = pd.Series([r["status"] for r in records], dtype="string")
    cols["message"] = pd.Series([r["message"] for r in records], dtype="string")
    for k in kpi_order:
        if k not in cols:
            cols[k] = _typed([r.get(k) for r in records])
    return pd.DataFrame(cols), dirs, kind


def _t_interval(x: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """``(mean, sd, low, high)`` of values over seeds, through the package's one interval helper."""
    mean, low, high, se = paired_interval(x, level)
    sd = se * math.sqrt(x.size) if x.size >= 2 else math.nan
    return mean, sd, low, high


def by_point(table: pd.DataFrame, plan: SweepPlan, level: float = 0.95) -> pd.DataFrame | None:
    """Mean, sd and Student-t interval over seeds of every numeric KPI at each other swept point.

    Returns None when the seed is not swept. One row per (point, KPI): the swept keys other than
    the seed, ``kpi``, ``n`` (finished seeds), ``n_failed``, ``mean``, ``sd``, ``low``, ``high``.
    """
    seed_key = plan.seed_key
    if seed_key is None:
        return None
    point_keys = [k for k in plan.swept if k != seed_key]
    skip = {*KEY_COLUMNS, *plan.swept}
    kpis = [
        c
        for c in table.columns
        if c not in skip and pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
    ]
    rows: list[dict[str, Any]] = []
    groups = table.groupby(point_keys, sort=True, dropna=False) if point_keys else [((), table)]
    for key, g in groups:
        key_t = key if isinstance(key, tuple) else (key,)
        ok = g[g["status"] == "ok"]
        for k in kpis:
            x = ok[k].astype("float64").to_numpy()
            x = x[np.isfinite(x)]
            mean, sd, low, high = _t_interval(x, level)
            rows.append(
                {
                    **dict(zip(point_keys, key_t, strict=True)),
                    "kpi": k,
                    "n": int(x.size),
                    "n_failed": int((g["status"] != "ok").sum()),
                    "mean": mean,
                    "sd": sd,
                    "low": low,
                    "high": high,
                    "level": level,
                }
            )
    out = pd.DataFrame(rows)
    for k in point_keys:
        out[k] = out[k].astype(table[k].dtype)
    return out


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def _write_daily(sweep_dir: Path, table: pd.DataFrame, dirs: list[Path | None], kind: str, keys: list[str]) -> Path:
    """The finished jobs' daily tables as one dataset partitioned by job, swapped in whole."""
    target = sweep_dir / DAILY
    tmp = Path(tempfile.mkdtemp(prefix=f".{DAILY}.", dir=sweep_dir))
    name = "trajectories.parquet" if kind == "compare" else "daily.parquet"
    try:
        for n, d in enumerate(dirs):
            if d is None or table.at[n, "status"] != "ok" or not (d / name).is_file():
                continue
            daily = pd.read_parquet(d / name)
            front = pd.DataFrame({k: pd.Series([table.at[n, k]] * len(daily), dtype=table[k].dtype) for k in keys})
            part = pd.concat([front, daily.drop(columns=[k for k in keys if k in daily.columns])], axis=1)
            (tmp / f"job={n}").mkdir()
            (tmp / f"job={n}" / "part-0.parquet").write_bytes(_parquet_bytes(part))
        old = None
        if target.exists():
            old = sweep_dir / f".{DAILY}.old.{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def collect(sweep_dir: Path, *, level: float = 0.95) -> SweepCollection:
    """Write ``sweep.parquet``, ``sweep_daily/`` and (seed swept) ``sweep_by_point.parquet``.

    Raises:
        FileNotFoundError: ``sweep_dir`` is not a Hydra multirun folder (no ``multirun.yaml``).
    """
    sweep_dir = Path(sweep_dir).resolve()
    if not (sweep_dir / "multirun.yaml").is_file():
        raise FileNotFoundError(f"{sweep_dir} is not a sweep folder (no multirun.yaml)")
    plan = plan_from_dir(sweep_dir)
    table, dirs, kind = sweep_table(sweep_dir, plan)
    paths = [sweep_dir / TABLE]
    atomic_write_bytes(sweep_dir / TABLE, _parquet_bytes(table))
    paths.append(_write_daily(sweep_dir, table, dirs, kind, [*plan.swept, "seed"]))
    points = by_point(table, plan, level)
    if points is not None:
        atomic_write_bytes(sweep_dir / BY_POINT, _parquet_bytes(points))
        paths.append(sweep_dir / BY_POINT)
    else:
        (sweep_dir / BY_POINT).unlink(missing_ok=True)
    return SweepCollection(sweep_dir=sweep_dir, table=table, by_point=points, paths=tuple(paths))
