"""What a customer trace costs: one vector-engine run with ``simulation.trace`` off and on.

Runs the default bank market (``--size`` people, ``--days`` days, no warm-up) alternately
untraced and with ``simulation.trace=N``, after a warm-up run that compiles every kernel, and
reports the median wall times and their ratio measured in the same process, the time spent in
the tracing calls themselves (``Tracer.start``/``record``/``tables`` and the engine's
``trace_state``, timed around each call: on a shared machine the difference of two wall
times is mostly noise), and how many rows the trace holds. Writes
``benchmarks/results/trace_cost.json``.

    python benchmarks/trace_cost.py                   # 200,000 people, 90 days, trace=5, 3 pairs
    python benchmarks/trace_cost.py --size 20000 --repeats 1
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from pathlib import Path
from typing import Any

import cxsim
from cxsim.engines.vector import VectorModel
from cxsim.trace import Tracer

OUT = Path(__file__).resolve().parent / "results" / "trace_cost.json"


_SPENT = [0.0]  # seconds inside the tracing calls


def _timed(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _SPENT[0] += time.perf_counter() - t0

    return wrapper


for _cls, _name in ((Tracer, "start"), (Tracer, "record"), (Tracer, "tables"), (VectorModel, "trace_state")):
    setattr(_cls, _name, _timed(getattr(_cls, _name)))


def _wall(overrides: list[str]) -> tuple[float, cxsim.SimulationResult]:
    cfg = cxsim.load_config(overrides)
    t0 = time.perf_counter()
    result = cxsim.simulate(cfg, engine="vector")
    return time.perf_counter() - t0, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=200_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--trace", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3, help="pairs of runs (off, on)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    base = [f"population.size={args.size}", f"simulation.days={args.days}", "simulation.warmup_days=0",
            "simulation.progress=false"]  # fmt: skip
    _wall(["population.size=2000", "simulation.days=5", "simulation.warmup_days=0", "simulation.trace=5"])  # compile
    off: list[float] = []
    on: list[float] = []
    spent: list[float] = []
    rows: dict[str, int] = {}
    for _ in range(args.repeats):
        off.append(_wall(base)[0])
        _SPENT[0] = 0.0
        wall, result = _wall([*base, f"simulation.trace={args.trace}"])
        on.append(wall)
        spent.append(_SPENT[0])
        assert result.traces is not None
        rows = {name: len(table) for name, table in result.traces.files().items()}
    report = {
        "size": args.size,
        "days": args.days,
        "trace": args.trace,
        "repeats": args.repeats,
        "wall_off_s": [round(x, 3) for x in off],
        "wall_on_s": [round(x, 3) for x in on],
        "median_off_s": round(statistics.median(off), 3),
        "median_on_s": round(statistics.median(on), 3),
        "ratio_on_off": round(statistics.median(on) / statistics.median(off), 4),
        "tracing_calls_s": [round(x, 4) for x in spent],
        "tracing_share_of_traced_run": round(statistics.median(spent) / statistics.median(on), 5),
        "trace_rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
