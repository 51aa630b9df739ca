"""``cxsim sensitivity`` and ``cxsim optimise``: argument parsing, the gate, outputs, the terminal table.

Everything is checked before anything is written: the model config and its designs (the same
gate as ``cxsim compare``), the study file, every parameter's range applied to the model, the
output folder. A folder that already holds a study is resumed when it is the same study (same
file, same overrides) and refused (exit 2) when it is another one.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from hydra.errors import HydraException

from cxsim.config.validation import ConfigError
from cxsim.output import _parquet_bytes, atomic_write_bytes, atomic_write_text, output_dir_problem
from cxsim.study.spec import SensitivitySpec, load_spec_file
from cxsim.sweeps.marker import config_hash

__all__ = ["optimise_main", "sensitivity_main"]

EXIT_CONFIG = 2
LAUNCHER_EPILOG = (
    "Launchers: cxsim {command} --spec bank --launcher ray_local ... runs the points as Ray tasks on this "
    "machine; --launcher slurm hydra.launcher.partition=cpu --out /shared/studies/s1 ... as a SLURM job array "
    "(hydra.launcher.* overrides set the launcher's keys, as for a sweep; configs/hydra/launcher/). With "
    "slurm or ray_cluster, --out must be on a file system every node shares. Results are the same as with "
    "local workers, and a re-run resumes whichever way the finished points ran."
)
T = TypeVar("T")
STUDY_FILE = "study.json"


def _parser(command: str) -> argparse.ArgumentParser:
    if command == "sensitivity":
        p = argparse.ArgumentParser(
            prog="cxsim sensitivity",
            description="Global sensitivity of run KPIs, or of designs' NPV/ROI/ΔNPS against the AS-IS (paired "
            "replications, common random numbers), to the parameters of a sensitivity config "
            "(configs/sensitivity/*.yaml): Morris screening or Sobol indices through SALib, with bootstrap "
            "intervals. Writes indices.parquet, samples.parquet, robustness.parquet (a comparison: the share "
            "of the sample in which each design wins), sensitivity.png and report.html. Re-running the same "
            "command resumes an interrupted study.",
            epilog="example: cxsim sensitivity --spec bank population.size=5000 compare.horizon_days=365 "
            "compare.replications=2 compare.candidates=[better_app]. " + LAUNCHER_EPILOG.format(command="sensitivity"),
        )
        p.add_argument("--spec", default="bank", help="a configs/sensitivity/ name or a YAML file (default: bank)")
        p.add_argument("--method", choices=["morris", "sobol"], help="override the spec's method")
        p.add_argument("--samples", type=int, help="override the spec's samples (Morris trajectories, Sobol N)")
    else:
        p = argparse.ArgumentParser(
            prog="cxsim optimise",
            description="Search the design levers of an optimise config (configs/optimise/*.yaml) with Optuna for "
            "the highest NPV against the AS-IS over a fixed set of paired replications, subject to a budget "
            "(discounted investment) and optionally a ΔNPS floor; objective [npv, dnps] gives the Pareto "
            "front. The study lives in OUT/study.db (SQLite): re-running the same command continues it. "
            "Writes trials.parquet, optimise.png, report.html and the best design as "
            "OUT/scenario/<name>.yaml, which `cxsim compare --config-dir OUT compare.candidates=[<name>]` runs.",
            epilog="example: cxsim optimise --spec bank population.size=5000 compare.horizon_days=365 "
            "compare.replications=2. "
            + LAUNCHER_EPILOG.format(command="optimise --batch 4")
            + " --batch N asks Optuna for N trials at a time and evaluates them together (in parallel); the "
            "trials then differ from --batch 1's, so the batch size is part of the study's identity.",
        )
        p.add_argument("--spec", default="bank", help="a configs/optimise/ name or a YAML file (default: bank)")
        p.add_argument("--trials", type=int, help="override the spec's number of trials")
        p.add_argument("--budget", type=float, help="override the spec's budget (currency)")
        p.add_argument(
            "--batch",
            type=int,
            default=1,
            help="trials asked and evaluated together, in parallel (default 1: one after another); "
            "part of the study's identity",
        )
    p.add_argument("--out", type=Path, help=f"output folder (default: outputs/{command}_<spec name>)")
    p.add_argument("--workers", type=int, default=0, help="worker processes (0: one per CPU); results do not change")
    p.add_argument(
        "--launcher",
        metavar="NAME",
        help="run the points as jobs of a Hydra launcher (basic, joblib, ray_local, ray_cluster, submitit_local, "
        "slurm) instead of local workers; results do not change",
    )
    p.add_argument(
        "overrides",
        nargs="*",
        help="model config overrides, e.g. population.size=5000; with --launcher, hydra.launcher.* overrides too",
    )
    return p


def _parse(command: str, argv: list[str]) -> argparse.Namespace | int:
    try:
        ns = _parser(command).parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else EXIT_CONFIG
    module = "SALib" if command == "sensitivity" else "optuna"
    if importlib.util.find_spec(module) is None:
        print(f"cxsim: {command} needs {module}: pip install 'cxsim[study]'", file=sys.stderr)
        return EXIT_CONFIG
    if ns.workers < 0:
        print(f"cxsim: --workers must be >= 0, got {ns.workers}", file=sys.stderr)
        return EXIT_CONFIG
    if getattr(ns, "batch", 1) < 1:
        print(f"cxsim: --batch must be >= 1, got {ns.batch}", file=sys.stderr)
        return EXIT_CONFIG
    ns.workers = ns.workers or os.cpu_count() or 1
    return ns


def study_folder(ns: argparse.Namespace, command: str, name: str, fields: dict[str, Any]) -> tuple[Path, str]:
    """The output folder (``--out`` or ``outputs/<command>_<name>``) and the study's fingerprint.

    The fingerprint covers ``fields`` (the study file as used) and the overrides; a folder
    holding another study is refused.
    """
    out = ns.out or Path("outputs") / f"{command}_{name}"
    fingerprint = config_hash({"command": command, "spec": fields, "overrides": ns.overrides})
    _check_folder(out, fingerprint, "study")
    return out, fingerprint


def _check_folder(out: Path, fingerprint: str, what: str) -> None:
    problem = output_dir_problem(out)
    if problem:
        raise ConfigError([("--out", f"cannot write the outputs in {out}: {problem}")])
    f = out / STUDY_FILE
    if f.is_file():
        try:
            old = json.loads(f.read_text(encoding="utf-8")).get("fingerprint")
        except ValueError:
            old = None
        if old != fingerprint:
            raise ConfigError(
                [("--out", f"{out} holds another {what} (other study file or overrides); use a new --out or delete it")]
            )


def _start(out: Path, fingerprint: str, data: dict[str, Any], overrides: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    record = {"fingerprint": fingerprint, "spec": data, "overrides": overrides}
    atomic_write_text(out / STUDY_FILE, json.dumps(record, indent=2, default=str) + "\n")


def _quiet() -> None:
    for name in ("MESA", "matplotlib", "optuna"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _fmt(x: Any, spec: str = ".3g") -> str:
    """``x`` to ``spec``; three significant digits are written out with thousands separators
    (an NPV effect of 197,000, not 1.97e+05)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if spec == ".3g" and abs(float(x)) >= 1000:
        return f"{float(format(float(x), '.3g')):,.0f}"
    return format(x, spec)


def _print_table(cols: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)] if rows else [len(c) for c in cols]
    print("  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for r in rows:
        print(
            "  "
            + "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True)))
        )


def gated(setup: Callable[[argparse.Namespace], T], ns: argparse.Namespace) -> T | int:
    """What ``setup`` returns (every check passed), or exit code 2 with its one message.

    ``ns.launch`` becomes the :class:`~cxsim.study.launch.Launcher` asked for (or None) and
    ``ns.overrides`` the model overrides without the ``hydra.launcher.*`` ones.
    """
    from cxsim.study.launch import launcher_of

    try:
        ns.launch, ns.overrides = launcher_of(ns.launcher, ns.overrides)
        got = setup(ns)
    except (ConfigError, HydraException) as exc:
        return _fail(exc)
    _quiet()
    return got


def _fail(exc: BaseException) -> int:
    if isinstance(exc, HydraException):
        print(f"cxsim: invalid override: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
    else:
        print(f"cxsim: {exc}", file=sys.stderr)
    return EXIT_CONFIG


# --------------------------------------------------------------------------------------- sensitivity


def _sensitivity_setup(
    ns: argparse.Namespace,
) -> tuple[Any, SensitivitySpec, dict[str, Any], Path, str, np.ndarray, list[dict[str, Any]]]:
    from cxsim.study.points import RUN_KPIS, apply_values, market
    from cxsim.study.sensitivity import design_matrix, points_of

    data, _path = load_spec_file("sensitivity", ns.spec, ns.overrides)
    if ns.method:
        data["method"] = ns.method
    if ns.samples is not None:
        data["samples"] = ns.samples
    outputs = data.get("outputs")
    compared = any("." in str(o) for o in (outputs if isinstance(outputs, list) else [outputs]))
    m = market(ns.overrides, compared=compared)
    spec = SensitivitySpec.from_dict(data, m.baseline, m.candidates, RUN_KPIS)
    x = design_matrix(spec)
    points = points_of(spec, x)
    for p in spec.parameters:  # the ends of every prior and of the sample must be valid configs
        sampled = [pt[p.path] for pt in points]
        ends = [p.value(u) for u in (0.0, 1.0) if math.isfinite(float(p.values([u])[0]))]
        for v in sorted({*ends, min(sampled), max(sampled)}):
            try:
                for cfg, patched in zip(m.designs, m.patched, strict=True):
                    apply_values(cfg, {p.path: v}, patched)
            except ConfigError as exc:
                raise ConfigError([(f"parameters.{p.path}", f"{v:g} is not valid for the model: {exc}")]) from None
    out, fingerprint = study_folder(ns, "sensitivity", spec.name, data)
    return m, spec, data, out, fingerprint, x, points


def run_sensitivity(ns: argparse.Namespace) -> int:
    """``cxsim sensitivity`` after argument parsing (see the module docstring)."""
    from cxsim.study.figures import sensitivity_figure
    from cxsim.study.launch import ray_session
    from cxsim.study.points import evaluate_points
    from cxsim.study.sensitivity import indices, robustness

    got = gated(_sensitivity_setup, ns)
    if isinstance(got, int):
        return got
    m, spec, data, out, fingerprint, x, points = got
    t0 = time.perf_counter()
    per_point = m.replications * len(m.designs)
    print(
        f"cxsim sensitivity: {spec.method}, {len(spec.parameters)} parameters, {len(points)} points x "
        f"{m.replications} replications x {len(m.designs)} design(s) = {len(points) * per_point} simulations "
        f"({m.baseline.population.size:,} people) "
        + (
            f"as jobs of the {ns.launch.name} launcher" if ns.launch else f"on {min(ns.workers, len(points))} worker(s)"
        ),
        flush=True,
    )
    _start(out, fingerprint, data, ns.overrides)
    step = max(1, len(points) // 10)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            print(f"cxsim sensitivity: {done}/{total} points ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

    try:
        with ray_session():
            ys = evaluate_points(m, points, out / "points", workers=ns.workers, on_done=progress, launcher=ns.launch)
    except ConfigError as exc:  # a combination of values the model refuses (finished points are kept)
        return _fail(exc)
    except RuntimeError as exc:  # a launcher's job failed (finished points are kept)
        print(f"cxsim: {exc}; run the same command again to retry the missing points", file=sys.stderr)
        return 1
    y = pd.DataFrame(ys)
    samples = pd.concat(
        [pd.DataFrame({"point": np.arange(len(points))}), pd.DataFrame(points), y.add_prefix("out:")], axis=1
    )
    table, notes = indices(spec, x, y)
    for n in notes:
        print(f"cxsim: note: {n}", file=sys.stderr)
    atomic_write_bytes(out / "samples.parquet", _parquet_bytes(samples))
    atomic_write_bytes(out / "indices.parquet", _parquet_bytes(table))
    fig = sensitivity_figure(table, spec.method, out / "sensitivity.png") if not table.empty else None
    robust = None
    if m.compared:
        robust = robustness(y, str(m.baseline.scenario.name), m.candidates)
        atomic_write_bytes(out / "robustness.parquet", _parquet_bytes(robust))
    wall = time.perf_counter() - t0
    key = "mu_star" if spec.method == "morris" else "ST"
    level = round(100 * spec.conf_level)
    for o in spec.outputs:
        t = table[(table["output"] == o) & (table["index"] == key)].sort_values("rank")
        if t.empty:
            continue
        print(f"\n  {o}: parameters ranked by {key} ({level}% bootstrap interval)")
        rows = []
        for r in t.itertuples():
            extra = table[(table["output"] == o) & (table["parameter"] == r.parameter)]
            other = extra[extra["index"] == ("sigma" if spec.method == "morris" else "S1")].iloc[0]
            rows.append(
                [f"{r.rank}. {r.parameter}", _fmt(r.value), f"[{_fmt(r.low)}, {_fmt(r.high)}]", _fmt(other["value"])]
                + ([f"[{_fmt(other['low'])}, {_fmt(other['high'])}]"] if spec.method == "sobol" else [])
            )
        cols = ["parameter", key, "interval", "sigma" if spec.method == "morris" else "S1"]
        _print_table(cols + (["interval"] if spec.method == "sobol" else []), rows)
    if robust is not None:
        print("\n  decision across the sample (NPV against the AS-IS):")
        _print_table(
            ["design", "wins", "NPV > 0", "NPV 5%..95%"],
            [
                [
                    str(r["design"]),
                    f"{100 * r['share_wins']:.0f}%",
                    _fmt(100 * r["share_npv_positive"], ".0f")
                    + ("%" if math.isfinite(r["share_npv_positive"]) else ""),
                    "n/a" if not math.isfinite(r["npv_p05"]) else f"{r['npv_p05']:,.0f} .. {r['npv_p95']:,.0f}",
                ]
                for r in robust.to_dict("records")
            ],
        )
    _sensitivity_report(out, spec, m, table, robust, fig, wall, len(points))
    record = json.loads((out / STUDY_FILE).read_text(encoding="utf-8"))
    record.update(wall_seconds=round(wall, 1), points=len(points), complete=True)
    atomic_write_text(out / STUDY_FILE, json.dumps(record, indent=2, default=str) + "\n")
    print(f"\n  {len(points)} points in {wall:.0f} s; outputs: {out} (report.html)")
    return 0


def _sensitivity_report(
    out: Path,
    spec: SensitivitySpec,
    m: Any,
    table: pd.DataFrame,
    robust: pd.DataFrame | None,
    fig: Path | None,
    wall: float,
    n_points: int,
) -> None:
    from cxsim.study.report import Section, Table, write_report

    key = "mu_star" if spec.method == "morris" else "ST"
    sections = []
    for o in spec.outputs:
        t = table[(table["output"] == o)]
        rows = []
        for p in t[t["index"] == key].sort_values("rank")["parameter"]:
            cells = [str(p)]
            for idx in ("mu_star", "sigma") if spec.method == "morris" else ("S1", "ST"):
                r = t[(t["parameter"] == p) & (t["index"] == idx)].iloc[0]
                cells.append(_fmt(r["value"]))
                if math.isfinite(r["low"]):
                    cells.append(f"[{_fmt(r['low'])}, {_fmt(r['high'])}]")
            rows.append(cells)
        cols = (
            ["parameter", "μ*", "interval", "σ"]
            if spec.method == "morris"
            else ["parameter", "S1", "interval", "ST", "interval"]
        )
        sections.append(Section(f"{o}: which parameters matter", tables=[Table(cols, rows)]))
    if fig is not None:
        sections[-1].figure = fig
    if robust is not None:
        rows = [
            [
                str(r["design"]),
                f"{100 * r['share_wins']:.0f}%",
                "" if not math.isfinite(r["share_npv_positive"]) else f"{100 * r['share_npv_positive']:.0f}%",
                "" if not math.isfinite(r["npv_mean"]) else f"{r['npv_mean']:,.0f}",
                "" if not math.isfinite(r["npv_p05"]) else f"{r['npv_p05']:,.0f} .. {r['npv_p95']:,.0f}",
            ]
            for r in robust.to_dict("records")
        ]
        best = robust.sort_values("share_wins", ascending=False).iloc[0]
        sections.append(
            Section(
                "Robustness of the decision",
                paragraphs=[
                    f"{best['design']} has the highest NPV in {100 * best['share_wins']:.0f}% of the "
                    f"{n_points} plausible worlds of the sample (the AS-IS counts as NPV 0)."
                ],
                tables=[Table(["design", "wins", "NPV > 0", "mean NPV", "NPV 5%..95%"], rows)],
            )
        )
    ranges = "; ".join(f"{p.path} {p.describe()}" for p in spec.parameters)
    method = [
        f"{spec.method.capitalize()} through SALib: {n_points} points, each {m.replications} paired replications "
        f"(seeds {m.seed}..{m.seed + m.replications - 1}, common random numbers), "
        f"{m.baseline.population.size:,} people; "
        f"{round(100 * spec.conf_level)}% intervals from {spec.bootstrap} bootstrap resamples. Priors: {ranges}."
        + (
            " With a non-uniform prior, Morris's μ* is per grid step in probability space (a step of the "
            "parameter's quantile), not of its value."
            if spec.method == "morris" and any(p.dist not in ("uniform", "loguniform") for p in spec.parameters)
            else ""
        ),
        f"Wall time {wall:.0f} s.",
    ]
    write_report(
        out / "report.html", f"Sensitivity study: {spec.name}", f"outputs: {', '.join(spec.outputs)}", sections, method
    )


def sensitivity_main(argv: list[str]) -> int:
    """Entry point of ``cxsim sensitivity``."""
    ns = _parse("sensitivity", argv)
    return ns if isinstance(ns, int) else run_sensitivity(ns)


def optimise_main(argv: list[str]) -> int:
    """Entry point of ``cxsim optimise``."""
    ns = _parse("optimise", argv)
    if isinstance(ns, int):
        return ns
    from cxsim.study.optimise import run_optimise

    return run_optimise(ns)
