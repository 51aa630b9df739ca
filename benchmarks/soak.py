"""Soak: big runs through the real command line, peak memory against the gate's estimate.

    python benchmarks/soak.py                 # a 200,000-person comparison and a 10,000,000-person run
    python benchmarks/soak.py --quick         # 50,000 and 1,000,000 (a smoke test of the script)

Each case runs ``cxsim`` as a child process, exactly as a user would (the gate, the staged run
folder, the worker processes of a comparison). A sampler reads the resident memory of the whole
process tree (the command and its workers) from ``/proc`` every 0.1 s; the peak of that sum is
compared with :func:`cxsim.memory.estimate_bytes` (a run) or
:func:`cxsim.memory.estimate_compare_bytes` (a comparison). Writes
``benchmarks/results/soak[-quick].json`` and prints a table. Exits non-zero if a case fails or
its peak is more than 20 % away from the estimate. Linux only (reads ``/proc``). Not a test:
it takes minutes and several GB of memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TOLERANCE = 0.20
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(root: int) -> list[int]:
    """``root`` and every descendant (by parent pid, from /proc)."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    out, frontier = [root], [root]
    while frontier:
        frontier = [p for p, pp in parent.items() if pp in frontier]
        out += frontier
    return out


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


class PeakSampler:
    """Peak of the summed resident memory of a process tree, sampled every ``every`` seconds."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every, self.peak, self.peak_processes = pid, every, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = _tree(self.pid)
            total = sum(_rss(p) for p in pids)
            if total > self.peak:
                self.peak, self.peak_processes = total, len(pids)
            time.sleep(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _case(name: str, args: list[str], estimate: int, workdir: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "cxsim.cli", *args]
    print(f"== {name}: cxsim {' '.join(args)}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PeakSampler(proc.pid)
    _, err = proc.communicate()
    peak = sampler.stop()
    wall = time.perf_counter() - t0
    ok = proc.returncode == 0
    ratio = peak / estimate if estimate else float("nan")
    row = {
        "case": name,
        "args": args,
        "returncode": proc.returncode,
        "wall_s": round(wall, 1),
        "peak_rss_bytes": peak,
        "peak_processes": sampler.peak_processes,
        "estimate_bytes": estimate,
        "peak_over_estimate": round(ratio, 3),
        "within_tolerance": ok and abs(ratio - 1) <= TOLERANCE,
    }
    if not ok:
        row["stderr_tail"] = err.strip().splitlines()[-5:]
    print(
        f"   exit {proc.returncode}, {wall:.0f} s, peak {peak / 2**30:.2f} GB over {sampler.peak_processes} "
        f"process(es), estimate {estimate / 2**30:.2f} GB, peak/estimate {ratio:.2f}",
        flush=True,
    )
    if not ok:
        print("\n".join(row["stderr_tail"]), file=sys.stderr)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test of the script)")
    ap.add_argument("--name", default=None, help="results file name (default soak or soak-quick)")
    args = ap.parse_args()
    if not Path("/proc/self/statm").exists():
        print("soak: needs Linux /proc", file=sys.stderr)
        return 2

    import cxsim
    from cxsim.compare import CompareSettings
    from cxsim.memory import available_bytes, estimate_bytes, estimate_compare_bytes

    compare_people, run_people = (50_000, 1_000_000) if args.quick else (200_000, 10_000_000)
    compare_args = [
        "compare",
        f"population.size={compare_people}",
        "compare.replications=2",
        "compare.horizon_days=365",
        "compare.robustness_horizons_days=[]",
        "compare.candidates=[better_app]",
        "compare.n_jobs=2",
        "simulation.progress=false",
    ]
    run_args = ["run", f"population.size={run_people}", "simulation.days=30", "simulation.progress=false"]

    base = cxsim.load_config(compare_args[1:])
    s = CompareSettings.from_config(base)
    workers = min(s.n_jobs, s.replications)
    compare_estimate = estimate_compare_bytes(base, 2, workers, s.replications, s.simulated_days)
    run_estimate = estimate_bytes(cxsim.load_config(run_args[1:]))

    rows = []
    with tempfile.TemporaryDirectory(prefix="cxsim-soak-") as tmp:
        work = Path(tmp)
        cache = work / "resume"
        rows.append(
            _case(
                f"compare {compare_people:,} people, 2 designs x 2 replications, 2 workers",
                [*compare_args, f"compare.resume_dir={cache}", f"hydra.run.dir={work / 'compare'}"],
                compare_estimate,
                work,
            )
        )
        rows.append(
            _case(
                f"run {run_people:,} people x 30 days (+ warm-up)",
                [*run_args, f"hydra.run.dir={work / 'run'}"],
                run_estimate,
                work,
            )
        )
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "available_bytes": available_bytes()},
        "tolerance": TOLERANCE,
        "cases": rows,
    }
    out = HERE / "results" / f"{args.name or ('soak-quick' if args.quick else 'soak')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"soak: results in {out}")
    failed = [r["case"] for r in rows if r["returncode"] != 0 or not r["within_tolerance"]]
    if failed:
        print(f"soak: {len(failed)} case(s) failed or missed the estimate by more than 20 %: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
