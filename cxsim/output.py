"""Writing a run's files: atomically (temp file + rename), tidy and self-describing (D5).

A run directory receives ``daily.parquet``, ``touchpoints.parquet`` (and CSV copies on
request), ``summary.json``, ``run_meta.json`` (resolved config, seed, engine, package
versions, git commit, wall time) and ``kpis.png``. Each file appears whole or not at all.
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

__all__ = ["atomic_write_bytes", "atomic_write_text", "git_commit", "package_versions", "run_meta", "write_run"]

_PACKAGES = ("cxsim", "mesa", "simpy", "numba", "numpy", "pandas", "pyarrow", "matplotlib", "hydra-core", "omegaconf")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
    from cxsim.report.figures import kpi_figure, png_bytes

    out_dir = Path(out_dir)
    files: list[tuple[str, bytes]] = [
        ("daily.parquet", _parquet_bytes(result.daily)),
        ("touchpoints.parquet", _parquet_bytes(result.touchpoints)),
    ]
    if csv:
        files.append(("daily.csv", result.daily.to_csv(index=False).encode()))
        files.append(("touchpoints.csv", result.touchpoints.to_csv(index=False).encode()))
    files.append(("summary.json", (json.dumps(result.summary, indent=2) + "\n").encode()))
    files.append(("run_meta.json", (json.dumps(run_meta(cfg, result, wall_seconds), indent=2) + "\n").encode()))
    files.append(("kpis.png", png_bytes(kpi_figure(result.daily, currency=str(result.summary.get("currency", ""))))))
    written = []
    for name, data in files:
        atomic_write_bytes(out_dir / name, data)
        written.append(out_dir / name)
    return written
