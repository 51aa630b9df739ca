"""Validation against theory: the checks behind ``cxsim validate-model`` and ``docs/validation.md``.

Each check compares what the package simulates with a published or closed-form value, one
module per family:

* :mod:`~cxsim.theory_checks.queueing`: Erlang C probability of waiting, average speed of
  answer and service level for three published staffing cases, and Erlang A abandonment with
  its identity ``P(abandon) = θ·E[wait]``, both through :func:`cxsim.queueing.fifo_waits` on a
  long Poisson stream and through full simulations of the queue lab (``+experiment=erlang_c``);
* :mod:`~cxsim.theory_checks.diffusion`: the mean-field adoption curve against the Bass (1969)
  closed form for two ``(p, q)`` pairs, and how sparse networks depart from it (reported, not
  judged);
* :mod:`~cxsim.theory_checks.memory_nps`: the peak-end rule on the cold-pressor trials of
  Kahneman et al. (1993), NPS arithmetic on known answers and the engine's NPS KPI on a market
  with known answers;
* :mod:`~cxsim.theory_checks.retention`: simulated retention and customer lifetime value under
  a constant churn hazard against ``r`` and the margin multiple ``r / (1 + i − r)``.

A check (:class:`~cxsim.theory_checks.checks.Check`) passes when ``|simulated − reference| ≤
4·SE + bias``: ``SE`` is the simulation's own standard error (independent days, replications or
batch means; when it is estimated from a few replications, 4 becomes the Student-t quantile with
the same tail probability, 3.2e-5 on each side), ``bias`` a bound on a known, computed,
deterministic gap between what the simulation does and the textbook formula (e.g. the empty
queue each simulated day starts with); exact checks allow only rounding (1e-9).
:func:`~cxsim.theory_checks.report.run_validation` runs everything and writes the report
(``templates/validation.md.j2``) and its figures.
"""

from __future__ import annotations

from cxsim.theory_checks.checks import FULL, QUICK, Z_TOLERANCE, Check, Settings, tolerance_multiplier
from cxsim.theory_checks.diffusion import BassCurves, diffusion_checks
from cxsim.theory_checks.memory_nps import memory_checks, nps_checks
from cxsim.theory_checks.queueing import CASES, QueueCase, QueueResults, queueing_checks
from cxsim.theory_checks.report import default_out_dir, main, run_validation
from cxsim.theory_checks.retention import clv_checks

__all__ = [
    "CASES",
    "FULL",
    "QUICK",
    "Z_TOLERANCE",
    "BassCurves",
    "Check",
    "QueueCase",
    "QueueResults",
    "Settings",
    "clv_checks",
    "default_out_dir",
    "diffusion_checks",
    "main",
    "memory_checks",
    "nps_checks",
    "queueing_checks",
    "run_validation",
    "tolerance_multiplier",
]
