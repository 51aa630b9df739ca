"""Finished replications of a comparison, kept on disk so a stopped comparison resumes (D10).

A comparison's replications are independent: replication r runs every design on seed
``compare.seed + r``. :class:`ReplicationStore` keeps each finished replication (every design's
daily table, touchpoint table, step table and summary) in a folder keyed by a hash of

- the resolved config of every design, in order (presentation keys left out, as for the
  completion markers of sweeps; the ``compare`` group too, so asking for more replications
  or another confidence level reuses the ones already run),
- what the comparison simulates of them (engine, simulated and reported days),
- the versions of cxsim and the libraries that shape results, and a hash of cxsim's source
  files (code that changed, committed or not, is never mixed with code that did not),

so re-running the same command finds them and runs only the missing replications, and a
changed config or code gets a new key and never mixes in. Tables go through Parquet, which
stores float64 and int64 exactly, so a resumed comparison is bit-identical to an uninterrupted
one. Each replication is written into a temporary folder and renamed into place whole.

When a comparison finishes, its entry is deleted: the store holds unfinished work only.

Layout: ``<root>/<key>/config.json`` (what the key covers, for people) and
``<root>/<key>/seed-<seed>/{<i>.daily,<i>.touchpoints,<i>.steps}.parquet, summaries.json``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from cxsim.result import SimulationResult

__all__ = ["ReplicationStore", "code_hash", "discard", "store_key"]

_TABLES = ("daily", "touchpoints", "steps", "intervals")  # intervals: the typical day a comparison keeps


def code_hash() -> str:
    """SHA-256 of cxsim's own source files: edited code (committed or not) never reuses old results."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def store_key(cfgs: Sequence[Any], engine: str | None, simulated_days: int, report_days: int) -> str:
    """The hash that identifies one comparison's replications (see the module docstring)."""
    from cxsim.output import package_versions
    from cxsim.sweeps.marker import config_hash

    def design_hash(cfg: Any) -> str:
        # compare.* says how many replications and how to summarise them, not what one computes
        raw = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True) if isinstance(cfg, DictConfig) else cfg
        plain: dict[str, Any] = {str(k): v for k, v in dict(raw).items() if k != "compare"}  # type: ignore[arg-type]
        return config_hash(plain)

    what = {
        "designs": [design_hash(c) for c in cfgs],
        "engine": engine,
        "simulated_days": int(simulated_days),
        "report_days": int(report_days),
        "versions": package_versions(),
        "code": code_hash(),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:24]


class ReplicationStore:
    """Finished replications of one comparison under ``root / key``.

    Args:
        root: the store's folder (``compare.resume_dir``); created when the first replication
            is kept.
        key: from :func:`store_key`.
        designs: design names, in order (checked when a replication is read back).
    """

    def __init__(self, root: Path, key: str, designs: Sequence[str]):
        self.root = Path(root).expanduser()
        self.dir = self.root / key
        self.designs = list(designs)

    def _seed_dir(self, seed: int) -> Path:
        return self.dir / f"seed-{int(seed)}"

    def seeds(self) -> list[int]:
        """Seeds whose replication is kept, ascending."""
        if not self.dir.is_dir():
            return []
        out = []
        for p in self.dir.glob("seed-*"):
            if (p / "summaries.json").is_file() and p.name[5:].lstrip("-").isdigit():
                out.append(int(p.name[5:]))
        return sorted(out)

    def load(self, seed: int) -> list[SimulationResult] | None:
        """The kept replication on ``seed`` (baseline first), or None if absent or unreadable."""
        d = self._seed_dir(seed)
        try:
            meta = json.loads((d / "summaries.json").read_text(encoding="utf-8"))
            if meta.get("designs") != self.designs:
                return None
            results = []
            for i, summary in enumerate(meta["summaries"]):
                tables = {t: pd.read_parquet(d / f"{i}.{t}.parquet") for t in _TABLES}
                results.append(
                    SimulationResult(
                        daily=tables["daily"],
                        touchpoints=tables["touchpoints"],
                        steps=tables["steps"],
                        summary=summary,
                        intervals=tables["intervals"],  # traces, surveys and referrers are not kept
                        engine=meta["engine"],
                        seed=int(seed),
                    )
                )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return results

    def keep(self, seed: int, results: Sequence[SimulationResult], describe: dict[str, Any] | None = None) -> bool:
        """Keep replication ``seed``; returns False (and keeps nothing) if it cannot be written."""
        from cxsim.output import atomic_write_text, current_umask

        target = self._seed_dir(seed)
        if target.is_dir():
            return True
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            if describe is not None and not (self.dir / "config.json").exists():
                atomic_write_text(self.dir / "config.json", json.dumps(describe, indent=2, default=str) + "\n")
            tmp = Path(tempfile.mkdtemp(prefix=f".seed-{int(seed)}.", dir=self.dir))
            try:
                for i, res in enumerate(results):
                    for t in _TABLES:
                        getattr(res, t).to_parquet(tmp / f"{i}.{t}.parquet", index=False)
                meta = {
                    "designs": self.designs,
                    "engine": results[0].engine,
                    "summaries": [r.summary for r in results],
                }
                (tmp / "summaries.json").write_text(json.dumps(meta), encoding="utf-8")
                os.chmod(tmp, 0o777 & ~current_umask())
                os.rename(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        except OSError:
            return target.is_dir()
        return True

    def discard(self) -> None:
        """Delete this comparison's kept replications (it has finished)."""
        discard(self.dir)


def discard(entry: Path) -> None:
    """Delete one comparison's entry of a store, and the store's folder if that leaves it empty."""
    entry = Path(entry)
    shutil.rmtree(entry, ignore_errors=True)
    with contextlib.suppress(OSError):
        entry.parent.rmdir()  # only if empty
