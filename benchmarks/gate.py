"""The regression gate: normalise benchmark figures by reference kernels and compare with a baseline.

Pure functions of numbers (no timing here), so tests can check them with hand-made figures.

A *figure* is a throughput (work per second, higher is better) measured ``k`` times, each time
next to the reference kernel that shares its bottleneck (``benchmarks/reference.py``). Its
*normalised* value is best-of-k throughput divided by best-of-k reference rate: on a machine
slowed down by other work both fall together and the quotient stays put. ``compare`` checks
each normalised figure against the committed baseline: ``now / baseline < 1 - margin`` is a
regression (with ``margin = 0.30``, the figure lost more than 30 % of its throughput; its time
grew by more than 1 / 0.7 - 1 = 43 %).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MARGIN",
    "REFERENCE_OF",
    "REFERENCE_UNITS",
    "REPORT_ONLY",
    "Row",
    "clock_for",
    "compare",
    "failed",
    "format_table",
    "normalise",
    "normalised_unit",
    "reference_for",
]

DEFAULT_MARGIN = 0.30

# Which reference normalises which figure (the kind of work that bounds it), by figure-name prefix.
# Chosen by the kind of work and checked with benchmarks/noise.py (benchmarks/README.md has the figures).
REFERENCE_OF = {
    "agent_": "python",  # Mesa agents and SimPy events: the Python interpreter
    "vector_": "draws",  # per-person numba rules: keyed draws, hazards, branches
    "fifo": "triad",  # measured: triad varied least under load (draws and python added noise)
    "wom": "triad",  # a gather over CSR arrays: memory access, not arithmetic
}


# Figures printed with their ratio but never failing the check. WOM delivery's throughput is
# bimodal between processes (about 100 or about 200 M messages/s on the same network and load,
# best of 15 timings each): a property of where its arrays land in memory, which no repeat or
# reference in the same process corrects (benchmarks/README.md).
REPORT_ONLY = frozenset({"wom_delivery"})

# The unit of a reference rate, as it reads under a normalised figure ("customer-days per M draws").
REFERENCE_UNITS = {"triad": "GB of triad", "draws": "M draws", "python": "M Python loops"}


def normalised_unit(unit_per_s: str, reference: str) -> str:
    """The unit of a normalised figure: ``"customer-days/s"`` over draws is ``"customer-days per M draws"``."""
    return f"{unit_per_s.removesuffix('/s')} per {REFERENCE_UNITS[reference]}"


def clock_for(threads: int) -> str:
    """The clock a figure is normalised on: CPU time for one thread, wall time for several.

    A single-threaded figure and its reference timed on the process's CPU-time clock do not
    count the time slices other processes took, which is most of a loaded machine's noise. With
    several threads CPU time would hide a loss of parallel speed-up, so those use wall time.
    """
    return "cpu" if threads == 1 else "wall"


def reference_for(figure: str) -> str:
    """The reference kernel that normalises ``figure`` (``KeyError`` if none is declared)."""
    for prefix, ref in REFERENCE_OF.items():
        if figure.startswith(prefix):
            return ref
    raise KeyError(f"no reference kernel declared for benchmark figure {figure!r} (add it to REFERENCE_OF)")


def normalise(throughputs: Sequence[float], reference_rates: Sequence[float]) -> float:
    """Best-of-k throughput over best-of-k reference rate.

    Interference only ever slows a kernel down, so the best of k repeats is the least disturbed
    one for the figure and for the reference alike.
    """
    if not throughputs or not reference_rates:
        raise ValueError("normalise needs at least one throughput and one reference rate")
    if min(throughputs) <= 0 or min(reference_rates) <= 0:
        raise ValueError("throughputs and reference rates must be positive")
    return max(throughputs) / max(reference_rates)


@dataclass(frozen=True)
class Row:
    """One line of the gate's table."""

    figure: str
    baseline: float | None
    now: float | None
    margin: float
    status: str  # "ok", "faster", "REGRESSED", "new" (not in the baseline), "MISSING" or "not gated"

    @property
    def ratio(self) -> float | None:
        """now / baseline, or None when either is absent."""
        if self.baseline is None or self.now is None:
            return None
        return self.now / self.baseline


def compare(
    baseline: Mapping[str, float],
    now: Mapping[str, float],
    margin: float = DEFAULT_MARGIN,
    report_only: Collection[str] = REPORT_ONLY,
) -> list[Row]:
    """Rows for every figure in the baseline or measured now, in baseline order then new ones.

    A figure regresses when ``now / baseline < 1 - margin``; "faster" marks one above
    ``1 + margin`` (a hint to update the baseline, never a failure). A baseline figure that was
    not measured is MISSING, which fails: a renamed case needs ``--update-baseline``. Figures in
    ``report_only`` are shown with their ratio and the status "not gated".
    """
    if not 0.0 < margin < 1.0:
        raise ValueError(f"margin must lie strictly between 0 and 1, got {margin}")
    rows = []
    for name, base in baseline.items():
        value = now.get(name)
        if value is None:
            status = "MISSING"
        elif name in report_only:
            status = "not gated"
        elif value / base < 1.0 - margin:
            status = "REGRESSED"
        elif value / base > 1.0 + margin:
            status = "faster"
        else:
            status = "ok"
        rows.append(Row(name, base, value, margin, status))
    rows.extend(Row(name, None, value, margin, "new") for name, value in now.items() if name not in baseline)
    return rows


def failed(rows: Sequence[Row]) -> bool:
    """True when any figure regressed or went missing."""
    return any(r.status in ("REGRESSED", "MISSING") for r in rows)


def _num(x: float | None, width: int, spec: str) -> str:
    return f"{'-':>{width}}" if x is None else format(x, f"{width}{spec}")


def format_table(rows: Sequence[Row], units: Mapping[str, str] | None = None) -> str:
    """The gate's table: figure, baseline, now, ratio, the ratio it must stay above, status."""
    units = units or {}
    head = f"{'figure (normalised)':<22}{'unit':<32}{'baseline':>12}{'now':>12}{'ratio':>8}{'fails below':>13}  status"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.figure:<22}{units.get(r.figure, ''):<32}{_num(r.baseline, 12, '.4g')}{_num(r.now, 12, '.4g')}"
            f"{_num(r.ratio, 8, '.2f')}{1.0 - r.margin:>13.2f}  {r.status}"
        )
    return "\n".join(lines)
