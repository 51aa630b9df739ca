"""The report: ``validation.md`` from a Jinja2 template, its tables and figures, and the CLI.

:func:`run_validation` runs every family of checks (:mod:`~cxsim.theory_checks.queueing`,
:mod:`~cxsim.theory_checks.diffusion`, :mod:`~cxsim.theory_checks.memory_nps`,
:mod:`~cxsim.theory_checks.retention`), draws the figures and writes the page; :func:`main` is
``cxsim validate-model``.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from cxsim.output import atomic_write_bytes, atomic_write_text, git_commit
from cxsim.report.figures import png_bytes
from cxsim.theory_checks.checks import EXACT_TOL, FULL, QUICK, Z_TOLERANCE, Check, Settings
from cxsim.theory_checks.diffusion import BASS_PERIODS, BassCurves, diffusion_checks, half_time
from cxsim.theory_checks.figures import bass_figure, erlang_figure
from cxsim.theory_checks.memory_nps import COLD_LONG, memory_checks, nps_checks
from cxsim.theory_checks.queueing import QueueResults, queueing_checks
from cxsim.theory_checks.retention import CLV_DISCOUNT, CLV_PERIOD_DAYS, CLV_PERIODS, CLV_RETENTION, clv_checks
from cxsim.theory_checks.staffing import staffing_checks

__all__ = ["default_out_dir", "main", "markdown", "run_validation"]


def _fmt(x: float, unit: str) -> str:
    if math.isnan(x):
        return "n/a"
    if unit == "pct":
        return f"{100 * x:.2f}%"
    if unit == "s":
        return f"{x:.2f} s"
    if unit == "pts":
        return f"{x:+.2f}"
    if unit == "x":
        return f"{x:.4f}"
    return f"{x:.4g}"


def _fmt_tol(c: Check) -> str:
    if c.informational:
        return "-"
    if c.se == 0 and c.bias == 0:
        return "exact"
    scale = 100.0 if c.unit == "pct" else 1.0
    unit = " pp" if c.unit == "pct" else (" s" if c.unit == "s" else "")
    txt = f"±{scale * (c.tolerance - EXACT_TOL):.3g}{unit}"
    if c.bias > 0:
        txt += f" (bias {scale * c.bias:.2g})"
    return txt


def _sim_cell(c: Check) -> str:
    if c.se == 0 or math.isnan(c.se):
        return _fmt(c.simulated, c.unit)
    lo, hi = c.ci95
    return f"{_fmt(c.simulated, c.unit)} [{_fmt(lo, c.unit)}, {_fmt(hi, c.unit)}]"


def _table(checks: list[Check]) -> str:
    lines = [
        "| # | area | check | reference | published / closed form | simulated [95% CI] | tolerance | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k, c in enumerate(checks, 1):
        verdict = {"pass": "pass", "FAIL": "**FAIL**", "reported": "reported"}[c.verdict]
        lines.append(
            f"| {k} | {c.area} | {c.name} | {c.reference} | {_fmt(c.expected, c.unit)} | {_sim_cell(c)} "
            f"| {_fmt_tol(c)} | {verdict} |"
        )
    return "\n".join(lines)


def _case_table(rows: list[dict[str, float | str]]) -> str:
    lines = [
        "| case | calls / 30 min | AHT | agents | load (Erl) | P(wait) | ASA | SL at target | SL 20 s "
        "| agents for 80/20 | λ simulated (/min) | day-average P(wait) | day-average ASA | calls simulated |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['calls_per_30min']:.0f} | {r['handle_s']:.0f} s | {r['agents']} | {r['load']:.3g} "
            f"| {100 * float(r['p_wait']):.2f}% | {float(r['asa_s']):.2f} s "
            f"| {100 * float(r['sl_target']):.2f}% ({float(r['target_s']):.0f} s) | {100 * float(r['sl_20s']):.2f}% "
            f"| {r['agents_80_20']} | {float(r['lam_sim']):.4f} | {100 * float(r['day_p_wait']):.2f}% "
            f"| {float(r['day_asa_s']):.2f} s "
            f"| {float(r['sim_calls']):,.0f} ({float(r['sim_abandoned']):.0f} hung up) |"
        )
    return "\n".join(lines)


def _bass_table(curves: list[BassCurves]) -> str:
    head = "| t | " + " | ".join(
        f"{c.label}: Bass | {c.label}: daily recursion | {c.label}: simulated ± SE" for c in curves
    )
    sparse_kinds = [k for c in curves for k in c.sparse]
    head += "".join(f" | {curves[0].label}: {k.replace('_', '-')}" for k in sparse_kinds) + " |"
    n_cols = head.count("|") - 1
    lines = [head, "|" + "---|" * n_cols]
    for j in range(BASS_PERIODS):
        cells = [f"{j + 1}"]
        for c in curves:
            cells += [
                f"{100 * c.bass[j]:.2f}%",
                f"{100 * c.discrete[j]:.2f}%",
                f"{100 * c.sim_mean[j]:.2f}% ± {100 * c.sim_se[j]:.2f}",
            ]
        cells += [f"{100 * c.sparse[k][j]:.2f}%" for c in curves for k in c.sparse]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


_NETWORK_NAMES = {
    "watts_strogatz": "Watts–Strogatz (small world, rewiring 0.1)",
    "barabasi_albert": "Barabási–Albert (scale-free)",
}


def _sparse_prose(c: BassCurves | None) -> str:
    """What the sparse-network curves show, in words derived from the numbers."""
    if c is None or not c.sparse:
        return ""
    t50_bass = math.log(2 + c.q / c.p) / (c.p + c.q)
    early, late = 2, 12  # period boundaries compared (t = 3 and t = 13)
    out = []
    for kind, f in c.sparse.items():
        name = _NETWORK_NAMES.get(kind, kind)
        t50 = half_time(c.t, f)
        out.append(
            f"On {name} the share at t = {early + 1} is {100 * f[early]:.1f}% against Bass's "
            f"{100 * c.bass[early]:.1f}% ({'faster' if f[early] > c.bass[early] else 'slower'} take-off), "
            f"half the market has adopted at t = {t50:.2f} against {t50_bass:.2f} and at t = {late + 1} the "
            f"share is {100 * f[late]:.1f}% against {100 * c.bass[late]:.1f}%."
        )
    out.append(
        "The usual explanations: clustering wastes word of mouth on neighbours who have already "
        "adopted, which slows a small world; on a scale-free network the hubs hear many messages, "
        "adopt early and then reach many people, which can speed the early curve, while the many "
        "people with few ties hear little, which slows the tail."
    )
    return " ".join(out)


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("cxsim.theory_checks", "templates"),
    autoescape=False,  # Markdown, not HTML: the tables carry their own pipes and asterisks
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def markdown(
    checks: list[Check],
    queue: QueueResults,
    curves: list[BassCurves],
    settings: Settings,
    quick: bool,
    wall: float,
) -> str:
    """The report page: ``templates/validation.md.j2`` filled with the checks' tables and numbers."""
    judged = [c for c in checks if not c.informational]
    failed = [c for c in judged if not c.passed]
    commit = git_commit()
    dispersion = max(float(r["dispersion_rel"]) for r in queue.case_rows)
    return _TEMPLATES.get_template("validation.md.j2").render(
        quick=quick,
        when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        commit=commit[:10] if commit else "unknown",
        python=platform.python_version(),
        wall=f"{wall:.0f}",
        n_judged=len(judged),
        status="all passed" if not failed else f"{len(failed)} FAILED",
        n_reported=len(checks) - len(judged),
        z=f"{Z_TOLERANCE:g}",
        check_table=_table(checks),
        case_table=_case_table(queue.case_rows),
        fifo_arrivals=f"{settings.fifo_arrivals:,}",
        fifo_batches=settings.fifo_batches,
        call_rate=f"{settings.call_rate:g}",
        queue_runs=settings.queue_runs,
        queue_days=settings.queue_days,
        dispersion=f"{100 * dispersion:.2g}",
        bass_runs=settings.bass_runs,
        bass_population=f"{settings.bass_population:,}",
        sparse_prose=_sparse_prose(curves[0] if curves else None),
        bass_table=_bass_table(curves),
        cold=", ".join(f"{v:g}" for v in COLD_LONG),
        clv_period_days=CLV_PERIOD_DAYS,
        clv_retention=f"{CLV_RETENTION:g}",
        clv_discount=f"{CLV_DISCOUNT:.0%}",
        clv_periods=CLV_PERIODS,
    )


def default_out_dir() -> Path:
    """Where a plain ``cxsim validate-model`` writes: ``./validation`` (a checkout stays clean)."""
    return Path.cwd() / "validation"


def docs_dir() -> Path | None:
    """``docs/`` of the source checkout the package runs from (``--update-docs``), else ``None``."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "configs").is_dir():
        return root / "docs"
    return None


def run_validation(
    out_dir: Path, *, quick: bool = False, settings: Settings | None = None, log: Callable[[str], None] | None = None
) -> bool:
    """Run every check and write ``validation.md`` and ``figures/*.png`` into ``out_dir``.

    Args:
        out_dir: where the report goes (figures into ``out_dir/figures``).
        quick: use :data:`QUICK` settings (fewer replications, shorter streams).
        settings: explicit settings (overrides ``quick``).
        log: progress messages (default: none).

    Returns:
        Whether every judged check passed.
    """
    say = log or (lambda _msg: None)
    s = settings or (QUICK if quick else FULL)
    t0 = time.perf_counter()
    say("queueing: Erlang C and Erlang A ...")
    queue = queueing_checks(s)
    say("diffusion: Bass ...")
    diff_checks, curves = diffusion_checks(s)
    say("memory, NPS, retention and CLV ...")
    say("staffing: Erlang C planner, SIPP, staff cost ...")
    checks = [*queue.checks, *staffing_checks(s), *diff_checks, *memory_checks(), *nps_checks(s), *clv_checks(s)]
    out_dir = Path(out_dir)
    figures = out_dir / "figures"
    atomic_write_bytes(figures / "validation_erlang_c.png", png_bytes(erlang_figure(queue.sweep)))
    atomic_write_bytes(figures / "validation_bass.png", png_bytes(bass_figure(curves)))
    wall = time.perf_counter() - t0
    atomic_write_text(out_dir / "validation.md", markdown(checks, queue, curves, s, quick, wall))
    ok = all(c.passed for c in checks)
    for c in checks:
        if not c.passed:
            say(f"FAIL: {c.area}: {c.name}: expected {c.expected:.6g}, simulated {c.simulated:.6g} ± {c.se:.3g}")
    n = sum(not c.informational for c in checks)
    say(f"{n} checks, {'all passed' if ok else 'some FAILED'}; report: {out_dir / 'validation.md'} ({wall:.0f} s)")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    """``cxsim validate-model [--out DIR] [--quick] [--update-docs]``: 0 if every check passes, 1 if not, 2 on
    a bad command line."""
    parser = argparse.ArgumentParser(
        prog="cxsim validate-model",
        description="Run the validation-against-theory checks and write validation.md with its figures "
        f"into an output folder (default: {default_out_dir()}). The committed report (docs/validation.md) "
        "changes only with --update-docs, from a full run.",
    )
    parser.add_argument("--out", type=Path, default=None, help=f"output folder (default: {default_out_dir()})")
    parser.add_argument("--quick", action="store_true", help="fewer replications (about a third of the time)")
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="regenerate the committed report docs/validation.md and its figures (a full run only)",
    )
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        if exc.code in (0, None):
            raise
        return 2
    out = args.out or default_out_dir()
    if args.update_docs:
        problem = ""
        docs = docs_dir()
        if args.quick:
            problem = "--update-docs needs a full run: the committed report is never a quick one; drop --quick"
        elif args.out is not None:
            problem = "--update-docs writes docs/ of the checkout; it cannot be combined with --out"
        elif docs is None:
            problem = "--update-docs needs a source checkout (docs/ next to pyproject.toml); use --out DIR"
        if problem:
            print(f"cxsim: validate-model: {problem}", file=sys.stderr)
            return 2
        assert docs is not None
        out = docs
    ok = run_validation(out, quick=args.quick, log=print)
    return 0 if ok else 1
