"""Sweeps a researcher can live with: one dataset per sweep, resume, launchers (D7, D10).

* :mod:`~cxsim.sweeps.marker`: the completion marker a job writes last (``write_marker``,
  ``is_complete``);
* :mod:`~cxsim.sweeps.plan`: the job list of a sweep, numbered as Hydra numbers it;
* :mod:`~cxsim.sweeps.job`: one job under any launcher (skip if done, cores, failure record);
* :mod:`~cxsim.sweeps.dataset`: a sweep folder into ``sweep.parquet``, ``sweep_daily/`` and
  ``sweep_by_point.parquet``;
* :mod:`~cxsim.sweeps.callback`: the Hydra callback that collects at the end of a multirun;
* :mod:`~cxsim.sweeps.launch`: the driver's preparation (absolute folder, resume check, Ray
  settings, numba warm-up) and report;
* :mod:`~cxsim.sweeps.command`: ``cxsim collect DIR [--by]``.
"""

from __future__ import annotations

from cxsim.sweeps.dataset import SweepCollection, collect
from cxsim.sweeps.marker import config_hash, is_complete, read_marker, write_marker
from cxsim.sweeps.plan import SweepPlan, plan_jobs

__all__ = [
    "SweepCollection",
    "SweepPlan",
    "collect",
    "config_hash",
    "is_complete",
    "plan_jobs",
    "read_marker",
    "write_marker",
]
