"""Writing a run's files: atomically (temp file + rename), tidy and self-describing (D5).

A run directory receives ``daily.parquet``, ``touchpoints.parquet``, ``steps.parquet``,
``intervals.parquet`` (staffed touchpoint x day x interval), ``voc.parquet`` (measured vs true
NPS / CSAT / effort per day, week and month), ``surveys.parquet`` (the surveys' daily tallies),
``referrers.parquet`` (who brought whom) and ``referrers_by_class.parquet`` (and CSV copies on
request), the ``trace_*.parquet`` tables when people are traced (``simulation.trace``),
``summary.json``, ``run_meta.json`` (resolved config, seed, engine, package versions, git commit,
wall time), ``kpis.png`` and ``typical_day.png``. Each file appears whole or not at all.
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from cxsim.result import SimulationResult

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "current_umask",
    "git_commit",
    "output_dir_problem",
    "package_versions",
    "run_meta",
    "survey_text",
    "write_run",
]

_PACKAGES = ("cxsim", "mesa", "simpy", "numba", "numpy", "pandas", "pyarrow", "matplotlib", "hydra-core", "omegaconf")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # NOTE: mkstemp creates 0600 files; give the file the mode open() would (0666 & ~umask)
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def current_umask() -> int:
    """The process's umask (files get ``0o666 & ~umask``, folders ``0o777 & ~umask``)."""
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def output_dir_problem(target: Path) -> str | None:
    """Why a run could not write into ``target`` (created if needed), or None if it can.

    Nothing is left behind: the check creates and removes a temporary folder in the nearest
    existing ancestor (or in ``target`` itself when it exists).
    """
    target = Path(target).expanduser().absolute()
    probe = target
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder"
    try:
        tempfile.TemporaryDirectory(prefix=".cxsim-write-check-", dir=probe).cleanup()
    except OSError as exc:
        return f"cannot write into {probe}: {exc.strerror or exc}"
    return None


def atomic_write_text(path: Path, text: str) -> None:
    """Atomic UTF-8 text write."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def git_commit(start: Path | None = None) -> str | None:
    """The commit of the checkout holding ``start`` (default: this package), if any."""
    where = Path(start) if start else Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def package_versions() -> dict[str, str | None]:
    """Installed versions of cxsim and the libraries that shape its results."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def run_meta(cfg: Any, result: SimulationResult, wall_seconds: float) -> dict[str, Any]:
    """Everything needed to reproduce and audit a run."""
    return {
        "engine": result.engine,
        "seed": result.seed,
        "wall_seconds": round(wall_seconds, 3),
        "config": OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
        "versions": package_versions(),
        "git_commit": git_commit(),
    }


def write_run(
    out_dir: Path, cfg: Any, result: SimulationResult, wall_seconds: float, *, csv: bool = False
) -> list[Path]:
    """Write every file of a run into ``out_dir``; returns the paths written."""
    from cxsim.report.figures import kpi_figure, png_bytes, typical_day_figure
    from cxsim.result import typical_day

    out_dir = Path(out_dir)
    files: list[tuple[str, bytes]] = [
        ("daily.parquet", _parquet_bytes(result.daily)),
        ("touchpoints.parquet", _parquet_bytes(result.touchpoints)),
        ("steps.parquet", _parquet_bytes(result.steps)),
        ("voc.parquet", _parquet_bytes(result.voc)),
        ("surveys.parquet", _parquet_bytes(result.surveys)),
        ("referrers.parquet", _parquet_bytes(result.referrers)),
        ("referrers_by_class.parquet", _parquet_bytes(result.referrers_by_class)),
    ]
    if len(result.intervals):
        files.append(("intervals.parquet", _parquet_bytes(result.intervals)))
    if result.traces is not None:
        files += [(name, _parquet_bytes(table)) for name, table in result.traces.files().items()]
    if csv:
        files.append(("daily.csv", result.daily.to_csv(index=False).encode()))
        files.append(("touchpoints.csv", result.touchpoints.to_csv(index=False).encode()))
        files.append(("voc.csv", result.voc.to_csv(index=False).encode()))
        files.append(("referrers.csv", result.referrers.to_csv(index=False).encode()))
    files.append(("summary.json", (json.dumps(result.summary, indent=2) + "\n").encode()))
    files.append(("run_meta.json", (json.dumps(run_meta(cfg, result, wall_seconds), indent=2) + "\n").encode()))
    files.append(("kpis.png", png_bytes(kpi_figure(result.daily, currency=str(result.summary.get("currency", ""))))))
    if len(result.intervals):
        warmup = int(result.summary["warmup_days"])
        day = typical_day(result.intervals, warmup + 1, warmup + int(result.summary["days"]))
        targets = {str(n): float(t.staffing.target_share) for n, t in cfg.journey.touchpoints.items() if t.staffed}
        files.append(("typical_day.png", png_bytes(typical_day_figure({"this run": day}, targets=targets))))
    written = []
    for name, data in files:
        atomic_write_bytes(out_dir / name, data)
        written.append(out_dir / name)
    return written


def comparison_meta(cfg: Any) -> dict[str, Any]:
    """Assumptions listed in a comparison report, from the baseline config."""
    b, w, a, e = cfg.behaviour, cfg.wom, cfg.acquisition, cfg.economics
    network = getattr(w.network.kind, "name", w.network.kind)
    params = {
        "journey (AS-IS)": str(cfg.journey.title or cfg.journey.name),
        "warm-up left out of KPIs and money": f"{cfg.simulation.warmup_days} days",
        "initial customers": f"{100 * cfg.population.initial_customer_share:.0f}% of the market",
        "loss / gain weight (disconfirmation)": f"{b.loss_weight} / {b.gain_weight}",
        "memory rule": str(getattr(b.memory.rule, "name", b.memory.rule)),
        "base churn (per day)": b.churn.base_daily,
        "churn sensitivity to satisfaction / bond": f"{b.churn.satisfaction_sensitivity} / {b.churn.bond_sensitivity}",
        "word-of-mouth network": f"{network}, mean degree {w.network.mean_degree}",
        "promoter / detractor talk rate (per day)": f"{w.p_talk_promoter} / {w.p_talk_detractor}",
        "Bass p (marketing) / q (word of mouth), per day": f"{a.p_marketing} / {a.q_wom}",
        "negative WOM suppression per message": a.nwom_suppression,
        "cost per acquisition / referral reward": f"{e.cost_per_acquisition} / {e.referral_reward}",
        "surveys (observation only)": survey_text(cfg.voc),
        "survey answer rate: promoter / passive / detractor": (
            f"{cfg.voc.response.promoter} / {cfg.voc.response.passive} / {cfg.voc.response.detractor}"
        ),
        "survey answer noise (sd, points of 0-10)": cfg.voc.answer_sd,
    }
    return {
        "journey": str(cfg.journey.name),
        "journey_title": str(cfg.journey.title or cfg.journey.name),
        "memory_rule": str(getattr(b.memory.rule, "name", b.memory.rule)),
        "engine": str(getattr(cfg.simulation.engine, "name", cfg.simulation.engine)),
        "parameters": params,
        "survey_text": survey_text(cfg.voc),
        "versions": package_versions(),
        "git_commit": git_commit(),
    }


def survey_text(voc: Any) -> str:
    """The survey programme in a few words (report, assumptions)."""
    tx, rel = voc.transactional, voc.relationship
    parts = []
    if tx.p_invite > 0:
        kinds = f"{', '.join(list(tx.journeys))} journeys" if len(tx.journeys) else "journeys"
        where = f" whose last contact was at {', '.join(list(tx.touchpoints))}" if len(tx.touchpoints) else ""
        parts.append(f"the customers of {100 * tx.p_invite:.0f}% of {kinds}{where} invited when the journey ends")
    if rel.p_invite > 0:
        parts.append(f"{100 * rel.p_invite:.0f}% of active customers invited every {rel.period_days} days")
    return "; ".join(parts) or "no surveys"


def write_comparison(out_dir: Path, result: Any, baseline_cfg: Any) -> list[Path]:
    """Write a comparison's files into ``out_dir``: tidy tables, summary, figures, report."""
    from cxsim.plausibility import baseline_findings
    from cxsim.report.compare_figures import all_figures
    from cxsim.report.figures import png_bytes
    from cxsim.report.html import comparison_report

    out_dir = Path(out_dir)
    meta = comparison_meta(baseline_cfg)
    pngs = {name: png_bytes(fig) for name, fig in all_figures(result).items()}
    summary = result.summary()
    summary["assumptions"] = meta["parameters"]
    summary["baseline_check"] = [
        {"kpi": f.kpi, "where": f.where, "value": f.value, "low": f.range.low, "high": f.range.high, "ok": f.ok}
        for f in baseline_findings(result)
    ]
    files: list[tuple[str, bytes]] = [
        ("comparison.parquet", _parquet_bytes(result.runs)),
        ("comparison.csv", result.runs.to_csv(index=False).encode()),
        ("trajectories.parquet", _parquet_bytes(result.daily)),
        ("touchpoint_deltas.csv", result.touchpoint_deltas.to_csv(index=False).encode()),
        ("summary.json", (json.dumps(summary, indent=2) + "\n").encode()),
        (
            "run_meta.json",
            (
                json.dumps(
                    {
                        "config": OmegaConf.to_container(baseline_cfg, resolve=True, enum_to_str=True),
                        "designs": [d.name for d in result.designs],
                        "seeds": list(result.seeds),
                        "versions": meta["versions"],
                        "git_commit": meta["git_commit"],
                        "wall_seconds": round(result.wall_seconds, 3),
                    },
                    indent=2,
                )
                + "\n"
            ).encode(),
        ),
    ]
    files += [(f"figures/{name}.png", data) for name, data in pngs.items()]
    files.append(("report.html", comparison_report(result, pngs, meta).encode("utf-8")))
    written = []
    for name, data in files:
        atomic_write_bytes(out_dir / name, data)
        written.append(out_dir / name)
    return written
