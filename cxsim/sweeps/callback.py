"""The Hydra callback that turns every multirun into one dataset, whatever the launcher.

Registered in ``configs/config.yaml`` under ``hydra.callbacks``; Hydra calls
``on_multirun_end`` in the driver once every job has returned, on any launcher (basic,
joblib, Ray, submitit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from cxsim.sweeps.dataset import collect

__all__ = ["SweepDataset"]


class SweepDataset(Callback):
    """At the end of a multirun, write ``sweep.parquet`` and ``sweep_daily/`` into the sweep folder."""

    def __init__(self, level: float = 0.95) -> None:
        self.level = float(level)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from cxsim.sweeps.launch import record_collection

        coll = collect(Path(str(config.hydra.sweep.dir)), level=self.level)
        print(coll.describe())
        record_collection(coll)
