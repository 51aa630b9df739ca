"""Benchmark runner: engine throughput and their ratio, queue and WOM kernels, memory, compile time.

    python benchmarks/run.py                    # full: agent 20k x 60 d, vector 100k and 1M x 365 d
    python benchmarks/run.py --quick            # CI: small sizes, same checks
    python benchmarks/run.py --huge             # full plus a 10M-person market
    python benchmarks/run.py --quick --check    # also gate on the committed baseline (what CI runs)
    python benchmarks/run.py --quick --update-baseline   # measure and write a new baseline
    python benchmarks/run.py --plot             # draw benchmarks/results/history.png, measure nothing

Every engine case runs in a child process (so its peak memory is its own) after a warm-up that
compiles the numba kernels into the cache, ``--repeats`` times, each run followed by the
reference kernels of ``benchmarks/reference.py`` in the same process at the same thread count.
Each figure is normalised by the reference that shares its bottleneck (``benchmarks/gate.py``);
``--check`` compares the normalised figures with ``benchmarks/baseline.json``. Prints a table,
writes ``benchmarks/results/<name>.json`` and appends a line to
``benchmarks/results/history.jsonl``. Exits non-zero if a benchmark crashes, the vector engine
is not faster than the agent engine, ``fifo_waits`` disagrees with SimPy, or (with ``--check``) a
normalised figure regressed by more than the margin. The first-run compile time is reported and
compared, never gated (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gate  # noqa: E402
import history  # noqa: E402
from cases import FULL, HUGE, QUICK, EngineCase, Plan  # noqa: E402

if TYPE_CHECKING:
    from reference import Reference

BASELINE = HERE / "baseline.json"
HISTORY = HERE / "results" / "history.jsonl"

_CHILD = """
import gc, json, resource, sys, time
sys.path.insert(0, sys.argv[5])
import cxsim
from cxsim.spec import compile_spec
from cxsim.engines.agent import AgentModel
from cxsim.engines.vector import VectorModel
from reference import Reference
engine, size, days, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
spec = compile_spec(cxsim.load_config([f"population.size={size}", f"simulation.days={days}"]))
cls = AgentModel if engine == "agent" else VectorModel
if engine == "vector":  # warm-up: load compiled kernels from the cache (or compile them)
    warm = VectorModel(spec=compile_spec(cxsim.load_config(["population.size=500", "simulation.days=2"])))
    warm.step(); warm.step()
    del warm
base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # interpreter, libraries, kernels
init_s, run_s, cpu_s, refs, rss_mb, ref = [], [], [], [], 0.0, None
for rep in range(repeats):
    t0 = time.perf_counter(); model = cls(spec=spec); init_s.append(time.perf_counter() - t0)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(days):
        model.step()
    run_s.append(time.perf_counter() - t0)
    cpu_s.append(time.process_time() - c0)
    threads = getattr(model, "threads", 1)
    last = model.history[-1]
    del model
    gc.collect()
    if ref is None:  # peak memory of the simulation alone, before the reference buffers exist
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ref = Reference()
    refs.append(ref.measure(threads))
print(json.dumps({"init_s": min(init_s), "run_s": min(run_s), "run_s_all": run_s, "cpu_s_all": cpu_s,
                  "peak_rss_mb": rss_mb, "base_rss_mb": base_mb, "threads": threads, "references": refs,
                  "nps_end": last["nps"], "customers_end": last["customers"]}))
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


def engine_case(case: EngineCase, repeats: int) -> dict[str, Any]:
    """Time one simulation ``repeats`` times in a child process; customer-days per second over the run phase."""
    r = json.loads(_child(_CHILD, [case.engine, str(case.size), str(case.days), str(repeats), str(HERE)]))
    r.update(
        name=case.name,
        engine=case.engine,
        size=case.size,
        days=case.days,
        customer_days_per_s=case.size * case.days / r["run_s"],
        throughputs=[case.size * case.days / t for t in r["run_s_all"]],
        cpu_throughputs=[case.size * case.days / t for t in r["cpu_s_all"]],
        peak_rss_bytes_per_person=r["peak_rss_mb"] * 2**20 / case.size,
        # what the market adds to the interpreter, libraries and kernels (docs/performance.md, "Memory")
        bytes_per_person=(r["peak_rss_mb"] - r["base_rss_mb"]) * 2**20 / case.size,
    )
    return r


def queue_bench(n: int, repeats: int, ref: Reference) -> dict[str, Any]:
    """fifo_waits vs simpy on the same M/M/c+M queue (c = 10, load 0.95, mean patience 3 min)."""
    from cxsim.queueing import fifo_waits, simpy_waits

    gen = np.random.default_rng(1)
    servers, aht = 10, 6.0
    arrivals = np.cumsum(gen.exponential(aht / (0.95 * servers), n))
    services = gen.exponential(aht, n)
    patience = gen.exponential(3.0, n)
    fifo_waits(arrivals[:100], services[:100], patience[:100], servers)  # warm
    timings = _repeat(lambda: fifo_waits(arrivals, services, patience, servers), n, repeats, ref)
    t_simpy = _timed(lambda: simpy_waits(arrivals, services, patience, servers))[0]
    w1, a1 = fifo_waits(arrivals, services, patience, servers)
    w2, a2 = simpy_waits(arrivals, services, patience, servers)
    return {
        "customers": n,
        "fifo_customers_per_s": max(timings["throughputs"]),
        "simpy_customers_per_s": n / t_simpy,
        "fifo_over_simpy": max(timings["throughputs"]) * t_simpy / n,
        "identical": bool(np.array_equal(w1, w2) and np.array_equal(a1, a2)),
        "abandonment": float(a1.mean()),
        **timings,
    }


def wom_bench(size: int, repeats: int, ref: Reference) -> dict[str, Any]:
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
    messages = int(pos.sum() + neg.sum())
    timings = _repeat(lambda: deliver_wom(talk, False, net.indptr, net.indices, pos, neg), messages, repeats, ref)
    return {
        "size": size,
        "build_s": t_build,
        "messages": messages,
        "messages_per_s": max(timings["throughputs"]),
        **timings,
    }


def compile_bench(ref: Reference) -> dict[str, Any]:
    """Wall time of a first vector run in a fresh process with an empty numba cache.

    The Python reference rate is measured just before and after (compiling is single-threaded
    interpreter and LLVM work); ``normalised`` is the time expressed in those units, for reading
    next to the baseline, not for gating.
    """
    before = ref.measure(1)["python"]
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cpu0 = _children_cpu()
        cold = float(_child(_COMPILE, [], env))
        cold_cpu = _children_cpu() - cpu0
        warm = float(_child(_COMPILE, [], env))
    python = max(before, ref.measure(1)["python"])
    return {
        "first_run_empty_cache_s": cold,
        "first_run_cpu_s": cold_cpu,
        "second_run_warm_cache_s": warm,
        "python_reference": python,
        "normalised": cold * python,
    }


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _timed(fn: Any) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def _repeat(fn: Any, work: int, repeats: int, ref: Reference) -> dict[str, list[Any]]:
    """``repeats`` rounds of (best of 5 calls of ``fn``, then the references): work per second on both clocks."""
    out: dict[str, list[Any]] = {"throughputs": [], "cpu_throughputs": [], "references": []}
    for _ in range(repeats):
        calls = [_timed(fn) for _ in range(5)]
        out["throughputs"].append(work / min(c[0] for c in calls))
        out["cpu_throughputs"].append(work / max(min(c[1] for c in calls), 1e-9))
        out["references"].append(ref.measure(1))
    return out


def figures(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every gated figure of a result: raw best-of-k throughput, its reference and the normalised value."""
    measured: list[tuple[str, str, dict[str, Any]]] = [(e["name"], "customer-days/s", e) for e in r["engines"]]
    measured += [("fifo_waits", "customers/s", r["queue"]), ("wom_delivery", "messages/s", r["wom"])]
    out = {}
    for name, unit, m in measured:
        kind = gate.reference_for(name)
        clock = gate.clock_for(m.get("threads", 1))
        key = "throughputs" if clock == "wall" else "cpu_throughputs"
        rates = [x[kind if clock == "wall" else f"{kind}_cpu"] for x in m["references"]]
        out[name] = {
            "raw": max(m["throughputs"]),
            "unit": unit,
            "clock": clock,
            "reference": kind,
            "reference_rate": max(rates),
            "normalised": gate.normalise(m[key], rates),
        }
    return out


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True, check=False)
    return out.stdout.strip()


def provenance() -> dict[str, Any]:
    """Commit, date and machine of a measurement."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba

    return {
        "commit": _git("rev-parse", "HEAD") or "unknown",
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "numba": numba.__version__,
            "cpus": os.cpu_count(),
            "cpu": cpu,
            "platform": platform.platform(),
        },
    }


def run(plan: Plan, name: str, huge: bool, repeats: int, compile_probe: bool) -> dict[str, Any]:
    load_start = os.getloadavg()
    # warm the numba cache once so every child loads compiled kernels
    _child(_COMPILE, [])
    engines = [engine_case(c, repeats) for c in plan.engine_cases]
    if huge:
        engines.append(engine_case(HUGE, repeats))
    # NOTE: imported only now: a child forked from a parent holding numba and the 96 MiB triad
    # buffers would inherit that resident size as the floor of its ru_maxrss.
    from reference import Reference

    ref = Reference()
    by_name = {e["name"]: e for e in engines}
    ratio = by_name[plan.ratio_case]["customer_days_per_s"] / by_name[plan.agent_case]["customer_days_per_s"]
    result = {
        "name": name,
        "plan": plan.name,
        **provenance(),
        "numba_threads": int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1)),
        "repeats": repeats,
        "engines": engines,
        "vector_over_agent": ratio,
        "queue": queue_bench(plan.queue_customers, repeats, ref),
        "wom": wom_bench(plan.wom_size, repeats, ref),
        "compile": compile_bench(ref) if compile_probe and plan.compile_probe else None,
    }
    result["figures"] = figures(result)
    result["load_average"] = {"start": list(load_start), "end": list(os.getloadavg())}
    return result


def print_table(r: dict[str, Any]) -> None:
    print(f"\ncxsim benchmarks ({r['name']}), {r['machine']['cpus']} CPUs, numba threads {r['numba_threads']}")
    print(f"best of {r['repeats']}; load average (1 min) {r['load_average']['start'][0]:.2f} at start")
    head = f"{'case':<18}{'people':>11}{'days':>6}{'init s':>9}{'run s':>9}"
    print(head + f"{'cust-days/s':>14}{'peak MB':>9}{'B/person':>10}")
    for e in r["engines"]:
        print(
            f"{e['name']:<18}{e['size']:>11,}{e['days']:>6}{e['init_s']:>9.2f}{e['run_s']:>9.2f}"
            f"{e['customer_days_per_s']:>14,.0f}{e['peak_rss_mb']:>9.0f}{e['bytes_per_person']:>10,.0f}"
        )
    print("B/person: (peak RSS - RSS after imports and warm-up) / people")
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
        print(
            f"first vector run, empty numba cache: {cold:.1f} s wall, {c['first_run_cpu_s']:.1f} s CPU"
            f" (warm cache: {warm:.1f} s)"
        )
    head = f"{'figure':<22}{'raw (wall)':>14}  {'unit':<18}{'clock':>6}{'reference':>10}{'ref rate':>10}"
    print(f"\n{head}{'normalised':>13}")
    for fname, f in r["figures"].items():
        print(
            f"{fname:<22}{f['raw']:>14,.0f}  {f['unit']:<18}{f['clock']:>6}{f['reference']:>10}"
            f"{f['reference_rate']:>10.3g}{f['normalised']:>13.4g}"
        )
    print("reference units: triad GB/s, draws M/s, python M iterations/s; normalised on the clock shown")


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def baseline_entry(r: dict[str, Any]) -> dict[str, Any]:
    """What ``--update-baseline`` stores for a plan: normalised figures with their provenance."""
    return {
        **history.summary(r),
        "units": {k: gate.normalised_unit(f["unit"], f["reference"]) for k, f in r["figures"].items()},
        "compile": r["compile"],
    }


def check(r: dict[str, Any], baseline: dict[str, Any], margin: float) -> bool:
    """Print the gate's table for this run against ``baseline`` (one plan's entry); True if it passes."""
    now = {k: f["normalised"] for k, f in r["figures"].items()}
    rows = gate.compare(baseline["normalised"], now, margin)
    print(f"\nregression check against benchmarks/baseline.json ({r['plan']}: commit {baseline['commit'][:10]},")
    print(f"{baseline['date']}, {baseline['machine']['cpu']}); fails when now / baseline < {1 - margin:.2f}")
    print(gate.format_table(rows, baseline.get("units")))
    base_c, now_c = baseline.get("compile"), r.get("compile")
    if base_c and now_c:
        print(
            f"first-run compile (reported, not gated): {now_c['first_run_empty_cache_s']:.1f} s now "
            f"({now_c['first_run_cpu_s']:.1f} s CPU), {base_c['first_run_empty_cache_s']:.1f} s in the baseline "
            f"({base_c['first_run_cpu_s']:.1f} s CPU); CPU time now / baseline "
            f"{now_c['first_run_cpu_s'] / base_c['first_run_cpu_s']:.2f}"
        )
    return not gate.failed(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes for CI")
    ap.add_argument("--huge", action="store_true", help="also run a 10,000,000-person market (minutes, ~2 GB)")
    ap.add_argument("--name", help="results file name (default: quick or full)")
    ap.add_argument("--repeats", type=int, default=3, help="timings per figure; the best counts (default 3)")
    ap.add_argument("--check", action="store_true", help="fail if a normalised figure regressed against the baseline")
    ap.add_argument(
        "--margin", type=float, default=gate.DEFAULT_MARGIN, help="allowed loss of normalised throughput (default 0.30)"
    )
    ap.add_argument("--update-baseline", action="store_true", help="write this run's figures as the new baseline")
    ap.add_argument("--no-compile", action="store_true", help="skip the empty-cache compile probe")
    ap.add_argument("--no-history", action="store_true", help=f"do not append to {HISTORY.relative_to(HERE.parent)}")
    ap.add_argument("--plot", nargs="?", const=str(HERE / "results" / "history.png"), help="draw the history and exit")
    args = ap.parse_args(argv)
    if args.plot:
        history.plot(history.load(HISTORY), Path(args.plot), _read_json(BASELINE))
        print(f"history plot: {args.plot}")
        return 0
    if args.repeats < 1:
        ap.error(f"--repeats must be at least 1, got {args.repeats}")
    if not 0.0 < args.margin < 1.0:
        ap.error(f"--margin must lie strictly between 0 and 1 (a fraction of throughput), got {args.margin}")
    plan = QUICK if args.quick else FULL
    baselines = _read_json(BASELINE)
    if args.check and plan.name not in baselines:
        ap.error(f"--check: {BASELINE.name} has no baseline for the {plan.name} plan; write one with --update-baseline")
    name = args.name or plan.name
    result = run(plan, name, args.huge, args.repeats, not args.no_compile)
    print_table(result)
    out = HERE / "results" / f"{name}.json"
    _write_json(out, result)
    print(f"results: {out}")
    ok = result["vector_over_agent"] > 1.0 and result["queue"]["identical"]
    if not ok:
        print("FAIL: the vector engine is not faster than the agent engine, or fifo_waits disagrees with SimPy")
    passed = None
    if args.check:
        passed = check(result, baselines[plan.name], args.margin)
        print(
            "check: PASS" if passed else f"FAIL: a normalised figure lost more than {args.margin:.0%} of its baseline"
        )
    if not args.no_history:
        history.append(HISTORY, history.record(result, passed))
        print(f"history: {HISTORY}")
    if args.update_baseline:
        baselines[plan.name] = baseline_entry(result)
        _write_json(BASELINE, baselines)
        print(f"baseline for {plan.name} written: {BASELINE}")
    return 0 if ok and passed is not False else 1


if __name__ == "__main__":
    sys.exit(main())
