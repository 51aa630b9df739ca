"""How much does the normalisation help? The quick benchmark, repeated quiet and under deliberate load.

    python benchmarks/noise.py --runs 4 --load none cpu mem     # 25-35 min on a loaded machine

For each load condition the quick benchmark (``run.py --quick --no-compile --no-history``) runs
``--runs`` times while ``--workers`` extra processes keep the machine busy:

* ``none``: nothing added (whatever else the machine is doing);
* ``cpu``: busy Python loops (compute: steals CPU time, not memory bandwidth);
* ``mem``: numpy copies of 64 MiB arrays (memory bandwidth and the last-level cache).

Then every figure is expressed raw and normalised by each reference kernel, relative to its
median over the ``none`` runs: the spread of those ratios over all runs is the noise the gate
must tolerate (a false alarm is a ratio below ``1 - margin``). Prints a table and writes
``benchmarks/results/noise.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gate  # noqa: E402
from reference import REFERENCES  # noqa: E402

_LOADERS = {
    "cpu": "x = 0\nwhile True:\n    x = (x * 31 + 7) & 0xFFFF",
    "mem": "import numpy as np\na = np.ones(1 << 23); b = np.empty_like(a)\nwhile True:\n    np.copyto(b, a)",
}


def _start_load(kind: str, workers: int) -> list[subprocess.Popen[bytes]]:
    if kind == "none":
        return []
    return [subprocess.Popen([sys.executable, "-c", _LOADERS[kind]]) for _ in range(workers)]


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.kill()
        p.wait()


def _one_run(tag: str) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "run.py"), "--quick", "--no-compile", "--no-history", "--name", tag]
    subprocess.run(cmd, check=True, capture_output=True)
    path = HERE / "results" / f"{tag}.json"
    result: dict[str, Any] = json.loads(path.read_text())
    path.unlink()
    return result


def _measurements(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {e["name"]: e for e in r["engines"]}
    out["fifo_waits"] = r["queue"]
    out["wom_delivery"] = r["wom"]
    return out


def variants(r: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per figure: raw best throughput and the figure normalised by each reference, on both clocks.

    Keys: ``raw`` (wall), ``raw_cpu``, ``<reference>`` (wall over wall), ``<reference>_cpu``.
    """
    out: dict[str, dict[str, float]] = {}
    for name, m in _measurements(r).items():
        v = {"raw": max(m["throughputs"]), "raw_cpu": max(m["cpu_throughputs"])}
        for ref in REFERENCES:
            v[ref] = gate.normalise(m["throughputs"], [x[ref] for x in m["references"]])
            v[f"{ref}_cpu"] = gate.normalise(m["cpu_throughputs"], [x[f"{ref}_cpu"] for x in m["references"]])
        out[name] = v
    return out


def spread(ratios: list[float], margin: float) -> dict[str, float]:
    """Spread of one figure's ratios, and every ordered pair of runs taken as (baseline, now).

    ``pairs_below`` counts the pairs whose now / baseline falls below ``1 - margin``: each one
    is a false alarm the gate would have raised had that run been the baseline.
    """
    pairs = [b / a for i, a in enumerate(ratios) for j, b in enumerate(ratios) if i != j]
    return {
        "min": min(ratios),
        "max": max(ratios),
        "cv": statistics.pstdev(ratios) / statistics.fmean(ratios),
        "below_margin": sum(x < 1.0 - margin for x in ratios),
        "worst_pair": min(pairs, default=1.0),
        "pairs": len(pairs),
        "pairs_below": sum(x < 1.0 - margin for x in pairs),
    }


def summarise(runs: list[tuple[str, dict[str, dict[str, float]]]], margin: float) -> dict[str, Any]:
    """Ratios to the quiet median, per figure and variant: min, max, coefficient of variation, false alarms."""
    quiet = [v for cond, v in runs if cond == "none"] or [v for _, v in runs]
    summary: dict[str, Any] = {}
    for fig in runs[0][1]:
        summary[fig] = {}
        for var in runs[0][1][fig]:
            centre = statistics.median(v[fig][var] for v in quiet)
            ratios = [v[fig][var] / centre for _, v in runs]
            summary[fig][var] = {"ratios": ratios, **spread(ratios, margin)}
    return summary


def print_summary(summary: dict[str, Any], margin: float) -> None:
    """One line per figure and variant (raw, or normalised by each reference)."""
    cut = format(1 - margin, ".2f")
    print(f"{'figure':<18}{'variant':<11}{'min':>7}{'max':>7}{'cv %':>7}{'worst pair':>12}{'pairs < ' + cut:>13}")
    for fig, by_var in summary.items():
        for var, s in by_var.items():
            gated = gate.reference_for(fig) + ("_cpu" if gate.clock_for(1) == "cpu" else "")
            mark = "  <- gated" if var == gated else ""
            print(
                f"{fig:<18}{var:<11}{s['min']:>7.2f}{s['max']:>7.2f}{100 * s['cv']:>7.1f}{s['worst_pair']:>12.2f}"
                f"{s['pairs_below']:>6}/{s['pairs']:<6}{mark}"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=4, help="quick benchmarks per load condition")
    ap.add_argument("--workers", type=int, default=2, help="load processes (2 = one per core here)")
    ap.add_argument("--load", nargs="+", default=["none", "cpu", "mem"], choices=["none", *_LOADERS])
    ap.add_argument("--margin", type=float, default=gate.DEFAULT_MARGIN)
    ap.add_argument("--summarise", metavar="NOISE_JSON", help="re-summarise a saved noise.json (runs nothing)")
    args = ap.parse_args(argv)
    if args.summarise:
        saved = json.loads(Path(args.summarise).read_text())
        print_summary(
            {f: {v: spread(s["ratios"], args.margin) for v, s in by.items()} for f, by in saved["summary"].items()},
            args.margin,
        )
        return 0
    runs: list[tuple[str, dict[str, dict[str, float]]]] = []
    loads: list[dict[str, Any]] = []
    for cond in args.load:
        for i in range(args.runs):
            procs = _start_load(cond, args.workers)
            try:
                r = _one_run(f"noise-{cond}-{i}-{os.getpid()}")
            finally:
                _stop(procs)
            runs.append((cond, variants(r)))
            loads.append({"condition": cond, "load_average_1min": r["load_average"]["start"][0]})
            _save(args, loads, summarise(runs, args.margin))
            print(f"{cond} run {i + 1}/{args.runs}: load {r['load_average']['start'][0]:.2f}", flush=True)
    summary = summarise(runs, args.margin)
    print(f"\nratio to the median of the quiet runs, over {len(runs)} runs ({', '.join(args.load)})")
    print_summary(summary, args.margin)
    print(f"results: {_save(args, loads, summary)}")
    return 0


def _save(args: argparse.Namespace, loads: list[dict[str, Any]], summary: dict[str, Any]) -> Path:
    out = HERE / "results" / "noise.json"
    out.write_text(json.dumps({"args": vars(args), "runs": loads, "summary": summary}, indent=2) + "\n")
    return out


if __name__ == "__main__":
    sys.exit(main())
