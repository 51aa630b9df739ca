"""Running one simulation: ``simulate(cfg)`` → :class:`~cxsim.result.SimulationResult`."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from tqdm.auto import tqdm

from cxsim.config.validation import ConfigError, validate
from cxsim.engines.agent import AgentModel
from cxsim.engines.vector import VectorModel
from cxsim.kernels.groups import reset_totals
from cxsim.referrals import referral_outputs
from cxsim.result import SimulationResult, daily_frame, interval_table, step_table, summarise, touchpoint_table
from cxsim.spec import compile_spec
from cxsim.trace import Tracer, traced_people
from cxsim.voc import survey_frame, voc_summary

__all__ = ["ENGINES", "simulate"]

ENGINES = ("vector", "agent")


def simulate(
    cfg: Any,
    *,
    engine: str | None = None,
    seed: int | None = None,
    progress: bool | None = None,
    report_days: int | None = None,
    trace: bool = True,
) -> SimulationResult:
    """Simulate the market described by ``cfg`` day by day.

    Args:
        cfg: a config from :func:`cxsim.load_config` (validated again here).
        engine: overrides ``simulation.engine``.
        seed: overrides ``simulation.seed``.
        progress: show a progress bar over days (default: ``simulation.progress``; the bar
            appears only on a terminal and only for runs longer than about two seconds).
        report_days: the summary, touchpoint and step tables cover the days after the warm-up
            up to this day (default: the last day); the daily table always has every day. A
            comparison uses it to read a 3-year business case off a 5-year run.
        trace: follow the people ``simulation.trace`` names (``SimulationResult.traces``); a
            comparison passes False, as it writes no traces.

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
    until = spec.days if report_days is None else int(report_days)
    if not spec.warmup_days < until <= spec.days:
        raise ConfigError([("report_days", f"must be in ({spec.warmup_days}, {spec.days}], got {report_days!r}")])
    model: AgentModel | VectorModel = AgentModel(spec=spec) if engine_name == "agent" else VectorModel(spec=spec)
    traced = traced_people(spec.seed, spec.size, cfg.simulation.trace if trace else 0)
    tracer = Tracer(spec, model.network, traced) if traced.size else None
    if tracer is not None:
        tracer.start(model.trace_state(traced))
    for day in tqdm(
        range(1, spec.days + 1), desc="days", unit="day", disable=None if show else True, delay=2.0, leave=False
    ):
        model.step()
        if tracer is not None:
            tracer.record(day, model.visits, model.talk, model.trace_state(traced))
        if day == spec.warmup_days:
            reset_totals(model.totals)  # touchpoint and step totals count the days after the warm-up only
        if day == until:
            totals = copy.deepcopy(model.totals)
    daily = daily_frame(model.history)
    reported = dataclasses.replace(spec, days=until)
    staffing = model.staffing
    server_min = staffing.server_min[spec.warmup_days + 1 : until + 1].sum(axis=0) if staffing.planned else None
    tps = touchpoint_table(reported, totals, server_min)
    summary = summarise(reported, daily[daily["day"] <= until], tps)
    surveys = survey_frame(model.surveys)
    summary.update(voc_summary(spec, surveys, daily, until))
    referrers, by_class, referral_summary = referral_outputs(spec, model.referral_state(), daily, until)
    summary.update(referral_summary)
    return SimulationResult(
        daily=daily,
        touchpoints=tps,
        steps=step_table(reported, totals),
        summary=summary,
        intervals=interval_table(spec, staffing),
        engine=engine_name,
        seed=spec.seed,
        traces=None if tracer is None else tracer.tables(),
        surveys=surveys,
        voc_window=(spec.warmup_days, until),
        voc_level=spec.voc_ci_level,
        referrers=referrers,
        referrers_by_class=by_class,
    )
