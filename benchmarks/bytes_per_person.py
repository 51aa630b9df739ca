"""Memory of the vector engine, field by field: what docs/performance.md's "Memory" table shows.

    python benchmarks/bytes_per_person.py                      # the table and peak RSS at 1,000,000 x 30 days
    python benchmarks/bytes_per_person.py --sizes 10000000 --days 30

For each size a child process (so its peak is its own) imports cxsim, runs a 500-person warm-up
(the kernels come from the numba cache), builds the default market and runs ``--days`` days. It
reports the arrays of :class:`~cxsim.engines.vector.People` (dtype, bytes per person), the
network's CSR arrays and the per-day word-of-mouth counts, and the peak resident memory
(``ru_maxrss``) after the warm-up, after building the market (the network's construction is in
it) and at the end. Bytes per person = (peak at the end − peak after the warm-up) / people: the
interpreter, libraries and compiled kernels are what a tiny run also has. Not a test (minutes,
GBs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_CHILD = r"""
import json, resource, sys, time
import numpy as np
import cxsim
from cxsim.spec import compile_spec
from cxsim.engines.vector import VectorModel
size, days = int(sys.argv[1]), int(sys.argv[2])
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
warm = VectorModel(spec=compile_spec(cxsim.load_config(["population.size=500", "simulation.days=2"])))
warm.step(); warm.step()
del warm
base = peak()
spec = compile_spec(cxsim.load_config([f"population.size={size}", f"simulation.days={days}"]))
t0 = time.perf_counter()
m = VectorModel(spec=spec)
init_s = time.perf_counter() - t0
after_init = peak()
fields = [(name, str(a.dtype), a.nbytes / size) for name, a in zip(m.people._fields, m.people)]
net = m.network
fields += [("network.indptr", str(net.indptr.dtype), net.indptr.nbytes / size),
           ("network.indices", str(net.indices.dtype), net.indices.nbytes / size),
           ("WOM counts pos + neg", str(m._pos.dtype), (m._pos.nbytes + m._neg.nbytes) / size)]
t0 = time.perf_counter()
for _ in range(days):
    m.step()
run_s = time.perf_counter() - t0
print(json.dumps({"size": size, "days": days, "fields": fields, "base": base, "after_init": after_init,
                  "end": peak(), "init_s": init_s, "run_s": run_s, "mean_degree": net.mean_degree}))
"""


def measure(size: int, days: int) -> dict:
    """One child process's figures for ``size`` people and ``days`` days."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(size), str(days)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"child failed for {size:,} people:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--days", type=int, default=30)
    args = ap.parse_args(argv)
    mb = 2**20
    for i, size in enumerate(args.sizes):
        r = measure(size, args.days)
        if i == 0:
            print(f"{'array':<24}{'dtype':>9}{'B/person':>10}")
            for name, dtype, b in r["fields"]:
                print(f"{name:<24}{dtype:>9}{b:>10.1f}")
            print(f"{'sum':<24}{'':>9}{sum(f[2] for f in r['fields']):>10.1f}  (mean degree {r['mean_degree']:.2f})")
        per = (r["end"] - r["base"]) / size
        init = (r["after_init"] - r["base"]) / size
        print(
            f"{size:,} people x {r['days']} days: peak RSS {r['end'] / mb:,.0f} MiB (after warm-up "
            f"{r['base'] / mb:,.0f} MiB, after init {r['after_init'] / mb:,.0f} MiB); {per:.0f} B/person "
            f"({init:.0f} at init); init {r['init_s']:.2f} s, run {r['run_s']:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
