"""Benchmark configurations, kept apart from the runner: (quick | full) x (engine, size, days)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FULL", "HUGE", "QUICK", "EngineCase", "Plan"]


@dataclass(frozen=True)
class EngineCase:
    """One timed simulation on the default journey."""

    name: str
    engine: str
    size: int
    days: int


@dataclass(frozen=True)
class Plan:
    """What one benchmark mode measures."""

    name: str  # the plan's key in benchmarks/baseline.json and history.jsonl
    engine_cases: tuple[EngineCase, ...]
    agent_case: str  # the EngineCase the vector/agent ratio divides by
    ratio_case: str  # the vector EngineCase in the ratio
    queue_customers: int  # one queue for fifo_waits vs SimPy
    wom_size: int  # network size for the WOM throughput
    compile_probe: bool  # measure first-run compile time with an empty numba cache


QUICK = Plan(
    name="quick",
    engine_cases=(
        EngineCase("agent_5k_30d", "agent", 5_000, 30),
        EngineCase("vector_100k_60d", "vector", 100_000, 60),
    ),
    agent_case="agent_5k_30d",
    ratio_case="vector_100k_60d",
    queue_customers=20_000,
    wom_size=100_000,
    compile_probe=True,
)

FULL = Plan(
    name="full",
    engine_cases=(
        EngineCase("agent_20k_60d", "agent", 20_000, 60),
        EngineCase("vector_100k_365d", "vector", 100_000, 365),
        EngineCase("vector_1m_365d", "vector", 1_000_000, 365),
    ),
    agent_case="agent_20k_60d",
    ratio_case="vector_1m_365d",
    queue_customers=100_000,
    wom_size=1_000_000,
    compile_probe=True,
)

HUGE = EngineCase("vector_10m_365d", "vector", 10_000_000, 365)
