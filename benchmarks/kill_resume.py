"""Kill a comparison at random moments, run it again, and check it ends bit-identical.

    python benchmarks/kill_resume.py             # 6 kills (SIGINT, SIGTERM, SIGKILL at random times)
    python benchmarks/kill_resume.py --kills 12 --seed 3

A reference comparison runs uninterrupted. Then the same command (its own resume folder) is
started and stopped again and again, each time after a random delay with a random signal, until
it finishes on its own; a SIGKILL gives no chance to clean up, the others must exit with 130 or
143. Finally the outputs are compared byte for byte with the reference (``summary.json`` without
its wall time). Writes ``benchmarks/results/kill_resume.json``; exits 1 on any difference or an
unexpected exit code. Not a test: it takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPARE = [
    "compare",
    "population.size=5000",
    "compare.horizon_days=365",
    "compare.robustness_horizons_days=[]",
    "compare.replications=16",
    "compare.candidates=[better_app,shared_context]",
    "compare.n_jobs=2",
    "simulation.progress=false",
]
SIGNALS = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143), "SIGKILL": (signal.SIGKILL, -9)}
FILES = ("comparison.parquet", "comparison.csv", "trajectories.parquet", "touchpoint_deltas.csv")


def _cxsim(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cxsim.cli", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=6, help="interruptions before the run may finish (default 6)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random delays and signals")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="cxsim-kill-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        ref = _cxsim([*COMPARE, f"compare.resume_dir={work / 'ref-store'}", "hydra.run.dir=reference"], work)
        _, err = ref.communicate()
        if ref.returncode != 0:
            print(err, file=sys.stderr)
            return 1
        full = time.perf_counter() - t0
        print(f"reference: {full:.0f} s")
        store = work / "store"
        command = [*COMPARE, f"compare.resume_dir={store}", "hydra.run.dir=resumed"]
        events = []
        bad = []
        for k in range(args.kills + 1):
            proc = _cxsim(command, work)
            if k < args.kills:
                name = rng.choice(list(SIGNALS))
                delay = rng.uniform(3.0, max(4.0, 0.6 * full))  # after the imports (Python's own Ctrl-C there)
                time.sleep(delay)
                if proc.poll() is None:
                    proc.send_signal(SIGNALS[name][0])
                _, err = proc.communicate()
                kept = len(list(store.glob("*/seed-*")))
                expected = SIGNALS[name][1]
                ok = proc.returncode in (expected, 0)
                events.append({"signal": name, "after_s": round(delay, 2), "exit": proc.returncode, "kept": kept})
                print(f"kill {k + 1}: {name} after {delay:.1f} s -> exit {proc.returncode}, {kept} replications kept")
                if not ok:
                    bad.append(f"kill {k + 1}: exit {proc.returncode}, expected {expected}: {err.strip()[-300:]}")
                if proc.returncode == 0:
                    break
            else:
                _, err = proc.communicate()
                events.append({"signal": None, "exit": proc.returncode})
                print(f"final run: exit {proc.returncode}")
                if proc.returncode != 0:
                    bad.append(f"final run: exit {proc.returncode}: {err.strip()[-300:]}")
        a, b = work / "reference", work / "resumed"
        same = {name: (a / name).read_bytes() == (b / name).read_bytes() for name in FILES if (b / name).exists()}
        if len(same) < len(FILES):
            bad.append("the resumed comparison did not write all its outputs")
        sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
        sa.pop("wall_seconds"), sb.pop("wall_seconds")
        same["summary.json (without wall_seconds)"] = sa == sb
        bad += [f"{name} differs" for name, ok in same.items() if not ok]
    result = {"seed": args.seed, "kills": events, "identical": same, "problems": bad}
    out = HERE / "results" / "kill_resume.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"identical to the uninterrupted run: {all(same.values())} ({', '.join(same)}); results in {out}")
    for p in bad:
        print(f"kill_resume: {p}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
