"""cxsim: an agent-based customer-experience simulation engine.

A market of people lives through a customer journey day by day: they queue at touchpoints,
are disappointed or delighted against their expectations, remember the journey, recommend or
warn their friends, and stay or leave. ``load_config`` composes a Hydra config,
``simulate`` runs it and returns a :class:`SimulationResult`; ``compare`` runs an AS-IS and
TO-BE designs over paired replications and returns a :class:`ComparisonResult` (NPV, ROI,
payback, drivers). Money definitions: ``cxsim.money``; equations: ``docs/model.md``.
"""

from __future__ import annotations

from cxsim.interrupts import stop_while_importing

with stop_while_importing():  # the command's first seconds: Ctrl-C ends it with one line
    from cxsim.compare import ComparisonResult, compare
    from cxsim.config import ConfigError, load_config, validate
    from cxsim.result import SimulationResult
    from cxsim.simulation import simulate

__all__ = [
    "ComparisonResult",
    "ConfigError",
    "SimulationResult",
    "__version__",
    "compare",
    "load_config",
    "simulate",
    "validate",
]

__version__ = "0.1.0"
