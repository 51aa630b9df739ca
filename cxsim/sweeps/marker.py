"""Completion markers: a job folder is finished when, and only when, its marker is there (D10).

A marker is ``.cxsim-complete.json``, written last and atomically (temp file + rename) once
every other file of the job is in place. It holds a hash of the job's resolved config, so a
later command can tell "this folder already holds exactly this job" (skip it) from "this
folder holds a different job" (refuse to mix them). A job that raised or was interrupted
leaves ``error.json`` instead, with the error message (and the traceback, for a crash); it is
not complete and is run again. The same two files mark single runs and comparisons
(:mod:`cxsim.runfolder`) and sweep jobs.

The API is deliberately tiny: :func:`write_marker` and :func:`is_complete`, plus
:func:`read_marker` and :func:`config_hash` for callers that need to explain a mismatch.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from cxsim.output import atomic_write_text

__all__ = [
    "FAILURE",
    "MARKER",
    "config_hash",
    "is_complete",
    "read_failure",
    "read_marker",
    "write_failure",
    "write_marker",
]

MARKER = ".cxsim-complete.json"
FAILURE = "error.json"

# Keys that change how a run is shown, never what it computes: left out of the hash so that
# e.g. resuming with the progress bar off still recognises finished jobs.
_PRESENTATION_KEYS = (("simulation", "progress"),)


def _plain(cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    raw = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True) if isinstance(cfg, DictConfig) else cfg
    data: dict[str, Any] = json.loads(json.dumps(raw, default=str))
    data.pop("hydra", None)
    for group, key in _PRESENTATION_KEYS:
        if isinstance(data.get(group), dict):
            data[group].pop(key, None)
    return data


def config_hash(cfg: DictConfig | dict[str, Any]) -> str:
    """SHA-256 of the resolved config (canonical JSON, sorted keys; presentation keys left out)."""
    text = json.dumps(_plain(cfg), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_marker(job_dir: Path) -> dict[str, Any] | None:
    """The completion marker of ``job_dir`` (``config_hash`` and what the job added), or None."""
    return _read(Path(job_dir) / MARKER)


def read_failure(job_dir: Path) -> dict[str, Any] | None:
    """The failure record of ``job_dir`` (``message``, ``error``), or None."""
    return _read(Path(job_dir) / FAILURE)


def write_marker(job_dir: Path, cfg: DictConfig | dict[str, Any], **extra: Any) -> Path:
    """Mark ``job_dir`` complete for ``cfg``. Call it after every other file is written.

    ``extra`` (JSON-serialisable) is stored alongside, e.g. ``kind="run"``, ``seed=7``.
    A failure record left by an earlier attempt is removed.
    """
    job_dir = Path(job_dir)
    path = job_dir / MARKER
    atomic_write_text(path, json.dumps({"config_hash": config_hash(cfg), **extra}, indent=2, sort_keys=True) + "\n")
    (job_dir / FAILURE).unlink(missing_ok=True)
    return path


def write_failure(job_dir: Path, cfg: DictConfig | dict[str, Any] | None, error: BaseException, **extra: Any) -> Path:
    """Record that the job for ``cfg`` in ``job_dir`` raised ``error``.

    The record holds a one-line ``message``, the ``error`` type, the config hash (None when the
    job never had a config) and, for errors that are not interrupts, the ``traceback``.
    """
    lines = str(error).strip().splitlines()
    message = f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    record: dict[str, Any] = {
        "config_hash": config_hash(cfg) if cfg is not None else None,
        "message": message,
        "error": type(error).__name__,
    }
    if isinstance(error, Exception):
        record["traceback"] = "".join(traceback.format_exception(error))
    record.update(extra)
    path = Path(job_dir) / FAILURE
    atomic_write_text(path, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def is_complete(job_dir: Path, cfg: DictConfig | dict[str, Any]) -> bool:
    """True if ``job_dir`` holds a finished job for exactly this config."""
    marker = read_marker(job_dir)
    return marker is not None and marker.get("config_hash") == config_hash(cfg)
