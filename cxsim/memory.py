"""Memory a run will need, estimated from its config, against what the machine has.

:func:`estimate_bytes` adds the interpreter and libraries, the people (bytes per person of the
engine, from ``benchmarks/results/full.json``: the vector engine peaks at about 300-520 B per
person, the agent engine at about 15 KB), the social network (``people x mean_degree`` edges,
stored twice as 8-byte entries) and the per-day buffers. :func:`check_memory` refuses a run whose
estimate exceeds :func:`available_bytes` (``MemAvailable`` of ``/proc/meminfo``; no check where
that is unknown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxsim.config.validation import ConfigError

__all__ = ["BYTES_PER_PERSON", "available_bytes", "check_memory", "estimate_bytes"]

BASE_BYTES = 300 * 2**20  # Python, numpy, numba, pandas, Hydra: measured ~220-290 MB before the first person
BYTES_PER_PERSON = {"vector": 520, "agent": 15_500}  # peak RSS per person, benchmarks/results/full.json
NETWORK_BYTES_PER_EDGE = 8 * 2  # CSR: each undirected edge is stored twice, 8-byte indices
DAY_BYTES_PER_COLUMN = 8 * 64  # the day's record and per-touchpoint statistics: ~64 float64 columns


def _engine(cfg: Any) -> str:
    engine = cfg.simulation.engine
    return str(getattr(engine, "name", engine))


def estimate_bytes(cfg: Any) -> int:
    """Peak memory (bytes) a run of ``cfg`` needs: interpreter, people, network and day buffers."""
    people = int(cfg.population.size)
    per_person = BYTES_PER_PERSON.get(_engine(cfg), BYTES_PER_PERSON["agent"])
    net = cfg.wom.network
    kind = str(getattr(net.kind, "name", net.kind))
    degree = 0 if kind == "complete" else int(net.mean_degree)
    days = int(cfg.simulation.days) + int(cfg.simulation.warmup_days)
    columns = 1 + len(cfg.journey.touchpoints)
    return (
        BASE_BYTES
        + people * per_person
        + people * degree * NETWORK_BYTES_PER_EDGE
        + days * columns * DAY_BYTES_PER_COLUMN
    )


def available_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The memory available to a new process (``MemAvailable``), or None where it is unknown."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def check_memory(cfg: Any) -> None:
    """Refuse a run that cannot fit in the machine's available memory.

    Raises:
        ConfigError: the estimate exceeds the available memory (both are in the message).
    """
    need = estimate_bytes(cfg)
    have = available_bytes()
    if have is not None and need > have:
        raise ConfigError(
            [
                (
                    "population.size",
                    f"{int(cfg.population.size):,} people with the {_engine(cfg)} engine need about {_gb(need)} "
                    f"(estimate) but this machine has {_gb(have)} available; use fewer people"
                    + (" or simulation.engine=vector" if _engine(cfg) != "vector" else ""),
                )
            ]
        )
