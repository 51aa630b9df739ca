"""cxsim: an agent-based customer-experience simulation engine.

A market of people lives through a customer journey day by day: they queue at touchpoints,
are disappointed or delighted against their expectations, remember the journey, recommend or
warn their friends, and stay or leave. ``load_config`` composes a Hydra config,
``simulate`` runs it and returns a :class:`SimulationResult`.
"""

from __future__ import annotations

from cxsim.config import ConfigError, load_config, validate
from cxsim.result import SimulationResult
from cxsim.simulation import simulate

__all__ = ["ConfigError", "SimulationResult", "__version__", "load_config", "simulate", "validate"]

__version__ = "0.1.0"
