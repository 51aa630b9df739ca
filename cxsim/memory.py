"""Memory a run will need, estimated from its config, against what the machine has.

:func:`estimate_bytes` adds the interpreter and libraries, the people (bytes per person of the
engine), the social network (``people x mean_degree`` 4-byte CSR entries; while it is built,
before the people exist, three times that) and the per-day buffers. The vector engine's figures
are from ``benchmarks/bytes_per_person.py`` (peak resident memory above a tiny run's: 216 and
215 B per person at 1,000,000 and 10,000,000 people x 30 days, mean degree 10; see
``docs/performance.md``, "Memory") and the interpreter's from ``benchmarks/soak.py`` (``cxsim
run``: ~330 MB); the agent engine's ~15 KB per person is from ``benchmarks/results/full.json``.
:func:`check_memory` refuses a run whose estimate exceeds :func:`available_bytes` (``MemAvailable``
of ``/proc/meminfo``; no check where that is unknown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxsim.config.validation import ConfigError

__all__ = [
    "BYTES_PER_PERSON",
    "available_bytes",
    "check_compare_memory",
    "check_memory",
    "estimate_bytes",
    "estimate_compare_bytes",
]

BASE_BYTES = 330 * 2**20  # Python, numpy, numba, pandas, Hydra and the compiled kernels (soak fit)
# peak RSS per person besides the neighbour lists (vector: 215 measured at degree 10, less 10 x 4 B)
BYTES_PER_PERSON = {"vector": 175, "agent": 15_500}
NETWORK_BYTES_PER_EDGE = 4  # per neighbour: the int32 CSR entry
# while the network is built: the int32 edge list (4 per neighbour), the ties grouped by column (4)
# and the CSR entries (4), plus two int64 offsets a person (cxsim.network.csr_from_edges)
NETWORK_BUILD_BYTES_PER_EDGE = 12
NETWORK_BUILD_BYTES_PER_PERSON = 16
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
    running = people * (per_person + degree * NETWORK_BYTES_PER_EDGE)
    building = people * (degree * NETWORK_BUILD_BYTES_PER_EDGE + NETWORK_BUILD_BYTES_PER_PERSON) if degree else 0
    return BASE_BYTES + max(running, building) + days * columns * DAY_BYTES_PER_COLUMN


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
    _refuse_above_available(
        need,
        "population.size",
        f"{int(cfg.population.size):,} people with the {_engine(cfg)} engine need about {_gb(need)} (estimate)",
        "use fewer people" + (" or simulation.engine=vector" if _engine(cfg) != "vector" else ""),
    )


def _refuse_above_available(need: int, key: str, what: str, advice: str) -> None:
    """Raise a ConfigError on ``key`` if ``need`` bytes exceed the machine's available memory."""
    have = available_bytes()
    if have is not None and need > have:
        raise ConfigError([(key, f"{what} but this machine has {_gb(have)} available; {advice}")])


# What the comparison's parent keeps per design-replication: the daily rows of its KPIs (every
# daily column, simulated days) until booked, then the kept window and the tidy tables.
COMPARE_BYTES_PER_DESIGN_DAY = 8 * 80


def estimate_compare_bytes(cfg: Any, designs: int, workers: int, replications: int, simulated_days: int) -> int:
    """Peak memory (bytes) of a comparison: the parent plus ``workers`` processes at once.

    Each worker is an interpreter of its own simulating one design at a time, so it needs what
    one run needs (:func:`estimate_bytes` at the simulated length); the parent holds every
    replication's tables.
    """
    from omegaconf import OmegaConf

    one = OmegaConf.merge(cfg, {"simulation": {"days": simulated_days, "warmup_days": 0}})
    worker = estimate_bytes(one)
    tables = designs * replications * simulated_days * COMPARE_BYTES_PER_DESIGN_DAY
    if workers <= 1:  # the parent simulates itself
        return worker + tables
    return BASE_BYTES + tables + workers * worker


def check_compare_memory(cfg: Any, designs: int, workers: int, replications: int, simulated_days: int) -> None:
    """Refuse a comparison whose workers together cannot fit in the available memory.

    Raises:
        ConfigError: naming ``compare.n_jobs`` (fewer workers need less) with both figures.
    """
    need = estimate_compare_bytes(cfg, designs, workers, replications, simulated_days)
    _refuse_above_available(
        need,
        "compare.n_jobs",
        f"{workers} worker(s) simulating {int(cfg.population.size):,} people each need about {_gb(need)} together "
        "(estimate)",
        "use fewer workers (compare.n_jobs=1 needs the least) or fewer people",
    )
