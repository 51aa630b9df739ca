"""Benchmark runner: engine throughput and their ratio, queue and WOM kernels, memory, compile time.

    python benchmarks/run.py            # full: agent 20k x 60 d, vector 100k and 1M x 365 d
    python benchmarks/run.py --quick    # CI: small sizes, same checks
    python benchmarks/run.py --huge     # full plus a 10M-person market

Every engine case runs in a child process (so its peak memory is its own) after a warm-up that
compiles the numba kernels into the cache. Prints a table and writes
``benchmarks/results/<name>.json``. Exits non-zero only if a benchmark crashes or the vector
engine is not faster than the agent engine; absolute times never fail it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import FULL, HUGE, QUICK, EngineCase, Plan  # noqa: E402

_CHILD = """
import json, resource, sys, time
import cxsim
from cxsim.spec import compile_spec
from cxsim.engines.agent import AgentModel
from cxsim.engines.vector import VectorModel
engine, size, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
spec = compile_spec(cxsim.load_config([f"population.size={size}", f"simulation.days={days}"]))
cls = AgentModel if engine == "agent" else VectorModel
if engine == "vector":  # warm-up: load compiled kernels from the cache (or compile them)
    warm = VectorModel(spec=compile_spec(cxsim.load_config(["population.size=500", "simulation.days=2"])))
    warm.step(); warm.step()
t0 = time.perf_counter(); model = cls(spec=spec); t_init = time.perf_counter() - t0
t0 = time.perf_counter()
for _ in range(days):
    model.step()
t_run = time.perf_counter() - t0
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
last = model.history[-1]
print(json.dumps({"init_s": t_init, "run_s": t_run, "peak_rss_mb": rss_mb, "nps_end": last["nps"],
                  "customers_end": last["customers"]}))
"""

_COMPILE = """
import time
t0 = time.perf_counter()
import cxsim
from cxsim.spec import compile_spec
from cxsim.engines.vector import VectorModel
m = VectorModel(spec=compile_spec(cxsim.load_config(["population.size=500", "simulation.days=2"])))
m.step()
print(time.perf_counter() - t0)
"""


def _child(code: str, args: list[str], env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env or dict(os.environ), check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({args}):\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def engine_case(case: EngineCase) -> dict[str, Any]:
    """Time one simulation in a child process; customer-days per second over the run phase."""
    r = json.loads(_child(_CHILD, [case.engine, str(case.size), str(case.days)]))
    r.update(
        name=case.name,
        engine=case.engine,
        size=case.size,
        days=case.days,
        customer_days_per_s=case.size * case.days / r["run_s"],
        peak_rss_bytes_per_person=r["peak_rss_mb"] * 2**20 / case.size,
    )
    return r


def queue_bench(n: int) -> dict[str, Any]:
    """fifo_waits vs simpy on the same M/M/c+M queue (c = 10, load 0.95, mean patience 3 min)."""
    from cxsim.queueing import fifo_waits, simpy_waits

    gen = np.random.default_rng(1)
    servers, aht = 10, 6.0
    arrivals = np.cumsum(gen.exponential(aht / (0.95 * servers), n))
    services = gen.exponential(aht, n)
    patience = gen.exponential(3.0, n)
    fifo_waits(arrivals[:100], services[:100], patience[:100], servers)  # warm
    best = min(_timed(lambda: fifo_waits(arrivals, services, patience, servers)) for _ in range(5))
    t_simpy = _timed(lambda: simpy_waits(arrivals, services, patience, servers))
    w1, a1 = fifo_waits(arrivals, services, patience, servers)
    w2, a2 = simpy_waits(arrivals, services, patience, servers)
    return {
        "customers": n,
        "fifo_customers_per_s": n / best,
        "simpy_customers_per_s": n / t_simpy,
        "fifo_over_simpy": t_simpy / best,
        "identical": bool(np.array_equal(w1, w2) and np.array_equal(a1, a2)),
        "abandonment": float(a1.mean()),
    }


def wom_bench(size: int) -> dict[str, Any]:
    """Word-of-mouth delivery: messages (directed edges walked) per second on the default network."""
    from cxsim.kernels.wom import deliver_wom
    from cxsim.network import build_network
    from cxsim.spec import NETWORK_WATTS_STROGATZ

    t0 = time.perf_counter()
    net = build_network(42, size, NETWORK_WATTS_STROGATZ, 10, 0.1)
    t_build = time.perf_counter() - t0
    gen = np.random.default_rng(2)
    talk = np.zeros(size, dtype=np.int8)
    talk[gen.random(size) < 0.2] = 1
    talk[gen.random(size) < 0.05] = -1
    pos = np.zeros(size, dtype=np.int32)
    neg = np.zeros(size, dtype=np.int32)
    deliver_wom(talk, False, net.indptr, net.indices, pos, neg)  # warm
    best = min(_timed(lambda: deliver_wom(talk, False, net.indptr, net.indices, pos, neg)) for _ in range(5))
    messages = int(pos.sum() + neg.sum())
    return {"size": size, "build_s": t_build, "messages": messages, "messages_per_s": messages / best}


def compile_bench() -> dict[str, Any]:
    """Wall time of a first vector run in a fresh process with an empty numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold = float(_child(_COMPILE, [], env))
        warm = float(_child(_COMPILE, [], env))
    return {"first_run_empty_cache_s": cold, "second_run_warm_cache_s": warm}


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(plan: Plan, name: str, huge: bool) -> dict[str, Any]:
    # warm the numba cache once so every child loads compiled kernels
    _child(_COMPILE, [])
    engines = [engine_case(c) for c in plan.engine_cases]
    if huge:
        engines.append(engine_case(HUGE))
    by_name = {e["name"]: e for e in engines}
    ratio = by_name[plan.ratio_case]["customer_days_per_s"] / by_name[plan.agent_case]["customer_days_per_s"]
    result = {
        "name": name,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "numba_threads": int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1)),
        "engines": engines,
        "vector_over_agent": ratio,
        "queue": queue_bench(plan.queue_customers),
        "wom": wom_bench(plan.wom_size),
        "compile": compile_bench() if plan.compile_probe else None,
    }
    return result


def print_table(r: dict[str, Any]) -> None:
    print(f"\ncxsim benchmarks ({r['name']}), {r['machine']['cpus']} CPUs, numba threads {r['numba_threads']}")
    head = f"{'case':<18}{'people':>11}{'days':>6}{'init s':>9}{'run s':>9}"
    print(head + f"{'cust-days/s':>14}{'peak MB':>9}{'B/person':>10}")
    for e in r["engines"]:
        print(
            f"{e['name']:<18}{e['size']:>11,}{e['days']:>6}{e['init_s']:>9.2f}{e['run_s']:>9.2f}"
            f"{e['customer_days_per_s']:>14,.0f}{e['peak_rss_mb']:>9.0f}{e['peak_rss_bytes_per_person']:>10,.0f}"
        )
    print(f"vector / agent customer-days per second: {r['vector_over_agent']:,.0f}x")
    q = r["queue"]
    print(
        f"fifo_waits: {q['fifo_customers_per_s']:,.0f} customers/s; SimPy {q['simpy_customers_per_s']:,.0f}/s;"
        f" {q['fifo_over_simpy']:,.0f}x; identical waits: {q['identical']}"
    )
    w = r["wom"]
    print(f"WOM delivery: {w['messages_per_s']:,.0f} messages/s on {w['size']:,} people", end="")
    print(f" (network built in {w['build_s']:.2f} s)")
    if r["compile"]:
        c = r["compile"]
        cold, warm = c["first_run_empty_cache_s"], c["second_run_warm_cache_s"]
        print(f"first vector run, empty numba cache: {cold:.1f} s (warm cache: {warm:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes for CI")
    ap.add_argument("--huge", action="store_true", help="also run a 10,000,000-person market (minutes, ~2 GB)")
    ap.add_argument("--name", help="results file name (default: quick or full)")
    args = ap.parse_args(argv)
    name = args.name or ("quick" if args.quick else "full")
    result = run(QUICK if args.quick else FULL, name, args.huge)
    print_table(result)
    out = HERE / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp, out)
    print(f"results: {out}")
    ok = result["vector_over_agent"] > 1.0 and result["queue"]["identical"]
    if not ok:
        print("FAIL: the vector engine is not faster than the agent engine, or fifo_waits disagrees with SimPy")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
