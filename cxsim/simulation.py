"""Running one simulation: ``simulate(cfg)`` → :class:`~cxsim.result.SimulationResult`."""

from __future__ import annotations

import dataclasses
from typing import Any

from tqdm.auto import tqdm

from cxsim.config.validation import ConfigError, validate
from cxsim.engines.agent import AgentModel
from cxsim.engines.vector import VectorModel
from cxsim.result import SimulationResult, daily_frame, step_table, summarise, touchpoint_table
from cxsim.spec import compile_spec

__all__ = ["ENGINES", "simulate"]

ENGINES = ("vector", "agent")


def simulate(
    cfg: Any, *, engine: str | None = None, seed: int | None = None, progress: bool | None = None
) -> SimulationResult:
    """Simulate the market described by ``cfg`` day by day.

    Args:
        cfg: a config from :func:`cxsim.load_config` (validated again here).
        engine: overrides ``simulation.engine``.
        seed: overrides ``simulation.seed``.
        progress: show a progress bar over days (default: ``simulation.progress``; the bar
            appears only on a terminal and only for runs longer than about two seconds).

    Raises:
        ConfigError: the config is invalid, or the engine name is unknown.
    """
    validate(cfg)
    engine_name = engine if engine is not None else str(getattr(cfg.simulation.engine, "name", cfg.simulation.engine))
    if engine_name not in ENGINES:
        raise ConfigError([("simulation.engine", f"unknown engine {engine_name!r}; choose one of {list(ENGINES)}")])
    spec = compile_spec(cfg)
    if seed is not None:
        if not 0 <= int(seed) < 2**63:
            raise ConfigError([("simulation.seed", f"must be an integer in [0, 2**63), got {seed!r}")])
        spec = dataclasses.replace(spec, seed=int(seed))
    show = bool(cfg.simulation.progress) if progress is None else progress
    model: AgentModel | VectorModel = AgentModel(spec=spec) if engine_name == "agent" else VectorModel(spec=spec)
    for _ in tqdm(range(spec.days), desc="days", unit="day", disable=None if show else True, delay=2.0, leave=False):
        model.step()
    daily = daily_frame(model.history)
    tps = touchpoint_table(spec, model.totals)
    return SimulationResult(
        daily=daily,
        touchpoints=tps,
        steps=step_table(spec, model.totals),
        summary=summarise(spec, daily, tps),
        engine=engine_name,
        seed=spec.seed,
    )
